"""Feed-forward networks as the compiler reads them: a list of layers (W, b).

``W`` has shape ``(n_out, n_in)`` (like ``torch.nn.Linear.weight``); the hidden
layers share one activation ("tanh" or "sign"); the output layer is affine and
the network's output bits are the signs of its pre-activations.

Accepted inputs (:func:`as_network`):

* a fitted scikit-learn ``MLPRegressor`` / ``MLPClassifier`` with
  ``activation="tanh"`` (``coefs_`` are ``(n_in, n_out)`` and are transposed).
  A multi-class (softmax) classifier gets one output per class, read by argmax
  (``readout="argmax"``); its ``classes_`` are kept;
* a scikit-learn ``Pipeline`` ending in such an MLP, whose earlier steps are
  ``"passthrough"``/``None`` or per-feature affine scalers (``StandardScaler``,
  ``MinMaxScaler`` without ``clip``, ``MaxAbsScaler``), folded into the first
  layer; any other step is refused, naming it;
* any torch-like module (read by duck typing, torch itself is not needed)
  whose forward chains its leaf modules in registration order: ``Linear``,
  then ``Tanh`` or a sign module and ``Linear`` again, optionally a final
  ``Softmax``/``LogSoftmax`` (argmax readout); containers are walked through
  ``named_children``, ``Identity``/``Flatten`` and eval-mode ``Dropout`` are
  skipped.  The module's own forward is run on a few ±1 rows and must agree
  with the chain read, so a forward that does anything else is refused;
* a list of ``(W, b)`` pairs or a :class:`FeedForward`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from isingbridge.validation import check_array, check_choice

__all__ = ["FeedForward", "as_network", "read_classes", "ACTIVATIONS", "READOUTS"]

ACTIVATIONS = ("tanh", "sign")
READOUTS = ("sign", "argmax")


@dataclass
class FeedForward:
    """A feed-forward network: ``layers[ℓ] = (W, b)``, hidden activation ``activation``.

    ``readout`` says how outputs are read: "sign" (each output an independent
    bit, the default) or "argmax" (one output per class, the class the largest;
    a softmax classifier).  ``classes`` optionally names the classes.

    Examples
    --------
    >>> import numpy as np
    >>> net = FeedForward([(np.array([[1.0, -1.0]]), np.array([0.5])), (np.array([[2.0]]), np.array([0.0]))])
    >>> net.predict(np.array([[1, 1], [-1, 1]])).tolist()
    [[1.0], [-1.0]]
    """

    layers: list
    activation: str = "tanh"
    readout: str = "sign"
    classes: Any = None

    def __post_init__(self) -> None:
        self.activation = check_choice(self.activation, "activation", ACTIVATIONS)
        self.readout = check_choice(self.readout, "readout", READOUTS)
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
        self.classes = check_classes(self.classes, self.readout, self.sizes[-1])

    @property
    def sizes(self) -> list[int]:
        """Layer widths, input first."""
        return [self.layers[0][0].shape[1]] + [W.shape[0] for W, _ in self.layers]

    @property
    def depth(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
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

    def predict_class(self, x: Any) -> np.ndarray:
        """Class of each row read from a_L as :func:`read_classes` reads it (labels from ``classes`` if set)."""
        return read_classes(self.preactivation(x), self.readout, self.classes)


def check_classes(classes: Any, readout: str, n_out: int) -> np.ndarray | None:
    """``classes`` as a 1-D array naming each class: one per output for "argmax", two for one "sign" output."""
    if readout == "argmax" and n_out < 2:
        raise ValueError("readout='argmax' needs at least two outputs (one per class); use readout='sign' for one")
    if classes is None:
        return None
    classes = np.asarray(classes)
    wanted = n_out if readout == "argmax" else 2 if n_out == 1 else None
    if wanted is None or classes.shape != (wanted,):
        raise ValueError(f"classes must list one label per output for readout='argmax', or two labels for a single "
                         f"sign output; got {classes.shape[0] if classes.ndim == 1 else classes.shape} labels for "
                         f"{n_out} outputs with readout={readout!r}")
    return classes


def read_classes(outputs: Any, readout: str, classes: Any = None) -> np.ndarray:
    """The class of each row of ``outputs`` (pre-activations or output magnetisations).

    ``readout="argmax"``: the index of the largest output (one output per class, as
    a softmax classifier); ``"sign"`` with one output: 1 where it is positive, else
    0.  Indices become labels when ``classes`` is given.

    Examples
    --------
    >>> read_classes([[0.1, 0.3, -0.2], [0.5, 0.0, 0.1]], "argmax", ["a", "b", "c"]).tolist()
    ['b', 'a']
    >>> read_classes([[0.2], [-0.1]], "sign").tolist()
    [1, 0]
    """
    outputs = np.atleast_2d(np.asarray(outputs, dtype=np.float64))
    check_choice(readout, "readout", READOUTS)
    if readout == "argmax":
        index = outputs.argmax(axis=1)
    elif outputs.shape[1] == 1:
        index = (outputs[:, 0] > 0).astype(int)
    else:
        raise ValueError(f"a network with {outputs.shape[1]} independent sign outputs has no single class per row; "
                         "read its output bits instead (predict / output_means)")
    return index if classes is None else np.asarray(classes)[index]


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


def _from_sklearn(model: Any, affine: tuple[np.ndarray, np.ndarray] | None = None) -> FeedForward:
    """A fitted tanh MLP as a FeedForward; ``affine`` = (a, c) is preprocessing x ↦ a·x + c folded into layer 1."""
    name = type(model).__name__
    if not (hasattr(model, "hidden_layer_sizes") and hasattr(model, "activation")):
        raise TypeError(f"cannot compile a scikit-learn {name}: the compiler reads an MLPClassifier or MLPRegressor "
                        "(activation='tanh'), alone or as the last step of a Pipeline")
    if model.activation != "tanh":
        raise ValueError(
            f"scikit-learn network has activation={model.activation!r}; the compiler supports activation='tanh' "
            "(shallow, Theorem 5.1) or sign networks given as a list of (W, b)"
        )
    if not hasattr(model, "coefs_"):
        raise ValueError(f"the scikit-learn {name} is not fitted (no coefs_); call fit first")
    layers = [(W.T, b) for W, b in zip(model.coefs_, model.intercepts_)]
    if affine is not None:
        (W1, b1), (a, c) = layers[0], affine
        layers[0] = (W1 * a, b1 + W1 @ c)
    if getattr(model, "out_activation_", None) == "softmax":
        return FeedForward(layers, "tanh", readout="argmax", classes=model.classes_)
    binary = getattr(model, "n_outputs_", None) == 1 and len(getattr(model, "classes_", ())) == 2
    return FeedForward(layers, "tanh", classes=model.classes_ if binary else None)


_FOLDED = "StandardScaler, MinMaxScaler (clip=False), MaxAbsScaler and 'passthrough'"


def _from_pipeline(pipeline: Any) -> FeedForward:
    """A scikit-learn Pipeline ending in an MLP; affine scalers before it are folded into its first layer."""
    *preprocessing, (last_name, last) = pipeline.steps
    if last is None or isinstance(last, str) or not hasattr(last, "hidden_layer_sizes"):
        raise TypeError(f"the Pipeline's last step {last_name!r} is {_describe_step(last)}; the compiler needs an "
                        "MLPClassifier or MLPRegressor (activation='tanh') there")
    affine = None
    for name, step in preprocessing:
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        a, c = _affine_step(name, step)
        affine = (a, c) if affine is None else (a * affine[0], a * affine[1] + c)
    return _from_sklearn(last, affine)


def _describe_step(step: Any) -> str:
    return repr(step) if step is None or isinstance(step, str) else f"a {type(step).__name__}"


def _affine_step(name: str, step: Any) -> tuple[np.ndarray, np.ndarray]:
    """Pipeline step ``name`` as x ↦ a·x + c (per feature), or a clear refusal saying what to do instead."""
    kind = type(step).__name__
    fitted = hasattr(step, "n_features_in_")
    if kind == "StandardScaler" and fitted:
        a = 1.0 / step.scale_ if step.with_std else np.ones(step.n_features_in_)
        return a, (-step.mean_ * a if step.with_mean else np.zeros_like(a))
    if kind == "MinMaxScaler" and fitted and not step.clip:
        return np.asarray(step.scale_, dtype=float), np.asarray(step.min_, dtype=float)
    if kind == "MaxAbsScaler" and fitted:
        return 1.0 / step.scale_, np.zeros(step.n_features_in_)
    if kind == "FunctionTransformer" and step.func is None:
        return np.ones(step.n_features_in_), np.zeros(step.n_features_in_)
    what = "is not fitted" if not fitted else "is preprocessing the circuit cannot represent"
    raise ValueError(
        f"Pipeline step {name!r} ({kind}) {what}: the circuit reads ±1 input spins straight into the MLP's first "
        f"layer and can fold only {_FOLDED} steps into it. Fit the MLP on the transformed data "
        f"(pipeline[:-1].transform(X)), compile the MLP alone, and transform (and binarise to ±1) inputs yourself "
        "before clamping them"
    )


_SKIPPED = ("identity", "flatten")
_FINAL = ("softmax", "logsoftmax")


def _leaves(module: Any, path: str = "") -> list[tuple[str, Any]]:
    """The leaf modules of a torch-like module, in registration order, with dotted names."""
    children = list(module.named_children())
    if not children:
        return [(path or type(module).__name__, module)]
    named_parameters = getattr(module, "named_parameters", None)
    if callable(named_parameters) and list(named_parameters(recurse=False)):
        raise ValueError(f"module {path or type(module).__name__!r} ({type(module).__name__}) has children and "
                         "parameters of its own, so its forward is not a chain of its children; "
                         "give the layers as a list of (W, b)")
    leaves = []
    for name, child in children:
        leaves.extend(_leaves(child, f"{path}.{name}" if path else name))
    return leaves


def _numpy(tensor: Any) -> np.ndarray:
    return np.asarray(tensor.detach().cpu().numpy(), dtype=np.float64)


def _linear(module: Any) -> tuple[np.ndarray, np.ndarray]:
    """A Linear module's ``(weight, bias)`` as float64 arrays (zero bias where it has none)."""
    weight = _numpy(module.weight)
    return weight, _numpy(module.bias) if module.bias is not None else np.zeros(weight.shape[0])


