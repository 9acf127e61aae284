"""D-Wave Ocean's sampler semantics on every backend (docs/guide/ocean.md).

Unknown keyword arguments are dropped with ``SamplerUnknownArgWarning``,
``properties`` say what Ocean tools read, the adapter is a ``dimod.Composite``,
a backend samples inside embedding composites through ``StructureComposite``,
and a plain ``sample_ising(h, J)`` means what the table in docs/guide/ocean.md says.
"""
from __future__ import annotations

import warnings

import dimod
import dimod.testing
import numpy as np
import pytest
from dimod.exceptions import SamplerUnknownArgWarning
from dwave.samplers import SimulatedAnnealingSampler

from isingbridge.backends import get
from isingbridge.backends.dimod_adapter import hardware_ranges
from isingbridge.quantum import TransverseIsing

system = pytest.importorskip("dwave.system")
from dwave.system import EmbeddingComposite, FixedEmbeddingComposite  # noqa: E402
from dwave.system.testing import MockDWaveSampler  # noqa: E402

pytestmark = [pytest.mark.filterwarnings("ignore::isingbridge.backends.NotReproducibleWarning"),
              pytest.mark.filterwarnings("ignore::isingbridge.backends.ConvergenceWarning")]

NAMES = ["exact", "gibbs", "anneal", "tempering", "sqa", "statevector", "adapter-exact", "adapter-sa"]
CLASSICAL = ["exact", "gibbs", "anneal", "tempering", "adapter-exact", "adapter-sa"]

# h_a = -0.5, J_ab = -1: ground state (+1, +1) at E = -1.5, probability 0.644 at beta = 1
H, J = {"a": -0.5, "b": 0.0}, {("a", "b"): -1.0}
GROUND_ENERGY = -1.5
P_GROUND = np.exp(1.5) / (np.exp(1.5) + np.exp(0.5) + np.exp(-0.5) + np.exp(-1.5))


def backend_named(name: str):
    if name == "adapter-exact":
        return get(dimod.ExactSolver())
    if name == "adapter-sa":
        return get(SimulatedAnnealingSampler())
    return get(name)


def quick(backend) -> dict:
    """Short runs where the backend takes num_sweeps."""
    return {"num_sweeps": 50} if "num_sweeps" in backend.parameters else {}


# -- unknown keyword arguments ------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_unknown_keyword_is_dropped_with_oceans_warning(name):
    backend = backend_named(name)
    with pytest.warns(SamplerUnknownArgWarning, match="Ignoring unknown kwarg: 'annealing_time'") as caught:
        sampleset = backend.sample_ising(H, J, num_reads=4, seed=0, annealing_time=20, **quick(backend))
    assert set(sampleset.variables) == {"a", "b"} and len(sampleset) >= 4
    assert all(w.filename == __file__ for w in caught if w.category is SamplerUnknownArgWarning)


@pytest.mark.parametrize("name", CLASSICAL)
def test_unknown_keyword_is_dropped_by_every_call(name):
    backend, bqm = backend_named(name), dimod.BQM.from_ising(H, J)
    with pytest.warns(SamplerUnknownArgWarning, match="'colour'"):
        moments = backend.moments(bqm, num_reads=8, seed=0, colour="red", **quick(backend))
    assert moments.mean.shape == (2,)
    with pytest.warns(SamplerUnknownArgWarning, match="'colour'"):
        drawn = backend.sample_states(bqm, num_reads=4, seed=0, colour="red", **quick(backend))
    assert drawn.states.shape[1] == 2


def test_unknown_keyword_of_quantum_moments_is_dropped():
    model = TransverseIsing(dimod.BQM.from_ising(H, J), x={"a": -1.0})
    with pytest.warns(SamplerUnknownArgWarning, match="'colour'"):
        assert get("statevector").moments(model, colour="red").mean.shape == (2,)
    with pytest.warns(SamplerUnknownArgWarning, match="'colour'"):
        assert get("sqa").moments(model, num_reads=2, num_sweeps=20, seed=0, colour="red").mean.shape == (2,)


