"""Compiled recursions of hidden Markov models, over all sequences in one call.

Every kernel takes the frames of all sequences concatenated along the first axis and
an ``offsets`` array of length ``n_sequences + 1``: sequence ``s`` holds the rows
``offsets[s]:offsets[s + 1]``. The Python side therefore never loops over sequences
or frames.

The forward-backward recursions are scaled (Rabiner, 1989): each forward vector is
normalised to sum to one and its normaliser is kept, and each frame's emission
probabilities are divided by their largest value before exponentiation. This is as
free of underflow as log-space recursions on sequences of any length, without a
``logsumexp`` per transition. Viterbi works in log space, where it needs only sums
and maxima.
"""

import numba
import numpy as np

_compile = numba.njit(cache=True, nogil=True)


@_compile
def forward(frame_log_prob, startprob, transmat, offsets):
    """Scaled forward pass.

    Parameters
    ----------
    frame_log_prob : ndarray of shape (n_frames, n_states)
        Emission log-density of each frame under each state.
    startprob : ndarray of shape (n_states,)
        Initial state distribution.
    transmat : ndarray of shape (n_states, n_states)
        Transition matrix, rows sum to one.
    offsets : ndarray of int64 of shape (n_sequences + 1,)
        Start row of each sequence, then the total number of frames.

    Returns
    -------
    emission : ndarray of shape (n_frames, n_states)
        Emission probabilities divided by their per-frame maximum.
    filtered : ndarray of shape (n_frames, n_states)
        Filtered state probabilities p(z_t | x_1..x_t).
    scale : ndarray of shape (n_frames,)
        Normaliser of each scaled forward vector.
    frame_log_norm : ndarray of shape (n_frames,)
        log p(x_t | x_1..x_{t-1}); sums to the log-likelihood of each sequence.
    """
    n_frames, n_states = frame_log_prob.shape
    emission = np.empty((n_frames, n_states))
    filtered = np.empty((n_frames, n_states))
    scale = np.empty(n_frames)
    frame_log_norm = np.empty(n_frames)
    for seq in range(offsets.shape[0] - 1):
        start = offsets[seq]
        for t in range(start, offsets[seq + 1]):
            peak = frame_log_prob[t, 0]
            for k in range(1, n_states):
                peak = max(peak, frame_log_prob[t, k])
            total = 0.0
            for k in range(n_states):
                emission[t, k] = np.exp(frame_log_prob[t, k] - peak)
                if t == start:
                    prior = startprob[k]
                else:
                    prior = 0.0
                    for i in range(n_states):
                        prior += filtered[t - 1, i] * transmat[i, k]
                filtered[t, k] = prior * emission[t, k]
                total += filtered[t, k]
            for k in range(n_states):
                filtered[t, k] /= total
            scale[t] = total
            frame_log_norm[t] = np.log(total) + peak
    return emission, filtered, scale, frame_log_norm


@_compile
def backward(emission, filtered, scale, transmat, offsets, with_transitions):
    """Scaled backward pass giving the smoothed posteriors.

    Only the current backward vector is kept, so memory stays at the size of the
    posteriors.

    Parameters
    ----------
    emission, filtered, scale : ndarray
        The first three outputs of :func:`forward`.
    transmat : ndarray of shape (n_states, n_states)
        Transition matrix.
    offsets : ndarray of int64 of shape (n_sequences + 1,)
        Sequence boundaries.
    with_transitions : bool
        Whether to accumulate the expected transition counts.

    Returns
    -------
    posteriors : ndarray of shape (n_frames, n_states)
        Smoothed state probabilities p(z_t | all frames of its sequence).
    transition_counts : ndarray of shape (n_states, n_states)
        Expected number of transitions i -> j summed over all sequences (zeros if
        ``with_transitions`` is false).
    """
    n_frames, n_states = emission.shape
    posteriors = np.empty((n_frames, n_states))
    transition_counts = np.zeros((n_states, n_states))
    beta = np.empty(n_states)
    weighted = np.empty(n_states)
    for seq in range(offsets.shape[0] - 1):
        start, stop = offsets[seq], offsets[seq + 1]
        beta[:] = 1.0
        for k in range(n_states):
            posteriors[stop - 1, k] = filtered[stop - 1, k]
        for t in range(stop - 2, start - 1, -1):
            for j in range(n_states):
                weighted[j] = emission[t + 1, j] * beta[j] / scale[t + 1]
            total = 0.0
            for i in range(n_states):
                acc = 0.0
                for j in range(n_states):
                    acc += transmat[i, j] * weighted[j]
                beta[i] = acc
                posteriors[t, i] = filtered[t, i] * acc
                total += posteriors[t, i]
                if with_transitions:
                    for j in range(n_states):
                        transition_counts[i, j] += (
                            filtered[t, i] * transmat[i, j] * weighted[j]
                        )
            for i in range(n_states):
                posteriors[t, i] /= total
    return posteriors, transition_counts


