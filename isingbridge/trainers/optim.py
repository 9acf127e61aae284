"""Optimizers that apply gradients to named parameter arrays, in place.

They know nothing of the physics: an estimator hands them ``{name: gradient}``
and they move ``{name: parameter}`` downhill.  A step that leaves a parameter
NaN or infinite (a learning rate or gradient so large that the update
overflows) raises a ``ValueError`` naming ``learning_rate`` instead of
training on silently.
"""
from __future__ import annotations

from typing import Any

import numba
import numpy as np

from isingbridge.validation import as_rng, check_nonnegative, check_positive, check_real

__all__ = ["SGD", "Adam", "LangevinSGD", "DivergedStepError"]


# fastmath without 'nnan'/'ninf': the finiteness test below must see NaN and infinity
@numba.njit(fastmath={"nsz", "arcp", "contract", "afn", "reassoc"}, cache=True)
def _descend(parameter: np.ndarray, gradient: np.ndarray, rate: float) -> bool:
    probe = 0.0  # stays 0 unless some value is NaN or infinite (x * 0 is NaN for those)
    for i in range(parameter.size):
        value = parameter[i] - rate * gradient[i]
        parameter[i] = value
        probe += value * 0.0
    return probe == 0.0


def descend(parameter: np.ndarray, gradient: np.ndarray, rate: float) -> bool:
    """parameter −= rate · gradient in one pass (numpy needs two and a temporary; the step is memory-bound).

    Returns whether every updated value is finite (checked in the same pass).
    """
    if parameter.shape != gradient.shape:  # the kernel does no bounds checks
        raise ValueError(f"gradient of shape {gradient.shape} does not fit parameter of shape {parameter.shape}")
    if parameter.flags.c_contiguous and gradient.flags.c_contiguous and parameter.dtype == gradient.dtype:
        return _descend(parameter.reshape(-1), gradient.reshape(-1), parameter.dtype.type(rate))
    parameter -= rate * gradient
    return bool(np.all(np.isfinite(parameter)))


class DivergedStepError(ValueError):
    """An optimizer step left a parameter NaN or infinite; ``parameter`` names it."""

    def __init__(self, message: str, parameter: str):
        super().__init__(message)
        self.parameter = parameter


def check_step(finite: bool, name: str, learning_rate: float) -> None:
    """Raise when an update left parameter ``name`` NaN or infinite."""
    if not finite:
        raise DivergedStepError(f"the optimizer step left parameter {name} NaN or infinite (the model is spoilt: "
                                f"reload the last checkpoint); lower learning_rate (now {learning_rate:g}) or check "
                                "the gradients", name)


