"""Property-based bad-input suite over the public entry points (hypothesis).

Every test draws arguments that mix valid values with bad ones (0, negatives,
NaN, infinity, huge finite numbers, floats for ints, strings, None, complex,
numpy scalars, empty or wrongly shaped arrays, non-±1 spins) and checks:

(a) the only exceptions are ``ValueError``/``TypeError`` (or subclasses), and
    the message names an offending argument;
(b) bad input is refused, and from finite valid input no result holds NaN or
    infinity (moments, energies, fitted parameters, predictions);
(c) valid numpy scalars (``np.float32`` rates, ``np.int64`` counts) are accepted.

Huge finite values (1e308) may be refused or accepted; accepted, they must
give finite results.  Examples are derandomised, so the suite is
deterministic; models stay tiny so it runs in the fast suite.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from isingbridge import TransverseIsing, get, validation
from isingbridge.cli import main as cli_main

NAN, INF = math.nan, math.inf
FAST = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.function_scoped_fixture])
FEW = settings(FAST, max_examples=15)


# --------------------------------------------------------------------------- tagged arguments
@dataclass(frozen=True)
class Arg:
    """A drawn argument: ``bad`` is True (must be refused), False (valid) or None (either way)."""

    value: Any
    bad: bool | None = False

    def __repr__(self) -> str:
        tag = {True: "bad", False: "ok", None: "edge"}[self.bad]
        return f"{tag}:{self.value!r}"


def arg(valid: st.SearchStrategy, bad: Iterable[Any] = (), edge: Iterable[Any] = ()) -> st.SearchStrategy[Arg]:
    """Valid values from ``valid``, bad ones from ``bad``, either-way ones from ``edge``."""
    parts = [valid.map(Arg)]
    if bad := list(bad):
        parts.append(st.sampled_from(bad).map(lambda v: Arg(v, True)))
    if edge := list(edge):
        parts.append(st.sampled_from(edge).map(lambda v: Arg(v, None)))
    return st.one_of(*parts)


BAD_REAL = [NAN, INF, -INF, "1.0", 1j, True, [0.5], None, np.complex128(1 + 1j), np.float32("nan"), object()]
BAD_POSITIVE = BAD_REAL + [0, 0.0, -1, -1e308, -0.5]
BAD_INT = [0, -1, 2.5, 3.0, NAN, INF, "3", True, 1j, np.float64(2.0), [2], None]
BAD_SEED = [-1, "x", 2.5, NAN, 1j, True, [-1]]
HUGE = [1e308]


def positive_reals(low: float = 0.05, high: float = 3.0) -> st.SearchStrategy:
    """Valid positive reals as Python floats and numpy scalars."""
    return st.one_of(st.floats(low, high), st.floats(low, high).map(np.float32), st.floats(low, high).map(np.float64))


def counts(low: int = 1, high: int = 6) -> st.SearchStrategy:
    """Valid small counts as Python ints and numpy integers."""
    return st.one_of(st.integers(low, high), st.integers(low, high).map(np.int64), st.integers(low, high).map(np.int32))


POSITIVE = arg(positive_reals(), BAD_POSITIVE, HUGE)
COUNT = arg(counts(), BAD_INT)
SEED = arg(st.one_of(st.none(), st.integers(0, 2**31), st.integers(0, 99).map(np.int64)), BAD_SEED)


# --------------------------------------------------------------------------- the properties
#: Other words an error may use for an argument (a bias names its variable, not "bqm").
ALIASES: dict[str, tuple[str, ...]] = {
    "bqm": ("bqm", "bias", "offset", "BinaryQuadraticModel", "energies"),
    "model": ("model", "bqm", "bias", "offset", "BinaryQuadraticModel", "energies", "coefficient"),
    "num_reads": ("num_reads", "num-reads"),
    "hidden_layer_sizes": ("hidden_layer_sizes",),
    "x": ("x", "X coefficient", "X field"),
    "xx": ("xx", "XX"),
    "net": ("net", "layer", "network", "weight", "energies"),
}


def names_one_of(message: str, names: Iterable[str]) -> bool:
    """Whether ``message`` names one of ``names`` (``-`` and ``_`` alike; short names as whole words)."""
    text = message.replace("-", "_")
    for name in names:
        for word in ALIASES.get(name, (name,)):
            wanted = word.replace("-", "_").strip("_")
            pattern = rf"(?<![A-Za-z0-9]){re.escape(wanted)}(?![A-Za-z0-9])" if len(wanted) <= 2 else re.escape(wanted)
            if re.search(pattern, text, 0 if len(wanted) <= 2 else re.IGNORECASE):
                return True
    return False


def numbers_in(result: Any, depth: int = 0) -> Iterator[np.ndarray]:
    """The floating-point numbers inside a result: arrays, moments, sample sets, fitted parameters."""
    if depth > 3 or result is None or isinstance(result, (str, bytes, bool)):
        return
    if isinstance(result, (float, np.floating)):
        yield np.asarray(result)
    elif isinstance(result, np.ndarray) and result.dtype.kind in "fc":
        yield result
    elif isinstance(result, dimod.SampleSet):
        yield np.asarray(result.record.energy, dtype=float)
    elif isinstance(result, dict):
        for value in result.values():
            yield from numbers_in(value, depth + 1)
    elif isinstance(result, (list, tuple)):
        for value in result:
            yield from numbers_in(value, depth + 1)
    else:
        for attribute in ("mean", "corr", "energy", "log_z", "energies", "values", "worst", "beta"):
            if attribute in getattr(result, "__dataclass_fields__", {}):
                yield from numbers_in(getattr(result, attribute), depth + 1)
        for holder in ("model_", "network_"):
            if hasattr(getattr(result, holder, None), "parameters"):
                yield from numbers_in(getattr(result, holder).parameters(), depth + 1)


def assert_finite(result: Any) -> None:
    """No NaN or infinity anywhere in ``result``."""
    for array in numbers_in(result):
        assert np.all(np.isfinite(array)), f"NaN/inf in a result from finite input: {np.ravel(array)[:6]}"


def check(call: Callable[[], Any], args: dict[str, Arg]) -> Any:
    """Call and check the properties: clear refusal of bad arguments, finite results from valid ones."""
    bad = [name for name, a in args.items() if a.bad]
    suspects = bad + [name for name, a in args.items() if a.bad is None]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call()
    except (ValueError, TypeError) as error:
        assert suspects, f"valid input refused: {type(error).__name__}: {error}"
        assert names_one_of(str(error), suspects), f"message names none of {suspects}: {type(error).__name__}: {error}"
        return None
    assert not bad, f"no error for bad {bad}: {args}"
    assert_finite(result)
    return result


def values(args: dict[str, Arg]) -> dict[str, Any]:
    """The plain values of tagged arguments."""
    return {name: a.value for name, a in args.items()}


# --------------------------------------------------------------------------- models
LABELS = "abcdef"


@st.composite
def models(draw: st.DrawFn, max_spins: int = 5) -> Arg:
    """A small SPIN BQM with labels a, b, ...; sometimes with a NaN/inf (bad) or a 1e308 (edge) bias."""
    n = draw(st.integers(1, max_spins))
    labels = LABELS[:n]
    bias = st.floats(-2, 2)
    linear = {v: draw(bias) for v in labels}
    quadratic = {(u, v): draw(bias) for i, u in enumerate(labels) for v in labels[i + 1:] if draw(st.booleans())}
    bqm = dimod.BQM(linear, quadratic, draw(bias), "SPIN")
    spoil = draw(st.sampled_from([None, None, None, NAN, INF, -INF, 1e308]))
    if spoil is None:
        return Arg(bqm)
    bqm.set_linear(labels[-1], spoil)
    return Arg(bqm, None if spoil == 1e308 else True)


CLAMP = arg(st.sampled_from([None, {}, {"a": 1}, {"a": -1}, {"a": np.int8(1)}, {"a": 1.0}]),
            [{"a": 0}, {"a": 2}, {"a": NAN}, {"a": "1"}, {"zz": 1}, {"a": 1j}, [("a", 1)], "a=1"])
BACKEND_OPTIONS = {"exact": {}, "statevector": {}, "anneal": {"num_sweeps": 10}, "gibbs": {"num_sweeps": 10}}


@pytest.mark.parametrize("method", ["sample", "moments"])
@pytest.mark.parametrize("name", list(BACKEND_OPTIONS))
@FAST
@given(data=st.data())
def test_backend_sample_and_moments(name: str, method: str, data: st.DataObject) -> None:
    """Every built-in backend refuses bad models, β, num_reads, seeds and clamps clearly, and gives finite results."""
    beta = POSITIVE if name not in ("statevector", "anneal") else st.one_of(POSITIVE, st.just(Arg(None)))
    args = {"bqm": data.draw(models()), "beta": data.draw(beta), "seed": data.draw(SEED), "clamp": data.draw(CLAMP)}
    if method == "sample" or name in ("anneal", "gibbs"):
        args["num_reads"] = data.draw(COUNT)
    plain = values(args)
    bqm, backend = plain.pop("bqm"), get(name)
    check(lambda: getattr(backend, method)(bqm, **plain, **BACKEND_OPTIONS[name]), args)


SAMPLER_OPTIONS: dict[str, dict[str, st.SearchStrategy]] = {
    "anneal": {
        "num_sweeps": COUNT,
        "mode": arg(st.sampled_from(["boltzmann"]), ["foo", 1, None, "Boltzmann"]),
        "initial_states": arg(st.just(None), [np.zeros((4, 5)), np.full((4, 5), 2), np.full((4, 5), NAN), np.ones((4, 3)),
                                              np.ones((2, 4, 5)), np.ones((0, 5)), np.ones((4, 5)) * 1j]),
    },
    "gibbs": {
        "num_sweeps": arg(st.integers(5, 20)),
        "burn_in": arg(st.sampled_from([None, 0, 2, np.int64(1)]), [-1, 100, 2.5, NAN, "5"]),
        "thin": arg(st.sampled_from([1, 2, np.int64(1)]), [0, -1, 1.5, NAN]),
        "scan": arg(st.sampled_from(["chromatic", "random"]), ["foo", None, 1]),
        "method": arg(st.sampled_from(["auto", "sparse", "dense"]), ["foo", None]),
        "initial_states": arg(st.just(None), [np.zeros((4, 5)), np.full((4, 5), 2), np.ones((4, 3)), np.ones((2, 4, 5))]),
    },
}


@pytest.mark.parametrize("name", list(SAMPLER_OPTIONS))
@FAST
@given(data=st.data())
def test_sampler_options(name: str, data: st.DataObject) -> None:
    """The sampling backends' own options: bad ones refused by name, valid ones give finite moments."""
    args = {option: data.draw(strategy) for option, strategy in SAMPLER_OPTIONS[name].items()}
    bqm = dimod.BQM({v: 0.3 for v in "abcde"}, {("a", "b"): -1.0, ("c", "d"): 0.5}, 0.0, "SPIN")
    plain = {k: v for k, v in values(args).items() if v is not None or args[k].bad}
    if "initial_states" not in plain:
        plain["num_reads"] = 4
    backend = get(name)
    check(lambda: backend.moments(bqm, seed=0, **plain), args)


