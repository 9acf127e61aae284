"""Gradient estimators: the physics of each learning rule, apart from the model and the optimizer.

Boltzmann machines (:mod:`.boltzmann`: :class:`ExactGradient`, :class:`CD`,
:class:`PCD`, :class:`TwoLobe`, :class:`Discriminative`; :mod:`.rapid`:
:class:`RAPID`) and equilibrium propagation (:mod:`.eqprop`: :class:`EqProp`,
:class:`LowTemperatureRule` on continuous Hopfield networks; :mod:`.ising`:
:class:`IsingEqProp`, :class:`ThermalEqProp` on any BQM and
:class:`LayeredIsingEqProp` on layered ±1 networks; :mod:`.quantum`:
:class:`QuantumEqProp` on qubit networks).  Every estimator that samples does
so through the public backend contract only, so it runs unchanged on any
backend: gibbs (CPU or CUDA), exact, anneal, an annealer through the dimod
adapter, or a plugin.
"""
from isingbridge.trainers.estimators.boltzmann import (
    CD, PCD, Discriminative, ExactGradient, GradientEstimator, TwoLobe, difference_gradient, likelihood_gradient,
)
from isingbridge.trainers.estimators.eqprop import EqProp, EqPropResult, LowTemperatureRule
from isingbridge.trainers.estimators.ising import IsingEqProp, IsingGradient, LayeredIsingEqProp, ThermalEqProp
from isingbridge.trainers.estimators.quantum import LevelCrossingWarning, QuantumEqProp, QuantumGradient
from isingbridge.trainers.estimators.rapid import RAPID, HopfieldLoadWarning

__all__ = [
    "CD", "PCD", "Discriminative", "EqProp", "EqPropResult", "ExactGradient", "GradientEstimator", "HopfieldLoadWarning",
    "IsingEqProp", "IsingGradient", "LayeredIsingEqProp", "LevelCrossingWarning", "LowTemperatureRule", "QuantumEqProp",
    "QuantumGradient", "RAPID", "ThermalEqProp", "TwoLobe", "difference_gradient", "likelihood_gradient",
]
