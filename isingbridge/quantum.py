"""Transverse-field Ising Hamiltonians: the IR plus X and XX terms.

    H = Σ_i h_i Z_i + Σ_{i<j} J_ij Z_i Z_j + offset  +  Σ_i g_i X_i + Σ_{i<j} a_ij X_i X_j

The diagonal part is a SPIN BQM read with s = +1 ↔ |0⟩ ↔ Z = +1 (see the user
guide, "The IR and its conventions"), so
for a BQM with no transverse terms the diagonal of H is the BQM's energy of
every basis state.  Qubit ``q`` carries label ``variables[q]``; qiskit is
little-endian, so qubit 0 is the rightmost character of a bitstring and bit
``q`` of a basis-state index.

Examples
--------
>>> import dimod
>>> from isingbridge import TransverseIsing
>>> bqm = dimod.BQM({"a": 0.5}, {("a", "b"): -1.0}, 0.0, "SPIN")
>>> model = TransverseIsing(bqm, x={"a": 0.3}, xx={("a", "b"): 0.2})
>>> model.num_qubits, model.qubit("b")
(2, 1)
>>> op = model.to_sparse_pauli_op()
>>> sorted(op.to_list())
[('IX', (0.3+0j)), ('IZ', (0.5+0j)), ('XX', (0.2+0j)), ('ZZ', (-1+0j))]
>>> op.qubit_labels                           # qubit q carries label qubit_labels[q]
['a', 'b']
>>> TransverseIsing.from_sparse_pauli_op(op) == model
True
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import dimod
import numpy as np

from isingbridge.ir import as_spin_bqm, check_energy_scale
from isingbridge.validation import check_real, describe

__all__ = ["TransverseIsing", "as_transverse_ising"]

IMAG_TOL = 1e-12  # imaginary parts below this (relative to the real part) are rounding, not physics
_LETTERS = {(True, False): "Z", (False, True): "X", (True, True): "Y"}  # (z bit, x bit) of a Pauli


class TransverseIsing:
    """An Ising model with transverse X fields and XX couplings.

    Parameters
    ----------
    bqm : dimod.BinaryQuadraticModel
        The diagonal (Z, ZZ) part; BINARY is converted to SPIN.
    x : dict, optional
        ``{label: g_i}`` coefficients of X_i.
    xx : dict, optional
        ``{(u, v): a_uv}`` coefficients of X_u X_v.

    Labels in ``x``/``xx`` that the BQM lacks are added as qubits with zero
    diagonal bias.  Coefficients must be real (H is Hermitian) and finite, and
    Σ|h| + Σ|J| + |offset| + Σ|g| + Σ|a| must stay below
    :data:`isingbridge.ir.ENERGY_LIMIT`.
    """

    def __init__(self, bqm: dimod.BinaryQuadraticModel, x: Mapping[Hashable, float] | None = None,
                 xx: Mapping[tuple, float] | None = None):
        diagonal = as_spin_bqm(bqm, copy=True)
        for value, name, shape in ((x, "x", "{label: field}"), (xx, "xx", "{(u, v): coupling}")):
            if value is not None and not isinstance(value, Mapping):
                raise TypeError(f"{name} must be a mapping {shape}, got {type(value).__name__}")
        fields: dict[Hashable, float] = {}
        for label, g in (x or {}).items():
            fields[label] = fields.get(label, 0.0) + check_real(g, f"X coefficient of {label!r}")
            diagonal.add_variable(label, 0.0)
        couplings: dict[tuple, float] = {}
        for pair, a in (xx or {}).items():
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise ValueError(f"xx keys must be pairs (u, v) of labels, got {pair!r}")
            u, v = pair
            if u == v:
                raise ValueError(f"XX coupling ({u!r}, {v!r}) joins a qubit to itself; use X fields instead")
            key = (u, v) if (v, u) not in couplings else (v, u)
            couplings[key] = couplings.get(key, 0.0) + check_real(a, f"XX coefficient of ({u!r}, {v!r})")
            diagonal.add_variable(u, 0.0)
            diagonal.add_variable(v, 0.0)
        self.bqm = diagonal
        self.x = {label: g for label, g in fields.items() if g != 0.0}
        self.xx = {pair: a for pair, a in couplings.items() if a != 0.0}
        self._check_scale()

    def _check_scale(self) -> None:
        """Refuse coefficients whose sums overflow (finite one by one, they can still make H infinite)."""
        with np.errstate(over="ignore"):
            diagonal = self.bqm.to_numpy_vectors()
            bound = sum(float(np.sum(np.abs(values))) for values in (
                diagonal.linear_biases, diagonal.quadratic.biases, np.array([diagonal.offset]),
                np.array(list(self.x.values()), dtype=np.float64), np.array(list(self.xx.values()), dtype=np.float64),
            ))
        check_energy_scale(bound, "Σ|h| + Σ|J| + |offset| + Σ|g| + Σ|a|")

    # -- labels and qubits ------------------------------------------------------
    @property
    def variables(self) -> list:
        """Labels in qubit order: qubit ``q`` is ``variables[q]``."""
        return list(self.bqm.variables)

    @property
    def num_qubits(self) -> int:
        """Number of qubits: the BQM's variables."""
        return self.bqm.num_variables

    def qubit(self, label: Hashable) -> int:
        """The qubit index of ``label``."""
        try:
            return self.bqm.variables.index(label)
        except ValueError:
            raise KeyError(f"{label!r} is not a qubit of this model") from None

    @property
    def has_transverse(self) -> bool:
        """True when the model has any X or XX term (otherwise it is diagonal: a classical BQM)."""
        return bool(self.x or self.xx)

    @property
    def conserves_parity(self) -> bool:
        """True when H commutes with ∏Z_i (no single-qubit X fields)."""
        return not self.x

    def transverse_labels(self) -> set:
        """Labels that carry an X field or an XX coupling."""
        return set(self.x) | {v for pair in self.xx for v in pair}

    # -- arrays ------------------------------------------------------------------
    def x_arrays(self) -> tuple[np.ndarray, list[tuple[int, int, float]]]:
        """``(g, pairs)``: X coefficients per qubit and XX couplings as (q_u, q_v, a)."""
        g = np.zeros(self.num_qubits)
        for label, value in self.x.items():
            g[self.qubit(label)] = value
        pairs = [(self.qubit(u), self.qubit(v), a) for (u, v), a in self.xx.items()]
        return g, pairs

    def x_part_bqm(self) -> dimod.BinaryQuadraticModel:
        """The X/XX part written as a SPIN BQM over the same labels (it is diagonal in the X basis)."""
        part = dimod.BQM({v: 0.0 for v in self.variables}, {}, 0.0, dimod.SPIN)
        for label, value in self.x.items():
            part.add_linear(label, value)
        for (u, v), value in self.xx.items():
            part.add_quadratic(u, v, value)
        return part

    def to_sparse_pauli_op(self) -> Any:
        """The Hamiltonian as a qiskit ``SparsePauliOp`` (explicit qubit indices, little-endian).

        Qubit ``q`` is ``variables[q]`` (the rightmost letter of a Pauli label
        is qubit 0).  The labels travel with the operator as its attribute
        ``qubit_labels``, which :meth:`from_sparse_pauli_op` reads back;
        qiskit's own arithmetic returns new operators without it (pass
        ``labels=`` then).  A model of no qubits is exported on one qubit, as
        its offset times the identity, with ``qubit_labels == []``.
        """
        from qiskit.quantum_info import SparsePauliOp

        terms: list[tuple[str, list[int], float]] = []
        for label, h in self.bqm.linear.items():
            if h:
                terms.append(("Z", [self.qubit(label)], h))
        for (u, v), J in self.bqm.quadratic.items():
            if J:
                terms.append(("ZZ", [self.qubit(u), self.qubit(v)], J))
        for label, g in self.x.items():
            terms.append(("X", [self.qubit(label)], g))
        for (u, v), a in self.xx.items():
            terms.append(("XX", [self.qubit(u), self.qubit(v)], a))
        if self.bqm.offset or not terms:
            terms.append(("", [], float(self.bqm.offset)))
        op = SparsePauliOp.from_sparse_list(terms, num_qubits=max(self.num_qubits, 1))
        op.qubit_labels = self.variables
        return op

    @classmethod
    def from_sparse_pauli_op(cls, op: Any, labels: Sequence[Hashable] | None = None) -> TransverseIsing:
        """The model of a qiskit ``SparsePauliOp`` made of I, Z, ZZ, X and XX terms.

        Parameters
        ----------
        op : qiskit.quantum_info.SparsePauliOp or qiskit.quantum_info.Pauli
            A Hermitian operator.  Identity terms become the offset, Z and ZZ
            terms the BQM, X and XX terms the transverse part; repeated terms
            are summed.  Y, mixed (ZX), three-body and non-real terms are
            refused with an error naming the term (imaginary parts within
            ``IMAG_TOL`` of a coefficient's size are rounding and dropped).
        labels : sequence, optional
            One label per qubit, qubit 0 first.  Default: the operator's
            ``qubit_labels`` (set by :meth:`to_sparse_pauli_op`), else ``0 … n−1``.

        Examples
        --------
        >>> from qiskit.quantum_info import SparsePauliOp
        >>> op = SparsePauliOp(["ZZ", "IX", "II"], coeffs=[-1.0, 0.5, 2.0])
        >>> model = TransverseIsing.from_sparse_pauli_op(op, labels=["a", "b"])
        >>> model.variables, float(model.bqm.quadratic["a", "b"]), model.x, float(model.bqm.offset)
        (['a', 'b'], -1.0, {'a': 0.5}, 2.0)
        """
        op = _as_sparse_pauli_op(op)
        labels = _qubit_labels(op, labels)
        op = op.simplify(atol=0.0, rtol=0.0)  # sums repeated terms, so that cancelling ones vanish
        bqm = dimod.BQM({label: 0.0 for label in labels}, {}, 0.0, dimod.SPIN)
        x: dict[Hashable, float] = {}
        xx: dict[tuple, float] = {}
        for pauli, coefficient in zip(op.paulis, op.coeffs):
            value = _real_coefficient(pauli, coefficient)
            letters, qubits = _term_letters(pauli, labels)
            names = tuple(labels[q] for q in qubits)
            if letters == "":
                bqm.offset += value
            elif letters == "Z":
                bqm.add_linear(names[0], value)
            elif letters == "ZZ":
                bqm.add_quadratic(names[0], names[1], value)
            elif letters == "X":
                x[names[0]] = x.get(names[0], 0.0) + value
            else:
                xx[(names[0], names[1])] = xx.get((names[0], names[1]), 0.0) + value
        return cls(bqm, x, xx)

    def with_fields(self, z: Mapping[Hashable, float]) -> TransverseIsing:
        """A copy with extra Z fields added (inputs as fields u_i Z_i, nudging terms)."""
        bqm = self.bqm.copy()
        for label, value in z.items():
            if label not in bqm.variables:
                raise KeyError(f"{label!r} is not a qubit of this model")
            bqm.add_linear(label, check_real(value, f"Z field of {label!r}"))
        return TransverseIsing(bqm, self.x, self.xx)

    def __eq__(self, other: object) -> bool:
        """Same labels in the same qubit order and the same coefficients (an XX pair in either order)."""
        if not isinstance(other, TransverseIsing):
            return NotImplemented
        return (self.variables == other.variables and self.bqm == other.bqm and self.x == other.x
                and _unordered(self.xx) == _unordered(other.xx))

    __hash__ = None  # type: ignore[assignment]  # mutable, like the BQM it holds

    def __repr__(self) -> str:
        return (f"TransverseIsing({self.num_qubits} qubits, {len(self.bqm.quadratic)} ZZ, "
                f"{len(self.x)} X, {len(self.xx)} XX)")


