"""Feed-forward networks as the compiler reads them: a list of layers (W, b).

``W`` has shape ``(n_out, n_in)`` (like ``torch.nn.Linear.weight``); the hidden
layers share one activation ("tanh" or "sign"); the output layer is affine and
the network's output bits are the signs of its pre-activations.

Accepted inputs (:func:`as_network`): a fitted scikit-learn ``MLPRegressor`` /
``MLPClassifier`` with ``activation="tanh"`` (``coefs_`` are ``(n_in, n_out)``
and are transposed), a list of ``(W, b)`` pairs, a :class:`FeedForward`, or a
``torch.nn.Sequential`` of ``Linear`` and ``Tanh`` (or a sign module) layers
when torch is installed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from isingbridge.validation import check_array, check_choice

__all__ = ["FeedForward", "as_network", "ACTIVATIONS"]

ACTIVATIONS = ("tanh", "sign")


@dataclass
class FeedForward:
    """A feed-forward network: ``layers[ℓ] = (W, b)``, hidden activation ``activation``.

    Examples
    --------
    >>> import numpy as np
    >>> net = FeedForward([(np.array([[1.0, -1.0]]), np.array([0.5])), (np.array([[2.0]]), np.array([0.0]))])
    >>> net.predict(np.array([[1, 1], [-1, 1]])).tolist()
    [[1.0], [-1.0]]
    """

    layers: list
    activation: str = "tanh"

    def __post_init__(self) -> None:
        self.activation = check_choice(self.activation, "activation", ACTIVATIONS)
        if not isinstance(self.layers, (list, tuple)):
            raise TypeError(f"layers must be a list of (W, b) pairs, got {type(self.layers).__name__}")
        if len(self.layers) < 2:
            raise ValueError("the compiler needs at least one hidden layer: give (W1, b1), (W2, b2), ...")
        checked: list[tuple[np.ndarray, np.ndarray]] = []
        for index, layer in enumerate(self.layers):
            W, b = _check_layer(layer, index)
            if checked and W.shape[1] != checked[-1][0].shape[0]:
                raise ValueError(
                    f"layer {index} takes {W.shape[1]} inputs but layer {index - 1} has {checked[-1][0].shape[0]} outputs"
                )
            checked.append((W, b))
        self.layers = checked

    @property
    def sizes(self) -> list[int]:
        """Layer widths, input first."""
        return [self.layers[0][0].shape[1]] + [W.shape[0] for W, _ in self.layers]

    @property
    def depth(self) -> int:
        return len(self.layers)

    def inputs(self, x: Any) -> np.ndarray:
        """``x`` as one or more rows of ``sizes[0]`` finite numbers (1-D input is one row), or a clear error."""
        return np.atleast_2d(check_array(x, "x", ndim=(1, 2), columns=self.sizes[0], min_rows=1))

    def hidden(self, x: Any) -> list[np.ndarray]:
        """Activations of every hidden layer for inputs ``x`` (rows)."""
        act = np.tanh if self.activation == "tanh" else np.sign
        values, out = [], self.inputs(x)
        for W, b in self.layers[:-1]:
            out = act(out @ W.T + b)
            values.append(out)
        return values

    def preactivation(self, x: Any) -> np.ndarray:
        """Output pre-activations a_L for inputs ``x`` (rows)."""
        W, b = self.layers[-1]
        return self.hidden(x)[-1] @ W.T + b

    def predict(self, x: Any) -> np.ndarray:
        """Output bits sign(a_L) in {−1, +1} (0 where a_L is exactly 0)."""
        return np.sign(self.preactivation(x))


def _check_layer(layer: Any, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Layer ``index`` as ``(W, b)``: W a finite (n_out, n_in) array with n_out, n_in >= 1, b (n_out,)."""
    try:
        W, b = layer
    except (TypeError, ValueError):
        raise ValueError(f"layer {index} must be a pair (W, b), got {type(layer).__name__}") from None
    if W is None or b is None:
        raise TypeError(f"layer {index} must be a pair of arrays (W, b), got None")
    W = check_array(W, f"layer {index} W", ndim=2)
    b = check_array(b, f"layer {index} b").ravel()
    if W.size == 0:
        raise ValueError(f"layer {index} W has shape {W.shape}: every layer needs at least one input and one output")
    if b.size != W.shape[0]:
        raise ValueError(f"layer {index}: W must be (n_out, n_in) and b (n_out,), got {W.shape} and {b.shape}")
    return W, b


def _from_sklearn(model: Any) -> FeedForward:
    activation = getattr(model, "activation", None)
    if activation != "tanh":
        raise ValueError(
            f"scikit-learn network has activation={activation!r}; the compiler supports activation='tanh' "
            "(shallow, Theorem 5.1) or sign networks given as a list of (W, b)"
        )
    if not hasattr(model, "coefs_"):
        raise ValueError("the scikit-learn network is not fitted (no coefs_); call fit first")
    return FeedForward([(W.T, b) for W, b in zip(model.coefs_, model.intercepts_)], "tanh")


def _from_torch(model: Any) -> FeedForward:
    import torch

    layers, activation, pending = [], None, None
    for module in model:
        if isinstance(module, torch.nn.Linear):
            weight = module.weight.detach().cpu().numpy().astype(np.float64)
            bias = module.bias.detach().cpu().numpy() if module.bias is not None else np.zeros(weight.shape[0])
            layers.append((weight, bias))
            pending = None
        else:
            name = type(module).__name__.lower()
            kind = "tanh" if name == "tanh" else "sign" if "sign" in name else None
            if kind is None or pending is not None or not layers:
                raise ValueError(
                    f"unsupported torch module {type(module).__name__}; use Linear layers separated by Tanh or a sign module"
                )
            if activation not in (None, kind):
                raise ValueError("all hidden layers must share one activation (tanh or sign)")
            activation, pending = kind, kind
    if pending is not None:
        raise ValueError("the torch network must end with a Linear layer (outputs are the signs of its pre-activations)")
    return FeedForward(layers, activation or "tanh")


def as_network(net: Any, activation: str | None = None) -> FeedForward:
    """Read ``net`` into a :class:`FeedForward` (see the module docstring).

    ``activation`` ("tanh" or "sign") is the hidden activation of a list of
    ``(W, b)`` (default "tanh"); the other networks carry their own, and an
    ``activation`` that contradicts it is refused.
    """
    if activation is not None:
        check_choice(activation, "activation", ACTIVATIONS)
    network = _read_network(net, activation)
    if activation is not None and network.activation != activation:
        raise ValueError(f"activation={activation!r} contradicts the network's own {network.activation!r} "
                         "hidden activation; leave activation out for this network")
    return network


def _read_network(net: Any, activation: str | None) -> FeedForward:
    if isinstance(net, FeedForward):
        return net
    module = type(net).__module__
    if module.startswith("sklearn."):
        return _from_sklearn(net)
    if module.startswith("torch."):
        return _from_torch(net)
    if isinstance(net, (list, tuple)):
        return FeedForward(list(net), activation or "tanh")
    raise TypeError(
        f"cannot compile a {type(net).__name__}: give a fitted sklearn MLPRegressor/MLPClassifier (tanh), "
        "a list of (W, b) with W shaped (n_out, n_in), or a torch.nn.Sequential of Linear/Tanh layers"
    )
