"""Gibbs sampling speed: isingbridge "gibbs" vs packaged Ising samplers, same models, one run.

Models:
  (a) 128×128 periodic ferromagnet, β = 0.4 — also a correctness check: the
      energy per spin must be within 0.005 of Onsager's −1.1061;
  (b) random 3-regular graph, 10,000 spins, J = ±1, β = 1;
  (c) dense bipartite 784×500 (RBM-like), J ~ N(0, 0.01²), β = 1.
One update = one single-spin conditional update; the table prints million
updates per second in total and per core (isingbridge uses every core through
numba threads; dwave-samplers and OpenJij run one thread), and the per-core
ratio to each peer.  Peers: dwave-samplers' SimulatedAnnealingSampler at fixed
β with Gibbs acceptance; OpenJij's SASampler at fixed β and thrml (Extropic's
JAX block-Gibbs library) when installed, "not installed" otherwise.

On a machine where CuPy sees a GPU the same run adds our CUDA engine
(``device="cuda"``) in flips/ns (= G updates/s): its steady-state rate, and the
whole ``sample()`` call's rate (host work included), with the ratio to every
peer's total rate; thrml then runs on whatever device JAX picks (the GPU when
jax[cuda] is installed), and the Onsager check is repeated on the GPU result.

A second table times ``moments()`` with its default statistics (in-engine
sums, edge correlations, R̂) against ``sample()`` and the bare engine on a
128×128 periodic ±J lattice and the 3-regular model, 256 chains × 200 sweeps,
and reports the traced peak memory of ``moments()`` on 20,000 spins.

Run:  python benchmarks/gibbs.py            (about a minute on 2 cores)
      python benchmarks/gibbs.py --quick    (smaller runs)
      python benchmarks/gibbs.py --moments  (only the moments() table)
      python benchmarks/gibbs.py --loaded   (only the slowdowns under load: benchmarks/loaded.py)
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))
import dimod  # noqa: E402
import networkx as nx  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

from _common import print_table  # noqa: E402

ONSAGER_E_04 = -1.1061  # energy per spin of the 2D Ising ferromagnet at β = 0.4 (large lattice)


def lattice(L: int = 128) -> dimod.BinaryQuadraticModel:
    quadratic = {}
    for i in range(L):
        for j in range(L):
            quadratic[(i * L + j, ((i + 1) % L) * L + j)] = -1.0
            quadratic[(i * L + j, i * L + (j + 1) % L)] = -1.0
    return dimod.BQM({v: 0.0 for v in range(L * L)}, quadratic, 0.0, "SPIN")


def regular3(n: int = 10_000, seed: int = 0) -> dimod.BinaryQuadraticModel:
    graph = nx.random_regular_graph(3, n, seed=seed)
    rng = np.random.default_rng(seed)
    return dimod.BQM({v: 0.0 for v in range(n)}, {e: float(rng.choice([-1.0, 1.0])) for e in graph.edges}, 0.0, "SPIN")


def bipartite(nv: int = 784, nh: int = 500, seed: int = 0) -> dimod.BinaryQuadraticModel:
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, 0.01, size=(nv, nh))
    J = np.zeros((nv + nh, nv + nh))
    J[:nv, nv:] = W
    return dimod.BQM(np.zeros(nv + nh), J, 0.0, "SPIN")


def time_ours(bqm, beta, reads, sweeps, device="cpu"):
    from isingbridge.backends import get

    gibbs = get("gibbs", device=device)
    gibbs.sample(bqm, beta=beta, num_reads=reads, num_sweeps=2, seed=0)  # compile + warm caches
    start = time.perf_counter()
    ss = gibbs.sample(bqm, beta=beta, num_reads=reads, num_sweeps=sweeps, seed=1)
    elapsed = time.perf_counter() - start
    return elapsed, ss, gibbs.num_threads, ss.info["method"]


def time_ours_gpu_engine(bqm, beta, reads, sweeps):
    """Steady-state rate of our CUDA engine: ``run(sweeps)`` between two device synchronisations.

    The backend's ``sample`` adds one-off host work that does not grow with
    the sweeps (drawing initial states, copying them in and out, building the
    SampleSet with energies); the table shows that whole-call rate beside this one.
    Returns (M updates/s, final states as a SampleSet for the Onsager check).
    """
    import cupy

    from isingbridge.backends.gibbs import choose_method
    from isingbridge.backends.gibbs_cuda import CudaLayerChains, CudaSparseChains
    from isingbridge.ir import compile_bqm

    model = compile_bqm(bqm)
    engine_type = CudaLayerChains if choose_method(model) == "dense" else CudaSparseChains
    engine = engine_type(model, beta, reads, np.random.default_rng(0))
    engine.load(np.where(np.random.default_rng(1).random((reads, model.num_variables)) < 0.5, 1, -1).astype(np.int8))
    engine.run(5)
    cupy.cuda.Device().synchronize()
    start = time.perf_counter()
    engine.run(sweeps)
    cupy.cuda.Device().synchronize()
    rate = model.num_variables * reads * sweeps / (time.perf_counter() - start) / 1e6
    states = engine.states()
    return rate, dimod.SampleSet.from_samples((states, list(model.variables)), "SPIN", energy=model.energies(states))


def time_dwave(bqm, beta, reads, sweeps):
    from dwave.samplers import SimulatedAnnealingSampler

    kwargs = dict(beta_schedule_type="custom", beta_schedule=[beta], num_sweeps_per_beta=sweeps,
                  proposal_acceptance_criteria="Gibbs", randomize_order=False, seed=1)
    sampler = SimulatedAnnealingSampler()
    sampler.sample(bqm, num_reads=1, **dict(kwargs, num_sweeps_per_beta=1))
    start = time.perf_counter()
    ss = sampler.sample(bqm, num_reads=reads, **kwargs)
    return time.perf_counter() - start, ss


def time_openjij(bqm, beta, reads, sweeps):
    import openjij as oj

    h, J, _ = bqm.to_ising()
    sampler = oj.SASampler()
    sampler.sample_ising(h, J, beta_min=beta, beta_max=beta, num_sweeps=1, num_reads=1)
    start = time.perf_counter()
    ss = sampler.sample_ising(h, J, beta_min=beta, beta_max=beta, num_sweeps=sweeps, num_reads=reads, seed=1)
    return time.perf_counter() - start, ss


def time_thrml(bqm, beta, reads, sweeps):
    """thrml's Ising block-Gibbs sampler with a two-or-more-colour block split."""
    import jax
    import jax.numpy as jnp
    from thrml import Block, SamplingSchedule, SpinNode, sample_states
    from thrml.models import IsingEBM, IsingSamplingProgram, hinton_init

    from isingbridge.ir import compile_bqm

    model = compile_bqm(bqm)
    nodes = [SpinNode() for _ in range(model.num_variables)]
    upper = sp.triu(model.J, k=1).tocoo()
    edges = [(nodes[i], nodes[j]) for i, j in zip(upper.row, upper.col)]
    # thrml's energy is -beta (sum b s + sum w s s): w = -J, b = -h in dimod's sign
    weights = jnp.asarray(-upper.data)
    biases = jnp.asarray(-model.h)
    ebm = IsingEBM(nodes, edges, biases, weights, jnp.array(beta))
    free_blocks = [Block([nodes[i] for i in group]) for group in model.color_groups()]
    program = IsingSamplingProgram(ebm, free_blocks, clamped_blocks=[])
    schedule = SamplingSchedule(n_warmup=sweeps, n_samples=1, steps_per_sample=1)
    keys = jax.random.split(jax.random.key(0), reads)

    def run(keys, schedule):
        init = jax.vmap(lambda k: hinton_init(k, ebm, free_blocks, ()))(keys)
        return jax.vmap(lambda k, i: sample_states(k, program, schedule, i, [], [Block(nodes)]))(keys, init)

    warm = SamplingSchedule(n_warmup=1, n_samples=1, steps_per_sample=1)
    jax.block_until_ready(run(keys, warm))
    start = time.perf_counter()
    jax.block_until_ready(run(keys, schedule))
    return time.perf_counter() - start


