"""Fully visible Boltzmann machines: every unit is data, every pair may couple.

Energy (ML sign), spins s ∈ {−1, +1}^N, W symmetric with zero diagonal:

    E(s) = −Σ_{i<j} W_ij s_i s_j − bᵀ s,       p(s) ∝ exp(−β E(s)).

:meth:`FullyVisibleBM.to_bqm` writes it in dimod's sign (coupling −W_ij, field
−b_i, labels ('v', i)).  The gradient statistic of the pair parameter W_ij is
⟨s_i s_j⟩ (the matrix keeps both triangles equal, so optimizers update both).

>>> import numpy as np
>>> from isingbridge.trainers.models import FullyVisibleBM
>>> model = FullyVisibleBM.random(5, seed=1)
>>> from isingbridge.backends import get
>>> m = get("exact").moments(model.to_bqm(), beta=model.beta)
>>> bool(np.isclose(m.log_z, model.log_partition()))
True
"""
from __future__ import annotations

from dataclasses import dataclass

import dimod
import numpy as np

from isingbridge.trainers.models.base import BoltzmannModel, parameter_array, weighted_mean, weighted_outer
from isingbridge.validation import as_rng, check_beta, check_nonnegative, check_positive_int

__all__ = ["FullyVisibleBM"]


def symmetric_random(n: int, scale: float, rng: np.random.Generator) -> np.ndarray:
    upper = np.triu(rng.normal(0.0, scale, (n, n)), 1)
    return upper + upper.T


@dataclass
class FullyVisibleBM(BoltzmannModel):
    """Couplings ``W`` (N × N, symmetric, zero diagonal), biases ``b``, inverse temperature ``beta``."""

    W: np.ndarray
    b: np.ndarray
    beta: float = 1.0

    def __post_init__(self) -> None:
        self.W = parameter_array(self.W, "W", (None, None)).astype(np.float64, copy=False)
        if self.W.shape[0] != self.W.shape[1] or not np.allclose(self.W, self.W.T):
            raise ValueError("W must be a symmetric square matrix (the couplings W_ij = W_ji)")
        if np.any(np.diag(self.W) != 0):
            raise ValueError("W must have a zero diagonal (s_i² = 1 is a constant, not a coupling)")
        self.b = parameter_array(self.b, "b", (self.W.shape[0],)).astype(np.float64, copy=False)
        self.beta = check_beta(self.beta)

    @classmethod
    def random(cls, n_visible: int, *, scale: float = 0.1, seed=None, beta: float = 1.0) -> FullyVisibleBM:
        """Couplings drawn from N(0, scale²), zero biases.

        Parameters
        ----------
        n_visible : int
            Number of units.
        scale : float, default 0.1
            Standard deviation of the couplings.
        seed : int, numpy.random.Generator or None
            Source of randomness.
        beta : float, default 1.0
            Inverse temperature.

        Returns
        -------
        FullyVisibleBM
        """
        n_visible = check_positive_int(n_visible, "n_visible")
        return cls(symmetric_random(n_visible, check_nonnegative(scale, "scale"), as_rng(seed)), np.zeros(n_visible),
                   beta)

    @property
    def n_visible(self) -> int:
        """Number of units (all visible)."""
        return self.W.shape[0]

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays ``W`` and ``b``, by name (views: optimizers update them in place)."""
        return {"W": self.W, "b": self.b}

    def energy(self, s: np.ndarray) -> np.ndarray:
        """E(s) = −Σ_{i<j} W_ij s_i s_j − bᵀ s, one value per row of ±1 spins."""
        s = np.atleast_2d(s)
        return -0.5 * np.einsum("ri,ij,rj->r", s, self.W, s) - s @ self.b

    def free_energy(self, v: np.ndarray) -> np.ndarray:
        """No hidden units: the free energy is the energy."""
        return self.energy(v)

    def statistics(self, v, h=None, weights=None):
        """⟨s sᵀ⟩ (zero diagonal) and ⟨s⟩ as {"W", "b"}."""
        corr = weighted_outer(v, v, weights)
        np.fill_diagonal(corr, 0.0)
        return {"W": corr, "b": weighted_mean(v, weights)}

    def labels(self) -> list:
        """Variable labels ('v', i) in the order of :meth:`to_bqm`."""
        return [("v", i) for i in range(self.n_visible)]

    def to_bqm(self) -> dimod.BinaryQuadraticModel:
        """SPIN BQM whose Boltzmann distribution at ``beta`` is this model's (coupling −W_ij, field −b_i)."""
        rows, cols = np.nonzero(np.triu(self.W, 1))
        return dimod.BQM.from_numpy_vectors(-self.b, (rows, cols, -self.W[rows, cols]), 0.0, dimod.SPIN,
                                            variable_order=self.labels())
