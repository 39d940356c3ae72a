"""Split-merge moves that repair a fit which merged two topics and split another.

Variational Bayes for LDA often stops in a local optimum where one true topic is
shared by two fitted topics (two near-duplicates) while two other true topics share
one fitted topic (a broad topic of high entropy), or where a fitted topic explains
nothing in particular. A move frees a topic slot, by merging the most similar pair
or dropping the least used topic, and splits the broadest topic into it, by 2-means
clustering of the documents it dominates; the caller refines the proposal and
keeps it only if the evidence lower bound improves (in the spirit of Ueda et al.,
"SMEM algorithm for mixture models", 2000).
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import entr
from sklearn.preprocessing import normalize


def _two_means(unit_rows, random_state, n_iter=10):
    """Spherical 2-means of unit-norm rows, seeded like k-means++."""
    n_rows = unit_rows.shape[0]
    first = random_state.randint(n_rows)
    distance = 1.0 - (unit_rows @ unit_rows[first].T).toarray().ravel()
    distance = np.maximum(distance, 0.0) ** 2
    if distance.sum() <= 0:
        return np.zeros(n_rows, dtype=np.int64)
    second = random_state.choice(n_rows, p=distance / distance.sum())
    centres = normalize(unit_rows[[first, second]].toarray())
    labels = np.zeros(n_rows, dtype=np.int64)
    for _ in range(n_iter):
        labels = np.asarray(unit_rows @ centres.T).argmax(axis=1)
        if labels.min() == labels.max():
            break
        centres = normalize(
            np.vstack([np.asarray(unit_rows[labels == c].sum(axis=0)) for c in (0, 1)])
        )
    return labels


def propose_split_merge(
    components, topic_word_prior, doc_topic, X, random_state, free="merge"
):
    """Free one topic slot and split the broadest topic into it.

    Parameters
    ----------
    components : ndarray of shape (n_topics, n_features)
        Variational parameters of the topics (at least three).
    topic_word_prior : ndarray of shape (n_features,) or (n_topics, n_features)
        Prior of the topics' word distributions (one row for all, or a row per
        topic).
    doc_topic : ndarray of shape (n_samples, n_topics)
        Topic mixtures of the training documents.
    X : sparse matrix of shape (n_samples, n_features)
        Training word counts.
    random_state : numpy.random.RandomState
        Source of randomness of the 2-means seeding.
    free : {"merge", "drop"}, default="merge"
        How the slot is freed: ``"merge"`` merges the two most similar topics,
        ``"drop"`` drops the topic that the documents use least (a topic that
        explains nothing in particular).

    Returns
    -------
    proposal : ndarray of shape (n_topics, n_features) or None
        The proposed topics, or None if no split can be made (the broadest topic
        dominates fewer than two documents, or they form one cluster).
    """
    prior = np.broadcast_to(topic_word_prior, components.shape)
    topic_word = components / components.sum(axis=1, keepdims=True)
    proposal = components.copy()
    if free == "merge":
        unit_topics = normalize(topic_word)
        similarity = unit_topics @ unit_topics.T
        np.fill_diagonal(similarity, -np.inf)
        kept, freed = np.unravel_index(np.argmax(similarity), similarity.shape)
        proposal[kept] = np.maximum(
            components[kept] + components[freed] - prior[freed], prior[kept]
        )
        changed = [kept, freed]
    else:
        freed = int(np.argmin(doc_topic.sum(axis=0)))
        changed = [freed]
    entropy = entr(topic_word).sum(axis=1)
    entropy[changed] = -np.inf
    broad = int(np.argmax(entropy))

    docs = np.flatnonzero(doc_topic.argmax(axis=1) == broad)
    if docs.shape[0] < 2:
        return None
    labels = _two_means(normalize(sp.csr_matrix(X[docs])), random_state)
    if labels.min() == labels.max():
        return None
    # Each half gets the words of its documents, weighted by their share of the
    # broad topic and scaled to the broad topic's own word mass.
    shares = sp.diags(doc_topic[docs, broad]) @ sp.csr_matrix(X[docs])
    halves = np.vstack(
        [np.asarray(shares[labels == c].sum(axis=0)).ravel() for c in (0, 1)]
    )
    mass = components[broad].sum() - prior[broad].sum()
    halves *= mass / halves.sum()

    proposal[broad] = prior[broad] + halves[0]
    proposal[freed] = prior[freed] + halves[1]
    return proposal
