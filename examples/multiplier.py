"""2-bit integer multiplication as an Ising circuit (§4 and §7 of the correspondence paper).

Steps, each printed with its worst-case correctness c (c > 0 ⇔ every output
bit's thermal average has the right sign on every input):

1. train a seeded 4-4-4 tanh network (scikit-learn) on the 16-row truth table;
2. compile it, draw the (β, λ) correctness heatmap and the per-spin heatmap;
3. tune (β, λ) (mean-field search, exact confirmation);
4. quantise to integers in [−q, q] with round-to-nearest, with OPTQ, and with
   OPTQ followed by an exact-enumeration integer search (``refine=True``);
5. scale the float circuit into D-Wave's ranges (h ∈ [−4, 4], J ∈ [−1, 1]).

Run:  python examples/multiplier.py [--out results/multiplier] [--q 4 8 16]      (~1.5 min on 2 cores)
      python examples/multiplier.py --seed 1 --try-seeds 9    (OPTQ vs OPTQ+refine at [−4, 4], per seed)
"""
from __future__ import annotations

import argparse
import itertools
import warnings
from pathlib import Path

import numpy as np

from isingbridge.backends.dimod_adapter import fit_scale
from isingbridge.circuits import compile_network, correctness, correctness_map, plot_spin_correctness, quantize_network, tune
from isingbridge.files import atomic_savefig
from isingbridge.ir import compile_bqm


def multiplier_table() -> tuple[np.ndarray, np.ndarray]:
    """Inputs a₁a₀b₁b₀ and outputs p₃p₂p₁p₀ of p = a·b, as ±1 spins."""
    X, Y = [], []
    for a, b in itertools.product(range(4), repeat=2):
        X.append([2 * ((v >> s) & 1) - 1 for v in (a, b) for s in (1, 0)])
        Y.append([2 * ((a * b >> s) & 1) - 1 for s in (3, 2, 1, 0)])
    return np.array(X, float), np.array(Y, float)


def train(X: np.ndarray, Y: np.ndarray, seed: int):
    from sklearn.neural_network import MLPRegressor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for attempt in range(50):
            net = MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", alpha=1e-2,
                               max_iter=5000, tol=1e-10, random_state=seed + attempt).fit(X, Y)
            if np.all(np.sign(net.predict(X)) == Y):
                return net
    raise RuntimeError("no seed fitted the multiplication table; try another --seed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--q", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--out", default="results/multiplier", help="folder for the figures")
    parser.add_argument("--try-seeds", type=int, default=0, metavar="N",
                        help="only compare OPTQ and OPTQ+refine at [-4, 4] for the networks of N seeds from --seed")
    args = parser.parse_args()
    X, Y = multiplier_table()
    if args.try_seeds:
        for seed in range(args.seed, args.seed + args.try_seeds):
            net = train(X, Y, seed)
            plain, refined = (quantize_network(net, X, Y, q=4, method="optq", refine=r) for r in (False, True))
            print(f"seed {seed}: [-4, 4] OPTQ c = {plain.worst:+.4f}, OPTQ+refine c = {refined.worst:+.4f}", flush=True)
        return
    net = train(X, Y, args.seed)
    print(f"trained 4-4-4 tanh network (seed {args.seed}): training loss {net.loss_:.4f}, all 64 output bits right")

    circuit = compile_network(net, beta=1.0, lam=0.05)
    print(f"compiled at beta=1, lambda=0.05 (the theorem's regime): c = {correctness(circuit, X, Y).worst:.4f}")

    betas, lams = np.geomspace(0.1, 30, 30), np.geomspace(1e-3, 1, 30)
    heatmap = correctness_map(net, X, Y, betas, lams, n_jobs=-1)
    beta, lam, worst = heatmap.best()
    print(f"(beta, lambda) grid on the exact backend: best c = {worst:.4f} at beta={beta:.3g}, lambda={lam:.3g}")

    tuned = tune(net, X, Y)
    print(f"tune(): c = {tuned.worst:.4f} at beta={tuned.circuit.beta:.3g}, lambda={tuned.circuit.lam:.3g}")

    for q in args.q:
        for method, refine in (("rtn", False), ("optq", False), ("optq", True)):
            result = quantize_network(net, X, Y, q=q, method=method, refine=refine, float_circuit=tuned.circuit)
            label = method + ("+refine" if refine else "")
            print(f"quantised to integers in [-{q}, {q}] with {label:11s}: c = {result.worst:+.4f} "
                  f"(retained {result.retained:+.2f} of the float c; grid {result.grid:.3g}, lambda1 {result.lam1:.3g}, "
                  f"k {result.k}, beta {result.circuit.beta:.3g}, largest |integer| {result.max_integer})")

    factor = fit_scale(compile_bqm(tuned.circuit.bqm), (-4.0, 4.0), (-1.0, 1.0))
    dwave = tuned.circuit.scaled(factor)
    print(f"scaled into D-Wave ranges (h in [-4, 4], J in [-1, 1]) by {factor:.3g}: runs at beta={dwave.beta:.3g}, "
          f"c = {correctness(dwave, X, Y).worst:.4f} (same distribution)")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: pip install 'isingbridge[plot]' for the heatmaps")
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 1.2]})
    heatmap.plot(ax=axes[0], title="2-bit multiplier: worst-case correctness")
    plot_spin_correctness(correctness(tuned.circuit, X, Y), ax=axes[1], title="per spin at the tuned point")
    fig.tight_layout()
    atomic_savefig(fig, out / "multiplier_heatmaps.png", dpi=120)
    print(f"figures: {out / 'multiplier_heatmaps.png'}")


if __name__ == "__main__":
    main()
