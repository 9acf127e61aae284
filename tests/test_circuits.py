"""The neural network → Ising compiler against exact enumeration."""
import itertools
import warnings

import numpy as np
import pytest

from isingbridge.backends import get
from isingbridge.circuits import (
    FeedForward, IsingCircuit, as_network, compile_network, correctness, correctness_map, mean_field_means, optq,
    quantize_network, round_to_nearest, tune,
)


def all_inputs(n):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=n)))


def multiplier_table():
    X, Y = [], []
    for a, b in itertools.product(range(4), repeat=2):
        p = a * b
        X.append([2 * ((v >> s) & 1) - 1 for v in (a, b) for s in (1, 0)])
        Y.append([2 * ((p >> s) & 1) - 1 for s in (3, 2, 1, 0)])
    return np.array(X, float), np.array(Y, float)


def fit_tanh(X, Y, hidden, seed, alpha=1e-2):
    from sklearn.neural_network import MLPRegressor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for attempt in range(20):
            net = MLPRegressor(hidden_layer_sizes=(hidden,), activation="tanh", solver="lbfgs", alpha=alpha,
                               max_iter=5000, tol=1e-10, random_state=seed * 100 + attempt).fit(X, Y)
            if np.all(np.sign(net.predict(X)).reshape(Y.shape) == Y):
                return net
    pytest.fail("could not fit the truth table")


def test_single_neuron_mean_is_tanh_of_beta_times_preactivation():
    """Pins the sign convention: J = −λW, h = −λb gives ⟨s⟩ = tanh(β·a) with clamped inputs."""
    W1, b1 = np.array([[0.7, -1.3, 0.4]]), np.array([0.2])
    W2, b2 = np.array([[1.0]]), np.array([0.0])
    beta = 1.7
    circuit = compile_network([(W1, b1), (W2, b2)], beta=beta, lam=1e-9)
    for x in all_inputs(3):
        m = get("exact").moments(circuit.bqm, beta=beta, clamp=circuit.clamp(x))
        assert m.mean_of(("hidden", 1, 0)) == pytest.approx(np.tanh(beta * (W1 @ x + b1)[0]), abs=1e-7)


def test_compiled_biases_follow_design_section_6():
    W1, b1 = np.array([[1.0, 2.0]]), np.array([0.5])
    W2, b2 = np.array([[3.0], [-1.0]]), np.array([0.25, 0.0])
    circuit = compile_network([(W1, b1), (W2, b2)], lam=0.1)
    bqm = circuit.bqm
    assert bqm.quadratic[("in", 1), ("hidden", 1, 0)] == pytest.approx(-2.0)
    assert bqm.linear[("hidden", 1, 0)] == pytest.approx(-0.5)
    assert bqm.quadratic[("hidden", 1, 0), ("out", 0)] == pytest.approx(-0.3)
    assert bqm.linear[("out", 0)] == pytest.approx(-0.025)
    assert circuit.inputs == [("in", 0), ("in", 1)] and circuit.outputs == [("out", 0), ("out", 1)]


def test_multiplier_compiles_to_a_correct_circuit_at_tuned_parameters():
    X, Y = multiplier_table()
    net = fit_tanh(X, Y, 4, seed=1)
    result = tune(net, X, Y)
    assert result.worst > 0
    check = correctness(result.circuit, X, Y, backend="exact")
    assert check.worst == pytest.approx(result.worst) and check.correct
    assert check.values.shape == (16, 4)


def test_random_boolean_functions_compile_correctly():
    rng = np.random.default_rng(0)
    successes, trials = 0, 20
    for trial in range(trials):
        n_in = 3 + trial % 2
        X = all_inputs(n_in)
        Y = np.where(rng.random((X.shape[0], 2)) < 0.5, -1.0, 1.0)
        net = fit_tanh(X, Y, 6, seed=trial)
        result = tune(net, X, Y, betas=np.geomspace(0.1, 30, 13), lams=np.geomspace(1e-3, 1, 13), confirm=3)
        successes += result.worst > 0
    assert successes / trials >= 0.95


def test_theorem_5_1_small_lambda_on_the_isotherm_is_correct():
    X, Y = multiplier_table()
    net = fit_tanh(X, Y, 4, seed=2)
    lams = np.array([1e-3, 3e-3])
    cmap = correctness_map(net, X, Y, [1.0], lams, backend="exact")
    assert np.all(cmap.worst > 0)


