"""Held-out scores: the log-likelihood estimator, completion perplexity, scorers."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import gammaln, logsumexp
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.model_selection import GridSearchCV

from sklatent.datasets import make_lda_corpus
from sklatent.metrics import (
    completion_perplexity,
    make_completion_perplexity_scorer,
    make_log_likelihood_scorer,
    split_document_words,
)
from sklatent.topic import LDATopics


@pytest.fixture(scope="module")
def tiny():
    X, _, _ = make_lda_corpus(
        100, n_features=8, n_components=3, doc_length=6, random_state=0
    )
    lda = LDATopics(n_components=3, doc_topic_prior=0.3, random_state=0).fit(X)
    return X, lda


def _exact_log_likelihood(counts, topic_word, prior):
    """log p(w | beta, alpha), summing over every assignment of topics to words."""
    words = np.repeat(np.arange(counts.shape[0]), counts.astype(int))
    n_topics = topic_word.shape[0]
    terms = []
    for topics in itertools.product(range(n_topics), repeat=len(words)):
        n_k = np.bincount(topics, minlength=n_topics)
        terms.append(
            gammaln(prior.sum())
            - gammaln(prior.sum() + len(words))
            + np.sum(gammaln(prior + n_k) - gammaln(prior))
            + np.sum(np.log(topic_word[topics, words]))
        )
    return logsumexp(terms)


def test_estimate_is_within_monte_carlo_error_of_exact_enumeration(tiny):
    X, lda = tiny
    docs = X[:6]
    runs = np.array(
        [
            lda.estimate_log_likelihood(docs, n_particles=100, random_state=seed)
            for seed in range(20)
        ]
    )
    exact = [
        _exact_log_likelihood(row, lda.topic_word_distribution_, np.full(3, 0.3))
        for row in docs.toarray()
    ]
    standard_error = runs.std(axis=0, ddof=1) / np.sqrt(runs.shape[0])
    assert np.all(np.abs(runs.mean(axis=0) - exact) <= 4 * standard_error + 1e-3)


@given(st.integers(0, 7), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_one_word_document_has_its_exact_likelihood(tiny, word, n_particles, seed):
    _, lda = tiny
    doc = sp.csr_matrix(np.eye(8)[[word]])
    prior = lda._doc_topic_prior_vector()
    exact = np.log(lda.topic_word_distribution_[:, word] @ prior / prior.sum())
    estimate = lda.estimate_log_likelihood(
        doc, n_particles=n_particles, random_state=seed
    )
    np.testing.assert_allclose(estimate, [exact], rtol=1e-12)


def test_estimates_do_not_depend_on_n_jobs():
    X, _, _ = make_lda_corpus(300, n_features=50, n_components=4, random_state=1)
    lda = LDATopics(n_components=4, max_iter=3, random_state=0).fit(X)
    one = lda.estimate_log_likelihood(X, random_state=0)
    two = lda.set_params(n_jobs=2).estimate_log_likelihood(X, random_state=0)
    np.testing.assert_array_equal(one, two)
    assert np.all(np.isfinite(one)) and np.all(one < 0)


def test_estimate_falls_back_to_the_estimators_random_state(tiny):
    X, lda = tiny
    first = lda.estimate_log_likelihood(X[:5])
    np.testing.assert_array_equal(first, lda.estimate_log_likelihood(X[:5]))
    other = lda.estimate_log_likelihood(X[:5], random_state=1)
    assert not np.array_equal(first, other)


def test_estimate_of_an_empty_document_is_zero(tiny):
    _, lda = tiny
    np.testing.assert_array_equal(
        lda.estimate_log_likelihood(sp.csr_matrix((2, 8))), [0.0, 0.0]
    )


def test_estimate_rejects_bad_n_particles(tiny):
    X, lda = tiny
    with pytest.raises(ValueError, match="n_particles"):
        lda.estimate_log_likelihood(X, n_particles=0)


@pytest.mark.parametrize("count", [1e13, 1e30])
def test_estimate_refuses_more_words_than_it_can_hold(tiny, count):
    _, lda = tiny
    X = np.zeros((1, 8))
    X[0, 3] = count
    with pytest.raises(ValueError, match="more than the 1e\\+08"):
        lda.estimate_log_likelihood(X)


def test_log_likelihood_grid_search_finds_the_planted_number_of_topics():
    X, _, _ = make_lda_corpus(
        600,
        n_features=200,
        n_components=5,
        doc_length=60,
        doc_topic_prior=0.2,
        random_state=6,
    )
    search = GridSearchCV(
        LDATopics(max_iter=30, split_merge_moves=3, random_state=0),
        {"n_components": [3, 5, 8]},
        scoring=make_log_likelihood_scorer(),
        cv=[(np.arange(400), np.arange(400, 600))],
    ).fit(X)
    assert search.best_params_ == {"n_components": 5}


# -- completion perplexity -----------------------------------------------------------


def test_split_document_words_splits_the_tokens():
    X, _, _ = make_lda_corpus(200, n_features=30, n_components=2, random_state=0)
    observed, held_out = split_document_words(X, 0.3, random_state=0)
    np.testing.assert_array_equal((observed + held_out).toarray(), X.toarray())
    assert np.all(observed.data > 0) and np.all(held_out.data > 0)
    assert abs(observed.sum() / X.sum() - 0.3) < 0.01
    again, _ = split_document_words(X, 0.3, random_state=0)
    np.testing.assert_array_equal(again.toarray(), observed.toarray())


def test_completion_perplexity_is_the_held_out_words_perplexity():
    X, _, _ = make_lda_corpus(150, n_features=40, n_components=3, random_state=2)
    lda = LDATopics(n_components=3, max_iter=5, random_state=0).fit(X[:100])
    observed, held_out = split_document_words(X[100:], random_state=0)
    theta = lda.transform(observed)
    beta = lda.components_ / lda.components_.sum(axis=1, keepdims=True)
    log_p, n_words = 0.0, 0
    for d, row in enumerate(held_out.toarray()):
        for word in np.flatnonzero(row):
            log_p += row[word] * np.log(theta[d] @ beta[:, word])
            n_words += row[word]
    np.testing.assert_allclose(
        completion_perplexity(lda, X[100:]), np.exp(-log_p / n_words), rtol=1e-12
    )


def test_completion_perplexity_scores_scikit_learns_model_too():
    X, _, _ = make_lda_corpus(150, n_features=40, n_components=3, random_state=2)
    theirs = LatentDirichletAllocation(n_components=3, random_state=0).fit(X[:100])
    ours = LDATopics(n_components=3, random_state=0).fit(X[:100])
    np.testing.assert_allclose(
        completion_perplexity(theirs, X[100:]),
        completion_perplexity(ours, X[100:]),
        rtol=1e-6,
    )


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[0.5, 1.0]]), "whole-number"),
        (np.array([[1.0, 0.0]]), "held out"),
        (-np.ones((1, 2)), "Negative"),
    ],
)
def test_completion_perplexity_rejects_bad_documents(tiny, X, match):
    lda = LDATopics(n_components=2, random_state=0).fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match=match):
        completion_perplexity(lda, X, random_state=3)


def test_completion_perplexity_scorer_is_minus_the_perplexity_of_the_fold():
    X, _, _ = make_lda_corpus(300, n_features=60, n_components=4, random_state=0)
    search = GridSearchCV(
        LDATopics(max_iter=20, random_state=0),
        {"n_components": [1, 4]},
        scoring=make_completion_perplexity_scorer(random_state=5),
        cv=[(np.arange(200), np.arange(200, 300))],
    ).fit(X)
    assert search.best_params_ == {"n_components": 4}
    best = LDATopics(n_components=4, max_iter=20, random_state=0).fit(X[:200])
    np.testing.assert_allclose(
        search.best_score_, -completion_perplexity(best, X[200:], random_state=5)
    )