@FAST
@given(anneal_range=arg(st.tuples(st.floats(0.01, 1), st.floats(1, 5)),
                        [(NAN, 1.0), (0.1, INF), (-1.0, 1.0), (0.0, 1.0), (1.0,), "x", (1.0, 2.0, 3.0)]))
def test_anneal_beta_range(anneal_range: Arg) -> None:
    """``beta_range`` in anneal mode: positive finite pairs only."""
    backend = get("anneal")
    check(lambda: backend.sample(dimod.BQM({"a": 1.0}, {("a", "b"): -1}, 0, "SPIN"), mode="anneal",
                                 beta_range=anneal_range.value, num_reads=3, num_sweeps=10, seed=0),
          {"beta_range": anneal_range})


# --------------------------------------------------------------------------- quantum
X_TERMS = arg(st.dictionaries(st.sampled_from("abc"), st.floats(-1, 1)),
              [{"a": NAN}, {"a": INF}, {"a": 1j}, {"a": "0.3"}, {"a": None}, [("a", 0.3)], "a"])
XX_TERMS = arg(st.dictionaries(st.sampled_from([("a", "b"), ("b", "c")]), st.floats(-1, 1), max_size=2),
               [{("a", "a"): 1.0}, {("a",): 1.0}, {"ab": 1.0}, {("a", "b"): NAN}, {("a", "b"): 1j}, [(("a", "b"), 1.0)]])


