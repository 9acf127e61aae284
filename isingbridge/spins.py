"""Spin tables and random spins: helpers that backends, models and circuits share.

>>> import numpy as np
>>> from isingbridge.spins import spin_rows
>>> spin_rows(np.array([0, 1, 2]), 2).tolist()   # bit q of the code is spin q
[[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]]
"""
from __future__ import annotations

import numpy as np

__all__ = ["spin_rows", "random_spins"]


def spin_rows(codes: np.ndarray, num_bits: int) -> np.ndarray:
    """Spin rows (float64, ±1) of integer state codes."""
    bits = (codes[:, None] >> np.arange(num_bits, dtype=np.int64)[None, :]) & 1
    return (2.0 * bits - 1.0).astype(np.float64)


def random_spins(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Uniformly random ±1 int8 spins from one random bit per spin (fast for millions of spins)."""
    bits = np.frombuffer(rng.bytes(shape[0] * shape[1]), dtype=np.uint8).reshape(shape) & np.uint8(1)
    spins = bits.view(np.int8)
    spins *= 2
    spins -= 1
    return spins
