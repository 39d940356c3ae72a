"""Drawing documents from an LDA model."""

import numpy as np
import scipy.sparse as sp


def draw_documents(doc_topic, topic_word, lengths, random_state):
    """Draw word counts for documents with known topic mixtures.

    Each word of document d picks a topic from ``doc_topic[d]`` and then a word
    from that topic's row of ``topic_word``; only the counts are kept.

    Parameters
    ----------
    doc_topic : ndarray of shape (n_samples, n_topics)
        Topic mixture of each document (rows sum to one).
    topic_word : ndarray of shape (n_topics, n_features)
        Word distribution of each topic (rows sum to one).
    lengths : ndarray of int of shape (n_samples,)
        Number of words of each document.
    random_state : numpy.random.RandomState
        Source of randomness.

    Returns
    -------
    counts : scipy.sparse.csr_matrix of shape (n_samples, n_features), dtype int64
        Word counts of the documents.
    """
    n_samples = doc_topic.shape[0]
    n_features = topic_word.shape[1]
    topic_counts = np.array(
        [random_state.multinomial(n, p) for n, p in zip(lengths, doc_topic)],
        dtype=np.int64,
    ).reshape(n_samples, -1)
    cumulative = np.cumsum(topic_word, axis=1)
    rows, cols = [], []
    for topic, counts in enumerate(topic_counts.T):
        n_words = counts.sum()
        if n_words == 0:
            continue
        draws = random_state.random_sample(n_words) * cumulative[topic, -1]
        words = np.searchsorted(cumulative[topic], draws, side="right")
        # A draw that rounds up to the total must still land on a possible word.
        last_word = np.flatnonzero(topic_word[topic] > 0)[-1]
        cols.append(np.minimum(words, last_word))
        rows.append(np.repeat(np.arange(n_samples), counts))
    rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    counts = sp.csr_matrix(
        (np.ones(rows.shape[0], dtype=np.int64), (rows, cols)),
        shape=(n_samples, n_features),
    )
    counts.sum_duplicates()
    return counts


def draw_dirichlet(concentration, n_samples, random_state):
    """Draw from a Dirichlet distribution, safely for small concentrations.

    A Gamma(a) variable is drawn as Gamma(a + 1) * U ** (1 / a) and normalised in
    log space, so that concentrations far below one (where the plain Gamma draws
    underflow to zero together) still give proper distributions.

    Parameters
    ----------
    concentration : ndarray of shape (n_cols,)
        Positive Dirichlet parameters.
    n_samples : int
        Number of draws.
    random_state : numpy.random.RandomState
        Source of randomness.

    Returns
    -------
    draws : ndarray of shape (n_samples, n_cols)
        Rows on the probability simplex.
    """
    shape = (n_samples, concentration.shape[0])
    boosted = random_state.standard_gamma(concentration + 1.0, size=shape)
    with np.errstate(divide="ignore"):
        log_draws = np.log(boosted) + np.log(random_state.random_sample(shape)) / (
            concentration
        )
    log_draws -= log_draws.max(axis=1, keepdims=True)
    draws = np.exp(log_draws)
    return draws / draws.sum(axis=1, keepdims=True)
