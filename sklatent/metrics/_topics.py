"""Topic metrics: coherence of top words, recovery of known topics."""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.preprocessing import normalize
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array, check_non_negative

__all__ = ["matched_topic_cosine", "topic_coherence"]


def _topic_word_matrix(model_or_topic_word):
    """The topic-word weights of a fitted topic model or of an array."""
    weights = getattr(model_or_topic_word, "components_", model_or_topic_word)
    weights = check_array(weights, dtype=np.float64, input_name="topic_word")
    check_non_negative(weights, "topic_coherence (topic-word weights)")
    return weights


@validate_params(
    {
        "model_or_topic_word": "no_validation",
        "X": ["array-like", "sparse matrix"],
        "measure": [StrOptions({"umass", "npmi"})],
        "top_n": [Interval(Integral, 2, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def topic_coherence(model_or_topic_word, X, measure="umass", top_n=10):
    """Coherence of each topic's top words in a reference corpus.

    The ``top_n`` most probable words of each topic are paired, and each pair
    scored by how its words co-occur in the documents of ``X`` (a word occurs in a
    document when its count is positive); a topic's coherence is the mean over its
    pairs. Higher is more coherent.

    - ``"umass"`` (Mimno et al., 2011): for the words ``w_i`` ranked above
      ``w_j``, ``log((D(w_i, w_j) + 1) / D(w_i))``, where ``D`` counts the
      documents that contain the words. At most 0.
    - ``"npmi"`` (normalised pointwise mutual information, Bouma, 2009):
      ``log(P(w_i, w_j) / (P(w_i) P(w_j))) / -log P(w_i, w_j)`` with document
      frequencies as probabilities; -1 for words that never co-occur, 1 for words
      that always do. Between -1 and 1.

    Parameters
    ----------
    model_or_topic_word : estimator or array-like of shape (n_topics, n_features)
        A fitted topic model with ``components_`` (for example
        :class:`~sklatent.LDATopics` or scikit-learn's
        ``LatentDirichletAllocation``), or non-negative topic-word weights.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Reference corpus of word counts, usually the training documents.
    measure : {"umass", "npmi"}, default="umass"
        The pair score.
    top_n : int, default=10
        Number of top words per topic (at least 2, at most ``n_features``).

    Returns
    -------
    coherence : ndarray of shape (n_topics,)
        Coherence of each topic; ``coherence.mean()`` scores the model.

    Raises
    ------
    ValueError
        If ``X`` and the topics have different vocabularies, ``top_n`` exceeds
        the vocabulary, a top word occurs in no document of ``X`` (UMass), or
        ``X`` has negative counts.

    Examples
    --------
    >>> from sklatent.datasets import make_lda_corpus
    >>> from sklatent.metrics import topic_coherence
    >>> X, topic_word, _ = make_lda_corpus(
    ...     n_samples=300, n_features=40, n_components=3, random_state=0
    ... )
    >>> topic_coherence(topic_word, X, measure="npmi", top_n=5).shape
    (3,)
    """
    topic_word = _topic_word_matrix(model_or_topic_word)
    X = check_array(X, accept_sparse="csr", dtype=np.float64, input_name="X")
    check_non_negative(X, "topic_coherence (X)")
    n_features = topic_word.shape[1]
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} words (columns) but the topics have {n_features}; "
            "pass counts over the topics' vocabulary."
        )
    if top_n > n_features:
        raise ValueError(
            f"top_n={top_n} exceeds the number of words ({n_features}); pass a "
            "smaller top_n."
        )
    top = np.argsort(-topic_word, axis=1, kind="stable")[:, :top_n]
    words = np.unique(top)
    occurs = sp.csc_matrix(X)[:, words] > 0
    occurs = occurs.astype(np.float64)
    # Document counts of every pair of the top words, on the compact vocabulary.
    together = (occurs.T @ occurs).toarray()
    alone = np.diag(together)
    position = np.searchsorted(words, top)
    first, second = np.triu_indices(top_n, k=1)
    rows, cols = position[:, first], position[:, second]
    if measure == "umass":
        if np.any(alone[rows] == 0):
            missing = words[alone == 0]
            raise ValueError(
                f"UMass coherence needs every top word in at least one document of "
                f"X, but words {missing.tolist()} occur in none; use the training "
                "documents as X or measure='npmi'."
            )
        pair_scores = np.log((together[rows, cols] + 1.0) / alone[rows])
    else:
        n_docs = X.shape[0]
        joint = together[rows, cols] / n_docs
        marginal = (alone[rows] / n_docs) * (alone[cols] / n_docs)
        with np.errstate(divide="ignore", invalid="ignore"):
            pair_scores = np.log(joint / marginal) / -np.log(joint)
        pair_scores[joint == 0] = -1.0
        pair_scores[joint == 1] = 1.0
    return pair_scores.mean(axis=1)


def matched_topic_cosine(model_or_topic_word, true_topic_word):
    """Cosine similarity of each true topic to the fitted topic matched to it.

    Fitted and true topics are paired one to one so that the total cosine
    similarity of the pairs is largest (the Hungarian algorithm); topics are
    compared as word-weight vectors.

    Parameters
    ----------
    model_or_topic_word : estimator or array-like of shape (n_topics, n_features)
        A fitted topic model with ``components_``, or non-negative topic-word
        weights.
    true_topic_word : array-like of shape (n_true_topics, n_features)
        The known topics, for example from
        :func:`sklatent.datasets.make_lda_corpus`.

    Returns
    -------
    cosine : ndarray of shape (min(n_topics, n_true_topics),)
        Cosine of each matched pair, in the order of the true topics; ``min()``
        says whether every topic was recovered.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import matched_topic_cosine
    >>> true = np.eye(3)
    >>> matched_topic_cosine(true[[2, 0, 1]], true).tolist()
    [1.0, 1.0, 1.0]
    """
    topic_word = normalize(_topic_word_matrix(model_or_topic_word))
    true_topic_word = check_array(
        true_topic_word, dtype=np.float64, input_name="true_topic_word"
    )
    if true_topic_word.shape[1] != topic_word.shape[1]:
        raise ValueError(
            f"The fitted topics have {topic_word.shape[1]} words but the true "
            f"topics {true_topic_word.shape[1]}; compare topics over one vocabulary."
        )
    similarity = topic_word @ normalize(true_topic_word).T
    rows, cols = linear_sum_assignment(-similarity)
    order = np.argsort(cols)
    return similarity[rows[order], cols[order]]
