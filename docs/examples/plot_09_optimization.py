"""
Ground states of a 2D ±J spin glass
===================================

Sampling backends double as optimisers.  On an open L×L lattice with couplings ±1 and no
fields (dimod's RAN1) the ground energy E₀ is known exactly — the lattice is planar, and
dwave-samplers' ``PlanarGraphSolver`` finds E₀ in polynomial time — so the residual energy
per spin ρ = (E − E₀)/N measures how far a heuristic is from the optimum.  Three
contenders, with the calls of ``benchmarks/optimization.py``:

* ``gibbs`` annealing: ``get("gibbs").sample(bqm, beta_range=(0.1, 3), num_sweeps=S)``,
  heat-bath updates on a geometric β schedule, 16 reads;
* dwave-samplers' ``SimulatedAnnealingSampler`` on the same β range and sweeps
  (Metropolis updates, 16 reads);
* ``tempering``: replica exchange (:ref:`Hukushima & Nemoto 1996 <ref-pt>`) with the
  non-reversible swap order of :ref:`Syed et al. 2022 <ref-nrpt>` and Houdayer cluster moves
  (:ref:`Houdayer 2001 <ref-houdayer>`) at target β = 3: ``info["best_trace"]`` records
  (round, seconds, energy) each time any replica reaches a new lowest energy.
"""

# %%
# The instance and its exact ground energy
# ----------------------------------------
import dimod
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
from dwave.samplers import PlanarGraphSolver, SimulatedAnnealingSampler

import isingbridge

L = 10
bqm = dimod.generators.ran_r(1, nx.grid_2d_graph(L, L), seed=0)
N = bqm.num_variables
ground = PlanarGraphSolver().sample(bqm, pos={v: v for v in bqm.variables}).first.energy  # labels are (x, y)
print(f"{L}x{L} lattice, {bqm.num_interactions} couplings of ±1: exact ground energy {ground:g} ({ground / N:.3f} per spin)")

# %%
# Annealing with an increasing number of sweeps
# ---------------------------------------------
# ρ is the mean over the 16 reads; P₀ the fraction of reads that end in a ground state.
sweeps = [10, 30, 100, 300, 1000, 3000]
gibbs = isingbridge.get("gibbs")
annealers = {
    "gibbs (heat bath)": lambda s: gibbs.sample(bqm, beta_range=(0.1, 3.0), num_sweeps=s, num_reads=16, seed=0),
    "dwave-samplers SA (Metropolis)": lambda s: SimulatedAnnealingSampler().sample(
        bqm, beta_range=(0.1, 3.0), beta_schedule_type="geometric", num_sweeps=s, num_reads=16, seed=0),
}
residual = {name: [] for name in annealers}
for name, run in annealers.items():
    for s in sweeps:
        energies = run(s).record.energy
        residual[name].append((energies.mean() - ground) / N)
        if s == sweeps[-1]:
            print(f"{name:31s} {s} sweeps: rho = {residual[name][-1]:.4f}, "
                  f"P0 = {np.mean(energies <= ground + 1e-9):.2f}")

# %%
# Tempering
# ---------
# Four runs of 300 rounds (4 ladders each).  The ladder has ``info["num_replicas"]``
# replicas, so one round costs that many lattice sweeps per ladder; the lowest energy any
# replica reached by round r is the best-so-far curve.
tempering = isingbridge.get("tempering")
traces = []
for run in range(4):
    info = tempering.sample(bqm, beta=3.0, num_sweeps=300, num_reads=4, seed=run).info
    traces.append(np.array(info["best_trace"]))
    hit = next((r for r, _, e in info["best_trace"] if e <= ground + 1e-9), None)
    print(f"tempering run {run}: {info['num_replicas']} replicas, lowest energy {info['lowest_energy']:g}, "
          + (f"ground state first reached in round {hit:.0f}" if hit is not None else "ground state not reached"))

# %%
# ρ against sweeps per read (annealers) and against rounds (tempering, best-so-far of
# every replica: a stronger statistic than the annealers' mean over reads, and each round
# is ``num_replicas`` × 4 lattice sweeps).  Zero residual is drawn at the bottom edge.
floor = 2e-4
fig, ax = plt.subplots(figsize=(6.5, 4.2))
for name, values in residual.items():
    ax.loglog(sweeps, np.maximum(values, floor), marker="o", label=f"{name}, mean of 16 reads")
for run, trace in enumerate(traces):
    rounds = np.append(trace[:, 0], 300)
    best = np.append((trace[:, 2] - ground) / N, (trace[-1, 2] - ground) / N)
    ax.step(np.maximum(rounds, 1), np.maximum(best, floor), where="post", color="tab:green", alpha=0.7,
            label="tempering, lowest so far (4 runs)" if run == 0 else None)
ax.text(1.1, floor * 1.25, "ρ = 0: an exact ground state", fontsize=8, color="tab:green")
ax.set(xlabel="sweeps per read / tempering rounds", ylabel="residual energy per spin ρ",
       title=f"planar ±J, L = {L}: exact E₀ = {ground:g}", ylim=(floor * 0.8, 0.5))
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# At full size
# ------------
# ``python benchmarks/optimization.py`` runs L = 16, 24 and 32 (2 instances each), 3D
# lattices and SQA.  Tempering found the exact ground state in 4 of 4 runs at every size,
# with a time to solution TTS(99 %) of 0.03 s (L = 16), 0.3–0.9 s (L = 24) and 1.0–1.3 s
# (L = 32); dwave-samplers' SA given the same wall time reached none at L ≥ 24.  At 10 000
# sweeps on 32×32 lattices the ``gibbs`` annealer runs 7–8× faster than dwave-samplers' SA;
# dwave's Metropolis rule cools a little faster per sweep (ρ = 0.0120 against gibbs' 0.0161).