@FAST
@given(bqm=models(4), x=X_TERMS, xx=XX_TERMS, k=arg(st.integers(1, 3), [0, -1, 2.5, "1", 10**6]),
       temperature=arg(st.sampled_from([None, 0, 0.5, np.float32(1.0)]), [-1.0, NAN, INF, "hot", 1j]))
def test_transverse_ising_statevector(bqm: Arg, x: Arg, xx: Arg, k: Arg, temperature: Arg) -> None:
    """TransverseIsing refuses bad X/XX terms; the statevector backend's moments and eigenstates stay finite."""
    model = check(lambda: TransverseIsing(bqm.value, x=x.value, xx=xx.value), {"model": bqm, "x": x, "xx": xx})
    if model is None:
        return
    backend = get("statevector")
    check(lambda: backend.moments(model, temperature=temperature.value), {"temperature": temperature})
    result = check(lambda: backend.eigenstates(model, k=k.value), {"k": k})
    if result is not None:
        assert_finite(result.energies)
        assert_finite(result.vectors)


OPERATORS = arg(st.lists(st.tuples(st.sampled_from(["Z", "X", "Y"]), st.sampled_from(["a", "b"]).map(lambda v: [v]),
                                   st.floats(-1, 1)), min_size=1, max_size=3),
                [[("Z", ["a", "b"], 1.0)], [("Q", ["a"], 1.0)], [("Z", ["zz"], 1.0)], [("Z", ["a"], NAN)], "Z", None,
                 [("Z", "a", 1.0)], [("Z", ["a"])], [("ZZ", ["a"], 1.0)]])
