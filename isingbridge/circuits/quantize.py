"""Quantise compiled circuits to small hardware integers (§7 of the correspondence paper).

Recipe for a shallow network (W₁, b₁, W₂, b₂):

1. apply a temperature gradient λ₁ to the output layer *before* quantising;
2. quantise both layers on a grid (1/m)ℤ — round-to-nearest, or the OPTQ/GPTQ
   error-feedback quantiser calibrated on the inputs each layer will see;
3. apply a second gradient λ₂ = 1/k after quantising (so the output layer's
   grid becomes (1/(mk))ℤ);
4. multiply the Hamiltonian by m·k: every coupling and field is now an integer,
   the input layer's a multiple of k, and β becomes β/(m·k).

All integers must lie in [−q, q]: the input layer's quantised values are
clipped to ⌊q/k⌋, the output layer's to q.  :func:`quantize_network` searches
m, λ₁, k and β for the most correct integer circuit (mean-field surrogate,
then an exact or sampled confirmation) and reports the retained correctness
(quantised c / float c).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from isingbridge.backends import get
from isingbridge.spins import spin_rows
from isingbridge.circuits.compile import IsingCircuit, compile_network
from isingbridge.circuits.correctness import _mean_field_means, check_grid, correctness, truth_table
from isingbridge.circuits.network import FeedForward, as_network
from isingbridge.validation import (
    check_array, check_beta, check_bool, check_choice, check_int, check_memory, check_nonnegative, check_positive,
    check_positive_int,
)

__all__ = ["round_to_nearest", "optq", "QuantizedCircuit", "quantize_network", "integer_circuit", "refine_integers",
           "enumerated_worst", "QUANTIZERS"]


def round_to_nearest(weights: Any, inputs: Any, limit: int) -> np.ndarray:
    """Round each entry to the nearest integer in [−limit, limit] (the baseline; ``inputs`` is not used)."""
    weights = check_array(weights, "weights")
    limit = check_int(limit, "limit", minimum=0)
    return np.clip(np.round(weights), -limit, limit)


def optq(weights: Any, inputs: Any, limit: int, damping: float = 0.01) -> np.ndarray:
    """OPTQ/GPTQ: quantise input columns in turn, pushing each rounding error onto the columns not yet quantised.

    Minimises ‖(W − Q) Aᵀ‖ over the calibration inputs A (rows) greedily, using
    the Cholesky factor of the inverse Hessian (2AᵀA/N + damping) as in Frantar et al.

    Parameters
    ----------
    weights : ndarray, shape (n_out, n_in)
        Weights already scaled to the integer grid.
    inputs : ndarray, shape (N, n_in)
        Calibration inputs of this layer.
    limit : int
        Largest allowed absolute value of an integer.
    damping : float, default 0.01
        Added to the Hessian's diagonal, relative to its mean diagonal entry.

    Returns
    -------
    ndarray, shape (n_out, n_in)
        Integers in [−limit, limit] (as floats).

    Raises
    ------
    ValueError
        When the calibration Hessian overflows or is singular.
    """
    W = check_array(weights, "weights", ndim=2).copy()
    A = check_array(inputs, "inputs", ndim=2, min_rows=1, columns=W.shape[1])
    limit = check_int(limit, "limit", minimum=0)
    damping = check_nonnegative(damping, "damping")
    H = 2.0 * A.T @ A / A.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        H += damping * max(float(np.mean(np.diag(H))), 1e-12) * np.eye(H.shape[0])
    if not np.all(np.isfinite(H)):
        raise ValueError(f"damping={damping:g} overflows the calibration Hessian; use a small value such as 0.01")
    try:
        U = np.linalg.cholesky(np.linalg.inv(H)).T  # upper factor of H^-1
    except np.linalg.LinAlgError:
        raise ValueError("the calibration inputs' Hessian is singular; use damping > 0") from None
    Q = np.zeros_like(W)
    for i in range(W.shape[1]):
        Q[:, i] = np.clip(np.round(W[:, i]), -limit, limit)
        error = (W[:, i] - Q[:, i]) / U[i, i]
        W[:, i:] -= np.outer(error, U[i, i:])
    return Q


QUANTIZERS = {"rtn": round_to_nearest, "optq": optq}


@dataclass
class QuantizedCircuit:
    """An integer Ising circuit and how it was made."""

    circuit: IsingCircuit
    worst: float
    float_worst: float
    grid: float
    lam1: float
    k: int
    method: str
    info: dict = field(default_factory=dict)

    @property
    def retained(self) -> float:
        """Quantised correctness / float correctness."""
        return self.worst / self.float_worst if self.float_worst > 0 else float("nan")

    @property
    def max_integer(self) -> int:
        """The largest absolute value among the circuit's fields and couplings (0 for an empty circuit)."""
        values = list(self.circuit.bqm.linear.values()) + list(self.circuit.bqm.quadratic.values())
        return int(max(abs(v) for v in values)) if values else 0


