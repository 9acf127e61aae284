"""Ising EP and the thermal covariance rule against exact derivatives of ⟨C⟩ (exact enumeration)."""
import dimod
import numpy as np
import pytest

from isingbridge.backends import get
from isingbridge.trainers import IsingEqProp, ThermalEqProp

INPUTS = {"x0": 1, "x1": -1}
TARGETS = {"o0": 1.0, "o1": -0.5}


def network(seed=0):
    rng = np.random.default_rng(seed)
    x, h, o = ["x0", "x1"], ["h0", "h1", "h2"], ["o0", "o1"]
    quadratic = {(u, v): rng.normal(0, 0.7) for u in x for v in h} | {(u, v): rng.normal(0, 0.7) for u in h for v in o}
    return dimod.BQM({v: rng.normal(0, 0.3) for v in h + o} | {v: 0.0 for v in x}, quadratic, 0.0, "SPIN")


def exact_cost(bqm, beta):
    m = get("exact").moments(bqm, beta=beta, clamp=INPUTS)
    return 0.5 * sum(1 + d * d - 2 * d * m.mean_of(o) for o, d in TARGETS.items())


def exact_derivatives(bqm, beta, eps=1e-6):
    quadratic, linear = {}, {}
    for pair in bqm.quadratic:
        up, down = bqm.copy(), bqm.copy()
        up.add_quadratic(*pair, eps)
        down.add_quadratic(*pair, -eps)
        quadratic[pair] = (exact_cost(up, beta) - exact_cost(down, beta)) / (2 * eps)
    for v in bqm.variables:
        if v in INPUTS:
            continue
        up, down = bqm.copy(), bqm.copy()
        up.add_linear(v, eps)
        down.add_linear(v, -eps)
        linear[v] = (exact_cost(up, beta) - exact_cost(down, beta)) / (2 * eps)
    return quadratic, linear


@pytest.mark.parametrize("beta", [0.5, 1.5])
def test_ising_ep_with_the_exact_backend_is_the_exact_derivative(beta):
    bqm = network()
    quadratic, linear = exact_derivatives(bqm, beta)
    errors = []
    for nudge in (0.02, 0.01):
        g = IsingEqProp(nudge, backend="exact", beta=beta).gradient(bqm, INPUTS, TARGETS)
        errors.append(max(max(abs(g.values["J"][p] - quadratic[p]) for p in quadratic),
                          max(abs(g.values["h"][v] - linear[v]) for v in linear)))
        assert g.cost == pytest.approx(exact_cost(bqm, beta), abs=1e-12)
    assert errors[1] < 1e-3
    assert 3.0 < errors[0] / errors[1] < 5.0, errors  # symmetric nudging: O(nudge²)
    positive = [IsingEqProp(nudge, backend="exact", beta=beta, variant="positive").gradient(
        bqm, INPUTS, TARGETS) for nudge in (0.02, 0.01)]
    pos_errors = [max(abs(g.values["J"][p] - quadratic[p]) for p in quadratic) for g in positive]
    assert 1.6 < pos_errors[0] / pos_errors[1] < 2.4, pos_errors  # O(nudge)


def test_thermal_covariance_estimator_matches_the_exact_derivative_within_its_error():
    bqm = network(1)
    temperature = 1.25
    quadratic, linear = exact_derivatives(bqm, 1 / temperature)
    g = ThermalEqProp(temperature, backend="exact", num_reads=40000).gradient(bqm, INPUTS, TARGETS,
                                                                               rng=np.random.default_rng(3))
    assert set(g.stderr) == set(g.values) == {"J", "h"}
    z = [(g.values["J"][p] - quadratic[p]) / g.stderr["J"][p] for p in quadratic]
    z += [(g.values["h"][v] - linear[v]) / g.stderr["h"][v] for v in linear]
    assert np.max(np.abs(z)) < 4.5, z
    assert 0.3 < np.std(z) < 2.0  # errors are honest, not vacuous
    clamped = ThermalEqProp(temperature, backend="exact", nudge=0.01).clamped_gradient(bqm, INPUTS, TARGETS)
    assert max(abs(clamped.values["J"][p] - quadratic[p]) for p in quadratic) < 1e-3


def test_ising_ep_runs_on_sampling_backends():
    bqm = network(2)
    exact, _ = exact_derivatives(bqm, 1.0)
    g = IsingEqProp(0.5, backend="gibbs", num_reads=2000, num_sweeps=400, seed=1).gradient(bqm, INPUTS, TARGETS)
    estimate = np.array([g.values["J"][p] for p in exact])
    reference = np.array(list(exact.values()))
    assert np.corrcoef(estimate, reference)[0, 1] > 0.9  # a finite nudge 0.5 and sampling noise, same direction


def test_bad_input():
    bqm = network()
    with pytest.raises(ValueError, match="nudge must be a finite number > 0"):
        IsingEqProp(0.0, backend="exact")
    with pytest.raises(ValueError, match="outside \\[-1, 1\\]"):
        IsingEqProp(0.1, backend="exact").gradient(bqm, INPUTS, {"o0": 1.5})
    with pytest.raises(ValueError, match="not a variable"):
        IsingEqProp(0.1, backend="exact").gradient(bqm, {"nope": 1}, TARGETS)
    with pytest.raises(ValueError, match="-1 or \\+1"):
        IsingEqProp(0.1, backend="exact").gradient(bqm, {"x0": 0.5}, TARGETS)
    with pytest.raises(ValueError, match="both an input"):
        IsingEqProp(0.1, backend="exact").gradient(bqm, INPUTS, {"x0": 1.0})
    with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
        ThermalEqProp(0.0)


def test_nudge_and_inverse_temperature_are_separate_settings():
    """``nudge`` is the EP nudging strength, ``beta`` the network's inverse temperature (passed to the backend)."""
    estimator = IsingEqProp(nudge=0.3, backend="exact", beta=2.0)
    assert (estimator.nudge, estimator.beta) == (0.3, 2.0)
    assert repr(estimator).startswith("IsingEqProp(nudge=0.3, backend='exact', beta=2.0")
    bqm = network()
    hot, cold = (IsingEqProp(0.01, backend="exact", beta=b).gradient(bqm, INPUTS, TARGETS) for b in (0.5, 2.0))
    assert hot.cost == pytest.approx(exact_cost(bqm, 0.5), abs=1e-12)
    assert cold.cost == pytest.approx(exact_cost(bqm, 2.0), abs=1e-12)
    assert ThermalEqProp(0.5, backend="exact", nudge=0.2).nudge == 0.2
