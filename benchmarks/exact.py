"""Exact enumeration: isingbridge vs dimod.ExactSolver vs TreeDecompositionSampler.

The same dense random models (N(0,1) fields, N(0,1/N) couplings, all pairs)
go to every tool in one run, each tool in a fresh process, and the table shows
wall time, extra peak memory and the ratio to isingbridge.

* isingbridge "exact": log Z, ⟨s_i⟩, ⟨s_i s_j⟩ and ⟨E⟩ at β = 1.
* dimod.ExactSolver: all 2^N energies (no β, no log Z, no moments) — less work.
* dwave.samplers.TreeDecompositionSampler(marginals=True): log Z and the
  marginals of every variable and interaction (treewidth N − 1 for a dense model).

Run:  python benchmarks/exact.py            (N = 16, 20, 22, 24, 26, 28)
      python benchmarks/exact.py --sizes 16 20 --max-peer 20
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dimod  # noqa: E402
import numpy as np  # noqa: E402

from _common import print_table, run_isolated  # noqa: E402


def dense_model(n: int, seed: int = 0) -> dimod.BinaryQuadraticModel:
    rng = np.random.default_rng(seed)
    h = rng.normal(size=n)
    J = np.triu(rng.normal(scale=1 / np.sqrt(n), size=(n, n)), 1)
    return dimod.BQM(h, J, 0.0, "SPIN")


def ours(n: int) -> float:
    from isingbridge.backends import get

    return get("exact").moments(dense_model(n), beta=1.0).log_z


def warm_ours() -> None:
    ours(10)


def exact_solver(n: int) -> float:
    ss = dimod.ExactSolver().sample(dense_model(n))
    return float(ss.first.energy)


def tree(n: int) -> float:
    from dwave.samplers import TreeDecompositionSampler

    ss = TreeDecompositionSampler().sample(dense_model(n), beta=1.0, marginals=True, num_reads=1)
    return float(ss.info["log_partition_function"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 20, 22, 24, 26, 28])
    parser.add_argument("--max-peer", type=int, default=24, help="largest N given to the peers (ExactSolver needs ~7 GB at 26)")
    args = parser.parse_args()
    warm_ours()  # compile the numba kernels once (cached on disk); each run loads them untimed
    rows = []
    for n in args.sizes:
        status, t_ours, mem_ours, log_z = run_isolated(ours, n, warmup=warm_ours)
        row = [n, f"{t_ours:.3f}", f"{mem_ours:.0f}"]
        for peer in (exact_solver, tree):
            if n > args.max_peer:
                row += ["skipped", "-", "-"]
                continue
            status, t_peer, mem_peer, value = run_isolated(peer, n)
            if status != "ok":
                row += [status, "-", "-"]
                continue
            if peer is tree:
                assert abs(value - log_z) < 1e-8 * max(1.0, abs(log_z)), (value, log_z)
            row += [f"{t_peer:.3f}", f"{mem_peer:.0f}", f"{t_peer / t_ours:.1f}x"]
        rows.append(row)
    print(f"dense random models, beta=1, {os.cpu_count()} CPU cores; memory = extra peak RSS in MB")
    print_table(
        ["N", "isingbridge s", "MB", "ExactSolver s", "MB", "ratio", "TreeDecomp s", "MB", "ratio"], rows
    )
    print("ratio = peer time / isingbridge time (isingbridge also returns log Z and all moments; ExactSolver only energies)")


if __name__ == "__main__":
    main()
