"""Save and resume a whole training state (model, optimizer, persistent chains, random state)."""
from __future__ import annotations

import pickle
from pathlib import Path

__all__ = ["Checkpointing"]


class Checkpointing:
    """``save(path)`` / ``Class.load(path)`` for an estimator: one pickle, tagged with the class name."""

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
