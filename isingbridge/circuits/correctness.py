"""Worst-case correctness of Ising circuits (Eq. 18 of the correspondence paper).

For a circuit meant to compute the Boolean function x ↦ y(x), the correctness
of output bit j on input x is y_j(x)·⟨s_j⟩_x ∈ [−1, 1]; the circuit's
correctness is the minimum over all inputs and bits.  c > 0 means every bit's
thermal average has the right sign; its magnitude says how long one must
average to read the answer.

:func:`correctness_map` evaluates c over a (β, λ) grid; grid points are
independent and run in parallel with joblib (so a Dask or Ray cluster can take
them through joblib's backends).  :func:`mean_field_means` is the cheap naive
mean-field surrogate used by :func:`isingbridge.circuits.tune`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed

from isingbridge.backends import get
from isingbridge.circuits.compile import IsingCircuit, check_spins, compile_network, layer_scale
from isingbridge.circuits.network import FeedForward, as_network
from isingbridge.validation import (
    check_array, check_beta, check_n_jobs, check_nonnegative, check_positive, check_positive_int, check_real,
)

__all__ = ["Correctness", "correctness", "CorrectnessMap", "correctness_map", "mean_field_means", "truth_table",
           "check_grid"]


@dataclass
class Correctness:
    """Per-(input, bit) correctness values and their minimum."""

    values: np.ndarray
    worst: float

    @property
    def correct(self) -> bool:
        """Whether every (input, bit) is correct: ``worst`` > 0."""
        return self.worst > 0


def truth_table(X: Any, Y: Any, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate a truth table: at least one row, ±1 spins, ``n_in`` and ``n_out`` columns, as many X rows as Y rows."""
    X = check_spins(X, n_in, "X")
    Y = check_spins(Y, n_out, "Y")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    return X, Y


def check_grid(values: Any, name: str) -> np.ndarray:
    """A search grid: one or more positive finite numbers, as a 1-D float array."""
    if values is None:
        raise TypeError(f"{name} must be one or more positive numbers, got None")
    grid = np.atleast_1d(check_array(values, name, ndim=(0, 1)))
    if grid.size == 0:
        raise ValueError(f"{name} is empty; give at least one value")
    if np.any(grid <= 0):
        raise ValueError(f"{name} must hold positive values, got {grid[grid <= 0][0]:g}")
    return grid


def correctness(circuit: IsingCircuit, X: Any, Y: Any, backend: Any = "exact", **options: Any) -> Correctness:
    """c = min over inputs and output bits of y_j(x)·⟨s_j⟩_x, on any backend."""
    if not isinstance(circuit, IsingCircuit):
        raise TypeError(f"circuit must be an IsingCircuit (from compile_network), got {type(circuit).__name__}")
    X, Y = truth_table(X, Y, len(circuit.inputs), len(circuit.outputs))
    values = Y * circuit.output_means(X, backend=backend, **options)
    return Correctness(values, float(values.min()))


def mean_field_means(network: Any, X: Any, beta: float, lam: float,
                     iterations: int = 500, tol: float = 1e-10, damping: float = 0.5) -> np.ndarray:
    """Naive mean-field output magnetisations of the compiled circuit, for all inputs at once.

    Solves m_ℓ = tanh(β(λ^(ℓ−1)(W_ℓ m_{ℓ−1} + b_ℓ) + λ^ℓ W_{ℓ+1}ᵀ m_{ℓ+1})) by damped
    fixed-point iteration (unique for small βλ, Lemma 5.3).

    Parameters
    ----------
    network : any network :func:`compile_network` accepts
    X : (rows, n_in) or (n_in,) inputs
    beta, lam : the circuit's inverse temperature and temperature gradient (> 0)
    iterations : most fixed-point sweeps (>= 1)
    tol : stop once no magnetisation moves by more than this (>= 0)
    damping : weight in [0, 1) of the previous iterate
    """
    network = as_network(network)
    X = network.inputs(X)
    beta, lam = check_beta(beta), check_positive(lam, "lam")
    layer_scale(lam, network.depth)
    iterations = check_positive_int(iterations, "iterations")
    tol = check_nonnegative(tol, "tol")
    damping = check_real(damping, "damping", low=0.0, high=1.0, high_open=True)
    return _mean_field_means(network, X, beta, lam, iterations, tol, damping)


