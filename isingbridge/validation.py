"""One validation layer for every public entry point.

Each check takes the value and the *name of the argument* it came in as, and
either returns the value in a canonical type or raises a ``TypeError`` (wrong
kind of thing) or ``ValueError`` (right kind, wrong value) whose message names
the argument, shows the value, and says what is allowed.  Numbers may be Python
or numpy scalars; booleans are never numbers; NaN and infinity are refused
unless a check says otherwise.

>>> from isingbridge.validation import check_positive, check_int
>>> check_positive(np.float32(0.5), "learning_rate")
0.5
>>> check_int(-1, "seed", minimum=0)
Traceback (most recent call last):
...
ValueError: seed must be an integer >= 0, got -1
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "check_real", "check_positive", "check_nonnegative", "check_beta", "check_int", "check_positive_int",
    "check_choice", "check_bool", "as_rng", "int_seed", "check_array", "check_spins", "check_spin_value",
    "check_memory", "ResourceLimitError", "check_n_jobs", "describe", "check_data",
]


class ResourceLimitError(ValueError):
    """A request whose memory or time would exceed what this machine can give; the message says what to change."""


def describe(value: Any) -> str:
    """``repr(value)`` cut to 60 characters, for error messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_real(value: Any, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, finite: bool = True) -> float:
    """``value`` as a float, refusing non-numbers, booleans, NaN, infinity and values out of bounds.

    ``low``/``high`` are inclusive unless ``low_open``/``high_open``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {describe(value)}")
    number = float(value)
    if math.isnan(number) or (finite and math.isinf(number)):
        raise ValueError(f"{name} must be a finite number, got {number}")
    below = low is not None and (number <= low if low_open else number < low)
    above = high is not None and (number >= high if high_open else number > high)
    if below or above:
        left = "any" if low is None else f"{'(' if low_open else '['}{low:g}"
        right = "" if high is None else f"{high:g}{')' if high_open else ']'}"
        allowed = f"> {low:g}" if high is None and low_open else f">= {low:g}" if high is None else \
            f"in {left}, {right}" if low is not None else f"{'<' if high_open else '<='} {high:g}"
        raise ValueError(f"{name} must be {allowed}, got {number:g}")
    return number


def check_positive(value: Any, name: str) -> float:
    """A finite number > 0 as a float."""
    return check_real(value, name, low=0.0, low_open=True)


def check_nonnegative(value: Any, name: str) -> float:
    """A finite number >= 0 as a float."""
    return check_real(value, name, low=0.0)


def check_beta(beta: Any, name: str = "beta") -> float:
    """An inverse temperature: a positive finite number, as a float."""
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real):
        raise TypeError(f"{name} must be a positive real number, got {type(beta).__name__} {describe(beta)}")
    number = float(beta)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be positive and finite, got {number}")
    return number


def check_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an int within ``[minimum, maximum]``; floats (even 3.0) and booleans are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {describe(value)}")
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        allowed = f">= {minimum}" if maximum is None else f"<= {maximum}" if minimum is None \
            else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an integer {allowed}, got {number}")
    return number


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """An int ``>= minimum`` (default 1)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {int(value)}")
    return int(value)


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """One of ``choices`` (strings), refusing anything else with the list of choices."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {describe(value)}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """A Python or numpy boolean."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {describe(value)}")
    return bool(value)


def as_rng(seed: Any, name: str = "seed") -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None``, an int >= 0, a SeedSequence or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None, an integer >= 0 or a numpy.random.Generator, "
                        f"got {type(seed).__name__} {describe(seed)}")
    if seed < 0:
        raise ValueError(f"{name} must be an integer >= 0 (or None, or a numpy.random.Generator), got {int(seed)}")
    return np.random.default_rng(int(seed))


def int_seed(rng: np.random.Generator) -> int:
    """A 31-bit int seed drawn from ``rng`` (for libraries that take ints)."""
    return int(rng.integers(0, 2**31 - 1))


