"""``isingbridge demo``: one model on every installed backend, then the whole pipeline.

Part 1: a small frustrated model (fields, random couplings, one clamped spin)
is sampled at β = 1 by each backend; the table shows how far each backend's
⟨s_i⟩ and ⟨s_i s_j⟩ are from the exact enumeration, with the sampling
backends' standard errors, so a reader sees at once which machine computes what.

Part 2: train → compile → tune → quantise → run: a 3-4-2 tanh network learns a
full adder (numpy, seeded), is compiled to an Ising circuit, its (β, λ) tuned,
its couplings quantised to integers in [−4, 4], and both circuits run on every
backend, reporting the worst-case correctness c (> 0: every output bit right).
The same network tuned over a colder range (up to β = 10) runs on exact, gibbs
and tempering: fixed-β Gibbs chains freeze there, replica exchange does not.
Runs offline in seconds on embedded defaults.
"""
from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dimod
import numpy as np

from isingbridge.backends import Moments, available, get
from isingbridge.validation import as_rng, check_beta, check_int

if TYPE_CHECKING:
    from isingbridge.backends.dimod_adapter import DimodSamplerBackend

__all__ = ["demo_model", "run_demo", "run_pipeline", "DemoRow", "DEMO_SPINS"]

# One spin is clamped, so 2 leaves a model to sample; above 14 the statevector backend's
# dense thermal state (2^13 × 2^13 at 14) stops being a matter of seconds.
DEMO_SPINS = (2, 14)


def check_seed(seed: Any) -> int | None:
    """A backend seed: None or an integer >= 0."""
    return None if seed is None else check_int(seed, "seed", minimum=0)


def check_echo(echo: Any) -> None:
    """``echo`` must be a callable taking the text, or None."""
    if echo is not None and not callable(echo):
        raise TypeError(f"echo must be a function taking the text (such as print) or None, got {type(echo).__name__}")


def demo_model(num_spins: int = 10, seed: int = 7) -> dimod.BinaryQuadraticModel:
    """A dense frustrated SPIN model with fields, labelled ``s0 … s{N−1}`` (``num_spins`` >= 1)."""
    num_spins = check_int(num_spins, "num_spins", minimum=1)
    rng = as_rng(seed)
    labels = [f"s{i}" for i in range(num_spins)]
    linear = {v: rng.normal(0.0, 0.3) for v in labels}
    quadratic = {
        (labels[i], labels[j]): rng.normal(0.0, 1.0 / np.sqrt(num_spins))
        for i in range(num_spins) for j in range(i + 1, num_spins)
    }
    return dimod.BQM(linear, quadratic, 0.0, dimod.SPIN)


@dataclass
class DemoRow:
    """One backend's result next to the exact one."""

    backend: str
    seconds: float
    mean_error: float
    corr_error: float
    energy: float
    worst_z: float | None
    note: str = ""


def _mock_annealer() -> DimodSamplerBackend | None:
    """An embedded MockDWaveSampler whose substitute samples at a fixed temperature."""
    try:
        from dwave.samplers import SimulatedAnnealingSampler
        from dwave.system import EmbeddingComposite
        from dwave.system.testing import MockDWaveSampler
    except ImportError:
        return None
    schedule = dict(
        beta_schedule_type="custom", beta_schedule=[1.0], num_sweeps_per_beta=1000,
        proposal_acceptance_criteria="Gibbs", randomize_order=True,
    )
    mock = MockDWaveSampler(substitute_sampler=SimulatedAnnealingSampler(), substitute_kwargs=schedule, exact_solver_cutoff=0)
    from isingbridge.backends.dimod_adapter import DimodSamplerBackend

    backend = get(EmbeddingComposite(mock), chain_strength=1.5)
    assert isinstance(backend, DimodSamplerBackend)  # what get makes of a dimod sampler
    return backend


def _row(name: str, moments: Moments, reference: Moments, seconds: float, note: str = "") -> DemoRow:
    worst_z = None
    if moments.stderr is not None:
        free = moments.stderr > 0
        worst_z = float(np.max(np.abs(moments.mean - reference.mean)[free] / moments.stderr[free])) if free.any() else 0.0
    if moments.corr is None or reference.corr is None:
        raise ValueError(f"the {name} row needs full correlation matrices, and a backend returned none")
    return DemoRow(
        backend=name, seconds=seconds,
        mean_error=float(np.max(np.abs(moments.mean - reference.mean))),
        corr_error=float(np.max(np.abs(moments.corr - reference.corr))),
        energy=float(moments.energy), worst_z=worst_z, note=note,
    )


