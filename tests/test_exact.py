"""The exact backend against independent references."""
import itertools

import dimod
import numpy as np
import pytest
from dwave.samplers import TreeDecompositionSampler

from conftest import brute_force, random_bqm
from isingbridge.backends import get
from isingbridge.backends.exact import ModelTooLargeError


def tree_reference(bqm, beta):
    """log Z, ⟨s_i⟩ and ⟨s_i s_j⟩ (for every interaction) from dwave's tree decomposition."""
    ss = TreeDecompositionSampler().sample(bqm, beta=beta, marginals=True, num_reads=1, seed=0)
    mean = {v: 2 * p - 1 for v, p in ss.info["variable_marginals"].items()}
    corr = {
        pair: sum(p * s * t for (s, t), p in table.items())
        for pair, table in ss.info["interaction_marginals"].items()
    }
    return ss.info["log_partition_function"], mean, corr


@pytest.mark.parametrize("n, seed, beta", [(6, 0, 0.3), (10, 1, 1.0), (13, 2, 2.5), (14, 3, 1.7)])
def test_matches_tree_decomposition_to_1e9(n, seed, beta):
    bqm = random_bqm(n, seed, field=0.8, coupling=1.5)
    m = get("exact").moments(bqm, beta=beta)
    log_z, mean, corr = tree_reference(bqm, beta)
    assert m.log_z == pytest.approx(log_z, abs=1e-9)
    for v in bqm.variables:
        assert m.mean_of(v) == pytest.approx(mean[v], abs=1e-9)
    assert len(corr) == n * (n - 1) // 2
    for (u, v), c in corr.items():
        assert m.corr_of(u, v) == pytest.approx(c, abs=1e-9)
    assert np.allclose(m.corr, m.corr.T) and np.all(np.diag(m.corr) == 1)
    assert m.stderr is None


def test_above_low_block_size_matches_tree_decomposition():
    """16 spins exercise the chunked high/low split (12 low bits)."""
    bqm = random_bqm(16, 4, coupling=1.2)
    m = get("exact").moments(bqm, beta=0.8)
    log_z, mean, corr = tree_reference(bqm, 0.8)
    assert m.log_z == pytest.approx(log_z, abs=1e-9)
    assert max(abs(m.mean_of(v) - mean[v]) for v in bqm.variables) < 1e-9
    assert max(abs(m.corr_of(u, v) - c) for (u, v), c in corr.items()) < 1e-9


def test_clamped_moments_are_the_conditional_distribution():
    bqm = random_bqm(9, 5, labels=list("abcdefghi"), offset=0.4)
    clamp = {"b": 1, "g": -1}
    m = get("exact").moments(bqm, beta=1.3, clamp=clamp)
    states, p, _, energies = brute_force(bqm, 1.3)
    keep = (states[:, 1] == 1) & (states[:, 6] == -1)
    pc = p[keep] / p[keep].sum()
    np.testing.assert_allclose(m.mean, pc @ states[keep], atol=1e-12)
    np.testing.assert_allclose(m.corr, (states[keep] * pc[:, None]).T @ states[keep], atol=1e-12)
    assert m.energy == pytest.approx(pc @ energies[keep])
    w = np.exp(-1.3 * energies[keep])
    assert m.log_z == pytest.approx(np.log(w.sum()))
    assert m.mean_of("b") == 1 and m.mean_of("g") == -1


def test_energy_and_log_z_match_brute_force_with_offset():
    bqm = random_bqm(7, 6, offset=-3.0)
    m = get("exact").moments(bqm, beta=0.6)
    _, p, log_z, energies = brute_force(bqm, 0.6)
    assert m.log_z == pytest.approx(log_z, abs=1e-12)
    assert m.energy == pytest.approx(p @ energies, abs=1e-12)


def test_huge_beta_does_not_overflow():
    bqm = random_bqm(14, 7, coupling=3.0)
    m = get("exact").moments(bqm, beta=500.0)
    ground = get("exact").ground_states(bqm)
    assert np.isfinite(m.log_z)
    assert m.energy == pytest.approx(ground.first.energy, abs=1e-6)


