"""The exact backend: Boltzmann statistics by enumerating every spin state.

The 2^N states are never stored.  The free spins are split into ``m`` *low*
spins (2^m states, held in a small table) and ``N − m`` *high* spins, whose
states are visited in chunks of rows.  For a chunk of high states the energies
of all (high, low) pairs form a matrix

    E[r, l] = E_high[r] + E_low[l] + (S_high[r] J_hl) · S_low[l],

built by two matrix products; a numba kernel turns it into Boltzmann weights
in place, and every moment is again a matrix product of those weights with the
spin tables: the low–high correlations are S_highᵀ W S_low, the low–low ones
S_lowᵀ diag(Σ_r W) S_low, the high–high ones S_highᵀ diag(Σ_l W) S_high.  The
work is O(2^N · m) flops in BLAS plus one ``exp`` per state, the memory is one
chunk (32 MB) plus 2^(N−m) row weights, and the weights are kept relative to
the lowest energy seen so far, so nothing overflows at any β.

Exact i.i.d. samples reuse the same pass: the row weights give the marginal of
the high spins, and the low spins are drawn given the high ones.

Examples
--------
>>> import dimod
>>> from isingbridge.backends import get
>>> bqm = dimod.BQM({0: 0.2}, {(0, 1): -1.0}, 0.0, "SPIN")
>>> m = get("exact").moments(bqm, beta=1.0)
>>> round(m.corr_of(0, 1), 6)       # tanh(1) for one ferromagnetic bond
0.761594
"""
from __future__ import annotations

import functools
import math
import time
import warnings
from dataclasses import dataclass
from typing import ClassVar

import dimod
import numba
import numpy as np

from isingbridge.backends.base import Backend, Batch, Moments, check_log_z, check_positive_int
from isingbridge.ir import CompiledBQM, compile_bqm
from isingbridge.validation import check_int, check_memory
from isingbridge.spins import spin_rows

__all__ = ["ExactBackend", "ModelTooLargeError", "SlowEnumerationWarning", "enumerate_rows", "enumeration_rate"]

LOW_BITS = 12
CHUNK_STATES = 1 << 22
#: An enumeration expected to take longer than this (seconds) warns first.
SLOW_SECONDS = 600.0
#: No machine enumerates slower than this (states/s): below SLOW_SECONDS at this rate, nothing is measured.
SLOWEST_RATE = 1e6
CALIBRATION_SPINS = 22


class ModelTooLargeError(ValueError):
    """The model has more free spins than an exact method can enumerate."""


class SlowEnumerationWarning(UserWarning):
    """An exact enumeration is expected to run longer than ``SLOW_SECONDS``; the message gives the estimate."""


def spin_table(num_bits: int, first: int = 0, count: int | None = None) -> np.ndarray:
    """Spins of the integers ``first … first+count−1``: bit k → spin ``2·bit − 1``."""
    count = (1 << num_bits) - first if count is None else count
    codes = np.arange(first, first + count, dtype=np.int64)
    return spin_rows(codes, num_bits)


@numba.njit(cache=True)
def _assemble_row(row: np.ndarray, base: float, e_low: np.ndarray) -> float:
    """row[l] += base + e_low[l] in place; return the row's minimum."""
    lowest = np.inf
    for lo in range(row.size):
        e = row[lo] + base + e_low[lo]
        row[lo] = e
        lowest = min(lowest, e)
    return lowest


@numba.njit(parallel=True, cache=True)
def _assemble_energies(cross: np.ndarray, e_high: np.ndarray, e_low: np.ndarray) -> float:
    """cross[r, l] += e_high[r] + e_low[l] in place; return the minimum."""
    rows = cross.shape[0]
    row_min = np.empty(rows)
    # the row loop lives in its own function: numba 0.68.0's parfor pass mistakes an
    # in-loop running minimum for a prange reduction and fails to compile
    for r in numba.prange(rows):
        row_min[r] = _assemble_row(cross[r], e_high[r], e_low)
    return row_min.min()


