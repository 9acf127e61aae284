"""A reproducible sweep of bad inputs across isingbridge's public entry points.

Every case is generated from tables (entry point × argument × value) and
declares what it must do: be **refused** (most cases), **accepted** (valid
numpy scalars, ``None`` defaults, ...) or **either** (a huge finite value: a
clear refusal and a finite answer are both fine).  Each outcome is classified:

clear
    a ``ValueError``/``TypeError`` (or a subclass) whose message names the
    argument, or, for the command line, a non-zero exit with an ``error:``
    message naming it; for accepted cases, a result without NaN or infinity;
wrong
    no error where one was due, NaN or infinity in a result from finite
    input, a valid input refused, or a loader that ran code from a file;
ugly
    any other exception type, a message that does not name the argument, or a
    command-line traceback;
slow
    no answer within the per-case time limit (the case is killed).

Cases run one after another in a forked worker process, so a case that hangs
can be killed without losing the sweep.

Usage::

    python scripts/bad_input_sweep.py            # the counts table
    python scripts/bad_input_sweep.py --verbose  # and every case that is not clear
    python scripts/bad_input_sweep.py --area CLI --timeout 10
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import multiprocessing
import os
import pickle
import re
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dimod
import numpy as np

from isingbridge import TransverseIsing
from isingbridge.backends import get

AREAS = ("backends", "quantum", "trainers", "circuits", "CLI")
REFUSE, ACCEPT, EITHER = "refuse", "accept", "either"


class Wrong(Exception):
    """Raised by a result check: the call did something it must not do."""


@dataclass(frozen=True)
class Case:
    """One call: where it belongs, what it does, which names an error must mention, and what is expected."""

    area: str
    call: str
    run: Callable[[], Any]
    names: tuple[str, ...]
    expect: str = REFUSE
    cli: bool = False


@dataclass
class Outcome:
    """What a case did: ``kind`` is clear/wrong/ugly/slow, ``detail`` says how."""

    kind: str
    detail: str = ""
    seconds: float = 0.0


# --------------------------------------------------------------------------- values
NAN, INF = math.nan, math.inf
#: Bad values of any real-number argument (label → value).
BAD_REAL: dict[str, Any] = {
    "nan": NAN, "inf": INF, "-inf": -INF, "'1.0'": "1.0", "1j": 1j, "True": True, "[0.5]": [0.5],
    "np.complex128(1+1j)": np.complex128(1 + 1j), "np.nan32": np.float32("nan"), "object()": object(),
}
#: Extra bad values of a positive real argument.
BAD_POSITIVE: dict[str, Any] = {**BAD_REAL, "0": 0, "0.0": 0.0, "-1": -1, "-1e308": -1e308, "None": None}
#: Extra bad values of a real argument that must be >= 0.
BAD_NONNEGATIVE: dict[str, Any] = {**BAD_REAL, "-1": -1, "-1e-3": -1e-3, "None": None}
#: Bad values of a positive integer argument.
BAD_POSITIVE_INT: dict[str, Any] = {
    "0": 0, "-1": -1, "2.5": 2.5, "3.0": 3.0, "nan": NAN, "inf": INF, "'3'": "3", "True": True, "1j": 1j,
    "np.float64(2)": np.float64(2.0), "[2]": [2],
}
#: Bad seeds.
BAD_SEED: dict[str, Any] = {"-1": -1, "'x'": "x", "2.5": 2.5, "nan": NAN, "1j": 1j, "True": True, "[-1]": [-1]}
#: Valid numpy scalars of each kind (must be accepted).
GOOD_REAL = {"np.float32(0.5)": np.float32(0.5), "np.float64(0.5)": np.float64(0.5), "np.int64(1)": np.int64(1)}
GOOD_INT = {"np.int64(2)": np.int64(2), "np.int32(2)": np.int32(2), "np.uint8(2)": np.uint8(2)}
GOOD_SEED = {"np.int64(3)": np.int64(3), "None": None, "default_rng(0)": "rng"}
#: Huge finite values: either a clear refusal or a finite answer.
HUGE_REAL = {"1e308": 1e308}

KINDS: dict[str, tuple[dict, dict, dict]] = {  # kind → (refused, accepted, either)
    "positive": (BAD_POSITIVE, GOOD_REAL, HUGE_REAL),
    "nonnegative": (BAD_NONNEGATIVE, GOOD_REAL, HUGE_REAL),
    "positive_int": (BAD_POSITIVE_INT, GOOD_INT, {}),
    "seed": (BAD_SEED, GOOD_SEED, {}),
    "real": (BAD_REAL, GOOD_REAL, HUGE_REAL),
}


def values_of(kind: str) -> Iterator[tuple[str, Any, str]]:
    """``(label, value, expectation)`` for every value of an argument kind."""
    refused, accepted, either = KINDS[kind]
    for table, expect in ((refused, REFUSE), (accepted, ACCEPT), (either, EITHER)):
        for label, value in table.items():
            yield label, value, expect


def fresh(value: Any) -> Any:
    """Values that must be built per call (a Generator is stateful)."""
    return np.random.default_rng(0) if isinstance(value, str) and value == "rng" else value


# --------------------------------------------------------------------------- fixtures
def small_bqm(linear_scale: float = 1.0, vartype: str = "SPIN") -> dimod.BinaryQuadraticModel:
    """A four-spin model with fields, a loop of couplings and an offset."""
    linear = {"a": 0.5, "b": -0.3, "c": 0.2, "d": 0.1}
    quadratic = {("a", "b"): -1.0, ("b", "c"): 0.5, ("c", "d"): 0.7, ("a", "d"): 0.2}
    return dimod.BQM({k: v * linear_scale for k, v in linear.items()}, quadratic, 0.1, vartype)


def bqm_with(linear: dict | None = None, quadratic: dict | None = None, offset: float = 0.0) -> Callable[[], Any]:
    """A builder of ``small_bqm`` with some biases replaced (built at call time)."""
    def build() -> dimod.BinaryQuadraticModel:
        bqm = small_bqm()
        for v, bias in (linear or {}).items():
            bqm.set_linear(v, bias)
        for (u, v), bias in (quadratic or {}).items():
            bqm.set_quadratic(u, v, bias)
        bqm.offset = offset if offset else bqm.offset
        return bqm
    return build


SPIN_DATA = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]] * 2)
LABELS = np.array(["a", "b", "a", "b"] * 2)
REAL_FEATURES = SPIN_DATA * 0.9


def or_network() -> list:
    """(W, b) layers of a two-input OR through two hidden tanh units."""
    return [(np.eye(2), np.zeros(2)), (np.array([[1.0, 1.0]]), np.array([0.5]))]


OR_X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]])
OR_Y = np.array([[-1], [1], [1], [1]])

#: Bad values of a 2-D data matrix X (4 columns).
BAD_X: dict[str, Any] = {
    "[]": [], "[[]]": [[]], "zeros((0, 4))": np.zeros((0, 4)), "1-D": np.array([1, 0, 1, 0]),
    "3-D": np.ones((2, 2, 4)), "NaN entry": np.where(SPIN_DATA == 1, np.nan, 0.0),
    "inf entry": np.where(SPIN_DATA == 1, np.inf, 0.0),
    "strings": np.array([["a", "b", "c", "d"]] * 8), "complex": SPIN_DATA + 1j, "None": None, "'abc'": "abc",
    "wrong width": SPIN_DATA[:, :3], "object rows": np.array([[1, [0], 1, 0]] * 8, dtype=object),
}
#: Extra bad values of spin/bit data (not 0/1, not ±1).
BAD_BITS: dict[str, Any] = {"value 2": SPIN_DATA * 2, "0.5": SPIN_DATA * 0.5,
                            "mixed 0 and -1": SPIN_DATA - np.eye(8, 4, dtype=int)}


# --------------------------------------------------------------------------- cases: backends
BACKEND_DEFAULTS: dict[str, dict] = {
    "exact": {}, "statevector": {},
    "anneal": {"num_sweeps": 20},
    "gibbs": {"num_sweeps": 20},
}
BAD_BQM: dict[str, Any] = {
    "None": None, "dict": {"a": 1.0}, "'bqm'": "bqm", "ndarray": np.eye(3), "SampleSet": "sampleset",
}
#: Model contents: (label, builder, expectation).
BQM_CONTENTS: list[tuple[str, Callable[[], Any], str]] = [
    ("NaN field", bqm_with({"a": NAN}), REFUSE),
    ("inf field", bqm_with({"b": INF}), REFUSE),
    ("NaN coupling", bqm_with(quadratic={("a", "b"): NAN}), REFUSE),
    ("-inf coupling", bqm_with(quadratic={("a", "b"): -INF}), REFUSE),
    ("NaN offset", bqm_with(offset=NAN), REFUSE),
    ("fields 1e308", bqm_with({"a": 1e308, "b": 1e308, "c": 1e308, "d": 1e308}), EITHER),
    ("fields ±1e308", bqm_with({"a": 1e308, "b": -1e308}), EITHER),
    ("couplings 1e308", bqm_with(quadratic={("a", "b"): 1e308, ("b", "c"): 1e308}), EITHER),
    ("offset 1e308 with fields 1e308", bqm_with({"a": 1e308}, offset=1e308), EITHER),
    ("fields 1e200 at beta 1", bqm_with({"a": 1e200, "b": -1e200}), EITHER),
    ("BINARY model", lambda: small_bqm(vartype="BINARY"), ACCEPT),
    ("empty model", lambda: dimod.BQM("SPIN"), ACCEPT),
]
BAD_CLAMP: dict[str, Any] = {
    "{a: 0}": {"a": 0}, "{a: 2}": {"a": 2}, "{a: nan}": {"a": NAN}, "{a: '1'}": {"a": "1"}, "{zz: 1}": {"zz": 1},
    "{a: 1j}": {"a": 1j}, "{a: 0.5}": {"a": 0.5}, "[('a', 1)]": [("a", 1)], "'a=1'": "a=1", "{a: None}": {"a": None},
}
GOOD_CLAMP: dict[str, Any] = {"{a: np.int8(-1)}": {"a": np.int8(-1)}, "{a: 1.0}": {"a": 1.0}, "{}": {}}
BAD_INITIAL: dict[str, Any] = {
    "zeros": np.zeros((4, 4)), "value 2": 2 * np.ones((4, 4)), "NaN": np.full((4, 4), NAN),
    "wrong width": np.ones((4, 3)), "3-D": np.ones((2, 4, 4)), "empty": np.ones((0, 4)), "strings": [["+"] * 4] * 4,
    "complex": np.ones((4, 4)) * 1j, "rows != num_reads": np.ones((3, 4)),
}
#: Backend-specific options: backend → method → option → (refused, accepted, either).
BACKEND_OPTIONS: dict[str, dict[str, dict[str, tuple[dict, dict, dict]]]] = {
    "anneal": {
        "num_sweeps": (BAD_POSITIVE_INT, GOOD_INT, {}),
        "mode": ({"'foo'": "foo", "1": 1, "None": None}, {"'anneal'": "anneal"}, {}),
        "beta_range": ({"(nan, 1)": (NAN, 1.0), "(0.1, inf)": (0.1, INF), "(-1, 1)": (-1.0, 1.0), "(0, 1)": (0.0, 1.0),
                        "(1,)": (1.0,), "'x'": "x", "(1, 2, 3)": (1.0, 2.0, 3.0), "in boltzmann mode": "boltzmann"},
                       {}, {}),
        "initial_states": (BAD_INITIAL, {"ones": np.ones((4, 4))}, {}),
    },
    "gibbs": {
        "num_sweeps": (BAD_POSITIVE_INT, GOOD_INT, {}),
        "burn_in": ({"-1": -1, "20": 20, "2.5": 2.5, "nan": NAN, "'5'": "5"}, {"np.int64(5)": np.int64(5), "0": 0}, {}),
        "thin": ({"0": 0, "-1": -1, "1.5": 1.5, "nan": NAN}, {"np.int64(2)": np.int64(2)}, {}),
        "scan": ({"'foo'": "foo", "None": None, "1": 1}, {"'random'": "random"}, {}),
        "method": ({"'foo'": "foo", "None": None}, {"'dense'": "dense"}, {}),
        "compute_corr": ({"'yes'": "yes", "nan": NAN}, {"np.bool_(False)": np.bool_(False)}, {}),
        "pairs": ({"'foo'": "foo", "1": 1, "2.5": 2.5, "[('a',)]": [("a",)], "[('a', 'zz')]": [("a", "zz")],
                   "[('a', 'a')]": [("a", "a")]},
                  {"'edges'": "edges", "'all'": "all", "None": None, "[('a', 'c')]": [("a", "c")]}, {}),
        "initial_states": (BAD_INITIAL, {"ones": np.ones((4, 4))}, {}),
    },
    "statevector": {
        "temperature": ({"-1": -1.0, "nan": NAN, "inf": INF, "'hot'": "hot", "1j": 1j, "True": True},
                        {"np.float32(0.5)": np.float32(0.5), "0": 0}, {"1e308": 1e308, "1e-300": 1e-300}),
        "state": ({"-1": -1, "2.5": 2.5, "'excited'": "excited", "16": 16, "10**6": 10**6, "True": True},
                  {"np.int64(1)": np.int64(1)}, {}),
    },
}


DEFAULT_MODEL = object()  # "use the small model" (None is one of the bad models)


def call_backend(name: str, method: str, bqm: Any = DEFAULT_MODEL, /, **kwargs: Any) -> Any:
    """``get(name).<method>(bqm, ...)`` with the backend's small defaults; the result of the call."""
    backend = get(name)
    options = dict(BACKEND_DEFAULTS[name])
    if name in ("anneal", "gibbs"):
        options["num_reads"] = 4 if "initial_states" in kwargs else 16
    if method == "sample":
        options.setdefault("num_reads", 8)
    options.update(kwargs)
    if options.get("beta_range") == "boltzmann":
        options.update(beta_range=(0.1, 1.0), mode="boltzmann")
    if name == "anneal" and "beta_range" in kwargs and kwargs["beta_range"] != "boltzmann":
        options["mode"] = "anneal"
    model = small_bqm() if bqm is DEFAULT_MODEL else bqm() if callable(bqm) else bqm
    if isinstance(model, str) and model == "sampleset":
        model = dimod.SampleSet.from_samples([[1, -1]], "SPIN", energy=[0.0])
    return getattr(backend, method)(model, **options)


