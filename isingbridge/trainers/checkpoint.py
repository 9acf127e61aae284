"""What every trainer shares: the epoch loop (progress, callbacks, history) and save/resume of its whole state."""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Callable

import numpy as np
from tqdm.auto import tqdm

from isingbridge.backends.base import check_positive_int

__all__ = ["Checkpointing", "check_classes"]


def check_classes(y: np.ndarray) -> np.ndarray:
    """The sorted distinct labels of y, refusing fewer than two."""
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"a classifier needs at least 2 classes in y, found {classes.tolist()}")
    return classes


class Checkpointing:
    """``save(path)`` / ``Class.load(path)`` for an estimator (one pickle, tagged with the class name), and the
    epoch loop that saves after every epoch.

    Trainers keep ``n_epochs``, ``progress``, ``epochs_done_`` and ``history_``.
    """

    def _check_fitted(self, attribute: str) -> None:
        """Raise the "not fitted" error unless ``fit`` has set ``attribute``."""
        if not hasattr(self, attribute):
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit first")

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
        """Write the whole training state (model, optimizer, persistent chains, random state)."""
        with open(path, "wb") as handle:
            pickle.dump({"format": f"isingbridge.{type(self).__name__}/1", "state": self}, handle)

    @classmethod
    def load(cls, path: str | Path):
        """Read a state written by :meth:`save`; continue with ``fit(..., resume=True)``."""
        with open(path, "rb") as handle:
            data = pickle.load(handle)  # noqa: S301 - the user's own checkpoint
        if not isinstance(data, dict) or data.get("format") != f"isingbridge.{cls.__name__}/1" \
                or not isinstance(data.get("state"), cls):
            raise ValueError(f"{path} is not a {cls.__name__} checkpoint written by save()")
        return data["state"]
