"""The backend contract (DESIGN.md §3): one base class, one result type.

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
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import dimod
import numpy as np

from isingbridge.validation import as_rng, check_beta, check_memory, check_positive_int, check_spins, int_seed
from isingbridge.ir import (
    CompileCache,
    CompiledBQM,
    as_spin_bqm,
    check_clamp,
    clamp_bqm,
    compile_bqm,
    spins_to_vartype,
)

__all__ = ["Backend", "Moments", "Problem", "check_log_z", "check_beta", "check_positive_int", "as_rng", "check_reads_memory"]

#: Bytes per spin and per read that sampling may hold at once (engine state, float copies for
#: statistics, the copies dimod makes for a SampleSet); generous on purpose: it guards, it does not budget.
BYTES_PER_SPIN_READ = 16
BYTES_PER_READ = 64


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
    corr: np.ndarray
    energy: float
    log_z: float | None = None
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

    def mean_of(self, label: Hashable) -> float:
        """⟨s⟩ of one variable by label."""
        return float(self.mean[self._position(label)])

    def corr_of(self, u: Hashable, v: Hashable) -> float:
        """⟨s_u s_v⟩ by labels."""
        return float(self.corr[self._position(u), self._position(v)])

    def _position(self, label: Hashable) -> int:
        try:
            return self.variables.index(label)
        except ValueError:
            raise KeyError(f"{label!r} is not a variable of these moments") from None


class Problem:
    """A validated sampling request: the model, its clamp, and the free part.

    Built by :meth:`Backend.prepare`; backends receive :attr:`free`, a
    :class:`~isingbridge.ir.CompiledBQM` of the unclamped spins, and hand back
    free-spin states or moments, which this object turns into results about
    the full model.
    """

    def __init__(self, bqm: dimod.BinaryQuadraticModel, clamp: Mapping | None, cache: CompileCache | None):
        spin = as_spin_bqm(bqm)
        self.vartype = bqm.vartype
        self.bqm = spin
        self.clamp = check_clamp(bqm, clamp)
        self.variables = list(spin.variables)
        self.free_bqm = clamp_bqm(spin, self.clamp) if self.clamp else spin
        self.free: CompiledBQM = cache.compile(self.free_bqm) if cache else compile_bqm(self.free_bqm)
        index = {v: i for i, v in enumerate(self.variables)}
        self.free_positions = np.array([index[v] for v in self.free.variables], dtype=np.int64)
        self.clamp_positions = np.array([index[v] for v in self.clamp], dtype=np.int64)
        self.clamp_values = np.array(list(self.clamp.values()), dtype=np.int8)
        self._free_is_full = np.array_equal(self.free_positions, np.arange(len(self.variables)))

    @property
    def num_free(self) -> int:
        return self.free.num_variables

    def free_initial_states(self, initial_states: Any, num_reads: int | None) -> np.ndarray:
        """Validate starting states and return their free-spin columns (int8 ±1).

        ``initial_states`` is a ``dimod.SampleSet`` (matched by label) or an
        array ``(num_reads, N)`` with columns in the model's variable order; a
        BINARY model's 0/1 values are accepted.  Clamped columns are ignored.
        """
        if isinstance(initial_states, dimod.SampleSet):
            missing = [v for v in self.variables if v not in initial_states.variables]
            if missing:
                raise ValueError(f"initial_states lacks variable(s) {missing[:5]} of the model")
            columns = [initial_states.variables.index(v) for v in self.variables]
            initial_states = np.asarray(initial_states.record.sample)[:, columns]
        try:
            shape = np.shape(initial_states)
        except ValueError:
            raise ValueError("initial_states must be a rectangular array of spins (rows of equal length)") from None
        rows_of_spins = len(shape) == 2 or (len(shape) == 1 and len(self.variables) > 0)
        if not rows_of_spins or shape[-1] != len(self.variables):
            raise ValueError(
                f"initial_states must have shape (num_reads, {len(self.variables)}) with columns in the "
                f"model's variable order; got shape {shape}"
            )
        spins = check_spins(initial_states, "initial_states", binary=self.vartype is dimod.BINARY)
        if spins.shape[0] == 0:
            raise ValueError("initial_states has no rows; give one starting state per read, or leave it out")
        if num_reads is not None and spins.shape[0] != num_reads:
            raise ValueError(f"initial_states has {spins.shape[0]} rows but num_reads is {num_reads}")
        return np.ascontiguousarray(spins[:, self.free_positions])

    def full_states(self, free_states: np.ndarray) -> np.ndarray:
        """Insert the clamped spins into free-spin states (rows)."""
        free_states = np.asarray(free_states, dtype=np.int8)
        if self._free_is_full:  # nothing clamped and the same variable order: no copy
            return free_states
        full = np.empty((free_states.shape[0], len(self.variables)), dtype=np.int8)
        full[:, self.free_positions] = free_states
        full[:, self.clamp_positions] = self.clamp_values
        return full

    def sampleset(self, free_states: np.ndarray, info: dict | None = None, **vectors: Any) -> dimod.SampleSet:
        """A SampleSet over all variables, in the caller's vartype, energies of the full model."""
        full = self.full_states(free_states)
        if self.variables:
            energies = self.bqm.energies((full, self.variables))
        else:
            energies = np.full(full.shape[0], float(self.bqm.offset))
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
        names = ("beta", "num_reads", "clamp", "seed") + tuple(self.extra_parameters)
        return {name: [] for name in names}

    @property
    def properties(self) -> dict:
        return {"name": self.name, "exact": self.exact, "limits": self.limits()}

    def limits(self) -> str:
        """One line on the sizes this backend handles (for `isingbridge backends`)."""
        return "any size"

    # -- the contract ------------------------------------------------------
    def prepare(self, bqm: dimod.BinaryQuadraticModel, clamp: Mapping | None = None) -> Problem:
        """Validate ``bqm`` and ``clamp`` and compile the free part (cached)."""
        return Problem(bqm, clamp, self._cache)

    def sample(
        self,
        bqm: dimod.BinaryQuadraticModel,
        *,
        beta: float = 1.0,
        num_reads: int | None = None,
        clamp: Mapping | None = None,
        seed: Any = None,
        **options: Any,
    ) -> dimod.SampleSet:
        """Draw ``num_reads`` samples of ``bqm`` at inverse temperature ``beta``.

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
            SPIN or BINARY; samples come back in the same vartype.
        beta : float
            Inverse temperature (positive, finite).
        num_reads : int, optional
            Number of samples (default: the backend's ``default_num_reads``).
        clamp : dict, optional
            ``{label: ±1}`` spins held fixed; they keep their values in the samples.
        seed : int or numpy.random.Generator, optional
            Same seed, same samples.
        **options
            Backend-specific options (see the backend's ``parameters``).
        """
        beta = check_beta(beta)
        if num_reads is not None:
            num_reads = check_positive_int(num_reads, "num_reads")
        rng = as_rng(seed)
        self._check_options(options)
        problem = self.prepare(bqm, clamp)
        if options.get("initial_states") is not None:
            options["initial_states"] = problem.free_initial_states(options["initial_states"], num_reads)
            num_reads = num_reads or options["initial_states"].shape[0]
        num_reads = self.default_num_reads if num_reads is None else num_reads
        check_reads_memory(num_reads, len(problem.variables))
        states, info, vectors = self._sample_free(problem.free, beta, num_reads, rng, **options)
        info = dict(info, beta=beta, backend=self.name)
        return problem.sampleset(states, info, **vectors)

    def moments(
        self,
        bqm: dimod.BinaryQuadraticModel,
        *,
        beta: float = 1.0,
        clamp: Mapping | None = None,
        seed: Any = None,
        **options: Any,
    ) -> Moments:
        """⟨s_i⟩, ⟨s_i s_j⟩ and ⟨E⟩ of ``bqm`` at inverse temperature ``beta``.

        Takes the same arguments as :meth:`sample` (``num_reads`` too, for
        sampling backends); clamped spins appear with their fixed values.
        """
        beta = check_beta(beta)
        if options.get("num_reads") is not None:
            options["num_reads"] = check_positive_int(options["num_reads"], "num_reads")
        rng = as_rng(seed)
        self._check_options(options, allow_num_reads=True)
        problem = self.prepare(bqm, clamp)
        if options.get("initial_states") is not None:
            options["initial_states"] = problem.free_initial_states(options["initial_states"], options.get("num_reads"))
        free = self._moments_free(problem.free, beta, rng, **options)
        free.info = dict(free.info, beta=beta, backend=self.name)
        return problem.full_moments(free)

    # -- what subclasses implement -------------------------------------------
    def _sample_free(
        self, model: CompiledBQM, beta: float, num_reads: int, rng: np.random.Generator, **options: Any
    ) -> tuple[np.ndarray, dict, dict]:
        """Return ``(states, info, vectors)``: int8 spins ``(num_reads, N)`` in model order."""
        raise NotImplementedError

    def _moments_free(self, model: CompiledBQM, beta: float, rng: np.random.Generator, **options: Any) -> Moments:
        num_reads = options.pop("num_reads", None)
        num_reads = self.default_num_reads if num_reads is None else num_reads
        check_reads_memory(num_reads, model.num_variables)
        states, info, _ = self._sample_free(model, beta, num_reads, rng, **options)
        return moments_from_samples(model, states, info)

    def _check_options(self, options: Mapping, allow_num_reads: bool = False) -> None:
        allowed = set(self.extra_parameters) | ({"num_reads"} if allow_num_reads else set())
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise TypeError(
                f"{self.name} backend got unexpected option(s) {unknown}; "
                f"it accepts beta, num_reads, clamp, seed and {sorted(self.extra_parameters)}"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def check_reads_memory(num_reads: int, num_variables: int) -> None:
    """Refuse, before any allocation, ``num_reads`` samples of ``num_variables`` spins that would not fit in memory."""
    check_memory(
        num_reads * (BYTES_PER_SPIN_READ * num_variables + BYTES_PER_READ),
        f"{num_reads} reads of {num_variables} spins (about {BYTES_PER_SPIN_READ} bytes per spin and read)",
        "lower num_reads, or draw the samples in several calls",
    )