def backend_cases() -> Iterator[Case]:
    """Every built-in backend's sample and moments against every bad argument."""
    for name in ("exact", "anneal", "gibbs", "statevector"):
        for method in ("sample", "moments"):
            yield from _common_backend_cases(name, method)
            for option, (refused, accepted, either) in BACKEND_OPTIONS.get(name, {}).items():
                for table, expect in ((refused, REFUSE), (accepted, ACCEPT), (either, EITHER)):
                    for label, value in table.items():
                        yield Case("backends" if name != "statevector" else "quantum", f"{name}.{method}({option}={label})",
                                   _bind(call_backend, name, method, **{option: value}),
                                   (option,), expect)
        yield from _extra_backend_cases(name)


def _bind(function: Callable, *args: Any, **kwargs: Any) -> Callable[[], Any]:
    """``function(*args, **kwargs)`` later, with stateful values made fresh at call time."""
    return lambda: function(*args, **{k: fresh(v) for k, v in kwargs.items()})


def _common_backend_cases(name: str, method: str) -> Iterator[Case]:
    area = "quantum" if name == "statevector" else "backends"
    prefix = f"{name}.{method}"
    for label, value, expect in values_of("positive"):
        if name in ("statevector", "anneal") and label == "None":
            expect = ACCEPT  # beta=None: the default (ground state; beta 1 in Boltzmann mode)
        yield Case(area, f"{prefix}(beta={label})", _bind(call_backend, name, method, beta=value), ("beta",), expect)
    for label, value, expect in values_of("seed"):
        yield Case(area, f"{prefix}(seed={label})", _bind(call_backend, name, method, seed=value), ("seed",), expect)
    for label, value, expect in values_of("positive_int"):
        huge = {"10**12": 10**12} if expect == REFUSE and label == "0" else {}
        huge_expect = EITHER if method == "moments" and name in ("exact", "statevector") else REFUSE  # unused there
        yield Case(area, f"{prefix}(num_reads={label})", _bind(call_backend, name, method, num_reads=value),
                   ("num_reads",), expect)
        for big_label, big in huge.items():
            yield Case(area, f"{prefix}(num_reads={big_label})", _bind(call_backend, name, method, num_reads=big),
                       ("num_reads", "memory", "GiB"), huge_expect)
    for label, value in BAD_BQM.items():
        yield Case(area, f"{prefix}(bqm={label})", _bind(call_backend, name, method, value),
                   ("bqm", "BinaryQuadraticModel", "model"), REFUSE)
    for label, build, expect in BQM_CONTENTS:
        yield Case(area, f"{prefix}(bqm with {label})", _bind(call_backend, name, method, build),
                   ("bias", "offset", "bqm", "overflow", "beta"), expect)
    for table, expect in ((BAD_CLAMP, REFUSE), (GOOD_CLAMP, ACCEPT)):
        for label, value in table.items():
            yield Case(area, f"{prefix}(clamp={label})", _bind(call_backend, name, method, clamp=value), ("clamp",), expect)
    yield Case(area, f"{prefix}(unknown option temprature=1)", _bind(call_backend, name, method, temprature=1.0),
               ("temprature",), REFUSE)


