"""Atomic file writes: a file the library writes is either the old one or the complete new one, never half.

Every writer goes through :func:`atomic_write`: the bytes go to a temporary
file in the destination's folder (so the final rename stays on one file
system), are flushed and fsync-ed, and ``os.replace`` puts them in place; the
folder is fsync-ed too so the rename itself survives a crash.  A process
killed at any moment leaves the previous file intact; the temporary file it
was writing (``.NAME.*.tmp``) is removed by a later write of the same name once
it is a minute old (a younger one may belong to a writer still at work).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write_text(folder / "note.txt", "hello")
>>> (folder / "note.txt").read_text()
'hello'
"""
from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text", "atomic_savefig", "check_writable"]


def check_writable(path: str | os.PathLike, name: str = "path") -> Path:
    """``path`` as a Path whose folder exists and which is not a folder itself, or a clear ``ValueError``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path, got {type(path).__name__}")
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"{name} {str(target)!r} is a folder; give a file name")
    if not target.parent.is_dir():
        raise ValueError(f"cannot write {str(target)!r}: its folder {str(target.parent)!r} does not exist")
    return target


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; on a clean exit it replaces ``path`` atomically.

    On an exception the temporary file is removed and ``path`` is untouched.
    A symbolic link is written through (its target is replaced), the new file
    keeps the permissions of the one it replaces (or the umask's, for a new
    file), and a target that is not a regular file (``/dev/stdout``, a named
    pipe) is written directly, since it cannot be replaced.
    """
    target = Path(os.path.realpath(check_writable(path)))
    encoding = None if "b" in mode else "utf-8"
    if target.exists() and not target.is_file():
        with open(target, mode, encoding=encoding) as handle:
            yield handle
        return
    _remove_stale_temporaries(target.parent, target.name)
    handle = tempfile.NamedTemporaryFile(mode, dir=target.parent, prefix=f".{target.name}.", suffix=".tmp",
                                         delete=False, encoding=encoding)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), _permissions(target))
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
    _sync_folder(target.parent)


def _permissions(target: Path) -> int:
    """The mode bits of the file being replaced, or what a new file gets under the current umask."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux), else set and restored."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _remove_stale_temporaries(folder: Path, name: str, age_seconds: float = 60.0) -> None:
    """Delete temporary files of ``name`` left by writers killed more than ``age_seconds`` ago."""
    now = time.time()
    for stray in folder.glob(f".{glob.escape(name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - stray.stat().st_mtime > age_seconds:
                stray.unlink()


def _sync_folder(folder: Path) -> None:
    """fsync the folder so the rename is durable (not possible on every platform; harmless where not)."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path, "wb") as handle:
        handle.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_write(path, "w") as handle:
        handle.write(text)


def atomic_savefig(figure: Any, path: str | os.PathLike, **options: Any) -> None:
    """``figure.savefig`` to ``path`` atomically (the format comes from the suffix, as matplotlib's does)."""
    target = Path(path)
    options.setdefault("format", target.suffix.lstrip(".") or None)
    with atomic_write(target, "wb") as handle:
        figure.savefig(handle, **options)
