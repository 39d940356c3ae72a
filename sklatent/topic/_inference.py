"""Compiled variational inference for LDA: the per-document E-step and the bound.

The E-step alternates, for each document, between the word-topic responsibilities
and the variational Dirichlet parameters ``gamma`` of its topic mixture (Hoffman,
Blei and Bach, 2010). Documents are independent given the topics, so the drivers
loop over them either in one thread or with ``prange`` over several. The expected
sufficient statistics of the M-step are then gathered in one thread, in document
order, so that a fit gives the same model to the last bit whatever the number of
threads.

The digamma function is the series of Bernardo (1976) that scikit-learn uses, so
that one E-step here gives scikit-learn's document-topic statistics (to rounding).
"""

import math

import numpy as np
from numba import config, get_num_threads, njit, prange, set_num_threads

_EPS = np.finfo(np.float64).eps
_EULER = 0.577215664901532860606512090082402431
# Floating-point freedoms of the E-step: reassociating its sums lets the compiler
# vectorise them (results move in the last bits, the same on every thread count).
_FAST = {"reassoc", "contract", "arcp", "nsz"}
# Documents per task of the parallel drivers: small enough to balance the threads'
# loads, large enough to keep the scheduling cost negligible.
_CHUNK = 64


@njit(cache=True)
def _chunk_starts(n_samples):
    return np.append(np.arange(0, n_samples, _CHUNK), n_samples)


@njit(cache=True, inline="always")
def _digamma(x):
    """Digamma for positive arguments (Bernardo, 1976, Algorithm AS 103)."""
    if x <= 1e-6:
        return -_EULER - 1.0 / x
    result = 0.0
    while x < 6.0:
        result -= 1.0 / x
        x += 1.0
    r = 1.0 / x
    result += math.log(x) - 0.5 * r
    r = r * r
    result -= r * ((1.0 / 12.0) - r * ((1.0 / 120.0) - r * (1.0 / 252.0)))
    return result


@njit(cache=True)
def dirichlet_expectation(params):
    """E[log p] for each row p ~ Dirichlet(row of ``params``).

    Parameters
    ----------
    params : ndarray of shape (n_rows, n_cols)
        Positive Dirichlet parameters, one distribution per row.

    Returns
    -------
    expected_log : ndarray of shape (n_rows, n_cols)
        ``digamma(params) - digamma(params.sum(axis=1))[:, None]``.
    """
    n_rows, n_cols = params.shape
    out = np.empty_like(params)
    for i in range(n_rows):
        psi_total = _digamma(params[i].sum())
        for j in range(n_cols):
            out[i, j] = _digamma(params[i, j]) - psi_total
    return out


@njit(cache=True, inline="always", fastmath=_FAST)
def _exp_digamma(x):
    """exp(digamma(x)) for positive x, with one exponential and no logarithm.

    The same series as :func:`_digamma`; the reciprocals of the shift are summed as
    one fraction, so that the loop has no division.
    """
    if x <= 1e-6:
        return math.exp(-_EULER - 1.0 / x)
    numerator, denominator = 0.0, 1.0
    while x < 6.0:
        numerator = numerator * x + denominator
        denominator *= x
        x += 1.0
    r = 1.0 / x
    r2 = r * r
    series = 0.5 * r + r2 * ((1.0 / 12.0) - r2 * ((1.0 / 120.0) - r2 * (1.0 / 252.0)))
    return x * math.exp(-series - numerator / denominator)


# exp(digamma(x)) is about exp(-1/x) for small x, which underflows below 1/745.
_SMALLEST_FAST_TOTAL = 1e-2


@njit(cache=True, inline="always", fastmath=_FAST)
def _exp_expected_log(gamma, out):
    """Write exp(E[log theta]) for theta ~ Dirichlet(gamma) into ``out``."""
    total = gamma.sum()
    if total < _SMALLEST_FAST_TOTAL:
        # exp(digamma(total)) underflows (an empty document under a tiny prior):
        # the ratio is taken in log space.
        log_scale = _digamma(total)
        for k in range(gamma.shape[0]):
            out[k] = math.exp(_digamma(gamma[k]) - log_scale)
        return
    scale = 1.0 / _exp_digamma(total)
    for k in range(gamma.shape[0]):
        out[k] = _exp_digamma(gamma[k]) * scale


@njit(cache=True, fastmath=_FAST)
def exp_dirichlet_expectation(params):
    """exp(E[log p]) for each row p ~ Dirichlet(row of ``params``).

    Parameters
    ----------
    params : ndarray of shape (n_rows, n_cols)
        Positive Dirichlet parameters, one distribution per row.

    Returns
    -------
    exp_expected_log : ndarray of shape (n_rows, n_cols)
        ``exp(dirichlet_expectation(params))``, with one exponential per entry.
    """
    out = np.empty_like(params)
    for i in range(params.shape[0]):
        _exp_expected_log(params[i], out[i])
    return out


