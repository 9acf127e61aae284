"""Fully visible BM, classification RBM and BoltzmannClassifier against brute force and finite differences."""
import itertools

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from scipy.special import logsumexp

from isingbridge.backends import get
from isingbridge.spins import spin_rows
from isingbridge.trainers import (
    CD, PCD, BoltzmannClassifier, BoltzmannRBM, ClassificationRBM, Discriminative, ExactGradient, FullyVisibleBM,
    TwoLobe, to_spins,
)


def small_classifier_model(seed=0, beta=0.9):
    rng = np.random.default_rng(seed)
    model = ClassificationRBM.random(4 + 3, 3, scale=0.8, seed=seed, beta=beta, n_classes=3)
    model.b[:] = rng.normal(0, 0.4, 7)
    model.c[:] = rng.normal(0, 0.4, 3)
    return model


def test_class_probabilities_match_brute_force_enumeration():
    model = small_classifier_model()
    X = spin_rows(np.arange(16, dtype=np.int64), 4)
    hidden = spin_rows(np.arange(8, dtype=np.int64), 3)
    for x in X[:6]:
        log_weights = []
        for label in model.label_spins():
            v = np.tile(np.concatenate([x, label]), (8, 1))
            log_weights.append(logsumexp(-model.beta * model.energy(v, hidden)))
        expected = np.exp(np.array(log_weights) - logsumexp(log_weights))
        np.testing.assert_allclose(np.exp(model.predict_log_proba(x[None, :]))[0], expected, atol=1e-12)


def test_discriminative_gradient_matches_finite_differences_of_the_conditional_nll():
    model = small_classifier_model(seed=1)
    rng = np.random.default_rng(2)
    X = rng.choice([-1.0, 1.0], (8, 4))
    y = rng.integers(0, 3, 8)
    rows = model.with_labels(X, y)
    gradient = Discriminative().gradient(model, rows, rng=rng).values

    def conditional_nll():
        return -np.mean(model.predict_log_proba(X)[np.arange(8), y])

    eps = 1e-6
    for name, array in model.parameters().items():
        for index in itertools.islice(np.ndindex(array.shape), 10):
            saved = array[index]
            array[index] = saved + eps
            up = conditional_nll()
            array[index] = saved - eps
            down = conditional_nll()
            array[index] = saved
            assert gradient[name][index] == pytest.approx((up - down) / (2 * eps), abs=1e-7), (name, index)


def test_classification_bqm_labels_and_energy():
    model = small_classifier_model(seed=3)
    bqm = model.to_bqm()
    assert set(bqm.variables) == {("v", i) for i in range(4)} | {("y", k) for k in range(3)} | {("h", j) for j in range(3)}
    rng = np.random.default_rng(4)
    v, h = rng.choice([-1.0, 1.0], 7), rng.choice([-1.0, 1.0], 3)
    sample = dict(zip(model.labels(), np.concatenate([v, h])))
    assert bqm.energy(sample) == pytest.approx(model.energy(v, h)[0])


def test_classifier_learns_digits_and_reports_exact_probabilities():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = (digits.data >= 8).astype(np.uint8)
    X_train, X_test, y_train, y_test = train_test_split(X, digits.target, test_size=300, random_state=0,
                                                        stratify=digits.target)
    clf = BoltzmannClassifier(64, learning_rate=0.05, batch_size=20, n_epochs=8, random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.88
    proba = clf.predict_proba(X_test[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(clf.classes_) == list(range(10))


def test_dissipative_two_lobe_classifier_learns_above_chance():
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (digits.data >= 8).astype(np.uint8)[:600]
    y = digits.target[:600]
    clf = BoltzmannClassifier(64, estimator=TwoLobe(k=1), learning_rate=0.02, batch_size=10, n_epochs=4, random_state=0)
    assert clf.fit(X, y).score(X, y) > 0.5


def test_generative_estimators_also_train_the_classifier():
    X = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]] * 10)
    y = np.array([0, 0, 1, 1] * 10)
    for estimator in (ExactGradient(), PCD(1, 32)):
        clf = BoltzmannClassifier(6, estimator=estimator, learning_rate=0.1, n_epochs=30, random_state=0).fit(X, y)
        assert clf.score(X, y) == 1.0, estimator


