"""Classical EP against the derivative of the equilibrium cost, and the EqPropClassifier."""
import numpy as np
import pytest

from isingbridge.trainers import EqProp, EqPropClassifier, LayeredHopfield


def small_problem(activation):
    net = LayeredHopfield.random([4, 6, 3], seed=0, activation=activation)
    for w in net.W:
        w *= 0.8
    rng = np.random.default_rng(1)
    return net, rng.random((5, 4)), np.eye(3)[[0, 1, 2, 0, 1]]


def equilibrium_cost_gradient(net, X, D, method):
    """dC/dθ of the cost at the free equilibrium s*(θ), by central differences (tight relaxation)."""
    def cost():
        s = net.relax(X, tol=1e-13, max_iter=20000, method=method)[0][-1]
        return 0.5 * np.mean(np.sum((s - D) ** 2, axis=1))

    eps, reference = 1e-6, {}
    for name, array in net.parameters().items():
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + eps
            up = cost()
            array[index] = saved - eps
            down = cost()
            array[index] = saved
            grad[index] = (up - down) / (2 * eps)
        reference[name] = grad
    return reference


def errors(net, X, D, reference, variant, method, nudges):
    out = []
    for nudge in nudges:
        result = EqProp(nudge, variant=variant, method=method, tol=1e-13, max_iter=20000).gradient(net, X, D)
        out.append(max(np.abs(result.values[n] - reference[n]).max() for n in reference))
    return out


def test_symmetric_and_positive_ep_converge_at_their_orders_on_a_smooth_network():
    net, X, D = small_problem("tanh")
    reference = equilibrium_cost_gradient(net, X, D, "gradient")
    sym = errors(net, X, D, reference, "symmetric", "gradient", (0.04, 0.02))
    pos = errors(net, X, D, reference, "positive", "gradient", (0.04, 0.02))
    assert sym[1] < 5e-4 and 3.0 < sym[0] / sym[1] < 5.0, sym   # O(nudge²)
    assert 1.7 < pos[0] / pos[1] < 2.3, pos                      # O(nudge)


def test_hard_sigmoid_fixed_point_ep_matches_to_first_order():
    net, X, D = small_problem("hard_sigmoid")
    reference = equilibrium_cost_gradient(net, X, D, "fixed_point")
    pos = errors(net, X, D, reference, "positive", "fixed_point", (0.02, 0.01))
    assert pos[1] < 0.01 and 1.6 < pos[0] / pos[1] < 2.4, pos


def test_fixed_point_is_a_stationary_point_of_the_energy():
    net, X, D = small_problem("hard_sigmoid")
    states, _, converged = net.relax(X, tol=1e-12, max_iter=5000)
    assert converged
    base = net.energy(X, states)
    rng = np.random.default_rng(3)
    for _ in range(10):  # no feasible small move lowers E
        moved = [np.clip(s + 1e-4 * rng.normal(size=s.shape), 0, 1) for s in states]
        assert np.all(net.energy(X, moved) >= base - 1e-9)


def test_classifier_learns_digits_and_warm_starts(tmp_path):
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.data[:500] / 16, digits.target[:500]
    straight = EqPropClassifier((32,), n_epochs=4, learning_rate=0.005, random_state=0).fit(X, y)
    first = EqPropClassifier((32,), n_epochs=2, learning_rate=0.005, random_state=0).fit(X, y,
                                                                                          checkpoint=tmp_path / "ep")
    resumed = EqPropClassifier.load(tmp_path / "ep").set_params(n_epochs=4, warm_start=True)
    resumed.fit(X, y)
    np.testing.assert_array_equal(resumed.network_.W[0], straight.network_.W[0])
    assert first.epochs_done_ == 2 and straight.score(X, y) > 0.6


