"""Saving and loading an estimator's whole state without pickle.

:func:`save_state` writes one ``.npz`` archive (``numpy.savez`` with
``allow_pickle=False``, through :func:`isingbridge.files.atomic_write`, so a
crash leaves the previous file intact) holding plain arrays ``a0``, ``a1``, ...
and a header ``__header__``: a uint8 array of UTF-8 JSON ::

    {"format": "isingbridge-state", "version": 1, "library": "0.1.0",
     "class": "isingbridge.trainers.boltzmann:BoltzmannRBM", "tree": <node>}

The tree describes the object generically (no per-class code):

* ``None``, booleans, integers (any size), strings and finite floats as
  themselves; ``{"$float": "nan" | "inf" | "-inf"}`` for the others;
* ``{"$list": [...]}``, ``{"$tuple": [...]}``, ``{"$dict": [[key, value], ...]}``
  (keys are nodes too, so tuple or integer keys survive);
* ``{"$array": "a3"}`` and ``{"$scalar": "a4"}`` (a 0-d entry) for numpy
  arrays and scalars (object arrays are refused), ``{"$dtype": "float32"}``
  and ``{"$numpy_type": "float32"}`` for dtypes and scalar types;
* ``{"$rng": "PCG64", "state": <node>}`` for a ``numpy.random.Generator``
  (its bit generator's exact state) and ``{"$seed_sequence": <node>}``;
* ``{"$bqm": <node>}``: a ``dimod.BinaryQuadraticModel`` as vartype, labels,
  numpy vectors and offset;
* ``{"$backend": "gibbs", "options": <node>}``: a built-in backend as its name
  and constructor options (never its compile cache or engines);
  ``{"$sampler": "<class>", "options": <node>}``: a backend wrapping a
  third-party sampler, which cannot be stored (only its ``beta_eff`` is);
  ``load_state(..., backend=...)`` supplies it again;
* ``{"$object": "module:qualname", "state": <node>}``: an instance of a class
  of the isingbridge package, as its ``__dict__`` less the attributes its
  class names in ``_transient`` (caches it rebuilds on use);
* ``{"$function": "module:qualname"}`` (one of the activation functions of
  :data:`isingbridge.trainers.models.hopfield.ACTIVATIONS`) and
  ``{"$ufunc": "tanh"}`` (a numpy ufunc);
* ``{"$ref": n}``: the object that carried ``"$id": n`` earlier, so shared
  objects stay shared (an estimator passed in and the fitted ``estimator_``,
  a ``random_state`` Generator and ``rng_``); an array stored twice is one entry.

Loading never executes code from the file: the archive is read with
``allow_pickle=False`` and must be uncompressed (as ``save_state`` writes it;
a compressed member could unpack to more than memory holds), only classes
and activation functions defined in the isingbridge package are looked up
(by name), instances are rebuilt by ``cls.__new__(cls)`` and their ``__dict__``
set (no ``__init__``, no ``__setstate__``; a state may not set a name the class
defines as a method or property), BQMs and seed sequences are checked before
they are built, and backends are rebuilt by :func:`isingbridge.backends.get`
from their built-in name.
Every problem with a file (a pickle, not an archive, truncated or corrupted,
no or garbled header, a foreign format, a newer version, the wrong class) is a
``ValueError`` that names the file and says what is wrong.

:func:`load_network` reads the trained networks that ``isingbridge compile``
takes, in the same spirit: weights as ``.npz`` (read with
``allow_pickle=False``) or ``.json``, and scikit-learn MLPs saved with
``skops.io.dump`` (``.skops``, loaded with an explicit list of trusted types).

Arrays are stored as independent copies: an array that is a *view* of another
one comes back as its own array (the trainers keep none).

>>> import tempfile, pathlib
>>> from isingbridge.trainers.optim import Adam
>>> path = pathlib.Path(tempfile.mkdtemp()) / "adam.npz"
>>> optimizer = Adam(0.01)
>>> optimizer.m["W"] = np.arange(3.0)
>>> save_state(optimizer, path)
>>> load_state(path, Adam).m["W"]
array([0., 1., 2.])
"""
from __future__ import annotations

import importlib
import inspect
import json
import math
import os
import re
import types
import zipfile
import zlib
from pathlib import Path
from typing import Any, cast

import dimod
import numpy as np

from isingbridge.backends import BUILTIN, Backend, get
from isingbridge.files import atomic_write

__all__ = ["save_state", "load_state", "load_network", "read_npz_arrays", "FORMAT_NAME", "FORMAT_VERSION", "NETWORK_FORMATS",
           "SKOPS_TRUSTED"]

#: The ``format`` field of the header.
FORMAT_NAME = "isingbridge-state"
#: The newest format version this code writes and reads.
FORMAT_VERSION = 1

