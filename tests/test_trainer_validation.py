"""Bad input to the trainers gets a clear error naming the argument; valid numpy scalars are accepted;
parallel sweeps give the numbers of a serial run."""
import math
import pickle

import dimod
import numpy as np
import pytest
from joblib import Parallel, delayed

from isingbridge import datasets
from isingbridge.trainers import (
    CD, PCD, RAPID, RBM, SGD, Adam, BoltzmannClassifier, BoltzmannRBM, ClassificationRBM, FullyVisibleBM,
    LangevinSGD, PatternBM, PatternRBM, TwoLobe, to_spins,
)
from isingbridge.trainers import diagnostics
from isingbridge.trainers.models import gaussian_toy
from isingbridge.trainers import (
    EqProp, EqPropClassifier, IsingEqProp, IsingEqPropClassifier, IsingLayers, LayeredHopfield, QuantumEqProp,
    QuantumEqPropClassifier, ThermalEqProp,
)
from isingbridge.trainers.estimators.ising import gradient_keys, gradient_vector, parameter_keys
from isingbridge.trainers.fit.eqprop import best_of_restarts, layer_optimizers

X = np.array([[1, 1, 0, 0], [0, 0, 1, 1]] * 4)
Y = np.array([0, 1] * 4)
XOR_X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]])
XOR_Y = np.array([0, 1, 1, 0])
BAD_BETAS = [0, -1.0, math.nan, math.inf]


def classifiers():
    """Each classifier, small enough to fit in milliseconds, with data it can fit."""
    return [
        (lambda **p: BoltzmannClassifier(2, **{"n_epochs": 1, "random_state": 0, **p}), X, Y),
        (lambda **p: EqPropClassifier((3,), **{"n_epochs": 1, "random_state": 0, **p}), X, Y),
        (lambda **p: IsingEqPropClassifier((3,), **{"n_epochs": 1, "num_reads": 2, "random_state": 0, **p}), X, Y),
        (lambda **p: QuantumEqPropClassifier(2, **{"n_epochs": 1, "random_state": 0, **p}), XOR_X, XOR_Y),
    ]


CLASSIFIERS = pytest.mark.parametrize("make, data, labels", classifiers(),
                                      ids=["boltzmann", "eqprop", "ising-eqprop", "quantum-eqprop"])


# -- 1. beta ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("beta", BAD_BETAS)
def test_an_inverse_temperature_must_be_positive_and_finite(beta):
    with pytest.raises(ValueError, match="beta must be positive and finite"):
        BoltzmannRBM(2, beta=beta, n_epochs=1).fit(X)
    with pytest.raises(ValueError, match="beta must be positive and finite"):
        BoltzmannClassifier(2, beta=beta, n_epochs=1).fit(X, Y)
    for make in (lambda: RBM.random(3, 2, beta=beta), lambda: ClassificationRBM.random(4, 2, beta=beta, n_classes=2),
                 lambda: FullyVisibleBM.random(3, beta=beta), lambda: PatternRBM.random(3, 20, beta=beta),
                 lambda: PatternBM.random(40, beta=beta), lambda: IsingLayers.random([3, 2], beta=beta)):
        with pytest.raises(ValueError, match="beta must be positive and finite"):
            make()
    with pytest.raises(ValueError, match="beta must be positive and finite"):
        IsingEqPropClassifier((3,), beta=beta, n_epochs=1).fit(X, Y)
    with pytest.raises(ValueError, match="beta must be positive and finite"):
        IsingEqProp(0.1, backend="exact", beta=beta)


@pytest.mark.parametrize("nudge", BAD_BETAS)
def test_the_ep_nudge_is_checked_as_a_nudging_strength(nudge):
    for make in (lambda: IsingEqPropClassifier((3,), nudge=nudge, n_epochs=1).fit(X, Y),
                 lambda: QuantumEqPropClassifier(2, nudge=nudge, n_epochs=1).fit(XOR_X, XOR_Y),
                 lambda: EqProp(nudge), lambda: QuantumEqProp(nudge), lambda: ThermalEqProp(nudge=nudge),
                 lambda: IsingEqProp(nudge=nudge), lambda: EqProp(nudge=nudge)):
        with pytest.raises(ValueError, match=r"^nudge must be a finite number > 0 \(the nudging strength"):
            make()
    with pytest.raises(TypeError, match="^nudge must be a finite number > 0"):
        IsingEqProp("strong")