@numba.njit(parallel=True, cache=True)
def _boltzmann_weights(energies: np.ndarray, beta: float, reference: float, row_sum: np.ndarray, row_energy: np.ndarray) -> None:
    """energies → exp(−β(E − reference)) in place; fill per-row Σw and Σw·E."""
    rows, cols = energies.shape
    for r in numba.prange(rows):
        total = 0.0
        weighted = 0.0
        for lo in range(cols):
            e = energies[r, lo]
            w = math.exp(-beta * (e - reference))
            energies[r, lo] = w
            total += w
            weighted += w * e
        row_sum[r] = total
        row_energy[r] = weighted


@numba.njit(parallel=True, cache=True)
def _row_energies(shared: np.ndarray, high_terms: np.ndarray, low_terms: np.ndarray, energies: np.ndarray,
                  lowest: np.ndarray) -> None:
    """energies[r, l, b] = shared[r, l] + high_terms[r, b] + low_terms[l, b]; lowest[r, b] = its minimum over l."""
    rows, cols = shared.shape
    batch = high_terms.shape[1]
    for r in numba.prange(rows):
        for b in range(batch):
            lowest[r, b] = np.inf
        for lo in range(cols):
            base = shared[r, lo]
            for b in range(batch):
                e = base + high_terms[r, b] + low_terms[lo, b]
                energies[r, lo, b] = e
                if e < lowest[r, b]:
                    lowest[r, b] = e


@numba.njit(parallel=True, cache=True)
def _row_weights(energies: np.ndarray, beta: float, reference: np.ndarray, row_sum: np.ndarray,
                 row_energy: np.ndarray) -> None:
    """energies[r, l, b] → exp(−β(E − reference[b])) in place; fill Σ_l w and Σ_l w·E per (r, b)."""
    rows, cols, batch = energies.shape
    for r in numba.prange(rows):
        for b in range(batch):
            row_sum[r, b] = 0.0
            row_energy[r, b] = 0.0
        for lo in range(cols):
            for b in range(batch):
                e = energies[r, lo, b]
                w = math.exp(-beta * (e - reference[b]))
                energies[r, lo, b] = w
                row_sum[r, b] += w
                row_energy[r, b] += w * e


@dataclass
class _Split:
    """A model split into low spins (first ``m``) and high spins (the rest)."""

    model: CompiledBQM
    m: int

    def __post_init__(self) -> None:
        n, m = self.model.num_variables, self.m
        J = self.model.dense()
        h = self.model.h
        self.n_high = n - m
        self.s_low = spin_table(m)
        self.e_low = self.s_low @ h[:m] + 0.5 * np.einsum("li,li->l", self.s_low, self.s_low @ J[:m, :m])
        self.h_high = h[m:]
        self.J_hh = J[m:, m:]
        self.J_hl = J[m:, :m]
        self.rows_total = 1 << self.n_high
        self.chunk_rows = max(1, CHUNK_STATES >> m)

    def high_spins(self, codes: np.ndarray) -> np.ndarray:
        return spin_rows(codes, self.n_high)

    def energies(self, s_high: np.ndarray) -> tuple[np.ndarray, float]:
        """Energy matrix (rows: high states, columns: low states) and its minimum."""
        e_high = s_high @ self.h_high + 0.5 * np.einsum("ri,ri->r", s_high, s_high @ self.J_hh) + self.model.offset
        cross = (s_high @ self.J_hl) @ self.s_low.T
        cross = np.ascontiguousarray(cross)
        lowest = _assemble_energies(cross, e_high, self.e_low)
        return cross, lowest

    def chunks(self):
        for first in range(0, self.rows_total, self.chunk_rows):
            count = min(self.chunk_rows, self.rows_total - first)
            yield np.arange(first, first + count, dtype=np.int64)


@dataclass
class _Enumeration:
    """Accumulated results of one pass over all states."""

    log_z: float
    mean: np.ndarray
    corr: np.ndarray | None
    energy: float
    row_log_weights: np.ndarray | None
    ground_energy: float
    log_total: float = 0.0