def _leaf_kind(name: str, module: Any) -> str:
    """'linear', 'tanh', 'sign', 'skip' or 'final' for one leaf module, or a refusal naming it."""
    kind = type(module).__name__.lower()
    if kind in ("linear", "tanh") or kind in _FINAL:
        return "final" if kind in _FINAL else kind
    if "sign" in kind and kind != "softsign":
        return "sign"
    if kind in _SKIPPED or (kind.startswith("dropout") and not getattr(module, "training", True)):
        return "skip"
    hint = "; call model.eval() first" if kind.startswith("dropout") else ""
    raise ValueError(
        f"unsupported torch module {type(module).__name__} (layer {name!r}){hint}; the compiler reads Linear layers "
        "separated by Tanh or a sign module, optionally ending in Softmax/LogSoftmax (read by argmax)"
    )


def _from_torch(model: Any) -> FeedForward:
    """A torch-like module whose forward runs its leaves in order: Linear, (Tanh | sign, Linear)*, [Softmax]."""
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    activation: str | None = None
    pending: str | None = None
    final: str | None = None
    first: Any = None
    for name, module in _leaves(model):
        kind = _leaf_kind(name, module)
        if kind == "skip":
            continue
        if final is not None or (kind == "final" and (pending is not None or not layers)):
            raise ValueError(f"layer {name!r} ({type(module).__name__}) comes after the network's readout; "
                             "Softmax/LogSoftmax may only follow the last Linear layer")
        if kind == "linear":
            if layers and pending is None:
                raise ValueError(f"Linear layer {name!r} follows a Linear layer with no activation between them; "
                                 "merge the two (W2 @ W1, W2 @ b1 + b2) or put Tanh or a sign module between them")
            first = module.weight if first is None else first
            layers.append(_linear(module))
            pending = None
        elif kind == "final":
            final = type(module).__name__.lower()
        else:
            if pending is not None or not layers:
                raise ValueError(f"layer {name!r} ({type(module).__name__}) must follow a Linear layer")
            if activation not in (None, kind):
                raise ValueError("all hidden layers must share one activation (tanh or sign)")
            activation, pending = kind, kind
    if pending is not None or not layers:
        raise ValueError("the torch network must end with a Linear layer (outputs are the signs of its pre-activations)")
    network = FeedForward(layers, activation or "tanh", readout="argmax" if final else "sign")
    _check_forward(model, network, first, final)
    return network