class Optimizer:
    """What every optimizer offers: :meth:`step` applies gradients; :meth:`state` and :meth:`load_state` checkpoint it.

    The optimizers apply gradients and know nothing of the physics that produced them.
    """

    def step(self, parameters: dict[str, np.ndarray], gradients: dict[str, np.ndarray]) -> None:
        """Move every parameter named in ``gradients`` one step downhill, in place.

        Parameters
        ----------
        parameters : dict of str to ndarray
            The arrays to update (a model's :meth:`parameters`).
        gradients : dict of str to ndarray
            A gradient for some or all of them, of the same shapes.

        Raises
        ------
        DivergedStepError
            When the step leaves a parameter NaN or infinite.
        """
        raise NotImplementedError

    def state(self) -> dict:
        """A copy of the optimizer's state, for checkpoints."""
        raise NotImplementedError

    def load_state(self, state: dict) -> None:
        """Restore a state returned by :meth:`state`."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with (heavy-ball) momentum.

    Parameters
    ----------
    learning_rate : float, default 0.01
        Step size (> 0).
    momentum : float, default 0.0
        Heavy-ball momentum in [0, 1); 0 is plain SGD.

    Examples
    --------
    >>> import numpy as np
    >>> from isingbridge.trainers import SGD
    >>> parameters = {"w": np.array([1.0, -2.0])}
    >>> SGD(learning_rate=0.5).step(parameters, {"w": np.array([1.0, 1.0])})
    >>> parameters["w"]
    array([ 0.5, -2.5])
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, parameters: dict[str, np.ndarray], gradients: dict[str, np.ndarray]) -> None:
        if not self.momentum:  # plain SGD: no velocity to keep
            for name, gradient in gradients.items():
                check_step(descend(parameters[name], gradient, self.learning_rate), name, self.learning_rate)
            return
        for name, gradient in gradients.items():
            v = self.velocity.setdefault(name, np.zeros_like(gradient))
            v *= self.momentum
            v -= self.learning_rate * gradient
            parameters[name] += v
            check_step(bool(np.all(np.isfinite(parameters[name]))), name, self.learning_rate)

    def state(self) -> dict:
        """A copy of the optimizer's state (the momentum's velocities), for checkpoints."""
        return {"velocity": {k: v.copy() for k, v in self.velocity.items()}}

    def load_state(self, state: dict) -> None:
        self.velocity = {k: np.array(v) for k, v in state["velocity"].items()}


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction.

    Parameters
    ----------
    learning_rate : float, default 1e-3
        Step size (> 0).
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the first and second moment averages, in [0, 1).
    eps : float, default 1e-8
        Added to the root of the second moment (> 0).
    """

    def __init__(self, learning_rate: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.beta1 = check_real(beta1, "beta1", low=0.0, high=1.0, high_open=True)
        self.beta2 = check_real(beta2, "beta2", low=0.0, high=1.0, high_open=True)
        self.eps = check_positive(eps, "eps")
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self.t = 0

    def step(self, parameters: dict[str, np.ndarray], gradients: dict[str, np.ndarray]) -> None:
        self.t += 1
        for name, gradient in gradients.items():
            m = self.m.setdefault(name, np.zeros_like(gradient))
            v = self.v.setdefault(name, np.zeros_like(gradient))
            m *= self.beta1
            m += (1 - self.beta1) * gradient
            v *= self.beta2
            v += (1 - self.beta2) * gradient**2
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
            parameters[name] -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)
            check_step(bool(np.all(np.isfinite(parameters[name]))), name, self.learning_rate)

    def state(self) -> dict:
        """A copy of the optimizer's state (moment averages and step count), for checkpoints."""
        return {"m": {k: a.copy() for k, a in self.m.items()}, "v": {k: a.copy() for k, a in self.v.items()}, "t": self.t}

    def load_state(self, state: dict) -> None:
        self.m = {k: np.array(a) for k, a in state["m"].items()}
        self.v = {k: np.array(a) for k, a in state["v"].items()}
        self.t = int(state["t"])


class LangevinSGD(Optimizer):
    """Overdamped Langevin dynamics of the parameters: θ ← θ − η g + √(2ηT) ξ, ξ ~ N(0, 1).

    The slow variables of a dissipative device feel the relaxation force plus
    thermal noise of temperature ``temperature`` (0 gives plain SGD).

    Parameters
    ----------
    learning_rate : float, default 0.01
        η, the step size (> 0).
    temperature : float, default 0.0
        T, the noise temperature (≥ 0).
    seed : int, numpy.random.Generator or None
        Source of the noise.
    """

    def __init__(self, learning_rate: float = 0.01, temperature: float = 0.0, seed: Any = None):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.temperature = check_nonnegative(temperature, "temperature")
        self.rng = as_rng(seed)

    def step(self, parameters: dict[str, np.ndarray], gradients: dict[str, np.ndarray]) -> None:
        scale = np.sqrt(2.0 * self.learning_rate * self.temperature)
        for name, gradient in gradients.items():
            parameters[name] -= self.learning_rate * gradient
            if scale:
                parameters[name] += scale * self.rng.standard_normal(gradient.shape)
            check_step(bool(np.all(np.isfinite(parameters[name]))), name, self.learning_rate)

    def state(self) -> dict:
        """The noise generator's state, for checkpoints."""
        return {"rng": self.rng.bit_generator.state}

    def load_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
