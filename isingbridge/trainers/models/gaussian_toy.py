"""Dissipative ("two-lobe") training, §2 of Lobanov 2023: the Gaussian toy.

The weights are slow degrees of freedom relaxing under the total energy
E^T = E(x; θ) − E(x̃; θ) of two lobes: x is free (the model lobe), x̃ is driven
by the data (the training lobe).  Relaxation θ ← θ − η ∂E^T/∂θ is then
stochastic gradient descent on KL(p̃ ‖ p).

For E(x; θ) = θx²/2 (a normal distribution with variance 1/θ) the paper compares
three ways of producing the fast variables at every step:

* ``"cd"`` — x drawn exactly from p_θ, x̃ from the training distribution;
* ``"mh"`` — x from one Metropolis–Hastings step (normal proposal, σ = 0.5)
  continuing the previous x, x̃ from the training distribution;
* ``"langevin"`` — x and x̃ both follow discretised Langevin dynamics
  x ← x − η′ ∂E/∂x + √(2η′) ξ with η′ = 500 η (the paper prints √(2/η′), which
  would not have the Boltzmann distribution as its stationary law), x̃ at the
  target θ̃.

:func:`gaussian_toy` runs all repeats at once in compiled code and returns the
θ trajectories; the paper's claim is that the three converge at the same rate,
with a 3–4× larger spread for MH and Langevin (correlated samples).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from isingbridge.validation import check_array, check_choice, check_int, check_positive, check_positive_int

__all__ = ["gaussian_toy", "window_statistics", "METHODS"]

METHODS = {"cd": 0, "mh": 1, "langevin": 2}


@numba.njit(cache=True)
def _run(method: int, steps: int, lr: float, theta0: float, target: float, repeats: int, seed: int,
         langevin_ratio: float, proposal: float) -> np.ndarray:
    np.random.seed(seed)
    theta = np.full(repeats, theta0)
    x = np.random.standard_normal(repeats) / math.sqrt(theta0)
    x_data = np.random.standard_normal(repeats) / math.sqrt(target)
    fast = langevin_ratio * lr
    noise = math.sqrt(2.0 * fast)
    out = np.empty((steps, repeats))
    for t in range(steps):
        for r in range(repeats):
            if method == 0:
                x[r] = np.random.standard_normal() / math.sqrt(theta[r])
                x_data[r] = np.random.standard_normal() / math.sqrt(target)
            elif method == 1:
                y = x[r] + proposal * np.random.standard_normal()
                if np.random.random() < math.exp(-0.5 * theta[r] * (y * y - x[r] * x[r])):
                    x[r] = y
                x_data[r] = np.random.standard_normal() / math.sqrt(target)
            else:
                x[r] = x[r] - fast * theta[r] * x[r] + noise * np.random.standard_normal()
                x_data[r] = x_data[r] - fast * target * x_data[r] + noise * np.random.standard_normal()
            # ∂E^T/∂θ = x²/2 − x̃²/2 with E^T = E(x; θ) − E(x̃; θ); relaxation descends it
            force = 0.5 * x_data[r] * x_data[r] - 0.5 * x[r] * x[r]
            theta[r] = max(theta[r] - lr * force, 1e-6)
            out[t, r] = theta[r]
    return out


def gaussian_toy(method: str, *, steps: int = 160_000, learning_rate: float = 2e-4, theta0: float = 3.0,
                 target: float = 1.0, repeats: int = 20, seed: int = 0, langevin_ratio: float = 500.0,
                 proposal: float = 0.5) -> np.ndarray:
    """θ trajectories, shape ``(steps, repeats)``, for one of ``"cd"``, ``"mh"``, ``"langevin"``.

    Defaults are the paper's: learning rate 2·10⁻⁴, 1.6·10⁵ steps, 20 repeats,
    θ from 3 toward 1, MH proposal σ = 0.5, η′/η = 500.
    """
    check_choice(method, "method", sorted(METHODS))
    steps = check_positive_int(steps, "steps")
    repeats = check_positive_int(repeats, "repeats")
    positives = [check_positive(value, name) for value, name in ((learning_rate, "learning_rate"), (theta0, "theta0"),
             (target, "target"), (langevin_ratio, "langevin_ratio"), (proposal, "proposal"))]
    seed = check_int(seed, "seed", minimum=0, maximum=2**32 - 1)  # numba's np.random.seed takes 32 bits
    learning_rate, theta0, target, langevin_ratio, proposal = positives
    return _run(METHODS[method], steps, learning_rate, theta0, target, repeats, seed, langevin_ratio, proposal)


def window_statistics(trajectories: np.ndarray, window: int = 1000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(step, mean, std) of θ over windows of ``window`` consecutive steps pooled over repeats (the paper's Fig. 2)."""
    trajectories = check_array(trajectories, "trajectories", ndim=2)
    window = check_positive_int(window, "window")
    if window > trajectories.shape[0]:
        raise ValueError(f"window ({window}) is longer than the {trajectories.shape[0]} steps of the trajectories")
    count = trajectories.shape[0] // window
    blocks = trajectories[: count * window].reshape(count, -1)  # rows are steps: each row of blocks is one window
    steps = (np.arange(count) + 0.5) * window
    return steps, blocks.mean(axis=1), blocks.std(axis=1)
