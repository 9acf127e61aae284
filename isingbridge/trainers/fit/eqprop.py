"""The equilibrium-propagation classifiers' shared loop, and :class:`EqPropClassifier` (classical, layered Hopfield).

:class:`LayeredEqPropTrainer` is what :class:`EqPropClassifier`,
:class:`~isingbridge.trainers.fit.ising.IsingEqPropClassifier` and
:class:`~isingbridge.trainers.fit.quantum.QuantumEqPropClassifier` share:
one-hot targets, per-layer optimizers, restarts and the mini-batch loop.

>>> from sklearn.datasets import load_digits
>>> from isingbridge.trainers import EqPropClassifier
>>> digits = load_digits()
>>> X, y = digits.data[:600] / 16, digits.target[:600]
>>> clf = EqPropClassifier((64,), n_epochs=10, learning_rate=0.005, random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.85
True
"""
from __future__ import annotations

from typing import Any

import numpy as np
from joblib import Parallel, delayed
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from isingbridge.trainers.estimators.eqprop import EqProp
from isingbridge.trainers.fit.loop import Checkpointing, check_classes
from isingbridge.trainers.models.hopfield import ACTIVATIONS, LayeredHopfield
from isingbridge.trainers.fit.divergence import diverging
from isingbridge.trainers.fit.inputs import check_X, check_y
from isingbridge.trainers.fit.labels import check_labels
from isingbridge.trainers.optim import SGD, Adam
from isingbridge.validation import (
    as_rng, check_bool, check_choice, check_int, check_layer_sizes, check_n_jobs, check_positive_int, check_real,
)

__all__ = ["EqPropClassifier", "LayeredEqPropTrainer", "one_hot_targets", "layer_optimizers", "step_layers",
           "best_of_restarts", "restart_seeds"]


def one_hot_targets(classes: np.ndarray, y: np.ndarray, low: float, replicas: int = 1) -> np.ndarray:
    """Rows of ``low`` with 1 at each label's class (``replicas`` units per class); unseen labels raise."""
    index = np.searchsorted(classes, y)
    unseen = (index >= len(classes)) | (classes[np.minimum(index, len(classes) - 1)] != y)
    if np.any(unseen):
        raise ValueError(f"labels not seen in fit: {np.unique(y[unseen]).tolist()[:5]}")
    D = np.full((len(y), len(classes), replicas), low)
    D[np.arange(len(y)), index] = 1.0
    return D.reshape(len(y), -1)


def layer_optimizers(learning_rate: Any, num_layers: int, optimizer: str, momentum: float) -> list:
    """One optimizer per weight layer; ``learning_rate`` is one rate or a list of one per layer.

    ``optimizer`` is "sgd" (with ``momentum``) or "adam".
    """
    name = check_choice(optimizer, "optimizer", ("sgd", "adam"))
    check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    listed = isinstance(learning_rate, (list, tuple, np.ndarray))
    rates = list(learning_rate) if listed else [learning_rate] * num_layers
    if len(rates) != num_layers:
        raise ValueError(f"learning_rate lists {len(rates)} rates; the network has {num_layers} layers")
    return [Adam(r) if name == "adam" else SGD(r, momentum) for r in rates]


def step_layers(optimizers: list, parameters: dict, gradients: dict) -> None:
    """Apply each layer's optimizer to its ``W{k}`` and ``b{k}``."""
    for k, optimizer in enumerate(optimizers):
        names = (f"W{k}", f"b{k}")
        optimizer.step({n: parameters[n] for n in names}, {n: gradients[n] for n in names})


def _fit_candidate(candidate, X, y):
    return candidate.fit(X, y)


def restart_seeds(random_state: Any, n_init: int) -> list[int]:
    """The seeds of ``n_init`` restarts drawn from ``random_state`` (an int >= 0 or None), as
    :func:`best_of_restarts` uses them."""
    if random_state is not None:
        try:
            random_state = check_int(random_state, "random_state", minimum=0)
        except (TypeError, ValueError) as error:
            raise type(error)(f"n_init > 1 needs an integer random_state >= 0 (or None) to seed its restarts, "
                              f"got {random_state!r}") from None
    n_init = check_positive_int(n_init, "n_init")
    return [int(s) for s in np.random.default_rng(random_state).integers(2**31, size=n_init)]


