"""Trainers: models, gradient estimators and the fitting loop, as three layers.

* :mod:`~isingbridge.trainers.models` — energies (Boltzmann machines, Hopfield,
  layered Ising and qubit networks): parameters, sampling form, conditionals;
* :mod:`~isingbridge.trainers.estimators` — gradient rules (CD, PCD, RAPID,
  two-lobe, equilibrium propagation in its classical, Ising, thermal and
  quantum forms), each a :class:`GradientEstimator` returning a
  :class:`Gradient`, sampling only through the public backend contract;
* :mod:`~isingbridge.trainers.fit` — the epoch loop, checkpoints and the
  scikit-learn estimators (:class:`BoltzmannRBM`, :class:`BoltzmannClassifier`,
  :class:`EqPropClassifier`, :class:`IsingEqPropClassifier`,
  :class:`QuantumEqPropClassifier`);

with :mod:`~isingbridge.trainers.optim` (SGD, Adam, Langevin) apart from the
physics and :mod:`~isingbridge.trainers.diagnostics` measuring what a model
learned.  Everything public is importable from here.
"""
from isingbridge.trainers.estimators import (
    CD, PCD, RAPID, BoltzmannEstimator, Discriminative, EqProp, ExactGradient, Gradient, GradientEstimator,
    HopfieldLoadWarning, IsingEqProp, LayeredIsingEqProp, LevelCrossingWarning, LowTemperatureRule, QuantumEqProp,
    ThermalEqProp, TwoLobe,
)
from isingbridge.trainers.fit import (
    BoltzmannClassifier, BoltzmannRBM, EqPropClassifier, IsingEqPropClassifier, QuantumEqPropClassifier, to_spins,
)
from isingbridge.trainers.models import (
    RBM, BoltzmannModel, ClassificationRBM, FullyVisibleBM, HopfieldNetwork, IsingLayers, LayeredHopfield, PatternBM,
    PatternRBM, QuantumNetwork,
)
from isingbridge.trainers.optim import SGD, Adam, LangevinSGD, Optimizer

__all__ = [
    "Adam", "BoltzmannClassifier", "BoltzmannEstimator", "BoltzmannModel", "BoltzmannRBM", "CD", "ClassificationRBM",
    "Discriminative", "EqProp", "EqPropClassifier", "ExactGradient", "FullyVisibleBM", "Gradient", "GradientEstimator",
    "HopfieldLoadWarning", "HopfieldNetwork", "IsingEqProp", "IsingEqPropClassifier", "IsingLayers", "LangevinSGD",
    "LayeredHopfield", "LayeredIsingEqProp", "LevelCrossingWarning", "LowTemperatureRule", "Optimizer", "PCD", "PatternBM",
    "PatternRBM", "QuantumEqProp", "QuantumEqPropClassifier", "QuantumNetwork", "RAPID", "RBM", "SGD", "ThermalEqProp",
    "TwoLobe", "to_spins",
]