V0 = arg(st.just(None), [np.ones(5), np.full(8, NAN), np.zeros(8), np.ones(8) * 1j, "x", np.ones((3, 3))])


@FAST
@given(operator=OPERATORS, v0=V0)
def test_expectation_and_start_vector(operator: Arg, v0: Arg) -> None:
    """``expectation`` refuses malformed operators; ``eigenstates`` refuses a bad start vector (Lanczos path)."""
    model = TransverseIsing(dimod.BQM({"a": 0.5, "b": -0.2, "c": 0.1}, {("a", "b"): -1.0}, 0.0, "SPIN"), x={"a": 0.3})
    check(lambda: get("statevector").expectation(model, operator.value), {"operator": operator})
    check(lambda: get("statevector", dense_qubits=1).eigenstates(model, v0=v0.value), {"v0": v0})


# --------------------------------------------------------------------------- trainers
def bit_data(rows: int = 8, width: int = 4) -> st.SearchStrategy:
    """Valid {0, 1} data, both classes of ``np.arange(rows) % 2`` separable or not."""
    return st.lists(st.lists(st.sampled_from([0, 1]), min_size=width, max_size=width), min_size=rows,
                    max_size=rows).map(np.array)


BAD_X = [[], [[]], np.zeros((0, 4)), np.array([1, 0, 1, 0]), np.ones((2, 2, 4)), np.full((8, 4), NAN),
         np.full((8, 4), INF), np.array([["a", "b", "c", "d"]] * 8), np.ones((8, 4)) + 1j, None, "abc"]
BAD_BITS = [np.full((8, 4), 2), np.full((8, 4), 0.5), np.tile([0, -1, 1, 1], (8, 1))]
CHOICE = {"optimizer": (["sgd", "adam"], ["foo", None, 1, "SGD"]), "dtype": (["float64", "float32"], ["float16", "int", "x"])}


def trainer_args(data: st.DataObject, integers: Iterable[str], reals: Iterable[str]) -> dict[str, Arg]:
    """Tagged hyper-parameters: small counts for ``integers``, positive rates for ``reals``."""
    args = {name: data.draw(arg(counts(1, 3), BAD_INT)) for name in integers}
    args.update({name: data.draw(arg(positive_reals(0.01, 0.5), BAD_POSITIVE, HUGE)) for name in reals})
    args["random_state"] = data.draw(SEED)
    args["warm_start"] = data.draw(arg(st.sampled_from([False, True, np.True_]), ["yes", 1, None]))
    return args


