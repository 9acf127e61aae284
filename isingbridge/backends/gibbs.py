"""The Gibbs (p-bit) backend: exact Gibbs updates in many chains at once.

Each update is the p-bit rule s_i ← sign(tanh(−β ∂E/∂s_i) − u), u ~ U(−1, 1),
i.e. s_i = +1 with probability 1 / (1 + exp(2β f_i)), f_i = h_i + Σ_j J_ij s_j.
Engines (:mod:`isingbridge.backends.gibbs_cpu`, and :mod:`~isingbridge.backends.gibbs_cuda` when a GPU is
present) run the chains; this module drives them: validation, starting states,
burn-in, thinning, and the statistics of :meth:`GibbsBackend.moments`.

Examples
--------
>>> import dimod
>>> from isingbridge.backends import get
>>> bqm = dimod.BQM({"a": 0.3}, {("a", "b"): -0.8}, 0.0, "SPIN")
>>> gibbs = get("gibbs")
>>> m = gibbs.moments(bqm, beta=1.0, num_reads=64, num_sweeps=2000, seed=0)
>>> exact = get("exact").moments(bqm, beta=1.0)
>>> bool(abs(m.mean_of("a") - exact.mean_of("a")) < 5 * m.stderr[0])
True
>>> ss = gibbs.sample(bqm, num_reads=8, num_sweeps=100, seed=1)   # final states of 8 chains
>>> ss2 = gibbs.sample(bqm, initial_states=ss, num_sweeps=10, seed=2)  # persistent chains
"""
from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Sequence
from typing import ClassVar

import numba
import numpy as np
import scipy.sparse as sp

from isingbridge.backends import gibbs_cuda
from isingbridge.backends.base import Backend, Moments, check_positive_int, check_reads_memory
from isingbridge.backends.gibbs_cuda import PRECISIONS
from isingbridge.backends.convergence import MIN_DRAWS, ConvergenceWarning, mean_ess, rhat_from_split_sums
from isingbridge.backends.gibbs_chains import GibbsChains, last_layer_means
from isingbridge.backends.gibbs_cpu import ACCEPTANCE, MAX_BLOCK, ChainSums, LayerChains, SparseChains, choose_method
from isingbridge.cores import CoreBudget
from isingbridge.ir import CompiledBQM
from isingbridge.spins import random_spins
from isingbridge.validation import check_array, check_beta, check_bool, check_choice, check_int, check_memory

__all__ = ["GibbsBackend", "ConvergenceWarning", "choose_method", "record_plan", "record_on_host"]

SCANS = ("chromatic", "random")
METHODS = ("auto", "sparse", "dense")
DEVICES = ("cpu", "cuda", "auto")
PAIRS = ("auto", "edges", "all")
#: Time batches per chain (even: the first half of them is the first half of every chain, for split-R̂).
BATCHES = 16
#: pairs="auto" accumulates every pair up to this many spins (and for dense models), the couplings above.
ALL_PAIRS_MAX = 512
#: R̂ above which moments() warns, whatever the number of chains.  Vehtari et al. (2021) recommend 1.01
#: together with a bulk ESS of ~100 per chain; Gibbs runs here are many short chains (128 × ~450 recorded sweeps
#: per half by default), and for stationary chains R̂² ≈ 1 + (τ − 1)/n (τ the integrated autocorrelation
#: time, n the draws per split half), so a spin with τ ≈ 10 already gives R̂ ≈ 1.01 in a converged run: 1.01
#: warned on well-mixed runs (the demo's circuits, whose moments agree with exact ones to 1e-3).  1.05 flags
#: disagreement beyond that, far below the 1.3–2.6 of chains stuck in different modes; with fewer than 4
#: chains R̂'s between-chain part rests on 2–6 halves, and 1.05 is needed there anyway.
RHAT_THRESHOLD = 1.05
#: From this many chains the spread of the chain means gives the standard errors (see _spin_statistics).
INDEPENDENT_CHAINS = 16
#: Variables per slice when reducing the batch sums (bounds the temporary memory).
STAT_CHUNK = 2048


def record_plan(num_records: int) -> tuple[np.ndarray, int]:
    """``(batch_of, K)``: the time batch of each record (-1: not used) and the number of batches.

    An even number of records is used (an odd count leaves out the first), in
    ``K`` ≤ ``BATCHES`` contiguous batches with ``K`` even, so that the first
    ``K / 2`` batches are exactly the first half of every chain: the split
    chains of R̂.
    """
    used = num_records - num_records % 2 if num_records > 1 else num_records
    batches = min(BATCHES, used)
    batches -= batches % 2 if batches > 1 else 0
    batch_of = np.full(num_records, -1, dtype=np.int64)
    batch_of[num_records - used:] = np.arange(used) * batches // used
    return batch_of, batches