def _check_forward(model: Any, network: FeedForward, weight: Any, final: str | None, rows: int = 8) -> None:
    """Refuse ``model`` unless its own forward on random ±1 rows is the chain of layers read from it."""
    x = np.random.default_rng(0).choice([-1.0, 1.0], size=(rows, network.sizes[0]))
    try:
        out = _numpy(model(weight.new_tensor(x)))  # new_tensor: the weights' dtype and device
    except Exception as error:  # any failure of a foreign forward means we cannot vouch for the chain
        raise ValueError(f"could not run {type(model).__name__}'s forward on a ({rows}, {network.sizes[0]}) batch "
                         f"to check the layers read from it ({type(error).__name__}: {error})") from None
    expected = network.preactivation(x)
    if final is not None:
        shifted = expected - expected.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        expected = np.exp(log_p) if final == "softmax" else log_p
    tolerance = 1e-4 * (1.0 + np.abs(expected).max())
    if out.shape != expected.shape or not np.allclose(out, expected, rtol=1e-3, atol=tolerance):
        raise ValueError(
            f"{type(model).__name__}'s forward is not the chain of its layers in order (it computes something else: "
            "skips, reordering or extra operations); give its layers as a list of (W, b) or as a Sequential"
        )


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
    if type(net).__module__.startswith("sklearn."):
        return _from_pipeline(net) if hasattr(net, "steps") else _from_sklearn(net)
    if callable(getattr(net, "named_children", None)):
        return _from_torch(net)
    if isinstance(net, (list, tuple)):
        return FeedForward(list(net), activation or "tanh")
    raise TypeError(
        f"cannot compile a {type(net).__name__}: give a fitted sklearn MLPRegressor/MLPClassifier (tanh) or a Pipeline "
        "ending in one, a list of (W, b) with W shaped (n_out, n_in), or a torch module chaining Linear/Tanh layers"
    )
