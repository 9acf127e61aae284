"""Ground states of 2D planar and 3D ±J spin glasses, and sampling accuracy on hard small models.

Instances: couplings ±1 drawn per seed, no fields (``dimod.generators.ran_r(1, graph)``).

* 2D: open L×L lattices (planar); their exact ground energies come from
  dwave-samplers' ``PlanarGraphSolver`` (minutes at L = 32), cached in
  ``results/planar_ground_energies.json``.
* 3D: L×L×L simple-cubic lattices with periodic boundaries in all three
  directions (N = L³, every spin has 6 neighbours).  No exact solver: the
  reference E₀ is the lowest energy found by any contender in the same run,
  so ρ is a residual against that best-known energy (ρ = 0 for whoever found
  it), P₀ the fraction of runs that reach it, and no TTS is reported.

Contenders form a table (``CONTENDERS``): each takes an instance and a sweep
or time budget and returns the energies of its reads, its wall time and, for
the replica-exchange rows, when the ground energy was first reached.

* ``gibbs SA`` — ``get("gibbs").sample(bqm, beta_range=(0.1, 3), num_sweeps=S)``
  (heat-bath, colour-ordered sweeps, numba threads over chains), and
  ``gibbs SA, Metropolis`` with ``proposal_acceptance_criteria="Metropolis"``
  (dwave SA's update rule in the same kernels);
* ``dwave SA`` — ``SimulatedAnnealingSampler`` with the same β range and
  sweeps (Metropolis, one thread), and ``dwave SA, heat bath`` with our
  update rule (``proposal_acceptance_criteria="Gibbs"``): Metropolis accepts
  zero-cost and downhill flips always, the heat bath with probability
  1/(1 + e^(−2βΔ)), so at equal sweeps Metropolis cools a little faster;
* ``dwave SA (= wall)`` — the same sampler given the wall time of a
  tempering run, spent on as many sweeps per read as fit;
* ``tempering`` — ``get("tempering").sample(bqm, beta=3, ...)``: the lowest
  energy any replica reaches and when (``info["best_trace"]``); Houdayer
  cluster moves are on by default for mean degree ≤ 4 (the 2D lattices), off
  on the 3D ones (degree 6);
* ``sqa`` — ``get("sqa").sample(bqm, beta=16, trotter_slices=16,
  gamma_range=(3, 1e-3), num_sweeps=S_q)`` in annealing mode (discrete-time
  SQA: transverse field Γ linear from 3 to 1e-3, β/M = 1 per slice, the best
  slice of each read), against ``dwave PIA``: dwave-samplers'
  ``PathIntegralAnnealingSampler`` on the same schedule
  (``Hp_field = β``, ``Hd_field = β·Γ(t)``) and the same S_q sweeps, as
  ``benchmarks/sqa.py`` runs them.  One SQA sweep updates all M slices, so by
  default S_q = S/10 (a tenth of the SA sweeps);
* ``openjij SA`` / ``openjij SQA`` — OpenJij's ``SASampler`` (same β range and
  sweeps) and ``SQASampler`` (β = 16, M = 16, Γ₀ = 3, S_q sweeps, its own
  schedule), only when ``import openjij`` works; otherwise the run says that
  these rows were skipped.

Columns: residual energy per spin ρ = (E − E₀)/N (mean over reads, and of
the best read), P₀ the fraction of runs that reach E₀, and the time to
solution at 99 %: TTS = t · ln 0.01 / ln(1 − P₀(t)), with t the time per
run (an annealing read: the call's wall time over its reads, which run in
parallel on our side; a tempering run: one call, minimised over the observed
first-hit times t).  Ratios, within one instance: TTS / tempering (2D,
exact E₀), and ρ mean / the peer's ρ mean, the peer being dwave SA for the
SA-like rows and tempering, dwave PIA for the SQA rows ("-" where the peer's
ρ mean is 0, and on the peers' own rows).

A second table: z-scores of ⟨s_i⟩ and ⟨s_i s_j⟩ against exact enumeration on
dense 10-spin models with J, h ~ N(0, 1) at β = 1 (fixed-β Gibbs against
tempering, default settings): their spread is 1 for honest error bars.

Run:  python benchmarks/optimization.py            (2D L = 16, 24, 32; 3D L = 6, 8; over 10 minutes on 2 cores,
                                                       most of it dwave PIA: ~70 s per instance at N ≈ 550)
      python benchmarks/optimization.py --quick    (2D L = 8, 12; 3D L = 6, 8; under a minute)
      python benchmarks/optimization.py --sizes 16 24 --sizes-3d 6 8 10
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterator

sys.path.insert(0, os.path.dirname(__file__))
import dimod  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

from _common import print_table  # noqa: E402
from isingbridge.files import atomic_write_text  # noqa: E402

BETA_RANGE = (0.1, 3.0)
TARGET_BETA = 3.0
SQA_SLICES = 16
SQA_BETA = 16.0
SQA_GAMMA = (3.0, 1e-3)
CACHE = os.path.join(os.path.dirname(__file__), "..", "results", "planar_ground_energies.json")


@dataclass
class Instance:
    L: int
    seed: int
    bqm: dimod.BinaryQuadraticModel
    ground: float               # exact (2D) or, once every contender has run, the best found (3D)
    dim: int = 2

    @property
    def exact(self) -> bool:
        return self.dim == 2


@dataclass
class Result:
    energies: np.ndarray        # one per read (annealers) or per run (tempering: its lowest energy)
    seconds: float              # wall time of the whole call(s)
    runs: int                   # independent runs behind `energies`
    traces: list | None = None  # tempering: per run, the (round, seconds, energy) record of new lows

    def hit_times(self, ground: float) -> list | None:
        """Seconds to the first state at ``ground``, per run (inf: never); None for annealers."""
        if self.traces is None:
            return None
        return [next((s for _, s, e in trace if e <= ground + 1e-9), math.inf) for trace in self.traces]

    def success(self, ground: float) -> float:
        """P₀: the fraction of runs (or reads) that reach ``ground``."""
        hits = self.hit_times(ground)
        if hits is not None:
            return float(np.mean([math.isfinite(t) for t in hits]))
        return float(np.mean(self.energies <= ground + 1e-9))


def planar_instance(L: int, seed: int) -> tuple[dimod.BinaryQuadraticModel, dict]:
    """dimod's RAN1 on the open L×L grid (planar) and its node positions (the (x, y) labels)."""
    bqm = dimod.generators.ran_r(1, nx.grid_2d_graph(L, L), seed=seed)
    return bqm, {v: v for v in bqm.variables}


