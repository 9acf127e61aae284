"""The intermediate representation: a SPIN ``dimod.BinaryQuadraticModel``.

Every model in isingbridge is compiled to a BQM with energy

    E(s) = sum_i h_i s_i + sum_{i<j} J_ij s_i s_j + offset,   s_i in {-1, +1},

and Boltzmann weight ``p(s) ∝ exp(-beta * E(s))`` (dimod's sign: positive J is
antiferromagnetic).  This module holds what every backend needs from it:

* :func:`as_spin_bqm` — type check, finiteness check, BINARY → SPIN.
* :func:`check_clamp` / :func:`clamp_bqm` — validate ``clamp={label: ±1}`` and
  remove the clamped spins (their couplings become fields).
* :func:`is_batched` / :func:`check_clamp_rows` / :func:`check_field_rows` —
  validate the batch forms ``clamp=(labels, values)`` and
  ``fields=(labels, values)``: ``B`` conditional problems in one call.
* :class:`CompiledBQM` / :func:`compile_bqm` — the model as flat arrays for fast
  kernels (fields, symmetric CSR couplings, optional dense matrix, a graph
  colouring for parallel updates) and back (:meth:`CompiledBQM.to_bqm`).
* :class:`CompileCache` — remembers compiled models so that a backend called in
  a training loop on the same model does not rebuild its arrays, and reuses the
  colouring whenever only the numbers changed.

Examples
--------
>>> import dimod
>>> from isingbridge.ir import compile_bqm
>>> bqm = dimod.BQM({"a": 0.5, "b": -1.0}, {("a", "b"): 1.0}, 0.0, "SPIN")
>>> model = compile_bqm(bqm)
>>> model.num_variables, model.num_colors
(2, 2)
>>> float(model.energies([[1, -1]])[0])
0.5
"""
from __future__ import annotations

import functools
import hashlib
import math
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, cast

import dimod
import numba
import numpy as np
import scipy.sparse as sp

from isingbridge.validation import (
    check_array, check_bool, check_positive_int, check_real, check_spin_value, check_spins,
)

__all__ = [
    "ENERGY_LIMIT",
    "EnergyOverflowError",
    "as_model",
    "as_spin_bqm",
    "check_energy_scale",
    "check_finite",
    "check_clamp",
    "check_clamp_rows",
    "check_field_rows",
    "clamp_bqm",
    "is_batched",
    "vartype_of",
    "CompiledBQM",
    "CompileCache",
    "compile_bqm",
    "graph_coloring",
]

#: Largest Σ|h| + Σ|J| + |offset| accepted.  Energies, their differences, the
#: doubled coupling sum sᵀJs and the statevector's 2^n-scaled transforms must
#: all stay inside float64 (1.8e308): 1e300 leaves a factor 2^27 of headroom.
ENERGY_LIMIT = 1e300


def as_spin_bqm(bqm: Any, *, copy: bool = False) -> dimod.BinaryQuadraticModel:
    """Return ``bqm`` as a validated SPIN-vartype BQM.

    BINARY models are converted with ``x = (s + 1) / 2`` (a new object); SPIN
    models are returned as they are unless ``copy`` is true.

    Raises
    ------
    TypeError
        If ``bqm`` is not a ``dimod.BinaryQuadraticModel``.
    ValueError
        If a bias or the offset is NaN or infinite (the message names the
        offending variable or interaction), or if the biases are so large that
        energies would overflow (see :func:`check_energy_scale`).
    """
    if not isinstance(bqm, dimod.BinaryQuadraticModel):
        raise TypeError(
            f"expected a dimod.BinaryQuadraticModel, got {type(bqm).__name__}; "
            "build one with dimod.BQM(linear, quadratic, offset, 'SPIN')"
        )
    check_finite(bqm)
    if bqm.vartype is dimod.BINARY:
        return bqm.change_vartype(dimod.SPIN, inplace=False)
    return bqm.copy() if copy else bqm


def _vectors(bqm: dimod.BinaryQuadraticModel):
    """Biases as arrays in ``bqm.variables`` order (dimod sorts labels unless told not to)."""
    return bqm.to_numpy_vectors(sort_labels=False)


def check_finite(bqm: dimod.BinaryQuadraticModel) -> None:
    """Raise ``ValueError`` naming the first NaN/inf bias of ``bqm``, or if its energies could overflow."""
    vectors = _vectors(bqm)
    if not np.all(np.isfinite(vectors.linear_biases)):
        i = int(np.flatnonzero(~np.isfinite(vectors.linear_biases))[0])
        v = bqm.variables[i]
        raise ValueError(f"linear bias of variable {v!r} is {bqm.linear[v]}; biases must be finite")
    q = vectors.quadratic
    if not np.all(np.isfinite(q.biases)):
        k = int(np.flatnonzero(~np.isfinite(q.biases))[0])
        u, v = bqm.variables[int(q.row_indices[k])], bqm.variables[int(q.col_indices[k])]
        raise ValueError(
            f"quadratic bias of interaction ({u!r}, {v!r}) is {q.biases[k]}; biases must be finite"
        )
    if not math.isfinite(float(bqm.offset)):
        raise ValueError(f"BQM offset is {bqm.offset}; it must be finite")
    check_energy_scale(energy_bound(bqm))