def as_transverse_ising(model: Any) -> TransverseIsing:
    """A :class:`TransverseIsing` from itself or from a plain BQM (no transverse terms)."""
    if isinstance(model, TransverseIsing):
        return model
    if isinstance(model, dimod.BinaryQuadraticModel):
        return TransverseIsing(model)
    raise TypeError(f"expected a TransverseIsing or a dimod.BinaryQuadraticModel, got {type(model).__name__}")


def _unordered(pairs: Mapping[tuple, float]) -> dict[frozenset, float]:
    return {frozenset(pair): value for pair, value in pairs.items()}


def _as_sparse_pauli_op(op: Any) -> Any:
    """``op`` as a ``SparsePauliOp`` (a ``Pauli`` is promoted), or a ``TypeError``."""
    from qiskit.quantum_info import Pauli, SparsePauliOp

    if isinstance(op, Pauli):
        return SparsePauliOp(op)
    if not isinstance(op, SparsePauliOp):
        raise TypeError(f"op must be a qiskit SparsePauliOp (or Pauli), got {type(op).__name__} {describe(op)}; "
                        "build one with SparsePauliOp.from_sparse_list or SparsePauliOp.from_list")
    return op


def _qubit_labels(op: Any, labels: Sequence[Hashable] | None) -> list:
    """One distinct hashable label per qubit of ``op``: given, carried by ``op``, or positions."""
    if labels is None:
        labels = getattr(op, "qubit_labels", None)
    if labels is None:
        return list(range(op.num_qubits))
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
        raise TypeError(f"labels must be a list with one label per qubit, got {describe(labels)}")
    labels = list(labels)
    empty_model = labels == [] and op.num_qubits == 1 and not (op.paulis.z.any() or op.paulis.x.any())
    if empty_model:  # a model of no qubits is exported on one qubit (qiskit needs one)
        return labels
    if len(labels) != op.num_qubits:
        raise ValueError(f"labels has {len(labels)} entries but the operator acts on {op.num_qubits} qubits; "
                         "give one label per qubit, qubit 0 first")
    if not all(isinstance(label, Hashable) for label in labels) or len(set(labels)) != len(labels):
        raise ValueError(f"labels must be distinct hashable values, got {describe(labels)}")
    return labels