def run_demo(seed: int | None = 0, *, num_spins: int = 10, beta: float = 1.0,
             echo: Callable[[str], None] | None = print) -> list[DemoRow]:
    """Sample the demo model on every installed backend and compare with exact.

    Parameters
    ----------
    seed : int >= 0 or None
        Seed of the sampling backends.
    num_spins : int
        Model size, within :data:`DEMO_SPINS` (2 to 14).
    beta : float
        Inverse temperature (> 0).
    echo : callable or None
        Where the table goes (``print`` by default; None for no output).

    Returns the table rows (the first is the exact reference itself).
    """
    seed = check_seed(seed)
    num_spins = check_int(num_spins, "num_spins", minimum=DEMO_SPINS[0], maximum=DEMO_SPINS[1])
    beta = check_beta(beta)
    check_echo(echo)
    bqm = demo_model(num_spins)
    clamp = {"s0": 1}
    runs: list[tuple[str, Callable[[], Moments], str]] = []
    names = available()
    exact = get("exact")
    runs.append(("exact", lambda: exact.moments(bqm, beta=beta, clamp=clamp), "reference"))
    if "anneal" in names:
        runs.append(("anneal", lambda: get("anneal").moments(bqm, beta=beta, clamp=clamp, seed=seed, num_reads=2000),
                     "2000 reads x 1000 sweeps"))
    if "gibbs" in names:
        runs.append(("gibbs", lambda: get("gibbs").moments(bqm, beta=beta, clamp=clamp, seed=seed, num_reads=256,
                                                           num_sweeps=2000), "256 chains x 2000 sweeps"))
    if "statevector" in names:
        runs.append(("statevector", lambda: get("statevector").moments(bqm, temperature=1.0 / beta, clamp=clamp),
                     "thermal state, T = 1/beta"))
    mock = _mock_annealer()
    if mock is not None:
        def on_mock() -> Moments:
            mock.estimate_beta_eff(bqm, num_reads=500, clamp=clamp, seed=seed)
            return mock.moments(bqm, beta=beta, clamp=clamp, seed=seed, num_reads=2000)
        runs.append(("MockDWaveSampler", on_mock, "embedded; chains bias finite-beta statistics"))
    rows: list[DemoRow] = []
    reference: Moments | None = None
    for name, run, note in runs:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            moments = run()
        elapsed = time.perf_counter() - start
        if reference is None:
            reference = moments
        if name == "MockDWaveSampler":
            assert mock is not None
            note += f" (beta_eff={mock.beta_eff:.3f})"
        rows.append(_row(name, moments, reference, elapsed, note))
    if echo is not None:
        assert reference is not None  # runs starts with the exact reference
        echo(format_table(rows, num_spins, beta, reference))
    return rows


def format_table(rows: list[DemoRow], num_spins: int, beta: float, reference: Moments) -> str:
    """The demo's table as text."""
    lines = [
        f"isingbridge demo: {num_spins}-spin dense frustrated model, beta={beta}, clamp s0=+1",
        f"exact: log Z = {reference.log_z:.6f}, <E> = {reference.energy:.6f}",
        "",
        f"{'backend':<18}{'time [s]':>9}{'max|dmean|':>12}{'max|dcorr|':>12}{'<E>':>11}{'max z':>8}  note",
    ]
    for r in rows:
        z = "-" if r.worst_z is None else f"{r.worst_z:.2f}"
        lines.append(
            f"{r.backend:<18}{r.seconds:>9.3f}{r.mean_error:>12.2e}{r.corr_error:>12.2e}{r.energy:>11.4f}{z:>8}  {r.note}"
        )
    lines.append("")
    lines.append("max z = largest |mean - exact| / stderr over spins (sampling backends; ~N(0,1) if honest)")
    return "\n".join(lines)


def full_adder() -> tuple[np.ndarray, np.ndarray]:
    """Truth table of a full adder in ±1 spins: inputs (a, b, carry-in), outputs (sum, carry-out)."""
    X = np.array(list(itertools.product([-1.0, 1.0], repeat=3)))
    total = ((X + 1) / 2).sum(axis=1)
    Y = np.column_stack([2 * (total % 2) - 1, 2 * (total >= 2) - 1]).astype(float)
    return X, Y


def train_tanh(X: np.ndarray, Y: np.ndarray, hidden: int = 4, steps: int = 3000, lr: float = 0.1, seed: int = 1):
    """A shallow tanh network fitted by plain gradient descent on the squared error (numpy only)."""
    from isingbridge.circuits import FeedForward

    rng = np.random.default_rng(seed)
    W1, b1 = rng.normal(0, 1, (hidden, X.shape[1])), np.zeros(hidden)
    W2, b2 = rng.normal(0, 1, (Y.shape[1], hidden)), np.zeros(Y.shape[1])
    for _ in range(steps):
        H = np.tanh(X @ W1.T + b1)
        grad_out = 2 * (H @ W2.T + b2 - Y) / len(X)
        grad_hidden = grad_out @ W2 * (1 - H**2)
        W2 -= lr * grad_out.T @ H
        b2 -= lr * grad_out.sum(axis=0)
        W1 -= lr * grad_hidden.T @ X
        b1 -= lr * grad_hidden.sum(axis=0)
    return FeedForward([(W1, b1), (W2, b2)])


#: Inverse temperatures the warm circuits are tuned over: β ≤ 1, the theorem's regime, where p-bits and
#: annealers sample the circuit at a fixed β.
WARM_BETAS = np.geomspace(0.1, 1.0, 10)
#: The cold circuits' range: tuning picks β = 10, where the circuit is nearly deterministic and fixed-β Gibbs
#: chains freeze in whatever output state they first fall into (c ≈ 0.5 against exact 1.0).
COLD_BETAS = np.geomspace(0.1, 10.0, 12)


