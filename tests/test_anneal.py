"""The anneal backend in Boltzmann and annealing modes."""
import numpy as np
import pytest

from conftest import random_bqm
from isingbridge.backends import get


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_boltzmann_means_within_4_stderr_of_exact_with_clamp(seed):
    bqm = random_bqm(12, seed, field=0.5, coupling=1.0)
    clamp = {3: 1, 7: -1}
    exact = get("exact").moments(bqm, beta=1.0, clamp=clamp)
    m = get("anneal").moments(bqm, beta=1.0, clamp=clamp, seed=seed, num_reads=3000, num_sweeps=200)
    free = m.stderr > 0
    z = np.abs(m.mean - exact.mean)[free] / m.stderr[free]
    assert z.max() < 4.0, z
    assert m.mean_of(3) == 1 and m.mean_of(7) == -1 and m.stderr[3] == 0
    assert np.abs(m.corr - exact.corr).max() < 0.1


def test_anneal_mode_finds_the_ground_state():
    bqm = random_bqm(14, 3)
    ground = get("exact").ground_states(bqm).first.energy
    ss = get("anneal").sample(bqm, mode="anneal", num_reads=20, seed=0)
    assert ss.first.energy == pytest.approx(ground)


def test_seeded_runs_repeat_and_persistent_chains_start_where_told():
    bqm = random_bqm(10, 4)
    anneal = get("anneal")
    a = anneal.sample(bqm, beta=0.5, num_reads=8, num_sweeps=5, seed=9)
    b = anneal.sample(bqm, beta=0.5, num_reads=8, num_sweeps=5, seed=9)
    np.testing.assert_array_equal(a.record.sample, b.record.sample)
    # at beta -> large, one sweep from a ground state stays there
    ground = get("exact").ground_states(bqm).first.sample
    start = np.tile([ground[v] for v in bqm.variables], (4, 1))
    c = anneal.sample(bqm, beta=50.0, num_sweeps=1, initial_states=start, seed=1)
    assert len(c) == 4
    assert np.all(c.record.energy == pytest.approx(bqm.energy(ground)))


def test_unknown_mode_and_bad_sweeps():
    bqm = random_bqm(3, 5)
    with pytest.raises(ValueError, match="mode"):
        get("anneal").sample(bqm, mode="quantum")
    with pytest.raises(ValueError, match="num_sweeps"):
        get("anneal").sample(bqm, num_sweeps=0)
