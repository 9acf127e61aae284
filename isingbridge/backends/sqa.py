"""Simulated quantum annealing: path-integral Monte Carlo of transverse-field Ising models on the Gibbs engines.

A :class:`~isingbridge.quantum.TransverseIsing` with Z/ZZ terms and X fields,

    H = Σ_i h_i Z_i + Σ_{i<j} J_ij Z_i Z_j + offset + Σ_i g_i X_i,

is mapped by the Suzuki–Trotter decomposition onto a classical Ising model of
``M`` coupled copies ("Trotter slices") of its spins.  A field of either sign
is the same physics: conjugating by Z_i turns g_i X_i into −g_i X_i and leaves
every Z/ZZ term alone, so the sampler works with Γ_i = ``|g_i|`` (H = … − Σ Γ_i X_i,
off-diagonal elements ≤ 0: stoquastic) and only ⟨X_i⟩ takes the sign −sign(g_i).
With Δ = β/M and ``s_{i,k}`` the spin of qubit i in slice k (periodic in k),

    Tr e^{−βH} ≈ C Σ_s exp(−Δ Σ_k E(s_k) + Σ_i K_i Σ_k s_{i,k} s_{i,k+1}),
    K_i = −½ ln tanh(Δ Γ_i),

from ⟨s|e^{a X}|s'⟩ = cosh a (s = s') or sinh a (s ≠ s') ∝ exp(K s s').  In
dimod's sign the slices carry the couplings Δ·J and fields Δ·h, and
neighbouring slices of a qubit the ferromagnetic coupling −K_i; the classical
model (``M·N`` spins, energy scale folded in, sampled at β = 1) runs on the
Gibbs backend's neighbour-loop engine
(:class:`~isingbridge.backends.gibbs_cpu.SparseChains`).  A qubit without an
X field is one classical spin shared by every slice (its couplings summed over
the slices: Δ·J·M = β·J).

Estimators, averaged over the slices and the recorded sweeps:

* ⟨Z_i⟩ = ⟨s_{i,k}⟩ and ⟨Z_i Z_j⟩ = ⟨s_{i,k} s_{j,k}⟩;
* ⟨X_i⟩ by the slice-bond estimator: inserting X_i between slices k and
  k + 1 turns the bond's matrix element cosh a ↔ sinh a, so with a = ΔΓ_i
  the bond contributes tanh a where the slices agree and coth a where they
  differ: ⟨X_i⟩ = −sign(g_i) ⟨(1 + c)/2 · tanh a + (1 − c)/2 · coth a⟩,
  c = s_{i,k} s_{i,k+1};
* ⟨H⟩ as the same linear combination of those moments.

The error of the discretisation is O(1/M²) (the product formula under the
trace equals the symmetric one); :func:`trotter_bias_bound` gives a
leading-order bound on the bias of ⟨Z_i⟩ and ⟨Z_i Z_j⟩.  Standard errors treat
the chains as independent replicas: the spread of their time-batch means over
the ESS of those means (as the Gibbs backend does), R̂ from the batch means.

Annealing (:meth:`SQABackend.sample`) is discrete-time SQA as a p-computer
runs it: β fixed, the transverse field lowered over the sweeps (so K_i grows
and the slices lock together), final states read out as the lowest-energy
slice of each read.

Examples
--------
>>> import dimod
>>> from isingbridge import TransverseIsing, get
>>> model = TransverseIsing(dimod.BQM({0: 0.2}, {(0, 1): -1.0}, 0.0, "SPIN"), x={0: -0.8, 1: -0.8})
>>> m = get("sqa").moments(model, beta=1.0, trotter_slices=16, num_sweeps=1000, num_reads=32, seed=0)
>>> exact = get("statevector").moments(model, beta=1.0)
>>> bool(abs(m.corr_of(0, 1) - exact.corr_of(0, 1)) < 5 * m.corr_stderr[0, 1] + m.info["trotter_bias_bound"])
True
>>> ss = get("sqa").sample(dimod.BQM({}, {(0, 1): 1.0, (1, 2): 1.0}, 0.0, "SPIN"), num_reads=4, seed=1)
>>> float(ss.first.energy)                          # an antiferromagnetic chain's ground state
-2.0
"""
from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import dimod
import numpy as np
import scipy.sparse as sp

from isingbridge.backends.base import (
    Backend, Moments, Problem, Samples, as_rng, check_positive_int, check_reads_memory, concatenate_rows,
    stack_moments,
)
from isingbridge.backends.convergence import ConvergenceWarning, rank_split_rhat
from isingbridge.backends.gibbs import (
    RHAT_THRESHOLD, GibbsBackend, _batch_means_stderr, _check_controls, coupled_pairs, kernel_pairs, record_plan,
    resolve_pairs,
)
from isingbridge.backends.gibbs_cpu import SparseChains
from isingbridge.ir import CompiledBQM, compile_bqm, is_batched
from isingbridge.quantum import TransverseIsing
from isingbridge.spins import random_spins
from isingbridge.validation import (
    check_array, check_beta, check_bool, check_choice, check_memory, check_positive, check_real,
)

__all__ = ["SQABackend", "TrotterModel", "trotter_coupling", "trotter_bias_bound", "gamma_schedule"]