def test_dropped_keyword_does_not_change_the_samples():
    bqm = dimod.BQM.from_ising(H, J)
    plain = get("gibbs").sample_states(bqm, num_reads=8, num_sweeps=5, seed=3).states
    with pytest.warns(SamplerUnknownArgWarning):
        extra = get("gibbs").sample_states(bqm, num_reads=8, num_sweeps=5, seed=3, chain_strength=2.0).states
    np.testing.assert_array_equal(plain, extra)


def test_chains_drop_unknown_options_too():
    with pytest.warns(SamplerUnknownArgWarning, match="'sweeps'"):
        chains = get("exact").chains(4, sweeps=3)
    assert chains.options == {}


@pytest.mark.parametrize("name", ["exact", "gibbs", "sqa", "statevector", "adapter-sa"])
def test_known_argument_in_the_wrong_call_is_still_an_error(name):
    backend = backend_named(name)
    with pytest.raises(TypeError, match="does not take.*conditionals.*sample_states"):
        backend.sample_ising(H, J, num_reads=2, conditionals=["a"])


def test_adapter_drops_before_the_wrapped_sampler_sees_it():
    seen = {}

    class Recording(dimod.RandomSampler):
        def sample(self, bqm, **kwargs):
            seen.update(kwargs)
            return super().sample(bqm, **kwargs)

    with pytest.warns(SamplerUnknownArgWarning, match="'annealing_time'"):
        get(Recording()).sample_ising(H, J, num_reads=2, annealing_time=20)
    assert "annealing_time" not in seen and seen["num_reads"] == 2


# -- properties ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_properties_describe_every_parameter(name):
    backend = backend_named(name)
    properties = backend.properties
    assert {"name", "exact", "limits", "parameters"} <= set(properties)
    assert set(properties["parameters"]) == set(backend.parameters)
    assert all(isinstance(text, str) and text for text in properties["parameters"].values())
    dimod.testing.assert_sampler_api(backend)


def test_own_options_are_described_from_the_docstrings():
    described = get("gibbs").properties["parameters"]
    assert described["num_sweeps"].startswith("int: Sweeps per chain")
    assert described["beta"].startswith("float: Inverse temperature")
    assert "temperature" in get("sqa").properties["parameters"]["beta"]


def test_wrapped_samplers_are_named_by_class():
    assert get(dimod.ExactSolver()).name == "ExactSolver"
    assert get(SimulatedAnnealingSampler()).name == "SimulatedAnnealingSampler"
    backend = get(EmbeddingComposite(MockDWaveSampler()))
    assert backend.name == "EmbeddingComposite(MockDWaveSampler)"
    assert backend.properties["name"] == backend.name
    assert backend.sample_ising({0: 1.0}, {}, num_reads=1).info["backend"] == backend.name


def test_adapter_describes_the_samplers_parameters():
    backend = get(EmbeddingComposite(MockDWaveSampler()))
    described = backend.properties["parameters"]
    assert described["annealing_time"] == MockDWaveSampler().properties["parameters"]["annealing_time"]
    assert described["chain_strength"] == "passed on to EmbeddingComposite.sample"


# -- the adapter as a composite -----------------------------------------------------------------
@pytest.mark.parametrize("child", [dimod.ExactSolver(), SimulatedAnnealingSampler()], ids=["exact", "sa"])
def test_adapter_is_a_dimod_composite(child):
    backend = get(child)
    assert isinstance(backend, dimod.Composite)
    dimod.testing.assert_composite_api(backend)
    dimod.testing.assert_sampler_api(backend)
    assert backend.children == [child] and backend.child is child
    assert backend.properties["child_properties"] == child.properties
    sampleset = backend.sample_ising(H, J, num_reads=5, seed=0)
    dimod.testing.assert_sampleset_energies(sampleset, dimod.BQM.from_ising(H, J))