def moments_rates(bqm, beta, reads=256, sweeps=200, repeats=3):
    """M updates/s of the CPU engine's ``run``, of ``sample()`` and of ``moments()`` (default statistics).

    Best of ``repeats`` (timings on a shared machine are noisy), the three
    interleaved so that they see the same load.
    """
    from isingbridge.backends import get
    from isingbridge.spins import random_spins
    from isingbridge.backends.gibbs_cpu import SparseChains
    from isingbridge.ir import compile_bqm

    gibbs = get("gibbs")
    model = compile_bqm(bqm)
    updates = model.num_variables * reads * sweeps / 1e6
    gibbs.moments(bqm, beta=beta, num_reads=reads, num_sweeps=4, seed=0)  # compile + warm caches
    best = {"engine": np.inf, "sample": np.inf, "moments": np.inf}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 200 sweeps of a glass do not converge: the rate is the point here
        for _ in range(repeats):
            engine = SparseChains(model, beta, reads, np.random.default_rng(0))
            engine.load(random_spins(np.random.default_rng(1), (reads, model.num_variables)))
            with gibbs.threads():
                start = time.perf_counter()
                engine.run(sweeps)
                best["engine"] = min(best["engine"], time.perf_counter() - start)
            start = time.perf_counter()
            gibbs.sample(bqm, beta=beta, num_reads=reads, num_sweeps=sweeps, seed=1)
            best["sample"] = min(best["sample"], time.perf_counter() - start)
            start = time.perf_counter()
            m = gibbs.moments(bqm, beta=beta, num_reads=reads, num_sweeps=sweeps, seed=1)
            best["moments"] = min(best["moments"], time.perf_counter() - start)
    rates = {k: updates / v for k, v in best.items()}
    return rates, len(m.pair_corr) if m.pair_corr is not None else 0


