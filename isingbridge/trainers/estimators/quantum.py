"""Quantum equilibrium propagation (Massar & Mognetti 2024, §III) on the statevector backend.

A network of qubits with Hamiltonian (Eq. 16)

    H(ν) = Σ_{i∈in} u_i Z_i + Σ_ij a_ij X_iX_j + b_ij Z_iZ_j  [+ Σ_i h_i Z_i]  + (ν/2) Σ_{i∈out} (Z_i − d_i)²

(ν the nudging strength ``nudge``; the paper's β) is held in an eigenstate
(the ground state, an excited state k) or in its Gibbs state at temperature T;
its answer is ⟨Z_i⟩ on the output qubits and its cost is
⟨C⟩ = ½ Σ_out ⟨(Z_i − d_i)²⟩ = ½ Σ_out (1 + d_i² − 2 d_i ⟨Z_i⟩) in the free
(ν = 0) state.  Because the energy is stationary on eigenstates (Eq. 22),
∂E/∂ν = ⟨C⟩ and ∂E/∂θ = ⟨∂H/∂θ⟩, so (Eqs. 27–29)

    ∂⟨C⟩/∂θ = ∂/∂ν ⟨∂H/∂θ⟩ |_{ν=0} ≈ (⟨∂H/∂θ⟩^{(+ν)} − ⟨∂H/∂θ⟩^{(−ν)}) / 2ν,

with ∂H/∂b_ij = Z_iZ_j, ∂H/∂a_ij = X_iX_j, ∂H/∂h_i = Z_i: two nudged states
give every gradient (error O(ν²); the ``"positive"`` variant uses the free
state and +ν, error O(ν)).  The same identity holds for the free energy of a
Gibbs state, so the estimator works at any temperature.  With ±1 targets the
nudge is a Z field −ν d_i on each output (the constant drops out).

Examples
--------
>>> import dimod
>>> from isingbridge import TransverseIsing
>>> from isingbridge.trainers import QuantumEqProp
>>> bqm = dimod.BQM({"hid": 0.1, "out": 0.1}, {("in", "hid"): -0.5, ("hid", "out"): -0.4}, 0.0, "SPIN")
>>> net = TransverseIsing(bqm, xx={("in", "hid"): 0.3, ("hid", "out"): 0.2})
>>> g = QuantumEqProp(nudge=1e-3).gradient(net, {"in": 1.0}, targets={"out": 1.0})
>>> ("hid", "in") in g.values["zz"] and ("out", "hid") in g.values["xx"]    # keyed by coupling, either order
True
>>> g.outputs["out"] < 0, round(g.cost - (1 - g.outputs["out"]), 12)  # u = +1 favours Z_in = −1, and the chain follows
(True, 0.0)

A positive field u_i lowers the energy of Z_i = −1 (H contains u_i Z_i): to
make qubit i read x_i, apply u_i = −s·x_i.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from isingbridge.backends import get
from isingbridge.backends.base import Backend
from isingbridge.quantum import TransverseIsing, as_transverse_ising
from isingbridge.trainers.estimators.base import Gradient, GradientEstimator
from isingbridge.trainers.estimators.nudging import Couplings, check_field_values, check_nudge, positive_setting
from isingbridge.validation import check_bool, check_choice, check_int

__all__ = ["QuantumEqProp", "LevelCrossingWarning"]


class LevelCrossingWarning(UserWarning):
    """The nudged eigenstate is not the continuation of the free one: a level crossing is within reach of the nudge."""


class QuantumEqProp(GradientEstimator):
    """Equilibrium-propagation gradients of a qubit network in an eigenstate or a Gibbs state.

    ``gradient(model, inputs, targets)`` applies the Z fields ``inputs``
    ``{qubit: u}``, nudges the outputs towards ``targets`` ``{qubit: d}`` and
    returns a :class:`~isingbridge.trainers.estimators.base.Gradient` with
    ``values = {"zz": Couplings, "xx": Couplings, "z": dict, "x": dict}``:
    ``zz`` and ``xx`` keyed by each coupling (u, v) of the model (either
    order), ``z`` by each qubit that is not an input (its Z field h_i), ``x``
    by each qubit with an X field; with the free state's cost and outputs.
    The statevector computation samples nothing: ``rng`` is accepted and ignored.

    Parameters
    ----------
    nudge : float
        Nudging strength ν (> 0).
    state : "ground" or int
        Eigenstate index (0 = ground) when ``temperature`` is None.
    temperature : float, optional
        Use the Gibbs state at this temperature (> 0) instead of an eigenstate.
    variant : {"symmetric", "positive"}
        ±ν nudges (error O(ν²)) or free and +ν (error O(ν)).
    backend : Backend, optional
        A backend with quantum moments (default ``get("statevector")``).
    warn_crossings : bool
        Warn (:class:`LevelCrossingWarning`) when a nudged eigenstate is not the
        continuation of the free one.  Training with a large nudge crosses levels on
        purpose (a saturated ground state only answers to a nudge that flips it),
        so the classifier turns this off.
    """

    def __init__(self, nudge: float = 0.01, *, state: Any = "ground", temperature: float | None = None,
                 variant: str = "symmetric", backend: Backend | None = None, warn_crossings: bool = True):
        self.warn_crossings = check_bool(warn_crossings, "warn_crossings")
        self.nudge = check_nudge(nudge, variant)
        self.variant = variant
        self.state = self._check_state(state)
        if temperature is not None:
            temperature = positive_setting(temperature, "temperature", " (None for an eigenstate)")
            if self.state != 0:
                raise ValueError("a Gibbs state (temperature given) mixes all eigenstates; leave state='ground'")
        self.temperature = temperature
        self.backend = get("statevector" if backend is None else backend)

    # -- validation -----------------------------------------------------------------
    @staticmethod
    def _check_state(state: Any) -> int:
        """"ground" as 0, or an eigenstate index >= 0."""
        if isinstance(state, str):
            check_choice(state, "state", ("ground",))
            return 0
        try:
            return check_int(state, "state", minimum=0)
        except (TypeError, ValueError) as error:
            raise type(error)(f"state must be 'ground' or an eigenstate index >= 0, got {state!r}") from None

    @staticmethod
    def _check_fields(model: TransverseIsing, values: Mapping | None, what: str, bounded: bool) -> dict:
        """Fields or targets on qubits of ``model`` (qubit labels, finite values; targets in [−1, 1])."""
        return check_field_values(values, what, model.bqm.variables, bounded=bounded,
                                  unit=f"a qubit of the model {model.variables}", mean="⟨Z⟩")

    # -- the estimator ----------------------------------------------------------------
    def _moments(self, model: TransverseIsing, previous=None):
        if self.temperature is not None:
            return self.backend.moments(model, temperature=self.temperature)
        return self.backend.moments(model, state=self.state, previous=previous)

    def _vector(self, moments) -> np.ndarray | None:
        states = moments.info.get("eigenstates")
        return None if states is None else states.vectors[:, self.state]

    def free_state(self, model: Any, inputs: Mapping) -> Any:
        """Moments of the free network (no nudge) with the inputs applied."""
        model = as_transverse_ising(model)
        return self._moments(model.with_fields(self._check_fields(model, inputs, "inputs", False)))

    def gradient(self, model: Any, X: Mapping, targets: Mapping | None = None, *,
                 rng: np.random.Generator | None = None) -> Gradient:
        """∂⟨C⟩/∂θ for every coupling and field of ``model``, from the free and nudged states (inputs ``X``)."""
        model = as_transverse_ising(model)
        inputs = self._check_fields(model, X, "inputs", False)
        targets = self._check_fields(model, targets, "targets", True)
        driven = model.with_fields(inputs)
        free = self._moments(driven)

        def nudged(b: float):
            return self._moments(driven.with_fields({label: -b * d for label, d in targets.items()}))

        if self.variant == "symmetric":
            plus, minus, scale = nudged(self.nudge), nudged(-self.nudge), 2.0 * self.nudge
        else:
            plus, minus, scale = nudged(self.nudge), free, self.nudge
        self._check_continuity(free, (plus, minus))
        index = {label: q for q, label in enumerate(free.variables)}

        def z_corr(m, u, v):
            return m.corr[index[u], index[v]]

        def x_corr(m, u, v):
            return m.x_corr[index[u], index[v]]

        zz = Couplings({pair: float((z_corr(plus, *pair) - z_corr(minus, *pair)) / scale)
                        for pair in model.bqm.quadratic})
        xx = Couplings({pair: float((x_corr(plus, *pair) - x_corr(minus, *pair)) / scale) for pair in model.xx})
        z = {label: float((plus.mean[index[label]] - minus.mean[index[label]]) / scale)
             for label in model.variables if label not in inputs}
        x = {label: float((plus.x_mean[index[label]] - minus.x_mean[index[label]]) / scale) for label in model.x}
        outputs = {label: float(free.mean[index[label]]) for label in targets}
        cost = 0.5 * sum(1.0 + d * d - 2.0 * d * outputs[label] for label, d in targets.items())
        return Gradient({"zz": zz, "xx": xx, "z": z, "x": x}, float(cost), outputs,
                        info={"gap": free.info.get("gap"), "temperature": self.temperature})

    def _check_continuity(self, free, nudged_states) -> None:
        """Warn when a nudged eigenstate is not the free one carried on (a crossing within the nudge)."""
        if self.temperature is not None or not self.warn_crossings:
            return
        reference = self._vector(free)
        for moments in nudged_states:
            vector = self._vector(moments)
            if reference is None or vector is None:
                continue
            overlap = float(abs(reference @ vector))
            if overlap < 0.9:
                warnings.warn(
                    f"the nudged eigenstate {self.state} overlaps the free one by only {overlap:.2f} (free gap "
                    f"{free.info.get('gap', float('nan')):.3g}): a level crossing lies within nudge = {self.nudge}, "
                    "where the EP gradient is undefined; lower nudge or move away from the crossing",
                    LevelCrossingWarning, stacklevel=3,
                )

    def __repr__(self) -> str:
        where = f"temperature={self.temperature}" if self.temperature is not None else f"state={self.state}"
        return f"QuantumEqProp(nudge={self.nudge}, {where}, variant={self.variant!r})"
