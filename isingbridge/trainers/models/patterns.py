"""Boltzmann machines whose couplings are built from K patterns (RAPID's "regularised axons").

For an RBM the patterns are K rows ξ^k = (ξ_v^k, ξ_h^k) over the visible and
hidden units and

    W_iα = (1/√K) Σ_k ξ_i^k ξ_α^k                     (Eq. 5 of the RAPID paper),

for a fully visible machine W_ij = (1/√K) Σ_k ξ_i^k ξ_j^k (i ≠ j).  With K/N
below the Hopfield bound α_c ≈ 0.138 (N = all units) the model is in the
retrieval phase, not a spin glass, and the patterns themselves are low-energy
states.  The trainable parameters are the patterns; :meth:`chain_rule` turns a
gradient over W into one over the patterns and :meth:`refresh` rebuilds W
after every step, so W always equals the formula above.

>>> import numpy as np
>>> from isingbridge.trainers.models import PatternRBM
>>> model = PatternRBM.random(16, 100, n_patterns=8, seed=0)
>>> bool(np.allclose(model.W, model.xi_v.T @ model.xi_h / np.sqrt(8)))
True
>>> round(model.load, 3)
0.069
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from isingbridge.trainers.models.base import BoltzmannModel
from isingbridge.trainers.models.fvbm import FullyVisibleBM
from isingbridge.trainers.models.rbm import RBM
from isingbridge.validation import as_rng, check_array, check_bool, check_positive_int

__all__ = ["PatternRBM", "PatternBM", "HOPFIELD_CAPACITY", "random_patterns"]

HOPFIELD_CAPACITY = 0.138


def random_patterns(n_patterns: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """``n_patterns`` × ``width`` independent uniform ±1 entries drawn from ``rng``.

    Examples
    --------
    >>> import numpy as np
    >>> from isingbridge.trainers.models.patterns import random_patterns
    >>> xi = random_patterns(3, 5, np.random.default_rng(0))
    >>> xi.shape, sorted(set(xi.ravel().tolist()))
    ((3, 5), [-1.0, 1.0])
    """
    return np.where(rng.random((n_patterns, width)) < 0.5, 1.0, -1.0)


def pattern_spins(xi: np.ndarray) -> np.ndarray:
    """The spin configurations nearest to (possibly continuous) patterns: sign, with 0 → +1."""
    return np.where(xi >= 0, 1.0, -1.0)


class _PatternBuilt:
    """What both pattern-built machines share: K and the Hopfield load K/N."""

    if TYPE_CHECKING:  # supplied by the machine this is mixed into
        @property
        def width(self) -> int: ...

        def patterns(self) -> np.ndarray: ...

    def astype(self, dtype):
        """float64 only: the weights are rebuilt from the patterns after every step."""
        return BoltzmannModel.astype(self, dtype)

    @property
    def n_patterns(self) -> int:
        """K, the number of patterns."""
        return self.patterns().shape[0]

    @property
    def load(self) -> float:
        """K / N with N = all units: the Hopfield load (retrieval phase below ≈ 0.138)."""
        return self.n_patterns / self.width


@dataclass
class PatternRBM(_PatternBuilt, RBM):
    """An RBM with W = ξ_vᵀ ξ_h / √K; ``xi_v`` is K × n_visible, ``xi_h`` is K × n_hidden.

    ``learn_biases`` (default False, as in the paper) adds the visible bias b
    and the hidden bias ``c0`` to the trainable parameters; otherwise they stay
    at their initial values.

    ``centered=True`` makes the hidden units hear the visible layer's
    deviation from the data mean μ (``offset``, set by :meth:`start_from_data`),

        E(v, h) = −(v − μ)ᵀ W h − bᵀv − c0ᵀh,

    the centring of Montavon & Müller (2012), i.e. a standard RBM whose hidden
    bias c = c0 − Wᵀμ is tied to the patterns (``c`` is kept equal to it by
    :meth:`refresh`, so every sampler sees an ordinary RBM).  Without it, data
    with a large common part (an MNIST background is −1 everywhere) pull every
    pattern towards that common image and the model keeps one attractor.
    """

    xi_v: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    xi_h: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    learn_biases: bool = False
    centered: bool = False
    offset: np.ndarray = field(default_factory=lambda: np.zeros(0))
    c0: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        super().__post_init__()
        self.learn_biases = check_bool(self.learn_biases, "learn_biases")
        self.centered = check_bool(self.centered, "centered")
        if self.offset.size == 0:
            self.offset = np.zeros(self.W.shape[0])
        if self.c0.size == 0:
            self.c0 = np.array(self.c, dtype=np.float64)

    @classmethod
    def from_patterns(cls, xi_v: np.ndarray, xi_h: np.ndarray, *, beta: float = 1.0, learn_biases: bool = False,
                      centered: bool = False) -> PatternRBM:
        """The machine built from given patterns, with zero biases.

        Parameters
        ----------
        xi_v : ndarray, shape (K, n_visible)
            The patterns' visible parts (copied).
        xi_h : ndarray, shape (K, n_hidden)
            The patterns' hidden parts (copied).
        beta : float, default 1.0
            Inverse temperature.
        learn_biases, centered : bool, default False
            As in the class description.

        Returns
        -------
        PatternRBM
            A model with W = ξ_vᵀ ξ_h / √K.

        Raises
        ------
        ValueError
            When the two arrays have different numbers of rows, or are empty.
        """
        xi_v, xi_h = check_array(xi_v, "xi_v", ndim=2).copy(), check_array(xi_h, "xi_h", ndim=2).copy()
        if xi_v.shape[0] != xi_h.shape[0] or 0 in xi_v.shape + xi_h.shape:
            raise ValueError(f"patterns must be K × n_visible and K × n_hidden with the same K; got {xi_v.shape} "
                             f"and {xi_h.shape}")
        model = cls(np.zeros((xi_v.shape[1], xi_h.shape[1])), np.zeros(xi_v.shape[1]), np.zeros(xi_h.shape[1]), beta,
                    xi_v=xi_v, xi_h=xi_h, learn_biases=learn_biases, centered=centered)
        model.refresh()
        return model

    @classmethod
    def random(cls, n_visible: int, n_hidden: int, *, n_patterns: int = 8, seed=None, beta: float = 1.0,
               learn_biases: bool = False, centered: bool = False, **_) -> PatternRBM:
        """A machine built from random ±1 patterns (the paper's initialisation).

        Parameters
        ----------
        n_visible, n_hidden : int
            Sizes of the two layers.
        n_patterns : int, default 8
            K, the number of patterns.
        seed : int, numpy.random.Generator or None
            Source of randomness.
        beta : float, default 1.0
            Inverse temperature.
        learn_biases, centered : bool, default False
            As in the class description.

        Returns
        -------
        PatternRBM
        """
        n_patterns = check_positive_int(n_patterns, "n_patterns")
        n_visible, n_hidden = check_positive_int(n_visible, "n_visible"), check_positive_int(n_hidden, "n_hidden")
        rng = as_rng(seed)
        return cls.from_patterns(random_patterns(n_patterns, n_visible, rng), random_patterns(n_patterns, n_hidden, rng),
                                 beta=beta, learn_biases=learn_biases, centered=centered)

    def start_from_data(self, rows: np.ndarray) -> None:
        """Visible biases at the data's marginals (when trained) and, if ``centered``, the offset μ = ⟨v⟩_data."""
        super().start_from_data(rows)
        if self.centered:
            self.offset[:] = rows.mean(axis=0)
            self.refresh()

    def patterns(self) -> np.ndarray:
        """The K patterns as full states (visible then hidden columns)."""
        return np.hstack([self.xi_v, self.xi_h])

    def set_patterns(self, xi: np.ndarray) -> None:
        """Overwrite the patterns with full states ``xi`` (K × width, visible then hidden) and rebuild W."""
        self.xi_v[...] = xi[:, : self.n_visible]
        self.xi_h[...] = xi[:, self.n_visible:]
        self.refresh()

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays: ``xi_v`` and ``xi_h``, plus ``b`` and ``c0`` with ``learn_biases``."""
        names = {"xi_v": self.xi_v, "xi_h": self.xi_h}
        return {**names, "b": self.b, "c0": self.c0} if self.learn_biases else names

    def chain_rule(self, gradient):
        """A gradient over (W, b, c) mapped to the patterns (and biases with ``learn_biases``).

        W = ξ_vᵀ ξ_h / √K gives ∂L/∂ξ_v = ξ_h G_Wᵀ / √K and ∂L/∂ξ_h = ξ_v G_W / √K;
        with ``centered`` the hidden bias c = c0 − Wᵀμ adds its share to G_W.
        """
        g_w = gradient["W"]
        if self.centered:  # c = c0 − Wᵀμ depends on W too
            g_w = g_w - np.outer(self.offset, gradient["c"])
        g_w = g_w / np.sqrt(self.xi_v.shape[0])
        out = {"xi_v": self.xi_h @ g_w.T, "xi_h": self.xi_v @ g_w}
        if self.learn_biases:
            out.update(b=gradient["b"], c0=gradient["c"])
        return out

    def refresh(self) -> None:
        """Rebuild W = ξ_vᵀ ξ_h / √K and c = c0 − Wᵀμ in place from the patterns."""
        np.matmul(self.xi_v.T, self.xi_h / np.sqrt(self.xi_v.shape[0]), out=self.W)
        np.subtract(self.c0, self.offset @ self.W, out=self.c)

    def pattern_statistics(self) -> dict[str, np.ndarray]:
        """Pattern-induced model statistics: the model average of −∂E/∂θ replaced by the patterns' average.

        As in the paper's Appendix A (Eq. A7 with the sum over v replaced by
        the K visible patterns), the hidden units are summed analytically at
        v = ξ_v^k: ⟨v hᵀ⟩ ≈ (1/K) Σ_k ξ_v^k tanh(β(c + Wᵀξ_v^k))ᵀ.  For patterns
        in the retrieval phase tanh(β(c + Wᵀξ_v^k)) ≈ sign(ξ_h^k-dominated
        field), which is Eq. 6's (1/K) Σ_k ξ_v^k ξ_h^kᵀ up to pattern cross-talk;
        keeping the cross-talk makes the update match the data's and the
        patterns' correlations and stops the patterns from collapsing onto
        one image (measured: with the bare Eq. 6 they do, on 4×4 Bars).
        """
        return self.statistics(self.xi_v)

    def pattern_states(self) -> np.ndarray:
        """Full states (sign ξ_v, h*) with h* the hidden ground state given each visible pattern."""
        v = pattern_spins(self.xi_v)
        return np.hstack([v, pattern_spins(self.hidden_field(v))])


@dataclass
class PatternBM(_PatternBuilt, FullyVisibleBM):
    """A fully visible machine with W = ξᵀξ / √K (zero diagonal); ``xi`` is K × N."""

    xi: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    learn_biases: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.learn_biases = check_bool(self.learn_biases, "learn_biases")
        self.xi = check_array(self.xi, "xi", ndim=2).copy()
        if self.xi.shape[0] == 0 or self.xi.shape[1] != self.W.shape[0]:
            raise ValueError(f"patterns must be K × {self.W.shape[0]}, got shape {self.xi.shape}")
        self.refresh()

    @classmethod
    def from_patterns(cls, xi: np.ndarray, *, beta: float = 1.0, learn_biases: bool = False) -> PatternBM:
        """The machine built from patterns ``xi`` (K × N, copied), with zero biases.

        Parameters
        ----------
        xi : ndarray, shape (K, N)
            The patterns.
        beta : float, default 1.0
            Inverse temperature.
        learn_biases : bool, default False
            Train the biases ``b`` too.

        Returns
        -------
        PatternBM
            A model with W = ξᵀξ / √K, zero diagonal.

        Examples
        --------
        >>> import numpy as np
        >>> from isingbridge.trainers.models import PatternBM
        >>> model = PatternBM.from_patterns(np.array([[1.0, -1.0, 1.0]]))
        >>> model.W
        array([[ 0., -1.,  1.],
               [-1.,  0., -1.],
               [ 1., -1.,  0.]])
        """
        n = check_array(xi, "xi", ndim=2).shape[1]
        return cls(np.zeros((n, n)), np.zeros(n), beta, xi=xi, learn_biases=learn_biases)

    @classmethod
    def random(cls, n_visible: int, *, n_patterns: int = 4, seed=None, beta: float = 1.0,
               learn_biases: bool = False, **_) -> PatternBM:
        """A machine built from random ±1 patterns.

        Parameters
        ----------
        n_visible : int
            N, the number of units.
        n_patterns : int, default 4
            K, the number of patterns.
        seed : int, numpy.random.Generator or None
            Source of randomness.
        beta : float, default 1.0
            Inverse temperature.
        learn_biases : bool, default False
            Train the biases ``b`` too.

        Returns
        -------
        PatternBM
        """
        n_patterns, n_visible = check_positive_int(n_patterns, "n_patterns"), check_positive_int(n_visible, "n_visible")
        return cls.from_patterns(random_patterns(n_patterns, n_visible, as_rng(seed)), beta=beta,
                                 learn_biases=learn_biases)

    def patterns(self) -> np.ndarray:
        """The K patterns, K × N (the trained array itself)."""
        return self.xi

    def set_patterns(self, xi: np.ndarray) -> None:
        """Overwrite the patterns with ``xi`` (K × N) and rebuild W."""
        self.xi[...] = xi
        self.refresh()

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays: ``xi``, plus ``b`` with ``learn_biases``."""
        return {"xi": self.xi, "b": self.b} if self.learn_biases else {"xi": self.xi}

    def chain_rule(self, gradient):
        """A gradient over (W, b) mapped to the patterns: ∂L/∂ξ = ξ G_W / √K (plus ``b`` with ``learn_biases``)."""
        out = {"xi": self.xi @ gradient["W"] / np.sqrt(self.n_patterns)}
        if self.learn_biases:
            out["b"] = gradient["b"]
        return out

    def refresh(self) -> None:
        """Rebuild W = ξᵀξ / √K (zero diagonal) in place from the patterns."""
        np.matmul(self.xi.T, self.xi / np.sqrt(self.n_patterns), out=self.W)
        np.fill_diagonal(self.W, 0.0)

    def pattern_statistics(self) -> dict[str, np.ndarray]:
        """⟨s sᵀ⟩ ≈ (1/K) Σ_k ξ^k ξ^kᵀ (zero diagonal) and ⟨s⟩ ≈ mean pattern (Eq. 6)."""
        return self.statistics(self.xi)

    def pattern_states(self) -> np.ndarray:
        """The spin states nearest to the patterns (sign ξ, with 0 → +1), one row per pattern."""
        return pattern_spins(self.xi)