#: Trotter slices when none are given.
DEFAULT_SLICES = 32
#: Smallest inter-slice coupling kept: a Γ so large that tanh(βΓ/M) rounds to 1 still keeps its bond in the
#: engine's coupling list (the couplings are retuned in place during an anneal); 1e-12 changes no probability.
MIN_BOND = 1e-12
MODES = ("thermal", "anneal")
#: pairs="auto" estimates every ⟨Z_i Z_j⟩ up to this many qubits, the couplings' above.
ALL_PAIRS_MAX = 64
SLICES = ("best", "all")
#: Default anneal, in units of the model's largest |h| or |J|: Γ from 3 down to 1e-3 at β = M (β/M = 1 per slice).
DEFAULT_GAMMA_RANGE = (3.0, 1e-3)


def trotter_coupling(beta: float, gamma: np.ndarray, slices: int) -> np.ndarray:
    """K = −½ ln tanh(βΓ/M): the ferromagnetic strength between neighbouring slices (Γ > 0).

    Examples
    --------
    >>> round(float(trotter_coupling(2.0, np.array([0.5]), 4)[0]), 6)     # −½ ln tanh(0.25)
    0.703415
    """
    a = np.maximum(beta * np.asarray(gamma, dtype=np.float64) / slices, np.finfo(np.float64).tiny)
    return np.maximum(-0.5 * np.log(np.tanh(a)), MIN_BOND)


def trotter_bias_bound(model: TransverseIsing, *, beta: float, trotter_slices: int) -> float:
    """Leading-order bound on the Trotter bias of ⟨Z_i⟩ and ⟨Z_i Z_j⟩ with ``trotter_slices`` slices.

    With A the diagonal part and B = −Σ Γ_i X_i, the slices' transfer matrix
    e^{−ΔA/2} e^{−ΔB} e^{−ΔA/2} (Z observables commute with A, so they see
    this symmetric form) is exp(−Δ(H − Δ²K)) up to O(Δ⁵), with
    ‖K‖ ≤ ‖[B,[B,A]]‖/12 + ‖[A,[A,B]]‖/24 ≤ Σ_i Γ_i f_i (Γ̄_i/3 + f_i/6),
    f_i = ``|h_i|`` + Σ_j ``|J_ij|`` and Γ̄_i = Γ_i + Σ_{j~i} Γ_j.  A perturbation εK
    moves a thermal ⟨O⟩ by at most 2βε‖O‖‖K‖, so the bias of a Z observable
    (‖O‖ = 1) is at most 2β³‖K‖/M², to leading order in 1/M².

    Examples
    --------
    >>> import dimod
    >>> model = TransverseIsing(dimod.BQM({}, {(0, 1): 1.0}, 0.0, "SPIN"), x={0: -1.0, 1: -1.0})
    >>> trotter_bias_bound(model, beta=1.0, trotter_slices=10)         # 2 · 2 · (2/3 + 1/6) / 100
    0.03333333333333333
    """
    if not isinstance(model, TransverseIsing):
        raise TypeError(f"trotter_bias_bound takes a TransverseIsing, got {type(model).__name__}")
    qubits = compile_bqm(model.bqm)  # qubit order is the BQM's variable order
    gamma = np.abs(model.x_arrays()[0])
    return _bias_bound(qubits, gamma, check_beta(beta), _check_slices(trotter_slices))


def _bias_bound(qubits: CompiledBQM, gamma: np.ndarray, beta: float, slices: int) -> float:
    absolute = abs(qubits.J)
    f = np.abs(qubits.h) + np.asarray(absolute.sum(axis=1)).ravel()
    neighbours = (absolute != 0).astype(np.float64) @ gamma
    k = float(np.sum(gamma * f * ((gamma + neighbours) / 3.0 + f / 6.0)))
    return 2.0 * beta**3 * k / slices**2


def gamma_schedule(gamma_range: Any = None, num_sweeps: int = 1000, schedule: Any = None) -> np.ndarray:
    """One transverse field per sweep: ``schedule`` as given, or linear from ``gamma_range[0]`` down to ``[1]``.

    Both must be finite, positive and non-increasing (the field goes from large
    to small over an anneal).

    Examples
    --------
    >>> gamma_schedule((2.0, 0.5), num_sweeps=4).tolist()
    [2.0, 1.5, 1.0, 0.5]
    """
    if schedule is not None:
        if gamma_range is not None:
            raise ValueError("give gamma_range or gamma_schedule, not both (gamma_schedule already fixes every sweep)")
        values = check_array(schedule, "gamma_schedule", ndim=1)
        if values.size == 0:
            raise ValueError("gamma_schedule is empty; give one transverse field per sweep")
        if np.any(values <= 0):
            raise ValueError(f"gamma_schedule must be positive (a transverse field > 0), got {float(values.min()):g} "
                             f"at sweep {int(np.argmin(values))}; end the anneal at a small positive field")
        if np.any(np.diff(values) > 0):
            k = int(np.argmax(np.diff(values) > 0))
            raise ValueError(f"gamma_schedule must be non-increasing (the field is lowered over the anneal), but it "
                             f"rises from {values[k]:g} to {values[k + 1]:g} at sweep {k + 1}")
        return values
    if isinstance(gamma_range, (str, bytes)) or not hasattr(gamma_range, "__len__") or len(gamma_range) != 2:
        raise TypeError(f"gamma_range must be a pair (start, end) of positive fields, got {gamma_range!r}")
    start, end = (check_positive(value, f"gamma_range[{k}]") for k, value in enumerate(gamma_range))
    if end > start:
        raise ValueError(f"gamma_range must go from large to small (start >= end), got {tuple(gamma_range)!r}")
    return np.linspace(start, end, check_positive_int(num_sweeps, "num_sweeps"))


def _check_slices(trotter_slices: Any) -> int:
    return check_positive_int(trotter_slices, "trotter_slices", minimum=2)


