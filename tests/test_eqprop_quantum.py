"""Quantum EP: gradients against finite differences of ⟨C⟩ in ground, excited and Gibbs states."""
import dimod
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from isingbridge import TransverseIsing
from isingbridge.backends.statevector import QuantumMemoryError, StatevectorBackend
from isingbridge.trainers import LevelCrossingWarning, QuantumEqProp

INPUTS = {"i0": 0.7, "i1": -0.4}
TARGETS = {"o": 1.0}


def network(seed=3):
    rng = np.random.default_rng(seed)
    labels = ["i0", "i1", "h0", "h1", "o"]
    pairs = [("i0", "h0"), ("i0", "h1"), ("i1", "h0"), ("i1", "h1"), ("h0", "o"), ("h1", "o"), ("h0", "h1")]
    bqm = dimod.BQM({label: (0.0 if label.startswith("i") else rng.normal(0, 0.3)) for label in labels},
                    {pair: rng.normal(0, 0.6) for pair in pairs}, 0.0, "SPIN")
    xx = {pair: rng.normal(0, 0.4) for pair in pairs[:5]}
    return TransverseIsing(bqm, xx=xx)


def cost(model, state, temperature):
    backend = StatevectorBackend()
    driven = model.with_fields(INPUTS)
    if temperature is None:
        moments = backend.moments(driven, state=state)
    else:
        moments = backend.moments(driven, temperature=temperature)
    z = moments.mean[moments.variables.index("o")]
    return 0.5 * (1 + 1 - 2 * z)


def finite_difference_gradients(model, state, temperature, eps=1e-5):
    zz, xx = {}, {}
    for pair in model.bqm.quadratic:
        values = []
        for sign in (1, -1):
            bqm = model.bqm.copy()
            bqm.add_quadratic(*pair, sign * eps)
            values.append(cost(TransverseIsing(bqm, model.x, model.xx), state, temperature))
        zz[pair] = (values[0] - values[1]) / (2 * eps)
    for pair in model.xx:
        values = []
        for sign in (1, -1):
            shifted = dict(model.xx)
            shifted[pair] += sign * eps
            values.append(cost(TransverseIsing(model.bqm, model.x, shifted), state, temperature))
        xx[pair] = (values[0] - values[1]) / (2 * eps)
    return zz, xx


def max_error(estimate, reference):
    return max(max(abs(estimate.values["zz"][p] - reference[0][p]) for p in reference[0]),
               max(abs(estimate.values["xx"][p] - reference[1][p]) for p in reference[1]))


@pytest.mark.parametrize("state,temperature", [(0, None), (1, None), (0, 0.5)], ids=["ground", "excited", "gibbs"])
def test_symmetric_estimate_matches_finite_differences_with_error_quadratic_in_the_nudge(state, temperature):
    model = network()
    reference = finite_difference_gradients(model, state, temperature)
    errors = []
    for nudge in (0.02, 0.01):
        estimator = QuantumEqProp(nudge, state=state if temperature is None else "ground", temperature=temperature)
        errors.append(max_error(estimator.gradient(model, INPUTS, TARGETS), reference))
    assert errors[1] < 1e-3
    assert 3.0 < errors[0] / errors[1] < 5.0, errors  # O(nudge²): halving the nudge quarters the error


def test_positive_estimate_error_is_linear_in_the_nudge():
    model = network(1)
    reference = finite_difference_gradients(model, 0, None)
    errors = [max_error(QuantumEqProp(nudge, variant="positive").gradient(model, INPUTS, TARGETS), reference)
              for nudge in (0.02, 0.01)]
    assert 1.6 < errors[0] / errors[1] < 2.4, errors


def test_field_gradients_and_cost_are_consistent():
    model = network(2)
    g = QuantumEqProp(1e-3).gradient(model, INPUTS, TARGETS)
    assert set(g.values) == {"zz", "xx", "z", "x"} and set(g.values["z"]) == {"h0", "h1", "o"}
    assert g.cost == pytest.approx(cost(model, 0, None), abs=1e-12)
    eps = 1e-5
    shifted = [cost(model.with_fields({"h0": s * eps}), 0, None) for s in (1, -1)]
    assert g.values["z"]["h0"] == pytest.approx((shifted[0] - shifted[1]) / (2 * eps), abs=1e-5)


def test_level_crossing_warns():
    bqm = dimod.BQM({"in": 0.0, "out": 0.01}, {}, 0.0, "SPIN")
    model = TransverseIsing(bqm, xx={("in", "out"): 0.05})
    with pytest.warns(LevelCrossingWarning, match="level crossing"):
        QuantumEqProp(0.1).gradient(model, {"in": 0.2}, {"out": 1.0})
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", LevelCrossingWarning)
        QuantumEqProp(1e-3).gradient(model, {"in": 0.2}, {"out": 1.0})


