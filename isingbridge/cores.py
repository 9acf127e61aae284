"""How many BLAS threads to use now: the allowed cores less those other processes keep busy.

Multithreaded BLAS on the small matrices of a training step (a 100 × 784
batch times 784 × 500 weights) finishes in a millisecond when its threads have
the cores to themselves, and takes 10–50× longer when another process competes
for them: OpenBLAS's threads meet at a barrier inside every product and wait
for whichever of them the scheduler has just put aside.  One thread per
product loses a third of the speed on an idle machine and nothing to barriers
on a busy one.  :class:`CoreBudget` chooses between them from a measurement:
every ``interval`` seconds it compares the CPU time all processes spent on the
cores this process may use against the CPU time of this process, and allows
as many threads as there are cores the others leave free (at least one).

>>> from isingbridge.cores import CoreBudget
>>> budget = CoreBudget()
>>> 1 <= budget.threads() <= budget.max_threads
True
>>> with budget.limit():   # BLAS runs at most budget.threads() threads inside
...     pass

OpenMP threads that sleep when idle
-----------------------------------
numba's OpenMP threads and BLAS threads take turns in a training step; GNU
OpenMP's default, spinning after every parallel region, keeps the cores from
the next BLAS call (an RBM epoch ran 2–6× slower on 2 busy cores).
:func:`start_threads` starts numba's thread pool with
``OMP_WAIT_POLICY=PASSIVE`` and restores the environment at once: the policy
reaches only the OpenMP runtime numba loads then, never ``os.environ``, child
processes or libraries loaded later.  :meth:`CoreBudget.limit` calls it, so the
Gibbs backend and the training loops start the pool this way on first use;
importing isingbridge changes nothing.  A user's own ``OMP_WAIT_POLICY`` (any
value) always wins, and so does a pool that other code started first.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numba
import psutil
from threadpoolctl import ThreadpoolController

from isingbridge.validation import check_positive, check_positive_int

__all__ = ["CoreBudget", "start_threads"]

_start_lock = threading.Lock()


def start_threads() -> bool:
    """Start numba's thread pool with OpenMP threads that sleep when idle (see the module notes).

    Returns True when this call started the pool with the passive policy;
    False when the pool was already running or the user set
    ``OMP_WAIT_POLICY`` (their setting is used as it is).

    Examples
    --------
    >>> import os
    >>> from isingbridge.cores import start_threads
    >>> before = os.environ.get("OMP_WAIT_POLICY")
    >>> start_threads() in (True, False)
    True
    >>> os.environ.get("OMP_WAIT_POLICY") == before      # the environment is left as it was
    True
    """
    from numba.np.ufunc import parallel

    with _start_lock:
        if getattr(parallel, "_is_initialized", False) or "OMP_WAIT_POLICY" in os.environ:
            numba.get_num_threads()
            return False
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"  # GNU OpenMP reads it once, when numba loads it
        try:
            numba.get_num_threads()
        finally:
            del os.environ["OMP_WAIT_POLICY"]
        return True


@dataclass(frozen=True)
class _Reading:
    """CPU time counters at one moment (seconds)."""

    pid: int
    wall: float
    own: float  # CPU time of this process, all its threads
    busy: float  # CPU time of every process on the allowed cores


def _allowed_cpus() -> list[int]:
    """The CPUs this process may run on (its affinity where the platform tells it)."""
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        return list(range(os.cpu_count() or 1))


def _running_elsewhere() -> int:
    """Threads running right now besides the caller's, from the kernel's run queue (Linux; 0 elsewhere).

    The first decision of a budget has no interval to measure over; this
    snapshot keeps a budget created on a busy machine from starting with every
    core (a new estimator per fit would otherwise spend its first interval
    there).
    """
    try:
        with open("/proc/loadavg") as status:
            running = int(status.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return 0
    return max(0, running - 1)


def _busy_seconds(cpus: list[int]) -> float:
    """CPU time spent on ``cpus`` by every process since boot (all but idle and I/O wait)."""
    per_cpu = psutil.cpu_times(percpu=True)
    total = 0.0
    for cpu in cpus:
        if cpu < len(per_cpu):
            times = per_cpu[cpu]
            total += sum(times) - times.idle - getattr(times, "iowait", 0.0)
    return total


class CoreBudget:
    """The number of BLAS threads that pays now, measured, and a context that applies it.

    Parameters
    ----------
    max_threads : int, optional
        Upper bound (default: the CPUs this process may use).
    interval : float
        Seconds between measurements; between them the last decision holds,
        so asking costs a clock read.

    Notes
    -----
    The budget is ``round(cores − others)`` clipped to ``[1, max_threads]``,
    where ``others`` is the CPU time other processes used on the allowed cores
    over the last interval divided by its length.  The first decision, before
    any interval has passed, counts the threads the kernel is running
    elsewhere at that moment instead.  A budget carried into
    another process (a fork, or a file loaded elsewhere) starts measuring again.
    """

    _transient = ("_blas", "_reading", "_threads")  # caches and measurements: never saved with an estimator
    _threads: int

    def __init__(self, max_threads: int | None = None, *, interval: float = 0.25):
        self.cpus = _allowed_cpus()
        limit = len(self.cpus) if max_threads is None else check_positive_int(max_threads, "max_threads")
        self.max_threads = min(limit, len(self.cpus))
        self.interval = check_positive(interval, "interval")

    def __repr__(self) -> str:
        return f"CoreBudget(max_threads={self.max_threads}, interval={self.interval})"

    def __getstate__(self) -> dict:
        # ctypes handles and this process's counters mean nothing in a copy: it measures afresh
        return {key: value for key, value in self.__dict__.items() if key not in self._transient}

    def _read(self) -> _Reading:
        return _Reading(os.getpid(), time.perf_counter(), time.process_time(), _busy_seconds(self.cpus))

    def threads(self) -> int:
        """Threads to use now (measured at most once per ``interval``)."""
        previous: _Reading | None = getattr(self, "_reading", None)
        if previous is not None and previous.pid == os.getpid() and time.perf_counter() - previous.wall < self.interval:
            return self._threads
        now = self._read()
        self._reading = now
        if previous is None or previous.pid != now.pid:
            self._threads = self._clip(len(self.cpus) - _running_elsewhere())
            return self._threads
        others = max(0.0, (now.busy - previous.busy) - (now.own - previous.own)) / (now.wall - previous.wall)
        self._threads = self._clip(len(self.cpus) - others)
        return self._threads

    def _clip(self, free_cores: float) -> int:
        return int(min(self.max_threads, max(1, round(free_cores))))

    def _controller(self) -> ThreadpoolController:
        # inspecting the loaded BLAS libraries costs ~2 ms: once per budget, not per step
        if getattr(self, "_blas", None) is None:
            self._blas = ThreadpoolController().select(user_api="blas")
        return self._blas

    @contextlib.contextmanager
    def limit(self, numba_threads: int | None = None) -> Iterator[int]:
        """Run the block with BLAS at no more than :meth:`threads` threads (never raised above its setting).

        ``numba_threads``, when given, also sets numba's thread count for the
        block (numba's chain-parallel kernels have no barrier per product, so
        callers keep them at their own count).  Yields the BLAS thread count.
        """
        threads = self.threads()
        blas = self._controller()
        start_threads()
        previous_numba = numba.get_num_threads()
        if numba_threads is not None:
            numba.set_num_threads(min(numba_threads, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
        try:
            if all(library.num_threads <= threads for library in blas.lib_controllers):
                yield threads  # already within: a limit/restore round trip costs more than a small product
            else:
                with blas.limit(limits=threads):
                    yield threads
        finally:
            numba.set_num_threads(previous_numba)
