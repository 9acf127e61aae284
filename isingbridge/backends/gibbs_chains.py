"""The Gibbs backend's persistent chains: one dense layer engine kept from run to run.

A persistent-chain trainer asks for one sweep of the same chains on new
weights at every step.  Through :meth:`Backend.sample_states` each step
validates the request, builds an engine (buffers, generator states) and
loads the chains into it; :class:`GibbsChains` keeps the engine of a layered
model (:meth:`~isingbridge.ir.CompiledBQM.bipartite`, the dense method) and
only hands it the new couplings, so a step costs its sweeps and little else.
Runs draw exactly what :meth:`~isingbridge.backends.base.Backend.sample_states`
draws for the same seeds and starting states; any other model, method or
device takes that path.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dimod
import numpy as np

from isingbridge.backends.base import Samples, _conditional_positions, _initial_columns, check_reads_memory
from isingbridge.backends.chains import Chains
from isingbridge.backends.gibbs_cpu import LayerChains, choose_method
from isingbridge.ir import CompiledBQM
from isingbridge.spins import random_spins
from isingbridge.validation import as_rng, check_beta, check_positive_int

if TYPE_CHECKING:
    from isingbridge.backends.gibbs import GibbsBackend

__all__ = ["GibbsChains", "last_layer_means"]


class GibbsChains(Chains):
    """:class:`~isingbridge.backends.chains.Chains` of the Gibbs backend (see the module docstring)."""

    backend: GibbsBackend

    def __init__(self, backend: GibbsBackend, num_reads: int, conditionals: Any = None, **options: Any):
        super().__init__(backend, num_reads, conditionals, **options)
        self._engine: LayerChains | None = None
        self._shape: tuple | None = None  # (layer sizes, variables) the engine was built for
        self._positions: np.ndarray | None = None
        self._labels: list | None = None
        self._variables: list = []

    def _run(self, model, num_sweeps, beta, seed, initial_states) -> Samples:
        method = self.options.get("method", "auto")
        native = (isinstance(model, CompiledBQM) and model.layers is not None and self.backend.device == "cpu"
                  and self.options.get("scan", "chromatic") == "chromatic"
                  and self.options.get("proposal_acceptance_criteria", "Gibbs") == "Gibbs"  # the layer engine's rule
                  and (method == "dense" or (method == "auto" and choose_method(model) == "dense")))
        if not native:
            self._engine = None
            return super()._run(model, num_sweeps, beta, seed, initial_states)
        return self._run_engine(model, check_positive_int(num_sweeps, "num_sweeps"), check_beta(beta), as_rng(seed),
                                initial_states)

    def _run_engine(self, model: CompiledBQM, num_sweeps: int, beta: float, rng: np.random.Generator,
                    initial_states: Any) -> Samples:
        """Sweeps of the kept engine (built on the first run, or when the model's shape changes)."""
        assert model.layers is not None  # _run sends only layered models here
        shape = (tuple(len(g) for g in model.layers[:2]), model.variables)
        starts = None if initial_states is None else _initial_columns(initial_states, list(model.variables),
                                                                     dimod.SPIN, None, self.num_reads)
        means: np.ndarray | None
        with self.backend.threads():
            engine = self._engine
            if engine is None or shape != self._shape:
                engine = self._start(model, shape, beta, rng, self.states if starts is None else starts)
            else:
                engine.update(model, beta)
                engine.reseed(rng)
                if starts is not None:
                    engine.load(starts)
            engine.run(num_sweeps)
            states = engine.states()
            if self._whole_last_layer:  # an RBM's hidden units: the update's own probabilities, no look-ups
                means = engine.conditional_means(len(engine.groups) - 1)
            else:
                means = last_layer_means(engine, self._positions)
        if means is None and self._positions is not None:  # not the layer updated last: from the local fields
            means = -np.tanh(beta * model.local_fields(states, self._positions))
        info = {"num_sweeps": num_sweeps, "method": "dense", "device": "cpu", "beta": beta, "backend": self.backend.name}
        return Samples(self._variables, states, info, self._labels, means, _energy_of=model.energies)

    def _start(self, model: CompiledBQM, shape: tuple, beta: float, rng: np.random.Generator,
               starts: np.ndarray | None) -> LayerChains:
        """A new engine (as the backend builds one for ``sample_states``) and the label work done once per shape; the engine."""
        check_reads_memory(self.num_reads, model.num_variables)
        if starts is not None and starts.shape[1] != model.num_variables:
            starts = None  # the last run's states are of another model: start afresh
        self._engine = engine = LayerChains(model, beta, self.num_reads, rng)
        engine.load(random_spins(rng, (self.num_reads, model.num_variables)) if starts is None else starts)
        self._shape, self._variables = shape, list(model.variables)
        if self.conditionals is None:
            self._labels, self._positions = None, None
        else:
            self._labels, self._positions = _conditional_positions(self.conditionals, model.variables,
                                                                   lambda: model.index)
        self._whole_last_layer = self._positions is not None and np.array_equal(self._positions, engine.groups[-1])
        return engine


def last_layer_means(engine, conditionals: np.ndarray | None) -> np.ndarray | None:
    """The conditional means a layer engine read off its last update, when that layer holds every free variable asked for.

    The layer updated last saw the other layers as they are at the end, so
    its update's probabilities are ``E[s_i | rest]`` at the final states.
    """
    if conditionals is None or not hasattr(engine, "conditional_means"):
        return None
    last = engine.groups[-1]
    column = np.full(engine.n, -1, dtype=np.int64)
    column[last] = np.arange(last.size)
    free = conditionals >= 0
    wanted = column[conditionals[free]]
    if np.any(wanted < 0):
        return None
    try:
        layer_means = engine.conditional_means(len(engine.groups) - 1)
    except RuntimeError:  # no sweep has updated it yet
        return None
    if np.all(free) and np.array_equal(wanted, np.arange(last.size)):
        return layer_means  # the whole layer in its order (an RBM's hidden units): no copy
    means = np.zeros((engine.num_chains, conditionals.size), dtype=np.float32)
    means[:, free] = layer_means[:, wanted]
    return means
