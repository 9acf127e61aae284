"""What a trained Boltzmann machine learned, measured the RAPID paper's way (§III A).

* :func:`reconstruction_error` — fix some visible pixels (e.g. the top row),
  Gibbs-sample the rest, and count wrong pixels: the Hamming distance as a
  fraction of the *unknown* pixels (0.5 for a random guess, 0 for perfect);
* :func:`gibbs_accessibility` — the lowest energy that ``sweeps`` Gibbs sweeps
  from random visible states reach, over the exact ground-state energy (1 is
  the ground state; spin-glass models stay well below);
* :func:`method_accessibility` — the same ratio for the states an estimator
  used for its last negative phase (``estimator.last_states``);
* :func:`singular_values` — the spectrum of W (a pattern-built W has rank ≤ K);
* :func:`generation_quality` — for images with no validity rule (MNIST): how
  many generated samples lie as close to the training set as real held-out
  images do, which classes they show, and how many are copies.

>>> import numpy as np
>>> from isingbridge.trainers.models import PatternRBM
>>> from isingbridge.trainers.diagnostics import gibbs_accessibility, singular_values
>>> model = PatternRBM.random(12, 200, n_patterns=4, seed=0)
>>> int(np.sum(singular_values(model) > 1e-9))      # rank K
4
>>> bool(gibbs_accessibility(model, seed=0) > 0.99)  # retrieval phase: Gibbs finds the ground state
True
"""
from __future__ import annotations

from typing import Any

import numpy as np

from isingbridge.trainers.estimators.conditional import reconstruct
from isingbridge.trainers.models import RBM, draw_spins
from isingbridge.validation import as_rng, check_array, check_data, check_int, check_positive_int, check_real

__all__ = ["hamming_distance", "reconstruction_error", "gibbs_accessibility", "method_accessibility",
           "singular_values", "top_row_mask", "nearest_images", "generation_quality", "check_known_mask"]


def top_row_mask(side: int, rows: int = 1) -> np.ndarray:
    """Boolean mask of the top ``rows`` pixel rows of side×side images (the paper's corruption)."""
    side = check_positive_int(side, "side")
    rows = check_int(rows, "rows", minimum=0, maximum=side)
    mask = np.zeros((side, side), dtype=bool)
    mask[:rows] = True
    return mask.ravel()


def hamming_distance(reconstructed: np.ndarray, target: np.ndarray, known_mask: np.ndarray) -> float:
    """Fraction of the unknown pixels that differ (inputs in the same encoding)."""
    reconstructed, target = check_array(reconstructed, "reconstructed"), check_array(target, "target")
    if reconstructed.shape != target.shape:
        raise ValueError(f"reconstructed has shape {reconstructed.shape} but target has {target.shape}")
    unknown = ~check_known_mask(known_mask, target.shape)
    if not unknown.any():
        raise ValueError("known_mask marks every pixel as known: nothing to reconstruct")
    return float(np.mean(reconstructed[unknown] != target[unknown]))


def check_known_mask(known_mask: Any, shape: tuple) -> np.ndarray:
    """``known_mask`` as a boolean array broadcast to ``shape`` (rows × pixels)."""
    mask = np.asarray(known_mask)
    if mask.dtype != bool:
        raise TypeError(f"known_mask must be a boolean array, got dtype {mask.dtype}")
    try:
        return np.broadcast_to(mask, shape)
    except ValueError:
        raise ValueError(f"known_mask of shape {mask.shape} does not fit data of shape {shape}") from None


def reconstruction_error(model: RBM, X: np.ndarray, known_mask: np.ndarray, *, n_sweeps: int = 10,
                         repeats: int = 10, backend: Any = "gibbs", seed=None) -> float:
    """Mean Hamming distance of reconstructions of rows ±1 ``X`` by ``backend`` (``repeats`` chains per row)."""
    X = check_data(X, "X", width=model.n_visible)
    if not np.all(np.abs(X) == 1):
        raise ValueError("X must hold ±1 spins (convert {0, 1} data with to_spins)")
    X = np.repeat(X, check_positive_int(repeats, "repeats"), axis=0)
    mask = check_known_mask(known_mask, X.shape)
    states = reconstruct(model, X, mask, check_positive_int(n_sweeps, "n_sweeps"), rng=as_rng(seed), backend=backend)
    return hamming_distance(states, X, known_mask)


def _energy_ratio(model: RBM, states: np.ndarray) -> float:
    v, h = model.split(states)
    assert h is not None  # an RBM's states have hidden columns
    return float(np.min(model.energy(v, h)) / model.ground_energy())


def gibbs_accessibility(model: RBM, *, n_chains: int = 100, sweeps: int = 10, seed=None) -> float:
    """Lowest E(v, h) after ``sweeps`` block-Gibbs sweeps from random v, over the exact ground energy."""
    n_chains = check_positive_int(n_chains, "n_chains")
    sweeps = check_int(sweeps, "sweeps", minimum=0)
    rng = as_rng(seed)
    v = draw_spins(np.zeros((n_chains, model.n_visible)), rng)
    h = draw_spins(model.hidden_mean(v), rng)
    for _ in range(sweeps):
        v = draw_spins(model.visible_mean(h), rng)
        h = draw_spins(model.hidden_mean(v), rng)
    return _energy_ratio(model, np.hstack([v, h]))


