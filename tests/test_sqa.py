"""The sqa backend: path-integral moments against exact diagonalisation, annealing against exact ground states."""
from __future__ import annotations

import itertools
import warnings

import dimod
import numpy as np
import pytest
import scipy.linalg

from isingbridge import TransverseIsing, get
from isingbridge.backends.convergence import ConvergenceWarning
from isingbridge.backends.sqa import TrotterModel, trotter_bias_bound
from isingbridge.ir import compile_bqm

from conftest import random_bqm

TRIANGLE = dimod.BQM({0: 0.3, 1: -0.2, 2: 0.1}, {(0, 1): -1.0, (1, 2): 0.7, (0, 2): 0.4}, 0.5, "SPIN")


def _operators(model: TransverseIsing):
    """Dense diagonal part A, transverse part B, and X_i, on basis states ordered as product([1, -1]) over qubits."""
    n = model.num_qubits
    spins = np.array(list(itertools.product([1, -1], repeat=n)), dtype=float)
    a = np.diag(model.bqm.energies((spins, model.variables)))
    index = {tuple(s): k for k, s in enumerate(spins.tolist())}
    xs = []
    for i in range(n):
        flipped = spins.copy()
        flipped[:, i] *= -1
        x = np.zeros((spins.shape[0],) * 2)
        x[np.arange(spins.shape[0]), [index[tuple(s)] for s in flipped.tolist()]] = 1.0
        xs.append(x)
    g, _ = model.x_arrays()
    return spins, a, sum(gi * x for gi, x in zip(g, xs)), xs


def trotterised(model: TransverseIsing, beta: float, slices: int):
    """Exact M-slice values of what the sampler estimates: ⟨Z_i⟩, ⟨Z_iZ_j⟩ and the slice-bond ⟨X_i⟩.

    Z = Tr (e^{−ΔA} e^{−ΔB})^M; the X estimator is X_i inserted at one slice boundary.
    """
    spins, a, b, xs = _operators(model)
    delta = beta / slices
    ea, eb = scipy.linalg.expm(-delta * a), scipy.linalg.expm(-delta * b)
    rest = np.linalg.matrix_power(ea @ eb, slices - 1)
    z = np.trace(ea @ eb @ rest)
    p = np.diag(ea @ eb @ rest) / z  # diagonal of the Trotterised density matrix: the law of one slice
    x = np.array([np.trace(ea @ x_i @ eb @ rest) / z for x_i in xs])
    return p @ spins, np.einsum("s,si,sj->ij", p, spins, spins), x


def _check_moments(m, model, beta, sigmas=5.0):
    exact = get("statevector").moments(model, beta=beta)
    bound = m.info["trotter_bias_bound"]
    assert np.all(np.abs(m.mean - exact.mean) <= sigmas * m.stderr + bound)
    upper = np.triu_indices(model.num_qubits, 1)
    assert np.all(np.abs(m.corr - exact.corr)[upper] <= sigmas * m.corr_stderr[upper] + bound)
    return exact


@pytest.mark.parametrize("x", [{0: -0.8, 1: -1.0, 2: -0.6}, {0: 0.8, 1: -1.0, 2: 0.6}, {0: 0.8, 2: 0.6}],
                         ids=["negative", "mixed-signs", "one-classical-qubit"])
def test_moments_match_statevector(x):
    model = TransverseIsing(TRIANGLE, x=x)
    m = get("sqa").moments(model, beta=1.0, trotter_slices=16, num_sweeps=1500, num_reads=64, seed=3)
    exact = _check_moments(m, model, 1.0)
    assert np.all(m.stderr < 0.02) and np.all(m.rhat < 1.05)  # the check above is not vacuous
    x_stderr = m.info["x_stderr"]
    assert np.all(np.abs(m.x_mean - exact.x_mean) <= 5 * x_stderr + 0.01)  # X bias at M = 16: ~1e-3 here
    assert m.x_mean[1] == 0.0 if 1 not in x else np.sign(m.x_mean[1]) == -np.sign(x[1])
    assert abs(m.energy - exact.energy) <= 5 * m.info["energy_stderr"] + 0.05
    assert m.x_corr is None and type(m) is type(exact)


