"""What the trainers check about their data and their progress: labels (one per row of X) and divergence."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from isingbridge.ir import EnergyOverflowError
from isingbridge.trainers.optim import DivergedStepError

__all__ = ["check_labels", "check_diverged", "diverging_settings"]


@contextlib.contextmanager
def diverging_settings(epoch: int, settings: str) -> Iterator[None]:
    """Within one epoch: an optimizer step or a model that overflows float64 is a diverged training run.

    The error then names the trainer's ``settings`` to lower instead of the
    optimizer's rate or the model's coefficients, which the user may never
    have set directly.
    """
    try:
        yield
    except EnergyOverflowError as error:
        raise ValueError(f"training diverged in epoch {epoch}: the model's energies can reach {error.terms} = "
                         f"{error.bound:.3g}, beyond float64's range; lower {settings}") from None
    except DivergedStepError as error:
        raise ValueError(f"training diverged in epoch {epoch}: an optimizer step left parameter {error.parameter} NaN "
                         f"or infinite; lower {settings}") from None


def check_diverged(parameters: dict, epoch: int, settings: str) -> None:
    """Refuse to go on once a parameter is NaN or infinite (a step overflowed), naming the ``settings`` to lower.

    Called once per epoch: one pass over the parameters, negligible beside the epoch itself.
    """
    for name, array in parameters.items():
        if not np.all(np.isfinite(array)):
            raise ValueError(f"training diverged in epoch {epoch}: parameter {name} is no longer finite; "
                             f"lower {settings}")


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
