"""Gradient estimators for RBMs: the physics of the gradient, apart from the optimizer.

Each estimator returns the gradient of the mean negative log-likelihood
L = β⟨F(v)⟩_data + log Z over a batch, as ``{"W": ..., "b": ..., "c": ...}``:

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
from isingbridge.backends.base import check_positive_int
from isingbridge.backends.gibbs import GibbsBackend
from isingbridge.backends.gibbs_cpu import LayerChains
from isingbridge.trainers.rbm import RBM

__all__ = ["GradientEstimator", "ExactGradient", "CD", "PCD", "TwoLobe"]


def _phase(model: RBM, V: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """⟨v hᵀ⟩, ⟨v⟩, ⟨h⟩ over rows v with h summed analytically."""
    hm = model.hidden_mean(V)
    return V.T @ hm / V.shape[0], V.mean(axis=0), hm.mean(axis=0)


def _gradient(model: RBM, data: tuple, negative: tuple) -> dict[str, np.ndarray]:
    beta = model.beta
    return {name: -beta * (d - n) for name, d, n in zip(("W", "b", "c"), data, negative)}


class GradientEstimator:
    """Base class: ``gradient(model, batch, rng) -> {"W", "b", "c"}`` of the mean NLL."""

    needs_sampler = False

    def gradient(self, model: RBM, batch: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return _gradient(model, _phase(model, batch), self.negative_phase(model, batch, rng))

    def negative_phase(self, model: RBM, batch: np.ndarray, rng: np.random.Generator) -> tuple:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget any persistent state (new model, new training run)."""


class ExactGradient(GradientEstimator):
    """The exact model phase by enumerating the visible layer (≤ 24 visible units)."""

    def negative_phase(self, model, batch, rng):
        return model.model_statistics()

    def __repr__(self) -> str:
        return "ExactGradient()"


class _Sampling(GradientEstimator):
    needs_sampler = True

    def __init__(self, k: int, backend: Any, **options: Any):
        self.k = check_positive_int(k, "k")
        self.backend = get(backend)
        self.options = options

    def _continues_chains(self) -> bool:
        return "initial_states" in self.backend.parameters and "num_sweeps" in self.backend.parameters

    def _run(self, model: RBM, starts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """k sweeps of the backend from full (v, h) states (columns in ``model.labels()`` order)."""
        if isinstance(self.backend, GibbsBackend) and self.backend.device == "cpu" and not self.options:
            return self._run_layers(model, starts, rng)
        bqm = model.to_bqm()
        options = dict(self.options)
        if self._continues_chains():
            options.update(initial_states=starts, num_sweeps=self.k)
            if "burn_in" in self.backend.parameters:
                options["burn_in"] = 0
        sampleset = self.backend.sample(bqm, beta=model.beta, num_reads=starts.shape[0],
                                        seed=int(rng.integers(2**31)), **options)
        order = [sampleset.variables.index(v) for v in model.labels()]
        return sampleset.record.sample[:, order].astype(np.float64)

    def _run_layers(self, model: RBM, starts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The Gibbs backend's dense layer engine fed the RBM's arrays directly (no BQM per batch).

        Same chains as the BQM route (visible layer first in each sweep, dimod's
        sign: J = −W, h = −b, −c); it only skips building and compiling a model
        of n_v·n_h couplings for every mini-batch.
        """
        nv = model.n_visible
        groups = [np.arange(nv), np.arange(nv, nv + model.n_hidden)]
        blocks = [[(1, -model.W)], [(0, -model.W.T)]]
        chains = LayerChains.from_layers(groups, blocks, [-model.b, -model.c], model.beta, starts.shape[0],
                                         np.random.default_rng(int(rng.integers(2**31))))
        with self.backend.threads():
            chains.load(starts.astype(np.int8))
            chains.run(self.k)
            return chains.states().astype(np.float64)

    @staticmethod
    def _hidden_given(model: RBM, V: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        p_up = 0.5 * (1.0 + model.hidden_mean(V))
        return np.where(rng.random(p_up.shape) < p_up, 1.0, -1.0)


class CD(_Sampling):
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

    def negative_phase(self, model, batch, rng):
        starts = np.hstack([batch, self._hidden_given(model, batch, rng)])
        states = self._run(model, starts, rng)
        return _phase(model, states[:, : model.n_visible])

    def __repr__(self) -> str:
        return f"CD(k={self.k}, backend={self.backend.name!r})"


class PCD(_Sampling):
    """Persistent contrastive divergence: ``n_particles`` chains carried across gradients."""

    def __init__(self, k: int = 1, n_particles: int = 100, backend: Any = "gibbs", **options: Any):
        super().__init__(k, backend, **options)
        self.n_particles = check_positive_int(n_particles, "n_particles")
        self.chains: np.ndarray | None = None

    def reset(self) -> None:
        self.chains = None

    def negative_phase(self, model, batch, rng):
        width = model.n_visible + model.n_hidden
        if self.chains is None or self.chains.shape[1] != width:
            self.chains = np.where(rng.random((self.n_particles, width)) < 0.5, 1.0, -1.0)
        self.chains = self._run(model, self.chains, rng)
        return _phase(model, self.chains[:, : model.n_visible])

    def __repr__(self) -> str:
        return f"PCD(k={self.k}, n_particles={self.n_particles}, backend={self.backend.name!r})"


class TwoLobe(PCD):
    """Dissipative two-lobe estimator (Lobanov 2023, §3): E^T = E(x, y; θ) − E(x̃, ỹ; θ).

    The data lobe has its visible units x̃ driven by the batch and its hidden
    units ỹ at equilibrium given x̃ (sampled, as a device's fast variables would
    be); the free lobe (x, y) is a set of persistent chains advanced ``k`` sweeps
    by ``backend`` per update.  The two lobes are estimated independently and
    the relaxation force ∂E^T/∂θ is the returned gradient, built from samples of
    both lobes (no analytic averaging), so it is what a physical two-lobe device
    would feel.  Pair it with :class:`~isingbridge.trainers.optim.LangevinSGD` for
    the paper's thermal noise on θ.
    """

    def gradient(self, model: RBM, batch: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        data_hidden = self._hidden_given(model, batch, rng)
        width = model.n_visible + model.n_hidden
        if self.chains is None or self.chains.shape[1] != width:
            self.chains = np.where(rng.random((self.n_particles, width)) < 0.5, 1.0, -1.0)
        self.chains = self._run(model, self.chains, rng)
        free_v, free_h = self.chains[:, : model.n_visible], self.chains[:, model.n_visible:]

        def lobe(v: np.ndarray, h: np.ndarray) -> tuple:
            return v.T @ h / v.shape[0], v.mean(axis=0), h.mean(axis=0)

        return _gradient(model, lobe(batch, data_hidden), lobe(free_v, free_h))

    def __repr__(self) -> str:
        return f"TwoLobe(k={self.k}, n_particles={self.n_particles}, backend={self.backend.name!r})"