@dataclass
class TrotterModel:
    """The classical ``M``-slice model of a transverse-field Ising model, ready for the Gibbs engines.

    Attributes
    ----------
    model : CompiledBQM
        The classical model, to be sampled at β = 1 (β/M folded into its couplings).
    qubits : CompiledBQM
        The Z/ZZ part it was built from.
    site : numpy.ndarray
        ``(N, M)`` position in ``model`` of qubit i in slice k (one position for every
        slice of a qubit without transverse field).
    drive : numpy.ndarray
        ``(N,)`` Γ_i ≥ 0 the bonds were built for.
    beta : float
    slices : int
    entries : numpy.ndarray
        Positions in ``model.J.data`` of the inter-slice bonds (both triangles).
    inverse : numpy.ndarray
        Bond of each of ``entries``'s rows, as ``np.unique`` leaves it: with two slices a qubit's two bonds
        are one coupling, the sum of both.

    Examples
    --------
    >>> import dimod
    >>> qubits = CompiledBQM.from_arrays([0.0, 0.0], [[0.0, 1.0], [0.0, 0.0]])
    >>> trotter = TrotterModel.build(qubits, np.array([1.0, 0.0]), beta=2.0, slices=4)
    >>> trotter.model.num_variables, trotter.site[1].tolist()   # qubit 1 has no field: one spin for every slice
    (5, [4, 4, 4, 4])
    """

    model: CompiledBQM
    qubits: CompiledBQM
    site: np.ndarray
    drive: np.ndarray
    beta: float
    slices: int
    entries: np.ndarray
    inverse: np.ndarray

    @classmethod
    def build(cls, qubits: CompiledBQM, drive: np.ndarray, beta: float, slices: int) -> TrotterModel:
        """The classical model of the qubits' Z/ZZ terms with transverse fields ``drive`` (Γ_i ≥ 0) at ``beta``."""
        n, m = qubits.num_variables, slices
        site = _sites(drive > 0, m)
        size = int(site.max()) + 1 if n else 0
        delta = beta / m
        h = np.zeros(size)
        np.add.at(h, site.ravel(), np.repeat(delta * qubits.h, m))
        upper = sp.triu(qubits.J, k=1).tocoo()
        u, v = _bond_ends(site, drive)
        r, c = np.concatenate([site[upper.row].ravel(), u]), np.concatenate([site[upper.col].ravel(), v])
        values = [np.repeat(delta * upper.data, m), -trotter_coupling(beta, drive[drive > 0], m).repeat(m)]
        couplings = sp.coo_matrix((np.concatenate(values), (np.minimum(r, c), np.maximum(r, c))), shape=(size, size))
        model = CompiledBQM.from_arrays(h, couplings)
        entries, inverse = _bond_entries(model.J, u, v)
        return cls(model, qubits, site, np.asarray(drive, dtype=np.float64), beta, slices, entries, inverse)

    def bond_values(self, drive: np.ndarray) -> np.ndarray:
        """The couplings of :attr:`entries` for transverse fields ``drive`` (same qubits carry a field)."""
        bonds = -trotter_coupling(self.beta, drive[self.drive > 0], self.slices).repeat(self.slices)
        return np.bincount(self.inverse, weights=np.tile(bonds, 2), minlength=self.entries.size)

    def slice_states(self, states: np.ndarray) -> np.ndarray:
        """``(R, M, N)`` qubit spins of every slice from ``(R, size)`` classical states."""
        return np.ascontiguousarray(states[:, self.site].transpose(0, 2, 1))


def _sites(quantum: np.ndarray, slices: int) -> np.ndarray:
    """``(N, M)`` classical positions: slice-major for qubits with a field, one shared spin each for the others."""
    n, count = quantum.size, int(quantum.sum())
    site = np.empty((n, slices), dtype=np.int64)
    site[quantum] = (np.cumsum(quantum)[quantum] - 1)[:, None] + count * np.arange(slices)[None, :]
    site[~quantum] = (count * slices + np.arange(n - count))[:, None]
    return site


def _bond_ends(site: np.ndarray, drive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the two ends of every inter-slice bond (qubit-major, k → k + 1, periodic)."""
    quantum = site[drive > 0]
    return quantum.ravel(), np.roll(quantum, -1, axis=1).ravel()


def _bond_entries(J: sp.csr_matrix, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``J.data`` of the couplings (u, v) and (v, u), deduplicated, and the bond of each occurrence."""
    n = J.shape[0]
    keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(J.indptr)) * n + J.indices
    wanted = np.concatenate([u * n + v, v * n + u])
    return np.unique(np.searchsorted(keys, wanted), return_inverse=True)