def _extra_backend_cases(name: str) -> Iterator[Case]:
    """Constructor options and the methods only some backends have."""
    area = "quantum" if name == "statevector" else "backends"
    constructor = {"exact": "max_variables", "statevector": "max_qubits", "gibbs": "num_threads"}.get(name)
    if constructor:
        for label, value, expect in values_of("positive_int"):
            yield Case(area, f"get({name!r}, {constructor}={label})", _bind(get, name, **{constructor: value}),
                       (constructor,), expect)
    if name == "exact":
        for label, value, expect in values_of("positive_int"):
            yield Case(area, f"exact.ground_states(max_states={label})",
                       _bind(lambda **kw: get("exact").ground_states(small_bqm(), **kw), max_states=value),
                       ("max_states",), expect)
        for label, value, expect in values_of("positive"):
            yield Case(area, f"exact.log_partition(beta={label})",
                       _bind(lambda **kw: get("exact").log_partition(small_bqm(), **kw), beta=value), ("beta",), expect)
    if name == "gibbs":
        for label, value in {"'tpu'": "tpu", "None": None, "1": 1}.items():
            yield Case(area, f"get('gibbs', device={label})", _bind(get, "gibbs", device=value), ("device",))
        for label, value in {"'double'": "double", "None": None}.items():
            yield Case(area, f"get('gibbs', dense_precision={label})", _bind(get, "gibbs", dense_precision=value),
                       ("dense_precision",))


def get_cases() -> Iterator[Case]:
    """``isingbridge.get`` itself."""
    for label, value in {"'foo'": "foo", "None": None, "3": 3, "''": "", "b'exact'": b"exact"}.items():
        yield Case("backends", f"get({label})", _bind(get, value), ("backend", "get()", "sampler"))
    yield Case("backends", "get('exact', bogus=1)", _bind(get, "exact", bogus=1), ("bogus",))
    yield Case("backends", "get(get('exact'), max_variables=3)",
               lambda: get(get("exact"), max_variables=3), ("options", "max_variables"))


# --------------------------------------------------------------------------- cases: quantum
_SMALL = object()  # "the small model": None itself is one of the bad values tried for bqm


def transverse(x: Any = None, xx: Any = None, bqm: Any = _SMALL) -> TransverseIsing:
    """A TransverseIsing on the small model (or ``bqm``) with the given X and XX terms."""
    return TransverseIsing(small_bqm() if bqm is _SMALL else bqm, x=x, xx=xx)


BAD_X_TERMS: dict[str, Any] = {
    "{a: nan}": {"a": NAN}, "{a: inf}": {"a": INF}, "{a: 1j}": {"a": 1j}, "{a: '0.3'}": {"a": "0.3"},
    "{a: None}": {"a": None}, "{a: True}": {"a": True}, "[('a', 0.3)]": [("a", 0.3)], "'a'": "a",
}
BAD_XX_TERMS: dict[str, Any] = {
    "{(a, a): 1}": {("a", "a"): 1.0}, "{(a,): 1}": {("a",): 1.0}, "{'ab': 1}": {"ab": 1.0},
    "{(a, b): nan}": {("a", "b"): NAN}, "{(a, b): 1j}": {("a", "b"): 1j}, "{(a, b, c): 1}": {("a", "b", "c"): 1.0},
    "[((a, b), 1)]": [(("a", "b"), 1.0)],
}
BAD_OPERATORS: dict[str, Any] = {
    "[('Z', ['a', 'b'], 1)]": [("Z", ["a", "b"], 1.0)], "[('Q', ['a'], 1)]": [("Q", ["a"], 1.0)],
    "[('Z', ['zz'], 1)]": [("Z", ["zz"], 1.0)], "[('Z', ['a'], nan)]": [("Z", ["a"], NAN)],
    "'Z'": "Z", "None": None, "[('Z', 'a', 1)]": [("Z", "a", 1.0)], "[('Z', ['a'])]": [("Z", ["a"])],
    "[('ZZ', ['a'], 1)]": [("ZZ", ["a"], 1.0)],
}
BAD_V0: dict[str, Any] = {"wrong size": np.ones(5), "NaN": np.full(16, NAN), "zeros": np.zeros(16),
                          "complex": np.ones(16) * 1j, "'x'": "x", "2-D wrong": np.ones((3, 3))}