@pytest.mark.parametrize("model", [
    TransverseIsing(dimod.BQM({0: 0.4}, {}, 0.0, "SPIN"), x={0: -0.7}),
    TransverseIsing(dimod.BQM({0: 0.4, 1: -0.3}, {(0, 1): 0.9}, 0.0, "SPIN"), x={0: 0.7, 1: -1.2}),
], ids=["one-qubit", "two-qubits"])
def test_slice_bond_estimator_is_exact_at_finite_slices(model):
    """At M = 4 the sampler's estimators have no bias against the Trotterised trace: only sampling error."""
    z, zz, x = trotterised(model, 1.5, 4)
    m = get("sqa").moments(model, beta=1.5, trotter_slices=4, num_sweeps=3000, num_reads=64, seed=7)
    assert np.all(np.abs(m.mean - z) <= 5 * m.stderr)
    assert np.all(np.abs(m.x_mean - x) <= 5 * m.info["x_stderr"])
    if model.num_qubits == 2:
        assert abs(m.corr[0, 1] - zz[0, 1]) <= 5 * m.corr_stderr[0, 1]


@pytest.mark.parametrize("model", [
    TransverseIsing(dimod.BQM({0: 0.4}, {}, 0.0, "SPIN"), x={0: -0.7}),
    TransverseIsing(dimod.BQM({0: 0.4, 1: -0.3}, {(0, 1): 0.9}, 0.0, "SPIN"), x={0: 0.7, 1: -1.2}),
    TransverseIsing(TRIANGLE, x={0: 0.8, 1: -1.0, 2: 0.6}),
], ids=["one-qubit", "two-qubits", "three-qubits"])
def test_trotter_error_falls_as_inverse_square_and_within_bound(model):
    """The discretisation itself, without sampling: Z errors within the documented bound, shrinking ~4x per doubling."""
    exact = get("statevector").moments(model, beta=1.5)
    errors = []
    for slices in (4, 8, 16, 32):
        z, zz, x = trotterised(model, 1.5, slices)
        bound = trotter_bias_bound(model, beta=1.5, trotter_slices=slices)
        error = max(np.abs(z - exact.mean).max(), np.abs(zz - exact.corr).max())
        assert error <= bound
        errors.append(max(error, np.abs(x - exact.x_mean).max()))
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all((ratios > 3.0) & (ratios < 5.0)), ratios


def test_one_qubit_x_against_closed_form():
    """⟨X⟩ of −ΓX + hZ is Γ/ω · tanh(βω), ω = √(h² + Γ²)."""
    h, gamma, beta = 0.3, 0.9, 2.0
    model = TransverseIsing(dimod.BQM({0: h}, {}, 0.0, "SPIN"), x={0: -gamma})
    omega = np.hypot(h, gamma)
    m = get("sqa").moments(model, beta=beta, trotter_slices=32, num_sweeps=2000, num_reads=64, seed=2)
    assert abs(m.x_mean[0] - gamma / omega * np.tanh(beta * omega)) <= 5 * m.info["x_stderr"][0] + 0.005
    assert abs(m.mean[0] + h / omega * np.tanh(beta * omega)) <= 5 * m.stderr[0] + m.info["trotter_bias_bound"]


@pytest.mark.filterwarnings("ignore::isingbridge.backends.convergence.ConvergenceWarning")  # short chains
def test_determinism_with_a_seed():
    model = TransverseIsing(TRIANGLE, x={0: -1.0, 1: -1.0, 2: -1.0})
    sqa = get("sqa")
    kwargs = dict(temperature=0.5, trotter_slices=4, num_sweeps=200, num_reads=16)
    a, b = sqa.moments(model, seed=5, **kwargs), sqa.moments(model, seed=5, **kwargs)
    assert np.array_equal(a.mean, b.mean) and np.array_equal(a.x_mean, b.x_mean)
    assert not np.array_equal(a.mean, sqa.moments(model, seed=6, **kwargs).mean)
    first, second = (sqa.sample(TRIANGLE, num_reads=8, num_sweeps=50, trotter_slices=4, seed=9) for _ in range(2))
    assert np.array_equal(first.record.sample, second.record.sample)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_anneal_finds_exact_ground_states(seed):
    bqm = random_bqm(10, seed=seed, field=0.3)
    ground = dimod.ExactSolver().sample(bqm).first.energy
    ss = get("sqa").sample(bqm, num_reads=16, num_sweeps=500, trotter_slices=8, seed=seed)
    assert ss.first.energy == pytest.approx(ground, abs=1e-9)
    assert ss.info["mode"] == "anneal" and len(ss) == 16 and ss.info["engine_rebuilds"] == 0


