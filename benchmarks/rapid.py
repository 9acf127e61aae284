"""RAPID vs CD-10 and PCD-10: seconds per epoch at equal model size, and epochs to learn 4×4 Bars.

Part 1 — one epoch of each estimator on the same 12×12 Bars-and-Stripes
training images (V = 144, batch 100), same RBM size, for several hidden-layer
sizes H, in one run; the ratio column is CD-10 (or PCD-10) time over RAPID time.
RAPID's negative phase is K patterns' statistics (O(K·V·H) per step), CD-10's
is ten block-Gibbs sweeps of the batch (O(10·B·V·H)), PCD-10's ten sweeps of
2048 persistent chains.

Part 2 — on 4×4 Bars (V = 16, H = 1000, 10 train / 4 test images, top row
known), the first epoch at which the test Hamming distance drops to the
threshold, per seed (seeds run in parallel with joblib).

Run:  python benchmarks/rapid.py [--hidden 500 1000 2000] [--seeds 3 --max-epochs 200 --threshold 0.1]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np  # noqa: E402

from _common import print_table  # noqa: E402

ESTIMATORS = {
    "RAPID": lambda k: __import__("isingbridge.trainers", fromlist=["RAPID"]).RAPID(k),
    "CD-10": lambda k: __import__("isingbridge.trainers", fromlist=["CD"]).CD(10),
    "PCD-10": lambda k: __import__("isingbridge.trainers", fromlist=["PCD"]).PCD(10, 2048),
}
RATES = {"RAPID": 0.03, "CD-10": 0.01, "PCD-10": 0.1}


def epoch_seconds(name: str, X: np.ndarray, hidden: int, patterns: int) -> float:
    from isingbridge.trainers import BoltzmannRBM

    rbm = BoltzmannRBM(hidden, estimator=ESTIMATORS[name](patterns), batch_size=100, learning_rate=1e-3, random_state=0)
    rbm.partial_fit(X[:200])  # warm-up: JIT, allocation, thread pools
    start = time.perf_counter()
    rbm.partial_fit(X)
    return time.perf_counter() - start


def epochs_to_learn(name: str, seed: int, threshold: float, max_epochs: int) -> int | None:
    from isingbridge.datasets import bars, negation_closed_split
    from isingbridge.trainers import BoltzmannRBM, to_spins
    from isingbridge.trainers.diagnostics import reconstruction_error, top_row_mask

    train, test = negation_closed_split(bars(4), 4, seed=0)
    rbm = BoltzmannRBM(1000, estimator=ESTIMATORS[name](8), learning_rate=RATES[name], batch_size=10,
                       n_epochs=max_epochs, random_state=seed)
    known, target = top_row_mask(4), to_spins(test)
    for epoch in range(1, max_epochs + 1):
        rbm.partial_fit(train)
        if reconstruction_error(rbm.model_, target, known, seed=epoch) <= threshold:
            return epoch
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--images", type=int, default=2000, help="training images per epoch (part 1)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-epochs", type=int, default=200)
    parser.add_argument("--threshold", type=float, default=0.1)
    parser.add_argument("--jobs", type=int, default=-1)
    args = parser.parse_args()
    from joblib import Parallel, delayed

    from isingbridge.datasets import bars_and_stripes

    X = np.random.default_rng(0).permutation(bars_and_stripes(12))[: args.images]
    rows = []
    for hidden in args.hidden:
        seconds = {name: epoch_seconds(name, X, hidden, 40) for name in ESTIMATORS}
        for name, value in seconds.items():
            rows.append([f"V=144 H={hidden}", name, f"{value:.3f}",
                         "1.0" if name == "RAPID" else f"{value / seconds['RAPID']:.1f}"])
    print(f"Part 1: seconds per epoch ({len(X)} images, batch 100, K = 40)")
    print_table(["model", "estimator", "s/epoch", "× RAPID"], rows)

    tasks = [(name, seed) for name in ESTIMATORS for seed in range(args.seeds)]
    found = Parallel(n_jobs=args.jobs)(delayed(epochs_to_learn)(name, seed, args.threshold, args.max_epochs)
                                       for name, seed in tasks)
    print(f"\nPart 2: epochs until test HD ≤ {args.threshold} on 4×4 Bars (H = 1000; per seed; '-' = not by "
          f"epoch {args.max_epochs})")
    rows = []
    for name in ESTIMATORS:
        per_seed = [epochs for (n, _), epochs in zip(tasks, found) if n == name]
        reached = [e for e in per_seed if e is not None]
        rows.append([name, " ".join("-" if e is None else str(e) for e in per_seed),
                     f"{np.median(reached):.0f}" if reached else "-"])
    print_table(["estimator", "epochs per seed", "median"], rows)


if __name__ == "__main__":
    main()
