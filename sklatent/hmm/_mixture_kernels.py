"""Compiled log-sum-exp over the components of each state's mixture."""

import math

import numpy as np

from ._kernels import _compile


@_compile
def _log_sum_exp(values):
    largest = values[0]
    for value in values[1:]:
        largest = max(largest, value)
    if largest == -np.inf:
        return -np.inf
    total = 0.0
    for value in values:
        total += math.exp(value - largest)
    return largest + math.log(total)


@_compile
def mixture_log_prob(component_log_prob):
    """Log-density of each frame under each state's mixture.

    Parameters
    ----------
    component_log_prob : ndarray of shape (n_frames, n_states, n_mix)
        log(weight) + log-density of each frame under each component.

    Returns
    -------
    log_prob : ndarray of shape (n_frames, n_states)
        The log-sum-exp over the components.
    """
    n_frames, n_states, _ = component_log_prob.shape
    log_prob = np.empty((n_frames, n_states))
    for t in range(n_frames):
        for k in range(n_states):
            log_prob[t, k] = _log_sum_exp(component_log_prob[t, k])
    return log_prob


@_compile
def component_posteriors(component_log_prob, posteriors):
    """Probability of each frame to come from each component of each state.

    Parameters
    ----------
    component_log_prob : ndarray of shape (n_frames, n_states, n_mix)
        log(weight) + log-density of each frame under each component.
    posteriors : ndarray of shape (n_frames, n_states)
        State probabilities of each frame.

    Returns
    -------
    responsibilities : ndarray of shape (n_frames, n_states * n_mix)
        ``posteriors[t, k]`` times the probability of component ``m`` within
        state ``k``; zero where no component of the state can emit the frame.
    """
    n_frames, n_states, n_mix = component_log_prob.shape
    responsibilities = np.zeros((n_frames, n_states * n_mix))
    for t in range(n_frames):
        for k in range(n_states):
            total = _log_sum_exp(component_log_prob[t, k])
            if total == -np.inf or posteriors[t, k] == 0.0:
                continue
            for m in range(n_mix):
                responsibilities[t, k * n_mix + m] = posteriors[t, k] * math.exp(
                    component_log_prob[t, k, m] - total
                )
    return responsibilities
