"""Every backend passes dimod's own sampler conformance helpers."""
import unittest
import warnings

import dimod
import dimod.testing
import pytest
from dwave.samplers import TabuSampler

from conftest import random_bqm
from isingbridge.backends import available, get

BACKENDS = [name for name in ("exact", "anneal", "gibbs") if name in available()]


@dimod.testing.load_sampler_bqm_tests(lambda: get("gibbs"))
class TestGibbsConformance(unittest.TestCase):
    pass


@dimod.testing.load_sampler_bqm_tests(lambda: get("exact"), max_num_variables=12)
class TestExactConformance(unittest.TestCase):
    pass


@dimod.testing.load_sampler_bqm_tests(lambda: get("statevector"), max_num_variables=10)
class TestStatevectorConformance(unittest.TestCase):
    pass


@dimod.testing.load_sampler_bqm_tests(lambda: get("anneal"))
class TestAnnealConformance(unittest.TestCase):
    pass


@dimod.testing.load_sampler_bqm_tests(lambda: get(TabuSampler(), timeout=2))
class TestAdapterConformance(unittest.TestCase):
    pass


def _mock_backend():
    system = pytest.importorskip("dwave.system")
    from dwave.system.testing import MockDWaveSampler

    return get(system.EmbeddingComposite(MockDWaveSampler()))


@pytest.mark.parametrize("name", BACKENDS + ["statevector", "tabu", "mock-dwave"])
def test_sampler_api_and_energies(name):
    backend = {"tabu": lambda: get(TabuSampler()), "mock-dwave": _mock_backend}.get(name, lambda: get(name))()
    dimod.testing.assert_sampler_api(backend)
    for vartype in ("SPIN", "BINARY"):
        bqm = random_bqm(8, 3).change_vartype(vartype, inplace=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ss = backend.sample(bqm, num_reads=5, seed=1) if name != "mock-dwave" else backend.sample(bqm, num_reads=5)
            ising = backend.sample_ising({"a": 0.5}, {("a", "b"): -1.0}, num_reads=3)
        dimod.testing.assert_sampleset_energies(ss, bqm)
        assert ss.vartype is bqm.vartype
        assert set(ising.variables) == {"a", "b"}
