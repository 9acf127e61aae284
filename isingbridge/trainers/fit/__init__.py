"""Fitting: the epoch loop, callbacks, checkpoints and the scikit-learn estimators that drive models and estimators.

:class:`BoltzmannRBM` and :class:`BoltzmannClassifier` (:mod:`.boltzmann`);
the equilibrium-propagation classifiers :class:`EqPropClassifier`
(:mod:`.eqprop`), :class:`IsingEqPropClassifier` (:mod:`.ising`) and
:class:`QuantumEqPropClassifier` (:mod:`.quantum`); :mod:`.loop` holds the
shared epoch loop, warm starts and save/load.
"""
from isingbridge.trainers.fit.boltzmann import BoltzmannClassifier, BoltzmannRBM, to_spins
from isingbridge.trainers.fit.eqprop import EqPropClassifier
from isingbridge.trainers.fit.ising import IsingEqPropClassifier
from isingbridge.trainers.fit.quantum import QuantumEqPropClassifier

__all__ = ["BoltzmannClassifier", "BoltzmannRBM", "EqPropClassifier", "IsingEqPropClassifier",
           "QuantumEqPropClassifier", "to_spins"]
