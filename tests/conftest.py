"""Shared helpers: seeded random models and exact references."""
from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest

from isingbridge.backends.base import Backend


def random_bqm(
    num_spins: int,
    seed: int,
    *,
    density: float = 1.0,
    field: float = 0.5,
    coupling: float = 1.0,
    labels: list | None = None,
    offset: float = 0.0,
) -> dimod.BinaryQuadraticModel:
    """Random SPIN model: N(0, field²) fields, N(0, coupling²/N) couplings."""
    rng = np.random.default_rng(seed)
    labels = list(range(num_spins)) if labels is None else labels
    linear = {v: rng.normal(0.0, field) for v in labels}
    quadratic = {}
    for i, j in itertools.combinations(range(num_spins), 2):
        if rng.random() < density:
            quadratic[labels[i], labels[j]] = rng.normal(0.0, coupling / np.sqrt(num_spins))
    return dimod.BQM(linear, quadratic, offset, dimod.SPIN)


def brute_force(bqm: dimod.BinaryQuadraticModel, beta: float):
    """All states, their probabilities, log Z: the dumbest possible reference."""
    spin = bqm.change_vartype(dimod.SPIN, inplace=False)
    labels = list(spin.variables)
    states = np.array(list(itertools.product([-1, 1], repeat=len(labels))), dtype=float).reshape(-1, len(labels))
    energies = spin.energies((states, labels)) if labels else np.array([spin.offset])
    shift = energies.min()
    weights = np.exp(-beta * (energies - shift))
    z = weights.sum()
    return states, weights / z, np.log(z) - beta * shift, energies


@pytest.fixture
def small_model() -> dimod.BinaryQuadraticModel:
    return random_bqm(8, seed=11)


class EnumerationPlugin(Backend):
    """A third-party backend as the contract documents it: only ``_sample_free`` (exact, few spins)."""

    name = "enumeration-plugin"

    def _sample_free(self, model, beta, num_reads, rng, **options):
        states = np.array(list(itertools.product([-1, 1], repeat=model.num_variables)), dtype=np.int8)
        states = states.reshape(-1, model.num_variables)
        energies = model.energies(states) if model.num_variables else np.array([model.offset])
        p = np.exp(-beta * (energies - energies.min()))
        return states[rng.choice(len(states), size=num_reads, p=p / p.sum())], {}, {}