def quantum_cases() -> Iterator[Case]:
    """TransverseIsing construction and the statevector backend's own methods."""
    for label, value in BAD_X_TERMS.items():
        yield Case("quantum", f"TransverseIsing(x={label})", _bind(transverse, x=value), ("x", "X coefficient"),
                   EITHER if label == "{a: True}" else REFUSE)
    for label, value in BAD_XX_TERMS.items():
        yield Case("quantum", f"TransverseIsing(xx={label})", _bind(transverse, xx=value), ("xx", "XX"))
    for label, value in BAD_BQM.items():
        yield Case("quantum", f"TransverseIsing(bqm={label})", _bind(transverse, bqm=value),
                   ("bqm", "BinaryQuadraticModel"))
    yield Case("quantum", "TransverseIsing(x={a: np.float32(0.3)})", _bind(transverse, x={"a": np.float32(0.3)}),
               ("x",), ACCEPT)
    statevector = lambda method, *args, **kw: getattr(get("statevector"), method)(transverse({"a": 0.3}), *args, **kw)  # noqa: E731
    for label, value in BAD_OPERATORS.items():
        yield Case("quantum", f"statevector.expectation(operator={label})", _bind(statevector, "expectation", value),
                   ("operator", "label", "qubit", "pauli"))
    for label, value, expect in values_of("positive_int"):
        yield Case("quantum", f"statevector.eigenstates(k={label})", _bind(statevector, "eigenstates", k=value), ("k",),
                   expect)
    yield Case("quantum", "statevector.eigenstates(k=10**6)", _bind(statevector, "eigenstates", k=10**6), ("k",))
    lanczos = lambda **kw: get("statevector", dense_qubits=2).eigenstates(transverse({"a": 0.3}), **kw)  # noqa: E731
    for label, value in BAD_V0.items():
        yield Case("quantum", f"statevector.eigenstates(v0={label}) [Lanczos]", _bind(lanczos, v0=value), ("v0",))
    for label, value in {"0": 0.0, "-1": -1.0, "nan": NAN, "'x'": "x"}.items():
        yield Case("quantum", f"statevector.thermal_state(temperature={label})",
                   _bind(statevector, "thermal_state", value), ("temperature",))
    yield Case("quantum", "statevector.moments(beta=1, temperature=1)",
               _bind(statevector, "moments", beta=1.0, temperature=1.0), ("beta", "temperature"))
    yield Case("quantum", "statevector.moments(state=1, temperature=1)",
               _bind(statevector, "moments", state=1, temperature=1.0), ("state", "temperature"))
    yield Case("quantum", "statevector.moments(clamp={a: 1}) on an X qubit",
               _bind(statevector, "moments", clamp={"a": 1}), ("clamp",))
    yield Case("quantum", "statevector.moments(degenerate ground space)",
               lambda: get("statevector").moments(dimod.BQM({"a": 0.0, "b": 0.0}, {}, 0.0, "SPIN")), ("bqm",), ACCEPT)
    yield Case("quantum", "statevector.moments(fields ±1e300, no transverse)",
               lambda: get("statevector").moments(bqm_with({"a": 1e300, "b": -1e300})()), ("bias", "bqm"), EITHER)


# --------------------------------------------------------------------------- cases: trainers
def trainer_classes() -> dict[str, Any]:
    """The trainers under test, imported on first use."""
    from isingbridge.trainers import BoltzmannClassifier, BoltzmannRBM
    from isingbridge.trainers import EqPropClassifier, IsingEqPropClassifier, QuantumEqPropClassifier
    return {"BoltzmannRBM": BoltzmannRBM, "BoltzmannClassifier": BoltzmannClassifier,
            "EqPropClassifier": EqPropClassifier, "IsingEqPropClassifier": IsingEqPropClassifier,
            "QuantumEqPropClassifier": QuantumEqPropClassifier}


#: Small valid settings of each trainer.
TRAINER_DEFAULTS: dict[str, dict] = {
    "BoltzmannRBM": {"n_hidden": 2, "n_epochs": 1, "batch_size": 4, "random_state": 0},
    "BoltzmannClassifier": {"n_hidden": 2, "n_epochs": 1, "batch_size": 4, "random_state": 0},
    "EqPropClassifier": {"hidden_layer_sizes": (3,), "n_epochs": 1, "batch_size": 4, "random_state": 0},
    "IsingEqPropClassifier": {"hidden_layer_sizes": (3,), "n_epochs": 1, "batch_size": 4, "random_state": 0,
                              "replicas": 1, "num_reads": 2, "num_sweeps": 3, "nudge_sweeps": 2},
    "QuantumEqPropClassifier": {"n_hidden": 1, "n_epochs": 1, "batch_size": 4, "random_state": 0},
}
#: Hyper-parameters of each trainer: name → kind, or → (refused, accepted) tables.
TRAINER_PARAMETERS: dict[str, dict[str, Any]] = {
    "BoltzmannRBM": {"n_hidden": "positive_int", "learning_rate": "positive", "batch_size": "positive_int",
                     "n_epochs": "positive_int", "beta": "positive", "random_state": "seed", "warm_start": "bool",
                     "momentum": "momentum", "optimizer": "optimizer", "dtype": "dtype", "estimator": "estimator"},
    "EqPropClassifier": {"learning_rate": "positive", "batch_size": "positive_int", "n_epochs": "positive_int",
                         "random_state": "seed", "warm_start": "bool", "momentum": "momentum", "optimizer": "optimizer",
                         "hidden_layer_sizes": "layers", "activation": "activation", "estimator": "estimator"},
    "IsingEqPropClassifier": {"replicas": "positive_int", "nudge": "positive", "num_reads": "positive_int",
                              "num_sweeps": "positive_int", "nudge_sweeps": "positive_int",
                              "beta": "positive", "learning_rate": "positive", "random_state": "seed",
                              "warm_start": "bool", "optimizer": "optimizer", "hidden_layer_sizes": "layers",
                              "backend": "backend"},
    "QuantumEqPropClassifier": {"n_hidden": "positive_int", "nudge": "positive", "temperature": "temperature",
                                "state": "state", "input_scale": "input_scale", "n_init": "positive_int",
                                "learning_rate": "positive", "optimizer": "optimizer", "random_state": "seed",
                                "warm_start": "bool"},
}
TRAINER_PARAMETERS["BoltzmannClassifier"] = TRAINER_PARAMETERS["BoltzmannRBM"]
SPECIAL_KINDS: dict[str, tuple[dict, dict, dict]] = {
    "momentum": ({"-0.1": -0.1, "1.0": 1.0, "nan": NAN, "'x'": "x", "1j": 1j}, {"np.float32(0.5)": np.float32(0.5)}, {}),
    "bool": ({"'yes'": "yes", "1": 1, "None": None}, {"True": True, "np.True_": np.True_}, {}),
    "optimizer": ({"'foo'": "foo", "None": None, "1": 1, "'SGD'": "SGD"}, {"'adam'": "adam"}, {}),
    "dtype": ({"'float16'": "float16", "'int'": "int", "None": None, "'x'": "x"}, {"np.float32": np.float32}, {}),
    "estimator": ({"'cd'": "cd", "1": 1, "object()": object()}, {}, {}),
    "layers": ({"5": 5, "(0,)": (0,), "(-1,)": (-1,), "(2.5,)": (2.5,), "'5'": "5", "None": None, "(nan,)": (NAN,)},
               {"(np.int64(3),)": (np.int64(3),), "[3]": [3]}, {}),
    "activation": ({"'relu'": "relu", "None": None, "1": 1}, {"'tanh'": "tanh"}, {}),
    "backend": ({"'foo'": "foo", "None": None, "1": 1}, {"'anneal'": "anneal"}, {}),
    "temperature": ({"-1": -1.0, "nan": NAN, "inf": INF, "'hot'": "hot"}, {"np.float32(0.5)": np.float32(0.5)}, {}),
    "state": ({"-1": -1, "2.5": 2.5, "'excited'": "excited", "10**6": 10**6}, {"np.int64(0)": np.int64(0)}, {}),
    "input_scale": ({"nan": NAN, "[]": [], "'x'": "x", "[[1.0]]": [[1.0]], "1j": 1j},
                    {"np.float32(2)": np.float32(2.0), "[1, 2]": [1.0, 2.0]}, {"1e308": 1e308}),
}


def kind_values(kind: str) -> Iterator[tuple[str, Any, str]]:
    """Values of a kind, from :data:`KINDS` or :data:`SPECIAL_KINDS`."""
    if kind in KINDS:
        yield from values_of(kind)
        return
    refused, accepted, either = SPECIAL_KINDS[kind]
    for table, expect in ((refused, REFUSE), (accepted, ACCEPT), (either, EITHER)):
        for label, value in table.items():
            yield label, value, expect


def fit_trainer(name: str, X: Any = DEFAULT_MODEL, y: Any = DEFAULT_MODEL, /, **params: Any) -> Any:
    """Build trainer ``name`` with its small defaults and ``params`` and fit it on tiny data."""
    cls = trainer_classes()[name]
    settings = dict(TRAINER_DEFAULTS[name])
    settings.update({k: fresh(v) for k, v in params.items()})
    estimator = cls(**settings)
    if X is DEFAULT_MODEL:
        X = REAL_FEATURES if name == "EqPropClassifier" else SPIN_DATA
    if name == "BoltzmannRBM":
        return estimator.fit(X)
    return estimator.fit(X, LABELS if y is DEFAULT_MODEL else y)


