"""Replica exchange ("tempering"): swap and cluster moves by exact enumeration, moments and log Z against exact."""
import itertools
import unittest

import dimod
import dimod.testing
import numpy as np
import pytest
from dwave.samplers import PlanarGraphSolver

from conftest import random_bqm
from isingbridge.backends import get
from isingbridge.backends.tempering import (
    ReplicaExchange, equal_rejection_ladder, houdayer_moves, swap_log_acceptance,
)
from isingbridge.ir import compile_bqm
from test_gibbs_annealing import planar_pm_j


def gaussian_model(seed: int, n: int = 10) -> dimod.BinaryQuadraticModel:
    """Hard small models: dense, J ~ N(0, 1), h ~ N(0, 1) (fixed-β Gibbs: z-score std 4–12)."""
    rng = np.random.default_rng(seed)
    return dimod.BQM({i: rng.normal() for i in range(n)},
                     {(i, j): rng.normal() for i, j in itertools.combinations(range(n), 2)}, 0.0, "SPIN")


def states_and_energies(model) -> tuple[np.ndarray, np.ndarray]:
    states = np.array(list(itertools.product([-1, 1], repeat=model.num_variables)), dtype=np.int8)
    return states, model.energies(states.astype(float))


def boltzmann(energies: np.ndarray, beta: float) -> np.ndarray:
    weights = np.exp(-beta * (energies - energies.min()))
    return weights / weights.sum()


# -- the moves, exactly -------------------------------------------------------

def test_swap_moves_satisfy_detailed_balance_by_enumeration():
    """The joint chain of 3 replicas of a 2-spin model: each swap is reversible, even∘odd keeps the product law."""
    model = compile_bqm(dimod.BQM({0: 0.4}, {(0, 1): -1.3}, 0.0, "SPIN"))
    _, energies = states_and_energies(model)
    ladder = np.array([0.3, 0.9, 2.0])
    joint = list(itertools.product(range(4), repeat=3))  # the state index at each level
    index = {x: a for a, x in enumerate(joint)}
    pi = np.array([np.prod([boltzmann(energies, b)[s] for b, s in zip(ladder, x)]) for x in joint])
    moves = []
    for parity in (0, 1):
        T = np.zeros((len(joint), len(joint)))
        for a, x in enumerate(joint):
            T[a, a] = 1.0
            for k in range(parity, 2, 2):
                y = list(x)
                y[k], y[k + 1] = x[k + 1], x[k]
                accept = float(np.exp(swap_log_acceptance(ladder[k], ladder[k + 1], energies[x[k]], energies[x[k + 1]])))
                T[a, index[tuple(y)]] += accept
                T[a, a] -= accept
        flow = pi[:, None] * T
        assert np.allclose(flow, flow.T, atol=1e-15)
        moves.append(T)
    assert np.allclose(pi @ moves[0] @ moves[1], pi)


def test_houdayer_move_is_symmetric_and_keeps_both_energies_summed():
    """Every (s_a, s_b) and every start site through the kernel: E_a + E_b is kept and T is symmetric,
    so the product law of two replicas at one β is stationary (and reversible) under the move."""
    bqm = dimod.BQM({0: 0.5, 1: -0.2, 3: 0.7}, {(0, 1): 1.0, (1, 2): -0.6, (2, 3): 0.9, (3, 0): -1.1, (0, 2): 0.4},
                    0.0, "SPIN")
    model = compile_bqm(bqm)
    states, energies = states_and_energies(model)
    T = np.zeros((256, 256))
    moved = 0
    for a, b in itertools.product(range(16), repeat=2):
        differ = int(np.sum(states[a] != states[b]))
        if differ == 0:
            T[16 * a + b, 16 * a + b] = 1.0
            continue
        for pick in range(differ):
            spins = np.stack([states[a], states[b]], axis=1)[None].copy()  # (1 block, N, 2 lanes)
            sizes = houdayer_moves(spins, model.J.indptr.astype(np.int64), model.J.indices.astype(np.int64),
                                   np.array([0]), np.array([1]), np.array([(pick + 0.5) / differ]), 2)
            new_a, new_b = (int(np.dot((spins[0, :, lane] > 0)[::-1], 1 << np.arange(4))) for lane in (0, 1))
            assert np.isclose(energies[new_a] + energies[new_b], energies[a] + energies[b])
            assert sizes[0] >= 1
            moved += sizes[0] < 4
            T[16 * a + b, 16 * new_a + new_b] += 1.0 / differ
    assert np.allclose(T.sum(axis=1), 1.0) and np.allclose(T, T.T)
    assert moved > 0  # some clusters are proper subsets: the move does more than exchange the replicas


