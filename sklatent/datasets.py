"""Generators of data with known latent structure, for tests, docs and benchmarks.

Each ``make_*`` function returns the observed data together with the latent values
and the true parameters that generated it, so that fitted models can be compared with
the truth.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from .topic._sampling import draw_dirichlet, draw_documents


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "doc_length": [Interval(Real, 0, None, closed="left")],
        "doc_topic_prior": [Interval(Real, 0, None, closed="neither")],
        "topic_word_prior": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_lda_corpus(
    n_samples=1000,
    n_features=1000,
    n_components=10,
    *,
    doc_length=100,
    doc_topic_prior=0.1,
    topic_word_prior=0.01,
    random_state=None,
):
    """Draw a corpus of word counts from a latent Dirichlet allocation model.

    Each topic is a word distribution drawn from a symmetric
    Dirichlet(``topic_word_prior``); each document draws a topic mixture from a
    symmetric Dirichlet(``doc_topic_prior``) and a Poisson(``doc_length``) number of
    words, each word a topic from the mixture and then a word from that topic.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of documents.
    n_features : int, default=1000
        Size of the vocabulary.
    n_components : int, default=10
        Number of topics.
    doc_length : float, default=100
        Mean number of words per document.
    doc_topic_prior : float, default=0.1
        Concentration of the documents' topic mixtures (``alpha``).
    topic_word_prior : float, default=0.01
        Concentration of the topics' word distributions (``eta``).
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features)
        Word counts of the documents (int64).
    topic_word : ndarray of shape (n_components, n_features)
        The true topics: word distribution of each topic.
    doc_topic : ndarray of shape (n_samples, n_components)
        The true topic mixture of each document.

    Examples
    --------
    >>> from sklatent.datasets import make_lda_corpus
    >>> X, topic_word, doc_topic = make_lda_corpus(
    ...     n_samples=50, n_features=30, n_components=4, random_state=0
    ... )
    >>> X.shape, topic_word.shape, doc_topic.shape
    ((50, 30), (4, 30), (50, 4))
    """
    random_state = check_random_state(random_state)
    topic_word = draw_dirichlet(
        np.full(n_features, float(topic_word_prior)), n_components, random_state
    )
    doc_topic = draw_dirichlet(
        np.full(n_components, float(doc_topic_prior)), n_samples, random_state
    )
    lengths = random_state.poisson(doc_length, size=n_samples)
    X = draw_documents(doc_topic, topic_word, lengths, random_state)
    return X, topic_word, doc_topic
