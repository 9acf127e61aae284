"""Replica exchange wherever the backend contract reaches: trainers, batched clamps, the circuit compiler, log Z.

Every check is against an independent reference: exact enumeration (the
``exact`` backend, an RBM's exact log-likelihood) or annealed importance
sampling, with fixed seeds and standard errors.
"""
import itertools
import warnings

import dimod
import numpy as np
import pytest

from isingbridge.backends import get
from isingbridge.trainers import PCD, BoltzmannRBM, ExactGradient
from isingbridge.trainers.estimators.conditional import reconstruct
from isingbridge.trainers.models import RBM


def bimodal_rbm(n_visible: int, n_hidden: int, seed: int, scale: float = 0.8) -> RBM:
    """An RBM whose strong weights give well-separated modes (where fixed-β chains stick), with small biases."""
    rng = np.random.default_rng(seed)
    model = RBM.random(n_visible, n_hidden, scale=scale, seed=seed)
    model.b[:] = rng.normal(0.0, 0.2, n_visible)
    model.c[:] = rng.normal(0.0, 0.2, n_hidden)
    return model


def data(n_visible: int, rows: int, seed: int) -> np.ndarray:
    """±1 rows from two noisy prototypes (a two-mode data set)."""
    rng = np.random.default_rng(seed)
    prototypes = np.where(rng.random((2, n_visible)) < 0.5, -1.0, 1.0)
    flips = np.where(rng.random((rows, n_visible)) < 0.1, -1.0, 1.0)
    return prototypes[rng.integers(2, size=rows)] * flips


# -- trainers: tempering as the negative phase ---------------------------------

def test_pcd_gradient_on_tempering_matches_the_exact_gradient():
    """PCD's negative phase drawn by tempering (fresh equilibrium samples each step): its mean over 20 steps is
    the exact gradient within 4.5 standard errors (t with 19 degrees of freedom, 34 entries), on a bimodal RBM."""
    model, X = bimodal_rbm(6, 4, seed=0, scale=1.0), data(6, 40, seed=1)
    exact = ExactGradient().gradient(model, X, rng=np.random.default_rng(0)).values
    estimator = PCD(1, 64, backend="tempering", num_replicas=6)
    draws = [estimator.gradient(model, X, rng=np.random.default_rng(step)).values for step in range(20)]
    z = []
    for name in ("W", "b", "c"):
        values = np.array([d[name] for d in draws])
        stderr = values.std(axis=0, ddof=1) / np.sqrt(len(values))
        z.append(((values.mean(axis=0) - exact[name]) / stderr).ravel())
    z = np.concatenate(z)
    assert z.size == 34 and np.abs(z).max() < 4.5 and abs(z.mean()) < 4 / np.sqrt(z.size), z


@pytest.mark.slow
def test_training_with_tempering_learns_as_well_as_exact_gradients():
    """BoltzmannRBM trained by PCD on tempering reaches the exact-gradient model's log-likelihood (exact, by
    enumeration) within the spread of the sampled runs."""
    X = data(8, 200, seed=2)
    spins_01 = (X + 1) / 2
    options = dict(learning_rate=0.05, batch_size=50, n_epochs=8)
    reference = BoltzmannRBM(4, estimator=ExactGradient(), random_state=0, **options).fit(spins_01)
    runs = [BoltzmannRBM(4, estimator=PCD(1, 64, backend="tempering", num_replicas=6), random_state=seed,
                         **options).fit(spins_01) for seed in range(3)]
    start = RBM.random(8, 4, scale=0.01, seed=0).log_likelihood(X)
    wanted = reference.model_.log_likelihood(X)
    learned = np.array([run.model_.log_likelihood(X) for run in runs])
    assert wanted > start + 1.0 and np.all(learned > start + 1.0)
    assert abs(learned.mean() - wanted) < max(4 * learned.std(ddof=1) / np.sqrt(len(learned)), 0.05), (learned, wanted)


# -- batched clamps: one call, B conditional problems --------------------------

def test_batched_visible_clamps_of_an_rbm_match_exact():
    """``moments(clamp=(labels, (B, k) values))``: half the visible units clamped to B data rows, the rest and
    the hidden units sampled by tempering; every row against exact enumeration of its conditional law."""
    model = bimodal_rbm(8, 6, seed=3)
    target = model.sampling_model()
    labels = np.arange(4)
    values = np.array([[1, 1, -1, -1], [-1, 1, 1, -1], [1, -1, -1, 1]], dtype=np.int8)
    tempering = get("tempering").moments(target, beta=model.beta, clamp=(labels, values), num_sweeps=1500, seed=0)
    exact = get("exact").moments(target, beta=model.beta, clamp=(labels, values))
    assert tempering.mean.shape == exact.mean.shape == (3, 14)
    assert np.array_equal(tempering.mean[:, :4], values)
    free = tempering.stderr > 0
    assert free.sum() == 3 * 10
    z = (tempering.mean - exact.mean)[free] / tempering.stderr[free]
    assert np.abs(z).max() < 5, np.abs(z).max()
    log_z_stderr = np.asarray(tempering.info["log_z_stderr"])  # one per row (info lists what rows differ in)
    assert log_z_stderr.shape == (3,) and len(set(tempering.log_z.tolist())) == 3
    assert np.all(np.abs(tempering.log_z - exact.log_z) < np.maximum(5 * log_z_stderr, 0.02))