def test_long_run_histograms_are_the_product_of_boltzmann_laws():
    """Joint frequencies of the coldest and hottest replica against p_hot ⊗ p_cold (16 independent ladders)."""
    model = compile_bqm(dimod.BQM({0: 0.3, 2: -0.5}, {(0, 1): -1.0, (1, 2): 0.8}, 0.0, "SPIN"))
    states, energies = states_and_energies(model)
    ladder = np.array([0.2, 0.6, 1.5])
    pt = ReplicaExchange(model, ladder, 16, np.random.default_rng(0), cluster_moves=True)
    codes = 1 << np.arange(3)[::-1]
    counts = np.zeros((16, 64))
    for _ in range(3000):
        pt.round()
        hot, cold = ((pt.level_states(k) > 0) @ codes for k in (0, 2))
        np.add.at(counts, (np.arange(16), 8 * hot + cold), 1)
    expected = np.outer(boltzmann(energies, 0.2), boltzmann(energies, 1.5)).ravel()
    freq = counts / counts.sum(axis=1, keepdims=True)
    floor = np.sqrt(expected * (1 - expected) / counts.sum())  # cells too rare to be seen in every ladder
    z = (freq.mean(axis=0) - expected) / np.maximum(freq.std(axis=0, ddof=1) / 4, floor)
    assert np.abs(z).max() < 5.5, np.abs(z).max()
    assert np.all(pt.acceptance() > 0.2)


def test_equal_rejection_ladder_keeps_ends_and_order():
    ladder = np.geomspace(0.1, 2.0, 6)
    new = equal_rejection_ladder(ladder, np.array([0.0, 0.05, 0.9, 0.9, 0.1]))
    assert new[0] == ladder[0] and new[-1] == ladder[-1] and np.all(np.diff(new) > 0)
    assert new[3] - new[2] < ladder[3] - ladder[2]  # the hard gaps shrink


# -- the backend ----------------------------------------------------------------

def z_scores(m, exact) -> np.ndarray:
    upper = np.triu_indices(len(m.variables), k=1)
    return np.concatenate([(m.mean - exact.mean) / m.stderr, (m.corr - exact.corr)[upper] / m.corr_stderr[upper]])


def test_default_moments_on_hard_dense_models_have_honest_errors():
    """The target: z-scores of <s_i>, <s_i s_j> against exact with std <= 1.2 at default settings."""
    tempering, exact = get("tempering"), get("exact")
    z = np.concatenate([z_scores(tempering.moments(gaussian_model(seed), beta=1.0, seed=seed),
                                 exact.moments(gaussian_model(seed), beta=1.0)) for seed in range(4)])
    assert np.all(np.isfinite(z))
    assert z.std() <= 1.2, z.std()
    assert np.abs(z).max() < 5


def test_log_z_and_energy_match_exact():
    bqm = random_bqm(16, 7, field=0.5, coupling=2.0, offset=1.5)
    m = get("tempering").moments(bqm, beta=1.3, num_sweeps=3000, seed=2)
    exact = get("exact").moments(bqm, beta=1.3)
    assert abs(m.log_z - exact.log_z) < max(5 * m.info["log_z_stderr"], 0.02), (m.log_z, exact.log_z)
    assert abs(m.energy - exact.energy) < 5 * m.info["energy_stderr"]
    assert np.abs((m.mean - exact.mean) / m.stderr).max() < 5


def test_adaptive_ladder_equalises_swap_acceptance():
    """An 8×8 ferromagnet through its transition: the geometric ladder's acceptance dips, the adapted one is flat."""
    bqm = dimod.BQM({}, {(i, i + 1): -1.0 for i in range(64) if i % 8 < 7} | {(i, i + 8): -1.0 for i in range(56)},
                    0.0, "SPIN")
    options = dict(beta=1.0, num_replicas=8, beta_min=0.05, num_sweeps=3000, num_reads=8, seed=0)
    fixed = get("tempering").sample(bqm, adaptive=False, **options).info
    adapted = get("tempering").sample(bqm, **options).info
    assert np.ptp(adapted["swap_acceptance"]) < 0.5 * np.ptp(fixed["swap_acceptance"])
    assert adapted["swap_acceptance"].min() > fixed["swap_acceptance"].min()
    assert adapted["ladder"][0] == 0.05 and adapted["ladder"][-1] == 1.0 and np.all(np.diff(adapted["ladder"]) > 0)
    assert adapted["round_trips"] > fixed["round_trips"]


