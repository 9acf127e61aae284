"""What the equilibrium-propagation estimators share: the nudge, field and target checks, coupling maps."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from isingbridge.validation import check_choice, check_positive, check_real

__all__ = ["Couplings", "check_nudge", "check_field_values", "positive_setting"]


class Couplings(dict):
    """``{(u, v): value}`` that also answers for (v, u) — a coupling has no direction."""

    def __missing__(self, pair):
        if isinstance(pair, tuple) and len(pair) == 2 and (pair[1], pair[0]) in self.keys():
            return dict.__getitem__(self, (pair[1], pair[0]))
        raise KeyError(pair)

    def __contains__(self, pair) -> bool:
        return dict.__contains__(self, pair) or (isinstance(pair, tuple) and len(pair) == 2
                                                 and dict.__contains__(self, (pair[1], pair[0])))

    def get(self, pair, default=None):
        """The value of ``pair`` in either order, or ``default``."""
        return self[pair] if pair in self else default


def positive_setting(value: Any, name: str, note: str = "") -> float:
    """``value`` as a finite float > 0; the error reads "<name> must be a finite number > 0<note>, got <value>"."""
    try:
        return check_positive(value, name)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{name} must be a finite number > 0{note}, got {value!r}") from None


def check_nudge(nudge: Any, variant: str) -> float:
    """The nudging strength ``nudge`` > 0 finite, and a known variant; shared by the EP estimators."""
    strength = positive_setting(nudge, "nudge", " (the nudging strength: EP needs a nudge)")
    check_choice(variant, "variant", ("positive", "symmetric"))
    return strength


def check_field_values(values: Any, what: str, labels: Any, *, bounded: bool,
                       unit: str = "a variable of the network", mean: str = "a spin's mean") -> dict:
    """A non-empty ``{label: finite number}`` over ``labels``, each in [−1, 1] when ``bounded`` (targets of ``mean``).

    ``unit`` and ``mean`` name, in the errors, what a label and a target are.
    """
    if not isinstance(values, Mapping) or not values:
        raise ValueError(f"{what} must be a non-empty dict {{label: value}}, got {type(values).__name__} {values!r}")
    checked = {}
    for label, value in values.items():
        if label not in labels:
            raise ValueError(f"{what} names {label!r}, which is not {unit}")
        number = check_real(value, f"{what}[{label!r}]")
        if bounded and not -1.0 <= number <= 1.0:
            raise ValueError(f"target {number} for {label!r} is outside [-1, 1], the range of {mean}")
        checked[label] = number
    return checked