def test_ocean_tools_see_through_the_adapter():
    mock = MockDWaveSampler()
    backend = get(EmbeddingComposite(mock))
    assert backend.child.child is mock
    assert backend.properties["child_properties"]["child_properties"]["j_range"] == mock.properties["j_range"]
    assert hardware_ranges(backend) == (backend.h_range, backend.j_range) == ((-4.0, 4.0), (-1.0, 1.0))


# -- the StructureComposite route ---------------------------------------------------------------
SQUARE_NODES = [0, 1, 2, 3]
SQUARE_EDGES = [(0, 1), (1, 2), (2, 3), (3, 0)]
TRIANGLE = dimod.BQM({"a": -0.5, "b": 0.0, "c": 0.0}, {("a", "b"): -1.0, ("b", "c"): -1.0, ("a", "c"): -1.0},
                     0.0, "SPIN")


def test_backend_inside_fixed_embedding_composite():
    structured = dimod.StructureComposite(get("exact"), SQUARE_NODES, SQUARE_EDGES)
    dimod.testing.assert_structured_api(structured)
    sampler = FixedEmbeddingComposite(structured, {"a": [0], "b": [1], "c": [2, 3]})
    sampleset = sampler.sample(TRIANGLE, beta=4.0, num_reads=200, seed=0, chain_strength=2.0)
    dimod.testing.assert_sampleset_energies(sampleset, TRIANGLE)
    assert "chain_break_fraction" in sampleset.record.dtype.names
    ground = np.isclose(sampleset.record.energy, -3.5)
    assert np.average(ground, weights=sampleset.record.num_occurrences) > 0.9


def test_backend_inside_embedding_composite_with_minorminer():
    structured = dimod.StructureComposite(get("anneal"), SQUARE_NODES, SQUARE_EDGES)
    sampler = EmbeddingComposite(structured)
    sampleset = sampler.sample(TRIANGLE, mode="anneal", num_reads=10, seed=0,
                               embedding_parameters={"random_seed": 0}, return_embedding=True)
    assert sampleset.first.energy == pytest.approx(-3.5)
    assert sum(len(chain) for chain in sampleset.info["embedding_context"]["embedding"].values()) == 4


def test_structured_backend_wrapped_again_is_one_backend():
    structured = dimod.StructureComposite(get("exact"), SQUARE_NODES, SQUARE_EDGES)
    backend = get(FixedEmbeddingComposite(structured, {"a": [0], "b": [1], "c": [2, 3]}))
    assert backend.name == "FixedEmbeddingComposite(StructureComposite(exact))"
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplerUnknownArgWarning)
        sampleset = backend.sample(TRIANGLE, num_reads=4, seed=0)
    assert set(sampleset.variables) == {"a", "b", "c"}


# -- what a plain sample_ising(h, J) means (the table of docs/guide/ocean.md) -------------------------
def ground_fraction(sampleset) -> float:
    record = sampleset.record
    return float(np.average(np.isclose(record.energy, GROUND_ENERGY), weights=record.num_occurrences))


@pytest.mark.parametrize("name", ["exact", "gibbs", "anneal", "tempering"])
def test_plain_call_is_boltzmann_at_beta_one(name):
    sampleset = get(name).sample_ising(H, J, num_reads=400, seed=0)
    assert sampleset.info["beta"] == 1.0
    assert abs(ground_fraction(sampleset) - P_GROUND) < 0.1


@pytest.mark.parametrize("name", ["statevector", "sqa", "adapter-sa"])
def test_plain_call_is_ground_states(name):
    sampleset = backend_named(name).sample_ising(H, J, seed=0)
    assert ground_fraction(sampleset) == 1.0


def test_plain_call_on_exact_solver_lists_every_state_once():
    sampleset = get(dimod.ExactSolver()).sample_ising(H, J)
    assert len(sampleset) == 4 and ground_fraction(sampleset) == 0.25

