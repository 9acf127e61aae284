"""Gradient estimators for Boltzmann machines: the physics of the gradient, apart from the optimizer.

Each estimator is a :class:`BoltzmannEstimator` and returns the gradient of
the mean negative log-likelihood L = β⟨F(v)⟩_data + log Z over a batch of
visible rows, ``gradient(model, X, rng=rng)``, as a
:class:`~isingbridge.trainers.estimators.base.Gradient` whose ``values`` are
``{"W": ..., "b": ..., "c": ...}`` (the names of ``model.parameters()``):

    ∂L/∂W = −β (⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model),  ∂L/∂b = −β (⟨v⟩_data − ⟨v⟩_model),  ∂L/∂c likewise,

with the data phase exact (h given v is analytic) and the model phase
estimated: exactly (:class:`ExactGradient`), from k sweeps of any backend
started at the data (:class:`CD`), or from persistent chains (:class:`PCD`).
Model-phase samples enter through v only, with h summed analytically
(Rao–Blackwellised), which lowers the variance for free.  Any backend whose
``sample`` accepts ``initial_states`` continues chains (gibbs, anneal); others
(exact, hardware samplers) return fresh samples of the model.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from isingbridge.backends import get
from isingbridge.validation import as_rng, check_positive_int
from isingbridge.trainers.estimators.base import Gradient, GradientEstimator
from isingbridge.trainers.estimators.conditional import sample_labels
from isingbridge.trainers.models import MAX_EXACT_VISIBLE, RBM, BoltzmannModel, ClassificationRBM

__all__ = ["BoltzmannEstimator", "ExactGradient", "CD", "PCD", "TwoLobe", "Discriminative", "likelihood_gradient",
           "difference_gradient"]


def likelihood_gradient(model: BoltzmannModel, positive: dict, negative: dict) -> dict[str, np.ndarray]:
    """−β (positive − negative) per parameter, mapped to the model's trainable parameters."""
    return difference_gradient(model, {name: np.subtract(negative[name], positive[name]) for name in positive})


def difference_gradient(model: BoltzmannModel, difference: dict) -> dict[str, np.ndarray]:
    """β · (negative − positive statistics), scaled in place, mapped to the trainable parameters."""
    if model.beta != 1.0:
        for value in difference.values():
            value *= model.beta
    return model.chain_rule(difference)


