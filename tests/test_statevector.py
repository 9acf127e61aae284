"""The statevector backend against dense numpy/scipy references."""
import itertools
import warnings

import dimod
import numpy as np
import pytest
import scipy.linalg
from qiskit.quantum_info import SparsePauliOp

from conftest import random_bqm
from isingbridge import TransverseIsing, get
from isingbridge.backends.statevector import (
    DegenerateGroundStateWarning, HamiltonianOperator, QuantumMemoryError, SectorCrossingWarning,
    basis_energies, fwht,
)


def random_model(n, seed, x=True, xx=True, labels=None):
    rng = np.random.default_rng(seed)
    bqm = random_bqm(n, seed, labels=labels)
    labels = list(bqm.variables)
    fields = {v: rng.normal(0, 0.7) for v in labels} if x else None
    pairs = itertools.combinations(range(n), 2)
    couplings = {(labels[i], labels[j]): rng.normal(0, 0.5) for i, j in pairs if rng.random() < 0.6} if xx else None
    return TransverseIsing(bqm, fields, couplings)


def pauli(model, kind, labels):
    return SparsePauliOp.from_sparse_list([(kind, [model.qubit(v) for v in labels], 1.0)], model.num_qubits).to_matrix()


def dense_reference(model, vector_or_rho):
    """All one- and two-body Z and X correlators by explicit matrices."""
    n = model.num_qubits
    is_rho = vector_or_rho.ndim == 2

    def ev(op):
        return float(np.real(np.trace(vector_or_rho @ op) if is_rho else vector_or_rho.conj() @ op @ vector_or_rho))

    labels = model.variables
    z = np.array([ev(pauli(model, "Z", [v])) for v in labels])
    x = np.array([ev(pauli(model, "X", [v])) for v in labels])
    zz, xxc = np.eye(n), np.eye(n)
    for i, j in itertools.combinations(range(n), 2):
        zz[i, j] = zz[j, i] = ev(pauli(model, "ZZ", [labels[i], labels[j]]))
        xxc[i, j] = xxc[j, i] = ev(pauli(model, "XX", [labels[i], labels[j]]))
    return z, zz, x, xxc


@pytest.mark.parametrize("n, seed, x, dense_qubits", [(4, 0, True, 10), (6, 1, False, 10), (8, 2, True, 10),
                                                      (10, 3, False, 10), (9, 4, True, 0), (11, 5, False, 0)])
def test_ground_state_matches_numpy_eigh(n, seed, x, dense_qubits):
    model = random_model(n, seed, x=x)
    H = model.to_sparse_pauli_op().to_matrix()
    assert np.abs(H.imag).max() == 0
    values, vectors = np.linalg.eigh(H.real)
    assert values[1] - values[0] > 1e-6  # the random models here are non-degenerate
    m = get("statevector", dense_qubits=dense_qubits).moments(model)
    assert m.energy == pytest.approx(values[0], abs=1e-10)
    assert m.info["gap"] == pytest.approx(values[1] - values[0], abs=1e-9)
    if n <= 8:
        z, zz, xm, xxc = dense_reference(model, vectors[:, 0])
        np.testing.assert_allclose(m.mean, z, atol=1e-8)
        np.testing.assert_allclose(m.corr, zz, atol=1e-8)
        np.testing.assert_allclose(m.x_mean, xm, atol=1e-8)
        np.testing.assert_allclose(m.x_corr, xxc, atol=1e-8)
    else:  # compare through probabilities: cheaper than 2^n x 2^n Pauli matrices
        psi = vectors[:, 0]
        z = (psi**2) @ (1 - 2 * ((np.arange(2**n)[:, None] >> np.arange(n)) & 1))
        np.testing.assert_allclose(m.mean, z, atol=1e-8)


def test_excited_eigenstate_and_k_lowest():
    model = random_model(6, 6)
    values, vectors = np.linalg.eigh(model.to_sparse_pauli_op().to_matrix().real)
    sv = get("statevector")
    states = sv.eigenstates(model, k=3)
    np.testing.assert_allclose(states.energies, values[:3], atol=1e-10)
    m2 = sv.moments(model, state=2)
    assert m2.energy == pytest.approx(values[2], abs=1e-10)
    z, zz, _, _ = dense_reference(model, vectors[:, 2])
    np.testing.assert_allclose(m2.mean, z, atol=1e-8)
    np.testing.assert_allclose(m2.corr, zz, atol=1e-8)


