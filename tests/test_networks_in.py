"""Networks in: torch-like modules (duck typed, no torch needed), scikit-learn Pipelines, multi-class readout."""
from __future__ import annotations

import numpy as np
import pytest

from isingbridge.circuits import FeedForward, as_network, compile_network
from isingbridge.circuits.network import read_classes


# --- a minimal stand-in for torch's module API --------------------------------------------------------------

class Tensor:
    """What the reader touches on a torch tensor: detach().cpu().numpy() and new_tensor."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float32)

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.values

    def new_tensor(self, data):
        return Tensor(data)


class Module:
    def __init__(self):
        object.__setattr__(self, "_modules", {})
        self.training = True

    def __setattr__(self, name, value):
        if isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def named_children(self):
        return iter(self._modules.items())

    def children(self):
        return iter(self._modules.values())

    def named_parameters(self, recurse=True):
        return iter(())

    def eval(self):
        self.training = False
        for child in self._modules.values():
            child.eval()
        return self

    def __call__(self, x):
        return self.forward(x)


class Linear(Module):
    def __init__(self, n_in, n_out, seed=0, bias=True):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.weight = Tensor(rng.normal(size=(n_out, n_in)))
        self.bias = Tensor(rng.normal(size=n_out)) if bias else None

    def forward(self, x):
        out = x.values @ self.weight.values.T
        return Tensor(out if self.bias is None else out + self.bias.values)


class Elementwise(Module):
    function = staticmethod(np.tanh)

    def forward(self, x):
        return Tensor(self.function(x.values))


class Tanh(Elementwise):
    pass


class Sign(Elementwise):
    function = staticmethod(np.sign)


class ReLU(Elementwise):
    function = staticmethod(lambda v: np.maximum(v, 0))


class Softmax(Module):
    def forward(self, x):
        e = np.exp(x.values - x.values.max(axis=1, keepdims=True))
        return Tensor(e / e.sum(axis=1, keepdims=True))


class Dropout(Elementwise):
    function = staticmethod(lambda v: v)


class Sequential(Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            setattr(self, str(index), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x


class Classifier(Module):
    """A custom module: nested containers, forward is the chain of its children."""

    def __init__(self, activation=Tanh, final=None):
        super().__init__()
        self.encoder = Sequential(Linear(3, 4, seed=1), activation())
        self.head = Linear(4, 3, seed=2)
        if final is not None:
            self.final = final()

    def forward(self, x):
        out = self.head(self.encoder(x))
        return self.final(out) if "final" in self._modules else out


class Doubled(Classifier):
    """Same children, but the forward does more than chain them."""

    def forward(self, x):
        return Tensor(2 * self.head(self.encoder(x)).values)


X3 = np.array([[a, b, c] for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)], dtype=float)


def forward(module, X):
    return module(Tensor(X)).values.astype(np.float64)


# --- torch-like modules -------------------------------------------------------------------------------------------

def test_custom_module_is_read_through_its_children():
    model = Classifier()
    network = as_network(model)
    assert network.sizes == [3, 4, 3] and network.activation == "tanh" and network.readout == "sign"
    np.testing.assert_allclose(network.preactivation(X3), forward(model, X3), rtol=1e-5, atol=1e-5)
    circuit = compile_network(model, lam=0.1)
    np.testing.assert_array_equal(np.sign(circuit.output_means(X3)), network.predict(X3))


def test_sign_module_and_softmax_readout():
    model = Classifier(activation=Sign, final=Softmax)
    network = as_network(model)
    assert network.activation == "sign" and network.readout == "argmax"
    expected = forward(model, X3).argmax(axis=1)
    np.testing.assert_array_equal(network.predict_class(X3), expected)
    circuit = compile_network(model, lam=0.01)   # λ small enough for these weights (0.1 is not)
    assert circuit.info["readout"] == "argmax"
    np.testing.assert_array_equal(circuit.ground_outputs(X3), network.predict(X3))   # Theorem 6.1's ground state


def test_sequential_skips_identity_like_layers_in_eval_mode_only():
    model = Sequential(Linear(3, 4), Dropout(), Tanh(), Linear(4, 2))
    with pytest.raises(ValueError, match=r"Dropout \(layer '1'\); call model.eval\(\) first"):
        as_network(model)
    network = as_network(model.eval())
    np.testing.assert_allclose(network.preactivation(X3), forward(model, X3), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("model, message", [
    (Sequential(Linear(3, 4), ReLU(), Linear(4, 2)), r"unsupported torch module ReLU \(layer '1'\)"),
    (Sequential(Sequential(Linear(3, 4), Tanh()), Sequential(Sign(), Linear(4, 2))), r"layer '1.0' \(Sign\) must follow"),
    (Sequential(Linear(3, 4), Linear(4, 2)), "no activation between them"),
    (Sequential(Linear(3, 4), Tanh()), "must end with a Linear layer"),
    (Sequential(Linear(3, 4), Tanh(), Linear(4, 2), Softmax(), Tanh()), "comes after the network's readout"),
    (Doubled(), "forward is not the chain of its layers"),
])
def test_unreadable_modules_are_refused_naming_the_layer(model, message):
    with pytest.raises(ValueError, match=message):
        compile_network(model)


def test_forward_that_cannot_run_is_refused():
    model = Classifier()
    model.forward = lambda x: (_ for _ in ()).throw(RuntimeError("shape mismatch"))
    with pytest.raises(ValueError, match="could not run Classifier's forward.*shape mismatch"):
        as_network(model)


# --- scikit-learn Pipelines and multi-class MLPs ----------------------------------------------------------------

@pytest.fixture(scope="module")
def iris_spins():
    """Iris, each feature binarised at its tertiles into two ±1 spins (8 input spins)."""
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    cuts = np.quantile(X, [1 / 3, 2 / 3], axis=0)
    S = np.hstack([np.where(X > cuts[0], 1.0, -1.0), np.where(X > cuts[1], 1.0, -1.0)])
    return S, y


@pytest.fixture(scope="module")
def mlp3(iris_spins):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier((4,), activation="tanh", max_iter=3000, random_state=0).fit(*iris_spins)


def test_three_class_mlp_compiles_one_spin_per_class_read_by_argmax(iris_spins, mlp3):
    S, _ = iris_spins
    rows = np.unique(S, axis=0)
    network = as_network(mlp3)
    assert network.readout == "argmax" and network.sizes == [8, 4, 3]
    np.testing.assert_array_equal(network.predict_class(S), mlp3.predict(S))
    circuit = compile_network(mlp3, beta=1.0, lam=0.1)
    assert len(circuit.outputs) == 3 and circuit.info["readout"] == "argmax"
    agreement = np.mean(circuit.predict_class(rows, backend="exact") == mlp3.predict(rows))
    assert agreement == 1.0   # measured: 22/22 distinct inputs (and 255/256 of all 2^8 at λ = 0.1)


def test_binary_mlp_keeps_sign_readout_and_its_classes(iris_spins):
    from sklearn.neural_network import MLPClassifier

    S, y = iris_spins
    labels = np.where(y == 0, "setosa", "other")
    mlp = MLPClassifier((3,), activation="tanh", max_iter=2000, random_state=0).fit(S, labels)
    network = as_network(mlp)
    assert network.readout == "sign" and network.sizes[-1] == 1
    np.testing.assert_array_equal(network.predict_class(S), mlp.predict(S))


@pytest.mark.parametrize("step", [None, "passthrough"])
def test_pipeline_with_passthrough_steps_is_its_mlp(iris_spins, mlp3, step):
    from sklearn.pipeline import Pipeline

    S, _ = iris_spins
    pipeline = Pipeline([("prep", step), ("mlp", mlp3)])
    network = as_network(pipeline)
    for (W, b), (W0, b0) in zip(network.layers, as_network(mlp3).layers):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    np.testing.assert_array_equal(network.predict_class(S), pipeline.predict(S))


@pytest.mark.parametrize("with_mean, with_std", [(True, True), (False, True), (True, False)])
def test_affine_scalers_are_folded_into_the_first_layer(iris_spins, with_mean, with_std):
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler

    S, y = iris_spins
    pipeline = make_pipeline(StandardScaler(with_mean=with_mean, with_std=with_std), MinMaxScaler(), MaxAbsScaler(),
                             MLPClassifier((4,), activation="tanh", max_iter=3000, random_state=0)).fit(S, y)
    network = as_network(pipeline)
    np.testing.assert_array_equal(network.predict_class(S), pipeline.predict(S))
    np.testing.assert_allclose(network.preactivation(S), _logits(pipeline, S), rtol=1e-9, atol=1e-9)
    rows = np.unique(S, axis=0)
    assert np.mean(compile_network(pipeline).predict_class(rows) == pipeline.predict(rows)) == 1.0


def _logits(pipeline, X):
    """The final MLP's output pre-activations, computed by scikit-learn's own transforms."""
    mlp, hidden = pipeline[-1], np.tanh(pipeline[:-1].transform(X) @ pipeline[-1].coefs_[0] + pipeline[-1].intercepts_[0])
    return hidden @ mlp.coefs_[1] + mlp.intercepts_[1]


def test_pipeline_preprocessing_that_cannot_be_folded_is_refused(iris_spins, mlp3):
    from sklearn.decomposition import PCA
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler

    S, _ = iris_spins
    for name, step in [("pca", PCA(4).fit(S)), ("clipped", MinMaxScaler(clip=True).fit(S))]:
        with pytest.raises(ValueError, match=rf"step '{name}' .*cannot represent.*Fit the MLP on the transformed data"):
            as_network(Pipeline([(name, step), ("mlp", mlp3)]))


def test_pipeline_and_estimators_that_are_not_mlps_are_refused_by_name(iris_spins):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    S, y = iris_spins
    with pytest.raises(TypeError, match="last step 'clf' is a LogisticRegression"):
        as_network(Pipeline([("clf", LogisticRegression().fit(S, y))]))
    with pytest.raises(TypeError, match="cannot compile a scikit-learn LogisticRegression"):
        as_network(LogisticRegression())


def test_feedforward_readout_is_validated():
    layers = [(np.eye(2), np.zeros(2)), (np.ones((1, 2)), np.zeros(1))]
    with pytest.raises(ValueError, match="argmax' needs at least two outputs"):
        FeedForward(layers, readout="argmax")
    with pytest.raises(ValueError, match="classes must list"):
        FeedForward(layers, classes=["a", "b", "c"])
    with pytest.raises(ValueError, match="no single class per row"):
        read_classes([[0.1, 0.2]], "sign")
