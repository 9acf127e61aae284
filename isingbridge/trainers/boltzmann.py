"""scikit-learn-shaped Boltzmann machine estimators.

>>> import numpy as np
>>> from isingbridge.trainers import BoltzmannRBM, ExactGradient
>>> X = np.array([[1, 1, 0, 0], [0, 0, 1, 1]] * 8)
>>> rbm = BoltzmannRBM(n_hidden=2, estimator=ExactGradient(), learning_rate=0.1, n_epochs=200, seed=0).fit(X)
>>> bool(rbm.score_samples(X).mean() > np.log(0.3))     # most mass on the two patterns
True
"""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from isingbridge.backends import get
from isingbridge.backends.base import check_positive_int
from isingbridge.trainers.estimators import CD, GradientEstimator
from isingbridge.trainers.optim import SGD, Adam
from isingbridge.trainers.rbm import MAX_EXACT_VISIBLE, RBM

__all__ = ["BoltzmannRBM", "to_spins"]

_FORMAT = "isingbridge.BoltzmannRBM/1"


def to_spins(X: Any, width: int | None = None) -> np.ndarray:
    """Data in {0, 1} or {−1, +1} as ±1 spins (float rows), with clear errors otherwise."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"data must be a 2-D array (samples × features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        row, column = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"data contain NaN or infinity (row {row}, column {column})")
    if width is not None and X.shape[1] != width:
        raise ValueError(f"data have {X.shape[1]} features; the model was fitted with {width}")
    values = set(np.unique(X).tolist())
    if values <= {0.0, 1.0}:
        return 2.0 * X - 1.0
    if values <= {-1.0, 1.0}:
        return X
    raise ValueError(f"data must be binary, in {{0, 1}} or {{-1, +1}}; found values {sorted(values)[:6]}")


class BoltzmannRBM:
    """A restricted Boltzmann machine trained with any gradient estimator and backend.

    Parameters
    ----------
    n_hidden : int
    estimator : GradientEstimator
        ``ExactGradient()``, ``CD(k, backend)``, ``PCD(k, n_particles, backend)``
        (default ``CD(1, "gibbs")``).
    learning_rate, batch_size, n_epochs, seed : the usual
    optimizer : {"sgd", "adam"} or an optimizer object (e.g. ``LangevinSGD``)
    momentum : float (SGD only)
    beta : float
        Inverse temperature of the model's Boltzmann distribution.
    progress : bool
        Show a tqdm bar with the current epoch.

    Attributes (after fit)
    ----------------------
    model_ : RBM
    n_features_in_ : int
    """

    def __init__(self, n_hidden: int = 16, *, estimator: GradientEstimator | None = None, learning_rate: float = 0.05,
                 batch_size: int = 10, n_epochs: int = 10, optimizer: str = "sgd", momentum: float = 0.0,
                 beta: float = 1.0, seed: Any = None, progress: bool = False):
        self.n_hidden = n_hidden
        self.estimator = estimator
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.optimizer = optimizer
        self.momentum = momentum
        self.beta = beta
        self.seed = seed
        self.progress = progress

    def _initialise(self, width: int) -> None:
        check_positive_int(self.n_hidden, "n_hidden")
        check_positive_int(self.batch_size, "batch_size")
        self.rng_ = np.random.default_rng(self.seed)
        self.model_ = RBM.random(width, self.n_hidden, scale=0.01, seed=self.rng_, beta=self.beta)
        self.estimator_ = self.estimator if self.estimator is not None else CD(1, "gibbs")
        self.estimator_.reset()
        if self.optimizer == "sgd":
            self.optimizer_ = SGD(self.learning_rate, self.momentum)
        elif self.optimizer == "adam":
            self.optimizer_ = Adam(self.learning_rate)
        elif hasattr(self.optimizer, "step"):
            self.optimizer_ = self.optimizer
        else:
            raise ValueError(f"optimizer must be 'sgd', 'adam' or an optimizer object with step(), got {self.optimizer!r}")
        self.n_features_in_ = width
        self.epochs_done_ = 0

    def partial_fit(self, X: Any) -> "BoltzmannRBM":
        """One epoch over ``X`` in mini-batches."""
        if not hasattr(self, "model_"):
            X = to_spins(X)
            self._initialise(X.shape[1])
        else:
            X = to_spins(X, self.n_features_in_)
        order = self.rng_.permutation(X.shape[0])
        for start in range(0, X.shape[0], self.batch_size):
            batch = X[order[start:start + self.batch_size]]
            gradient = self.estimator_.gradient(self.model_, batch, self.rng_)
            self.optimizer_.step(self.model_.parameters(), gradient)
        self.epochs_done_ += 1
        return self

    def fit(self, X: Any, y: Any = None, *, resume: bool = False, checkpoint: str | Path | None = None) -> "BoltzmannRBM":
        """Train for ``n_epochs`` epochs.

        Parameters
        ----------
        resume : bool
            Continue a fitted (or :meth:`load`-ed) model up to ``n_epochs`` in
            total instead of starting over; with the same seed the result equals
            an uninterrupted run.
        checkpoint : path, optional
            :meth:`save` the full training state after every epoch.
        """
        X = to_spins(X)
        total = check_positive_int(self.n_epochs, "n_epochs")
        if not (resume and hasattr(self, "model_")):
            self._initialise(X.shape[1])
        progress = tqdm(range(self.epochs_done_, total), desc="RBM", disable=not self.progress)
        for _ in progress:
            self.partial_fit(X)
            if checkpoint is not None:
                self.save(checkpoint)
        return self

    def save(self, path: str | Path) -> None:
        """Write the whole training state (model, optimizer, persistent chains, random state)."""
        with open(path, "wb") as handle:
            pickle.dump({"format": _FORMAT, "state": self}, handle)

    @classmethod
    def load(cls, path: str | Path) -> "BoltzmannRBM":
        """Read a state written by :meth:`save`; continue with ``fit(X, resume=True)``."""
        with open(path, "rb") as handle:
            data = pickle.load(handle)  # noqa: S301 - the user's own checkpoint
        if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("state"), cls):
            raise ValueError(f"{path} is not a BoltzmannRBM checkpoint written by save()")
        return data["state"]

    def _fitted(self) -> RBM:
        if not hasattr(self, "model_"):
            raise RuntimeError("this BoltzmannRBM is not fitted yet; call fit(X) first")
        return self.model_

    def transform(self, X: Any) -> np.ndarray:
        """Hidden-unit means ⟨h | v⟩ in [−1, 1] (features for a downstream classifier)."""
        model = self._fitted()
        return model.hidden_mean(to_spins(X, self.n_features_in_))

    def score_samples(self, X: Any, *, method: str = "auto", **ais_options: Any) -> np.ndarray:
        """log p(v) per row: log Z exact (≤ 24 visible units) or by AIS (``method="ais"``, any size).

        ``method="auto"`` picks exact when it can; ``ais_options`` go to
        :meth:`RBM.ais_log_partition` (``n_chains``, ``n_steps``, ``seed``).
        """
        model = self._fitted()
        V = to_spins(X, self.n_features_in_)
        if method not in ("auto", "exact", "ais"):
            raise ValueError(f"method must be 'auto', 'exact' or 'ais', got {method!r}")
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
