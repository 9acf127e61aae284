"""The one contract of every gradient estimator: :class:`GradientEstimator` in, :class:`Gradient` out.

Boltzmann machines (:mod:`.boltzmann`, :mod:`.rapid`) and equilibrium
propagation in all its forms (:mod:`.eqprop`, :mod:`.ising`, :mod:`.quantum`)
answer the same call, ``estimator.gradient(model, X, targets=None, *, rng=None)``,
with the same result, so a training loop, a benchmark or a test handles every
learning rule alike.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from sklearn.base import BaseEstimator

__all__ = ["Gradient", "GradientEstimator"]


@dataclass
class Gradient:
    """What a gradient estimator returns: ∂cost/∂θ by parameter name, with what it learned on the way.

    Parameters
    ----------
    values : dict
        The gradient of the cost (to descend), by parameter name.  For array
        models the names of ``model.parameters()`` ("W", "b", "c", "W0",
        "b0", ...: an optimizer steps ``model.parameters()`` with it
        directly); for a network given as a BQM ``{"J": Couplings, "h":
        dict}`` (per coupling, either key order, and per free spin); for a
        qubit network ``{"zz": Couplings, "xx": Couplings, "z": dict, "x":
        dict}``.
    cost : float, optional
        The cost at the free state (equilibrium-propagation estimators); None
        where the estimator does not measure it (the Boltzmann estimators).
    outputs : any, optional
        The free state's outputs (an array of rows, or ``{label: mean}``).
    stderr : dict, optional
        Standard errors with the same keys as ``values``, where the estimator
        gives them (:class:`~isingbridge.trainers.estimators.ising.ThermalEqProp`).
    info : dict
        Anything else the estimator reports (iterations, backend, gap...).

    Examples
    --------
    >>> import numpy as np
    >>> from isingbridge.trainers import EqProp, Gradient, LayeredHopfield
    >>> net = LayeredHopfield.random([3, 4, 2], seed=0)
    >>> X, D = np.random.default_rng(0).random((5, 3)), np.eye(2)[[0, 1, 0, 1, 1]]
    >>> g = EqProp(nudge=0.01).gradient(net, X, D)
    >>> isinstance(g, Gradient), sorted(g.values) == sorted(net.parameters()), g.outputs.shape
    (True, True, (5, 2))
    >>> Gradient({"W": np.ones((2, 2))}).cost is None
    True
    """

    values: dict
    cost: float | None = None
    outputs: Any = None
    stderr: dict | None = None
    info: dict = field(default_factory=dict)


class GradientEstimator(BaseEstimator):
    """The base of every gradient estimator: ``gradient(model, X, targets=None, *, rng=None) -> Gradient``.

    The contract:

    * ``model`` is what the estimator trains: a Boltzmann model (RBM,
      ClassificationRBM, pattern-built machines), a layered Hopfield or Ising
      network, a BQM (any network of spins) or a qubit network
      (``TransverseIsing``);
    * ``X`` is the batch: visible rows for the Boltzmann estimators (one-hot
      label columns included for a ClassificationRBM), input rows for the
      layered networks, or the inputs mapping ``{label: value}`` for a
      network given as a BQM or a qubit network;
    * ``targets`` is what the outputs should read: None for the Boltzmann
      estimators (the data is the target), one row per input row (``D``) for
      the layered networks, or the mapping ``{output label: target}`` for a
      BQM or a qubit network;
    * ``rng`` is a ``numpy.random.Generator`` or None (fresh entropy, or the
      estimator's own seed where it was given one); estimators that do not
      sample ignore it;
    * sampling goes through the public backend contract only
      (``backend.sample_states``, ``backend.moments``, ``backend.sample``),
      never a concrete backend, so every estimator runs on any backend;
    * the result is a :class:`Gradient` whose ``values`` are to be descended.

    :meth:`check_model` refuses, before training, a model the estimator cannot
    train; :meth:`reset` forgets any persistent state (chains) for a new run.

    Estimators are scikit-learn objects for their settings: ``get_params`` reads
    the arguments of ``__init__`` back (a backend's extra options included),
    ``set_params`` validates new ones as ``__init__`` does (so a trainer's
    ``set_params(estimator__k=3)`` works and a bad value is refused at once),
    and ``sklearn.base.clone`` gives an equal estimator without persistent
    state, sharing the backend (a sampler, never copied).

    >>> from isingbridge.trainers import CD
    >>> cd = CD(1, "exact")
    >>> cd.set_params(k=3).get_params()["k"]
    3
    >>> from sklearn.base import clone
    >>> clone(cd).get_params() == cd.get_params()
    True
    """

    _transient: tuple = ()  # caches rebuilt on use: neither saved nor pickled

    def gradient(self, model: Any, X: Any, targets: Any = None, *, rng: Any = None) -> Gradient:
        """∂cost/∂θ of ``model`` on the batch ``X`` (with ``targets``), as a :class:`Gradient`."""
        raise NotImplementedError(f"{type(self).__name__} does not implement gradient(model, X, targets=None, *, "
                                  "rng=None); a gradient estimator must return a Gradient from it")

    def check_model(self, model: Any) -> None:
        """Raise a clear error now if this estimator cannot train ``model`` (instead of mid-training)."""

    def reset(self) -> None:
        """Forget any persistent state (new model, new training run)."""

    @classmethod
    def _takes_options(cls) -> bool:
        """Whether ``__init__`` passes extra keyword arguments on to the backend (``**options``)."""
        parameters = inspect.signature(cls.__init__).parameters.values()
        return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The arguments that rebuild this estimator: ``__init__``'s, and the backend options it was given."""
        params = super().get_params(deep=False)
        if self._takes_options():
            params.update(getattr(self, "options", {}))
        return params

    def set_params(self, **params: Any) -> GradientEstimator:
        """Change settings, validated as ``__init__`` validates them; persistent state (chains) is forgotten."""
        if not params:
            return self
        known = self._get_param_names()
        unknown = sorted(set(params) - set(known))
        if unknown and not self._takes_options():
            raise ValueError(f"invalid parameter {unknown[0]!r} for {type(self).__name__}; valid parameters are "
                             f"{known}")
        fresh = type(self)(**{**self.get_params(deep=False), **params})  # refuses bad values, self unchanged
        self.__dict__.clear()
        self.__dict__.update(vars(fresh))
        return self

    def __sklearn_clone__(self) -> GradientEstimator:
        """A new estimator with equal settings and no state; the backend object is shared, not copied."""
        return type(self)(**self.get_params(deep=False))

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        return {name: value for name, value in state.items() if name not in type(self)._transient}
