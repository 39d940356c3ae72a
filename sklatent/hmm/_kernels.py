"""Compiled recursions of hidden Markov models, over all sequences in one call.

Every kernel takes the frames of all sequences concatenated along the first axis and
an ``offsets`` array of length ``n_sequences + 1``: sequence ``s`` holds the rows
``offsets[s]:offsets[s + 1]``. The Python side therefore never loops over sequences
or frames.

The forward-backward recursions are scaled (Rabiner, 1989): each forward vector is
normalised to sum to one and its normaliser is kept, and each frame's emission
probabilities are divided by their largest value before exponentiation. This is free
of underflow on sequences of any length, without a ``logsumexp`` per transition,
as long as the states that a frame makes more than about 745 nats less likely than
the best one cannot matter later. Viterbi works in log space, where it needs only
sums and maxima.

Zeros in the transitions make three cases need care, all handled per frame so that
the common path stays one multiply-add per transition:

- the states that the chain can reach may all be far less likely than one it cannot
  reach, so that the scaling total underflows (to a subnormal or to zero). Such a
  frame is rescaled in log space by its best reachable term, ``log p(state | past)
  + log p(frame | state)``, which makes its total at least 1 (unless that state's
  predicted probability is itself below e^-700: then the sequence is run again in
  log space, as below);
- a state that one frame makes negligible (its forward mass underflows to zero,
  though it could emit the frame) may be the only way to explain later frames when
  the other states cannot reach it: a left-right model with an outlier frame. With
  tiny or zero transitions the forward pass watches for such a loss (one the most
  likely state could not make up for, see ``_loses_mass``), and a sequence where
  it happens is run again, exactly, by log-space recursions (without zeros or tiny
  transitions, a state lost at one frame stays negligible: the later frames change
  its odds by at most one over the smallest transition);
- a state that the forward pass gives no mass at a frame has no meaningful backward
  value there, and the backward recursion would let it grow without bound; it is
  set to zero, which changes no posterior or transition count, since every term it
  enters is multiplied by that zero mass.

A frame that no reachable state can emit (log-density ``-inf`` everywhere the chain
can be) makes its sequence impossible: its predictive log-density is ``-inf`` and the
recursions carry on as if the frame were missing. Viterbi does the same.
"""

