"""Equilibrium propagation on Ising samplers: nudged phases (Laydevant et al.) and the thermal covariance rule.

A network is a SPIN BQM in dimod's sign, E(s) = Σ h_i s_i + Σ J_ij s_i s_j,
held at inverse temperature β (``beta``) by any backend; inputs are clamped
spins and the cost of output spins o with targets d_o ∈ [−1, 1] is

    C(s) = ½ Σ_o (s_o − d_o)²  =  const − Σ_o d_o s_o        (s_o² = 1).

With ν the nudging strength (``nudge``) and the free energy
F(ν) = −(1/β) log Σ exp(−β (E + ν C)) one has ∂F/∂ν = ⟨C⟩ and
∂F/∂J_ij = ⟨s_i s_j⟩, so at any temperature

    ∂⟨C⟩/∂J_ij = ∂⟨s_i s_j⟩/∂ν |_{ν=0} ≈ (⟨s_i s_j⟩^{(+ν)} − ⟨s_i s_j⟩^{(−ν)}) / 2ν

(:class:`IsingEqProp`; ``variant="positive"`` uses the free phase and +ν), and
weights W = −J move by +η (⟨s_is_j⟩_nudged − ⟨s_is_j⟩_free)/ν as in Laydevant
et al.  Both phases are Boltzmann samples of the same BQM (the nudge is a field
−ν d_o on each output), so any backend runs them: exact, gibbs, anneal, a
wrapped D-Wave sampler.  :class:`ThermalEqProp` needs no nudged phase at all
(Massar & Mognetti 2024, Eq. 43): at ν = 0,

    ∂⟨C⟩/∂θ = −β Cov[∂E/∂θ, C]                (∂E/∂J_ij = s_i s_j, ∂E/∂h_i = s_i),

estimated from free-phase samples with its standard error; its ``clamped``
method is the ±ν estimator above for comparison (Eq. 42).

>>> import dimod
>>> from isingbridge.trainers import IsingEqProp
>>> net = dimod.BQM({"h": 0.1, "o": -0.2}, {("x", "h"): -0.8, ("h", "o"): -0.6}, 0.0, "SPIN")
>>> g = IsingEqProp(1e-3, backend="exact").gradient(net, {"x": 1}, targets={"o": -1.0})
>>> g.values["J"]["h", "o"] < 0     # the output follows the input (+1) but should read −1: descent raises J_ho
True
>>> gradient_keys(g) == parameter_keys(net, {"x"}), gradient_vector(g).shape
(True, (4,))
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Mapping
from typing import Any

import dimod
import numpy as np

from isingbridge.backends import get
from isingbridge.ir import CompiledBQM, as_spin_bqm
from isingbridge.trainers.estimators.base import Gradient, GradientEstimator
from isingbridge.trainers.estimators.nudging import Couplings, check_field_values, check_nudge, positive_setting
from isingbridge.trainers.models.ising_layers import IsingLayers
from isingbridge.validation import as_rng, check_array, check_beta, check_positive_int, check_spin_value

__all__ = ["LayeredIsingEqProp", "IsingEqProp", "ThermalEqProp", "parameter_keys", "label_order", "gradient_keys",
           "gradient_vector"]


def label_order(label: Hashable) -> tuple:
    """A sort key for any variable label that is the same in every process.

    Numbers sort first, then strings, then tuples (part by part), then
    anything else by its ``repr``, so mixed labels never compare across kinds.
    """
    if isinstance(label, numbers.Real) and not isinstance(label, bool):
        return (0, float(label))
    if isinstance(label, str):
        return (1, label)
    if isinstance(label, tuple):
        return (2, tuple(label_order(part) for part in label))
    return (3, repr(label))


def parameter_keys(bqm: dimod.BinaryQuadraticModel, inputs: Any = ()) -> list[tuple]:
    """Every trainable parameter of a network, ``("J", (u, v))`` then ``("h", v)``, in one canonical order.

    Pairs are oriented and sorted by :func:`label_order`, fields sorted the
    same way (inputs have none).  The order depends on the labels only, not
    on how ``bqm`` iterates its couplings, which changes when a BQM is copied
    to another process; flatten gradients with it (:func:`gradient_vector`).
    """
    pairs = sorted((tuple(sorted((u, v), key=label_order)) for u, v in bqm.quadratic),
                   key=lambda pair: (label_order(pair[0]), label_order(pair[1])))
    fields = sorted((v for v in bqm.variables if v not in inputs), key=label_order)
    return [("J", pair) for pair in pairs] + [("h", v) for v in fields]


def gradient_keys(gradient: Gradient) -> list[tuple]:
    """``("J", (u, v))`` for every coupling then ``("h", v)`` for every field of a BQM network's gradient.

    The estimators fill ``gradient.values["J"]`` and ``["h"]`` in the order of
    :func:`parameter_keys`, so this is that order, whatever process computed them.
    """
    return [("J", pair) for pair in gradient.values["J"]] + [("h", v) for v in gradient.values["h"]]


def gradient_vector(gradient: Gradient, keys: Any = None) -> np.ndarray:
    """A BQM network's gradient as one array, in the order of ``keys`` (default :func:`gradient_keys`,
    i.e. :func:`parameter_keys`)."""
    keys = gradient_keys(gradient) if keys is None else keys
    values = gradient.values
    return np.array([values["J"][key] if kind == "J" else values["h"][key] for kind, key in keys], dtype=float)


def _check_problem(bqm: dimod.BinaryQuadraticModel, inputs: Mapping, targets: Mapping | None):
    bqm = as_spin_bqm(bqm)
    if not isinstance(inputs, Mapping):
        raise TypeError(f"inputs must be a dict {{input label: -1 or +1}}, got {type(inputs).__name__} {inputs!r}")
    for label, value in inputs.items():
        if label not in bqm.variables:
            raise ValueError(f"input {label!r} is not a variable of the network")
        check_spin_value(value, f"input {label!r}")
    checked = check_field_values(targets, "targets", bqm.variables, bounded=True)
    for label in checked:
        if label in inputs:
            raise ValueError(f"{label!r} is both an input (clamped) and an output")
    return bqm, {label: check_spin_value(value, f"input {label!r}") for label, value in inputs.items()}, checked


def _nudged(bqm: dimod.BinaryQuadraticModel, targets: Mapping, nudge: float) -> dimod.BinaryQuadraticModel:
    nudged = bqm.copy()
    for label, d in targets.items():
        nudged.add_linear(label, -nudge * d)
    return nudged


def _cost(means: Mapping, targets: Mapping) -> float:
    return 0.5 * sum(1.0 + d * d - 2.0 * d * means[label] for label, d in targets.items())


class IsingEqProp(GradientEstimator):
    """EP gradient from free and nudged Boltzmann phases of a BQM on any backend.

    ``gradient(bqm, inputs, targets, rng=None)`` clamps the ``inputs``
    ``{label: ±1}`` and nudges the outputs towards ``targets``
    ``{label: d in [−1, 1]}``; its :class:`~isingbridge.trainers.estimators.base.Gradient`
    holds ``values = {"J": Couplings, "h": dict}`` in the order of
    :func:`parameter_keys`, the free phase's cost and mean outputs.

    Parameters
    ----------
    nudge : float
        Nudging strength ν (> 0).
    backend : str, Backend or dimod.Sampler
        Who samples the phases (``"exact"`` gives exact moments).
    beta : float
        Inverse temperature β of the network's Boltzmann distribution.
    variant : {"symmetric", "positive"}
    options : passed to the backend's ``moments`` (``num_reads``, ``num_sweeps``, ``seed`` ...); an ``rng``
        given to :meth:`gradient` is the backend's ``seed`` instead (one generator for every phase).
    """

    def __init__(self, nudge: float = 0.1, *, backend: Any = "gibbs", beta: float = 1.0,
                 variant: str = "symmetric", **options: Any):
        self.nudge = check_nudge(nudge, variant)
        self.variant = variant
        self.beta = check_beta(beta, "beta")
        self.backend = get(backend)
        self.options = options

    def _moments(self, bqm, inputs, options):
        return self.backend.moments(bqm, beta=self.beta, clamp=inputs or None, **options)

    def gradient(self, model: dimod.BinaryQuadraticModel, X: Mapping, targets: Mapping | None = None, *,
                 rng: np.random.Generator | None = None) -> Gradient:
        """∂⟨C⟩/∂θ for every coupling and free field of the network ``model`` (a BQM).

        The inputs ``X`` are clamped and the outputs nudged towards ``targets``;
        ``rng``, when given, is the backend's seed (else the ``seed`` option, if any).
        """
        bqm, inputs, targets = _check_problem(model, X, targets)
        options = self.options if rng is None else {**self.options, "seed": rng}  # one generator: independent phases
        free = self._moments(bqm, inputs, options)
        if self.variant == "symmetric":
            plus = self._moments(_nudged(bqm, targets, self.nudge), inputs, options)
            minus = self._moments(_nudged(bqm, targets, -self.nudge), inputs, options)
            scale = 2.0 * self.nudge
        else:
            plus, minus, scale = self._moments(_nudged(bqm, targets, self.nudge), inputs, options), free, self.nudge
        quadratic, linear = Couplings(), {}
        for kind, key in parameter_keys(bqm, inputs):
            if kind == "J":
                quadratic[key] = (plus.corr_of(*key) - minus.corr_of(*key)) / scale
            else:
                linear[key] = (plus.mean_of(key) - minus.mean_of(key)) / scale
        outputs = {label: free.mean_of(label) for label in targets}
        return Gradient({"J": quadratic, "h": linear}, _cost(outputs, targets), outputs,
                        info={"backend": self.backend.name})

    def __repr__(self) -> str:
        return (f"IsingEqProp(nudge={self.nudge}, backend={self.backend.name!r}, beta={self.beta}, "
                f"variant={self.variant!r})")


class ThermalEqProp(GradientEstimator):
    """The finite-temperature EP rules of Massar & Mognetti (2024) for a BQM at temperature T.

    ``gradient(bqm, inputs, targets, rng=None)`` — the covariance estimator of
    Eq. 43, −(1/T) Cov[∂E/∂θ, C] over ``num_reads`` free-phase samples (no
    nudge: outputs never clamped), with standard errors (``stderr``, keyed as
    ``values``: ``{"J": ..., "h": ...}``); ``clamped_gradient`` — the
    ±``nudge`` estimator of Eq. 42 on the same backend, for comparison.  Both
    return a :class:`~isingbridge.trainers.estimators.base.Gradient`.
    """

    def __init__(self, temperature: float = 1.0, *, backend: Any = "gibbs", num_reads: int = 1000,
                 nudge: float = 0.1, **options: Any):
        self.temperature = positive_setting(temperature, "temperature")
        self.num_reads = check_positive_int(num_reads, "num_reads")
        self.backend = get(backend)
        self.nudge = check_nudge(nudge, "symmetric")
        self.options = options

    def gradient(self, model: dimod.BinaryQuadraticModel, X: Mapping, targets: Mapping | None = None, *,
                 rng: np.random.Generator | None = None) -> Gradient:
        """−(1/T) Cov[∂E/∂θ, C] over free-phase samples of the network ``model`` (a BQM), inputs ``X`` clamped.

        ``rng`` (a Generator, or None) is the backend's seed.
        """
        bqm, inputs, targets = _check_problem(model, X, targets)
        sampleset = self.backend.sample(bqm, beta=1.0 / self.temperature, num_reads=self.num_reads,
                                        clamp=inputs or None, seed=rng, **self.options)
        order = {v: i for i, v in enumerate(sampleset.variables)}
        states = sampleset.record.sample.astype(np.float64)
        weights = sampleset.record.num_occurrences.astype(np.float64)
        cost = 0.5 * sum((states[:, order[o]] - d) ** 2 for o, d in targets.items())
        n = weights.sum()

        def covariance(values: np.ndarray) -> tuple[float, float]:
            dv, dc = values - weights @ values / n, cost - weights @ cost / n
            products = dv * dc
            mean = weights @ products / n
            spread = math.sqrt(max(weights @ (products - mean) ** 2 / n, 0.0) / max(n - 1.0, 1.0))
            return -mean / self.temperature, spread / self.temperature

        values = {"J": Couplings(), "h": {}}
        errors = {"J": Couplings(), "h": {}}
        for kind, key in parameter_keys(bqm, inputs):
            if kind == "J":
                values["J"][key], errors["J"][key] = covariance(states[:, order[key[0]]] * states[:, order[key[1]]])
            else:
                values["h"][key], errors["h"][key] = covariance(states[:, order[key]])
        outputs = {o: float(weights @ states[:, order[o]] / n) for o in targets}
        return Gradient(values, float(weights @ cost / n), outputs, stderr=errors,
                        info={"num_reads": int(n), "backend": self.backend.name})

    def clamped_gradient(self, model: dimod.BinaryQuadraticModel, X: Mapping, targets: Mapping | None = None, *,
                         rng: np.random.Generator | None = None, **options: Any) -> Gradient:
        """The ±``nudge`` estimator (Eq. 42) at the same temperature and backend (:meth:`IsingEqProp.gradient`)."""
        options = {**self.options, **options}
        if "num_reads" in self.backend.parameters:
            options.setdefault("num_reads", self.num_reads)
        estimator = IsingEqProp(self.nudge, backend=self.backend, beta=1.0 / self.temperature, **options)
        return estimator.gradient(model, X, targets, rng=rng)

    def __repr__(self) -> str:
        return f"ThermalEqProp(temperature={self.temperature}, backend={self.backend.name!r}, num_reads={self.num_reads})"


class LayeredIsingEqProp(GradientEstimator):
    """EP gradient of an :class:`~isingbridge.trainers.models.IsingLayers` network from sampled phases (Laydevant et al. 2024).

    The free phase is a Boltzmann sample of the hidden and output spins with
    the inputs clamped; the nudged phase adds ``nudge``·C with
    C = −Σ_o d_o s_o (= ½‖s_out − d‖² up to a constant) and continues from the
    free states, as the paper's reverse anneal does; the gradient of the cost
    is −(⟨s_{k+1} s_kᵀ⟩_nudged − ⟨s_{k+1} s_kᵀ⟩_free) / nudge.  Phases run
    through the backend contract on the network's array form
    (:meth:`~isingbridge.trainers.models.IsingLayers.sampling_model`): one
    batched ``sample_states`` call per phase, every example a row whose input
    is a field on the first hidden layer, the nudge fields on the outputs, so
    the same code runs on gibbs, the annealer, a dimod sampler or a plugin.

    Parameters
    ----------
    nudge : float
        Nudging strength (> 0; theirs: 5).
    backend : str, Backend or dimod.Sampler
        Who samples the phases.
    num_reads : int
        Samples per example and phase (theirs: 10).
    num_sweeps, nudge_sweeps : int
        Sweeps of the free phase (from random spins) and of the nudged phase
        (from the free states), where the backend takes them.

    Examples
    --------
    >>> import numpy as np
    >>> from isingbridge.trainers import IsingLayers, LayeredIsingEqProp
    >>> net = IsingLayers.random([4, 3, 2], seed=0)
    >>> estimator = LayeredIsingEqProp(nudge=5.0, num_reads=3, num_sweeps=5, nudge_sweeps=5)
    >>> free, nudged = estimator.sample_phases(net, np.ones((2, 4)), -np.ones((2, 2)), np.random.default_rng(0))
    >>> free.shape, nudged.shape   # (examples × reads, hidden + output spins)
    ((6, 5), (6, 5))
    >>> result = estimator.gradient(net, np.ones((2, 4)), -np.ones((2, 2)), rng=np.random.default_rng(0))
    >>> sorted(result.values), result.outputs.shape
    (['W0', 'W1', 'b0', 'b1'], (2, 2))
    """

    def __init__(self, nudge: float = 5.0, *, backend: Any = "gibbs", num_reads: int = 10, num_sweeps: int = 20,
                 nudge_sweeps: int = 10):
        self.nudge = check_nudge(nudge, "positive")
        self.backend = get(backend)
        self.num_reads = check_positive_int(num_reads, "num_reads")
        self.num_sweeps = check_positive_int(num_sweeps, "num_sweeps")
        self.nudge_sweeps = check_positive_int(nudge_sweeps, "nudge_sweeps")

    def __repr__(self) -> str:
        return (f"LayeredIsingEqProp(nudge={self.nudge}, backend={self.backend.name!r}, num_reads={self.num_reads}, "
                f"num_sweeps={self.num_sweeps}, nudge_sweeps={self.nudge_sweeps})")

    def gradient(self, model: IsingLayers, X: np.ndarray, targets: np.ndarray | None = None, *,
                 rng: np.random.Generator | None = None) -> Gradient:
        """∂C/∂θ from one free and one nudged phase of the batch ``X`` (inputs ±1) with targets ``D`` (``targets``).

        ``values`` are keyed ``W0``, ``b0``, ... as ``model.parameters()``;
        ``outputs`` are the free phase's mean output spins per example and
        ``cost`` their mean squared distance to ``D``.  ``rng`` (None: fresh
        entropy) seeds both phases.
        """
        if targets is None:
            raise TypeError("LayeredIsingEqProp.gradient needs targets: one row of output targets per input row "
                            "(free_outputs gives the free phase alone)")
        X, D = _check_rows(model, X, targets, "targets")
        free, nudged = self.sample_phases(model, X, D, as_rng(rng, "rng"))
        assert nudged is not None  # D is given, so the nudged phase ran
        outputs = free[:, model.free_slices()[-1]].reshape(len(X), self.num_reads, -1).mean(axis=1)
        gradients = self._difference(model, X, free, nudged)
        return Gradient(gradients, float(np.mean((outputs - D) ** 2)), outputs)

    def free_outputs(self, network: IsingLayers, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Mean output spins of the free phase per example, ``(len(X), outputs)``."""
        free, _ = self.sample_phases(network, X, None, rng)
        return free[:, network.free_slices()[-1]].astype(np.float64).reshape(len(X), self.num_reads, -1).mean(axis=1)

    def sample_phases(self, network: IsingLayers, X: np.ndarray, D: np.ndarray | None,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
        """Free and nudged states, ``(len(X)·num_reads, hidden + output)`` spins each (nudged None when ``D`` is).

        Rows are example-major: the reads of example i are rows
        i·num_reads … i·num_reads + num_reads − 1.
        """
        X, D = _check_rows(network, X, D, "D")
        model, slices = network.sampling_model(), network.free_slices()
        first = np.arange(slices[0].start, slices[0].stop)
        drive = network.input_fields(X)
        free = self._phase(network, model, (first, drive), self.num_sweeps, None, rng)
        if D is None:
            return free.reshape(-1, model.num_variables), None
        outputs = np.arange(slices[-1].start, slices[-1].stop)
        labels, values = np.concatenate([first, outputs]), np.hstack([drive, -self.nudge * D])
        if len(slices) == 1:  # the first hidden layer is the output layer: both fields on the same spins
            labels, values = first, drive - self.nudge * D
        nudged = self._phase(network, model, (labels, values), self.nudge_sweeps, free, rng)
        return free.reshape(-1, model.num_variables), nudged.reshape(-1, model.num_variables)

    def _phase(self, network: IsingLayers, model: CompiledBQM, fields: tuple, sweeps: int, start: np.ndarray | None,
               rng: np.random.Generator) -> np.ndarray:
        """One phase, ``(examples, num_reads, free spins)`` in free-layer order."""
        backend = self.backend
        # labels are free-layer positions
        options = backend.continuation(sweeps, None if start is None else start[:, :, list(model.variables)])
        drawn = backend.sample_states(model, beta=network.beta, num_reads=self.num_reads,
                                      seed=int(rng.integers(2**31)), fields=(list(fields[0]), fields[1]), **options)
        return drawn.states[:, :, np.argsort(model.variables)]  # columns back in free-layer order

    def _difference(self, network: IsingLayers, X: np.ndarray, free: np.ndarray, nudged: np.ndarray) -> dict:
        """−(⟨∂(−E)/∂θ⟩_nudged − ⟨∂(−E)/∂θ⟩_free)/nudge per parameter, averaged over chains (descend it)."""
        X = np.repeat(np.asarray(X, dtype=np.float64), self.num_reads, axis=0)
        slices = network.free_slices()
        grads, n = {}, X.shape[0]
        for k in range(len(network.W)):
            below_f = X if k == 0 else free[:, slices[k - 1]].astype(np.float64)
            below_n = X if k == 0 else nudged[:, slices[k - 1]].astype(np.float64)
            above_f, above_n = free[:, slices[k]].astype(np.float64), nudged[:, slices[k]].astype(np.float64)
            grads[f"W{k}"] = -(above_n.T @ below_n - above_f.T @ below_f) / (n * self.nudge)
            grads[f"b{k}"] = -(above_n.mean(axis=0) - above_f.mean(axis=0)) / self.nudge
        return grads


def _check_rows(network: IsingLayers, X: Any, D: Any, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Input rows of the network's width and, unless ``D`` is None, one row of output targets per input row."""
    X = check_array(X, "X", ndim=2, min_rows=1, columns=network.sizes[0])
    if D is None:
        return X, None
    D = check_array(D, name, ndim=2, columns=network.sizes[-1])
    if D.shape[0] != X.shape[0]:
        raise ValueError(f"{name} has {D.shape[0]} rows for {X.shape[0]} input rows; give one row of targets per input")
    return X, D