REAL_FEATURE_TRAINERS = ("EqPropClassifier", "QuantumEqPropClassifier")
BAD_Y: dict[str, Any] = {"one class": np.array(["a"] * 8), "wrong length": LABELS[:5], "2-D": LABELS.reshape(4, 2),
                         "None": None, "scalar 'a'": "a"}


def trainer_cases() -> Iterator[Case]:
    """Every trainer's hyper-parameters and fit data, then predictions, estimators, optimizers and loading."""
    for name, parameters in TRAINER_PARAMETERS.items():
        for parameter, kind in parameters.items():
            for label, value, expect in kind_values(kind):
                yield Case("trainers", f"{name}({parameter}={label}).fit", _bind(fit_trainer, name, **{parameter: value}),
                           (parameter,) + (("hidden layer",) if parameter == "hidden_layer_sizes" else ()), expect)
        for label, value in {**BAD_X, **BAD_BITS}.items():
            if label == "wrong width" or (name in REAL_FEATURE_TRAINERS and label in BAD_BITS) or \
                    (name == "IsingEqPropClassifier" and label == "0.5"):
                continue  # any width is fine before fit; real features are fine for EP (thresholded at 0.5 for Ising EP)
            yield Case("trainers", f"{name}.fit(X={label})", _bind(fit_trainer, name, value), ("X",))
        if name != "BoltzmannRBM":
            for label, value in BAD_Y.items():
                yield Case("trainers", f"{name}.fit(y={label})", _bind(fit_trainer, name, DEFAULT_MODEL, value), ("y",))
    yield from prediction_cases()
    yield from estimator_cases()
    yield from optimizer_cases()
    yield from loading_cases()


def fitted(name: str) -> Any:
    """A fitted small trainer (cached per worker)."""
    if name not in _FITTED:
        _FITTED[name] = fit_trainer(name)
    return _FITTED[name]


_FITTED: dict[str, Any] = {}
PREDICTIONS: dict[str, tuple[str, ...]] = {
    "BoltzmannRBM": ("transform", "score_samples"),
    "BoltzmannClassifier": ("predict", "predict_proba"),
    "EqPropClassifier": ("predict", "decision_function"),
    "IsingEqPropClassifier": ("predict",),
    "QuantumEqPropClassifier": ("predict",),
}


def prediction_cases() -> Iterator[Case]:
    """Predictions of fitted trainers on bad X, and before fit."""
    for name, methods in PREDICTIONS.items():
        for method in methods:
            call = lambda n, m, X: getattr(fitted(n), m)(X)  # noqa: E731
            for label, value in BAD_X.items():
                if label == "zeros((0, 4))":
                    continue  # predicting on no rows is fine
                yield Case("trainers", f"{name}.{method}(X={label})", _bind(call, name, method, value), ("X",))
            yield Case("trainers", f"{name}.{method}(X) before fit",
                       _bind(lambda n, m: getattr(trainer_classes()[n](), m)(SPIN_DATA), name, method),
                       ("fit", "fitted"))
    def rbm(attribute: str, /, *args: Any, **kw: Any) -> Any:
        return getattr(fitted("BoltzmannRBM"), attribute)(*args, **kw)

    for label, value, expect in values_of("positive_int"):
        yield Case("trainers", f"BoltzmannRBM.sample(n={label})", _bind(rbm, "sample", value, num_sweeps=5), ("n",),
                   expect)
    yield Case("trainers", "BoltzmannRBM.score_samples(method='foo')", _bind(rbm, "score_samples", SPIN_DATA, method="foo"),
               ("method",))
    for label, value in {"0": 0, "-1": -1, "2.5": 2.5}.items():
        yield Case("trainers", f"BoltzmannRBM.score_samples(method='ais', n_chains={label})",
                   _bind(rbm, "score_samples", SPIN_DATA, method="ais", n_chains=value, n_steps=5), ("n_chains",))
    for label, value in {"ints": np.ones(4, dtype=int), "wrong shape": np.ones(3, dtype=bool), "None": None}.items():
        yield Case("trainers", f"BoltzmannRBM.reconstruct(known_mask={label})",
                   _bind(rbm, "reconstruct", SPIN_DATA, value), ("known_mask",))
    yield Case("trainers", "BoltzmannClassifier.score(y=unseen label)",
               lambda: fitted("BoltzmannClassifier").score(SPIN_DATA, np.array(["z"] * 8)), ("y", "labels"))


def estimator_cases() -> Iterator[Case]:
    """Gradient estimators' constructors."""
    from isingbridge.trainers import CD, PCD, RAPID
    for label, value, expect in values_of("positive_int"):
        yield Case("trainers", f"CD(k={label})", _bind(CD, k=value), ("k",), expect)
        yield Case("trainers", f"PCD(n_particles={label})", _bind(PCD, n_particles=value), ("n_particles",), expect)
        yield Case("trainers", f"RAPID(n_patterns={label})", _bind(RAPID, n_patterns=value), ("n_patterns",), expect)
    for label, value in {"'foo'": "foo", "None": None, "3": 3}.items():
        yield Case("trainers", f"CD(backend={label})", _bind(CD, backend=value), ("backend", "get()", "sampler"))
    yield Case("trainers", "CD(k=1, bogus=1) then fit", lambda: fit_trainer("BoltzmannRBM", estimator=CD(1, bogus=1)),
               ("bogus",))


OPTIMIZER_PARAMETERS: dict[str, dict[str, str]] = {
    "SGD": {"learning_rate": "positive", "momentum": "momentum"},
    "Adam": {"learning_rate": "positive", "beta1": "unit", "beta2": "unit", "eps": "positive"},
    "LangevinSGD": {"learning_rate": "positive", "temperature": "nonnegative", "seed": "seed"},
}
SPECIAL_KINDS["unit"] = ({"-0.1": -0.1, "1.0": 1.0, "nan": NAN, "'x'": "x", "1j": 1j}, {"np.float32(0.9)": np.float32(0.9)}, {})


def run_optimizer(name: str, **params: Any) -> dict:
    """Build optimizer ``name`` with ``params`` and take two steps on a small problem; the parameters."""
    from isingbridge.trainers import optim
    optimizer = getattr(optim, name)(**{k: fresh(v) for k, v in params.items()})
    parameters = {"w": np.ones(3)}
    for _ in range(2):
        optimizer.step(parameters, {"w": np.array([0.5, -1.0, 2.0])})
    return parameters


def optimizer_cases() -> Iterator[Case]:
    """Every optimizer's constructor arguments, then two steps."""
    for name, parameters in OPTIMIZER_PARAMETERS.items():
        for parameter, kind in parameters.items():
            for label, value, expect in kind_values(kind):
                yield Case("trainers", f"{name}({parameter}={label}).step", _bind(run_optimizer, name, **{parameter: value}),
                           (parameter,), expect)