def _mean_field_means(network: FeedForward, X: np.ndarray, beta: float, lam: float,
                      iterations: int = 500, tol: float = 1e-10, damping: float = 0.5) -> np.ndarray:
    """:func:`mean_field_means` on checked arguments (the searches call it thousands of times)."""
    layers = network.layers
    m = [X] + [np.zeros((X.shape[0], W.shape[0])) for W, _ in layers]
    # huge fields saturate tanh at ±1, which is their exact limit; only inf − inf (NaN) is refused below
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(iterations):
            change = 0.0
            for depth in range(1, len(m)):
                W, b = layers[depth - 1]
                field = lam ** (depth - 1) * (m[depth - 1] @ W.T + b)
                if depth < len(layers):
                    field = field + lam**depth * (m[depth + 1] @ layers[depth][0])
                new = (1 - damping) * np.tanh(beta * field) + damping * m[depth]
                change = max(change, float(np.abs(new - m[depth]).max()))
                m[depth] = new
            if change < tol:
                break
    if np.isnan(m[-1]).any():
        raise ValueError(f"the mean-field fields overflow at beta={beta:g}, lam={lam:g}; use smaller weights, beta or lam")
    return m[-1]


@dataclass
class CorrectnessMap:
    """Worst-case correctness over a (β, λ) grid: ``worst[i, j]`` at ``betas[i]``, ``lams[j]``."""

    betas: np.ndarray
    lams: np.ndarray
    worst: np.ndarray

    def best(self) -> tuple[float, float, float]:
        """(β, λ, c) of the best grid point."""
        i, j = np.unravel_index(np.argmax(self.worst), self.worst.shape)
        return float(self.betas[i]), float(self.lams[j]), float(self.worst[i, j])

    def plot(self, ax=None, title: str | None = None, linthresh: float = 1e-2):
        """Heatmap (blue = correct, red = wrong, white = noise) with the β = 1 isotherm dashed.

        The colour scale is symmetric-logarithmic below ``linthresh`` so that the
        small positive margins typical of high-temperature circuits stay visible.
        """
        import matplotlib.pyplot as plt
        from matplotlib.colors import SymLogNorm

        ax = ax or plt.subplots(figsize=(5, 4))[1]
        norm = SymLogNorm(linthresh=linthresh, vmin=-1.0, vmax=1.0)
        image = ax.pcolormesh(self.lams, self.betas, self.worst, cmap="RdBu", norm=norm, shading="nearest")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.axhline(1.0, color="k", linestyle="--", linewidth=1, label="isotherm β = 1")
        ax.set_xlabel("temperature gradient λ")
        ax.set_ylabel("inverse temperature β")
        ax.set_title(title or "worst-case correctness c(β, λ)")
        ax.legend(loc="lower left", fontsize=8)
        ax.figure.colorbar(image, ax=ax, label="c")
        return ax


def _grid_point(network: FeedForward, X: np.ndarray, Y: np.ndarray, beta: float, lam: float,
                backend: Any, options: dict) -> float:
    if isinstance(backend, str) and backend == "mean-field":
        return float((Y * _mean_field_means(network, X, beta, lam)).min())
    circuit = compile_network(network, beta=beta, lam=lam)
    return correctness(circuit, X, Y, backend=backend, **options).worst


def correctness_map(net: Any, X: Any, Y: Any, betas: Any, lams: Any, *, backend: Any = "exact",
                    n_jobs: int | None = 1, activation: str | None = None, **options: Any) -> CorrectnessMap:
    """Worst-case correctness of the compiled network at every (β, λ) of a grid.

    ``backend="mean-field"`` uses the naive mean-field surrogate instead of a
    sampler.  ``n_jobs`` is joblib's (−1 = all cores; wrap the call in
    ``joblib.parallel_backend("dask")`` or ``"ray"`` to use a cluster).
    """
    network = as_network(net, activation)
    X, Y = truth_table(X, Y, network.sizes[0], network.sizes[-1])
    betas, lams = check_grid(betas, "betas"), check_grid(lams, "lams")
    n_jobs = check_n_jobs(n_jobs)
    for lam in lams:
        layer_scale(float(lam), network.depth)
    if not (isinstance(backend, str) and backend == "mean-field"):
        get(backend)  # an unknown backend fails here, not inside every worker
    points = [(beta, lam) for beta in betas for lam in lams]
    values = Parallel(n_jobs=n_jobs)(
        delayed(_grid_point)(network, X, Y, beta, lam, backend, options) for beta, lam in points
    )
    return CorrectnessMap(betas, lams, np.asarray(values).reshape(betas.size, lams.size))


def plot_spin_correctness(result: Correctness, ax=None, title: str | None = None):
    """Heatmap of y_j(x)·⟨s_j⟩_x: rows = inputs, columns = output bits."""
    import matplotlib.pyplot as plt

    if not isinstance(result, Correctness):
        raise TypeError(f"result must be a Correctness (from correctness()), got {type(result).__name__}")
    ax = ax or plt.subplots(figsize=(3, 5))[1]
    limit = max(1e-12, float(np.abs(result.values).max()))
    image = ax.imshow(result.values, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xlabel("output bit j")
    ax.set_ylabel("input x")
    ax.set_title(title or f"per-spin correctness (c = {result.worst:.3g})")
    ax.figure.colorbar(image, ax=ax)
    return ax