@pytest.mark.parametrize("n, seed, x", [(4, 7, True), (6, 8, False), (7, 9, True)])
def test_thermal_state_matches_expm(n, seed, x):
    model = random_model(n, seed, x=x)
    H = model.to_sparse_pauli_op().to_matrix().real
    T = 0.8
    rho = scipy.linalg.expm(-H / T)
    Z = np.trace(rho)
    rho /= Z
    m = get("statevector").moments(model, temperature=T)
    assert m.log_z == pytest.approx(np.log(Z), abs=1e-9)
    assert m.energy == pytest.approx(np.trace(rho @ H), abs=1e-9)
    assert m.info["free_energy"] == pytest.approx(-T * np.log(Z), abs=1e-8)
    z, zz, xm, xxc = dense_reference(model, rho)
    np.testing.assert_allclose(m.mean, z, atol=1e-8)
    np.testing.assert_allclose(m.corr, zz, atol=1e-8)
    np.testing.assert_allclose(m.x_mean, xm, atol=1e-8)
    np.testing.assert_allclose(m.x_corr, xxc, atol=1e-8)


@pytest.mark.parametrize("beta", [0.3, 1.0, 2.5])
def test_classical_model_thermal_state_is_the_boltzmann_distribution(beta):
    bqm = random_bqm(8, 10, labels=[f"q{i}" for i in range(8)], offset=0.3)
    quantum = get("statevector").moments(bqm, beta=beta, clamp={"q3": -1})
    exact = get("exact").moments(bqm, beta=beta, clamp={"q3": -1})
    np.testing.assert_allclose(quantum.mean, exact.mean, atol=1e-10)
    np.testing.assert_allclose(quantum.corr, exact.corr, atol=1e-10)
    assert quantum.log_z == pytest.approx(exact.log_z, abs=1e-9)
    assert quantum.energy == pytest.approx(exact.energy, abs=1e-9)


def test_diagonal_is_the_dimod_energy_of_every_basis_state():
    bqm = random_bqm(5, 11, labels=["a", ("b", 1), 7, "d", 2.5], offset=-0.4)
    model = TransverseIsing(bqm)
    diagonal = np.real(np.diag(model.to_sparse_pauli_op().to_matrix()))
    ours = basis_energies(bqm)
    for index in range(32):
        sample = {v: 1 - 2 * ((index >> model.qubit(v)) & 1) for v in bqm.variables}  # bit 0 ↔ |0⟩ ↔ s = +1
        assert ours[index] == pytest.approx(bqm.energy(sample))
        assert diagonal[index] == pytest.approx(bqm.energy(sample))


def test_non_integer_labels_map_to_qubits_consistently():
    model = random_model(4, 12, labels=["in", ("h", 0), ("h", 1), "out"])
    assert [model.qubit(v) for v in model.variables] == [0, 1, 2, 3]
    m = get("statevector").moments(model)
    H = model.to_sparse_pauli_op().to_matrix().real
    psi = np.linalg.eigh(H)[1][:, 0]
    zout = float(psi @ pauli(model, "Z", ["out"]).real @ psi)
    assert m.mean_of("out") == pytest.approx(zout, abs=1e-10)
    op = [("XZ", [("h", 0), "out"], 1.0)]
    expected = float(psi @ SparsePauliOp.from_sparse_list([("XZ", [1, 3], 1.0)], 4).to_matrix().real @ psi)
    assert get("statevector").expectation(model, op) == pytest.approx(expected, abs=1e-10)


def test_matrix_free_operator_and_fwht():
    model = random_model(7, 13)
    op = HamiltonianOperator(model)
    H = model.to_sparse_pauli_op().to_matrix().real
    v = np.random.default_rng(0).normal(size=(128, 3))
    np.testing.assert_allclose(op.matmat(v), H @ v, atol=1e-12)
    np.testing.assert_allclose(op.matvec(v[:, 0]), H @ v[:, 0], atol=1e-12)
    np.testing.assert_allclose(op.dense(), H, atol=1e-12)
    for n in (1, 5, 12):
        w = np.random.default_rng(n).normal(size=2**n)
        np.testing.assert_allclose(fwht(w), scipy.linalg.hadamard(2**n) @ w, atol=1e-9)


def test_degenerate_ground_state_is_reported_and_mixed():
    ring = dimod.BQM({}, {(i, (i + 1) % 4): -1.0 for i in range(4)}, 0.0, "SPIN")  # |0000> and |1111>
    model = TransverseIsing(ring, xx={(0, 2): 0.0})
    with pytest.warns(DegenerateGroundStateWarning, match="2-fold degenerate"):
        m = get("statevector").moments(model)
    assert m.info["degeneracy"] == 2
    np.testing.assert_allclose(m.mean, 0.0, atol=1e-12)  # the equal mixture, not an arbitrary basis vector
    np.testing.assert_allclose(m.corr, 1.0, atol=1e-12)