def test_deep_sign_network_ground_state_is_the_network_output():
    rng = np.random.default_rng(3)
    sizes = [4, 5, 5, 3]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = rng.choice([-2.0, -1.0, 1.0, 2.0], size=(n_out, n_in))
        b = rng.choice([-1.0, 1.0], size=n_out) * 0.5  # odd totals: no neuron ever sits at exactly 0
        layers.append((W, b))
    net = FeedForward(layers, "sign")
    X = all_inputs(4)
    circuit = compile_network(net, lam=0.05)
    np.testing.assert_array_equal(circuit.ground_outputs(X), net.predict(X))


def test_mean_field_surrogate_tracks_exact_at_small_lambda():
    X, Y = multiplier_table()
    net = as_network(fit_tanh(X, Y, 4, seed=1))
    circuit = compile_network(net, beta=1.0, lam=0.01)
    exact = circuit.output_means(X)
    surrogate = mean_field_means(net, X, 1.0, 0.01)
    np.testing.assert_allclose(surrogate, exact, atol=0.2 * np.abs(exact).max())
    assert np.all(np.sign(surrogate) == np.sign(exact))


def test_output_means_on_gibbs_agree_with_exact():
    X, Y = multiplier_table()
    circuit = compile_network(fit_tanh(X, Y, 4, seed=1), beta=1.0, lam=0.3)
    exact = circuit.output_means(X[:3])
    gibbs = circuit.output_means(X[:3], backend="gibbs", num_reads=64, num_sweeps=3000, seed=0)
    np.testing.assert_allclose(gibbs, exact, atol=0.03)


def test_quantizers_stay_in_range_and_optq_reduces_output_error():
    rng = np.random.default_rng(4)
    W = rng.normal(0, 1.5, size=(6, 8))
    A = np.tanh(rng.normal(size=(200, 8)) + rng.normal(size=(1, 8)))  # correlated, off-centre inputs
    assert np.all(np.abs(optq(W, A, 2)) <= 2) and np.all(np.abs(round_to_nearest(W, A, 2)) <= 2)
    rtn = round_to_nearest(W, A, 10)
    gptq = optq(W, A, 10)
    assert np.all(gptq == np.round(gptq))
    error = lambda Q: np.linalg.norm((W - Q) @ A.T)  # noqa: E731
    assert error(gptq) < error(rtn)


def test_quantized_circuit_is_integer_and_correct_where_the_recipe_allows():
    X, Y = multiplier_table()
    net = fit_tanh(X, Y, 4, seed=1)
    result = quantize_network(net, X, Y, q=16, method="optq")
    values = list(result.circuit.bqm.linear.values()) + list(result.circuit.bqm.quadratic.values())
    assert all(float(v).is_integer() for v in values) and result.max_integer <= 16
    assert result.worst > 0
    assert correctness(result.circuit, X, Y).worst == pytest.approx(result.worst)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: FeedForward([(np.ones((2, 2)), np.zeros(2)), (np.ones((1, 2)), np.zeros(1))], "relu"), ValueError,
         "activation must be one of 'tanh', 'sign'; got 'relu'"),
        (lambda: FeedForward([(np.ones((2, 3)), np.zeros(2)), (np.ones((1, 4)), np.zeros(1))]), ValueError,
         "takes 4 inputs but layer 0 has 2"),
        (lambda: compile_network([(np.ones((2, 2)), np.zeros(2)), (np.ones((1, 2)), np.zeros(1))], lam=0.0), ValueError, "lam"),
        (lambda: compile_network([(np.ones((2, 2)), np.zeros(2))] * 2 + [(np.ones((1, 2)), np.zeros(1))]), ValueError,
         "tanh network with 2 hidden layers"),
        (lambda: compile_network("net"), TypeError, "cannot compile a str"),
    ],
)
def test_bad_networks(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bad_truth_tables_and_quantization_arguments():
    net = [(np.eye(2), np.zeros(2)), (np.array([[1.0, 1.0]]), np.array([0.5]))]
    X = all_inputs(2)
    Y = np.array([[-1.0], [1.0], [1.0], [1.0]])
    circuit = compile_network(net)
    with pytest.raises(ValueError, match="X must hold -1/\\+1 spins; row 0, column 0 is"):
        correctness(circuit, np.zeros((4, 2)), Y)
    with pytest.raises(ValueError, match="X has 4 rows but Y has 3"):
        correctness(circuit, X, Y[:3])
    with pytest.raises(ValueError, match="q must be >= 1, got 0"):
        quantize_network(net, X, Y, q=0)
    zero = [(np.eye(2), np.zeros(2)), (np.array([[1.0, -1.0]]), np.array([0.0]))]
    with pytest.raises(ValueError, match="exactly 0 on input row 0"):
        tune(zero, X, Y)


def test_sklearn_relu_network_is_refused():
    from sklearn.neural_network import MLPRegressor

    X = all_inputs(2)
    net = MLPRegressor(hidden_layer_sizes=(3,), activation="relu", max_iter=50).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="activation='relu'"):
        compile_network(net)


