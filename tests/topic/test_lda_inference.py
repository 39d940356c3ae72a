"""The compiled E-step and bound against scikit-learn and brute force."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import gammaln, logsumexp, psi
from sklearn.decomposition import LatentDirichletAllocation

from sklatent.datasets import make_lda_corpus
from sklatent.topic._inference import (
    csr_arrays,
    dirichlet_expectation,
    document_bounds,
    e_step,
    exp_dirichlet_expectation,
)


def _sklearn_lda_with_topics(components, prior, seed=None):
    """scikit-learn's estimator set up with given topics, as after a fit."""
    lda = LatentDirichletAllocation(
        n_components=components.shape[0], doc_topic_prior=prior, random_state=seed
    )
    lda.components_ = components
    # Ours, which equals scikit-learn's (see test_dirichlet_expectation_...).
    lda.exp_dirichlet_component_ = exp_dirichlet_expectation(components)
    lda.doc_topic_prior_ = prior
    lda.random_state_ = np.random.RandomState(seed)
    return lda


@pytest.fixture(scope="module")
def corpus():
    X, _, _ = make_lda_corpus(
        n_samples=120, n_features=40, n_components=4, random_state=0
    )
    rng = np.random.RandomState(1)
    components = rng.gamma(1.0, 3.0, size=(4, 40))
    return X.astype(np.float64), components


