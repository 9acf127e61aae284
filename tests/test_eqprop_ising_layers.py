"""Layered Ising EP (Laydevant et al.): sampled phases and gradients against exact enumeration."""
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from isingbridge.backends import get
from isingbridge.datasets import load_digits_binary
from isingbridge.trainers import IsingEqPropClassifier, IsingLayers, LayeredIsingEqProp

X_ONE = np.array([[1.0, -1.0, 1.0]])
D_ONE = np.array([[1.0, -1.0]])


def tiny(seed=0):
    net = IsingLayers.random([3, 4, 2], seed=seed, beta=0.8)
    net.b[0][:] = [0.2, -0.1, 0.0, 0.3]
    net.b[1][:] = [-0.2, 0.1]
    return net


def exact_gradient(net, x, d, nudge):
    """−(⟨s sᵀ⟩_nudged − ⟨s sᵀ⟩_free)/nudge from exact moments of the free spins' BQMs (inputs folded in)."""
    exact = get("exact")
    free = exact.moments(net.to_bqm(x), beta=net.beta)
    nudged = exact.moments(net.to_bqm(x, nudge * d), beta=net.beta)
    h = slice(0, 4)
    o = slice(4, 6)
    return {
        "W0": -np.outer(nudged.mean[h] - free.mean[h], x) / nudge,
        "b0": -(nudged.mean[h] - free.mean[h]) / nudge,
        "W1": -(nudged.corr[o, h] - free.corr[o, h]) / nudge,
        "b1": -(nudged.mean[o] - free.mean[o]) / nudge,
    }


@pytest.mark.parametrize("backend", ["gibbs", "anneal"])
def test_sampled_gradient_matches_the_exact_one(backend):
    net, nudge = tiny(), 2.0
    reads = 20000 if backend == "gibbs" else 3000
    estimator = LayeredIsingEqProp(nudge, backend=backend, num_reads=reads, num_sweeps=30, nudge_sweeps=30)
    sampled = estimator.gradient(net, X_ONE, D_ONE, rng=np.random.default_rng(1)).values
    exact = exact_gradient(net, X_ONE[0], D_ONE[0], nudge)
    for name, value in exact.items():
        # each entry is a difference of two means of ±1 products over `reads` chains
        stderr = np.sqrt(2.0 / reads) / nudge
        assert np.max(np.abs(sampled[name] - value)) < 5 * stderr, (name, sampled[name], value)


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def test_free_phase_matches_exact_moments_per_example(device):
    """Every chain has its own clamped input: per-chain fields on the layer engine of either device."""
    from isingbridge.backends.gibbs_cuda import gpu_available

    if device == "cuda" and not gpu_available():
        pytest.skip("no usable CUDA GPU (CuPy and a device)")
    net = tiny(3)
    X = np.array([[1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]])
    reads = 20000
    estimator = LayeredIsingEqProp(1.0, backend=get("gibbs", device=device), num_reads=reads, num_sweeps=30,
                                   nudge_sweeps=1)
    free, _ = estimator.sample_phases(net, X, None, np.random.default_rng(2))
    for i, x in enumerate(X):
        mean = free[i * reads:(i + 1) * reads].mean(axis=0)
        exact = get("exact").moments(net.to_bqm(x), beta=net.beta).mean
        assert np.max(np.abs(mean - exact)) < 5 / np.sqrt(reads)


def test_classifier_learns_8x8_digits():
    X, y = load_digits_binary()
    clf = IsingEqPropClassifier((64,), replicas=2, learning_rate=0.05, n_epochs=4, random_state=0)
    clf.fit(X[:1200], y[:1200])
    assert clf.score(X[1200:], y[1200:]) > 0.8
    assert len(clf.history_) == 4


def test_classifier_warm_starts_and_runs_on_the_annealer():
    X, y = load_digits_binary()
    clf = IsingEqPropClassifier((16,), replicas=1, num_reads=2, num_sweeps=5, nudge_sweeps=3, backend="anneal",
                                n_epochs=1, batch_size=10, random_state=0).fit(X[:40], y[:40])
    assert clf.predict(X[:5]).shape == (5,)
    one_go = IsingEqPropClassifier((16,), n_epochs=2, random_state=1).fit(X[:200], y[:200])
    split = IsingEqPropClassifier((16,), n_epochs=1, random_state=1).fit(X[:200], y[:200])
    split.set_params(n_epochs=2, warm_start=True).fit(X[:200], y[:200])  # n_epochs counts from the start
    for a, b in zip(one_go.network_.W, split.network_.W):
        np.testing.assert_array_equal(a, b)


