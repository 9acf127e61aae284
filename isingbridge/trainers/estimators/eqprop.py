"""Classical equilibrium propagation on the continuous Hopfield energy (Scellier & Bengio 2017; Eq. 1 of
Massar & Mognetti 2024), for layered networks.

States s_k of layers k = 1..L (layer 0 is the input x, clamped), activation ρ:

    E(s) = ½ Σ_k ‖s_k‖² − Σ_k ρ(s_{k+1})ᵀ W_k ρ(s_k) − Σ_k b_kᵀ ρ(s_k),     C = ½ ‖s_L − d‖²,

and the network answers with the output layer of the minimum of F = E + νC,
ν the nudging strength ``nudge`` (ν = 0: free).  Equilibria are found by
fixed-point iteration to a tolerance (``relax="fixed_point"``: for the hard
sigmoid ρ(s) = clip(s, 0, 1) the stationary condition of E is exactly
s_k = ρ(h_k), h_k = W_{k−1}ρ(s_{k−1}) + W_kᵀρ(s_{k+1}) + b_k, and the output
solves s_L = ρ((h_L + νd)/(1 + ν))) or by gradient descent on F
(``relax="gradient"``, any ρ).  The EP gradient is the difference of ∂E/∂θ
(∂E/∂W_k = −ρ(s_{k+1})ρ(s_k)ᵀ, ∂E/∂b_k = −ρ(s_k)) between the nudged and free
equilibria, over ν (``"positive"``), or between +ν and −ν over 2ν
(``"symmetric"``, Laborieux et al. 2021); both tend to dC/dθ at the free
equilibrium as ν → 0 (errors O(ν) and O(ν²)).

>>> import numpy as np
>>> from isingbridge.trainers import EqProp, LayeredHopfield
>>> net = LayeredHopfield.random([4, 6, 2], seed=0)
>>> X, D = np.random.default_rng(1).random((3, 4)), np.eye(2)[[0, 1, 0]]
>>> g = EqProp(nudge=0.01).gradient(net, X, D)
>>> sorted(g.values), g.values["W0"].shape
(['W0', 'W1', 'b0', 'b1'], (6, 4))
"""
from __future__ import annotations

from typing import Any

import numpy as np

from isingbridge.trainers.estimators.base import Gradient, GradientEstimator
from isingbridge.trainers.estimators.nudging import check_nudge
from isingbridge.trainers.models.hopfield import METHODS, LayeredHopfield
from isingbridge.validation import check_array, check_choice, check_data, check_positive, check_positive_int

__all__ = ["EqProp", "LowTemperatureRule"]


class EqProp(GradientEstimator):
    """The EP gradient estimator for :class:`LayeredHopfield` networks.

    ``gradient(network, X, D)`` takes rows of inputs ``X`` and one row of
    ``targets`` ``D`` per input, and returns a
    :class:`~isingbridge.trainers.estimators.base.Gradient` of the mean cost
    by parameter name (``W0``, ``b0``, ...), with the free-phase cost and
    outputs and the relaxation's ``info``.  It samples nothing: ``rng`` is
    accepted and ignored.

    Parameters
    ----------
    nudge : float
        Nudging strength ν (> 0; < 1 for the symmetric variant's −ν phase with
        fixed-point relaxation).
    variant : {"symmetric", "positive"}
    method : {"fixed_point", "gradient"}
        Relaxation: exact fixed-point iteration (hard sigmoid) or gradient
        descent on E + νC with ``step`` (any activation).
    tol, max_iter, nudge_iter : convergence settings (nudged phases start at the free equilibrium)
    """

    def __init__(self, nudge: float = 0.5, *, variant: str = "symmetric", method: str = "fixed_point",
                 tol: float = 1e-5, max_iter: int = 100, nudge_iter: int | None = None, step: float = 0.2):
        self.nudge = check_nudge(nudge, variant)
        check_choice(method, "method", METHODS)
        if variant == "symmetric" and method == "fixed_point" and self.nudge >= 1:
            raise ValueError("symmetric nudging with fixed-point relaxation needs nudge < 1 (the −nudge phase "
                             "divides by 1 − nudge)")
        self.variant, self.method = variant, method
        self.tol, self.step = check_positive(tol, "tol"), check_positive(step, "step")
        self.max_iter = check_positive_int(max_iter, "max_iter")
        self.nudge_iter = self.max_iter if nudge_iter is None else check_positive_int(nudge_iter, "nudge_iter")

    def _relax(self, network, x, nudge, targets, start, max_iter):
        return network.relax(x, nudge=nudge, targets=targets, start=start, method=self.method, tol=self.tol,
                             max_iter=max_iter, step=self.step)

    @staticmethod
    def _check_batch(network, X: Any, D: Any) -> tuple[np.ndarray, np.ndarray]:
        """Inputs: rows of the network's features; targets: one row of outputs per input."""
        X = check_data(X, "inputs")
        if X.shape[1] != network.sizes[0]:
            raise ValueError(f"inputs must be rows of {network.sizes[0]} features, got shape {X.shape}")
        D = check_array(D, "targets")
        if D.shape != (X.shape[0], network.sizes[-1]):
            raise ValueError(f"targets must have shape {(X.shape[0], network.sizes[-1])}, got {D.shape}")
        return X, D

    def gradient(self, model: LayeredHopfield, X: np.ndarray, targets: np.ndarray | None = None, *,
                 rng: np.random.Generator | None = None) -> Gradient:
        """EP estimate of ∂(mean C)/∂θ at the free equilibria of the rows of X with targets D (``targets``)."""
        X, D = self._check_batch(model, X, targets)
        free, free_iter, converged = self._relax(model, X, 0.0, None, None, self.max_iter)
        plus = self._relax(model, X, self.nudge, D, free, self.nudge_iter)[0]
        if self.variant == "symmetric":
            minus, scale = self._relax(model, X, -self.nudge, D, free, self.nudge_iter)[0], 2.0 * self.nudge
        else:
            minus, scale = free, self.nudge
        s_plus = model.energy_gradient_statistics(X, plus)
        s_minus = model.energy_gradient_statistics(X, minus)
        gradients = {name: -(s_plus[name] - s_minus[name]) / scale for name in s_plus}
        cost = float(0.5 * np.mean(np.sum((free[-1] - D) ** 2, axis=1)))
        return Gradient(gradients, cost, free[-1], info={"free_iterations": free_iter, "converged": converged})

    def __repr__(self) -> str:
        return f"EqProp(nudge={self.nudge}, variant={self.variant!r}, method={self.method!r})"


