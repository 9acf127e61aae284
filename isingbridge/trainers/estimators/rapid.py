"""RAPID: regularised axons and pattern-induced correlations (spin-glass control).

The couplings are built from K patterns, W = ξ_vᵀ ξ_h / √K (or ξᵀξ / √K for a
fully visible machine; :mod:`isingbridge.trainers.models.patterns`), with K/N
kept below the Hopfield bound so the model never enters the spin-glass phase.
The negative phase is then read off the patterns themselves,

    ⟨σ_i σ_j⟩_model ≈ (1/K) Σ_k ξ_i^k ξ_j^k                      (Eq. 6),

for an RBM in the form of the paper's Appendix A: the model average of
∂F(v)/∂θ (Eq. A7) is replaced by its average over the K visible patterns, the
hidden units summed analytically (see :meth:`PatternRBM.pattern_statistics`),
with no Markov chain at all, or refined by ``gibbs_steps`` sweeps of any
backend started at the patterns (the paper's MNIST recipe).  The gradient over
W is carried to the patterns by the chain rule (Appendix A: ∂L/∂ξ_v^k =
G ξ_h^k / √K, ∂L/∂ξ_h^k = Gᵀ ξ_v^k / √K with G = ∂L/∂W) and applied by any
optimizer; the patterns are then kept near spin values (Appendix C) by
``discretize="sign"`` (ξ ← sign ξ after every epoch, the paper's Bars and
BAS runs) or ``discretize="clip"`` (ξ ∈ [−clip, clip] after every update, the
MNIST run).  Biases are not trained unless ``learn_biases=True`` (the paper's
models have none).

On data with a large common part (MNIST: the same background in every
image) the paper's recipe keeps one attractor: every pattern is pulled towards
the common image and the model generates one blob.  ``centered=True`` (hidden
units hear v − ⟨v⟩_data), ``learn_biases=True`` and a small ``clip`` (0.2,
which keeps the fields O(1) instead of O(100)) make it generate digits; see
``examples/rapid_experiments.py mnist``.

Examples
--------
>>> import numpy as np
>>> from isingbridge.datasets import bars
>>> from isingbridge.trainers import BoltzmannRBM, RAPID
>>> X = bars(4)
>>> rbm = BoltzmannRBM(200, estimator=RAPID(8), learning_rate=0.05, n_epochs=5, random_state=0).fit(X)
>>> rbm.model_.n_patterns, sorted(np.unique(rbm.model_.xi_v).tolist())
(8, [-1.0, 1.0])
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from isingbridge.backends import get
from isingbridge.validation import check_bool, check_choice, check_int, check_positive, check_positive_int
from isingbridge.trainers.estimators.boltzmann import _Sampling
from isingbridge.trainers.models import BoltzmannModel, PatternBM, PatternRBM
from isingbridge.trainers.models.patterns import HOPFIELD_CAPACITY, pattern_spins

__all__ = ["RAPID", "HopfieldLoadWarning"]


class HopfieldLoadWarning(UserWarning):
    """K/N is past the Hopfield retrieval bound: the pattern-built model may be a spin glass."""


class RAPID(_Sampling):
    """Pattern-induced negative phase and pattern gradients for pattern-built Boltzmann machines.

    Parameters
    ----------
    n_patterns : int
        K, the number of patterns.
    discretize : {"sign", "clip"}
        "sign": patterns ← sign(patterns) after every epoch; "clip": patterns
        clipped to [−clip, clip] after every update.
    clip : float
        X of the clip rule (the paper uses 1).
    gibbs_steps : int
        0: the negative phase is the patterns' own correlations (Eq. 6);
        k > 0: k sweeps of ``backend`` seeded by the patterns themselves, sign(ξ_v^k, ξ_h^k), one
        chain per pattern.  The hidden half matters: a block sweep draws v given h first, and
        with small continuous patterns sign(ξ_v) is noise whose hidden ground state is no
        memory of the model (chains started there carry too much ink on MNIST and push the
        visible biases down epoch after epoch).
    backend : str, Backend or dimod.Sampler
        Sampler of the refined negative phase (default "gibbs").
    learn_biases : bool
        Also train visible/hidden biases (the paper does not).
    centered : bool
        Hidden units hear v − ⟨v⟩_data instead of v (:class:`PatternRBM`'s
        ``centered``).  Needed when the data share a large common part, as
        MNIST's background: without it every pattern is pulled towards that
        common image and the model generates one blob.
    **options
        Passed to the backend's chains.
    """

    def __init__(self, n_patterns: int = 8, discretize: str = "sign", clip: float = 1.0, gibbs_steps: int = 0,
                 backend: Any = "gibbs", learn_biases: bool = False, centered: bool = False, **options: Any):
        self.n_patterns = check_positive_int(n_patterns, "n_patterns")
        self.discretize = check_choice(discretize, "discretize", ("sign", "clip"))
        self.clip = check_positive(clip, "clip")
        self.k = check_int(gibbs_steps, "gibbs_steps", minimum=0)
        self.learn_biases = check_bool(learn_biases, "learn_biases")
        self.centered = check_bool(centered, "centered")
        self.backend = get(backend)
        self.options = options
        self.last_states: np.ndarray | None = None

    @property
    def gibbs_steps(self) -> int:
        """Sweeps of the refined negative phase (the ``gibbs_steps`` argument; ``k`` inside)."""
        return self.k

    @property
    def needs_sampler(self) -> bool:
        """Whether the negative phase runs the backend (``gibbs_steps`` > 0)."""
        return self.k > 0

    def make_model(self, n_visible, n_hidden, *, rng, beta):
        """A :class:`PatternRBM` with random ±1 patterns (a :class:`PatternBM` when ``n_hidden`` is 0)."""
        if n_hidden:
            model = PatternRBM.random(n_visible, n_hidden, n_patterns=self.n_patterns, seed=rng, beta=beta,
                                      learn_biases=self.learn_biases, centered=self.centered)
        elif self.centered:
            raise ValueError("centered=True centres the hidden units' input; a fully visible machine has none "
                             "(give n_hidden > 0)")
        else:
            model = PatternBM.random(n_visible, n_patterns=self.n_patterns, seed=rng, beta=beta,
                                     learn_biases=self.learn_biases)
        self.check_model(model)
        self.after_step(model)  # the constraint holds from the start (clip < 1 shrinks the ±1 initial patterns)
        model.refresh()
        return model

    def check_model(self, model: BoltzmannModel) -> None:
        """Raise ``TypeError`` unless ``model`` is pattern-built; warn when its load K/N is past the Hopfield bound.

        Raises
        ------
        TypeError
            When ``model`` is not a :class:`PatternRBM` or :class:`PatternBM`.

        Warns
        -----
        HopfieldLoadWarning
            When K/N exceeds the retrieval bound ≈ 0.138.
        """
        if not isinstance(model, (PatternRBM, PatternBM)):
            raise TypeError(f"RAPID trains pattern-built models (PatternRBM, PatternBM), not {type(model).__name__}; "
                            "let BoltzmannRBM(estimator=RAPID(...)) build one, or use PatternRBM.random(...)")
        if model.load > HOPFIELD_CAPACITY:
            warnings.warn(f"K/N = {model.n_patterns}/{model.width} = {model.load:.3f} is past the Hopfield retrieval "
                          f"bound {HOPFIELD_CAPACITY}: the model may be in the spin-glass phase; add hidden units or "
                          "use fewer patterns", HopfieldLoadWarning, stacklevel=3)
        super().check_model(model)

    def negative_phase(self, model, batch, rng):
        """The patterns' statistics (``gibbs_steps`` = 0) or those of chains started at the patterns.

        ``batch`` is not used; ``last_states`` keeps the states the phase was read from.
        """
        if self.k == 0:
            self.last_states = model.pattern_states()
            return model.pattern_statistics()
        self.last_states = self._run(model, pattern_spins(model.patterns()), rng)
        return model.statistics(model.split(self.last_states)[0])

    def after_step(self, model):
        """With ``discretize="clip"``, clip the patterns to [−clip, clip] in place."""
        if self.discretize == "clip":
            for name, array in model.parameters().items():
                if name.startswith("xi"):
                    np.clip(array, -self.clip, self.clip, out=array)

    def after_epoch(self, model):
        """With ``discretize="sign"``, replace the patterns by their signs (and rebuild the couplings)."""
        if self.discretize == "sign":
            model.set_patterns(pattern_spins(model.patterns()))

    def __repr__(self) -> str:
        return (f"RAPID(n_patterns={self.n_patterns}, discretize={self.discretize!r}, clip={self.clip}, "
                f"gibbs_steps={self.k}, backend={self.backend.name!r}, learn_biases={self.learn_biases}, "
                f"centered={self.centered})")