def _term_letters(pauli: Any, labels: list) -> tuple[str, list[int]]:
    """The letters (``""``, Z, ZZ, X or XX) of one Pauli and the qubits they act on, or a ``ValueError`` naming it."""
    qubits = [int(q) for q in np.flatnonzero(pauli.z | pauli.x)]
    letters = "".join(_LETTERS[(bool(pauli.z[q]), bool(pauli.x[q]))] for q in qubits)
    if len(qubits) <= 2 and letters in ("", "Z", "ZZ", "X", "XX"):
        return letters, qubits
    on = ", ".join(f"{letter} on {labels[q]!r}" if q < len(labels) else letter for letter, q in zip(letters, qubits))
    why = ("a Y" if "Y" in letters else f"a {len(qubits)}-body" if len(qubits) > 2 else "a mixed Z/X")
    raise ValueError(f"term {pauli.to_label()!r} ({on}) is {why} term; a TransverseIsing holds only I, Z, ZZ, "
                     "X and XX terms")


def _real_coefficient(pauli: Any, coefficient: complex) -> float:
    """The real coefficient of one term, or a ``ValueError`` naming the term."""
    value = complex(coefficient)
    if abs(value.imag) > IMAG_TOL * max(1.0, abs(value.real)):
        raise ValueError(f"term {pauli.to_label()!r} has the complex coefficient {value}; a Hamiltonian has real "
                         "coefficients on Pauli strings (drop the imaginary part or fix the operator)")
    return check_real(value.real, f"coefficient of term {pauli.to_label()!r}")
