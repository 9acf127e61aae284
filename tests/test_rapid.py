"""RAPID: pattern-built weights, pattern gradients, discretisation, diagnostics, a quick Bars run."""
import itertools

import numpy as np
import pytest

from isingbridge.datasets import bars, negation_closed_split
from isingbridge.trainers import (
    CD, PCD, RAPID, BoltzmannRBM, ExactGradient, HopfieldLoadWarning, PatternBM, PatternRBM, RBM, to_spins,
)
from isingbridge.trainers.diagnostics import (
    generation_quality, gibbs_accessibility, hamming_distance, method_accessibility, nearest_images,
    reconstruction_error, singular_values, top_row_mask,
)


def continuous_pattern_rbm(seed=0, beta=0.7):
    rng = np.random.default_rng(seed)
    return PatternRBM.from_patterns(rng.uniform(-1, 1, (3, 5)), rng.uniform(-1, 1, (3, 4)), beta=beta)


def finite_difference(objective, arrays, gradient, refresh, count=8, eps=1e-6):
    """Compare ``gradient`` with central differences of ``objective`` on the first entries of each array."""
    for name, array in arrays.items():
        for index in itertools.islice(np.ndindex(array.shape), count):
            saved = array[index]
            array[index] = saved + eps
            refresh()
            up = objective()
            array[index] = saved - eps
            refresh()
            down = objective()
            array[index] = saved
            refresh()
            assert gradient[name][index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-6), (name, index)


def test_pattern_gradient_descends_the_exact_nll_when_the_negative_phase_is_exact():
    model = continuous_pattern_rbm()
    V = np.random.default_rng(1).choice([-1.0, 1.0], (9, 5))
    gradient = ExactGradient().gradient(model, V, rng=np.random.default_rng(0)).values
    finite_difference(lambda: -model.log_likelihood(V), model.parameters(), gradient, model.refresh)


def test_pid_gradient_descends_its_contrastive_objective():
    """RAPID's objective: β(⟨F(v)⟩_data − (1/K) Σ_k F(s_k)) with the negative states s_k = ξ_v^k held fixed."""
    model = continuous_pattern_rbm(seed=2)
    V = np.random.default_rng(3).choice([-1.0, 1.0], (7, 5))
    gradient = RAPID(3).gradient(model, V, rng=np.random.default_rng(0)).values
    frozen = model.xi_v.copy()
    objective = lambda: model.beta * (model.free_energy(V).mean() - model.free_energy(frozen).mean())  # noqa: E731
    finite_difference(objective, model.parameters(), gradient, model.refresh)


def centered_pattern_rbm(seed=5):
    rng = np.random.default_rng(seed)
    model = PatternRBM.from_patterns(rng.uniform(-1, 1, (3, 5)), rng.uniform(-1, 1, (3, 4)), beta=0.6,
                                     learn_biases=True, centered=True)
    data = rng.choice([-1.0, 1.0], (9, 5), p=[0.7, 0.3])
    model.start_from_data(data)
    model.c0[:] = rng.normal(0, 0.3, 4)
    model.refresh()
    return model, data


def test_centered_model_is_the_rbm_with_the_tied_hidden_bias():
    """E(v, h) = −(v − μ)ᵀWh − bᵀv − c0ᵀh, μ the data mean, on every (v, h) of a small model."""
    model, data = centered_pattern_rbm()
    np.testing.assert_allclose(model.offset, data.mean(axis=0))
    np.testing.assert_allclose(model.b, np.arctanh(np.clip(data.mean(axis=0), -0.95, 0.95)) / model.beta)
    v = np.array(list(itertools.product([-1.0, 1.0], repeat=5)))
    h = np.random.default_rng(0).choice([-1.0, 1.0], (len(v), 4))
    direct = -np.einsum("ri,ij,rj->r", v - model.offset, model.W, h) - v @ model.b - h @ model.c0
    np.testing.assert_allclose(model.energy(v, h), direct, atol=1e-12)


def test_centered_pattern_gradients_match_finite_differences():
    """The tied bias c = c0 − Wᵀμ moves with the patterns; the chain rule must carry that."""
    model, data = centered_pattern_rbm(seed=6)
    gradient = ExactGradient().gradient(model, data, rng=np.random.default_rng(0)).values
    assert set(gradient) == {"xi_v", "xi_h", "b", "c0"}
    finite_difference(lambda: -model.log_likelihood(data), model.parameters(), gradient, model.refresh)


def test_centered_rapid_keeps_the_tie_while_training_and_refuses_a_visible_only_machine():
    X = bars(4)
    rbm = BoltzmannRBM(100, estimator=RAPID(4, discretize="clip", clip=0.3, gibbs_steps=2, learn_biases=True,
                                           centered=True), learning_rate=0.01, batch_size=7, n_epochs=2, random_state=0)
    model = rbm.fit(X).model_
    np.testing.assert_allclose(model.offset, to_spins(X).mean(axis=0))
    np.testing.assert_allclose(model.c, model.c0 - model.offset @ model.W, atol=1e-12)
    with pytest.raises(ValueError, match="fully visible"):
        RAPID(2, centered=True).make_model(16, 0, rng=np.random.default_rng(0), beta=1.0)


