"""Scores for generative models: how good are the samples, the topics, the fit.

Samples
-------
A model such as a GAN has no likelihood, so it is judged by comparing its samples
with real data: two-sample statistics (:func:`energy_distance`, :func:`mmd`), a
classifier two-sample test (:func:`c2st_score`), and, when the true modes are known,
:func:`mode_coverage`. :func:`make_sample_scorer` turns a two-sample statistic into a
scikit-learn scorer for any estimator with a ``sample`` method, so such models can be
grid-searched.

Topics
------
:func:`topic_coherence` scores each topic of a topic model by how often its top
words occur together in the documents or sliding windows of a reference corpus
(gensim's u_mass, c_uci, c_npmi and c_v); :func:`make_coherence_scorer` makes it a
scorer for grid searches. :func:`completion_perplexity` scores how well a model
predicts the held-out half of each document's words, and
:func:`make_completion_perplexity_scorer` and :func:`make_log_likelihood_scorer`
choose the number of topics by held-out prediction. :func:`matched_topic_cosine`
compares learned topics with known ones after matching them.
"""

from ._samples import c2st_score, energy_distance, mmd, mode_coverage
from ._scorers import (
    make_coherence_scorer,
    make_completion_perplexity_scorer,
    make_log_likelihood_scorer,
    make_sample_scorer,
)
from ._topics import (
    completion_perplexity,
    matched_topic_cosine,
    split_document_words,
    topic_coherence,
)

__all__ = [
    "c2st_score",
    "completion_perplexity",
    "energy_distance",
    "make_coherence_scorer",
    "make_completion_perplexity_scorer",
    "make_log_likelihood_scorer",
    "make_sample_scorer",
    "matched_topic_cosine",
    "mmd",
    "mode_coverage",
    "split_document_words",
    "topic_coherence",
]
