"""qiskit both ways: TransverseIsing ↔ SparsePauliOp, and Pauli strings in ``expectation``.

References are qiskit's own ``SparsePauliOp.to_matrix()`` and dense ``numpy.linalg.eigh``.
"""
from __future__ import annotations

import dimod
import numpy as np
import pytest
from qiskit.quantum_info import Pauli, SparsePauliOp

from isingbridge import TransverseIsing, get


def random_model(seed: int, num_qubits: int) -> TransverseIsing:
    """A random model with string labels in a shuffled order, so qubit order ≠ sorted label order."""
    rng = np.random.default_rng(seed)
    labels = [f"q{k}" for k in rng.permutation(num_qubits)]
    bqm = dimod.BQM({v: rng.normal() for v in labels}, {}, rng.normal(), "SPIN")
    pairs = [(u, v) for i, u in enumerate(labels) for v in labels[i + 1:]]
    for u, v in pairs:
        if rng.random() < 0.6:
            bqm.add_quadratic(v, u, rng.normal())  # either orientation
    x = {v: rng.normal() for v in labels if rng.random() < 0.7}
    xx = {(v, u): rng.normal() for u, v in pairs if rng.random() < 0.4}
    return TransverseIsing(bqm, x, xx)


def spectrum(op: SparsePauliOp) -> np.ndarray:
    matrix = op.to_matrix()
    assert np.allclose(matrix, matrix.conj().T)
    return np.linalg.eigvalsh(matrix)


@pytest.mark.parametrize("seed", range(6))
def test_round_trip_preserves_model_labels_and_spectrum(seed):
    model = random_model(seed, num_qubits=2 + seed % 4)
    op = model.to_sparse_pauli_op()
    assert op.qubit_labels == model.variables
    back = TransverseIsing.from_sparse_pauli_op(op)
    assert back == model
    assert back.variables == model.variables
    np.testing.assert_allclose(spectrum(back.to_sparse_pauli_op()), spectrum(op), atol=1e-12)


@pytest.mark.filterwarnings("ignore::isingbridge.backends.statevector.DegenerateGroundStateWarning")
@pytest.mark.parametrize("seed", range(3))
def test_a_users_operator_in_and_out_keeps_its_matrix(seed):
    """Random Z/ZZ/X/XX/I terms (repeats included) → model → operator: the same matrix, qubit by qubit."""
    rng = np.random.default_rng(100 + seed)
    n = 4
    terms = []
    for _ in range(12):
        kind = rng.choice(["", "Z", "X", "ZZ", "XX"])
        qubits = sorted(rng.choice(n, size=len(kind), replace=False).tolist())
        terms.append((str(kind), qubits, float(rng.normal())))
    op = SparsePauliOp.from_sparse_list(terms, num_qubits=n)
    model = TransverseIsing.from_sparse_pauli_op(op, labels=["a", "b", "c", "d"])
    assert model.variables == ["a", "b", "c", "d"]
    np.testing.assert_allclose(model.to_sparse_pauli_op().to_matrix(), op.to_matrix(), atol=1e-12)
    # ground energy against the statevector backend
    assert get("statevector").moments(model).energy == pytest.approx(spectrum(op)[0], abs=1e-9)


def test_qubit_order_is_little_endian_and_default_labels_are_positions():
    op = SparsePauliOp(["IZ", "XI"], coeffs=[0.5, -0.25])  # Z on qubit 0, X on qubit 1
    model = TransverseIsing.from_sparse_pauli_op(op)
    assert model.variables == [0, 1]
    assert model.bqm.linear[0] == 0.5 and model.x == {1: -0.25}
    labelled = TransverseIsing.from_sparse_pauli_op(op, labels=["a", "b"])
    assert labelled.bqm.linear["a"] == 0.5 and labelled.x == {"b": -0.25}


def test_explicit_labels_override_carried_ones_and_paulis_are_accepted():
    model = TransverseIsing(dimod.BQM({"a": 1.0, "b": 0.0}, {}, 0.0, "SPIN"), x={"b": 0.5})
    renamed = TransverseIsing.from_sparse_pauli_op(model.to_sparse_pauli_op(), labels=["u", "v"])
    assert renamed.variables == ["u", "v"] and renamed.x == {"v": 0.5}
    single = TransverseIsing.from_sparse_pauli_op(Pauli("ZI"))
    assert single.bqm.linear[1] == 1.0 and single.bqm.linear[0] == 0.0


def test_identity_is_the_offset_and_cancelling_terms_vanish():
    op = SparsePauliOp(["II", "II", "YI", "YI", "ZZ"], coeffs=[1.5, 0.5, 0.3, -0.3, 2.0])
    model = TransverseIsing.from_sparse_pauli_op(op)
    assert model.bqm.offset == 2.0 and model.bqm.quadratic[0, 1] == 2.0 and not model.has_transverse