def test_finds_a_planar_ground_state_and_reports_it():
    bqm, pos = planar_pm_j(10, 1)
    ground = PlanarGraphSolver().sample(bqm, pos=pos).first.energy
    ss = get("tempering").sample(bqm, beta=3.0, num_sweeps=1500, num_reads=4, seed=0)
    info = ss.info
    assert info["cluster_moves"] is True and info["lowest_energy"] == ground
    assert bqm.energy(info["lowest_state"]) == ground
    assert info["best_trace"][-1][2] == ground and len(ss) == 4 and ss.first.energy <= ground + 8
    assert info["round_trips"] > 0 and np.isfinite(info["round_trip_time"])


def test_same_seed_same_results():
    bqm = gaussian_model(0, 8)
    tempering = get("tempering")
    a = tempering.sample(bqm, num_sweeps=200, seed=4)
    b = tempering.sample(bqm, num_sweeps=200, seed=4)
    assert np.array_equal(a.record.sample, b.record.sample)
    ma, mb = (tempering.moments(bqm, num_sweeps=200, seed=4) for _ in range(2))
    assert np.array_equal(ma.mean, mb.mean) and ma.log_z == mb.log_z


def test_clamps_and_batched_clamps_match_exact():
    bqm = random_bqm(9, 3, field=0.4, coupling=2.5)
    tempering, exact = get("tempering"), get("exact")
    clamp = {2: -1}
    m = tempering.moments(bqm, beta=1.5, clamp=clamp, num_sweeps=1500, seed=0)
    reference = exact.moments(bqm, beta=1.5, clamp=clamp)
    assert m.mean_of(2) == -1 and abs(m.log_z - reference.log_z) < max(5 * m.info["log_z_stderr"], 0.02)
    free = m.stderr > 0
    assert np.abs((m.mean - reference.mean)[free] / m.stderr[free]).max() < 5
    rows = ([0, 5], np.array([[1, -1], [-1, -1]]))
    batched = tempering.moments(bqm, beta=1.5, clamp=rows, num_sweeps=1500, seed=1)
    references = exact.moments(bqm, beta=1.5, clamp=rows)
    assert batched.mean.shape == (2, 9)
    free = batched.stderr > 0
    assert np.abs((batched.mean - references.mean)[free] / batched.stderr[free]).max() < 5
    ss = tempering.sample(bqm, clamp=rows, num_reads=3, num_sweeps=100, seed=2)
    assert ss.record.clamp_row.tolist() == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("options, error, message", [
    (dict(ladder=[0.1, 0.5, 0.3, 1.0]), ValueError, "strictly increasing"),
    (dict(ladder=[0.0, 0.5, 1.0]), ValueError, "positive"),
    (dict(ladder=[0.1, 0.5, 2.0]), ValueError, "end at the target"),
    (dict(ladder=[1.0]), ValueError, "at least 2 replicas"),
    (dict(num_replicas=1), ValueError, ">= 2"),
    (dict(ladder=[0.1, 1.0], num_replicas=2), ValueError, "not both"),
    (dict(beta_min=2.0), ValueError, "below the target"),
    (dict(beta_min=-1.0), ValueError, "positive"),
    (dict(cluster_moves="yes"), ValueError, "cluster_moves"),
    (dict(adaptive=1), TypeError, "adaptive"),
    (dict(num_sweeps=10, burn_in=10), ValueError, "burn_in"),
    (dict(conditionals=[0]), TypeError, "does not take.*conditionals"),
])
def test_bad_input_is_refused_clearly(options, error, message):
    with pytest.raises(error, match=message):
        get("tempering").moments(gaussian_model(0, 4), beta=1.0, **options)


def test_refuses_non_positive_target_beta():
    with pytest.raises(ValueError, match="positive"):
        get("tempering").sample(gaussian_model(0, 4), beta=0.0)


class _QuickTempering:
    """The tempering backend with short runs, for dimod's conformance suite."""

    def __new__(cls):
        backend = get("tempering")
        sample = backend.sample
        backend.sample = lambda bqm, **kwargs: sample(bqm, **{"num_sweeps": 50, **kwargs})
        return backend


@dimod.testing.load_sampler_bqm_tests(_QuickTempering)
class TestTemperingConformance(unittest.TestCase):
    pass
