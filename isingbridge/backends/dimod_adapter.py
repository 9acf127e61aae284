"""Any ``dimod.Sampler`` as an isingbridge backend.

Annealers (a D-Wave QPU through ``EmbeddingComposite(DWaveSampler())``, its
offline stand-in ``MockDWaveSampler``, neal, tabu…) have no β argument.  The
adapter realises a requested β by *scaling*: if the sampler draws from
``exp(−β_eff · E')`` for the energy ``E'`` it is given, submitting
``E' = (β / β_eff) · E`` yields samples of ``exp(−β E)``.  ``β_eff`` is either
given, or estimated from the sampler's own samples by dwave-system's
maximum-pseudolikelihood estimator (:meth:`DimodSamplerBackend.estimate_beta_eff`).
Without a ``β_eff`` the sampler is used as it is (an optimiser: its samples are
whatever low-energy states it finds) and ``beta`` other than 1 is refused.

Clamped spins are fixed before submission (dimod's ``fix_variables``), and the
submitted model is scaled down into the sampler's ``h_range``/``j_range`` when
it would exceed them (read from its properties, or its child's through a
composite); the β actually realised is then smaller, and reported in
``info["beta_realized"]`` with a warning.

A sampler without a ``seed`` parameter cannot repeat its samples: a ``seed``
given to such a backend raises a :class:`NotReproducibleWarning` (the first
time per backend), and every result's ``info["reproducible"]`` says whether
the call can be repeated exactly (a seed was given and passed on).

Examples
--------
>>> import dimod
>>> from dwave.samplers import TabuSampler
>>> from isingbridge.backends import get
>>> backend = get(TabuSampler())
>>> bqm = dimod.BQM({"a": 1.0}, {("a", "b"): -1.0}, 0.0, "SPIN")
>>> float(backend.sample(bqm, num_reads=2, seed=0).first.energy)
-2.0
"""
from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

import dimod
import numpy as np

import scipy.sparse as sp

from isingbridge.backends.base import (
    Backend, Batch, Moments, as_rng, check_beta, check_positive_int, check_reads_memory, concatenate_rows,
    moments_from_samples, stack_moments,
)
from isingbridge.ir import CompiledBQM, clamp_bqm, check_clamp, as_spin_bqm
from isingbridge.backends.ocean import stacklevel_outside
from isingbridge.validation import int_seed

__all__ = ["DimodSamplerBackend", "NotReproducibleWarning", "hardware_ranges", "fit_scale", "sampler_name"]


class NotReproducibleWarning(UserWarning):
    """A seed was given to a sampler that takes none: the same call may give other samples."""


def hardware_ranges(sampler: dimod.Sampler) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """The ``(h_range, j_range)`` of a sampler, looking through composites."""
    node: Any = sampler
    while node is not None:
        props = getattr(node, "properties", {}) or {}
        if "h_range" in props or "j_range" in props:
            return _as_range(props.get("h_range")), _as_range(props.get("j_range"))
        child = props.get("child_properties")
        if isinstance(child, dict) and ("h_range" in child or "j_range" in child):
            return _as_range(child.get("h_range")), _as_range(child.get("j_range"))
        children = getattr(node, "children", None)
        node = children[0] if children else None
    return None, None


def sampler_name(sampler: dimod.Sampler) -> str:
    """``"EmbeddingComposite(MockDWaveSampler)"``: a sampler's class name, its first child's in brackets, and so on."""
    name = getattr(sampler, "name", None) if isinstance(sampler, Backend) else None
    name = name or type(sampler).__name__
    children = getattr(sampler, "children", None) if isinstance(sampler, dimod.Composite) else None
    return f"{name}({sampler_name(children[0])})" if children else name


def described_parameters(sampler: dimod.Sampler) -> dict[str, str]:
    """``{parameter: text}`` from ``properties["parameters"]`` of a sampler and, through composites, of its children."""
    found: dict[str, str] = {}
    node: Any = sampler
    while node is not None:
        described = (getattr(node, "properties", None) or {}).get("parameters")
        if isinstance(described, dict):
            found.update({k: v for k, v in described.items() if isinstance(v, str) and k not in found})
        children = getattr(node, "children", None) if isinstance(node, dimod.Composite) else None
        node = children[0] if children else None
    return found


def _as_range(value: Any) -> tuple[float, float] | None:
    return None if value is None else (float(value[0]), float(value[1]))


