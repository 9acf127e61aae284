"""Equilibrium propagation on Ising samplers: nudged phases (Laydevant et al.) and the thermal covariance rule.

A network is a SPIN BQM in dimod's sign, E(s) = Σ h_i s_i + Σ J_ij s_i s_j,
held at inverse temperature β_T by any backend; inputs are clamped spins and
the cost of output spins o with targets d_o ∈ [−1, 1] is

    C(s) = ½ Σ_o (s_o − d_o)²  =  const − Σ_o d_o s_o        (s_o² = 1).

With the free energy F(β) = −(1/β_T) log Σ exp(−β_T (E + β C)) one has
∂F/∂β = ⟨C⟩ and ∂F/∂J_ij = ⟨s_i s_j⟩, so at any temperature

    ∂⟨C⟩/∂J_ij = ∂⟨s_i s_j⟩/∂β |_{β=0} ≈ (⟨s_i s_j⟩^{(+β)} − ⟨s_i s_j⟩^{(−β)}) / 2β

(:class:`IsingEqProp`; ``variant="positive"`` uses the free phase and +β), and
weights W = −J move by +η (⟨s_is_j⟩_nudged − ⟨s_is_j⟩_free)/β as in Laydevant
et al.  Both phases are Boltzmann samples of the same BQM (the nudge is a field
−β d_o on each output), so any backend runs them: exact, gibbs, anneal, a
wrapped D-Wave sampler.  :class:`ThermalEqProp` needs no nudged phase at all
(Massar & Mognetti 2024, Eq. 43): at β = 0,

    ∂⟨C⟩/∂θ = −β_T Cov[∂E/∂θ, C]                (∂E/∂J_ij = s_i s_j, ∂E/∂h_i = s_i),

estimated from free-phase samples with its standard error; its ``clamped``
method is the ±β estimator above for comparison (Eq. 42).

>>> import dimod
>>> from isingbridge.trainers.eqprop import IsingEqProp
>>> net = dimod.BQM({"h": 0.1, "o": -0.2}, {("x", "h"): -0.8, ("h", "o"): -0.6}, 0.0, "SPIN")
>>> g = IsingEqProp(1e-3, backend="exact").gradient(net, inputs={"x": 1}, targets={"o": -1.0})
>>> g.quadratic["h", "o"] < 0     # the output follows the input (+1) but should read −1: descent raises J_ho
True
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dimod
import numpy as np

from isingbridge.backends import get
from isingbridge.ir import as_spin_bqm
from isingbridge.trainers.eqprop.quantum import Couplings, check_field_values, check_nudge, positive_setting
from isingbridge.validation import check_beta, check_positive_int, check_spin_value

__all__ = ["IsingEqProp", "ThermalEqProp", "IsingGradient", "parameter_keys", "label_order"]


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
    to another process; flatten gradients with it (:meth:`IsingGradient.vector`).
    """
    pairs = sorted((tuple(sorted((u, v), key=label_order)) for u, v in bqm.quadratic),
                   key=lambda pair: (label_order(pair[0]), label_order(pair[1])))
    fields = sorted((v for v in bqm.variables if v not in inputs), key=label_order)
    return [("J", pair) for pair in pairs] + [("h", v) for v in fields]


@dataclass
class IsingGradient:
    """∂⟨C⟩/∂J per coupling (``quadratic``, either key order) and ∂⟨C⟩/∂h per free spin (``linear``).

    Both are filled in the order of :func:`parameter_keys`, whatever process
    computed them; :meth:`vector` flattens them in that order.
    """

    quadratic: Couplings
    linear: dict
    cost: float
    outputs: dict
    stderr: dict | None = None
    info: dict = field(default_factory=dict)

    def keys(self) -> list[tuple]:
        """``("J", (u, v))`` for every coupling then ``("h", v)`` for every field: the order of :meth:`vector`."""
        return [("J", pair) for pair in self.quadratic] + [("h", v) for v in self.linear]

    def vector(self, keys: Any = None) -> np.ndarray:
        """The gradient as one array, in the order of ``keys`` (default :meth:`keys`, i.e. :func:`parameter_keys`)."""
        keys = self.keys() if keys is None else keys
        return np.array([self.quadratic[key] if kind == "J" else self.linear[key] for kind, key in keys], dtype=float)


def _check_problem(bqm: dimod.BinaryQuadraticModel, inputs: Mapping, targets: Mapping):
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


def _nudged(bqm: dimod.BinaryQuadraticModel, targets: Mapping, beta: float) -> dimod.BinaryQuadraticModel:
    nudged = bqm.copy()
    for label, d in targets.items():
        nudged.add_linear(label, -beta * d)
    return nudged


def _cost(means: Mapping, targets: Mapping) -> float:
    return 0.5 * sum(1.0 + d * d - 2.0 * d * means[label] for label, d in targets.items())


