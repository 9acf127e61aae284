"""Bad input gets a clear error, or the right answer, on every backend."""
import math

import dimod
import numpy as np
import pytest

from conftest import random_bqm
from isingbridge.backends import available, get

SAMPLING = [name for name in ("exact", "anneal", "gibbs") if name in available()]


@pytest.fixture(params=SAMPLING)
def backend(request):
    return get(request.param)


@pytest.mark.parametrize("beta", [0.0, -1.0, math.nan, math.inf])
def test_bad_beta(backend, beta):
    with pytest.raises(ValueError, match="beta must be positive and finite"):
        backend.sample(random_bqm(3, 0), beta=beta)
    with pytest.raises(ValueError, match="beta"):
        backend.moments(random_bqm(3, 0), beta=beta)


def test_beta_of_wrong_type(backend):
    with pytest.raises(TypeError, match="beta must be a positive real"):
        backend.sample(random_bqm(3, 0), beta="hot")


@pytest.mark.parametrize("num_reads", [0, -3])
def test_bad_num_reads(backend, num_reads):
    with pytest.raises(ValueError, match="num_reads must be >= 1"):
        backend.sample(random_bqm(3, 0), num_reads=num_reads)
    with pytest.raises(TypeError, match="num_reads must be an integer"):
        backend.sample(random_bqm(3, 0), num_reads=2.5)


def test_nan_bias(backend):
    bqm = random_bqm(3, 0)
    bqm.set_linear(1, math.nan)
    with pytest.raises(ValueError, match="variable 1"):
        backend.sample(bqm)


def test_unknown_clamp_label_and_bad_clamp_value(backend):
    bqm = random_bqm(3, 0)
    with pytest.raises(ValueError, match="cannot clamp 'q'"):
        backend.sample(bqm, clamp={"q": 1})
    with pytest.raises(ValueError, match="clamp value for 1 is 2"):
        backend.moments(bqm, clamp={1: 2})


def test_unknown_option_is_named_and_dropped(backend):
    with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning, match="'temprature'"):
        backend.sample(random_bqm(3, 0), temprature=1.0)


def test_bad_seed(backend):
    with pytest.raises(TypeError, match="seed"):
        backend.sample(random_bqm(3, 0), seed="abc")


def test_empty_bqm_gives_empty_samples(backend):
    ss = backend.sample(dimod.BQM("SPIN"), num_reads=1)
    assert len(ss) == 1 and len(ss.variables) == 0
    m = backend.moments(dimod.BQM({}, {}, 2.0, "SPIN"))
    assert m.mean.size == 0 and m.energy == 2.0


def test_binary_model_works(backend):
    bqm = random_bqm(4, 1).change_vartype("BINARY", inplace=False)
    ss = backend.sample(bqm, num_reads=4, seed=0)
    assert ss.vartype is dimod.BINARY
    dimod.testing.assert_sampleset_energies(ss, bqm)
    m = backend.moments(bqm, clamp={0: 0}, seed=0)
    assert m.mean_of(0) == -1


def test_mixed_label_types(backend):
    labels = ["a", 1, ("t", 2), 2.5]
    bqm = random_bqm(4, 2, labels=labels)
    ss = backend.sample(bqm, num_reads=3, seed=0, clamp={("t", 2): -1})
    assert set(ss.variables) == set(labels)
    assert np.all(ss.record.sample[:, ss.variables.index(("t", 2))] == -1)
    dimod.testing.assert_sampleset_energies(ss, bqm)


def test_initial_states_of_wrong_shape_or_values():
    bqm = random_bqm(4, 3)
    anneal = get("anneal")
    with pytest.raises(ValueError, match=r"shape \(num_reads, 4\)"):
        anneal.sample(bqm, initial_states=np.ones((2, 3)))
    with pytest.raises(ValueError, match="2 rows but num_reads is 5"):
        anneal.sample(bqm, initial_states=np.ones((2, 4)), num_reads=5)
    with pytest.raises(ValueError, match="initial_states must hold -1/\\+1 spins"):
        anneal.sample(bqm, initial_states=np.zeros((2, 4)))
    other = dimod.SampleSet.from_samples(np.ones((2, 2)), "SPIN", energy=[0, 0])
    with pytest.raises(ValueError, match="lacks variable"):
        anneal.sample(bqm, initial_states=other)
