"""RBM training: exact helpers, estimators, optimizers, the sklearn-shaped estimator."""
import itertools

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from isingbridge.backends import get
from isingbridge.spins import spin_rows
from isingbridge.trainers import CD, PCD, RBM, SGD, Adam, BoltzmannRBM, ExactGradient


def nll(model, V):
    return -model.log_likelihood(V)


def test_to_bqm_energy_is_the_model_energy():
    model = RBM.random(5, 4, scale=0.7, seed=0)
    model.b[:] = np.random.default_rng(1).normal(size=5)
    model.c[:] = np.random.default_rng(2).normal(size=4)
    bqm = model.to_bqm()
    rng = np.random.default_rng(3)
    for _ in range(20):
        v, h = rng.choice([-1.0, 1.0], 5), rng.choice([-1.0, 1.0], 4)
        sample = {("v", i): v[i] for i in range(5)} | {("h", j): h[j] for j in range(4)}
        assert bqm.energy(sample) == pytest.approx(model.energy(v, h)[0])


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_exact_log_z_matches_brute_force_and_the_exact_backend(beta):
    model = RBM.random(6, 5, scale=0.8, seed=4, beta=beta)
    model.b[:] = 0.3
    assert model.log_partition() == pytest.approx(model.log_partition_bruteforce(), abs=1e-10)
    assert model.log_partition() == pytest.approx(get("exact").moments(model.to_bqm(), beta=beta).log_z, abs=1e-9)


def test_exact_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    model = RBM.random(5, 3, scale=0.6, seed=6, beta=1.3)
    model.b[:] = rng.normal(0, 0.3, 5)
    model.c[:] = rng.normal(0, 0.3, 3)
    V = rng.choice([-1.0, 1.0], (12, 5))
    gradient = ExactGradient().gradient(model, V, rng=rng).values
    eps = 1e-6
    for name, array in model.parameters().items():
        for index in itertools.islice(np.ndindex(array.shape), 6):
            saved = array[index]
            array[index] = saved + eps
            up = nll(model, V)
            array[index] = saved - eps
            down = nll(model, V)
            array[index] = saved
            assert gradient[name][index] == pytest.approx((up - down) / (2 * eps), abs=1e-6)


def target_distribution():
    """A small structured distribution over 6 visible spins: two noisy prototypes."""
    states = spin_rows(np.arange(64, dtype=np.int64), 6)
    protos = np.array([[1, 1, 1, -1, -1, -1], [-1, 1, -1, 1, -1, 1]], float)
    score = np.max(states @ protos.T, axis=1)
    p = np.exp(0.8 * score)
    return states, p / p.sum()


def kl_to_target(model, states, p):
    log_q = -model.beta * model.free_energy(states) - model.log_partition()
    return float(np.sum(p * (np.log(p) - log_q)))


def sample_target(n, seed):
    states, p = target_distribution()
    rng = np.random.default_rng(seed)
    return states[rng.choice(len(p), size=n, p=p)], states, p


@pytest.mark.parametrize("estimator", [lambda: ExactGradient(), lambda: CD(1, "exact"), lambda: PCD(1, 50, "exact")],
                         ids=["exact", "cd-exact", "pcd-exact"])
def test_estimators_with_the_exact_sampler_converge(estimator):
    data, states, p = sample_target(400, 0)
    rbm = BoltzmannRBM(n_hidden=4, estimator=estimator(), learning_rate=0.05, batch_size=40, n_epochs=40, random_state=1)
    start_kl = kl_to_target(RBM.random(6, 4, scale=0.01, seed=1), states, p)
    rbm.fit((data + 1) / 2)
    kl = kl_to_target(rbm.model_, states, p)
    assert kl < 0.15 < start_kl, (start_kl, kl)


def test_gibbs_and_anneal_samplers_reach_comparable_kl():
    data, states, p = sample_target(400, 1)
    results = {}
    for name in ("gibbs", "anneal"):
        rbm = BoltzmannRBM(n_hidden=4, estimator=PCD(1, 64, name), learning_rate=0.05, batch_size=40, n_epochs=30,
                           random_state=2)
        rbm.fit(data)
        results[name] = kl_to_target(rbm.model_, states, p)
    assert max(results.values()) < 0.25, results
    assert abs(results["gibbs"] - results["anneal"]) < 0.1, results


def test_optimizers_minimise_a_quadratic():
    for optimizer in (SGD(0.1, momentum=0.5), Adam(0.1)):
        x = {"x": np.array([3.0, -2.0])}
        for _ in range(300):
            optimizer.step(x, {"x": 2 * x["x"]})
        assert np.abs(x["x"]).max() < 1e-2


