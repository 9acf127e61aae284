"""Models: the energies, their parameters, their sampling form and their analytic conditionals — not how they learn.

Boltzmann machines (:class:`RBM`, :class:`ClassificationRBM`,
:class:`FullyVisibleBM`, the pattern-built :class:`PatternRBM` /
:class:`PatternBM` of RAPID) share :class:`BoltzmannModel`; the
equilibrium-propagation networks are :class:`LayeredHopfield` /
:class:`HopfieldNetwork` (continuous), :class:`IsingLayers` (±1 spins on a
sampler) and :class:`QuantumNetwork` (qubits); :mod:`.gaussian_toy` is the
one-parameter model of dissipative training.
"""
from isingbridge.trainers.models.base import (
    MAX_EXACT_VISIBLE, BoltzmannModel, ModelTooLargeForExactError, log_cosh,
)
from isingbridge.trainers.models.fvbm import FullyVisibleBM
from isingbridge.trainers.models.hopfield import ACTIVATIONS, HopfieldNetwork, LayeredHopfield
from isingbridge.trainers.models.ising_layers import IsingLayers
from isingbridge.trainers.models.patterns import PatternBM, PatternRBM
from isingbridge.trainers.models.qubits import QuantumNetwork
from isingbridge.trainers.models.rbm import RBM, ClassificationRBM, draw_spins

__all__ = [
    "ACTIVATIONS", "BoltzmannModel", "ClassificationRBM", "FullyVisibleBM", "HopfieldNetwork", "IsingLayers",
    "LayeredHopfield", "MAX_EXACT_VISIBLE", "ModelTooLargeForExactError", "PatternBM", "PatternRBM", "QuantumNetwork",
    "RBM", "draw_spins", "log_cosh",
]
