"""Transverse-field Ising Hamiltonians: the IR plus X and XX terms.

    H = Σ_i h_i Z_i + Σ_{i<j} J_ij Z_i Z_j + offset  +  Σ_i g_i X_i + Σ_{i<j} a_ij X_i X_j

The diagonal part is a SPIN BQM read with s = +1 ↔ |0⟩ ↔ Z = +1 (DESIGN §1), so
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
>>> sorted(model.to_sparse_pauli_op().to_list())
[('IX', (0.3+0j)), ('IZ', (0.5+0j)), ('XX', (0.2+0j)), ('ZZ', (-1+0j))]
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import dimod
import numpy as np

from isingbridge.ir import as_spin_bqm, check_energy_scale
from isingbridge.validation import check_real

__all__ = ["TransverseIsing", "as_transverse_ising"]


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
        return self.bqm.num_variables

    def qubit(self, label: Hashable) -> int:
        """The qubit index of ``label``."""
        try:
            return self.bqm.variables.index(label)
        except ValueError:
            raise KeyError(f"{label!r} is not a qubit of this model") from None

    @property
    def has_transverse(self) -> bool:
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

    def to_sparse_pauli_op(self):
        """The Hamiltonian as a qiskit ``SparsePauliOp`` (explicit qubit indices, little-endian)."""
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
        return SparsePauliOp.from_sparse_list(terms, num_qubits=max(self.num_qubits, 1) if terms else 1)

    def with_fields(self, z: Mapping[Hashable, float]) -> "TransverseIsing":
        """A copy with extra Z fields added (inputs as fields u_i Z_i, nudging terms)."""
        bqm = self.bqm.copy()
        for label, value in z.items():
            if label not in bqm.variables:
                raise KeyError(f"{label!r} is not a qubit of this model")
            bqm.add_linear(label, check_real(value, f"Z field of {label!r}"))
        return TransverseIsing(bqm, self.x, self.xx)

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