def method_accessibility(model: RBM, states: np.ndarray) -> float:
    """Lowest energy among an estimator's negative-phase states (``estimator.last_states``), over the ground energy."""
    if states is None:
        raise ValueError("this estimator used no states for its negative phase (exact gradients have none)")
    return _energy_ratio(model, check_data(states, "states", width=model.width))


def singular_values(model: RBM) -> np.ndarray:
    """Singular values of W, largest first."""
    return np.linalg.svd(model.W, compute_uv=False)


def nearest_images(images: np.ndarray, reference: np.ndarray, *, chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``images``, the ink distance to, and index of, the nearest row of ``reference``.

    Pixels are "ink" where positive (±1 spins or 0/1 bits).  The ink
    distance is the Dice dissimilarity ``1 − 2|A ∩ B| / (|A| + |B|)``: 0 for the
    same strokes, 1 for no shared stroke, and unlike a Hamming distance it
    does not call a blank or a thin image close to every thin digit.

    Parameters
    ----------
    images : ndarray, shape (n, n_pixels)
        The images to match (one per row; a single image is accepted).
    reference : ndarray, shape (m, n_pixels)
        The images to match them against.
    chunk : int, default 512
        Rows of ``images`` compared at a time (bounds the memory used).

    Returns
    -------
    distance : ndarray, shape (n,)
        Ink distance to the nearest reference image.
    index : ndarray of int, shape (n,)
        Row of ``reference`` that is nearest.

    Examples
    --------
    >>> import numpy as np
    >>> from isingbridge.trainers.diagnostics import nearest_images
    >>> reference = np.array([[1, 1, 0, 0], [0, 0, 1, 1]])
    >>> distance, index = nearest_images(np.array([[0, 1, 1, 1]]), reference)
    >>> distance.round(2), index
    (array([0.2]), array([1]))
    """
    images = check_data(np.atleast_2d(check_array(images, "images")), "images")
    reference = check_data(np.atleast_2d(check_array(reference, "reference")), "reference")
    chunk = check_positive_int(chunk, "chunk")
    if images.shape[1] != reference.shape[1]:
        raise ValueError(f"images have {images.shape[1]} pixels but the reference images have {reference.shape[1]}")
    ink_ref = (reference > 0).astype(np.float32)
    size_ref = ink_ref.sum(axis=1)
    distance, index = np.empty(len(images)), np.empty(len(images), dtype=np.int64)
    for start in range(0, len(images), chunk):
        ink = (images[start:start + chunk] > 0).astype(np.float32)
        overlap = ink @ ink_ref.T
        dice = 1.0 - 2.0 * overlap / np.maximum(ink.sum(axis=1)[:, None] + size_ref[None, :], 1.0)
        index[start:start + chunk] = np.argmin(dice, axis=1)
        distance[start:start + chunk] = dice[np.arange(len(ink)), index[start:start + chunk]]
    return distance, index


def generation_quality(samples: np.ndarray, train: np.ndarray, held_out: np.ndarray, *,
                       train_labels: np.ndarray | None = None, quantile: float = 0.95) -> dict:
    """How much generated images look like the data, judged against real images the model never saw.

    A sample is *realistic* when its ink distance to the nearest training
    image (:func:`nearest_images`) is within the ``quantile`` of the same
    distance for ``held_out`` real images; so ``quantile`` of real unseen
    images pass by construction, and a blank image, noise or one smeared blob
    fail.  With ``train_labels`` each realistic sample takes its nearest
    training image's label, and ``classes`` counts them.

    Returns a dict: ``realistic`` (fraction), ``threshold``, ``median_distance``
    (samples), ``held_out_median`` (real images), ``copies`` (fraction of
    samples identical to a training image) and, with labels, ``classes``.

    Examples
    --------
    >>> import numpy as np
    >>> from isingbridge.datasets import load_digits_binary
    >>> X, y = load_digits_binary()
    >>> train, held_out = X[:1500], X[1500:]
    >>> generation_quality(held_out, train, held_out, quantile=0.9)["realistic"] >= 0.9  # real digits pass
    True
    >>> generation_quality(np.zeros((4, 64)), train, held_out)["realistic"]  # blank images do not
    0.0
    """
    quantile = check_real(quantile, "quantile", low=0.0, high=1.0, low_open=True)
    real, _ = nearest_images(held_out, train)
    threshold = float(np.quantile(real, quantile))
    distance, index = nearest_images(samples, train)
    realistic = distance <= threshold
    out: dict[str, Any] = {"realistic": float(realistic.mean()), "threshold": threshold,
                           "median_distance": float(np.median(distance)),
                           "held_out_median": float(np.median(real)), "copies": float(np.mean(distance == 0.0))}
    if train_labels is not None:
        train_labels = np.asarray(train_labels)
        if train_labels.shape != (np.atleast_2d(train).shape[0],):
            raise ValueError(f"train_labels must have one label per training image ({np.atleast_2d(train).shape[0]}), "
                             f"got shape {train_labels.shape}")
        labels = train_labels[index[realistic]]
        out["classes"] = {int(k): int(n) for k, n in zip(*np.unique(labels, return_counts=True))}
    return out