def test_sector_crossing_is_detected():
    def model(field):
        return TransverseIsing(dimod.BQM({0: field, 1: 1.0}, {}, 0.0, "SPIN"), xx={(0, 1): -1.0})

    sv = get("statevector")
    before = sv.eigenstates(model(-2.0))
    with pytest.warns(SectorCrossingWarning, match="parity sector"):
        after = sv.eigenstates(model(2.0), previous=before)
    assert after.info["sector_crossing"] and np.sign(after.parity[0]) != np.sign(before.parity[0])
    same = sv.eigenstates(model(-1.5), previous=before)
    assert not same.info["sector_crossing"]


def test_warm_start_gives_the_same_state():
    model = random_model(12, 14, x=False)
    sv = get("statevector", dense_qubits=0)
    cold = sv.eigenstates(model)
    warm = sv.eigenstates(model.with_fields({model.variables[0]: 1e-3}), v0=cold.ground_state)
    assert warm.energies[0] == pytest.approx(cold.energies[0], abs=0.01)


def test_measurement_samples_follow_the_born_rule():
    model = random_model(4, 15)
    sv = get("statevector")
    m = sv.moments(model)
    ss = sv.sample(model, num_reads=20000, seed=1)
    spins = ss.record.sample[:, [ss.variables.index(v) for v in model.variables]]
    se = np.sqrt((1 - m.mean**2) / 20000)
    assert np.all(np.abs(spins.mean(0) - m.mean) < 5 * se + 1e-12)
    dimod.testing.assert_sampleset_energies(ss, model.bqm)


def test_clamping_removes_z_only_qubits():
    bqm = random_bqm(5, 16)
    model = TransverseIsing(bqm, x={0: 0.5, 1: 0.4})
    clamped = get("statevector").moments(model, clamp={3: 1, 4: -1})
    reduced = TransverseIsing(bqm.copy(), x={0: 0.5, 1: 0.4})
    reduced.bqm.fix_variables({3: 1, 4: -1})
    direct = get("statevector").moments(reduced)
    assert clamped.mean_of(3) == 1 and clamped.mean_of(4) == -1 and clamped.x_mean[3] == 0
    assert clamped.energy == pytest.approx(direct.energy, abs=1e-10)
    np.testing.assert_allclose(clamped.mean[:3], direct.mean, atol=1e-10)


def test_bad_input():
    sv = get("statevector")
    model = random_model(3, 17)
    with pytest.raises(ValueError, match="carry X or XX terms"):
        sv.moments(model, clamp={0: 1})
    with pytest.raises(ValueError, match="temperature must be >= 0, got -1"):
        sv.moments(model, temperature=-1.0)
    with pytest.raises(ValueError, match="thermal_state needs temperature > 0"):
        sv.thermal_state(model, 0.0)
    with pytest.raises(ValueError, match="beta or temperature, not both"):
        sv.moments(model, beta=1.0, temperature=1.0)
    with pytest.raises(ValueError, match="only 8"):
        sv.eigenstates(model, k=9)
    with pytest.raises(ValueError, match="unknown qubit label"):
        sv.expectation(model, [("Z", ["nope"], 1.0)])
    with pytest.raises(ValueError, match="acts on 5 qubits"):
        sv.expectation(model, SparsePauliOp("ZZZZZ"))
    with pytest.raises(TypeError, match="X coefficient of 0 must be a real number, got complex"):
        TransverseIsing(random_bqm(2, 0), x={0: 1j})
    with pytest.raises(TypeError, match="must be a real number"):  # no imaginary part is silently dropped
        TransverseIsing(random_bqm(2, 0), xx={(0, 1): np.complex128(1.0)})
    with pytest.raises(ValueError, match="finite"):
        TransverseIsing(random_bqm(2, 0), xx={(0, 1): float("nan")})
    with pytest.raises(ValueError, match="itself"):
        TransverseIsing(random_bqm(2, 0), xx={(0, 0): 1.0})
    with pytest.raises(TypeError, match="TransverseIsing or a dimod"):
        sv.moments({"a": 1})


def test_too_many_qubits_is_refused_before_allocating():
    big = TransverseIsing(dimod.BQM({i: 0.1 for i in range(40)}, {}, 0.0, "SPIN"), xx={(0, 1): 0.5})
    with pytest.raises(QuantumMemoryError, match="limit of 26"):
        get("statevector").moments(big)
    with pytest.raises(QuantumMemoryError, match="GiB"):
        get("statevector", max_qubits=40).moments(big)