@pytest.mark.parametrize("kind", ["BoltzmannRBM", "BoltzmannClassifier"])
@FEW
@given(data=st.data())
def test_boltzmann_trainers(kind: str, data: st.DataObject) -> None:
    """BoltzmannRBM/BoltzmannClassifier: bad hyper-parameters or data refused by name; fits and predictions finite."""
    from isingbridge import trainers

    args = trainer_args(data, ["n_hidden", "batch_size"], ["learning_rate", "beta"])
    for name, (good, bad) in CHOICE.items():
        args[name] = data.draw(arg(st.sampled_from(good), bad))
    args["momentum"] = data.draw(arg(st.floats(0, 0.9), [-0.1, 1.0, NAN, "x"]))
    X = data.draw(arg(bit_data(), BAD_X + BAD_BITS))
    estimator = check(lambda: getattr(trainers, kind)(n_epochs=1, **values(args)), {})
    fitted = check(lambda: estimator.fit(X.value) if kind == "BoltzmannRBM" else estimator.fit(X.value, np.arange(8) % 2),
                   {**args, "X": X})
    if fitted is not None:
        assert_finite(fitted.transform(X.value) if kind == "BoltzmannRBM" else fitted.predict_proba(X.value))


@pytest.mark.parametrize("name", ["SGD", "Adam", "LangevinSGD"])
@FAST
@given(data=st.data())
def test_optimizers(name: str, data: st.DataObject) -> None:
    """Optimizers refuse bad rates by name, accept numpy scalars, and step to finite parameters."""
    from isingbridge.trainers import optim

    args = {"learning_rate": data.draw(arg(positive_reals(1e-4, 0.5), BAD_POSITIVE, HUGE))}
    extra = {"SGD": {"momentum": arg(st.floats(0, 0.9), [-0.1, 1.0, NAN, "x"])},
             "Adam": {"beta1": arg(st.floats(0, 0.99), [-0.1, 1.0, NAN, "x"]), "eps": arg(positive_reals(1e-9, 1e-6),
                                                                                          BAD_POSITIVE)},
             "LangevinSGD": {"temperature": arg(st.floats(0, 1), [-1.0, NAN, INF, "x"]), "seed": SEED}}[name]
    args.update({key: data.draw(strategy) for key, strategy in extra.items()})

    def two_steps() -> dict:
        optimizer = getattr(optim, name)(**values(args))
        parameters = {"w": np.ones(3)}
        for _ in range(2):
            optimizer.step(parameters, {"w": np.array([0.5, -1.0, 2.0])})
        return parameters

    check(two_steps, args)


EP_SETTINGS: dict[str, dict[str, Any]] = {
    "EqPropClassifier": {"hidden_layer_sizes": (3,), "batch_size": 4},
    "IsingEqPropClassifier": {"hidden_layer_sizes": (3,), "batch_size": 4, "replicas": 1, "num_reads": 2,
                              "num_sweeps": 3, "nudge_sweeps": 2},
    "QuantumEqPropClassifier": {"n_hidden": 1, "batch_size": 4},
}
EP_INTEGERS = {"EqPropClassifier": ["batch_size"], "IsingEqPropClassifier": ["replicas", "num_reads", "num_sweeps"],
               "QuantumEqPropClassifier": ["n_hidden", "batch_size"]}
EP_REALS = {"EqPropClassifier": ["learning_rate"], "IsingEqPropClassifier": ["learning_rate", "nudge", "beta"],
            "QuantumEqPropClassifier": ["learning_rate", "nudge"]}
HIDDEN = arg(st.sampled_from([(2,), [3], (np.int64(2),)]), [5, (0,), (-1,), (2.5,), "5", None, (NAN,)])


@pytest.mark.parametrize("kind", list(EP_SETTINGS))
@FEW
@given(data=st.data())
def test_eqprop_classifiers(kind: str, data: st.DataObject) -> None:
    """The EP classifiers: bad hyper-parameters or data refused by name; fitted parameters and outputs finite."""
    from isingbridge import trainers as eqprop

    args = trainer_args(data, EP_INTEGERS[kind], EP_REALS[kind])
    args["optimizer"] = data.draw(arg(st.sampled_from(["sgd", "adam"]), ["foo", None, 1]))
    if kind != "QuantumEqPropClassifier":
        args["hidden_layer_sizes"] = data.draw(HIDDEN)
    X = data.draw(arg(bit_data().map(lambda a: a * 0.9), BAD_X))
    settings_ = {**EP_SETTINGS[kind], **values(args)}
    estimator = check(lambda: getattr(eqprop, kind)(n_epochs=1, **settings_), {})
    fitted = check(lambda: estimator.fit(X.value, np.arange(8) % 2), {**args, "X": X})
    if fitted is not None:
        check(lambda: fitted.predict(X.value), {})


