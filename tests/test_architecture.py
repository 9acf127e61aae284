"""The layers of docs/guide/architecture.md, checked on every module's imports (read with ast, nothing imported).

Foundations (validation, files, cores, spins) → IR (ir, quantum) → backends →
models → estimators → fit / circuits → CLI.  A module may import its own layer
and the layers below; trainers reach backends only through the public
contract (``isingbridge.backends`` and ``isingbridge.backends.base``).
"""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "isingbridge"

#: module prefix → layer rank (the longest matching prefix wins)
LAYERS = {
    "isingbridge.validation": 0, "isingbridge.files": 0, "isingbridge.cores": 0, "isingbridge.spins": 0,
    "isingbridge.ir": 1, "isingbridge.quantum": 1,
    "isingbridge.backends": 2, "isingbridge.datasets": 2,
    # files in and out for the layers above: estimator state (fit), trained networks (circuits, CLI); it names
    # the Hopfield activations a file may store and builds circuits' FeedForward, so it sits with fit and circuits
    "isingbridge.persistence": 6,
    "isingbridge.trainers.optim": 3, "isingbridge.trainers.models": 4, "isingbridge.trainers.diagnostics": 5,
    "isingbridge.trainers.estimators": 5, "isingbridge.trainers.fit": 6, "isingbridge.trainers": 7,
    "isingbridge.circuits": 6, "isingbridge.demo": 6,
    "isingbridge.cli": 8, "isingbridge": 9,
}
#: what trainers may import from the backends: the public contract, not a concrete backend or engine
CONTRACT = {"isingbridge.backends", "isingbridge.backends.base"}


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _rank(module: str) -> int:
    prefix = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[prefix]


def _imports(path: pathlib.Path) -> list[tuple[str, int]]:
    """``(module, line)`` of every isingbridge import in the file, at any depth (lazy imports count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("isingbridge"):
            found += [(node.module, node.lineno)]
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names if alias.name.startswith("isingbridge")]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_imports_go_down_the_layers(path):
    here = _module_name(path)
    upward = [f"line {line}: {module}" for module, line in _imports(path)
              if _rank(module) > _rank(here) and not here.startswith(module)]
    assert not upward, f"{here} (layer {_rank(here)}) imports from a higher layer: {upward}"


@pytest.mark.parametrize("path", [p for p in MODULES if "trainers" in p.parts], ids=lambda p: _module_name(p))
def test_trainers_use_only_the_backend_contract(path):
    concrete = [f"line {line}: {module}" for module, line in _imports(path)
                if module.startswith("isingbridge.backends") and module not in CONTRACT]
    assert not concrete, f"{_module_name(path)} reaches past the backend contract: {concrete}"


def test_the_layer_table_covers_every_module():
    assert all(_rank(_module_name(p)) >= 0 for p in MODULES)
    assert _rank("isingbridge.trainers.models.rbm") < _rank("isingbridge.trainers.estimators.boltzmann") \
        < _rank("isingbridge.trainers.fit.boltzmann")
