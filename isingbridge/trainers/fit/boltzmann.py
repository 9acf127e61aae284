"""scikit-learn-shaped Boltzmann machine estimators: :class:`BoltzmannRBM` and :class:`BoltzmannClassifier`.

Both drive the same loop (:class:`_Trainer`): mini-batches of visible rows, a
gradient from the estimator, an optimizer step, the estimator's hooks, the
model's refresh; callbacks after every epoch; warm starts and save/load of the whole state.

>>> import numpy as np
>>> from isingbridge.trainers import BoltzmannRBM, ExactGradient
>>> X = np.array([[1, 1, 0, 0], [0, 0, 1, 1]] * 8)
>>> rbm = BoltzmannRBM(n_hidden=2, estimator=ExactGradient(), learning_rate=0.1, n_epochs=200, random_state=0).fit(X)
>>> bool(rbm.score_samples(X).mean() > np.log(0.3))     # most mass on the two patterns
True
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.metrics import accuracy_score

from isingbridge.backends import get
from isingbridge.trainers.fit.loop import Checkpointing, check_classes
from isingbridge.trainers.diagnostics import check_known_mask
from isingbridge.trainers.estimators.boltzmann import CD, BoltzmannEstimator, Discriminative
from isingbridge.trainers.estimators.conditional import reconstruct
from isingbridge.trainers.fit.divergence import diverging
from isingbridge.trainers.fit.inputs import binarized, check_X, check_y
from isingbridge.trainers.fit.labels import check_labels
from isingbridge.trainers.models import MAX_EXACT_VISIBLE, BoltzmannModel, ClassificationRBM
from isingbridge.trainers.optim import SGD, Adam
from isingbridge.validation import (
    as_rng, check_beta, check_bool, check_choice, check_data, check_positive, check_positive_int, check_real,
)

__all__ = ["BoltzmannRBM", "BoltzmannClassifier", "to_spins"]


def to_spins(X: Any, width: int | None = None, dtype: Any = np.float64, *, name: str = "X") -> np.ndarray:
    """Data in {0, 1} or {−1, +1} as ±1 spins (rows of ``dtype``), with clear errors otherwise.

    ``X`` must be a non-empty real 2-D array (samples × features), with
    ``width`` features when given.  The checks run on the data's own type
    (bytes for MNIST, not float64 copies) and the spins are written once, in
    ``dtype``: on MNIST-5k this used to cost a third of a float32 epoch.
    """
    X = check_data(X, name, width=width, dtype=None)
    zeros, ones, minus = X == 0, X == 1, X == -1
    if not np.all(zeros | ones | minus):
        found = np.unique(X[~(zeros | ones | minus)])[:6].tolist()
        raise ValueError(f"{name} must be binary, in {{0, 1}} or {{-1, +1}}; found values {found}")
    if not np.any(zeros):
        return X.astype(dtype)
    if np.any(minus):
        raise ValueError(f"{name} must not mix 0 and -1: use {{0, 1}} or {{-1, +1}}, not both")
    spins = np.multiply(X, 2, dtype=dtype)
    spins -= 1
    return spins


class _Trainer(Checkpointing, BaseEstimator):
    """Epochs, batches, seeds, hooks, callbacks, progress, warm starts, save/load: shared by the estimators below."""

    _label = "Boltzmann"

    def _set_common(self, n_hidden, estimator, learning_rate, batch_size, n_epochs, optimizer, momentum, beta,
                    random_state, warm_start, progress, dtype="float64", binarize=None) -> None:
        self.dtype = dtype
        self.binarize = binarize
        self.n_hidden = n_hidden
        self.estimator = estimator
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.optimizer = optimizer
        self.momentum = momentum
        self.beta = beta
        self.random_state = random_state
        self.warm_start = warm_start
        self.progress = progress

    def _default_estimator(self) -> BoltzmannEstimator:
        return CD(1, "gibbs")

    def _new_model(self, width: int) -> BoltzmannModel:
        return self.estimator_.make_model(width, self.n_hidden, rng=self.rng_, beta=self.beta)

    def _check_params(self) -> None:
        """Refuse bad hyper-parameters before any work (at fit time, as scikit-learn estimators do)."""
        check_positive_int(self.n_hidden, "n_hidden")
        check_positive_int(self.batch_size, "batch_size")
        check_positive(self.learning_rate, "learning_rate")
        check_real(self.momentum, "momentum", low=0.0, high=1.0, high_open=True)
        check_beta(self.beta, "beta")
        check_bool(self.warm_start, "warm_start")
        check_bool(self.progress, "progress")
        if self.binarize is not None:
            check_real(self.binarize, "binarize")
        self._check_dtype()
        self._make_optimizer()
        self._estimator()

    def _check_dtype(self) -> str:
        try:
            name = None if self.dtype is None else str(np.dtype(self.dtype))
        except TypeError:
            name = None
        if name not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        return name

    def _estimator(self) -> BoltzmannEstimator:
        estimator = self.estimator if self.estimator is not None else self._default_estimator()
        if not isinstance(estimator, BoltzmannEstimator):
            raise TypeError("estimator must be a gradient estimator object such as CD(1, 'gibbs'), PCD(1, 100), "
                            "ExactGradient(), TwoLobe(), RAPID(8) or Discriminative() (or None for the default), "
                            f"got {type(estimator).__name__} {estimator!r}")
        return estimator

    def _make_optimizer(self):
        if isinstance(self.optimizer, str):
            name = check_choice(self.optimizer, "optimizer", ("sgd", "adam"))
            return SGD(self.learning_rate, self.momentum) if name == "sgd" else Adam(self.learning_rate)
        if not callable(getattr(self.optimizer, "step", None)):
            raise TypeError(f"optimizer must be 'sgd', 'adam' or an optimizer object with step() (SGD, Adam, "
                            f"LangevinSGD), got {type(self.optimizer).__name__} {self.optimizer!r}")
        return self.optimizer

    def _initialise(self, width: int) -> None:
        """A fresh model, estimator and optimizer (the callers, fit and partial_fit, have checked the settings)."""
        self.rng_ = as_rng(self.random_state, "random_state")
        self.estimator_ = self._estimator()
        self.estimator_.reset()
        self.model_ = self._new_model(width).astype(self._check_dtype())
        self.estimator_.check_model(self.model_)
        self.optimizer_ = self._make_optimizer()
        self.epochs_done_ = 0
        self.history_: list[dict] = []

    def _epoch(self, rows: np.ndarray) -> None:
        """One pass over ``rows`` (visible spins) in shuffled mini-batches."""
        model, estimator = self.model_, self.estimator_
        rows = rows.astype(model.dtype, copy=False)
        order = self.rng_.permutation(rows.shape[0])
        settings = f"learning_rate (now {self.learning_rate!r}) or beta (now {self.beta!r})"
        with diverging(self.epochs_done_ + 1, settings, model.parameters):
            for start in range(0, rows.shape[0], self.batch_size):
                with self._step_threads():
                    gradient = estimator.gradient(model, rows[order[start:start + self.batch_size]], rng=self.rng_)
                    self.optimizer_.step(model.parameters(), gradient.values)
                    estimator.after_step(model)
                    model.refresh()
            estimator.after_epoch(model)
        self.epochs_done_ += 1

    def _train(self, rows: np.ndarray, checkpoint, callback) -> None:
        check_positive_int(self.n_epochs, "n_epochs")
        self._check_params()
        if not self._warm("model_"):
            self._initialise(rows.shape[1])
            self.model_.start_from_data(rows)
        self._run_epochs(lambda: self._epoch(rows), self._label, checkpoint, callback)

    def _fitted(self):
        self._check_fitted("model_")
        return self.model_

    def _visible(self, X: Any, *, reset: bool, dtype: Any = np.float64) -> np.ndarray:
        """Visible spins from ``X``: checked as scikit-learn checks data (``reset`` in ``fit``), then
        binary data as they are (``binarize=None``) or real features thresholded at ``binarize``."""
        X = check_X(self, X, reset=reset)
        if self.binarize is None:
            return to_spins(X, dtype=dtype)
        return binarized(X, self.binarize, dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags


class BoltzmannRBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _Trainer):
    """A restricted Boltzmann machine trained with any gradient estimator and backend.

    Parameters
    ----------
    n_hidden : int
        Number of hidden units.
    estimator : BoltzmannEstimator
        ``ExactGradient()``, ``CD(k, backend)``, ``PCD(k, n_particles, backend)``,
        ``TwoLobe(...)``, ``RAPID(n_patterns, ...)`` (default ``CD(1, "gibbs")``).
        The estimator builds the model (RAPID builds a pattern-built one).
    learning_rate : float
        Step size of the optimizer.
    batch_size : int
        Rows per gradient.
    n_epochs : int
        Passes over the data.
    random_state : None, int or numpy.random.Generator
        Seeds the initial weights, the batch order and the estimator's sampling.
    optimizer : {"sgd", "adam"} or optimizer
        An optimizer by name, or an optimizer object (e.g. ``LangevinSGD``).
    momentum : float
        Momentum of the "sgd" optimizer.
    beta : float
        Inverse temperature of the model's Boltzmann distribution.
    warm_start : bool
        When True and the estimator is fitted (or was :meth:`load`-ed),
        :meth:`fit` continues from the current state until ``n_epochs``
        epochs have run in total; with the same ``random_state`` and data the
        result equals an uninterrupted run.  When False, :meth:`fit` starts
        afresh.
    progress : bool
        Show a tqdm bar with the current epoch (and the callback's metrics).
    binarize : float or None
        None (default): ``X`` must be binary, in {0, 1} or {−1, +1}, and
        anything else is refused.  A number: features above it become +1
        (1), the others −1 (0), so real data such as pixel intensities in
        [0, 1] (``binarize=0.5``) are accepted; any value in [0, 1) leaves
        binary data unchanged.  (scikit-learn's ``BernoulliNB`` has the same
        option.)
    dtype : {"float64", "float32"}
        Precision of the parameters and of every training array.  float32
        halves memory traffic and BLAS time; the Gibbs engines already run in
        float32, and gradients of ±1 statistics lose nothing at float32's 1e-7
        relative precision for learning rates above ~1e-6.  RBMs only.

    Attributes
    ----------
    model_ : RBM or PatternRBM
        The trained model (set by :meth:`fit`).
    estimator_ : BoltzmannEstimator
        The gradient estimator that trained the model: ``estimator`` itself
        (its persistent chains carry on with a warm start), or the default.
    n_features_in_ : int
        Number of features seen by :meth:`fit`.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it had them.
    history_ : list of dict
        What the fit callback returned, per epoch.

    Notes
    -----
    The mini-batch estimators average their statistics over the rows of a
    batch, so ``fit`` takes no ``sample_weight``: repeat rows to weight them.
    ``transform`` gives one feature per hidden unit (``get_feature_names_out``:
    ``boltzmannrbm0``, ...), and ``set_output(transform="pandas")`` works.

    Examples
    --------
    >>> from isingbridge.trainers import BoltzmannRBM
    >>> rbm = BoltzmannRBM(n_hidden=3, binarize=0.5, n_epochs=1, random_state=0).fit([[0.1, 0.9], [0.8, 0.2]])
    >>> rbm.get_feature_names_out().tolist()
    ['boltzmannrbm0', 'boltzmannrbm1', 'boltzmannrbm2']
    """

    _label = "RBM"

    def __init__(self, n_hidden: int = 16, *, estimator: BoltzmannEstimator | None = None, learning_rate: float = 0.05,
                 batch_size: int = 10, n_epochs: int = 10, optimizer: str = "sgd", momentum: float = 0.0,
                 beta: float = 1.0, random_state: Any = None, warm_start: bool = False, progress: bool = False,
                 dtype: str = "float64", binarize: float | None = None):
        self._set_common(n_hidden, estimator, learning_rate, batch_size, n_epochs, optimizer, momentum, beta,
                         random_state, warm_start, progress, dtype, binarize)

    @property
    def _n_features_out(self) -> int:
        """Features ``transform`` gives: one per hidden unit."""
        return self._fitted().n_hidden

    def partial_fit(self, X: Any, y: Any = None) -> BoltzmannRBM:
        """One epoch over ``X`` in mini-batches (``y`` is ignored: the data is the target)."""
        self._check_params()
        fresh = not hasattr(self, "model_")
        X = self._visible(X, reset=fresh, dtype=self._check_dtype())
        if fresh:
            self._initialise(X.shape[1])
        self._epoch(X)
        return self

    def fit(self, X: Any, y: Any = None, *, checkpoint: str | Path | None = None,
            callback=None) -> BoltzmannRBM:
        """Train for ``n_epochs`` epochs (continuing a fitted model when ``warm_start`` is True).

        Parameters
        ----------
        checkpoint : path, optional
            :meth:`save` the full training state after every epoch.
        callback : callable(estimator, epoch) -> dict or None, optional
            Called after every epoch; a returned dict of metrics is shown on the
            progress bar and kept in ``history_``.
        """
        self._check_params()
        X = self._visible(X, reset=not self._warm("model_"), dtype=self._check_dtype())
        self._train(X, checkpoint, callback)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Hidden-unit means ⟨h | v⟩ in [−1, 1] (features for a downstream classifier)."""
        model = self._fitted()
        return model.hidden_mean(self._visible(X, reset=False))

    def reconstruct(self, X: Any, known_mask: Any, *, n_sweeps: int = 10, backend: Any = "gibbs",
                    seed: Any = None) -> np.ndarray:
        """Fill in the unknown pixels of each row by Gibbs sampling with the known ones clamped.

        Parameters
        ----------
        X : array (rows × features) in {0, 1} or ±1 (unknown entries may hold anything binary)
        known_mask : bool array, (features,) or like X
            True where the pixel is given.
        n_sweeps : int
            Sweeps of ``backend`` (v | h, then h | v), the hidden units started from their conditional given the
            known pixels (unknown ones at 0).
        backend : str, Backend or dimod.Sampler
            Who samples (default "gibbs"); rows with the same known pixels are one batched clamp.

        Returns
        -------
        {0, 1} array like X: the known pixels as given, the rest the chain's last state.
        """
        model = self._fitted()
        V = self._visible(X, reset=False)
        mask = check_known_mask(known_mask, V.shape)
        states = reconstruct(model, V, mask, check_positive_int(n_sweeps, "n_sweeps"), rng=as_rng(seed),
                             backend=backend)
        return ((states + 1) // 2).astype(np.uint8)

    def score_samples(self, X: Any, *, method: str = "auto", **ais_options: Any) -> np.ndarray:
        """log p(v) per row: log Z exact (≤ 24 visible units) or by AIS (``method="ais"``, any size).

        ``method="auto"`` picks exact when it can; ``ais_options`` go to
        :meth:`RBM.ais_log_partition` (``n_chains``, ``n_steps``, ``seed``).
        """
        model = self._fitted()
        V = self._visible(X, reset=False)
        check_choice(method, "method", ("auto", "exact", "ais"))
        if method == "ais" or (method == "auto" and model.n_visible > MAX_EXACT_VISIBLE):
            log_z, _ = model.ais_log_partition(**ais_options)
        else:
            log_z = model.log_partition()
        return -model.beta * model.free_energy(V) - log_z

    def sample(self, n: int, *, backend: Any = "gibbs", seed: Any = None, **options: Any) -> np.ndarray:
        """``n`` visible samples in {0, 1} from the model, drawn by ``backend``."""
        model = self._fitted()
        n = check_positive_int(n, "n")
        bqm = model.to_bqm()
        sampleset = get(backend).sample(bqm, beta=model.beta, num_reads=n, seed=seed, **options)
        columns = [sampleset.variables.index(("v", i)) for i in range(model.n_visible)]
        return ((sampleset.record.sample[:, columns] + 1) // 2).astype(np.int8)


class BoltzmannClassifier(ClassifierMixin, _Trainer):
    """A classification RBM: features, label units and hidden units, with exact class probabilities.

    ``predict_proba`` is exact: p(k | x) ∝ exp(−β F(x, e_k)) with the hidden
    units summed analytically and the label layer restricted to the K one-hot
    patterns.  Any estimator trains it: ``Discriminative()`` (default; the
    exact gradient of −log p(y | x)), ``TwoLobe(...)`` (the dissipative
    classifier of Lobanov 2023 §4: features driven, labels and hidden units
    sampled), or the generative ``CD``/``PCD``/``ExactGradient`` on the joint
    p(x, y).

    Parameters
    ----------
    n_hidden : int, default 200
        Number of hidden units.
    estimator : BoltzmannEstimator, optional
        The gradient estimator (default ``Discriminative()``).
    learning_rate, batch_size, n_epochs, optimizer, momentum, beta, random_state, warm_start, progress, dtype, binarize
        As for :class:`BoltzmannRBM`.

    Attributes
    ----------
    classes_ : ndarray
        The class labels seen by :meth:`fit`, in the order of ``predict_proba``'s columns.
    model_ : ClassificationRBM
        The trained model.
    estimator_ : BoltzmannEstimator
        The gradient estimator that trained it.

    Examples
    --------
    >>> import numpy as np
    >>> from isingbridge.trainers import BoltzmannClassifier
    >>> X = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]] * 5)
    >>> y = np.array(["a", "a", "b", "b"] * 5)
    >>> clf = BoltzmannClassifier(8, learning_rate=0.1, n_epochs=20, random_state=0).fit(X, y)
    >>> clf.predict([[1, 1, 1, 0], [0, 0, 1, 0]]).tolist(), clf.score(X, y)
    (['a', 'b'], 1.0)
    """

    _label = "classifier"

    def __init__(self, n_hidden: int = 200, *, estimator: BoltzmannEstimator | None = None,
                 learning_rate: float = 0.05, batch_size: int = 10, n_epochs: int = 10, optimizer: str = "sgd",
                 momentum: float = 0.0, beta: float = 1.0, random_state: Any = None, warm_start: bool = False,
                 progress: bool = False, dtype: str = "float64", binarize: float | None = None):
        self._set_common(n_hidden, estimator, learning_rate, batch_size, n_epochs, optimizer, momentum, beta,
                         random_state, warm_start, progress, dtype, binarize)

    def _default_estimator(self) -> BoltzmannEstimator:
        return Discriminative()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = self.binarize is not None  # thresholded features keep one bit each
        return tags

    def _new_model(self, width: int) -> ClassificationRBM:
        return ClassificationRBM.random(width, self.n_hidden, scale=0.01, seed=self.rng_, beta=self.beta,
                                        n_classes=len(self.classes_))

    def _rows(self, X: Any, y: Any, *, fitting: bool) -> np.ndarray:
        X = self._visible(X, reset=fitting)
        y = check_y(self, X, y)
        if fitting:
            self.classes_ = check_classes(y)
        index = self._class_index(y)
        return np.hstack([X, 2.0 * np.eye(len(self.classes_))[index] - 1.0])

    def _class_index(self, y: np.ndarray) -> np.ndarray:
        index = np.clip(np.searchsorted(self.classes_, y), 0, len(self.classes_) - 1)
        unseen = self.classes_[index] != y
        if np.any(unseen):
            raise ValueError(f"labels not seen in fit: {np.unique(y[unseen]).tolist()[:5]}; the classes are "
                             f"{self.classes_.tolist()}")
        return index

    def fit(self, X: Any, y: Any, *, checkpoint: str | Path | None = None,
            callback=None) -> BoltzmannClassifier:
        """Train for ``n_epochs`` epochs.

        ``warm_start``, ``checkpoint`` and ``callback`` work as in :meth:`BoltzmannRBM.fit`.
        """
        self._check_params()
        rows = self._rows(X, y, fitting=not self._warm("model_"))
        self._train(rows, checkpoint, callback)
        return self

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Exact log p(class | x), columns in ``classes_`` order."""
        model = self._fitted()
        X = self._visible(X, reset=False)
        return np.vstack([model.predict_log_proba(X[i:i + 1024]) for i in range(0, X.shape[0], 1024)])

    def predict_proba(self, X: Any) -> np.ndarray:
        """Exact p(class | x), columns in ``classes_`` order."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        log_proba = self.predict_log_proba(X)
        return self.classes_[np.argmax(log_proba, axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Mean accuracy, weighted by ``sample_weight`` when given (labels must be among those seen in fit)."""
        self._fitted()
        predicted = self.predict(X)
        y = check_labels(y, predicted.shape[0])
        self._class_index(y)
        return float(accuracy_score(y, predicted, sample_weight=sample_weight))
