"""The data the scikit-learn estimators take: scikit-learn's own checks, with errors that name X or y.

:func:`check_X` runs ``sklearn.utils.validation.validate_data`` (2-D, real,
finite, dense, at least one row and one feature; ``n_features_in_`` and
``feature_names_in_`` recorded by ``fit`` and checked afterwards) and
:func:`check_y` the classifiers' labels (one per row, 1-D, finite, discrete
classes rather than a continuous target).  Every error names the argument it
is about.  :func:`binarized` is the documented threshold that maps real
features to spins for the models whose inputs are ±1.

>>> import numpy as np
>>> from sklearn.base import BaseEstimator
>>> check_X(BaseEstimator(), np.zeros((2, 0)), reset=True)
Traceback (most recent call last):
...
ValueError: X: Found array with 0 feature(s) (shape=(2, 0)) while a minimum of 1 is required by BaseEstimator.
>>> binarized(np.array([[0.2, 0.7], [-1.0, 1.0]]), 0.5).tolist()
[[-1.0, 1.0], [-1.0, 1.0]]
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
from sklearn.utils import assert_all_finite
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d, validate_data

from isingbridge.trainers.fit.labels import check_labels
from isingbridge.validation import check_real

__all__ = ["binarized", "check_X", "check_y"]


def _naming(error: Exception, name: str) -> Exception:
    """``error`` with ``name`` in front of its message unless the message names it already."""
    message = str(error)
    if re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])", message):
        return error
    try:
        return type(error)(f"{name}: {message}")
    except TypeError:  # an exception class with another constructor
        return ValueError(f"{name}: {message}")


def check_X(estimator: Any, X: Any, *, reset: bool, dtype: Any = "numeric",
            fitted_with: str = "the model was fitted with") -> np.ndarray:
    """``X`` as scikit-learn's ``validate_data`` checks it, for ``fit`` (``reset=True``) or after it.

    ``dtype="numeric"`` keeps numeric data in its own type (bytes stay bytes)
    and converts anything else to float64; sparse, complex, 1-D, empty, NaN
    or infinite input is refused with scikit-learn's message, prefixed by
    "X:" where it does not name X; a width other than the fitted one says
    "X has 3 features; ``fitted_with`` 2" first.
    """
    try:
        return validate_data(estimator, X, reset=reset, dtype=dtype)
    except (TypeError, ValueError) as error:
        width = re.match(r"X has (\d+) features, but \w+ is expecting (\d+) features", str(error))
        if width:
            raise ValueError(f"X has {width[1]} features; {fitted_with} {width[2]} ({error})") from None
        raise _naming(error, "X") from None


def check_y(estimator: Any, X: np.ndarray, y: Any) -> np.ndarray:
    """Class labels, one per row of ``X``: 1-D (a column is accepted with a warning), finite, discrete.

    A continuous target is refused with scikit-learn's "Unknown label type";
    labels of kinds that cannot be sorted together are refused by name.
    """
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the target y is None")
    try:
        labels = np.asarray(y)
        if labels.dtype.kind == "c":
            raise ValueError("Complex data not supported: y must hold real numbers or strings, got complex labels")
        labels = column_or_1d(labels, warn=True)
        if labels.dtype.kind == "f":
            assert_all_finite(labels, input_name="y")
        if labels.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {labels.shape[0]} labels")
        check_classification_targets(labels)
    except (TypeError, ValueError) as error:
        raise _naming(error, "y") from None
    return check_labels(labels, X.shape[0])


def binarized(X: np.ndarray, threshold: Any, dtype: Any = np.float64) -> np.ndarray:
    """Spins from real features: +1 where a feature is above ``threshold``, −1 elsewhere.

    Any threshold in [0, 1) leaves data in {0, 1} or {−1, +1} as they are.
    """
    threshold = check_real(threshold, "binarize")
    return np.where(X > threshold, 1.0, -1.0).astype(dtype, copy=False)
