"""Helpers shared by the benchmarks: isolated timed runs and tables."""
from __future__ import annotations

import multiprocessing as mp
import resource
import time
from collections.abc import Callable
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