def test_transform_sample_and_partial_fit():
    data, _, _ = sample_target(100, 3)
    rbm = BoltzmannRBM(n_hidden=3, estimator=CD(1, "gibbs"), n_epochs=2, random_state=0).fit(data)
    assert rbm.transform(data).shape == (100, 3)
    samples = rbm.sample(20, seed=1, num_sweeps=50)
    assert samples.shape == (20, 6) and set(np.unique(samples)) <= {0, 1}
    before = rbm.epochs_done_
    rbm.partial_fit(data)
    assert rbm.epochs_done_ == before + 1


def test_bad_input():
    rbm = BoltzmannRBM(n_hidden=2, n_epochs=1, random_state=0)
    with pytest.raises(ValueError, match="binary"):
        rbm.fit(np.array([[0, 2], [1, 0]]))
    with pytest.raises(ValueError, match="NaN"):
        rbm.fit(np.array([[0, np.nan], [1, 0]]))
    with pytest.raises(ValueError, match="n_hidden must be >= 1"):
        BoltzmannRBM(n_hidden=0).fit(np.array([[0, 1]]))
    with pytest.raises(NotFittedError, match="not fitted"):
        rbm.transform(np.array([[0, 1]]))
    rbm.fit(np.array([[0, 1], [1, 0]]))
    with pytest.raises(ValueError, match="3 features; the model was fitted with 2"):
        rbm.transform(np.array([[0, 1, 1]]))
    with pytest.raises(ValueError, match="limit is 24"):
        ExactGradient().gradient(RBM.random(30, 2, seed=0), np.ones((1, 30)), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="optimizer"):
        BoltzmannRBM(optimizer="lbfgs").fit(np.array([[0, 1]]))