class PathChains:
    """Chains of a :class:`TrotterModel` on the Gibbs engine, with a transverse field that may change between sweeps.

    ``retune`` rewrites the inter-slice couplings in the engine's float arrays
    (no rebuild); an engine on its integer-field path (whose table would not
    hold the new bonds), or ``rebuild=True``, is rebuilt from its states
    instead.  ``worldline=True`` follows every sweep with a heat-bath flip of
    each qubit's whole worldline (all its slices at once), colour class by
    colour class of the qubits' graph: the bonds between slices do not
    change, so the move's weight is exp(−2w), w = Σ_k s_{i,k} Δ(h_i + Σ_j J_ij
    s_{j,k}), and it moves a qubit's magnetisation in one step where single-spin
    updates need a domain wall to travel around all M slices.

    Examples
    --------
    >>> qubits = CompiledBQM.from_arrays([0.0, 0.0], [[0.0, -1.0], [0.0, 0.0]])
    >>> trotter = TrotterModel.build(qubits, np.array([1.0, 1.0]), beta=1.0, slices=4)
    >>> chains = PathChains(trotter, 8, np.random.default_rng(0), worldline=True)
    >>> chains.sweep(10); chains.slice_states().shape                # (chains, slices, qubits)
    (8, 4, 2)
    """

    def __init__(self, trotter: TrotterModel, num_chains: int, rng: np.random.Generator, *,
                 worldline: bool = False, rebuild: bool = False):
        self.trotter, self.rng, self.rebuild, self.worldline = trotter, rng, rebuild, worldline
        self.engine = SparseChains(trotter.model, 1.0, num_chains, rng)
        self.engine.load(random_spins(rng, (num_chains, trotter.model.num_variables)))
        self.rebuilds = 0
        qubits = trotter.qubits
        self._groups = [(g, qubits.J[g].astype(np.float32)) for g in qubits.color_groups()]

    def retune(self, drive: np.ndarray) -> None:
        """Set the inter-slice couplings for transverse fields ``drive`` (the same qubits carry a field)."""
        values = self.trotter.bond_values(drive)
        engine = self.engine
        if not self.rebuild and not engine.integer and hasattr(engine, "jf"):
            engine.jf[self.trotter.entries] = (values / engine.offset_scale).astype(np.float32)
            return
        model = self.trotter.model
        J = model.J.copy()
        J.data[self.trotter.entries] = values
        states = engine.states()
        self.engine = SparseChains(CompiledBQM(model.variables, model.h, J, 0.0, model.colors), 1.0,
                                   engine.num_chains, self.rng)
        self.engine.load(states)
        self.rebuilds += 1

    def sweep(self, num_sweeps: int) -> None:
        """``num_sweeps`` sweeps of every classical spin (each followed by worldline flips when enabled)."""
        if not self.worldline:
            self.engine.run(num_sweeps)
            return
        for _ in range(num_sweeps):
            self.engine.run(1)
            self._flip_worldlines()

    def anneal(self, fields: np.ndarray, drive: np.ndarray) -> None:
        """One sweep per entry of ``fields`` at Γ_i = field · drive_i; runs of equal fields in one engine call."""
        starts = np.flatnonzero(np.r_[True, np.diff(fields) != 0])
        for start, stop in zip(starts, np.r_[starts[1:], fields.size]):
            self.retune(fields[start] * drive)
            self.sweep(int(stop - start))

    def slice_states(self) -> np.ndarray:
        """``(chains, M, N)`` int8 qubit spins of every slice."""
        return self.trotter.slice_states(self.engine.states())

    def _flip_worldlines(self) -> None:
        trotter = self.trotter
        states = self.engine.states()
        paths = states[:, trotter.site].astype(np.float32)  # (C, N, M)
        chains, n, m = paths.shape
        delta = np.float32(trotter.beta / m)
        h = trotter.qubits.h.astype(np.float32)
        for group, rows in self._groups:
            fields = (rows @ paths.transpose(1, 0, 2).reshape(n, chains * m)).reshape(group.size, chains, m)
            w = delta * np.einsum("cgm,gcm->cg", paths[:, group], fields + h[group, None, None])
            flip = self.rng.random(w.shape) * (1.0 + np.exp(np.minimum(-2.0 * w, 80.0))) < 1.0
            paths[:, group] *= np.where(flip, -1.0, 1.0).astype(np.float32)[:, :, None]
        states[:, trotter.site] = paths.astype(np.int8)
        self.engine.load(states)


