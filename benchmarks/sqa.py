"""Simulated quantum annealing: get("sqa") against dwave-samplers' PathIntegralAnnealingSampler, and its Trotter error.

Part 1, annealing (same instances, same schedule, one run): H(t) = −Γ(t) Σ X_i + H_p at fixed β,
Γ linear from 3 to 1e-3 over the sweeps, β = M = 16 (β/M = 1 per slice).
  ours : get("sqa").sample(bqm, beta=β, trotter_slices=M, gamma_range=(3, 1e-3), num_sweeps=S)
         (discrete time, M slices, single-spin Gibbs updates on the numba engine, best slice per read)
  peer : PathIntegralAnnealingSampler().sample(bqm, beta_schedule_type="custom", Hp_field=[β]*S,
         Hd_field=β·Γ(t)) (continuous-time worldlines, one C++ thread)
Instances: open 2D ±J lattices L = 8, 12, 16 (exact ground energies from PlanarGraphSolver) and random
3-regular ±J graphs (residuals against the best energy any run found).  Residual = mean over reads of
(E − E_ground) / N.  Ratios: peer seconds / our seconds (> 1: ours faster) and our residual / peer residual
(< 1: ours lower).  "1 thr" is ours on one numba thread; "rebuild" the anneal rebuilding the engine at every
field change instead of rewriting its couplings in place.

Part 2, thermal moments: the sampled ⟨Z_0 Z_1⟩ of a 3-qubit model at β = 2 against the statevector backend
for M = 4 … 32 (bias × M² settles as the error falls as 1/M²), and a 12-qubit model's z-scores.

Run:  python benchmarks/sqa.py            (a few minutes on 2 cores)
      python benchmarks/sqa.py --quick    (small sizes, a check that it runs)
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import dimod  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

from _common import print_table  # noqa: E402

SLICES = 16
BETA = 16.0
GAMMA = (3.0, 1e-3)
READS = 32


def lattice(L: int, seed: int) -> dimod.BinaryQuadraticModel:
    """Open L×L lattice with ±1 couplings."""
    rng = np.random.default_rng(seed)
    J = {}
    for x in range(L):
        for y in range(L):
            if x + 1 < L:
                J[x * L + y, (x + 1) * L + y] = float(rng.choice([-1.0, 1.0]))
            if y + 1 < L:
                J[x * L + y, x * L + y + 1] = float(rng.choice([-1.0, 1.0]))
    return dimod.BQM({i: 0.0 for i in range(L * L)}, J, 0.0, "SPIN")


def regular(n: int, seed: int) -> dimod.BinaryQuadraticModel:
    """Random 3-regular graph with ±1 couplings."""
    rng = np.random.default_rng(seed)
    graph = nx.random_regular_graph(3, n, seed=seed)
    return dimod.BQM({i: 0.0 for i in range(n)}, {e: float(rng.choice([-1.0, 1.0])) for e in graph.edges}, 0.0, "SPIN")


def ours(bqm, sweeps: int, seed: int, **options) -> tuple[float, np.ndarray]:
    from isingbridge import get

    backend = get("sqa", num_threads=options.pop("num_threads", None))
    start = time.perf_counter()
    ss = backend.sample(bqm, beta=BETA, trotter_slices=SLICES, gamma_range=GAMMA, num_sweeps=sweeps,
                        num_reads=READS, seed=seed, **options)
    return time.perf_counter() - start, ss.record.energy


def peer(bqm, sweeps: int, seed: int) -> tuple[float, np.ndarray]:
    from dwave.samplers import PathIntegralAnnealingSampler

    gamma = np.linspace(*GAMMA, sweeps)
    start = time.perf_counter()
    ss = PathIntegralAnnealingSampler().sample(bqm, num_reads=READS, beta_schedule_type="custom",
                                               Hp_field=np.full(sweeps, BETA), Hd_field=BETA * gamma, seed=seed)
    return time.perf_counter() - start, ss.record.energy


def anneal_table(instances: list[tuple[str, dimod.BinaryQuadraticModel, float | None]], sweep_counts: list[int]):
    rows = []
    for name, bqm, ground in instances:
        runs = {}
        for sweeps in sweep_counts:
            runs[sweeps] = {"ours": ours(bqm, sweeps, 1), "peer": peer(bqm, sweeps, 1),
                            "1 thr": ours(bqm, sweeps, 1, num_threads=1),
                            "rebuild": ours(bqm, sweeps, 1, retune="rebuild")}
        best = min(float(e.min()) for run in runs.values() for _, e in run.values())
        ground = best if ground is None else ground
        n = bqm.num_variables
        for sweeps, run in runs.items():
            (t_ours, e_ours), (t_peer, e_peer) = run["ours"], run["peer"]
            r_ours, r_peer = (e_ours.mean() - ground) / n, (e_peer.mean() - ground) / n
            rows.append([name, sweeps, f"{t_ours:.2f}", f"{run['1 thr'][0]:.2f}", f"{run['rebuild'][0]:.2f}",
                         f"{t_peer:.2f}", f"{t_peer / t_ours:.1f}", f"{r_ours:.4f}", f"{r_peer:.4f}",
                         "-" if r_peer == 0 else f"{r_ours / r_peer:.2f}",
                         f"{np.mean(e_ours <= ground + 1e-9):.2f}", f"{np.mean(e_peer <= ground + 1e-9):.2f}"])
    print_table(["instance", "sweeps", "ours s", "1 thr s", "rebuild s", "peer s", "peer/ours t", "res ours",
                 "res peer", "res ratio", "P0 ours", "P0 peer"], rows)


def trotter_table(slice_counts: list[int], sweeps: int) -> None:
    from isingbridge import TransverseIsing, get

    bqm = dimod.BQM({0: 0.3, 1: -0.2, 2: 0.1}, {(0, 1): -1.0, (1, 2): 0.7, (0, 2): 0.4}, 0.5, "SPIN")
    model = TransverseIsing(bqm, x={0: -1.2, 1: -1.2, 2: -1.2})
    exact = get("statevector").moments(model, beta=2.0).corr[0, 1]
    rows = []
    for m in slice_counts:
        start = time.perf_counter()
        result = get("sqa").moments(model, beta=2.0, trotter_slices=m, num_sweeps=sweeps, num_reads=64, seed=1)
        bias, error = result.corr[0, 1] - exact, result.corr_stderr[0, 1]
        rows.append([m, f"{result.corr[0, 1]:.5f}", f"{exact:.5f}", f"{bias:+.5f}", f"{error:.5f}",
                     f"{bias * m * m:+.2f}", f"{result.info['trotter_bias_bound']:.4f}",
                     f"{time.perf_counter() - start:.1f}"])
    print_table(["M", "<Z0Z1> sqa", "exact", "bias", "stderr", "bias*M^2", "bound", "s"], rows)


def accuracy_row(n: int, sweeps: int) -> None:
    from isingbridge import TransverseIsing, get

    rng = np.random.default_rng(21)
    bqm = dimod.BQM({i: rng.normal(0, 0.5) for i in range(n)},
                    {(i, j): rng.normal(0, 1 / np.sqrt(n)) for i in range(n) for j in range(i + 1, n)
                     if rng.random() < 0.4}, 0.0, "SPIN")
    model = TransverseIsing(bqm, x={i: (-1.0) ** i * 0.9 for i in range(n)})
    exact = get("statevector").moments(model, beta=1.0)
    start = time.perf_counter()
    m = get("sqa").moments(model, beta=1.0, trotter_slices=32, num_sweeps=sweeps, num_reads=64, seed=0)
    upper = np.triu_indices(n, 1)
    z = (m.mean - exact.mean) / m.stderr
    zz = (m.corr - exact.corr)[upper] / m.corr_stderr[upper]
    x = (m.x_mean - exact.x_mean) / m.info["x_stderr"]
    print_table(["qubits", "M", "max|z| <Z>", "max|z| <ZZ>", "std z <ZZ>", "max|z| <X>", "bias bound", "max R-hat", "s"],
                [[n, 32, f"{np.abs(z).max():.2f}", f"{np.abs(zz).max():.2f}", f"{zz.std():.2f}",
                  f"{np.abs(x).max():.2f}", f"{m.info['trotter_bias_bound']:.4f}", f"{np.nanmax(m.rhat):.3f}",
                  f"{time.perf_counter() - start:.1f}"]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    quick = parser.parse_args().quick
    from dwave.samplers import PlanarGraphSolver

    sizes = [8] if quick else [8, 12, 16]
    instances = [(f"2D +-J L={L}", bqm, PlanarGraphSolver().sample(bqm).first.energy)
                 for L, bqm in ((L, lattice(L, seed=L)) for L in sizes)]
    instances += [(f"3-reg N={n}", regular(n, seed=n), None) for n in ([32] if quick else [64, 128])]
    ours(instances[0][1], 10, 0)  # compile the numba kernels outside the timings
    print(f"Annealing: {READS} reads, M = {SLICES}, beta = {BETA:g}, Gamma {GAMMA[0]:g} -> {GAMMA[1]:g} linear\n")
    anneal_table(instances, [100] if quick else [100, 1000])
    print("\nTrotter error of thermal <Z0 Z1> (3 qubits, beta = 2, Gamma = 1.2, 64 chains)\n")
    trotter_table([4, 8] if quick else [4, 8, 16, 32], 2000 if quick else 20000)
    print("\nThermal moments of a 12-qubit model against the statevector backend (beta = 1)\n")
    accuracy_row(6 if quick else 12, 1000 if quick else 4000)


if __name__ == "__main__":
    main()