def test_bad_input():
    model = network()
    with pytest.raises(ValueError, match="nudge must be a finite number > 0"):
        QuantumEqProp(0.0)
    with pytest.raises(ValueError, match="variant"):
        QuantumEqProp(0.1, variant="negative")
    with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
        QuantumEqProp(0.1, temperature=-1.0)
    with pytest.raises(ValueError, match="leave state='ground'"):
        QuantumEqProp(0.1, state=2, temperature=1.0)
    with pytest.raises(ValueError, match="outside \\[-1, 1\\]"):
        QuantumEqProp(0.1).gradient(model, INPUTS, {"o": 2.0})
    with pytest.raises(ValueError, match="'zz' which is not a qubit|not a qubit"):
        QuantumEqProp(0.1).gradient(model, {"zz": 1.0}, TARGETS)
    big = TransverseIsing(dimod.BQM({}, {(i, i + 1): -1.0 for i in range(39)}, 0.0, "SPIN"), xx={(0, 1): 0.1})
    with pytest.raises(QuantumMemoryError):
        QuantumEqProp(0.1).gradient(big, {0: 1.0}, {39: 1.0})


def test_quantum_classifier_learns_xor_warm_starts_and_checks_input(tmp_path):
    from isingbridge.trainers import QuantumEqPropClassifier

    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]])
    y = np.array([0, 1, 1, 0])
    straight = QuantumEqPropClassifier(4, n_epochs=30, random_state=1).fit(X, y)
    assert straight.score(X, y) == 1.0
    first = QuantumEqPropClassifier(4, n_epochs=15, random_state=1).fit(X, y, checkpoint=tmp_path / "q")
    resumed = QuantumEqPropClassifier.load(tmp_path / "q").set_params(n_epochs=30, warm_start=True)
    resumed.fit(X, y)
    np.testing.assert_array_equal(resumed.network_.b, straight.network_.b)
    assert first.epochs_done_ == 15
    with pytest.raises(ValueError, match="3 features; the network was built for 2"):
        straight.predict(np.ones((1, 3)))
    with pytest.raises(ValueError, match="at least 2 classes"):
        QuantumEqPropClassifier(2, n_epochs=1).fit(X, np.zeros(4))
    with pytest.raises(ValueError, match="labels not seen in fit: \\[7\\]"):
        straight.set_params(warm_start=True).fit(X, np.array([0, 1, 7, 0]))
    with pytest.raises(NotFittedError, match="QuantumEqPropClassifier is not fitted yet"):
        QuantumEqPropClassifier().predict(X)


def test_quantum_classifier_encodes_each_feature_on_one_qubit_per_scale():
    from isingbridge.trainers import QuantumEqPropClassifier

    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]])
    y = np.array([0, 1, 1, 0])
    clf = QuantumEqPropClassifier(2, input_scale=[1.0, 2.5], n_epochs=1, random_state=0).fit(X, y)
    assert clf.network_.n_inputs == 4
    fields = clf._inputs(np.array([0.2, -0.4]))
    assert fields == pytest.approx({("in", 0): -0.2, ("in", 1): 0.4, ("in", 2): -0.5, ("in", 3): 1.0})
    assert clf.decision_function(X).shape == (4,)  # binary: one score per row, as scikit-learn's classifiers
    with pytest.raises(ValueError, match="3 features; the network was built for 2"):
        clf.predict(np.ones((1, 3)))
    for bad in ([], [1.0, np.nan], [[1.0]]):
        with pytest.raises(ValueError, match="input_scale must be"):
            QuantumEqPropClassifier(2, input_scale=bad, n_epochs=1).fit(X, y)


def test_quantum_classifier_keeps_the_best_of_its_restarts(tmp_path):
    from isingbridge.trainers import QuantumEqPropClassifier
    from isingbridge.trainers.fit.eqprop import restart_seeds

    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]])
    y = np.array([0, 1, 1, 0])
    clf = QuantumEqPropClassifier(2, n_init=3, n_epochs=3, random_state=5).fit(X, y)
    seeds = np.random.default_rng(5).integers(2**31, size=3)
    assert restart_seeds(5, 3) == seeds.tolist()
    costs = [QuantumEqPropClassifier(2, n_epochs=3, random_state=int(s)).fit(X, y).history_[-1]["cost"] for s in seeds]
    assert len(set(costs)) == 3 and clf.history_[-1]["cost"] == pytest.approx(min(costs))
    assert clf.n_init == 3 and clf.random_state == 5 and clf.epochs_done_ == 3
    first_fit = QuantumEqPropClassifier(2, n_init=3, n_epochs=3, random_state=5, warm_start=True).fit(X, y)
    assert first_fit.history_ == clf.history_  # nothing to continue yet: warm_start fits the restarts too
    chosen = clf.network_.b.copy()
    assert clf.set_params(n_epochs=4, warm_start=True).fit(X, y).epochs_done_ == 4  # the chosen network trains on
    assert len(clf.history_) == 4 and not np.array_equal(clf.network_.b, chosen)
    with pytest.raises(ValueError, match="checkpoint and callback follow a single run"):
        QuantumEqPropClassifier(2, n_init=2, n_epochs=1).fit(X, y, checkpoint=tmp_path / "c")
    with pytest.raises(ValueError, match="n_init"):
        QuantumEqPropClassifier(2, n_init=0, n_epochs=1).fit(X, y)