class SQABackend(Backend):
    """Path-integral Monte Carlo (simulated quantum annealing) of transverse-field Ising models.

    Takes a :class:`~isingbridge.quantum.TransverseIsing` with Z/ZZ terms and X
    fields of any sign (XX terms are refused: they have no pairwise Trotter form
    here), or, for annealing, a plain BQM (driven by −Σ X_i).  See the module
    docstring for the mapping and the estimators.

    The Parameters are those of the constructor; the Other Parameters are
    options of :meth:`moments` and :meth:`sample`.

    Parameters
    ----------
    num_threads : int, optional
        numba threads of the Gibbs engine (default: all cores).

    Other Parameters
    ----------------
    beta, temperature : float
        The inverse temperature, or the temperature (give one; default β = 1
        for moments, β = M / scale for an anneal, scale = the model's largest
        ``|h|``, ``|J|``).
    trotter_slices : int
        M ≥ 2 (default 32); the bias of Z moments falls as 1/M².
    num_reads : int
        Independent chains (default 64).
    num_sweeps : int
        Sweeps of every classical spin (default 2000 for moments, 1000 for sample).
    burn_in, thin : int
        :meth:`moments` only: sweeps not recorded (default ``num_sweeps // 5``), record every ``thin``-th.
    pairs : {"auto", "edges", "all"}, list of label pairs, or None
        :meth:`moments` only, as on the Gibbs backend: which ⟨Z_i Z_j⟩ to estimate
        ("auto": all up to 64 qubits, else the couplings; the couplings are
        always estimated, for ⟨H⟩).
    worldline_moves : bool
        Follow every sweep with heat-bath flips of whole worldlines (see
        :class:`PathChains`; default True for thermal runs, False for an anneal,
        which then runs single-spin updates only, as p-bit hardware does).
    mode : {"thermal", "anneal"}
        :meth:`sample` only: Z-basis samples of the thermal state, or an anneal
        (default "anneal" for a plain BQM or when a schedule is given, else "thermal").
    gamma_range : (float, float)
        The anneal's transverse field: linear from ``gamma_range[0]`` to
        ``[1]`` over ``num_sweeps`` sweeps (default (3, 1e-3) × scale);
        positive and non-increasing.  For a TransverseIsing the schedule
        multiplies each qubit's ``|g_i|`` (qubits without X stay classical);
        for a plain BQM every qubit gets Γ(t).
    gamma_schedule : array
        The anneal's transverse field, one value per sweep (instead of
        ``gamma_range``; its length fixes ``num_sweeps``); positive and
        non-increasing, applied as the ``gamma_range`` schedule is.
    retune : {"auto", "rebuild"}
        :meth:`sample` only: how the couplings follow the schedule: rewritten in
        the engine's arrays ("auto"; rebuilt where the engine cannot take them) or
        a new engine for every field (for comparison).
    slices : {"best", "all"}
        :meth:`sample` only: one read per chain (the lowest-energy slice after
        an anneal, a random slice of a thermal run), or every slice of every
        chain (``M · num_reads`` reads, vectors ``read`` and ``slice``).
    """

    name: ClassVar[str] = "sqa"
    default_num_reads: ClassVar[int] = 64
    extra_parameters: ClassVar[tuple[str, ...]] = (
        "temperature", "trotter_slices", "num_sweeps", "burn_in", "thin", "pairs", "mode", "gamma_range",
        "gamma_schedule", "slices", "retune", "worldline_moves",
    )

    def __init__(self, *, num_threads: int | None = None, cache_size: int = 16):
        super().__init__(cache_size=cache_size)
        self._gibbs = GibbsBackend(num_threads=num_threads)  # the engines' thread and BLAS budget

    def limits(self) -> str:
        """One line on the sizes this backend handles (for ``isingbridge backends``)."""
        return "Z/ZZ terms and X fields of any sign (no XX); memory trotter_slices x N x num_reads bytes"

    # -- requests ----------------------------------------------------------------------
    def _quantum(self, model: Any, clamp: Any, purpose: str) -> tuple[Problem, np.ndarray]:
        """The validated request: ``(problem over the diagonal part, X coefficient g_i of each free qubit)``."""
        if isinstance(model, TransverseIsing):
            _refuse_xx(model)
            g = dict(model.x)
            bqm: Any = model.bqm
        elif isinstance(model, (dimod.BinaryQuadraticModel, CompiledBQM)):
            g, bqm = {}, model
        else:
            raise TypeError(f"the sqa backend takes a TransverseIsing or a BQM, got {type(model).__name__}")
        if not g and purpose == "thermal":
            raise ValueError("this model has no transverse field, so its thermal state is classical: sample it with "
                             "get('gibbs') or get('tempering') (get('exact') for small models); the sqa backend "
                             "anneals a plain BQM with sample(..., mode='anneal')")
        problem = self.prepare(bqm, clamp)
        touched = sorted(map(repr, set(problem.clamp) & set(g)))
        if touched:
            raise ValueError(f"cannot clamp qubit(s) {', '.join(touched)}: they carry X fields, so they are not Z "
                             "eigenstates; drive them with Z fields instead (TransverseIsing.with_fields)")
        return problem, np.array([g.get(v, 0.0) for v in problem.free.variables], dtype=np.float64)

    def _rows(self, model: Any, clamp: Any, fields: Any):
        """Row ``b`` of a batched request as ``(model, clamp dict)``; a TransverseIsing row keeps its X fields."""
        quantum = isinstance(model, TransverseIsing)
        batch = self.prepare_batch(model.bqm if quantum else model, clamp, fields)
        for b in range(batch.size):
            row = batch.row_bqm(b)
            if quantum:  # the rows of a TransverseIsing's diagonal part (a BQM) are BQMs
                yield TransverseIsing(cast(dimod.BinaryQuadraticModel, row), model.x, model.xx), batch.row_clamp(b)
            else:
                yield row, batch.row_clamp(b)

    # -- thermal moments ---------------------------------------------------------------
    # moments, sample and sample_states name their first argument model (it may be a TransverseIsing) where the
    # contract says bqm, hence their ignore[override]; every caller passes it by position
    def moments(self, model: Any, *, beta: float | None = None, temperature: float | None = None,  # type: ignore[override]
                clamp: Any = None, fields: Any = None, seed: Any = None, **options: Any) -> Moments:
        """⟨Z_i⟩, ⟨Z_iZ_j⟩, ⟨X_i⟩ and ⟨H⟩ of the thermal state, with standard errors.

        Returns :class:`~isingbridge.backends.base.Moments` as the statevector
        backend's thermal moments do (``mean``/``corr`` in the Z basis,
        ``x_mean``, ``energy`` = ⟨H⟩; ``x_corr`` is None), plus ``stderr``,
        ``corr_stderr``, ``ess`` and ``rhat``; ``info`` holds ``x_stderr``,
        ``energy_stderr``, ``trotter_bias_bound`` (see
        :func:`trotter_bias_bound`) and the run's settings.  Batched ``clamp`` /
        ``fields`` give a leading batch axis.
        """
        if is_batched(clamp, fields):
            rng = as_rng(seed)
            return stack_moments([self.moments(row, beta=beta, temperature=temperature, clamp=row_clamp, seed=rng,
                                               **options) for row, row_clamp in self._rows(model, clamp, fields)])
        self._check_options(options, allow_num_reads=True)
        beta = _inverse_temperature(beta, temperature, 1.0)
        rng = as_rng(seed)
        problem, g = self._quantum(model, clamp, "thermal")
        settings = _thermal_settings(self.default_num_reads, **options)
        with self._gibbs.threads():
            free = _thermal_moments(problem.free, g, beta, rng, **settings)
        free.info.update(backend=self.name, beta=beta, temperature=1.0 / beta)
        return problem.full_moments(free)

    # -- samples -------------------------------------------------------------------------
    def sample(self, model: Any, *, beta: float | None = None, temperature: float | None = None,  # type: ignore[override]
               num_reads: int | None = None, clamp: Any = None, fields: Any = None, seed: Any = None,
               **options: Any) -> dimod.SampleSet:
        """Z-basis states from an anneal toward the ground state, or from the thermal state.

        Energies are those of the diagonal part (the BQM) of every returned
        state.  ``info`` holds the mode, β, the slices, the schedule's end
        points, ``anneal_seconds`` (the sweeps, couplings rewritten between
        them included) and ``engine_rebuilds``.
        """
        if is_batched(clamp, fields):
            rng = as_rng(seed)
            return concatenate_rows([self.sample(row, beta=beta, temperature=temperature, num_reads=num_reads,
                                                 clamp=row_clamp, seed=rng, **options)
                                     for row, row_clamp in self._rows(model, clamp, fields)])
        self._check_options(options)
        num_reads = check_positive_int(self.default_num_reads if num_reads is None else num_reads, "num_reads")
        rng = as_rng(seed)
        mode = _mode(model, options)
        problem, g = self._quantum(model, clamp, mode)
        slices = _check_slices(options.get("trotter_slices", DEFAULT_SLICES))
        how = check_choice(options.get("slices", "best"), "slices", SLICES)
        check_reads_memory(num_reads * slices, problem.free.num_variables)
        scale = _energy_scale(problem.free)
        beta = _inverse_temperature(beta, temperature, slices / scale if mode == "anneal" else 1.0)
        if mode == "anneal":
            drive = np.abs(g) if np.any(g) else np.ones(g.size)
            schedule = _anneal_schedule(options, scale)
        else:
            if options.get("gamma_range") is not None or options.get("gamma_schedule") is not None:
                raise ValueError("mode='thermal' samples at the model's own X fields; a transverse-field schedule "
                                 "needs mode='anneal'")
            drive, schedule = np.abs(g), np.ones(check_positive_int(options.get("num_sweeps", 1000), "num_sweeps"))
        with self._gibbs.threads():
            slice_states, info = _run_slices(problem.free, drive, schedule, beta, slices, num_reads, rng,
                                             options.get("retune", "auto"),
                                             check_bool(options.get("worldline_moves", mode == "thermal"),
                                                        "worldline_moves"))
        states, vectors = _read_out(problem.free, slice_states, how, mode, rng)
        info.update(backend=self.name, mode=mode, beta=beta, trotter_slices=slices, slices=how)
        return problem.sampleset(states, info, **vectors)

    def sample_states(self, model: Any, *, conditionals: Any = None, **kwargs: Any) -> Samples:  # type: ignore[override]
        """:meth:`sample`'s states in array form (``(B, num_reads, N)`` for a batch); ``conditionals`` is refused.

        With transverse fields a qubit's Z value has no classical law given the others'.
        """
        if conditionals is not None:
            raise ValueError("the sqa backend has no conditional means: with transverse fields a qubit's Z value has "
                             "no law given the others'; leave conditionals out")
        sampleset = self.sample(model, **kwargs)
        spins = sampleset.change_vartype(dimod.SPIN, inplace=False).record  # energies do not change with the vartype
        batched = "clamp_row" in spins.dtype.names  # reads come in row order, as many per row
        leading = (int(spins.clamp_row.max()) + 1, -1) if batched else (-1,)
        states = np.asarray(spins.sample, dtype=np.int8).reshape(*leading, len(sampleset.variables))
        energies = np.asarray(spins.energy, dtype=np.float64).reshape(leading)
        return Samples(list(sampleset.variables), states, dict(sampleset.info), _energy_of=lambda _: energies)


