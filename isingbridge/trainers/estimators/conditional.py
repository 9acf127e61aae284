"""Conditional sampling of restricted Boltzmann machines through the backend contract.

Two procedures clamp part of the visible layer and sample the rest with any
backend: :func:`reconstruct` fills in unknown pixels (generation, when none
is known), and :func:`sample_labels` draws the labels and hidden units of a
:class:`~isingbridge.trainers.models.ClassificationRBM` with its features
held at the data (the free lobe of the two-lobe classifier).  Rows that
share which pixels are known form one batched clamp, so the Gibbs backend
runs them in one engine; a backend that cannot continue chains returns
fresh samples of the same conditional law.

Both start the hidden layer from its exact conditional given the known
pixels (unknown ones at 0, the "blank image" of the RAPID paper), so the
first visible update hears the known pixels rather than random noise; each
sweep then updates the visible layer given the hidden one, and the hidden
one given the visible layer.

>>> import numpy as np
>>> from isingbridge.trainers.models import RBM
>>> model = RBM.random(6, 4, seed=0)
>>> V = np.ones((3, 6))
>>> known = np.array([True, True, True, False, False, False])
>>> out = reconstruct(model, V, known, sweeps=5, rng=np.random.default_rng(0))
>>> out.shape, bool(np.all(out[:, :3] == 1)), bool(np.all(np.abs(out) == 1))
((3, 6), True, True)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from isingbridge.backends import get
from isingbridge.trainers.models import RBM, ClassificationRBM
from isingbridge.trainers.models.rbm import draw_spins

__all__ = ["reconstruct", "sample_labels"]


def reconstruct(model: RBM, V: np.ndarray, known: np.ndarray, sweeps: int, *, rng: np.random.Generator,
                backend: Any = "gibbs", **options: Any) -> np.ndarray:
    """Visible states after ``sweeps`` sweeps of ``backend`` with the ``known`` pixels clamped to ``V``.

    Parameters
    ----------
    model : RBM
        The machine (its ``beta`` is the sampling temperature).
    V : numpy.ndarray
        ``(rows, n_visible)`` ±1; entries where ``known`` is False are not read.
    known : numpy.ndarray
        Boolean mask broadcastable to ``V``: True where a pixel is given.
    sweeps : int
        Sweeps per row.
    rng : numpy.random.Generator
        Source of the starting hidden states and of the backend's seeds.
    backend : str, Backend or dimod.Sampler
        Who samples (default "gibbs").
    **options
        The backend's options (e.g. ``method`` for gibbs).

    Returns
    -------
    numpy.ndarray
        ``(rows, n_visible)`` float ±1: the known pixels as given, the rest the chains' last states.
    """
    V = np.asarray(V, dtype=np.float64)
    known = np.broadcast_to(known, V.shape)
    blank = np.where(known, V, 0.0)
    starts = np.hstack([np.where(known, V, 1.0), draw_spins(model.hidden_mean(blank), rng)])
    patterns, group = np.unique(known, axis=0, return_inverse=True)
    out = np.empty_like(V)
    for k, pattern in enumerate(patterns):
        rows = np.flatnonzero(group.ravel() == k)
        states = clamped_sweeps(get(backend), model, np.flatnonzero(pattern), starts[rows], sweeps, rng, options)
        out[rows] = states[:, : model.n_visible]
    return out


def sample_labels(model: ClassificationRBM, X: np.ndarray, y: np.ndarray, sweeps: int, *,
                  rng: np.random.Generator, backend: Any = "gibbs", **options: Any) -> tuple[np.ndarray, np.ndarray]:
    """Label and hidden states after ``sweeps`` sweeps of ``backend`` with the features clamped to ``X``.

    ``y`` ``(rows, n_classes)`` ±1 are the label units' starting states (a
    persistent free lobe's last labels); ``options`` go to the backend.
    Returns ``(labels, hidden)``.
    """
    starts = model.complete(np.hstack([X, y]), rng)  # hidden units from their exact conditional given (x, y)
    states = clamped_sweeps(get(backend), model, np.arange(model.n_features), starts, sweeps, rng, options)
    return states[:, model.n_features: model.n_visible], states[:, model.n_visible:]


def clamped_sweeps(backend, model: RBM, positions: np.ndarray, starts: np.ndarray, sweeps: int,
                   rng: np.random.Generator, options: dict) -> np.ndarray:
    """One chain per row of ``starts`` (full states), its spins at ``positions`` clamped to that row's values.

    Returns the final full states ``(rows, width)`` (float ±1) in the model's column order.
    """
    target = model.sampling_model()
    seed = int(rng.integers(2**31))
    spins = starts.astype(np.int8)
    if positions.size == 0:
        drawn = backend.sample_states(target, beta=model.beta, num_reads=len(spins), seed=seed,
                                      **options, **backend.continuation(sweeps, spins))
        return drawn.states.astype(np.float64)
    drawn = backend.sample_states(target, beta=model.beta, num_reads=1, seed=seed,
                                  clamp=(positions, spins[:, positions]),
                                  **options, **backend.continuation(sweeps, spins[:, None, :]))
    return drawn.states[:, 0, :].astype(np.float64)
