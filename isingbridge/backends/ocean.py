"""Ocean's conventions that every backend follows: parameter descriptions and warnings that point at the caller.

Ocean tools read a sampler's ``properties["parameters"]`` as one line of
text per parameter (:func:`docstring_parameters` takes it from numpy-style
docstrings), and Ocean samplers warn about what they ignore at the user's
line, not deep inside a composite (:func:`stacklevel_outside`).  See
``docs/guide/ocean.md``.
"""
from __future__ import annotations

import inspect
import os
import re
import sys
from typing import Any

import dimod

__all__ = ["docstring_parameters", "stacklevel_outside"]


def docstring_parameters(doc: str) -> dict[str, str]:
    """``{name: "type: first sentence"}`` for every ``name : type`` entry of a numpy-style docstring.

    >>> docstring_parameters('''Sampler.
    ...
    ...     num_sweeps : int
    ...         Sweeps per read (default 1000). Raise it for cold models.
    ...     ''')
    {'num_sweeps': 'int: Sweeps per read (default 1000).'}
    """
    found: dict[str, str] = {}
    lines = inspect.cleandoc(doc).splitlines() + [""]
    for i, line in enumerate(lines):
        matches = [re.fullmatch(r"(\w+(?:, \w+)*) : (.+)", entry) for entry in _entries(line)]
        entries = [match for match in matches if match is not None]
        if not entries or len(entries) < len(matches):
            continue
        description = " ".join(text.strip() for text in _indented_block(lines[i + 1:]))
        sentence = re.split(r"(?<=\.)\s", description, maxsplit=1)[0]
        for entry in entries:
            for name in entry.group(1).split(", "):
                found.setdefault(name, f"{entry.group(2)}: {sentence}" if sentence else entry.group(2))
    return found


def _entries(line: str) -> list[str]:
    """``"a, b : int, c : float"`` → ``["a, b : int", "c : float"]`` (several entries on one docstring line)."""
    entries: list[str] = []
    pending = ""
    for part in re.split(r", (?=\w+ : )", line):
        if " : " in part:
            entries.append(pending + part)
            pending = ""
        else:
            pending += part + ", "
    return entries if not pending else [line]


def _indented_block(lines: list[str]) -> list[str]:
    """The leading lines of ``lines`` that are indented (an entry's description)."""
    block = []
    for line in lines:
        if not line.startswith((" ", "\t")):
            break
        block.append(line)
    return block


def _library_paths() -> tuple[str, ...]:
    """Source folders of this library, dimod and dwave (frames a warning should point past)."""
    paths = [os.path.dirname(os.path.dirname(__file__)), os.path.dirname(dimod.__file__)]
    dwave = sys.modules.get("dwave")
    paths += list(getattr(dwave, "__path__", []))
    return tuple(os.path.join(path, "") for path in paths)


def stacklevel_outside() -> int:
    """The ``stacklevel`` for ``warnings.warn`` in the caller that names the first frame outside the libraries.

    So a warning raised deep in a call points at the user's line, whether the
    call came straight, through ``sample_ising`` or through an Ocean composite.
    """
    prefixes = _library_paths()
    frame: Any = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(prefixes):
        frame, level = frame.f_back, level + 1
    return level
