"""The statevector backend: eigenstates and thermal states of transverse-field Ising Hamiltonians.

H = D_Z + H_X, where D_Z (the BQM: Z and ZZ terms) is diagonal in the
computational basis and H_X (X fields, XX couplings) is diagonal in the X
basis.  So H is applied without ever building a matrix:

    H ψ = d_Z ⊙ ψ + W (d_X ⊙ (W ψ)) / 2^n,

with W the (unnormalised) Walsh–Hadamard transform, a numba butterfly of
O(n·2^n); ``d_Z`` and ``d_X`` are the energies of every basis state, computed by
the exact backend's blocked enumerator.  Ground states come from
``scipy.sparse.linalg.eigsh`` on that ``LinearOperator`` (warm-startable with
``v0``); small systems and thermal states use dense ``eigh``, split into the two
parity sectors when H commutes with ∏Z_i (no single-qubit X fields).

Correlators are vectorised: a state enters only through the probabilities
``|ψ_b|²`` of its basis states (for ⟨Z_i⟩, ⟨Z_iZ_j⟩) and of its Walsh–Hadamard
transform (for ⟨X_i⟩, ⟨X_iX_j⟩), which are reduced against tables of ±1 rows
in chunks by matrix products.

Conventions (the user guide, "The IR and its conventions"): s = +1 ↔ ``|0⟩`` ↔ Z = +1; qubit q is bit q of a basis
index (qiskit little-endian).

Examples
--------
>>> import dimod
>>> from isingbridge import TransverseIsing, get
>>> bqm = dimod.BQM({}, {(0, 1): -1.0}, 0.0, "SPIN")
>>> model = TransverseIsing(bqm, x={0: -0.5, 1: -0.5})
>>> sv = get("statevector")
>>> m = sv.moments(model)                     # ground state, T = 0
>>> round(m.energy, 6), round(m.corr_of(0, 1), 4), round(float(m.x_mean[0]), 4)
(-1.414214, 0.7071, 0.7071)
>>> round(sv.moments(model, temperature=0.5).log_z, 4)
3.1988
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import dimod
import numba
import numpy as np
import scipy.linalg
import scipy.sparse.linalg as spla
from numba import prange

from isingbridge.backends.base import (
    Backend, Moments, Problem, Samples, as_rng, check_beta, check_log_z, check_positive_int, check_reads_memory,
    concatenate_rows, stack_moments,
)
from isingbridge.backends.exact import state_energies
from isingbridge.backends.ocean import stacklevel_outside
from isingbridge.spins import spin_rows
from isingbridge.ir import compile_bqm, is_batched
from isingbridge.quantum import TransverseIsing, as_transverse_ising
from isingbridge.validation import ResourceLimitError, check_array, check_int, check_memory as check_bytes, check_real, describe

__all__ = [
    "StatevectorBackend", "Eigenstates", "ThermalState", "HamiltonianOperator",
    "fwht", "z_statistics", "QuantumMemoryError", "DegenerateGroundStateWarning", "SectorCrossingWarning",
]

DENSE_QUBITS = 10
# thermal states need every eigenstate: a dense eigendecomposition of the 2^n x 2^n Hamiltonian (in two halves when
# it conserves parity), 4^n memory and 8^n time; at 16 qubits each half is already an 8 GiB matrix
THERMAL_QUBITS = 16
DEGENERACY_TOL = 1e-9
CHUNK = 1 << 16


class QuantumMemoryError(ResourceLimitError, MemoryError):
    """The requested state space does not fit in memory (a ``ValueError`` like every refused request, and a ``MemoryError``)."""


class DegenerateGroundStateWarning(UserWarning):
    """The ground space is (nearly) degenerate: EP gradients are undefined there."""


class SectorCrossingWarning(UserWarning):
    """The ground state changed parity sector between two parameter values."""


# -- kernels ---------------------------------------------------------------------
_FWHT_BLOCK = 1 << 15


@numba.njit(inline="always")
def _butterfly(v: np.ndarray, j: int, h: int) -> None:
    a = v[j]
    c = v[j + h]
    v[j] = a + c
    v[j + h] = a - c


@numba.njit(cache=True)
def _fwht_serial(v: np.ndarray) -> None:
    """In-place Walsh–Hadamard transform of one short vector (one thread)."""
    dim = v.size
    h = 1
    while h < dim:
        for i in range(0, dim, 2 * h):
            for j in range(i, i + h):
                _butterfly(v, j, h)
        h *= 2


@numba.njit(parallel=True, cache=True)
def _fwht_vector(v: np.ndarray) -> None:
    """In-place unnormalised Walsh–Hadamard transform of one vector of length 2^n.

    The stages with butterfly span below 2^15 run inside cache-sized blocks (256 kB)
    (one pass over memory for all of them); the wider stages go two at a time
    (radix-4), halving the remaining passes.
    """
    dim = v.size
    block = min(dim, _FWHT_BLOCK)
    for b in prange(dim // block):
        _fwht_serial(v[b * block:(b + 1) * block])
    h = block
    while h < dim:
        if 4 * h <= dim:
            span = 4 * h
            for k in prange(dim // 4):
                group = k // h
                j = group * span + (k - group * h)
                a0 = v[j]
                a1 = v[j + h]
                a2 = v[j + 2 * h]
                a3 = v[j + 3 * h]
                b0 = a0 + a1
                b1 = a0 - a1
                b2 = a2 + a3
                b3 = a2 - a3
                v[j] = b0 + b2
                v[j + h] = b1 + b3
                v[j + 2 * h] = b0 - b2
                v[j + 3 * h] = b1 - b3
            h *= 4
        else:
            for k in prange(dim // 2):
                group = k // h
                _butterfly(v, group * 2 * h + (k - group * h), h)
            h *= 2


@numba.njit(parallel=True, cache=True)
def _apply_hamiltonian(v: np.ndarray, diagonal: np.ndarray, x_diagonal: np.ndarray, out: np.ndarray) -> None:
    """out = d_Z ⊙ v + W (d_X ⊙ W v) / 2^n for one vector (fused passes)."""
    dim = v.size
    t = v.copy()
    _fwht_vector(t)
    for b in prange(dim):
        t[b] *= x_diagonal[b]
    _fwht_vector(t)
    scale = 1.0 / dim
    for b in prange(dim):
        out[b] = diagonal[b] * v[b] + scale * t[b]


@numba.njit(parallel=True, cache=True)
def _fwht_rows(rows: np.ndarray) -> None:
    """Transform every row of a C-contiguous (m, 2^n) array; threads over rows."""
    for r in prange(rows.shape[0]):
        _fwht_serial(rows[r])


def fwht(vectors: np.ndarray) -> np.ndarray:
    """Unnormalised Walsh–Hadamard transform of a vector or of each column (a new array)."""
    out = np.array(vectors, dtype=np.float64 if not np.iscomplexobj(vectors) else np.complex128, copy=True)
    if np.iscomplexobj(out):
        return fwht(out.real) + 1j * fwht(out.imag)
    if out.ndim == 1:
        _fwht_vector(out)
        return out
    rows = np.ascontiguousarray(out.T)  # one vector per row: each transform stays in cache
    _fwht_rows(rows)
    return rows.T


def basis_energies(bqm: dimod.BinaryQuadraticModel) -> np.ndarray:
    """The energy of every computational basis state (index bit q set ↔ qubit q in ``|1⟩`` ↔ s = −1)."""
    return state_energies(compile_bqm(bqm))[::-1].copy()


def z_statistics(probabilities: np.ndarray, num_qubits: int) -> tuple[np.ndarray, np.ndarray]:
    """⟨Z_i⟩ and ⟨Z_i Z_j⟩ of a distribution over basis states (chunked matrix products)."""
    mean = np.zeros(num_qubits)
    corr = np.zeros((num_qubits, num_qubits))
    for start in range(0, probabilities.size, CHUNK):
        p = probabilities[start:start + CHUNK]
        z = -spin_rows(np.arange(start, start + p.size, dtype=np.int64), num_qubits)  # bit 1 ↔ Z = −1
        mean += p @ z
        corr += (z * p[:, None]).T @ z
    np.fill_diagonal(corr, 1.0)
    return mean, corr


def _parity_signs(num_qubits: int) -> np.ndarray:
    index = np.arange(1 << num_qubits, dtype=np.int64)
    bits = np.zeros_like(index)
    for q in range(num_qubits):
        bits ^= (index >> q) & 1
    return 1.0 - 2.0 * bits


def check_memory(num_qubits: int, arrays: float, what: str, max_qubits: int) -> None:
    """Refuse, before allocating, a problem whose arrays of 2^n float64 would not fit (``QuantumMemoryError``)."""
    if num_qubits > max_qubits:
        raise QuantumMemoryError(
            f"{num_qubits} qubits exceed this backend's limit of {max_qubits} (max_qubits); "
            "clamp qubits or use a smaller network"
        )
    try:
        check_bytes(arrays * 8.0 * 2.0**num_qubits, f"{what} for {num_qubits} qubits ({arrays:.0f} arrays of "
                    f"2^{num_qubits} float64)", "clamp qubits or use a smaller network")
    except ResourceLimitError as error:
        raise QuantumMemoryError(str(error)) from None


# -- the Hamiltonian ------------------------------------------------------------
class HamiltonianOperator(spla.LinearOperator):
    """H of a :class:`~isingbridge.quantum.TransverseIsing` as a matrix-free real operator."""

    def __init__(self, model: TransverseIsing):
        self.model = model
        self.num_qubits = model.num_qubits
        dim = 1 << self.num_qubits
        super().__init__(dtype=np.float64, shape=(dim, dim))
        self.diagonal = basis_energies(model.bqm)
        self.x_diagonal = basis_energies(model.x_part_bqm()) if model.has_transverse else None

    def _matvec(self, v: np.ndarray) -> np.ndarray:
        v = np.ascontiguousarray(v, dtype=np.float64).ravel()
        if self.x_diagonal is None:
            return self.diagonal * v
        out = np.empty_like(v)
        _apply_hamiltonian(v, self.diagonal, self.x_diagonal, out)
        return out

    def _matmat(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        out = self.diagonal[:, None] * v
        if self.x_diagonal is not None:
            t = fwht(v)
            t *= self.x_diagonal[:, None]
            out += fwht(t) / self.shape[0]
        return out

    def dense(self, basis: np.ndarray | None = None) -> np.ndarray:
        """H restricted to the basis states ``basis`` (all of them by default) as a dense matrix."""
        dim = self.shape[0]
        basis = np.arange(dim, dtype=np.int64) if basis is None else basis
        position = np.full(dim, -1, dtype=np.int64)
        position[basis] = np.arange(basis.size)
        matrix = np.diag(self.diagonal[basis])
        g, pairs = self.model.x_arrays()
        rows = np.arange(basis.size)
        terms = [(1 << q, g[q]) for q in range(self.num_qubits) if g[q] != 0]
        terms += [((1 << qu) | (1 << qv), a) for qu, qv, a in pairs]
        for mask, coefficient in terms:
            partner = position[basis ^ mask]
            inside = partner >= 0
            matrix[rows[inside], partner[inside]] += coefficient  # one term flips fixed bits: no repeated index
        return matrix


@dataclass
class Eigenstates:
    """The lowest eigenpairs of H.

    Attributes
    ----------
    energies : numpy.ndarray
        Ascending eigenvalues (offset included).
    vectors : numpy.ndarray
        ``(2^n, k)`` real orthonormal eigenvectors, basis index bit q ↔ qubit q.
    gap : float
        E_1 − E_0 (``inf`` for a one-dimensional space).
    degeneracy : int
        Number of states within ``DEGENERACY_TOL`` of the ground energy.
    parity : numpy.ndarray or None
        ⟨∏Z_i⟩ of each eigenvector when H conserves parity.
    variables : list
        Qubit labels.
    """

    energies: np.ndarray
    vectors: np.ndarray
    gap: float
    degeneracy: int
    parity: np.ndarray | None
    variables: list
    info: dict = field(default_factory=dict)

    @property
    def ground_state(self) -> np.ndarray:
        """The lowest eigenvector, ``vectors[:, 0]``, shape ``(2^n,)`` (one of them when the ground space is degenerate)."""
        return self.vectors[:, 0]


@dataclass
class ThermalState:
    """The Gibbs state e^{−H/T}/Z through H's eigen-decomposition (states of negligible weight dropped)."""

    temperature: float
    energies: np.ndarray
    weights: np.ndarray
    vectors: np.ndarray
    log_z: float
    variables: list

    @property
    def free_energy(self) -> float:
        """F = −T log Z."""
        return -self.temperature * self.log_z

    @property
    def energy(self) -> float:
        """⟨H⟩ = Σ_k w_k E_k over the kept eigenstates."""
        return float(self.weights @ self.energies)