def enumerate_model(model: CompiledBQM, beta: float, *, corr: bool = True, row_weights: bool = False) -> _Enumeration:
    """One pass over all 2^N states of ``model`` (see the module docstring)."""
    n = model.num_variables
    split = _Split(model, min(n, LOW_BITS))
    m, n_high = split.m, split.n_high
    reference = math.inf
    total = 0.0
    weighted_energy = 0.0
    col_total = np.zeros(1 << m)
    mean_high = np.zeros(n_high)
    corr_hl = np.zeros((n_high, m))
    corr_hh = np.zeros((n_high, n_high))
    row_logs = np.empty(split.rows_total) if row_weights else None
    row_reference = np.empty(split.rows_total) if row_weights else None
    for codes in split.chunks():
        s_high = split.high_spins(codes)
        weights, lowest = split.energies(s_high)
        if lowest < reference:
            if math.isfinite(reference):
                scale = math.exp(-beta * (reference - lowest))
                total *= scale
                weighted_energy *= scale
                col_total *= scale
                mean_high *= scale
                corr_hl *= scale
                corr_hh *= scale
            reference = lowest
        row_sum = np.empty(codes.size)
        row_energy = np.empty(codes.size)
        _boltzmann_weights(weights, beta, reference, row_sum, row_energy)
        total += row_sum.sum()
        weighted_energy += row_energy.sum()
        col_total += weights.sum(axis=0)
        mean_high += row_sum @ s_high
        if corr:
            corr_hl += s_high.T @ (weights @ split.s_low)
            corr_hh += (s_high * row_sum[:, None]).T @ s_high
        if row_logs is not None and row_reference is not None:
            with np.errstate(divide="ignore"):
                row_logs[codes] = np.log(row_sum)
            row_reference[codes] = reference
    mean = np.concatenate([col_total @ split.s_low, mean_high]) / total
    full_corr = None
    if corr:
        full_corr = np.empty((n, n))
        full_corr[:m, :m] = (split.s_low * col_total[:, None]).T @ split.s_low
        full_corr[m:, :m] = corr_hl
        full_corr[:m, m:] = corr_hl.T
        full_corr[m:, m:] = corr_hh
        full_corr /= total
        np.fill_diagonal(full_corr, 1.0)
    if row_logs is not None and row_reference is not None:
        # relative to the ground energy: -beta * E itself may overflow where differences do not
        with np.errstate(over="ignore"):
            row_logs -= beta * (row_reference - reference)
    return _Enumeration(
        log_z=math.log(total) - beta * reference, mean=mean, corr=full_corr,
        energy=weighted_energy / total, row_log_weights=row_logs, ground_energy=reference,
        log_total=math.log(total),
    )


#: Rows enumerated together by :func:`enumerate_rows`, and the numbers of one chunk of its (state, row) energies.
ROW_BLOCK = 256
CHUNK_ENTRIES = 1 << 21


@dataclass
class _Rows:
    """Exact moments of ``B`` rows over shared free spins (row axis first)."""

    log_z: np.ndarray
    mean: np.ndarray
    corr: np.ndarray | None
    energy: np.ndarray
    ground_energy: np.ndarray


def enumerate_rows(model: CompiledBQM, shift: np.ndarray, const: np.ndarray, beta: float, *,
                   corr: bool = True) -> _Rows:
    """Exact moments of ``B`` models that differ from ``model`` by fields and a constant.

    Row ``b`` has energy ``E(s) + s · shift[b] + const[b]``, ``E`` the energy
    of ``model``.  The 2^N states are enumerated once per block of
    :data:`ROW_BLOCK` rows: the shared energies come from the low/high split
    of :func:`enumerate_model`, each row's field term from one matrix
    product per chunk, and every row keeps its own reference energy, so
    nothing overflows at any β.

    Examples
    --------
    >>> import dimod
    >>> model = compile_bqm(dimod.BQM({0: 0.0}, {}, 0.0, "SPIN"))
    >>> rows = enumerate_rows(model, np.array([[0.0], [1.0]]), np.zeros(2), 1.0)
    >>> np.round(rows.mean[:, 0], 6).tolist()                 # 0 and -tanh(1)
    [0.0, -0.761594]
    """
    blocks = [_enumerate_block(model, shift[start:start + ROW_BLOCK], const[start:start + ROW_BLOCK], beta, corr)
              for start in range(0, shift.shape[0], ROW_BLOCK)]

    def joined(k: int) -> np.ndarray:
        return np.concatenate([block[k] for block in blocks])

    return _Rows(joined(0), joined(1), None if blocks[0][2] is None else joined(2), joined(3), joined(4))