def test_sign_network_runs_on_an_embedded_mock_dwave_sampler():
    system = pytest.importorskip("dwave.system")
    from dwave.system.testing import MockDWaveSampler

    rng = np.random.default_rng(5)
    layers = [(rng.choice([-1.0, 1.0], size=(3, 3)), np.full(3, 0.5)), (rng.choice([-1.0, 1.0], size=(2, 3)), np.full(2, 0.5))]
    net = FeedForward(layers, "sign")
    X = all_inputs(3)
    circuit = compile_network(net, lam=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = circuit.to_hardware(X, system.EmbeddingComposite(MockDWaveSampler()), net.predict(X), num_reads=20)
    agreement = np.mean(np.sign(run.outputs) == net.predict(X))
    assert agreement >= 0.9
    assert run.worst == run.per_bit.min() and run.per_bit.shape == (len(X), 2)
    # chains are reported: every input row has a break fraction in [0, 1], the embedding covers the free spins
    assert run.chain_break_fraction.shape == (len(X),)
    assert np.all((run.chain_break_fraction >= 0) & (run.chain_break_fraction <= 1))
    assert run.qubits >= 5 and run.max_chain_length >= 1
    plain = circuit.to_hardware(X[:2], "anneal", num_reads=5)  # no embedding: no chain figures
    assert np.all(np.isnan(plain.chain_break_fraction)) and plain.qubits is None and plain.worst is None
    with pytest.raises(ValueError, match="targets has 1 rows but x has 2"):
        circuit.to_hardware(X[:2], "anneal", net.predict(X)[:1], num_reads=5)


def test_integer_circuit_matches_its_float_equivalent():
    from isingbridge.circuits import integer_circuit

    X, Y = multiplier_table()
    net = fit_tanh(X, Y, 4, seed=1)
    circuit, equivalent = integer_circuit(net, X, q=8, grid=2.0, lam1=0.5, k=2, beta=1.5, method="rtn")
    assert all(float(v).is_integer() and abs(v) <= 8 for v in circuit.bqm.quadratic.values())
    same = compile_network(equivalent, beta=1.5, lam=0.5)
    np.testing.assert_allclose(circuit.output_means(X[:4]), same.output_means(X[:4]), atol=1e-10)
    with pytest.raises(ValueError, match="k must be <= q"):
        integer_circuit(net, X, q=2, grid=1.0, lam1=0.5, k=3, beta=1.0)
    with pytest.raises(ValueError, match="method must be one of"):
        integer_circuit(net, X, q=8, grid=1.0, lam1=0.5, k=1, beta=1.0, method="magic")


def test_torch_sequential_compiles_like_its_weight_list():
    """A torch.nn.Sequential (Linear/Tanh) gives the same circuit as its (W, b) list; other modules are refused."""
    torch = pytest.importorskip("torch")
    from isingbridge.circuits import as_network, compile_network

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    layers = [(m.weight.detach().numpy().astype(float), m.bias.detach().numpy().astype(float)) for m in net[::2]]
    ours, reference = compile_network(net, lam=0.2), compile_network(layers, lam=0.2)
    assert ours.bqm == reference.bqm and ours.outputs == reference.outputs
    X = all_inputs(3)
    with torch.no_grad():
        expected = np.sign(net(torch.tensor(X, dtype=torch.float32)).numpy())
    np.testing.assert_array_equal(as_network(net).predict(X), expected)  # the network read is torch's network
    with pytest.raises(ValueError, match="unsupported torch module ReLU"):
        compile_network(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)))


