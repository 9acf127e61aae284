"""§2 of Lobanov 2023: learning θ of p(x) ∝ exp(−θx²/2) by dissipative two-lobe training.

CD, Metropolis–Hastings and Langevin dynamics, learning rate 2·10⁻⁴, 1.6·10⁵ steps,
20 repeats, θ from 3 toward 1; mean and spread of θ over windows of 1000 steps
pooled over the repeats (the paper's Fig. 2), on one figure, plus the printed
spread ratios (the paper: MH and Langevin 3–4× CD's, same convergence rate).

Run:  python examples/dissipative_gaussian.py [--out results/dissipative]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from isingbridge.files import atomic_savefig
from isingbridge.trainers.models.gaussian_toy import gaussian_toy, window_statistics

LABELS = {"cd": "contrastive divergence", "mh": "Metropolis–Hastings", "langevin": "Langevin dynamics"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="results/dissipative")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    results = {}
    for method in LABELS:
        steps, mean, std = window_statistics(gaussian_toy(method, seed=args.seed), 1000)
        results[method] = (steps, mean, std)
        half = np.argmax(mean < 2.0)
        print(f"{LABELS[method]:<24} theta after 20k/80k/160k steps: {mean[19]:.3f} / {mean[79]:.3f} / {mean[-1]:.3f}; "
              f"first below 2 at {steps[half]:.0f} steps; spread over the last 40 windows {std[-40:].mean():.4f}")
    cd = results["cd"][2][-40:].mean()
    for method in ("mh", "langevin"):
        print(f"spread ratio {LABELS[method]} / CD: {results[method][2][-40:].mean() / cd:.2f} (paper: 3-4)")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: pip install 'isingbridge[plot]' for the figure")
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for (method, (steps, mean, std)), style in zip(results.items(), ("-", "--", ":")):
        left.plot(steps, mean, style, label=LABELS[method])
        right.semilogy(steps, std, style, label=LABELS[method])
    left.axhline(1.0, color="grey", linewidth=0.8)
    left.set(xlabel="step", ylabel="mean θ (20 runs × 1000 steps)", title="convergence of θ (target 1)")
    right.set(xlabel="step", ylabel="std of θ", title="spread of the estimate")
    left.legend()
    for ax in (left, right):
        ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 0))
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_savefig(fig, out / "dissipative_gaussian.png", dpi=120)
    print(f"figure: {out / 'dissipative_gaussian.png'}")


if __name__ == "__main__":
    main()