# -- 2, 3. empty and complex X ------------------------------------------------------------------------
# the estimators give scikit-learn's messages (its checks match them), naming X; to_spins gives the library's
EMPTY = {"no rows": (np.zeros((0, 4)), r"^X: Found array with 0 sample\(s\)", "at least 1 row"),
         "no features": (np.zeros((8, 0)), r"^X: Found array with 0 feature\(s\)", "no features")}


@pytest.mark.parametrize("case", EMPTY)
def test_empty_data_are_refused_before_training(case):
    data, message, plain = EMPTY[case]
    with pytest.raises(ValueError, match=message):
        BoltzmannRBM(2, n_epochs=1).fit(data)
    with pytest.raises(ValueError, match=message):
        BoltzmannRBM(2).partial_fit(data)
    with pytest.raises(ValueError, match=plain):
        to_spins(data)


@CLASSIFIERS
@pytest.mark.parametrize("case", EMPTY)
def test_every_classifier_refuses_empty_data_in_fit_predict_and_score(make, data, labels, case):
    empty, message, _ = EMPTY[case]
    empty = empty[:, : data.shape[1]] if case == "no rows" else empty
    with pytest.raises(ValueError, match=message):
        make().fit(empty, labels[: empty.shape[0]])
    fitted = make().fit(data, labels)
    with pytest.raises(ValueError, match=message):
        fitted.predict(empty)
    with pytest.raises(ValueError, match=message):
        fitted.score(empty, labels[: empty.shape[0]])


def test_the_rbm_refuses_empty_data_in_every_method():
    rbm = BoltzmannRBM(2, n_epochs=1, random_state=0).fit(X)
    for method in (rbm.transform, rbm.score_samples, lambda v: rbm.reconstruct(v, np.ones(4, bool))):
        with pytest.raises(ValueError, match=r"0 sample\(s\)"):
            method(np.zeros((0, 4)))


@CLASSIFIERS
def test_complex_data_are_refused_not_cast(make, data, labels):
    with pytest.raises(ValueError, match="^X: Complex data not supported"):
        make().fit(data + 0j, labels)
    with pytest.raises(ValueError, match="Complex data not supported: y must hold real numbers or strings"):
        make().fit(data, labels + 1j)


@CLASSIFIERS
def test_labels_must_be_one_per_row_and_finite(make, data, labels):
    with pytest.raises(ValueError, match=f"X has {len(data)} rows but y has 3 labels"):
        make().fit(data, labels[:3])
    with pytest.raises(ValueError, match="y contains NaN"):
        make().fit(data, np.where(labels == 1, np.nan, 0.0))
    fitted = make().fit(data, labels)
    with pytest.raises(ValueError, match=f"X has {len(data)} rows but y has 3 labels"):
        fitted.score(data, labels[:3])


# -- 4. optimizer names -----------------------------------------------------------------------------
@CLASSIFIERS
def test_an_unknown_optimizer_name_is_refused(make, data, labels):
    with pytest.raises(ValueError, match="optimizer must be one of 'sgd', 'adam'; got 'foo'"):
        make(optimizer="foo").fit(data, labels)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        layer_optimizers(0.1, 2, "foo", 0.0)


def test_an_optimizer_object_needs_a_step_method():
    with pytest.raises(ValueError, match="optimizer must be one of 'sgd', 'adam'; got 'foo'"):
        BoltzmannRBM(2, optimizer="foo", n_epochs=1).fit(X)
    with pytest.raises(TypeError, match="optimizer must be 'sgd', 'adam' or an optimizer object with step"):
        BoltzmannRBM(2, optimizer=3, n_epochs=1).fit(X)
    rbm = BoltzmannRBM(2, optimizer=LangevinSGD(0.01, temperature=0.1, seed=0), n_epochs=1, random_state=0).fit(X)
    assert np.all(np.isfinite(rbm.model_.W))


# -- 5. estimators ------------------------------------------------------------------------------------
def test_a_string_is_not_an_estimator():
    with pytest.raises(TypeError, match="estimator must be a gradient estimator object such as CD"):
        BoltzmannRBM(2, estimator="cd", n_epochs=1).fit(X)
    with pytest.raises(TypeError, match="estimator must be a gradient estimator object .* got str 'cd'"):
        BoltzmannClassifier(2, estimator="cd", n_epochs=1).fit(X, Y)
    with pytest.raises(TypeError, match="estimator must be an EqProp"):
        EqPropClassifier((3,), estimator="ep", n_epochs=1).fit(X, Y)


