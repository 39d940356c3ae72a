"""Compiled emission kernels of Gaussian HMMs, with missing entries marginalised.

NaN entries of ``X`` are missing. A frame's density is the Gaussian's marginal on
its observed block ``o``, N(x_o; mu_o, Sigma_oo); a frame with nothing observed has
density one. With the precision Lambda = Sigma^-1 this takes a solve with the small
missing block ``m`` only: the conditional mean of the missing entries is
``mu_m - Lambda_mm^-1 Lambda_mo (x_o - mu_o)`` and their conditional covariance
``Lambda_mm^-1``; the quadratic form of the marginal equals ``d' Lambda d`` for the
deviation ``d`` completed with that conditional mean, and ``log det Sigma_oo = log
det Sigma + log det Lambda_mm``. Diagonal covariances reduce to sums over the
observed features. Frames without missing entries take the complete-data path.

The M-step statistics are centred on the current means of each state (Welford's
shifted-data moments), so that data far from the origin (an offset of 1e8 on unit
variances) lose no precision to cancellation, and missing entries contribute the
moments of their conditional law given the observed ones, which is the EM update
for missing data.
"""

import numpy as np

from ._kernels import _compile

_LOG_2PI = np.log(2.0 * np.pi)


@_compile
def _missing_features(x, missing, observed):
    """Fill the indices of the missing and observed entries of a row; count them."""
    n_missing = 0
    n_observed = 0
    for f in range(x.shape[0]):
        if x[f] != x[f]:
            missing[n_missing] = f
            n_missing += 1
        else:
            observed[n_observed] = f
            n_observed += 1
    return n_missing, n_observed


@_compile
def _any_missing(X):
    """Whether any entry of ``X`` is NaN."""
    for t in range(X.shape[0]):
        for f in range(X.shape[1]):
            if X[t, f] != X[t, f]:
                return True
    return False


@_compile
def diag_gaussian_log_prob(X, means, variances):
    """Log-density of each frame under diagonal Gaussians, NaN entries marginalised.

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_features)
        Frames; NaN entries are missing.
    means : ndarray of shape (n_states, n_features)
        Mean of each state.
    variances : ndarray of shape (n_states, n_features)
        Variances of each state.

    Returns
    -------
    log_prob : ndarray of shape (n_frames, n_states)
        log N(x_t; means[k], diag(variances[k])) over the observed entries.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import norm
    >>> from sklatent.hmm._gaussian_kernels import diag_gaussian_log_prob
    >>> X = np.array([[0.5, np.nan]])  # the second feature is missing
    >>> log_prob = diag_gaussian_log_prob(X, np.zeros((1, 2)), np.ones((1, 2)))
    >>> bool(np.isclose(log_prob[0, 0], norm.logpdf(0.5)))
    True
    """
    n_frames, n_features = X.shape
    n_states = means.shape[0]
    precisions = 1.0 / variances
    log_variances = np.log(variances)
    constants = -0.5 * (n_features * np.log(2.0 * np.pi) + log_variances.sum(axis=1))
    log_prob = np.empty((n_frames, n_states))
    for t in range(n_frames):
        complete = True
        for f in range(n_features):
            if X[t, f] != X[t, f]:
                complete = False
        for k in range(n_states):
            acc = 0.0
            if complete:
                for f in range(n_features):
                    diff = X[t, f] - means[k, f]
                    acc += diff * diff * precisions[k, f]
                log_prob[t, k] = constants[k] - 0.5 * acc
                continue
            for f in range(n_features):
                if X[t, f] == X[t, f]:
                    diff = X[t, f] - means[k, f]
                    acc += diff * diff * precisions[k, f] + _LOG_2PI
                    acc += log_variances[k, f]
            log_prob[t, k] = -0.5 * acc
    return log_prob


@_compile
def _factor_missing_block(precision, missing, n_missing, factor):
    """Lower Cholesky factor L of the missing block (L L' = Lambda_mm), in place."""
    for i in range(n_missing):
        for j in range(i + 1):
            acc = precision[missing[i], missing[j]]
            for q in range(j):
                acc -= factor[i, q] * factor[j, q]
            if i == j:
                factor[i, i] = np.sqrt(acc)
            else:
                factor[i, j] = acc / factor[j, j]


@_compile
def _complete_deviation(x, mean, precision, missing, n_missing, factor, deviation):
    """Deviation of a row from ``mean``, missing entries at their conditional mean.

    Writes into ``deviation``; ``factor`` is the missing block's Cholesky factor
    from :func:`_factor_missing_block`. The missing part solves
    ``Lambda_mm d_m = -Lambda_mo d_o`` by forward then back substitution, kept in
    the missing entries of ``deviation`` while it is being solved.
    """
    for f in range(x.shape[0]):
        deviation[f] = x[f] - mean[f]
    for i in range(n_missing):
        acc = 0.0
        for f in range(x.shape[0]):
            if x[f] == x[f]:
                acc -= precision[missing[i], f] * deviation[f]
        for q in range(i):
            acc -= factor[i, q] * deviation[missing[q]]
        deviation[missing[i]] = acc / factor[i, i]
    for i in range(n_missing - 1, -1, -1):
        acc = deviation[missing[i]]
        for q in range(i + 1, n_missing):
            acc -= factor[q, i] * deviation[missing[q]]
        deviation[missing[i]] = acc / factor[i, i]