#: The network files :func:`load_network` reads.
NETWORK_FORMATS = ('.npz (arrays W1, b1, W2, b2, ..., W shaped (n_out, n_in)), .json ({"layers": [{"W": [[...]], '
                   '"b": [...]}, ...]}, the same shapes) or .skops (a scikit-learn MLP saved with skops.io.dump)')
#: Types a ``.skops`` file may hold beyond skops' own defaults (which cover scikit-learn estimators and numpy):
#: the solvers' state a fitted MLP keeps.
SKOPS_TRUSTED = ("sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
                 "sklearn.neural_network._stochastic_optimizers.SGDOptimizer")

_HEADER = "__header__"
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_MODULE = re.compile(r"isingbridge(\.[a-z][a-z0-9_]*)*")
_QUALNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*")
_STORABLE = ("numbers, strings, None, lists, tuples, dicts, numpy arrays and scalars, numpy random Generators, "
             "dimod BQMs, isingbridge backends and objects of isingbridge classes")


class _Malformed(Exception):
    """The file's tree does not describe a valid state (turned into a ValueError naming the file)."""


def _library_version() -> str:
    import isingbridge

    return str(getattr(isingbridge, "__version__", "unknown"))


def _reference(thing: Any) -> str:
    """``module:qualname`` of a class or function."""
    return f"{thing.__module__}:{thing.__qualname__}"


def _resolve(reference: Any) -> Any:
    """The isingbridge class or function named by ``module:qualname``, refusing every other name.

    Only modules of the isingbridge package are imported; ``<locals>`` and
    private module names never match.
    """
    if not isinstance(reference, str) or reference.count(":") != 1:
        raise _Malformed(f"{reference!r} is not a 'module:name' reference")
    module_name, qualname = reference.split(":")
    if not _MODULE.fullmatch(module_name) or not _QUALNAME.fullmatch(qualname):
        raise _Malformed(f"{reference!r} does not name a class or function of the isingbridge package")
    try:
        found: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        raise _Malformed(f"isingbridge has no {reference!r} (saved by another version?)") from None
    if getattr(found, "__module__", None) != module_name or getattr(found, "__qualname__", None) != qualname:
        raise _Malformed(f"{reference!r} is not defined where it claims to be")
    return found


def _is_isingbridge(thing: Any) -> bool:
    module = getattr(thing, "__module__", None) or ""
    return module == "isingbridge" or module.startswith("isingbridge.")


def _is_plain_class(cls: Any) -> bool:
    """A class whose whole state is its ``__dict__`` (no slots, no builtin container storage, not a backend)."""
    if not isinstance(cls, type) or issubclass(cls, (Backend, BaseException, list, dict, tuple, set, np.ndarray)):
        return False
    return not any(vars(klass).get("__slots__") for klass in cls.__mro__)


