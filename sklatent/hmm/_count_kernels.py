"""Compiled emission kernels of symbols and counts, missing entries marginalised.

NaN entries of ``X`` are missing and add nothing to a frame's log-probability. A
count of something whose rate or probability is zero has probability zero (-inf),
and a zero count of it probability one (``0 * log 0 = 0``).
"""

import math

import numpy as np

from ._kernels import _compile


@_compile
def poisson_log_prob(X, lambdas):
    """Log-probability of each frame under independent Poisson rates per state.

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_features)
        Counts, NaN where missing.
    lambdas : ndarray of shape (n_states, n_features)
        Non-negative rates.

    Returns
    -------
    log_prob : ndarray of shape (n_frames, n_states)
        sum over the observed features of ``x log lambda - lambda - log x!``.
    """
    n_frames, n_features = X.shape
    n_states = lambdas.shape[0]
    log_lambdas = np.log(lambdas)
    log_prob = np.empty((n_frames, n_states))
    for t in range(n_frames):
        log_factorials = 0.0
        for f in range(n_features):
            if X[t, f] <= _LARGE_COUNT:  # False for NaN
                log_factorials += math.lgamma(X[t, f] + 1.0)
        for k in range(n_states):
            acc = -log_factorials
            for f in range(n_features):
                count = X[t, f]
                if np.isnan(count):
                    continue
                if count > _LARGE_COUNT:
                    acc += _large_poisson_log_pmf(count, lambdas[k, f])
                    continue
                acc -= lambdas[k, f]
                if count > 0.0:
                    acc += count * log_lambdas[k, f]
            log_prob[t, k] = acc
    return log_prob


# Above this count, x log(lambda) - lambda - log x! loses to cancellation what
# the log-probability is worth (0.01 at x = 1e13), and the form of Loader's
# "Fast and accurate computation of binomial probabilities" (2000), as in R's
# dpois, takes over.
_LARGE_COUNT = 1e5


@_compile
def _large_poisson_log_pmf(x, rate):
    """log Poisson(x | rate) for x > _LARGE_COUNT: -log(2 pi x) / 2, minus
    Stirling's error of log x!, minus the deviance term bd0(x, rate)."""
    if rate == 0.0:
        return -math.inf
    stirling_error = (1.0 / 12.0 - 1.0 / (360.0 * x * x)) / x
    difference = x - rate
    if abs(difference) < 0.1 * (x + rate):
        # bd0 = x log(x / rate) + rate - x as a series in v = (x - rate) / (x + rate),
        # every term of one sign, so that no digits cancel.
        v = difference / (x + rate)
        bd0 = difference * v
        term = 2.0 * x * v
        j = 1
        while True:
            term *= v * v
            updated = bd0 + term / (2 * j + 1)
            if updated == bd0:
                break
            bd0 = updated
            j += 1
    else:
        bd0 = x * math.log(x / rate) + rate - x
    return -0.5 * math.log(2.0 * math.pi * x) - stirling_error - bd0


@_compile
def multinomial_log_prob(X, probabilities):
    """Log-probability of each frame's counts under a multinomial per state.

    The number of trials of a frame is the sum of its counts.

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_outcomes)
        Counts of each outcome.
    probabilities : ndarray of shape (n_states, n_outcomes)
        Outcome probabilities of each state (rows sum to one).

    Returns
    -------
    log_prob : ndarray of shape (n_frames, n_states)
        ``log n! - sum log x_i! + sum x_i log p_i``.
    """
    n_frames, n_outcomes = X.shape
    n_states = probabilities.shape[0]
    log_probabilities = np.log(probabilities)
    log_prob = np.empty((n_frames, n_states))
    for t in range(n_frames):
        n_trials = 0.0
        coefficient = 0.0
        for i in range(n_outcomes):
            n_trials += X[t, i]
            coefficient -= math.lgamma(X[t, i] + 1.0)
        coefficient += math.lgamma(n_trials + 1.0)
        for k in range(n_states):
            acc = coefficient
            for i in range(n_outcomes):
                if X[t, i] > 0.0:
                    acc += X[t, i] * log_probabilities[k, i]
            log_prob[t, k] = acc
    return log_prob


@_compile
def categorical_log_prob(X, log_emissionprob):
    """Log-probability of each frame's symbols under each state.

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_columns)
        Symbols (integers stored as floats), NaN where missing.
    log_emissionprob : ndarray of shape (n_states, n_symbols)
        Log of the symbol probabilities of each state.

    Returns
    -------
    log_prob : ndarray of shape (n_frames, n_states)
        Sum over the observed columns of the log-probability of their symbol.
    """
    n_frames, n_columns = X.shape
    n_states = log_emissionprob.shape[0]
    log_prob = np.zeros((n_frames, n_states))
    for t in range(n_frames):
        for c in range(n_columns):
            if np.isnan(X[t, c]):
                continue
            symbol = int(X[t, c])
            for k in range(n_states):
                log_prob[t, k] += log_emissionprob[k, symbol]
    return log_prob


@_compile
def symbol_counts(X, posteriors, n_symbols):
    """Posterior-weighted number of times each state emits each symbol.

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_columns)
        Symbols (integers stored as floats), NaN where missing.
    posteriors : ndarray of shape (n_frames, n_states)
        State probabilities of each frame.
    n_symbols : int
        Number of symbols.

    Returns
    -------
    counts : ndarray of shape (n_states, n_symbols)
    """
    n_frames, n_columns = X.shape
    n_states = posteriors.shape[1]
    counts = np.zeros((n_states, n_symbols))
    for t in range(n_frames):
        for c in range(n_columns):
            if np.isnan(X[t, c]):
                continue
            symbol = int(X[t, c])
            for k in range(n_states):
                counts[k, symbol] += posteriors[t, k]
    return counts
