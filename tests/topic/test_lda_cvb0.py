"""learning_method="cvb0": collapsed variational Bayes, against a plain reference."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklatent.datasets import make_lda_corpus
from sklatent.metrics import completion_perplexity, matched_topic_cosine
from sklatent.topic import LDATopics, seeded_topic_word_prior
from sklatent.topic._inference import csr_arrays, e_step, exp_dirichlet_expectation


@pytest.fixture(scope="module")
def corpus():
    return make_lda_corpus(
        n_samples=300, n_features=80, n_components=4, doc_length=50, random_state=0
    )


def _reference_cvb0(X, n_topics, alpha, eta, n_passes, seed):
    """CVB0 written out entry by entry, from LDATopics' starting point."""
    X = sp.csr_matrix(X, dtype=np.float64)
    rng = np.random.RandomState(seed)
    start = rng.gamma(100.0, 0.01, (n_topics, X.shape[1]))
    exp_beta = exp_dirichlet_expectation(start)
    gamma, _ = e_step(
        csr_arrays(X),
        exp_beta,
        np.full(n_topics, alpha),
        np.ones((X.shape[0], n_topics)),
        max_iter=100,
        tol=1e-3,
    )
    exp_theta = exp_dirichlet_expectation(gamma)
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    resp = exp_theta[rows] * exp_beta[:, X.indices].T
    resp /= resp.sum(axis=1, keepdims=True)
    for _ in range(n_passes):
        topic_word = np.zeros((n_topics, X.shape[1]))
        np.add.at(topic_word.T, X.indices, X.data[:, None] * resp)
        totals = topic_word.sum(axis=1) + X.shape[1] * eta
        for d in range(X.shape[0]):
            entries = range(X.indptr[d], X.indptr[d + 1])
            doc = sum(X.data[p] * resp[p] for p in entries)
            for p in entries:
                own = resp[p]
                new = (
                    (topic_word[:, X.indices[p]] + eta - own)
                    / (totals - own)
                    * (doc - own + alpha)
                )
                new /= new.sum()
                doc = doc + X.data[p] * (new - own)
                resp[p] = new
    topic_word = np.zeros((n_topics, X.shape[1]))
    np.add.at(topic_word.T, X.indices, X.data[:, None] * resp)
    return topic_word + eta


def test_cvb0_passes_follow_the_update_written_out(corpus):
    X, _, _ = corpus
    lda = LDATopics(
        n_components=4,
        doc_topic_prior=0.2,
        topic_word_prior=0.05,
        learning_method="cvb0",
        max_iter=3,
        random_state=0,
    ).fit(X)
    expected = _reference_cvb0(X, 4, 0.2, 0.05, 3, 0)
    np.testing.assert_allclose(lda.components_, expected, rtol=1e-9)


def test_cvb0_model_does_not_depend_on_n_jobs(corpus):
    X, _, _ = corpus
    params = dict(n_components=4, learning_method="cvb0", max_iter=5, random_state=0)
    one = LDATopics(**params).fit(X)
    two = LDATopics(**params, n_jobs=2).fit(X)
    np.testing.assert_array_equal(one.components_, two.components_)
    np.testing.assert_array_equal(one.transform(X), two.transform(X))


def test_cvb0_predicts_held_out_words_at_least_as_well_as_vb():
    X, _, _ = make_lda_corpus(
        n_samples=700,
        n_features=150,
        n_components=6,
        doc_length=60,
        random_state=3,
    )
    params = dict(
        n_components=6,
        doc_topic_prior=0.1,
        topic_word_prior=0.01,
        max_iter=30,
        random_state=0,
    )
    vb = LDATopics(**params).fit(X[:600])
    cvb0 = LDATopics(**params, learning_method="cvb0").fit(X[:600])
    assert completion_perplexity(cvb0, X[600:]) <= completion_perplexity(vb, X[600:])


def test_cvb0_learns_auto_priors_and_follows_seeds():
    X, true_topics, _ = make_lda_corpus(
        n_samples=500,
        n_features=100,
        n_components=5,
        doc_length=60,
        doc_topic_prior=0.05,
        random_state=1,
    )
    names = np.array([f"w{j}" for j in range(100)], dtype=object)
    seeds = [list(names[np.argsort(-topic)[:3]]) for topic in true_topics]
    lda = LDATopics(
        n_components=5,
        doc_topic_prior="auto",
        topic_word_prior=seeded_topic_word_prior(seeds, names, prior=0.01),
        learning_method="cvb0",
        max_iter=30,
        random_state=0,
    ).fit(X)
    # From 1 / 5 towards the true 0.05.
    assert lda.doc_topic_prior_.mean() < 0.15
    _, matching = matched_topic_cosine(lda, true_topics, return_matching=True)
    np.testing.assert_array_equal(matching, np.arange(5))
    auto_eta = LDATopics(
        n_components=5,
        topic_word_prior="auto",
        learning_method="cvb0",
        max_iter=10,
        random_state=0,
    ).fit(X)
    assert auto_eta.topic_word_prior_.shape == (100,)
    assert np.all(auto_eta.topic_word_prior_ > 0)


def test_cvb0_fit_keeps_no_working_memory(corpus):
    X, _, _ = corpus
    lda = LDATopics(n_components=4, learning_method="cvb0", max_iter=2).fit(X)
    assert not hasattr(lda, "_cvb0_state")