def cubic_instance(L: int, seed: int) -> dimod.BinaryQuadraticModel:
    """dimod's RAN1 on the periodic L×L×L simple-cubic lattice."""
    return dimod.generators.ran_r(1, nx.grid_graph(dim=[L, L, L], periodic=True), seed=seed)


def ground_energy(L: int, seed: int, bqm: dimod.BinaryQuadraticModel, pos: dict) -> float:
    """PlanarGraphSolver's ground energy, cached by (L, seed)."""
    from dwave.samplers import PlanarGraphSolver

    cache = json.loads(Path(CACHE).read_text()) if os.path.exists(CACHE) else {}
    key = f"ran1-grid/{L}/{seed}"
    if key not in cache:
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * L * L))  # the solver recurses over the dual graph
        cache[key] = float(PlanarGraphSolver().sample(bqm, pos=pos).first.energy)
        os.makedirs(os.path.dirname(CACHE), exist_ok=True)
        atomic_write_text(CACHE, json.dumps(cache, indent=1, sort_keys=True))  # a killed run leaves the old cache
    return cache[key]


def gibbs_sa(instance: Instance, sweeps: int, reads: int, seed: int, rule: str = "Gibbs") -> Result:
    from isingbridge.backends import get

    gibbs = get("gibbs")
    options = dict(beta_range=BETA_RANGE, num_reads=reads, seed=seed, proposal_acceptance_criteria=rule)
    gibbs.sample(instance.bqm, num_sweeps=2, **options)  # compile, warm
    start = time.perf_counter()
    ss = gibbs.sample(instance.bqm, num_sweeps=sweeps, **options)
    return Result(ss.record.energy, time.perf_counter() - start, reads)


def gibbs_sa_metropolis(instance: Instance, sweeps: int, reads: int, seed: int) -> Result:
    """gibbs SA with dwave SA's update rule (Metropolis), so that equal sweeps compare the same Markov chain."""
    return gibbs_sa(instance, sweeps, reads, seed, rule="Metropolis")


def dwave_sa(instance: Instance, sweeps: int, reads: int, seed: int, rule: str = "Metropolis") -> Result:
    from dwave.samplers import SimulatedAnnealingSampler

    start = time.perf_counter()
    ss = SimulatedAnnealingSampler().sample(instance.bqm, beta_range=BETA_RANGE, beta_schedule_type="geometric",
                                            num_sweeps=sweeps, num_reads=reads, seed=seed,
                                            proposal_acceptance_criteria=rule)
    return Result(ss.record.energy, time.perf_counter() - start, reads)


