"""Boltzmann machines: the energies, apart from how they are trained.

:class:`RBM` (visible–hidden bipartite), :class:`ClassificationRBM` (features,
labels, hidden), :class:`FullyVisibleBM` (all-to-all visible), and the
pattern-built :class:`PatternRBM` / :class:`PatternBM` of RAPID, all sharing the
:class:`BoltzmannModel` interface the gradient estimators use.
"""
from isingbridge.trainers.models.base import (
    MAX_EXACT_VISIBLE, BoltzmannModel, ModelTooLargeForExactError, log_cosh,
)
from isingbridge.trainers.models.fvbm import FullyVisibleBM
from isingbridge.trainers.models.patterns import PatternBM, PatternRBM
from isingbridge.trainers.models.rbm import RBM, ClassificationRBM, draw_spins

__all__ = [
    "BoltzmannModel", "ClassificationRBM", "FullyVisibleBM", "MAX_EXACT_VISIBLE", "ModelTooLargeForExactError",
    "PatternBM", "PatternRBM", "RBM", "draw_spins", "log_cosh",
]