def _quantize_layers(network: FeedForward, X: np.ndarray, grid: float, lam1: float, k: int, q: int, method: str):
    """Integer layers (n1 for the input layer, n2 for the output layer) of the recipe's steps 1–2."""
    quantizer = QUANTIZERS[method]
    (W1, b1), (W2, b2) = network.layers
    ones = np.ones((X.shape[0], 1))
    first = quantizer(grid * np.column_stack([W1, b1]), np.column_stack([X, ones]), q // k)
    hidden = np.tanh(X @ (first[:, :-1] / grid).T + first[:, -1] / grid)
    second = quantizer(grid * lam1 * np.column_stack([W2, b2]), np.column_stack([hidden, ones]), q)
    return first, second


def _score(network: FeedForward, X: np.ndarray, Y: np.ndarray, grid: float, lam1: float, k: int, q: int,
           method: str, betas: np.ndarray) -> list:
    """Mean-field correctness of one quantisation at every β: (score, grid, λ₁, k, β, first, second)."""
    first, second = _quantize_layers(network, X, grid, lam1, k, q, method)
    if not np.all(np.any(second != 0, axis=1)):
        return []  # an output lost every coupling and its bias: it can only read 0
    quantized = FeedForward([(first[:, :-1] / grid, first[:, -1] / grid), (second[:, :-1] / grid, second[:, -1] / grid)])
    return [(float((Y * _mean_field_means(quantized, X, beta, 1.0 / k)).min()), grid, lam1, k, beta, first, second)
            for beta in betas]


def _integer_circuit(first: np.ndarray, second: np.ndarray, grid: float, k: int, beta: float) -> IsingCircuit:
    """Steps 3–4: λ₂ = 1/k, then × grid·k — an integer BQM at β/(grid·k)."""
    layers = [(k * first[:, :-1], k * first[:, -1]), (second[:, :-1], second[:, -1])]
    circuit = compile_network(layers, beta=beta / (grid * k), lam=1.0)
    circuit.info.update(integer=True)
    return circuit


def integer_circuit(net: Any, X: Any, *, q: int, grid: float, lam1: float, k: int, beta: float,
                    method: str = "optq") -> tuple[IsingCircuit, FeedForward]:
    """One pass of the §7 recipe at fixed parameters: (integer circuit, equivalent float network).

    The float network (quantised weights on the grid, output layer including λ₁)
    compiled with λ = 1/k at ``beta`` has the same Boltzmann distribution as the
    integer circuit, so it can be scored cheaply (e.g. by mean field).
    """
    network = shallow_network(net)
    X = np.atleast_2d(check_array(X, "X", ndim=(1, 2), columns=network.sizes[0], min_rows=1))  # real inputs calibrate too
    q, k = check_positive_int(q, "q"), check_positive_int(k, "k")
    if q // k < 1:
        raise ValueError(f"k must be <= q (the input layer's integers lie in [-q//k, q//k]), got q={q}, k={k}")
    grid, lam1 = check_positive(grid, "grid"), check_positive(lam1, "lam1")
    beta = check_beta(beta)
    method = check_choice(method, "method", QUANTIZERS)
    first, second = _quantize_layers(network, X, grid, lam1, k, q, method)
    equivalent = FeedForward([(first[:, :-1] / grid, first[:, -1] / grid), (second[:, :-1] / grid, second[:, -1] / grid)])
    return _integer_circuit(first, second, grid, k, beta), equivalent


def shallow_network(net: Any) -> FeedForward:
    """``net`` as a :class:`FeedForward` with one tanh hidden layer (the quantisation recipe's networks)."""
    network = as_network(net)
    if network.depth != 2 or network.activation != "tanh":
        raise ValueError("the quantisation recipe (§7) is for shallow tanh networks (one hidden layer); "
                         f"this network has {network.depth - 1} {network.activation} hidden layer(s)")
    return network


def check_integer_problem(first: Any, second: Any, k: Any, X: Any, Y: Any, betas: Any, softness: Any) -> tuple:
    """Checked arguments of :func:`enumerated_worst`, refusing circuits whose enumeration would not fit in memory."""
    first = check_array(first, "first", ndim=2, min_rows=1)
    if first.shape[1] < 2:
        raise ValueError(f"first must be (hidden, n_in + 1): input weights then the bias column, got shape {first.shape}")
    second = check_array(second, "second", ndim=2, min_rows=1, columns=first.shape[0] + 1)
    k = check_positive_int(k, "k")
    X, Y = truth_table(X, Y, first.shape[1] - 1, second.shape[0])
    betas = check_grid(betas, "betas")
    softness = check_nonnegative(softness, "softness")
    spins = first.shape[0] + second.shape[0]
    check_memory(24.0 * X.shape[0] * 2.0 ** min(spins, 64), f"enumerating {spins} hidden and output spins",
                 "use fewer hidden or output units")
    return first, second, k, X, Y, betas, softness


def check_ks(ks: Any, q: int) -> list[int]:
    """The gradients k of the search: positive integers; those above ``q`` (no integer left) are dropped."""
    if ks is None:
        raise TypeError("ks must be one or more positive integers, got None")
    values = np.atleast_1d(check_array(ks, "ks", ndim=(0, 1), dtype=None))
    if values.size == 0:
        raise ValueError("ks is empty; give at least one positive integer")
    ks = [check_positive_int(k, "each k in ks") for k in values.tolist()]
    usable = [k for k in ks if q // k >= 1]
    if not usable:
        raise ValueError(f"every k in ks exceeds q={q}: the input layer's integers lie in [-q//k, q//k]; "
                         "include a k <= q")
    return usable


MAX_REFINE_SPINS = 20  # hidden + output spins enumerated by the refinement's exact evaluator
REFINED_CANDIDATES = 3  # the best mean-field candidates that refine() starts from


def enumerated_worst(first: Any, second: Any, k: int, X: Any, Y: Any, betas: Any,
                     softness: float = 0.0) -> tuple[float, float]:
    """Exact worst-case correctness of an integer circuit, maximised over ``betas``: ``(worst, beta)``.

    With ``softness`` τ > 0 the minimum over (input, bit) is replaced by the
    smooth −τ·log Σ exp(−margin/τ), which also rewards raising the margins just
    above the worst (the plain minimum is flat when several bits tie).

    The circuit of :func:`integer_circuit` has energy E = −Σ_j h_j a_j(x) − Σ_o t_o b_o(h)
    with a = k·(first·[x, 1]) and b = second·[h, 1] (all integers), so for every
    input the Boltzmann averages ⟨t_o⟩ follow from enumerating the hidden and
    output spins — the same numbers the exact backend gives, for all inputs
    and temperatures in a few array operations.
    """
    first, second, k, X, Y, betas, softness = check_integer_problem(first, second, k, X, Y, betas, softness)
    return _enumerated_worst(first, second, k, X, Y, betas, softness)


def _enumerated_worst(first: np.ndarray, second: np.ndarray, k: int, X: np.ndarray, Y: np.ndarray,
                      betas: np.ndarray, softness: float = 0.0) -> tuple[float, float]:
    """:func:`enumerated_worst` on checked arguments (the refinement calls it for every trial step)."""
    ones = np.ones((X.shape[0], 1))
    a = k * (np.column_stack([X, ones]) @ first.T)                      # (inputs, H)
    H_states = spin_rows(np.arange(1 << first.shape[0]), first.shape[0])  # (2^H, H)
    T_states = spin_rows(np.arange(1 << second.shape[0]), second.shape[0])
    b = np.column_stack([H_states, np.ones(len(H_states))]) @ second.T   # (2^H, O)
    energy = -(a @ H_states.T)[:, :, None] - (b @ T_states.T)[None, :, :]  # (inputs, 2^H, 2^O)
    energy = energy.reshape(X.shape[0], -1)
    energy -= energy.min(axis=1, keepdims=True)
    outputs = np.tile(T_states, (len(H_states), 1))                   # (2^H·2^O, O), matches the reshape
    best = (-np.inf, float(betas[0]))
    for beta in betas:
        weights = np.exp(-beta * energy)
        means = (weights @ outputs) / weights.sum(axis=1, keepdims=True)
        margins = Y * means
        worst = float(margins.min())
        if softness > 0:
            worst = float(worst - softness * np.log(np.exp(-(margins - worst) / softness).sum()))
        if worst > best[0]:
            best = (worst, float(beta))
    return best


def refine_integers(first: Any, second: Any, k: int, q: int, X: Any, Y: Any, betas: Any, max_passes: int = 50,
                    softness: float = 0.02) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Greedy ±1 coordinate search over the integers, scored by exact (soft) worst-case correctness.

    Beyond the paper's post-training quantisers: they minimise a layer's
    output error, while the circuit is judged by its worst (input, bit) margin,
    which a few integer steps can move a lot at small q.  Each pass tries every
    single ±1 change within the bounds (⌊q/k⌋ for the input layer, q for the
    output layer) and keeps the best; it stops when no change helps.  The
    search scores the soft minimum of :func:`enumerated_worst` (``softness``);
    the returned ``worst`` is the plain minimum at the best β.

    Returns ``(first, second, worst, beta)``.
    """
    first, second, k, X, Y, betas, softness = check_integer_problem(first, second, k, X, Y, betas, softness)
    q = check_positive_int(q, "q")
    max_passes = check_int(max_passes, "max_passes", minimum=0)
    bounds = (q // k, q)
    layers = [first.copy(), second.copy()]
    worst, beta = _enumerated_worst(layers[0], layers[1], k, X, Y, betas, softness)
    for _ in range(max_passes):
        best_move = None
        for index, layer in enumerate(layers):
            for position in np.ndindex(layer.shape):
                for step in (-1.0, 1.0):
                    value = layer[position] + step
                    if abs(value) > bounds[index]:
                        continue
                    layer[position] = value
                    trial = _enumerated_worst(layers[0], layers[1], k, X, Y, betas, softness)
                    layer[position] = value - step
                    if trial[0] > worst + 1e-12 and (best_move is None or trial[0] > best_move[0][0]):
                        best_move = (trial, index, position, value)
        if best_move is None:
            break
        (worst, beta), index, position, value = best_move
        layers[index][position] = value
    worst, beta = _enumerated_worst(layers[0], layers[1], k, X, Y, betas)
    return layers[0], layers[1], worst, beta


def quantize_network(net: Any, X: Any, Y: Any, *, q: int = 4, method: str = "optq", betas: Any = None,
                     lam1s: Any = None, ks: Any = (1, 2, 3, 4, 6, 8, 12, 16), grids: Any = None, backend: Any = "exact",
                     float_circuit: IsingCircuit | None = None, confirm: int = 8, refine: bool = False,
                     **options: Any) -> QuantizedCircuit:
    """Search the §7 recipe's parameters for the most correct circuit with integers in [−q, q].

    Parameters
    ----------
    net : network
        A shallow tanh network (see :func:`compile_network`).
    X, Y : ndarray
        Truth table (±1 rows); ``X`` also calibrates OPTQ.
    q : int
        Largest allowed absolute value of a coupling or field (≥ 1).
    method : {"optq", "rtn"}
        The quantiser: OPTQ (:func:`optq`) or rounding (:func:`round_to_nearest`).
    betas, lam1s, ks, grids : array_like, optional
        Search grids (sensible defaults).
    backend : str or Backend, default "exact"
        Where candidates are confirmed ("exact", "gibbs", ...).
    float_circuit : IsingCircuit, optional
        The float circuit to compare with (for ``retained``).
    confirm : int, default 8
        How many of the best mean-field candidates are confirmed on ``backend``.
    refine : bool
        Follow the quantiser with :func:`refine_integers` (exact enumeration;
        hidden + output spins ≤ 20) on each confirmed candidate.
    **options
        Passed to :func:`correctness` when candidates are confirmed.

    Returns
    -------
    QuantizedCircuit
    """
    network = shallow_network(net)
    q = check_positive_int(q, "q")
    method = check_choice(method, "method", QUANTIZERS)
    X, Y = truth_table(X, Y, network.sizes[0], network.sizes[-1])
    lam1s = np.geomspace(0.05, 1.0, 8) if lam1s is None else check_grid(lam1s, "lam1s")
    betas = np.geomspace(0.25, 8.0, 11) if betas is None else check_grid(betas, "betas")
    grids = None if grids is None else check_grid(grids, "grids")
    ks = check_ks(ks, q)
    confirm = check_positive_int(confirm, "confirm")
    if check_bool(refine, "refine") and network.sizes[1] + network.sizes[2] > MAX_REFINE_SPINS:
        raise ValueError(f"refine enumerates the hidden and output spins: at most {MAX_REFINE_SPINS}, "
                         f"this network has {network.sizes[1] + network.sizes[2]}")
    if float_circuit is not None and not isinstance(float_circuit, IsingCircuit):
        raise TypeError(f"float_circuit must be an IsingCircuit or None, got {type(float_circuit).__name__}")
    get(backend)  # an unknown backend fails before the search, not after it
    scale = max(float(np.abs(np.column_stack(network.layers[0])).max()), 1e-12)
    candidates = []
    for k in ks:
        # grids relative to the input layer's integer range ⌊q/k⌋ (factors > 1 clip the largest weights)
        k_grids = grids if grids is not None else [(q // k) / scale * f for f in (0.5, 1.0, 1.5, 2.0, 3.0)]
        for grid, lam1 in itertools.product(k_grids, lam1s):
            candidates += _score(network, X, Y, grid, lam1, k, q, method, betas)
    if not candidates:
        raise ValueError("no quantised candidate kept any output coupling; raise q or widen the grids")

    candidates.sort(key=lambda c: c[0], reverse=True)
    best: tuple[float, IsingCircuit, Any, Any, Any] | None = None
    for rank, (_, grid, lam1, k, beta, first, second) in enumerate(candidates[:confirm]):
        if refine and rank < REFINED_CANDIDATES:
            first, second, _, integer_beta = refine_integers(first, second, k, q, X, Y,
                                                             np.geomspace(0.02, 8.0, 30) / k)
            beta = integer_beta * grid * k  # _integer_circuit divides by grid·k
        circuit = _integer_circuit(first, second, grid, k, beta)
        worst = correctness(circuit, X, Y, backend=backend, **options).worst
        if best is None or worst > best[0]:
            best = (worst, circuit, grid, lam1, k)
    float_worst = correctness(float_circuit, X, Y, backend=backend, **options).worst if float_circuit is not None else math.nan
    assert best is not None  # candidates is not empty and confirm >= 1, so the loop ran
    worst, circuit, grid, lam1, k = best
    return QuantizedCircuit(circuit, worst, float_worst, float(grid), float(lam1), int(k), method,
                            info={"candidates": len(candidates)})
