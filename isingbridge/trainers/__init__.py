"""Trainers: Boltzmann machines with pluggable samplers (more estimators to come).

Models (:mod:`~isingbridge.trainers.rbm`), gradient estimators
(:mod:`~isingbridge.trainers.estimators`) and optimizers
(:mod:`~isingbridge.trainers.optim`) are separate pieces; the scikit-learn-shaped
:class:`BoltzmannRBM` drives them.
"""
from isingbridge.trainers.boltzmann import BoltzmannRBM, to_spins
from isingbridge.trainers.estimators import CD, PCD, ExactGradient, GradientEstimator, TwoLobe
from isingbridge.trainers.optim import SGD, Adam, LangevinSGD
from isingbridge.trainers.rbm import RBM

__all__ = [
    "Adam", "BoltzmannRBM", "CD", "ExactGradient", "GradientEstimator", "LangevinSGD", "PCD", "RBM", "SGD",
    "TwoLobe", "to_spins",
]