# -- 6. counts, sizes, seeds ---------------------------------------------------------------------------
def test_counts_and_sizes_are_checked_by_name():
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        BoltzmannRBM(2, batch_size=0, n_epochs=1).fit(X)
    for make in (lambda **p: EqPropClassifier((3,), n_epochs=1, **p),
                 lambda **p: QuantumEqPropClassifier(2, n_epochs=1, **p)):
        with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
            make(batch_size=0).fit(XOR_X, XOR_Y)
        with pytest.raises(TypeError, match="batch_size must be an integer"):
            make(batch_size=2.5).fit(XOR_X, XOR_Y)
    with pytest.raises(TypeError, match=r"hidden_layer_sizes must be a tuple of layer sizes such as \(5,\)"):
        EqPropClassifier(5, n_epochs=1).fit(X, Y)
    with pytest.raises(TypeError, match=r"hidden_layer_sizes must be a tuple of layer sizes such as \(5,\)"):
        IsingEqPropClassifier(5, n_epochs=1).fit(X, Y)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes\[1\] must be >= 1, got 0"):
        EqPropClassifier((3, 0), n_epochs=1).fit(X, Y)
    with pytest.raises(TypeError, match=r"sizes\[1\] must be an integer"):
        LayeredHopfield.random([3, "x"])
    with pytest.raises(ValueError, match="n_epochs must be >= 1"):
        BoltzmannRBM(2, n_epochs=0).fit(X)


@pytest.mark.parametrize("n_chains", [0, -1])
def test_ais_needs_a_chain(n_chains):
    model = RBM.random(4, 3, seed=0)
    with pytest.raises(ValueError, match="n_chains must be >= 1"):
        model.ais_log_partition(n_chains=n_chains)
    with pytest.raises(TypeError, match="n_steps must be an integer"):
        model.ais_log_partition(n_steps=2.5)
    with pytest.raises(ValueError, match="base_bias must have 4 column"):
        model.ais_log_partition(base_bias=np.zeros(3))
    rbm = BoltzmannRBM(2, n_epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="n_chains must be >= 1"):
        rbm.score_samples(X, method="ais", n_chains=n_chains)


@pytest.mark.parametrize("seed, error, message", [(-1, ValueError, "must be an integer >= 0"),
                                                  ("x", TypeError, "must be None, an integer >= 0"),
                                                  (2.5, TypeError, "must be None, an integer >= 0")])
def test_every_trainer_names_a_bad_seed(seed, error, message):
    for make, data, labels in [(lambda **p: BoltzmannRBM(2, n_epochs=1, **p), X, None), *classifiers()]:
        with pytest.raises(error, match=f"random_state {message}"):
            make(random_state=seed).fit(data, labels)
    message = f"seed {message}"  # models, optimizers and methods keep their seed= argument
    trials = [lambda: RBM.random(3, 2, seed=seed),
              lambda: RBM.random(3, 2).ais_log_partition(n_steps=2, seed=seed), lambda: LangevinSGD(seed=seed),
              lambda: diagnostics.gibbs_accessibility(RBM.random(3, 2), seed=seed),
              lambda: BoltzmannRBM(2, n_epochs=1, random_state=0).fit(X).reconstruct(X, np.ones(4, bool), seed=seed),
              lambda: datasets.negation_closed_split(datasets.bars(3), 2, seed=seed),
              lambda: LayeredHopfield.random([2, 2], seed=seed)]
    for trial in trials:
        with pytest.raises(error, match=message):
            trial()


@pytest.mark.parametrize("warm_start", ["yes", 1, None])
def test_every_trainer_names_a_bad_warm_start(warm_start):
    for make, data, labels in [(lambda **p: BoltzmannRBM(2, n_epochs=1, **p), X, None), *classifiers()]:
        with pytest.raises(TypeError, match="warm_start must be True or False"):
            make(warm_start=warm_start).fit(data, labels)
        fitted = make().fit(data, labels)
        with pytest.raises(TypeError, match="warm_start must be True or False"):
            fitted.set_params(warm_start=warm_start).fit(data, labels)
    with pytest.raises(TypeError, match="warm_start must be True or False"):
        QuantumEqPropClassifier(2, n_init=2, n_epochs=1, warm_start="yes").fit(XOR_X, XOR_Y)


