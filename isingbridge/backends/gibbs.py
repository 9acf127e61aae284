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
from typing import ClassVar

import numba
import numpy as np
from threadpoolctl import ThreadpoolController

from isingbridge.backends import gibbs_cuda
from isingbridge.backends.base import Backend, Moments, check_positive_int, check_reads_memory
from isingbridge.backends.gibbs_cuda import PRECISIONS
from isingbridge.backends.gibbs_cpu import LayerChains, SparseChains
from isingbridge.ir import CompiledBQM
from isingbridge.validation import check_bool, check_choice, check_int, check_memory

__all__ = ["GibbsBackend", "ChainStatistics", "choose_method"]

SCANS = ("chromatic", "random")
METHODS = ("auto", "sparse", "dense")
DEVICES = ("cpu", "cuda", "auto")
MIN_BATCHES = 16


def choose_method(model: CompiledBQM) -> str:
    """"dense" for graphs with few, large colour classes and high degree (RBM-like), else "sparse"."""
    n = model.num_variables
    if n == 0 or model.num_colors > 4:
        return "sparse"
    mean_degree = 2 * model.num_interactions / n
    return "dense" if mean_degree >= 32 else "sparse"


class ChainStatistics:
    """Running sums of spin statistics over recorded sweeps of many chains.

    Standard errors use batch means: each chain's record is cut into
    contiguous batches (one per chain when there are ≥ 16 chains, more
    otherwise), and the spread of the batch averages — which are nearly
    independent when batches are longer than the autocorrelation time — gives
    the error of the overall mean.  The effective sample size is then
    (1 − ⟨s⟩²) / stderr².
    """

    def __init__(self, model: CompiledBQM, num_chains: int, num_records: int, corr: bool):
        self.model = model
        self.num_chains = num_chains
        self.batches = min(num_records, max(1, math.ceil(MIN_BATCHES / num_chains)))
        self.per_batch = num_records // self.batches
        self.batch_sums = np.zeros((self.batches, num_chains, model.num_variables))
        self.energy_batches = np.zeros((self.batches, num_chains))
        n = model.num_variables
        self.num_records = num_records
        self.corr_batches = min(num_records, MIN_BATCHES)
        self.corr = np.zeros((self.corr_batches, n, n)) if corr else None
        self.count = 0

    def record(self, states: np.ndarray) -> None:
        """Add one snapshot of all chains, ``(num_chains, N)`` spins."""
        batch = min(self.count // self.per_batch, self.batches - 1)
        s = states.astype(np.float32)
        self.batch_sums[batch] += s
        self.energy_batches[batch] += self.model.energies(s)
        if self.corr is not None:
            self.corr[self.count * self.corr_batches // self.num_records] += s.T @ s
        self.count += 1

    def moments(self, info: dict) -> Moments:
        counts = np.full(self.batches, self.per_batch, dtype=np.float64)
        counts[-1] = self.count - self.per_batch * (self.batches - 1)
        samples = self.count * self.num_chains
        mean = self.batch_sums.sum(axis=(0, 1)) / samples
        batch_means = (self.batch_sums / counts[:, None, None]).reshape(-1, self.model.num_variables)
        energy_means = (self.energy_batches / counts[:, None]).ravel()
        k = batch_means.shape[0]
        if k > 1:
            stderr = batch_means.std(axis=0, ddof=1) / math.sqrt(k)
            energy_stderr = float(energy_means.std(ddof=1) / math.sqrt(k))
        else:
            stderr, energy_stderr = np.full(mean.size, np.inf), math.inf
        with np.errstate(divide="ignore", invalid="ignore"):
            ess = np.where(stderr > 0, np.clip((1 - mean**2) / stderr**2, 0, samples), samples)
        corr = corr_stderr = None
        if self.corr is not None:
            corr = self.corr.sum(axis=0) / samples
            np.fill_diagonal(corr, 1.0)
            corr_stderr = _batch_stderr(self.corr, self.num_records, self.num_chains)
        return Moments(
            variables=list(self.model.variables), mean=mean, corr=corr,
            energy=float(self.energy_batches.sum() / samples), stderr=stderr, ess=ess, corr_stderr=corr_stderr,
            info=dict(info, num_samples=samples, batches=k, energy_stderr=energy_stderr),
        )


class GibbsBackend(Backend):
    """Gibbs / p-bit emulator: many chains, numba on CPU (CUDA on a GPU).

    Parameters
    ----------
    device : {"cpu", "cuda", "auto"}
        Where the chains run; "auto" takes a GPU when CuPy sees one
        (:mod:`isingbridge.backends.gibbs_cuda`, the ``[gpu]`` extra), "cuda"
        raises with the reason when none is usable.
    num_threads : int, optional
        numba threads (default: all cores); BLAS is limited to the same number
        while the backend runs, so the two never oversubscribe the cores.
    dense_precision : {"half", "single"}
        GPU dense/bipartite engine only: fp16 matrix products with fp32
        accumulation (tensor cores; each update's probability off by at most
        ~1e-4) or fp32 throughout.  The CPU engines always use float32.

    Options of :meth:`sample` and :meth:`moments`
    ----------------------------------------------
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
    compute_corr : bool
        :meth:`moments` only: accumulate the full ⟨s_i s_j⟩ (default True).
    """

    name: ClassVar[str] = "gibbs"
    default_num_reads: ClassVar[int] = 128
    extra_parameters: ClassVar[tuple[str, ...]] = (
        "num_sweeps", "burn_in", "thin", "initial_states", "scan", "method", "compute_corr",
    )

    def __init__(self, *, device: str = "cpu", num_threads: int | None = None, dense_precision: str = "half",
                 cache_size: int = 16):
        super().__init__(cache_size=cache_size)
        check_choice(device, "device", DEVICES)
        check_choice(dense_precision, "dense_precision", PRECISIONS)
        if device in ("cuda", "auto"):
            usable = gibbs_cuda.gpu_available()
            if device == "cuda" and not usable:
                raise RuntimeError(gibbs_cuda.unavailable_reason())
            device = "cuda" if usable else "cpu"
        self.device = device
        self.dense_precision = dense_precision
        self.num_threads = numba.config.NUMBA_NUM_THREADS if num_threads is None else check_positive_int(num_threads, "num_threads")
        self.num_threads = min(self.num_threads, numba.config.NUMBA_NUM_THREADS)

    def limits(self) -> str:
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
        state["_threadpools"] = None  # holds ctypes handles: rebuilt on first use after unpickling
        return state

    def _blas(self) -> ThreadpoolController:
        # inspecting the loaded BLAS libraries costs ~2 ms: do it once per backend, not per call
        if getattr(self, "_threadpools", None) is None:
            self._threadpools = ThreadpoolController().select(user_api="blas")
        return self._threadpools

    @contextlib.contextmanager
    def threads(self):
        """Run the block with numba at ``num_threads`` and BLAS capped to the same number."""
        previous = numba.get_num_threads()
        numba.set_num_threads(self.num_threads)
        try:
            blas = self._blas()
            if all(library.num_threads <= self.num_threads for library in blas.lib_controllers):
                yield  # already within the cap: a limit/restore round trip costs more than a small sweep
            else:
                with blas.limit(limits=self.num_threads):
                    yield
        finally:
            numba.set_num_threads(previous)

    def _engine(self, model: CompiledBQM, beta: float, num_chains: int, rng: np.random.Generator,
                scan: str, method: str, initial_states: np.ndarray | None):
        if method == "auto":
            method = choose_method(model) if scan == "chromatic" else "sparse"
        if self.device == "cuda":
            if method == "dense":
                engine = gibbs_cuda.CudaLayerChains(model, beta, num_chains, rng, scan, self.dense_precision)
            else:
                engine = gibbs_cuda.CudaSparseChains(model, beta, num_chains, rng, scan)
        else:
            engine = (LayerChains if method == "dense" else SparseChains)(model, beta, num_chains, rng, scan=scan)
        if initial_states is None:
            initial_states = random_spins(rng, (num_chains, model.num_variables))
        engine.load(initial_states)
        return engine, method

    def _sample_free(self, model, beta, num_reads, rng, *, num_sweeps=1000, burn_in=None, thin=1,
                     initial_states=None, scan="chromatic", method="auto", compute_corr=True):
        num_sweeps, _, _ = _check_controls(num_sweeps, burn_in, thin, scan, method, compute_corr)
        if model.num_variables == 0:
            return np.zeros((num_reads, 0), dtype=np.int8), {}, {}
        with self.threads():
            engine, method = self._engine(model, beta, num_reads, rng, scan, method, initial_states)
            engine.run(num_sweeps)
            states = engine.states()
        return states, {"num_sweeps": num_sweeps, "method": method, "device": self.device}, {}

    def _moments_free(self, model, beta, rng, *, num_reads=None, num_sweeps=1000, burn_in=None, thin=1,
                      initial_states=None, scan="chromatic", method="auto", compute_corr=True) -> Moments:
        num_sweeps, burn_in, thin = _check_controls(num_sweeps, burn_in, thin, scan, method, compute_corr)
        if initial_states is not None and num_reads is None:
            num_reads = len(initial_states)
        # Backend.moments has already matched initial_states' rows against num_reads
        num_chains = check_positive_int(self.default_num_reads if num_reads is None else num_reads, "num_reads")
        _check_statistics_memory(model.num_variables, num_chains, compute_corr)
        if model.num_variables == 0:
            return Moments([], np.zeros(0), np.zeros((0, 0)), float(model.offset), stderr=np.zeros(0), ess=np.zeros(0))
        num_records = (num_sweeps - burn_in) // thin
        stats = ChainStatistics(model, num_chains, num_records, bool(compute_corr))
        with self.threads():
            engine, method = self._engine(model, beta, num_chains, rng, scan, method, initial_states)
            engine.run(burn_in + (num_sweeps - burn_in) % thin)
            for _ in range(num_records):
                engine.run(thin)
                stats.record(engine.states())
            final = engine.states()
        info = {"num_sweeps": num_sweeps, "burn_in": burn_in, "thin": thin, "method": method,
                "device": self.device, "final_states": final}
        return stats.moments(info)


def random_spins(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Uniformly random ±1 int8 spins from one random bit per spin (fast for millions of spins)."""
    bits = np.frombuffer(rng.bytes(shape[0] * shape[1]), dtype=np.uint8).reshape(shape) & np.uint8(1)
    spins = bits.view(np.int8)
    spins *= 2
    spins -= 1
    return spins


def _batch_stderr(batch_sums: np.ndarray, num_records: int, num_chains: int) -> np.ndarray:
    """Standard error of a mean from sums over contiguous time batches (pooled chains)."""
    k = batch_sums.shape[0]
    if k < 2:
        return np.full(batch_sums.shape[1:], np.inf)
    # batch b holds the records whose index r satisfies r * k // num_records == b
    sizes = np.bincount(np.arange(num_records) * k // num_records, minlength=k)
    means = batch_sums / (sizes * num_chains)[:, None, None]
    error = means.std(axis=0, ddof=1) / np.sqrt(k)
    np.fill_diagonal(error, 0.0)
    return error


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


def _check_statistics_memory(num_variables: int, num_chains: int, compute_corr: bool) -> None:
    """Refuse statistics whose accumulators would not fit: per-chain batch sums, and MIN_BATCHES N x N sums."""
    check_reads_memory(max(num_chains, MIN_BATCHES), num_variables)
    if compute_corr:
        check_memory(8.0 * (MIN_BATCHES + 2) * num_variables**2,
                     f"<s_i s_j> of {num_variables} spins ({MIN_BATCHES} batch sums of N x N float64)",
                     "pass compute_corr=False to skip the correlations")