# --------------------------------------------------------------------------- circuits
OR_X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]])
OR_Y = np.array([[-1], [1], [1], [1]])
WEIGHTS = st.lists(st.floats(-2, 2), min_size=4, max_size=4).map(lambda w: np.array(w).reshape(2, 2))
NETWORKS = arg(st.tuples(WEIGHTS, st.lists(st.floats(-1, 1), min_size=2, max_size=2).map(np.array))
               .map(lambda layer: [layer, (np.array([[1.0, 1.0]]), np.array([0.5]))]),
               [[], None, "net", [(np.eye(2), np.zeros(2))], [(np.full((2, 2), NAN), np.zeros(2)), (np.ones((1, 2)), [0.0])],
                [(np.eye(2) * 1j, np.zeros(2)), (np.ones((1, 2)), [0.0])], [(np.ones((2, 2, 2)), np.zeros(2)),
                                                                            (np.ones((1, 2)), [0.0])],
                [(np.eye(2), np.zeros(2)), (np.ones((1, 3)), [0.0])], [np.eye(2), (np.ones((1, 2)), [0.0])]],
               [[(np.eye(2) * 1e308, np.zeros(2)), (np.ones((1, 2)), [0.0])]])
TABLES = arg(st.just((OR_X, OR_Y)),
             [(np.zeros((0, 2)), np.zeros((0, 1))), (np.ones((2, 2, 2)), OR_Y[:2]), (np.ones((4, 3)), OR_Y),
              ((OR_X + 1) // 2, OR_Y), (OR_X * NAN, OR_Y), (OR_X, OR_Y[:3]), (OR_X, OR_Y * 2), (None, OR_Y),
              (np.array([["a", "b"]] * 4), OR_Y), (OR_X, OR_Y * 1j)])


@FAST
@given(net=NETWORKS, beta=POSITIVE, lam=arg(positive_reals(0.01, 1.0), BAD_POSITIVE, HUGE), table=TABLES)
def test_compile_and_correctness(net: Arg, beta: Arg, lam: Arg, table: Arg) -> None:
    """compile_network and correctness refuse bad networks, β, λ and truth tables by name; results finite."""
    from isingbridge.circuits import compile_network, correctness

    circuit = check(lambda: compile_network(net.value, beta=beta.value, lam=lam.value),
                    {"net": net, "beta": beta, "lam": lam})
    if circuit is not None:
        X, Y = table.value
        compiled = {"net": net, "beta": beta, "lam": lam}  # valid or huge: a late refusal may name them
        check(lambda: correctness(circuit, X, Y), {**compiled, "X": table, "Y": table})


# --------------------------------------------------------------------------- the validation layer
ANYTHING = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
                     st.sampled_from([None, "1", True, np.bool_(True), 1j, [1.0], np.float32(0.5), np.int64(3),
                                      np.uint8(2), np.complex64(1), object()]))


@FAST
@given(value=ANYTHING)
def test_validation_scalars(value: Any) -> None:
    """The scalar checks return canonical finite numbers or raise ValueError/TypeError naming the argument."""
    checks: dict[str, Callable[[Any], Any]] = {
        "check_real": lambda v: validation.check_real(v, "rate"),
        "check_positive": lambda v: validation.check_positive(v, "rate"),
        "check_nonnegative": lambda v: validation.check_nonnegative(v, "rate"),
        "check_beta": lambda v: validation.check_beta(v, "rate"),
        "check_int": lambda v: validation.check_int(v, "rate", minimum=0),
        "check_positive_int": lambda v: validation.check_positive_int(v, "rate"),
        "check_bool": lambda v: validation.check_bool(v, "rate"),
        "check_choice": lambda v: validation.check_choice(v, "rate", ("a", "b")),
        "check_spin_value": lambda v: validation.check_spin_value(v, "rate"),
    }
    for name, function in checks.items():
        try:
            result = function(value)
        except (ValueError, TypeError) as error:
            assert "rate" in str(error), f"{name}({value!r}): {error}"
            continue
        assert type(result) in (float, int, bool, str), f"{name}({value!r}) returned {type(result).__name__}"
        if isinstance(result, float):
            assert math.isfinite(result), f"{name}({value!r}) returned {result}"