def moments_memory(n=20_000, seed=0):
    """Peak Python-allocated bytes of ``moments()`` with defaults on a random 3-regular model of ``n`` spins."""
    import tracemalloc

    from isingbridge.backends import get

    bqm = regular3(n, seed)
    gibbs = get("gibbs")
    gibbs.moments(bqm, num_reads=8, num_sweeps=2, seed=0)
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gibbs.moments(bqm, num_sweeps=20, seed=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def print_moments_table(quick: bool) -> None:
    sweeps = 100 if quick else 200
    rows = []
    for name, bqm, beta in [("(a) 128x128 +-J lattice, b=1", lattice_pm(), 1.0),
                            ("(b) 3-regular 10k, J=+-1, b=1", regular3(), 1.0)]:
        rates, pairs = moments_rates(bqm, beta, sweeps=sweeps)
        rows.append([name, f"{rates['engine']:.0f}", f"{rates['sample']:.0f}", f"{rates['moments']:.0f}",
                     f"{rates['moments'] / rates['sample']:.2f}x", str(pairs)])
        print("done:", "  ".join(rows[-1]), file=sys.stderr, flush=True)
    print(f"moments() with default statistics, 256 chains x {sweeps} sweeps, numba threads = "
          f"{numba.get_num_threads()}; M updates/s (best of 3)")
    print_table(["model", "engine run", "sample()", "moments()", "moments/sample", "pairs"], rows)
    peak = moments_memory()
    print(f"moments() of a 20,000-spin 3-regular model, defaults (128 chains, 1000 sweeps of which 20 here): "
          f"peak {peak / 2**20:.0f} MiB traced (target < 2 GB)")


def lattice_pm(L: int = 128, seed: int = 0) -> dimod.BinaryQuadraticModel:
    """L×L periodic lattice with random ±1 couplings (a 2D ±J spin glass)."""
    rng = np.random.default_rng(seed)
    return dimod.BQM({v: 0.0 for v in range(L * L)},
                     {edge: float(rng.choice([-1.0, 1.0])) for edge in lattice(L).quadratic}, 0.0, "SPIN")


def energy_per_spin(sampleset, n):
    return float(np.mean(sampleset.record.energy)) / n


def jax_device() -> str:
    import jax

    return jax.default_backend()


def gpu_present() -> bool:
    from isingbridge.backends.gibbs_cuda import gpu_available

    return gpu_available()


def onsager_line(label, sampleset, n) -> str:
    e = energy_per_spin(sampleset, n)
    verdict = "ok" if abs(e - ONSAGER_E_04) <= 0.005 else "FAILED"
    return (f"(a) {label} energy per spin {e:.4f} vs Onsager {ONSAGER_E_04} "
            f"(|diff| = {abs(e - ONSAGER_E_04):.4f}, must be <= 0.005: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer sweeps (timings noisier)")
    parser.add_argument("--no-cpu", action="store_true", help="skip our CPU engine (GPU runs)")
    parser.add_argument("--moments", action="store_true", help="only the moments() table (rates and memory)")
    parser.add_argument("--loaded", action="store_true",
                        help="only the slowdowns beside a competing 2-thread BLAS process (benchmarks/loaded.py)")
    args = parser.parse_args()
    if args.loaded:
        import loaded

        loaded.run()
        return
    if args.moments:
        print_moments_table(args.quick)
        return
    scale = 0.25 if args.quick else 1.0
    gpu = gpu_present()
    thrml_installed = importlib.util.find_spec("thrml") is not None
    thrml_on_gpu = thrml_installed and jax_device() == "gpu"
    # (name, bqm, beta, our CPU reads, sweeps, peer reads, peer sweeps, our GPU reads, GPU sweeps)
    cases = [
        ("(a) 128x128 ferromagnet b=0.4", lattice(), 0.4, 256, int(1000 * scale), 8, int(1000 * scale),
         8192, int(3000 * scale)),
        ("(b) 3-regular 10k, J=+-1, b=1", regular3(), 1.0, 256, int(400 * scale), 8, int(400 * scale),
         8192, int(3000 * scale)),
        ("(c) bipartite 784x500, b=1", bipartite(), 1.0, 512, int(200 * scale), 4, int(50 * scale),
         32768, int(500 * scale)),
    ]
    peers = {
        "dwave-samplers": (time_dwave, True),
        "OpenJij": (time_openjij, importlib.util.find_spec("openjij") is not None),
        "thrml": (time_thrml, thrml_installed),
    }
    rows = []
    checks = []
    for name, bqm, beta, reads, sweeps, peer_reads, peer_sweeps, gpu_reads, gpu_sweeps in cases:
        n = bqm.num_variables
        row = [name]
        ours_core = None
        if not args.no_cpu:
            seconds, ss, threads, method = time_ours(bqm, beta, reads, sweeps)
            ours_total = n * reads * sweeps / seconds / 1e6
            ours_core = ours_total / threads
            row += [f"{ours_total:.0f}", f"{ours_core:.0f}", method]
            if name.startswith("(a)"):
                checks.append(onsager_line("CPU", ss, n))
        ours_gpu = None
        if gpu:
            ours_gpu, ss = time_ours_gpu_engine(bqm, beta, gpu_reads, gpu_sweeps)
            whole_seconds, _, _, method = time_ours(bqm, beta, gpu_reads, max(1, gpu_sweeps // 5), device="cuda")
            whole = n * gpu_reads * max(1, gpu_sweeps // 5) / whole_seconds / 1e6
            row += [f"{ours_gpu / 1e3:.0f}", f"{whole / 1e3:.0f}", method]
            if name.startswith("(a)"):
                checks.append(onsager_line(f"GPU ({gpu_reads} chains, {gpu_sweeps} sweeps)", ss, n))
        for peer, (fn, installed) in peers.items():
            if not installed:
                row += ["not installed"] + ["-"] * (int(ours_core is not None) + int(gpu))
                continue
            on_gpu = peer == "thrml" and thrml_on_gpu
            reads_here = 4096 if on_gpu else peer_reads
            try:
                result = fn(bqm, beta, reads_here, peer_sweeps)
                peer_seconds = result[0] if isinstance(result, tuple) else result
                peer_rate = n * reads_here * peer_sweeps / peer_seconds / 1e6
                row.append(f"{peer_rate:.3g}")
                if ours_core is not None:
                    per_core = peer_rate if peer != "thrml" else peer_rate / (os.cpu_count() or 1)
                    row.append("-" if peer == "thrml" and thrml_on_gpu else f"{ours_core / per_core:.1f}x")
                if gpu:
                    row.append(f"{ours_gpu / peer_rate:.1f}x")
                if peer == "dwave-samplers" and name.startswith("(a)"):
                    checks.append(f"    dwave-samplers energy per spin {energy_per_spin(result[1], n):.4f} "
                                  f"after {peer_sweeps} sweeps")
            except Exception as error:  # a peer's failure is a table entry, not a crash
                row += [f"failed: {type(error).__name__}"] + ["-"] * (int(ours_core is not None) + int(gpu))
        rows.append(row)
        print("done:", "  ".join(row), file=sys.stderr, flush=True)
    print(f"Gibbs sampling, {os.cpu_count()} CPU cores, numba threads = {numba.get_num_threads()}; M updates/s"
          + ("; GPU in flips/ns" if gpu else "") + (f"; thrml on JAX {jax_device()}" if thrml_installed else ""))
    header = ["model"]
    if not args.no_cpu:
        header += ["ours", "ours/core", "engine"]
    if gpu:
        header += ["ours GPU flips/ns", "whole call", "GPU engine"]
    for peer in peers:
        header += [peer] + (["ratio/core"] if not args.no_cpu else []) + (["GPU ratio"] if gpu else [])
    print_table(header, rows)
    for line in checks:
        print(line)
    print("ratio/core = our per-core rate / the peer's per-core rate (single-threaded peers: their total;"
          " thrml on CPU: total / cores); GPU ratio = our GPU total / the peer's total")
    if not args.no_cpu:
        print()
        print_moments_table(args.quick)
    if gpu:
        print("ours GPU = steady-state sampling rate of the CUDA engine (synchronised); whole call = the backend's"
              " sample() with 1/5 of the sweeps, host work included; GPU ratio uses the steady-state rate;"
              " thrml is timed as one whole call")


if __name__ == "__main__":
    main()
