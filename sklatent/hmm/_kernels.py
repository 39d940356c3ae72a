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

Zeros in the transitions make two cases need care, both handled per frame so that
the common path stays one multiply-add per transition:

- the states that the chain can reach may all be far less likely than one it cannot
  reach, so that the scaling total underflows (to a subnormal or to zero). Such a
  frame is rescaled in log space by its best reachable term, ``log p(state | past)
  + log p(frame | state)``, which makes its total at least 1;
- a state that the forward pass gives no mass at a frame has no meaningful backward
  value there, and the backward recursion would let it grow without bound; it is
  set to zero, which changes no posterior or transition count, since every term it
  enters is multiplied by that zero mass.

A frame that no reachable state can emit (log-density ``-inf`` everywhere the chain
can be) makes its sequence impossible: its predictive log-density is ``-inf`` and the
recursions carry on as if the frame were missing.
"""

import numba
import numpy as np

# Reassociation lets LLVM vectorise the sums; no flag assumes finite values, since
# log-probabilities of forbidden transitions are -inf.
_compile = numba.njit(
    cache=True, nogil=True, fastmath={"nsz", "arcp", "contract", "reassoc"}
)

# A scaling total below this is recomputed in log space: far above the subnormal
# range, so that its inverse and the backward values divided by it stay finite.
_SMALLEST_TOTAL = 1e-250
# Emissions of a rescaled frame are capped at e^700 (finite in float64): only a
# state whose predicted probability is itself below e^-700 can reach the cap.
_LARGEST_SHIFT = 700.0


@_compile
def _shift_by_frame_maximum(frame_log_prob):
    """Subtract from each frame its largest log-density; return both parts."""
    n_frames, n_states = frame_log_prob.shape
    shifted = np.empty((n_frames, n_states))
    peak = np.empty(n_frames)
    for t in range(n_frames):
        largest = frame_log_prob[t, 0]
        for k in range(1, n_states):
            largest = max(largest, frame_log_prob[t, k])
        peak[t] = largest
        if largest == -np.inf:
            # An impossible frame: it carries no information about the state.
            shifted[t, :] = 0.0
            continue
        for k in range(n_states):
            shifted[t, k] = frame_log_prob[t, k] - largest
    return shifted, peak


@_compile
def _rescale_frame(t, predicted, frame_log_prob, emission, peak, filtered):
    """Redo frame ``t`` of the forward pass in log space; return its total.

    The frame is shifted by its largest reachable term ``log predicted[k] +
    frame_log_prob[t, k]`` instead of its largest emission, so the total is at
    least 1. Unreachable states get an emission of zero rather than an overflowing
    one. If no reachable state can emit the frame, it counts as missing: emissions
    of one and a shift of ``-inf`` (a predictive log-density of ``-inf``).
    """
    n_states = predicted.shape[0]
    largest = -np.inf
    for k in range(n_states):
        if predicted[k] > 0.0:
            largest = max(largest, np.log(predicted[k]) + frame_log_prob[t, k])
    peak[t] = largest
    total = 0.0
    for k in range(n_states):
        if largest == -np.inf:
            emission[t, k] = 1.0
        elif predicted[k] > 0.0:
            shift = min(frame_log_prob[t, k] - largest, _LARGEST_SHIFT)
            emission[t, k] = np.exp(shift)
        else:
            emission[t, k] = 0.0
        filtered[t, k] = predicted[k] * emission[t, k]
        total += filtered[t, k]
    return total


@_compile
def _forward_recursion(emission, peak, frame_log_prob, startprob, transmat, offsets):
    n_frames, n_states = emission.shape
    filtered = np.empty((n_frames, n_states))
    scale = np.empty(n_frames)
    predicted = np.empty(n_states)
    for seq in range(offsets.shape[0] - 1):
        start = offsets[seq]
        for t in range(start, offsets[seq + 1]):
            if t == start:
                predicted[:] = startprob
            else:
                predicted[:] = 0.0
                for i in range(n_states):
                    previous = filtered[t - 1, i]
                    for k in range(n_states):
                        predicted[k] += previous * transmat[i, k]
            total = 0.0
            for k in range(n_states):
                filtered[t, k] = predicted[k] * emission[t, k]
                total += filtered[t, k]
            if total < _SMALLEST_TOTAL:
                total = _rescale_frame(
                    t, predicted, frame_log_prob, emission, peak, filtered
                )
            inverse = 1.0 / total
            for k in range(n_states):
                filtered[t, k] *= inverse
            scale[t] = total
    return filtered, scale


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

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.hmm import _kernels
    >>> frame_log_prob = np.log([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    >>> startprob = np.array([0.5, 0.5])
    >>> transmat = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> offsets = np.array([0, 3])  # one sequence of three frames
    >>> emission, filtered, scale, log_norm = _kernels.forward(
    ...     frame_log_prob, startprob, transmat, offsets)
    >>> filtered.sum(axis=1)
    array([1., 1., 1.])
    >>> posteriors, _ = _kernels.backward(
    ...     emission, filtered, scale, transmat, offsets, False)
    >>> bool(np.allclose(posteriors[-1], filtered[-1]))
    True
    """
    shifted, peak = _shift_by_frame_maximum(frame_log_prob)
    # numpy's exp is vectorised (SIMD), several times faster than a compiled
    # scalar loop.
    emission = np.exp(shifted, out=shifted)
    filtered, scale = _forward_recursion(
        emission, peak, frame_log_prob, startprob, transmat, offsets
    )
    with np.errstate(divide="ignore"):
        frame_log_norm = np.log(scale) + peak
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
            inverse = 1.0 / scale[t + 1]
            for j in range(n_states):
                weighted[j] = emission[t + 1, j] * beta[j] * inverse
            total = 0.0
            for i in range(n_states):
                current = filtered[t, i]
                if current == 0.0:
                    # No forward mass: every term of this state is zero, and its
                    # backward value, unbounded, must not reach the frame before.
                    beta[i] = 0.0
                    posteriors[t, i] = 0.0
                    continue
                acc = 0.0
                for j in range(n_states):
                    acc += transmat[i, j] * weighted[j]
                beta[i] = acc
                posteriors[t, i] = current * acc
                total += posteriors[t, i]
                if with_transitions:
                    for j in range(n_states):
                        transition_counts[i, j] += (
                            current * transmat[i, j] * weighted[j]
                        )
            inverse = 1.0 / total
            for i in range(n_states):
                posteriors[t, i] *= inverse
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
