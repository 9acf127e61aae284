"""Robustness under load: each workload alone, then beside a competing 2-thread BLAS process.

A fair share of the cores makes work about 2x slower when another 2-thread
job runs (target: at most 2.5x).  Workloads, each timed unloaded and then
loaded back to back ``--repeats`` times (so each ratio compares two runs
under the same background on a shared machine):

* sparse ``sample()`` on a 10,000-spin random 3-regular ±J model, β = 1,
  256 chains × 100 sweeps;
* ``moments()`` (default statistics) on the same model and run;
* one float32 PCD-1 epoch of a 784×500 RBM on MNIST-5k (batch 100, 100 chains);
* one Ising equilibrium-propagation epoch (784-120-40, 10 reads, batch 20) on
  ``--ep-examples`` MNIST images.

The competing process (:func:`_common.competing_load`) multiplies float64
1000×1000 matrices with OPENBLAS/OMP threads = 2 and is killed after each
loaded run.  The table prints the median unloaded and loaded seconds and the
median of the per-repeat slowdowns with their range.

Run:  python benchmarks/loaded.py [--repeats 3] [--only moments]
      python benchmarks/gibbs.py --loaded   (the same table)
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from _common import load_ratios, print_table  # noqa: E402

TARGET = 2.5


def sparse_workloads() -> dict[str, Callable[[], object]]:
    """``sample()`` and ``moments()`` on the 10k-spin 3-regular ±J model (compiled and warmed up)."""
    from gibbs import regular3

    from isingbridge.backends import get

    bqm, gibbs = regular3(), get("gibbs")
    options = dict(beta=1.0, num_reads=256, num_sweeps=100, seed=1)
    gibbs.moments(bqm, beta=1.0, num_reads=256, num_sweeps=4, seed=0)  # compile + warm caches
    return {"sparse sample() 10k 3-regular": lambda: gibbs.sample(bqm, **options),
            "moments() 10k 3-regular": lambda: gibbs.moments(bqm, **options)}


def pcd_workload() -> Callable[[], object]:
    """One float32 PCD-1 epoch of a 784×500 RBM on MNIST-5k."""
    from isingbridge.datasets import load_mnist_subset
    from isingbridge.trainers import PCD, BoltzmannRBM

    X, _ = load_mnist_subset()
    rbm = BoltzmannRBM(n_hidden=500, estimator=PCD(1, 100, "gibbs"), batch_size=100, learning_rate=0.01, random_state=0,
                       dtype="float32")
    rbm.partial_fit(X[:200])  # warm-up
    return lambda: rbm.partial_fit(X)


def eqprop_workload(examples: int) -> Callable[[], object]:
    """One Ising-EP epoch (784-120-40, 4 output spins per class, 10 reads) on ``examples`` MNIST images."""
    from isingbridge.datasets import load_mnist_subset
    from isingbridge.trainers import IsingEqPropClassifier

    X, y = load_mnist_subset()
    rows = np.random.default_rng(0).permutation(len(X))[:examples]  # the subset is sorted by class
    X, y = X[rows], y[rows]

    def epoch():
        IsingEqPropClassifier((120,), replicas=4, nudge=5.0, num_reads=10, n_epochs=1, random_state=0).fit(X, y)

    IsingEqPropClassifier((120,), replicas=4, nudge=5.0, num_reads=10, n_epochs=1, random_state=0).fit(X[:100], y[:100])
    return epoch


def workloads(ep_examples: int, only: str | None) -> dict[str, Callable[[], object]]:
    """The selected workloads by name, set up and warmed up."""
    makers = {"sparse": sparse_workloads, "PCD-1 float32 epoch (MNIST-5k)": pcd_workload,
              f"Ising-EP epoch ({ep_examples} images)": lambda: eqprop_workload(ep_examples)}
    chosen = {}
    for name, make in makers.items():
        if name == "sparse":
            if not only or any(only in key for key in ("sparse sample()", "moments()")):
                chosen.update(make())
        elif not only or only in name:
            chosen[name] = make()
    return {name: work for name, work in chosen.items() if not only or only in name}


def run(repeats: int = 3, only: str | None = None, ep_examples: int = 1000) -> None:
    """Print the unloaded and loaded seconds and the slowdown of every workload."""
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 100 sweeps of a glass do not converge: the time is the point here
        for name, work in workloads(ep_examples, only).items():
            unloaded, loaded = load_ratios(work, repeats)
            ratios = np.array(loaded) / np.array(unloaded)
            rows.append([name, f"{np.median(unloaded):.2f}", f"{np.median(loaded):.2f}",
                         f"{np.median(ratios):.2f}x ({ratios.min():.2f}-{ratios.max():.2f})",
                         "yes" if np.median(ratios) <= TARGET else "NO"])
            print("done:", "  ".join(rows[-1]), file=sys.stderr, flush=True)
    print(f"Beside one competing 2-thread BLAS process (float64 1000x1000 matmuls), {os.cpu_count()} CPU cores; "
          f"median of {repeats} back-to-back unloaded/loaded pairs")
    print_table(["workload", "unloaded s", "loaded s", "slowdown (range)", f"<= {TARGET}x"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", help="run only the workloads whose name contains this text")
    parser.add_argument("--ep-examples", type=int, default=1000, help="MNIST images of the Ising-EP epoch")
    args = parser.parse_args()
    run(args.repeats, args.only, args.ep_examples)


if __name__ == "__main__":
    main()