def test_enumerated_worst_is_the_exact_backends_correctness():
    from isingbridge.circuits import enumerated_worst, integer_circuit
    from isingbridge.circuits.quantize import _quantize_layers

    X, Y = multiplier_table()
    net = fit_tanh(X, Y, 4, seed=1)
    first, second = _quantize_layers(as_network(net), X, 2.0, 0.5, 2, 8, "rtn")
    circuit, _ = integer_circuit(net, X, q=8, grid=2.0, lam1=0.5, k=2, beta=1.5, method="rtn")
    worst, beta = enumerated_worst(first, second, 2, X, Y, np.array([circuit.beta]))
    assert beta == circuit.beta
    assert worst == pytest.approx(correctness(circuit, X, Y, backend="exact").worst, abs=1e-10)


def test_refine_integers_raises_the_worst_case_within_the_bounds():
    """Coordinate search from a rounded XOR circuit: never worse, bounded, and its figure is the exact one."""
    from isingbridge.circuits import enumerated_worst, refine_integers

    X = all_inputs(2)
    Y = -np.prod(X, axis=1, keepdims=True)  # XOR as spins
    rng = np.random.default_rng(0)
    first = rng.integers(-1, 2, size=(3, 3)).astype(float)
    second = rng.integers(-2, 3, size=(1, 4)).astype(float)
    betas = np.geomspace(0.05, 4.0, 20)
    start, _ = enumerated_worst(first, second, 2, X, Y, betas)
    new_first, new_second, worst, beta = refine_integers(first, second, 2, 4, X, Y, betas)
    assert worst >= start and worst > 0 > start
    assert np.abs(new_first).max() <= 2 and np.abs(new_second).max() <= 4
    layers = [(2 * new_first[:, :-1], 2 * new_first[:, -1]), (new_second[:, :-1], new_second[:, -1])]
    circuit = compile_network(layers, beta=beta, lam=1.0)
    assert correctness(circuit, X, Y, backend="exact").worst == pytest.approx(worst, abs=1e-10)


def test_refine_refuses_circuits_too_large_to_enumerate():
    rng = np.random.default_rng(1)
    layers = [(rng.normal(size=(18, 3)), np.zeros(18)), (rng.normal(size=(4, 18)), np.zeros(4))]
    X = all_inputs(3)
    with pytest.raises(ValueError, match="at most 20, this network has 22"):
        quantize_network(layers, X, np.sign(FeedForward(layers).predict(X) + 1e-9), q=4, refine=True)


OR_NET = [(np.eye(2), np.zeros(2)), (np.array([[1.0, 1.0]]), np.array([0.5]))]
OR_Y = np.array([[-1.0], [1.0], [1.0], [1.0]])


def test_scaled_refuses_a_factor_that_is_not_positive():
    circuit = compile_network(OR_NET)
    assert circuit.scaled(np.float32(2.0)).beta == pytest.approx(0.5)
    for factor, error, message in [(-1, ValueError, "factor must be > 0, got -1"), (0, ValueError, "factor must be > 0"),
                                   (float("nan"), ValueError, "factor must be a finite number"),
                                   ("x", TypeError, "factor must be a real number")]:
        with pytest.raises(error, match=message):
            circuit.scaled(factor)


def test_circuits_refuse_temperatures_that_are_not_positive():
    circuit = compile_network(OR_NET)
    with pytest.raises(ValueError, match="beta must be positive and finite, got -1.0"):
        type(circuit)(circuit.bqm, circuit.inputs, circuit.hidden, circuit.outputs, -1.0)
    with pytest.raises(ValueError, match="beta must be positive and finite, got inf"):
        compile_network(OR_NET, beta=float("inf"))
    with pytest.raises(ValueError, match="lam must be > 0"):
        mean_field_means(OR_NET, all_inputs(2), 1.0, -0.1)


def test_compile_network_takes_numpy_scalars():
    circuit = compile_network(OR_NET, beta=np.float64(0.5), lam=np.float32(0.1))
    assert circuit.beta == 0.5 and circuit.lam == pytest.approx(0.1) and type(circuit.lam) is float
    assert correctness(circuit, all_inputs(2), OR_Y).correct


