"""Replica exchange (parallel tempering) on the Gibbs engine: ``get("tempering")``.

Each of ``num_reads`` independent *ladders* holds K replicas of the model at
inverse temperatures β_0 < β_1 < … < β_{K−1} = ``beta`` (the target).  All
replicas of all ladders are chains of one
:class:`~isingbridge.backends.gibbs_cpu.SparseChains` engine, each at its own
β, so a round costs one engine call of Gibbs sweeps, then:

* **Houdayer cluster moves** (optional) between the replicas of two ladders
  at the same β, on the colder half of the ladder: the sites where the two states disagree, connected through
  the couplings, form clusters; one cluster, grown from a uniformly chosen
  disagreeing site, is swapped between the two states.  E_a + E_b is
  unchanged and the move is its own inverse with the same selection
  probability, so it is always accepted and keeps the product of the two
  Boltzmann laws (Houdayer 2001).  It helps on sparse, low-degree graphs
  (2D lattices, degree ≤ 4), where the disagreeing sites do not percolate;
  on dense graphs the cluster is almost everything and the move a no-op, so
  ``cluster_moves="auto"`` turns it on only for mean degree ≤ 4.  The hot
  half is left out: there the disagreeing sites percolate (the move then
  exchanges nearly whole states, which the swaps already do) and single-spin
  updates mix anyway (Zhu, Ochoa and Katzgraber, PRL 115, 077201 (2015),
  restrict the moves to low temperatures for the same reason); on a 32 × 32
  ±J lattice they cut the rounds to the ground state from thousands to ~200.
* **Neighbour swaps** with the exact acceptance
  min(1, exp((β_k − β_{k+1})(E_k − E_{k+1}))): the β assignment moves
  between chains (no states are copied).  Even pairs on even rounds, odd
  pairs on odd rounds — the deterministic even-odd scheme of non-reversible
  parallel tempering (Syed, Bouchard-Côté, Deligiannidis and Doucet, JRSS-B
  2022), whose round trips grow linearly in K, not quadratically as with
  random pair choice.  Each swap keeps the product of the replicas'
  Boltzmann laws (detailed balance), so their composition does too.

**Adaptive ladder.**  During the first half of burn-in the ladder is
re-placed a few times (in phases of doubling length) so that every
neighbour pair has the same rejection rate: with the cumulative rejection
Λ(β) interpolated between the current β's (in log β), the new β_k solve
Λ(β_k) = k Λ / (K − 1).  For non-reversible tempering the round-trip rate
is 1 / (2 + 2 Σ_k r_k / (1 − r_k)), which for fixed Λ = Σ r_k is highest
when all r_k are equal (Syed et al. 2022, §4), so constant acceptance is the
optimal ladder here, and it needs only the swap counts.  After burn-in the
ladder is fixed: the recorded rounds are one fixed Markov chain.

**log Z** by bridge sampling across the ladder (geometric bridges
exp(−(β_k + β_{k+1}) E / 2) between neighbours, from online log-sum-exp
sums over every recorded round), starting from β = 0, whose uniform law is
sampled exactly; its standard error comes from the spread of the ladders'
own estimates.

Examples
--------
>>> import dimod
>>> from isingbridge.backends import get
>>> bqm = dimod.BQM({0: 0.3}, {(0, 1): -1.0, (1, 2): 0.8}, 0.0, "SPIN")
>>> m = get("tempering").moments(bqm, beta=2.0, num_sweeps=2000, seed=0)
>>> exact = get("exact").moments(bqm, beta=2.0)
>>> bool(abs(m.mean[0] - exact.mean[0]) < 5 * m.stderr[0]), bool(abs(m.log_z - exact.log_z) < 0.1)
(True, True)
>>> len(m.info["ladder"]), m.info["swap_acceptance"].shape
(8, (7,))
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numba
import numpy as np
from scipy.special import logsumexp

from isingbridge.backends.base import Backend, Moments, check_reads_memory
from isingbridge.backends.gibbs import (
    GibbsBackend, chain_moments, coupled_pairs, kernel_pairs, record_plan, resolve_pairs,
)
from isingbridge.backends.gibbs_cpu import ChainSums, SparseChains
from isingbridge.ir import CompiledBQM
from isingbridge.spins import random_spins
from isingbridge.validation import check_array, check_beta, check_bool, check_int, check_positive_int, describe

__all__ = ["TemperingBackend", "ReplicaExchange", "swap_log_acceptance", "equal_rejection_ladder",
           "houdayer_moves", "default_ladder"]

#: Replicas per ladder are chosen between these bounds when not given.
MIN_REPLICAS, MAX_REPLICAS = 8, 64
#: Mean degree up to which cluster_moves="auto" turns Houdayer moves on.
CLUSTER_DEGREE = 4.0
#: Rejection rate floor when re-placing the ladder (keeps the cumulative barrier strictly increasing).
MIN_REJECTION = 1e-3
#: Ladder updates during burn-in (phases of doubling length in its first half).
TUNING_PHASES = 5
#: Uniform states per ladder for the first bridge (β = 0 to the hottest replica).
UNIFORM_DRAWS = 512


def swap_log_acceptance(beta_low: np.ndarray, beta_high: np.ndarray, energy_low: np.ndarray,
                        energy_high: np.ndarray) -> np.ndarray:
    """log of the swap acceptance min(1, exp((β_k − β_{k+1})(E_k − E_{k+1}))), capped at 0.

    ``energy_low`` is the energy of the replica at ``beta_low`` (β_k).

    Examples
    --------
    >>> float(swap_log_acceptance(1.0, 2.0, -3.0, -1.0))   # the colder replica has the higher energy: always
    0.0
    >>> float(swap_log_acceptance(1.0, 2.0, -1.0, -3.0))
    -2.0
    """
    return np.minimum(0.0, (np.asarray(beta_low) - beta_high) * (np.asarray(energy_low) - energy_high))


def default_ladder(model: CompiledBQM, beta: float, num_replicas: int | None, beta_min: float | None) -> np.ndarray:
    """A geometric ladder from a hot β to ``beta`` (the adaptive ladder's starting point).

    The hot end, unless given, is 0.2 / σ with σ² the mean over spins of
    h_i² + Σ_j J_ij² (the spread of a local field under random spins): there
    a spin's conditional mean is within ~0.2 of 0 and replicas decorrelate in
    a sweep or two.  The number of replicas, unless given, grows like
    √N · log(β / β_min) — the swap acceptance between neighbours at fixed
    spacing in log β falls with the energy's spread ∝ √N — between
    ``MIN_REPLICAS`` and ``MAX_REPLICAS``.
    """
    n = model.num_variables
    if beta_min is None:
        squares = np.asarray(model.J.multiply(model.J).sum(axis=1)).ravel() + model.h**2
        sigma = math.sqrt(float(squares.mean())) if n and squares.any() else 1.0
        beta_min = min(0.2 / sigma, beta / 4)
    if num_replicas is None:
        estimate = 0.5 * math.sqrt(max(n, 1)) * math.log(beta / beta_min) + 1
        num_replicas = int(np.clip(math.ceil(estimate), MIN_REPLICAS, MAX_REPLICAS))
    return np.geomspace(beta_min, beta, num_replicas)


def equal_rejection_ladder(ladder: np.ndarray, rejection: np.ndarray) -> np.ndarray:
    """The ladder with the same end points whose neighbour pairs share the measured rejection equally.

    ``rejection[k]`` is the swap rejection rate between ``ladder[k]`` and
    ``ladder[k + 1]``; the cumulative rejection Λ, piecewise linear in
    log β between the current points, is inverted at K equally spaced levels.

    Examples
    --------
    >>> import numpy as np
    >>> new = equal_rejection_ladder(np.array([1.0, 2.0, 4.0]), np.array([0.9, 0.1]))
    >>> new[0], new[-1], bool(1.0 < new[1] < 2.0)      # the hard first gap is shortened
    (np.float64(1.0), np.float64(4.0), True)
    """
    barrier = np.concatenate([[0.0], np.cumsum(np.maximum(rejection, MIN_REJECTION))])
    levels = np.linspace(0.0, barrier[-1], ladder.size)
    new = np.exp(np.interp(levels, barrier, np.log(ladder)))
    new[0], new[-1] = ladder[0], ladder[-1]
    return new


@numba.njit(parallel=True, boundscheck=False, cache=True)
def houdayer_moves(spins, indptr, indices, chains_a, chains_b, uniforms, block):
    """One Houdayer cluster move per pair of chains (``chains_a[p]``, ``chains_b[p]``), in place.

    ``spins`` is an engine's ``(num_blocks, N, B)`` array; chain c lives in
    lane ``c % block`` of block ``c // block``.  The start site is the
    ``floor(uniforms[p] · D)``-th of the D sites where the two states
    disagree; its cluster (disagreeing sites connected through couplings) is
    swapped between the two states.  Pairs must not share chains.  Returns
    each cluster's size (0 where the states agree everywhere).
    """
    n = spins.shape[1]
    sizes = np.zeros(chains_a.size, dtype=np.int64)
    for p in numba.prange(chains_a.size):
        ba, la = chains_a[p] // block, chains_a[p] % block
        bb, lb = chains_b[p] // block, chains_b[p] % block
        sa, sb = spins[ba], spins[bb]
        differ = np.empty(n, dtype=np.int64)
        count = 0
        for i in range(n):
            if sa[i, la] != sb[i, lb]:
                differ[count] = i
                count += 1
        if count == 0:
            continue
        start = differ[min(int(uniforms[p] * count), count - 1)]
        seen = np.zeros(n, dtype=np.bool_)
        stack = differ  # the list is no longer needed: its buffer holds the cluster's frontier
        stack[0] = start
        seen[start] = True
        top = 1
        while top > 0:
            top -= 1
            i = stack[top]
            value = sa[i, la]
            sa[i, la] = sb[i, lb]
            sb[i, lb] = value
            sizes[p] += 1
            for k in range(indptr[i], indptr[i + 1]):
                j = indices[k]
                if not seen[j] and sa[j, la] != sb[j, lb]:
                    seen[j] = True
                    stack[top] = j
                    top += 1
    return sizes


class ReplicaExchange:
    """``num_ladders`` ladders of ``len(ladder)`` replicas of ``model`` on one engine (see the module docstring).

    :meth:`round` advances every replica by one sweep, applies the cluster
    moves and the neighbour swaps of that round, and returns the energies
    at each level.  ``chain_of[r, k]`` is the engine chain holding level k of
    ladder r.

    Examples
    --------
    >>> import numpy as np, dimod
    >>> from isingbridge.ir import compile_bqm
    >>> model = compile_bqm(dimod.BQM({}, {(0, 1): -1.0}, 0.0, "SPIN"))
    >>> pt = ReplicaExchange(model, np.array([0.5, 1.0, 2.0]), 4, np.random.default_rng(0))
    >>> energies = pt.round()
    >>> energies.shape, pt.level_states(2).shape
    ((4, 3), (4, 2))
    """

    def __init__(self, model: CompiledBQM, ladder: np.ndarray, num_ladders: int, rng: np.random.Generator,
                 cluster_moves: bool = False):
        self.model, self.rng = model, rng
        self.num_ladders, self.num_levels = num_ladders, ladder.size
        chains = num_ladders * ladder.size
        self.chain_of = np.arange(chains).reshape(num_ladders, ladder.size)
        self.ladder = np.asarray(ladder, dtype=np.float64)
        self.engine = SparseChains(model, np.tile(self.ladder, num_ladders), chains, rng)
        self.engine.load(random_spins(rng, (chains, model.num_variables)))
        self.cluster_moves = cluster_moves and num_ladders >= 2
        self.attempts = np.zeros(ladder.size - 1, dtype=np.int64)
        self.accepts = np.zeros(ladder.size - 1, dtype=np.int64)
        self.rounds = 0
        self._phase = np.zeros(chains, dtype=np.int8)  # 1: left the hot end, 2: then reached the cold end
        self._start = np.zeros(chains, dtype=np.int64)
        self.trip_lengths: list[int] = []

    def set_ladder(self, ladder: np.ndarray) -> None:
        """New β per level (same length) and fresh swap counts; the replicas keep their states and levels."""
        self.ladder = np.asarray(ladder, dtype=np.float64)
        self.attempts[:], self.accepts[:] = 0, 0
        self._sync_betas()

    def _sync_betas(self) -> None:
        betas = np.empty(self.chain_of.size)
        betas[self.chain_of] = self.ladder[None, :]
        self.engine.set_betas(betas)

    def level_states(self, level: int) -> np.ndarray:
        """``(num_ladders, N)`` int8 states of the replicas at ``level`` (``-1``: the target)."""
        return self.engine.chain_states(self.chain_of[:, level])

    def round(self) -> np.ndarray:
        """One sweep, the cluster moves and the swaps of this round; ``(num_ladders, K)`` energies per level after them."""
        self.engine.run(1)
        if self.cluster_moves:
            self._cluster_moves()
        energies = self.engine.energies()[self.chain_of]
        self._swap(energies, self.rounds % 2)
        self._count_round_trips()
        self.rounds += 1
        return energies

    def _cluster_moves(self) -> None:
        pairs, cold = self.num_ladders // 2, slice(self.num_levels // 2, None)
        a, b = self.chain_of[0:2 * pairs:2, cold].ravel(), self.chain_of[1:2 * pairs:2, cold].ravel()
        engine = self.engine
        houdayer_moves(engine.spins, engine.indptr, engine.indices, a, b, self.rng.random(a.size), engine.block)

    def _swap(self, energies: np.ndarray, parity: int) -> None:
        """Swap attempts of the pairs (k, k + 1), k ≡ parity (mod 2), in every ladder; ``energies`` follow their levels."""
        low = np.arange(parity, self.num_levels - 1, 2)
        if low.size == 0:
            return
        log_accept = swap_log_acceptance(self.ladder[low], self.ladder[low + 1], energies[:, low], energies[:, low + 1])
        accept = np.log(self.rng.random(log_accept.shape)) < log_accept
        self.attempts[low] += self.num_ladders
        self.accepts[low] += accept.sum(axis=0)
        rows, cols = np.nonzero(accept)
        cols = low[cols]
        for table in (self.chain_of, energies):
            table[rows, cols], table[rows, cols + 1] = table[rows, cols + 1], table[rows, cols].copy()
        if rows.size:
            self._sync_betas()

    def _count_round_trips(self) -> None:
        """Hot → cold → hot journeys of every replica, measured from its last visit to the hot end."""
        hot, cold = self.chain_of[:, 0], self.chain_of[:, -1]
        done = hot[self._phase[hot] == 2]
        self.trip_lengths.extend((self.rounds - self._start[done]).tolist())
        self._phase[hot], self._start[hot] = 1, self.rounds
        self._phase[cold[self._phase[cold] == 1]] = 2

    def acceptance(self) -> np.ndarray:
        """Swap acceptance rate of each neighbour pair since the last :meth:`set_ladder` (NaN: never tried)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.accepts / self.attempts


@dataclass
class _Bridges:
    """Online log-sum-exp sums of the geometric bridges between neighbouring levels, per ladder."""

    ladder: np.ndarray
    num_ladders: int
    forward: np.ndarray = field(init=False)
    backward: np.ndarray = field(init=False)
    count: int = 0

    def __post_init__(self):
        # column 0 bridges β = 0 (uniform law) and ladder[0]; column k + 1 bridges ladder[k] and ladder[k + 1]
        self.forward = np.full((self.num_ladders, self.ladder.size), -np.inf)
        self.backward = np.full((self.num_ladders, self.ladder.size), -np.inf)

    def add(self, energies: np.ndarray) -> None:
        half = np.diff(self.ladder, prepend=0.0) / 2
        self.backward = np.logaddexp(self.backward, half * energies)
        self.forward[:, 1:] = np.logaddexp(self.forward[:, 1:], -half[1:] * energies[:, :-1])
        self.count += 1

    def log_z(self, model: CompiledBQM, rng: np.random.Generator) -> tuple[float, float]:
        """``(log Z at the last β, its standard error)``; Z over ``model``'s spins, its offset included."""
        n = model.num_variables
        uniform = random_spins(rng, (self.num_ladders * UNIFORM_DRAWS, n)).astype(np.float64)
        energies = (model.energies(uniform) - model.offset).reshape(self.num_ladders, UNIFORM_DRAWS)
        forward = self.forward.copy()
        forward[:, 0] = logsumexp(-self.ladder[0] / 2 * energies, axis=1) + math.log(self.count / UNIFORM_DRAWS)
        per_ladder = (forward - self.backward).sum(axis=1)
        pooled = float((logsumexp(forward, axis=0) - logsumexp(self.backward, axis=0)).sum())
        stderr = float(per_ladder.std(ddof=1) / math.sqrt(self.num_ladders)) if self.num_ladders > 1 else math.inf
        return n * math.log(2.0) + pooled - self.ladder[-1] * model.offset, stderr


def tuning_rounds(burn_in: int) -> np.ndarray:
    """Rounds after which the ladder is re-placed: ends of phases of doubling length over the first half of burn-in."""
    span = burn_in // 2
    phases = min(TUNING_PHASES, int(math.log2(max(span, 1) / 8 + 1)))
    if phases < 1:
        return np.zeros(0, dtype=np.int64)
    ends = span * (2 ** np.arange(1, phases + 1) - 1) // (2**phases - 1)
    return np.unique(ends[ends > 0])


@dataclass
class _Record:
    """What the recorded rounds accumulate at the target level: spin and pair sums per ladder and time batch."""

    batch_of: np.ndarray
    spins: np.ndarray
    pairs: np.ndarray
    listed: np.ndarray

    @classmethod
    def empty(cls, num_ladders: int, n: int, listed: np.ndarray, num_records: int) -> _Record:
        batch_of, batches = record_plan(num_records)
        return cls(batch_of, np.zeros((num_ladders, batches, n), dtype=np.int64),
                   np.zeros((num_ladders, batches, len(listed)), dtype=np.int64), listed)

    def add(self, index: int, states: np.ndarray) -> None:
        batch = self.batch_of[index]
        if batch < 0:
            return
        self.spins[:, batch] += states
        self.pairs[:, batch] += states[:, self.listed[:, 0]] * states[:, self.listed[:, 1]]

    def sums(self, model: CompiledBQM) -> ChainSums:
        lengths = np.bincount(self.batch_of[self.batch_of >= 0], minlength=self.spins.shape[1]).astype(np.int64)
        return ChainSums(self.spins, self.pairs, np.ones(self.spins.shape[0], dtype=np.int64), lengths, lengths,
                         self.spins @ model.h)


class TemperingBackend(Backend):
    """Adaptive non-reversible parallel tempering with Houdayer cluster moves (see the module docstring).

    The Parameters are those of the constructor; the Other Parameters are
    options of :meth:`sample` and :meth:`moments`.

    Parameters
    ----------
    num_threads : int, optional
        numba threads of the engine (default: all cores).

    Other Parameters
    ----------------
    num_reads : int
        Independent ladders (default 8); :meth:`sample` returns the final
        target-β state of each.
    num_sweeps : int
        Rounds (one sweep of every replica, then swaps), burn-in included
        (default 2000).
    burn_in : int
        Rounds not recorded (default ``num_sweeps // 4``); the ladder adapts
        during its first half.
    num_replicas : int
        Replicas per ladder, at least 2 (default from the model; see
        :func:`default_ladder`).
    beta_min : float
        The hottest β (default from the model's field scale).
    ladder : array
        The starting ladder itself: increasing positive β's ending at ``beta``
        (instead of ``num_replicas`` and ``beta_min``).
    adaptive : bool
        Re-place the ladder for equal swap acceptance during burn-in (default True).
    cluster_moves : {"auto", True, False}
        Houdayer moves between ladders 2m and 2m + 1 at every level of the
        colder half of the ladder; "auto" (default): on for mean degree ≤ 4
        (needs ``num_reads`` ≥ 2).
    pairs : {"auto", "edges", "all"}, list of label pairs, or None
        :meth:`moments` only: which ⟨s_i s_j⟩ to accumulate, as for the gibbs
        backend ("auto", the default: "all" up to 512 spins, else "edges").
    compute_corr : bool
        :meth:`moments` only: False is ``pairs=None`` (default True), as for
        the gibbs backend.

    Notes
    -----
    ``info`` holds ``ladder``, ``swap_acceptance`` (per neighbour pair,
    recorded rounds), ``round_trips`` and ``round_trip_time`` (mean rounds
    of a hot → cold → hot journey), ``cluster_moves``, the lowest energy any
    replica reached (``lowest_energy``; ``lowest_state``, its free spins as
    ``{label: ±1}``; ``best_trace``: ``(round, seconds, energy)`` at each
    improvement) and, for
    :meth:`moments`, ``log_z_stderr``; :meth:`moments` fills ``log_z`` with
    the bridge-sampling estimate.
    """

    name: ClassVar[str] = "tempering"
    default_num_reads: ClassVar[int] = 8
    extra_parameters: ClassVar[tuple[str, ...]] = (
        "num_sweeps", "burn_in", "num_replicas", "beta_min", "ladder", "adaptive", "cluster_moves", "pairs",
        "compute_corr",
    )

    def __init__(self, *, num_threads: int | None = None, cache_size: int = 16):
        super().__init__(cache_size=cache_size)
        self._gibbs = GibbsBackend(num_threads=num_threads)

    def limits(self) -> str:
        """One line on the sizes this backend handles (for ``isingbridge backends``)."""
        return "any size; memory N x num_reads x num_replicas bytes"

    def _sample_free(self, model, beta, num_reads, rng, **options):
        if model.num_variables == 0:
            return np.zeros((num_reads, 0), dtype=np.int8), {}, {}
        pt, info, _ = self._run(model, beta, num_reads, rng, None, **options)
        return pt.level_states(-1), info, {}

    def _moments_free(self, model, beta, rng, *, num_reads=None, pairs="auto", compute_corr=True, **options):
        num_reads = check_positive_int(self.default_num_reads if num_reads is None else num_reads, "num_reads")
        if model.num_variables == 0:
            return Moments([], np.zeros(0), np.zeros((0, 0)), float(model.offset), log_z=-beta * float(model.offset),
                           stderr=np.zeros(0), ess=np.zeros(0))
        requested, all_pairs = resolve_pairs(model, pairs, check_bool(compute_corr, "compute_corr"), "sparse", num_reads)
        listed, where = kernel_pairs(coupled_pairs(model), requested, model.num_variables)
        pt, info, (record, bridges) = self._run(model, beta, num_reads, rng, listed, **options)
        moments = chain_moments(model, record.sums(model), requested, where, all_pairs, info)
        moments.log_z, moments.info["log_z_stderr"] = bridges.log_z(model, rng)
        return moments

    def _run(self, model: CompiledBQM, beta: float, num_reads: int, rng: np.random.Generator,
             listed: np.ndarray | None, *, num_sweeps=2000, burn_in=None, num_replicas=None, beta_min=None,
             ladder=None, adaptive=True, cluster_moves="auto"):
        """Run the ladders; ``(ReplicaExchange, info, (record, bridges))`` (the last two only with ``listed``)."""
        num_sweeps = check_positive_int(num_sweeps, "num_sweeps")
        burn_in = check_int(num_sweeps // 4 if burn_in is None else burn_in, "burn_in", minimum=0,
                            maximum=num_sweeps - 1 if listed is not None else num_sweeps)
        ladder = _check_ladder(model, beta, num_replicas, beta_min, ladder)
        check_reads_memory(num_reads * ladder.size, model.num_variables)
        cluster = _cluster_choice(model, cluster_moves)
        tune = set(tuning_rounds(burn_in).tolist()) if check_bool(adaptive, "adaptive") else set()
        with self._gibbs.threads():
            pt = ReplicaExchange(model, ladder, num_reads, rng, cluster)
            # threads take whole blocks of chains: more threads than blocks only add a barrier to every round
            numba.set_num_threads(min(numba.get_num_threads(), pt.engine.num_blocks))
            record = None if listed is None else _Record.empty(num_reads, model.num_variables, listed,
                                                               num_sweeps - burn_in)
            bridges = _Bridges(ladder, num_reads)
            best = _Best(model, num_reads)
            for t in range(num_sweeps):
                energies = pt.round()
                best.update(pt, energies, t)
                if t + 1 in tune:
                    pt.set_ladder(equal_rejection_ladder(pt.ladder, 1.0 - np.nan_to_num(pt.acceptance(), nan=0.0)))
                elif t + 1 == burn_in:
                    pt.set_ladder(pt.ladder)  # acceptance rates of the recorded rounds only
                    bridges = _Bridges(pt.ladder, num_reads)  # the ladder is final from here on
                if t >= burn_in and record is not None:
                    record.add(t - burn_in, pt.level_states(-1))
                    bridges.add(energies)
        info = {"num_sweeps": num_sweeps, "burn_in": burn_in, "ladder": pt.ladder.copy(), "num_replicas": ladder.size,
                "swap_acceptance": pt.acceptance(), "round_trips": len(pt.trip_lengths),
                "round_trip_time": float(np.mean(pt.trip_lengths)) if pt.trip_lengths else math.inf,
                "cluster_moves": pt.cluster_moves, **best.info()}
        return pt, info, (record, bridges)


class _Best:
    """The lowest energy any replica reached, its state, and when it improved."""

    def __init__(self, model: CompiledBQM, num_ladders: int):
        self.offset, self.energy = float(model.offset), math.inf
        self.state: np.ndarray | None = None
        self.trace: list[tuple[int, float, float]] = []  # (round, seconds, energy) at each improvement
        self.variables = model.variables
        self.clock = time.perf_counter()

    def update(self, pt: ReplicaExchange, energies: np.ndarray, t: int) -> None:
        low = float(energies.min())
        if low < self.energy:
            r, k = np.unravel_index(int(np.argmin(energies)), energies.shape)
            self.energy, self.state = low, pt.engine.chain_states([pt.chain_of[r, k]])[0]
            self.trace.append((t, time.perf_counter() - self.clock, low + self.offset))

    def info(self) -> dict:
        state = None if self.state is None else dict(zip(self.variables, self.state.tolist()))
        return {"lowest_energy": self.energy + self.offset, "lowest_state": state, "best_trace": self.trace}


def _cluster_choice(model: CompiledBQM, cluster_moves: Any) -> bool:
    """Whether Houdayer moves run: as asked, or for "auto" on graphs of mean degree ≤ ``CLUSTER_DEGREE``."""
    if isinstance(cluster_moves, (bool, np.bool_)):
        return bool(cluster_moves)
    if not (isinstance(cluster_moves, str) and cluster_moves == "auto"):
        raise ValueError(f"cluster_moves must be 'auto', True or False, got {describe(cluster_moves)}")
    n = model.num_variables
    return n > 0 and 2 * model.num_interactions / n <= CLUSTER_DEGREE


def _check_ladder(model: CompiledBQM, beta: float, num_replicas: Any, beta_min: Any, ladder: Any) -> np.ndarray:
    """The starting ladder: given (increasing, positive, ending at ``beta``) or :func:`default_ladder`."""
    if num_replicas is not None:
        num_replicas = check_positive_int(num_replicas, "num_replicas", minimum=2)
    if beta_min is not None:
        beta_min = check_beta(beta_min, "beta_min")
        if beta_min >= beta:
            raise ValueError(f"beta_min ({beta_min:g}) must be below the target beta ({beta:g}): the ladder runs "
                             "from hot (small beta) to the target")
    if ladder is None:
        return default_ladder(model, beta, num_replicas, beta_min)
    if num_replicas is not None or beta_min is not None:
        raise ValueError("give either ladder or num_replicas / beta_min, not both")
    values = check_array(ladder, "ladder", ndim=1)
    if values.size < 2:
        raise ValueError(f"ladder needs at least 2 replicas, got {values.size}")
    if np.any(values <= 0):
        raise ValueError(f"ladder must hold positive inverse temperatures, got {values[values <= 0][0]:g}")
    if np.any(np.diff(values) <= 0):
        raise ValueError("ladder must be strictly increasing (hot to cold), got "
                         f"{values[int(np.argmax(np.diff(values) <= 0))]:g} before "
                         f"{values[int(np.argmax(np.diff(values) <= 0)) + 1]:g}")
    if not math.isclose(values[-1], beta, rel_tol=1e-12):
        raise ValueError(f"ladder must end at the target beta ({beta:g}), got {values[-1]:g}")
    return values.copy()