@CLASSIFIERS
def test_a_fresh_fit_takes_new_features_and_a_warm_start_refuses_them(make, data, labels):
    fitted = make().fit(data, labels)
    wider = np.hstack([data, data[:, :1]])
    fitted.fit(wider, labels)  # warm_start=False: a new model for the new width
    assert fitted.predict(wider).shape == labels.shape and fitted.epochs_done_ == 1
    with pytest.raises(ValueError, match=f"{data.shape[1]} features"):
        fitted.set_params(warm_start=True).fit(data, labels)


def test_restarts_need_an_integer_seed_and_a_worker_count():
    with pytest.raises(ValueError, match="n_init > 1 needs an integer random_state >= 0"):
        QuantumEqPropClassifier(2, n_init=2, n_epochs=1, random_state=-1).fit(XOR_X, XOR_Y)
    with pytest.raises(ValueError, match="n_jobs must be a nonzero integer"):
        QuantumEqPropClassifier(2, n_init=2, n_epochs=1, random_state=0, n_jobs=0).fit(XOR_X, XOR_Y)


# -- 7. numpy scalars ---------------------------------------------------------------------------------------
def test_numpy_scalars_are_valid_numbers():
    rate = np.float32(0.1)
    for optimizer in (SGD(rate, np.float32(0.5)), Adam(rate, np.float64(0.9)), LangevinSGD(rate, np.float32(0.1))):
        assert optimizer.learning_rate == pytest.approx(0.1)
    rbm = BoltzmannRBM(np.int64(2), learning_rate=rate, beta=np.float32(1.0), batch_size=np.int32(4),
                       n_epochs=np.int64(1), random_state=np.int64(0)).fit(X)
    assert np.all(np.isfinite(rbm.model_.W))
    EqPropClassifier((np.int64(3),), learning_rate=rate, n_epochs=1, random_state=0).fit(X, Y)
    assert RAPID(np.int64(4), discretize="clip", clip=np.float32(0.5), gibbs_steps=np.int64(1)).clip == 0.5
    assert ThermalEqProp(np.float32(0.5), nudge=np.float32(0.1)).temperature == 0.5


def test_bad_optimizer_and_estimator_settings_are_named():
    with pytest.raises(ValueError, match="momentum must be in \\[0, 1\\), got 1"):
        SGD(0.1, 1.0)
    with pytest.raises(ValueError, match="beta2 must be in"):
        Adam(0.1, beta2=1.5)
    with pytest.raises(ValueError, match="temperature must be >= 0"):
        LangevinSGD(0.1, temperature=-1)
    with pytest.raises(TypeError, match="learning_rate must be a real number"):
        SGD("fast")
    with pytest.raises(TypeError, match="k must be an integer"):
        CD(2.5)
    with pytest.raises(ValueError, match="n_particles must be >= 1"):
        PCD(1, 0)
    with pytest.raises(ValueError, match="n_particles must be >= 1"):
        TwoLobe(1, -1)
    with pytest.raises(ValueError, match="clip must be a finite number, got inf"):
        RAPID(4, clip=math.inf)
    with pytest.raises(TypeError, match="learn_biases must be True or False"):
        RAPID(4, learn_biases="yes")
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32', got 'x'"):
        BoltzmannRBM(2, dtype="x", n_epochs=1).fit(X)
    with pytest.raises(ValueError, match="method must be one of 'fixed_point', 'gradient'"):
        EqProp(0.1, method="newton")
    with pytest.raises(ValueError, match="tol must be > 0"):
        EqProp(0.1, tol=-1)


# -- 9. the rest of the public surface ----------------------------------------------------------------------
def test_ep_problems_are_checked():
    bqm = dimod.BQM({"h": 0.1, "o": -0.2}, {("x", "h"): -0.8, ("h", "o"): -0.6}, 0.0, "SPIN")
    estimator = IsingEqProp(0.01, backend="exact")
    with pytest.raises(TypeError, match="inputs must be a dict"):
        estimator.gradient(bqm, [("x", 1)], {"o": 1.0})
    with pytest.raises(TypeError, match=r"targets\['o'\] must be a real number"):
        estimator.gradient(bqm, {"x": 1}, {"o": "up"})
    with pytest.raises(ValueError, match=r"targets\['o'\] must be a finite number"):
        estimator.gradient(bqm, {"x": 1}, {"o": math.nan})
    with pytest.raises(ValueError, match="state must be 'ground' or an eigenstate index >= 0"):
        QuantumEqProp(0.1, state=-1)
    with pytest.raises(ValueError, match="inputs must have at least 1 row"):
        EqProp(0.1).gradient(LayeredHopfield.random([3, 2], seed=0), np.zeros((0, 3)), np.zeros((0, 2)))