def test_anneal_of_a_transverse_model_with_a_schedule_and_every_slice():
    bqm = random_bqm(8, seed=4)
    model = TransverseIsing(bqm, x={v: -1.0 for v in bqm.variables})
    ground = dimod.ExactSolver().sample(bqm).first.energy
    schedule = np.geomspace(2.0, 0.01, 400)
    ss = get("sqa").sample(model, gamma_schedule=schedule, beta=8.0, trotter_slices=8, num_reads=4, slices="all",
                           seed=1)
    assert len(ss) == 32 and sorted(set(ss.record.slice.tolist())) == list(range(8))
    assert ss.first.energy == pytest.approx(ground, abs=1e-9)
    rebuilt = get("sqa").sample(model, gamma_schedule=schedule, beta=8.0, trotter_slices=8, num_reads=4, seed=1,
                                retune="rebuild", worldline_moves=True)
    assert rebuilt.info["engine_rebuilds"] > 0 and rebuilt.first.energy == pytest.approx(ground, abs=1e-9)


def test_thermal_samples_measure_the_z_basis():
    model = TransverseIsing(TRIANGLE, x={0: -1.0, 1: -1.0, 2: -1.0})
    ss = get("sqa").sample(model, beta=1.0, trotter_slices=16, num_sweeps=300, num_reads=512, seed=0)
    exact = get("statevector").moments(model, beta=1.0)
    states = ss.record.sample.astype(float)
    assert ss.info["mode"] == "thermal"
    assert np.all(np.abs(states.mean(axis=0) - exact.mean) < 5 / np.sqrt(512) + 0.01)


def test_clamps_single_and_batched():
    model = TransverseIsing(TRIANGLE, x={0: -1.0, 1: -0.8})
    sqa, sv = get("sqa"), get("statevector")
    m = sqa.moments(model, beta=1.0, clamp={2: -1}, trotter_slices=16, num_sweeps=1500, seed=1)
    exact = sv.moments(model, beta=1.0, clamp={2: -1})
    assert m.mean[2] == -1 and m.stderr[2] == 0
    assert np.all(np.abs(m.mean - exact.mean) <= 5 * m.stderr + m.info["trotter_bias_bound"])
    rows = sqa.moments(model, beta=1.0, clamp=([2], np.array([[1], [-1]])), trotter_slices=4, num_sweeps=200,
                       num_reads=16, seed=1)
    assert rows.mean.shape == (2, 3) and rows.mean[:, 2].tolist() == [1.0, -1.0]
    with pytest.raises(ValueError, match="cannot clamp qubit.*X fields"):
        sqa.moments(model, beta=1.0, clamp={0: 1})


