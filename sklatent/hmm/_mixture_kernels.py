"""Log-sum-exp over the components of each state's mixture.

The exponentials and logarithms are numpy's, which are vectorised (SIMD) and
several times faster than the scalar calls of a compiled loop; the compiled
kernels here do the shifts and sums around them.
"""

import numpy as np

from ._kernels import _compile


@_compile
def _shift_by_state_maximum(component_log_prob):
    """Subtract from each frame and state its largest component; return both.

    A state that no component can emit (all ``-inf``) is shifted by zero.
    """
    n_frames, n_states, n_mix = component_log_prob.shape
    shifted = np.empty((n_frames, n_states, n_mix))
    largest = np.empty((n_frames, n_states))
    for t in range(n_frames):
        for k in range(n_states):
            peak = component_log_prob[t, k, 0]
            for m in range(1, n_mix):
                peak = max(peak, component_log_prob[t, k, m])
            if peak == -np.inf:
                peak = 0.0
            largest[t, k] = peak
            for m in range(n_mix):
                shifted[t, k, m] = component_log_prob[t, k, m] - peak
    return shifted, largest


@_compile
def _sum_components(values):
    n_frames, n_states, n_mix = values.shape
    total = np.zeros((n_frames, n_states))
    for t in range(n_frames):
        for k in range(n_states):
            for m in range(n_mix):
                total[t, k] += values[t, k, m]
    return total


def _shifted_exponentials(component_log_prob):
    """exp of each component's log-probability less its state's largest, their
    sum over each state's components, and that largest (see
    :func:`_shift_by_state_maximum`)."""
    shifted, largest = _shift_by_state_maximum(component_log_prob)
    exponentials = np.exp(shifted, out=shifted)
    return exponentials, _sum_components(exponentials), largest


def mixture_log_prob(component_log_prob):
    """Log-density of each frame under each state's mixture.

    Parameters
    ----------
    component_log_prob : ndarray of shape (n_frames, n_states, n_mix)
        log(weight) + log-density of each frame under each component.

    Returns
    -------
    log_prob : ndarray of shape (n_frames, n_states)
        The log-sum-exp over the components; ``-inf`` where every component is.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.hmm._mixture_kernels import mixture_log_prob
    >>> component_log_prob = np.log([[[0.2, 0.3], [0.0, 0.0]]])
    >>> np.exp(mixture_log_prob(component_log_prob))
    array([[0.5, 0. ]])
    """
    _, total, largest = _shifted_exponentials(component_log_prob)
    with np.errstate(divide="ignore"):
        return np.log(total) + largest


@_compile
def _weigh_shares(shares, posteriors):
    """``posteriors[t, k]`` times the shares of state ``k``, side by side."""
    n_frames, n_states, n_mix = shares.shape
    responsibilities = np.empty((n_frames, n_states * n_mix))
    for t in range(n_frames):
        for k in range(n_states):
            for m in range(n_mix):
                responsibilities[t, k * n_mix + m] = posteriors[t, k] * shares[t, k, m]
    return responsibilities


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

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.hmm._mixture_kernels import component_posteriors
    >>> component_log_prob = np.log([[[0.2, 0.6], [0.0, 0.0]]])
    >>> component_posteriors(component_log_prob, np.array([[0.5, 0.5]]))
    array([[0.125, 0.375, 0.   , 0.   ]])
    """
    shares, total, _ = _shifted_exponentials(component_log_prob)
    # Normalised within each state; a state that nothing can emit has shares of
    # exp(-inf) = 0 and a total of 0, and keeps them at 0.
    shares /= np.where(total > 0.0, total, 1.0)[:, :, np.newaxis]
    return _weigh_shares(shares, posteriors)