def _all_finite(array: np.ndarray) -> bool:
    """No NaN or infinity in ``array``: one summing pass without a temporary, elementwise only when the sum is not finite."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = array.sum()  # a NaN or infinity anywhere makes the sum NaN or infinite
    return bool(np.isfinite(total)) or bool(np.all(np.isfinite(array)))  # finite values whose sum overflows


def check_array(values: Any, name: str, *, ndim: int | tuple[int, ...] | None = None, dtype: Any = np.float64,
                finite: bool = True, min_rows: int = 0, columns: int | None = None) -> np.ndarray:
    """``values`` as a numeric array of ``dtype``, with clear errors.

    Refuses complex, boolean-as-text and object input (``TypeError``), the
    wrong number of dimensions, fewer than ``min_rows`` rows, the wrong number
    of ``columns`` (last axis), and NaN or infinity when ``finite``.
    """
    if values is None:
        raise TypeError(f"{name} must be an array, got None")
    array = np.asarray(values)
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real; got complex values (take .real or abs() first if that is meant)")
    if array.dtype.kind not in "biuf":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be numeric, got an array of {array.dtype}") from None
    if ndim is not None:
        wanted = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in wanted:
            described = " or ".join(f"{d}-D" for d in wanted)
            raise ValueError(f"{name} must be a {described} array, got shape {array.shape}")
    if array.ndim >= 1 and array.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} row(s), got shape {array.shape}")
    if columns is not None and (array.ndim < 1 or array.shape[-1] != columns):
        raise ValueError(f"{name} must have {columns} column(s), got shape {array.shape}")
    if finite and array.dtype.kind == "f" and not _all_finite(array):
        position = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(f"{name} contains NaN or infinity (at index {position})")
    return array.astype(dtype, copy=False) if dtype is not None else array


def check_spins(values: Any, name: str, *, width: int | None = None, binary: bool = False,
                dtype: Any = np.int8) -> np.ndarray:
    """Rows of spins ±1 (and, with ``binary``, bits 0/1 mapped to −1/+1), 1-D input as one row.

    Refuses a mix of 0 and −1 (ambiguous), any other value, and the wrong width.
    """
    array = check_array(values, name, ndim=(1, 2), dtype=None)
    array = array[None, :] if array.ndim == 1 else array
    if width is not None and array.shape[1] != width:
        raise ValueError(f"{name} must have {width} column(s), got shape {array.shape}")
    plus, minus = array == 1, array == -1
    allowed = plus | minus
    if binary:
        zero = array == 0
        allowed |= zero
    if not np.all(allowed):
        row, column = (int(i) for i in np.argwhere(~allowed)[0])
        what = "-1/+1 spins (or 0/1 bits)" if binary else "-1/+1 spins"
        raise ValueError(f"{name} must hold {what}; row {row}, column {column} is {array[row, column].item()!r}")
    if binary and np.any(zero) and np.any(minus):
        raise ValueError(f"{name} mixes 0 and -1: use 0/1 bits or -1/+1 spins, not both")
    if binary and np.any(zero):
        return np.where(plus, 1, -1).astype(dtype)
    return array.astype(dtype)


def check_spin_value(value: Any, name: str, *, binary: bool = False) -> int:
    """One spin: −1 or +1 (0/1 too with ``binary``, 0 meaning −1), as an int."""
    allowed = (-1, 0, 1) if binary else (-1, 1)
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and value in allowed
    if not ok:
        what = "-1/+1 (or 0/1 for a BINARY model)" if binary else "-1 or +1"
        raise ValueError(f"{name} is {describe(value)}; allowed values are {what}")
    return 1 if value > 0 else -1


def check_memory(num_bytes: float, what: str, option: str, limit_bytes: float | None = None) -> None:
    """Refuse an allocation of ``num_bytes`` above ``limit_bytes`` (default: half the memory available).

    The message gives the figure and names ``option``, the setting that
    changes it.
    """
    if limit_bytes is None:
        if num_bytes <= _ALWAYS_AFFORDABLE:  # spares every small sample() call a read of /proc/meminfo
            return
        limit_bytes = _available_memory() / 2
    if num_bytes > limit_bytes:
        raise ResourceLimitError(f"{what} would need {num_bytes / 2**30:.2f} GiB, more than the {limit_bytes / 2**30:.2f} GiB "
                          f"allowed here; {option}")


#: Allocations up to this size are never refused (no machine that runs isingbridge lacks 256 MiB).
_ALWAYS_AFFORDABLE = 256 * 2**20


def _available_memory() -> float:
    """Bytes of memory available now (``/proc/meminfo``), or 8 GiB where that cannot be read."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return 8.0 * 2**30


def check_data(values: Any, name: str = "X", *, width: int | None = None, dtype: Any = np.float64) -> np.ndarray:
    """A data matrix: a real, finite 2-D array (samples × features) with at least one row and one column.

    ``width`` fixes the number of features (the number a model was fitted
    with); ``dtype=None`` keeps the data's own numeric type.  Errors locate a
    NaN by row and column.

    >>> check_data(np.zeros((0, 3)), "X")
    Traceback (most recent call last):
    ...
    ValueError: X must have at least 1 row(s), got shape (0, 3)
    """
    try:
        values = np.asarray(values)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular 2-D array (samples × features); its rows differ in "
                         "length") from None
    array = check_array(values, name, ndim=2, dtype=dtype, min_rows=1, finite=False)
    if array.shape[1] == 0:
        raise ValueError(f"{name} has no features (shape {array.shape}); it needs at least one column")
    if width is not None and array.shape[1] != width:
        raise ValueError(f"{name} has {array.shape[1]} features; the model was fitted with {width}")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        row, column = (int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(f"{name} contains NaN or infinity (row {row}, column {column})")
    return array


def check_n_jobs(n_jobs: Any) -> int | None:
    """joblib's worker count: ``None`` or a nonzero integer (−1 = all cores, −2 = all but one, ...)."""
    if n_jobs is None:
        return None
    if check_int(n_jobs, "n_jobs") == 0:
        raise ValueError("n_jobs must be a nonzero integer (1 = no parallelism, -1 = all cores) or None, got 0")
    return int(n_jobs)


def check_layer_sizes(sizes: Any, name: str = "hidden_layer_sizes") -> list[int]:
    """A tuple or list of positive layer sizes, as a list of ints (a bare int is refused: write ``(n,)``)."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (tuple, list, np.ndarray)):
        example = f" such as ({sizes},)" if isinstance(sizes, numbers.Integral) else ""
        raise TypeError(f"{name} must be a tuple of layer sizes{example}, got {type(sizes).__name__} {sizes!r}")
    return [check_positive_int(n, f"{name}[{i}]") for i, n in enumerate(sizes)]