def test_thermal_state_limit_names_the_real_limit_and_why():
    sv = get("statevector")
    model = TransverseIsing(dimod.BQM({i: 0.1 for i in range(17)}, {}, 0.0, "SPIN"), x={0: -0.5})
    with pytest.raises(QuantumMemoryError, match=r"limit of 16 qubits for thermal states.*dense eigendecomposition "
                                                 r"of the 2\^17 x 2\^17 Hamiltonian.*ground state \(temperature=0, up to 26"):
        sv.moments(model, temperature=1.0)
    assert "thermal states up to 16 qubits (dense eigendecomposition" in sv.limits()
    assert sv.properties["limits"] == sv.limits()
    small = get("statevector", max_qubits=10)  # a lower max_qubits bounds thermal states too, and says so
    assert "thermal states up to 10 qubits" in small.limits()
    with pytest.raises(QuantumMemoryError, match=r"limit of 10 \(max_qubits\)"):
        small.moments(random_model(12, 3, xx=False), temperature=1.0)


def _warning_sites(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [(w.category, w.filename) for w in caught]


def test_ground_state_warnings_point_at_the_callers_line():
    sv = get("statevector")
    ring = dimod.BQM({}, {(i, (i + 1) % 4): -1.0 for i in range(4)}, 0.0, "SPIN")  # |0000> and |1111>
    degenerate = TransverseIsing(ring, xx={(0, 2): 0.0})
    for call in (lambda: sv.eigenstates(degenerate), lambda: sv.moments(degenerate),
                 lambda: sv.sample(degenerate, num_reads=2, seed=0), lambda: sv.sample_ising({}, dict(ring.quadratic)),
                 lambda: sv.moments(degenerate, fields=([1], np.zeros((2, 1))))):  # a batch: two degenerate rows
        assert _warning_sites(call) and set(_warning_sites(call)) == {(DegenerateGroundStateWarning, __file__)}

    def model(field):
        return TransverseIsing(dimod.BQM({0: field, 1: 1.0}, {}, 0.0, "SPIN"), xx={(0, 1): -1.0})

    before = sv.eigenstates(model(-2.0))
    for call in (lambda: sv.eigenstates(model(2.0), previous=before), lambda: sv.moments(model(2.0), previous=before)):
        assert _warning_sites(call) == [(SectorCrossingWarning, __file__)]


def test_sample_info_beta_is_the_thermal_states_or_none():
    sv = get("statevector")
    model = random_model(3, 21)
    assert sv.sample(model, num_reads=2, seed=0).info["beta"] is None  # ground state: no temperature
    assert sv.sample(model, state=1, num_reads=2, seed=0).info["beta"] is None
    assert sv.sample_ising({0: 0.5}, {(0, 1): -1.0}, num_reads=2, seed=0).info["beta"] is None
    thermal = sv.sample(model, temperature=0.5, num_reads=2, seed=0).info
    assert thermal["beta"] == 2.0 and thermal["temperature"] == 0.5
    assert sv.sample(model, beta=3.0, num_reads=2, seed=0).info["beta"] == 3.0
    batched = sv.sample(model.bqm, beta=0.7, clamp=([0], np.array([[1], [-1]])), num_reads=2, seed=0)
    assert batched.info["beta"] == 0.7


@pytest.mark.slow
def test_twenty_qubits_dense_couplings():
    model = random_model(20, 18, x=False)
    m = get("statevector").moments(model)
    assert np.isfinite(m.energy) and m.corr.shape == (20, 20)


def test_estimator_cross_check_matches_vectorised_correlators():
    from isingbridge.backends.qiskit_paths import estimator_expectations

    model = random_model(4, 19)
    sv = get("statevector")
    state = sv.eigenstates(model).ground_state
    m = sv.moments(model)
    ops = [SparsePauliOp.from_sparse_list([("Z", [q], 1.0)], 4) for q in range(4)]
    ops += [SparsePauliOp.from_sparse_list([("XX", [0, 2], 1.0)], 4), model.to_sparse_pauli_op()]
    values = estimator_expectations(state, ops)
    np.testing.assert_allclose(values[:4], m.mean, atol=1e-8)
    assert values[4] == pytest.approx(m.x_corr[0, 2], abs=1e-8)
    assert values[5] == pytest.approx(m.energy, abs=1e-8)


def test_adiabatic_preparation_approaches_the_ground_state():
    from isingbridge.backends.qiskit_paths import adiabatic_ground_state

    model = random_model(3, 20, x=True)
    short = adiabatic_ground_state(model, total_time=1.0, steps=5)
    long = adiabatic_ground_state(model, total_time=20.0, steps=80)
    assert long.fidelity > 0.9 and long.fidelity > short.fidelity + 0.1
    assert long.energy >= long.exact_energy - 1e-9
    with pytest.raises(ValueError, match="total_time"):
        adiabatic_ground_state(model, total_time=0.0)
