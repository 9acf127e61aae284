"""What every trainer shares: the epoch loop (progress, callbacks, history), warm starts and save/load of its state."""
from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError
from tqdm.auto import tqdm

from isingbridge.cores import CoreBudget
from isingbridge.persistence import load_state, save_state
from isingbridge.validation import check_bool, check_positive_int

__all__ = ["Checkpointing", "check_classes"]


def check_classes(y: np.ndarray) -> np.ndarray:
    """The sorted distinct labels of y, refusing fewer than two."""
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"a classifier needs at least 2 classes in y; y has {len(classes)} class: "
                         f"{classes.tolist()}")
    return classes


class Checkpointing:
    """``save(path)`` / ``Class.load(path)`` for an estimator, and the epoch loop that saves after every epoch.

    The state (hyper-parameters, model, optimizer, estimator state such as
    persistent chains, random generators' bit-generator state, history) goes
    to one ``.npz`` of plain arrays and a JSON header, written atomically with
    ``allow_pickle=False`` (:mod:`isingbridge.persistence`); loading never
    runs code from the file.  Backends are stored as their built-in name and
    options; one wrapping a third-party dimod sampler is given back at load
    time: ``Class.load(path, backend=sampler)``.  To continue training a
    loaded (or fitted) estimator, turn on ``warm_start``:
    ``Class.load(path).set_params(warm_start=True).fit(X, ...)`` runs the
    epochs that remain up to ``n_epochs`` in total, and with the same data
    gives the state an uninterrupted run would have reached.

    Trainers keep ``n_epochs``, ``warm_start``, ``progress``, ``epochs_done_`` and ``history_``.
    """

    _transient = ("_cores",)  # measures this process's CPU use: never saved
    # set by the trainer's __init__ (parameters) and fit (fitted state); declared here for the type checker only
    n_epochs: int
    warm_start: bool
    progress: bool
    epochs_done_: int
    history_: list[dict]

    def _step_threads(self) -> contextlib.AbstractContextManager:
        """The context for one training step: BLAS at the cores other processes leave free.

        A step's matrix products are small; with more BLAS threads than free
        cores they spend most of their time waiting for each other
        (:mod:`isingbridge.cores`).
        """
        if getattr(self, "_cores", None) is None:
            self._cores = CoreBudget()
        return self._cores.limit()

    def _warm(self, attribute: str) -> bool:
        """Whether ``fit`` continues from the current state: ``warm_start`` is on and ``fit`` (or
        :meth:`load`) has set ``attribute``; otherwise it starts afresh."""
        return check_bool(self.warm_start, "warm_start") and hasattr(self, attribute)

    def _check_fitted(self, attribute: str) -> None:
        """Raise the "not fitted" error unless ``fit`` has set ``attribute``."""
        if not hasattr(self, attribute):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def _run_epochs(self, one_epoch: Callable[[], float | None], label: str, checkpoint, callback) -> None:
        """Call ``one_epoch`` (which advances ``epochs_done_`` and may return a cost) up to ``n_epochs``.

        Each epoch's cost and whatever dict ``callback(self, epoch)`` returns go
        into ``history_`` (when there is either) and onto the progress bar; the
        state is saved to ``checkpoint`` after every epoch.
        """
        bar = tqdm(range(self.epochs_done_, check_positive_int(self.n_epochs, "n_epochs")), desc=label,
                   disable=not self.progress)
        for _ in bar:
            cost = one_epoch()
            record = {} if cost is None else {"cost": cost}
            metrics = callback(self, self.epochs_done_) if callback is not None else None
            if isinstance(metrics, dict):
                record.update(metrics)
            if record:
                self.history_.append({"epoch": self.epochs_done_, **record})
                bar.set_postfix({k: f"{v:.4f}" if isinstance(v, float) else v for k, v in record.items()})
            if checkpoint is not None:
                self.save(checkpoint)

    def save(self, path: str | Path) -> None:
        """Write the whole training state (model, optimizer, persistent chains, random state) to ``path``.

        One ``.npz`` archive (the name is used as given), replaced atomically:
        a crash mid-write leaves the previous checkpoint intact.
        """
        save_state(self, path)

    @classmethod
    def load(cls, path: str | Path, *, backend: Any = None):
        """Read a state written by :meth:`save`; continue with ``set_params(warm_start=True).fit(...)``.

        ``backend`` (a dimod sampler or Backend) is needed only for a state
        saved with a backend wrapping a third-party sampler, which cannot be
        stored.  A pickle, a damaged file, another format or another class
        raise a ``ValueError`` naming the file; nothing in the file is executed.
        """
        return load_state(path, cls, backend=backend)
