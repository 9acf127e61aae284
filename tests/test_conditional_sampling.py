"""Reconstruction and label sampling through the backend contract, against the exact conditional laws."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from isingbridge.trainers.estimators.conditional import reconstruct, sample_labels
from isingbridge.trainers.models import RBM, ClassificationRBM


def _rbm(cls=RBM, nv=5, nh=3, seed=4, **extra):
    rng = np.random.default_rng(seed)
    return cls(rng.normal(0.0, 0.8, (nv, nh)), rng.normal(0.0, 0.3, nv), rng.normal(0.0, 0.3, nh), 1.0, **extra)


def _conditional_law(model: RBM, fixed: dict, free: list) -> tuple[np.ndarray, np.ndarray]:
    """Every assignment of the ``free`` visible units and its exact probability given ``fixed`` ones (h summed)."""
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=len(free))))
    v = np.zeros((len(states), model.n_visible))
    for position, value in fixed.items():
        v[:, position] = value
    v[:, free] = states
    log_p = -model.beta * model.free_energy(v)
    p = np.exp(log_p - log_p.max())
    return states, p / p.sum()


def _check_frequencies(draws: np.ndarray, states: np.ndarray, p: np.ndarray) -> None:
    """Each assignment's frequency within 4.5 binomial standard errors of its exact probability."""
    frequency = np.array([np.mean(np.all(draws == s, axis=1)) for s in states])
    stderr = np.sqrt(p * (1 - p) / len(draws))
    z = (frequency - p) / np.maximum(stderr, 1e-12)
    assert np.all(np.abs(z) < 4.5), np.round(z, 2)
    assert stderr.max() < 0.02  # enough draws for the check to bite


@pytest.mark.parametrize("backend", ["gibbs", "exact"])
def test_reconstruct_samples_the_conditional_law(backend):
    model = _rbm()
    known = np.array([True, False, True, False, False])
    V = np.tile([1.0, 1.0, -1.0, 1.0, 1.0], (3000, 1))  # unknown entries are not read
    out = reconstruct(model, V, known, sweeps=20, rng=np.random.default_rng(0), backend=backend)
    assert np.all(out[:, known] == V[:, known])
    states, p = _conditional_law(model, {0: 1.0, 2: -1.0}, [1, 3, 4])
    _check_frequencies(out[:, ~known], states, p)


def test_reconstruct_rows_with_different_masks_and_generation():
    model = _rbm()
    V = np.where(np.random.default_rng(1).random((40, 5)) < 0.5, 1.0, -1.0)
    known = np.zeros((40, 5), dtype=bool)
    known[::2, 0] = True   # two masks: rows go to two batched clamps
    out = reconstruct(model, V, known, sweeps=3, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(out[known], V[known])
    assert set(np.unique(out)) <= {-1.0, 1.0}
    again = reconstruct(model, V, known, sweeps=3, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(out, again)  # same seed, same reconstruction
    generated = reconstruct(model, np.zeros((3000, 5)), np.zeros(5, dtype=bool), sweeps=25, rng=np.random.default_rng(3))
    states, p = _conditional_law(model, {}, [0, 1, 2, 3, 4])
    _check_frequencies(generated, states, p)


def test_sample_labels_with_features_clamped():
    model = _rbm(ClassificationRBM, nv=5, nh=3, n_classes=2)
    x = np.array([1.0, -1.0, 1.0])
    X = np.tile(x, (3000, 1))
    y0 = np.where(np.random.default_rng(5).random((3000, 2)) < 0.5, 1.0, -1.0)
    labels, hidden = sample_labels(model, X, y0, 20, rng=np.random.default_rng(6))
    assert labels.shape == (3000, 2) and hidden.shape == (3000, 3)
    states, p = _conditional_law(model, dict(enumerate(x)), [3, 4])
    _check_frequencies(labels, states, p)
