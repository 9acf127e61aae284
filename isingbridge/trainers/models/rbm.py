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
>>> from isingbridge.trainers.models import RBM
>>> model = RBM.random(4, 3, seed=0)
>>> bool(np.isclose(model.log_partition(), model.log_partition_bruteforce()))
True
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import dimod
import numpy as np
from scipy.special import logsumexp

from isingbridge.spins import spin_rows
from isingbridge.ir import CompiledBQM
from isingbridge.trainers.models.base import (
    MAX_EXACT_VISIBLE, BoltzmannModel, log_cosh, parameter_array, weighted_mean, weighted_outer,
)
from isingbridge.validation import as_rng, check_array, check_beta, check_int, check_nonnegative, check_positive_int

__all__ = ["RBM", "ClassificationRBM", "log_cosh", "MAX_EXACT_VISIBLE"]


def draw_spins(mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """±1 spins with the given means (P(+1) = (1 + mean) / 2)."""
    return np.where(rng.random(mean.shape) < 0.5 * (1.0 + mean), 1.0, -1.0).astype(mean.dtype, copy=False)


@dataclass
class RBM(BoltzmannModel):
    """Weights ``W`` (n_visible × n_hidden), visible biases ``b``, hidden biases ``c``, inverse temperature ``beta``."""

    W: np.ndarray
    b: np.ndarray
    c: np.ndarray
    beta: float = 1.0

    def __post_init__(self) -> None:
        self.W = parameter_array(self.W, "W", (None, None))
        n_visible, n_hidden = self.W.shape
        self.b = parameter_array(self.b, "b", (n_visible,))
        self.c = parameter_array(self.c, "c", (n_hidden,))
        self.beta = check_beta(self.beta)

    @classmethod
    def random(cls, n_visible: int, n_hidden: int, *, scale: float = 0.1, seed=None, beta: float = 1.0, **extra):
        """Weights drawn from N(0, scale²), zero biases.

        Parameters
        ----------
        n_visible, n_hidden : int
            Sizes of the two layers.
        scale : float, default 0.1
            Standard deviation of the weights.
        seed : int, numpy.random.Generator or None
            Source of randomness.
        beta : float, default 1.0
            Inverse temperature.
        **extra
            Further fields of the class (``n_classes`` for :class:`ClassificationRBM`).

        Returns
        -------
        RBM
            A model of this class.

        Examples
        --------
        >>> from isingbridge.trainers.models import RBM
        >>> model = RBM.random(6, 4, seed=0)
        >>> model.n_visible, model.n_hidden, model.W.shape
        (6, 4, (6, 4))
        """
        n_visible = check_positive_int(n_visible, "n_visible")
        n_hidden = check_positive_int(n_hidden, "n_hidden")
        rng = as_rng(seed)
        return cls(rng.normal(0.0, check_nonnegative(scale, "scale"), (n_visible, n_hidden)), np.zeros(n_visible),
                   np.zeros(n_hidden), beta, **extra)

    @property
    def n_visible(self) -> int:
        """Number of visible units (rows of ``W``)."""
        return self.W.shape[0]

    @property
    def n_hidden(self) -> int:
        """Number of hidden units (columns of ``W``)."""
        return self.W.shape[1]

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays, by name (views: optimizers update them in place)."""
        return {"W": self.W, "b": self.b, "c": self.c}

    # -- energies ------------------------------------------------------------------
    def energy(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        """E(v, h) = −vᵀ W h − bᵀ v − cᵀ h, one value per row of ``v`` and ``h`` (±1 spins)."""
        v, h = np.atleast_2d(v), np.atleast_2d(h)
        return -np.einsum("ri,ij,rj->r", v, self.W, h) - v @ self.b - h @ self.c

    def hidden_field(self, v: np.ndarray) -> np.ndarray:
        """The hidden units' fields c + Wᵀv, one row per row of ``v``."""
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

    def statistics(self, v, h=None, weights=None):
        """⟨v hᵀ⟩, ⟨v⟩, ⟨h⟩ as {"W", "b", "c"}; h summed analytically (⟨h | v⟩) when not given."""
        hm = self.hidden_mean(v) if h is None else h
        return {"W": weighted_outer(v, hm, weights), "b": weighted_mean(v, weights), "c": weighted_mean(hm, weights)}

    def statistics_difference(self, negative_v, positive_v, negative_h=None, positive_h=None):
        """statistics(negative) − statistics(positive), ⟨v hᵀ⟩ of both phases in one matrix product.

        The difference of two mean outer products is one product of the
        stacked rows, [v₋/n₋; −v₊/n₊]ᵀ [h₋; h₊]: half the passes over W that
        two products and a subtraction take (it dominates small-batch steps).
        """
        hn = self.hidden_mean(negative_v) if negative_h is None else negative_h
        hp = self.hidden_mean(positive_v) if positive_h is None else positive_h
        n_neg, n_pos = negative_v.shape[0], positive_v.shape[0]
        left = np.empty((n_neg + n_pos, self.n_visible), dtype=np.result_type(negative_v, positive_v))
        np.multiply(negative_v, 1.0 / n_neg, out=left[:n_neg])
        np.multiply(positive_v, -1.0 / n_pos, out=left[n_neg:])
        right = np.concatenate([hn, hp])
        weights = np.concatenate([np.full(n_neg, 1.0 / n_neg), np.full(n_pos, -1.0 / n_pos)]).astype(right.dtype)
        return {"W": left.T @ right, "b": left.sum(axis=0), "c": weights @ right}

    def complete(self, v, rng):
        """Full states (v, h) from visible rows, h drawn from p(h | v)."""
        v = np.asarray(v, dtype=self.dtype)
        return np.hstack([v, draw_spins(self.hidden_mean(v), rng)])

    @property
    def dtype(self) -> np.dtype:
        """Floating type of the parameters: float64, or float32 after :meth:`astype`."""
        return self.W.dtype

    def astype(self, dtype) -> RBM:
        """A copy with ``W``, ``b``, ``c`` in ``dtype`` (float32 halves the memory traffic and BLAS time)."""
        return dataclasses.replace(self, W=self.W.astype(dtype), b=self.b.astype(dtype), c=self.c.astype(dtype))

    def sampling_model(self) -> CompiledBQM:
        """The bipartite array model in dimod's sign (J = −W, h = −b, −c); variables are positions, visible first."""
        # float32 couplings, the sampling engines' precision, made in one pass (a fresh array: no copy); an exact
        # backend sampling the negative phase sees W rounded to 1e-7 relative, far below any sampling noise
        return CompiledBQM.bipartite(np.negative(self.W, dtype=np.float32), -self.b, -self.c, copy=False)

    def rao_blackwell_variables(self) -> np.ndarray:
        """The hidden units (positions ``n_visible … width−1`` of :meth:`sampling_model`)."""
        return np.arange(self.n_visible, self.width)

    def to_bqm(self) -> dimod.BinaryQuadraticModel:
        """SPIN BQM whose Boltzmann distribution at ``beta`` is this RBM's (labels as :meth:`labels`)."""
        rows, cols = np.nonzero(self.W)
        linear = -np.concatenate([self.b, self.c])
        quadratic = (rows, cols + self.n_visible, -self.W[rows, cols])
        return dimod.BQM.from_numpy_vectors(linear, quadratic, 0.0, dimod.SPIN, variable_order=self.labels())

    def labels(self) -> list:
        """Variable labels in the order of :meth:`to_bqm`: visible ('v', i) then hidden ('h', j)."""
        return [("v", i) for i in range(self.n_visible)] + [("h", j) for j in range(self.n_hidden)]

    # -- exact helpers ---------------------------------------------------------------
    def ground_energy(self) -> float:
        """The exact minimum of E(v, h): visible layer enumerated, h maximised analytically (h_j = sign field_j)."""
        best = np.inf
        for v in self.visible_states():
            best = min(best, float(np.min(-v @ self.b - np.abs(self.hidden_field(v)).sum(axis=1))))
        return best

    def model_statistics(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exact ⟨v hᵀ⟩, ⟨v⟩, ⟨h⟩ under the model (hidden units summed analytically)."""
        stats = self.exact_statistics()
        return stats["W"], stats["b"], stats["c"]

    def ais_log_partition(self, *, n_chains: int = 100, n_steps: int = 1000, base_bias: np.ndarray | None = None,
                          seed=None) -> tuple[float, float]:
        """Annealed importance sampling estimate of log Z and its standard error (any size).

        Anneals from a base RBM with only visible biases ``base_bias`` (default 0),
        whose log Z is analytic, to this one along a ∈ [0, 1] (linear schedule of
        ``n_steps``), with one block-Gibbs transition per step; the error comes
        from the spread of the importance weights (delta method).
        """
        n_chains = check_positive_int(n_chains, "n_chains")
        n_steps = check_positive_int(n_steps, "n_steps")
        rng = as_rng(seed)
        beta, W, b, c = self.beta, self.W, self.b, self.c
        base = np.zeros(self.n_visible) if base_bias is None else \
            check_array(base_bias, "base_bias", ndim=1, columns=self.n_visible)
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


@dataclass
class ClassificationRBM(RBM):
    """An RBM whose visible layer is features ('v', i) followed by label units ('y', k).

    The label of class k is the spin pattern e_k (+1 at k, −1 elsewhere); the
    model's class probabilities given features x are exact, with the hidden
    layer summed analytically and the label layer restricted to those patterns:

        p(k | x) = exp(−β F(x, e_k)) / Σ_k' exp(−β F(x, e_k')).

    Samplers see a plain RBM over (x, y, h), so every backend and every
    generative estimator trains it unchanged.
    """

    n_classes: int = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        self.n_classes = check_int(self.n_classes, "n_classes", minimum=2, maximum=self.n_visible)

    @property
    def n_features(self) -> int:
        """Number of feature units: the visible units that are not label units."""
        return self.n_visible - self.n_classes

    def labels(self) -> list:
        """Features ('v', i), label units ('y', k), hidden ('h', j): the order of :meth:`to_bqm`."""
        return ([("v", i) for i in range(self.n_features)] + [("y", k) for k in range(self.n_classes)]
                + [("h", j) for j in range(self.n_hidden)])

    def label_spins(self) -> np.ndarray:
        """The K label patterns e_k as rows."""
        return 2.0 * np.eye(self.n_classes) - 1.0

    def _class_fields(self, X: np.ndarray) -> np.ndarray:
        """Hidden fields c + Wᵀ(x, e_k) for every row and class, shape (rows, K, n_hidden)."""
        nf = self.n_features
        base = self.c + X @ self.W[:nf]
        return base[:, None, :] + (self.label_spins() @ self.W[nf:])[None, :, :]

    def _class_free_energies(self, X: np.ndarray, fields: np.ndarray) -> np.ndarray:
        nf = self.n_features
        label_bias = self.label_spins() @ self.b[nf:]
        return -(X @ self.b[:nf])[:, None] - label_bias[None, :] - log_cosh(self.beta * fields).sum(axis=2) / self.beta

    def class_free_energies(self, X: np.ndarray) -> np.ndarray:
        """F(x, e_k) for every row x and class k, shape (rows, K)."""
        return self._class_free_energies(X, self._class_fields(X))

    def predict_log_proba(self, X: np.ndarray) -> np.ndarray:
        """log p(k | x), exact, shape (rows, K)."""
        logits = -self.beta * self.class_free_energies(X)
        return logits - logsumexp(logits, axis=1, keepdims=True)

    def conditional_statistics_difference(self, X: np.ndarray, classes: np.ndarray) -> dict[str, np.ndarray]:
        """⟨−∂E/∂θ⟩ at (x, e_y) minus its average over p(k | x), per parameter (batch means).

        −β times this is the exact gradient of the mean −log p(y | x).  The
        hidden fields of all K label patterns share the features' part, so the
        whole gradient costs two feature-sized matrix products.
        """
        fields = self._class_fields(X)
        logits = -self.beta * self._class_free_energies(X, fields)
        p = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
        hidden = np.tanh(self.beta * fields)
        rows = np.arange(X.shape[0])
        h_true = hidden[rows, classes]
        difference = h_true - np.einsum("bk,bkh->bh", p, hidden)
        labels = self.label_spins()
        n = X.shape[0]
        w_labels = (labels[classes].T @ h_true - labels.T @ np.einsum("bk,bkh->kh", p, hidden)) / n
        return {
            "W": np.vstack([X.T @ difference / n, w_labels]),
            "b": np.concatenate([np.zeros(self.n_features), (labels[classes] - p @ labels).mean(axis=0)]),
            "c": difference.mean(axis=0),
        }

    def with_labels(self, X: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """Visible rows (x, e_{class}) for integer class indices."""
        return np.hstack([X, self.label_spins()[classes]])