@pytest.mark.parametrize("random_start", [False, True])
def test_one_e_step_gives_scikit_learns_statistics(corpus, random_start):
    X, components = corpus
    prior = 0.3
    lda = _sklearn_lda_with_topics(components, prior, seed=5)
    expected_gamma, expected_stats = lda._e_step(
        X, cal_sstats=True, random_init=random_start
    )
    start = (
        np.random.RandomState(5).gamma(100.0, 0.01, (X.shape[0], 4))
        if random_start
        else np.ones((X.shape[0], 4))
    )
    gamma, stats = e_step(
        csr_arrays(X),
        lda.exp_dirichlet_component_,
        np.full(4, prior),
        start,
        max_iter=lda.max_doc_update_iter,
        tol=lda.mean_change_tol,
        statistics=True,
    )
    np.testing.assert_allclose(gamma, expected_gamma, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(stats, expected_stats, rtol=1e-8, atol=1e-10)


def test_e_step_on_two_threads_is_identical_to_one(corpus):
    X, components = corpus
    exp_topic_word = np.exp(dirichlet_expectation(components))
    results = [
        e_step(
            csr_arrays(X),
            exp_topic_word,
            np.full(4, 0.2),
            np.ones((X.shape[0], 4)),
            max_iter=50,
            tol=1e-4,
            n_threads=n_threads,
            statistics=True,
        )
        for n_threads in (1, 2)
    ]
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    bounds = [
        document_bounds(
            csr_arrays(X),
            dirichlet_expectation(components),
            np.full(4, 0.2),
            results[0][0],
            n_threads=n_threads,
        )
        for n_threads in (1, 2)
    ]
    np.testing.assert_array_equal(bounds[0], bounds[1])


def test_dirichlet_expectation_matches_scikit_learn_and_scipy():
    X, _, _ = make_lda_corpus(50, n_features=20, n_components=3, random_state=0)
    # A fit leaves exp(E[log beta]) of its topics, with scikit-learn's digamma.
    fitted = LatentDirichletAllocation(n_components=3, max_iter=2).fit(X)
    np.testing.assert_allclose(
        np.exp(dirichlet_expectation(fitted.components_)),
        fitted.exp_dirichlet_component_,
        rtol=1e-12,
    )
    params = np.random.RandomState(0).gamma(0.5, 2.0, size=(5, 7)) + 1e-3
    exact = psi(params) - psi(params.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(dirichlet_expectation(params), exact, rtol=1e-6)


def _brute_force_document_bound(counts, log_topic_word, prior, gamma):
    expected_log_theta = psi(gamma) - psi(gamma.sum())
    words = np.flatnonzero(counts)
    likelihood = sum(
        counts[w] * logsumexp(expected_log_theta + log_topic_word[:, w]) for w in words
    )
    return (
        likelihood
        + np.sum((prior - gamma) * expected_log_theta)
        + np.sum(gammaln(gamma) - gammaln(prior))
        + gammaln(prior.sum())
        - gammaln(gamma.sum())
    )


def test_document_bounds_match_the_formula(corpus):
    X, components = corpus
    log_topic_word = dirichlet_expectation(components)
    prior = np.array([0.1, 0.2, 0.3, 0.4])
    gamma = np.random.RandomState(2).gamma(2.0, 3.0, size=(X.shape[0], 4))
    bounds = document_bounds(csr_arrays(X), log_topic_word, prior, gamma)
    dense = X.toarray()
    expected = [
        _brute_force_document_bound(dense[d], log_topic_word, prior, gamma[d])
        for d in range(10)
    ]
    # The kernel's digamma is scikit-learn's approximation; scipy's is exact.
    np.testing.assert_allclose(bounds[:10], expected, rtol=1e-6)


def _exact_log_evidence(words, topic_word, prior):
    """log p(w_1..w_N | alpha, beta), summing over all topic assignments."""
    n_topics = topic_word.shape[0]
    terms = []
    for topics in itertools.product(range(n_topics), repeat=len(words)):
        n_k = np.bincount(topics, minlength=n_topics)
        log_p_topics = (
            gammaln(prior.sum())
            - gammaln(prior.sum() + len(words))
            + np.sum(gammaln(prior + n_k) - gammaln(prior))
        )
        terms.append(log_p_topics + np.sum(np.log(topic_word[topics, words])))
    return logsumexp(terms)


def test_fitted_document_bound_is_a_maximised_lower_bound_of_the_evidence():
    rng = np.random.RandomState(3)
    topic_word = rng.dirichlet(np.ones(6), size=3)
    # Topics known almost exactly: E[log beta] is log beta.
    components = topic_word * 1e9
    prior = np.array([0.3, 0.5, 0.8])
    for _ in range(5):
        words = rng.randint(0, 6, size=5)
        counts = sp.csr_matrix(np.bincount(words, minlength=6)[None, :].astype(float))
        exp_topic_word = np.exp(dirichlet_expectation(components))
        gamma, _ = e_step(
            csr_arrays(counts),
            exp_topic_word,
            prior,
            np.ones((1, 3)),
            max_iter=1000,
            tol=1e-12,
        )
        log_topic_word = dirichlet_expectation(components)
        bound = document_bounds(csr_arrays(counts), log_topic_word, prior, gamma)[0]
        assert bound <= _exact_log_evidence(words, topic_word, prior)
        # The E-step's gamma is a maximum: nearby starting points bound lower.
        nearby = gamma * rng.uniform(0.9, 1.1, size=(20, 3))
        nearby_bounds = document_bounds(
            csr_arrays(sp.vstack([counts] * 20).tocsr()), log_topic_word, prior, nearby
        )
        assert np.all(nearby_bounds <= bound)


@pytest.mark.parametrize("total", [1e-2, 1e-3, 1e-5, 1e-9])
def test_exp_dirichlet_expectation_of_tiny_parameters(total):
    """An empty document under a tiny prior: exp(digamma(total)) underflows, and
    the ratio must still be exp(psi(gamma_k) - psi(total)), zeros included."""
    params = total * np.array([[0.7, 0.2, 0.1], [0.5, 0.25, 0.25]])
    exact = np.exp(psi(params) - psi(params.sum(axis=1, keepdims=True)))
    np.testing.assert_allclose(exp_dirichlet_expectation(params), exact, rtol=1e-9)


def test_exp_dirichlet_expectation_is_exp_of_the_expectation():
    params = np.random.RandomState(0).gamma(0.3, 3.0, size=(4, 50)) + 1e-4
    np.testing.assert_allclose(
        exp_dirichlet_expectation(params),
        np.exp(dirichlet_expectation(params)),
        rtol=1e-12,
    )
