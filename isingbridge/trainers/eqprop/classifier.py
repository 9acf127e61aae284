"""A scikit-learn-shaped classifier trained by equilibrium propagation (classical, layered Hopfield).

>>> from sklearn.datasets import load_digits
>>> from isingbridge.trainers.eqprop import EqPropClassifier
>>> digits = load_digits()
>>> X, y = digits.data[:600] / 16, digits.target[:600]
>>> clf = EqPropClassifier((64,), n_epochs=10, learning_rate=0.005, seed=0).fit(X, y)
>>> clf.score(X, y) > 0.85
True
"""
from __future__ import annotations

from typing import Any

import numpy as np

from isingbridge.trainers.checkpoint import check_classes
from isingbridge.trainers.eqprop.classical import ACTIVATIONS, EqProp, LayeredHopfield
from isingbridge.trainers.eqprop.training import (
    LayeredEqPropTrainer, check_layer_sizes, layer_optimizers, one_hot_targets, step_layers,
)
from isingbridge.validation import as_rng, check_choice

__all__ = ["EqPropClassifier"]


class EqPropClassifier(LayeredEqPropTrainer):
    """Layered continuous Hopfield network (input → hidden layers → one unit per class) trained by EP.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
    estimator : EqProp, optional
        Default ``EqProp(beta=0.5, variant="symmetric", max_iter=30, nudge_iter=10, tol=1e-4)``.
    activation : {"hard_sigmoid", "tanh"}
        Targets are one-hot in the activation's range ({0, 1} or {−1, +1}).
    learning_rate : float or list of float
        Step size; a list gives one rate per layer (the first for the input weights).
    optimizer : {"adam", "sgd"}
        Adam (default; 0.002 reached 0.98 on 8×8 digits where SGD with
        momentum 0.9 stalled below 0.8) or SGD with ``momentum``.
    momentum, batch_size, n_epochs, seed, progress : the usual

    Features should lie in [0, 1] (e.g. pixels / 255).  ``predict`` takes the
    output unit of largest activity at the free equilibrium.
    """

    def __init__(self, hidden_layer_sizes: tuple = (100,), *, estimator: EqProp | None = None,
                 activation: str = "hard_sigmoid", learning_rate: Any = 0.002, momentum: float = 0.0,
                 batch_size: int = 20, n_epochs: int = 10, optimizer: str = "adam", seed: Any = None,
                 progress: bool = False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.estimator = estimator
        self.activation = activation
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.optimizer = optimizer
        self.seed = seed
        self.progress = progress

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return one_hot_targets(self.classes_, y, 0.0 if self.activation == "hard_sigmoid" else -1.0)

    def _initialise(self, X: np.ndarray, y: np.ndarray) -> None:
        self.classes_ = check_classes(y)
        sizes = [X.shape[1], *check_layer_sizes(self.hidden_layer_sizes), len(self.classes_)]
        check_choice(self.activation, "activation", sorted(ACTIVATIONS))
        if self.estimator is not None and not isinstance(self.estimator, EqProp):
            raise TypeError(f"estimator must be an EqProp (or LowTemperatureRule) object, or None for the default, "
                            f"got {type(self.estimator).__name__} {self.estimator!r}")
        self.rng_ = as_rng(self.seed)
        self.network_ = LayeredHopfield.random(sizes, activation=self.activation, seed=self.rng_)
        method = "fixed_point" if self.activation == "hard_sigmoid" else "gradient"
        self.estimator_ = self.estimator or EqProp(0.5, method=method, max_iter=30, nudge_iter=10, tol=1e-4)
        self.optimizers_ = layer_optimizers(self.learning_rate, len(self.network_.W), self.optimizer, self.momentum)
        self.epochs_done_ = 0
        self.history_: list[dict] = []

    def _train_batch(self, X: np.ndarray, D: np.ndarray) -> float:
        result = self.estimator_.gradient(self.network_, X, D)
        step_layers(self.optimizers_, self.network_.parameters(), result.gradients)
        return result.cost

    def decision_function(self, X: Any) -> np.ndarray:
        """Output-layer activity at the free equilibrium."""
        self._check_fitted("network_")
        X = self._check_X(X)
        e = self.estimator_
        return np.vstack([self.network_.relax(X[i:i + 500], method=e.method, tol=e.tol, max_iter=e.max_iter,
                                              step=e.step)[0][-1] for i in range(0, X.shape[0], 500)])