def test_fully_visible_pattern_gradients_match_finite_differences():
    rng = np.random.default_rng(4)
    model = PatternBM.from_patterns(rng.uniform(-1, 1, (2, 6)), beta=0.8)
    V = rng.choice([-1.0, 1.0], (10, 6))
    exact = ExactGradient().gradient(model, V, rng=rng).values
    finite_difference(lambda: -model.log_likelihood(V), model.parameters(), exact, model.refresh)
    pid = RAPID(2).gradient(model, V, rng=rng).values
    frozen = model.xi.copy()
    objective = lambda: model.beta * (model.energy(V).mean() - model.energy(frozen).mean())  # noqa: E731
    finite_difference(objective, model.parameters(), pid, model.refresh)


class CheckingRAPID(RAPID):
    """Asserts the pattern constraints at every gradient, i.e. after every previous update."""

    def gradient(self, model, X, targets=None, *, rng=None):
        np.testing.assert_allclose(model.W, model.xi_v.T @ model.xi_h / np.sqrt(model.n_patterns), atol=1e-12)
        if self.discretize == "clip":
            assert np.abs(model.xi_v).max() <= self.clip and np.abs(model.xi_h).max() <= self.clip
        self.calls = getattr(self, "calls", 0) + 1
        return super().gradient(model, X, targets, rng=rng)


@pytest.mark.parametrize("discretize", ["sign", "clip"])
def test_weights_follow_the_patterns_and_the_constraints_hold(discretize):
    X = bars(4)
    estimator = CheckingRAPID(8, discretize=discretize, clip=0.5)
    rbm = BoltzmannRBM(200, estimator=estimator, learning_rate=0.01, batch_size=3, n_epochs=3, random_state=0).fit(X)
    model = rbm.model_
    assert estimator.calls == 3 * 5
    np.testing.assert_allclose(model.W, model.xi_v.T @ model.xi_h / np.sqrt(8), atol=1e-12)
    if discretize == "sign":
        assert set(np.unique(np.concatenate([model.xi_v.ravel(), model.xi_h.ravel()]))) == {-1.0, 1.0}
    else:
        assert np.abs(model.xi_v).max() <= 0.5 and np.abs(model.xi_h).max() <= 0.5
        assert len(np.unique(model.xi_h)) > 2  # continuous, not discretised


def test_a_quick_bars_run_learns_and_generalises():
    train, test = negation_closed_split(bars(4), 4, seed=0)
    known = top_row_mask(4)
    errors = []
    for seed in range(3):
        rbm = BoltzmannRBM(1000, estimator=RAPID(8), learning_rate=0.03, batch_size=10, n_epochs=10, random_state=seed)
        rbm.fit(train)
        errors.append(reconstruction_error(rbm.model_, to_spins(test), known, seed=seed))
    assert np.mean(errors) < 0.15, errors


@pytest.mark.parametrize("backend", ["gibbs", "anneal"])
def test_gibbs_refined_negative_phase_runs_on_any_sampling_backend(backend):
    X = bars(3)
    estimator = RAPID(3, gibbs_steps=2, backend=backend, discretize="clip")
    rbm = BoltzmannRBM(60, estimator=estimator, learning_rate=0.01, batch_size=6, n_epochs=2, random_state=1).fit(X)
    assert estimator.last_states.shape == (3, 9 + 60)
    assert set(np.unique(estimator.last_states)) <= {-1.0, 1.0}
    assert np.all(np.isfinite(rbm.model_.W))


def test_refined_negative_phase_starts_at_the_patterns_themselves():
    """Visible and hidden halves: sign(ξ_v^k, ξ_h^k), not the hidden ground state of sign(ξ_v^k)."""
    model = continuous_pattern_rbm(seed=7)
    estimator = RAPID(3, gibbs_steps=1)
    seen = []
    estimator._run = lambda model_, starts, rng: seen.append(starts) or starts
    estimator.gradient(model, np.ones((2, 5)), rng=np.random.default_rng(0))
    np.testing.assert_array_equal(seen[0], np.where(model.patterns() >= 0, 1.0, -1.0))


def test_hopfield_load_warning_and_bad_input():
    with pytest.warns(HopfieldLoadWarning, match="K/N"):
        BoltzmannRBM(4, estimator=RAPID(8), n_epochs=1, random_state=0).fit(bars(3))
    with pytest.raises(ValueError, match="n_patterns"):
        RAPID(0)
    with pytest.raises(ValueError, match="discretize"):
        RAPID(4, discretize="round")
    with pytest.raises(ValueError, match="clip"):
        RAPID(4, clip=-1.0)
    with pytest.raises(ValueError, match="gibbs_steps"):
        RAPID(4, gibbs_steps=-2)
    with pytest.raises(TypeError, match="pattern-built"):
        RAPID(4).check_model(RBM.random(4, 3, seed=0))
    with pytest.raises(ValueError, match="same K"):
        PatternRBM.from_patterns(np.ones((3, 4)), np.ones((2, 5)))