def dwave_sa_gibbs(instance: Instance, sweeps: int, reads: int, seed: int) -> Result:
    """dwave SA with our update rule (heat bath), so that equal sweeps compare the same Markov chain."""
    return dwave_sa(instance, sweeps, reads, seed, rule="Gibbs")


def dwave_sa_for(instance: Instance, seconds: float, reads: int, seed: int) -> Result:
    """dwave SA with as many sweeps per read as fit ``seconds`` (rate measured on a short run)."""
    probe = dwave_sa(instance, 2000, reads, seed)
    sweeps = max(100, int(2000 * seconds / probe.seconds))
    return dwave_sa(instance, sweeps, reads, seed)


def tempering(instance: Instance, sweeps: int, runs: int, seed: int) -> Result:
    from isingbridge.backends import get

    backend = get("tempering")
    backend.sample(instance.bqm, beta=TARGET_BETA, num_sweeps=5, num_reads=4, seed=seed)  # compile, warm
    lowest, traces, total = [], [], 0.0
    for run in range(runs):
        start = time.perf_counter()
        info = backend.sample(instance.bqm, beta=TARGET_BETA, num_sweeps=sweeps, num_reads=4, seed=seed + run).info
        total += time.perf_counter() - start
        lowest.append(info["lowest_energy"])
        traces.append(list(info["best_trace"]))
    return Result(np.array(lowest), total, runs, traces)


def sqa(instance: Instance, sweeps: int, reads: int, seed: int) -> Result:
    """get("sqa") in annealing mode, as benchmarks/sqa.py runs it (Γ linear 3 → 1e-3, β = M = 16)."""
    from isingbridge.backends import get

    backend = get("sqa")
    options = dict(beta=SQA_BETA, trotter_slices=SQA_SLICES, gamma_range=SQA_GAMMA, num_reads=reads, seed=seed)
    backend.sample(instance.bqm, num_sweeps=2, **options)  # compile, warm
    start = time.perf_counter()
    ss = backend.sample(instance.bqm, num_sweeps=sweeps, **options)
    return Result(ss.record.energy, time.perf_counter() - start, reads)


def dwave_pia(instance: Instance, sweeps: int, reads: int, seed: int) -> Result:
    """dwave-samplers' PathIntegralAnnealingSampler on the sqa row's schedule and sweeps."""
    from dwave.samplers import PathIntegralAnnealingSampler

    gamma = np.linspace(*SQA_GAMMA, sweeps)
    start = time.perf_counter()
    ss = PathIntegralAnnealingSampler().sample(instance.bqm, num_reads=reads, beta_schedule_type="custom",
                                               Hp_field=np.full(sweeps, SQA_BETA), Hd_field=SQA_BETA * gamma,
                                               seed=seed)
    return Result(ss.record.energy, time.perf_counter() - start, reads)


def openjij_sa(instance: Instance, sweeps: int, reads: int, seed: int) -> Result:
    import openjij

    start = time.perf_counter()
    ss = openjij.SASampler().sample(instance.bqm, beta_min=BETA_RANGE[0], beta_max=BETA_RANGE[1],
                                    num_sweeps=sweeps, num_reads=reads, seed=seed)
    return Result(_energies(instance.bqm, ss), time.perf_counter() - start, reads)


def openjij_sqa(instance: Instance, sweeps: int, reads: int, seed: int) -> Result:
    import openjij

    start = time.perf_counter()
    ss = openjij.SQASampler().sample(instance.bqm, beta=SQA_BETA, gamma=SQA_GAMMA[0], trotter=SQA_SLICES,
                                     num_sweeps=sweeps, num_reads=reads, seed=seed)
    return Result(_energies(instance.bqm, ss), time.perf_counter() - start, reads)


def _energies(bqm: dimod.BinaryQuadraticModel, sampleset) -> np.ndarray:
    """Energies of a foreign sample set recomputed on ``bqm`` (one convention for every row)."""
    return np.asarray(bqm.energies((sampleset.record.sample, list(sampleset.variables))), dtype=float)


