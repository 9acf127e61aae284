"""Convergence diagnostics of Markov chains: rank-normalised split-R̂ and bulk ESS.

The definitions are those of Vehtari, Gelman, Simpson, Carpenter and Bürkner,
"Rank-normalization, folding, and localization: an improved R̂ for assessing
convergence of MCMC", Bayesian Analysis 16 (2021), as ArviZ computes them,
vectorised over variables: every function takes draws shaped
``(chains, draws, N)`` and returns one value per variable.

Two facts make them cheap for ±1 spins, which the Gibbs engines use:

* a two-valued variable stays two-valued under rank normalisation and under
  folding (``|s − median|`` of ±1 values is constant or again two-valued), and
  R̂ is invariant under affine maps, so the rank-normalised split-R̂ of a
  spin equals the plain split-R̂ of its raw values;
* the sample variance of a ±1 sequence of length n with mean m is
  n (1 − m²) / (n − 1), so R̂ needs only the sum of each split chain
  (:func:`rhat_from_split_sums`).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> draws = rng.normal(size=(4, 200, 3))
>>> bool(np.all(np.abs(rank_split_rhat(draws) - 1) < 0.02))
True
>>> bool(np.all(bulk_ess(draws) > 400))
True
"""
from __future__ import annotations

import numpy as np
from scipy import fft, special, stats

__all__ = ["ConvergenceWarning", "rank_split_rhat", "bulk_ess", "mean_ess", "geyer_ess", "split_rhat",
           "rhat_from_split_sums", "split_chains", "z_scale"]

#: ArviZ's minimum number of draws per chain for R̂ and ESS.
MIN_DRAWS = 4
#: Chains up to this length get their autocovariances by direct products instead of FFT.
DIRECT_AUTOCOV_MAX = 32


class ConvergenceWarning(UserWarning):
    """Chains that disagree (R̂ above threshold) or never moved: the reported errors cannot be trusted."""


def split_chains(draws: np.ndarray) -> np.ndarray:
    """Each chain's first and last ``draws // 2`` draws as separate chains: ``(2 chains, draws // 2, N)``.

    With an odd number of draws the middle one is left out.
    """
    draws = np.asarray(draws, dtype=np.float64)
    half = draws.shape[1] // 2
    return np.concatenate([draws[:, :half], draws[:, draws.shape[1] - half:]], axis=0)


def z_scale(draws: np.ndarray) -> np.ndarray:
    """Rank-normalise each variable over all its draws: Φ⁻¹((rank − 3/8) / (S + 1/4)), ties averaged."""
    chains, length, n = draws.shape
    ranks = stats.rankdata(draws.reshape(chains * length, n), method="average", axis=0)
    return special.ndtri((ranks - 0.375) / (chains * length + 0.25)).reshape(draws.shape)


def split_rhat(draws: np.ndarray) -> np.ndarray:
    """Gelman–Rubin R̂ of already split chains ``(chains, draws, N)``: √((B/W + n − 1) / n)."""
    n = draws.shape[1]
    within = draws.var(axis=1, ddof=1).mean(axis=0)
    between = n * draws.mean(axis=1).var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt((between / within + n - 1) / n)


def rank_split_rhat(draws: np.ndarray) -> np.ndarray:
    """Rank-normalised split-R̂ per variable: the larger of the bulk and the folded (tail) R̂.

    Parameters
    ----------
    draws : numpy.ndarray
        ``(chains, draws, N)``; at least 2 chains and 4 draws, else NaN.

    Returns
    -------
    numpy.ndarray
        ``(N,)``; NaN where every draw of a variable is the same.

    Examples
    --------
    >>> import numpy as np
    >>> stuck = np.stack([np.zeros((100, 1)), np.ones((100, 1))]) + np.random.default_rng(1).normal(0, .1, (2, 100, 1))
    >>> bool(rank_split_rhat(stuck)[0] > 1.5)
    True
    """
    draws = np.asarray(draws, dtype=np.float64)
    if draws.shape[0] < 2 or draws.shape[1] < MIN_DRAWS:
        return np.full(draws.shape[2], np.nan)
    split = split_chains(draws)
    bulk = split_rhat(z_scale(split))
    folded = np.abs(split - np.median(split.reshape(-1, split.shape[2]), axis=0))
    tail = split_rhat(z_scale(folded))
    return np.where(np.isnan(tail), bulk, np.fmax(bulk, tail))


def rhat_from_split_sums(sums: np.ndarray, length: int) -> np.ndarray:
    """Rank-normalised split-R̂ of ±1 variables from the sum of each split chain.

    Parameters
    ----------
    sums : numpy.ndarray
        ``(split_chains, N)``: Σ s over each half of each chain (a chain's
        first ``length`` and last ``length`` recorded values are two split chains).
    length : int
        Draws per split chain (≥ 2).

    Returns
    -------
    numpy.ndarray
        ``(N,)``; NaN where every split chain is constant at the same value,
        inf where they are constant at different values.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[1, 1, -1, 1], [1, -1, -1, -1]] * 2, dtype=float)[..., None]  # 4 split chains of 4 draws
    >>> float(rhat_from_split_sums(s.sum(axis=1), 4)[0]) == float(split_rhat(s)[0])
    True
    """
    means = np.asarray(sums, dtype=np.float64) / length
    within = (length * (1.0 - means**2) / (length - 1)).mean(axis=0)
    between = length * means.var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt((between / within + length - 1) / length)


