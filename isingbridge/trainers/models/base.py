"""What every Boltzmann machine offers its gradient estimators.

A model is an energy E(v, h; θ) over visible spins v and hidden spins h (maybe
none) at inverse temperature β, with p(v, h) ∝ exp(−βE).  Estimators never
touch the energy's formula: they ask the model for

* :meth:`~BoltzmannModel.statistics` — the average of −∂E/∂θ over rows of
  states (hidden units summed analytically when only v is given), one array per
  parameter: the positive phase on data, the negative phase on samples;
* :meth:`~BoltzmannModel.exact_statistics` — the same average under the model,
  by enumerating the visible layer (small models);
* :meth:`~BoltzmannModel.complete` / :meth:`~BoltzmannModel.split` — full
  states (visible then hidden columns, :meth:`labels` order) from visible rows
  and back, for chains;
* :meth:`~BoltzmannModel.chain_rule` — the gradient in terms of the trainable
  parameters when the energy's parameters are built from others (RAPID's
  patterns), and :meth:`~BoltzmannModel.refresh` to rebuild them after a step.

The log-likelihood gradient of the mean NLL β⟨F⟩_data + log Z is then
−β (statistics(data) − statistics(model)) for every parameter.
"""
from __future__ import annotations

from collections.abc import Iterator

import dimod
import numpy as np
from scipy.special import logsumexp

from isingbridge.spins import spin_rows
from isingbridge.ir import CompiledBQM
from isingbridge.validation import check_array

__all__ = ["BoltzmannModel", "MAX_EXACT_VISIBLE", "log_cosh", "ModelTooLargeForExactError", "parameter_array"]

MAX_EXACT_VISIBLE = 24
_CHUNK = 1 << 14


class ModelTooLargeForExactError(ValueError):
    """Exact sums over the visible layer were asked of a model too wide to enumerate."""


def parameter_array(values, name: str, shape: tuple[int | None, ...]) -> np.ndarray:
    """A finite real parameter array of ``shape`` (None: any length), float64 unless already floating."""
    array = check_array(values, name, ndim=len(shape), dtype=None)
    if any(want is not None and got != want for got, want in zip(array.shape, shape)):
        wanted = " × ".join("any" if n is None else str(n) for n in shape)
        raise ValueError(f"{name} must have shape {wanted}, got {array.shape}")
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def log_cosh(x: np.ndarray) -> np.ndarray:
    """log(2 cosh x) without overflow."""
    a = np.abs(x)
    return a + np.log1p(np.exp(-2.0 * a))