def test_reconstruction_through_tempering_keeps_known_pixels_and_follows_the_conditional_law():
    """``reconstruct(backend="tempering")``: known pixels kept; the filled-in pixels' mean over 96 rows sharing one
    mask is the exact conditional mean within 4 standard errors."""
    model = bimodal_rbm(6, 4, seed=5)
    known = np.array([True, True, False, False, False, False])
    V = np.tile([1.0, -1.0, 1.0, 1.0, 1.0, 1.0], (96, 1))
    out = reconstruct(model, V, known, 200, rng=np.random.default_rng(0), backend="tempering", num_replicas=4)
    assert np.array_equal(out[:, :2], V[:, :2]) and np.all(np.abs(out) == 1)
    exact = get("exact").moments(model.sampling_model(), beta=model.beta, clamp={0: 1, 1: -1})
    stderr = out[:, 2:].std(axis=0, ddof=1) / np.sqrt(len(out))
    assert np.abs((out[:, 2:].mean(axis=0) - exact.mean[2:6]) / stderr).max() < 4


# -- the circuit compiler on cold circuits ------------------------------------

def test_cold_circuit_correctness_on_tempering_matches_exact_where_gibbs_freezes():
    """The demo's full adder tuned up to β = 10: tempering reads the exact c = 1.0; fixed-β Gibbs chains freeze."""
    from isingbridge.circuits import correctness, tune
    from isingbridge.demo import COLD_BETAS, full_adder, train_tanh

    X, Y = full_adder()
    circuit = tune(train_tanh(X, Y), X, Y, betas=COLD_BETAS).circuit
    assert circuit.beta >= 5
    exact = correctness(circuit, X, Y, backend="exact")
    with warnings.catch_warnings():
        # output spins that never change at β = 10 (deterministic ones, or frozen Gibbs chains) warn, as they should
        warnings.simplefilter("ignore")
        tempering = correctness(circuit, X, Y, backend="tempering", num_reads=8, num_sweeps=1000, seed=0)
        gibbs = correctness(circuit, X, Y, backend="gibbs", num_reads=64, num_sweeps=2000, seed=0)
    assert exact.worst > 0.99
    np.testing.assert_allclose(tempering.values, exact.values, atol=0.02)
    assert gibbs.worst < 0.7


# -- log Z --------------------------------------------------------------------

def test_log_z_of_a_small_rbm_matches_exact_enumeration():
    """18 spins (12 visible x 6 hidden): bridge sampling across the ladder against the exact log Z."""
    model = bimodal_rbm(12, 6, seed=6)
    m = get("tempering").moments(model.sampling_model(), beta=model.beta, num_sweeps=3000, seed=0)
    exact = get("exact").moments(model.sampling_model(), beta=model.beta)
    assert exact.log_z == pytest.approx(model.log_partition(), abs=1e-4)
    stderr = m.info["log_z_stderr"]
    assert 0 < stderr < 0.1
    assert abs(m.log_z - exact.log_z) < 4 * stderr, (m.log_z, exact.log_z, stderr)


@pytest.mark.slow
def test_log_z_of_a_larger_rbm_agrees_with_ais():
    """40 visible x 20 hidden (beyond enumeration of the joint law): tempering's bridge-sampling log Z and
    ``RBM.ais_log_partition`` agree within 4 combined standard errors."""
    model = bimodal_rbm(40, 20, seed=7, scale=0.25)
    m = get("tempering").moments(model.sampling_model(), beta=model.beta, num_sweeps=4000, num_reads=16, seed=0)
    ais, ais_stderr = model.ais_log_partition(n_chains=400, n_steps=4000, seed=0)
    combined = np.hypot(m.info["log_z_stderr"], ais_stderr)
    assert combined < 0.5
    assert abs(m.log_z - ais) < 4 * combined, (m.log_z, m.info["log_z_stderr"], ais, ais_stderr)


# -- metastability: what generation from a start state misses -------------------

def test_tempering_finds_the_likelier_mode_that_gibbs_started_in_the_other_misses():
    """A 16-spin mean-field ferromagnet with a small field: Gibbs chains started in the unlikely mode stay there
    (as MNIST generation from a blank image stays in its start basin); tempering's samples give the exact
    magnetisation within 4 standard errors."""
    n = 16
    bqm = dimod.BQM({i: -0.1 for i in range(n)}, {(i, j): -3.0 / n for i, j in itertools.combinations(range(n), 2)},
                    0.0, "SPIN")
    exact = float(get("exact").moments(bqm, beta=1.0).mean.mean())
    start = -np.ones((64, n), dtype=np.int8)
    gibbs = get("gibbs").sample_states(bqm, beta=1.0, num_reads=64, num_sweeps=500, initial_states=start, seed=0)
    tempering = get("tempering").sample_states(bqm, beta=1.0, num_reads=64, num_sweeps=500, seed=0)
    per_ladder = tempering.states.mean(axis=1)
    stderr = per_ladder.std(ddof=1) / np.sqrt(len(per_ladder))
    assert exact > 0.9 and gibbs.states.mean() < -0.9
    assert abs(per_ladder.mean() - exact) < 4 * stderr, (per_ladder.mean(), exact, stderr)