@njit(cache=True, inline="always", fastmath=_FAST)
def _word_ratios(counts, topic_word_d, exp_theta, out):
    """Write count / (sum_k exp_theta_k exp_beta_kw + eps) for each word into out.

    The sum runs topic by topic over all the words at once, so that the compiler
    can vectorise it over the words.
    """
    out[:] = 0.0
    for k in range(exp_theta.shape[0]):
        weight = exp_theta[k]
        row = topic_word_d[k]
        for j in range(out.shape[0]):
            out[j] += weight * row[j]
    for j in range(out.shape[0]):
        out[j] = counts[j] / (out[j] + _EPS)


@njit(cache=True, inline="always", fastmath=_FAST)
def _infer_document(
    ids,
    counts,
    exp_topic_word_t,
    doc_topic_prior,
    gamma,
    exp_theta,
    ratios,
    max_iter,
    tol,
):
    """Fixed-point iterations of one document's variational parameters.

    ``gamma`` holds the starting point and receives the result; ``exp_theta``
    receives exp(E[log theta]) and ``ratios`` the count-over-normaliser of each
    word at the final ``exp_theta`` (the document's share of the M-step
    statistics).
    """
    n_topics = gamma.shape[0]
    n_words = ids.shape[0]
    # The document's columns of exp(E[log beta]), topic by topic, so that both
    # inner loops run over contiguous words.
    topic_words = np.empty((n_topics, n_words))
    for j in range(n_words):
        row = exp_topic_word_t[ids[j]]
        for k in range(n_topics):
            topic_words[k, j] = row[k]
    weighted = np.empty(n_topics)
    _exp_expected_log(gamma, exp_theta)
    for _ in range(max_iter):
        _word_ratios(counts, topic_words, exp_theta, ratios)
        for k in range(n_topics):
            row = topic_words[k]
            total = 0.0
            for j in range(n_words):
                total += row[j] * ratios[j]
            weighted[k] = total
        change = 0.0
        for k in range(n_topics):
            updated = exp_theta[k] * weighted[k] + doc_topic_prior[k]
            change += abs(updated - gamma[k])
            gamma[k] = updated
        _exp_expected_log(gamma, exp_theta)
        if change / n_topics < tol:
            break
    _word_ratios(counts, topic_words, exp_theta, ratios)


@njit(cache=True, fastmath=_FAST)
def _e_step_serial(
    indptr, indices, data, exp_topic_word_t, prior, gamma, exp_theta, ratios, n_it, tol
):
    # indptr may be a slice of the corpus' indptr: its offsets stay absolute.
    for d in range(gamma.shape[0]):
        lo, hi = indptr[d], indptr[d + 1]
        _infer_document(
            indices[lo:hi],
            data[lo:hi],
            exp_topic_word_t,
            prior,
            gamma[d],
            exp_theta[d],
            ratios[lo:hi],
            n_it,
            tol,
        )


@njit(cache=True, parallel=True, fastmath=_FAST)
def _e_step_parallel(
    indptr, indices, data, exp_topic_word_t, prior, gamma, exp_theta, ratios, n_it, tol
):
    starts = _chunk_starts(gamma.shape[0])
    for c in prange(starts.shape[0] - 1):
        lo, hi = starts[c], starts[c + 1]
        _e_step_serial(
            indptr[lo : hi + 1],
            indices,
            data,
            exp_topic_word_t,
            prior,
            gamma[lo:hi],
            exp_theta[lo:hi],
            ratios,
            n_it,
            tol,
        )


@njit(cache=True)
def _gather_statistics(indptr, indices, ratios, exp_theta, n_features):
    """Sum over documents of exp_theta_dk * ratio_dw, as (n_features, n_topics)."""
    n_topics = exp_theta.shape[1]
    stats_t = np.zeros((n_features, n_topics))
    for d in range(exp_theta.shape[0]):
        for p in range(indptr[d], indptr[d + 1]):
            row = stats_t[indices[p]]
            ratio = ratios[p]
            for k in range(n_topics):
                row[k] += exp_theta[d, k] * ratio
    return stats_t


@njit(cache=True, inline="always")
def _document_bound(ids, counts, log_topic_word_t, doc_topic_prior, gamma):
    """The document's terms of the evidence lower bound."""
    n_topics = gamma.shape[0]
    expected_log_theta = np.empty(n_topics)
    psi_total = _digamma(gamma.sum())
    for k in range(n_topics):
        expected_log_theta[k] = _digamma(gamma[k]) - psi_total
    bound = 0.0
    # E[log p(w | theta, beta)], each word's log-sum-exp over topics.
    for j in range(ids.shape[0]):
        row = log_topic_word_t[ids[j]]
        top = -np.inf
        for k in range(n_topics):
            top = max(top, expected_log_theta[k] + row[k])
        total = 0.0
        for k in range(n_topics):
            total += math.exp(expected_log_theta[k] + row[k] - top)
        bound += counts[j] * (top + math.log(total))
    # E[log p(theta | alpha) - log q(theta | gamma)]
    for k in range(n_topics):
        bound += (doc_topic_prior[k] - gamma[k]) * expected_log_theta[k]
        bound += math.lgamma(gamma[k]) - math.lgamma(doc_topic_prior[k])
    bound += math.lgamma(doc_topic_prior.sum()) - math.lgamma(gamma.sum())
    return bound