def energy_bound(bqm: dimod.BinaryQuadraticModel | CompiledBQM) -> float:
    """``Σ|h| + Σ|J| + |offset|``: no state's energy exceeds it in absolute value.

    Parameters
    ----------
    bqm : dimod.BinaryQuadraticModel or CompiledBQM
        The model.

    Returns
    -------
    float
        The bound (``inf`` when the sum overflows).

    Examples
    --------
    >>> import dimod
    >>> from isingbridge.ir import energy_bound
    >>> energy_bound(dimod.BQM({"a": 0.5, "b": -1.0}, {("a", "b"): -2.0}, 0.25, "SPIN"))
    3.75
    """
    if isinstance(bqm, CompiledBQM):
        couplings = bqm.layers[2] if bqm.layers is not None and bqm._J is None else bqm.J.data / 2
        return _abs_sum(bqm.h) + _abs_sum(couplings) + abs(float(bqm.offset))
    vectors = _vectors(bqm)
    return _abs_sum(vectors.linear_biases) + _abs_sum(vectors.quadratic.biases) + abs(float(vectors.offset))


def _abs_sum(values: np.ndarray) -> float:
    """Σ|values|, ``inf`` when the sum overflows."""
    with np.errstate(over="ignore"):
        return float(np.sum(np.abs(values), dtype=np.float64))


def _energy_bound_of(*coefficients: np.ndarray, offset: float) -> float:
    """Σ|coefficients| + |offset|, from the extreme entries (no temporaries) unless that bound is near the limit.

    Models are rebuilt every training step: the cheap bound ``max|x| · size``
    settles all but models within a factor of their size of the limit.
    """
    quick = sum(largest_magnitude(values) * values.size for values in coefficients) + abs(offset)
    if quick <= ENERGY_LIMIT:
        return quick
    return sum(_abs_sum(values) for values in coefficients) + abs(offset)


def largest_magnitude(values: np.ndarray) -> float:
    """max |values| (0 for none); NaN if any value is NaN, inf if any is infinite (two passes, no temporary)."""
    return max(abs(float(values.max())), abs(float(values.min()))) if values.size else 0.0


class EnergyOverflowError(ValueError):
    """A model whose energies could exceed what float64 arithmetic carries (see :func:`check_energy_scale`).

    ``bound`` is the largest possible ``|E|`` and ``terms`` the sum that gives it.
    """

    def __init__(self, message: str, bound: float, terms: str):
        super().__init__(message)
        self.bound, self.terms = bound, terms


def check_energy_scale(bound: float, terms: str = "Σ|h| + Σ|J| + |offset|") -> None:
    """Refuse a model whose largest possible ``|E|`` (``bound``, the sum ``terms``) exceeds :data:`ENERGY_LIMIT`.

    Every bias may be finite while sums of them overflow float64, and an
    overflowed energy turns moments into NaN; the message says how to rescale.

    >>> check_energy_scale(1e300 * 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    isingbridge.ir.EnergyOverflowError: the energies of this model can reach Σ|h| + Σ|J| + |offset| = 3e+300, ...
    """
    if not bound <= ENERGY_LIMIT:
        raise EnergyOverflowError(
            f"the energies of this model can reach {terms} = {bound:.3g}, beyond the {ENERGY_LIMIT:g} that float64 "
            "arithmetic on energies allows; rescale the model: divide every coefficient (and the offset) by a common "
            "factor c, e.g. bqm.scale(1 / c), and multiply beta by c (the Boltzmann distribution depends only on "
            "beta * E)", bound, terms
        )


def as_model(model: Any) -> dimod.BinaryQuadraticModel | CompiledBQM:
    """A :class:`CompiledBQM` as it is (validated when built), anything else through :func:`as_spin_bqm`."""
    return model if isinstance(model, CompiledBQM) else as_spin_bqm(model)


def vartype_of(model: dimod.BinaryQuadraticModel | CompiledBQM) -> dimod.Vartype:
    """The vartype results are reported in: SPIN for a :class:`CompiledBQM`."""
    return dimod.SPIN if isinstance(model, CompiledBQM) else model.vartype


def _known(model: dimod.BinaryQuadraticModel | CompiledBQM, label: Any) -> bool:
    """Whether ``label`` is a variable of ``model`` (a dict look-up for a :class:`CompiledBQM`)."""
    try:
        return label in (model.index if isinstance(model, CompiledBQM) else model.variables)
    except TypeError:
        return False


def check_clamp(
    bqm: dimod.BinaryQuadraticModel | CompiledBQM, clamp: Mapping[Hashable, Any] | None
) -> dict[Hashable, int]:
    """Validate a clamp and return it as ``{label: ±1}``.

    Values are spins (``-1`` or ``+1``); for a BINARY model ``0`` is also
    accepted and means spin ``-1``.

    Raises
    ------
    TypeError
        If ``clamp`` is not a mapping.
    ValueError
        For a label that is not a variable of ``bqm`` or a value that is not a
        spin.
    """
    if clamp is None:
        return {}
    if not isinstance(clamp, Mapping):
        raise TypeError(
            f"clamp must be a mapping {{label: +1 or -1}} or a batch (labels, values), got {type(clamp).__name__}"
        )
    binary = vartype_of(bqm) is dimod.BINARY
    spins: dict[Hashable, int] = {}
    for label, value in clamp.items():
        if not _known(bqm, label):
            raise ValueError(f"cannot clamp {label!r}: it is not a variable of the model")
        spins[label] = check_spin_value(value, f"clamp value for {label!r}", binary=binary)
    return spins


def is_batched(clamp: Any, fields: Any) -> bool:
    """Whether a request holds several conditional problems: any ``fields``, or a clamp that is not a mapping.

    >>> is_batched({"a": 1}, None), is_batched((["a"], [[1], [-1]]), None)
    (False, True)
    """
    return fields is not None or (clamp is not None and not isinstance(clamp, Mapping))