# -- request helpers ---------------------------------------------------------------------
def _refuse_xx(model: TransverseIsing) -> None:
    if not model.xx:
        return
    listed = ", ".join(f"{pair!r}: {a:g}" for pair, a in list(model.xx.items())[:5])
    positive = sorted(repr(pair) for pair, a in model.xx.items() if a > 0)
    reason = (f"; the positive one(s) {', '.join(positive[:5])} also make H non-stoquastic (positive off-diagonal "
              "elements: a sign problem for any path-integral sampler)") if positive else ""
    raise ValueError(f"the sqa backend takes Z/ZZ terms and X fields only; XX terms {{{listed}}} couple four spins "
                     f"across two slices, which the pairwise Gibbs engines cannot hold{reason}. Use "
                     "get('statevector') for such models")


def _inverse_temperature(beta: Any, temperature: Any, default: float) -> float:
    if beta is not None and temperature is not None:
        raise ValueError("give beta or temperature, not both")
    if temperature is not None:
        temperature = check_real(temperature, "temperature", low=0.0, low_open=True)
        beta = 1.0 / temperature
        if not math.isfinite(beta):
            raise ValueError(f"temperature={temperature} is too small: 1/temperature overflows")
    return check_beta(default if beta is None else beta)


def _mode(model: Any, options: Mapping) -> str:
    scheduled = options.get("gamma_range") is not None or options.get("gamma_schedule") is not None
    default = "thermal" if isinstance(model, TransverseIsing) and model.x and not scheduled else "anneal"
    return check_choice(options.get("mode", default), "mode", MODES)


