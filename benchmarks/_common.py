"""Helpers shared by the benchmarks: isolated timed runs, a competing load, and tables."""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any


def _child(queue: mp.Queue, task: Callable[..., Any], args: tuple, warmup: Callable[[], Any] | None) -> None:
    try:
        if warmup is not None:
            warmup()
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        value = task(*args)
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        queue.put(("ok", elapsed, (peak - base) / 1024.0, value))
    except Exception as error:  # report any failure of the peer as a table entry
        queue.put(("error", 0.0, 0.0, f"{type(error).__name__}: {error}"))


def run_isolated(
    task: Callable[..., Any], *args: Any, warmup: Callable[[], Any] | None = None, timeout: float = 600.0
) -> tuple[str, float, float, Any]:
    """Run ``task(*args)`` in a fresh process: (status, seconds, extra peak MB, value).

    ``warmup`` runs first in the same process, untimed (JIT loading, imports).
    Peak memory is the process's peak RSS growth during ``task`` (it can only
    see growth past the warm-up's peak).

    A fresh process per run keeps one tool's memory and thread pools from
    leaking into the next tool's figures, and an out-of-memory peer becomes a
    table entry instead of a crash.
    """
    ctx = mp.get_context("spawn")  # fork is unsafe once numba's OpenMP threads exist
    queue: mp.Queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(queue, task, args, warmup))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        return "timeout", timeout, 0.0, None
    if queue.empty():
        return f"died (exit {process.exitcode})", 0.0, 0.0, None
    return queue.get()


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """A plain fixed-width table."""
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    line = "  ".join(f"{h:>{w}}" for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(f"{str(x):>{w}}" for x, w in zip(row, widths)))


_LOAD_SCRIPT = """
import sys, time
import numpy as np
deadline = time.monotonic() + float(sys.argv[1])
a = np.random.default_rng(0).random((1000, 1000))
b = a @ a
print("ready", flush=True)
while time.monotonic() < deadline:
    b = a @ a
"""


@contextlib.contextmanager
def competing_load(threads: int = 2, seconds: float = 600.0) -> Iterator[subprocess.Popen]:
    """Run the enclosed block beside another process doing float64 1000×1000 matrix products on ``threads`` BLAS threads.

    What a shared node, a laptop or a joblib sweep with ``n_jobs=2`` looks
    like to a library.  The process stops by itself after ``seconds`` (a
    crashed benchmark cannot leave it behind for long) and is killed when the
    block ends; the block starts once its first product is done, so the load
    is on when the timing begins.
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    process = subprocess.Popen([sys.executable, "-c", _LOAD_SCRIPT, str(seconds)], env=env,
                               stdout=subprocess.PIPE, text=True)
    try:
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the competing load process did not start")
        yield process
    finally:
        process.kill()
        process.wait()


def load_ratios(work: Callable[[], Any], repeats: int) -> tuple[list[float], list[float]]:
    """Seconds of ``work()`` without and with :func:`competing_load`, back to back ``repeats`` times.

    Each loaded run directly follows an unloaded one, so every ratio compares
    two runs under the same background on a shared machine.
    """
    unloaded, loaded = [], []
    for _ in range(repeats):
        unloaded.append(timed(work))
        with competing_load():
            loaded.append(timed(work))
    return unloaded, loaded


def timed(work: Callable[[], Any]) -> float:
    """Wall-clock seconds of one ``work()``."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start
