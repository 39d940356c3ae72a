"""Seeded topics: a topic-word prior matrix, its helper, and gensim's matrix eta."""

import numpy as np
import pytest
import scipy.sparse as sp
from gensim.matutils import Sparse2Corpus
from gensim.models import LdaModel
from scipy.special import gammaln, psi
from sklearn.feature_extraction.text import CountVectorizer

from sklatent.datasets import make_lda_corpus
from sklatent.metrics import matched_topic_cosine
from sklatent.topic import LDATopics, seeded_topic_word_prior
from sklatent.topic._inference import csr_arrays, dirichlet_expectation, document_bounds


@pytest.fixture(scope="module")
def planted():
    """20 planted topics; the 3 most probable words of each are its seeds."""
    X, true_topics, _ = make_lda_corpus(
        n_samples=1100,
        n_features=500,
        n_components=20,
        doc_length=100,
        doc_topic_prior=0.1,
        topic_word_prior=0.01,
        random_state=0,
    )
    names = np.array([f"w{j}" for j in range(500)], dtype=object)
    seeds = [list(names[np.argsort(-topic)[:3]]) for topic in true_topics]
    return X[:1000].astype(float), X[1000:].astype(float), true_topics, names, seeds


def test_seed_words_get_the_seed_prior_in_their_topic():
    prior = seeded_topic_word_prior(
        {0: ["b"], 2: ["a", "c"]}, ["a", "b", "c", "d"], n_components=3, seed_prior=7
    )
    expected = np.full((3, 4), 1 / 3)
    expected[0, 1] = expected[2, 0] = expected[2, 2] = 7
    np.testing.assert_array_equal(prior, expected)


def test_seeded_prior_takes_a_fitted_vectorizer():
    vectorizer = CountVectorizer().fit(["apple banana", "car road"])
    prior = seeded_topic_word_prior([["car"], ["apple"]], vectorizer, prior=0.01)
    assert prior.shape == (2, 4)
    assert prior[0, 2] == prior[1, 0] == 10 and prior.sum() == 20 + 6 * 0.01


@pytest.mark.parametrize(
    "seeds, options, match",
    [
        ([["a", "zebra"]], {}, r"\['zebra'\] are not in the vocabulary"),
        ({3: ["a"]}, {"n_components": 2}, "outside"),
        ([["a"]], {"seed_prior": 0}, "seed_prior"),
    ],
)
def test_seeded_prior_rejects_bad_seeds(seeds, options, match):
    with pytest.raises(ValueError, match=match):
        seeded_topic_word_prior(seeds, ["a", "b"], **options)


@pytest.mark.parametrize(
    "prior, match",
    [
        (np.ones((3, 7)), r"\(4, 7\); got shape \(3, 7\)"),
        (np.ones(6), r"\(7,\).*got shape \(6,\)"),
        (np.ones((1, 4, 7)), "got shape"),
        (np.zeros((4, 7)), "positive"),
        (np.zeros(7), "positive"),
        ("x", "prior"),
    ],
)
def test_matrix_prior_of_the_wrong_shape_or_sign_is_refused(prior, match):
    X = np.random.RandomState(0).poisson(1.0, size=(10, 7))
    with pytest.raises(ValueError, match=match):
        LDATopics(n_components=4, topic_word_prior=prior).fit(X)


def test_a_vector_prior_is_one_value_per_word_shared_by_the_topics():
    X = np.random.RandomState(0).poisson(1.0, size=(40, 7))
    vector = np.linspace(0.05, 2.0, 7)
    params = dict(n_components=3, max_iter=5, random_state=0)
    shared = LDATopics(**params, topic_word_prior=vector).fit(X)
    tiled = LDATopics(**params, topic_word_prior=np.tile(vector, (3, 1))).fit(X)
    np.testing.assert_array_equal(shared.topic_word_prior_, vector)
    np.testing.assert_allclose(shared.components_, tiled.components_, rtol=1e-12)
    assert shared.score(X) == pytest.approx(tiled.score(X), rel=1e-12)


