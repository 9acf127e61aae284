"""Any dimod sampler through the adapter, offline on MockDWaveSampler."""
import warnings

import dimod
import numpy as np
import pytest
from dwave.samplers import SimulatedAnnealingSampler, TabuSampler

from conftest import random_bqm
from isingbridge.backends import get
from isingbridge.backends.dimod_adapter import DimodSamplerBackend, fit_scale, hardware_ranges
from isingbridge.ir import compile_bqm

system = pytest.importorskip("dwave.system")
from dwave.system import EmbeddingComposite  # noqa: E402
from dwave.system.testing import MockDWaveSampler  # noqa: E402

FIXED_BETA = dict(
    beta_schedule_type="custom", beta_schedule=[1.0], num_sweeps_per_beta=500,
    proposal_acceptance_criteria="Gibbs", randomize_order=True,
)


def thermal_mock():
    """A mock QPU whose samples are Boltzmann at beta_eff = 1 in its own energy units."""
    return MockDWaveSampler(substitute_sampler=SimulatedAnnealingSampler(), substitute_kwargs=FIXED_BETA, exact_solver_cutoff=0)


def test_get_wraps_a_sampler_and_optimises():
    bqm = random_bqm(10, 0)
    backend = get(TabuSampler())
    assert isinstance(backend, DimodSamplerBackend)
    ss = backend.sample(bqm, num_reads=3, seed=1)
    assert ss.first.energy == pytest.approx(get("exact").ground_states(bqm).first.energy)


def test_beta_without_effective_temperature_is_refused():
    with pytest.raises(ValueError, match="beta_eff"):
        get(TabuSampler()).sample(random_bqm(3, 0), beta=2.0)


def test_embedded_dense_model_on_mock_dwave_with_clamp():
    bqm = random_bqm(12, 1)
    # seeded embedding and mock annealer: unseeded, the best of 20 reads occasionally missed the bound
    backend = get(EmbeddingComposite(MockDWaveSampler(substitute_kwargs={"seed": 0})),
                  embedding_parameters={"random_seed": 0})
    assert backend.h_range == (-4.0, 4.0) and backend.j_range == (-1.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ss = backend.sample(bqm, num_reads=20, clamp={0: 1, 5: -1})
    assert np.all(ss.record.sample[:, ss.variables.index(0)] == 1)
    assert np.all(ss.record.sample[:, ss.variables.index(5)] == -1)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    ground = get("exact").ground_states(bqm, clamp={0: 1, 5: -1}).first.energy
    assert ss.first.energy <= ground + 0.5 * abs(ground)


def test_scaling_respects_hardware_ranges_and_reports_realised_beta():
    bqm = dimod.BQM({0: 3.0, 1: 0.0}, {(0, 1): 2.0}, 0.0, "SPIN")
    model = compile_bqm(bqm)
    assert fit_scale(model, (-4, 4), (-1, 1)) == pytest.approx(0.5)
    assert fit_scale(model, None, None) == float("inf")
    submitted = []

    class Recorder(dimod.Sampler):
        parameters = {"num_reads": []}
        properties = {"h_range": [-4.0, 4.0], "j_range": [-1.0, 1.0]}

        def sample(self, bqm, num_reads=1):
            submitted.append(bqm)
            return dimod.SampleSet.from_samples_bqm(([[1, -1]] * num_reads, list(bqm.variables)), bqm)

    backend = get(Recorder(), beta_eff=2.0)
    assert hardware_ranges(backend.sampler) == ((-4.0, 4.0), (-1.0, 1.0))
    ss = backend.sample(bqm, beta=1.0, num_reads=2)  # factor 0.5: fits exactly
    assert submitted[-1].quadratic[0, 1] == pytest.approx(1.0)
    assert ss.info["beta_realized"] == pytest.approx(1.0)
    with pytest.warns(UserWarning, match="realised beta is 1"):
        ss = backend.sample(bqm, beta=4.0, num_reads=2)  # wants factor 2, range allows 0.5
    assert ss.info["beta_realized"] == pytest.approx(1.0)
    dimod.testing.assert_sampleset_energies(ss, bqm)


def test_estimates_effective_temperature_and_realises_beta():
    bqm = random_bqm(6, 2, field=0.3, coupling=0.6)
    backend = get(EmbeddingComposite(thermal_mock()), chain_strength=2.0)
    beta_eff = backend.estimate_beta_eff(bqm, num_reads=1000, seed=0)
    assert 0.6 < beta_eff < 1.4
    exact = get("exact").moments(bqm, beta=0.7)
    m = backend.moments(bqm, beta=0.7, num_reads=2000, seed=1)
    assert np.abs(m.mean - exact.mean).max() < 0.15


def test_estimate_refuses_a_zero_temperature_sampler():
    backend = get(TabuSampler())
    with pytest.raises(ValueError, match="local minimum"):
        backend.estimate_beta_eff(random_bqm(5, 3), num_reads=5, seed=0)


def test_adapter_type_errors():
    with pytest.raises(TypeError, match="dimod.Sampler"):
        DimodSamplerBackend(object())
    with pytest.raises(TypeError, match="backend name or a dimod.Sampler"):
        get(3.0)
    with pytest.raises(ValueError, match="unknown backend 'nope'.*exact"):
        get("nope")


def test_initial_states_reach_the_sampler_in_the_right_columns():
    """With zero sweeps the annealer returns its starting states: they must come back as given, clamp or not."""
    from dwave.samplers import SimulatedAnnealingSampler

    bqm = dimod.BQM({"c": 0.5, "a": -0.2, "b": 0.1}, {("a", "b"): -1.0, ("b", "c"): 0.3}, 0.0, "SPIN")
    starts = np.array([[1, -1, 1], [-1, -1, 1], [1, 1, -1]], dtype=np.int8)  # columns in bqm.variables order
    assert list(bqm.variables) == ["a", "b", "c"]
    backend = get(SimulatedAnnealingSampler())
    ss = backend.sample(bqm, num_reads=3, initial_states=starts, num_sweeps=0, seed=0)
    np.testing.assert_array_equal(ss.record.sample[:, [ss.variables.index(v) for v in bqm.variables]], starts)
    clamped = backend.sample(bqm, num_reads=3, initial_states=starts, num_sweeps=0, clamp={"a": -1}, seed=0)
    columns = [clamped.variables.index(v) for v in ("a", "b", "c")]
    np.testing.assert_array_equal(clamped.record.sample[:, columns[1:]], starts[:, 1:])
    assert np.all(clamped.record.sample[:, columns[0]] == -1)