def test_diagnostics_and_the_toy_check_their_arguments():
    model = RBM.random(4, 3, seed=0)
    spins = 2.0 * X - 1
    with pytest.raises(ValueError, match="n_chains must be >= 1"):
        diagnostics.gibbs_accessibility(model, n_chains=0)
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        diagnostics.reconstruction_error(model, spins, np.array([1, 0, 0, 0], bool), repeats=0)
    with pytest.raises(ValueError, match="X must hold ±1 spins"):
        diagnostics.reconstruction_error(model, X, np.array([1, 0, 0, 0], bool))
    with pytest.raises(TypeError, match="known_mask must be a boolean array"):
        diagnostics.reconstruction_error(model, spins, np.array([1, 0, 0, 0]))
    with pytest.raises(ValueError, match="quantile must be a finite number, got nan"):
        diagnostics.generation_quality(spins, spins, spins, quantile=math.nan)
    with pytest.raises(ValueError, match="quantile must be in \\(0, 1\\], got 0"):
        diagnostics.generation_quality(spins, spins, spins, quantile=0)
    with pytest.raises(ValueError, match="images must have at least 1 row"):
        diagnostics.nearest_images(np.zeros((0, 4)), spins)
    with pytest.raises(ValueError, match="rows must be an integer in \\[0, 4\\]"):
        diagnostics.top_row_mask(4, 5)
    with pytest.raises(ValueError, match="method must be one of 'cd', 'langevin', 'mh'"):
        gaussian_toy.gaussian_toy("gibbs", steps=5)
    with pytest.raises(ValueError, match="theta0 must be a finite number, got nan"):
        gaussian_toy.gaussian_toy("cd", steps=5, theta0=math.nan)
    with pytest.raises(ValueError, match="seed must be an integer in"):
        gaussian_toy.gaussian_toy("cd", steps=5, seed=-1)
    with pytest.raises(ValueError, match="window \\(20\\) is longer than the 10 steps"):
        gaussian_toy.window_statistics(np.ones((10, 2)), 20)


def test_datasets_check_their_arguments():
    with pytest.raises(ValueError, match="n must be a positive integer <= 16"):
        datasets.bars_and_stripes(40)
    with pytest.raises(TypeError, match="n must be a positive integer"):
        datasets.bars("4")
    with pytest.raises(ValueError, match="kind must be one of"):
        datasets.bars_and_stripes(3, kind=None)
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        datasets.binarize(np.ones((2, 2)), math.nan)
    with pytest.raises(ValueError, match="factor must be >= 1, got 0"):
        datasets.downsample(np.ones((1, 16)), 4, 0)
    with pytest.raises(TypeError, match="n_test must be an integer"):
        datasets.negation_closed_split(datasets.bars(3), 2.0)
    with pytest.raises(ValueError, match="images must hold \\{0, 1\\} pixels"):
        datasets.negation_closed_split(2 * datasets.bars(3), 2)


# -- 8. parallel sweeps ----------------------------------------------------------------------------------------
NETWORK = dimod.BQM({"h0": 0.2, "h1": -0.1, "o": 0.1, "x": 0.0},
                    {("h0", "x"): 0.7, ("x", "h1"): -0.5, ("o", "h0"): 0.4, ("h1", "o"): -0.6}, 0.0, "SPIN")


def _thermal(bqm, seed):
    estimator = ThermalEqProp(1.0, backend="gibbs", num_reads=50, num_sweeps=5)
    return gradient_vector(estimator.gradient(bqm, {"x": 1}, {"o": 1.0}, rng=np.random.default_rng(seed)))


def test_a_pickled_network_lists_its_parameters_in_the_same_order():
    copy = pickle.loads(pickle.dumps(NETWORK))
    assert list(copy.quadratic) != list(NETWORK.quadratic)  # what made workers disagree with the parent
    assert parameter_keys(copy, {"x"}) == parameter_keys(NETWORK, {"x"})
    np.testing.assert_array_equal(_thermal(copy, 3), _thermal(NETWORK, 3))
    exact = IsingEqProp(1e-3, backend="exact")
    assert gradient_keys(exact.gradient(copy, {"x": 1}, {"o": 1.0})) == parameter_keys(NETWORK, {"x"})