@pytest.mark.parametrize("estimator", [lambda: PCD(1, 32, "gibbs"), lambda: CD(1, "anneal")], ids=["pcd-gibbs", "cd-anneal"])
def test_interrupted_and_warm_started_training_equals_an_uninterrupted_run(tmp_path, estimator):
    data, _, _ = sample_target(120, 4)
    straight = BoltzmannRBM(n_hidden=3, estimator=estimator(), optimizer="adam", learning_rate=0.02,
                            batch_size=20, n_epochs=4, random_state=7).fit(data)
    path = tmp_path / "rbm.ckpt"
    first = BoltzmannRBM(n_hidden=3, estimator=estimator(), optimizer="adam", learning_rate=0.02,
                         batch_size=20, n_epochs=2, random_state=7).fit(data, checkpoint=path)
    resumed = BoltzmannRBM.load(path)
    assert resumed.epochs_done_ == 2 and first.epochs_done_ == 2
    resumed.set_params(n_epochs=4, warm_start=True).fit(data)
    first.set_params(n_epochs=4, warm_start=True).fit(data)  # in memory, without a checkpoint
    for name in ("W", "b", "c"):
        np.testing.assert_array_equal(getattr(resumed.model_, name), getattr(straight.model_, name))
        np.testing.assert_array_equal(getattr(first.model_, name), getattr(straight.model_, name))
    (tmp_path / "junk").write_bytes(__import__("pickle").dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a BoltzmannRBM checkpoint"):
        BoltzmannRBM.load(tmp_path / "junk")


def test_ais_log_partition_is_within_its_error_bar_of_exact():
    rng = np.random.default_rng(8)
    model = RBM.random(8, 10, scale=0.5, seed=9, beta=1.2)
    model.b[:] = rng.normal(0, 0.3, 8)
    model.c[:] = rng.normal(0, 0.3, 10)
    exact = model.log_partition()
    estimate, stderr = model.ais_log_partition(n_chains=200, n_steps=500, seed=1)
    assert 0 < stderr < 0.05
    assert abs(estimate - exact) < 4 * stderr + 1e-3, (estimate, exact, stderr)


def test_score_samples_exact_and_ais_agree():
    data, _, _ = sample_target(100, 5)
    rbm = BoltzmannRBM(n_hidden=4, estimator=ExactGradient(), n_epochs=5, random_state=0).fit(data)
    exact = rbm.score_samples(data)
    ais = rbm.score_samples(data, method="ais", n_chains=200, n_steps=300, seed=0)
    np.testing.assert_allclose(ais, exact, atol=0.05)
    with pytest.raises(ValueError, match="method must be"):
        rbm.score_samples(data, method="guess")


def test_dissipative_gaussian_toy_reproduces_the_papers_findings():
    from isingbridge.trainers.models.gaussian_toy import gaussian_toy, window_statistics

    results = {}
    for method in ("cd", "mh", "langevin"):
        trajectories = gaussian_toy(method, steps=100_000, learning_rate=2e-4, repeats=20, seed=1)
        steps, mean, std = window_statistics(trajectories, 1000)
        results[method] = (mean, std)
        assert abs(mean[-5:].mean() - 1.0) < 0.05  # converged to the target θ̃ = 1 from θ = 3
    # the same convergence rate: the early windows agree
    assert np.allclose(results["cd"][0][10], [results["mh"][0][10], results["langevin"][0][10]], atol=0.1)
    cd_spread = results["cd"][1][-10:].mean()
    for method in ("mh", "langevin"):
        assert 2.0 < results[method][1][-10:].mean() / cd_spread < 6.0
    with pytest.raises(ValueError, match="method must be one of"):
        gaussian_toy("gibbs")


def test_two_lobe_training_with_parameter_noise_learns():
    from isingbridge.trainers import LangevinSGD, TwoLobe

    data, states, p = sample_target(400, 6)
    rbm = BoltzmannRBM(n_hidden=4, estimator=TwoLobe(1, 64, "gibbs"), optimizer=LangevinSGD(0.05, 1e-4, seed=0),
                       batch_size=40, n_epochs=40, random_state=3).fit(data)
    assert kl_to_target(rbm.model_, states, p) < 0.3


def test_langevin_optimizer_noise_has_the_thermal_variance():
    from isingbridge.trainers import LangevinSGD

    optimizer = LangevinSGD(0.01, temperature=0.5, seed=0)
    x = {"x": np.zeros(20000)}
    for _ in range(10):
        optimizer.step(x, {"x": np.zeros(20000)})
    assert np.var(x["x"]) == pytest.approx(2 * 0.01 * 0.5 * 10, rel=0.05)
    with pytest.raises(ValueError, match="temperature"):
        LangevinSGD(0.1, temperature=-1.0)


def test_rbm_fast_path_is_the_gibbs_backends_dense_engine():
    """The trainers' array route builds exactly the chains the BQM route builds."""
    from isingbridge.backends.gibbs_cpu import LayerChains
    from isingbridge.ir import compile_bqm

    model = RBM.random(7, 5, scale=0.8, seed=10)
    model.b[:] = 0.2
    model.c[:] = -0.1
    starts = np.where(np.random.default_rng(0).random((24, 12)) < 0.5, 1, -1).astype(np.int8)
    via_bqm = LayerChains(compile_bqm(model.to_bqm()), model.beta, 24, np.random.default_rng(5))
    groups = [np.arange(7), np.arange(7, 12)]
    direct = LayerChains.from_layers(groups, [[(1, -model.W)], [(0, -model.W.T)]], [-model.b, -model.c],
                                     model.beta, 24, np.random.default_rng(5))
    assert [g.tolist() for g in via_bqm.groups] == [g.tolist() for g in groups]
    for chains in (via_bqm, direct):
        chains.load(starts)
        chains.run(7)
    np.testing.assert_array_equal(via_bqm.states(), direct.states())


@pytest.mark.gpu
def test_pcd_on_the_cuda_gibbs_backend_learns_like_the_cpu_one():
    """The trainers' dense fast path runs on the GPU engine when the backend's device is cuda."""
    from isingbridge.backends.gibbs_cuda import gpu_available

    if not gpu_available():
        pytest.skip("no usable CUDA GPU (CuPy and a device)")
    data, states, p = sample_target(400, 1)
    results = {}
    for device in ("cpu", "cuda"):
        backend = get("gibbs", device=device)
        rbm = BoltzmannRBM(n_hidden=4, estimator=PCD(1, 64, backend), learning_rate=0.05, batch_size=40,
                           n_epochs=30, random_state=2)
        rbm.fit(data)
        results[device] = kl_to_target(rbm.model_, states, p)
    assert max(results.values()) < 0.25, results
    assert abs(results["cpu"] - results["cuda"]) < 0.1, results


def test_float32_training_learns_like_float64_and_stays_float32():
    data, states, p = sample_target(400, 1)
    results = {}
    for dtype in ("float64", "float32"):
        rbm = BoltzmannRBM(n_hidden=4, estimator=PCD(1, 64, "gibbs"), learning_rate=0.05, batch_size=40,
                           n_epochs=30, random_state=2, dtype=dtype).fit(data)
        assert all(a.dtype == np.dtype(dtype) for a in rbm.model_.parameters().values())
        results[dtype] = kl_to_target(rbm.model_, states, p)
    assert max(results.values()) < 0.25 and abs(results["float32"] - results["float64"]) < 0.1, results


def test_bad_dtype_and_float32_on_a_model_that_cannot():
    from isingbridge.trainers import RAPID

    data, _, _ = sample_target(50, 1)
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        BoltzmannRBM(n_hidden=4, dtype="float16", n_epochs=1).fit(data)
    with pytest.raises(ValueError, match="trains in float64 only"):
        BoltzmannRBM(n_hidden=30, estimator=RAPID(2), dtype="float32", n_epochs=1).fit(data)


@pytest.mark.parametrize("backend", ["gibbs", "exact", "anneal"])
def test_conditional_means_are_the_models_hidden_means(backend):
    """⟨h | v⟩ from sample_states (the Gibbs layer engine reads it off its last hidden update; the
    others compute it from the local fields) equals tanh(β(c + Wᵀv)) at the final visible states."""
    model = RBM.random(9, 6, scale=0.7, seed=3, beta=0.8)
    model.c[:] = np.linspace(-0.5, 0.5, 6)
    options = {"num_sweeps": 3} if backend != "exact" else {}
    drawn = get(backend).sample_states(model.sampling_model(), beta=model.beta, num_reads=13, seed=1,
                                       conditionals=model.rao_blackwell_variables(), **options)
    v = drawn.states[:, :9].astype(float)
    np.testing.assert_allclose(drawn.conditional_means, model.hidden_mean(v), atol=2e-6)


def test_layer_engine_has_no_conditional_means_before_a_sweep():
    from isingbridge.backends.gibbs_cpu import LayerChains

    chains = LayerChains(RBM.random(4, 3, seed=0).sampling_model(), 1.0, 5, np.random.default_rng(1))
    with pytest.raises(RuntimeError, match="run at least one sweep"):
        chains.conditional_means(1)


@pytest.mark.parametrize("kind", ["rbm", "classification", "patterns"])
def test_fused_statistics_difference_equals_the_difference_of_statistics(kind):
    from isingbridge.trainers.models import ClassificationRBM, PatternRBM

    rng = np.random.default_rng(4)
    model = {"rbm": lambda: RBM.random(8, 5, scale=0.5, seed=1),
             "classification": lambda: ClassificationRBM.random(8, 5, scale=0.5, seed=1, n_classes=3),
             "patterns": lambda: PatternRBM.random(8, 5, n_patterns=2, seed=1)}[kind]()
    negative, positive = (np.where(rng.random((n, model.n_visible)) < 0.5, 1.0, -1.0) for n in (7, 3))
    hidden = np.tanh(rng.normal(size=(7, model.n_hidden)))
    for given in (None, hidden):
        fused = model.statistics_difference(negative, positive, given)
        a, b = model.statistics(negative, given), model.statistics(positive)
        for name in a:
            np.testing.assert_allclose(fused[name], a[name] - b[name], atol=1e-12)


def test_to_spins_checks_in_the_datas_own_type_and_returns_the_asked_dtype():
    from isingbridge.trainers import to_spins

    spins = to_spins(np.array([[0, 1], [1, 1]], dtype=np.uint8), dtype=np.float32)
    assert spins.dtype == np.float32 and spins.tolist() == [[-1, 1], [1, 1]]
    assert to_spins(np.array([[True, False]])).tolist() == [[1, -1]]
    assert to_spins([[-1, 1]]).tolist() == [[-1, 1]]
    with pytest.raises(ValueError, match="mix 0 and -1"):
        to_spins([[0, -1], [1, 1]])
    with pytest.raises(ValueError, match="found values \\[2\\]"):
        to_spins(np.array([[0, 2]], dtype=np.uint8))
    with pytest.raises(ValueError, match="NaN or infinity \\(row 1, column 0\\)"):
        to_spins([[0, 1], [np.inf, 1]])


def test_plain_sgd_descends_in_place_in_the_parameters_dtype():
    optimizer = SGD(0.5)
    parameters = {"W": np.ones((3, 2), dtype=np.float32), "b": np.ones(4)[::2]}  # contiguous and strided
    gradient = {"W": np.full((3, 2), 2.0, dtype=np.float32), "b": np.full(2, 2.0)}
    W = parameters["W"]
    optimizer.step(parameters, gradient)
    optimizer.step(parameters, gradient)
    assert parameters["W"] is W and W.dtype == np.float32
    np.testing.assert_array_equal(W, -1.0)
    np.testing.assert_array_equal(parameters["b"], -1.0)
    assert gradient["W"][0, 0] == 2.0  # the gradient is not consumed
