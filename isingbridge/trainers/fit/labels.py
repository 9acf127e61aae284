"""What the trainers check about their labels: one per row of X, real numbers or strings, sortable."""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_labels"]


def check_labels(y: Any, n_rows: int | None = None, name: str = "y") -> np.ndarray:
    """``y`` as a 1-D array of labels, one per row of X when ``n_rows`` is given.

    Labels may be numbers or strings; complex numbers and NaN or infinite
    numbers are refused (NaN is not equal to itself, so it can never be a
    class).
    """
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels, got shape {labels.shape}")
    if labels.dtype.kind == "c":
        raise TypeError(f"{name} must hold real numbers or strings, got complex labels")
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError(f"{name} contains NaN or infinity (index {int(np.argmin(np.isfinite(labels)))})")
    if labels.dtype.kind == "O":
        try:
            np.unique(labels)
        except TypeError:
            raise TypeError(f"{name} mixes labels that cannot be sorted together (such as numbers, strings and "
                            "None); give labels of one kind") from None
    if n_rows is not None and labels.shape[0] != n_rows:
        raise ValueError(f"X has {n_rows} rows but {name} has {labels.shape[0]} labels")
    return labels