def tts99(result: Result, ground: float) -> float:
    """Time to solution at 99 % (see the module docstring); inf when no run succeeded."""
    hits = result.hit_times(ground)
    if hits is not None:
        finite = sorted(t for t in hits if math.isfinite(t))
        return min((_tts(t, (k + 1) / result.runs) for k, t in enumerate(finite)), default=math.inf)
    return _tts(result.seconds / result.runs, result.success(ground))


def _tts(t: float, p: float) -> float:
    if p <= 0:
        return math.inf
    return t if p >= 0.99 else t * math.log(0.01) / math.log(1.0 - p)


def openjij_available() -> bool:
    try:
        import openjij  # noqa: F401
    except ImportError:
        return False
    return True


#: name -> (runner, budget kind): "sweeps" rows get equal sweeps, "wall" rows the tempering wall time per run,
#: "sqa sweeps" rows the (smaller) equal sweep count of the path-integral annealers.
CONTENDERS: dict[str, tuple[Callable, str]] = {
    "gibbs SA": (gibbs_sa, "sweeps"),
    "gibbs SA, Metropolis": (gibbs_sa_metropolis, "sweeps"),
    "dwave SA": (dwave_sa, "sweeps"),
    "dwave SA, heat bath": (dwave_sa_gibbs, "sweeps"),
    "dwave SA (= wall)": (dwave_sa_for, "wall"),
    "sqa": (sqa, "sqa sweeps"),
    "dwave PIA": (dwave_pia, "sqa sweeps"),
}
#: the row whose mean residual each row's "rho / peer" divides by.
PEERS = {"tempering": "dwave SA", "gibbs SA": "dwave SA", "gibbs SA, Metropolis": "dwave SA", "dwave SA, heat bath": "dwave SA",
         "dwave SA (= wall)": "dwave SA", "sqa": "dwave PIA", "openjij SA": "dwave SA", "openjij SQA": "dwave PIA"}
OPENJIJ_CONTENDERS: dict[str, tuple[Callable, str]] = {
    "openjij SA": (openjij_sa, "sweeps"),
    "openjij SQA": (openjij_sqa, "sqa sweeps"),
}


def optimisation_table(instances: Iterator[Instance], contenders: dict[str, tuple[Callable, str]], sa_sweeps: int,
                       sa_reads: int, pt_sweeps: int, pt_runs: int, sqa_sweeps: int) -> None:
    header = ["L", "seed", "contender", "sweeps", "runs", "seconds", "rho mean", "rho best", "P0", "TTS99 s",
              "TTS / tempering", "rho / peer"]
    rows = []
    for instance in instances:
        pt = tempering(instance, pt_sweeps, pt_runs, instance.seed)
        results = {"tempering": (pt, pt_sweeps)}
        for name, (runner, budget) in contenders.items():
            amount = {"sweeps": sa_sweeps, "sqa sweeps": sqa_sweeps, "wall": pt.seconds / pt.runs}[budget]
            results[name] = (runner(instance, amount, sa_reads, instance.seed), "fit" if budget == "wall" else amount)
        best = min(float(result.energies.min()) for result, _ in results.values())
        if instance.exact:
            if best < instance.ground - 1e-9:
                raise RuntimeError(f"an energy {best:g} below the exact ground energy {instance.ground:g}")
            print(f"{instance.dim}D L={instance.L} seed={instance.seed}: exact E0 = {instance.ground:g}", flush=True)
        else:
            instance.ground = best
            finders = [name for name, (result, _) in results.items() if result.energies.min() <= best + 1e-9]
            print(f"{instance.dim}D L={instance.L} seed={instance.seed}: E0 = {best:g}, the best found in this run "
                  f"(by {'; '.join(finders)})", flush=True)
        n = instance.bqm.num_variables
        reference = tts99(pt, instance.ground) if instance.exact else math.nan
        mean_rho = {name: float(np.mean(result.energies) - instance.ground) / n for name, (result, _) in results.items()}
        for name, (result, sweeps) in results.items():
            rho = (result.energies - instance.ground) / n
            tts = tts99(result, instance.ground) if instance.exact else math.nan
            ratio = tts / reference if math.isfinite(reference) and reference > 0 else math.nan
            peer = mean_rho.get(PEERS.get(name, ""), 0.0)
            rho_ratio = f"{mean_rho[name] / peer:.3g}" if peer > 0 else "-"
            rows.append([instance.L, instance.seed, name, sweeps, result.runs, f"{result.seconds:.2f}",
                         f"{rho.mean():.4f}", f"{rho.min():.4f}", f"{result.success(instance.ground):.2f}",
                         f"{tts:.3g}" if instance.exact else "-", f"{ratio:.3g}" if instance.exact else "-",
                         rho_ratio])
        print_table(header, rows[-len(results):])
    print()
    print_table(header, rows)