class _RunsCode:
    """A pickle payload that makes a folder when unpickled (proof that loading ran code)."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def hostile_files(folder: Path) -> dict[str, Path]:
    """Files a careless or hostile user might hand to a loader: label → path."""
    files = {"missing": folder / "missing.ckpt", "directory": folder}
    contents = {"garbage.ckpt": b"\x00\x01garbage", "empty.ckpt": b"", "text.json": b'{"format": "x"}',
                "truncated.ckpt": pickle.dumps({"format": "isingbridge.BoltzmannRBM/1", "state": list(range(50))})[:20]}
    for filename, data in contents.items():
        (folder / filename).write_bytes(data)
        files[filename] = folder / filename
    for suffix in (".ckpt", ".npz", ".json"):
        path = folder / f"crafted{suffix}"
        path.write_bytes(pickle.dumps(_RunsCode(str(folder / f"ran-code-{suffix[1:]}"))))
        files[f"crafted pickle {suffix}"] = path
    return files


def guarded_load(loader: Callable[[Path], Any], path: Path) -> Any:
    """``loader(path)``, then :class:`Wrong` if loading ran the crafted payload."""
    try:
        return loader(path)
    finally:
        ran = [p.name for p in path.parent.glob("ran-code-*")]
        if ran:
            for p in path.parent.glob("ran-code-*"):
                p.rmdir()
            raise Wrong(f"loading {path.name} ran code from the file ({ran})")


def loading_cases() -> Iterator[Case]:
    """``load`` of every checkpointing trainer against hostile files."""
    folder = Path(tempfile.mkdtemp(prefix="isingbridge-sweep-load-"))
    for label, path in hostile_files(folder).items():
        for name in ("BoltzmannRBM", "EqPropClassifier"):
            loader = lambda p, n=name: trainer_classes()[n].load(p)  # noqa: E731
            yield Case("trainers", f"{name}.load({label})", _bind(guarded_load, loader, path),
                       ("path", str(path), path.name, "checkpoint", "file"))


# --------------------------------------------------------------------------- cases: circuits
def or_circuit(**kw: Any) -> Any:
    """The compiled OR circuit."""
    from isingbridge.circuits import compile_network
    return compile_network(or_network(), **kw)


BAD_NETWORKS: dict[str, Any] = {
    "[]": [], "one layer": or_network()[:1], "None": None, "'net'": "net", "mismatched": [(np.eye(2), np.zeros(2)),
    (np.ones((1, 3)), np.zeros(1))], "NaN weight": [(np.full((2, 2), NAN), np.zeros(2)), or_network()[1]],
    "inf bias": [(np.eye(2), np.array([INF, 0.0])), or_network()[1]], "3-D W": [(np.ones((2, 2, 2)), np.zeros(2)),
    or_network()[1]], "complex W": [(np.eye(2) * 1j, np.zeros(2)), or_network()[1]], "string W": [(np.array([["a", "b"],
    ["c", "d"]]), np.zeros(2)), or_network()[1]], "layer not a pair": [np.eye(2), or_network()[1]],
    "deep tanh": [(np.eye(2), np.zeros(2))] * 2 + [or_network()[1]],
}
BAD_TABLES: dict[str, tuple[Any, Any]] = {
    "empty X": (np.zeros((0, 2)), np.zeros((0, 1))), "3-D X": (np.ones((2, 2, 2)), OR_Y[:2]),
    "wrong width X": (np.ones((4, 3)), OR_Y), "X = 0/1": ((OR_X + 1) // 2, OR_Y), "NaN X": (OR_X * NAN, OR_Y),
    "rows differ": (OR_X, OR_Y[:3]), "Y = 2": (OR_X, OR_Y * 2), "Y 1-D": (OR_X, OR_Y.ravel()),
    "strings X": (np.array([["a", "b"]] * 4), OR_Y), "None X": (None, OR_Y), "complex Y": (OR_X, OR_Y * 1j),
}


def circuit_cases() -> Iterator[Case]:
    """compile_network, correctness, the circuit's methods, quantisation and tuning."""
    from isingbridge.circuits import compile_network, correctness, correctness_map, quantize_network
    for label, value in BAD_NETWORKS.items():
        yield Case("circuits", f"compile_network(net={label})", _bind(compile_network, value),
                   ("net", "layer", "network", "hidden"))
    for parameter in ("beta", "lam"):
        for label, value, expect in values_of("positive"):
            yield Case("circuits", f"compile_network({parameter}={label})", _bind(or_circuit, **{parameter: value}),
                       (parameter,), expect)
    for label, value in {"'relu'": "relu", "1": 1}.items():
        yield Case("circuits", f"compile_network(activation={label})", _bind(or_circuit, activation=value), ("activation",))
    check = lambda X, Y, **kw: correctness(or_circuit(), X, Y, **kw)  # noqa: E731
    for label, (X, Y) in BAD_TABLES.items():
        names = ("X", "Y") if label == "rows differ" else ("Y",) if "Y" in label.split() else ("X",)
        yield Case("circuits", f"correctness({label})", _bind(check, X, Y), names)
    yield Case("circuits", "correctness(backend='foo')", _bind(check, OR_X, OR_Y, backend="foo"), ("backend",))
    yield from circuit_method_cases()
    for parameter, table in {"q": {"0": 0, "-1": -1, "2.5": 2.5}, "method": {"'foo'": "foo"},
                             "ks": {"[0]": [0], "[]": [], "[-2]": [-2]}, "confirm": {"0": 0, "-1": -1}}.items():
        for label, value in table.items():
            yield Case("circuits", f"quantize_network({parameter}={label})",
                       _bind(quantize_network, or_network(), OR_X, OR_Y, **{parameter: value}), (parameter,))
    for parameter, value in {"betas": [NAN], "lams": [0.0]}.items():
        yield Case("circuits", f"correctness_map({parameter}={value})",
                   _bind(correctness_map, or_network(), OR_X, OR_Y, **{"betas": [1.0], "lams": [0.1], parameter: value}),
                   (parameter, parameter[:-1]))
    yield Case("circuits", "correctness_map(n_jobs=0)",
               _bind(correctness_map, or_network(), OR_X, OR_Y, [1.0], [0.1], n_jobs=0), ("n_jobs",))


def circuit_method_cases() -> Iterator[Case]:
    """output_means, ground_outputs, scaled and from_serializable."""
    from isingbridge.circuits import IsingCircuit
    for method in ("output_means", "ground_outputs", "clamp"):
        for label, (X, _) in BAD_TABLES.items():
            if label.endswith("X"):
                yield Case("circuits", f"circuit.{method}(x={label[:-2]})",
                           _bind(lambda m, x: getattr(or_circuit(), m)(x), method, X), ("x", "inputs"))
    for label, value, expect in values_of("positive"):
        yield Case("circuits", f"circuit.scaled({label})", _bind(lambda f: or_circuit().scaled(f), value),
                   ("factor",), expect)
    for label, value in {"{}": {}, "None": None, "'x'": "x", "wrong type": {"type": "other"},
                         "no bqm": {"type": "isingbridge.IsingCircuit"}}.items():
        yield Case("circuits", f"IsingCircuit.from_serializable({label})", _bind(IsingCircuit.from_serializable, value),
                   ("data", "IsingCircuit", "circuit", "bqm"))


# --------------------------------------------------------------------------- cases: CLI
def cli_files(folder: Path) -> dict[str, str]:
    """Valid and broken files for the command line: label → path."""
    paths: dict[str, str] = {"missing": str(folder / "missing.json"), "directory": str(folder)}
    model = small_bqm()
    texts = {"model.json": json.dumps(model.to_serializable()), "garbage.json": "{not json",
             "list.json": "[1, 2, 3]", "nan-model.json": json.dumps(bqm_with({"a": NAN})().to_serializable())}
    for name, text in texts.items():
        (folder / name).write_text(text)
        paths[name] = str(folder / name)
    (folder / "binary.json").write_bytes(bytes(range(256)))
    paths["binary.json"] = str(folder / "binary.json")
    np.savez(folder / "net.npz", W1=np.eye(2), b1=np.zeros(2), W2=np.ones((1, 2)), b2=np.array([0.5]))
    np.savez(folder / "net-nan.npz", W1=np.eye(2) * NAN, b1=np.zeros(2), W2=np.ones((1, 2)), b2=np.array([0.5]))
    np.savez(folder / "net-one.npz", W1=np.eye(2), b1=np.zeros(2))
    np.savez(folder / "table.npz", X=OR_X, Y=OR_Y)
    np.savez(folder / "table-nox.npz", Y=OR_Y)
    np.savez(folder / "table-bad.npz", X=OR_X * 2, Y=OR_Y)
    (folder / "corrupt.npz").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "crafted.pkl").write_bytes(pickle.dumps(_RunsCode(str(folder / "ran-code-cli"))))
    for name in ("net.npz", "net-nan.npz", "net-one.npz", "table.npz", "table-nox.npz", "table-bad.npz",
                 "corrupt.npz", "crafted.pkl"):
        paths[name] = str(folder / name)
    from isingbridge.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        main(["compile", paths["net.npz"], "-o", str(folder / "circuit.json")])
    paths["circuit.json"] = str(folder / "circuit.json")
    data = json.loads(Path(paths["circuit.json"]).read_text())
    int_labels = dimod.BQM({0: 0.0, 1: 0.0, 2: 0.0}, {(0, 2): -1.0, (1, 2): -1.0}, 0.0, "SPIN")
    data.update(bqm=int_labels.to_serializable(), inputs=[0, 1], hidden=[], outputs=[2])
    (folder / "int-circuit.json").write_text(json.dumps(data))
    paths["int-circuit.json"] = str(folder / "int-circuit.json")
    return paths


