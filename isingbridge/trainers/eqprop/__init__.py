"""Equilibrium propagation: gradients from the difference of free and nudged equilibria.

:mod:`~isingbridge.trainers.eqprop.classical` — the continuous Hopfield energy,
layered networks, positive or symmetric nudging;
:mod:`~isingbridge.trainers.eqprop.ising` — networks that are BQMs, phases
sampled by any backend, and the thermal covariance rule (no nudging);
:mod:`~isingbridge.trainers.eqprop.ising_layers` — layered ±1 networks trained on
a sampler (Laydevant et al.), :class:`IsingEqPropClassifier`;
:mod:`~isingbridge.trainers.eqprop.quantum` — qubit networks in an eigenstate or
a Gibbs state (Massar & Mognetti 2024), on the statevector backend;
:mod:`~isingbridge.trainers.eqprop.qnetwork` — trainable qubit networks and
:class:`QuantumEqPropClassifier`.
"""
from isingbridge.trainers.eqprop.classical import (
    EqProp, EqPropResult, HopfieldNetwork, LayeredHopfield, LowTemperatureRule,
)
from isingbridge.trainers.eqprop.classifier import EqPropClassifier
from isingbridge.trainers.eqprop.ising import IsingEqProp, IsingGradient, ThermalEqProp
from isingbridge.trainers.eqprop.ising_layers import IsingEqPropClassifier, IsingLayers
from isingbridge.trainers.eqprop.qnetwork import QuantumEqPropClassifier, QuantumNetwork
from isingbridge.trainers.eqprop.quantum import LevelCrossingWarning, QuantumEqProp, QuantumGradient

__all__ = ["EqPropClassifier", "HopfieldNetwork", "IsingEqPropClassifier", "IsingLayers", "EqProp", "EqPropResult", "LayeredHopfield", "LowTemperatureRule", "IsingEqProp", "IsingGradient", "ThermalEqProp", "LevelCrossingWarning", "QuantumEqProp", "QuantumEqPropClassifier", "QuantumGradient", "QuantumNetwork"]