class LowTemperatureRule(EqProp):
    """The deterministic T → 0 rule of Massar & Mognetti (2024), Eq. 50: no nudged phase.

    At the free equilibrium s̄ with Hessian H = ∂²E/∂s∂s, the output error
    e = (s̄_out − d) is propagated by v = H⁻¹e, and

        ∂C/∂W_ij = ρ'(s̄_i) ρ(s̄_j) v_i + ρ(s̄_i) ρ'(s̄_j) v_j,      ∂C/∂b_i = ρ'(s̄_i) v_i

    (input units have no v).  This is the implicit-function derivative of the
    cost at the equilibrium — EP's ν → 0 limit — for networks whose Hessian one
    can afford (one solve of size Σ hidden+output units per example).
    """

    def __init__(self, *, method: str = "fixed_point", tol: float = 1e-8, max_iter: int = 500, step: float = 0.2):
        super().__init__(0.5, variant="positive", method=method, tol=tol, max_iter=max_iter, step=step)

    def gradient(self, model: LayeredHopfield, X: np.ndarray, targets: np.ndarray | None = None, *,
                 rng: np.random.Generator | None = None) -> Gradient:
        """∂(mean C)/∂θ at the free equilibria of the rows of X with targets D (``targets``), by Eq. 50."""
        X, D = self._check_batch(model, X, targets)
        free, iterations, converged = self._relax(model, X, 0.0, None, None, self.max_iter)
        sizes = [w.shape[0] for w in model.W]
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        gradients = {name: np.zeros_like(value) for name, value in model.parameters().items()}
        n = X.shape[0]
        for r in range(n):
            states = [s[r] for s in free]
            error = np.zeros(offsets[-1])
            error[offsets[-2]:] = states[-1] - D[r]
            v = np.linalg.solve(model.hessian(X[r], states), error)
            rho = [X[r]] + [model.rho(s) for s in states]
            slope = [np.zeros_like(X[r])] + [model.rho_slope(s) for s in states]
            vs = [np.zeros_like(X[r])] + [v[offsets[k]:offsets[k + 1]] for k in range(len(sizes))]
            for k in range(len(model.W)):
                gradients[f"W{k}"] += (np.outer(slope[k + 1] * vs[k + 1], rho[k])
                                       + np.outer(rho[k + 1], slope[k] * vs[k])) / n
                gradients[f"b{k}"] += slope[k + 1] * vs[k + 1] / n
        cost = float(0.5 * np.mean(np.sum((free[-1] - D) ** 2, axis=1)))
        return Gradient(gradients, cost, free[-1], info={"free_iterations": iterations, "converged": converged})

    def __repr__(self) -> str:
        return f"LowTemperatureRule(method={self.method!r})"
