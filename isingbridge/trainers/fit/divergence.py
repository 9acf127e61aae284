"""A training run that diverged stops with the settings to lower, never with NaN parameters."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np

from isingbridge.ir import EnergyOverflowError
from isingbridge.trainers.optim import DivergedStepError

__all__ = ["diverging"]


@contextlib.contextmanager
def diverging(epoch: int, settings: str, parameters: Callable[[], dict]) -> Iterator[None]:
    """Guard one epoch: an overflowing optimizer step or model inside it, or non-finite parameters after it.

    The error names the trainer's ``settings`` to lower (e.g. ``"learning_rate
    (now 0.1) or beta (now 2.0)"``) instead of the optimizer's rate or the
    model's coefficients, which the user may never have set directly.  The
    check after the epoch (one pass over ``parameters()``) catches optimizers
    of the user's own that do not check their steps.

    >>> with diverging(1, "learning_rate (now 1e+308)", lambda: {"W": np.array([np.inf])}):
    ...     pass
    Traceback (most recent call last):
    ...
    ValueError: training diverged in epoch 1: parameter W is no longer finite; lower learning_rate (now 1e+308)
    """
    try:
        yield
    except EnergyOverflowError as error:
        raise ValueError(f"training diverged in epoch {epoch}: the model's energies can reach {error.terms} = "
                         f"{error.bound:.3g}, beyond float64's range; lower {settings}") from None
    except DivergedStepError as error:
        raise ValueError(f"training diverged in epoch {epoch}: an optimizer step left parameter {error.parameter} NaN "
                         f"or infinite; lower {settings}") from None
    for name, array in parameters().items():
        if not np.all(np.isfinite(array)):
            raise ValueError(f"training diverged in epoch {epoch}: parameter {name} is no longer finite; "
                             f"lower {settings}")