def _dense_eigh(operator: HamiltonianOperator, conserves_parity: bool, count: int | None = None):
    """All (or the lowest ``count``) eigenpairs by dense eigh, per parity sector when possible."""
    dim = operator.shape[0]
    sectors = [np.arange(dim, dtype=np.int64)]
    if conserves_parity and operator.num_qubits > 0:
        signs = _parity_signs(operator.num_qubits)
        sectors = [np.flatnonzero(signs > 0), np.flatnonzero(signs < 0)]
    solved = []
    for basis in sectors:
        limit = None if count is None else (0, min(count, basis.size) - 1)
        values, local = scipy.linalg.eigh(operator.dense(basis), subset_by_index=limit, driver="evr" if limit else "evd",
                                          overwrite_a=True, check_finite=False)
        solved.append((basis, values, local))
    energies = np.concatenate([values for _, values, _ in solved])
    sector = np.concatenate([np.full(values.size, k) for k, (_, values, _) in enumerate(solved)])
    column = np.concatenate([np.arange(values.size) for _, values, _ in solved])
    order = np.argsort(energies, kind="stable")[:count]
    vectors = np.zeros((dim, order.size))
    for k, (basis, _, local) in enumerate(solved):
        chosen = np.flatnonzero(sector[order] == k)
        vectors[np.ix_(basis, chosen)] = local[:, column[order[chosen]]]
    return energies[order], vectors