def geyer_ess(draws: np.ndarray) -> np.ndarray:
    """ESS of ``(chains, draws, N)`` draws as they are (no splitting or ranking).

    Autocovariances by FFT, pooled over chains with the between-chain
    variance (Vehtari et al. 2021, eq. 10), summed up to Geyer's initial
    positive sequence and made monotone (Geyer's initial monotone sequence).
    Constant variables get ESS = ``chains × draws``.
    """
    draws = np.asarray(draws, dtype=np.float64)
    chains, n, num_vars = draws.shape
    total = chains * n
    acov = _mean_autocov(draws - draws.mean(axis=1, keepdims=True))
    mean_var = acov[0] * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if chains > 1:
        var_plus = var_plus + draws.mean(axis=1).var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = 1.0 - (mean_var - acov) / var_plus  # (n, N), lag 0 is forced to 1 below
        rho[0] = 1.0
        tau = _geyer_tau(rho, n)
        tau = np.maximum(tau, 1.0 / np.log10(total))
        ess = total / tau
    constant = np.ptp(draws.reshape(total, num_vars), axis=0) < np.finfo(float).resolution
    return np.where(constant, float(total), ess)


def _mean_autocov(centred: np.ndarray) -> np.ndarray:
    """Autocovariances ``(lags, N)`` of centred draws ``(chains, n, N)``, averaged over chains (biased, / n).

    FFT for long chains; short ones (batch means) by direct products, which
    are cheaper there than transforms along a strided axis.
    """
    chains, n, _ = centred.shape
    if n <= DIRECT_AUTOCOV_MAX:
        return np.stack([np.einsum("cum,cum->m", centred[:, : n - t], centred[:, t:]) for t in range(n)]) / (n * chains)
    spectrum = fft.rfft(centred, n=fft.next_fast_len(2 * n), axis=1)
    return fft.irfft(spectrum * spectrum.conj(), axis=1)[:, :n].mean(axis=0) / n


def _geyer_tau(rho: np.ndarray, n: int) -> np.ndarray:
    """τ = −1 + 2 Σ (monotone positive pair sums) + the last positive even lag, per variable."""
    num_pairs = max(0, (n - 3) // 2 + 1)  # pairs (2k, 2k+1) the sequence may reach, k < num_pairs
    pairs = rho[: 2 * num_pairs].reshape(num_pairs, 2, -1).sum(axis=1) if num_pairs else rho[:0]
    last_pair = num_pairs - 1  # the scan stops at the first non-positive pair, or at the last reachable one
    if num_pairs > 1:
        nonpositive = pairs[1:] <= 0
        stop = np.where(nonpositive.any(axis=0), nonpositive.argmax(axis=0) + 1, last_pair)
    else:
        stop = np.zeros(rho.shape[1], dtype=np.int64)
    monotone = np.minimum.accumulate(pairs, axis=0) if num_pairs else pairs
    before_stop = np.arange(num_pairs)[:, None] < stop[None, :]
    body = np.where(before_stop, monotone, 0.0).sum(axis=0)
    columns = np.arange(rho.shape[1])
    even = rho[2 * stop, columns]
    stop_pair = pairs[stop, columns] if num_pairs else np.ones(rho.shape[1])
    tail = np.where(stop_pair >= 0, even, np.maximum(even, 0.0))
    return -1.0 + 2.0 * body + tail


def mean_ess(draws: np.ndarray) -> np.ndarray:
    """ESS of the mean: :func:`geyer_ess` of the split chains (ArviZ's ``method="mean"``)."""
    draws = np.asarray(draws, dtype=np.float64)
    if draws.shape[1] < MIN_DRAWS:
        return np.full(draws.shape[2], np.nan)
    return geyer_ess(split_chains(draws))


def bulk_ess(draws: np.ndarray) -> np.ndarray:
    """Bulk ESS per variable: :func:`geyer_ess` of the rank-normalised split chains.

    Parameters
    ----------
    draws : numpy.ndarray
        ``(chains, draws, N)``; at least 4 draws, else NaN.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> ar = np.zeros((4, 500, 1))
    >>> for t in range(1, 500):
    ...     ar[:, t] = 0.5 * ar[:, t - 1] + rng.normal(size=(4, 1))
    >>> 300 < float(bulk_ess(ar)[0]) < 1500   # about 2000 (1 - 0.5) / (1 + 0.5) = 667
    True
    """
    draws = np.asarray(draws, dtype=np.float64)
    if draws.shape[1] < MIN_DRAWS:
        return np.full(draws.shape[2], np.nan)
    return geyer_ess(z_scale(split_chains(draws)))
