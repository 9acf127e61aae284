"""The docs/guide/parallel.md recipes on a one-worker in-process Dask cluster.

Grid searches and restarts through joblib's Dask backend, ``client.map`` over backend calls.
"""
import pickle

import dimod
import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from isingbridge import compile_bqm  # noqa: E402
from isingbridge.backends import get  # noqa: E402
from isingbridge.trainers import (  # noqa: E402
    BoltzmannClassifier,
    BoltzmannRBM,
    EqPropClassifier,
    IsingEqPropClassifier,
    QuantumEqPropClassifier,
)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def tiny_bqm() -> dimod.BinaryQuadraticModel:
    return dimod.BinaryQuadraticModel({0: 0.1, 1: -0.2, 2: 0.3}, {(0, 1): 0.5, (1, 2): -0.4, (0, 2): 0.2}, 0.0, "SPIN")


RUN = {"num_reads": 32, "num_sweeps": 200}


def gibbs_means(bqm: dimod.BinaryQuadraticModel, seed: int) -> np.ndarray:
    return get("gibbs").moments(bqm, seed=seed, **RUN).mean


def test_grid_search_through_joblib_dask_backend(client):
    rng = np.random.default_rng(0)
    X = (rng.random((40, 6)) < 0.5).astype(float)
    y = (X[:, 0] + X[:, 1] > 0.5).astype(int)
    grid = {"n_hidden": [2, 3], "learning_rate": [0.05, 0.1]}
    search = GridSearchCV(BoltzmannClassifier(n_epochs=2, random_state=0), grid, cv=2)
    with joblib.parallel_backend("dask"):
        search.fit(X, y)
    local = GridSearchCV(BoltzmannClassifier(n_epochs=2, random_state=0), grid, cv=2, n_jobs=1).fit(X, y)
    # the same scores as on one machine: every fit is reproducible from its random_state
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"])
    assert search.best_params_ == local.best_params_
    assert search.predict(X).shape == (len(X),)


def test_restarts_through_joblib_dask_backend(client):
    rng = np.random.default_rng(1)
    X = (rng.random((30, 5)) < 0.5).astype(float)
    y = (X[:, 0] > 0.5).astype(int)
    seeds = [0, 1, 2]

    def restart(seed):
        return clone(BoltzmannClassifier(n_hidden=2, n_epochs=2)).set_params(random_state=seed).fit(X, y).score(X, y)

    with joblib.parallel_backend("dask"):
        scores = joblib.Parallel(n_jobs=-1)(joblib.delayed(restart)(seed) for seed in seeds)
    assert scores == [restart(seed) for seed in seeds]


def test_client_map_over_backend_calls(client):
    bqm = tiny_bqm()
    seeds = [0, 1, 2]
    # a dimod BQM travels by scatter (cloudpickle cannot ship dimod's BQM inside a closure) ...
    model = client.scatter(bqm, broadcast=True)
    futures = client.map(lambda seed, model: get("gibbs").moments(model, seed=seed, **RUN).mean, seeds, model=model)
    means = client.gather(futures)
    # ... a CompiledBQM also inside a closure
    compiled = compile_bqm(bqm)
    closure_means = client.gather(client.map(lambda seed: get("gibbs").moments(compiled, seed=seed, **RUN).mean, seeds))
    # each seed's result on the cluster is the one-machine result of that seed
    for seed, mean, closure_mean in zip(seeds, means, closure_means):
        np.testing.assert_array_equal(mean, gibbs_means(bqm, seed))
        np.testing.assert_array_equal(closure_mean, mean)
    assert not np.array_equal(means[0], means[1])


def test_backends_and_estimators_pickle():
    backend = pickle.loads(pickle.dumps(get("gibbs")))
    np.testing.assert_array_equal(backend.moments(tiny_bqm(), seed=5, **RUN).mean,
                                  gibbs_means(tiny_bqm(), 5))
    samples = get("gibbs").sample_states(tiny_bqm(), seed=5, num_reads=4, num_sweeps=5)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(samples)).states, samples.states)
    for estimator in (BoltzmannClassifier(n_hidden=2, random_state=0), BoltzmannRBM(n_hidden=2, random_state=0),
                      EqPropClassifier(), IsingEqPropClassifier(), QuantumEqPropClassifier()):
        copy = pickle.loads(pickle.dumps(estimator))
        assert copy.get_params().keys() == estimator.get_params().keys()
