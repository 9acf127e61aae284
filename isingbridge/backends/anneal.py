"""The anneal backend: dwave-samplers' simulated annealer, in two modes.

``mode="boltzmann"`` (default) samples the Boltzmann distribution at the
requested β: a one-temperature schedule ``[β]`` held for ``num_sweeps``
sweeps, Gibbs (heat-bath) acceptance, random update order, each read an
independent chain (or a persistent one, from ``initial_states``).

``mode="anneal"`` anneals toward ground states with dwave-samplers' default
geometric schedule (or ``beta_range``); an annealer's reads are at no single
temperature, so a ``beta`` is checked but not used, and results say
``info["beta"] = None`` with the schedule in ``info["beta_range"]``.
``beta_range`` in Boltzmann mode, where it would be ignored, is an error.

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

from isingbridge.backends.base import Backend, check_positive_int
from isingbridge.ir import CompiledBQM
from isingbridge.validation import check_beta, check_choice, check_positive, int_seed

__all__ = ["AnnealBackend"]

MODES = ("boltzmann", "anneal")


class AnnealBackend(Backend):
    """Simulated annealing (dwave-samplers) as a Boltzmann sampler or an optimiser.

    The Other Parameters are options of :meth:`sample` and :meth:`moments`.

    Other Parameters
    ----------------
    mode : {"boltzmann", "anneal"}
        Fixed-β sampling (``beta``) or annealing toward ground states
        (``beta_range``; a ``beta`` is then not used, see the module docstring).
    num_sweeps : int
        Sweeps per read (default 1000). Mixing, not speed, limits the
        accuracy of fixed-β sampling: raise it for glassy or cold models.
    initial_states : array or SampleSet
        Persistent chains: one starting state per read.
    beta_range : (float, float)
        Annealing schedule end points in ``mode="anneal"``: two finite
        positive numbers, the first not larger than the second.
    """

    name: ClassVar[str] = "anneal"
    default_num_reads: ClassVar[int] = 100
    extra_parameters: ClassVar[tuple[str, ...]] = ("mode", "num_sweeps", "initial_states", "beta_range")

    def __init__(self, *, cache_size: int = 16):
        super().__init__(cache_size=cache_size)
        self._sampler = SimulatedAnnealingSampler()

    def limits(self) -> str:
        """One line on the sizes this backend handles (for ``isingbridge backends``)."""
        return "any size (sparse or dense); Boltzmann accuracy limited by mixing"

    def _settle_request(self, beta: Any, seed: Any, options: dict) -> tuple[Any, dict]:
        """``mode`` and ``beta_range`` checked against each other; in anneal mode the result reports no β."""
        beta = _mode_beta(beta, options)
        return beta, ({"beta": None} if options["mode"] == "anneal" else {})

    # lists its options by name where the contract has **options (hence ignore[override]): Backend._check_options
    # lets only this backend's own options through
    def _sample_free(  # type: ignore[override]
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
        info = {"mode": mode, "num_sweeps": num_sweeps}
        if mode == "anneal":
            info["beta_range"] = beta_range
        return states.astype(np.int8), info, {}


def _mode_beta(beta: Any, options: dict) -> float:
    """Check ``mode`` and ``beta_range`` against the mode; the β handed to the base class (1 in anneal mode)."""
    mode = options["mode"] = check_choice(options.get("mode", "boltzmann"), "mode", MODES)
    if mode == "anneal":
        # an annealer's reads are at no single temperature, so beta has no use here; callers that drive every
        # backend alike (trainers, circuits) still pass it, so it is checked and then left out of the result
        if beta is not None:
            check_beta(beta)
        if options.get("beta_range") is not None:
            options["beta_range"] = check_beta_range(options["beta_range"])
        return 1.0
    if options.get("beta_range") is not None:
        raise ValueError(
            "beta_range is used only in mode='anneal'; mode='boltzmann' samples at the single temperature beta "
            f"(got beta_range={options['beta_range']!r})"
        )
    return 1.0 if beta is None else beta


def check_beta_range(beta_range: Any) -> tuple[float, float]:
    """``(low, high)``: two finite positive inverse temperatures with ``low <= high``."""
    if isinstance(beta_range, (str, bytes)) or not hasattr(beta_range, "__len__") or len(beta_range) != 2:
        raise TypeError(f"beta_range must be a pair (low, high) of positive numbers, got {beta_range!r}")
    low, high = (check_positive(value, f"beta_range[{k}]") for k, value in enumerate(beta_range))
    if low > high:
        raise ValueError(f"beta_range must have low <= high (the schedule goes from hot to cold), got {beta_range!r}")
    return low, high