@_compile
def _invert_lower(factor, n_missing, inverse):
    """Inverse of a lower-triangular matrix, in place (forward substitution)."""
    for j in range(n_missing):
        inverse[j, j] = 1.0 / factor[j, j]
        for i in range(j + 1, n_missing):
            acc = 0.0
            for q in range(j, i):
                acc -= factor[i, q] * inverse[q, j]
            inverse[i, j] = acc / factor[i, i]


@_compile
def _all_equal(precision_chols):
    """Whether every state has the same precision ("tied" covariances)."""
    for k in range(1, precision_chols.shape[0]):
        for i in range(precision_chols.shape[1]):
            for j in range(precision_chols.shape[2]):
                if precision_chols[k, i, j] != precision_chols[0, i, j]:
                    return False
    return True


@_compile
def _precisions(precision_chols):
    """Precision matrices P P' from their upper Cholesky factors P."""
    n_states, n_features, _ = precision_chols.shape
    precisions = np.empty((n_states, n_features, n_features))
    for k in range(n_states):
        precisions[k] = precision_chols[k] @ precision_chols[k].T
    return precisions


@_compile
def cholesky_gaussian_log_prob(X, means, precision_chols, log_dets):
    """Log-density of each frame under full-covariance Gaussians, NaN marginalised.

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_features)
        Frames; NaN entries are missing.
    means : ndarray of shape (n_states, n_features)
        Mean of each state.
    precision_chols : ndarray of shape (n_states, n_features, n_features)
        Upper-triangular P_k with P_k @ P_k.T the inverse covariance of state k.
    log_dets : ndarray of shape (n_states,)
        Log-determinant of each covariance.

    Returns
    -------
    log_prob : ndarray of shape (n_frames, n_states)
        log N(x_t; means[k], covariance k) over the observed entries.
    """
    n_frames, n_features = X.shape
    n_states = means.shape[0]
    constants = -0.5 * (n_features * np.log(2.0 * np.pi) + log_dets)
    precisions = _precisions(precision_chols)
    shared = _all_equal(precision_chols)
    diff = np.empty(n_features)
    deviation = np.empty(n_features)
    factor = np.empty((n_features, n_features))
    missing = np.empty(n_features, dtype=np.int64)
    observed = np.empty(n_features, dtype=np.int64)
    log_prob = np.empty((n_frames, n_states))
    for t in range(n_frames):
        n_missing, n_observed = _missing_features(X[t], missing, observed)
        log_det_missing = 0.0
        for k in range(n_states):
            if n_missing == 0:
                for f in range(n_features):
                    diff[f] = X[t, f] - means[k, f]
                acc = 0.0
                for j in range(n_features):
                    projected = 0.0
                    for i in range(j + 1):
                        projected += diff[i] * precision_chols[k, i, j]
                    acc += projected * projected
                log_prob[t, k] = constants[k] - 0.5 * acc
                continue
            if n_observed == 0:
                log_prob[t, k] = 0.0
                continue
            if k == 0 or not shared:
                _factor_missing_block(precisions[k], missing, n_missing, factor)
                log_det_missing = 0.0
                for i in range(n_missing):
                    log_det_missing += 2.0 * np.log(factor[i, i])
            _complete_deviation(
                X[t], means[k], precisions[k], missing, n_missing, factor, deviation
            )
            acc = n_observed * _LOG_2PI + log_dets[k] + log_det_missing
            for f in range(n_features):
                row = 0.0
                for g in range(n_features):
                    row += precisions[k, f, g] * deviation[g]
                acc += deviation[f] * row
            log_prob[t, k] = -0.5 * acc
    return log_prob