def _energy_scale(model: CompiledBQM) -> float:
    """The largest ``|h_i|`` or ``|J_ij|`` (1 for a model without any)."""
    values = np.concatenate([np.abs(model.h), np.abs(model.J.data)])
    return float(values.max()) if values.size and values.max() > 0 else 1.0


def _anneal_schedule(options: Mapping, scale: float) -> np.ndarray:
    if options.get("gamma_schedule") is not None:
        if options.get("num_sweeps") is not None:
            raise ValueError("gamma_schedule has one field per sweep, so it fixes num_sweeps; leave num_sweeps out")
        return gamma_schedule(options.get("gamma_range"), schedule=options["gamma_schedule"])
    gamma_range = options.get("gamma_range")
    if gamma_range is None:
        gamma_range = tuple(scale * g for g in DEFAULT_GAMMA_RANGE)
    return gamma_schedule(gamma_range, options.get("num_sweeps", 1000))


# -- annealing ---------------------------------------------------------------------------
def _run_slices(qubits: CompiledBQM, drive: np.ndarray, schedule: np.ndarray, beta: float, slices: int,
                num_reads: int, rng: np.random.Generator, retune: str, worldline: bool) -> tuple[np.ndarray, dict]:
    """``(R, M, N)`` slice states after one sweep per schedule entry (Γ_i = schedule · drive_i), and timings."""
    check_choice(retune, "retune", ("auto", "rebuild"))
    if qubits.num_variables == 0:
        return np.zeros((num_reads, slices, 0), dtype=np.int8), {"num_sweeps": int(schedule.size)}
    trotter = TrotterModel.build(qubits, schedule[0] * drive, beta, slices)
    start = time.perf_counter()
    chains = PathChains(trotter, num_reads, rng, worldline=worldline, rebuild=retune == "rebuild")
    chains.anneal(schedule, drive)
    info = {"num_sweeps": int(schedule.size), "gamma_start": float(schedule[0]), "gamma_end": float(schedule[-1]),
            "anneal_seconds": time.perf_counter() - start, "engine_rebuilds": chains.rebuilds,
            "worldline_moves": worldline}
    return chains.slice_states(), info


