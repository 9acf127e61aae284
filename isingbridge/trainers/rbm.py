"""Restricted Boltzmann machines in spin variables, with exact helpers.

Energy (the ML convention), spins v_i, h_j ∈ {−1, +1}, binary data 1 ↔ spin +1:

    E(v, h) = −vᵀ W h − bᵀ v − cᵀ h,        p(v, h) ∝ exp(−β E(v, h)).

:meth:`RBM.to_bqm` writes exactly this energy in dimod's sign: the coupling of
``('v', i)`` and ``('h', j)`` is −W_ij and the fields are −b_i and −c_j, so every
backend samples the model's own distribution at the model's β.  Summing the
hidden units analytically gives the free energy

    F(v) = −bᵀv − (1/β) Σ_j log 2cosh(β (c + Wᵀv)_j),     p(v) = exp(−βF(v)) / Z,

and enumerating the visible layer in BLAS-sized chunks gives exact log Z and
log-likelihoods for visible layers of up to ~24 units, any number of hidden units.

Examples
--------
>>> import numpy as np
>>> from isingbridge.trainers.rbm import RBM
>>> model = RBM.random(4, 3, seed=0)
>>> bool(np.isclose(model.log_partition(), model.log_partition_bruteforce()))
True
"""
from __future__ import annotations

from dataclasses import dataclass

import dimod
import numpy as np
from scipy.special import logsumexp

from isingbridge.backends.exact import spin_rows

__all__ = ["RBM", "log_cosh"]

MAX_EXACT_VISIBLE = 24
_CHUNK = 1 << 14


def log_cosh(x: np.ndarray) -> np.ndarray:
    """log(2 cosh x) without overflow."""
    a = np.abs(x)
    return a + np.log1p(np.exp(-2.0 * a))