class BoltzmannModel:
    """Base class: exact sums over the visible layer built on ``free_energy`` and ``statistics``."""

    beta: float

    # -- what a model defines -----------------------------------------------------
    @property
    def n_visible(self) -> int:
        """Number of visible units (the data's columns)."""
        raise NotImplementedError

    @property
    def n_hidden(self) -> int:
        """Number of hidden units (0 for a fully visible machine)."""
        return 0

    @property
    def width(self) -> int:
        """Columns of a full state: visible then hidden."""
        return self.n_visible + self.n_hidden

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays by name (views: optimizers update them in place)."""
        raise NotImplementedError

    def free_energy(self, v: np.ndarray) -> np.ndarray:
        """F(v) = −(1/β) log Σ_h exp(−βE(v, h)), one value per row."""
        raise NotImplementedError

    def statistics(self, v: np.ndarray, h: np.ndarray | None = None,
                   weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Average of −∂E/∂θ over rows (uniform, or Σ weights·… when ``weights`` are given)."""
        raise NotImplementedError

    def statistics_difference(self, negative_v: np.ndarray, positive_v: np.ndarray,
                              negative_h: np.ndarray | None = None,
                              positive_h: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """statistics(negative_v, negative_h) − statistics(positive_v, positive_h), per parameter."""
        negative = self.statistics(negative_v, negative_h)
        positive = self.statistics(positive_v, positive_h)
        return {name: np.subtract(negative[name], positive[name]) for name in negative}

    def labels(self) -> list:
        """Variable labels of :meth:`to_bqm`, visible then hidden: the column order of full states."""
        raise NotImplementedError

    def to_bqm(self) -> dimod.BinaryQuadraticModel:
        """SPIN BQM whose Boltzmann distribution at ``beta`` is this model's (dimod's sign, variables :meth:`labels`)."""
        raise NotImplementedError

    @property
    def dtype(self) -> np.dtype:
        """Floating type of the parameters (and of the states trainers build for this model)."""
        return np.dtype(np.float64)

    def astype(self, dtype) -> BoltzmannModel:
        """A copy with parameters of ``dtype`` (float32 training); models that cannot say so."""
        if np.dtype(dtype) == np.float64:
            return self
        raise ValueError(f"{type(self).__name__} trains in float64 only; dtype='float32' is for RBM and "
                         "ClassificationRBM")

    def complete(self, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Full states from visible rows, hidden units drawn from p(h | v)."""
        return np.asarray(v, dtype=self.dtype)

    def split(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(visible rows, hidden rows or None) of full states."""
        return states[:, : self.n_visible], (states[:, self.n_visible:] if self.n_hidden else None)

    def sampling_model(self) -> dimod.BinaryQuadraticModel | CompiledBQM:
        """What backends sample: a model whose Boltzmann distribution at ``beta`` is this one's.

        Its variables are :meth:`labels`, in that order, or their positions
        ``0 … width−1`` for models with an array form
        (:class:`~isingbridge.ir.CompiledBQM`, no dimod object built).
        """
        return self.to_bqm()

    def rao_blackwell_variables(self) -> list | np.ndarray | None:
        """Variables of :meth:`sampling_model` whose conditional means the negative phase averages, or None.

        An RBM's hidden units: ``E[h | v]`` at a chain's visible state replaces
        the sampled ``h`` (lower variance, the same expectation).
        """
        return None

    def chain_rule(self, gradient: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Map a gradient over the energy's parameters to the trainable ones (identity here)."""
        return gradient

    def refresh(self) -> None:
        """Rebuild derived parameters after an optimizer step (nothing to rebuild here)."""

    def start_from_data(self, rows: np.ndarray) -> None:
        """Before training: trained visible biases at the data's marginals, b_i = atanh⟨v_i⟩/β.

        (Hinton's practical guide, in spins.)  Without it the hidden units must
        first learn to explain constant pixels (an MNIST background is −1
        everywhere), which saturates them all alike; models whose biases are
        not trained (RAPID's, by default) are left alone.
        """
        biases = self.parameters().get("b")
        if biases is not None:
            biases[:] = np.arctanh(np.clip(rows.mean(axis=0), -0.95, 0.95)) / self.beta

    # -- exact sums over the visible layer ----------------------------------------
    def visible_states(self) -> Iterator[np.ndarray]:
        """Chunks of all visible states (rows of ±1), for exact sums."""
        if self.n_visible > MAX_EXACT_VISIBLE:
            raise ModelTooLargeForExactError(
                f"exact sums enumerate 2^{self.n_visible} visible states; the limit is {MAX_EXACT_VISIBLE} "
                "visible units: use an AIS estimate or a sampling estimator (CD, PCD, RAPID)"
            )
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

    def exact_statistics(self) -> dict[str, np.ndarray]:
        """:meth:`statistics` averaged exactly under the model."""
        log_z = self.log_partition()
        total: dict[str, np.ndarray] = {}
        for v in self.visible_states():
            part = self.statistics(v, weights=np.exp(-self.beta * self.free_energy(v) - log_z))
            for name, value in part.items():
                total[name] = total.get(name, 0.0) + value
        return total


def weighted_mean(rows: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Mean of rows, or Σ_r weights_r·rows_r."""
    return rows.mean(axis=0) if weights is None else weights @ rows


def weighted_outer(a: np.ndarray, b: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """⟨a bᵀ⟩ over rows, uniform or weighted."""
    return (a / a.shape[0]).T @ b if weights is None else (a * weights[:, None]).T @ b  # scale the thin factor