def _read_out(qubits: CompiledBQM, slice_states: np.ndarray, how: str, mode: str,
              rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """The returned states (free qubits) and per-read vectors."""
    reads, m, n = slice_states.shape
    if how == "all":
        return slice_states.reshape(reads * m, n), {"read": np.repeat(np.arange(reads), m),
                                                    "slice": np.tile(np.arange(m), reads)}
    if mode == "anneal":
        chosen = qubits.energies(slice_states.reshape(reads * m, n)).reshape(reads, m).argmin(axis=1)
    else:  # every slice is a Z measurement of the thermal state; a random one keeps no slice special
        chosen = rng.integers(0, m, size=reads)
    return slice_states[np.arange(reads), chosen], {"slice": chosen}


# -- thermal statistics ------------------------------------------------------------------
def _thermal_settings(default_reads: int, *, num_reads: int | None = None, num_sweeps: int = 2000,
                      burn_in: int | None = None, thin: int = 1, trotter_slices: int = DEFAULT_SLICES,
                      pairs: Any = "auto", worldline_moves: bool = True, **refused: Any) -> dict:
    """Validated options of :meth:`SQABackend.moments`."""
    if refused:
        raise ValueError(f"moments() samples the thermal state; option(s) {sorted(refused)} belong to sample()")
    num_sweeps = check_positive_int(num_sweeps, "num_sweeps")
    num_sweeps, burn_in, thin = _check_controls(num_sweeps, num_sweeps // 5 if burn_in is None else burn_in, thin,
                                                "chromatic", "sparse", True)
    reads = check_positive_int(default_reads if num_reads is None else num_reads, "num_reads")
    return {"num_reads": reads, "num_sweeps": num_sweeps, "burn_in": burn_in, "thin": thin,
            "slices": _check_slices(trotter_slices), "pairs": pairs,
            "worldline": check_bool(worldline_moves, "worldline_moves")}


def _thermal_moments(qubits: CompiledBQM, g: np.ndarray, beta: float, rng: np.random.Generator, *, num_reads: int,
                     num_sweeps: int, burn_in: int, thin: int, slices: int, pairs: Any, worldline: bool) -> Moments:
    """Moments of the free qubits from per-chain sums over the recorded sweeps."""
    n = qubits.num_variables
    check_reads_memory(num_reads * slices, n)
    gamma = np.abs(g)
    if isinstance(pairs, str) and pairs == "auto":
        pairs = "all" if n <= ALL_PAIRS_MAX else "edges"
    requested, all_pairs = resolve_pairs(qubits, pairs, pairs is not None, "sparse", num_reads)
    edges = coupled_pairs(qubits)
    listed, where = kernel_pairs(edges, requested, n)
    chains = PathChains(TrotterModel.build(qubits, gamma, beta, slices), num_reads, rng, worldline=worldline)
    draws, lengths = _record(chains, listed, num_sweeps, burn_in, thin)
    zz = draws["pairs"]
    x = _x_estimates(draws["bonds"], gamma, g, beta, slices)
    couplings = sp.triu(qubits.J, k=1).tocoo().data  # in the order of coupled_pairs
    energy = qubits.offset + draws["z"] @ qubits.h + zz[..., :edges.shape[0]] @ couplings + x @ g
    mean, stderr = _mean_stderr(draws["z"], lengths)
    x_mean, x_stderr = _mean_stderr(x, lengths)
    x_stderr[gamma == 0] = 0.0  # a qubit without X field: ⟨X⟩ = 0 exactly
    energy_mean, energy_stderr = _mean_stderr(energy[..., None], lengths)
    with np.errstate(divide="ignore"):
        ess = np.clip((1.0 - mean**2) / stderr**2, 0.0, float(num_reads * lengths.sum()))
    rhat = rank_split_rhat(draws["z"])
    info = {"trotter_slices": slices, "num_sweeps": num_sweeps, "burn_in": burn_in, "thin": thin,
            "worldline_moves": worldline,
            "num_samples": int(num_reads * lengths.sum()), "x_stderr": x_stderr,
            "energy_stderr": float(energy_stderr[0]), "rhat_threshold": RHAT_THRESHOLD,
            "trotter_bias_bound": _bias_bound(qubits, gamma, beta, slices)}
    moments = Moments(list(qubits.variables), mean, None, float(energy_mean[0]), stderr=stderr, ess=ess, rhat=rhat,
                      x_mean=x_mean, info=info)
    if requested is not None:
        pair_corr, pair_stderr = _mean_stderr(zz[..., where], lengths)
        moments.pairs, moments.pair_corr, moments.pair_corr_stderr = requested, pair_corr, pair_stderr
        if all_pairs:
            moments.corr, moments.corr_stderr = _symmetric(n, requested, pair_corr, 1.0), \
                _symmetric(n, requested, pair_stderr, 0.0)
    _warn_if_unconverged(moments)
    return moments


def _record(chains: PathChains, listed: np.ndarray, num_sweeps: int, burn_in: int,
            thin: int) -> tuple[dict, np.ndarray]:
    """Per chain and time batch, slice averages of Z_i (``z``), Z_i Z_j of the ``listed`` qubit pairs (``pairs``)
    and s_{i,k} s_{i,k+1} of the qubits with a field (``bonds``); and the records per batch."""
    batch_of, batches = record_plan((num_sweeps - burn_in) // thin)
    num_chains, n, quantum = chains.engine.num_chains, chains.trotter.qubits.num_variables, chains.trotter.drive > 0
    check_memory(8.0 * num_chains * batches * (n + len(listed) + int(quantum.sum())),
                 f"per-chain sums of {len(listed)} qubit pairs over {batches} time batches",
                 "lower num_reads, or ask for fewer correlations: pairs='edges' or pairs=None")
    sums = {name: np.zeros((num_chains, batches, size)) for name, size in
            (("z", n), ("pairs", len(listed)), ("bonds", int(quantum.sum())))}
    dense = len(listed) > n * n // 8  # many pairs: one matrix product per chain beats gathering them
    chains.sweep(burn_in + (num_sweeps - burn_in) % thin)
    for k in batch_of:
        chains.sweep(thin)
        if k < 0:
            continue
        paths = chains.slice_states().transpose(0, 2, 1).astype(np.float32)  # (C, N, M)
        sums["z"][:, k] += paths.mean(axis=2)
        if dense:
            sums["pairs"][:, k] += (paths @ paths.transpose(0, 2, 1))[:, listed[:, 0], listed[:, 1]] / paths.shape[2]
        else:
            sums["pairs"][:, k] += np.einsum("cpm,cpm->cp", paths[:, listed[:, 0]], paths[:, listed[:, 1]]) \
                / paths.shape[2]
        bonds = paths[:, quantum]
        sums["bonds"][:, k] += (bonds * np.roll(bonds, -1, axis=2)).mean(axis=2)
    lengths = np.bincount(batch_of[batch_of >= 0], minlength=batches).astype(np.float64)
    return {name: values / lengths[None, :, None] for name, values in sums.items()}, lengths


def _x_estimates(bonds: np.ndarray, gamma: np.ndarray, g: np.ndarray, beta: float, slices: int) -> np.ndarray:
    """⟨X_i⟩ draws from the slice-bond agreement c: (1 + c)/2 · tanh a + (1 − c)/2 · coth a, a = βΓ_i/M, sign −sign(g_i)."""
    quantum = gamma > 0
    t = np.tanh(beta * gamma[quantum] / slices)
    x = np.zeros(bonds.shape[:2] + (gamma.size,))
    x[..., quantum] = -np.sign(g[quantum]) * ((1 + bonds) / 2 * t + (1 - bonds) / (2 * t))
    return x


def _mean_stderr(draws: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Record-weighted mean of ``(chains, batches, m)`` batch means, and its standard error (batch means over their ESS)."""
    weights = lengths / lengths.sum()
    mean = np.einsum("ckm,k->m", draws, weights) / draws.shape[0]
    return mean, _batch_means_stderr(draws)


def _symmetric(n: int, pairs: np.ndarray, values: np.ndarray, diagonal: float) -> np.ndarray:
    out = np.full((n, n), diagonal)
    out[pairs[:, 0], pairs[:, 1]] = values
    out[pairs[:, 1], pairs[:, 0]] = values
    return out


def _warn_if_unconverged(moments: Moments) -> None:
    if moments.rhat is None:  # no per-chain statistics to judge
        return
    rhat = np.nan_to_num(moments.rhat, nan=1.0)
    if rhat.size and rhat.max() > RHAT_THRESHOLD:
        worst = int(np.argmax(rhat))
        warnings.warn(f"{int(np.sum(rhat > RHAT_THRESHOLD))} qubit(s) have R-hat above {RHAT_THRESHOLD} (worst "
                      f"{rhat[worst]:.4f} for {moments.variables[worst]!r}): the chains disagree and the error bars "
                      "cannot be trusted; raise num_sweeps and burn_in, or num_reads", ConvergenceWarning, stacklevel=4)