@dataclass
class RBM:
    """Weights ``W`` (n_visible × n_hidden), visible biases ``b``, hidden biases ``c``, inverse temperature ``beta``."""

    W: np.ndarray
    b: np.ndarray
    c: np.ndarray
    beta: float = 1.0

    @classmethod
    def random(cls, n_visible: int, n_hidden: int, *, scale: float = 0.1, seed=None, beta: float = 1.0) -> "RBM":
        rng = np.random.default_rng(seed)
        return cls(rng.normal(0.0, scale, (n_visible, n_hidden)), np.zeros(n_visible), np.zeros(n_hidden), beta)

    @property
    def n_visible(self) -> int:
        return self.W.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.W.shape[1]

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays, by name (views: optimizers update them in place)."""
        return {"W": self.W, "b": self.b, "c": self.c}

    # -- energies ------------------------------------------------------------------
    def energy(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        v, h = np.atleast_2d(v), np.atleast_2d(h)
        return -np.einsum("ri,ij,rj->r", v, self.W, h) - v @ self.b - h @ self.c

    def hidden_field(self, v: np.ndarray) -> np.ndarray:
        return self.c + np.atleast_2d(v) @ self.W

    def hidden_mean(self, v: np.ndarray) -> np.ndarray:
        """⟨h | v⟩ = tanh(β(c + Wᵀv))."""
        return np.tanh(self.beta * self.hidden_field(v))

    def visible_mean(self, h: np.ndarray) -> np.ndarray:
        """⟨v | h⟩ = tanh(β(b + W h))."""
        return np.tanh(self.beta * (self.b + np.atleast_2d(h) @ self.W.T))

    def free_energy(self, v: np.ndarray) -> np.ndarray:
        """F(v) with the hidden units summed analytically (one value per row)."""
        v = np.atleast_2d(v)
        return -v @ self.b - log_cosh(self.beta * self.hidden_field(v)).sum(axis=1) / self.beta

    def to_bqm(self) -> dimod.BinaryQuadraticModel:
        """SPIN BQM whose Boltzmann distribution at ``beta`` is this RBM's (labels ('v', i), ('h', j))."""
        rows, cols = np.nonzero(self.W)
        linear = -np.concatenate([self.b, self.c])
        quadratic = (rows, cols + self.n_visible, -self.W[rows, cols])
        return dimod.BQM.from_numpy_vectors(linear, quadratic, 0.0, dimod.SPIN, variable_order=self.labels())

    def labels(self) -> list:
        """Variable labels in the order of :meth:`to_bqm`: visible then hidden."""
        return [("v", i) for i in range(self.n_visible)] + [("h", j) for j in range(self.n_hidden)]

    # -- exact helpers ---------------------------------------------------------------
    def _check_exact(self) -> None:
        if self.n_visible > MAX_EXACT_VISIBLE:
            raise ValueError(
                f"exact log Z enumerates 2^{self.n_visible} visible states; the limit is {MAX_EXACT_VISIBLE} "
                "visible units: use an AIS estimate or a sampling estimator"
            )

    def visible_states(self):
        """Chunks of all visible states (rows of ±1), for exact sums."""
        self._check_exact()
        total = 1 << self.n_visible
        for start in range(0, total, _CHUNK):
            yield spin_rows(np.arange(start, min(total, start + _CHUNK), dtype=np.int64), self.n_visible)

    def log_partition(self) -> float:
        """Exact log Z: the visible layer enumerated, the hidden layer summed analytically."""
        parts = [logsumexp(-self.beta * self.free_energy(v)) for v in self.visible_states()]
        return float(logsumexp(parts))

    def log_likelihood(self, V: np.ndarray) -> float:
        """Mean exact log p(v) over rows of ±1 data."""
        return float(np.mean(-self.beta * self.free_energy(V)) - self.log_partition())

    def model_statistics(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exact ⟨v hᵀ⟩, ⟨v⟩, ⟨h⟩ under the model (hidden units summed analytically)."""
        log_z = self.log_partition()
        vh = np.zeros_like(self.W)
        v_mean = np.zeros(self.n_visible)
        h_mean = np.zeros(self.n_hidden)
        for v in self.visible_states():
            p = np.exp(-self.beta * self.free_energy(v) - log_z)
            hm = self.hidden_mean(v)
            vh += (v * p[:, None]).T @ hm
            v_mean += p @ v
            h_mean += p @ hm
        return vh, v_mean, h_mean

    def ais_log_partition(self, *, n_chains: int = 100, n_steps: int = 1000, base_bias: np.ndarray | None = None,
                          seed=None) -> tuple[float, float]:
        """Annealed importance sampling estimate of log Z and its standard error (any size).

        Anneals from a base RBM with only visible biases ``base_bias`` (default 0),
        whose log Z is analytic, to this one along a ∈ [0, 1] (linear schedule of
        ``n_steps``), with one block-Gibbs transition per step; the error comes
        from the spread of the importance weights (delta method).
        """
        rng = np.random.default_rng(seed)
        beta, W, b, c = self.beta, self.W, self.b, self.c
        base = np.zeros(self.n_visible) if base_bias is None else np.asarray(base_bias, dtype=np.float64)
        log_z_base = float(np.sum(log_cosh(beta * base)) + self.n_hidden * np.log(2.0))

        def log_unnormalised(v: np.ndarray, a: float) -> np.ndarray:
            return beta * ((1 - a) * v @ base + a * v @ b) + log_cosh(a * beta * (c + v @ W)).sum(axis=1)

        def draw(field: np.ndarray) -> np.ndarray:  # P(s = +1) = 1 / (1 + exp(-2 field))
            return np.where(rng.random(field.shape) * (1.0 + np.exp(-2.0 * field)) < 1.0, 1.0, -1.0)

        v = draw(np.broadcast_to(beta * base, (n_chains, self.n_visible)))
        log_w = np.zeros(n_chains)
        schedule = np.linspace(0.0, 1.0, n_steps + 1)
        for previous, a in zip(schedule[:-1], schedule[1:]):
            log_w += log_unnormalised(v, a) - log_unnormalised(v, previous)
            h = draw(a * beta * (c + v @ W))
            v = draw(beta * ((1 - a) * base + a * (b + h @ W.T)))
        shift = log_w.max()
        weights = np.exp(log_w - shift)
        estimate = float(log_z_base + shift + np.log(weights.mean()))
        stderr = float(weights.std(ddof=1) / weights.mean() / np.sqrt(n_chains)) if n_chains > 1 else float("inf")
        return estimate, stderr

    def log_partition_bruteforce(self) -> float:
        """log Z by summing exp(−βE) over every (v, h): a check for tiny models only."""
        n = self.n_visible + self.n_hidden
        if n > 16:
            raise ValueError("brute force is for tiny models (at most 16 units)")
        states = spin_rows(np.arange(1 << n, dtype=np.int64), n)
        energies = self.energy(states[:, : self.n_visible], states[:, self.n_visible:])
        return float(logsumexp(-self.beta * energies))