def rows_memory(num_spins: int, num_rows: int, corr: bool = True) -> float:
    """Bytes :func:`enumerate_rows` holds at once for ``num_rows`` rows of ``num_spins`` free spins."""
    block = min(num_rows, ROW_BLOCK)
    m = _low_bits(num_spins, corr)
    chunk = 4.0 * max(CHUNK_ENTRIES, block << m)  # energies, weights and two temporaries
    per_state_table = (num_spins - m) * (block << m) * (2 if corr else 0)
    outputs = num_rows * (num_spins * num_spins * (2 if corr else 0) + 4 * num_spins + 8)
    return 8.0 * (chunk + per_state_table + outputs)


def _low_bits(num_spins: int, corr: bool) -> int:
    """The split that minimises the per-row work of :func:`_enumerate_block`.

    Per row: the high–low sums cost 2^N · (N − m), the low–low products
    2^m · m², the high–high ones 2^(N−m) · (N − m)²; without correlations only
    the shared energies (2^N, any m) and the means matter.
    """
    if not corr:
        return min(num_spins, LOW_BITS)
    def cost(m: int) -> float:
        high = num_spins - m
        return 2.0**num_spins * (high + 1) + 2.0**m * m * m + 2.0**high * high * high
    return min(range(min(num_spins, LOW_BITS) + 1), key=cost)