def test_parallel_sweeps_give_the_serial_numbers():
    runs = {jobs: Parallel(n_jobs=jobs, backend="loky")(delayed(_thermal)(NETWORK, seed) for seed in range(3))
            for jobs in (1, 2)}
    np.testing.assert_array_equal(np.array(runs[1]), np.array(runs[2]))
    clf = QuantumEqPropClassifier(2, n_epochs=2, random_state=4)
    serial, parallel = (best_of_restarts(clf, XOR_X, XOR_Y, 2, n_jobs=jobs) for jobs in (1, 2))
    np.testing.assert_array_equal(serial.network_.b, parallel.network_.b)
    assert serial.history_ == parallel.history_


def test_a_diverging_fit_stops_with_the_settings_to_lower():
    """The built-in optimizers stop at the overflowing step; any other optimizer at the end of the epoch."""
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(ValueError, match="NaN or infinite; lower learning_rate \\(now 1e\\+308\\)"):
            BoltzmannClassifier(2, learning_rate=1e308, beta=1e308, n_epochs=1, random_state=0).fit(np.zeros((8, 4)), Y)

        class Unchecked:
            def step(self, parameters, gradients):
                for name, gradient in gradients.items():
                    parameters[name] -= 1e308 * gradient

        with pytest.raises(ValueError, match="training diverged in epoch 1: .* lower learning_rate \\(now 0.05\\)"):
            BoltzmannClassifier(2, optimizer=Unchecked(), beta=1e308, n_epochs=1, random_state=0).fit(np.zeros((8, 4)), Y)


@pytest.mark.parametrize("make", [lambda: SGD(1e308), lambda: SGD(1e308, 0.5), lambda: Adam(1e308),
                                  lambda: LangevinSGD(1e308, temperature=0.1, seed=0)],
                         ids=["sgd", "momentum", "adam", "langevin"])
def test_an_overflowing_optimizer_step_is_refused_naming_learning_rate(make):
    """A step that overflows stops with the cure, not NaN parameters (float64 and the one-pass float32 kernel)."""
    for dtype in (np.float64, np.float32):
        optimizer = make()
        parameters = {"w": np.ones(3, dtype)}
        with np.errstate(over="ignore", invalid="ignore"):
            with pytest.raises(ValueError, match=r"parameter w NaN or infinite .*reload the last checkpoint.*; "
                                                 r"lower learning_rate \(now 1e\+308\)"):
                for _ in range(2):
                    optimizer.step(parameters, {"w": np.array([0.5, -1.0, 2.0], dtype)})


def test_an_ordinary_sgd_step_is_unchanged():
    parameters = {"w": np.ones(3)}
    SGD(0.1).step(parameters, {"w": np.array([0.5, -1.0, 2.0])})
    np.testing.assert_allclose(parameters["w"], [0.95, 1.1, 0.8])


@pytest.mark.parametrize("setting, named", [({"input_scale": 1e308}, r"input_scale \(now 1e\+308\)"),
                                            ({"learning_rate": 1e308}, r"learning_rate \(now 1e\+308\)")])
def test_parameters_that_overflow_the_energy_name_the_setting(setting, named):
    """Training that grows the model past float64's energies stops naming what to lower, not the model's terms."""
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(ValueError, match=f"training diverged in epoch [12]: .*beyond float64's range; lower .*{named}"):
            QuantumEqPropClassifier(1, n_epochs=2, batch_size=4, random_state=0, **setting).fit(XOR_X, XOR_Y)


def test_quantum_classifier_takes_one_learning_rate():
    with pytest.raises(TypeError, match="learning_rate must be a real number, got list"):
        QuantumEqPropClassifier(1, n_epochs=1, learning_rate=[0.5]).fit(XOR_X, XOR_Y)


def test_a_gradient_of_another_shape_is_refused_before_the_unchecked_kernel():
    with pytest.raises(ValueError, match=r"gradient of shape \(2,\) does not fit parameter of shape \(3,\)"):
        SGD(0.1).step({"w": np.ones(3)}, {"w": np.ones(2)})
