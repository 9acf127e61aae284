"""The backend contract: one base class, one result type (the user guide, "Backends", explains it).

Every backend is a :class:`dimod.Sampler` (so it has ``sample_ising`` and
``sample_qubo``, works inside dimod composites and passes ``dimod.testing``)
and offers two calls with the same keyword arguments:

``sample(bqm, *, beta=1.0, num_reads=None, clamp=None, seed=None, **options)``
    a :class:`dimod.SampleSet` of the model's Boltzmann distribution at
    inverse temperature ``beta`` (or of its ground states, for annealers), with
    the energies of the full model, offset included.

``moments(bqm, *, beta=1.0, clamp=None, seed=None, **options)``
    a :class:`Moments`: ``mean`` ⟨s_i⟩, ``corr`` ⟨s_i s_j⟩, ``energy`` ⟨E⟩,
    ``log_z`` (exact backends) and ``stderr`` (sampling backends).

The base class does everything that is the same for all backends — input
validation, BINARY → SPIN conversion, clamping, seeding, putting clamped spins
back into samples and moments — so that a backend implements only
:meth:`Backend._sample_free` (and, when it can do better than averaging its
samples, :meth:`Backend._moments_free`) on a :class:`~isingbridge.ir.CompiledBQM`
of the free spins.

Notes
-----
**Batched problems**

``clamp=(labels, values)`` with ``values`` an int array ``(B, k)`` of ±1 (0/1
for a BINARY model) and/or ``fields=(labels, values)`` with ``values`` a float
array ``(B, k)`` pose ``B`` conditional problems in one call: row ``b`` clamps
``labels`` to ``values[b]`` and adds the field offsets of row ``b`` to those
variables' linear biases (in the model's own vartype).  A dict clamp given
with batched fields holds in every row; a dict clamp alone keeps its meaning
(no batch axis).  ``moments`` then returns :class:`Moments` with a leading
batch axis, and ``sample`` one SampleSet with the ``num_reads`` reads of every
row, in row order, and an int vector ``clamp_row`` saying which row each read
answers (its energies are those of that row's model, fields included).
Persistent chains: ``initial_states`` of shape ``(B, num_reads, N)`` (or one
``(num_reads, N)`` set for every row, or the SampleSet of a batched sample).
The base class solves the rows one by one through :meth:`Backend._sample_free`
/ :meth:`Backend._moments_free` (each row's free model through the compile
cache), so every backend batches; a backend with a vectorised path overrides
:meth:`Backend._sample_batch` / :meth:`Backend._moments_batch`, which get the
validated :class:`Batch`.

Examples
--------
A batched request: two problems, ``b`` clamped up in one and down in the other.

>>> import dimod, numpy as np
>>> from isingbridge.backends import get
>>> bqm = dimod.BQM({"a": 0.0, "b": 0.0}, {("a", "b"): -1.0}, 0.0, "SPIN")
>>> m = get("exact").moments(bqm, clamp=(["b"], np.array([[1], [-1]])))
>>> m.mean.shape, np.round(m.mean_of("a"), 4).tolist()       # tanh(1), -tanh(1)
((2, 2), [0.7616, -0.7616])
>>> ss = get("exact").sample(bqm, clamp=(["b"], np.array([[1], [-1]])), num_reads=3, seed=0)
>>> ss.record.clamp_row.tolist()
[0, 0, 0, 1, 1, 1]
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import dimod
import numpy as np

from isingbridge.validation import (
    as_rng, check_beta, check_int, check_memory, check_positive_int, check_spins,
)
from isingbridge.backends.chains import Chains
from isingbridge.backends.ocean import docstring_parameters, stacklevel_outside
from isingbridge.ir import (
    CompileCache,
    CompiledBQM,
    as_model,
    check_clamp,
    check_clamp_rows,
    check_field_rows,
    clamp_bqm,
    compile_bqm,
    is_batched,
    labels_are_positions,
    spins_to_vartype,
    vartype_of,
)

if TYPE_CHECKING:
    from isingbridge.quantum import TransverseIsing

__all__ = [
    "Backend", "Batch", "Moments", "Problem", "Samples", "check_log_z", "check_beta", "check_positive_int", "as_rng",
    "check_reads_memory", "concatenate_rows", "stack_moments",
]

#: Bytes per spin and per read that sampling may hold at once (engine state, float copies for
#: statistics, the copies dimod makes for a SampleSet); generous on purpose: it guards, it does not budget.
BYTES_PER_SPIN_READ = 16
BYTES_PER_READ = 64

#: What :meth:`Backend.sample`, :meth:`Backend.sample_states` and :meth:`Backend.moments` take: a BQM or a
#: :class:`~isingbridge.ir.CompiledBQM` (every backend), or a :class:`~isingbridge.quantum.TransverseIsing`
#: (the quantum backends, statevector and sqa; the others refuse it with a ``TypeError``).
Model: TypeAlias = "dimod.BinaryQuadraticModel | CompiledBQM | TransverseIsing"


@dataclass
class Moments:
    """First and second moments of a model's spins, in ``variables`` order.

    Attributes
    ----------
    variables : list
        Labels; index ``i`` of ``mean`` and of ``corr``'s rows refers to ``variables[i]``.
    mean : numpy.ndarray
        ⟨s_i⟩, shape ``(N,)`` (spin values, also for BINARY models).
    corr : numpy.ndarray or None
        ⟨s_i s_j⟩, shape ``(N, N)``, symmetric, diagonal 1 (``None`` only when
        a sampling backend was told not to accumulate it).
    energy : float
        ⟨E⟩ of the full model (offset and clamped spins included).
    log_z : float or None
        log Σ_s exp(−βE(s)) over the free spins (the conditional one when
        clamped); ``None`` for sampling backends.
    stderr : numpy.ndarray or None
        Standard error of ``mean`` (zero for clamped spins); ``None`` when exact.
    corr_stderr : numpy.ndarray or None
        Standard error of ``corr`` (sampling backends that estimate it).
    ess : numpy.ndarray or None
        Effective number of independent samples behind each ``mean`` entry
        (bulk ESS of Vehtari et al. 2021 where the backend keeps per-chain
        statistics).
    rhat : numpy.ndarray or None
        Rank-normalised split-R̂ of each ``mean`` entry (sampling backends
        with several chains or long single chains); values well above 1 mean
        the chains disagree and the error bars cannot be trusted.
    pairs : numpy.ndarray or None
        ``(P, 2)`` positions ``(i, j)``, ``i < j``, of the pair correlations
        in ``pair_corr`` when only some pairs were accumulated (e.g. the
        model's couplings); ``corr`` is then ``None``.
    pair_corr, pair_corr_stderr : numpy.ndarray or None
        ⟨s_i s_j⟩ of those pairs, shape ``(P,)``, and its standard error.
    x_mean, x_corr : numpy.ndarray or None
        ⟨X_i⟩ and ⟨X_i X_j⟩ for quantum backends.
    info : dict
        Backend-specific extras (number of samples, β, warnings...).

    With batched clamps or fields (``clamp=(labels, values)`` with ``B``
    rows) every per-variable array gains a leading axis of length ``B``
    (``mean`` ``(B, N)``, ``corr`` ``(B, N, N)``, ``pair_corr`` ``(B, P)``)
    and ``energy`` and ``log_z`` become arrays ``(B,)``.
    """

    variables: list
    mean: np.ndarray
    corr: np.ndarray | None
    energy: float | np.ndarray
    log_z: float | np.ndarray | None = None
    stderr: np.ndarray | None = None
    corr_stderr: np.ndarray | None = None
    ess: np.ndarray | None = None
    rhat: np.ndarray | None = None
    pairs: np.ndarray | None = None
    pair_corr: np.ndarray | None = None
    pair_corr_stderr: np.ndarray | None = None
    x_mean: np.ndarray | None = None
    x_corr: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    @property
    def index(self) -> dict:
        """``{label: position}``."""
        return {v: i for i, v in enumerate(self.variables)}

    @property
    def batch_size(self) -> int | None:
        """Number of rows ``B`` of batched moments; ``None`` for one problem."""
        return self.mean.shape[0] if self.mean.ndim == 2 else None

    def row(self, b: int) -> Moments:
        """The moments of row ``b`` of a batch, without the batch axis."""
        if self.batch_size is None:
            raise ValueError("these moments answer one problem; row() selects a row of batched moments")
        b = check_int(b, "b", minimum=-self.batch_size, maximum=self.batch_size - 1)
        values = {name: _row_of(name, getattr(self, name), b) for name in _field_names()}
        info = dict(self.info)
        if isinstance(info.get("final_states"), np.ndarray) and info["final_states"].ndim == 3:
            info["final_states"] = info["final_states"][b]
        return Moments(variables=self.variables, info=info, **values)

    def mean_of(self, label: Hashable) -> float | np.ndarray:
        """⟨s⟩ of one variable by label (an array ``(B,)`` for batched moments)."""
        return _scalar(self.mean[..., self._position(label)])

    def corr_of(self, u: Hashable, v: Hashable) -> float | np.ndarray:
        """⟨s_u s_v⟩ by labels (an array ``(B,)`` for batched moments).

        Reads ``corr`` when the backend accumulated every pair, otherwise the
        chosen ``pairs`` (e.g. the couplings, a sampling backend's default on
        large sparse models); a pair that was not accumulated is a ``KeyError``
        that says how to ask for it.
        """
        i, j = self._position(u), self._position(v)
        if self.corr is not None:
            return _scalar(self.corr[..., i, j])
        if i == j:
            return _scalar(np.ones(self.mean.shape[:-1]))
        column = self._pair_index().get((min(i, j), max(i, j)))
        if column is None or self.pair_corr is None:
            raise KeyError(f"<s_u s_v> of ({u!r}, {v!r}) was not accumulated; ask the backend for it with "
                           f"pairs=[({u!r}, {v!r}), ...] or pairs='all'")
        return _scalar(self.pair_corr[..., column])

    def _pair_index(self) -> dict:
        """``{(i, j): column of pair_corr}``, built once (corr_of is called once per coupling by the trainers)."""
        if self.__dict__.get("_pairs_seen") is not self.pairs:
            pairs = () if self.pairs is None else self.pairs.tolist()
            self.__dict__["_pair_columns"] = {(min(i, j), max(i, j)): k for k, (i, j) in enumerate(pairs)}
            self.__dict__["_pairs_seen"] = self.pairs
        return self.__dict__["_pair_columns"]

    def _position(self, label: Hashable) -> int:
        try:
            return self.variables.index(label)
        except ValueError:
            raise KeyError(f"{label!r} is not a variable of these moments") from None


#: Fields of :class:`Moments` that a batch shares between its rows (no batch axis).
SHARED_FIELDS = ("variables", "info", "pairs")


def _field_names() -> list[str]:
    return [f.name for f in dataclasses.fields(Moments) if f.name not in SHARED_FIELDS]


def _row_of(name: str, value: Any, b: int) -> Any:
    if value is None:
        return None
    return float(value[b]) if name in ("energy", "log_z") else value[b]


def _scalar(value: np.ndarray) -> float | np.ndarray:
    return float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=np.float64)


def stack_moments(rows: list[Moments]) -> Moments:
    """One :class:`Moments` with a leading batch axis from the moments of each row (same variables).

    A statistic that some row lacks is ``None``; ``info`` keeps what the rows
    agree on, lists what differs, and stacks ``final_states`` to ``(B, R, N)``.
    """
    values: dict[str, Any] = {}
    for name in _field_names():
        items = [getattr(m, name) for m in rows]
        values[name] = None if any(item is None for item in items) else np.stack([np.asarray(i) for i in items])
    return Moments(variables=rows[0].variables, pairs=rows[0].pairs, info=merge_info([m.info for m in rows]),
                   **values)


def merge_info(infos: list[dict]) -> dict:
    """The ``info`` of a batch: a value the rows share once, else the list of per-row values.

    ``final_states`` are stacked into one array (rows first).
    """
    merged: dict[str, Any] = {}
    for key in infos[0]:
        values: list[Any] = [info.get(key) for info in infos]
        if key == "final_states" and all(isinstance(v, np.ndarray) for v in values):
            merged[key] = np.stack(values)
        elif all(_same(values[0], v) for v in values[1:]):
            merged[key] = values[0]
        else:
            merged[key] = values
    return merged


def _same(a: Any, b: Any) -> bool:
    plain = (str, int, float, bool, type(None))
    return a is b or (isinstance(a, plain) and isinstance(b, plain) and a == b)


@dataclass
class Samples:
    """The array form of a sample (:meth:`Backend.sample_states`): numbers for hot loops, no SampleSet.

    Attributes
    ----------
    variables : list
        Labels; column ``i`` of ``states`` is ``variables[i]``.
    states : numpy.ndarray
        int8 spins ±1 (also for BINARY models), ``(num_reads, N)``, or
        ``(B, num_reads, N)`` for a batch of ``B`` problems; clamped spins at
        their values.
    info : dict
        As the SampleSet's ``info``.
    conditional_labels : list or None
        The variables whose conditional means were asked for.
    conditional_means : numpy.ndarray or None
        ``E[s_i | every other spin]`` at the returned states for those
        variables, ``(num_reads, k)`` (``(B, num_reads, k)`` batched): the
        Rao–Blackwellised value of each sampled spin, ``−tanh(β f_i)`` with
        ``f_i`` the local field of the row's model.
    """

    variables: list
    states: np.ndarray
    info: dict = field(default_factory=dict)
    conditional_labels: list | None = None
    conditional_means: np.ndarray | None = None
    _energy_of: Any = field(default=None, repr=False, compare=False)

    def energies(self) -> np.ndarray:
        """Energy of every returned state (each row's model, fields included), computed now."""
        return self._energy_of(self.states)


def concatenate_rows(samplesets: list[dimod.SampleSet], info: dict | None = None) -> dimod.SampleSet:
    """The reads of every row's SampleSet in row order, with an int vector ``clamp_row`` (the row each read answers).

    The row SampleSets must share variables (in one order) and vartype; vectors
    that every row has travel along, and ``info`` defaults to the rows' merged info.
    """
    records = [s.record for s in samplesets]
    names = [n for n in records[0].dtype.names
             if n not in ("sample", "energy") and all(n in r.dtype.names for r in records)]
    vectors = {n: np.concatenate([r[n] for r in records]) for n in names}
    vectors["clamp_row"] = np.repeat(np.arange(len(records)), [len(r) for r in records])
    merged = merge_info([s.info for s in samplesets]) if info is None else info
    return dimod.SampleSet.from_samples(
        (np.concatenate([r.sample for r in records]), list(samplesets[0].variables)), samplesets[0].vartype,
        energy=np.concatenate([r.energy for r in records]), info=merged, sort_labels=False, **vectors,
    )


class _Request:
    """What a single and a batched request share: label look-ups and the free model's columns."""

    bqm: dimod.BinaryQuadraticModel | CompiledBQM
    variables: list
    free_positions: np.ndarray

    @property
    def index(self) -> dict:
        """``{label: position}`` in :attr:`variables` (built once, on first use)."""
        if isinstance(self.bqm, CompiledBQM):
            return self.bqm.index
        if getattr(self, "_index", None) is None:
            self._index = {v: i for i, v in enumerate(self.variables)}
        return self._index

    def conditional_positions(self, labels: Any) -> tuple[list, np.ndarray]:
        """Validate the labels of ``conditionals``; their positions in :attr:`variables`."""
        variables = self.bqm.variables if isinstance(self.bqm, CompiledBQM) else self.variables  # keeps its label kind
        return _conditional_positions(labels, variables, lambda: self.index)

    def free_columns(self, positions: np.ndarray) -> np.ndarray:
        """Columns in the free model of the variables at ``positions`` (−1 for a clamped one)."""
        column = np.full(len(self.variables), -1, dtype=np.int64)
        column[self.free_positions] = np.arange(self.free_positions.size)
        return column[positions]


class Problem(_Request):
    """A validated sampling request: the model, its clamp, and the free part.

    Built by :meth:`Backend.prepare`; backends receive :attr:`free`, a
    :class:`~isingbridge.ir.CompiledBQM` of the unclamped spins, and hand back
    free-spin states or moments, which this object turns into results about
    the full model.
    """

    def __init__(self, bqm: dimod.BinaryQuadraticModel | CompiledBQM, clamp: Mapping | None,
                 cache: CompileCache | None):
        spin = as_model(bqm)
        self.vartype = vartype_of(bqm)
        self.bqm = spin
        self._cache = cache
        self.clamp = check_clamp(bqm, clamp)
        self.variables = list(spin.variables)
        self.free_bqm = clamp_bqm(spin, self.clamp) if self.clamp else spin
        self.free: CompiledBQM = cache.compile(self.free_bqm) if cache else compile_bqm(self.free_bqm)
        if self.free is spin:  # an unclamped CompiledBQM samples as it is: no label lookups
            self.free_positions = np.arange(len(self.variables), dtype=np.int64)
        else:
            index = self.index
            self.free_positions = np.array([index[v] for v in self.free.variables], dtype=np.int64)
        self.clamp_positions = np.array([self.index[v] for v in self.clamp] if self.clamp else [], dtype=np.int64)
        self.clamp_values = np.array(list(self.clamp.values()), dtype=np.int8)
        self._free_is_full = np.array_equal(self.free_positions, np.arange(len(self.variables)))

    @property
    def num_free(self) -> int:
        """Number of free (unclamped) spins: the variables of :attr:`free`."""
        return self.free.num_variables

    def free_initial_states(self, initial_states: Any, num_reads: int | None) -> np.ndarray:
        """Validate starting states and return their free-spin columns (int8 ±1).

        ``initial_states`` is a ``dimod.SampleSet`` (matched by label) or an
        array ``(num_reads, N)`` with columns in the model's variable order; a
        BINARY model's 0/1 values are accepted.  Clamped columns are ignored.
        """
        positions = None if self._free_is_full else self.free_positions
        return _initial_columns(initial_states, self.variables, self.vartype, positions, num_reads)

    def full_states(self, free_states: np.ndarray) -> np.ndarray:
        """Insert the clamped spins into free-spin states (rows)."""
        free_states = np.asarray(free_states, dtype=np.int8)
        if self._free_is_full:  # nothing clamped and the same variable order: no copy
            return free_states
        full = np.empty((free_states.shape[0], len(self.variables)), dtype=np.int8)
        full[:, self.free_positions] = free_states
        full[:, self.clamp_positions] = self.clamp_values
        return full

    def energies(self, full_states: np.ndarray) -> np.ndarray:
        """Energies of the full model (offset and clamped spins included) of states over all variables."""
        if isinstance(self.bqm, CompiledBQM):
            return self.bqm.energies(full_states)
        if self.variables:
            return self.bqm.energies((full_states, self.variables))
        return np.full(full_states.shape[0], float(self.bqm.offset))

    def conditional_means(self, full_states: np.ndarray, positions: np.ndarray, beta: float,
                          free_means: np.ndarray | None = None) -> np.ndarray:
        """``E[s_i | rest]`` at ``positions`` (in :attr:`variables`) from full states; clamped spins at their values.

        ``free_means``, when the backend has them, are the values in
        ``positions`` order (the columns of clamped variables are replaced).
        """
        means = -np.tanh(beta * self.full_compiled().local_fields(full_states, positions)) if free_means is None \
            else free_means
        if self.clamp_positions.size:
            clamped = np.isin(positions, self.clamp_positions)
            means = np.array(means, dtype=np.float64)
            means[:, clamped] = full_states[:, positions[clamped]]
        return means

    def full_compiled(self) -> CompiledBQM:
        """The full model compiled (the model itself when it is a CompiledBQM)."""
        return compile_bqm(self.bqm, self._cache)

    def sampleset(self, free_states: np.ndarray, info: dict | None = None, **vectors: Any) -> dimod.SampleSet:
        """A SampleSet over all variables, in the caller's vartype, energies of the full model."""
        full = self.full_states(free_states)
        energies = self.energies(full)
        samples = spins_to_vartype(full, self.vartype)
        return dimod.SampleSet.from_samples(
            (samples, self.variables), self.vartype, energy=energies, info=info or {}, **vectors
        )

    def full_moments(self, free: Moments) -> Moments:
        """Extend moments of the free spins with the clamped ones.

        Clamped spins get ``stderr`` 0, ``ess`` inf and ``rhat`` 1: they are
        known exactly and every chain agrees on them, so ``max(rhat)`` still
        reads the free spins' worst case.  ``pairs`` are mapped to positions
        in the full model (rows reordered so that ``i < j``); pairs with a
        clamped spin are not listed (⟨s_c s_j⟩ = value_c · ⟨s_j⟩).
        """
        n = len(self.variables)
        mean = np.empty(n)
        f, c, cv = self.free_positions, self.clamp_positions, self.clamp_values.astype(np.float64)
        mean[f], mean[c] = free.mean, cv
        corr = None
        if free.corr is not None:
            corr = np.empty((n, n))
            corr[np.ix_(f, f)] = free.corr
            corr[np.ix_(c, f)] = np.outer(cv, free.mean)
            corr[np.ix_(f, c)] = np.outer(free.mean, cv)
            corr[np.ix_(c, c)] = np.outer(cv, cv)
            np.fill_diagonal(corr, 1.0)
        corr_stderr = None
        if free.corr_stderr is not None and free.stderr is not None:
            corr_stderr = np.zeros((n, n))
            corr_stderr[np.ix_(f, f)] = free.corr_stderr
            corr_stderr[np.ix_(c, f)] = free.stderr[None, :]
            corr_stderr[np.ix_(f, c)] = free.stderr[:, None]

        def spread(values: np.ndarray | None, fill: float) -> np.ndarray | None:
            if values is None:
                return None
            out = np.full(n, fill)
            out[f] = values
            return out

        x_mean = x_corr = None
        if free.x_mean is not None:
            x_mean = np.zeros(n)  # a clamped qubit is a Z eigenstate: ⟨X⟩ = 0
            x_mean[f] = free.x_mean
        if free.x_corr is not None:
            x_corr = np.eye(n)
            x_corr[np.ix_(f, f)] = free.x_corr

        info = dict(free.info)
        if info.get("final_states") is not None:
            info["final_states"] = self.full_states(info["final_states"])
        pairs = None if free.pairs is None else np.sort(self.free_positions[free.pairs], axis=1)
        return Moments(
            variables=self.variables, mean=mean, corr=corr, energy=free.energy, log_z=free.log_z,
            stderr=spread(free.stderr, 0.0), corr_stderr=corr_stderr, ess=spread(free.ess, np.inf),
            rhat=spread(free.rhat, 1.0), pairs=pairs, pair_corr=free.pair_corr,
            pair_corr_stderr=free.pair_corr_stderr, x_mean=x_mean, x_corr=x_corr, info=info,
        )


def _sampleset_columns(sampleset: dimod.SampleSet, variables: list) -> np.ndarray:
    """The samples of ``sampleset`` with columns in ``variables`` order."""
    missing = [v for v in variables if v not in sampleset.variables]
    if missing:
        raise ValueError(f"initial_states lacks variable(s) {missing[:5]} of the model")
    columns = [sampleset.variables.index(v) for v in variables]
    return np.asarray(sampleset.record.sample)[:, columns]


def _conditional_positions(labels: Any, variables: Sequence, index_of: Callable[[], Mapping]) -> tuple[list, np.ndarray]:
    """The labels asked for in ``conditionals`` as a list, and their positions in ``variables`` (``index_of()`` maps them)."""
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__"):
        raise TypeError(f"conditionals must be a list of variable labels, got {type(labels).__name__}")
    if isinstance(labels, np.ndarray) and labels.dtype.kind in "iu" and labels.ndim == 1 and labels_are_positions(variables):
        if labels.size and (labels.min() < 0 or labels.max() >= len(variables)):
            bad = labels[(labels < 0) | (labels >= len(variables))][0]
            raise ValueError(f"conditionals lists {bad!r}, which is not a variable of the model")
        return labels.tolist(), labels.astype(np.int64)  # integer labels 0 … N−1 are their own positions
    labels = list(labels)
    index = index_of()
    positions = np.empty(len(labels), dtype=np.int64)
    for k, label in enumerate(labels):
        try:
            positions[k] = index[label]
        except (KeyError, TypeError):
            raise ValueError(f"conditionals lists {label!r}, which is not a variable of the model") from None
    return labels, positions


def _initial_columns(initial_states: Any, variables: list, vartype: dimod.Vartype, positions: np.ndarray | None,
                     num_reads: int | None) -> np.ndarray:
    """Validate starting states ``(num_reads, N)`` (or a SampleSet); their columns at ``positions`` (None: all), int8 ±1."""
    if isinstance(initial_states, dimod.SampleSet):
        initial_states = _sampleset_columns(initial_states, variables)
    try:
        shape = np.shape(initial_states)
    except ValueError:
        raise ValueError("initial_states must be a rectangular array of spins (rows of equal length)") from None
    rows_of_spins = len(shape) == 2 or (len(shape) == 1 and len(variables) > 0)
    if not rows_of_spins or shape[-1] != len(variables):
        raise ValueError(
            f"initial_states must have shape (num_reads, {len(variables)}) with columns in the "
            f"model's variable order; got shape {shape}"
        )
    spins = check_spins(initial_states, "initial_states", binary=vartype is dimod.BINARY)
    if spins.shape[0] == 0:
        raise ValueError("initial_states has no rows; give one starting state per read, or leave it out")
    if num_reads is not None and spins.shape[0] != num_reads:
        raise ValueError(f"initial_states has {spins.shape[0]} rows but num_reads is {num_reads}")
    return np.ascontiguousarray(spins if positions is None else spins[:, positions])


class Batch(_Request):
    """A validated batched request: ``B`` conditional problems on one model.

    Row ``b`` clamps :attr:`clamp_labels` to ``clamp_values[b]`` (int8 spins)
    and adds ``field_values[b]`` to the linear biases of :attr:`field_labels`,
    in the model's own vartype (for a BINARY model a bias on ``x = (s + 1) / 2``).
    Every row clamps the same variables, so the free spins and their positions
    (:attr:`free_positions`, in :attr:`variables` order) are shared.

    Built by :meth:`Backend.prepare_batch`.  :meth:`problem` gives row ``b`` as
    a :class:`Problem` (its free part compiled through the backend's cache);
    :meth:`row_terms` gives every row at once as fields on the shared free
    spins, for vectorised backends.
    """

    def __init__(self, bqm: dimod.BinaryQuadraticModel | CompiledBQM, clamp: Any, fields: Any,
                 cache: CompileCache | None):
        self.source = bqm
        self.bqm = as_model(bqm)
        self.vartype = vartype_of(bqm)
        self.variables = list(self.bqm.variables)
        self._cache = cache
        self.clamp_labels, self.clamp_values = self._clamp(bqm, clamp)
        field_values: np.ndarray | None
        self.field_labels, field_values = check_field_rows(bqm, fields) if fields is not None else ([], None)
        self.size = self._rows(field_values)
        self.clamp_values = np.ascontiguousarray(np.broadcast_to(self.clamp_values, (self.size, len(self.clamp_labels))))
        self.field_values: np.ndarray = np.zeros((self.size, 0)) if field_values is None else field_values
        if labels_are_positions(self.bqm.variables):  # labels 0 … N−1 are their own positions (kept as marked)
            self.clamp_positions = np.array(self.clamp_labels, dtype=np.int64)
            self.field_positions = np.array(self.field_labels, dtype=np.int64)
        else:
            index = self.index
            self.clamp_positions = np.array([index[v] for v in self.clamp_labels], dtype=np.int64)
            self.field_positions = np.array([index[v] for v in self.field_labels], dtype=np.int64)
        free = np.ones(len(self.variables), dtype=bool)
        free[self.clamp_positions] = False
        self.free_positions = np.flatnonzero(free)

    @staticmethod
    def _clamp(bqm: dimod.BinaryQuadraticModel | CompiledBQM, clamp: Any) -> tuple[list, np.ndarray]:
        if clamp is None or isinstance(clamp, Mapping):  # one clamp for every row
            spins = check_clamp(bqm, clamp)
            return list(spins), np.array([list(spins.values())], dtype=np.int8).reshape(1, len(spins))
        return check_clamp_rows(bqm, clamp)

    def _rows(self, field_values: np.ndarray | None) -> int:
        clamp_rows = self.clamp_values.shape[0]
        if field_values is None:
            return clamp_rows
        field_rows = field_values.shape[0]
        if clamp_rows != 1 and clamp_rows != field_rows:  # a dict clamp (one row) holds in every row
            raise ValueError(
                f"clamp has {clamp_rows} rows but fields has {field_rows}; give one row of each per problem"
            )
        return field_rows

    def __len__(self) -> int:
        return self.size

    @property
    def num_free(self) -> int:
        """Number of free spins every row shares (``F``, the size of :attr:`free_positions`)."""
        return self.free_positions.size

    def row_bqm(self, b: int) -> dimod.BinaryQuadraticModel | CompiledBQM:
        """Row ``b``'s model before clamping: the caller's model (BQM or CompiledBQM) with that row's field offsets added."""
        if not self.field_labels:
            return self.source
        if isinstance(self.source, CompiledBQM):
            return self.source.add_fields(self.field_positions, self.field_values[b])
        row = self.source.copy()
        row.add_linear_from(zip(self.field_labels, self.field_values[b].tolist()))
        return row

    def row_clamp(self, b: int) -> dict:
        """Row ``b``'s clamp as ``{label: ±1}``."""
        return dict(zip(self.clamp_labels, self.clamp_values[b].tolist()))

    def problem(self, b: int) -> Problem:
        """Row ``b`` as a :class:`Problem`."""
        return Problem(self.row_bqm(b), self.row_clamp(b), self._cache)

    def problems(self) -> Iterator[Problem]:
        """The rows' problems, one at a time."""
        return (self.problem(b) for b in range(self.size))

    def row_options(self, options: Mapping, b: int) -> dict:
        """A copy of ``options`` for row ``b`` (its own ``initial_states``)."""
        row = dict(options)
        if row.get("initial_states") is not None:
            row["initial_states"] = np.ascontiguousarray(row["initial_states"][b])
        return row

    def spin_fields(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's field offsets as spin fields ``(B, N)`` in :attr:`variables` order, and the constant ``(B,)`` they add.

        A BINARY bias ``f`` on ``x = (s + 1) / 2`` is the spin field ``f / 2`` plus ``f / 2``.
        """
        fields = np.zeros((self.size, len(self.variables)))
        fields[:, self.field_positions] = self.field_values
        if self.vartype is dimod.BINARY:
            return fields / 2, fields.sum(axis=1) / 2
        return fields, np.zeros(self.size)

    def row_terms(self, model: CompiledBQM) -> tuple[np.ndarray, np.ndarray]:
        """Every row as ``(shift, const)`` on the shared free spins.

        ``model`` is the compiled SPIN model of all variables (in
        :attr:`variables` order).  Row ``b``'s energy of free spins ``s`` is
        ``E_free(s) + s · shift[b] + const[b]``, with ``E_free`` the energy of
        ``model.restrict(free_positions)`` (offset included): ``shift`` ``(B, F)``
        holds the couplings to the clamped spins and the field offsets,
        ``const`` ``(B,)`` the clamped spins' own energy.
        """
        if list(model.variables) != self.variables:
            raise ValueError("row_terms needs the compiled model of this batch's variables, in their order")
        fields, const = self.spin_fields()
        F, C = self.free_positions, self.clamp_positions
        clamped = self.clamp_values.astype(np.float64)
        only_clamped = np.zeros((self.size, len(self.variables)))
        only_clamped[:, C] = clamped
        # Σ_j J_ij s_j over the clamped spins j, for every spin i: one product with J (or W), no submatrices
        coupling = model.local_fields(only_clamped) - model.h
        shift = fields[:, F] + coupling[:, F]
        const = const + clamped @ model.h[C] + np.einsum("bk,bk->b", clamped, fields[:, C] + 0.5 * coupling[:, C])
        return shift, const

    def free_initial_states(self, initial_states: Any, num_reads: int | None) -> np.ndarray:
        """Validate per-row starting states; their free-spin columns, int8 ``(B, R, F)``.

        ``initial_states`` is an array ``(B, R, N)`` (row ``b``'s chains start
        from ``initial_states[b]``), one set ``(R, N)`` or SampleSet for every
        row, or the SampleSet of a batched sample (grouped by its ``clamp_row``).
        """
        if isinstance(initial_states, dimod.SampleSet) and "clamp_row" in initial_states.record.dtype.names:
            initial_states = self._by_clamp_row(initial_states)
        shape: tuple[int, ...]
        try:
            shape = () if isinstance(initial_states, dimod.SampleSet) else np.shape(initial_states)
        except ValueError:  # ragged: the one-set validation says so
            shape = ()
        n = len(self.variables)
        if len(shape) != 3:
            free = _initial_columns(initial_states, self.variables, self.vartype, self.free_positions, num_reads)
            return np.broadcast_to(free, (self.size,) + free.shape)
        if shape[0] != self.size or shape[2] != n:
            raise ValueError(f"initial_states must have shape ({self.size}, num_reads, {n}): one set of chains per "
                             f"row; got shape {shape}")
        if num_reads is not None and shape[1] != num_reads:
            raise ValueError(f"initial_states has {shape[1]} reads per row but num_reads is {num_reads}")
        flat = _initial_columns(np.reshape(initial_states, (-1, n)), self.variables, self.vartype,
                                self.free_positions, None)
        return flat.reshape(self.size, shape[1], self.num_free)

    def _by_clamp_row(self, sampleset: dimod.SampleSet) -> np.ndarray:
        rows = np.asarray(sampleset.record.clamp_row)
        counts = np.bincount(rows, minlength=self.size) if rows.size and rows.min() >= 0 else np.zeros(0)
        if counts.size != self.size or np.any(counts != counts[0]):
            raise ValueError(f"initial_states comes from a batch whose rows do not match this one's {self.size} "
                             f"rows of equal reads (clamp_row counts {counts.tolist()})")
        states = _sampleset_columns(sampleset, self.variables)[np.argsort(rows, kind="stable")]
        return states.reshape(self.size, -1, len(self.variables))

    def compiled(self) -> CompiledBQM:
        """The full SPIN model of all variables, compiled (through the backend's cache)."""
        return compile_bqm(self.bqm, self._cache)

    def row_energies(self, states: np.ndarray) -> np.ndarray:
        """Each row's energies (its fields included) of full states ``(B, R, N)``, shape ``(B, R)``."""
        B, R, n = states.shape
        flat = states.reshape(B * R, n)
        fields, constant = self.spin_fields()
        row = np.repeat(np.arange(B), R)
        energies = self.compiled().energies(flat) + np.einsum("kn,kn->k", flat, fields[row]) + constant[row]
        return energies.reshape(B, R)

    def sampleset(self, states: np.ndarray, info: dict) -> dimod.SampleSet:
        """The batched SampleSet of full spin states ``(B, R, N)``: reads in row order, with ``clamp_row``."""
        B, R, n = states.shape
        flat = states.reshape(B * R, n)
        return dimod.SampleSet.from_samples(
            (spins_to_vartype(flat, self.vartype), self.variables), self.vartype,
            energy=self.row_energies(states).ravel(), info=info, clamp_row=np.repeat(np.arange(B), R))

    def states_of(self, sampleset: dimod.SampleSet) -> np.ndarray:
        """The reads of a batched SampleSet as int8 spins ``(B, R, N)`` in :attr:`variables` order."""
        states = self._by_clamp_row(sampleset)
        return (2 * states - 1 if self.vartype is dimod.BINARY else states).astype(np.int8)

    def conditional_means(self, states: np.ndarray, positions: np.ndarray, beta: float) -> np.ndarray:
        """``E[s_i | rest]`` at ``positions`` of full states ``(B, R, N)``.

        Each row's fields are included; clamped spins sit at their values.
        """
        B, R, n = states.shape
        fields, _ = self.spin_fields()
        local = self.compiled().local_fields(states.reshape(B * R, n), positions).reshape(B, R, -1)
        means = -np.tanh(beta * (local + fields[:, None, positions]))
        clamped = np.isin(positions, self.clamp_positions)
        means[:, :, clamped] = states[:, :, positions[clamped]]
        return means

    def full_moments(self, mean: np.ndarray, corr: np.ndarray | None, energy: np.ndarray, log_z: np.ndarray | None,
                     info: dict | None = None) -> Moments:
        """Batched exact moments of all variables from those of the free spins (clamped spins at their values)."""
        B, n = self.size, len(self.variables)
        F, C = self.free_positions, self.clamp_positions
        clamped = self.clamp_values.astype(np.float64)
        full_mean = np.empty((B, n))
        full_mean[:, F], full_mean[:, C] = mean, clamped
        full_corr = None
        if corr is not None:
            full_corr = np.empty((B, n, n))
            full_corr[:, F[:, None], F[None, :]] = corr
            full_corr[:, C[:, None], F[None, :]] = clamped[:, :, None] * mean[:, None, :]
            full_corr[:, F[:, None], C[None, :]] = mean[:, :, None] * clamped[:, None, :]
            full_corr[:, C[:, None], C[None, :]] = clamped[:, :, None] * clamped[:, None, :]
            full_corr[:, np.arange(n), np.arange(n)] = 1.0
        return Moments(variables=self.variables, mean=full_mean, corr=full_corr, energy=energy, log_z=log_z,
                       info=dict(info or {}))


def classical_model(model: Model) -> dimod.BinaryQuadraticModel | CompiledBQM:
    """``model`` itself when it is a BQM or a :class:`~isingbridge.ir.CompiledBQM`, what every backend takes.

    Raises
    ------
    TypeError
        For anything else, a :class:`~isingbridge.quantum.TransverseIsing`
        included (only the quantum backends take one), with the message of
        :func:`~isingbridge.ir.as_model`.
    """
    if isinstance(model, (dimod.BinaryQuadraticModel, CompiledBQM)):
        return model
    return as_model(model)  # not a classical model: as_model raises its TypeError


def check_rows_memory(first: Moments, rows: int) -> None:
    """Refuse, after the first row, a batch of moments whose stacked arrays would not fit in memory."""
    per_row = sum(v.nbytes for v in vars(first).values() if isinstance(v, np.ndarray))
    check_memory(2 * rows * per_row, f"moments of {rows} rows ({per_row} bytes each, stacked)",
                 "give fewer rows per call")


def check_log_z(log_z: float, beta: float) -> float:
    """``log_z`` itself, or a clear error when it overflowed float64 (log Z ≈ −β E_ground grows with ``beta``)."""
    if not math.isfinite(log_z):
        raise ValueError(f"log Z overflows float64 at beta={beta:g} (it grows like -beta * E_ground); lower beta")
    return log_z


def moments_from_samples(model: CompiledBQM, states: np.ndarray, info: dict | None = None) -> Moments:
    """Moments of independent samples, with stderr = std / sqrt(n)."""
    s = np.asarray(states, dtype=np.float64)
    n = s.shape[0]
    mean = s.mean(axis=0)
    corr = s.T @ s / n
    std = s.std(axis=0, ddof=1) if n > 1 else np.full(s.shape[1], np.inf)
    return Moments(
        variables=list(model.variables), mean=mean, corr=corr,
        energy=float(model.energies(s).mean()) if s.shape[1] else float(model.offset),
        stderr=std / math.sqrt(n), ess=np.full(s.shape[1], float(n)),
        info=dict(info or {}, num_samples=n),
    )


class Backend(dimod.Sampler):
    """Base class of every isingbridge backend (see the module docstring).

    Subclasses set :attr:`name`, :attr:`default_num_reads`, list their extra
    keyword arguments in :attr:`extra_parameters`, and implement
    :meth:`_sample_free`; they override :meth:`_moments_free` when they have a
    better estimator than averaging independent samples.
    """

    name: ClassVar[str] = "backend"
    default_num_reads: ClassVar[int] = 100
    extra_parameters: ClassVar[tuple[str, ...]] = ()
    exact: ClassVar[bool] = False

    def __init__(self, *, cache_size: int = 16):
        self._cache = CompileCache(check_positive_int(cache_size, "cache_size"))

    # -- dimod.Sampler API -------------------------------------------------
    @property
    def parameters(self) -> dict:
        """The keyword arguments of :meth:`sample` as dimod lists them, ``{name: []}``.

        The contract's ``beta``, ``num_reads``, ``clamp``, ``fields`` and
        ``seed``, then this backend's :attr:`extra_parameters`;
        :attr:`properties` describes each of them.
        """
        names = ("beta", "num_reads", "clamp", "fields", "seed") + tuple(self.extra_parameters)
        return {name: [] for name in names}

    @property
    def properties(self) -> dict:
        """What Ocean tools read: ``name``, ``exact``, ``limits`` and ``parameters``, one line of text per parameter.

        Examples
        --------
        >>> from isingbridge.backends import get
        >>> properties = get("anneal").properties
        >>> properties["name"], properties["exact"], set(properties["parameters"]) == set(get("anneal").parameters)
        ('anneal', False, True)
        >>> properties["parameters"]["mode"]
        '{"boltzmann", "anneal"}: Fixed-β sampling (``beta``) or annealing toward ground states (``beta_range``; a ``beta`` is then not used, see the module docstring).'
        """  # noqa: E501 (a doctest's expected output is one line)
        return {"name": self.name, "exact": self.exact, "limits": self.limits(), "parameters": self.parameter_docs()}

    def parameter_docs(self) -> dict[str, str]:
        """``{parameter: what it is}`` for every entry of :attr:`parameters` (from the class docstring where it says)."""
        documented: dict[str, str] = {}
        for doc in (type(self).__doc__, type(self).sample.__doc__, type(self).moments.__doc__, Backend.sample.__doc__):
            documented = {**docstring_parameters(doc or ""), **documented}
        return {name: documented.get(name, f"an option of the {self.name} backend") for name in self.parameters}

    def limits(self) -> str:
        """One line on the sizes this backend handles (for `isingbridge backends`)."""
        return "any size"

    def check_size(self, num_variables: int) -> None:
        """Raise a ``ValueError`` now if this backend cannot take a model of ``num_variables`` free spins.

        For callers that will submit many models of one size (a trainer before
        its first epoch); this default takes any size.
        """
        check_int(num_variables, "num_variables", minimum=0)

    # -- the contract ------------------------------------------------------
    def prepare(self, bqm: dimod.BinaryQuadraticModel | CompiledBQM, clamp: Mapping | None = None) -> Problem:
        """Validate ``bqm`` and ``clamp`` and compile the free part (cached)."""
        return Problem(bqm, clamp, self._cache)

    def prepare_batch(self, bqm: dimod.BinaryQuadraticModel | CompiledBQM, clamp: Any = None, fields: Any = None) -> Batch:
        """Validate a batched request (``clamp=(labels, values)`` and/or ``fields=(labels, values)``)."""
        return Batch(bqm, clamp, fields, self._cache)

    def sample(
        self,
        bqm: Model,
        *,
        beta: float = 1.0,
        num_reads: int | None = None,
        clamp: Any = None,
        fields: Any = None,
        seed: Any = None,
        **options: Any,
    ) -> dimod.SampleSet:
        """Draw ``num_reads`` samples of ``bqm`` at inverse temperature ``beta``.

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel or CompiledBQM
            SPIN or BINARY; samples come back in the same vartype.  A
            :class:`~isingbridge.ir.CompiledBQM` (e.g. from
            :meth:`~isingbridge.ir.CompiledBQM.from_arrays`, no dimod object
            built) is a SPIN model.  The quantum backends (statevector, sqa)
            also take a :class:`~isingbridge.quantum.TransverseIsing`.
        beta : float
            Inverse temperature (positive, finite).
        num_reads : int, optional
            Number of samples (default: the backend's ``default_num_reads``).
        clamp : dict or (labels, values), optional
            ``{label: ±1}`` spins held fixed; they keep their values in the samples.
            Batched: ``values`` an int array ``(B, len(labels))``, one problem per row
            (see the module docstring).
        fields : (labels, values), optional
            Per-row field offsets: ``values`` a float array ``(B, len(labels))``
            added to those variables' linear biases in row ``b``.
        seed : int or numpy.random.Generator, optional
            Same seed, same samples.
        **options
            Backend-specific options (see the backend's ``parameters``).

        Returns
        -------
        dimod.SampleSet
            Batched: the ``num_reads`` reads of every row in row order, with an
            int vector ``clamp_row`` (the row each read answers) and each row's
            energies (its fields included).
        """
        beta, extra = self._settle_request(beta, seed, options)
        target, beta, num_reads, rng = self._sampling_request(bqm, beta, num_reads, clamp, fields, seed, options)
        if isinstance(target, Batch):
            result = self._sample_batch(target, beta, num_reads, rng, **options)
            result.info.update({"beta": beta, "backend": self.name, **extra})
            return result
        states, info, vectors = self._sample_free(target.free, beta, num_reads, rng, **options)
        return target.sampleset(states, {**info, "beta": beta, "backend": self.name, **extra}, **vectors)

    def sample_states(
        self,
        bqm: Model,
        *,
        beta: float = 1.0,
        num_reads: int | None = None,
        clamp: Any = None,
        fields: Any = None,
        seed: Any = None,
        conditionals: Any = None,
        **options: Any,
    ) -> Samples:
        """:meth:`sample` in array form, for loops that sample a changing model many times.

        Takes the arguments of :meth:`sample` and draws the same states for
        the same seed, but returns a :class:`Samples`: int8 spins in the
        model's variable order (``(B, num_reads, N)`` for a batch), no
        SampleSet, energies computed only when asked for.

        Parameters
        ----------
        conditionals : list of labels, optional
            Also return ``E[s_i | every other spin]`` at the final states for
            these variables (``Samples.conditional_means``): the
            Rao–Blackwellised value of each sampled spin that a trainer
            averages instead of the spin itself.  Every backend computes it
            from the model's local fields; the Gibbs layer engine reads it
            off its last update when the variables are the layer it updated
            last (for a :meth:`~isingbridge.ir.CompiledBQM.bipartite` model:
            the hidden layer), at no cost.

        Examples
        --------
        >>> import numpy as np
        >>> from isingbridge import CompiledBQM, get
        >>> model = CompiledBQM.bipartite(np.full((3, 2), -0.5), np.zeros(3), np.zeros(2))
        >>> drawn = get("gibbs").sample_states(model, num_reads=4, num_sweeps=10, seed=0, conditionals=[3, 4])
        >>> drawn.states.shape, drawn.states.dtype, drawn.conditional_means.shape
        ((4, 5), dtype('int8'), (4, 2))
        >>> bool(np.all(np.abs(drawn.conditional_means) <= 1))
        True
        """
        beta, extra = self._settle_request(beta, seed, options)
        target, beta, num_reads, rng = self._sampling_request(bqm, beta, num_reads, clamp, fields, seed, options)
        labels, positions = (None, None) if conditionals is None else target.conditional_positions(conditionals)
        energy_of: Callable[[np.ndarray], np.ndarray]
        if isinstance(target, Batch):
            states, info, means = self._states_batch(target, beta, num_reads, rng, positions, **options)
            energy_of = target.row_energies
        else:
            free_positions = None if positions is None else target.free_columns(positions)
            free_states, info, free_means = self._states_free(target.free, beta, num_reads, rng, free_positions,
                                                              **options)
            states = target.full_states(free_states)
            means = None if positions is None else target.conditional_means(states, positions, beta, free_means)
            energy_of = target.energies
        info = {**info, "beta": beta, "backend": self.name, **extra}
        return Samples(target.variables, states, info, labels, means, _energy_of=energy_of)

    @property
    def continues_chains(self) -> bool:
        """Whether :meth:`sample` continues chains (it takes ``initial_states`` and ``num_sweeps``).

        A backend that does not (exact enumeration, a hardware sampler)
        returns fresh samples of the model instead, which is what a
        sampler-based estimator's phase is anyway.
        """
        parameters = self.parameters
        return "initial_states" in parameters and "num_sweeps" in parameters

    def continuation(self, num_sweeps: int, initial_states: Any = None) -> dict:
        """The options of :meth:`sample` that run ``num_sweeps`` sweeps from ``initial_states``.

        Empty for a backend that does not continue chains
        (:attr:`continues_chains`): it then draws fresh samples with its own
        settings, since a few sweeps of it from random states (a tempering
        ladder's first rounds, say) would not be samples of the model.
        ``initial_states`` None leaves the starting states to the backend.
        """
        if not self.continues_chains:
            return {}
        options: dict[str, Any] = {"num_sweeps": num_sweeps}
        if initial_states is not None:
            options["initial_states"] = initial_states
        return options

    def chains(self, num_reads: int, *, conditionals: Any = None, **options: Any) -> Chains:
        """``num_reads`` persistent chains for a loop that samples a changing model many times.

        Returns a :class:`~isingbridge.backends.chains.Chains`, whose
        ``run(model, num_sweeps=..., beta=..., seed=...)`` continues the
        chains on each run's model and returns :class:`Samples` (with the
        conditional means of ``conditionals``).  ``options`` are this
        backend's options for every run.  A backend that keeps more than the
        states between runs (the Gibbs backend keeps its engine) overrides
        this.

        Examples
        --------
        >>> import numpy as np
        >>> from isingbridge import CompiledBQM, get
        >>> chains = get("exact").chains(num_reads=4)      # exact sampling: every run a fresh sample
        >>> chains.run(CompiledBQM.bipartite([[0.5]], [0.0], [0.0]), seed=0).states.shape
        (4, 2)
        """
        return Chains(self, num_reads, conditionals, **options)

    def _settle_request(self, beta: Any, seed: Any, options: dict) -> tuple[Any, dict]:
        """Backend-specific checks of a request before the shared ones, for every call of the contract.

        May edit ``options`` in place; returns the β to validate and use, and
        entries that go into the result's ``info`` last (over the shared
        ones).  This default changes nothing.
        """
        return beta, {}

    def _sampling_request(self, bqm: Model, beta: Any, num_reads: int | None, clamp: Any, fields: Any, seed: Any,
                          options: dict) -> tuple[Problem | Batch, float, int, np.random.Generator]:
        """Validate what :meth:`sample` and :meth:`sample_states` take; ``(Problem or Batch, beta, num_reads, rng)``.

        ``options["initial_states"]`` is replaced by its validated free-spin columns.
        """
        beta = check_beta(beta)
        if num_reads is not None:
            num_reads = check_positive_int(num_reads, "num_reads")
        rng = as_rng(seed)
        self._check_options(options)
        batched = is_batched(clamp, fields)
        model = classical_model(bqm)
        target: Problem | Batch = self.prepare_batch(model, clamp, fields) if batched else self.prepare(model, clamp)
        if options.get("initial_states") is not None:
            options["initial_states"] = target.free_initial_states(options["initial_states"], num_reads)
            num_reads = num_reads or options["initial_states"].shape[1 if batched else 0]
        num_reads = self.default_num_reads if num_reads is None else num_reads
        check_reads_memory((target.size if isinstance(target, Batch) else 1) * num_reads, len(target.variables))
        return target, beta, num_reads, rng

    def moments(
        self,
        bqm: Model,
        *,
        beta: float = 1.0,
        clamp: Any = None,
        fields: Any = None,
        seed: Any = None,
        **options: Any,
    ) -> Moments:
        """⟨s_i⟩, ⟨s_i s_j⟩ and ⟨E⟩ of ``bqm`` at inverse temperature ``beta``.

        Takes the same arguments as :meth:`sample` (``num_reads`` too, for
        sampling backends); clamped spins appear with their fixed values.
        With batched ``clamp`` / ``fields`` every statistic gains a leading
        axis of ``B`` rows (see :class:`Moments`).
        """
        beta, extra = self._settle_request(beta, seed, options)
        beta = check_beta(beta)
        if options.get("num_reads") is not None:
            options["num_reads"] = check_positive_int(options["num_reads"], "num_reads")
        rng = as_rng(seed)
        self._check_options(options, allow_num_reads=True)
        model = classical_model(bqm)
        if is_batched(clamp, fields):
            batch = self.prepare_batch(model, clamp, fields)
            if options.get("initial_states") is not None:
                options["initial_states"] = batch.free_initial_states(options["initial_states"],
                                                                      options.get("num_reads"))
            result = self._moments_batch(batch, beta, rng, **options)
            result.info = {**result.info, "beta": beta, "backend": self.name, **extra}
            return result
        problem = self.prepare(model, clamp)
        if options.get("initial_states") is not None:
            options["initial_states"] = problem.free_initial_states(options["initial_states"], options.get("num_reads"))
        free = self._moments_free(problem.free, beta, rng, **options)
        free.info = {**free.info, "beta": beta, "backend": self.name, **extra}
        return problem.full_moments(free)

    # -- what subclasses implement -------------------------------------------
    def _sample_free(
        self, model: CompiledBQM, beta: float, num_reads: int, rng: np.random.Generator, **options: Any
    ) -> tuple[np.ndarray, dict, dict]:
        """Return ``(states, info, vectors)``: int8 spins ``(num_reads, N)`` in model order."""
        raise NotImplementedError

    def _states_free(
        self, model: CompiledBQM, beta: float, num_reads: int, rng: np.random.Generator,
        conditionals: np.ndarray | None, **options: Any
    ) -> tuple[np.ndarray, dict, np.ndarray | None]:
        """``(states, info, means)`` for :meth:`sample_states`: :meth:`_sample_free`'s states and info.

        ``conditionals`` are positions in ``model`` (−1 for a clamped
        variable, which the caller fills in) or None.  ``means`` ``(num_reads,
        k)`` are the conditional means when the backend has them for free
        (columns of clamped variables are ignored), or None to have them
        computed from the local fields; this default has none.  Per-read vectors (e.g. ``chain_break_fraction``) go into
        ``info["vectors"]``.
        """
        states, info, vectors = self._sample_free(model, beta, num_reads, rng, **options)
        return states, (dict(info, vectors=vectors) if vectors else info), None

    def _states_batch(
        self, batch: Batch, beta: float, num_reads: int, rng: np.random.Generator,
        conditionals: np.ndarray | None, **options: Any
    ) -> tuple[np.ndarray, dict, np.ndarray | None]:
        """``(states (B, R, N), info, means)`` of every row for :meth:`sample_states`.

        ``conditionals`` are positions in :attr:`Batch.variables`.  This
        default reads the states off :meth:`_sample_batch`'s SampleSet and
        computes the conditional means from each row's local fields.
        """
        sampleset = self._sample_batch(batch, beta, num_reads, rng, **options)
        states = batch.states_of(sampleset)
        means = None if conditionals is None else batch.conditional_means(states, conditionals, beta)
        return states, dict(sampleset.info), means

    def _sample_batch(
        self, batch: Batch, beta: float, num_reads: int, rng: np.random.Generator, **options: Any
    ) -> dimod.SampleSet:
        """All rows of ``batch``, ``num_reads`` reads each (see :func:`concatenate_rows`).

        This default solves the rows one by one with :meth:`_sample_free`;
        ``options["initial_states"]``, when given, is ``(B, num_reads, F)``.
        """
        samplesets = []
        for b, problem in enumerate(batch.problems()):
            states, info, vectors = self._sample_free(problem.free, beta, num_reads, rng, **batch.row_options(options, b))
            samplesets.append(problem.sampleset(states, info, **vectors))
        return concatenate_rows(samplesets)

    def _moments_batch(self, batch: Batch, beta: float, rng: np.random.Generator, **options: Any) -> Moments:
        """Moments of every row of ``batch`` (a leading batch axis); this default goes row by row."""
        rows = []
        for b, problem in enumerate(batch.problems()):
            rows.append(problem.full_moments(self._moments_free(problem.free, beta, rng, **batch.row_options(options, b))))
            if b == 0:
                check_rows_memory(rows[0], batch.size)
        return stack_moments(rows)

    def _moments_free(self, model: CompiledBQM, beta: float, rng: np.random.Generator, **options: Any) -> Moments:
        num_reads = options.pop("num_reads", None)
        num_reads = self.default_num_reads if num_reads is None else num_reads
        check_reads_memory(num_reads, model.num_variables)
        states, info, _ = self._sample_free(model, beta, num_reads, rng, **options)
        return moments_from_samples(model, states, info)

    def _check_options(self, options: dict, allow_num_reads: bool = False) -> None:
        """Refuse a known argument given where it does not belong; warn about an unknown one and drop it.

        Unknown keyword arguments are removed from ``options`` in place with a
        :class:`dimod.exceptions.SamplerUnknownArgWarning`, as Ocean samplers
        do (``dimod.Sampler.remove_unknown_kwargs``), so that a call written for
        another sampler runs here.  Every call of the contract (``sample``,
        ``sample_states``, ``moments``, ``chains``) goes through this check.

        Examples
        --------
        >>> import warnings, dimod
        >>> from isingbridge.backends import get
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     ss = get("exact").sample_ising({"a": 1.0}, {}, num_reads=2, annealing_time=20, seed=0)
        >>> len(ss), [type(w.message).__name__ for w in caught]
        (2, ['SamplerUnknownArgWarning'])
        """
        allowed = set(self.extra_parameters) | ({"num_reads"} if allow_num_reads else set())
        misplaced = sorted((set(options) & (set(self.parameters) | set(ELSEWHERE))) - allowed)
        if misplaced:
            where = "; ".join(f"{name}: {ELSEWHERE.get(name, 'given once, by name')}" for name in misplaced)
            raise TypeError(f"the {self.name} backend does not take {misplaced} in this call ({where})")
        for name in sorted(set(options) - allowed, key=repr):
            warnings.warn(f"Ignoring unknown kwarg: {name!r} (the {self.name} backend takes {sorted(self.parameters)})",
                          dimod.exceptions.SamplerUnknownArgWarning, stacklevel=stacklevel_outside())
            del options[name]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


#: Arguments of the contract that some calls take and others do not: where each belongs.
ELSEWHERE = {"conditionals": "an argument of sample_states() and chains()"}


def check_reads_memory(num_reads: int, num_variables: int) -> None:
    """Refuse, before any allocation, ``num_reads`` samples of ``num_variables`` spins that would not fit in memory."""
    check_memory(
        num_reads * (BYTES_PER_SPIN_READ * num_variables + BYTES_PER_READ),
        f"{num_reads} reads of {num_variables} spins (about {BYTES_PER_SPIN_READ} bytes per spin and read)",
        "lower num_reads, or draw the samples in several calls",
    )