class IsingEqProp:
    """EP gradient from free and nudged Boltzmann phases of a BQM on any backend.

    Parameters
    ----------
    beta : float
        Nudging strength (> 0).
    backend : str, Backend or dimod.Sampler
        Who samples the phases (``"exact"`` gives exact moments).
    temperature_beta : float
        Inverse temperature β_T of the network's Boltzmann distribution.
    variant : {"symmetric", "positive"}
    options : passed to the backend's ``moments`` (``num_reads``, ``num_sweeps``, ``seed`` ...).
    """

    def __init__(self, beta: float = 0.1, *, backend: Any = "gibbs", temperature_beta: float = 1.0,
                 variant: str = "symmetric", **options: Any):
        self.beta = check_nudge(beta, variant)
        self.variant = variant
        self.temperature_beta = check_beta(temperature_beta, "temperature_beta")
        self.backend = get(backend)
        self.options = options

    def _moments(self, bqm, inputs):
        return self.backend.moments(bqm, beta=self.temperature_beta, clamp=inputs or None, **self.options)

    def gradient(self, bqm: dimod.BinaryQuadraticModel, inputs: Mapping, targets: Mapping) -> IsingGradient:
        """∂⟨C⟩/∂θ for every coupling and free field of ``bqm`` (inputs clamped)."""
        bqm, inputs, targets = _check_problem(bqm, inputs, targets)
        free = self._moments(bqm, inputs)
        if self.variant == "symmetric":
            plus = self._moments(_nudged(bqm, targets, self.beta), inputs)
            minus = self._moments(_nudged(bqm, targets, -self.beta), inputs)
            scale = 2.0 * self.beta
        else:
            plus, minus, scale = self._moments(_nudged(bqm, targets, self.beta), inputs), free, self.beta
        quadratic, linear = Couplings(), {}
        for kind, key in parameter_keys(bqm, inputs):
            if kind == "J":
                quadratic[key] = (plus.corr_of(*key) - minus.corr_of(*key)) / scale
            else:
                linear[key] = (plus.mean_of(key) - minus.mean_of(key)) / scale
        outputs = {label: free.mean_of(label) for label in targets}
        return IsingGradient(quadratic, linear, _cost(outputs, targets), outputs,
                             info={"backend": self.backend.name})

    def __repr__(self) -> str:
        return f"IsingEqProp(beta={self.beta}, backend={self.backend.name!r}, variant={self.variant!r})"


class ThermalEqProp:
    """The finite-temperature EP rules of Massar & Mognetti (2024) for a BQM at temperature T.

    ``gradient`` — the covariance estimator of Eq. 43, −(1/T) Cov[∂E/∂θ, C]
    over ``num_reads`` free-phase samples (β = 0: outputs never clamped), with
    standard errors; ``clamped_gradient`` — the ±β estimator of Eq. 42 on the
    same backend, for comparison.
    """

    def __init__(self, temperature: float = 1.0, *, backend: Any = "gibbs", num_reads: int = 1000,
                 beta: float = 0.1, **options: Any):
        self.temperature = positive_setting(temperature, "temperature")
        self.num_reads = check_positive_int(num_reads, "num_reads")
        self.backend = get(backend)
        self.beta = check_nudge(beta, "symmetric")
        self.options = options

    def gradient(self, bqm: dimod.BinaryQuadraticModel, inputs: Mapping, targets: Mapping, *,
                 seed: Any = None) -> IsingGradient:
        bqm, inputs, targets = _check_problem(bqm, inputs, targets)
        sampleset = self.backend.sample(bqm, beta=1.0 / self.temperature, num_reads=self.num_reads,
                                        clamp=inputs or None, seed=seed, **self.options)
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

        quadratic, linear, errors = Couplings(), {}, Couplings()
        for kind, key in parameter_keys(bqm, inputs):
            if kind == "J":
                quadratic[key], errors[key] = covariance(states[:, order[key[0]]] * states[:, order[key[1]]])
            else:
                linear[key], errors[key] = covariance(states[:, order[key]])
        outputs = {o: float(weights @ states[:, order[o]] / n) for o in targets}
        return IsingGradient(quadratic, linear, float(weights @ cost / n), outputs, stderr=errors,
                             info={"num_reads": int(n), "backend": self.backend.name})

    def clamped_gradient(self, bqm: dimod.BinaryQuadraticModel, inputs: Mapping, targets: Mapping,
                         **options: Any) -> IsingGradient:
        """The ±β nudged estimator (Eq. 42) at the same temperature and backend."""
        options = {**self.options, **options}
        if "num_reads" in self.backend.parameters:
            options.setdefault("num_reads", self.num_reads)
        estimator = IsingEqProp(self.beta, backend=self.backend, temperature_beta=1.0 / self.temperature, **options)
        return estimator.gradient(bqm, inputs, targets)

    def __repr__(self) -> str:
        return f"ThermalEqProp(temperature={self.temperature}, backend={self.backend.name!r}, num_reads={self.num_reads})"