def test_samples_follow_the_boltzmann_distribution():
    bqm = random_bqm(5, 8)
    _, p, _, _ = brute_force(bqm, 1.0)
    ss = get("exact").sample(bqm, beta=1.0, num_reads=40000, seed=3)
    codes = {tuple(row): k for k, row in enumerate(itertools.product([-1, 1], repeat=5))}
    counts = np.bincount([codes[tuple(r)] for r in ss.record.sample[:, [ss.variables.index(v) for v in range(5)]]], minlength=32)
    expected = p * 40000
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 31 + 5 * np.sqrt(2 * 31)  # mean 31, sd sqrt(62): a 5-sigma bound


def test_samples_above_twelve_spins_have_the_exact_means():
    bqm = random_bqm(15, 9, coupling=0.8)
    exact = get("exact")
    m = exact.moments(bqm)
    ss = exact.sample(bqm, num_reads=20000, seed=4)
    s = ss.record.sample[:, [ss.variables.index(v) for v in bqm.variables]]
    se = np.sqrt((1 - m.mean**2) / 20000)
    assert np.all(np.abs(s.mean(0) - m.mean) < 5 * se + 1e-12)
    np.testing.assert_allclose(ss.record.energy, bqm.energies((s, list(bqm.variables))))


def test_samples_are_deterministic_with_a_seed():
    bqm = random_bqm(13, 10)
    a = get("exact").sample(bqm, num_reads=50, seed=7)
    b = get("exact").sample(bqm, num_reads=50, seed=7)
    np.testing.assert_array_equal(a.record.sample, b.record.sample)


def test_ground_states_match_dimod_exact_solver_including_degeneracy():
    bqm = dimod.BQM({}, {(0, 1): -1, (1, 2): -1, (2, 0): -1, (2, 3): 0.0}, 0.0, "SPIN")
    gs = get("exact").ground_states(bqm)
    assert len(gs) == 4  # two ferromagnetic triangle states times the free spin 3
    for seed in range(3):
        bqm = random_bqm(11, seed)
        ours = get("exact").ground_states(bqm).first
        ref = dimod.ExactSolver().sample(bqm).first
        assert ours.energy == pytest.approx(ref.energy, abs=1e-10)
        assert ours.sample == ref.sample


def test_empty_model_gives_one_empty_sample_and_offset_moments():
    bqm = dimod.BQM({}, {}, 1.5, "SPIN")
    ss = get("exact").sample(bqm, num_reads=1)
    assert len(ss) == 1 and len(ss.variables) == 0 and ss.first.energy == 1.5
    m = get("exact").moments(bqm, beta=2.0)
    assert m.log_z == pytest.approx(-3.0) and m.energy == 1.5 and m.mean.size == 0


def test_fully_clamped_model():
    bqm = random_bqm(3, 11)
    m = get("exact").moments(bqm, clamp={0: 1, 1: 1, 2: -1})
    assert m.energy == pytest.approx(bqm.energy({0: 1, 1: 1, 2: -1}))
    np.testing.assert_array_equal(m.mean, [1, 1, -1])


def test_binary_model_samples_come_back_binary():
    bqm = random_bqm(4, 12).change_vartype("BINARY", inplace=False)
    ss = get("exact").sample(bqm, num_reads=20, seed=0)
    assert ss.vartype is dimod.BINARY and set(np.unique(ss.record.sample)) <= {0, 1}
    dimod.testing.assert_sampleset_energies(ss, bqm)
    m = get("exact").moments(bqm)
    m_spin = get("exact").moments(bqm.change_vartype("SPIN", inplace=False))
    np.testing.assert_allclose(m.mean, m_spin.mean)


def test_too_large_model_is_refused_at_once_with_advice():
    bqm = random_bqm(31, 13, density=0.1)
    with pytest.raises(ModelTooLargeError, match="at most 30 free spins.*gibbs"):
        get("exact").moments(bqm)
    small = get("exact", max_variables=5)
    with pytest.raises(ValueError, match="at most 5"):
        small.sample(random_bqm(6, 0))
    small.moments(random_bqm(6, 0), clamp={0: 1})  # clamping brings it under the limit


@pytest.mark.slow
def test_28_dense_free_spins():
    bqm = random_bqm(28, 14)
    m = get("exact").moments(bqm, beta=1.0)
    assert np.isfinite(m.log_z) and np.allclose(m.corr, m.corr.T)