def test_ground_energy_and_accessibilities():
    model = RBM.random(5, 3, scale=0.8, seed=3)
    model.b[:] = 0.2
    brute = min(float(model.energy(np.array(v, float), np.array(h, float))[0])
                for v in itertools.product([-1, 1], repeat=5) for h in itertools.product([-1, 1], repeat=3))
    assert model.ground_energy() == pytest.approx(brute)
    pattern = PatternRBM.random(10, 150, n_patterns=3, seed=1)
    assert 0.99 < gibbs_accessibility(pattern, seed=0) <= 1.0 + 1e-12
    estimator = RAPID(3)
    estimator.gradient(pattern, np.ones((2, 10)), rng=np.random.default_rng(0))
    assert method_accessibility(pattern, estimator.last_states) == pytest.approx(1.0)  # the patterns are ground states
    assert int(np.sum(singular_values(pattern) > 1e-9)) == 3
    with pytest.raises(ValueError, match="no states"):
        method_accessibility(pattern, ExactGradient().last_states)


def test_reconstruction_keeps_known_pixels_and_counts_only_unknown_ones():
    train = bars(3)
    rbm = BoltzmannRBM(50, estimator=CD(1), n_epochs=1, random_state=0).fit(train)
    known = top_row_mask(3)
    out = rbm.reconstruct(train, known, seed=0)
    assert out.shape == train.shape and np.array_equal(out[:, known], train[:, known])
    assert hamming_distance(train, train, known) == 0.0
    with pytest.raises(TypeError, match="boolean"):
        rbm.reconstruct(train, known.astype(int))
    with pytest.raises(ValueError, match="does not fit"):
        rbm.reconstruct(train, np.ones(4, bool))
    with pytest.raises(ValueError, match="every pixel"):
        hamming_distance(train, train, np.ones(9, bool))


def test_rapid_trains_a_fully_visible_machine():
    """A Mattis target (prototype a and its negation): PID learns ξ = ±a and the exact likelihood rises."""
    from isingbridge.trainers import SGD

    rng = np.random.default_rng(0)
    prototype = np.where(rng.random(12) < 0.5, 1.0, -1.0)
    X = np.vstack([prototype, -prototype] * 5)
    estimator = RAPID(1, discretize="clip")
    assert isinstance(estimator.make_model(12, 0, rng=rng, beta=1.0), PatternBM)
    start = prototype.copy()
    start[:3] *= -1  # overlap 6 with the prototype
    model = PatternBM.from_patterns(start[None, :], beta=0.3)
    assert model.n_hidden == 0
    before = model.log_likelihood(X)
    optimizer = SGD(0.02)
    for _ in range(20):
        optimizer.step(model.parameters(), estimator.gradient(model, X, rng=rng).values)
        estimator.after_step(model)
        model.refresh()
        estimator.after_epoch(model)
    assert abs(np.sign(model.xi[0]) @ prototype) == 12
    assert model.log_likelihood(X) > before + 0.5


def test_bars_split_is_negation_closed():
    train, test = negation_closed_split(bars(4), 4, seed=3)
    assert len(train) == 10 and len(test) == 4
    for part in (train, test):
        keys = {row.tobytes() for row in part}
        assert all((1 - row).astype(part.dtype).tobytes() in keys for row in part)
    assert not {r.tobytes() for r in train} & {r.tobytes() for r in test}
    with pytest.raises(ValueError, match="even"):
        negation_closed_split(bars(4), 3)


def test_pcd_estimator_keeps_its_particles_as_last_states():
    estimator = PCD(2, 16)
    model = RBM.random(4, 3, seed=0)
    estimator.gradient(model, np.ones((2, 4)), rng=np.random.default_rng(0))
    assert estimator.last_states.shape == (16, 7)


def test_generation_quality_passes_real_unseen_images_and_fails_blanks_and_noise():
    from isingbridge.datasets import load_digits_binary

    X, y = load_digits_binary()
    train, held_out, labels = X[:1400], X[1400:], y[:1400]
    real = generation_quality(held_out, train, held_out, train_labels=labels, quantile=0.9)
    assert real["realistic"] == pytest.approx(0.9, abs=0.01) and len(real["classes"]) == 10
    assert generation_quality(np.zeros((5, X.shape[1])), train, held_out)["realistic"] == 0.0  # blank: no ink
    noise = np.random.default_rng(0).random((50, X.shape[1])) < X.mean()
    assert generation_quality(noise, train, held_out)["realistic"] < 0.05
    copies = generation_quality(train[:10], train, held_out)
    assert copies["copies"] == 1.0 and copies["median_distance"] == 0.0
    distance, index = nearest_images(train[:3], train)
    assert np.array_equal(index, [0, 1, 2]) and np.all(distance == 0.0)
    with pytest.raises(ValueError, match="pixels"):
        nearest_images(train[:, :10], train)
    with pytest.raises(ValueError, match="quantile"):
        generation_quality(train[:3], train, held_out, quantile=0.0)