def test_one_batch_pass_equals_gensim_with_the_same_matrix_eta():
    X, true_topics, _ = make_lda_corpus(
        n_samples=300, n_features=100, n_components=5, random_state=0
    )
    X = X.astype(float)
    names = np.array([f"w{j}" for j in range(100)], dtype=object)
    seeds = [list(names[np.argsort(-topic)[:3]]) for topic in true_topics]
    eta = seeded_topic_word_prior(seeds, names, prior=0.01, seed_prior=10.0)
    # Both run each document's inference to convergence, so that the result does
    # not depend on where rounding (the digamma functions differ in the last
    # bits) stops it.
    ours = LDATopics(
        n_components=5,
        doc_topic_prior=0.1,
        topic_word_prior=eta,
        max_iter=1,
        max_doc_update_iter=5000,
        mean_change_tol=1e-13,
        random_state=0,
    ).fit(X)
    # gensim draws its starting topics from the same stream; start it where
    # LDATopics starts (the draws plus the prior's excess over its smallest entry).
    theirs = LdaModel(
        num_topics=5,
        id2word=dict(enumerate(names)),
        alpha=np.full(5, 0.1),
        eta=eta,
        iterations=5000,
        gamma_threshold=1e-13,
        decay=0.0,
        random_state=0,
        dtype=np.float64,
    )
    start = theirs.state.sstats + eta - eta.min(axis=0)
    theirs.expElogbeta = np.exp(dirichlet_expectation(start))
    theirs.update(
        Sparse2Corpus(X, documents_columns=False), chunksize=X.shape[0], passes=1
    )
    np.testing.assert_allclose(ours.components_, theirs.state.get_lambda(), rtol=1e-6)


def test_seeded_topics_land_on_their_index(planted):
    X, X_test, true_topics, names, seeds = planted
    params = dict(n_components=20, doc_topic_prior=0.1, max_iter=20, random_state=0)
    plain = LDATopics(**params, topic_word_prior=0.01).fit(X)
    prior = seeded_topic_word_prior(seeds, names, prior=0.01)
    seeded = LDATopics(**params, topic_word_prior=prior).fit(X)
    _, matching = matched_topic_cosine(seeded, true_topics, return_matching=True)
    assert np.sum(matching == np.arange(20)) >= 19
    _, plain_matching = matched_topic_cosine(plain, true_topics, return_matching=True)
    assert np.sum(plain_matching == np.arange(20)) < 5
    assert seeded.perplexity(X_test) <= 1.01 * plain.perplexity(X_test)


def test_auto_alpha_is_learned_next_to_a_matrix_prior(planted):
    X, _, true_topics, names, seeds = planted
    prior = seeded_topic_word_prior(seeds, names, prior=0.01)
    lda = LDATopics(
        n_components=20,
        doc_topic_prior="auto",
        topic_word_prior=prior,
        max_iter=10,
        random_state=0,
    ).fit(X)
    assert lda.doc_topic_prior_.shape == (20,)
    # From 1 / 20 towards the true 0.1.
    assert 0.07 < lda.doc_topic_prior_.mean() < 0.15
    np.testing.assert_array_equal(lda.topic_word_prior_, prior)
    _, matching = matched_topic_cosine(lda, true_topics, return_matching=True)
    assert np.sum(matching == np.arange(20)) >= 19


def test_bound_has_each_topics_own_prior_term(planted):
    X, _, _, names, seeds = planted
    # Topics with 1, 2 or 3 seeds: rows of the prior with different sums.
    seeds = [words[: 1 + k % 3] for k, words in enumerate(seeds)]
    prior = seeded_topic_word_prior(seeds, names, prior=0.01)
    lda = LDATopics(n_components=20, topic_word_prior=prior, max_iter=2).fit(X)
    lam = lda.components_
    expected_log = psi(lam) - psi(lam.sum(axis=1, keepdims=True))
    # E_q[log p(beta_k | eta_k) - log q(beta_k | lambda_k)], topic by topic.
    topics_term = sum(
        gammaln(prior[k].sum())
        - gammaln(prior[k]).sum()
        - gammaln(lam[k].sum())
        + gammaln(lam[k]).sum()
        + np.sum((prior[k] - lam[k]) * expected_log[k])
        for k in range(20)
    )
    gamma = lda.transform(X, normalize=False)
    local = document_bounds(
        csr_arrays(sp.csr_matrix(X)),
        dirichlet_expectation(lam),
        lda._doc_topic_prior_vector(),
        gamma,
    )
    np.testing.assert_allclose(
        lda.score_samples(X).sum() - local.sum(), topics_term, rtol=1e-6
    )