@njit(cache=True)
def _bounds_serial(indptr, indices, data, log_topic_word_t, prior, gamma, out):
    for d in range(gamma.shape[0]):
        lo, hi = indptr[d], indptr[d + 1]
        out[d] = _document_bound(
            indices[lo:hi], data[lo:hi], log_topic_word_t, prior, gamma[d]
        )


@njit(cache=True, parallel=True)
def _bounds_parallel(indptr, indices, data, log_topic_word_t, prior, gamma, out):
    starts = _chunk_starts(gamma.shape[0])
    for c in prange(starts.shape[0] - 1):
        lo, hi = starts[c], starts[c + 1]
        _bounds_serial(
            indptr[lo : hi + 1],
            indices,
            data,
            log_topic_word_t,
            prior,
            gamma[lo:hi],
            out[lo:hi],
        )


def _run_kernel(serial, parallel, n_threads, *args):
    """Run the serial kernel, or the parallel one on ``n_threads`` numba threads."""
    n_threads = max(1, min(int(n_threads), config.NUMBA_NUM_THREADS))
    if n_threads == 1:
        serial(*args)
        return
    previous = get_num_threads()
    set_num_threads(n_threads)
    try:
        parallel(*args)
    finally:
        set_num_threads(previous)


def csr_arrays(X):
    """The arrays of a CSR count matrix in the types the kernels are compiled for.

    Parameters
    ----------
    X : sparse matrix of shape (n_samples, n_features)
        Validated CSR count matrix.

    Returns
    -------
    indptr, indices, data : ndarray
        Writeable int64, int64 and float64 arrays (a read-only memory map is
        copied, since it would need kernels of its own).
    """
    return tuple(
        np.require(arr, dtype=dtype, requirements=["C", "W"])
        for arr, dtype in (
            (X.indptr, np.int64),
            (X.indices, np.int64),
            (X.data, np.float64),
        )
    )


def e_step(
    arrays,
    exp_topic_word,
    doc_topic_prior,
    gamma,
    *,
    max_iter,
    tol,
    n_threads=1,
    statistics=False,
):
    """Variational E-step over all documents.

    Parameters
    ----------
    arrays : tuple of ndarray
        ``(indptr, indices, data)`` of the documents, from :func:`csr_arrays`.
    exp_topic_word : ndarray of shape (n_topics, n_features)
        exp(E[log beta]) of the topics.
    doc_topic_prior : ndarray of shape (n_topics,)
        Dirichlet prior of the topic mixtures.
    gamma : ndarray of shape (n_samples, n_topics)
        Starting point; overwritten with the fitted variational parameters.
    max_iter : int
        Most fixed-point iterations per document.
    tol : float
        A document stops when the mean absolute change of its gamma is below this.
    n_threads : int, default=1
        Threads to spread the documents over.
    statistics : bool, default=False
        Whether to return the expected sufficient statistics of the M-step.

    Returns
    -------
    gamma : ndarray of shape (n_samples, n_topics)
        The fitted variational parameters (the array passed in).
    statistics : ndarray of shape (n_topics, n_features) or None
        Expected topic-word counts, if asked for.
    """
    indptr, indices, data = arrays
    exp_theta = np.empty_like(gamma)
    ratios = np.empty_like(data)
    _run_kernel(
        _e_step_serial,
        _e_step_parallel,
        n_threads,
        indptr,
        indices,
        data,
        np.ascontiguousarray(exp_topic_word.T),
        doc_topic_prior,
        gamma,
        exp_theta,
        ratios,
        int(max_iter),
        float(tol),
    )
    if not statistics:
        return gamma, None
    stats_t = _gather_statistics(
        indptr, indices, ratios, exp_theta, exp_topic_word.shape[1]
    )
    return gamma, stats_t.T * exp_topic_word


def document_bounds(arrays, log_topic_word, doc_topic_prior, gamma, *, n_threads=1):
    """Each document's terms of the evidence lower bound.

    Parameters
    ----------
    arrays : tuple of ndarray
        ``(indptr, indices, data)`` of the documents, from :func:`csr_arrays`.
    log_topic_word : ndarray of shape (n_topics, n_features)
        E[log beta] of the topics.
    doc_topic_prior : ndarray of shape (n_topics,)
        Dirichlet prior of the topic mixtures.
    gamma : ndarray of shape (n_samples, n_topics)
        Variational parameters of the documents' topic mixtures.
    n_threads : int, default=1
        Threads to spread the documents over.

    Returns
    -------
    bounds : ndarray of shape (n_samples,)
        E[log p(w_d | theta_d, beta)] + E[log p(theta_d) - log q(theta_d)].
    """
    bounds = np.empty(gamma.shape[0])
    _run_kernel(
        _bounds_serial,
        _bounds_parallel,
        n_threads,
        *arrays,
        np.ascontiguousarray(log_topic_word.T),
        doc_topic_prior,
        gamma,
        bounds,
    )
    return bounds