def best_of_restarts(estimator, X, y, n_init: int, n_jobs: Any = None):
    """Fit ``n_init`` clones from different seeds (in parallel) and return the one with the lowest final cost.

    Small EP networks have local minima that depend on the initialisation
    (3-bit parity stalls at 6/8 from some seeds); restarts are the usual cure,
    as in scikit-learn's ``n_init``.  The candidates' seeds come from the
    estimator's ``random_state``, so the choice is reproducible; the cost compared is
    the training cost of each candidate's last epoch (no held-out data used).
    joblib runs them, so a Dask or Ray backend can take them.
    """
    check_n_jobs(n_jobs)
    candidates = [clone(estimator).set_params(n_init=1, random_state=seed)
                  for seed in restart_seeds(estimator.random_state, n_init)]
    fitted = Parallel(n_jobs=n_jobs)(delayed(_fit_candidate)(c, X, y) for c in candidates)
    return min(fitted, key=lambda c: c.history_[-1]["cost"])


class LayeredEqPropTrainer(Checkpointing, ClassifierMixin, BaseEstimator):
    """``fit`` / ``predict`` / ``predict_proba`` / the mini-batch epoch of a layered EP classifier; subclasses
    give ``_initialise``, ``_targets``, ``_train_batch`` (one update, returns its cost), ``_scores`` (one
    output per class) and ``_label``.

    ``decision_function`` is the output of each class, or for two classes
    their difference, positive for ``classes_[1]``.  ``predict_proba`` is the
    softmax of the class outputs: the map from scores to probabilities that
    keeps ``predict`` its argmax and, for two classes, makes the probability
    of ``classes_[1]`` the logistic function of ``decision_function``, as in
    scikit-learn's linear models and MLPs.  The networks are trained on a
    squared error, not a likelihood, so these probabilities are not
    calibrated (``CalibratedClassifierCV`` calibrates them).  ``fit`` takes
    no ``sample_weight``: the gradient estimators average over the rows of a
    mini-batch; repeat rows to weight them.
    """

    _label = "EqProp"

    def _check_X(self, X: Any, fitted: bool = True) -> np.ndarray:
        """Rows of features, checked as scikit-learn checks data; as many as the fitted network takes unless
        ``fitted`` is False (a fresh fit, which records ``n_features_in_``)."""
        X = check_X(self, X, reset=not fitted, dtype=np.float64, fitted_with="the network was built for")
        if fitted and hasattr(self, "network_") and X.shape[1] != self._n_features():
            raise ValueError(f"X has {X.shape[1]} features; the network was built for {self._n_features()}")
        return X

    def _check_params(self) -> None:
        """The loop's own settings, refused before any work (subclasses check theirs in ``_initialise``)."""
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.n_epochs, "n_epochs")
        check_bool(self.warm_start, "warm_start")
        check_bool(self.progress, "progress")

    def _epoch(self, X: np.ndarray, D: np.ndarray) -> float:
        """One shuffled pass in mini-batches; the mean of the costs the batches return."""
        order = self.rng_.permutation(X.shape[0])
        with diverging(self.epochs_done_ + 1, self._divergence_settings(), lambda: self.network_.parameters()):
            costs = []
            for start in range(0, X.shape[0], self.batch_size):
                rows = order[start:start + self.batch_size]
                with self._step_threads():
                    costs.append(np.atleast_1d(self._train_batch(X[rows], D[rows])))
        self.epochs_done_ += 1
        return float(np.mean(np.concatenate(costs)))

    def _divergence_settings(self) -> str:
        """The settings to lower when training diverges."""
        nudge = getattr(self, "nudge", None)  # classifiers that hold their nudge in an estimator object have none
        return f"learning_rate (now {self.learning_rate!r})" + ("" if nudge is None else f" or nudge (now {nudge!r})")

    def _train_batch(self, X: np.ndarray, D: np.ndarray):
        """One parameter update from a batch; its cost (one value, or one per row)."""
        raise NotImplementedError

    def _n_features(self) -> int:
        """Features per sample the fitted network takes (its input layer, unless inputs are encoded)."""
        return self.network_.sizes[0]

    def fit(self, X: Any, y: Any, *, checkpoint=None, callback=None):
        """Train for ``n_epochs`` in total; ``callback(self, epoch)`` may return metrics.

        With ``warm_start=True`` a fitted (or loaded) classifier continues from
        its current state until ``n_epochs`` epochs have run in total;
        otherwise it starts afresh.  ``checkpoint``: save the whole state after
        every epoch.
        """
        self._check_params()
        warm = self._warm("network_")
        X = self._check_X(X, fitted=warm)
        y = check_y(self, X, y)
        if not warm:
            self._initialise(X, y)
        D = self._targets(y)
        self._run_epochs(lambda: self._epoch(X, D), self._label, checkpoint, callback)
        return self

    def _scores(self, X: np.ndarray) -> np.ndarray:
        """One output per class for checked rows ``X`` (larger: more likely)."""
        raise NotImplementedError

    def _outputs(self, X: Any) -> np.ndarray:
        self._check_fitted("network_")
        return self._scores(self._check_X(X))

    def decision_function(self, X: Any) -> np.ndarray:
        """The output of each class, ``(n_samples, n_classes)``; for two classes ``(n_samples,)``, positive
        for ``classes_[1]``."""
        scores = self._outputs(X)
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, X: Any) -> np.ndarray:
        """The class of the largest output."""
        index = np.argmax(self._outputs(X), axis=1)  # raises first when not fitted
        return self.classes_[index]

    def predict_proba(self, X: Any) -> np.ndarray:
        """The softmax of the class outputs, columns in ``classes_`` order (not calibrated)."""
        return softmax(self._outputs(X), axis=1)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The logarithm of :meth:`predict_proba` (−inf where an activity is 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Mean accuracy of :meth:`predict` on ``X`` against the labels ``y`` (one per row)."""
        self._check_fitted("network_")
        return super().score(X, check_labels(y, self._check_X(X).shape[0]), sample_weight)


class EqPropClassifier(LayeredEqPropTrainer):
    """Layered continuous Hopfield network (input → hidden layers → one unit per class) trained by EP.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
    estimator : EqProp, optional
        Default ``EqProp(nudge=0.5, variant="symmetric", max_iter=30, nudge_iter=10, tol=1e-4)``.
    activation : {"hard_sigmoid", "tanh"}
        Targets are one-hot in the activation's range ({0, 1} or {−1, +1}).
    learning_rate : float or list of float
        Step size; a list gives one rate per layer (the first for the input weights).
    optimizer : {"adam", "sgd"}
        Adam (default; 0.002 reached 0.98 on 8×8 digits where SGD with
        momentum 0.9 stalled below 0.8) or SGD with ``momentum``.
    random_state : None, int or numpy.random.Generator
        Seeds the initial weights and the batch order.
    warm_start : bool
        When True, :meth:`fit` continues a fitted (or loaded) classifier until
        ``n_epochs`` epochs have run in total; when False it starts afresh.
    momentum, batch_size, n_epochs, progress : the usual

    Features should lie in [0, 1] (e.g. pixels / 255).  ``predict`` takes the
    output unit of largest activity at the free equilibrium.
    """

    def __init__(self, hidden_layer_sizes: tuple = (100,), *, estimator: EqProp | None = None,
                 activation: str = "hard_sigmoid", learning_rate: Any = 0.002, momentum: float = 0.0,
                 batch_size: int = 20, n_epochs: int = 10, optimizer: str = "adam", random_state: Any = None,
                 warm_start: bool = False, progress: bool = False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.estimator = estimator
        self.activation = activation
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.optimizer = optimizer
        self.random_state = random_state
        self.warm_start = warm_start
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
        self.rng_ = as_rng(self.random_state, "random_state")
        self.network_ = LayeredHopfield.random(sizes, activation=self.activation, seed=self.rng_)
        method = "fixed_point" if self.activation == "hard_sigmoid" else "gradient"
        self.estimator_ = self.estimator or EqProp(0.5, method=method, max_iter=30, nudge_iter=10, tol=1e-4)
        self.optimizers_ = layer_optimizers(self.learning_rate, len(self.network_.W), self.optimizer, self.momentum)
        self.epochs_done_ = 0
        self.history_: list[dict] = []

    def _train_batch(self, X: np.ndarray, D: np.ndarray) -> float | None:
        result = self.estimator_.gradient(self.network_, X, D)
        step_layers(self.optimizers_, self.network_.parameters(), result.values)
        return result.cost

    def _scores(self, X: np.ndarray) -> np.ndarray:
        """Output-layer activity at the free equilibrium: ``max_iter`` relaxation steps for every row, so a
        row's output does not depend on the other rows it is predicted with."""
        e = self.estimator_
        return np.vstack([self.network_.relax(X[i:i + 500], method=e.method, tol=0.0, max_iter=e.max_iter,
                                              step=e.step)[0][-1] for i in range(0, X.shape[0], 500)])
