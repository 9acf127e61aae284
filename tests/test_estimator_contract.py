"""One contract for every gradient estimator: ``gradient(model, X, targets=None, *, rng=None)`` returns a Gradient."""
import inspect

import dimod
import numpy as np
import pytest

from isingbridge import TransverseIsing
from isingbridge.trainers import (
    RBM, BoltzmannEstimator, BoltzmannRBM, ClassificationRBM, EqProp, Gradient, GradientEstimator, IsingLayers,
    LayeredHopfield, estimators,
)
from isingbridge.trainers.estimators.ising import gradient_keys, gradient_vector, parameter_keys

SPINS = np.random.default_rng(0).choice([-1.0, 1.0], (5, 4))
NETWORK = dimod.BQM({"h": 0.1, "o": -0.2, "x": 0.0}, {("x", "h"): -0.8, ("h", "o"): -0.6}, 0.0, "SPIN")
QUBITS = TransverseIsing(dimod.BQM({"hid": 0.1, "out": 0.1}, {("in", "hid"): -0.5, ("hid", "out"): -0.4}, 0.0, "SPIN"),
                         xx={("in", "hid"): 0.3, ("hid", "out"): 0.2})


def _rbm():
    return RBM.random(4, 3, scale=0.3, seed=0), SPINS, None


def _classifier():
    model = ClassificationRBM.random(4 + 2, 3, scale=0.3, seed=0, n_classes=2)
    return model, model.with_labels(SPINS, np.array([0, 1, 1, 0, 1])), None


def _patterns():
    model = estimators.RAPID(2).make_model(12, 8, rng=np.random.default_rng(0), beta=1.0)
    return model, np.random.default_rng(1).choice([-1.0, 1.0], (5, 12)), None


def _hopfield():
    rng = np.random.default_rng(2)
    return LayeredHopfield.random([3, 4, 2], seed=0), rng.random((5, 3)), np.eye(2)[[0, 1, 0, 1, 1]]


def _ising_layers():
    return IsingLayers.random([4, 3, 2], seed=0), SPINS[:2], -np.ones((2, 2))


def _bqm():
    return NETWORK, {"x": 1}, {"o": -1.0}


def _qubits():
    return QUBITS, {"in": 1.0}, {"out": 1.0}


#: every exported estimator, a tiny instance and the problem it trains
CASES = {
    "ExactGradient": (lambda: estimators.ExactGradient(), _rbm),
    "CD": (lambda: estimators.CD(1, "gibbs"), _rbm),
    "PCD": (lambda: estimators.PCD(1, 4, "gibbs"), _rbm),
    "TwoLobe": (lambda: estimators.TwoLobe(1, 4), _rbm),
    "Discriminative": (lambda: estimators.Discriminative(), _classifier),
    "RAPID": (lambda: estimators.RAPID(2, gibbs_steps=1), _patterns),
    "EqProp": (lambda: estimators.EqProp(0.05), _hopfield),
    "LowTemperatureRule": (lambda: estimators.LowTemperatureRule(), _hopfield),
    "LayeredIsingEqProp": (lambda: estimators.LayeredIsingEqProp(2.0, num_reads=2, num_sweeps=2, nudge_sweeps=2),
                           _ising_layers),
    "IsingEqProp": (lambda: estimators.IsingEqProp(0.01, backend="exact"), _bqm),
    "ThermalEqProp": (lambda: estimators.ThermalEqProp(1.0, backend="exact", num_reads=50), _bqm),
    "QuantumEqProp": (lambda: estimators.QuantumEqProp(0.01), _qubits),
}
#: estimators that draw random numbers: the same generator seed gives the same gradient
SAMPLING = {"CD", "PCD", "TwoLobe", "RAPID", "LayeredIsingEqProp", "ThermalEqProp"}


def test_every_exported_estimator_is_covered_here():
    exported = {name for name in estimators.__all__ if inspect.isclass(getattr(estimators, name))
                and issubclass(getattr(estimators, name), GradientEstimator)}
    assert exported - {"GradientEstimator", "BoltzmannEstimator"} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_signature_and_one_result_type(name):
    make, problem = CASES[name]
    estimator = make()
    assert isinstance(estimator, GradientEstimator)
    parameters = list(inspect.signature(estimator.gradient).parameters.values())
    assert [(p.name, p.kind, p.default) for p in parameters] == [
        ("model", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("X", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("targets", inspect.Parameter.POSITIONAL_OR_KEYWORD, None),
        ("rng", inspect.Parameter.KEYWORD_ONLY, None),
    ], (name, parameters)
    model, X, targets = problem()
    estimator.check_model(model)
    estimator.reset()
    gradient = estimator.gradient(model, X, targets, rng=np.random.default_rng(0))
    assert isinstance(gradient, Gradient) and isinstance(gradient.info, dict)
    if isinstance(model, dimod.BinaryQuadraticModel):
        assert set(gradient.values) == {"J", "h"} and gradient_keys(gradient) == parameter_keys(model, X)
        assert np.all(np.isfinite(gradient_vector(gradient)))
    elif isinstance(model, TransverseIsing):
        assert set(gradient.values) == {"zz", "xx", "z", "x"}
    else:  # array models: the names and shapes of model.parameters(), ready for an optimizer
        parameters = model.parameters()
        assert set(gradient.values) == set(parameters)
        for key, value in gradient.values.items():
            assert np.shape(value) == np.shape(parameters[key]) and np.all(np.isfinite(value)), key
    if gradient.stderr is not None:
        assert set(gradient.stderr) == set(gradient.values)
    if isinstance(estimator, BoltzmannEstimator):
        assert gradient.cost is None
    else:
        assert np.isfinite(gradient.cost) and gradient.outputs is not None
    if name in SAMPLING:
        estimator.reset()
        again = make().gradient(model, X, targets, rng=np.random.default_rng(0))
        for key, value in gradient.values.items():
            np.testing.assert_array_equal(np.asarray(list(value.values()) if isinstance(value, dict) else value),
                                          np.asarray(list(again.values[key].values()) if isinstance(value, dict)
                                                     else again.values[key]), err_msg=key)


def test_the_base_class_asks_for_gradient_and_boltzmann_estimators_take_no_targets():
    with pytest.raises(NotImplementedError, match="must return a Gradient"):
        GradientEstimator().gradient(None, None)
    assert GradientEstimator().check_model(object()) is None and GradientEstimator().reset() is None
    model, X, _ = _rbm()
    with pytest.raises(ValueError, match="targets must be None"):
        estimators.ExactGradient().gradient(model, X, np.ones((5, 1)))
    assert estimators.ExactGradient().gradient(model, X).values.keys() == model.parameters().keys()  # rng optional
    with pytest.raises(TypeError, match="estimator must be a gradient estimator object .* got EqProp"):
        BoltzmannRBM(2, estimator=EqProp(0.1), n_epochs=1).fit(SPINS)
