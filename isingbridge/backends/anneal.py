"""The anneal backend: dwave-samplers' simulated annealer, in two modes.

``mode="boltzmann"`` (default) samples the Boltzmann distribution at the
requested β: a one-temperature schedule ``[β]`` held for ``num_sweeps``
sweeps, Gibbs (heat-bath) acceptance, random update order, each read an
independent chain (or a persistent one, from ``initial_states``).

``mode="anneal"`` anneals toward ground states with dwave-samplers' default
geometric schedule (or ``beta_range``); ``beta`` is then not used.

Examples
--------
>>> import dimod
>>> from isingbridge.backends import get
>>> bqm = dimod.BQM({}, {(0, 1): -1.0}, 0.0, "SPIN")
>>> ss = get("anneal").sample(bqm, beta=0.5, num_reads=5, seed=1)
>>> len(ss)
5
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from dwave.samplers import SimulatedAnnealingSampler

from isingbridge.backends.base import Backend, check_positive_int, int_seed
from isingbridge.ir import CompiledBQM

__all__ = ["AnnealBackend"]

MODES = ("boltzmann", "anneal")


class AnnealBackend(Backend):
    """Simulated annealing (dwave-samplers) as a Boltzmann sampler or an optimiser.

    Options of :meth:`sample` / :meth:`moments`
    -------------------------------------------
    mode : {"boltzmann", "anneal"}
        Fixed-β sampling or annealing toward ground states.
    num_sweeps : int
        Sweeps per read (default 1000). Mixing, not speed, limits the
        accuracy of fixed-β sampling: raise it for glassy or cold models.
    initial_states : array or SampleSet
        Persistent chains: one starting state per read.
    beta_range : (float, float)
        Annealing schedule end points in ``mode="anneal"``.
    """

    name: ClassVar[str] = "anneal"
    default_num_reads: ClassVar[int] = 100
    extra_parameters: ClassVar[tuple[str, ...]] = ("mode", "num_sweeps", "initial_states", "beta_range")

    def __init__(self, *, cache_size: int = 16):
        super().__init__(cache_size=cache_size)
        self._sampler = SimulatedAnnealingSampler()

    def limits(self) -> str:
        return "any size (sparse or dense); Boltzmann accuracy limited by mixing"

    def _sample_free(
        self,
        model: CompiledBQM,
        beta: float,
        num_reads: int,
        rng: np.random.Generator,
        *,
        mode: str = "boltzmann",
        num_sweeps: int = 1000,
        initial_states: np.ndarray | None = None,
        beta_range: tuple[float, float] | None = None,
    ) -> tuple[np.ndarray, dict, dict]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        num_sweeps = check_positive_int(num_sweeps, "num_sweeps")
        if model.num_variables == 0:
            return np.zeros((num_reads, 0), dtype=np.int8), {"mode": mode}, {}
        labels = list(range(model.num_variables))
        kwargs: dict[str, Any] = dict(num_reads=num_reads, seed=int_seed(rng), randomize_order=True)
        if initial_states is not None:
            kwargs.update(initial_states=(initial_states, labels), initial_states_generator="none")
        if mode == "boltzmann":
            kwargs.update(
                beta_schedule_type="custom", beta_schedule=[beta], num_sweeps_per_beta=num_sweeps,
                proposal_acceptance_criteria="Gibbs",
            )
        else:
            kwargs.update(num_sweeps=num_sweeps, beta_range=beta_range)
        sampleset = self._sampler.sample(model.to_bqm(index_labels=True), **kwargs)
        states = sampleset.record.sample[:, [sampleset.variables.index(i) for i in labels]]
        return states.astype(np.int8), {"mode": mode, "num_sweeps": num_sweeps}, {}