def test_bad_input():
    with pytest.raises(ValueError, match="nudge must be a finite number > 0"):
        EqProp(0.0)
    with pytest.raises(ValueError, match="nudge < 1"):
        EqProp(1.5)
    with pytest.raises(ValueError, match="activation"):
        LayeredHopfield.random([2, 2], activation="relu")
    net = LayeredHopfield.random([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match="rows of 3 features"):
        EqProp(0.1).gradient(net, np.ones((2, 5)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="targets must have shape"):
        EqProp(0.1).gradient(net, np.ones((2, 3)), np.ones((2, 3)))
    clf = EqPropClassifier((4,), n_epochs=1, random_state=0).fit(np.eye(3), [0, 1, 1])
    with pytest.raises(ValueError, match="5 features; the network was built for 3"):
        clf.predict(np.ones((1, 5)))
    with pytest.raises(ValueError, match="labels not seen in fit"):
        clf.set_params(warm_start=True).fit(np.eye(3), [0, 1, 7])
    with pytest.raises(ValueError, match="fixed-point relaxation is exact for the hard sigmoid only"):
        LayeredHopfield.random([2, 2], activation="tanh").relax(np.ones((1, 2)))


@pytest.mark.parametrize("activation,method", [("tanh", "gradient"), ("hard_sigmoid", "fixed_point")])
def test_low_temperature_rule_is_the_derivative_of_the_equilibrium_cost(activation, method):
    from isingbridge.trainers import LowTemperatureRule

    net, X, D = small_problem(activation)
    reference = equilibrium_cost_gradient(net, X, D, method)
    result = LowTemperatureRule(method=method, tol=1e-13, max_iter=20000).gradient(net, X, D)
    for name in reference:
        np.testing.assert_allclose(result.values[name], reference[name], atol=2e-6, err_msg=name)


@pytest.mark.parametrize("activation, method", [("tanh", "gradient"), ("hard_sigmoid", "fixed_point")])
def test_general_topology_ep_matches_the_equilibrium_cost_derivative(activation, method):
    """A Hopfield network with random sparse symmetric couplings (hidden–hidden, hidden–output, output–output)."""
    from isingbridge.trainers import HopfieldNetwork

    net = HopfieldNetwork.random(3, 7, 2, density=0.5, activation=activation, seed=4)
    net.W *= 2.0
    net.U *= 2.0
    net.b[:] = np.random.default_rng(5).normal(0, 0.3, 7) + (0.5 if activation == "hard_sigmoid" else 0.0)
    rng = np.random.default_rng(6)
    X, D = rng.random((4, 3)), np.eye(2)[[0, 1, 1, 0]]
    reference = equilibrium_cost_gradient(net, X, D, method)
    assert np.all(reference["W"][~net.mask] == 0)  # uncoupled pairs: no gradient
    if activation == "tanh":
        sym = errors(net, X, D, reference, "symmetric", method, (0.04, 0.02))
        assert sym[1] < 5e-4 and 3.0 < sym[0] / sym[1] < 5.0, sym   # O(nudge²)
    else:
        pos = errors(net, X, D, reference, "positive", method, (0.02, 0.01))
        assert pos[1] < 0.01 and 1.6 < pos[0] / pos[1] < 2.4, pos  # O(nudge)


def test_general_topology_bad_input():
    from isingbridge.trainers import HopfieldNetwork

    mask = np.zeros((4, 4), bool)
    mask[0, 1] = True
    with pytest.raises(ValueError, match="mask must be symmetric"):
        HopfieldNetwork(np.zeros((4, 4)), np.zeros((4, 2)), np.zeros(4), mask, 1)
    with pytest.raises(ValueError, match="n_outputs must be between 1 and the 4 free units"):
        HopfieldNetwork(np.zeros((4, 4)), np.zeros((4, 2)), np.zeros(4), mask | mask.T, 5)
    with pytest.raises(ValueError, match="N × N"):
        HopfieldNetwork(np.zeros((4, 3)), np.zeros((4, 2)), np.zeros(4), mask | mask.T, 1)