@pytest.mark.parametrize("X, message", [
    (np.zeros((0, 2)), "X has no rows"),
    ([], "X must have 2 column"),
    (np.ones((4, 2, 1)), "X must be a 1-D or 2-D array"),
    (np.ones((4, 3)), "X must have 2 column"),
    (1j * np.ones((4, 2)), "X must be real"),
    (np.full((4, 2), np.nan), "X contains NaN"),
])
def test_correctness_refuses_bad_truth_tables_clearly(X, message):
    with pytest.raises((ValueError, TypeError), match=message):
        correctness(compile_network(OR_NET), X, OR_Y)


def test_compile_refuses_lam_whose_powers_leave_the_float_range():
    deep = [(np.eye(2), np.zeros(2))] * 3 + OR_NET[1:]
    with pytest.raises(ValueError, match="outside the floating-point range"):
        compile_network(deep, activation="sign", lam=1e-200)
    with pytest.raises(ValueError, match="overflow to infinity"):
        compile_network([(np.eye(2) * 1e308, np.zeros(2)), (np.array([[1e308, 1e308]]), np.array([0.5]))], lam=10.0)


@pytest.mark.parametrize("labels", [
    ([0, 1], [2], [3]),
    (["a", "b"], ["h"], ["out"]),
    ([("in", 0), 1], [("hidden", 1, 0)], ["out"]),
    ([np.int64(0), np.int64(1)], [np.int64(2)], [np.int64(3)]),
])
def test_circuit_json_round_trips_any_labels(labels):
    import dimod
    import json

    inputs, hidden, outputs = labels
    variables = [*inputs, *hidden, *outputs]
    bqm = dimod.BQM(dimod.SPIN)
    bqm.add_linear_from((v, 0.1 * i) for i, v in enumerate(variables))
    bqm.add_quadratic_from([(inputs[0], hidden[0], -1.0), (hidden[0], outputs[0], 0.5)])
    circuit = IsingCircuit(bqm, inputs, hidden, outputs, beta=2.0, lam=0.3)
    loaded = IsingCircuit.from_serializable(json.loads(json.dumps(circuit.to_serializable())))
    assert loaded.inputs == inputs and loaded.hidden == hidden and loaded.outputs == outputs
    assert loaded.bqm == bqm and loaded.beta == 2.0 and loaded.lam == 0.3
    np.testing.assert_allclose(loaded.output_means([[1, -1]]), circuit.output_means([[1, -1]]))


@pytest.mark.parametrize("change, message", [
    ({"version": 2}, "format version 2; this isingbridge reads version 1"),
    ({"bqm": "x"}, "'bqm' entry must be a dimod-serialised BQM"),
    ({"bqm": {"type": "BinaryQuadraticModel"}}, "'bqm' entry is not a dimod-serialised BQM"),
    ({"inputs": 5}, "'inputs' entry must be a list"),
    ({"inputs": ["0", "1"]}, "inputs names '0', which is not a variable"),
    ({"outputs": []}, "at least one output"),
    ({"hidden": [["in", 0]]}, "is in both inputs and hidden"),
    ({"beta": -1}, "beta must be positive"),
    ({"beta": "1"}, "beta must be a positive real number, got str"),
    ({"lam": "x"}, "lam must be a real number"),
])
def test_from_serializable_refuses_garbage_clearly(change, message):
    data = {**compile_network(OR_NET).to_serializable(), **change}
    with pytest.raises((ValueError, TypeError), match=message):
        IsingCircuit.from_serializable(data)


def test_circuit_methods_refuse_bad_rows_and_counts():
    circuit = compile_network(OR_NET)
    with pytest.raises(ValueError, match="x must be one input row, got 2 rows"):
        circuit.clamp([[1, 1], [1, -1]])
    with pytest.raises(ValueError, match="x must have 2 column"):
        circuit.output_means([1, 1, 1])
    with pytest.raises(ValueError, match="num_reads must be >= 1, got 0"):
        circuit.to_hardware([1, 1], "exact", num_reads=0)
    with pytest.raises(ValueError, match="x has no rows"):
        circuit.ground_outputs(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="bqm must be a SPIN model"):
        IsingCircuit(circuit.bqm.change_vartype("BINARY", inplace=False), circuit.inputs, circuit.hidden, circuit.outputs, 1.0)
    with pytest.raises(TypeError, match="circuit must be an IsingCircuit"):
        correctness("circuit.json", all_inputs(2), OR_Y)


