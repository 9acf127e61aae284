"""Gradient estimators: the physics of each learning rule, apart from the model and the optimizer.

Every estimator is a :class:`GradientEstimator` (:mod:`.base`) and answers
``gradient(model, X, targets=None, *, rng=None)`` with a :class:`Gradient`
(``values`` by parameter name, ``cost``, ``outputs``, ``stderr``, ``info``).
Boltzmann machines (:class:`BoltzmannEstimator`; :mod:`.boltzmann`:
:class:`ExactGradient`, :class:`CD`, :class:`PCD`, :class:`TwoLobe`,
:class:`Discriminative`; :mod:`.rapid`: :class:`RAPID`) and equilibrium
propagation (:mod:`.eqprop`: :class:`EqProp`, :class:`LowTemperatureRule` on
continuous Hopfield networks; :mod:`.ising`: :class:`IsingEqProp`,
:class:`ThermalEqProp` on any BQM and :class:`LayeredIsingEqProp` on layered
±1 networks; :mod:`.quantum`: :class:`QuantumEqProp` on qubit networks).
Every estimator that samples does so through the public backend contract
only, so it runs unchanged on any backend: gibbs (CPU or CUDA), exact,
anneal, an annealer through the dimod adapter, or a plugin.
"""
from isingbridge.trainers.estimators.base import Gradient, GradientEstimator
from isingbridge.trainers.estimators.boltzmann import (
    CD, PCD, BoltzmannEstimator, Discriminative, ExactGradient, TwoLobe, difference_gradient, likelihood_gradient,
)
from isingbridge.trainers.estimators.eqprop import EqProp, LowTemperatureRule
from isingbridge.trainers.estimators.ising import IsingEqProp, LayeredIsingEqProp, ThermalEqProp
from isingbridge.trainers.estimators.quantum import LevelCrossingWarning, QuantumEqProp
from isingbridge.trainers.estimators.rapid import RAPID, HopfieldLoadWarning

__all__ = [
    "BoltzmannEstimator", "CD", "PCD", "Discriminative", "EqProp", "ExactGradient", "Gradient", "GradientEstimator",
    "HopfieldLoadWarning", "IsingEqProp", "LayeredIsingEqProp", "LevelCrossingWarning", "LowTemperatureRule",
    "QuantumEqProp", "RAPID", "ThermalEqProp", "TwoLobe", "difference_gradient", "likelihood_gradient",
]