def test_trotter_model_layout_and_couplings():
    """Slice couplings β/M·J, fields β/M·h, bonds −K; a qubit without field is one spin with β·J, β·h."""
    qubits = compile_bqm(dimod.BQM({0: 0.5, 1: -0.2}, {(0, 1): 1.5}, 0.0, "SPIN"))
    trotter = TrotterModel.build(qubits, np.array([0.6, 0.0]), beta=2.0, slices=4)
    J, h = trotter.model.J.toarray(), trotter.model.h
    shared = trotter.site[1, 0]
    assert np.allclose(h[trotter.site[0]], 0.25) and h[shared] == pytest.approx(-0.4)
    assert np.allclose(J[trotter.site[0], shared], 0.75)
    k = -0.5 * np.log(np.tanh(2.0 * 0.6 / 4))
    assert np.allclose(J[trotter.site[0], np.roll(trotter.site[0], -1)], -k)
    assert np.allclose(trotter.bond_values(np.array([0.6, 0.0])), -k)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(trotter_slices=1), ValueError, "trotter_slices must be >= 2"),
    (dict(trotter_slices=2.5), TypeError, "trotter_slices must be an integer"),
    (dict(temperature=-1.0), ValueError, "temperature must be > 0"),
    (dict(temperature=0.0), ValueError, "temperature must be > 0"),
    (dict(beta=-2.0), ValueError, "beta must be positive"),
    (dict(beta=1.0, temperature=1.0), ValueError, "give beta or temperature, not both"),
    (dict(num_sweeps=10, burn_in=10), ValueError, "burn_in"),
    (dict(gamma_range=(2.0, 0.1)), ValueError, "belong to sample"),
    (dict(conditionals=[0]), TypeError, "does not take.*conditionals"),
])
def test_bad_moments_requests(kwargs, error, message):
    model = TransverseIsing(TRIANGLE, x={0: -1.0})
    with pytest.raises(error, match=message):
        get("sqa").moments(model, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    (dict(gamma_range=(0.1, 2.0)), "from large to small"),
    (dict(gamma_range=(2.0, 0.0)), "gamma_range\\[1\\] must be > 0"),
    (dict(gamma_range=3.0), "gamma_range must be a pair"),
    (dict(gamma_schedule=[2.0, 1.0, 1.5]), "non-increasing.*rises from 1 to 1.5 at sweep 2"),
    (dict(gamma_schedule=[1.0, 0.0]), "gamma_schedule must be positive"),
    (dict(gamma_schedule=[]), "gamma_schedule is empty"),
    (dict(gamma_schedule=[1.0, 0.5], num_sweeps=2), "fixes num_sweeps"),
    (dict(gamma_schedule=[1.0], gamma_range=(1.0, 0.5)), "not both"),
    (dict(mode="thermal"), "no transverse field.*gibbs.*tempering"),
    (dict(slices="first"), "slices must be one of"),
    (dict(retune="never"), "retune must be one of"),
])
def test_bad_anneal_requests(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        get("sqa").sample(TRIANGLE, num_reads=2, **kwargs)


def test_refused_models():
    sqa = get("sqa")
    with pytest.raises(ValueError, match="no transverse field.*get\\('gibbs'\\) or get\\('tempering'\\)"):
        sqa.moments(TRIANGLE)
    xx = TransverseIsing(TRIANGLE, x={0: -1.0}, xx={(0, 1): 0.5, (1, 2): -0.2})
    with pytest.raises(ValueError, match=r"XX terms \{\(0, 1\): 0.5, \(1, 2\): -0.2\}.*positive one\(s\) \(0, 1\) "
                                         r"also make H non-stoquastic"):
        sqa.moments(xx)
    with pytest.raises(ValueError, match="XX terms"):
        sqa.sample(xx)
    with pytest.raises(TypeError, match="takes a TransverseIsing or a BQM"):
        sqa.moments({"h": 1})
    with pytest.raises(ValueError, match="no conditional means"):
        sqa.sample_states(TRIANGLE, conditionals=[0])
    with pytest.raises(ValueError, match="schedule needs mode='anneal'"):
        sqa.sample(TransverseIsing(TRIANGLE, x={0: -1.0}), mode="thermal", gamma_range=(1.0, 0.1))


def test_unconverged_chains_warn():
    """Strong slice bonds with single-spin updates only: the chains cannot move, and say so."""
    model = TransverseIsing(dimod.BQM({}, {(0, 1): -1.0}, 0.0, "SPIN"), x={0: -0.01, 1: -0.01})
    with pytest.warns(ConvergenceWarning, match="R-hat above"):
        get("sqa").moments(model, beta=20.0, trotter_slices=64, num_sweeps=100, num_reads=16, seed=0,
                           worldline_moves=False)


@pytest.mark.slow
def test_twelve_qubit_moments_within_stderr_and_bound():
    bqm = random_bqm(12, seed=21, density=0.4)
    model = TransverseIsing(bqm, x={v: (-1.0) ** v * 0.9 for v in bqm.variables})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        m = get("sqa").moments(model, beta=1.0, trotter_slices=32, num_sweeps=4000, num_reads=64, seed=0)
    _check_moments(m, model, 1.0)


@pytest.mark.slow
def test_sampled_trotter_bias_follows_the_discretisation():
    """Sampled ⟨Z_iZ_j⟩ at M = 4, 8, 16 sit on the exact M-slice values (whose bias falls as 1/M², tested above)."""
    model = TransverseIsing(TRIANGLE, x={0: -1.2, 1: -1.2, 2: -1.2})
    exact = get("statevector").moments(model, beta=2.0).corr
    upper = np.triu_indices(3, 1)
    for slices in (4, 8, 16):
        _, zz, _ = trotterised(model, 2.0, slices)
        m = get("sqa").moments(model, beta=2.0, trotter_slices=slices, num_sweeps=8000, num_reads=64, seed=1)
        assert np.all(np.abs(m.corr - zz)[upper] <= 5 * m.corr_stderr[upper])
        assert np.all(np.abs(m.corr - exact)[upper] <= 5 * m.corr_stderr[upper] + m.info["trotter_bias_bound"])