def fit_scale(model: CompiledBQM, h_range: tuple[float, float] | None, j_range: tuple[float, float] | None) -> float:
    """Largest factor ``c`` such that ``c·h`` and ``c·J`` fit the ranges (``inf`` if unbounded)."""
    factor = math.inf
    for values, bounds in ((model.h, h_range), (model.J.data, j_range)):
        if bounds is None or values.size == 0:
            continue
        low, high = bounds
        top, bottom = float(values.max()), float(values.min())
        if top > 0 and high > 0:
            factor = min(factor, high / top)
        if bottom < 0 and low < 0:
            factor = min(factor, low / bottom)
    return factor


class DimodSamplerBackend(Backend, dimod.Composite):
    """Wrap a ``dimod.Sampler`` so it follows the isingbridge backend contract.

    The backend is a ``dimod.Composite`` whose one child is the wrapped
    sampler (``children``, ``child``, ``properties["child_properties"]``), so
    Ocean tools that look through composites see the sampler inside.

    Parameters
    ----------
    sampler : dimod.Sampler
        Any sampler; composites such as ``EmbeddingComposite`` are fine.
    beta_eff : float, optional
        The sampler's effective inverse temperature for the energies it is
        given. Needed to sample at a chosen β; estimate it with
        :meth:`estimate_beta_eff`.
    **sampler_kwargs
        Default keyword arguments for every ``sampler.sample`` call (for
        example ``chain_strength`` or ``annealing_time``).

    Notes
    -----
    Extra options of :meth:`sample` are the wrapped sampler's own parameters;
    an unknown one is dropped with a ``SamplerUnknownArgWarning`` before the
    sampler sees it.  Aggregated answers (``num_occurrences`` > 1) are
    expanded to one row per read.

    Examples
    --------
    >>> import dimod
    >>> from isingbridge.backends import get
    >>> backend = get(dimod.ExactSolver())
    >>> backend.name, backend.child is backend.sampler, isinstance(backend, dimod.Composite)
    ('ExactSolver', True, True)
    >>> "child_properties" in backend.properties
    True
    """

    default_num_reads: ClassVar[int] = 100

    def __init__(self, sampler: dimod.Sampler, *, beta_eff: float | None = None, cache_size: int = 16, **sampler_kwargs: Any):
        if not isinstance(sampler, dimod.Sampler):
            raise TypeError(f"expected a dimod.Sampler, got {type(sampler).__name__}")
        super().__init__(cache_size=cache_size)
        self.sampler = sampler
        self.beta_eff = None if beta_eff is None else check_beta(beta_eff)
        self.sampler_kwargs = dict(sampler_kwargs)
        self.h_range, self.j_range = hardware_ranges(sampler)
        self._warned_seed = False

    @property
    def name(self) -> str:  # type: ignore[override]
        """The wrapped sampler's class name, with its children's: ``"EmbeddingComposite(MockDWaveSampler)"``."""
        return sampler_name(self.sampler)

    @property
    def children(self) -> list[dimod.Sampler]:
        """``[sampler]``: the one sampler this composite calls (``child`` is the same, from ``dimod.Composite``)."""
        return [self.sampler]

    @property
    def properties(self) -> dict:
        """The backend's properties and ``child_properties``: a copy of the wrapped sampler's ``properties``."""
        return {**super().properties, "child_properties": dict(self.sampler.properties)}

    def parameter_docs(self) -> dict[str, str]:
        """The contract's parameters, and the wrapped sampler's as its ``properties["parameters"]`` describes them."""
        docs = super().parameter_docs()
        described = described_parameters(self.sampler)
        for name in self.extra_parameters:
            text = described.get(name)
            docs[name] = text if isinstance(text, str) else f"passed on to {type(self.sampler).__name__}.sample"
        return docs

    @property
    def takes_seed(self) -> bool:
        """Whether the wrapped sampler accepts a ``seed`` (and so repeats its samples for one)."""
        return "seed" in self.sampler.parameters

    def _reproducible(self, seed: Any) -> bool:
        """Validate ``seed``; warn (once per backend) when it cannot be passed on.  True if the call can be repeated."""
        as_rng(seed)
        if seed is not None and not self.takes_seed and not self._warned_seed:
            self._warned_seed = True
            warnings.warn(
                f"{type(self.sampler).__name__} takes no seed, so seed={seed!r} cannot make its samples reproducible; "
                "results say so in info['reproducible']",
                NotReproducibleWarning, stacklevel=stacklevel_outside(),
            )
        return seed is not None and self.takes_seed

    def _settle_request(self, beta: Any, seed: Any, options: dict) -> tuple[Any, dict]:
        """Every result says whether the call can be repeated (``info["reproducible"]``)."""
        return beta, {"reproducible": self._reproducible(seed)}

    @property
    def extra_parameters(self) -> tuple[str, ...]:  # type: ignore[override]
        """The wrapped sampler's own parameters, passed on to it: its ``parameters`` but ``num_reads`` and ``seed``.

        The contract sets those two itself: ``num_reads`` from the call, and
        ``seed`` from the call's generator when the sampler takes one (:attr:`takes_seed`).
        """
        return tuple(p for p in self.sampler.parameters if p not in ("num_reads", "seed"))

    def limits(self) -> str:
        """One line on the sizes this backend handles (for ``isingbridge backends``)."""
        ranges = f"h_range={self.h_range}, j_range={self.j_range}" if self.h_range or self.j_range else "no range limits"
        return f"whatever {type(self.sampler).__name__} accepts ({ranges})"

    def __repr__(self) -> str:
        return f"DimodSamplerBackend({self.sampler!r}, beta_eff={self.beta_eff})"

    def submission_scale(self, model: CompiledBQM, beta: float) -> tuple[float, float]:
        """``(factor, beta_realized)``: the model is submitted as ``factor · E``."""
        if self.beta_eff is None:
            if not math.isclose(beta, 1.0):
                raise ValueError(
                    f"{type(self.sampler).__name__} has no known effective temperature, so beta={beta} cannot be "
                    "realised; pass beta_eff=... or call estimate_beta_eff(bqm) first"
                )
            wanted = 1.0
        else:
            wanted = beta / self.beta_eff
        fitted = min(wanted, fit_scale(model, self.h_range, self.j_range))
        realized = beta * fitted / wanted
        if fitted < wanted * (1 - 1e-12):
            warnings.warn(
                f"the model scaled for beta={beta} exceeds the sampler's ranges (h_range={self.h_range}, "
                f"j_range={self.j_range}); scaled down, so the realised beta is {realized:.4g}",
                stacklevel=stacklevel_outside(),
            )
        return fitted, realized

    def _submit(self, bqm: dimod.BinaryQuadraticModel, num_reads: int, rng: np.random.Generator,
                options: dict) -> dimod.SampleSet:
        parameters = self.sampler.parameters
        kwargs = dict(self.sampler_kwargs)
        kwargs.update(options)
        if "num_reads" in parameters:
            kwargs["num_reads"] = num_reads
        if self.takes_seed:
            kwargs["seed"] = int_seed(rng)
        if "auto_scale" in parameters and self.beta_eff is not None:
            kwargs.setdefault("auto_scale", False)
        return self.sampler.sample(bqm, **kwargs)

    def _sample_free(self, model, beta, num_reads, rng, **options):
        if model.num_variables == 0:
            return np.zeros((num_reads, 0), dtype=np.int8), {}, {}
        factor, realized = self.submission_scale(model, beta)
        submitted = model.to_bqm()
        submitted.scale(factor)
        states, vectors, sampler_info = self._reads(submitted, list(model.variables), num_reads, rng, options)
        return states, {"beta_realized": realized, "scale": factor, "sampler_info": sampler_info}, vectors

    def _reads(self, submitted: dimod.BinaryQuadraticModel, labels: list, num_reads: int, rng: np.random.Generator,
               options: dict) -> tuple[np.ndarray, dict, dict]:
        """Submit; return the reads (int8 spins, columns ``labels``), their per-read vectors and the sampler's info."""
        if isinstance(options.get("initial_states"), np.ndarray):  # free-spin columns: name them for the sampler
            options = dict(options, initial_states=(options["initial_states"], labels))
        sampleset = self._submit(submitted, num_reads, rng, options)
        record = sampleset.record
        columns = [sampleset.variables.index(v) for v in labels]
        states = np.repeat(record.sample[:, columns], record.num_occurrences, axis=0)
        if sampleset.vartype is dimod.BINARY:
            states = 2 * states - 1
        keep = num_reads if "num_reads" in self.sampler.parameters else states.shape[0]
        # per-read vectors an embedding composite adds (chain_break_fraction) travel with the reads
        vectors = {name: np.repeat(record[name], record.num_occurrences, axis=0)[:keep]
                   for name in record.dtype.names if name not in ("sample", "energy", "num_occurrences")}
        return states[:keep].astype(np.int8), vectors, dict(sampleset.info)

    def _sample_batch(self, batch: Batch, beta, num_reads, rng, **options) -> dimod.SampleSet:
        rows = self._copies(batch, beta, num_reads, rng, options)
        if rows is None:
            return super()._sample_batch(batch, beta, num_reads, rng, **options)
        return concatenate_rows([problem.sampleset(states, info, **vectors) for problem, states, info, vectors in rows])

    def _moments_batch(self, batch: Batch, beta, rng, **options) -> Moments:
        num_reads = options.pop("num_reads", None) or self.default_num_reads
        check_reads_memory(batch.size * num_reads, len(batch.variables))
        rows = self._copies(batch, beta, num_reads, rng, options)
        if rows is None:
            return super()._moments_batch(batch, beta, rng, num_reads=num_reads, **options)
        return stack_moments([problem.full_moments(moments_from_samples(problem.free, states, info))
                              for problem, states, info, _ in rows])

    def _copies(self, batch: Batch, beta: float, num_reads: int, rng: np.random.Generator, options: dict) -> list | None:
        """Every row of ``batch`` in one sampler call, as disjoint copies labelled ``0 … B·F − 1``.

        Returns ``[(problem, states, info, vectors)]`` per row, or ``None`` where
        the rows go one call each: a ``dimod.Structured`` sampler (whose graph
        fixes the sizes it accepts), one row, or no free spins.
        """
        if isinstance(self.sampler, dimod.Structured) or batch.size == 1 or batch.num_free == 0:
            return None
        problems = list(batch.problems())
        scales = [self.submission_scale(problem.free, beta) for problem in problems]
        h = np.concatenate([problem.free.h * factor for problem, (factor, _) in zip(problems, scales)])
        J = sp.triu(sp.block_diag([problem.free.J * factor for problem, (factor, _) in zip(problems, scales)]), k=1)
        J = J.tocoo()
        submitted = dimod.BQM.from_numpy_vectors(h, (J.row, J.col, J.data), 0.0, dimod.SPIN)
        width = batch.num_free
        if options.get("initial_states") is not None:  # (B, R, F) -> (R, B·F): one read holds every copy
            initial = np.asarray(options["initial_states"])
            options = dict(options, initial_states=np.ascontiguousarray(initial.transpose(1, 0, 2)).reshape(initial.shape[1], -1))
        states, vectors, sampler_info = self._reads(submitted, list(range(batch.size * width)), num_reads, rng, options)
        states = states.reshape(states.shape[0], batch.size, width)
        return [(problem, np.ascontiguousarray(states[:, b]),
                 {"beta_realized": realized, "scale": factor, "sampler_info": sampler_info, "copies": batch.size},
                 vectors)
                for b, (problem, (factor, realized)) in enumerate(zip(problems, scales))]

    def estimate_beta_eff(
        self,
        bqm: dimod.BinaryQuadraticModel,
        *,
        num_reads: int = 100,
        clamp: dict | None = None,
        seed: Any = None,
        **options: Any,
    ) -> float:
        """Estimate and store the sampler's effective inverse temperature.

        Samples ``bqm`` (scaled into the hardware ranges) and solves the
        maximum-pseudolikelihood equation of dwave-system
        (``maximum_pseudolikelihood_temperature``) for the submitted energies.

        Returns
        -------
        float
            ``beta_eff`` (also stored on the backend).

        Raises
        ------
        ImportError
            Without dwave-system (``pip install isingbridge[hardware]``).
        ValueError
            If every sample is a local minimum (the sampler is too cold to
            measure on this model: β_eff would be infinite).
        """
        num_reads = check_positive_int(num_reads, "num_reads")
        self._reproducible(seed)
        try:
            from dwave.system.temperatures import maximum_pseudolikelihood_temperature
        except ImportError as error:  # pragma: no cover - exercised only without the extra
            raise ImportError("estimate_beta_eff needs dwave-system: pip install 'isingbridge[hardware]'") from error
        spin = as_spin_bqm(bqm)
        free = clamp_bqm(spin, check_clamp(bqm, clamp))
        compiled = self._cache.compile(free)
        submitted = compiled.to_bqm()
        submitted.scale(min(1.0, fit_scale(compiled, self.h_range, self.j_range)))
        sampleset = self._submit(submitted, num_reads, as_rng(seed), options)
        temperature, _ = maximum_pseudolikelihood_temperature(bqm=submitted, sampleset=sampleset)
        if not temperature > 0:
            raise ValueError(
                "every sample is a local minimum, so the sampler's effective temperature on this model is 0; "
                "estimate it on a model with smaller biases or use the sampler as an optimiser (beta=1)"
            )
        self.beta_eff = 1.0 / float(temperature)
        return self.beta_eff