from typing import NamedTuple

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
# state whose predicted probability is itself below e^-700 can reach the cap, and
# its sequence is then run again in log space.
_LARGEST_SHIFT = 700.0
# Transitions below this (zeros included) can keep a state that one frame made
# negligible (below e^-745 of the best) out of reach of the others, so that it
# matters again later; above it, later frames change the odds of a lost state by at
# most a factor of 1e100, and it stays negligible.
_WATCHED_TRANSITION = 1e-100


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
    """Redo frame ``t`` of the forward pass in log space.

    Returns the frame's total, and whether an emission had to be capped at
    ``e^_LARGEST_SHIFT`` (a reachable state with a predicted probability below
    ``e^-_LARGEST_SHIFT``), which makes the scaled pass inexact.

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
    capped = False
    for k in range(n_states):
        if largest == -np.inf:
            emission[t, k] = 1.0
        elif predicted[k] > 0.0:
            shift = frame_log_prob[t, k] - largest
            if shift > _LARGEST_SHIFT:
                shift, capped = _LARGEST_SHIFT, True
            emission[t, k] = np.exp(shift)
        else:
            emission[t, k] = 0.0
        filtered[t, k] = predicted[k] * emission[t, k]
        total += filtered[t, k]
    return total, capped


@_compile
def _covers(j, k, transmat):
    """Whether state ``j`` moves, by at least ``_WATCHED_TRANSITION``, wherever
    state ``k`` can."""
    for m in range(transmat.shape[0]):
        if transmat[k, m] > 0.0 and transmat[j, m] < _WATCHED_TRANSITION:
            return False
    return True


@_compile
def _loses_mass(t, start, predicted, filtered, frame_log_prob, transmat):
    """Whether frame ``t`` left a state without mass that later frames may need.

    A state is lost when it can emit the frame (a finite log-density) but its
    forward mass is zero although it had predicted mass, or although a state with
    mass at the frame before can move to it (the prediction underflowed). The loss
    is harmless when a state with at least ``_WATCHED_TRANSITION`` times the mass
    of the most likely one covers it (moves, with a transition of at least
    ``_WATCHED_TRANSITION``, wherever the lost state can): the lost paths had
    less than e^-745 of the best one's mass, and the later frames can raise their
    odds against that state's by at most ``1 / _WATCHED_TRANSITION``, so they stay
    below e^-285 of the total.
    """
    n_states = predicted.shape[0]
    most = 0.0
    for k in range(n_states):
        most = max(most, filtered[t, k])
    for k in range(n_states):
        if filtered[t, k] != 0.0 or frame_log_prob[t, k] == -np.inf:
            continue
        lost = predicted[k] > 0.0
        if not lost and t > start:
            for i in range(n_states):
                if filtered[t - 1, i] > 0.0 and transmat[i, k] > 0.0:
                    lost = True
        if not lost:
            continue
        covered = False
        for j in range(n_states):
            if filtered[t, j] >= _WATCHED_TRANSITION * most and _covers(j, k, transmat):
                covered = True
                break
        if not covered:
            return True
    return False


@_compile
def _forward_recursion(
    emission, peak, frame_log_prob, startprob, transmat, offsets, watch
):
    n_frames, n_states = emission.shape
    filtered = np.empty((n_frames, n_states))
    scale = np.empty(n_frames)
    predicted = np.empty(n_states)
    lost = np.zeros(offsets.shape[0] - 1, dtype=np.bool_)
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
                total, capped = _rescale_frame(
                    t, predicted, frame_log_prob, emission, peak, filtered
                )
                lost[seq] |= capped
            if watch and not lost[seq]:
                lost[seq] = _loses_mass(
                    t, start, predicted, filtered, frame_log_prob, transmat
                )
            inverse = 1.0 / total
            for k in range(n_states):
                filtered[t, k] *= inverse
            scale[t] = total
    return filtered, scale, lost


@_compile
def _log_sum_exp(values):
    largest = -np.inf
    for value in values:
        largest = max(largest, value)
    if largest == -np.inf:
        return largest
    total = 0.0
    for value in values:
        total += np.exp(value - largest)
    return largest + np.log(total)


@_compile
def _log_forward(frame_log_prob, log_startprob, log_transmat, offsets, lost):
    """Log-space forward pass over the sequences marked in ``lost``.

    Returns, on the rows of those sequences (the others are left unset), the log
    filtered probabilities, the log normaliser of each frame (``-inf`` for an
    impossible frame) and the log-density of each frame that the recursion used
    (zero where the frame counts as missing).
    """
    n_frames, n_states = frame_log_prob.shape
    log_filtered = np.empty((n_frames, n_states))
    log_norm = np.empty(n_frames)
    used = np.zeros((n_frames, n_states))
    terms = np.empty(n_states)
    predicted = np.empty(n_states)
    for seq in range(offsets.shape[0] - 1):
        if not lost[seq]:
            continue
        start = offsets[seq]
        for t in range(start, offsets[seq + 1]):
            for k in range(n_states):
                if t == start:
                    predicted[k] = log_startprob[k]
                    continue
                for i in range(n_states):
                    terms[i] = log_filtered[t - 1, i] + log_transmat[i, k]
                predicted[k] = _log_sum_exp(terms)
            largest = -np.inf
            for k in range(n_states):
                terms[k] = predicted[k] + frame_log_prob[t, k]
                largest = max(largest, terms[k])
            if largest == -np.inf:
                # An impossible frame counts as missing, as in the scaled pass.
                log_norm[t] = -np.inf
                terms[:] = predicted
            else:
                used[t] = frame_log_prob[t]
            norm = _log_sum_exp(terms)
            if largest > -np.inf:
                log_norm[t] = norm
            for k in range(n_states):
                log_filtered[t, k] = terms[k] - norm
    return log_filtered, log_norm, used


@_compile
def _log_backward(
    log_filtered, used, log_transmat, offsets, lost, posteriors, transition_counts
):
    """Posteriors and transition counts of the sequences marked in ``lost``, from
    their log forward pass; added into ``posteriors`` and ``transition_counts``.

    The backward values are normalised at each frame so that the posteriors sum
    to one, which divides them by p(x_{t+1} | x_1..x_t) as in the scaled pass.
    """
    n_states = log_filtered.shape[1]
    log_beta = np.empty(n_states)
    weighted = np.empty(n_states)
    rows = np.empty(n_states)
    terms = np.empty(n_states)
    with_transitions = transition_counts.size > 0
    for seq in range(offsets.shape[0] - 1):
        if not lost[seq]:
            continue
        start, stop = offsets[seq], offsets[seq + 1]
        log_beta[:] = 0.0
        for k in range(n_states):
            posteriors[stop - 1, k] = np.exp(log_filtered[stop - 1, k])
        for t in range(stop - 2, start - 1, -1):
            for j in range(n_states):
                weighted[j] = used[t + 1, j] + log_beta[j]
            for i in range(n_states):
                for j in range(n_states):
                    terms[j] = log_transmat[i, j] + weighted[j]
                rows[i] = _log_sum_exp(terms)
            for i in range(n_states):
                terms[i] = log_filtered[t, i] + rows[i]
            norm = _log_sum_exp(terms)
            for i in range(n_states):
                log_beta[i] = rows[i] - norm
                posteriors[t, i] = np.exp(log_filtered[t, i] + log_beta[i])
            if not with_transitions:
                continue
            for i in range(n_states):
                if log_filtered[t, i] == -np.inf:
                    continue
                for j in range(n_states):
                    transition_counts[i, j] += np.exp(
                        log_filtered[t, i] + log_transmat[i, j] + weighted[j] - norm
                    )


class ForwardPass(NamedTuple):
    """What :func:`forward` computes, and what :func:`backward` needs of it."""

    emission: np.ndarray
    filtered: np.ndarray
    scale: np.ndarray
    frame_log_norm: np.ndarray
    lost: np.ndarray
    log_filtered: np.ndarray
    used: np.ndarray
    transmat: np.ndarray
    offsets: np.ndarray


def _log(probabilities):
    with np.errstate(divide="ignore"):
        return np.log(probabilities)


def forward(frame_log_prob, startprob, transmat, offsets):
    """Scaled forward pass, exact in log space where the scaled one loses a state.

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
    ForwardPass
        ``filtered``, of shape (n_frames, n_states): the filtered state
        probabilities p(z_t | x_1..x_t); ``frame_log_norm``, of shape
        (n_frames,): log p(x_t | x_1..x_{t-1}), which sums to the log-likelihood
        of each sequence; ``lost``, of shape (n_sequences,): the sequences that
        were run again in log space; and, for :func:`backward`, the scaled pass
        (``emission``, the emission probabilities divided by their per-frame
        maximum, and ``scale``, the normaliser of each scaled forward vector),
        the log-space pass of the sequences in ``lost`` and the transitions.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.hmm import _kernels
    >>> frame_log_prob = np.log([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    >>> startprob = np.array([0.5, 0.5])
    >>> transmat = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> offsets = np.array([0, 3])  # one sequence of three frames
    >>> passed = _kernels.forward(frame_log_prob, startprob, transmat, offsets)
    >>> passed.filtered.sum(axis=1)
    array([1., 1., 1.])
    >>> posteriors, _ = _kernels.backward(passed, False)
    >>> bool(np.allclose(posteriors[-1], passed.filtered[-1]))
    True
    """
    shifted, peak = _shift_by_frame_maximum(frame_log_prob)
    # numpy's exp is vectorised (SIMD), several times faster than a compiled
    # scalar loop.
    emission = np.exp(shifted, out=shifted)
    watch = bool(transmat.min() < _WATCHED_TRANSITION)
    filtered, scale, lost = _forward_recursion(
        emission, peak, frame_log_prob, startprob, transmat, offsets, watch
    )
    frame_log_norm = _log(scale) + peak
    log_filtered = used = np.empty((0, 0))
    if lost.any():
        log_filtered, log_norm, used = _log_forward(
            frame_log_prob, _log(startprob), _log(transmat), offsets, lost
        )
        for seq in np.flatnonzero(lost):
            rows = slice(offsets[seq], offsets[seq + 1])
            filtered[rows] = np.exp(log_filtered[rows])
            frame_log_norm[rows] = log_norm[rows]
    return ForwardPass(
        emission,
        filtered,
        scale,
        frame_log_norm,
        lost,
        log_filtered,
        used,
        transmat,
        offsets,
    )


def backward(passed, with_transitions):
    """Smoothed posteriors (and transition counts) from a forward pass.

    Parameters
    ----------
    passed : ForwardPass
        The output of :func:`forward`.
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
    posteriors, transition_counts = _scaled_backward(
        passed.emission,
        passed.filtered,
        passed.scale,
        passed.transmat,
        passed.offsets,
        with_transitions,
        passed.lost,
    )
    if passed.lost.any():
        _log_backward(
            passed.log_filtered,
            passed.used,
            _log(passed.transmat),
            passed.offsets,
            passed.lost,
            posteriors,
            transition_counts if with_transitions else np.empty((0, 0)),
        )
    return posteriors, transition_counts


@_compile
def _scaled_backward(
    emission, filtered, scale, transmat, offsets, with_transitions, skip
):
    """Scaled backward pass giving the smoothed posteriors (see :func:`backward`).

    Only the current backward vector is kept, so memory stays at the size of the
    posteriors. The sequences marked in ``skip`` are left out (their rows of the
    posteriors are left unset).
    """
    n_frames, n_states = emission.shape
    posteriors = np.empty((n_frames, n_states))
    transition_counts = np.zeros((n_states, n_states))
    beta = np.empty(n_states)
    weighted = np.empty(n_states)
    for seq in range(offsets.shape[0] - 1):
        if skip[seq]:
            continue
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
def _add_emission(best, frame_log_prob):
    """Add a frame's log-densities to the best path scores, unless no path can
    emit the frame: then it counts as missing, as in the forward pass."""
    largest = -np.inf
    for k in range(best.shape[0]):
        largest = max(largest, best[k] + frame_log_prob[k])
    if largest > -np.inf:
        best += frame_log_prob


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
        The decoded states; ties go to the lowest state index. A frame that no
        path can emit counts as missing.
    """
    n_frames, n_states = frame_log_prob.shape
    states = np.empty(n_frames, dtype=np.int64)
    backpointer = np.empty((n_frames, n_states), dtype=np.int64)
    best = np.empty(n_states)
    previous = np.empty(n_states)
    for seq in range(offsets.shape[0] - 1):
        start, stop = offsets[seq], offsets[seq + 1]
        best[:] = log_startprob
        _add_emission(best, frame_log_prob[start])
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
                best[j] = value
                backpointer[t, j] = arg
            _add_emission(best, frame_log_prob[t])
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
