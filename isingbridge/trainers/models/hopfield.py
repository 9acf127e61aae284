"""Continuous Hopfield energies for classical equilibrium propagation (Scellier & Bengio 2017).

States s_k of layers k = 1..L (layer 0 is the input x, clamped), activation ρ:

    E(s) = ½ Σ_k ‖s_k‖² − Σ_k ρ(s_{k+1})ᵀ W_k ρ(s_k) − Σ_k b_kᵀ ρ(s_k),     C = ½ ‖s_L − d‖²,

and the network answers with the output layer of the minimum of F = E + nudge·C
(nudge 0: free).  :meth:`LayeredHopfield.relax` finds equilibria by fixed-point
iteration (exact for the hard sigmoid ρ(s) = clip(s, 0, 1): s_k = ρ(h_k), and
the nudged output solves s_L = ρ((h_L + nudge·d)/(1 + nudge))) or by gradient
descent on F (any ρ); :class:`HopfieldNetwork` is the same energy on any
symmetric graph.  The gradient rules that use them are in
:mod:`isingbridge.trainers.estimators.eqprop`.

>>> import numpy as np
>>> from isingbridge.trainers.models import LayeredHopfield
>>> net = LayeredHopfield.random([4, 6, 2], seed=0)
>>> states, iterations, converged = net.relax(np.ones((3, 4)))
>>> [s.shape for s in states], converged
([(3, 6), (3, 2)], True)
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from isingbridge.validation import (
    as_rng, check_choice, check_int, check_layer_sizes, check_positive_int,
    check_real,
)

__all__ = ["LayeredHopfield", "HopfieldNetwork", "ACTIVATIONS", "METHODS"]

METHODS = ("fixed_point", "gradient")


def hard_sigmoid(s: np.ndarray) -> np.ndarray:
    return np.clip(s, 0.0, 1.0)


def hard_sigmoid_slope(s: np.ndarray) -> np.ndarray:
    return ((s > 0.0) & (s < 1.0)).astype(s.dtype)


def hard_sigmoid_curvature(s: np.ndarray) -> np.ndarray:
    return np.zeros_like(s)


def tanh_slope(s: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(s) ** 2


def tanh_curvature(s: np.ndarray) -> np.ndarray:
    t = np.tanh(s)
    return -2.0 * t * (1.0 - t * t)


_Activation = Callable[[np.ndarray], np.ndarray]

#: name → (ρ, ρ', ρ'')
ACTIVATIONS: dict[str, tuple[_Activation, _Activation, _Activation]] = {
    "hard_sigmoid": (hard_sigmoid, hard_sigmoid_slope, hard_sigmoid_curvature),
    "tanh": (np.tanh, tanh_slope, tanh_curvature),
}


@dataclass
class LayeredHopfield:
    """Weights ``W[k]`` (sizes[k+1] × sizes[k]) and biases ``b[k]`` (sizes[k+1]) of a layered Hopfield network."""

    W: list
    b: list
    activation: str = "hard_sigmoid"

    def __post_init__(self) -> None:
        check_choice(self.activation, "activation", sorted(ACTIVATIONS))
        self.rho, self.rho_slope, self.rho_curvature = ACTIVATIONS[self.activation]

    @classmethod
    def random(cls, sizes: list[int], *, activation: str = "hard_sigmoid", seed=None) -> LayeredHopfield:
        """Glorot-uniform weights, zero biases."""
        sizes = check_layer_sizes(sizes, "sizes")
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output layer of positive sizes, got {sizes}")
        rng = as_rng(seed)
        W = [rng.uniform(-1, 1, (m, n)) * math.sqrt(6.0 / (m + n)) for n, m in zip(sizes[:-1], sizes[1:])]
        return cls(W, [np.zeros(m) for m in sizes[1:]], activation)

    @property
    def sizes(self) -> list[int]:
        """Layer sizes, input first."""
        return [self.W[0].shape[1]] + [w.shape[0] for w in self.W]

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays ``W0, W1, …`` and ``b0, b1, …``, by name (views: optimizers update them in place)."""
        return {**{f"W{k}": w for k, w in enumerate(self.W)}, **{f"b{k}": b for k, b in enumerate(self.b)}}

    def energy(self, x: np.ndarray, states: list) -> np.ndarray:
        """E per row (the input layer clamped to x)."""
        rho = [x] + [self.rho(s) for s in states]
        total = sum(0.5 * np.sum(s * s, axis=1) for s in states)
        for k, w in enumerate(self.W):
            total = total - np.einsum("ri,ij,rj->r", rho[k + 1], w, rho[k]) - rho[k + 1] @ self.b[k]
        return total

    def energy_gradient_statistics(self, x: np.ndarray, states: list) -> dict[str, np.ndarray]:
        """Batch means of −∂E/∂θ: ρ(s_{k+1})ρ(s_k)ᵀ and ρ(s_{k+1})."""
        rho = [x] + [self.rho(s) for s in states]
        n = x.shape[0]
        out = {f"W{k}": rho[k + 1].T @ rho[k] / n for k in range(len(self.W))}
        out.update({f"b{k}": rho[k + 1].mean(axis=0) for k in range(len(self.W))})
        return out

    def _field(self, k: int, rho: list, drive: np.ndarray) -> np.ndarray:
        """h of hidden/output layer k+1 (index into ``rho`` with the input at 0; ``drive`` = the input's share)."""
        h = drive if k == 0 else rho[k] @ self.W[k].T + self.b[k]
        if k + 1 < len(self.W):
            h = h + rho[k + 2] @ self.W[k + 1]
        return h

    def relax(self, x: np.ndarray, *, nudge: float = 0.0, targets: np.ndarray | None = None, start: list | None = None,
              method: str = "fixed_point", tol: float = 1e-6, max_iter: int = 200, step: float = 0.2):
        """Equilibrium of E + ``nudge``·C from ``start`` (default zeros); returns (states, iterations, converged).

        Parameters
        ----------
        x : ndarray, shape (n, sizes[0])
            Inputs, one row per example (clamped).
        nudge : float, default 0.0
            Weight of the cost C = ½‖s_L − targets‖² (0: the free phase).
        targets : ndarray, shape (n, sizes[-1]), optional
            Required when ``nudge`` is not 0.
        start : list of ndarray, optional
            States of the hidden and output layers to start from.
        method : {"fixed_point", "gradient"}
            Fixed-point iteration (exact for the hard sigmoid only) or
            gradient descent on E + ``nudge``·C with ``step``.
        tol : float, default 1e-6
            Stop when no state changes by more than this in one sweep.
        max_iter : int, default 200
            Most sweeps.
        step : float, default 0.2
            Step of the gradient method.

        Returns
        -------
        states : list of ndarray
            States of the hidden and output layers, one row per example.
        iterations : int
            Sweeps done.
        converged : bool
            Whether ``tol`` was reached within ``max_iter`` sweeps.

        Raises
        ------
        ValueError
            For ``method="fixed_point"`` with an activation other than the hard sigmoid.
        """
        check_choice(method, "method", METHODS)
        states = [np.zeros((x.shape[0], w.shape[0])) for w in self.W] if start is None else [s.copy() for s in start]
        last = len(states) - 1
        drive = x @ self.W[0].T + self.b[0]  # the clamped input's field never changes: compute it once
        for iteration in range(1, max_iter + 1):
            change = 0.0
            rho = [x] + [self.rho(s) for s in states]
            for k in range(len(states)):
                h = self._field(k, rho, drive)
                if method == "fixed_point":
                    if self.activation != "hard_sigmoid":
                        raise ValueError("fixed-point relaxation is exact for the hard sigmoid only; "
                                         "use method='gradient' for tanh")
                    if k == last and nudge:
                        assert targets is not None, "a nudged relaxation needs targets"
                        new = self.rho((h + nudge * targets) / (1.0 + nudge))
                    else:
                        new = self.rho(h)
                else:
                    force = states[k] - self.rho_slope(states[k]) * h
                    if k == last and nudge:
                        assert targets is not None, "a nudged relaxation needs targets"
                        force = force + nudge * (states[k] - targets)
                    new = states[k] - step * force
                change = max(change, float(np.max(np.abs(new - states[k]))))
                states[k] = new
                rho[k + 1] = self.rho(new)
            if change < tol:
                return states, iteration, True
        return states, max_iter, False

    def hessian(self, x: np.ndarray, states: list) -> np.ndarray:
        """∂²E/∂s∂s of one example (``x`` a row, ``states`` rows of each layer), units stacked layer by layer.

        Diagonal 1 − ρ''(s_i) h_i, off-diagonal −ρ'(s_i) W_ij ρ'(s_j) between
        connected units (Appendix A 1 of Massar & Mognetti for this energy).
        """
        rho = [x] + [self.rho(s) for s in states]
        sizes = [w.shape[0] for w in self.W]
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        H = np.zeros((offsets[-1], offsets[-1]))
        drive = x @ self.W[0].T + self.b[0]
        for k, s in enumerate(states):
            block = slice(offsets[k], offsets[k + 1])
            H[block, block] = np.diag(1.0 - self.rho_curvature(s) * self._field(k, rho, drive))
            if k + 1 < len(states):
                nxt = slice(offsets[k + 1], offsets[k + 2])
                coupling = -self.rho_slope(states[k + 1])[:, None] * self.W[k + 1] * self.rho_slope(s)[None, :]
                H[nxt, block] = coupling
                H[block, nxt] = coupling.T
        return H

    def output(self, x: np.ndarray, **options) -> np.ndarray:
        """The output layer at the free equilibrium."""
        return self.relax(x, **options)[0][-1]


