"""CPU engines of the Gibbs (p-bit) backend.

Two engines share one interface (:class:`Chains`): ``load(states)``,
``run(num_sweeps)``, ``states()``.

:class:`SparseChains` — numba kernels over the CSR neighbour lists.  Chains are
stored in blocks of ``B`` (≤ 128) as an ``(num_blocks, N, B)`` int8 array, so
the chain index is innermost and contiguous: one spin update is a vector
operation over the ``B`` chains of a block (the neighbour loads are contiguous
``B``-byte rows), and numba threads take whole blocks, so no two threads ever
touch the same chain and the result does not depend on the thread count.
Each chain has its own xorshift128 generator (4 × uint32 words, advanced in
lock-step across a block, so the four words are addressed circularly instead
of being shifted).  A sweep visits the spins colour by colour
(:func:`isingbridge.ir.graph_coloring`): spins of one colour are conditionally
independent, so this is the chromatic Gibbs sweep, done sequentially inside a
block because the vector parallelism is already across chains.  ``scan="random"``
instead draws N random sites per sweep (shared by the chains of a block).

Two probability paths:

* *integer fields* — when every h_i and J_ij is an integer multiple of one
  quantum q (lattices, ±J glasses, quantised circuits), the local field is an
  integer k·q and P(s_i = +1) = 1 / (1 + exp(2βqk)) comes from a table of
  32-bit thresholds computed in double precision: the update is exact up to
  the 2^-32 resolution of the random numbers.
* *real fields* — float32 field accumulation and ``exp``; relative field error
  ~1e-7, far below anything a finite run can resolve.

Both paths also run Metropolis updates (``acceptance="Metropolis"``, dwave-samplers'
default rule): the same draws decide whether s_i flips, with probability
min(1, exp(2β s_i f_i)); the integer tables then hold the probability that s_i stays, by level of s_i·f_i.

:class:`LayerChains` — for graphs with few, large colour classes (RBM-like
bipartite graphs, 784×500): each colour's fields are one dense matrix product
(BLAS, float32) over all chains, followed by vectorised numpy ``exp`` and
uniform draws.  Neighbour loops are 30–60× slower there.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
from numba import prange, uint32

from isingbridge.ir import CompiledBQM, largest_magnitude
from isingbridge.validation import check_choice, check_memory

__all__ = ["SparseChains", "LayerChains", "ChainSums", "choose_method", "integer_quantum", "layer_arrays", "per_chain_fields",
           "spin_sum_dtype", "MAX_BLOCK", "ACCEPTANCE"]

MAX_BLOCK = 128
_M32 = 0xFFFFFFFF
_TABLE_LIMIT = (1 << 14) - 1  # field levels: table indices 0..2·top must fit int16
_INV_2_24 = 1.0 / (1 << 24)
#: Largest field magnitude kept as it is in float32 (max 3.4e38): above, fields are divided by their maximum.
FLOAT32_FIELD_LIMIT = 1e30
_F32_MAX = float(np.finfo(np.float32).max)
#: Threshold entries an annealing schedule's tables may hold per kernel call (4 MiB): longer schedules run in chunks.
TABLE_ENTRIES = 1 << 20
_NO_SCALE = np.zeros(0, dtype=np.float64)
#: Update rules of :class:`SparseChains`, named as dwave-samplers' ``proposal_acceptance_criteria``.
ACCEPTANCE = ("Gibbs", "Metropolis")


def float32_arithmetic(max_field: float, beta: float) -> tuple[float, np.float32]:
    """``(c, 2βc)`` for float32 updates: fields divided by ``c`` (1 unless above ``FLOAT32_FIELD_LIMIT``).

    Biases beyond float32's range would become ±inf and their sums NaN (a
    spin then always flips down); only β·f matters, so the scale moves into
    the factor 2βc, which saturates at float32's largest value (a sign
    decision) rather than inf, so that a zero field never meets inf·0.
    """
    c = max_field if max_field > FLOAT32_FIELD_LIMIT else 1.0
    return c, np.float32(min(2.0 * beta * c, float(np.finfo(np.float32).max)))


@numba.njit(inline="always")
def _xorshift_block(st, c, u, B):
    """Advance every lane's xorshift128 by one step; write 32-bit outputs to ``u``."""
    sx = st[c]
    sy = st[(c + 1) & 3]
    sw = st[(c + 3) & 3]
    for r in range(B):
        x = sx[r]
        w = sw[r]
        t = uint32((x ^ (x << uint32(11))) & _M32)
        nw = uint32(w ^ (w >> uint32(19)) ^ t ^ (t >> uint32(8)))
        sx[r] = nw
        u[r] = uint32((nw + sy[r]) & _M32)
    return (c + 1) & 3