@FAST
@given(seed=ANYTHING)
def test_validation_seed(seed: Any) -> None:
    """as_rng gives a Generator or a clear error naming the argument."""
    try:
        rng = validation.as_rng(seed, "seed")
    except (ValueError, TypeError) as error:
        assert "seed" in str(error)
    else:
        assert isinstance(rng, np.random.Generator)


@FAST
@given(values=st.one_of(st.sampled_from(BAD_X + BAD_BITS), bit_data(), bit_data().map(lambda a: 2 * a - 1)))
def test_validation_arrays(values: Any) -> None:
    """check_array / check_spins return finite arrays of the right shape, or raise naming the argument."""
    for function in (lambda v: validation.check_array(v, "data", ndim=2, min_rows=1),
                     lambda v: validation.check_spins(v, "data", width=4, binary=True)):
        try:
            result = function(values)
        except (ValueError, TypeError) as error:
            assert "data" in str(error), str(error)
            continue
        assert result.ndim == 2 and np.all(np.isfinite(result))


# --------------------------------------------------------------------------- the command line
def run_cli(argv: list[str]) -> tuple[int, str]:
    """``main(argv)`` with output captured: (exit status, stderr); exceptions other than SystemExit propagate."""
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        try:
            code = cli_main(argv)
        except SystemExit as exit_:
            code = exit_.code
    if isinstance(code, str):
        stderr.write(code)
        code = 1
    return int(code or 0), stderr.getvalue()


def option(valid: Iterable[str], bad: Iterable[str]) -> st.SearchStrategy[Arg]:
    """A command-line option value: valid texts or bad ones."""
    return arg(st.sampled_from(list(valid)), bad)


CLI_OPTIONS = {
    "--beta": option(["0.5", "1", "2.0"], ["nan", "inf", "0", "-1", "x", "1e999"]),
    "--num-reads": option(["1", "5"], ["0", "-1", "1e9", "x", "2.5"]),
    "--seed": option(["0", "7"], ["-1", "x", "2.5"]),
    "--backend": option(["exact", "anneal"], ["foo", ""]),
    "--clamp": option(["a=1", "a=-1,b=1"], ["a=2", "a", "zz=1", "a=x", "a=0.5", "a=0"]),
}


@FEW
@given(data=st.data(), moments=st.booleans())
def test_cli_sample(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, moments: bool) -> None:
    """``isingbridge sample``: exit 0 on valid options, else a non-zero exit with an ``error:`` line naming the option."""
    folder = tmp_path_factory.mktemp("cli")
    model = folder / "model.json"
    model.write_text(json.dumps(dimod.BQM({"a": 0.5, "b": -0.2}, {("a", "b"): -1.0}, 0.0, "SPIN").to_serializable()))
    args = {name: data.draw(strategy) for name, strategy in CLI_OPTIONS.items()}
    argv = ["sample", str(model), "-o", str(folder / "out.json")] + (["--moments"] if moments else [])
    for name, value in args.items():
        argv += [name, value.value]
    code, stderr = run_cli(argv)
    bad = [name for name, a in args.items() if a.bad]
    if moments and args["--backend"].value == "exact":  # exact moments use no reads: the option is refused, not dropped
        bad.append("--num-reads")
    if code == 0:
        assert not bad, f"exit 0 although {bad} were bad: {argv}"
        result = json.loads((folder / "out.json").read_text())
        assert_finite(np.asarray(result["mean"] if moments else result["vectors"]["energy"]["data"], dtype=float))
    else:
        assert bad, f"valid command refused: {argv}: {stderr}"
        assert "error:" in stderr and "Traceback" not in stderr, stderr
        assert names_one_of(stderr, [name.lstrip("-") for name in bad]), f"names none of {bad}: {stderr}"