class _Encoder:
    """Turns an object into a JSON tree plus named arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._array_names: dict[int, str] = {}
        self._ids: dict[int, int] = {}
        self._alive: list[Any] = []  # keeps temporaries alive so their id() is never reused

    def encode(self, value: Any, path: str) -> Any:
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if math.isfinite(value) else {"$float": repr(value)}
        if isinstance(value, np.ndarray):
            return {"$array": self._array(value, path)}
        if isinstance(value, np.generic):
            return {"$scalar": self._array(np.asarray(value), path)}
        if isinstance(value, np.dtype):
            return {"$dtype": self._dtype_name(value, path)}
        if isinstance(value, type) and issubclass(value, np.generic):
            return {"$numpy_type": self._dtype_name(np.dtype(value), path)}
        if kind is tuple:
            return {"$tuple": [self.encode(item, f"{path}[{i}]") for i, item in enumerate(value)]}
        if id(value) in self._ids:
            return {"$ref": self._ids[id(value)]}
        if isinstance(value, (types.FunctionType, np.ufunc)):
            return self._function(value, path)
        if kind is np.random.SeedSequence:
            return {"$seed_sequence": self.encode(self._seed_sequence_state(value), path)}
        if isinstance(value, dimod.BinaryQuadraticModel):
            return {"$bqm": self.encode(self._bqm_state(value), path)}
        return self._shared(value, path)

    def _shared(self, value: Any, path: str) -> dict:
        """Objects that keep their identity: the first occurrence carries ``$id``, later ones are ``$ref``."""
        number = self._ids[id(value)] = len(self._ids)
        self._alive.append(value)
        kind = type(value)
        node: dict[str, Any]
        if kind is list:
            node = {"$list": [self.encode(item, f"{path}[{i}]") for i, item in enumerate(value)]}
        elif kind is dict:
            node = {"$dict": [[self.encode(k, f"{path} key"), self.encode(v, f"{path}[{k!r}]")] for k, v in value.items()]}
        elif kind is np.random.Generator:
            node = self._generator(value, path)
        elif isinstance(value, Backend):
            node = self._backend(value, path)
        elif _is_isingbridge(kind) and _is_plain_class(kind) and hasattr(value, "__dict__"):
            node = self._object(value, path)
        else:
            raise TypeError(f"cannot save {path}: a {kind.__module__}.{kind.__qualname__} cannot be stored "
                            f"(isingbridge stores {_STORABLE})")
        node["$id"] = number
        return node

    def _array(self, array: np.ndarray, path: str) -> str:
        if type(array) is not np.ndarray and not isinstance(array, np.generic):
            raise TypeError(f"cannot save {path}: a {type(array).__name__} (numpy array subclass) cannot be stored; "
                            "convert it with numpy.asarray")
        if array.dtype.hasobject:
            raise TypeError(f"cannot save {path}: it is an array of Python objects (dtype object), which isingbridge "
                            "never stores; convert it to numbers or strings")
        name = self._array_names.get(id(array))
        if name is None:
            name = self._array_names[id(array)] = f"a{len(self.arrays)}"
            self.arrays[name] = array
            self._alive.append(array)
        return name

    @staticmethod
    def _dtype_name(dtype: np.dtype, path: str) -> str:
        if dtype.hasobject or dtype.fields is not None:
            raise TypeError(f"cannot save {path}: the dtype {dtype} holds Python objects or fields")
        return dtype.str

    def _function(self, function: Any, path: str) -> dict:
        name = function.__name__ if isinstance(function, np.ufunc) else None
        if name is not None and getattr(np, name, None) is function:
            return {"$ufunc": name}
        if function in _storable_functions():
            return {"$function": _reference(function)}
        raise TypeError(f"cannot save {path}: the function {getattr(function, '__qualname__', function)!r} is "
                        "neither one of isingbridge's activation functions nor a numpy ufunc")

    @staticmethod
    def _seed_sequence_state(sequence: np.random.SeedSequence) -> dict:
        return {"entropy": sequence.entropy, "spawn_key": tuple(sequence.spawn_key),
                "pool_size": sequence.pool_size, "n_children_spawned": sequence.n_children_spawned}

    @staticmethod
    def _bqm_state(bqm: dimod.BinaryQuadraticModel) -> dict:
        variables = list(bqm.variables)
        vectors = bqm.to_numpy_vectors(variables)  # dimod types the result as a union with the labelled form
        linear, quadratic, offset = vectors.linear_biases, vectors.quadratic, vectors.offset
        return {"vartype": bqm.vartype.name, "variables": variables, "linear": linear,
                "quadratic": tuple(quadratic), "offset": float(offset)}

    def _generator(self, generator: np.random.Generator, path: str) -> dict:
        name = type(generator.bit_generator).__name__
        if name not in _BIT_GENERATORS:
            raise TypeError(f"cannot save {path}: a Generator on the {name} bit generator cannot be stored "
                            f"(supported: {', '.join(_BIT_GENERATORS)})")
        return {"$rng": name, "state": self.encode(generator.bit_generator.state, f"{path}.bit_generator.state")}

    def _backend(self, backend: Backend, path: str) -> dict:
        name = getattr(type(backend), "name", None)
        if name in BUILTIN and _resolve(BUILTIN[name]) is type(backend):
            return {"$backend": name, "options": self.encode(_constructor_options(backend, path), path)}
        sampler = getattr(backend, "sampler", None)
        described = _reference(type(sampler if sampler is not None else backend))
        adapter = {"beta_eff": getattr(backend, "beta_eff", None)} if sampler is not None else {}
        return {"$sampler": described, "options": self.encode(adapter, f"{path}.beta_eff")}

    def _object(self, value: Any, path: str) -> dict:
        reference = _reference(type(value))
        try:
            if _resolve(reference) is not type(value):
                raise _Malformed(reference)
        except _Malformed:
            raise TypeError(f"cannot save {path}: its class {reference} cannot be found by name (a class defined "
                            "inside a function?)") from None
        transient = getattr(type(value), "_transient", ())  # caches and measurements, rebuilt on use
        state = {key: self.encode(item, f"{path}.{key}") for key, item in vars(value).items() if key not in transient}
        return {"$object": reference, "state": state}


def _constructor_options(backend: Backend, path: str) -> dict:
    """The keyword arguments that rebuild ``backend`` (read back from its attributes).

    A backend that resolves an option when built (the Gibbs backend's
    ``device="auto"`` becomes ``"cpu"`` or ``"cuda"``) keeps what was asked for
    in a ``requested`` dict, so a file written on a GPU machine loads on a CPU one.
    """
    options = {}
    requested = getattr(backend, "requested", {})
    for parameter in inspect.signature(type(backend).__init__).parameters.values():
        if parameter.name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name in requested:
            options[parameter.name] = requested[parameter.name]
        elif parameter.name == "cache_size":
            options["cache_size"] = backend._cache.maxsize
        elif hasattr(backend, parameter.name):
            options[parameter.name] = getattr(backend, parameter.name)
        else:
            raise TypeError(f"cannot save {path}: the {backend.name!r} backend does not keep its option "
                            f"{parameter.name!r}, so it cannot be rebuilt")
    return options


class _Decoder:
    """Rebuilds an object from a tree and the archive's arrays, executing nothing from the file."""

    def __init__(self, archive: Any, backend: Any) -> None:
        self.archive = archive
        self.backend = backend
        self.backend_used = False
        self._arrays: dict[str, np.ndarray] = {}
        self._refs: dict[int, Any] = {}

    def decode(self, node: Any) -> Any:
        if node is None or type(node) in (bool, int, str):
            return node
        if type(node) is float:
            return node
        if type(node) is list:
            raise _Malformed("a bare JSON list where a tagged node was expected")
        if type(node) is not dict:
            raise _Malformed(f"unexpected node {node!r:.60}")
        tags = [key for key in node if key.startswith("$") and key != "$id"]
        if len(tags) != 1:
            raise _Malformed(f"a node with tags {tags}")
        handler = getattr(self, "_decode_" + tags[0][1:], None)
        if handler is None:
            raise _Malformed(f"unknown node type {tags[0]!r}")
        return handler(node)

    def _register(self, node: dict, value: Any) -> Any:
        number = node.get("$id")
        if type(number) is not int or number in self._refs:
            raise _Malformed(f"a shared object with a bad or repeated id {number!r}")
        self._refs[number] = value
        return value

    def _decode_ref(self, node: dict) -> Any:
        if node["$ref"] not in self._refs:
            raise _Malformed(f"a reference to an unknown object {node['$ref']!r}")
        return self._refs[node["$ref"]]

    def _decode_float(self, node: dict) -> float:
        if node["$float"] not in ("nan", "inf", "-inf"):
            raise _Malformed(f"a float {node['$float']!r}")
        return float(node["$float"])

    def _decode_list(self, node: dict) -> list:
        items = self._register(node, [])
        items.extend(self.decode(item) for item in _as_list(node["$list"]))
        return items

    def _decode_tuple(self, node: dict) -> tuple:
        return tuple(self.decode(item) for item in _as_list(node["$tuple"]))

    def _decode_dict(self, node: dict) -> dict:
        mapping = self._register(node, {})
        for pair in _as_list(node["$dict"]):
            if type(pair) is not list or len(pair) != 2:
                raise _Malformed("a dict entry that is not a [key, value] pair")
            mapping[self.decode(pair[0])] = self.decode(pair[1])
        return mapping

    def _decode_array(self, node: dict) -> np.ndarray:
        name = node["$array"]
        if name not in self._arrays:
            if not isinstance(name, str) or name == _HEADER or name not in self.archive.files:
                raise _Malformed(f"a reference to a missing array {name!r}")
            self._arrays[name] = self.archive[name]
        return self._arrays[name]

    def _decode_scalar(self, node: dict) -> np.generic:
        array = self._decode_array({"$array": node["$scalar"]})
        if array.ndim != 0:
            raise _Malformed(f"scalar entry {node['$scalar']!r} has shape {array.shape}")
        return cast(np.generic, array[()])  # a 0-d array's item is a numpy scalar

    def _decode_dtype(self, node: dict) -> np.dtype:
        if not isinstance(node["$dtype"], str):
            raise _Malformed(f"a dtype {node['$dtype']!r}")
        dtype = np.dtype(node["$dtype"])
        if dtype.hasobject:
            raise _Malformed("an object dtype")
        return dtype

    def _decode_numpy_type(self, node: dict) -> type:
        return self._decode_dtype({"$dtype": node["$numpy_type"]}).type

    def _decode_ufunc(self, node: dict) -> np.ufunc:
        function = getattr(np, str(node["$ufunc"]), None)
        if not isinstance(function, np.ufunc):
            raise _Malformed(f"{node['$ufunc']!r} is not a numpy ufunc")
        return function

    def _decode_function(self, node: dict) -> Any:
        function = _resolve(node["$function"])
        if function not in _storable_functions():
            raise _Malformed(f"{node['$function']!r} is not one of the activation functions a file may name")
        return function

    def _decode_rng(self, node: dict) -> np.random.Generator:
        if node["$rng"] not in _BIT_GENERATORS:
            raise _Malformed(f"unknown bit generator {node['$rng']!r}")
        bit_generator = getattr(np.random, node["$rng"])()
        generator = self._register(node, np.random.Generator(bit_generator))
        bit_generator.state = self.decode(node["state"])
        return generator

    def _decode_seed_sequence(self, node: dict) -> np.random.SeedSequence:
        state = _as_dict(self.decode(node["$seed_sequence"]))
        entropy, spawn_key, children = state["entropy"], state["spawn_key"], state["n_children_spawned"]
        # numpy's own limits, checked first: a huge pool or key makes SeedSequence run for minutes
        words = entropy if type(entropy) is list else [entropy]
        bounded = (state["pool_size"] == np.random.bit_generator.SeedSequence().pool_size
                   and type(spawn_key) is tuple and len(spawn_key) <= 64 and len(words) <= 64
                   and all(type(word) is int and 0 <= word < 2**1024 for word in (*words, *spawn_key))
                   and type(children) is int and 0 <= children < 2**32)
        if not bounded:
            raise _Malformed("a SeedSequence with out-of-range entropy, spawn key, pool size or child count")
        return np.random.SeedSequence(entropy, spawn_key=spawn_key, n_children_spawned=children)

    def _decode_bqm(self, node: dict) -> dimod.BinaryQuadraticModel:
        state = _as_dict(self.decode(node["$bqm"]))
        if state["vartype"] not in ("SPIN", "BINARY"):
            raise _Malformed(f"a BQM of vartype {state['vartype']!r}")
        linear, (rows, columns, biases) = state["linear"], _as_triple(state["quadratic"])
        variables = _as_list(state["variables"])
        # dimod's constructor trusts its indices (a negative one writes out of bounds): check them all first
        if not (_is_real_vector(linear) and len(variables) == linear.size and _is_real_vector(biases)):
            raise _Malformed("a BQM whose biases or labels do not match")
        for index in (rows, columns):
            if not (isinstance(index, np.ndarray) and index.dtype.kind in "iu" and index.shape == biases.shape
                    and np.all((index >= 0) & (index < linear.size))):
                raise _Malformed("a BQM with interaction indices out of range")
        if np.any(rows == columns) or len(set(map(_hashable_label, variables))) != len(variables):
            raise _Malformed("a BQM with a self-interaction or a repeated label")
        return dimod.BinaryQuadraticModel.from_numpy_vectors(linear, (rows, columns, biases), float(state["offset"]),
                                                             state["vartype"], variable_order=variables)

    def _decode_backend(self, node: dict) -> Backend:
        if node["$backend"] not in BUILTIN:
            raise _Malformed(f"unknown built-in backend {node['$backend']!r}")
        options = _as_dict(self.decode(node["options"]))
        try:
            backend = get(node["$backend"], **options)
        except RuntimeError as error:  # e.g. device='cuda' on a machine without a usable GPU
            raise _Unavailable(f"its {node['$backend']!r} backend cannot be built here with {options}: {error}") from None
        except (TypeError, ValueError) as error:
            raise _Malformed(f"options {options} of its {node['$backend']!r} backend: {error}") from None
        return self._register(node, backend)

    def _decode_sampler(self, node: dict) -> Backend:
        if self.backend is None:
            raise _NeedsBackend(str(node["$sampler"]))
        self.backend_used = True
        if isinstance(self.backend, Backend):
            return self._register(node, self.backend)
        # only beta_eff (a number the adapter validates) comes from the file: sampler options such as
        # annealing_time cost QPU time, so they come from the caller (pass get(sampler, **options) instead)
        beta_eff = _as_dict(self.decode(node["options"])).get("beta_eff")
        return self._register(node, get(self.backend, beta_eff=beta_eff))

    def _decode_object(self, node: dict) -> Any:
        cls = _resolve(node["$object"])
        if not _is_plain_class(cls):
            raise _Malformed(f"{node['$object']!r} is not a class whose state can be set")
        instance = self._register(node, cls.__new__(cls))
        state = node["state"]
        if type(state) is not dict:
            raise _Malformed(f"the state of {node['$object']!r} is not a mapping")
        for key in state:
            if not key.isidentifier() or key.startswith("__") or _is_behaviour(inspect.getattr_static(cls, key, None)):
                raise _Malformed(f"{node['$object']!r} state sets {key!r}, which is not a data attribute")
        instance.__dict__.update({key: self.decode(item) for key, item in state.items()})
        return instance