def run_cli(argv: list[str], marker: Path | None = None) -> tuple[int, str]:
    """``main(argv)`` with output captured; ``(exit code, stderr)``; :class:`Wrong` if it ran a pickle's code."""
    from isingbridge.cli import main
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
            try:
                code = main(argv)
            except SystemExit as exit_:
                code = exit_.code
    finally:
        if marker is not None and marker.exists():
            marker.rmdir()
            raise Wrong("the command ran code from a pickle file")
    if isinstance(code, str):
        stderr.write(code + "\n")
        code = 1
    return int(code or 0), stderr.getvalue()


def cli_cases() -> Iterator[Case]:
    """``isingbridge sample``, ``compile``, ``correctness`` and ``demo`` with bad options and files."""
    folder = Path(tempfile.mkdtemp(prefix="isingbridge-sweep-cli-"))
    files = cli_files(folder)
    model, out = files["model.json"], str(folder / "out.json")
    option_values = {
        "--beta": {"nan": "nan", "inf": "inf", "0": "0", "-1": "-1", "x": "x", "1e999": "1e999"},
        "--num-reads": {"0": "0", "-1": "-1", "1e9": "1e9", "x": "x", "10**12": str(10**12), "2.5": "2.5"},
        "--seed": {"-1": "-1", "x": "x", "2.5": "2.5"},
        "--backend": {"foo": "foo", "empty": ""},
        "--clamp": {"a=2": "a=2", "a": "a", "zz=1": "zz=1", "a=x": "a=x", "a=0.5": "a=0.5", "a=0": "a=0", ",": ","},
        "-o": {"missing folder": str(folder / "no" / "out.json"), "a directory": str(folder)},
    }
    for moments in ((), ("--moments",)):
        for option, table in option_values.items():
            for label, value in table.items():
                names = (option.lstrip("-"), "output", value) if option == "-o" else (option.lstrip("-"),)
                yield Case("CLI", f"sample {' '.join(moments)} {option} {label}",
                           _bind(run_cli, ["sample", model, *moments, option, value, "-o", out] if option != "-o"
                                 else ["sample", model, *moments, option, value]), names, cli=True)
    for label in ("missing", "directory", "garbage.json", "list.json", "binary.json", "nan-model.json"):
        yield Case("CLI", f"sample MODEL={label}", _bind(run_cli, ["sample", files[label], "-o", out]),
                   (files[label], "model", "bias"), cli=True)
    yield Case("CLI", "sample --backend exact --device cuda", _bind(run_cli, ["sample", model, "--device", "cuda", "-o", out]),
               ("device",), cli=True)
    yield from cli_compile_cases(files, folder)
    yield from cli_correctness_cases(files, folder)
    for label, value in {"0": "0", "40": "40", "-1": "-1", "x": "x"}.items():
        yield Case("CLI", f"demo --spins {label}", _bind(run_cli, ["demo", "--spins", value]), ("spins",), cli=True)


def cli_compile_cases(files: dict[str, str], folder: Path) -> Iterator[Case]:
    """``isingbridge compile`` with bad networks and options."""
    out = str(folder / "compiled.json")
    for label in ("missing", "directory", "garbage.json", "binary.json", "net-nan.npz", "net-one.npz", "corrupt.npz"):
        yield Case("CLI", f"compile NET={label}", _bind(run_cli, ["compile", files[label], "-o", out]),
                   (files[label], "network", "layer", "W1"), cli=True)
    yield Case("CLI", "compile NET=crafted pickle", _bind(run_cli, ["compile", files["crafted.pkl"], "-o", out],
                                                          folder / "ran-code-cli"),
               (files["crafted.pkl"], "pickle", "network"), cli=True)
    for option in ("--beta", "--lam"):
        for label in ("nan", "inf", "0", "-1", "x"):
            yield Case("CLI", f"compile {option} {label}", _bind(run_cli, ["compile", files["net.npz"], option, label,
                                                                           "-o", out]), (option.lstrip("-"),), cli=True)
    for label, value in {"missing folder": str(folder / "no" / "c.json"), "a directory": str(folder)}.items():
        yield Case("CLI", f"compile -o {label}", _bind(run_cli, ["compile", files["net.npz"], "-o", value]),
                   ("output", value), cli=True)


def cli_correctness_cases(files: dict[str, str], folder: Path) -> Iterator[Case]:
    """``isingbridge correctness`` with bad circuits, tables and options."""
    circuit, table = files["circuit.json"], files["table.npz"]
    for label in ("missing", "directory", "garbage.json", "binary.json", "list.json", "model.json"):
        yield Case("CLI", f"correctness CIRCUIT={label}", _bind(run_cli, ["correctness", files[label], table]),
                   (files[label], "circuit"), cli=True)
    yield Case("CLI", "correctness CIRCUIT=integer labels", _bind(run_cli, ["correctness", files["int-circuit.json"], table]),
               (files["int-circuit.json"], "circuit", "label"), ACCEPT, cli=True)
    for label in ("missing", "directory", "garbage.json", "corrupt.npz", "table-nox.npz", "table-bad.npz", "crafted.pkl"):
        marker = folder / "ran-code-cli" if label == "crafted.pkl" else None
        yield Case("CLI", f"correctness TABLE={label}", _bind(run_cli, ["correctness", circuit, files[label]], marker),
                   (files[label], "table", "X", "Y"), cli=True)
    for option, table_values in {"--backend": ("foo",), "--num-reads": ("0", "-1", "x"), "--seed": ("-1", "x")}.items():
        for value in table_values:
            argv = ["correctness", circuit, table, option, value] + ([] if option == "--backend" else ["--backend", "gibbs"])
            yield Case("CLI", f"correctness {option} {value}", _bind(run_cli, argv), (option.lstrip("-"),), cli=True)


# --------------------------------------------------------------------------- classification
def all_cases() -> list[Case]:
    """Every case, in a fixed order."""
    generators = (get_cases, backend_cases, quantum_cases, trainer_cases, circuit_cases, cli_cases)
    return [case for generator in generators for case in generator()]


def names_argument(message: str, names: Iterable[str]) -> bool:
    """Whether ``message`` names one of ``names`` (``-``/``_`` alike; short names as whole words, case-sensitive)."""
    text = message.replace("-", "_")
    for name in names:
        wanted = name.replace("-", "_").strip("_")
        if len(wanted) <= 2:
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(wanted)}(?![A-Za-z0-9])", text):
                return True
        elif wanted.lower() in text.lower():
            return True
    return False


