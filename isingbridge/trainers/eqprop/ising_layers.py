"""Equilibrium propagation on a layered Ising network: the setting of Laydevant et al. (2024).

A feed-forward stack of ±1 spins, input → hidden layers → outputs, with
energy E = −Σ_k s_{k+1}ᵀ W_k s_k − Σ_k b_kᵀ s_{k+1} (weights W = −J in dimod's
sign) and the inputs clamped.  The free phase is a Boltzmann sample of the
hidden and output spins; the nudged phase adds β·C with C = −Σ_o d_o s_o
(= ½‖s_out − d‖² up to a constant) and continues from the free states, as the
paper's reverse anneal does; the update is W_k += η (⟨s_{k+1} s_kᵀ⟩_nudged −
⟨s_{k+1} s_kᵀ⟩_free) / β.  Labels are one-hot over ``replicas`` output spins
per class (their paper: 4), and prediction is the class with the largest
summed free-phase output.

Phases run through the backend contract on the array form of the free
spins (:meth:`IsingLayers.sampling_model`, no BQM per example): one batched
``sample_states`` call per phase, every example a row whose clamped input is
a field on the first hidden layer; the nudged phase adds the nudge as fields on
the outputs and continues from the free states where the backend takes
``initial_states``.  The same code runs on gibbs (one engine for all rows),
the annealer or a dimod sampler.

>>> import numpy as np
>>> from isingbridge.trainers.eqprop import IsingLayers
>>> net = IsingLayers.random([4, 3, 2], seed=0)
>>> free, nudged = net.sample_phases(np.ones((2, 4)), -np.ones((2, 2)), nudge=5.0, reads=3, sweeps=5,
...                                  nudge_sweeps=5, backend="gibbs", rng=np.random.default_rng(0))
>>> free.shape, nudged.shape   # (examples × reads, hidden + output spins)
((6, 5), (6, 5))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np
import scipy.sparse as sp

from isingbridge.backends import get
from isingbridge.ir import CompiledBQM
from isingbridge.trainers.checkpoint import check_classes
from isingbridge.trainers.eqprop.quantum import check_nudge
from isingbridge.trainers.eqprop.training import (
    LayeredEqPropTrainer, check_layer_sizes, layer_optimizers, one_hot_targets, step_layers,
)
from isingbridge.validation import as_rng, check_array, check_beta, check_positive_int, check_real, check_spins

__all__ = ["IsingLayers", "IsingEqPropClassifier"]


@dataclass
class IsingLayers:
    """Weights ``W[k]`` (n_{k+1} × n_k) and biases ``b[k]`` (n_{k+1}) of a layered ±1 network at inverse temperature ``beta``."""

    W: list[np.ndarray]
    b: list[np.ndarray]
    beta: float = 1.0

    def __post_init__(self) -> None:
        self.beta = check_beta(self.beta, "beta")

    @classmethod
    def random(cls, sizes: list[int], *, seed: Any = None, beta: float = 1.0) -> "IsingLayers":
        """Uniform weights in ±1/√fan_in, zero biases."""
        sizes = check_layer_sizes(sizes, "sizes")
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output layer, got {sizes}")
        rng = as_rng(seed)
        W = [rng.uniform(-1, 1, size=(n_out, n_in)) / np.sqrt(n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        return cls(W, [np.zeros(n) for n in sizes[1:]], check_beta(beta))

    @property
    def sizes(self) -> list[int]:
        return [self.W[0].shape[1]] + [W.shape[0] for W in self.W]

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays by name (views, so optimizers update them in place)."""
        return {**{f"W{k}": W for k, W in enumerate(self.W)}, **{f"b{k}": b for k, b in enumerate(self.b)}}

    def _free_slices(self) -> list[slice]:
        edges = np.cumsum([0] + self.sizes[1:])
        return [slice(int(a), int(z)) for a, z in zip(edges[:-1], edges[1:])]

    def _fields(self, X: np.ndarray, output_shift: np.ndarray | None) -> list[np.ndarray]:
        """Each free layer's field b + (clamped input drive) in the W sign, per chain where it varies."""
        fields = [b.copy() for b in self.b]
        fields[0] = (X @ self.W[0].T + self.b[0]).T  # (n_1, chains)
        if output_shift is not None:  # (.T of the 1-D bias is the bias itself)
            fields[-1] = (fields[-1].T + output_shift).T
        return fields

    def to_bqm(self, x: np.ndarray, output_shift: np.ndarray | None = None) -> dimod.BinaryQuadraticModel:
        """The free spins' BQM for one clamped input (labels 0 … N−1 in free-layer order), dimod's sign."""
        fields = self._fields(np.atleast_2d(x), None if output_shift is None else np.atleast_2d(output_shift))
        bqm = dimod.BQM(-np.concatenate([np.ravel(f) for f in fields]), {}, 0.0, "SPIN")
        slices = self._free_slices()
        for k in range(1, len(self.W)):
            rows, cols = np.nonzero(self.W[k])
            bqm.add_quadratic_from(zip((slices[k].start + rows).tolist(), (slices[k - 1].start + cols).tolist(),
                                       (-self.W[k][rows, cols]).tolist()))
        return bqm

    def sampling_model(self) -> CompiledBQM:
        """The free spins (hidden layers, then outputs) as an array model in dimod's sign, inputs left out.

        Labels are positions in free-layer order.  Adjacent layers couple
        only to each other, so layers of even and odd rank are the two sides
        of a :meth:`~isingbridge.ir.CompiledBQM.bipartite` model (no ``N × N``
        matrix); a clamped input enters as per-example fields on the first
        hidden layer (:meth:`input_fields`).
        """
        slices = self._free_slices()
        h = -np.concatenate(self.b)
        if len(slices) == 1:
            return CompiledBQM.from_arrays(h, sp.csr_matrix((h.size, h.size)))
        even = np.concatenate([np.arange(s.start, s.stop) for s in slices[0::2]])
        odd = np.concatenate([np.arange(s.start, s.stop) for s in slices[1::2]])
        row, column = np.empty(h.size, dtype=np.int64), np.empty(h.size, dtype=np.int64)
        row[even], column[odd] = np.arange(even.size), np.arange(odd.size)
        couplings = np.zeros((even.size, odd.size))
        for k in range(1, len(self.W)):  # W[k] joins free layer k−1 (below) and free layer k (above)
            below, above = slices[k - 1], slices[k]
            block = -self.W[k].T if (k - 1) % 2 == 0 else -self.W[k]  # rows: the even layer
            rows, cols = (below, above) if (k - 1) % 2 == 0 else (above, below)
            couplings[np.ix_(row[np.arange(rows.start, rows.stop)], column[np.arange(cols.start, cols.stop)])] = block
        labels = {"visible": even, "hidden": odd} if len(slices) > 2 else {}
        return CompiledBQM.bipartite(couplings, h[even], h[odd], copy=False, **labels)

    def input_fields(self, X: np.ndarray) -> np.ndarray:
        """The first hidden layer's field from clamped inputs ``X``, per example, in dimod's sign: ``−X W₀ᵀ``."""
        return -(X @ self.W[0].T)

    def sample_phases(self, X: np.ndarray, D: np.ndarray | None, *, nudge: float, reads: int, sweeps: int,
                      nudge_sweeps: int, backend: Any, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
        """Free and nudged states, ``(len(X)·reads, hidden + output)`` spins each (nudged None when ``D`` is).

        Rows are example-major: the reads of example i are rows i·reads … i·reads + reads − 1.
        One batched call of the backend contract per phase: every example is
        a row (its input as fields on the first hidden layer, the nudge as
        fields on the outputs); the nudged phase continues from the free
        states where the backend takes ``initial_states``.
        """
        backend = get(backend)
        reads, sweeps = check_positive_int(reads, "reads"), check_positive_int(sweeps, "sweeps")
        nudge_sweeps, nudge = check_positive_int(nudge_sweeps, "nudge_sweeps"), check_real(nudge, "nudge")
        X = check_array(X, "X", ndim=2, min_rows=1, columns=self.sizes[0])
        if D is not None:
            D = check_array(D, "D", ndim=2, min_rows=X.shape[0], columns=self.sizes[-1])[: X.shape[0]]
        model, slices = self.sampling_model(), self._free_slices()
        first = np.arange(slices[0].start, slices[0].stop)
        drive = self.input_fields(X)
        free = self._phase(backend, model, (first, drive), reads, sweeps, None, rng)
        if D is None:
            return free.reshape(-1, model.num_variables), None
        outputs = np.arange(slices[-1].start, slices[-1].stop)
        labels = np.concatenate([first, outputs])
        values = np.hstack([drive, -nudge * D])
        if len(slices) == 1:  # the first hidden layer is the output layer: both fields on the same spins
            labels, values = first, drive - nudge * D
        nudged = self._phase(backend, model, (labels, values), reads, nudge_sweeps, free, rng)
        return free.reshape(-1, model.num_variables), nudged.reshape(-1, model.num_variables)

    def _phase(self, backend, model: CompiledBQM, fields: tuple, reads: int, sweeps: int, start: np.ndarray | None,
               rng: np.random.Generator) -> np.ndarray:
        """One phase, ``(examples, reads, free spins)`` in free-layer order."""
        options = {"num_sweeps": sweeps} if "num_sweeps" in backend.parameters else {}
        if start is not None and "initial_states" in backend.parameters:
            options["initial_states"] = start[:, :, np.argsort(np.argsort(model.variables))]  # into the model's order
        drawn = backend.sample_states(model, beta=self.beta, num_reads=reads, seed=int(rng.integers(2**31)),
                                      fields=(list(fields[0]), fields[1]), **options)
        return drawn.states[:, :, np.argsort(model.variables)]  # columns back in free-layer order
    def gradient(self, X: np.ndarray, free: np.ndarray, nudged: np.ndarray, nudge: float, reads: int) -> dict:
        """∂C/∂θ ≈ −(⟨∂(−E)/∂θ⟩_nudged − ⟨∂(−E)/∂θ⟩_free)/β_nudge, averaged over chains (descend it)."""
        X = np.repeat(np.asarray(X, dtype=np.float64), reads, axis=0)
        slices = self._free_slices()
        grads, n = {}, X.shape[0]
        for k in range(len(self.W)):
            below_f = X if k == 0 else free[:, slices[k - 1]].astype(np.float64)
            below_n = X if k == 0 else nudged[:, slices[k - 1]].astype(np.float64)
            above_f, above_n = free[:, slices[k]].astype(np.float64), nudged[:, slices[k]].astype(np.float64)
            grads[f"W{k}"] = -(above_n.T @ below_n - above_f.T @ below_f) / (n * nudge)
            grads[f"b{k}"] = -(above_n.mean(axis=0) - above_f.mean(axis=0)) / nudge
        return grads


class IsingEqPropClassifier(LayeredEqPropTrainer):
    """A layered Ising network trained by equilibrium propagation on a sampler (Laydevant et al. 2024).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Their MNIST network: (120,).
    replicas : int
        Output spins per class (theirs: 4).
    beta : float
        Nudging strength (theirs: 5).
    num_reads : int
        Samples per example and phase (theirs: 10).
    num_sweeps, nudge_sweeps : int
        Sweeps of the free phase (from random spins) and of the nudged phase (from the free states).
    temperature_beta : float
        Inverse temperature of the sampled Boltzmann distribution.
    backend : str, Backend or dimod.Sampler
        "gibbs" (array fast path), "anneal", a dimod sampler, ...
    learning_rate : float or list of float (one per layer)
    optimizer : {"sgd", "adam"}
    momentum, batch_size, n_epochs, seed, progress : the usual

    Features in {0, 1} (or [0, 1], thresholded at 0.5) become clamped spins ±1.
    """

    _label = "Ising EqProp"

    def __init__(self, hidden_layer_sizes: tuple = (120,), *, replicas: int = 4, beta: float = 5.0,
                 num_reads: int = 10, num_sweeps: int = 20, nudge_sweeps: int = 10, temperature_beta: float = 1.0,
                 backend: Any = "gibbs", learning_rate: Any = 0.01, optimizer: str = "sgd", momentum: float = 0.0,
                 batch_size: int = 20, n_epochs: int = 10, seed: Any = None, progress: bool = False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.replicas = replicas
        self.beta = beta
        self.num_reads = num_reads
        self.num_sweeps = num_sweeps
        self.nudge_sweeps = nudge_sweeps
        self.temperature_beta = temperature_beta
        self.backend = backend
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.momentum = momentum
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.seed = seed
        self.progress = progress

    def _check_X(self, X: Any) -> np.ndarray:
        X = super()._check_X(X)
        if X.min(initial=0.0) < 0:  # spins: exactly ±1, since a 0 beside -1 has no meaning
            return check_spins(X, "X", dtype=np.float64)
        if X.max(initial=0.0) > 1:
            raise ValueError(f"X must hold features in [0, 1] or spins -1/+1; found {X.max():g}: scale pixels by "
                             "1/255 first")
        return np.where(X >= 0.5, 1.0, -1.0)

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return one_hot_targets(self.classes_, y, -1.0, self.replicas)

    def _initialise(self, X: np.ndarray, y: np.ndarray) -> None:
        self.classes_ = check_classes(y)
        check_nudge(self.beta, "positive")
        check_beta(self.temperature_beta, "temperature_beta")
        for name in ("replicas", "num_reads", "num_sweeps", "nudge_sweeps", "batch_size"):
            check_positive_int(getattr(self, name), name)
        sizes = [X.shape[1], *check_layer_sizes(self.hidden_layer_sizes), len(self.classes_) * self.replicas]
        self.rng_ = as_rng(self.seed)
        self.network_ = IsingLayers.random(sizes, seed=self.rng_, beta=self.temperature_beta)
        self.backend_ = get(self.backend)
        self.optimizers_ = layer_optimizers(self.learning_rate, len(self.network_.W), self.optimizer, self.momentum)
        self.epochs_done_ = 0
        self.history_: list[dict] = []

    def _phases(self, X: np.ndarray, D: np.ndarray | None):
        return self.network_.sample_phases(X, D, nudge=self.beta, reads=self.num_reads, sweeps=self.num_sweeps,
                                           nudge_sweeps=self.nudge_sweeps, backend=self.backend_, rng=self.rng_)

    def _train_batch(self, X: np.ndarray, D: np.ndarray) -> float:
        network = self.network_
        free, nudged = self._phases(X, D)
        outputs = free[:, network._free_slices()[-1]].reshape(len(X), self.num_reads, -1).mean(axis=1)
        step_layers(self.optimizers_, network.parameters(),
                    network.gradient(X, free, nudged, self.beta, self.num_reads))
        return float(np.mean((outputs - D) ** 2))

    def decision_function(self, X: Any) -> np.ndarray:
        """Free-phase mean of each class's output spins (summed over its replicas), per example."""
        self._check_fitted("network_")
        X = self._check_X(X)
        scores = []
        for start in range(0, X.shape[0], 500):
            free, _ = self._phases(X[start:start + 500], None)
            out = free[:, self.network_._free_slices()[-1]].astype(np.float64)
            scores.append(out.reshape(-1, self.num_reads, len(self.classes_), self.replicas).mean(axis=1).sum(axis=2))
        return np.vstack(scores)