def _lowest_eigenpairs(operator: HamiltonianOperator, count: int, v0: np.ndarray | None):
    """Lanczos (ARPACK) for the ``count`` lowest eigenpairs, ascending."""
    if count >= operator.shape[0] - 1:
        return _dense_eigh(operator, False, count)
    energies, vectors = spla.eigsh(operator, k=count, which="SA", v0=v0, tol=1e-12)
    order = np.argsort(energies)
    return energies[order], vectors[:, order]


class StatevectorBackend(Backend):
    """Exact quantum states of transverse-field Ising models (see the module docstring).

    ``moments`` and ``sample`` take a :class:`~isingbridge.quantum.TransverseIsing` or a
    plain BQM and one of: nothing or ``temperature=0`` (ground state),
    ``temperature=T > 0`` or ``beta=1/T`` (Gibbs state), or ``state=k`` (the k-th
    eigenstate, 0 = ground).  For a BQM without transverse terms the Gibbs state
    is the classical Boltzmann distribution, so the results equal the exact backend's.

    The Parameters are those of the constructor; the Other Parameters are
    options of :meth:`moments` and :meth:`sample`.

    Parameters
    ----------
    max_qubits : int
        Largest number of free qubits accepted (default 26); memory is checked
        against what the machine has before anything is allocated.  Thermal
        states stop at 16 qubits (``THERMAL_QUBITS``): they need every
        eigenstate, from a dense eigendecomposition of the 2^n × 2^n Hamiltonian.
    dense_qubits : int
        Up to this many qubits (default 10) eigenstates come from dense
        ``eigh``; above it from Lanczos on the matrix-free operator.

    Other Parameters
    ----------------
    temperature : float
        The temperature T ≥ 0 (default 0: a pure state); T > 0, or ``beta`` =
        1/T, gives the Gibbs state e^{−H/T}/Z.  Give ``beta`` or
        ``temperature``, not both.
    state : "ground" or int
        Which eigenstate at temperature 0: the ground state (default; the
        equal mixture over a degenerate ground space) or the k-th eigenstate,
        0 = ground.
    v0 : numpy.ndarray, optional
        A start vector for the Lanczos solver (above ``dense_qubits``): real,
        finite and nonzero, 2^n entries for the n free qubits.
    previous : Eigenstates, optional
        :meth:`moments` only: the eigenstates of a nearby model (its
        ``info["eigenstates"]``), to detect a ground state that changed parity
        sector (``SectorCrossingWarning``; ``info["sector_crossing"]``).
        :meth:`sample` accepts it and does not use it.
    """

    name: ClassVar[str] = "statevector"
    default_num_reads: ClassVar[int] = 100
    exact: ClassVar[bool] = True
    extra_parameters: ClassVar[tuple[str, ...]] = ("temperature", "state", "v0", "previous")

    def __init__(self, *, max_qubits: int = 26, dense_qubits: int = DENSE_QUBITS, cache_size: int = 16):
        super().__init__(cache_size=cache_size)
        self.max_qubits = check_positive_int(max_qubits, "max_qubits")
        self.dense_qubits = check_positive_int(dense_qubits, "dense_qubits", minimum=0)

    def limits(self) -> str:
        """One line on the sizes this backend handles (for ``isingbridge backends``)."""
        return (f"up to {self.max_qubits} qubits (ground states); thermal states up to {self.thermal_qubits} qubits "
                "(dense eigendecomposition of the 2^n x 2^n Hamiltonian)")

    @property
    def thermal_qubits(self) -> int:
        """The most free qubits a thermal state may have: ``THERMAL_QUBITS`` (16), or ``max_qubits`` if smaller."""
        return min(self.max_qubits, THERMAL_QUBITS)

    # -- preparing a request ------------------------------------------------------
    def _prepare_quantum(self, model: Any, clamp: Mapping | None) -> tuple[Problem, TransverseIsing]:
        source = model  # a plain BQM keeps its vartype in returned samples
        model = as_transverse_ising(model)
        problem = self.prepare(model.bqm if source is model else source, clamp)
        touched = sorted(map(repr, set(problem.clamp) & model.transverse_labels()))
        if touched:
            raise ValueError(
                f"cannot clamp qubit(s) {', '.join(touched)}: they carry X or XX terms, so they are not Z eigenstates; "
                "drive them with Z fields instead (TransverseIsing.with_fields)"
            )
        free_bqm = cast(dimod.BinaryQuadraticModel, problem.free_bqm)  # the free part of a BQM is a BQM
        free = TransverseIsing(free_bqm, model.x, model.xx) if problem.clamp else model
        return problem, free

    def _rows(self, model: Any, clamp: Any, fields: Any):
        """Row ``b`` of a batched request as ``(model, clamp dict)``; a TransverseIsing row keeps its X terms.

        Each row is its own Hamiltonian to diagonalise, so rows are solved one by one.
        """
        quantum = as_transverse_ising(model)
        source = model if isinstance(model, dimod.BinaryQuadraticModel) else quantum.bqm
        batch = self.prepare_batch(source, clamp, fields)
        for b in range(batch.size):
            bqm = cast(dimod.BinaryQuadraticModel, batch.row_bqm(b))  # the rows of a BQM are BQMs
            yield (bqm if source is model else TransverseIsing(bqm, quantum.x, quantum.xx)), batch.row_clamp(b)

    # -- eigenstates ---------------------------------------------------------------
    def eigenstates(self, model: Any, *, k: int = 1, clamp: Mapping | None = None, v0: np.ndarray | None = None,
                    previous: Eigenstates | None = None) -> Eigenstates:
        """The ``k`` lowest eigenstates of H (free qubits only when clamped).

        Detects a (near-)degenerate ground space (``DegenerateGroundStateWarning``)
        and, given the ``previous`` result of a nearby model, a ground state that
        changed parity sector (``SectorCrossingWarning``; ``info["sector_crossing"]``).

        ``v0`` warm-starts the Lanczos solver (above ``dense_qubits``): a real,
        finite, nonzero vector of 2^n entries for the n free qubits; dense
        ``eigh`` needs no start vector, but ``v0`` is checked all the same.
        """
        k = check_positive_int(k, "k")
        _, free = self._prepare_quantum(model, clamp)
        return self._eigenstates(free, k, v0, previous)

    def _eigenstates(self, model: TransverseIsing, k: int, v0, previous) -> Eigenstates:
        n = model.num_qubits
        dim = 1 << n
        if k > dim:
            raise ValueError(f"k={k} eigenstates requested but the space of {n} qubits has only {dim}")
        v0 = _check_v0(v0, n)
        if previous is not None and not isinstance(previous, Eigenstates):
            raise TypeError(f"previous must be the Eigenstates of a nearby model (or None), got {type(previous).__name__}")
        wanted = min(dim, k + 1)  # one more, to see the gap
        check_memory(n, max(2 * wanted + 1, 20) + 6 if n > self.dense_qubits else 3, "the eigensolver", self.max_qubits)
        operator = HamiltonianOperator(model)
        if n <= self.dense_qubits:
            energies, vectors = _dense_eigh(operator, model.conserves_parity, wanted)
        else:
            energies, vectors = _lowest_eigenpairs(operator, wanted, v0)
        scale = max(1.0, float(np.abs(energies).max()))
        degeneracy = int(np.sum(energies - energies[0] <= DEGENERACY_TOL * scale))
        while degeneracy == wanted < dim:  # the degenerate cluster may go on: ask for more
            wanted = min(dim, 2 * wanted)
            if n <= self.dense_qubits:
                energies, vectors = _dense_eigh(operator, model.conserves_parity, wanted)
            else:
                energies, vectors = _lowest_eigenpairs(operator, wanted, v0)
            degeneracy = int(np.sum(energies - energies[0] <= DEGENERACY_TOL * scale))
        parity = None
        if model.conserves_parity:
            parity = _parity_signs(n) @ (vectors**2)
        gap = float(energies[1] - energies[0]) if energies.size > 1 else math.inf
        result = Eigenstates(energies[:max(k, degeneracy)], vectors[:, :max(k, degeneracy)], gap, degeneracy,
                             None if parity is None else parity[:max(k, degeneracy)], model.variables,
                             info={"sector_crossing": False})
        if degeneracy > 1:
            warnings.warn(
                f"the ground space is {degeneracy}-fold degenerate (gap {gap:.3g}); ground-state expectations are "
                "those of the equal mixture over it, and EP gradients are undefined here",
                DegenerateGroundStateWarning, stacklevel=stacklevel_outside(),
            )
        if previous is not None and parity is not None and previous.parity is not None and degeneracy == 1:
            before, after = np.sign(previous.parity[0]), np.sign(parity[0])
            if before != after:
                result.info["sector_crossing"] = True
                warnings.warn(
                    f"the ground state moved from parity sector {before:+.0f} to {after:+.0f} (gap now {gap:.3g}): "
                    "a level crossing lies between the two models, where EP gradients are undefined",
                    SectorCrossingWarning, stacklevel=stacklevel_outside(),
                )
        return result

    # -- thermal states --------------------------------------------------------------
    def thermal_state(self, model: Any, temperature: float, *, clamp: Mapping | None = None) -> ThermalState:
        """The Gibbs state at ``temperature`` by exact diagonalisation (parity blocks when possible)."""
        temperature, _ = self._resolve(None, temperature, "ground")
        if temperature == 0:
            raise ValueError("thermal_state needs temperature > 0; use eigenstates() for the ground state")
        _, free = self._prepare_quantum(model, clamp)
        return self._thermal(free, temperature)

    def _thermal(self, model: TransverseIsing, temperature: float) -> ThermalState:
        n = model.num_qubits
        block = 2.0**n / (2 if model.conserves_parity else 1)
        if n > THERMAL_QUBITS:
            pure = f", or take the ground state (temperature=0, up to {self.max_qubits} qubits)" if n <= self.max_qubits else ""
            raise QuantumMemoryError(
                f"a thermal state of {n} qubits exceeds this backend's limit of {THERMAL_QUBITS} qubits for thermal "
                f"states: it needs every eigenstate, from a dense eigendecomposition of the 2^{n} x 2^{n} Hamiltonian "
                f"(memory grows as 4^n, time as 8^n); clamp qubits or use a smaller network{pure}"
            )
        check_memory(n, 3 * block + 4, "dense diagonalisation", self.max_qubits)
        energies, vectors = _dense_eigh(HamiltonianOperator(model), model.conserves_parity)
        with np.errstate(over="ignore"):  # a gap over a tiny temperature: that state's weight is 0, as it should be
            weights = np.exp(-(energies - energies[0]) / temperature)
            log_z = check_log_z(float(math.log(weights.sum()) - energies[0] / temperature), 1.0 / temperature)
        total = weights.sum()
        keep = weights / total > 1e-17
        return ThermalState(temperature, energies[keep], weights[keep] / total, vectors[:, keep], log_z, model.variables)

    # -- the contract -----------------------------------------------------------------
    def _resolve(self, beta, temperature, state) -> tuple[float, int]:
        """(temperature, eigenstate index) from the caller's arguments; temperature 0 = pure state."""
        if beta is not None and temperature is not None:
            raise ValueError("give beta or temperature, not both")
        if beta is not None:
            beta = check_beta(beta)
            temperature = 1.0 / beta
            if not math.isfinite(temperature):
                raise ValueError(f"beta={beta} is too small: the temperature 1/beta overflows; beta must be >= 1e-308")
        temperature = check_real(0.0 if temperature is None else temperature, "temperature", low=0.0)
        if isinstance(state, str):
            if state != "ground":
                raise ValueError(f"state must be 'ground' or an eigenstate index >= 0, got {state!r}")
            state = 0
        state = check_int(state, "state", minimum=0)
        if temperature > 0 and state != 0:
            raise ValueError("a thermal state (temperature > 0) mixes all eigenstates; state=k needs temperature=0")
        return temperature, state

    def _distributions(self, free: TransverseIsing, temperature: float, state: int, v0, previous):
        """Basis-state probabilities in the Z and X bases, the energy, log Z and info."""
        info: dict[str, Any] = {}
        if temperature > 0:
            thermal = self._thermal(free, temperature)
            amplitudes, weights = thermal.vectors, thermal.weights
            energy, log_z = thermal.energy, thermal.log_z
            info.update(temperature=temperature, free_energy=thermal.free_energy)
        else:
            _check_state_index(state, free.num_qubits)
            result = self._eigenstates(free, state + 1, v0, previous)
            if state == 0 and result.degeneracy > 1:
                amplitudes = result.vectors[:, : result.degeneracy]
                weights = np.full(result.degeneracy, 1.0 / result.degeneracy)
            else:
                amplitudes, weights = result.vectors[:, state:state + 1], np.ones(1)
            energy, log_z = float(result.energies[state]), None
            info.update(gap=result.gap, degeneracy=result.degeneracy, eigenstates=result,
                        sector_crossing=result.info["sector_crossing"], state=state)
            if result.parity is not None:
                info["parity"] = float(result.parity[state])
        p_z = np.square(amplitudes) @ weights
        p_x = None
        if free.has_transverse:
            x_amplitudes = fwht(amplitudes)
            np.square(x_amplitudes, out=x_amplitudes)
            p_x = x_amplitudes @ weights / amplitudes.shape[0]  # W/√2^n is the normalised transform
        return p_z, p_x, energy, log_z, info

    # moments, sample and sample_states name their first argument model (it may be a TransverseIsing) where the
    # contract says bqm, hence their ignore[override]; every caller passes it by position
    def moments(self, model: Any, *, beta: float | None = None, temperature: float | None = None,  # type: ignore[override]
                clamp: Any = None, seed: Any = None, state: Any = "ground",
                v0: np.ndarray | None = None, previous: Eigenstates | None = None, fields: Any = None,
                **options: Any) -> Moments:
        """⟨Z_i⟩, ⟨Z_iZ_j⟩, ⟨H⟩ (and ⟨X_i⟩, ⟨X_iX_j⟩) of a ground, excited or Gibbs state.

        Returns :class:`~isingbridge.backends.base.Moments` with ``mean``/``corr``
        in the Z basis, ``x_mean``/``x_corr`` in the X basis, ``energy`` = ⟨H⟩,
        ``log_z`` = log Tr e^{−H/T} for thermal states; ``info`` holds the gap,
        degeneracy, parity and (thermal) free energy.  Batched ``clamp`` /
        ``fields`` (Z fields) give a leading batch axis, as on every backend.
        """
        if is_batched(clamp, fields):
            return stack_moments([
                self.moments(row, beta=beta, temperature=temperature, clamp=row_clamp, seed=seed, state=state,
                             v0=v0, previous=previous, **options)
                for row, row_clamp in self._rows(model, clamp, fields)
            ])
        if options.get("num_reads") is not None:  # a state has no reads; checked so that typos are not hidden
            check_positive_int(options["num_reads"], "num_reads")
        options.pop("num_reads", None)
        as_rng(seed)  # exact: no randomness, but a bad seed is still an error
        self._check_options(options)
        temperature, state = self._resolve(beta, temperature, state)
        problem, free = self._prepare_quantum(model, clamp)
        n = free.num_qubits
        if n == 0:
            energy = float(free.bqm.offset)
            log_z = -energy / temperature if temperature > 0 else None
            empty = Moments([], np.zeros(0), np.zeros((0, 0)), energy, log_z, x_mean=np.zeros(0), x_corr=np.zeros((0, 0)))
            return problem.full_moments(empty)
        p_z, p_x, energy, log_z, info = self._distributions(free, temperature, state, v0, previous)
        mean, corr = z_statistics(p_z, n)
        x_mean, x_corr = z_statistics(p_x, n) if p_x is not None else (np.zeros(n), np.eye(n))
        info.update(backend=self.name)
        free_moments = Moments(list(free.variables), mean, corr, energy, log_z, x_mean=x_mean, x_corr=x_corr, info=info)
        return problem.full_moments(free_moments)

    def sample(self, model: Any, *, beta: float | None = None, temperature: float | None = None,  # type: ignore[override]
               num_reads: int | None = None, clamp: Any = None, seed: Any = None,
               state: Any = "ground", fields: Any = None, **options: Any) -> dimod.SampleSet:
        """Computational-basis measurements of the state (s = +1 for ``|0⟩``), as a SampleSet.

        Energies are those of the diagonal part (the BQM) of each measured basis state.
        Batched ``clamp`` / ``fields``: every row's reads with a ``clamp_row`` vector.
        ``info`` holds ``temperature``, ``state`` and ``beta``: the inverse
        temperature of a thermal state (the ``beta`` given, or 1/T), and None
        for a pure state (temperature 0: ground or excited), whose reads follow
        no temperature, as an annealer's do.
        """
        if is_batched(clamp, fields):
            rng = as_rng(seed)
            return concatenate_rows([
                self.sample(row, beta=beta, temperature=temperature, num_reads=num_reads, clamp=row_clamp, seed=rng,
                            state=state, **options)
                for row, row_clamp in self._rows(model, clamp, fields)
            ])
        num_reads = check_positive_int(self.default_num_reads if num_reads is None else num_reads, "num_reads")
        rng = as_rng(seed)
        v0 = options.pop("v0", None)
        options.pop("previous", None)  # only decides warnings about the ground state, which sampling does not give
        self._check_options(options)
        temperature, state = self._resolve(beta, temperature, state)
        problem, free = self._prepare_quantum(model, clamp)
        check_reads_memory(num_reads, len(problem.variables))
        n = free.num_qubits
        if n == 0:
            states = np.zeros((num_reads, 0), dtype=np.int8)
        else:
            p_z, _, _, _, _ = self._distributions(free, temperature, state, v0, None)
            indices = rng.choice(p_z.size, size=num_reads, p=p_z / p_z.sum())
            states = (-spin_rows(indices.astype(np.int64), n)).astype(np.int8)
        thermal_beta = (float(beta) if beta is not None else 1.0 / temperature) if temperature > 0 else None
        info = {"backend": self.name, "beta": thermal_beta, "temperature": temperature, "state": state}
        return problem.sampleset(states, info)

    def sample_states(self, model: Any, *, conditionals: Any = None, **kwargs: Any) -> Samples:  # type: ignore[override]
        """:meth:`sample`'s measurements in array form (int8 spins, ``(B, num_reads, N)`` for a batch).

        ``conditionals`` is refused: with transverse terms a spin has no
        classical conditional law given the others.
        """
        if conditionals is not None:
            raise ValueError("the statevector backend has no conditional means: with transverse terms a qubit's "
                             "Z value has no law given the others'; leave conditionals out")
        sampleset = self.sample(model, **kwargs)
        record = sampleset.record
        states = np.asarray(record.sample, dtype=np.int8)
        if sampleset.vartype is dimod.BINARY:
            states = (2 * states - 1).astype(np.int8)
        energies = np.asarray(record.energy, dtype=np.float64)
        if "clamp_row" in record.dtype.names:  # reads come in row order, the same number per row
            rows = int(record.clamp_row.max()) + 1
            states, energies = states.reshape(rows, -1, states.shape[1]), energies.reshape(rows, -1)
        return Samples(list(sampleset.variables), states, dict(sampleset.info), _energy_of=lambda _: energies)

    def expectation(self, model: Any, operator: Any, *, temperature: float | None = None,
                    clamp: Mapping | None = None, state: Any = "ground") -> float:
        """⟨O⟩ of any operator in the same state as :meth:`moments`.

        ``operator`` is a Hermitian qiskit ``SparsePauliOp`` or ``Pauli`` on the
        (free) qubits; a plain Pauli string such as ``"ZZI"``, one letter
        (I, X, Y, Z) per free qubit, qiskit's order (qubit 0 rightmost, qubit
        ``q`` is ``variables[q]``); or a list of terms ``(pauli_string, [labels],
        coefficient)`` written with labels, one label per Pauli letter, each
        qubit at most once per term, and a real coefficient, e.g.
        ``[("XZ", ["a", "b"], 0.5)]``.  Anything else is refused.  Evaluated
        with qiskit's ``Statevector``.

        Examples
        --------
        >>> import dimod
        >>> from isingbridge import TransverseIsing, get
        >>> model = TransverseIsing(dimod.BQM({}, {("a", "b"): -1.0}, 0.0, "SPIN"), x={"a": -0.5, "b": -0.5})
        >>> sv = get("statevector")
        >>> round(sv.expectation(model, "ZZ"), 4), round(sv.expectation(model, [("X", ["a"], 1.0)]), 4)
        (0.7071, 0.7071)
        """
        from qiskit.quantum_info import SparsePauliOp, Statevector

        temperature, state = self._resolve(None, temperature, state)
        _, free = self._prepare_quantum(model, clamp)
        operator = self._as_operator(free, operator, SparsePauliOp)
        if free.num_qubits == 0:  # a number times the identity on the empty register
            return float(np.sum(operator.coeffs.real))
        columns: list[tuple[float, np.ndarray]]
        if temperature > 0:
            thermal = self._thermal(free, temperature)
            columns = list(zip(thermal.weights, thermal.vectors.T))
        else:
            _check_state_index(state, free.num_qubits)
            result = self._eigenstates(free, state + 1, None, None)
            if state == 0 and result.degeneracy > 1:
                columns = [(1.0 / result.degeneracy, v) for v in result.vectors.T[: result.degeneracy]]
            else:
                columns = [(1.0, result.vectors[:, state])]
        return float(sum(w * Statevector(v).expectation_value(operator).real for w, v in columns))

    @staticmethod
    def _as_operator(model: TransverseIsing, operator: Any, SparsePauliOp) -> Any:
        from qiskit.quantum_info import Pauli

        n = max(model.num_qubits, 1)
        if isinstance(operator, str):
            operator = _pauli_string(model, operator)
        if isinstance(operator, Pauli):
            operator = SparsePauliOp(operator)
        if isinstance(operator, SparsePauliOp):
            _check_qubit_labels(model, operator)
            if operator.num_qubits != n:
                raise ValueError(f"the operator acts on {operator.num_qubits} qubits; the model has {model.num_qubits}")
            if not np.allclose((operator - operator.adjoint()).simplify().coeffs, 0.0):
                raise ValueError("the operator must be Hermitian (real coefficients on Pauli strings), "
                                 "so that its expectation is a real number")
            return operator
        if isinstance(operator, (str, bytes)) or not isinstance(operator, Sequence) or len(operator) == 0:
            raise TypeError("operator must be a Pauli string, a qiskit SparsePauliOp or Pauli, or a non-empty list of terms "
                            f"(pauli_string, [labels], coefficient), got {describe(operator)}")
        terms = [_pauli_term(model, k, term) for k, term in enumerate(operator)]
        return SparsePauliOp.from_sparse_list(terms, num_qubits=n)


