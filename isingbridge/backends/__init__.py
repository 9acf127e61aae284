"""Backends: the machines that sample a BQM, behind one contract.

>>> from isingbridge.backends import get, available
>>> get("exact").name
'exact'
>>> "anneal" in available()
True

:func:`get` takes a built-in name ("exact", "anneal", "gibbs", "statevector"),
a name registered by a third party under the entry-point group
``isingbridge.backends``, an existing :class:`Backend`, or any
``dimod.Sampler`` — the last is wrapped by
:class:`~isingbridge.backends.dimod_adapter.DimodSamplerBackend`, which realises β by
scaling, fixes clamped variables before submission and respects hardware
ranges.
"""
from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

import dimod

from isingbridge.backends.base import Backend, Moments
from isingbridge.backends.convergence import ConvergenceWarning
from isingbridge.backends.dimod_adapter import NotReproducibleWarning
from isingbridge.backends.exact import SlowEnumerationWarning
from isingbridge.validation import ResourceLimitError

__all__ = ["Backend", "Moments", "get", "available", "BUILTIN", "NotReproducibleWarning", "SlowEnumerationWarning",
           "ResourceLimitError", "ConvergenceWarning"]

#: Built-in backends: name → "module:Class" (imported on first use).
BUILTIN: dict[str, str] = {
    "exact": "isingbridge.backends.exact:ExactBackend",
    "anneal": "isingbridge.backends.anneal:AnnealBackend",
    "gibbs": "isingbridge.backends.gibbs:GibbsBackend",
    "statevector": "isingbridge.backends.statevector:StatevectorBackend",
    "tempering": "isingbridge.backends.tempering:TemperingBackend",
    "sqa": "isingbridge.backends.sqa:SQABackend",
}

ENTRY_POINT_GROUP = "isingbridge.backends"


def _load(target: str) -> type:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _registered() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available() -> dict[str, str]:
    """Backend names that can be built here, each with its size limits.

    Built-ins whose module cannot be imported (a missing optional dependency,
    or a backend not yet shipped) are left out; third-party entry points are
    listed as they are registered.
    """
    found: dict[str, str] = {}
    for name, target in BUILTIN.items():
        try:
            found[name] = _load(target)().limits()
        except (ImportError, AttributeError):
            continue
    for name, ep in _registered().items():
        found.setdefault(name, f"third-party ({ep.value})")
    return found


def get(name_or_sampler: Any, **options: Any) -> Backend:
    """Return a backend by name, or wrap a ``dimod.Sampler``.

    Parameters
    ----------
    name_or_sampler : str, Backend or dimod.Sampler
        "exact", "anneal", "gibbs", "statevector", a registered entry-point
        name, an existing backend (returned as is) or any dimod sampler.
    **options
        Passed to the backend's constructor (e.g. ``max_variables`` for
        "exact", ``beta_eff`` for a wrapped sampler).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the available ones).
    TypeError
        For anything that is neither a name nor a sampler.
    """
    if isinstance(name_or_sampler, Backend):
        if options:
            raise TypeError("options cannot be applied to an already-built backend; pass a name instead")
        return name_or_sampler
    if isinstance(name_or_sampler, str):
        if name_or_sampler in BUILTIN:
            return _load(BUILTIN[name_or_sampler])(**options)
        registered = _registered()
        if name_or_sampler in registered:
            backend = registered[name_or_sampler].load()(**options)
            if not isinstance(backend, Backend):
                raise TypeError(f"entry point {name_or_sampler!r} did not build an isingbridge Backend")
            return backend
        names = sorted(set(BUILTIN) | set(registered))
        raise ValueError(f"unknown backend {name_or_sampler!r}; available: {names}, or pass a dimod.Sampler")
    if isinstance(name_or_sampler, dimod.Sampler):
        from isingbridge.backends.dimod_adapter import DimodSamplerBackend

        return DimodSamplerBackend(name_or_sampler, **options)
    raise TypeError(
        f"get() takes a backend name or a dimod.Sampler, got {type(name_or_sampler).__name__}"
    )