@numba.njit(inline="always")
def _site(scan_state, n):
    """Next random site index in [0, n) from a per-block xorshift64 state (random scan)."""
    x = scan_state[0]
    x ^= (x << np.uint64(13)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    x ^= x >> np.uint64(7)
    x ^= (x << np.uint64(17)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    scan_state[0] = x
    return np.int64((x >> np.uint64(32)) * np.uint64(n) >> np.uint64(32))


@numba.njit(inline="always")
def _local_field(acc, sp, indptr, indices, weights, i, hi, offsets, B):
    """acc[r] = h_i (+ offsets[i, r], the chain's own field offset, when given) + Σ_j J_ij s_j for every chain r of a block."""
    if offsets.shape[0] > 0:
        row = offsets[i]
        for r in range(B):
            acc[r] = hi + row[r]
    else:
        for r in range(B):
            acc[r] = hi
    for k in range(indptr[i], indptr[i + 1]):
        j = indices[k]
        w = weights[k]
        for r in range(B):
            acc[r] += w * sp[j, r]


#: Records an int8 window of spin sums holds before it is added to the batch sums.
WINDOW = 127


@numba.njit(inline="always")
def _record_index(t, burn, thin, num_records):
    """Index of the record taken after sweep ``t``, or -1 (burn-in or thinned out)."""
    done = t + 1 - burn
    if done <= 0 or done % thin != 0 or done // thin > num_records:
        return -1
    return done // thin - 1


@numba.njit(inline="always")
def _add_rows(win, sp, i0, i1, B):
    """win[i, r] += sp[i, r] for rows i0 ≤ i < i1 (int8 window: one cache-resident byte per spin and chain)."""
    for i in range(i0, i1):
        w = win[i]
        x = sp[i]
        for r in range(B):
            w[r] = np.int8(w[r] + x[r])


@numba.njit(inline="always")
def _record_pairs(sp, pair_sums, pair_i, pair_j, lo, hi):
    """Add s_i s_j of the listed pairs, summed over the chains in lanes ``lo ≤ r < hi`` of a block (one group)."""
    for p in range(pair_i.size):
        i = pair_i[p]
        j = pair_j[p]
        # ±1 bytes: s_i XOR s_j is 0 where they agree and −2 where they differ, so Σ s_i s_j = (hi − lo) + Σ XOR;
        # a byte XOR summed into int32 vectorises where the int8 product (promoted to int64) did not
        total = np.int32(0)
        for r in range(lo, hi):
            total += np.int32(sp[i, r] ^ sp[j, r])
        pair_sums[p] += total + (hi - lo)


@numba.njit(inline="always")
def _close_record(win, spin_sums, field_sums, h, offsets, scale, g0, g1, group_lanes, index, batch_of, num_batches,
                  count, n, B):
    """Count a record in the window; add the window to its batch's sums when full or at the batch's end.

    ``spin_sums`` may hold fewer batches than the ``num_batches`` of the
    records (e.g. 2: the chain halves); batch k then goes to k · len(spin_sums) // num_batches.
    ``field_sums[g, k]`` gets Σ_i (h_i + scale · offsets[i, r]) s_i over the chains r of each group g of the
    block (groups ``g0 ≤ g < g1``, lanes ``group_lanes[g]``): the field part of ⟨E⟩.
    """
    count += 1
    last = index + 1 >= batch_of.size or batch_of[index + 1] != batch_of[index]
    if count == WINDOW or last:
        ss = spin_sums[batch_of[index] * spin_sums.shape[0] // num_batches]
        per_chain = offsets.shape[0] > 0
        for g in range(g0, g1):
            field = 0.0
            for i in range(n):
                total = 0
                extra = 0.0
                for r in range(group_lanes[g, 0], group_lanes[g, 1]):
                    total += win[i, r]
                    if per_chain:
                        extra += np.float64(offsets[i, r]) * win[i, r]
                field += h[i] * total + scale * extra
            field_sums[g, batch_of[index]] += field
        for i in range(n):
            for r in range(B):
                ss[i, r] += win[i, r]
                win[i, r] = 0
        count = 0
    return count


@numba.njit(inline="always")
def _record_sweep(sp, win, spin_sums, pair_sums, field_sums, h, offsets, scale, pair_i, pair_j, g0, g1, group_lanes,
                  random_scan, index, batch_of, count, n, B):
    """After a recorded sweep: the pair products of each group of the block, then the spins' window."""
    if random_scan:
        _add_rows(win, sp, 0, n, B)
    for g in range(g0, g1):
        _record_pairs(sp, pair_sums[g, batch_of[index]], pair_i, pair_j, group_lanes[g, 0], group_lanes[g, 1])
    return _close_record(win, spin_sums, field_sums, h, offsets, scale, g0, g1, group_lanes, index, batch_of,
                         pair_sums.shape[1], count, n, B)


@numba.njit(inline="always")
def _flip_by_table(row, u, acc, table, lane_rows, metropolis, kept, B):
    """row[r] = +1 iff u[r] < the threshold of field level acc[r] in lane r's table (one shared table: no row look-up).

    ``metropolis``: the tables hold P(stay) by level of s·f instead (see
    :meth:`SparseChains._tables`): a spin at −1 reads the mirror image of its
    level, the same look-up then says "stay" (+1) or "flip" (−1), and the
    result is multiplied by the old spin, kept in the scratch ``kept``.
    """
    if metropolis:
        mirror = table.shape[1] - 1
        for r in range(B):
            kept[r] = row[r]
            acc[r] = acc[r] if row[r] > 0 else mirror - acc[r]
    if table.shape[0] == 1:
        shared = table[0]
        for r in range(B):
            row[r] = 1 if u[r] < shared[acc[r]] else -1
    else:
        for r in range(B):
            row[r] = 1 if u[r] < table[lane_rows[r], acc[r]] else -1
    if metropolis:
        for r in range(B):
            row[r] *= kept[r]


@numba.njit(inline="always")
def _uniform(u):
    """A float32 uniform in (0, 1) from the top 24 bits of a 32-bit draw."""
    return (np.float32(np.int32(u >> uint32(8))) + np.float32(0.5)) * np.float32(_INV_2_24)


@numba.njit(inline="always")
def _flip_by_exp(row, u, acc, two_beta, metropolis, B):
    """row[r] = +1 iff u·(1 + exp(2β f)) < 1, f = acc[r] and 2β = two_beta[r] (float32, fields divided by c).

    ``metropolis``: the spin flips iff u < exp(2β s f), i.e. with probability
    min(1, exp(−β ΔE)) for ΔE = −2 s f: always when the flip does not raise the energy.
    """
    one = np.float32(1.0)
    if metropolis:
        for r in range(B):
            s = row[r]
            row[r] = -s if _uniform(u[r]) < math.exp(two_beta[r] * (np.float32(s) * acc[r])) else s
    else:
        for r in range(B):
            row[r] = 1 if _uniform(u[r]) * (one + math.exp(two_beta[r] * acc[r])) < one else -1


@numba.njit(parallel=True, fastmath=True, boundscheck=False, cache=True)
def _sweeps_integer(spins, indptr, indices, jint, hint, thresholds, rows, metropolis, order, rng, counters, scan_states,
                    random_scan, field_offsets, num_sweeps, burn, thin, batch_of, windows, spin_sums, pair_sums, field_sums,
                    h, offset_scale, pair_i, pair_j, group_ptr, group_lanes):
    """Gibbs sweeps with integer fields: s_i = +1 iff u < thresholds[t, rows[lane], h_i + Σ_j J_ij s_j].

    ``thresholds`` ``(S, T, levels)`` holds one table per inverse temperature
    ``T`` of the chains (lane r of block b uses row ``rows[b, r]``) for each
    sweep t < S (S = 1: the same tables for every sweep).  ``metropolis``:
    Metropolis updates instead, the tables holding P(stay) (:func:`_flip_by_table`).
    ``field_offsets`` ``(num_blocks, N, B)`` (or ``N = 0``: none) adds a
    field offset per chain (in units of the quantum) to ``hint``.  After sweep
    t ≥ ``burn``, every ``thin``-th state is added to time batch
    ``batch_of[record]`` of the block's accumulators: spins through an int8
    window (:func:`_close_record`), pair products of each group of chains
    directly (:func:`_record_pairs`).
    """
    num_blocks, n, B = spins.shape
    for b in prange(num_blocks):
        sp = spins[b]
        st = rng[b]
        c = counters[b]
        acc = np.empty(B, hint.dtype)
        u = np.empty(B, np.uint32)
        sites = order.copy()
        win = windows[b]
        fb = field_offsets[b]
        count = 0
        lane_rows = rows[b]
        kept = np.empty(B, np.int8)
        for t in range(num_sweeps):
            table = thresholds[min(t, thresholds.shape[0] - 1)]
            index = _record_index(t, burn, thin, batch_of.size)
            # chromatic sweeps set each spin once: add it to the window right after its update, while in cache
            fused = index >= 0 and batch_of[index] >= 0 and not random_scan
            if random_scan:
                for step in range(n):
                    sites[step] = _site(scan_states[b], n)
            for step in range(n):
                i = sites[step]
                _local_field(acc, sp, indptr, indices, jint, i, hint[i], fb, B)
                c = _xorshift_block(st, c, u, B)
                _flip_by_table(sp[i], u, acc, table, lane_rows, metropolis, kept, B)
                if fused:
                    _add_rows(win, sp, i, i + 1, B)
            if index >= 0 and batch_of[index] >= 0:
                count = _record_sweep(sp, win, spin_sums[b], pair_sums, field_sums, h, fb, offset_scale, pair_i, pair_j,
                                      group_ptr[b], group_ptr[b + 1], group_lanes, random_scan, index, batch_of, count,
                                      n, B)
        counters[b] = c


@numba.njit(parallel=True, fastmath=True, boundscheck=False, cache=True)
def _sweeps_real(spins, indptr, indices, jf, hf, two_beta, beta_scale, metropolis, order, rng, counters, scan_states,
                 random_scan, field_offsets, num_sweeps, burn, thin, batch_of, windows, spin_sums, pair_sums, field_sums, h,
                 offset_scale, pair_i, pair_j, group_ptr, group_lanes):
    """Gibbs sweeps with real fields: s_i = +1 iff u·(1 + exp(2β f_i)) < 1 (recording as :func:`_sweeps_integer`).

    ``two_beta`` ``(num_blocks, B)`` is 2βc of each lane (float64); sweep t
    multiplies it by ``beta_scale[t]`` (none when empty) and saturates the
    product at float32's largest value (see :func:`float32_arithmetic`).
    ``metropolis``: Metropolis updates instead (:func:`_flip_by_exp`).
    """
    num_blocks, n, B = spins.shape
    for b in prange(num_blocks):
        sp = spins[b]
        st = rng[b]
        c = counters[b]
        acc = np.empty(B, np.float32)
        u = np.empty(B, np.uint32)
        tb = np.empty(B, np.float32)
        sites = order.copy()
        win = windows[b]
        fb = field_offsets[b]
        count = 0
        for t in range(num_sweeps):
            factor = beta_scale[t] if beta_scale.size > 0 else 1.0
            for r in range(B):
                tb[r] = np.float32(min(two_beta[b, r] * factor, _F32_MAX))
            index = _record_index(t, burn, thin, batch_of.size)
            # chromatic sweeps set each spin once: add it to the window right after its update, while in cache
            fused = index >= 0 and batch_of[index] >= 0 and not random_scan
            if random_scan:
                for step in range(n):
                    sites[step] = _site(scan_states[b], n)
            for step in range(n):
                i = sites[step]
                _local_field(acc, sp, indptr, indices, jf, i, hf[i], fb, B)
                c = _xorshift_block(st, c, u, B)
                _flip_by_exp(sp[i], u, acc, tb, metropolis, B)
                if fused:
                    _add_rows(win, sp, i, i + 1, B)
            if index >= 0 and batch_of[index] >= 0:
                count = _record_sweep(sp, win, spin_sums[b], pair_sums, field_sums, h, fb, offset_scale, pair_i, pair_j,
                                      group_ptr[b], group_ptr[b + 1], group_lanes, random_scan, index, batch_of, count,
                                      n, B)
        counters[b] = c


@numba.njit(parallel=True, fastmath=True, boundscheck=False, cache=True)
def _layer_flip(boltzmann, layer, rng, counters, block):
    """layer[i, r] = +1 iff u·(1 + boltzmann[i, r]) < 1, boltzmann = exp(2β f); per-chain generators."""
    n, width = boltzmann.shape
    one = np.float32(1.0)
    scale = np.float32(_INV_2_24)
    for b in prange(width // block):
        st = rng[b]
        c = counters[b]
        u = np.empty(block, np.uint32)
        r0 = b * block
        for i in range(n):
            c = _xorshift_block(st, c, u, block)
            for r in range(block):
                uniform = (np.float32(np.int32(u[r] >> uint32(8))) + np.float32(0.5)) * scale
                layer[i, r0 + r] = one if uniform * (one + boltzmann[i, r0 + r]) < one else -one
        counters[b] = c


@numba.njit(parallel=True, fastmath=True, boundscheck=False, cache=True)
def _chain_energies(spins, indptr, indices, couplings, h, field_offsets, offset_scale):
    """``(num_blocks, B)`` energies Σ_i s_i (h_i + offset_i + ½ Σ_j J_ij s_j) of every lane (float64)."""
    num_blocks, n, B = spins.shape
    out = np.zeros((num_blocks, B))
    for b in prange(num_blocks):
        sp = spins[b]
        fb = field_offsets[b]
        acc = np.empty(B)
        total = out[b]
        for i in range(n):
            if fb.shape[0] > 0:
                for r in range(B):
                    acc[r] = h[i] + offset_scale * fb[i, r]
            else:
                acc[:] = h[i]
            for k in range(indptr[i], indptr[i + 1]):
                j = indices[k]
                w = 0.5 * couplings[k]
                for r in range(B):
                    acc[r] += w * sp[j, r]
            for r in range(B):
                total[r] += sp[i, r] * acc[r]
    return out


@dataclass
class ChainSums:
    """What an engine's :meth:`record` accumulated over the recorded sweeps, per time batch.

    Attributes
    ----------
    spins : numpy.ndarray
        ``(num_chains, K, N)`` integers: Σ s_i of each chain over each of the
        ``K`` contiguous time batches.
    pairs : numpy.ndarray
        ``(G, K, P)``: Σ s_i s_j of the listed pairs over the chains of each
        of ``G`` groups (the blocks of chains that one thread owns) and batch.
    group_sizes : numpy.ndarray
        ``(G,)`` chains per group, in chain order.
    batch_lengths : numpy.ndarray
        ``(K,)`` records per batch of ``pairs``.
    spin_lengths : numpy.ndarray
        Records per batch of ``spins`` (its own, possibly coarser, batches).
    field_sums : numpy.ndarray
        ``(G, K)``: Σ_i h_i s_i over the chains of each group and batch.
    """

    spins: np.ndarray
    pairs: np.ndarray
    group_sizes: np.ndarray
    batch_lengths: np.ndarray
    spin_lengths: np.ndarray
    field_sums: np.ndarray


def spin_sum_dtype(batch_lengths: np.ndarray) -> type:
    """int16 when every batch's sums fit it (half the memory traffic per record), else int32."""
    return np.int16 if int(np.max(batch_lengths, initial=0)) <= np.iinfo(np.int16).max else np.int32


def _no_records(num_blocks: int, n: int, B: int) -> tuple:
    """Empty recording arguments: the kernels then only sweep."""
    return (np.zeros(0, np.int64), np.zeros((num_blocks, 0, B), np.int8), np.zeros((num_blocks, 0, n, B), np.int16),
            np.zeros((0, 0, 0), np.int64), np.zeros((0, 0)), np.zeros(0), 1.0, np.zeros(0, np.int64),
            np.zeros(0, np.int64), np.zeros(num_blocks + 1, np.int64), np.zeros((0, 2), np.int64))


def block_groups(num_chains: int, block: int) -> np.ndarray:
    """``(G, 2)`` chain ranges ``[start, stop)``: one group per block of ``block`` chains (its real chains)."""
    starts = np.arange(0, num_chains, block, dtype=np.int64)
    return np.stack([starts, np.minimum(starts + block, num_chains)], axis=1)


def _batch_lengths(batch_of: np.ndarray, num_batches: int) -> np.ndarray:
    return np.bincount(batch_of[batch_of >= 0], minlength=num_batches).astype(np.int64)


def _blas_ready(J: np.ndarray) -> np.ndarray:
    """float32 and C- or F-contiguous (numpy hands either to BLAS without a copy)."""
    J = np.asarray(J, dtype=np.float32)
    return J if J.flags.c_contiguous or J.flags.f_contiguous else np.ascontiguousarray(J)


def _block_size(num_chains: int) -> int:
    """Chains per block: up to MAX_BLOCK, a multiple of 8 (vector width)."""
    return min(MAX_BLOCK, max(8, -(-num_chains // 8) * 8))


def integer_quantum(model: CompiledBQM, max_levels: int = _TABLE_LIMIT, offsets: np.ndarray | None = None) -> float | None:
    """The quantum q if all biases (and per-chain field ``offsets`` ``(N, chains)``) are integer multiples of it
    and the fields fit a table."""
    extra = np.unique(offsets) if offsets is not None else np.zeros(0)
    values = np.concatenate([model.h, model.J.data, extra])
    nonzero = np.abs(values[values != 0])
    if nonzero.size == 0:
        return 1.0
    q = float(nonzero.min())
    ratios = values / q
    if not np.allclose(ratios, np.round(ratios), rtol=0, atol=1e-9):
        return None
    fields = np.abs(model.h) if offsets is None else np.abs(model.h[:, None] + offsets).max(axis=1, initial=0.0)
    row_sums = fields + np.asarray(abs(model.J).sum(axis=1)).ravel()
    return q if float(row_sums.max()) / q <= max_levels else None


def per_chain_fields(fields: np.ndarray, size: int, num_chains: int, width: int, dtype: type = np.float32) -> np.ndarray:
    """A layer's fields as ``dtype``: ``(size,)`` shared by all chains, or ``(size, num_chains)``
    (one column per chain, e.g. clamped inputs that differ between chains) padded to ``width``
    (padding columns copy the first)."""
    fields = np.asarray(fields, dtype=dtype)
    if fields.ndim == 1 and fields.shape == (size,):
        return fields
    if fields.shape != (size, num_chains):
        raise ValueError(f"a layer of {size} units needs fields shaped ({size},) or ({size}, {num_chains}), "
                         f"got {fields.shape}")
    padded: np.ndarray = np.empty((size, width), dtype=dtype)
    padded[:, :num_chains] = fields
    padded[:, num_chains:] = fields[:, :1]
    return padded


def layer_arrays(model: CompiledBQM) -> tuple[list[np.ndarray], list[list], list[np.ndarray]]:
    """A model split by colour class: ``(groups, blocks, fields)`` as the layer engines take them.

    ``groups[c]`` are the variable indices of colour c, ``blocks[c]`` the
    nonzero dense couplings ``(d, J_cd)`` to the other colours (float32, or
    float64 when fields exceed ``FLOAT32_FIELD_LIMIT``) and
    ``fields[c]`` the fields of colour c.  A bipartite model
    (:meth:`~isingbridge.ir.CompiledBQM.bipartite`) gives its two layers and
    ``W`` itself, with no ``N × N`` matrix.
    """
    if model.layers is not None and model.num_colors == 2:
        return _bipartite_layers(model)
    groups = model.color_groups()
    dense = model.dense()
    levels = np.abs(model.h) + np.abs(dense).sum(axis=1) if model.num_variables else np.zeros(1)
    if levels.max() <= FLOAT32_FIELD_LIMIT:  # else float64, for the engine to scale before its float32 cast
        dense = dense.astype(np.float32)
    blocks = []
    for c, gc in enumerate(groups):
        coupled = [(d, np.ascontiguousarray(dense[np.ix_(gc, gd)])) for d, gd in enumerate(groups) if d != c]
        blocks.append([(d, block) for d, block in coupled if block.any()])
    return groups, blocks, [model.h[g] for g in groups]


def _bipartite_layers(model: CompiledBQM) -> tuple[list[np.ndarray], list[list], list[np.ndarray]]:
    """:func:`layer_arrays` of a bipartite model: its layers, ``W`` and ``Wᵀ`` (a view: BLAS takes it as it is)."""
    assert model.layers is not None  # layer_arrays sends only bipartite models here
    visible, hidden, W = model.layers
    levels = largest_magnitude(model.h) + model.max_abs_coupling * max(W.shape)  # a bound from the extremes: no |W| temporary
    if levels > FLOAT32_FIELD_LIMIT:
        levels = max(largest_magnitude(model.h) + float(np.abs(W).sum(axis=a).max(initial=0.0)) for a in (0, 1))
    W = W.astype(np.float32, copy=False) if levels <= FLOAT32_FIELD_LIMIT else W
    blocks = [[(1, W)], [(0, W.T)]] if model.max_abs_coupling > 0 else [[], []]
    return [visible, hidden], blocks, [model.h[visible], model.h[hidden]]


def _layer_parameters(model: CompiledBQM, field_offsets: np.ndarray | None) -> tuple[list, list, list, float | None]:
    """``(groups, blocks, fields, bound)`` of the dense layer engine; ``bound`` ≥ max ``|field|`` where known for free.

    ``field_offsets`` ``(N, num_chains)`` make the fields per chain.
    """
    groups, blocks, fields = layer_arrays(model)
    bound = None
    if field_offsets is not None:
        fields = [f[:, None] + field_offsets[g] for f, g in zip(fields, groups)]  # (size, num_chains) per layer
    elif model.layers is not None:  # a bipartite model knows max|W|: the field bound needs no pass over W
        bound = largest_magnitude(model.h) + model.max_abs_coupling * max(model.layers[2].shape)
    return groups, blocks, fields, bound


def _max_field(blocks: list[list], fields: list[np.ndarray]) -> float:
    """An upper bound of ``|h_i + Σ_j J_ij s_j|`` over the units of every layer.

    Only its size relative to ``FLOAT32_FIELD_LIMIT`` matters (see
    :func:`float32_arithmetic`), so a cheap bound from the largest entries
    (no temporary arrays: trainers rebuild the engine every mini-batch) is
    returned when it is below the limit, the tight row-sum bound otherwise.
    """
    quick = max((largest_magnitude(f) + sum(largest_magnitude(J) * J.shape[1] for _, J in pairs)
                 for pairs, f in zip(blocks, fields)), default=0.0)
    if quick <= FLOAT32_FIELD_LIMIT:
        return quick
    bound = 0.0
    for pairs, f in zip(blocks, fields):
        couplings = sum(float(np.abs(J).sum(axis=1, dtype=np.float64).max(initial=0.0)) for _, J in pairs)
        bound = max(bound, largest_magnitude(f) + couplings)
    return bound


class SparseChains:
    """Chains of a model updated by the numba neighbour-loop kernels.

    Parameters
    ----------
    model : CompiledBQM
        The (free part of the) model.
    beta : float or numpy.ndarray
        Inverse temperature, or one per chain ``(num_chains,)``
        (:meth:`set_betas` changes them between runs; :meth:`run` takes an
        annealing schedule on top).
    num_chains : int
        Number of independent chains.
    rng : numpy.random.Generator
        Seeds every chain's generator.
    scan : {"chromatic", "random"}
        Sweep order.
    field_offsets : numpy.ndarray, optional
        ``(N, num_chains)``: a field offset per variable and chain, added to
        ``model.h`` (e.g. the couplings to clamped spins that differ between
        chains, so that one engine runs many conditional problems).
    block : int, optional
        Chains per block (at most ``MAX_BLOCK``; default from ``num_chains``):
        a caller may align blocks to its own groups of chains.
    acceptance : {"Gibbs", "Metropolis"}
        The update of a spin: heat bath, P(s_i = +1) = 1 / (1 + exp(2β f_i))
        (default), or Metropolis, a flip accepted with probability
        min(1, exp(2β s_i f_i)), so a flip that does not raise the energy is
        always taken (a spin with zero field flips at every visit).

    Examples
    --------
    >>> import numpy as np, dimod
    >>> from isingbridge.ir import compile_bqm
    >>> model = compile_bqm(dimod.BQM({0: 0.0}, {}, 0.0, "SPIN"))
    >>> chains = SparseChains(model, 1.0, 2, np.random.default_rng(0), field_offsets=np.array([[-50.0, 50.0]]))
    >>> chains.load(np.ones((2, 1), dtype=np.int8)); chains.run(3)
    >>> chains.states().ravel().tolist()   # a strong field per chain: up in chain 0, down in chain 1
    [1, -1]
    """

    def __init__(self, model: CompiledBQM, beta: float | np.ndarray, num_chains: int, rng: np.random.Generator,
                 scan: str = "chromatic", *, field_offsets: np.ndarray | None = None, block: int | None = None,
                 acceptance: str = "Gibbs"):
        self.metropolis = check_choice(acceptance, "acceptance", ACCEPTANCE) == "Metropolis"
        self.n = model.num_variables
        self.num_chains = num_chains
        self.block = _block_size(num_chains) if block is None else min(int(block), MAX_BLOCK)
        self.num_blocks = -(-num_chains // self.block)
        self.spins = np.ones((self.num_blocks, self.n, self.block), dtype=np.int8)
        self.rng = rng.integers(1, 2**32, size=(self.num_blocks, 4, self.block), dtype=np.uint32)
        self.counters = np.zeros(self.num_blocks, dtype=np.int64)
        self.scan_states = rng.integers(1, 2**63, size=(self.num_blocks, 1), dtype=np.uint64)
        self.random_scan = scan == "random"
        self.order = np.argsort(model.colors, kind="stable").astype(np.int64)
        self.h = np.asarray(model.h, dtype=np.float64)
        self.indptr = model.J.indptr.astype(np.int64)
        self.indices = model.J.indices.astype(np.int64)
        offsets = None if field_offsets is None else self._chain_layout(field_offsets)
        couplings = np.asarray(abs(model.J).sum(axis=1)).ravel()
        fields = np.abs(model.h) if offsets is None else np.abs(model.h[:, None] + offsets).max(axis=1)
        levels = float((fields + couplings).max()) if self.n else 0.0
        q = integer_quantum(model, offsets=offsets)
        self.integer = q is not None
        dtype: type
        if q is not None:
            self._top = int(round(levels / q))
            self.jint = np.round(model.J.data / q).astype(np.int16)
            self.hint = (np.round(model.h / q) + self._top).astype(np.int16)  # table offset folded into h
            scale, dtype = q, np.int16
        else:
            scale, _ = float32_arithmetic(levels, 1.0)  # the scale depends on the fields only; β enters per lane
            self.jf = (model.J.data / scale).astype(np.float32)
            self.hf = (model.h / scale).astype(np.float32)
            dtype = np.float32
        self.offset_scale = scale
        self.offsets = np.zeros((self.num_blocks, 0, self.block), dtype=dtype) if offsets is None else \
            np.ascontiguousarray(np.round(offsets / scale) if self.integer else offsets / scale, dtype=dtype) \
            .reshape(self.n, self.num_blocks, self.block).transpose(1, 0, 2).copy()
        self.couplings = np.asarray(model.J.data, dtype=np.float64)  # for energies()
        self._distinct: np.ndarray | None = None  # the inverse temperatures of the integer tables
        self.set_betas(beta)

    def set_betas(self, betas: float | np.ndarray) -> None:
        """Run chain r at inverse temperature ``betas[r]`` from the next sweep on (a scalar: every chain).

        The integer path keeps one threshold table per distinct β (rebuilt
        only when the set of values changes, so moving values between chains,
        as replica exchange does, costs an index per chain); the real path
        keeps 2βc per chain.

        Examples
        --------
        >>> import numpy as np, dimod
        >>> from isingbridge.ir import compile_bqm
        >>> model = compile_bqm(dimod.BQM({0: 1.0}, {}, 0.0, "SPIN"))
        >>> chains = SparseChains(model, 1.0, 2, np.random.default_rng(0))
        >>> chains.set_betas([1e-9, 50.0]); chains.load(np.ones((2, 1), dtype=np.int8)); chains.run(1)
        >>> int(chains.states()[1, 0])   # the cold chain follows the field: down
        -1
        """
        values = np.asarray(betas, dtype=np.float64)
        values = np.full(self.num_chains, float(values)) if values.ndim == 0 else values
        if values.shape != (self.num_chains,):
            raise ValueError(f"betas must be a number or an array of shape ({self.num_chains},) (one per chain), "
                             f"got shape {values.shape}")
        bad = ~(np.isfinite(values) & (values > 0))
        if bad.any():
            raise ValueError(f"betas must be positive finite inverse temperatures; chain {int(np.argmax(bad))} "
                             f"has {values[bad][0]}")
        self.betas = values.copy()
        lanes = np.concatenate([values, np.full(self.num_blocks * self.block - self.num_chains, values[0])])
        lanes = lanes.reshape(self.num_blocks, self.block)
        if not self.integer:
            self.two_beta = np.minimum(2.0 * lanes * self.offset_scale, _F32_MAX)
            return
        distinct, rows = np.unique(lanes, return_inverse=True)
        self.rows = rows.reshape(lanes.shape).astype(np.int64)
        if self._distinct is None or not np.array_equal(distinct, self._distinct):
            check_memory(4.0 * distinct.size * (2 * self._top + 1), f"threshold tables of {distinct.size} inverse "
                         f"temperatures × {2 * self._top + 1} field levels", "give the chains fewer distinct betas")
            self.thresholds = self._tables(distinct[None, :])
            self._distinct = distinct

    def _tables(self, betas: np.ndarray) -> np.ndarray:
        """``(S, T, levels)`` uint32 thresholds of P(s = +1) = 1 / (1 + exp(2βqk)) for inverse temperatures ``(S, T)``.

        Metropolis: of P(stay) = 1 − min(1, exp(2βqm)) at level m = s·k, zero
        for m ≥ 0, so that a flip that does not raise the energy is always
        taken (u < 0 never holds); thresholds of the acceptance itself would
        need 2^32 there, one above uint32.
        """
        k = np.arange(-self._top, self._top + 1, dtype=np.float64)
        x = betas[..., None] * self.offset_scale * k
        if self.metropolis:
            p = -np.expm1(np.minimum(2.0 * x, 0.0))
        else:
            p = 0.5 * (1.0 - np.tanh(x))  # without overflow
        return np.minimum(np.floor(p * 2.0**32 + 0.5), 2.0**32 - 1).astype(np.uint32)

    def energies(self) -> np.ndarray:
        """Each chain's energy Σ h_i s_i + Σ_{i<j} J_ij s_i s_j (its field offsets included, no constant), float64."""
        energies = _chain_energies(self.spins, self.indptr, self.indices, self.couplings, self.h, self.offsets,
                                   float(self.offset_scale))
        return energies.reshape(-1)[: self.num_chains]

    def chain_states(self, chains: Sequence[int] | np.ndarray) -> np.ndarray:
        """``(len(chains), N)`` int8 spins of the listed chains (no copy of the others)."""
        chains = np.asarray(chains, dtype=np.int64)
        return np.ascontiguousarray(self.spins[chains // self.block, :, chains % self.block])

    def _chain_layout(self, field_offsets: np.ndarray) -> np.ndarray:
        """``(N, num_chains)`` offsets padded to whole blocks (padding lanes copy chain 0), float64."""
        offsets = np.asarray(field_offsets, dtype=np.float64)
        if offsets.shape != (self.n, self.num_chains):
            raise ValueError(f"field_offsets must have shape ({self.n}, {self.num_chains}), got {offsets.shape}")
        return per_chain_fields(offsets, self.n, self.num_chains, self.num_blocks * self.block, np.float64)

    def load(self, states: np.ndarray) -> None:
        """Set the chains from ``(num_chains, N)`` spins (padding chains copy chain 0)."""
        padded = np.empty((self.num_blocks * self.block, self.n), dtype=np.int8)
        padded[: self.num_chains] = states
        padded[self.num_chains:] = states[:1]
        self.spins[...] = padded.reshape(self.num_blocks, self.block, self.n).transpose(0, 2, 1)

    def states(self) -> np.ndarray:
        """Current ``(num_chains, N)`` int8 spins."""
        flat = self.spins.transpose(0, 2, 1).reshape(self.num_blocks * self.block, self.n)
        return np.ascontiguousarray(flat[: self.num_chains])

    @property
    def pair_group(self) -> int:
        """Chains per group of the pair sums of :meth:`record` (one block)."""
        return self.block

    def run(self, num_sweeps: int, beta_scale: np.ndarray | None = None) -> None:
        """Advance every chain by ``num_sweeps`` sweeps (GIL released).

        ``beta_scale`` ``(num_sweeps,)``, optional: sweep t runs chain r at
        ``betas[r] · beta_scale[t]`` (an annealing schedule; the chains'
        :meth:`set_betas` values are unchanged afterwards).  The integer path
        builds the tables of a schedule in chunks of sweeps that fit
        ``TABLE_ENTRIES`` entries, one kernel call per chunk.

        Examples
        --------
        >>> import numpy as np, dimod
        >>> from isingbridge.ir import compile_bqm
        >>> model = compile_bqm(dimod.BQM({}, {(0, 1): -1.0, (1, 2): -1.0}, 0.0, "SPIN"))
        >>> chains = SparseChains(model, 1.0, 8, np.random.default_rng(0))
        >>> chains.load(np.ones((8, 3), dtype=np.int8))
        >>> chains.run(200, beta_scale=np.geomspace(0.1, 10.0, 200))
        >>> sorted(set(chains.energies().tolist()))   # annealed into a ground state
        [-2.0]
        """
        recording = _no_records(self.num_blocks, self.n, self.block)
        if beta_scale is None:
            self._kernel(num_sweeps, num_sweeps, 1, *recording)
            return
        scale = np.ascontiguousarray(beta_scale, dtype=np.float64)
        if scale.shape != (num_sweeps,) or not np.all(np.isfinite(scale) & (scale > 0)):
            raise ValueError(f"beta_scale must hold {num_sweeps} positive finite factors (one per sweep), "
                             f"got shape {scale.shape}")
        if not self.integer:
            self._kernel(num_sweeps, num_sweeps, 1, *recording, beta_scale=scale)
            return
        distinct = self._distinct
        assert distinct is not None  # set_betas keeps the integer path's inverse temperatures
        chunk = max(1, TABLE_ENTRIES // (distinct.size * (2 * self._top + 1)))
        for start in range(0, num_sweeps, chunk):
            part = scale[start:start + chunk]
            self._kernel(part.size, part.size, 1, *recording, thresholds=self._tables(part[:, None] * distinct))

    def record(self, burn: int, thin: int, batch_of: np.ndarray, num_batches: int, pairs: np.ndarray,
               spin_batches: int | None = None, groups: np.ndarray | None = None) -> ChainSums:
        """Run ``burn`` sweeps, then ``len(batch_of)`` times ``thin`` sweeps, accumulating inside the kernel.

        After each ``thin`` sweeps record r adds every chain's spins to time
        batch ``batch_of[r]`` (skipped when -1) and the products s_i s_j of
        ``pairs`` (``(P, 2)`` positions) summed over each group of chains:
        ``groups`` ``(G, 2)`` chain ranges ``[start, stop)``, in order, each
        inside one block (default: the real chains of each block; chains in
        no group are left out of the pair and energy sums).
        Each thread adds to the accumulators of the blocks it sweeps, so no
        state leaves the kernel and no synchronisation is added.  The spins
        may be kept in fewer, coarser batches (``spin_batches``, a divisor of
        ``num_batches``; e.g. 2, the chain halves, when the chain means give
        the errors), which saves memory and traffic.

        Examples
        --------
        >>> import numpy as np, dimod
        >>> from isingbridge.ir import compile_bqm
        >>> model = compile_bqm(dimod.BQM({0: 0.5}, {(0, 1): -1.0}, 0.0, "SPIN"))
        >>> chains = SparseChains(model, 1.0, 4, np.random.default_rng(0))
        >>> chains.load(np.ones((4, 2), dtype=np.int8))
        >>> sums = chains.record(10, 1, np.repeat(np.arange(2), 50), 2, np.array([[0, 1]]))
        >>> sums.spins.shape, sums.pairs.shape, sums.batch_lengths.tolist()
        ((4, 2, 2), (1, 2, 1), [50, 50])
        """
        nb, n, B = self.num_blocks, self.n, self.block
        spin_batches = num_batches if spin_batches is None else spin_batches
        groups = block_groups(self.num_chains, B) if groups is None else np.asarray(groups, dtype=np.int64)
        group_ptr, group_lanes = self._group_arrays(groups)
        lengths = _batch_lengths(batch_of, num_batches)
        coarse = _batch_lengths(np.where(batch_of >= 0, batch_of * spin_batches // max(num_batches, 1), -1), spin_batches)
        spin_sums: np.ndarray = np.zeros((nb, spin_batches, n, B), dtype=spin_sum_dtype(coarse))
        pair_sums = np.zeros((len(groups), num_batches, len(pairs)), dtype=np.int64)
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        windows = np.zeros((nb, n, B), dtype=np.int8)
        field_sums = np.zeros((len(groups), num_batches))
        self._kernel(burn + thin * len(batch_of), burn, thin, np.asarray(batch_of, dtype=np.int64), windows,
                     spin_sums, pair_sums, field_sums, self.h, float(self.offset_scale),
                     np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1]), group_ptr, group_lanes)
        per_chain = spin_sums.transpose(0, 3, 1, 2).reshape(nb * B, spin_batches, n)[: self.num_chains]
        return ChainSums(per_chain, pair_sums, groups[:, 1] - groups[:, 0], lengths, coarse, field_sums)

    def _group_arrays(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(group_ptr, group_lanes)``: the groups of block b are ``group_ptr[b] ≤ g < group_ptr[b + 1]``."""
        block_of = groups[:, 0] // self.block
        valid = (groups[:, 1] > groups[:, 0]) & ((groups[:, 1] - 1) // self.block == block_of) \
            & (groups[:, 1] <= self.num_chains)
        if not np.all(valid) or np.any(np.diff(groups[:, 0]) < 0):
            raise ValueError(f"groups must be ordered, non-empty chain ranges inside single blocks of {self.block}")
        group_ptr = np.searchsorted(block_of, np.arange(self.num_blocks + 1)).astype(np.int64)
        return group_ptr, np.ascontiguousarray(groups - (block_of * self.block)[:, None])

    def _kernel(self, num_sweeps: int, *recording, beta_scale: np.ndarray | None = None,
                thresholds: np.ndarray | None = None) -> None:
        if self.integer:
            _sweeps_integer(self.spins, self.indptr, self.indices, self.jint, self.hint,
                            self.thresholds if thresholds is None else thresholds, self.rows, self.metropolis,
                            self.order, self.rng, self.counters, self.scan_states, self.random_scan, self.offsets,
                            num_sweeps, *recording)
        else:
            _sweeps_real(self.spins, self.indptr, self.indices, self.jf, self.hf, self.two_beta,
                         _NO_SCALE if beta_scale is None else beta_scale, self.metropolis,
                         self.order, self.rng, self.counters, self.scan_states, self.random_scan, self.offsets,
                         num_sweeps, *recording)


class LayerChains:
    """Chains updated one colour class at a time by dense matrix products.

    Meant for graphs with few, large colour classes (bipartite RBM-like
    models): for colour c the coupling part of the fields is Σ_d J_cd S_d, one
    float32 GEMM per coupled colour pair (BLAS threads), and a fused numba
    kernel turns fields into new spins with the same per-chain xorshift128
    generators as :class:`SparseChains` (threads over blocks of chains).
    """

    def __init__(self, model: CompiledBQM, beta: float, num_chains: int, rng: np.random.Generator, scan: str = "chromatic",
                 *, field_offsets: np.ndarray | None = None):
        """``field_offsets`` ``(N, num_chains)``, optional, is added to chain r's field of every variable (batches
        of problems whose rows differ in their fields, as in :class:`SparseChains`)."""
        if scan != "chromatic":
            raise ValueError("the dense layer engine updates whole colour classes; use scan='chromatic' or method='sparse'")
        groups, blocks, fields, bound = _layer_parameters(model, field_offsets)
        self._setup(groups, blocks, fields, beta, num_chains, rng, bound)
        self.h = np.asarray(model.h, dtype=np.float64)  # for the energies of record()

    def update(self, model: CompiledBQM, beta: float) -> None:
        """Take ``model``'s couplings and fields and ``beta`` for the next runs; the chains keep their states.

        ``model`` must have this engine's layers (the same sizes, in the
        same order): a training loop's next weights.
        """
        groups, blocks, fields, bound = _layer_parameters(model, None)
        if len(groups) != len(self.groups) or any(not np.array_equal(g, old) for g, old in zip(groups, self.groups)):
            raise ValueError("update() needs a model with this engine's layers; build a new engine for another shape")
        self._set_parameters(blocks, fields, beta, bound)
        self.h = np.asarray(model.h, dtype=np.float64)

    def reseed(self, rng: np.random.Generator) -> None:
        """Draw fresh generator states from ``rng``, as a new engine would (same draws, same chains)."""
        self.rng[...] = rng.integers(1, 2**32, size=self.rng.shape, dtype=np.uint32)
        self.counters[:] = 0

    @classmethod
    def from_layers(cls, groups: list[np.ndarray], blocks: list[list], fields: list[np.ndarray], beta: float,
                    num_chains: int, rng: np.random.Generator) -> LayerChains:
        """Build directly from layer arrays, skipping the BQM (trainers' fast path).

        ``groups[c]`` are the variable indices of layer c, ``blocks[c]`` the
        pairs ``(d, J_cd)`` of its couplings to other layers and ``fields[c]``
        its fields, all in dimod's sign (P(s = +1) = 1 / (1 + exp(2β(h + J s)))):
        one vector for all chains, or one column per chain ``(size, num_chains)``.
        """
        chains = cls.__new__(cls)
        chains._setup(groups, blocks, fields, beta, num_chains, rng)
        return chains

    def _setup(self, groups, blocks, fields, beta, num_chains, rng, max_field: float | None = None) -> None:
        self.groups = groups
        self.n = int(sum(g.size for g in groups))
        self.num_chains = num_chains
        self.block = _block_size(num_chains)
        width = -(-num_chains // self.block) * self.block
        self.rng = rng.integers(1, 2**32, size=(width // self.block, 4, self.block), dtype=np.uint32)
        self.counters = np.zeros(width // self.block, dtype=np.int64)
        self._set_parameters(blocks, fields, beta, max_field)
        self.layers = [np.ones((g.size, width), dtype=np.float32) for g in groups]
        self._boltzmann: list[np.ndarray | None] = [None] * len(groups)

    def _set_parameters(self, blocks, fields, beta, max_field: float | None) -> None:
        """Couplings, fields and β in the engine's float32 form (rescaled where float32 would overflow)."""
        num_chains, groups = self.num_chains, self.groups
        width = self.rng.shape[0] * self.block
        if max_field is None or max_field > FLOAT32_FIELD_LIMIT:  # a quick bound above the limit: the tight one
            max_field = _max_field(blocks, fields)
        c, self.two_beta = float32_arithmetic(max_field, beta)
        if c != 1.0:
            blocks = [[(d, J / c) for d, J in pairs] for pairs in blocks]
            fields = [np.asarray(f, dtype=np.float64) / c for f in fields]
        # C- or F-ordered blocks both go straight to BLAS (a transposed view needs no copy)
        self.blocks = [[(d, _blas_ready(J)) for d, J in pairs] for pairs in blocks]
        self.fields = [per_chain_fields(f, g.size, num_chains, width) for f, g in zip(fields, groups)]

    def load(self, states: np.ndarray) -> None:
        """Set the chains from ``(num_chains, N)`` spins (padding chains copy chain 0)."""
        for layer, g in zip(self.layers, self.groups):
            layer[:, : self.num_chains] = states[:, g].T
            layer[:, self.num_chains:] = states[:1, g].T

    def states(self) -> np.ndarray:
        """Current ``(num_chains, N)`` int8 spins."""
        out = np.empty((self.num_chains, self.n), dtype=np.int8)
        for layer, g in zip(self.layers, self.groups):
            out[:, g] = layer[:, : self.num_chains].T
        return out

    @property
    def pair_group(self) -> int:
        """Chains per group of the pair sums of :meth:`record` (all chains: one matrix product per record)."""
        return self.num_chains

    def run(self, num_sweeps: int) -> None:
        """Advance every chain by ``num_sweeps`` sweeps, each colour class in turn."""
        with np.errstate(over="ignore"):  # exp overflowing to inf is the intended P(+1) = 0, not an error
            self._sweeps(num_sweeps)

    def record(self, burn: int, thin: int, batch_of: np.ndarray, num_batches: int, pairs: np.ndarray,
               spin_batches: int | None = None) -> ChainSums:
        """As :meth:`SparseChains.record` (all ``num_batches`` for the spins); the layers are added in place.

        The products come from one matrix product per pair of layers that
        holds a listed pair (``S_c S_dᵀ`` over all chains), so pairs are
        summed over all chains at once (one group).
        """
        C, n, layers = self.num_chains, self.n, self.layers
        offsets = np.cumsum([0] + [g.size for g in self.groups])
        where = np.empty(n, dtype=np.int64)  # variable -> (layer, row) as a position in the stacked layers
        for c, g in enumerate(self.groups):
            where[g] = offsets[c] + np.arange(g.size)
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        a, b = np.sort(where[pairs], axis=1).T
        layer_of = np.searchsorted(offsets, np.arange(n), side="right") - 1
        needed = sorted(set(zip(layer_of[a].tolist(), layer_of[b].tolist())))
        spins = np.zeros((num_batches, n, C), dtype=np.float32)  # exact: integers below 2**24
        products = np.zeros((num_batches, n, n))
        self.run(burn)
        for k in batch_of:
            self.run(thin)
            if k < 0:
                continue
            for c, layer in enumerate(layers):
                spins[k, offsets[c]:offsets[c + 1]] += layer[:, :C]
            for c, d in needed:
                products[k, offsets[c]:offsets[c + 1], offsets[d]:offsets[d + 1]] += layers[c][:, :C] @ layers[d][:, :C].T
        per_chain = np.rint(spins).astype(np.int64).transpose(2, 0, 1)[:, :, where]
        pair_sums = np.rint(products[:, a, b]).astype(np.int64)[None]
        lengths = _batch_lengths(np.asarray(batch_of), num_batches)
        field = (per_chain.sum(axis=0, dtype=np.float64) @ self.h)[None]  # Σ_i h_i s_i per batch
        return ChainSums(per_chain, pair_sums, np.array([C]), lengths, lengths, field)

    def _sweeps(self, num_sweeps: int) -> None:
        for _ in range(num_sweeps):
            for c, layer in enumerate(self.layers):
                base = self.fields[c]
                fields = np.repeat(base[:, None], layer.shape[1], axis=1) if base.ndim == 1 else base.copy()
                for d, block in self.blocks[c]:
                    fields += block @ self.layers[d]
                fields *= self.two_beta
                np.exp(fields, out=fields)  # numpy's SIMD exp; overflow to inf means P(+1) = 0
                _layer_flip(fields, layer, self.rng, self.counters, self.block)
                self._boltzmann[c] = fields

    def conditional_means(self, c: int) -> np.ndarray:
        """⟨s⟩ of layer ``c`` given the other layers at its last update, ``(num_chains, size)``.

        The Rao–Blackwellised statistic a trainer wants after a sweep (for an
        RBM's hidden layer: ⟨h | v⟩ at the final v), read off the update's own
        Boltzmann factors instead of another matrix product.
        """
        boltzmann = self._boltzmann[c]
        if boltzmann is None:
            raise RuntimeError(f"layer {c} has not been updated yet: run at least one sweep first")
        return (2.0 / (1.0 + boltzmann[:, : self.num_chains]) - 1.0).T  # P(+1) − P(−1), P(+1) = 1 / (1 + e)


def choose_method(model: CompiledBQM) -> str:
    """"dense" for graphs with few, large colour classes and high degree (RBM-like), else "sparse"."""
    n = model.num_variables
    if n == 0 or model.num_colors > 4:
        return "sparse"
    # a bipartite model's layer engine multiplies the whole W, zeros included: count it as dense (no pass over W)
    interactions = model.layers[2].size if model.layers is not None else model.num_interactions
    mean_degree = 2 * interactions / n
    return "dense" if mean_degree >= 32 else "sparse"