def _pauli_string(model: TransverseIsing, text: str) -> Any:
    """A plain Pauli string (``"ZZI"``: one letter per free qubit, qubit 0 rightmost) as a qiskit ``Pauli``."""
    from qiskit.quantum_info import Pauli

    n = max(model.num_qubits, 1)
    if not text or not set(text) <= set("IXYZ"):
        raise ValueError(f"the operator string must be made of the letters I, X, Y, Z, got {describe(text)}")
    if len(text) != n:
        raise ValueError(f"the operator string {describe(text)} has {len(text)} letter(s) but the model has {n} free "
                         f"qubit(s) {model.variables} (qubit 0 is the rightmost letter); give one letter per qubit")
    return Pauli(text)


def _check_qubit_labels(model: TransverseIsing, operator: Any) -> None:
    """An operator exported from a model carries its labels: refuse it on a model whose qubits differ."""
    labels = getattr(operator, "qubit_labels", None)
    if labels is not None and list(labels) != model.variables and model.num_qubits > 0:
        raise ValueError(f"the operator's qubits are labelled {describe(list(labels))} but the model's free qubits are "
                         f"{describe(model.variables)}; export the operator from this model or relabel it")


def _pauli_term(model: TransverseIsing, k: int, term: Any) -> tuple[str, list[int], float]:
    """One ``(pauli_string, [labels], coefficient)`` term as qiskit's ``(string, [qubits], coefficient)``."""
    if not isinstance(term, (tuple, list)) or len(term) != 3:
        raise TypeError(f"operator term {k} must be a tuple (pauli_string, [labels], coefficient), got {describe(term)}")
    pauli, labels, coefficient = term
    if not isinstance(pauli, str) or not set(pauli) <= set("IXYZ"):
        raise ValueError(f"operator term {k}: the Pauli string must be made of the letters I, X, Y, Z, got {describe(pauli)}")
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
        raise TypeError(f"operator term {k}: labels must be a list with one qubit label per Pauli letter, "
                        f"got {describe(labels)} (write [{labels!r}] for a single label)")
    if len(labels) != len(pauli):
        raise ValueError(f"operator term {k} ({pauli!r}, {list(labels)!r}): the Pauli string has {len(pauli)} letter(s) "
                         f"but {len(labels)} label(s) are given; give one label per letter")
    unknown = [label for label in labels if not isinstance(label, Hashable) or label not in model.bqm.variables]
    if unknown:
        raise ValueError(f"operator term {k} ({pauli!r}) names unknown qubit label(s) {unknown} "
                         "(labels must be free qubits of the model, not clamped ones)")
    if len(set(labels)) != len(labels):
        raise ValueError(f"operator term {k} ({pauli!r}, {list(labels)!r}) names a qubit more than once; "
                         "multiply the Paulis of one qubit into a single letter first")
    return pauli, [model.qubit(label) for label in labels], check_real(coefficient, f"coefficient of operator term {k}")


def _check_v0(v0: Any, num_qubits: int) -> np.ndarray | None:
    """A Lanczos start vector: real (H is real symmetric), finite, nonzero, 2^n entries."""
    if v0 is None:
        return None
    vector = check_array(v0, "v0", ndim=(1, 2)).ravel()
    dim = 1 << num_qubits
    if vector.size != dim:
        raise ValueError(f"v0 must have 2^{num_qubits} = {dim} entries (one per basis state of the free qubits), "
                         f"got {vector.size}")
    if not np.any(vector):
        raise ValueError("v0 is all zeros; a start vector must be nonzero")
    return vector


def _check_state_index(state: int, num_qubits: int) -> None:
    if state >= 1 << num_qubits:
        raise ValueError(f"state={state} asks for an eigenstate that does not exist: {num_qubits} qubits have "
                         f"{1 << num_qubits} (indices 0 to {(1 << num_qubits) - 1})")