def _enumerate_block(model: CompiledBQM, shift: np.ndarray, const: np.ndarray, beta: float, corr: bool) -> tuple:
    n, rows = model.num_variables, shift.shape[0]
    if n == 0:
        energy = model.offset + const
        return -beta * energy, np.zeros((rows, 0)), np.zeros((rows, 0, 0)) if corr else None, energy, energy
    split = _Split(model, _low_bits(n, corr))
    m, n_high, s_low = split.m, split.n_high, split.s_low
    low_shift = np.ascontiguousarray(s_low @ shift[:, :m].T)  # (L, B): each low state's field term in each row
    reference = np.full(rows, np.inf)
    total, energy_sum = np.zeros(rows), np.zeros(rows)
    col_total = np.zeros((s_low.shape[0], rows))
    mean_high = np.zeros((n_high, rows))
    pairs_high = np.zeros((n_high * n_high, rows)) if corr else None
    high_low = np.zeros((n_high, s_low.shape[0], rows)) if corr else None
    high_rows = max(1, CHUNK_ENTRIES // (s_low.shape[0] * rows))
    for first in range(0, split.rows_total, high_rows):
        codes = np.arange(first, min(first + high_rows, split.rows_total), dtype=np.int64)
        s_high = split.high_spins(codes)
        shared, _ = split.energies(s_high)
        weights = np.empty((codes.size, s_low.shape[0], rows))
        row_sums, row_energies = np.empty((codes.size, rows)), np.empty((codes.size, rows))
        _row_energies(shared, s_high @ shift[:, m:].T + const, low_shift, weights, row_sums)
        lowest = np.minimum(reference, row_sums.min(axis=0))
        scale = np.exp(-beta * (reference - lowest))  # 0 before the first chunk: every sum is still 0
        reference = lowest
        for accumulated in (total, energy_sum, col_total, mean_high, pairs_high, high_low):
            if accumulated is not None:
                accumulated *= scale
        _row_weights(weights, beta, reference, row_sums, row_energies)
        total += row_sums.sum(axis=0)
        energy_sum += row_energies.sum(axis=0)
        col_total += weights.sum(axis=0)
        mean_high += s_high.T @ row_sums
        if pairs_high is not None and high_low is not None:
            pairs_high += (s_high[:, :, None] * s_high[:, None, :]).reshape(codes.size, -1).T @ row_sums
            high_low += (s_high.T @ weights.reshape(codes.size, -1)).reshape(high_low.shape)
    mean = np.concatenate([s_low.T @ col_total, mean_high]).T / total[:, None]
    full_corr = None
    if pairs_high is not None and high_low is not None:
        full_corr = np.empty((rows, n, n))
        pairs_low = (s_low[:, :, None] * s_low[:, None, :]).reshape(s_low.shape[0], -1)
        full_corr[:, :m, :m] = (pairs_low.T @ col_total).T.reshape(rows, m, m)
        cross = np.einsum("ilb,lj->bij", high_low, s_low)
        full_corr[:, m:, :m] = cross
        full_corr[:, :m, m:] = cross.transpose(0, 2, 1)
        full_corr[:, m:, m:] = pairs_high.T.reshape(rows, n_high, n_high)
        full_corr /= total[:, None, None]
        full_corr[:, np.arange(n), np.arange(n)] = 1.0
    return np.log(total) - beta * reference, mean, full_corr, energy_sum / total, reference


def exact_samples(model: CompiledBQM, beta: float, num_reads: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """``num_reads`` i.i.d. Boltzmann samples (int8 rows) and log Z."""
    n = model.num_variables
    if n == 0:
        return np.zeros((num_reads, 0), dtype=np.int8), -beta * model.offset
    result = enumerate_model(model, beta, corr=False, row_weights=True)
    split = _Split(model, min(n, LOW_BITS))
    assert result.row_log_weights is not None  # asked for with row_weights=True
    p_rows = np.exp(result.row_log_weights - result.log_total)
    rows = rng.choice(p_rows.size, size=num_reads, p=p_rows / p_rows.sum())
    states = np.empty((num_reads, n), dtype=np.int8)
    unique, inverse = np.unique(rows, return_inverse=True)
    num_low = 1 << split.m
    for start in range(0, unique.size, split.chunk_rows):
        codes = unique[start:start + split.chunk_rows]
        reads = np.flatnonzero((inverse >= start) & (inverse < start + codes.size))
        local = inverse[reads] - start
        s_high = split.high_spins(codes)
        energies, lowest = split.energies(s_high)
        with np.errstate(over="ignore"):  # β·ΔE beyond float64 is a weight of exactly 0
            cumulative = np.cumsum(np.exp(-beta * (energies - lowest)), axis=1)
        cumulative /= cumulative[:, -1:]
        # one searchsorted for all rows: row k's cumulative weights live in [k, k + 1]
        flat = (cumulative + np.arange(codes.size)[:, None]).ravel()
        position = np.searchsorted(flat, local + rng.random(reads.size), side="right")
        lows = np.clip(position - local * num_low, 0, num_low - 1)
        states[reads, : split.m] = split.s_low[lows]
        states[reads, split.m:] = s_high[local]
    return states, result.log_z


def state_energies(model: CompiledBQM) -> np.ndarray:
    """Energies of all 2^N states in code order: bit k of the index set ↔ s_k = +1.

    Uses 8·2^N bytes; the statevector backend reads it reversed (bit k set ↔
    s_k = −1 ↔ ``|1⟩``) as the diagonal of a Hamiltonian.
    """
    n = model.num_variables
    if n == 0:
        return np.array([float(model.offset)])
    split = _Split(model, min(n, LOW_BITS))
    out = np.empty(1 << n)
    width = 1 << split.m
    for codes in split.chunks():
        energies, _ = split.energies(split.high_spins(codes))
        out[codes[0] * width:(codes[-1] + 1) * width] = energies.ravel()
    return out


def ground_states(model: CompiledBQM, max_states: int = 1024, rtol: float = 1e-9) -> tuple[np.ndarray, float]:
    """Minimum-energy states (the first ``max_states`` in enumeration order) and the minimum energy.

    Streams: at most ``max_states`` states are held at any time, whatever the
    degeneracy (an all-zero model of N spins has 2^N ground states).
    """
    n = model.num_variables
    if n == 0:
        return np.zeros((1, 0), dtype=np.int8), float(model.offset)
    split = _Split(model, min(n, LOW_BITS))
    best = math.inf
    found = np.empty((min(max_states, 1 << n), n), dtype=np.int8)
    count = 0
    for codes in split.chunks():
        s_high = split.high_spins(codes)
        energies, lowest = split.energies(s_high)
        tolerance = rtol * max(1.0, abs(min(lowest, best)))
        if lowest < best - tolerance:
            best, count = lowest, 0
        if lowest > best + tolerance:
            continue
        best = min(best, lowest)  # even when the buffer is full: the energy reported is the true minimum
        if count == found.shape[0]:
            continue
        flat = np.flatnonzero(energies.ravel() <= best + tolerance)[: found.shape[0] - count]
        r, lo = np.divmod(flat, energies.shape[1])
        found[count:count + flat.size, : split.m] = split.s_low[lo]
        found[count:count + flat.size, split.m:] = s_high[r]
        count += flat.size
    return found[:count].copy(), best


@functools.lru_cache(maxsize=1)
def enumeration_rate() -> float:
    """States per second of a full moments pass on this machine, measured once per process.

    One warm-up and one timed pass over a dense model of ``CALIBRATION_SPINS``
    spins (4 million states, a fraction of a second); per-state work barely
    depends on N, so the rate carries over to larger models, if anything
    pessimistically (fixed costs weigh more on a small model).
    """
    n = CALIBRATION_SPINS
    bqm = dimod.BQM({i: 0.1 for i in range(n)}, {(i, j): 0.01 for i in range(n) for j in range(i + 1, n)}, 0.0, "SPIN")
    model = compile_bqm(bqm)
    enumerate_model(model, 1.0)
    start = time.perf_counter()
    enumerate_model(model, 1.0)
    return float(2**n / max(time.perf_counter() - start, 1e-9))


def estimated_seconds(num_spins: int, rows: int = 1) -> float:
    """Expected time of enumerating ``num_spins`` free spins for ``rows`` rows (0 when surely under ``SLOW_SECONDS``)."""
    states = rows * 2.0**num_spins
    if states / SLOWEST_RATE <= SLOW_SECONDS:
        return 0.0
    return states / enumeration_rate()


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} seconds"


class ExactBackend(Backend):
    """Exact Boltzmann statistics by enumeration (the reference backend).

    ``moments`` returns exact ``mean``, ``corr``, ``energy`` and ``log_z``;
    ``sample`` returns exact i.i.d. samples; :meth:`ground_states` returns all
    minimum-energy states.  Time grows as 2^N (28 dense free spins take a few
    seconds on two cores); memory stays O(N²) plus 2^(N−12) numbers.

    Parameters
    ----------
    max_variables : int
        Largest number of *free* spins accepted (default 30). Larger models are
        refused at once, before any work.

    Examples
    --------
    >>> import dimod
    >>> from isingbridge.backends import get
    >>> bqm = dimod.BQM({"a": 1.0, "b": 0.0}, {("a", "b"): -0.5}, 0.0, "SPIN")
    >>> exact = get("exact")
    >>> m = exact.moments(bqm, beta=2.0, clamp={"b": 1})
    >>> round(m.mean_of("a"), 6)          # tanh(−2·(1 − 0.5))
    -0.761594
    >>> {v: int(s) for v, s in exact.ground_states(bqm).first.sample.items()}
    {'a': -1, 'b': -1}
    """

    name: ClassVar[str] = "exact"
    default_num_reads: ClassVar[int] = 10
    exact: ClassVar[bool] = True

    def __init__(self, *, max_variables: int = 30, cache_size: int = 16):
        super().__init__(cache_size=cache_size)
        self.max_variables = check_positive_int(max_variables, "max_variables")

    def limits(self) -> str:
        """One line on the sizes this backend handles (for ``isingbridge backends``)."""
        return f"up to {self.max_variables} free spins (2^N time, O(N^2) memory)"

    def check_size(self, num_variables: int) -> None:
        """Refuse more than ``max_variables`` free spins (:class:`ModelTooLargeError`)."""
        n = check_int(num_variables, "num_variables", minimum=0)
        if n > self.max_variables:
            raise ModelTooLargeError(
                f"the exact backend enumerates at most {self.max_variables} free spins and this model has "
                f"{n}; clamp more spins, or use a sampling backend: get('gibbs') or get('anneal')"
            )

    def _check_size(self, model: CompiledBQM, stacklevel: int = 4, rows: int = 1) -> None:
        """Refuse more than ``max_variables`` free spins; warn when the enumeration (of ``rows`` rows) will take long."""
        n = model.num_variables
        self.check_size(n)
        seconds = estimated_seconds(n, rows)
        if seconds > SLOW_SECONDS:
            batch = f" for each of {rows} rows" if rows > 1 else ""
            warnings.warn(
                f"exact enumeration of {n} free spins visits 2^{n} = {2.0**n:.3g} states{batch}; at the "
                f"{enumeration_rate():.3g} states/s measured on this machine that takes about {_duration(seconds)}. "
                "Clamp more spins, lower max_variables to be refused at once, or use get('gibbs') or get('anneal')",
                SlowEnumerationWarning, stacklevel=stacklevel,
            )

    def _sample_free(self, model, beta, num_reads, rng, **options):
        self._check_size(model)
        states, log_z = exact_samples(model, beta, num_reads, rng)
        return states, {"log_z": log_z}, {}

    def _moments_free(self, model, beta, rng, **options) -> Moments:
        options.pop("num_reads", None)
        self._check_size(model)
        if model.num_variables == 0:
            return Moments([], np.zeros(0), np.zeros((0, 0)), float(model.offset),
                           check_log_z(-beta * model.offset, beta))
        result = enumerate_model(model, beta)
        return Moments(
            variables=list(model.variables), mean=result.mean, corr=result.corr,
            energy=result.energy, log_z=check_log_z(result.log_z, beta), info={"ground_energy": result.ground_energy},
        )

    def _moments_batch(self, batch: Batch, beta, rng, **options) -> Moments:
        """Every row at once: the free spins are enumerated once per block of rows (:func:`enumerate_rows`)."""
        options.pop("num_reads", None)
        full = self._cache.compile(batch.bqm)
        free = full.restrict(batch.free_positions)
        check_memory(rows_memory(free.num_variables, batch.size),
                     f"exact moments of {batch.size} rows of {free.num_variables} free spins", "give fewer rows per call")
        self._check_size(free, stacklevel=5, rows=batch.size)
        shift, const = batch.row_terms(full)
        result = enumerate_rows(free, shift, const, beta)
        for log_z in result.log_z[~np.isfinite(result.log_z)][:1]:
            check_log_z(float(log_z), beta)
        return batch.full_moments(result.mean, result.corr, result.energy, result.log_z,
                                  {"ground_energy": result.ground_energy})

    def ground_states(
        self, bqm: dimod.BinaryQuadraticModel, *, clamp: dict | None = None, max_states: int = 1024
    ) -> dimod.SampleSet:
        """All minimum-energy states of ``bqm`` (given ``clamp``), lowest first.

        Parameters
        ----------
        max_states : int
            Cap on the number of degenerate ground states returned.
        """
        max_states = check_positive_int(max_states, "max_states")
        problem = self.prepare(bqm, clamp)
        n = len(problem.variables)
        kept = min(max_states, 2 ** min(problem.num_free, 62))
        check_memory(kept * (2 * n + 64), f"{kept} ground states of {n} spins", "lower max_states")
        self._check_size(problem.free, stacklevel=3)
        states, energy = ground_states(problem.free, max_states)
        return problem.sampleset(states, {"ground_energy": energy, "backend": self.name})

    def log_partition(self, bqm: dimod.BinaryQuadraticModel, *, beta: float = 1.0, clamp: dict | None = None) -> float:
        """log Z of ``bqm`` at ``beta`` (conditional on ``clamp``)."""
        log_z = self.moments(bqm, beta=beta, clamp=clamp).log_z
        assert log_z is not None  # exact moments always carry log Z
        return float(log_z)