@_compile
def centred_moments(X, posteriors, centres):
    """Posterior-weighted moments of the observed entries about each state's centre.

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_features)
        Frames; NaN entries are missing.
    posteriors : ndarray of shape (n_frames, n_states)
        State probabilities of each frame.
    centres : ndarray of shape (n_states, n_features)
        Centre of each state (its current mean).

    Returns
    -------
    occupancy : ndarray of shape (n_states,)
        Expected number of frames in each state.
    sums : ndarray of shape (n_states, n_features)
        Posterior-weighted sum of ``x - centre`` over the observed entries.
    squares : ndarray of shape (n_states, n_features)
        Posterior-weighted sum of ``(x - centre) ** 2`` over the observed entries.
    missing : ndarray of shape (n_states, n_features)
        Posterior weight of the missing entries.
    """
    n_frames, n_features = X.shape
    n_states = posteriors.shape[1]
    occupancy = np.zeros(n_states)
    sums = np.zeros((n_states, n_features))
    squares = np.zeros((n_states, n_features))
    missing = np.zeros((n_states, n_features))
    if not _any_missing(X):
        # One state at a time, its centre and accumulators in arrays of their own:
        # the loop over frames then vectorises and runs twice as fast as with
        # frames outermost, adding the same terms in the same order.
        centre = np.empty(n_features)
        state_sums = np.empty(n_features)
        state_squares = np.empty(n_features)
        for k in range(n_states):
            centre[:] = centres[k]
            state_sums[:] = 0.0
            state_squares[:] = 0.0
            state_occupancy = 0.0
            for t in range(n_frames):
                weight = posteriors[t, k]
                state_occupancy += weight
                for f in range(n_features):
                    deviation = X[t, f] - centre[f]
                    weighted = weight * deviation
                    state_sums[f] += weighted
                    state_squares[f] += weighted * deviation
            occupancy[k] = state_occupancy
            sums[k] = state_sums
            squares[k] = state_squares
        return occupancy, sums, squares, missing
    # Frame by frame, each frame's missing entries as zeros in a mask rather than
    # as branches (their pattern is one the branch predictor cannot learn): a
    # missing entry adds exact zeros to the sums, and its weight to ``missing``.
    filled = np.empty(n_features)
    absent = np.empty(n_features)
    for t in range(n_frames):
        n_absent = 0.0
        for f in range(n_features):
            value = X[t, f]
            present = value == value
            filled[f] = value if present else 0.0
            absent[f] = 0.0 if present else 1.0
            n_absent += absent[f]
        for k in range(n_states):
            weight = posteriors[t, k]
            occupancy[k] += weight
            if n_absent == 0.0:
                # A complete frame needs no mask.
                for f in range(n_features):
                    deviation = X[t, f] - centres[k, f]
                    weighted = weight * deviation
                    sums[k, f] += weighted
                    squares[k, f] += weighted * deviation
                continue
            for f in range(n_features):
                deviation = filled[f] - centres[k, f]
                deviation -= deviation * absent[f]
                weighted = weight * deviation
                sums[k, f] += weighted
                squares[k, f] += weighted * deviation
                missing[k, f] += weight * absent[f]
    return occupancy, sums, squares, missing


@_compile
def centred_outer_products(X, posteriors, centres, precision_chols):
    """Posterior-weighted first and second moments about each state's centre.

    Missing entries take their conditional law given the observed ones under each
    state (mean and covariance from ``centres`` and ``precisions``).

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_features)
        Frames; NaN entries are missing.
    posteriors : ndarray of shape (n_frames, n_states)
        State probabilities of each frame.
    centres : ndarray of shape (n_states, n_features)
        Centre of each state (its current mean).
    precision_chols : ndarray of shape (n_states, n_features, n_features)
        Upper-triangular P_k with P_k @ P_k.T the current inverse covariance of
        state k.

    Returns
    -------
    occupancy : ndarray of shape (n_states,)
        Expected number of frames in each state.
    sums : ndarray of shape (n_states, n_features)
        Posterior-weighted sum of the expected ``x - centre``.
    outer : ndarray of shape (n_states, n_features, n_features)
        Posterior-weighted sum of the expected ``(x - centre) (x - centre)'``.
    """
    n_frames, n_features = X.shape
    n_states = posteriors.shape[1]
    occupancy = np.zeros(n_states)
    sums = np.zeros((n_states, n_features))
    outer = np.zeros((n_states, n_features, n_features))
    precisions = _precisions(precision_chols)
    shared = _all_equal(precision_chols)
    deviation = np.empty(n_features)
    factor = np.empty((n_features, n_features))
    inverse = np.empty((n_features, n_features))
    missing = np.empty(n_features, dtype=np.int64)
    observed = np.empty(n_features, dtype=np.int64)
    for t in range(n_frames):
        n_missing, n_observed = _missing_features(X[t], missing, observed)
        for k in range(n_states):
            weight = posteriors[t, k]
            occupancy[k] += weight
            if n_missing == 0:
                for f in range(n_features):
                    deviation[f] = X[t, f] - centres[k, f]
            else:
                if k == 0 or not shared:
                    _factor_missing_block(precisions[k], missing, n_missing, factor)
                    _invert_lower(factor, n_missing, inverse)
                _complete_deviation(
                    X[t],
                    centres[k],
                    precisions[k],
                    missing,
                    n_missing,
                    factor,
                    deviation,
                )
                # The conditional covariance (L L')^-1 = L^-T L^-1 of the missing
                # entries, from the inverse of the triangular factor.
                for i in range(n_missing):
                    for j in range(i + 1):
                        acc = 0.0
                        for q in range(i, n_missing):
                            acc += inverse[q, i] * inverse[q, j]
                        outer[k, missing[i], missing[j]] += weight * acc
            for f in range(n_features):
                weighted = weight * deviation[f]
                sums[k, f] += weighted
                for g in range(f + 1):
                    outer[k, f, g] += weighted * deviation[g]
    for k in range(n_states):
        for f in range(n_features):
            for g in range(f):
                outer[k, g, f] = outer[k, f, g]
    return occupancy, sums, outer
