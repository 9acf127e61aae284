"""Persistent chains: one set of Markov chains advanced on a model that changes between runs.

A training loop's negative phase (persistent contrastive divergence, the
free phase of a sampler-based estimator) asks a backend for a few sweeps of
the same chains on slightly different weights thousands of times.
:meth:`Backend.chains <isingbridge.backends.base.Backend.chains>` gives such a
loop a :class:`Chains` object that keeps the chains' states between runs, so
the caller hands over only the model, and backends that can keep more (the
Gibbs backend keeps its engine, its buffers and its checks of the chain
shape) do so.

Every backend gets chains: one whose ``sample`` continues chains (it takes
``initial_states`` and ``num_sweeps``) continues them; any other (exact
enumeration, a hardware sampler) returns fresh samples of each run's model,
which is what its negative phase is anyway.

>>> import numpy as np
>>> from isingbridge import CompiledBQM, get
>>> chains = get("gibbs").chains(num_reads=8, conditionals=[3, 4])
>>> for step in range(3):                       # weights that change between runs
...     model = CompiledBQM.bipartite(np.full((3, 2), -0.1 * step), np.zeros(3), np.zeros(2))
...     drawn = chains.run(model, num_sweeps=2, seed=step)
>>> drawn.states.shape, chains.states.shape, drawn.conditional_means.shape
((8, 5), (8, 5), (8, 2))
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from isingbridge.validation import check_positive_int

if TYPE_CHECKING:
    from isingbridge.backends.base import Backend, Samples

__all__ = ["Chains"]

#: Arguments that belong to each run (or to the chains' shape), not to the options fixed for the chains' life.
PER_RUN = ("beta", "seed", "num_sweeps", "initial_states", "num_reads", "clamp", "fields", "conditionals")


class Chains:
    """``num_reads`` chains of ``backend``, continued from run to run (see the module docstring).

    Build with :meth:`Backend.chains <isingbridge.backends.base.Backend.chains>`.

    Attributes
    ----------
    backend : Backend
        Who samples.
    num_reads : int
        Number of chains.
    conditionals : list or None
        Variables whose conditional means ``E[s_i | rest]`` every run returns
        (as :meth:`~isingbridge.backends.base.Backend.sample_states`).
    options : dict
        Backend options used by every run (e.g. ``method`` for gibbs).
    states : numpy.ndarray or None
        int8 spins ``(num_reads, N)`` after the last run (None before the first).
    continues : bool
        Whether the backend continues chains; if not, each run is a fresh
        sample of its model and ``num_sweeps`` / starting states given to
        :meth:`run` are not used (a ``num_sweeps`` given to ``chains()`` is:
        the length of every fresh run, e.g. a tempering backend's rounds).
    """

    def __init__(self, backend: Backend, num_reads: int, conditionals: Any = None, **options: Any):
        self.backend = backend
        self.num_reads = check_positive_int(num_reads, "num_reads")
        self.conditionals = conditionals
        self.continues = backend.continues_chains
        # a backend that draws fresh samples every run may be given its run length once, for every run
        misplaced = sorted(set(options) & set(PER_RUN) - (set() if self.continues else {"num_sweeps"}))
        if misplaced:
            raise TypeError(f"{misplaced} belong to each run: give them to Chains.run(model, ...), not to chains()")
        backend._check_options(options)
        self.options = options
        self.states: np.ndarray | None = None

    def run(self, model: Any, *, num_sweeps: int = 1, beta: float = 1.0, seed: Any = None,
            initial_states: Any = None) -> Samples:
        """Advance the chains ``num_sweeps`` sweeps on ``model`` at inverse temperature ``beta``.

        Parameters
        ----------
        model : dimod.BinaryQuadraticModel or CompiledBQM
            This run's model; its variables may not change between runs
            (the chains' states are states of them).
        num_sweeps : int
            Sweeps of this run (backends that continue chains).
        beta : float
            Inverse temperature.
        seed : int or numpy.random.Generator, optional
            Same seed, same run (given the same starting states).
        initial_states : array_like, optional
            ``(num_reads, N)`` spins to start this run from instead of where
            the last run ended (e.g. the data, for contrastive divergence).
            The first run starts from random spins when none are given.

        Returns
        -------
        Samples
            The chains' states after the run, as :meth:`~isingbridge.backends.base.Backend.sample_states` returns them.
        """
        drawn = self._run(model, num_sweeps, beta, seed, initial_states)
        self.states = drawn.states
        return drawn

    def _run(self, model: Any, num_sweeps: int, beta: float, seed: Any, initial_states: Any) -> Samples:
        """One run through :meth:`~isingbridge.backends.base.Backend.sample_states` (backends override for more)."""
        options = dict(self.options)
        if self.continues:
            options.update(self.backend.continuation(num_sweeps, self.states if initial_states is None else initial_states))
            if "burn_in" in self.backend.parameters:
                options["burn_in"] = 0
        return self.backend.sample_states(model, beta=beta, num_reads=self.num_reads, seed=seed,
                                          conditionals=self.conditionals, **options)

    def reset(self) -> None:
        """Forget the chains' states: the next run starts from random spins (or its ``initial_states``)."""
        self.states = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.backend.name!r}, num_reads={self.num_reads})"