def resolve_pairs(model: CompiledBQM, pairs, compute_corr: bool, method: str,
                  num_chains: int = 1) -> tuple[np.ndarray | None, bool]:
    """The requested pairs as ``(P, 2)`` positions ``i < j`` (or None) and whether they are all pairs.

    "all" is refused before its list is built when its statistics would not fit.
    """
    n = model.num_variables
    if not compute_corr:
        if pairs is not None and not (isinstance(pairs, str) and pairs == "auto"):
            raise ValueError("compute_corr=False asks for no correlations but pairs asks for some; give one of them")
        return None, False
    if pairs is None:
        return None, False
    if isinstance(pairs, str):
        check_choice(pairs, "pairs", PAIRS)
        if pairs == "auto":
            pairs = "all" if n <= ALL_PAIRS_MAX or method == "dense" else "edges"
        if pairs == "all":
            _check_statistics_memory(n, num_chains, BATCHES, n * (n - 1) // 2 + 1, method == "dense")
            return np.stack(np.triu_indices(n, k=1), axis=1).astype(np.int64), True
        return coupled_pairs(model), False
    return _label_pairs(model, pairs), False


def coupled_pairs(model: CompiledBQM) -> np.ndarray:
    """``(E, 2)`` positions ``i < j`` of the model's couplings (the upper triangle of its CSR)."""
    upper = sp.triu(model.J, k=1).tocoo()
    return np.stack([upper.row, upper.col], axis=1).astype(np.int64)


def _label_pairs(model: CompiledBQM, pairs) -> np.ndarray:
    index = model.index
    try:
        listed = [tuple(pair) for pair in pairs]
    except TypeError:
        raise TypeError("pairs must be 'auto', 'edges', 'all', None or a list of (label, label) pairs") from None
    out = np.empty((len(listed), 2), dtype=np.int64)
    for row, pair in enumerate(listed):
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ValueError(f"pairs must hold pairs of two different labels, got {pair!r}")
        missing = [v for v in pair if v not in index]
        if missing:
            raise ValueError(f"pairs entry {pair!r}: {missing[0]!r} is not a free variable of the model "
                             "(the correlation with a clamped spin is its value times the other mean)")
        out[row] = sorted((index[pair[0]], index[pair[1]]))
    return out


def kernel_pairs(edges: np.ndarray, requested: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The couplings (for ⟨E⟩) followed by the requested pairs that are not couplings, and where each request sits."""
    if requested is None:
        return edges, None
    keys = edges[:, 0] * n + edges[:, 1]
    wanted = requested[:, 0] * n + requested[:, 1]
    listed = np.concatenate([keys, np.unique(wanted[~np.isin(wanted, keys)])])
    order = np.argsort(listed, kind="stable")
    where = order[np.searchsorted(listed, wanted, sorter=order)]
    return np.stack([listed // n, listed % n], axis=1), where


def statistics_bytes(n: int, num_chains: int, batches: int, num_pairs: int, dense: bool) -> float:
    """Bytes the accumulators of :meth:`GibbsBackend.moments` and their reduction hold at once."""
    padded = -(-num_chains // MAX_BLOCK) * MAX_BLOCK if not dense else num_chains
    groups = 1 if dense else -(-num_chains // MAX_BLOCK)
    spins = padded * batches * n * (4 + 8 if dense else 4 * 2)  # accumulators and their per-chain copy
    pairs = (batches * n * n * 8 if dense else 0) + 2 * groups * batches * num_pairs * 8
    reduction = 48.0 * num_chains * batches * min(n, STAT_CHUNK) + 8.0 * num_chains * batches * n
    return float(spins + pairs + reduction)


def _batch_means_stderr(means: np.ndarray) -> np.ndarray:
    """Standard error of a grand mean from batch means ``(groups, K, m)`` of contiguous time batches.

    Var(batch means) over all groups and batches combines the between-chain
    and the within-chain spread; dividing by the ESS of the batch means
    (:func:`~isingbridge.backends.convergence.mean_ess` on the split groups,
    capped at their number) rather than by their number corrects for batches
    that are still correlated in time.  A variable whose batch means are all
    equal gets inf: zero spread from chains that did not move is no error bar.
    """
    groups, batches, m = means.shape
    total = groups * batches
    if total < 2:
        return np.full(m, np.inf)
    var = means.reshape(total, m).var(axis=0, ddof=1)
    ess = mean_ess(means) if batches >= MIN_DRAWS else np.full(m, float(total))
    ess = np.clip(np.nan_to_num(ess, nan=float(total)), 1.0, float(total))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 0, np.sqrt(var / ess), np.inf)


def _spin_statistics(spins: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(mean, stderr, rhat, frozen)`` per variable from per-chain batch sums ``(C, K, m)``.

    With at least ``INDEPENDENT_CHAINS`` chains the error is the spread of
    the chain means, var / C: the chains are independent, so this estimates
    the variance of their average whatever the autocorrelation inside each
    chain, and both the within-chain noise and any disagreement between
    chains are in it.  With fewer chains that spread is too noisy (a χ² with
    C − 1 degrees of freedom), and the C × K batch means are used instead,
    divided by their ESS (:func:`_batch_means_stderr`).
    """
    num_chains, batches, _ = spins.shape
    records = int(lengths.sum())
    totals = spins.sum(axis=1, dtype=np.int64)
    mean = totals.sum(axis=0) / (num_chains * records)
    if num_chains >= INDEPENDENT_CHAINS:
        var = (totals / records).var(axis=0, ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            stderr = np.where(var > 0, np.sqrt(var / num_chains), np.inf)
    else:
        stderr = _batch_means_stderr(spins / lengths[None, :, None])
    # one recorded sweep per chain says nothing about whether a spin moves; independent chains still give an error
    frozen = np.all(np.abs(totals) == records, axis=0) if records >= 2 else np.zeros(mean.size, dtype=bool)
    stderr[frozen] = np.inf
    half = records // 2
    if batches >= 2 and half >= 2:
        first = spins[:, : batches // 2].sum(axis=1, dtype=np.int64)
        rhat = rhat_from_split_sums(np.concatenate([first, totals - first]), half)
    else:
        rhat = np.full(mean.size, np.nan)
    return mean, stderr, rhat, frozen


def _group_sums(values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Sum per-chain values ``(C, ...)`` over consecutive groups of chains of the given sizes."""
    return np.add.reduceat(values, np.concatenate([[0], np.cumsum(sizes)[:-1]]), axis=0, dtype=np.int64)


def chain_moments(model: CompiledBQM, sums: ChainSums, requested: np.ndarray | None,
                  where: np.ndarray | None, all_pairs: bool, info: dict) -> Moments:
    """Moments, errors and diagnostics from the engine's batch sums (see :meth:`GibbsBackend.moments`)."""
    num_chains, _, n = sums.spins.shape
    batches = sums.batch_lengths.size
    lengths = sums.batch_lengths.astype(np.float64)
    samples = num_chains * int(lengths.sum())
    spin_lengths = sums.spin_lengths.astype(np.float64)
    parts = [_spin_statistics(sums.spins[:, :, a:a + STAT_CHUNK], spin_lengths) for a in range(0, n, STAT_CHUNK)]
    mean, stderr, rhat, frozen = (np.concatenate(column) for column in zip(*parts))
    limit = samples * math.log10(max(samples, 10))  # ArviZ's largest ESS: τ ≥ 1 / log10(S)
    with np.errstate(divide="ignore"):
        ess = np.clip((1.0 - mean**2) / stderr**2, 0.0, limit)
    weights = sums.group_sizes[:, None] * lengths[None, :]
    couplings = sp.triu(model.J, k=1).tocoo().data  # in the order of coupled_pairs
    energy_sums = sums.pairs[:, :, :couplings.size] @ couplings + sums.field_sums
    energy = float(energy_sums.sum() / samples + model.offset)
    energy_stderr = float(_batch_means_stderr((energy_sums / weights)[:, :, None])[0])
    moments = Moments(variables=list(model.variables), mean=mean, corr=None, energy=energy, stderr=stderr,
                      ess=ess, rhat=rhat)
    if requested is not None:
        chosen = sums.pairs[:, :, where]
        moments.pairs = requested
        moments.pair_corr = chosen.sum(axis=(0, 1)) / samples
        moments.pair_corr_stderr = _batch_means_stderr(chosen / weights[:, :, None])
        if all_pairs:
            moments.corr, moments.corr_stderr = _symmetric(n, requested, moments.pair_corr, 1.0), \
                _symmetric(n, requested, moments.pair_corr_stderr, 0.0)
    moments.info = dict(info, num_samples=samples, batches=batches, energy_stderr=energy_stderr,
                        rhat_threshold=RHAT_THRESHOLD, frozen=int(frozen.sum()))
    _warn_if_unconverged(model.variables, rhat, frozen)
    return moments


def batch_layout(rows: int, reads: int) -> tuple[int, int]:
    """``(slots, block)`` for ``rows`` problems of ``reads`` chains in one engine.

    Row ``b`` owns chain slots ``b·slots … b·slots + reads − 1`` (``slots −
    reads`` idle padding slots after them).  Blocks hold whole rows when
    ``reads ≤ MAX_BLOCK``, else a row spans equal blocks, so every row splits
    into the same groups of chains and its statistics come from its own groups.
    """
    if reads <= MAX_BLOCK:
        return reads, reads * min(rows, MAX_BLOCK // reads)
    spans = -(-reads // MAX_BLOCK)
    per_span = -(-reads // spans)  # ceil(reads / spans)
    block = -(-per_span // 8) * 8  # rounded up to the vector width
    return spans * block, block


def row_groups(rows: int, reads: int, slots: int, block: int) -> np.ndarray:
    """``(rows · m, 2)`` chain ranges: the real chains of each row, cut at block boundaries."""
    starts = np.arange(0, reads, block)
    local = np.stack([starts, np.minimum(starts + block, reads)], axis=1)
    return (np.arange(rows)[:, None, None] * slots + local[None]).reshape(-1, 2)


def batch_statistics(model: CompiledBQM, sums: ChainSums, rows: int, reads: int, slots: int,
                     where: np.ndarray | None, all_pairs: bool) -> dict:
    """Per-row statistics of a batched run, every array with a leading axis of ``rows``.

    Rows are stacked along the variable axis (``rows · N`` columns of ``reads``
    chains), so :func:`_spin_statistics` and :func:`_batch_means_stderr` treat
    all rows at once, exactly as they treat one row of a single call.
    """
    n, spin_batches = model.num_variables, sums.spins.shape[1]
    real = (np.arange(rows * slots) % slots) < reads
    stacked = sums.spins[real].reshape(rows, reads, spin_batches, n).transpose(1, 2, 0, 3).reshape(reads, spin_batches, -1)
    spin_lengths = sums.spin_lengths.astype(np.float64)
    parts = [_spin_statistics(stacked[:, :, a:a + STAT_CHUNK], spin_lengths) for a in range(0, stacked.shape[2], STAT_CHUNK)]
    mean, stderr, rhat, frozen = (np.concatenate(column).reshape(rows, n) for column in zip(*parts))
    lengths = sums.batch_lengths.astype(np.float64)
    samples = reads * float(lengths.sum())
    with np.errstate(divide="ignore"):
        ess = np.clip((1.0 - mean**2) / stderr**2, 0.0, samples * math.log10(max(samples, 10)))
    groups, batches = sums.pairs.shape[0] // rows, lengths.size
    pairs = sums.pairs.reshape(rows, groups, batches, -1).transpose(1, 2, 0, 3)  # (m, K, rows, P)
    weights = (sums.group_sizes[:groups, None] * lengths[None, :])[:, :, None]
    couplings = sp.triu(model.J, k=1).tocoo().data
    energy_sums = pairs[..., :couplings.size] @ couplings + sums.field_sums.reshape(rows, groups, batches).transpose(1, 2, 0)
    out = {"mean": mean, "stderr": stderr, "rhat": rhat, "frozen": frozen, "ess": ess,
           "energy": energy_sums.sum(axis=(0, 1)) / samples + model.offset,
           "energy_stderr": _batch_means_stderr(energy_sums / weights), "samples": samples}
    if where is not None:
        chosen = pairs[..., where]
        out["pair_corr"] = chosen.sum(axis=(0, 1)) / samples
        out["pair_corr_stderr"] = _batch_means_stderr((chosen / weights[..., None]).reshape(groups, batches, -1)) \
            .reshape(rows, -1)
    return out


def _symmetric(n: int, pairs: np.ndarray, values: np.ndarray, diagonal: float) -> np.ndarray:
    out = np.full((n, n), diagonal)
    out[pairs[:, 0], pairs[:, 1]] = values
    out[pairs[:, 1], pairs[:, 0]] = values
    return out


def _warn_if_unconverged(variables: Sequence, rhat: np.ndarray, frozen: np.ndarray) -> None:
    """Warn when a spin never changed (``frozen``) or its R-hat is above the threshold; ``variables`` name them."""
    threshold = RHAT_THRESHOLD
    problems = []
    if frozen.any():
        first = variables[int(np.argmax(frozen))]
        problems.append(f"{int(frozen.sum())} spin(s) (first: {first!r}) never changed in any chain, so their "
                        "stderr is inf")
    high = np.nan_to_num(rhat, nan=1.0) > threshold
    if high.any():
        worst = int(np.argmax(np.nan_to_num(rhat, nan=1.0)))
        problems.append(f"{int(high.sum())} spin(s) have R-hat above {threshold} (worst {rhat[worst]:.4f} "
                        f"for {variables[worst]!r}): the chains disagree")
    if problems:
        warnings.warn("; ".join(problems) + ". The chains have not converged and the error bars cannot be "
                      "trusted: raise num_sweeps and burn_in, or num_reads", ConvergenceWarning, stacklevel=5)


def record_on_host(engine, h: np.ndarray, burn: int, thin: int, batch_of: np.ndarray, num_batches: int,
                   pairs: np.ndarray, group: int = MAX_BLOCK) -> ChainSums:
    """The statistics of an engine's ``record``, gathered by copying the states out after each recorded sweep.

    For engines without in-kernel statistics (the CUDA engines): same
    sweeps, same sums, one device-to-host copy per record.
    """
    states = engine.states()
    num_chains, n = states.shape
    lengths = np.bincount(batch_of[batch_of >= 0], minlength=num_batches).astype(np.int64)
    sizes = np.minimum(group, num_chains - group * np.arange(-(-num_chains // group)))
    spins = np.zeros((num_chains, num_batches, n), dtype=np.int64)
    pair_sums = np.zeros((sizes.size, num_batches, len(pairs)), dtype=np.int64)
    field_sums = np.zeros((sizes.size, num_batches))
    engine.run(burn)
    for k in batch_of:
        engine.run(thin)
        if k < 0:
            continue
        s = engine.states()
        spins[:, k] += s
        pair_sums[:, k] += _group_sums((s[:, pairs[:, 0]] * s[:, pairs[:, 1]]).astype(np.int64), sizes)
        field_sums[:, k] += _group_sums(s.astype(np.int64), sizes) @ h
    return ChainSums(spins, pair_sums, sizes, lengths, lengths, field_sums)


class GibbsBackend(Backend):
    """Gibbs / p-bit emulator: many chains, numba on CPU (CUDA on a GPU).

    The Parameters are those of the constructor; the Other Parameters are
    options of :meth:`sample` and :meth:`moments` (the annealing ones, of
    :meth:`sample` only).

    Parameters
    ----------
    device : {"cpu", "cuda", "auto"}
        Where the chains run; "auto" takes a GPU when CuPy sees one
        (:mod:`isingbridge.backends.gibbs_cuda`, the ``[gpu]`` extra), "cuda"
        raises with the reason when none is usable.
    num_threads : int, optional
        numba threads (default: all cores); BLAS is limited to the same number
        while the backend runs, so the two never oversubscribe the cores, and
        to fewer while other processes keep the cores busy
        (:class:`~isingbridge.cores.CoreBudget`).
    dense_precision : {"half", "single"}
        GPU dense/bipartite engine only: fp16 matrix products with fp32
        accumulation (tensor cores; each update's probability off by at most
        ~1e-4) or fp32 throughout.  The CPU engines always use float32.

    Other Parameters
    ----------------
    num_reads : int
        Number of independent chains (default 128).
    num_sweeps : int
        Sweeps per chain, burn-in included (default 1000).
    burn_in : int
        Sweeps not recorded by :meth:`moments` (default ``num_sweeps // 10``).
    thin : int
        Record every ``thin``-th sweep after burn-in (default 1).
    initial_states : array or SampleSet
        Starting states (persistent chains); :meth:`sample` returns the final
        states, ready to pass back.  Default: uniformly random.
    scan : {"chromatic", "random"}
        Colour-by-colour sweeps, or N random-site updates per sweep (CPU only).
    method : {"auto", "sparse", "dense"}
        Neighbour-loop kernels or dense matrix products per colour class.
    pairs : {"auto", "edges", "all"}, list of label pairs, or None
        :meth:`moments` only: which ⟨s_i s_j⟩ to accumulate.  "edges": the
        model's couplings (what a gradient needs; ``corr`` is then None and
        ``pairs``/``pair_corr``/``pair_corr_stderr`` hold them); "all": the
        full matrix ``corr``; a list: those pairs; None: none.  "auto"
        (default) is "all" up to 512 spins or for the dense engine, else "edges".
    compute_corr : bool
        :meth:`moments` only: False is ``pairs=None`` (default True).
    beta_schedule : array
        Annealing, :meth:`sample` only (CPU): one inverse temperature per
        sweep, non-decreasing (hot to cold); the number of sweeps is its
        length.  :meth:`sample` then returns the final states, as an annealer
        does: its ``info`` has ``beta=None`` and the schedule
        (``schedule="custom"``, ``beta_schedule``, ``beta_range``), and
        ``beta`` is checked but not used (conditional means of
        :meth:`sample_states` are taken at the final β).
    beta_range : (float, float)
        Annealing, :meth:`sample` only (CPU): ``(hot, cold)`` end points of a
        generated schedule of ``num_sweeps`` sweeps (default 1000), instead of
        ``beta_schedule``.
    schedule : {"geometric", "linear"}
        Annealing, :meth:`sample` only (CPU): the shape of the ``beta_range``
        schedule (default "geometric"), recorded in ``info`` with ``beta_range``.
    proposal_acceptance_criteria : {"Gibbs", "Metropolis"}
        The update rule, named as in dwave-samplers' ``SimulatedAnnealingSampler``.
        "Gibbs" (default): the heat bath above.  "Metropolis": a flip of s_i
        is accepted with probability min(1, exp(−βΔE)), ΔE = −2 s_i f_i, so
        flips that do not raise the energy are always taken and annealing
        reaches lower energies in the same sweeps; fixed-β samples and
        :meth:`moments` keep the Boltzmann law.  A spin whose local field is
        zero then flips at every visit, a deterministic move (a spin with no
        field and no couplings just alternates, so such chains are not
        ergodic), as in dwave-samplers.  Neighbour-loop engine on the CPU
        only: ``method="auto"`` takes it, ``method="dense"`` and
        ``device="cuda"`` are refused.

    Notes
    -----
    **Annealing** (:meth:`sample` only, CPU)

    Schedules run on the neighbour-loop engine (``method="dense"`` is
    refused, "auto" takes it); each sweep's β reaches its threshold tables
    (integer fields) or its float32 factor (real fields) directly, so an
    annealing sweep costs what a fixed-β sweep costs (see the example below).

    **Statistics** of :meth:`moments`

    The CPU engines accumulate inside their sweep kernels: after every
    recorded sweep each chain's spins are added to one of 16 contiguous time
    batches, and the products of the listed pairs (the couplings always
    included, for ⟨E⟩) to sums over each block of up to 128 chains.  Standard
    errors come from the spread of the batch means over all chains and
    batches (within- and between-chain variance), divided by the ESS of
    those batch means; ``rhat`` is the rank-normalised split-R̂ of each spin
    (computed from the two half-chain sums, exact for ±1 values) and ``ess``
    the bulk ESS of its draws, (1 − ⟨s⟩²) / stderr².  A
    :class:`~isingbridge.backends.convergence.ConvergenceWarning` is raised
    when max R̂ exceeds 1.05 (see ``RHAT_THRESHOLD``) or a spin never
    changed in any chain; such a spin's stderr is inf.  The CUDA engines
    copy the states to the host after each recorded sweep and sum there.

    Examples
    --------
    An anneal (a generated geometric schedule) to the ground state of a ring:

    >>> import dimod
    >>> from isingbridge.backends import get
    >>> ring = dimod.BQM({}, {(i, (i + 1) % 8): 1.0 for i in range(8)}, 0.0, "SPIN")   # antiferromagnetic ring
    >>> ss = get("gibbs").sample(ring, beta_range=(0.1, 5.0), num_sweeps=300, num_reads=16, seed=0)
    >>> float(ss.first.energy), ss.info["schedule"]
    (-8.0, 'geometric')
    """

    name: ClassVar[str] = "gibbs"
    default_num_reads: ClassVar[int] = 128
    extra_parameters: ClassVar[tuple[str, ...]] = (
        "num_sweeps", "burn_in", "thin", "initial_states", "scan", "method", "compute_corr", "pairs",
        "beta_schedule", "beta_range", "schedule", "proposal_acceptance_criteria",
    )

    def __init__(self, *, device: str = "cpu", num_threads: int | None = None, dense_precision: str = "half",
                 cache_size: int = 16):
        super().__init__(cache_size=cache_size)
        check_choice(device, "device", DEVICES)
        check_choice(dense_precision, "dense_precision", PRECISIONS)
        self.requested = {"device": device}  # what a saved backend is rebuilt with: "auto" stays "auto" elsewhere
        if device in ("cuda", "auto"):
            usable = gibbs_cuda.gpu_available()
            if device == "cuda" and not usable:
                raise RuntimeError(gibbs_cuda.unavailable_reason())
            device = "cuda" if usable else "cpu"
        self.device = device
        self.dense_precision = dense_precision
        most: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # numba.config sets its names at run time
        self.num_threads = most if num_threads is None else check_positive_int(num_threads, "num_threads")
        self.num_threads = min(self.num_threads, most)

    def limits(self) -> str:
        """One line on the sizes this backend handles (for ``isingbridge backends``)."""
        return "any size; memory N x num_reads bytes (sparse) or 4 N x num_reads (dense; 2 N x num_reads on GPU)"

    def __repr__(self) -> str:
        return f"GibbsBackend(device={self.device!r}, num_threads={self.num_threads})"

    def layer_chains(self, groups: list[np.ndarray], blocks: list[list], fields: list[np.ndarray], beta: float,
                     num_chains: int, rng: np.random.Generator):
        """The dense layer engine of this backend's device, built from layer arrays (trainers' fast path).

        See :meth:`isingbridge.backends.gibbs_cpu.LayerChains.from_layers` for the arguments.
        """
        if self.device == "cuda":
            return gibbs_cuda.CudaLayerChains.from_layers(groups, blocks, fields, beta, num_chains, rng,
                                                          self.dense_precision)
        return LayerChains.from_layers(groups, blocks, fields, beta, num_chains, rng)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_cores"] = None  # holds ctypes handles and this process's CPU counters: rebuilt on first use
        return state

    @contextlib.contextmanager
    def threads(self):
        """Run the block with numba at ``num_threads`` and BLAS at the cores other processes leave free.

        numba's kernels give each thread whole blocks of chains, so they keep
        ``num_threads`` on a busy machine; BLAS products meet at a barrier
        inside every call, so :class:`~isingbridge.cores.CoreBudget` drops them
        to fewer threads while other processes keep the cores busy.
        """
        if getattr(self, "_cores", None) is None:
            self._cores = CoreBudget(self.num_threads)
        with self._cores.limit(numba_threads=self.num_threads):
            yield

    def _engine(self, model: CompiledBQM, beta: float, num_chains: int, rng: np.random.Generator,
                scan: str, method: str, initial_states: np.ndarray | None, acceptance: str = "Gibbs"):
        if method == "auto":
            method = choose_method(model) if scan == "chromatic" else "sparse"
        engine: LayerChains | SparseChains | gibbs_cuda.CudaLayerChains | gibbs_cuda.CudaSparseChains
        if self.device == "cuda":
            if method == "dense":
                engine = gibbs_cuda.CudaLayerChains(model, beta, num_chains, rng, scan, self.dense_precision)
            else:
                engine = gibbs_cuda.CudaSparseChains(model, beta, num_chains, rng, scan)
        elif method == "dense":
            engine = LayerChains(model, beta, num_chains, rng, scan=scan)
        else:
            engine = SparseChains(model, beta, num_chains, rng, scan=scan, acceptance=acceptance)
        if initial_states is None:
            initial_states = random_spins(rng, (num_chains, model.num_variables))
        engine.load(initial_states)
        return engine, method

    def chains(self, num_reads: int, *, conditionals=None, **options) -> GibbsChains:
        """Persistent chains (see :meth:`Backend.chains`) that keep the dense layer engine of a layered model between runs."""
        _check_acceptance(options, self.device)
        return GibbsChains(self, num_reads, conditionals, **options)

    def _settle_request(self, beta, seed, options: dict):
        """An annealing request (``beta_schedule``, or ``beta_range`` and ``schedule``) as one validated ``beta_schedule``.

        The engines then run at its final β, scaled sweep by sweep; the
        result reports no single β, but the schedule.  Also refuses a
        ``proposal_acceptance_criteria`` that no engine of this call runs.
        """
        rule = _check_acceptance(options, self.device)
        # the default rule leaves info as it always was; another is recorded, so a result says how it was drawn
        chosen = {} if rule == "Gibbs" else {"proposal_acceptance_criteria": rule}
        schedule, recorded = annealing_schedule(options)
        if schedule is None:
            return beta, chosen
        if self.device == "cuda":
            raise ValueError("annealing schedules (beta_schedule, beta_range) run on the CPU engines only for now; "
                             "use get('gibbs', device='cpu')")
        if beta is not None:
            check_beta(beta)  # callers that drive every backend alike pass one: checked, not used
        options["beta_schedule"], options["num_sweeps"] = schedule, schedule.size
        return float(schedule[-1]), {"beta": None, **recorded, **chosen}

    def _sample_free(self, model, beta, num_reads, rng, **options):
        states, info, _ = self._states_free(model, beta, num_reads, rng, None, **options)
        return states, info, {}

    def _states_free(self, model, beta, num_reads, rng, conditionals, *, num_sweeps=1000, burn_in=None, thin=1,
                     initial_states=None, scan="chromatic", method="auto", compute_corr=True, pairs="auto",
                     beta_schedule=None, proposal_acceptance_criteria="Gibbs"):
        num_sweeps, _, _ = _check_controls(num_sweeps, burn_in, thin, scan, method, compute_corr)
        _check_pairs_option(model, pairs)  # pairs only matter to moments(), but one dict of options often serves both
        method = _engine_method(method, beta_schedule, proposal_acceptance_criteria)
        if model.num_variables == 0:
            return np.zeros((num_reads, 0), dtype=np.int8), {}, None
        with self.threads():
            engine, method = self._engine(model, beta, num_reads, rng, scan, method, initial_states,
                                          proposal_acceptance_criteria)
            _run(engine, num_sweeps, beta, beta_schedule)
            states = engine.states()
            means = last_layer_means(engine, conditionals)
        return states, {"num_sweeps": num_sweeps, "method": method, "device": self.device}, means

    # lists its options by name where the contract has **options (hence ignore[override]): Backend._check_options
    # lets only this backend's own options through
    def _moments_free(  # type: ignore[override]
        self, model, beta, rng, *, num_reads=None, num_sweeps=1000, burn_in=None, thin=1, initial_states=None,
        scan="chromatic", method="auto", compute_corr=True, pairs="auto", beta_schedule=None,
        proposal_acceptance_criteria="Gibbs",
    ) -> Moments:
        _refuse_schedule(beta_schedule)
        num_sweeps, burn_in, thin = _check_controls(num_sweeps, burn_in, thin, scan, method, compute_corr)
        method = _engine_method(method, None, proposal_acceptance_criteria)
        if initial_states is not None and num_reads is None:
            num_reads = len(initial_states)
        # Backend.moments has already matched initial_states' rows against num_reads
        num_chains = check_positive_int(self.default_num_reads if num_reads is None else num_reads, "num_reads")
        check_reads_memory(num_chains, model.num_variables)
        if model.num_variables == 0:
            return Moments([], np.zeros(0), np.zeros((0, 0)), float(model.offset), stderr=np.zeros(0), ess=np.zeros(0))
        if method == "auto":
            method = choose_method(model) if scan == "chromatic" else "sparse"
        requested, all_pairs = resolve_pairs(model, pairs, compute_corr, method, num_chains)
        edges = coupled_pairs(model)
        listed, where = kernel_pairs(edges, requested, model.num_variables)
        num_records = (num_sweeps - burn_in) // thin
        batch_of, batches = record_plan(num_records)
        _check_statistics_memory(model.num_variables, num_chains, batches, len(listed), method == "dense")
        with self.threads():
            engine, method = self._engine(model, beta, num_chains, rng, scan, method, initial_states,
                                          proposal_acceptance_criteria)
            burn = burn_in + (num_sweeps - burn_in) % thin
            if hasattr(engine, "record"):
                spin_batches = 2 if num_chains >= INDEPENDENT_CHAINS and batches >= 2 else batches
                sums = engine.record(burn, thin, batch_of, batches, listed, spin_batches)
            else:
                sums = record_on_host(engine, model.h, burn, thin, batch_of, batches, listed)
            final = engine.states()
        info = {"num_sweeps": num_sweeps, "burn_in": burn_in, "thin": thin, "method": method,
                "device": self.device, "final_states": final}
        return chain_moments(model, sums, requested, where, all_pairs, info)

    # -- batched problems: all rows in one engine ---------------------------
    def _native_batch(self, batch, options: dict, dense: bool = False) -> tuple[CompiledBQM, CompiledBQM] | None:
        """``(free, full)`` compiled models when ``batch`` runs in one CPU engine, else None.

        The neighbour-loop engine runs every batch (samples and moments); the
        dense layer engine, with ``dense``, runs samples (its statistics sum
        over all chains at once, so batched moments on it go row by row).
        The CUDA engines solve the rows one by one (the base class's loop).
        """
        scan, method = options.get("scan", "chromatic"), options.get("method", "auto")
        if self.device != "cpu" or scan not in SCANS or method not in METHODS:
            return None
        full = batch.compiled()
        free = full.restrict(batch.free_positions) if batch.clamp_positions.size else full
        method = _engine_method(method, options.get("beta_schedule"), options.get("proposal_acceptance_criteria", "Gibbs"))
        if method == "auto":
            method = choose_method(free) if scan == "chromatic" else "sparse"
        if free.num_variables == 0 or (method == "dense" and not dense):
            return None
        return free, full

    def _batch_engine(self, batch, full: CompiledBQM, free: CompiledBQM, beta: float, reads: int,
                      rng: np.random.Generator, scan: str, initial_states, method: str = "sparse",
                      acceptance: str = "Gibbs"):
        """One engine for every row: ``reads`` chains per row, each with its row's fields (see :func:`batch_layout`).

        Returns ``(engine, slots, block)``: row ``b``'s chains are ``b·slots … b·slots + reads − 1``.
        """
        shift, _ = batch.row_terms(full)
        engine: LayerChains | SparseChains
        if method == "dense":  # per-chain fields are a column per chain: no padding to whole blocks
            slots, block = reads, None
            engine = LayerChains(free, beta, batch.size * reads, rng, field_offsets=np.repeat(shift, reads, axis=0).T)
        else:
            slots, block = batch_layout(batch.size, reads)
            engine = SparseChains(free, beta, batch.size * slots, rng, scan=scan, block=block,
                                  field_offsets=np.repeat(shift, slots, axis=0).T, acceptance=acceptance)
        if initial_states is None:
            engine.load(random_spins(rng, (batch.size * slots, free.num_variables)))
        else:
            padded = np.concatenate([initial_states, np.repeat(initial_states[:, :1], slots - reads, axis=1)], axis=1)
            engine.load(padded.reshape(-1, free.num_variables))
        return engine, slots, block

    def _sample_batch(self, batch, beta, num_reads, rng, **options):
        """Every row in one engine (``num_reads`` chains per row, per-chain fields); CUDA: row by row."""
        native = self._native_batch(batch, options, dense=True)
        if native is None:
            return super()._sample_batch(batch, beta, num_reads, rng, **options)
        states, info, _ = self._native_states(batch, native, beta, num_reads, rng, None, **options)
        return batch.sampleset(states, info)

    def _states_batch(self, batch, beta, num_reads, rng, conditionals, **options):
        native = self._native_batch(batch, options, dense=True)
        if native is None:
            return super()._states_batch(batch, beta, num_reads, rng, conditionals, **options)
        return self._native_states(batch, native, beta, num_reads, rng, conditionals, **options)

    def _native_states(self, batch, native: tuple, beta, num_reads, rng, conditionals, **options):
        """:meth:`_states_batch` in one engine, given :meth:`_native_batch`'s ``(free, full)`` models."""
        free, full = native
        scan, method = options.get("scan", "chromatic"), options.get("method", "auto")
        num_sweeps, _, _ = _check_controls(options.get("num_sweeps", 1000), options.get("burn_in"),
                                           options.get("thin", 1), scan, method, options.get("compute_corr", True))
        _check_pairs_option(free, options.get("pairs", "auto"))
        acceptance = options.get("proposal_acceptance_criteria", "Gibbs")
        method = _engine_method(method, options.get("beta_schedule"), acceptance)
        if method == "auto":
            method = choose_method(free) if scan == "chromatic" else "sparse"
        free_positions = None if conditionals is None else batch.free_columns(conditionals)
        with self.threads():
            engine, slots, _ = self._batch_engine(batch, full, free, beta, num_reads, rng, scan,
                                                  options.get("initial_states"), method, acceptance)
            _run(engine, num_sweeps, beta, options.get("beta_schedule"))
            states = engine.states()
            means = last_layer_means(engine, free_positions)
        real = (np.arange(batch.size * slots) % slots) < num_reads
        states = _row_states(batch, states[real].reshape(batch.size, num_reads, -1))
        if means is not None:
            assert free_positions is not None  # means come only for the conditionals asked for
            means = np.array(means[real].reshape(batch.size, num_reads, -1), dtype=np.float64)
            clamped = free_positions < 0
            means[:, :, clamped] = states[:, :, conditionals[clamped]]
        elif conditionals is not None:
            means = batch.conditional_means(states, conditionals, beta)
        return states, {"num_sweeps": num_sweeps, "method": method, "device": self.device}, means

    def _moments_batch(self, batch, beta, rng, **options) -> Moments:
        """Every row in one engine, statistics per row from the kernel's per-row groups; CUDA and dense: row by row."""
        _refuse_schedule(options.pop("beta_schedule", None))
        native = self._native_batch(batch, options)
        if native is None:
            return super()._moments_batch(batch, beta, rng, **options)
        return self._batch_moments(batch, beta, rng, *native, **options)

    def _batch_moments(self, batch, beta, rng, free, full, *, num_reads=None, num_sweeps=1000, burn_in=None, thin=1,
                       initial_states=None, scan="chromatic", method="auto", compute_corr=True,
                       pairs="auto", proposal_acceptance_criteria="Gibbs") -> Moments:
        num_sweeps, burn_in, thin = _check_controls(num_sweeps, burn_in, thin, scan, method, compute_corr)
        if initial_states is not None and num_reads is None:
            num_reads = initial_states.shape[1]
        reads = check_positive_int(self.default_num_reads if num_reads is None else num_reads, "num_reads")
        check_reads_memory(batch.size * reads, len(batch.variables))
        n = free.num_variables
        requested, all_pairs = resolve_pairs(free, pairs, compute_corr, "sparse", reads)
        listed, where = kernel_pairs(coupled_pairs(free), requested, n)
        batch_of, batches = record_plan((num_sweeps - burn_in) // thin)
        slots, block = batch_layout(batch.size, reads)
        groups = row_groups(batch.size, reads, slots, block)
        _check_statistics_memory(n, batch.size * slots, batches, len(listed), False)
        check_memory(16.0 * len(groups) * batches * len(listed), f"pair sums of {batch.size} rows",
                     "give fewer rows per call, or ask for fewer correlations: pairs='edges' or pairs=None")
        with self.threads():
            engine, slots, block = self._batch_engine(batch, full, free, beta, reads, rng, scan, initial_states,
                                                      acceptance=proposal_acceptance_criteria)
            spin_batches = 2 if reads >= INDEPENDENT_CHAINS and batches >= 2 else batches
            sums = engine.record(burn_in + (num_sweeps - burn_in) % thin, thin, batch_of, batches, listed,
                                 spin_batches, groups=groups)
            final = engine.states()
        stats = batch_statistics(free, sums, batch.size, reads, slots, where, all_pairs)
        real = (np.arange(batch.size * slots) % slots) < reads
        info = {"num_sweeps": num_sweeps, "burn_in": burn_in, "thin": thin, "method": "sparse", "device": self.device,
                "final_states": _row_states(batch, final[real].reshape(batch.size, reads, n)),
                "num_samples": int(stats["samples"]), "batches": batches, "energy_stderr": stats["energy_stderr"],
                "rhat_threshold": RHAT_THRESHOLD, "frozen": stats["frozen"].sum(axis=1)}
        _, constant = batch.row_terms(full)
        moments = _full_rows(batch, stats, stats["energy"] + constant, requested, all_pairs, info)
        labels = [_RowLabel(v, b) for b in range(batch.size) for v in free.variables]
        _warn_if_unconverged(labels, stats["rhat"].ravel(), stats["frozen"].ravel())
        return moments


class _RowLabel:
    """A variable of one row of a batch, as warnings name it."""

    def __init__(self, label, row: int):
        self.label, self.row = label, row

    def __repr__(self) -> str:
        return f"{self.label!r} in row {self.row}"


def _check_pairs_option(model: CompiledBQM, pairs) -> None:
    """Refuse a bad ``pairs`` option (sample() ignores it, but one dict of options often serves both calls)."""
    if isinstance(pairs, str):
        check_choice(pairs, "pairs", PAIRS)
    elif pairs is not None:
        _label_pairs(model, pairs)


def _row_states(batch, free_states: np.ndarray) -> np.ndarray:
    """``(B, R, N)`` states of all variables from the free spins' ``(B, R, F)``: each row's clamp put back."""
    rows, reads, _ = free_states.shape
    states = np.empty((rows, reads, len(batch.variables)), dtype=np.int8)
    states[:, :, batch.free_positions] = free_states
    states[:, :, batch.clamp_positions] = batch.clamp_values[:, None, :]
    return states


def _full_rows(batch, stats: dict, energy: np.ndarray, requested: np.ndarray | None, all_pairs: bool,
               info: dict) -> Moments:
    """Batched moments of all variables from the free spins' per-row statistics (clamped: exact, stderr 0)."""
    F, C = batch.free_positions, batch.clamp_positions
    rows, n = batch.size, len(batch.variables)
    corr = corr_stderr = None
    if requested is not None and all_pairs:  # every pair was requested
        corr = np.stack([_symmetric(F.size, requested, values, 1.0) for values in stats["pair_corr"]])
        free_stderr = np.stack([_symmetric(F.size, requested, values, 0.0) for values in stats["pair_corr_stderr"]])
        corr_stderr = np.zeros((rows, n, n))
        corr_stderr[:, F[:, None], F[None, :]] = free_stderr
        corr_stderr[:, C[:, None], F[None, :]] = stats["stderr"][:, None, :]
        corr_stderr[:, F[:, None], C[None, :]] = stats["stderr"][:, :, None]
    moments = batch.full_moments(stats["mean"], corr, energy, None, info)

    def spread(values: np.ndarray, fill: float) -> np.ndarray:
        out = np.full((rows, n), fill)
        out[:, F] = values
        return out

    moments.stderr, moments.ess, moments.rhat = spread(stats["stderr"], 0.0), spread(stats["ess"], np.inf), \
        spread(stats["rhat"], 1.0)
    moments.corr_stderr = corr_stderr
    if requested is not None:
        moments.pairs = np.sort(F[requested], axis=1)
        moments.pair_corr, moments.pair_corr_stderr = stats["pair_corr"], stats["pair_corr_stderr"]
    return moments


SCHEDULES = ("geometric", "linear")


def annealing_schedule(options: dict) -> tuple[np.ndarray | None, dict]:
    """The validated per-sweep β of an annealing request, and what the result records of it; ``(None, {})`` for none.

    Takes ``beta_range`` and ``schedule`` out of ``options``; ``beta_schedule``
    must be non-decreasing (an annealer cools): a schedule that heats up is
    almost always a reversed range, and fixed-β sampling is ``beta=``.
    """
    custom, beta_range, shape = options.get("beta_schedule"), options.pop("beta_range", None), options.pop("schedule", None)
    if custom is None and beta_range is None:
        if shape is not None:
            raise ValueError("schedule shapes a beta_range schedule; give beta_range=(hot, cold) with it")
        return None, {}
    if custom is not None:
        if beta_range is not None or shape is not None:
            raise ValueError("give either beta_schedule (one beta per sweep) or beta_range with schedule, not both")
        schedule = check_array(custom, "beta_schedule", ndim=1, min_rows=1)
        if np.any(schedule <= 0):
            raise ValueError(f"beta_schedule must hold positive inverse temperatures; entry {int(np.argmax(schedule <= 0))} "
                             f"is {schedule[schedule <= 0][0]:g}")
        if np.any(np.diff(schedule) < 0):
            raise ValueError(f"beta_schedule must be non-decreasing (hot to cold); it falls at sweep "
                             f"{int(np.argmax(np.diff(schedule) < 0)) + 1}. For fixed-beta sampling use beta=")
        if options.get("num_sweeps") is not None and options["num_sweeps"] != schedule.size:
            raise ValueError(f"num_sweeps ({options['num_sweeps']}) contradicts the {schedule.size} sweeps of "
                             "beta_schedule; leave num_sweeps out")
        return schedule.copy(), {"beta_schedule": schedule.copy(), "schedule": "custom",
                                 "beta_range": (float(schedule[0]), float(schedule[-1]))}
    from isingbridge.backends.anneal import check_beta_range  # imported here: dwave-samplers only when annealing

    low, high = check_beta_range(beta_range)
    shape = check_choice("geometric" if shape is None else shape, "schedule", SCHEDULES)
    sweeps = check_positive_int(options.get("num_sweeps", 1000), "num_sweeps")
    schedule = (np.geomspace if shape == "geometric" else np.linspace)(low, high, sweeps) if sweeps > 1 \
        else np.array([high])
    return schedule, {"schedule": shape, "beta_range": (low, high)}  # num_sweeps is in info too: no array needed


def _engine_method(method: str, beta_schedule: np.ndarray | None, acceptance: str = "Gibbs") -> str:
    """The engine method of a run: annealing schedules and Metropolis updates run on the neighbour-loop engine."""
    if beta_schedule is None and acceptance != "Metropolis":
        return method
    if method == "dense":
        what = "annealing schedules" if beta_schedule is not None else "Metropolis updates"
        raise ValueError(f"{what} run on the neighbour-loop engine; use method='sparse' or 'auto'")
    return "sparse"


def _check_acceptance(options: dict, device: str) -> str:
    """The ``proposal_acceptance_criteria`` asked for; refuse one that is not a rule, or Metropolis where no engine runs it."""
    rule = check_choice(options.get("proposal_acceptance_criteria", "Gibbs"), "proposal_acceptance_criteria", ACCEPTANCE)
    if rule != "Metropolis":
        return rule
    if device == "cuda":
        raise ValueError("proposal_acceptance_criteria='Metropolis' runs on the CPU neighbour-loop engine only; "
                         "use get('gibbs', device='cpu') with method='sparse' (or 'auto')")
    if options.get("method") == "dense":
        raise ValueError("proposal_acceptance_criteria='Metropolis' runs on the neighbour-loop engine, not the dense "
                         "layer engine; use method='sparse' (or 'auto', which then takes it)")
    return rule


def _run(engine, num_sweeps: int, beta: float, beta_schedule: np.ndarray | None) -> None:
    """``num_sweeps`` sweeps at the engine's β, or along ``beta_schedule`` (the engine was built at its final β)."""
    if beta_schedule is None:
        engine.run(num_sweeps)
    else:
        engine.run(num_sweeps, beta_scale=beta_schedule / beta)


def _refuse_schedule(beta_schedule: np.ndarray | None) -> None:
    if beta_schedule is not None:
        raise ValueError("moments() samples at one beta; annealing (beta_schedule, beta_range) is a sample() option. "
                         "For moments of a cold or glassy model use get('tempering').moments")


def _check_controls(num_sweeps, burn_in, thin, scan, method, compute_corr) -> tuple[int, int, int]:
    """Validate the sampling controls; return ``(num_sweeps, burn_in, thin)`` with the default burn-in filled in."""
    num_sweeps = check_positive_int(num_sweeps, "num_sweeps")
    check_choice(scan, "scan", SCANS)
    check_choice(method, "method", METHODS)
    check_bool(compute_corr, "compute_corr")
    burn_in = check_int(num_sweeps // 10 if burn_in is None else burn_in, "burn_in", minimum=0)
    if burn_in >= num_sweeps:
        raise ValueError(f"burn_in ({burn_in}) must be smaller than num_sweeps ({num_sweeps}), or no sweep is recorded")
    thin = check_positive_int(thin, "thin")
    if thin > num_sweeps - burn_in:
        raise ValueError(f"thin ({thin}) is larger than the {num_sweeps - burn_in} sweeps after burn-in")
    return num_sweeps, burn_in, thin


def _check_statistics_memory(num_variables: int, num_chains: int, batches: int, num_pairs: int, dense: bool) -> None:
    """Refuse statistics whose accumulators would not fit (see :func:`statistics_bytes`)."""
    check_memory(statistics_bytes(num_variables, num_chains, batches, num_pairs, dense),
                 f"statistics of {num_variables} spins in {num_chains} chains ({batches} batch sums per chain) "
                 f"and {num_pairs} pair correlations (couplings included)",
                 "lower num_reads, or ask for fewer correlations: pairs='edges', a list of pairs, or pairs=None")