def test_classifier_bad_input_and_warm_start(tmp_path):
    X = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    y = np.array([0, 1, 1, 0])
    clf = BoltzmannClassifier(3, n_epochs=2, random_state=0)
    with pytest.raises(NotFittedError, match="not fitted"):
        clf.predict(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(X, np.zeros(4))
    with pytest.raises(ValueError, match="4 rows but y has 3"):
        clf.fit(X, y[:3])
    clf.fit(X, y, checkpoint=tmp_path / "clf.ckpt")
    with pytest.raises(ValueError, match="labels not seen in fit: \\[7\\]"):
        clf.score(X, np.array([0, 1, 7, 0]))
    with pytest.raises(ValueError, match="3 features; the model was fitted with 2"):
        clf.predict(np.ones((1, 3)))
    resumed = BoltzmannClassifier.load(tmp_path / "clf.ckpt").set_params(n_epochs=4, warm_start=True)
    straight = BoltzmannClassifier(3, n_epochs=4, random_state=0).fit(X, y)
    resumed.fit(X, y)
    np.testing.assert_array_equal(resumed.model_.W, straight.model_.W)
    with pytest.raises(TypeError, match="ClassificationRBM"):
        BoltzmannRBM(3, estimator=Discriminative(), n_epochs=1).fit(X)


def test_fully_visible_bm_matches_the_exact_backend_and_finite_differences():
    rng = np.random.default_rng(5)
    model = FullyVisibleBM.random(6, scale=0.5, seed=6, beta=1.2)
    model.b[:] = rng.normal(0, 0.3, 6)
    moments = get("exact").moments(model.to_bqm(), beta=model.beta)
    assert model.log_partition() == pytest.approx(moments.log_z, abs=1e-10)
    stats = model.exact_statistics()
    np.testing.assert_allclose(stats["b"], moments.mean, atol=1e-10)
    corr = moments.corr.copy()
    np.fill_diagonal(corr, 0.0)
    np.testing.assert_allclose(stats["W"], corr, atol=1e-10)
    states = rng.choice([-1.0, 1.0], (5, 6))
    bqm = model.to_bqm()
    for s in states:
        assert bqm.energy(dict(zip(model.labels(), s))) == pytest.approx(model.energy(s)[0])
    V = rng.choice([-1.0, 1.0], (10, 6))
    gradient = ExactGradient().gradient(model, V, rng=rng).values
    eps = 1e-6
    for i, j in [(0, 1), (2, 5), (3, 4)]:
        saved = model.W[i, j]
        model.W[i, j] = model.W[j, i] = saved + eps
        up = -model.log_likelihood(V)
        model.W[i, j] = model.W[j, i] = saved - eps
        down = -model.log_likelihood(V)
        model.W[i, j] = model.W[j, i] = saved
        assert gradient["W"][i, j] == pytest.approx((up - down) / (2 * eps), abs=1e-7)


def test_cd_with_gibbs_trains_a_fully_visible_bm():
    """Generic estimators need nothing RBM-specific: CD on a BQM route through the Gibbs backend."""
    from isingbridge.trainers import SGD

    rng = np.random.default_rng(7)
    target = FullyVisibleBM.random(6, scale=0.6, seed=8)
    states = spin_rows(np.arange(64, dtype=np.int64), 6)
    p = np.exp(-target.energy(states) - target.log_partition())
    X = states[rng.choice(64, 2000, p=p)]
    model = FullyVisibleBM.random(6, scale=0.01, seed=9)
    estimator, optimizer = CD(2, "gibbs"), SGD(0.1)
    for _ in range(5):
        for start in range(0, 2000, 100):
            optimizer.step(model.parameters(), estimator.gradient(model, X[start:start + 100], rng=rng).values)
    learned, wanted = model.exact_statistics(), FullyVisibleBM(model.W * 0, model.b * 0).statistics(X)
    np.testing.assert_allclose(learned["W"], wanted["W"], atol=0.06)  # moment matching, up to CD's bias and noise
    np.testing.assert_allclose(learned["b"], wanted["b"], atol=0.06)
    with pytest.raises(ValueError, match="symmetric"):
        FullyVisibleBM(np.array([[0, 1.0], [0, 0]]), np.zeros(2))


def test_estimators_refuse_models_they_cannot_handle_before_training():
    wide = np.random.default_rng(0).integers(0, 2, (4, 40))
    with pytest.raises(ValueError, match="exact backend enumerates at most 30 free spins and this model has 50"):
        BoltzmannRBM(10, estimator=CD(1, "exact"), n_epochs=1).fit(wide)
    with pytest.raises(ValueError, match="ExactGradient enumerates the visible layer: 40"):
        BoltzmannRBM(2, estimator=ExactGradient(), n_epochs=1).fit(wide)
    assert to_spins(wide).shape == (4, 40)