def test_an_empty_model_survives_the_round_trip():
    model = TransverseIsing(dimod.BQM({}, {}, 1.25, "SPIN"))
    back = TransverseIsing.from_sparse_pauli_op(model.to_sparse_pauli_op())
    assert back == model and back.num_qubits == 0


def test_rounding_noise_in_imaginary_parts_is_dropped():
    model = TransverseIsing.from_sparse_pauli_op(SparsePauliOp(["ZI"], coeffs=[1.0 + 1e-17j]))
    assert model.bqm.linear[1] == 1.0


@pytest.mark.parametrize("op, message", [
    (SparsePauliOp(["YI"], coeffs=[1.0]), r"'YI' \(Y on 1\) is a Y term"),
    (SparsePauliOp(["ZX"], coeffs=[1.0]), r"'ZX' \(X on 0, Z on 1\) is a mixed Z/X term"),
    (SparsePauliOp(["ZZZ"], coeffs=[1.0]), r"'ZZZ' .* is a 3-body term"),
    (SparsePauliOp(["ZI"], coeffs=[0.5j]), r"'ZI' has the complex coefficient"),
    (SparsePauliOp(["ZI"], coeffs=[np.nan]), r"'ZI' must be a finite number"),
])
def test_terms_outside_the_model_are_refused_by_name(op, message):
    with pytest.raises(ValueError, match=message):
        TransverseIsing.from_sparse_pauli_op(op)


@pytest.mark.parametrize("op, labels, error, message", [
    ("ZZ", None, TypeError, "SparsePauliOp"),
    (SparsePauliOp("ZZ"), ["a"], ValueError, "1 entries but the operator acts on 2 qubits"),
    (SparsePauliOp("ZZ"), ["a", "a"], ValueError, "distinct"),
    (SparsePauliOp("ZZ"), "ab", TypeError, "one label per qubit"),
])
def test_bad_operators_and_labels_are_refused(op, labels, error, message):
    with pytest.raises(error, match=message):
        TransverseIsing.from_sparse_pauli_op(op, labels=labels)


def test_models_compare_by_qubit_order_and_coefficients():
    bqm = dimod.BQM({"a": 0.5, "b": 0.0}, {("a", "b"): -1.0}, 0.0, "SPIN")
    model = TransverseIsing(bqm, xx={("a", "b"): 0.2})
    assert model == TransverseIsing(bqm, xx={("b", "a"): 0.2})
    assert model != TransverseIsing(bqm, xx={("a", "b"): 0.3})
    swapped = dimod.BQM("SPIN")
    swapped.add_variable("b", 0.0)
    swapped.add_variable("a", 0.5)
    swapped.add_quadratic("a", "b", -1.0)
    assert swapped == bqm and model != TransverseIsing(swapped, xx={("a", "b"): 0.2})  # same BQM, other qubit order
    assert model != "model"


# -- expectation with Pauli strings ------------------------------------------------------
def test_expectation_reads_pauli_strings_in_qiskit_order():
    model = random_model(7, num_qubits=3)
    sv = get("statevector")
    _, vectors = np.linalg.eigh(model.to_sparse_pauli_op().to_matrix())
    ground = vectors[:, 0]
    for text in ("ZII", "IXZ", "YYI", "XXX"):
        expected = float(np.real(ground.conj() @ SparsePauliOp(text).to_matrix() @ ground))
        assert sv.expectation(model, text) == pytest.approx(expected, abs=1e-9)
        assert sv.expectation(model, Pauli(text)) == pytest.approx(expected, abs=1e-9)
    # "IIZ" is Z on qubit 0, the model's first label
    assert sv.expectation(model, "IIZ") == pytest.approx(
        sv.expectation(model, [("Z", [model.variables[0]], 1.0)]), abs=1e-12)
    assert sv.expectation(model, model.to_sparse_pauli_op()) == pytest.approx(sv.moments(model).energy, abs=1e-9)


@pytest.mark.parametrize("operator, error, message", [
    ("ZZ", ValueError, "2 letter.* 3 free qubit"),
    ("ZQZ", ValueError, "letters I, X, Y, Z"),
    ("", ValueError, "letters I, X, Y, Z"),
    (Pauli("iZZZ"), ValueError, "Hermitian"),
])
def test_expectation_refuses_bad_pauli_strings(operator, error, message):
    with pytest.raises(error, match=message):
        get("statevector").expectation(random_model(7, num_qubits=3), operator)


def test_expectation_refuses_an_operator_exported_from_other_labels():
    model = random_model(7, num_qubits=3)
    other = TransverseIsing.from_sparse_pauli_op(model.to_sparse_pauli_op(), labels=["x", "y", "z"])
    with pytest.raises(ValueError, match="labelled"):
        get("statevector").expectation(model, other.to_sparse_pauli_op())
