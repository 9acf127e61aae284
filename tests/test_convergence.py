"""R-hat and ESS against ArviZ on stored chains (fixed seeds), and the ±1 shortcut the Gibbs engines use."""
import warnings

import numpy as np
import pytest

from isingbridge.backends.convergence import (
    bulk_ess, mean_ess, rank_split_rhat, rhat_from_split_sums, split_chains,
)

array_stats = pytest.importorskip("arviz_stats.base").array_stats


def ar1(seed, chains, draws, n, phi, shift=0.0):
    rng = np.random.default_rng(seed)
    x = np.zeros((chains, draws, n))
    x[:, 0] = rng.normal(size=(chains, n))
    for t in range(1, draws):
        x[:, t] = phi * x[:, t - 1] + rng.normal(size=(chains, n))
    return x + shift * np.arange(chains)[:, None, None]


def spins(seed, chains, draws, n, flip):
    """±1 Markov chains that flip with probability ``flip`` per step; column 0 constant, column 1 stuck per chain."""
    rng = np.random.default_rng(seed)
    s = np.where(rng.random((chains, 1, n)) < 0.5, 1.0, -1.0) * np.cumprod(
        np.where(rng.random((chains, draws, n)) < flip, -1.0, 1.0), axis=1)
    s[:, :, 0] = 1.0
    s[:, :, 1] = np.where(np.arange(chains) % 2, 1.0, -1.0)[:, None]
    return s


STORED = {
    "ar1 slow": ar1(0, 4, 200, 5, 0.9),
    "ar1 odd draws": ar1(1, 3, 57, 4, 0.5),
    "ar1 antithetic": ar1(2, 6, 31, 3, -0.6),
    "ar1 short": ar1(3, 2, 9, 3, 0.3),
    "ar1 disagreeing chains": ar1(4, 4, 100, 3, 0.5, shift=1.0),
    "spins": spins(5, 4, 80, 6, 0.2),
    "spins sticky": spins(6, 8, 51, 5, 0.02),
}


def arviz(draws, method, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(array_stats, kind)(draws, chain_axis=0, draw_axis=1, method=method)


@pytest.mark.parametrize("name", sorted(STORED))
def test_rank_split_rhat_matches_arviz(name):
    draws = STORED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(rank_split_rhat(draws), arviz(draws, "rank", "rhat"), rtol=0, atol=1e-8)


@pytest.mark.parametrize("name", sorted(STORED))
def test_bulk_and_mean_ess_match_arviz(name):
    draws = STORED[name]
    np.testing.assert_allclose(bulk_ess(draws), arviz(draws, "bulk", "ess"), rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(mean_ess(draws), arviz(draws, "mean", "ess"), rtol=1e-10, atol=1e-8)


@pytest.mark.parametrize("name", ["spins", "spins sticky"])
def test_rhat_from_split_sums_is_the_rank_normalised_rhat_of_spins(name):
    draws = STORED[name]
    split = split_chains(draws)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = rhat_from_split_sums(split.sum(axis=1), split.shape[1])
        reference = arviz(draws, "rank", "rhat")
    # constant everywhere: NaN; constant per chain but disagreeing: inf (ArviZ's z-scores round W to ~1e-32)
    assert np.isnan(ours[0]) and np.isnan(reference[0])
    assert np.isinf(ours[1]) and reference[1] > 1e6
    np.testing.assert_allclose(ours[2:], reference[2:], rtol=0, atol=1e-8)


def test_too_few_draws_or_chains_give_nan():
    assert np.all(np.isnan(rank_split_rhat(ar1(7, 1, 50, 2, 0.1))))
    assert np.all(np.isnan(bulk_ess(ar1(7, 3, 3, 2, 0.1))))
