"""Trainers: Boltzmann machines with pluggable samplers.

Models (:mod:`~isingbridge.trainers.models`), gradient estimators
(:mod:`~isingbridge.trainers.estimators`, :mod:`~isingbridge.trainers.rapid`)
and optimizers (:mod:`~isingbridge.trainers.optim`) are separate pieces; the
scikit-learn-shaped :class:`BoltzmannRBM` and :class:`BoltzmannClassifier` drive
them, and :mod:`~isingbridge.trainers.diagnostics` measures what they learned.
"""
from isingbridge.trainers.boltzmann import BoltzmannClassifier, BoltzmannRBM, to_spins
from isingbridge.trainers.estimators import CD, PCD, Discriminative, ExactGradient, GradientEstimator, TwoLobe
from isingbridge.trainers.models import (
    RBM, BoltzmannModel, ClassificationRBM, FullyVisibleBM, PatternBM, PatternRBM,
)
from isingbridge.trainers.optim import SGD, Adam, LangevinSGD
from isingbridge.trainers.rapid import RAPID, HopfieldLoadWarning

__all__ = [
    "Adam", "BoltzmannClassifier", "BoltzmannModel", "BoltzmannRBM", "CD", "ClassificationRBM", "Discriminative",
    "ExactGradient", "FullyVisibleBM", "GradientEstimator", "HopfieldLoadWarning", "LangevinSGD", "PCD", "PatternBM",
    "PatternRBM", "RAPID", "RBM", "SGD", "TwoLobe", "to_spins",
]