@_compile
def viterbi(frame_log_prob, log_startprob, log_transmat, offsets):
    """Most likely state path of every sequence (max-sum in log space).

    Parameters
    ----------
    frame_log_prob : ndarray of shape (n_frames, n_states)
        Emission log-density of each frame under each state.
    log_startprob : ndarray of shape (n_states,)
        Log of the initial state distribution.
    log_transmat : ndarray of shape (n_states, n_states)
        Log of the transition matrix.
    offsets : ndarray of int64 of shape (n_sequences + 1,)
        Sequence boundaries.

    Returns
    -------
    states : ndarray of int64 of shape (n_frames,)
        The decoded states; ties go to the lowest state index.
    """
    n_frames, n_states = frame_log_prob.shape
    states = np.empty(n_frames, dtype=np.int64)
    backpointer = np.empty((n_frames, n_states), dtype=np.int64)
    best = np.empty(n_states)
    previous = np.empty(n_states)
    for seq in range(offsets.shape[0] - 1):
        start, stop = offsets[seq], offsets[seq + 1]
        for k in range(n_states):
            best[k] = log_startprob[k] + frame_log_prob[start, k]
        for t in range(start + 1, stop):
            previous[:] = best
            for j in range(n_states):
                arg = 0
                value = previous[0] + log_transmat[0, j]
                for i in range(1, n_states):
                    candidate = previous[i] + log_transmat[i, j]
                    if candidate > value:
                        value = candidate
                        arg = i
                best[j] = value + frame_log_prob[t, j]
                backpointer[t, j] = arg
        state = 0
        for k in range(1, n_states):
            if best[k] > best[state]:
                state = k
        states[stop - 1] = state
        for t in range(stop - 1, start, -1):
            state = backpointer[t, state]
            states[t - 1] = state
    return states


@_compile
def sample_states(startprob, transmat, uniforms, offsets):
    """Draw state paths of a Markov chain, one per sequence.

    Parameters
    ----------
    startprob : ndarray of shape (n_states,)
        Initial state distribution.
    transmat : ndarray of shape (n_states, n_states)
        Transition matrix.
    uniforms : ndarray of shape (n_frames,)
        Independent draws from U[0, 1), one per frame.
    offsets : ndarray of int64 of shape (n_sequences + 1,)
        Sequence boundaries.

    Returns
    -------
    states : ndarray of int64 of shape (n_frames,)
        The sampled states.
    """
    n_states = startprob.shape[0]
    start_cdf = np.cumsum(startprob)
    start_cdf /= start_cdf[-1]
    trans_cdf = np.empty((n_states, n_states))
    for i in range(n_states):
        trans_cdf[i] = np.cumsum(transmat[i])
        trans_cdf[i] /= trans_cdf[i, -1]
    states = np.empty(uniforms.shape[0], dtype=np.int64)
    for seq in range(offsets.shape[0] - 1):
        start, stop = offsets[seq], offsets[seq + 1]
        for t in range(start, stop):
            cdf = start_cdf if t == start else trans_cdf[states[t - 1]]
            state = np.searchsorted(cdf, uniforms[t], side="right")
            states[t] = min(state, n_states - 1)
    return states
