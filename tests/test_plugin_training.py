"""Trainers on a third-party backend: an RBM (PCD) and an Ising-EP classifier through a minimal plugin.

The plugin implements only what the backend contract asks of a plugin
(``_sample_free``, here single-spin Metropolis chains it can continue), so
these tests fail if a trainer needs anything beyond the public contract.
"""
import numpy as np

from isingbridge.backends.base import Backend
from isingbridge.trainers import PCD, BoltzmannRBM, ExactGradient, IsingEqPropClassifier


class MetropolisPlugin(Backend):
    """Single-spin Metropolis on the dense couplings; chains continue from ``initial_states``."""

    name = "metropolis-plugin"
    extra_parameters = ("num_sweeps", "initial_states")

    def __init__(self):
        super().__init__()
        self.calls = []

    def _sample_free(self, model, beta, num_reads, rng, *, num_sweeps=50, initial_states=None):
        self.calls.append({"spins": model.num_variables, "reads": num_reads, "continued": initial_states is not None})
        J, h = model.dense(), model.h
        if initial_states is None:
            s = rng.choice([-1.0, 1.0], size=(num_reads, model.num_variables))
        else:
            s = initial_states.astype(np.float64)
        for _ in range(num_sweeps):
            for i in range(model.num_variables):
                raise_energy = -2.0 * s[:, i] * (h[i] + s @ J[i])  # E(flipped) − E(s), dimod's sign
                flip = rng.random(num_reads) < np.exp(-beta * np.maximum(raise_energy, 0.0))
                s[flip, i] *= -1.0
        return s.astype(np.int8), {"num_sweeps": num_sweeps}, {}


def _patterns() -> np.ndarray:
    """Two 6-pixel patterns and their complements, 16 rows each (bits)."""
    base = np.array([[1, 1, 1, 0, 0, 0], [1, 0, 1, 0, 1, 0]])
    return np.repeat(np.vstack([base, 1 - base]), 16, axis=0)


def test_pcd_rbm_trains_through_a_plugin_as_through_exact_gradients():
    X = _patterns()
    plugin = MetropolisPlugin()
    start = BoltzmannRBM(4, estimator=ExactGradient(), n_epochs=1, learning_rate=1e-12, random_state=0).fit(X)
    # PCD with a slow single-spin sampler needs a few sweeps per step and enough chains: PCD-1 with 20 chains at
    # lr 0.05 drifts away on some seeds (the algorithm's instability, on any sampler that mixes this slowly)
    through_plugin = BoltzmannRBM(4, estimator=PCD(3, 64, plugin), n_epochs=150, learning_rate=0.03, batch_size=16,
                                  random_state=0).fit(X)
    exact = BoltzmannRBM(4, estimator=ExactGradient(), n_epochs=150, learning_rate=0.03, batch_size=16,
                         random_state=0).fit(X)
    before, after, best = (m.score_samples(X).mean() for m in (start, through_plugin, exact))
    assert after > before + 1.0, (before, after)  # it learned: exact log-likelihoods of the training data
    assert after > best - 0.5, (after, best)  # about as well as exact gradients
    assert plugin.calls and all(call["continued"] and call["reads"] == 64 and call["spins"] == 10
                                for call in plugin.calls)  # persistent chains, carried through initial_states


def test_ising_eqprop_classifier_trains_through_a_plugin():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (64, 4))
    y = X[:, 0] & X[:, 1]  # two inputs decide, two are noise
    plugin = MetropolisPlugin()
    clf = IsingEqPropClassifier((6,), replicas=1, nudge=2.0, num_reads=8, num_sweeps=8, nudge_sweeps=4,
                                backend=plugin, learning_rate=0.1, batch_size=8, n_epochs=20, random_state=0)
    clf.fit(X, y)
    assert clf.score(X, y) >= 0.95
    assert {call["spins"] for call in plugin.calls} == {6 + 2}  # hidden and output spins; inputs became fields
    assert any(call["continued"] for call in plugin.calls)  # the nudged phase continued from the free states