def test_networks_refuse_bad_layers_and_inputs():
    with pytest.raises(TypeError, match="layers must be a list of \\(W, b\\) pairs, got int"):
        FeedForward(5)
    with pytest.raises(ValueError, match="layer 0 W must be a 2-D array"):
        FeedForward([(np.ones((2, 2, 2)), np.zeros(2)), OR_NET[1]])
    with pytest.raises(ValueError, match="layer 0 W has shape \\(0, 2\\)"):
        FeedForward([(np.ones((0, 2)), np.zeros(0)), OR_NET[1]])
    with pytest.raises(TypeError, match="layer 0 W must be real"):
        FeedForward([(1j * np.eye(2), np.zeros(2)), OR_NET[1]])
    with pytest.raises(ValueError, match="x must have 2 column"):
        FeedForward(OR_NET).predict(np.ones((3, 3)))
    with pytest.raises(ValueError, match="contradicts the network's own 'sign'"):
        compile_network(FeedForward(OR_NET, "sign"), activation="tanh")


def test_searches_refuse_bad_grids_and_counts():
    X = all_inputs(2)
    with pytest.raises(ValueError, match="each k in ks must be >= 1, got 0"):
        quantize_network(OR_NET, X, OR_Y, ks=[0])
    with pytest.raises(ValueError, match="every k in ks exceeds q=4"):
        quantize_network(OR_NET, X, OR_Y, ks=[8])
    with pytest.raises(ValueError, match="betas is empty"):
        correctness_map(OR_NET, X, OR_Y, [], [0.1])
    with pytest.raises(ValueError, match="lams must hold positive values, got -0.1"):
        tune(OR_NET, X, OR_Y, lams=[-0.1])
    with pytest.raises(ValueError, match="n_jobs must be a nonzero integer"):
        correctness_map(OR_NET, X, OR_Y, [1.0], [0.1], n_jobs=0)
    with pytest.raises(ValueError, match="unknown backend"):
        tune(OR_NET, X, OR_Y, backend="nope")
    with pytest.raises(ValueError, match="shallow tanh networks"):
        quantize_network([(np.eye(2), np.zeros(2))] * 2 + OR_NET[1:], X, OR_Y)
    with pytest.raises(ValueError, match="damping=1e\\+308 overflows"):
        optq(np.ones((1, 2)), X, 2, damping=1e308)


def test_integer_circuit_calibrates_on_real_inputs_and_refuses_bad_ones():
    from isingbridge.circuits import integer_circuit

    real = np.array([[0.3, -0.7], [0.9, 0.1]])  # pixel-like data, not spins
    circuit, _ = integer_circuit(OR_NET, real, q=4, grid=1.0, lam1=1.0, k=1, beta=1.0)
    assert circuit.info["integer"]
    with pytest.raises(ValueError, match="X must have at least 1 row"):
        integer_circuit(OR_NET, np.zeros((0, 2)), q=4, grid=1.0, lam1=1.0, k=1, beta=1.0)
    with pytest.raises(ValueError, match="X must have 2 column"):
        integer_circuit(OR_NET, np.ones((2, 3)), q=4, grid=1.0, lam1=1.0, k=1, beta=1.0)


def test_enumeration_refuses_circuits_that_do_not_fit_in_memory():
    from isingbridge.circuits import enumerated_worst
    from isingbridge.validation import ResourceLimitError

    with pytest.raises(ResourceLimitError, match="enumerating 70 hidden and output spins would need"):
        enumerated_worst(np.ones((60, 3)), np.ones((10, 61)), 1, all_inputs(2), np.ones((4, 10)), [1.0])


def test_correctness_map_gives_the_same_numbers_in_parallel():
    """Workers are fresh processes (another hash seed): a seeded sampling map must not depend on n_jobs."""
    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=float)
    serial, parallel = (correctness_map(OR_NET, X, OR_Y, [1.0, 2.0], [0.1, 0.3], backend="gibbs", n_jobs=jobs,
                                        activation="tanh", num_reads=32, num_sweeps=200, seed=0).worst
                        for jobs in (1, 2))
    np.testing.assert_array_equal(serial, parallel)
