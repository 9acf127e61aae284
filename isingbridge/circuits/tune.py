"""Find (β, λ) that make a compiled circuit most correct.

The paper leaves the choice open.  :func:`tune` starts from the theorems'
regime (β around 1, λ small), scores a log-spaced (β, λ) grid with the naive
mean-field surrogate (all inputs at once, milliseconds per point), and confirms
the best few candidates on a real backend — exact enumeration for small
circuits, Gibbs sampling for large ones — returning the best confirmed circuit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from isingbridge.backends import get
from isingbridge.circuits.compile import IsingCircuit, compile_network
from isingbridge.circuits.correctness import CorrectnessMap, check_grid, correctness, correctness_map, truth_table
from isingbridge.circuits.network import as_network
from isingbridge.validation import check_int

__all__ = ["tune", "TuneResult", "check_nonzero_outputs"]


@dataclass
class TuneResult:
    """The best confirmed circuit, its measured correctness, and the surrogate map."""

    circuit: IsingCircuit
    worst: float
    surrogate: CorrectnessMap
    confirmed: list


def check_nonzero_outputs(network, X: np.ndarray) -> None:
    """A network whose output pre-activation is exactly 0 computes no bit there: say where."""
    zero = np.argwhere(network.preactivation(X) == 0)
    if zero.size:
        row, bit = zero[0]
        raise ValueError(f"the network's output {bit} is exactly 0 on input row {row} ({X[row].tolist()}): it has no sign")


def tune(net: Any, X: Any, Y: Any, *, betas: Any = None, lams: Any = None, backend: Any = "exact",
         confirm: int = 6, n_jobs: int = 1, **options: Any) -> TuneResult:
    """Maximise worst-case correctness over (β, λ): mean-field search, backend confirmation.

    Parameters
    ----------
    net : network accepted by :func:`compile_network`
    X, Y : truth table, ±1 rows
    betas, lams : grids (default: β in [0.1, 30], λ in [1e-3, 1], log-spaced)
    backend : backend used to confirm ("exact" for small circuits, "gibbs" for large)
    confirm : number (>= 0) of surrogate-best points measured on ``backend``; six points of the
        isotherm β = 1 with λ from 1e-3 to 0.3 are always measured too (Theorem 5.1's regime)
    n_jobs : joblib workers of the surrogate search (nonzero; −1 = all cores)
    """
    network = as_network(net)
    X, Y = truth_table(X, Y, network.sizes[0], network.sizes[-1])
    check_nonzero_outputs(network, X)
    betas = np.geomspace(0.1, 30.0, 25) if betas is None else check_grid(betas, "betas")
    lams = np.geomspace(1e-3, 1.0, 31) if lams is None else check_grid(lams, "lams")
    confirm = check_int(confirm, "confirm", minimum=0)
    get(backend)  # an unknown backend fails before the search, not after it
    surrogate = correctness_map(network, X, Y, betas, lams, backend="mean-field", n_jobs=n_jobs)
    order = np.argsort(surrogate.worst, axis=None)[::-1][:confirm]
    points = [(float(betas[i]), float(lams[j]), float(surrogate.worst[i, j]))
              for i, j in (np.unravel_index(flat, surrogate.worst.shape) for flat in order)]
    # Mean field is overconfident at strong coupling, so also confirm the theorem's own regime:
    # the isotherm β = 1 at small λ, where Theorem 5.1 guarantees c > 0.
    points += [(1.0, float(lam), float("nan")) for lam in np.geomspace(1e-3, 0.3, 6)]
    confirmed = []
    best: tuple[float, IsingCircuit] | None = None
    for beta, lam, predicted in points:
        circuit = compile_network(network, beta=beta, lam=lam)
        worst = correctness(circuit, X, Y, backend=backend, **options).worst
        confirmed.append((beta, lam, predicted, worst))
        if best is None or worst > best[0]:
            best = (worst, circuit)
    assert best is not None  # points always holds the isotherm's six, so the loop ran
    return TuneResult(best[1], best[0], surrogate, confirmed)