class _NeedsBackend(Exception):
    """The file names a third-party sampler and no ``backend`` was given to load it with."""


class _Unavailable(Exception):
    """The file is sound but names something this machine cannot build (a CUDA backend without a GPU)."""


def _as_triple(value: Any) -> tuple:
    if type(value) is not tuple or len(value) != 3:
        raise _Malformed("a BQM whose interactions are not (rows, columns, biases)")
    return value


def _is_real_vector(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iuf"


def _hashable_label(label: Any) -> Any:
    try:
        hash(label)
    except TypeError:
        raise _Malformed(f"a BQM label {label!r:.40} that is not hashable") from None
    return label


def _is_behaviour(attribute: Any) -> bool:
    """Whether a class attribute is code (a method, property or other descriptor) rather than a default value."""
    return callable(attribute) or hasattr(attribute, "__get__") and not isinstance(attribute, (int, float, str))


def _storable_functions() -> set:
    """The functions a file may name: the activation functions of the equilibrium-propagation networks."""
    from isingbridge.trainers.models.hopfield import ACTIVATIONS

    return {function for functions in ACTIVATIONS.values() for function in functions}


def _as_list(value: Any) -> list:
    if type(value) is not list:
        raise _Malformed(f"expected a list, got {type(value).__name__}")
    return value


def _as_dict(value: Any) -> dict:
    if type(value) is not dict:
        raise _Malformed(f"expected a mapping, got {type(value).__name__}")
    return value


def save_state(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (an instance of an isingbridge class) and everything it holds to one ``.npz`` at ``path``.

    The write is atomic: ``path`` is either the previous file or the complete
    new one.  ``path`` is used as given (no ``.npz`` is appended).

    Raises
    ------
    TypeError
        When something reachable from ``obj`` cannot be stored; the message
        names the attribute (e.g. ``BoltzmannRBM.model_.note``).
    ValueError
        When ``path`` is a folder or its folder does not exist.
    """
    if not (_is_isingbridge(type(obj)) and _is_plain_class(type(obj))):
        raise TypeError(f"save_state stores objects of isingbridge classes, got a {type(obj).__name__}")
    encoder = _Encoder()
    tree = encoder.encode(obj, type(obj).__name__)
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "library": _library_version(),
              "class": _reference(type(obj)), "tree": tree}
    text = json.dumps(header, allow_nan=False, separators=(",", ":"))
    entries = {_HEADER: np.frombuffer(text.encode("utf-8"), dtype=np.uint8), **encoder.arrays}
    with atomic_write(path, "wb") as handle:
        np.savez(handle, allow_pickle=False, **entries)


def _with_article(noun: str) -> str:
    """``noun`` with "a" or "an" before it (by its first letter)."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def load_state(path: str | os.PathLike, expected: type = object, *, backend: Any = None) -> Any:
    """Read an object written by :func:`save_state`; it must be an instance of ``expected``.

    Parameters
    ----------
    path : path of the file
    expected : class
        The class the caller wants (a subclass in the file is accepted).
    backend : Backend or dimod.Sampler, optional
        Supplies the sampler of every backend that was saved wrapping a
        third-party sampler (which cannot be stored); a dimod sampler is
        wrapped with the saved ``beta_eff`` only (sampler options such as an
        annealing time are the caller's to give: pass ``get(sampler, **options)``).  Required
        for such files, refused for others.

    Raises
    ------
    ValueError
        Naming the file and what is wrong with it: a pickle (never loaded),
        not an ``.npz`` archive, truncated or corrupted, no or garbled header,
        another format, a newer format version, or an object of another class.
    """
    if backend is not None and not isinstance(backend, (Backend, dimod.Sampler)):
        raise TypeError(f"backend must be an isingbridge Backend or a dimod.Sampler, got {type(backend).__name__}")
    source = Path(path)
    wanted = "an isingbridge state file" if expected is object else _with_article(f"{expected.__name__} checkpoint")

    def fail(reason: str) -> ValueError:
        return ValueError(f"{source} is not {wanted}: {reason}")

    _check_archive(source, fail)
    try:
        with np.load(source, allow_pickle=False) as archive:
            header = _read_header(archive, fail)
            cls = _check_header(header, expected, source, fail)  # noqa: F841 - named in the messages below
            decoder = _Decoder(archive, backend)
            value = decoder.decode(header["tree"])
    except _Malformed as error:
        raise fail(f"its contents are garbled ({error})") from None
    except _Unavailable as error:
        raise ValueError(f"{source} cannot be loaded on this machine: {error}") from None
    except _NeedsBackend as error:
        raise ValueError(f"{source} was saved with a backend wrapping a third-party sampler ({error}), which cannot "
                         f"be stored in a file; pass it again: {cls.__name__}.load(path, backend=<sampler>)") from None
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, MemoryError) as error:
        raise fail(f"the archive is truncated or corrupted ({type(error).__name__}: {error})") from None
    except (KeyError, IndexError, TypeError, AttributeError, RecursionError) as error:
        raise fail(f"its contents are garbled ({type(error).__name__}: {error})") from None
    except ValueError as error:
        if str(error).startswith(str(source)):
            raise
        raise fail(f"the archive is truncated or corrupted, or holds data isingbridge never loads ({error})") from None
    if type(value) is not cls:
        raise fail(f"its contents are garbled (the header says {cls.__name__}, the data hold {type(value).__name__})")
    if backend is not None and not decoder.backend_used:
        raise ValueError(f"{source} was saved with built-in backends only; backend= is for files saved with a "
                         "third-party sampler")
    return value


def _check_archive(source: Path, fail: Any) -> None:
    """Refuse a folder, an empty file, a pickle and anything else that is not a zip archive, before parsing."""
    start = _first_bytes(source)
    if start[:2] == b"PK":
        _check_members(source, fail)
        return
    if not start:
        raise fail("the file is empty (a write cut short?)")
    if _is_pickle(source, start):
        raise fail("it is a Python pickle, and isingbridge never loads pickles because unpickling can run "
                   "arbitrary code; save() writes an .npz archive of plain arrays with a JSON header "
                   "(allow_pickle=False), so re-save the estimator with save()")
    raise fail(f"it is not an .npz archive (it starts with {start!r}); save() writes .npz archives")


def _check_members(source: Path, fail: Any) -> None:
    """Refuse compressed members: save() never compresses, and a small compressed file can unpack to gigabytes."""
    try:
        with zipfile.ZipFile(source) as archive:
            packed = [info.filename for info in archive.infolist() if info.compress_type != zipfile.ZIP_STORED]
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as error:
        raise fail(f"the archive is truncated or corrupted ({type(error).__name__}: {error})") from None
    if packed:
        raise fail(f"its entries {packed[:3]} are compressed; save() writes uncompressed archives, and isingbridge "
                   "does not unpack compressed ones (a small file could unpack to more than memory holds)")


def _first_bytes(source: Path) -> bytes:
    """The first four bytes of a file, refusing a folder."""
    if source.is_dir():
        raise ValueError(f"{source} is a folder, not a file")
    with open(source, "rb") as handle:
        return handle.read(4)


def _is_pickle(source: Path, start: bytes) -> bool:
    """Whether the file looks like a pickle: protocol 2+ opens with 0x80; protocols 0-1 end with STOP ('.')."""
    if start[:1] == b"\x80":
        return True
    if start[:1] not in (b"(", b"c", b"}", b"]"):
        return False
    with open(source, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"."


def _read_header(archive: Any, fail: Any) -> dict:
    if _HEADER not in archive.files:
        raise fail(f"the archive has no isingbridge header ({_HEADER!r}); it was not written by save()")
    raw = archive[_HEADER]
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise fail(f"its header is garbled (an array of {raw.dtype}, shape {raw.shape}, not UTF-8 bytes)")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise fail(f"its header is garbled ({error})") from None
    if type(header) is not dict:
        raise fail("its header is garbled (not a JSON object)")
    return header


def _check_header(header: dict, expected: type, source: Path, fail: Any) -> type:
    """The saved class, after checking the format name, version and class against ``expected``."""
    if header.get("format") != FORMAT_NAME:
        raise fail(f"its header names the format {header.get('format')!r}, not {FORMAT_NAME!r}")
    version = header.get("version")
    if type(version) is not int or version < 1:
        raise fail(f"its header is garbled (format version {version!r})")
    if version > FORMAT_VERSION:
        raise fail(f"it was written in format version {version} (by isingbridge {header.get('library', '?')}); "
                   f"this isingbridge {_library_version()} reads versions up to {FORMAT_VERSION}: upgrade isingbridge")
    if "tree" not in header:
        raise fail("its header is garbled (no 'tree')")
    try:
        cls = _resolve(header.get("class"))
    except _Malformed as error:
        raise fail(f"its header names no isingbridge class ({error})") from None
    if not (isinstance(cls, type) and issubclass(cls, expected)):
        name = getattr(cls, "__name__", repr(cls))
        raise ValueError(f"{source} is not {_with_article(expected.__name__ + ' checkpoint')}: it holds "
                         f"{_with_article(name)} (load it with {name}.load)")
    return cls


def load_network(path: str | os.PathLike, activation: str = "tanh") -> Any:
    """The trained network in ``path``, in a form :func:`isingbridge.circuits.compile_network` takes.

    Formats (chosen by the suffix; see :data:`NETWORK_FORMATS`):

    ``.npz``
        arrays ``W1, b1, W2, b2, ...``, ``W`` shaped ``(n_out, n_in)``, read
        with ``allow_pickle=False``;
    ``.json``
        ``{"layers": [{"W": [[...], ...], "b": [...]}, ...]}``, the same shapes;
    ``.skops``
        a fitted scikit-learn ``MLPClassifier``/``MLPRegressor`` written by
        ``skops.io.dump``; types outside skops' defaults and
        :data:`SKOPS_TRUSTED` are refused before anything is loaded.

    Weights come back as a :class:`~isingbridge.circuits.network.FeedForward`
    with hidden ``activation``; a ``.skops`` model as the estimator itself.

    Raises
    ------
    ValueError
        For a pickle (never loaded: unpickling can run code), an unknown
        suffix, or a damaged or malformed file; the message names the file
        and the formats read.
    """
    source = Path(path)
    start = _first_bytes(source)
    if _is_pickle(source, start):
        raise ValueError(f"{source} is a Python pickle; isingbridge never loads pickles because unpickling can run "
                         f"arbitrary code. Save the network as {NETWORK_FORMATS}")
    readers = {".npz": _network_from_npz, ".json": _network_from_json, ".skops": _network_from_skops}
    reader = readers.get(source.suffix.lower())
    if reader is None:
        raise ValueError(f"{source}: isingbridge reads networks from {NETWORK_FORMATS}; got a "
                         f"{source.suffix or 'suffix-less'!s} file")
    return reader(source, activation)


def read_npz_arrays(path: str | os.PathLike, layout: str) -> dict[str, np.ndarray]:
    """Every array of a user's ``.npz`` file, read without unpickling, or a ``ValueError`` naming the file.

    ``layout`` says what the file should hold (it ends every message).  A
    folder, a missing file, a pickle, a single ``.npy`` array, a truncated or
    corrupted archive, and arrays of Python objects are all refused clearly.
    """
    source = Path(path)
    if not source.is_file():
        raise ValueError(f"{source} is a folder; give {layout}" if source.exists() else f"no such file: {source}")
    start = _first_bytes(source)
    if _is_pickle(source, start):
        raise ValueError(f"{source} is a Python pickle; isingbridge never loads pickles because unpickling can run "
                         f"arbitrary code. Give {layout}")
    if start[:2] != b"PK":  # numpy's own message would suggest loading it as a pickle
        raise ValueError(f"{source} is not an .npz archive; give {layout}")
    try:
        with np.load(source, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError) as error:
        raise ValueError(f"{source} is not a readable .npz of plain arrays ({type(error).__name__}: {error}); "
                         f"give {layout}") from None


def _network_from_npz(source: Path, activation: str) -> Any:
    arrays = read_npz_arrays(source, NETWORK_FORMATS)
    count = sum(1 for name in arrays if re.fullmatch(r"W[0-9]+", name))
    missing = [name for i in range(1, count + 1) for name in (f"W{i}", f"b{i}") if name not in arrays]
    if count == 0 or missing:
        raise ValueError(f"{source} must hold arrays W1, b1, W2, b2, ... (W shaped (n_out, n_in)); "
                         f"missing {missing or ['W1', 'b1']}")
    return _feed_forward([(arrays[f"W{i}"], arrays[f"b{i}"]) for i in range(1, count + 1)], activation, source)


def _network_from_json(source: Path, activation: str) -> Any:
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{source} is not JSON ({error}); isingbridge reads {NETWORK_FORMATS}") from None
    layers = data.get("layers") if type(data) is dict else None
    if type(layers) is not list or not layers or not all(type(layer) is dict and {"W", "b"} <= set(layer)
                                                          for layer in layers):
        raise ValueError(f'{source} must hold {{"layers": [{{"W": [[...]], "b": [...]}}, ...]}} '
                         "(one entry per layer, W shaped (n_out, n_in))")
    return _feed_forward([(layer["W"], layer["b"]) for layer in layers], activation, source)


def _feed_forward(pairs: list, activation: str, source: Path) -> Any:
    """A FeedForward of numeric, finite (W, b) pairs; errors name the file and the layer."""
    from isingbridge.circuits.network import FeedForward
    from isingbridge.validation import check_array

    try:
        layers = [(check_array(W, f"W{i}", ndim=2), check_array(b, f"b{i}", ndim=1))
                  for i, (W, b) in enumerate(pairs, start=1)]
        return FeedForward(layers, activation)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{source}: {error}") from None


def _network_from_skops(source: Path, activation: str) -> Any:
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=source)
    except Exception as error:  # skops raises many types for a damaged archive; all mean the same here
        raise ValueError(f"{source} is not a readable .skops file ({type(error).__name__}: {error})") from None
    refused = sorted(set(untrusted) - set(SKOPS_TRUSTED))
    if refused:
        raise ValueError(f"{source} holds types isingbridge does not load: {refused}; a .skops file must hold a "
                         "scikit-learn MLPClassifier or MLPRegressor")
    try:
        model = skops.io.load(source, trusted=list(untrusted))
    except Exception as error:  # as above
        raise ValueError(f"{source} is not a readable .skops file ({type(error).__name__}: {error})") from None
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    if not isinstance(model, (MLPClassifier, MLPRegressor)):
        raise ValueError(f"{source} holds a {type(model).__name__}; a .skops file for the compiler must hold a "
                         "scikit-learn MLPClassifier or MLPRegressor")
    return model
