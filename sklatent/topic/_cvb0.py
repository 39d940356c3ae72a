"""Collapsed variational Bayes with the zeroth-order approximation (CVB0).

CVB0 (Asuncion, Welling, Smyth and Teh, 2009) keeps, for each word of each
document, a distribution ``r_dw`` over the topics of its tokens, and updates it
from the expected counts with the token's own share taken out:

    r_dwk  propto  (N_kw + eta_kw - r_dwk) / (N_k + sum_w eta_kw - r_dwk)
                   * (N_dk + alpha_k - r_dwk),

``N_kw`` being the expected count of word ``w`` in topic ``k``, ``N_k`` its total
and ``N_dk`` the expected count of topic ``k`` in document ``d``. It is the
deterministic counterpart of the collapsed Gibbs sampler and predicts held-out
words as well (Asuncion et al., 2009).

To run in parallel and give the same model for any number of threads, a pass
updates every document from the topic counts of the previous pass (each document
updates its own counts ``N_dk`` word by word), and the topic counts are then
gathered in one thread, in document order.
"""

import numpy as np
from numba import njit, prange

from ._inference import _FAST, _chunk_starts, _run_kernel


@njit(cache=True, fastmath=_FAST)
def _sweep_serial(
    indptr, indices, data, topic_word_t, topic_totals, prior, doc_topic, resp
):
    # indptr may be a slice of the corpus' indptr: its offsets stay absolute.
    n_topics = prior.shape[0]
    updated = np.empty(n_topics)
    for d in range(doc_topic.shape[0]):
        counts_d = doc_topic[d]
        for p in range(indptr[d], indptr[d + 1]):
            word = topic_word_t[indices[p]]
            old = resp[p]
            total = 0.0
            for k in range(n_topics):
                share = old[k]
                value = (
                    (word[k] - share)
                    / (topic_totals[k] - share)
                    * (counts_d[k] - share + prior[k])
                )
                updated[k] = value
                total += value
            count = data[p]
            for k in range(n_topics):
                value = updated[k] / total
                counts_d[k] += count * (value - old[k])
                old[k] = value


@njit(cache=True, parallel=True, fastmath=_FAST)
def _sweep_parallel(
    indptr, indices, data, topic_word_t, topic_totals, prior, doc_topic, resp
):
    starts = _chunk_starts(doc_topic.shape[0])
    for c in prange(starts.shape[0] - 1):
        lo, hi = starts[c], starts[c + 1]
        _sweep_serial(
            indptr[lo : hi + 1],
            indices,
            data,
            topic_word_t,
            topic_totals,
            prior,
            doc_topic[lo:hi],
            resp,
        )


@njit(cache=True)
def _gather(indices, data, resp, n_features):
    """Expected topic counts of each word, (n_features, n_topics), in order."""
    counts_t = np.zeros((n_features, resp.shape[1]))
    for p in range(indices.shape[0]):
        row = counts_t[indices[p]]
        for k in range(resp.shape[1]):
            row[k] += data[p] * resp[p, k]
    return counts_t


@njit(cache=True)
def _start(indptr, indices, data, exp_theta, exp_topic_word_t):
    """Responsibilities of a mean-field E-step: r_dwk ∝ exp E[log theta_dk beta_kw]."""
    n_topics = exp_theta.shape[1]
    resp = np.empty((indices.shape[0], n_topics))
    doc_topic = np.zeros((exp_theta.shape[0], n_topics))
    for d in range(exp_theta.shape[0]):
        for p in range(indptr[d], indptr[d + 1]):
            word = exp_topic_word_t[indices[p]]
            total = 0.0
            for k in range(n_topics):
                resp[p, k] = exp_theta[d, k] * word[k]
                total += resp[p, k]
            for k in range(n_topics):
                resp[p, k] /= total
                doc_topic[d, k] += data[p] * resp[p, k]
    return resp, doc_topic


class CVB0State:
    """The responsibilities and expected counts of a CVB0 fit in progress.

    Parameters
    ----------
    arrays : tuple of ndarray
        ``(indptr, indices, data)`` of the training documents.
    exp_theta : ndarray of shape (n_samples, n_topics)
        exp(E[log theta]) of a mean-field E-step, the starting point.
    exp_topic_word : ndarray of shape (n_topics, n_features)
        exp(E[log beta]) of the topics of that E-step.
    """

    def __init__(self, arrays, exp_theta, exp_topic_word):
        self.arrays = arrays
        self.resp, self.doc_topic = _start(
            *arrays, exp_theta, np.ascontiguousarray(exp_topic_word.T)
        )
        self.n_features = exp_topic_word.shape[1]
        self.topic_word = self._gathered()

    def _gathered(self):
        _, indices, data = self.arrays
        return _gather(indices, data, self.resp, self.n_features).T

    def sweep(self, topic_word_prior, doc_topic_prior, n_threads=1):
        """One pass over the documents; returns the expected topic-word counts.

        Parameters
        ----------
        topic_word_prior : ndarray of shape (n_topics, n_features)
            Prior of the topics (a broadcast view is fine).
        doc_topic_prior : ndarray of shape (n_topics,)
            Prior of the topic mixtures.
        n_threads : int, default=1
            Threads to spread the documents over.

        Returns
        -------
        topic_word : ndarray of shape (n_topics, n_features)
            Expected count of each word in each topic, ``N_kw``.
        """
        pseudo_counts = self.topic_word + topic_word_prior
        _run_kernel(
            _sweep_serial,
            _sweep_parallel,
            n_threads,
            *self.arrays,
            np.ascontiguousarray(pseudo_counts.T),
            pseudo_counts.sum(axis=1),
            np.ascontiguousarray(doc_topic_prior, dtype=np.float64),
            self.doc_topic,
            self.resp,
        )
        self.topic_word = self._gathered()
        return self.topic_word
