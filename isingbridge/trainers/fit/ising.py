"""Equilibrium propagation on a layered Ising network as a scikit-learn classifier (Laydevant et al. 2024).

Labels are one-hot over ``replicas`` output spins per class (their paper: 4);
the prediction is the class with the largest summed free-phase output.  The
network is an :class:`~isingbridge.trainers.models.IsingLayers`, its gradient
a :class:`~isingbridge.trainers.estimators.ising.LayeredIsingEqProp` on any
backend.

>>> import numpy as np
>>> from isingbridge.trainers import IsingEqPropClassifier
>>> X = np.array([[1, 1, 0, 0], [0, 0, 1, 1]] * 10)
>>> clf = IsingEqPropClassifier((6,), replicas=2, n_epochs=20, learning_rate=0.1, random_state=0).fit(X, [0, 1] * 10)
>>> clf.predict(X[:2]).tolist()
[0, 1]
>>> bool(np.all(clf.predict_proba(X) == clf.predict_proba(X)))   # predictions are reproducible
True
"""
from __future__ import annotations

from typing import Any

import numpy as np

from isingbridge.trainers.estimators.ising import LayeredIsingEqProp
from isingbridge.trainers.fit.eqprop import LayeredEqPropTrainer, layer_optimizers, one_hot_targets, step_layers
from isingbridge.trainers.fit.inputs import binarized
from isingbridge.trainers.fit.loop import check_classes
from isingbridge.trainers.models.ising_layers import IsingLayers
from isingbridge.validation import as_rng, check_beta, check_layer_sizes, check_positive_int, check_real, check_spins

__all__ = ["IsingEqPropClassifier"]


class IsingEqPropClassifier(LayeredEqPropTrainer):
    """A layered Ising network trained by equilibrium propagation on a sampler (Laydevant et al. 2024).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Their MNIST network: (120,).
    replicas : int
        Output spins per class (theirs: 4).
    nudge : float
        Nudging strength (theirs: 5).
    num_reads : int
        Samples per example and phase (theirs: 10).
    num_sweeps, nudge_sweeps : int
        Sweeps of the free phase (from random spins) and of the nudged phase (from the free states).
    beta : float
        Inverse temperature of the sampled Boltzmann distribution.
    backend : str, Backend or dimod.Sampler
        "gibbs", "anneal", a dimod sampler, a plugin backend...
    learning_rate : float or list of float (one per layer)
    optimizer : {"sgd", "adam"}
    random_state : None, int or numpy.random.Generator
        Seeds the initial weights, the batch order and the sampling.
    warm_start : bool
        When True, :meth:`fit` continues a fitted (or loaded) classifier until
        ``n_epochs`` epochs have run in total; when False it starts afresh.
    momentum, batch_size, n_epochs, progress : the usual
    binarize : float or None
        None (default): features in {0, 1} (or [0, 1], thresholded at 0.5)
        or spins ±1 become the clamped input spins, and anything else is
        refused.  A number: every feature above it is +1, the others −1, so
        any real data are accepted (any value in [0, 1) leaves binary data
        unchanged).

    Predictions are reproducible: the distinct rows of ``X``, in sorted
    order, are sampled in one batched call seeded by ``prediction_seed_``
    (drawn from ``random_state`` at fit, without advancing the training
    generator), so the same rows give the same outputs in any order and on
    every call.  A row predicted with other rows may get other samples of
    the same law (the batch shares one seed): its sampled class can differ
    where two classes' outputs are within sampling noise of each other.
    """

    _label = "Ising EqProp"

    def __init__(self, hidden_layer_sizes: tuple = (120,), *, replicas: int = 4, nudge: float = 5.0,
                 num_reads: int = 10, num_sweeps: int = 20, nudge_sweeps: int = 10, beta: float = 1.0,
                 backend: Any = "gibbs", learning_rate: Any = 0.01, optimizer: str = "sgd", momentum: float = 0.0,
                 batch_size: int = 20, n_epochs: int = 10, random_state: Any = None, warm_start: bool = False,
                 progress: bool = False, binarize: float | None = None):
        self.binarize = binarize
        self.hidden_layer_sizes = hidden_layer_sizes
        self.replicas = replicas
        self.nudge = nudge
        self.num_reads = num_reads
        self.num_sweeps = num_sweeps
        self.nudge_sweeps = nudge_sweeps
        self.beta = beta
        self.backend = backend
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.momentum = momentum
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.random_state = random_state
        self.warm_start = warm_start
        self.progress = progress

    def _check_X(self, X: Any, fitted: bool = True) -> np.ndarray:
        X = super()._check_X(X, fitted)
        if self.binarize is not None:
            return binarized(X, self.binarize)
        if X.min(initial=0.0) < 0:  # spins: exactly ±1, since a 0 beside -1 has no meaning
            return check_spins(X, "X", dtype=np.float64)
        if X.max(initial=0.0) > 1:
            raise ValueError(f"X must hold features in [0, 1] or spins -1/+1; found {X.max():g}: scale pixels by "
                             "1/255 first")
        return np.where(X >= 0.5, 1.0, -1.0)

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return one_hot_targets(self.classes_, y, -1.0, self.replicas)

    def _initialise(self, X: np.ndarray, y: np.ndarray) -> None:
        self.classes_ = check_classes(y)
        check_beta(self.beta, "beta")
        check_positive_int(self.replicas, "replicas")
        check_positive_int(self.batch_size, "batch_size")
        self.estimator_ = LayeredIsingEqProp(self.nudge, backend=self.backend, num_reads=self.num_reads,
                                             num_sweeps=self.num_sweeps, nudge_sweeps=self.nudge_sweeps)
        sizes = [X.shape[1], *check_layer_sizes(self.hidden_layer_sizes), len(self.classes_) * self.replicas]
        if self.binarize is not None:
            check_real(self.binarize, "binarize")
        self.rng_ = as_rng(self.random_state, "random_state")
        self.prediction_seed_ = _child_seed(self.rng_)
        self.network_ = IsingLayers.random(sizes, seed=self.rng_, beta=self.beta)
        self.optimizers_ = layer_optimizers(self.learning_rate, len(self.network_.W), self.optimizer, self.momentum)
        self.epochs_done_ = 0
        self.history_: list[dict] = []

    def _train_batch(self, X: np.ndarray, D: np.ndarray) -> float | None:
        result = self.estimator_.gradient(self.network_, X, D, rng=self.rng_)
        step_layers(self.optimizers_, self.network_.parameters(), result.values)
        return result.cost

    def _scores(self, X: np.ndarray) -> np.ndarray:
        """Free-phase mean of each class's output spins (summed over its replicas), per example."""
        rows, inverse = np.unique(X, axis=0, return_inverse=True)  # sorted: the same rows, the same batch
        seed = getattr(self, "prediction_seed_", 0)  # states saved before prediction seeds existed: 0
        outputs = self.estimator_.free_outputs(self.network_, rows, np.random.default_rng(seed))[inverse.ravel()]
        return outputs.reshape(X.shape[0], len(self.classes_), self.replicas).sum(axis=2)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = self.binarize is not None  # thresholded features keep one bit each
        return tags


def _child_seed(rng: np.random.Generator) -> int:
    """A seed derived from ``rng``'s seed sequence (a spawned child), leaving its stream where it is."""
    sequence = getattr(rng.bit_generator, "seed_seq", None)
    if not isinstance(sequence, np.random.SeedSequence):
        sequence = np.random.SeedSequence()
    return int(sequence.spawn(1)[0].generate_state(1, np.uint64)[0])