class BoltzmannEstimator(GradientEstimator):
    """Base of the Boltzmann estimators: ``gradient(model, X, rng=rng)`` of the mean NLL over visible rows ``X``.

    ``X`` holds the batch's visible rows (±1; a ClassificationRBM's one-hot
    label columns included), ``targets`` must be None (the data is the
    target) and the result's ``values`` are keyed by the names of
    ``model.parameters()``, ready for an optimizer's ``step``.  Subclasses
    give the negative phase; the positive phase is the model's
    :meth:`~isingbridge.trainers.models.BoltzmannModel.statistics` on the batch.
    The trainer builds the model with :meth:`make_model`, calls
    :meth:`after_step` after every optimizer step and :meth:`after_epoch`
    after every pass over the data.
    """

    last_states: np.ndarray | None = None  # full states of the last negative phase, where there are any

    @property
    def needs_sampler(self) -> bool:
        """Whether the negative phase draws samples (exact estimators enumerate instead)."""
        return False

    def gradient(self, model: BoltzmannModel, X: np.ndarray, targets: Any = None, *,
                 rng: np.random.Generator | None = None) -> Gradient:
        """∂(mean NLL)/∂θ over the visible rows ``X``, by parameter name (``rng``: None for fresh entropy)."""
        if targets is not None:
            raise ValueError(f"{type(self).__name__} learns the data itself: targets must be None (a "
                             "ClassificationRBM's labels are one-hot columns of X), got "
                             f"{type(targets).__name__}")
        return Gradient(self._values(model, X, as_rng(rng, "rng")))

    def _values(self, model: BoltzmannModel, batch: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """The gradient by parameter name (what :meth:`gradient` wraps)."""
        return likelihood_gradient(model, model.statistics(batch), self.negative_phase(model, batch, rng))

    def negative_phase(self, model: BoltzmannModel, batch: np.ndarray, rng: np.random.Generator) -> dict:
        """The model phase: an estimate of ⟨−∂E/∂θ⟩ under the model, per parameter of the energy.

        Parameters
        ----------
        model : BoltzmannModel
            The model being trained.
        batch : ndarray
            The batch's visible rows (used by estimators whose chains start at the data).
        rng : numpy.random.Generator
            Source of randomness.

        Returns
        -------
        dict of str to ndarray
            Keyed like :meth:`~isingbridge.trainers.models.BoltzmannModel.statistics`.
        """
        raise NotImplementedError(f"{type(self).__name__} must give negative_phase(model, batch, rng) or "
                                  "override _values(model, batch, rng)")

    def make_model(self, n_visible: int, n_hidden: int, *, rng: np.random.Generator, beta: float) -> BoltzmannModel:
        """The model this estimator trains, freshly initialised (small random weights)."""
        return RBM.random(n_visible, n_hidden, scale=0.01, seed=rng, beta=beta)

    def after_step(self, model: BoltzmannModel) -> None:
        """Hook after each optimizer step (constraints on parameters)."""

    def after_epoch(self, model: BoltzmannModel) -> None:
        """Hook after each epoch."""


class ExactGradient(BoltzmannEstimator):
    """The exact model phase by enumerating the visible layer (≤ 24 visible units).

    Examples
    --------
    >>> import numpy as np
    >>> from isingbridge.trainers import ExactGradient
    >>> from isingbridge.trainers.models import RBM
    >>> model = RBM.random(4, 3, seed=0)
    >>> X = np.array([[1, 1, -1, -1], [-1, -1, 1, 1]], dtype=float)
    >>> g = ExactGradient().gradient(model, X)
    >>> sorted(g.values), g.values["W"].shape
    (['W', 'b', 'c'], (4, 3))
    """

    def negative_phase(self, model, batch, rng):
        """The model's exact statistics (:meth:`~isingbridge.trainers.models.BoltzmannModel.exact_statistics`)."""
        return model.exact_statistics()

    def check_model(self, model):
        """Raise ``ValueError`` when ``model`` has too many visible units to enumerate."""
        if model.n_visible > MAX_EXACT_VISIBLE:
            raise ValueError(f"ExactGradient enumerates the visible layer: {model.n_visible} visible units is more "
                             f"than {MAX_EXACT_VISIBLE}; use CD, PCD or RAPID with a sampling backend")

    def __repr__(self) -> str:
        return "ExactGradient()"


class _Sampling(BoltzmannEstimator):
    _transient: tuple = ("_chains", "_chains_key")  # the backend's chains (an engine): made again on first use
    _chains_key: tuple[int, int]  # (reads, width) the cached ``_chains`` were made for
    #: whether the negative phase averages ⟨h | v⟩ (``last_means``) rather than sampled hidden units
    rao_blackwell = False

    @property
    def needs_sampler(self) -> bool:
        """True: the negative phase draws samples from the backend."""
        return True

    def __init__(self, k: int, backend: Any, **options: Any):
        self.k = check_positive_int(k, "k")
        self.backend = get(backend)
        self.options = options

    def check_model(self, model):
        """Raise now when the backend cannot sample a model of this width (e.g. the exact backend's limit)."""
        self.backend.check_size(model.width)  # e.g. the exact backend's enumeration limit, before any training

    def _run(self, model: BoltzmannModel, starts: np.ndarray | None, rng: np.random.Generator,
             sweeps: int | None = None) -> np.ndarray:
        """``sweeps`` (default k) sweeps of the backend's chains, from ``starts`` (full states, columns in
        ``model.labels()`` order) or, with None, from where the last run ended; fresh samples where the backend
        cannot continue chains.

        Through the public contract only: the backend's
        :meth:`~isingbridge.backends.base.Backend.chains` on the model's
        array form (no dimod object per mini-batch), and ``E[h | v]`` at the
        final states as the backend's conditional means (``last_means``),
        which the Gibbs layer engine reads off its last hidden update
        instead of another matrix product.
        """
        chains = self._chains_for(model, self._n_chains(starts))
        seed = int(rng.integers(2**31))  # as the trainers always drew it: the same seeds give the same models
        drawn = chains.run(model.sampling_model(), num_sweeps=self.k if sweeps is None else sweeps, beta=model.beta,
                           seed=seed, initial_states=None if starts is None else starts.astype(np.int8))
        means = drawn.conditional_means
        self.last_means = None if means is None else means.astype(model.dtype, copy=False)
        self.last_states = drawn.states.astype(model.dtype)  # columns in the model's order, as the contract returns
        return self.last_states

    def _n_chains(self, starts: np.ndarray | None) -> int:
        assert starts is not None, "estimators that run from the last states override _n_chains"
        return starts.shape[0]

    def _chains_for(self, model: BoltzmannModel, count: int):
        """The backend's chains for ``count`` reads of ``model``'s width (made again when either changes)."""
        key = (count, model.width)
        if getattr(self, "_chains", None) is None or self._chains_key != key:
            conditionals = model.rao_blackwell_variables() if self.rao_blackwell else None
            self._chains = self.backend.chains(count, conditionals=conditionals, **self.options)
            self._chains_key = key
        return self._chains

    def _persistent(self, chains: np.ndarray | None, count: int, width: int, rng) -> np.ndarray:
        if chains is None or chains.shape != (count, width):
            return np.where(rng.random((count, width)) < 0.5, 1.0, -1.0)
        return chains


class _Chains(_Sampling):
    """CD and PCD: the negative phase is a set of chain states, scored with the batch in one fused pass."""

    rao_blackwell = True

    last_means: np.ndarray | None = None

    def _negative_visible(self, model, batch, rng) -> np.ndarray:
        """Visible rows of the negative phase (``last_means`` set when the sampler gave ⟨h | v⟩)."""
        raise NotImplementedError

    def _values(self, model, batch, rng):
        v = self._negative_visible(model, batch, rng)
        return difference_gradient(model, model.statistics_difference(v, batch, self.last_means))

    def negative_phase(self, model, batch, rng):
        """The model's statistics on the chains' visible states (hidden units as ⟨h | v⟩ where the sampler gave them)."""
        return model.statistics(self._negative_visible(model, batch, rng), self.last_means)


class CD(_Chains):
    """Contrastive divergence: k sweeps of ``backend`` started at the batch (h drawn given v).

    Parameters
    ----------
    k : int
        Sweeps per gradient (CD-k).
    backend : str, Backend or dimod.Sampler
        Who samples the negative phase (default "gibbs").
    """

    def __init__(self, k: int = 1, backend: Any = "gibbs", **options: Any):
        super().__init__(k, backend, **options)

    def _negative_visible(self, model, batch, rng):
        return model.split(self._run(model, model.complete(batch, rng), rng))[0]

    def __repr__(self) -> str:
        return f"CD(k={self.k}, backend={self.backend.name!r})"


class PCD(_Chains):
    """Persistent contrastive divergence: ``n_particles`` chains carried across gradients.

    Parameters
    ----------
    k : int
        Sweeps per gradient.
    n_particles : int
        Number of persistent chains (default 100).
    backend : str, Backend or dimod.Sampler
        Who samples the negative phase (default "gibbs").
    **options
        Passed to the backend's chains.
    """

    _transient = _Chains._transient + ("_handed",)  # the chains as the backend's last run left them

    def __init__(self, k: int = 1, n_particles: int = 100, backend: Any = "gibbs", **options: Any):
        super().__init__(k, backend, **options)
        self.n_particles = check_positive_int(n_particles, "n_particles")
        self.chains: np.ndarray | None = None

    def reset(self) -> None:
        """Forget the persistent chains: the next gradient starts fresh ones at random."""
        self.chains = None

    def _advance(self, model, rng) -> np.ndarray:
        # the backend's chains continue on their own unless ours were set (first run, reset, a loaded estimator)
        continuing = (self.chains is not None and self.chains is getattr(self, "_handed", None)
                      and getattr(self, "_chains_key", None) == (self.n_particles, model.width))
        starts = None if continuing else self._persistent(self.chains, self.n_particles, model.width, rng)
        self.chains = self._handed = self._run(model, starts, rng)
        return self.chains

    def _n_chains(self, starts):
        return self.n_particles

    def _negative_visible(self, model, batch, rng):
        return model.split(self._advance(model, rng))[0]

    def __repr__(self) -> str:
        return f"PCD(k={self.k}, n_particles={self.n_particles}, backend={self.backend.name!r})"


class TwoLobe(PCD):
    """Dissipative two-lobe estimator (Lobanov 2023, §3–4): E^T = E(x, y; θ) − E(x̃, ỹ; θ).

    The data lobe has its visible units x̃ driven by the batch and its hidden
    units ỹ at equilibrium given x̃ (sampled, as a device's fast variables would
    be); the free lobe (x, y) is a set of persistent chains advanced ``k`` sweeps
    by ``backend`` per update.  The two lobes are estimated independently and
    the relaxation force ∂E^T/∂θ is the returned gradient, built from samples of
    both lobes (no analytic averaging), so it is what a physical two-lobe device
    would feel.  Pair it with :class:`~isingbridge.trainers.optim.LangevinSGD` for
    the paper's thermal noise on θ.

    For a :class:`~isingbridge.trainers.models.ClassificationRBM` the free lobe
    is the paper's §4 device: its features are driven by the same batch as the
    data lobe and only labels and hidden units are free (persistent label
    states, ``k`` block-Gibbs sweeps of the model's conditional per update),
    so the force descends the cross-entropy of p(y | x).
    """

    rao_blackwell = False  # the force is built from samples of both lobes, as a device would feel it

    def _values(self, model, batch, rng):
        positive = model.statistics(*model.split(model.complete(batch, rng)))
        if isinstance(model, ClassificationRBM):
            free = self._conditional_free_lobe(model, batch, rng)
        else:
            free = self._advance(model, rng)
        return likelihood_gradient(model, positive, model.statistics(*model.split(free)))

    def _conditional_free_lobe(self, model: ClassificationRBM, batch: np.ndarray, rng) -> np.ndarray:
        X = batch[:, : model.n_features]
        labels = self._persistent(self.chains, batch.shape[0], model.n_classes, rng)
        labels, hidden = sample_labels(model, X, labels, self.k, rng=rng, backend=self.backend, **self.options)
        self.chains = labels
        return np.hstack([X, labels, hidden])

    def __repr__(self) -> str:
        return f"TwoLobe(k={self.k}, n_particles={self.n_particles}, backend={self.backend.name!r})"


class Discriminative(BoltzmannEstimator):
    """Exact gradient of the conditional log-likelihood −log p(y | x) of a ClassificationRBM.

    The negative phase is the model's statistics over (x, e_k) for every class
    k, weighted by the exact p(k | x) (hidden units summed analytically): no
    sampling, and the features' share of the hidden fields is computed once
    for all K classes, so a step costs about two n_features × n_hidden matrix
    products per example.  This is the
    discriminative RBM of Larochelle & Bengio (2008) and the exact limit of the
    dissipative classifier's force (Lobanov 2023, §4).
    """

    def _values(self, model, batch, rng):
        self.check_model(model)
        nf = model.n_features
        classes = np.argmax(batch[:, nf:], axis=1)
        difference = model.conditional_statistics_difference(batch[:, :nf], classes)
        return model.chain_rule({name: -model.beta * value for name, value in difference.items()})

    def check_model(self, model):
        """Raise ``TypeError`` unless ``model`` is a :class:`~isingbridge.trainers.models.ClassificationRBM`."""
        if not isinstance(model, ClassificationRBM):
            raise TypeError(f"Discriminative trains a ClassificationRBM (p(y | x)), not a {type(model).__name__}; "
                            "use BoltzmannClassifier, or CD/PCD/ExactGradient for generative training")

    def __repr__(self) -> str:
        return "Discriminative()"