def test_bad_input():
    X, y = load_digits_binary()
    with pytest.raises(ValueError, match="X must hold features in \\[0, 1\\] or spins"):
        IsingEqPropClassifier().fit(X * 16, y)
    with pytest.raises(ValueError, match="nudge"):
        IsingEqPropClassifier(nudge=0.0).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="beta must be positive and finite"):
        IsingEqPropClassifier(beta=0.0).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="learning_rate lists 1 rates; the network has 2 layers"):
        IsingEqPropClassifier((8,), learning_rate=[0.1]).fit(X[:20], y[:20])
    clf = IsingEqPropClassifier((8,), n_epochs=1, random_state=0).fit(X[:50], y[:50] % 3)
    with pytest.raises(ValueError, match="labels not seen in fit"):
        clf.set_params(warm_start=True).fit(X[:10], np.full(10, 7))
    with pytest.raises(ValueError, match="64 features; the network was built for 64|has 10 features"):
        clf.predict(X[:3, :10])
    with pytest.raises(NotFittedError, match="not fitted"):
        IsingEqPropClassifier().predict(X[:2])
    with pytest.raises(ValueError, match=r"fields shaped \(4,\) or \(4, 3\)"):
        net = tiny()
        get("gibbs").layer_chains([np.arange(4), np.arange(4, 6)], [[(1, -net.W[1].T)], [(0, -net.W[1])]],
                                  [np.zeros((4, 2)), np.zeros(2)], 1.0, 3, np.random.default_rng(0))


def test_spin_features_must_be_exactly_plus_minus_one():
    """Negative features mean spins; a 0 among them has no spin value and is refused, naming X."""
    X = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, -1.0]] * 4)
    with pytest.raises(ValueError, match="X must hold -1/\\+1 spins; row 0, column 2 is 0.0"):
        IsingEqPropClassifier((3,), n_epochs=1, random_state=0).fit(X, [0, 1] * 4)


@pytest.mark.parametrize("sizes", [[4, 2], [4, 3, 2], [4, 3, 3, 2], [5, 2, 3, 2, 3]])
def test_sampling_model_is_the_free_spins_bqm(sizes):
    """The array form (even/odd layers as the two sides of a bipartite model) plus the input fields has
    the energies of the dimod BQM of the free spins that to_bqm builds term by term."""
    rng = np.random.default_rng(len(sizes))
    net = IsingLayers.random(sizes, seed=1)
    for b in net.b:
        b[:] = rng.normal(0, 0.5, b.size)
    x = rng.choice([-1.0, 1.0], sizes[0])
    model = net.sampling_model()
    n = model.num_variables
    states = rng.choice([-1, 1], (50, n))  # columns in free-layer order
    in_model_order = states[:, np.asarray(model.variables)]
    first = net.input_fields(x[None, :])[0]
    drive = states[:, : first.size] @ first
    bqm = net.to_bqm(x)
    np.testing.assert_allclose(model.energies(in_model_order) + drive, bqm.energies((states, list(range(n)))),
                               atol=1e-12)


@pytest.mark.parametrize("sizes", [[3, 4, 2], [3, 2, 3, 2]])
def test_phases_on_deeper_networks_match_exact_free_means(sizes):
    net = IsingLayers.random(sizes, seed=2, beta=0.8)
    x = np.array([[1.0, -1.0, 1.0]])
    estimator = LayeredIsingEqProp(1.5, num_reads=4000, num_sweeps=20, nudge_sweeps=20)
    free, nudged = estimator.sample_phases(net, x, np.array([[1.0, -1.0]]), np.random.default_rng(5))
    for states, shift in ((free, None), (nudged, 1.5 * np.array([1.0, -1.0]))):
        exact = get("exact").moments(net.to_bqm(x[0], shift), beta=net.beta).mean
        stderr = states.std(axis=0) / np.sqrt(len(states)) + 1e-3
        assert np.all(np.abs(states.mean(axis=0) - exact) < 5 * stderr)


def test_layered_gradient_refuses_targets_that_do_not_match_the_inputs():
    net = IsingLayers.random([3, 4, 2], seed=0)
    estimator = LayeredIsingEqProp(2.0, num_reads=2, num_sweeps=2, nudge_sweeps=2)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="targets has 3 rows for 1 input rows"):
        estimator.gradient(net, X_ONE, np.repeat(D_ONE, 3, axis=0), rng=rng)
    with pytest.raises(ValueError, match="targets must have 2 column"):
        estimator.gradient(net, X_ONE, np.ones((1, 3)), rng=rng)
    result = estimator.gradient(net, X_ONE, D_ONE, rng=rng)
    assert result.outputs.shape == (1, 2) and np.isfinite(result.cost)