def planar_instances(sizes: list[int], seeds: list[int]) -> Iterator[Instance]:
    for L in sizes:
        for seed in seeds:
            bqm, pos = planar_instance(L, seed)
            yield Instance(L, seed, bqm, ground_energy(L, seed, bqm, pos))


def cubic_instances(sizes: list[int], seeds: list[int]) -> Iterator[Instance]:
    for L in sizes:
        for seed in seeds:
            yield Instance(L, seed, cubic_instance(L, seed), math.nan, dim=3)


def accuracy_table(num_models: int) -> None:
    import itertools

    from isingbridge.backends import get

    rows = []
    for name in ("gibbs", "tempering"):
        zs, start = [], time.perf_counter()
        for seed in range(num_models):
            rng = np.random.default_rng(seed)
            bqm = dimod.BQM({i: rng.normal() for i in range(10)},
                            {(i, j): rng.normal() for i, j in itertools.combinations(range(10), 2)}, 0.0, "SPIN")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # fixed-β Gibbs warns about R-hat here: that is the point
                m = get(name).moments(bqm, beta=1.0, seed=seed)
            exact = get("exact").moments(bqm, beta=1.0)
            upper = np.triu_indices(10, k=1)
            zs.append(np.concatenate([(m.mean - exact.mean) / m.stderr,
                                      (m.corr - exact.corr)[upper] / m.corr_stderr[upper]]))
        z = np.concatenate(zs)
        rows.append([name, num_models, f"{z.std():.2f}", f"{np.abs(z).max():.2f}",
                     f"{np.mean(np.abs(z) > 3):.3f}", f"{time.perf_counter() - start:.1f}"])
    print_table(["backend (defaults)", "models", "z std", "max |z|", "P(|z| > 3)", "seconds"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small lattices and short runs")
    parser.add_argument("--sizes", type=int, nargs="*", help="2D lattice sides L (none: skip 2D)")
    parser.add_argument("--sizes-3d", type=int, nargs="*", help="3D lattice sides L (none: skip 3D)")
    parser.add_argument("--seeds", type=int, default=2, help="instances per size")
    parser.add_argument("--sqa-sweeps", type=int, help="sweeps of the path-integral annealers (default: SA sweeps / 10)")
    args = parser.parse_args()
    sizes = args.sizes if args.sizes is not None else ([8, 12] if args.quick else [16, 24, 32])
    sizes_3d = args.sizes_3d if args.sizes_3d is not None else [6, 8]
    seeds = list(range(1 if args.quick else args.seeds))
    sa_sweeps = 1000 if args.quick else 10_000
    budget = dict(sa_sweeps=sa_sweeps, sa_reads=16 if args.quick else 32, pt_sweeps=500 if args.quick else 3000,
                  pt_runs=2 if args.quick else 4, sqa_sweeps=args.sqa_sweeps or sa_sweeps // 10)
    contenders = dict(CONTENDERS)
    if openjij_available():
        contenders.update(OPENJIJ_CONTENDERS)
        print("OpenJij: installed, its SA and SQA rows are included\n")
    else:
        print("OpenJij: not installed (import openjij fails), its SA and SQA rows are skipped\n")
    print(f"SQA rows: beta = {SQA_BETA:g}, M = {SQA_SLICES} slices, Gamma {SQA_GAMMA[0]:g} -> {SQA_GAMMA[1]:g} "
          f"linear, {budget['sqa_sweeps']} sweeps (sqa and dwave PIA alike)\n", flush=True)
    if sizes:
        print("2D planar ±J, open boundaries: residual energy per spin against the exact ground energy "
              "(PlanarGraphSolver), and time to solution\n", flush=True)
        optimisation_table(planar_instances(sizes, seeds), contenders, **budget)
    if sizes_3d:
        print("\n3D ±J, L×L×L with periodic boundaries: residual energy per spin against E0 = the lowest energy "
              "found by any contender in this run (no exact ground energy, no TTS)\n", flush=True)
        optimisation_table(cubic_instances(sizes_3d, seeds), contenders, **budget)
    print("\nSampling accuracy: dense 10-spin models, J and h ~ N(0, 1), beta = 1, z-scores against exact\n")
    accuracy_table(3 if args.quick else 8)


if __name__ == "__main__":
    main()