def pipeline_runs(seed: int | None, cold: bool) -> list[tuple[str, str, dict]]:
    """``(row name, backend, options)`` of the installed backends that run the warm or the cold circuits.

    The cold circuits run on exact, gibbs and tempering (replica exchange,
    whose hot replicas carry the chains between the frozen output states).

    Examples
    --------
    >>> [name for name, _, _ in pipeline_runs(0, cold=True)]
    ['exact (cold)', 'gibbs (cold)', 'tempering (cold)']
    """
    names = available()
    runs: list[tuple[str, str, dict]] = [("exact", "exact", {})]
    if "gibbs" in names:
        runs.append(("gibbs", "gibbs", {"num_reads": 64, "num_sweeps": 2000, "seed": seed}))
    if cold:
        if "tempering" in names:
            runs.append(("tempering", "tempering", {"num_reads": 8, "num_sweeps": 1000, "seed": seed}))
        return [(f"{name} (cold)", backend, options) for name, backend, options in runs]
    if "anneal" in names:
        runs.append(("anneal", "anneal", {"num_reads": 500, "num_sweeps": 200, "seed": seed}))
    if "statevector" in names:
        runs.append(("statevector", "statevector", {}))
    return runs


def tuned_circuits(network: Any, X: np.ndarray, Y: np.ndarray, betas: np.ndarray) -> tuple[Any, Any]:
    """The network's float circuit tuned over ``betas`` and its OPTQ quantisation to integers in [−4, 4]."""
    from isingbridge.circuits import quantize_network, tune

    return tune(network, X, Y, betas=betas), quantize_network(network, X, Y, q=4, method="optq", betas=betas)


def run_pipeline(seed: int | None = 0, *, echo: Callable[[str], None] | None = print) -> dict:
    """Train → compile → tune → quantise → run on each backend; returns {row: (c_float, c_quantised)}.

    Rows are the backends running the warm circuits (tuned at β ≤ 1) and,
    named ``"<backend> (cold)"``, exact, gibbs and tempering running the cold
    circuits (tuned up to β = 10).  ``seed`` (int >= 0 or None) seeds the
    sampling backends; ``echo`` is where the report goes (None: nowhere).
    Measured (seed 0): c = 1.0 exact and tempering, 0.499 gibbs for the cold
    float circuit at β = 10 (``tests/test_tempering_everywhere.py`` checks it).
    """
    from isingbridge.circuits import correctness

    seed = check_seed(seed)
    check_echo(echo)
    X, Y = full_adder()
    network = train_tanh(X, Y)
    results, seconds, circuits = {}, {}, {}
    for cold, betas in ((False, WARM_BETAS), (True, COLD_BETAS)):
        circuits[cold] = tuned_circuits(network, X, Y, betas)
        for name, backend, options in pipeline_runs(seed, cold):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the frozen cold Gibbs chains warn about R-hat, as they should
                results[name] = tuple(correctness(c.circuit, X, Y, backend=backend, **options).worst
                                      for c in circuits[cold])
            seconds[name] = time.perf_counter() - start
    if echo is not None:
        echo(format_pipeline(network, X, Y, circuits, results, seconds))
    return results


def format_pipeline(network: Any, X: np.ndarray, Y: np.ndarray, circuits: dict, results: dict, seconds: dict) -> str:
    """The pipeline's report as text."""
    (tuned, quantized), (cold, cold_quantized) = circuits[False], circuits[True]
    lines = [
        "",
        "pipeline: full adder (3 inputs -> sum, carry), 3-4-2 tanh network trained with numpy",
        f"  network correct on all 8 inputs: {bool(np.all(network.predict(X) == Y))}",
        f"  tuned float circuit: beta={tuned.circuit.beta:.3g}, lambda={tuned.circuit.lam:.3g}",
        f"  quantised (OPTQ, integers in [-4, 4], largest {quantized.max_integer}): runs at beta={quantized.circuit.beta:.3g}",
        f"  cold circuits (tuned up to beta = {COLD_BETAS[-1]:g}): float at beta={cold.circuit.beta:.3g}, "
        f"lambda={cold.circuit.lam:.3g}; quantised at beta={cold_quantized.circuit.beta:.3g}",
        "",
        f"{'backend':<18}{'c float':>10}{'c integer':>12}{'time [s]':>10}",
    ]
    lines += [f"{name:<18}{cf:>10.4f}{cq:>12.4f}{seconds[name]:>10.2f}" for name, (cf, cq) in results.items()]
    lines.append("c = worst case over inputs and output bits of y*<s> (> 0: the circuit computes the adder;")
    lines.append("    sampling backends add their sampling noise to <s>). Cold circuits freeze fixed-beta Gibbs")
    lines.append("    chains in the output state they first reach (c ~ 0.5); tempering's hot replicas free them.")
    return "\n".join(lines)