def arrays_in(result: Any, depth: int = 0) -> Iterator[np.ndarray]:
    """The numbers inside a result (moments, sample sets, fitted estimators, arrays, dicts...)."""
    if depth > 3 or result is None or isinstance(result, (str, bytes)):
        return
    if isinstance(result, (float, int, np.number)) and not isinstance(result, bool):
        yield np.asarray(result)
    elif isinstance(result, np.ndarray):
        if result.dtype.kind in "fc":
            yield result
    elif isinstance(result, dimod.SampleSet):
        yield np.asarray(result.record.energy)
    elif isinstance(result, dict):
        for value in result.values():
            yield from arrays_in(value, depth + 1)
    elif isinstance(result, (list, tuple)):
        for value in result[:50]:
            yield from arrays_in(value, depth + 1)
    else:
        yield from _attributes(result, depth)


def _attributes(result: Any, depth: int) -> Iterator[np.ndarray]:
    """Numbers held by an object: moments' fields, a fitted model's or network's parameters, dataclass fields."""
    for attribute in ("mean", "corr", "energy", "log_z", "values", "worst", "outputs", "energies", "beta"):
        if hasattr(type(result), "__dataclass_fields__") and attribute in result.__dataclass_fields__:
            yield from arrays_in(getattr(result, attribute), depth + 1)
    for holder in ("model_", "network_"):
        inner = getattr(result, holder, None)
        if inner is not None and hasattr(inner, "parameters"):
            yield from arrays_in(inner.parameters(), depth + 1)
    if hasattr(result, "bqm") and isinstance(getattr(result, "beta", None), float):
        yield np.asarray([result.beta])  # a circuit


def nonfinite(result: Any) -> str | None:
    """A description of the first NaN or infinity in ``result``, or None."""
    for array in arrays_in(result):
        if not np.all(np.isfinite(array)):
            return f"result holds NaN/inf ({np.asarray(array).ravel()[:4]})"
    return None


def classify(case: Case) -> Outcome:
    """Run one case and say what it did."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = case.run()
    except Wrong as error:
        return Outcome("wrong", str(error))
    except (ValueError, TypeError) as error:
        return _refused(case, f"{type(error).__name__}: {error}", str(error))
    except (FileNotFoundError, IsADirectoryError) as error:  # Python's own error for a path is clear when it names it
        if error.filename is not None and str(error.filename) in str(error) and case.expect != ACCEPT:
            return Outcome("clear", _short(f"{type(error).__name__}: {error}"))
        return Outcome("ugly", _short(f"{type(error).__name__}: {error}"))
    except Exception as error:  # noqa: BLE001 - classifying every other exception is the point
        where = "traceback from the command: " if case.cli else ""
        return Outcome("ugly", f"{where}{type(error).__name__}: {_short(str(error))}")
    return _returned(case, result)


def _refused(case: Case, detail: str, message: str) -> Outcome:
    if case.expect == ACCEPT:
        return Outcome("wrong", f"valid input refused: {_short(detail)}")
    if not names_argument(message, case.names):
        return Outcome("ugly", f"message does not name {case.names[0]!r}: {_short(detail)}")
    return Outcome("clear", _short(detail))


def _returned(case: Case, result: Any) -> Outcome:
    if case.cli:
        code, stderr = result
        if code == 0:
            return Outcome("clear" if case.expect == ACCEPT else "wrong", "exit 0" + ("" if case.expect == ACCEPT
                                                                                        else ": bad input accepted"))
        if "Traceback" in stderr or "error:" not in stderr:
            return Outcome("ugly", f"exit {code} without an error: line: {_short(stderr)}")
        return _refused(case, f"exit {code}: {stderr.strip().splitlines()[-1]}", stderr)
    if case.expect == REFUSE:
        return Outcome("wrong", f"no error; returned {_short(repr(result))}")
    problem = nonfinite(result)
    return Outcome("wrong", problem) if problem else Outcome("clear", "accepted, finite")


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


# --------------------------------------------------------------------------- running
def _worker(connection: Any, cases: list[Case]) -> None:
    """Run the cases whose indices arrive on ``connection``; send back each outcome."""
    while True:
        index = connection.recv()
        if index is None:
            return
        start = time.perf_counter()
        outcome = classify(cases[index])
        outcome.seconds = time.perf_counter() - start
        connection.send((outcome.kind, outcome.detail, outcome.seconds))


class Runner:
    """A forked worker that runs cases one by one and is replaced when a case runs past the time limit."""

    def __init__(self, cases: list[Case], timeout: float):
        self.cases, self.timeout = cases, timeout
        self.context = multiprocessing.get_context("fork")
        self.process = None
        self.connection = None

    def _start(self) -> None:
        parent, child = self.context.Pipe()
        self.process = self.context.Process(target=_worker, args=(child, self.cases), daemon=True)
        self.process.start()
        self.connection = parent

    def run(self, index: int) -> Outcome:
        """The outcome of case ``index`` (``slow`` if it took longer than the time limit)."""
        if self.process is None or not self.process.is_alive():
            self._start()
        self.connection.send(index)
        if self.connection.poll(self.timeout):
            try:
                kind, detail, seconds = self.connection.recv()
                return Outcome(kind, detail, seconds)
            except EOFError:
                self.process = None
                return Outcome("ugly", "the worker process died (crash)")
        self.process.kill()
        self.process.join()
        self.process = None
        return Outcome("slow", f"no answer within {self.timeout:g} s (killed)", self.timeout)

    def close(self) -> None:
        """Stop the worker."""
        if self.process is not None and self.process.is_alive():
            self.connection.send(None)
            self.process.join(5)


def report(cases: list[Case], outcomes: list[Outcome], verbose: bool, slow_after: float) -> None:
    """Print the counts table (overall and per area) and, with ``verbose``, every case that is not clear."""
    kinds = ("clear", "wrong", "ugly", "slow")
    print(f"{'area':<10}{'tried':>7}" + "".join(f"{k:>8}" for k in kinds))
    for area in (*AREAS, "all"):
        chosen = [o for c, o in zip(cases, outcomes) if area in ("all", c.area)]
        counts = Counter(o.kind for o in chosen)
        print(f"{area:<10}{len(chosen):>7}" + "".join(f"{counts.get(k, 0):>8}" for k in kinds))
    slow = [(c, o) for c, o in zip(cases, outcomes) if o.kind != "slow" and o.seconds > slow_after]
    if slow:
        print(f"\n{len(slow)} case(s) answered but took more than {slow_after:g} s:")
        for case, outcome in slow:
            print(f"  [{case.area}] {case.call}: {outcome.seconds:.1f} s ({outcome.kind})")
    if verbose:
        for area in AREAS:
            bad = [(c, o) for c, o in zip(cases, outcomes) if c.area == area and o.kind != "clear"]
            if bad:
                print(f"\n== {area}: {len(bad)} not clear")
                for case, outcome in bad:
                    print(f"  {outcome.kind:<6} {case.call} (expected: {case.expect}) -> {outcome.detail}")


def main(argv: list[str] | None = None) -> int:
    """Run the sweep; the exit status is 1 when any case is not clear."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list every case that is not clear")
    parser.add_argument("--area", choices=AREAS, help="only this area")
    parser.add_argument("--match", help="only cases whose call contains this text")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before a case is killed (default 20)")
    parser.add_argument("--slow-after", type=float, default=3.0, help="report cases slower than this (default 3 s)")
    args = parser.parse_args(argv)
    cases = [c for c in all_cases() if (args.area in (None, c.area)) and (args.match is None or args.match in c.call)]
    runner = Runner(cases, args.timeout)
    start = time.perf_counter()
    try:
        outcomes = [runner.run(index) for index in range(len(cases))]
    finally:
        runner.close()
    report(cases, outcomes, args.verbose, args.slow_after)
    print(f"\n{len(cases)} cases in {time.perf_counter() - start:.0f} s")
    return 0 if all(o.kind == "clear" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