def _batch_pair(value: Any, name: str, what: str) -> tuple[Any, Any]:
    """Split ``(labels, values)``; a clear error for anything else."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (labels, values) with values {what}, got {type(value).__name__}")
    return value[0], value[1]


def _batch_labels(bqm: dimod.BinaryQuadraticModel | CompiledBQM, labels: Any, name: str) -> list:
    """``labels`` as a list of distinct variables of ``bqm``."""
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
        raise TypeError(f"{name} labels must be a sequence of variables, got {type(labels).__name__} {labels!r}")
    if isinstance(bqm, CompiledBQM) and labels_are_positions(bqm.variables):
        array = np.asarray(labels)
        if array.ndim == 1 and array.dtype.kind in "iu":  # positions: checked as arrays, no per-label look-ups
            if array.size and (array.min() < 0 or array.max() >= bqm.num_variables):
                bad = array[(array < 0) | (array >= bqm.num_variables)][0]
                raise ValueError(f"{name} label {bad!r} is not a variable of the model")
            if np.unique(array).size != array.size:
                values, counts = np.unique(array, return_counts=True)
                raise ValueError(f"{name} label {values[counts > 1][0]!r} is repeated; give each variable one column")
            return array.tolist()
    labels = list(labels.tolist() if isinstance(labels, np.ndarray) else labels)
    seen: set = set()
    for label in labels:
        if not _known(bqm, label):
            raise ValueError(f"{name} label {label!r} is not a variable of the model")
        if label in seen:
            raise ValueError(f"{name} label {label!r} is repeated; give each variable one column")
        seen.add(label)
    return labels


def _row_values(values: Any, name: str, width: int) -> np.ndarray:
    """``values`` as a 2-D array ``(B, width)`` with ``B >= 1`` (dtype untouched)."""
    try:
        array = np.asarray(values)
    except ValueError:
        raise ValueError(f"{name} values must be a rectangular array (B, {width}); its rows differ in length") from None
    if array.ndim != 2:
        raise ValueError(
            f"{name} values must be a 2-D array (B, {width}): one row per problem; got shape {array.shape} "
            f"(for a single problem use values[None, :]{' or a dict clamp' if name == 'clamp' else ''})"
        )
    if array.shape[1] != width:
        raise ValueError(f"{name} values have {array.shape[1]} column(s) for {width} label(s); shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"{name} values have no rows (shape {array.shape}); give at least one problem")
    return array


def check_clamp_rows(bqm: dimod.BinaryQuadraticModel | CompiledBQM, clamp: Any) -> tuple[list, np.ndarray]:
    """Validate a batch clamp ``(labels, values)``; return the labels and ``int8`` spins ``(B, k)``.

    ``values`` is an integer array of shape ``(B, len(labels))``: row ``b``
    clamps ``labels`` to ``values[b]``.  Entries are spins ±1; for a BINARY
    model 0/1 bits are also accepted (0 meaning spin −1, never mixed with −1).

    Raises
    ------
    TypeError
        For anything but a pair, labels that are not a sequence, or values
        that are not integers.
    ValueError
        For an unknown or repeated label, values not of shape ``(B, k)`` with
        ``B >= 1``, or entries that are not spins.

    >>> bqm = dimod.BQM({"a": 0.0, "b": 0.0}, {}, 0.0, "SPIN")
    >>> check_clamp_rows(bqm, (["b"], np.array([[1], [-1]])))[1].ravel().tolist()
    [1, -1]
    """
    labels, values = _batch_pair(clamp, "clamp", "an int array (B, len(labels)) of +-1")
    labels = _batch_labels(bqm, labels, "clamp")
    array = _row_values(values, "clamp", len(labels))
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"clamp values must be an integer array of +-1 spins (0/1 bits for a BINARY model), got dtype "
            f"{array.dtype}; convert with values.astype(int) once they are exact spins"
        )
    return labels, check_spins(array, "clamp values", binary=vartype_of(bqm) is dimod.BINARY)


def check_field_rows(bqm: dimod.BinaryQuadraticModel | CompiledBQM, fields: Any) -> tuple[list, np.ndarray]:
    """Validate batch field offsets ``(labels, values)``; return the labels and ``float64`` values ``(B, k)``.

    Row ``b`` adds ``values[b]`` to the linear biases of ``labels`` (in the
    model's own vartype).

    Raises
    ------
    TypeError
        For anything but a pair, or values that are not real numbers.
    ValueError
        For an unknown or repeated label, values not of shape ``(B, k)`` with
        ``B >= 1``, NaN or infinite values, or offsets so large that energies
        could overflow.

    >>> bqm = dimod.BQM({"a": 0.0, "b": 0.0}, {}, 0.0, "SPIN")
    >>> check_field_rows(bqm, (["a"], [[0.5], [-0.5]]))[1].shape
    (2, 1)
    """
    labels, values = _batch_pair(fields, "fields", "a float array (B, len(labels))")
    labels = _batch_labels(bqm, labels, "fields")
    array = check_array(_row_values(values, "fields", len(labels)), "fields values", ndim=2)
    largest = float(np.max(np.sum(np.abs(array), axis=1))) if array.size else 0.0
    check_energy_scale(energy_bound(bqm) + largest, "Σ|h| + Σ|J| + |offset| + Σ|fields| of a row")
    return labels, array


def clamp_bqm(
    bqm: dimod.BinaryQuadraticModel | CompiledBQM, clamp: Mapping[Hashable, int]
) -> dimod.BinaryQuadraticModel | CompiledBQM:
    """Return a SPIN copy of ``bqm`` with the clamped spins removed (a :class:`CompiledBQM` stays one,
    see :meth:`CompiledBQM.condition`).

    Couplings to clamped spins become fields and the clamped energy goes into
    the offset, so the reduced model's energy equals the full model's energy
    for every completion of the clamp.  ``clamp`` must already be validated
    (see :func:`check_clamp`).
    """
    if isinstance(bqm, CompiledBQM):
        return bqm.condition(clamp) if clamp else bqm
    reduced = as_spin_bqm(bqm, copy=True)
    if clamp:
        reduced.fix_variables(dict(clamp))
    return reduced


@numba.njit(cache=True)
def _two_color(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """BFS 2-colouring; returns an empty array if the graph is not bipartite."""
    n = indptr.size - 1
    color = -np.ones(n, dtype=np.int32)
    queue = np.empty(n, dtype=np.int64)
    for start in range(n):
        if color[start] >= 0:
            continue
        color[start] = 0
        head, tail = 0, 1
        queue[0] = start
        while head < tail:
            u = queue[head]
            head += 1
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                if color[v] < 0:
                    color[v] = 1 - color[u]
                    queue[tail] = v
                    tail += 1
                elif color[v] == color[u]:
                    return np.empty(0, dtype=np.int32)
    return color


@numba.njit(cache=True)
def _greedy_color(indptr: np.ndarray, indices: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Greedy colouring visiting nodes in ``order`` (smallest free colour)."""
    n = indptr.size - 1
    color = -np.ones(n, dtype=np.int32)
    max_degree = 0
    for u in range(n):
        max_degree = max(max_degree, indptr[u + 1] - indptr[u])
    mark = -np.ones(max_degree + 2, dtype=np.int64)
    for u in order:
        for k in range(indptr[u], indptr[u + 1]):
            c = color[indices[k]]
            if c >= 0 and c < mark.size:
                mark[c] = u
        c = 0
        while mark[c] == u:
            c += 1
        color[u] = c
    return color


def graph_coloring(adjacency: sp.csr_matrix) -> np.ndarray:
    """Colour a graph so that no two neighbours share a colour.

    Bipartite graphs (lattices of even size, RBMs) get two colours from a BFS;
    other graphs get a greedy colouring in largest-degree-first order (at most
    ``max_degree + 1`` colours).  Spins of one colour are conditionally
    independent given the rest, so a Gibbs sampler may update them together.

    Returns
    -------
    numpy.ndarray
        ``int32`` colour index per node, colours numbered from 0.
    """
    indptr = adjacency.indptr.astype(np.int64)
    indices = adjacency.indices.astype(np.int64)
    n = indptr.size - 1
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    colors = _two_color(indptr, indices)
    if colors.size == n:
        return colors
    order = np.argsort(-np.diff(indptr), kind="stable").astype(np.int64)
    return _greedy_color(indptr, indices, order)


class CompiledBQM:
    """A SPIN BQM as flat arrays, ready for compiled kernels.

    Built by :func:`compile_bqm` from a ``dimod.BinaryQuadraticModel``, or
    directly from arrays by :meth:`from_arrays` (dense or sparse couplings)
    and :meth:`bipartite` (two layers coupled by a matrix ``W``, RBM-like):
    the array forms skip dimod, for loops whose weights change every step.
    Backends take a :class:`CompiledBQM` wherever they take a BQM and treat
    every form alike.  Array forms are spin models only (no BINARY form).

    Attributes
    ----------
    variables : tuple
        Labels, in the BQM's variable order; index ``i`` of every array refers
        to ``variables[i]``.
    h : numpy.ndarray
        Linear biases, shape ``(N,)``.
    J : scipy.sparse.csr_matrix
        Symmetric coupling matrix with zero diagonal and sorted indices, so that
        ``E(s) = h·s + ½ sᵀJs + offset`` (built on first use for a bipartite model).
    offset : float
        Constant energy.
    colors : numpy.ndarray
        ``int32`` colour per variable, numbered from 0 without gaps: no coupling
        joins two spins of one colour.
    layers : tuple or None
        Bipartite models only: ``(visible, hidden, W)``, the positions of the two
        layers and their couplings ``W[a, b]`` between ``visible[a]`` and ``hidden[b]``.
    """

    def __init__(self, variables: tuple, h: np.ndarray, J: sp.csr_matrix | None, offset: float, colors: np.ndarray,
                 _dense: np.ndarray | None = None, _index: dict | None = None, *, layers: tuple | None = None):
        if J is None and layers is None:
            raise ValueError("a CompiledBQM needs its couplings: J or layers")
        self.variables, self.h, self._J, self.offset, self.colors = variables, h, J, offset, colors
        self._dense, self._index, self.layers = _dense, _index, layers
        self._max_abs_coupling: float | None = None

    def __repr__(self) -> str:
        form = "bipartite" if self.layers is not None else "sparse"
        return f"CompiledBQM({self.num_variables} variables, {self.num_interactions} interactions, {form})"

    # -- construction from arrays ------------------------------------------
    @classmethod
    def from_arrays(cls, h: Any, J: Any, offset: float = 0.0, variables: Iterable | None = None) -> CompiledBQM:
        """A spin model ``E(s) = h·s + Σ_{i<j} J_ij s_i s_j + offset`` from arrays, without dimod.

        Parameters
        ----------
        h : array_like
            Fields, shape ``(N,)``.
        J : array_like or scipy.sparse matrix
            Couplings, ``(N, N)`` with a zero diagonal, either symmetric
            (``J[i, j] = J[j, i]`` is the coupling of ``i`` and ``j``, counted
            once) or upper-triangular (``J[i, j]``, ``i < j``; lower triangle
            zero).  Any other matrix is refused rather than guessed at.
            Zero entries are no coupling.
        offset : float
            Constant energy.
        variables : iterable, optional
            ``N`` distinct labels (default ``0 … N−1``).

        Raises
        ------
        TypeError, ValueError
            For non-numeric or non-finite values, wrong shapes, a nonzero
            diagonal, a matrix neither symmetric nor upper-triangular, repeated
            labels, or energies beyond float64 (:func:`check_energy_scale`).

        Examples
        --------
        >>> model = CompiledBQM.from_arrays([0.5, -1.0], [[0.0, 1.0], [0.0, 0.0]], variables="ab")
        >>> model.variables, model.num_interactions, float(model.energies([[1, -1]])[0])
        (('a', 'b'), 1, 0.5)
        >>> model.to_bqm() == dimod.BQM({"a": 0.5, "b": -1.0}, {("a", "b"): 1.0}, 0.0, "SPIN")
        True
        """
        h = check_array(h, "h", ndim=1)
        n = h.size
        upper = _upper_couplings(J, n)
        full = (upper + upper.T).tocsr()
        full.sort_indices()
        labels = _labels(variables, n, "variables")
        offset = check_real(offset, "offset")
        check_energy_scale(_abs_sum(h) + _abs_sum(upper.data) + abs(offset))
        return cls(labels, h.copy(), full, offset, graph_coloring(full))

    @classmethod
    def bipartite(cls, W: Any, visible_bias: Any, hidden_bias: Any, offset: float = 0.0, *,
                  visible: Iterable | None = None, hidden: Iterable | None = None, copy: bool = True) -> CompiledBQM:
        """Two layers coupled only across: ``E(v, h) = b·v + c·h + vᵀ W h + offset`` (an RBM's energy, dimod's sign).

        The variables are the visible units, then the hidden ones; the model
        keeps ``W`` as it is (no ``N × N`` matrix), and the Gibbs backend
        hands it straight to its dense layer engine.

        Parameters
        ----------
        W : array_like
            ``(n_visible, n_hidden)`` couplings; ``W[a, b]`` joins visible ``a`` and hidden ``b``.
        visible_bias, hidden_bias : array_like
            Fields of the two layers, shapes ``(n_visible,)`` and ``(n_hidden,)``.
        offset : float
            Constant energy.
        visible, hidden : iterable, optional
            Labels of the two layers (default ``0 … n_visible−1`` and
            ``n_visible … n_visible+n_hidden−1``); all distinct.
        copy : bool
            Keep a copy of ``W`` (default).  ``False`` keeps the array given
            (a float one) for loops that build a model from fresh weights
            every step; the caller then must not change it while the model
            is in use.

        Examples
        --------
        >>> model = CompiledBQM.bipartite([[1.0, -2.0]], [0.5], [0.0, 0.25])
        >>> model.variables, model.num_colors, model.num_interactions
        ((0, 1, 2), 2, 2)
        >>> float(model.energies([[1, 1, -1]])[0])   # 0.5 − 0.25 + 1·1 + 1·(−1)·(−2)
        3.25
        """
        copy = check_bool(copy, "copy")
        W = check_array(W, "W", ndim=2, dtype=None, finite=False)  # float32 weights stay float32: the engines' precision
        if W.dtype.kind != "f":
            W = W.astype(np.float64)  # a new array already
        elif copy:
            W = W.copy()
        largest = largest_magnitude(W)  # NaN or ±inf anywhere makes it non-finite: the finite check for free
        if not math.isfinite(largest):
            check_array(W, "W")  # names the first bad entry
        nv, nh = W.shape
        b = check_array(visible_bias, "visible_bias", ndim=1)
        c = check_array(hidden_bias, "hidden_bias", ndim=1)
        if b.size != nv or c.size != nh:
            raise ValueError(f"W has shape {W.shape}: visible_bias needs {nv} entries (got {b.size}) and "
                             f"hidden_bias {nh} (got {c.size})")
        offset = check_real(offset, "offset")
        check_energy_scale(_energy_bound_of(b, c, offset=offset) + largest * W.size if largest * W.size <= ENERGY_LIMIT
                           else _energy_bound_of(b, c, W, offset=offset))
        labels = _bipartite_labels(visible, hidden, nv, nh)
        colors = np.zeros(nv + nh, dtype=np.int32)
        colors[nv:] = 1 if nv else 0
        positions = np.arange(nv + nh, dtype=np.int64)
        model = cls(labels, np.concatenate([b, c]), None, offset, colors, layers=(positions[:nv], positions[nv:], W))
        model._max_abs_coupling = largest  # the engines' float32 check needs it: one pass over W, not three
        return model

    # -- properties ----------------------------------------------------------
    @property
    def J(self) -> sp.csr_matrix:
        """Symmetric coupling matrix (CSR, zero diagonal, sorted indices): ``E(s) = h·s + ½ sᵀJs + offset``.

        A bipartite model builds it from ``layers`` on first use and keeps it.
        """
        if self._J is None:
            visible, hidden, W = cast(tuple, self.layers)  # built without J: a bipartite model
            block = sp.coo_matrix(W)
            rows, cols = visible[block.row], hidden[block.col]
            n = self.num_variables
            J = sp.csr_matrix((np.concatenate([block.data, block.data]),
                               (np.concatenate([rows, cols]), np.concatenate([cols, rows]))), shape=(n, n))
            J.sort_indices()
            self._J = J
        return self._J

    @property
    def num_variables(self) -> int:
        """Number of variables N."""
        return self.h.size

    @property
    def num_interactions(self) -> int:
        """Number of nonzero couplings, each pair counted once."""
        if self._J is None:
            return int(np.count_nonzero(cast(tuple, self.layers)[2]))
        return self.J.nnz // 2

    @property
    def num_colors(self) -> int:
        """Number of colours in ``colors`` (0 for a model without variables)."""
        return int(self.colors.max()) + 1 if self.colors.size else 0

    @property
    def max_abs_coupling(self) -> float:
        """``max |J_ij|`` (0 without couplings), computed once."""
        if self._max_abs_coupling is None:
            values = cast(tuple, self.layers)[2] if self._J is None else self.J.data
            self._max_abs_coupling = largest_magnitude(values)
        return self._max_abs_coupling

    @property
    def density(self) -> float:
        """Fraction of the N(N−1)/2 possible couplings that are present."""
        n = self.num_variables
        return self.num_interactions / (n * (n - 1) / 2) if n > 1 else 0.0

    @property
    def index(self) -> dict:
        """``{label: position}`` for the arrays."""
        if self._index is None:
            self._index = {v: i for i, v in enumerate(self.variables)}
        return self._index

    def color_groups(self) -> list[np.ndarray]:
        """Indices of the variables of each colour (one array per colour)."""
        return [np.flatnonzero(self.colors == c) for c in range(self.num_colors)]

    def dense(self) -> np.ndarray:
        """The coupling matrix as a dense symmetric ``(N, N)`` array (cached)."""
        if self._dense is None:
            if self._J is None:
                visible, hidden, W = cast(tuple, self.layers)  # built without J: a bipartite model
                self._dense = np.zeros((self.num_variables,) * 2)
                self._dense[np.ix_(visible, hidden)] = W
                self._dense[np.ix_(hidden, visible)] = W.T
            else:
                self._dense = self.J.toarray()
        return self._dense

    def submatrix(self, rows: Any, cols: Any) -> np.ndarray | sp.csr_matrix:
        """The couplings ``J[rows][:, cols]``: dense for a bipartite model, CSR otherwise.

        >>> model = CompiledBQM.bipartite([[1.0, -2.0]], [0.5], [0.0, 0.25])
        >>> model.submatrix([0], [1, 2]).tolist()
        [[1.0, -2.0]]
        """
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        if self._J is not None:
            return self.J[rows][:, cols]
        visible, hidden, W = cast(tuple, self.layers)  # built without J: a bipartite model
        side = np.full(self.num_variables, -1, dtype=np.int64)
        side[visible], side[hidden] = np.arange(visible.size), np.arange(hidden.size)
        is_visible = np.zeros(self.num_variables, dtype=bool)
        is_visible[visible] = True
        out = np.zeros((rows.size, cols.size))
        rv, cv = is_visible[rows], is_visible[cols]
        out[np.ix_(rv, ~cv)] = W[np.ix_(side[rows[rv]], side[cols[~cv]])]
        out[np.ix_(~rv, cv)] = W[np.ix_(side[cols[cv]], side[rows[~rv]])].T
        return out

    def local_fields(self, states: Any, positions: Any = None) -> np.ndarray:
        """``h_i + Σ_j J_ij s_j`` of the variables at ``positions`` (default: all), one row per state.

        Spin ``i``'s conditional law given all the others is
        ``P(s_i = ±1) ∝ exp(∓β f_i)``, so ``E[s_i | rest] = −tanh(β f_i)``.

        >>> model = CompiledBQM.bipartite([[1.0, -2.0]], [0.5], [0.0, 0.25])
        >>> model.local_fields([[1, 1, -1]]).tolist()    # 0.5 + 1 + 2, 0 + 1, 0.25 − 2
        [[3.5, 1.0, -1.75]]
        """
        s = np.atleast_2d(np.asarray(states, dtype=np.float64))
        if s.shape[1] != self.num_variables:
            raise ValueError(f"states have {s.shape[1]} columns; the model has {self.num_variables} variables")
        positions = np.arange(self.num_variables) if positions is None else np.asarray(positions, dtype=np.int64)
        if self._J is not None:
            return np.asarray(self.J[:, positions].T @ s.T).T + self.h[positions]
        visible, hidden, W = cast(tuple, self.layers)  # built without J: a bipartite model
        out = np.empty((s.shape[0], positions.size))
        if positions.size == self.num_variables and np.array_equal(positions, np.arange(self.num_variables)):
            out[:, visible] = s[:, hidden] @ W.T  # every variable: W as it is, no gathered copies
            out[:, hidden] = s[:, visible] @ W
            return out + self.h
        side = np.full(self.num_variables, -1, dtype=np.int64)
        side[visible], side[hidden] = np.arange(visible.size), np.arange(hidden.size)
        is_hidden = np.zeros(self.num_variables, dtype=bool)
        is_hidden[hidden] = True
        wanted_hidden = is_hidden[positions]
        out[:, wanted_hidden] = s[:, visible] @ W[:, side[positions[wanted_hidden]]]  # only the other layer couples
        out[:, ~wanted_hidden] = s[:, hidden] @ W[side[positions[~wanted_hidden]]].T
        return out + self.h[positions]

    def energies(self, states: Any) -> np.ndarray:
        """Energies of spin states, shape ``(num_states, N)`` in variable order."""
        s = np.atleast_2d(np.asarray(states, dtype=np.float64))
        if s.shape[1] != self.num_variables:
            raise ValueError(f"states have {s.shape[1]} columns; the model has {self.num_variables} variables")
        if self._J is None:
            visible, hidden, W = cast(tuple, self.layers)  # built without J: a bipartite model
            return s @ self.h + np.einsum("ki,ki->k", s[:, visible] @ W, s[:, hidden]) + self.offset
        return s @ self.h + 0.5 * np.einsum("ki,ki->k", s, (self.J @ s.T).T) + self.offset

    # -- derived models ------------------------------------------------------
    def restrict(self, positions: Any) -> CompiledBQM:
        """The model on the variables at ``positions`` only: their fields and mutual couplings, the same offset.

        Couplings to the other variables are dropped (not folded into fields);
        the colouring is inherited, renumbered without gaps; a bipartite model
        stays bipartite.

        >>> bqm = dimod.BQM({"a": 1.0, "b": 2.0, "c": 3.0}, {("a", "c"): 1.0, ("b", "c"): 1.0}, 0.5, "SPIN")
        >>> model = compile_bqm(bqm)
        >>> part = model.restrict([model.index["a"], model.index["c"]])
        >>> part.variables, part.h.tolist(), part.num_interactions, part.offset
        (('a', 'c'), [1.0, 3.0], 1, 0.5)
        """
        positions = np.asarray(positions, dtype=np.int64)
        colors = np.unique(self.colors[positions], return_inverse=True)[1].astype(np.int32).reshape(-1)
        variables = tuple(self.variables[i] for i in positions)
        if self._J is None:
            visible, hidden, W = cast(tuple, self.layers)  # built without J: a bipartite model
            new = np.full(self.num_variables, -1, dtype=np.int64)
            new[positions] = np.arange(positions.size)
            keep_v, keep_h = new[visible] >= 0, new[hidden] >= 0
            layers = (new[visible][keep_v], new[hidden][keep_h], W[np.ix_(keep_v, keep_h)])
            return CompiledBQM(variables, self.h[positions].copy(), None, self.offset, colors, layers=layers)
        J = self.J[positions][:, positions].tocsr()
        J.sort_indices()
        return CompiledBQM(variables, self.h[positions].copy(), J, self.offset, colors)

    def condition(self, clamp: Mapping[Hashable, int]) -> CompiledBQM:
        """The model of the other spins given ``clamp`` ``{label: ±1}`` (validated): couplings to clamped spins
        become fields, their energy goes into the offset; the free spins keep their order.

        >>> model = CompiledBQM.from_arrays([0.5, 0.0], [[0.0, -1.0], [-1.0, 0.0]])
        >>> free = model.condition({1: 1})
        >>> free.variables, free.h.tolist(), free.offset
        ((0,), [-0.5], 0.0)
        """
        index = self.index
        clamped = np.array([index[v] for v in clamp], dtype=np.int64)
        values = np.array(list(clamp.values()), dtype=np.float64)
        free = np.setdiff1d(np.arange(self.num_variables), clamped)
        model = self.restrict(free)
        model.h = model.h + np.asarray(self.submatrix(free, clamped) @ values).ravel()
        inner = np.asarray(self.submatrix(clamped, clamped) @ values).ravel()
        model.offset = float(self.offset + values @ self.h[clamped] + 0.5 * values @ inner)
        return model

    def add_fields(self, positions: Any, values: Any) -> CompiledBQM:
        """A model with ``values`` added to the fields at ``positions`` (couplings and colouring shared).

        >>> CompiledBQM.from_arrays([0.5, 0.0], [[0.0, 1.0], [1.0, 0.0]]).add_fields([1], [2.0]).h.tolist()
        [0.5, 2.0]
        """
        h = self.h.copy()
        h[np.asarray(positions, dtype=np.int64)] += np.asarray(values, dtype=np.float64)
        return CompiledBQM(self.variables, h, self._J, self.offset, self.colors, self._dense, self._index,
                           layers=self.layers)

    def to_bqm(self, *, index_labels: bool = False) -> dimod.BinaryQuadraticModel:
        """Rebuild the SPIN BQM (same order, biases and offset).

        With ``index_labels`` the variables are labelled ``0 … N−1`` (array
        positions) instead of the original labels.
        """
        upper = sp.triu(self.J, k=1).tocoo()
        order = None if index_labels else list(self.variables)
        return dimod.BinaryQuadraticModel.from_numpy_vectors(
            self.h, (upper.row, upper.col, upper.data), self.offset, dimod.SPIN,
            variable_order=order,  # type: ignore[arg-type]  # dimod's default is None; its annotation omits it
        )


def _upper_couplings(J: Any, n: int) -> sp.coo_matrix:
    """The couplings ``i < j`` of a symmetric or upper-triangular ``(n, n)`` matrix (see :meth:`CompiledBQM.from_arrays`)."""
    if sp.issparse(J):
        matrix = sp.coo_matrix(J)
        if matrix.dtype.kind not in "biuf":
            raise TypeError(f"J must be real, got a sparse matrix of {matrix.dtype}")
        matrix = sp.coo_matrix(matrix, dtype=np.float64)
        if not np.all(np.isfinite(matrix.data)):
            raise ValueError("J contains NaN or infinity")
    else:
        matrix = sp.coo_matrix(check_array(J, "J", ndim=2))
    if matrix.shape != (n, n):
        raise ValueError(f"J must have shape ({n}, {n}) for {n} fields, got {matrix.shape}")
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    diagonal = matrix.row == matrix.col
    if diagonal.any():
        k = int(np.flatnonzero(diagonal)[0])
        raise ValueError(f"J has a nonzero diagonal entry J[{matrix.row[k]}, {matrix.row[k]}] = {matrix.data[k]}; "
                         "s_i² = 1 makes it a constant: add it to the offset instead")
    upper, lower = sp.triu(matrix, k=1).tocsr(), sp.tril(matrix, k=-1).tocsr()
    if lower.nnz == 0:
        return upper.tocoo()
    mirrored = lower.T.tocsr()
    difference = abs(upper - mirrored)
    scale = max(float(abs(matrix).max()), np.finfo(np.float64).tiny)
    if difference.nnz and difference.max() > 1e-12 * scale:
        i, j = (int(x[0]) for x in difference.multiply(difference > 1e-12 * scale).nonzero())
        raise ValueError(
            f"J is neither symmetric nor upper-triangular: J[{i}, {j}] = {upper[i, j]} but J[{j}, {i}] = "
            f"{mirrored[i, j]}; give each coupling once (upper triangle, i < j) or symmetrically"
        )
    return ((upper + mirrored) * 0.5).tocoo()


class _Positions(tuple):
    """The default labels ``0 … n−1``: a tuple that knows it, so label lookups need no dictionary."""

    __slots__ = ()


@functools.lru_cache(maxsize=8)
def _positions(n: int) -> _Positions:
    """The labels ``0 … n−1`` (immutable, so one tuple per size serves every model: trainers build one per step)."""
    return _Positions(range(n))


def labels_are_positions(variables: Any) -> bool:
    """Whether ``variables`` are ``0 … N−1`` in order (the default labels of a :class:`CompiledBQM`)."""
    if isinstance(variables, _Positions):
        return True
    n = len(variables)
    return n == 0 or (variables[0] == 0 and variables[-1] == n - 1 and tuple(variables) == tuple(range(n)))


def _labels(variables: Iterable | None, n: int, name: str) -> tuple:
    """``n`` distinct hashable labels (default ``0 … n−1``)."""
    if variables is None:
        return _positions(n)
    labels = tuple(variables.tolist() if isinstance(variables, np.ndarray) else variables)
    if len(labels) != n:
        raise ValueError(f"{name} has {len(labels)} labels for {n} variables")
    try:
        distinct = len(set(labels)) == n
    except TypeError:
        raise TypeError(f"{name} must be hashable labels") from None
    if not distinct:
        raise ValueError(f"{name} repeats a label; give each variable its own")
    return labels


def _bipartite_labels(visible: Iterable | None, hidden: Iterable | None, nv: int, nh: int) -> tuple:
    if visible is None and hidden is None:
        return _positions(nv + nh)
    first = _labels(visible, nv, "visible")
    second = tuple(range(nv, nv + nh)) if hidden is None else _labels(hidden, nh, "hidden")
    return _labels(first + second, nv + nh, "visible and hidden labels")


def _build(bqm: dimod.BinaryQuadraticModel, colors: np.ndarray | None) -> CompiledBQM:
    vectors = _vectors(bqm)
    n = bqm.num_variables
    q = vectors.quadratic
    rows = np.concatenate([q.row_indices, q.col_indices])
    cols = np.concatenate([q.col_indices, q.row_indices])
    data = np.concatenate([q.biases, q.biases]).astype(np.float64)
    J = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    J.sort_indices()
    if colors is None:
        colors = graph_coloring(J)
    return CompiledBQM(
        variables=tuple(bqm.variables),
        h=np.asarray(vectors.linear_biases, dtype=np.float64),
        J=J,
        offset=float(vectors.offset),
        colors=colors,
    )


def _fingerprints(bqm: dimod.BinaryQuadraticModel) -> tuple[bytes, bytes, tuple]:
    """(structure digest, values digest, labels) of a SPIN BQM."""
    vectors = _vectors(bqm)
    q = vectors.quadratic
    labels = tuple(bqm.variables)
    structure = hashlib.blake2b(digest_size=16)
    structure.update(repr(len(labels)).encode())
    structure.update(np.ascontiguousarray(q.row_indices).tobytes())
    structure.update(np.ascontiguousarray(q.col_indices).tobytes())
    values = structure.copy()
    values.update(np.ascontiguousarray(vectors.linear_biases, dtype=np.float64).tobytes())
    values.update(np.ascontiguousarray(q.biases, dtype=np.float64).tobytes())
    values.update(np.float64(vectors.offset).tobytes())
    return structure.digest(), values.digest(), labels


class CompileCache:
    """A small LRU cache of :class:`CompiledBQM` objects.

    Two levels: an identical model (same labels, structure and biases) returns
    the same :class:`CompiledBQM` object; a model with the same labels and
    interaction structure but new biases — the usual case in a training loop —
    reuses the graph colouring and rebuilds only the numeric arrays.

    Parameters
    ----------
    maxsize : int
        Number of models remembered at each level.
    """

    def __init__(self, maxsize: int = 16):
        self.maxsize = check_positive_int(maxsize, "maxsize")
        self._models: OrderedDict = OrderedDict()
        self._colorings: OrderedDict = OrderedDict()
        self.hits = 0
        self.misses = 0

    def compile(self, bqm: dimod.BinaryQuadraticModel | CompiledBQM) -> CompiledBQM:
        """Compile a validated SPIN ``bqm``, using the cache when possible (a :class:`CompiledBQM` is returned as it is)."""
        if isinstance(bqm, CompiledBQM):
            return bqm
        structure, values, labels = _fingerprints(bqm)
        key = (values, hash(labels))
        hit = self._models.get(key)
        if hit is not None and hit.variables == labels:
            self._models.move_to_end(key)
            self.hits += 1
            return hit
        self.misses += 1
        skey = (structure, hash(labels))
        colors = self._colorings.get(skey)
        compiled = _build(bqm, colors)
        self._remember(self._colorings, skey, compiled.colors)
        self._remember(self._models, key, compiled)
        return compiled

    def _remember(self, store: OrderedDict, key: Any, value: Any) -> None:
        store[key] = value
        store.move_to_end(key)
        while len(store) > self.maxsize:
            store.popitem(last=False)

    def clear(self) -> None:
        """Forget every cached model."""
        self._models.clear()
        self._colorings.clear()


def compile_bqm(bqm: dimod.BinaryQuadraticModel | CompiledBQM, cache: CompileCache | None = None) -> CompiledBQM:
    """Validate ``bqm`` (BINARY accepted) and return it as a :class:`CompiledBQM` (one already compiled as it is).

    Parameters
    ----------
    bqm : dimod.BinaryQuadraticModel
        Any vartype; BINARY is converted to SPIN first.
    cache : CompileCache, optional
        Reuse earlier compilations (see :class:`CompileCache`).
    """
    if isinstance(bqm, CompiledBQM):
        return bqm
    spin = as_spin_bqm(bqm)
    if cache is None:
        return _build(spin, None)
    return cache.compile(spin)


def spins_to_vartype(states: np.ndarray, vartype: dimod.Vartype) -> np.ndarray:
    """Map ±1 spin states to the values of ``vartype`` (BINARY: 0/1)."""
    if vartype is dimod.BINARY:
        return ((np.asarray(states) + 1) // 2).astype(np.int8)
    return np.asarray(states, dtype=np.int8)
