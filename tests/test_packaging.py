"""Packaging: one version, a license, type information, declared dependencies that the code uses, quiet imports."""
from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import isingbridge

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]

# distribution name → the module the library imports it as
MODULE_OF = {"dwave-samplers": "dwave.samplers", "qiskit-aer": "qiskit_aer", "scikit-learn": "sklearn",
             "dwave-system": "dwave.system", "cupy-cuda12x": "cupy"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]


def _library_source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "isingbridge").rglob("*.py"))


def test_the_version_is_written_once_and_read_by_the_build():
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "isingbridge.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc)?\d*", isingbridge.__version__)
    assert importlib.metadata.version("isingbridge") == isingbridge.__version__


def test_the_license_file_is_the_apache_license_the_metadata_declares():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PROJECT["license"] == "Apache-2.0" and PROJECT["license-files"] == ["LICENSE"]
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    for section in range(1, 10):
        assert re.search(rf"^\s+{section}\. [A-Z]", text, re.MULTILINE), f"section {section} missing"


def test_type_information_ships_with_the_package():
    assert (ROOT / "isingbridge" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["isingbridge"]
    assert "Typing :: Typed" in PROJECT["classifiers"]


def test_every_dependency_is_imported_by_the_library():
    source = _library_source()
    for requirement in PROJECT["dependencies"]:
        module = MODULE_OF.get(_name(requirement), _name(requirement))
        assert re.search(rf"^\s*(import|from) {re.escape(module)}\b", source, re.MULTILINE), \
            f"{requirement} is declared but isingbridge never imports {module}"


def test_all_holds_every_extra_that_installs_everywhere():
    extras = PROJECT["optional-dependencies"]
    (everything,) = extras["all"]
    named = set(everything.partition("[")[2].rstrip("]").split(","))
    # gpu: one CUDA major, no macOS wheels; test, lint and docs are for working on the library itself
    assert named == set(extras) - {"all", "gpu", "test", "lint", "docs"}


def test_importing_the_library_leaves_the_environment_alone():
    code = ("import json, os; before = dict(os.environ); import isingbridge, isingbridge.backends; "
            "print(json.dumps(dict(os.environ) == before))")
    env = {key: value for key, value in os.environ.items() if key != "OMP_WAIT_POLICY"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) is True


def test_sampling_starts_passive_openmp_threads_without_touching_the_environment():
    code = ("import json, os, dimod, isingbridge; from isingbridge.cores import start_threads; "
            "isingbridge.get('gibbs').sample(dimod.BQM({0: 0.1}, {(0, 1): -1.0}, 0.0, 'SPIN'), num_reads=4, seed=0); "
            "print(json.dumps(['OMP_WAIT_POLICY' in os.environ, start_threads()]))")
    env = {key: value for key, value in os.environ.items() if key != "OMP_WAIT_POLICY"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, False]  # the pool already ran