@dataclass
class HopfieldNetwork:
    """A continuous Hopfield network of any topology (Eq. 1): free units coupled by a symmetric masked ``W``.

    E = ½‖s‖² − ½ ρ(s)ᵀ W̃ ρ(s) − ρ(s)ᵀ (U x + b), with W̃ = mask ⊙ (W + Wᵀ)/2 (zero
    diagonal), inputs x clamped and the last ``n_outputs`` free units the outputs.
    Parameters ``W`` (N × N), ``U`` (N × n_inputs), ``b`` (N).  It has the
    interface :class:`EqProp` uses, so the same estimator trains layered and
    general networks; ``relax`` returns the states as [hidden units, output units].

    >>> import numpy as np
    >>> from isingbridge.trainers import EqProp
    >>> net = HopfieldNetwork.random(3, 5, 2, density=0.6, seed=0)
    >>> result = EqProp(0.1).gradient(net, np.random.default_rng(0).random((4, 3)), np.eye(2)[[0, 1, 0, 1]])
    >>> sorted(result.values)
    ['U', 'W', 'b']
    """

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray
    mask: np.ndarray
    n_outputs: int
    activation: str = "hard_sigmoid"
    damping: float = 0.5

    def __post_init__(self) -> None:
        check_choice(self.activation, "activation", sorted(ACTIVATIONS))
        self.damping = check_real(self.damping, "damping", low=0.0, high=1.0, low_open=True)
        self.n_outputs = check_int(self.n_outputs, "n_outputs")
        n = self.W.shape[0]
        if self.W.shape != (n, n) or self.mask.shape != (n, n) or self.U.shape[0] != n or self.b.shape != (n,):
            raise ValueError(f"W and mask must be N × N, U N × n_inputs and b of length N (N = {n})")
        if not 1 <= self.n_outputs <= n:
            raise ValueError(f"n_outputs must be between 1 and the {n} free units, got {self.n_outputs}")
        if not np.array_equal(self.mask, self.mask.T):
            raise ValueError("mask must be symmetric (couplings are undirected)")
        self.mask = self.mask.astype(bool) & ~np.eye(n, dtype=bool)
        self.rho, self.rho_slope, self.rho_curvature = ACTIVATIONS[self.activation]

    @classmethod
    def random(cls, n_inputs: int, n_free: int, n_outputs: int, *, density: float = 0.5, input_density: float = 1.0,
               activation: str = "hard_sigmoid", seed=None) -> HopfieldNetwork:
        """Random symmetric connectivity of the given density, uniform ±1/√fan-in weights, zero biases."""
        n_inputs, n_free = check_int(n_inputs, "n_inputs", minimum=0), check_positive_int(n_free, "n_free")
        density = check_real(density, "density", low=0.0, high=1.0)
        input_density = check_real(input_density, "input_density", low=0.0, high=1.0)
        rng = as_rng(seed)
        upper = np.triu(rng.random((n_free, n_free)) < density, k=1)
        mask = upper | upper.T
        scale = 1.0 / math.sqrt(max(1.0, density * n_free + input_density * n_inputs))
        W = rng.uniform(-1, 1, (n_free, n_free)) * scale
        W = (W + W.T) / 2 * mask
        U = rng.uniform(-1, 1, (n_free, n_inputs)) * scale * (rng.random((n_free, n_inputs)) < input_density)
        return cls(W, U, np.zeros(n_free), mask, n_outputs, activation)

    @property
    def sizes(self) -> list[int]:
        """[inputs, hidden free units, outputs]."""
        return [self.U.shape[1], self.W.shape[0] - self.n_outputs, self.n_outputs]

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays ``W``, ``U``, ``b``, by name (views: optimizers update them in place)."""
        return {"W": self.W, "U": self.U, "b": self.b}

    def coupling(self) -> np.ndarray:
        """The effective symmetric coupling W̃ = mask ⊙ (W + Wᵀ)/2 (zero diagonal)."""
        return self.mask * (self.W + self.W.T) / 2

    def _join(self, states: list) -> np.ndarray:
        return np.hstack(states)

    def _split(self, s: np.ndarray) -> list:
        return [s[:, : -self.n_outputs], s[:, -self.n_outputs:]]

    def energy(self, x: np.ndarray, states: list) -> np.ndarray:
        """E per row (inputs clamped to x)."""
        s = self._join(states)
        r = self.rho(s)
        return (0.5 * np.sum(s * s, axis=1) - 0.5 * np.einsum("ri,ij,rj->r", r, self.coupling(), r)
                - np.sum(r * (x @ self.U.T + self.b), axis=1))

    def energy_gradient_statistics(self, x: np.ndarray, states: list) -> dict[str, np.ndarray]:
        """Batch means of −∂E/∂θ: ½ρρᵀ on the mask for each entry of W, ρxᵀ for U, ρ for b."""
        r = self.rho(self._join(states))
        n = x.shape[0]
        return {"W": 0.5 * self.mask * (r.T @ r) / n, "U": r.T @ x / n, "b": r.mean(axis=0)}

    def relax(self, x: np.ndarray, *, nudge: float = 0.0, targets: np.ndarray | None = None, start: list | None = None,
              method: str = "fixed_point", tol: float = 1e-6, max_iter: int = 200, step: float = 0.2):
        """Equilibrium of E + ``nudge``·C (C on the outputs) from ``start`` (default zeros): (states, iterations,
        converged).

        ``fixed_point`` iterates s ← s + damping·(ρ(h) − s) on all units at once
        (the hard sigmoid's fixed points are exact stationary points of E);
        ``gradient`` descends E + ``nudge``·C with ``step``.
        """
        check_choice(method, "method", METHODS)
        n = self.W.shape[0]
        s = np.zeros((x.shape[0], n)) if start is None else self._join(start).copy()
        W, drive = self.coupling(), x @ self.U.T + self.b
        out = slice(n - self.n_outputs, n)
        if method == "fixed_point" and self.activation != "hard_sigmoid":
            raise ValueError("fixed-point relaxation is exact for the hard sigmoid only; use method='gradient' for tanh")
        for iteration in range(1, max_iter + 1):
            h = self.rho(s) @ W + drive
            if method == "fixed_point":
                target = self.rho(h)
                if nudge:
                    assert targets is not None, "a nudged relaxation needs targets"
                    target[:, out] = self.rho((h[:, out] + nudge * targets) / (1.0 + nudge))
                new = s + self.damping * (target - s)
            else:
                force = s - self.rho_slope(s) * h
                if nudge:
                    assert targets is not None, "a nudged relaxation needs targets"
                    force[:, out] += nudge * (s[:, out] - targets)
                new = s - step * force
            change = float(np.max(np.abs(new - s))) if new.size else 0.0
            s = new
            if change < tol:
                return self._split(s), iteration, True
        return self._split(s), max_iter, False

    def output(self, x: np.ndarray, **options) -> np.ndarray:
        """The output units at the free equilibrium."""
        return self.relax(x, **options)[0][-1]
