"""Batched clamps on the Gibbs backend: B conditional problems in one engine, the row loop, and dwave-samplers.

The same sparse model (100 spins on a ring with chords, N(0, 0.5) couplings),
the last 20 spins clamped to B = 256 random ±1 rows, 16 reads per row, at
β = 1, goes to

* ``gibbs`` with ``clamp=(labels, values)``: every row's chains in one engine
  (per-chain field offsets), the statistics per row inside the kernels;
* the same backend solving row after row (the base class's loop, what any
  backend without a batched path does);
* dwave-samplers' ``SimulatedAnnealingSampler`` at the fixed β (a one-step
  schedule held for the same number of sweeps, Gibbs acceptance) on each
  clamped model (``bqm.fix_variables``), which is what one would write with
  dimod alone.

Every contender does 100 sweeps per read; the table shows the best of 3
wall times and the ratio to the batched call.

Run:  python benchmarks/batched.py
"""
from __future__ import annotations

import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))
import dimod  # noqa: E402
import numpy as np  # noqa: E402

from _common import print_table  # noqa: E402

SPINS, CLAMPED, ROWS, READS, SWEEPS = 100, 20, 256, 16, 100


def model_and_clamps(seed: int = 0) -> tuple[dimod.BinaryQuadraticModel, list, np.ndarray]:
    rng = np.random.default_rng(seed)
    couplings = {(i, (i + step) % SPINS): rng.normal(0, 0.5) for i in range(SPINS) for step in (1, 7)}
    bqm = dimod.BQM({i: rng.normal(0, 0.3) for i in range(SPINS)}, couplings, 0.0, "SPIN")
    labels = list(range(SPINS - CLAMPED, SPINS))
    return bqm, labels, rng.choice([-1, 1], size=(ROWS, CLAMPED))


def best_of(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from dwave.samplers import SimulatedAnnealingSampler

    from isingbridge.backends import get
    from isingbridge.backends.base import Backend
    from isingbridge.backends.gibbs import GibbsBackend

    class RowLoop(GibbsBackend):
        """The Gibbs backend without its batched path: one engine per row."""

        _sample_batch = Backend._sample_batch
        _moments_batch = Backend._moments_batch

    bqm, labels, values = model_and_clamps()
    gibbs, loop, annealer = get("gibbs"), RowLoop(), SimulatedAnnealingSampler()
    options = {"num_reads": READS, "num_sweeps": SWEEPS, "seed": 0}
    warmup = (labels, values[:2])
    gibbs.sample(bqm, clamp=warmup, **options)  # numba kernels compiled (or loaded) untimed
    loop.sample(bqm, clamp=warmup, **options)

    def dimod_rows() -> None:
        for row in values:
            clamped = bqm.copy()
            clamped.fix_variables(dict(zip(labels, row.tolist())))
            annealer.sample(clamped, num_reads=READS, beta_schedule_type="custom", beta_schedule=[1.0],
                            num_sweeps_per_beta=SWEEPS, proposal_acceptance_criteria="Gibbs", seed=0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short chains: convergence warnings are beside the point here
        rows = []
        t_batched = best_of(lambda: gibbs.sample(bqm, clamp=(labels, values), **options))
        t_loop = best_of(lambda: loop.sample(bqm, clamp=(labels, values), **options))
        t_dimod = best_of(dimod_rows)
        rows.append(["sample", f"{t_batched:.3f}", f"{t_loop:.3f}", f"{t_loop / t_batched:.1f}x", f"{t_dimod:.3f}",
                     f"{t_dimod / t_batched:.1f}x"])
        edges = dict(options, pairs="edges")
        t_batched = best_of(lambda: gibbs.moments(bqm, clamp=(labels, values), **edges))
        t_loop = best_of(lambda: loop.moments(bqm, clamp=(labels, values), **edges))
        rows.append(["moments (edge pairs)", f"{t_batched:.3f}", f"{t_loop:.3f}", f"{t_loop / t_batched:.1f}x",
                     "-", "-"])
    print(f"{ROWS} rows x {READS} reads, {SPINS} spins ({CLAMPED} clamped), {SWEEPS} sweeps, beta=1, "
          f"{os.cpu_count()} CPU cores; best of 3")
    print_table(["call", "batched s", "row loop s", "ratio", "dwave SA per row s", "ratio"], rows)
    print("ratio = time / batched time")


if __name__ == "__main__":
    main()
