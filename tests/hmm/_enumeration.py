"""Exact HMM inference by enumerating every state path of a tiny sequence.

Emission-agnostic: it takes the log-density of each frame under each state, so that
every emission model's tests compare the compiled recursions with the same brute
force.
"""

import itertools

import numpy as np
from scipy.special import logsumexp


def enumerate_paths(startprob, transmat, frame_log_prob):
    """Exact inference on one sequence from all ``n_states ** n_frames`` paths.

    Parameters
    ----------
    startprob : ndarray of shape (n_states,)
    transmat : ndarray of shape (n_states, n_states)
    frame_log_prob : ndarray of shape (n_frames, n_states)
        Emission log-density of each frame under each state.

    Returns
    -------
    result : dict
        ``log_likelihood`` (float), ``posteriors`` (n_frames, n_states),
        ``path`` (the most likely path, n_frames) and ``transition_counts``
        (expected number of transitions i -> j, n_states x n_states).
    """
    n_frames, n_states = frame_log_prob.shape
    paths = np.array(list(itertools.product(range(n_states), repeat=n_frames)))
    with np.errstate(divide="ignore"):
        log_joint = np.log(startprob[paths[:, 0]])
        log_joint += np.log(transmat[paths[:, :-1], paths[:, 1:]]).sum(axis=1)
    log_joint += frame_log_prob[np.arange(n_frames), paths].sum(axis=1)
    log_likelihood = logsumexp(log_joint)
    weights = np.exp(log_joint - log_likelihood)
    posteriors = np.stack(
        [np.bincount(paths[:, t], weights, minlength=n_states) for t in range(n_frames)]
    )
    transition_counts = np.zeros((n_states, n_states))
    for path, weight in zip(paths, weights):
        np.add.at(transition_counts, (path[:-1], path[1:]), weight)
    return {
        "log_likelihood": log_likelihood,
        "posteriors": posteriors,
        "path": paths[np.argmax(log_joint)],
        "transition_counts": transition_counts,
    }
