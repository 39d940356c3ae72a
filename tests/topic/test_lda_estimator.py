"""LDATopics: agreement with scikit-learn, the latent contract, bad input."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linear_sum_assignment
from scipy.special import gammaln, psi
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklatent.datasets import make_lda_corpus
from sklatent.metrics import matched_topic_cosine
from sklatent.topic import LDATopics, NonIntegerCountsWarning
from sklatent.topic._inference import exp_dirichlet_expectation


@pytest.fixture(scope="module")
def corpus():
    return make_lda_corpus(
        n_samples=150, n_features=60, n_components=4, doc_length=40, random_state=0
    )


@pytest.fixture(scope="module")
def fitted(corpus):
    X, _, _ = corpus
    return LDATopics(n_components=4, max_iter=5, random_state=0).fit(X)


def _sklearn_score_of(components, X, prior):
    """scikit-learn's corpus bound of topics ``components`` on X."""
    lda = LatentDirichletAllocation(
        n_components=components.shape[0], doc_topic_prior=prior, random_state=0
    ).fit(np.ones((1, components.shape[1])))
    lda.components_ = components
    # Ours, which equals scikit-learn's (tests/topic/test_lda_inference.py).
    lda.exp_dirichlet_component_ = exp_dirichlet_expectation(components)
    return lda.score(X)


count_matrices = arrays(
    np.float64,
    st.tuples(st.integers(1, 12), st.just(60)),
    elements=st.integers(0, 4).map(float),
)


# -- agreement with scikit-learn ---------------------------------------------------


@pytest.mark.parametrize("learning_method", ["batch", "online"])
def test_fit_follows_scikit_learn_from_the_same_seed(corpus, learning_method):
    X, _, _ = corpus
    params = dict(
        n_components=4,
        max_iter=3,
        learning_method=learning_method,
        batch_size=50,
        random_state=0,
    )
    ours = LDATopics(**params).fit(X)
    theirs = LatentDirichletAllocation(**params).fit(X)
    np.testing.assert_allclose(ours.components_, theirs.components_, rtol=1e-8)
    np.testing.assert_allclose(
        ours.transform(X), theirs.transform(X), rtol=1e-8, atol=1e-12
    )
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.n_batch_iter_ == theirs.n_batch_iter_


def test_partial_fit_follows_scikit_learn(corpus):
    X, _, _ = corpus
    params = dict(n_components=4, batch_size=40, total_samples=1000, random_state=0)
    ours, theirs = LDATopics(**params), LatentDirichletAllocation(**params)
    for rows in (slice(0, 70), slice(70, 150)):
        ours.partial_fit(X[rows])
        theirs.partial_fit(X[rows])
    np.testing.assert_allclose(ours.components_, theirs.components_, rtol=1e-8)


def test_full_fit_bound_is_at_least_scikit_learns(corpus):
    X, _, _ = corpus
    theirs = LatentDirichletAllocation(n_components=4, max_iter=20, random_state=2)
    theirs.fit(X)
    ours = LDATopics(n_components=4, max_iter=20, random_state=2)
    ours.fit(X)
    our_bound = _sklearn_score_of(ours.components_, X, 0.25)
    assert our_bound >= theirs.score(X) - 1e-8 * abs(theirs.score(X))


def test_training_scores_add_up_to_scikit_learns_corpus_bound(corpus, fitted):
    X, _, _ = corpus
    expected = _sklearn_score_of(fitted.components_, X, 0.25)
    np.testing.assert_allclose(fitted.score_samples(X).sum(), expected, rtol=1e-8)


def _topics_term(components, prior):
    """E[log p(beta) - log q(beta)] of Dirichlet topics ``components``."""
    log_topic_word = psi(components) - psi(components.sum(axis=1, keepdims=True))
    return (
        np.sum((prior - components) * log_topic_word)
        + np.sum(gammaln(components) - gammaln(prior))
        + np.sum(gammaln(prior.sum(axis=1)) - gammaln(components.sum(axis=1)))
    )


@pytest.mark.parametrize("learning_method", ["batch", "cvb0"])
def test_training_scores_add_up_to_the_corpus_bound_under_an_auto_word_prior(
    corpus, learning_method
):
    """The topics' term is shared by the training words, after the prior moved.

    The documents' own terms are scikit-learn's bound minus its topics' term
    (its bound of an empty document); they do not involve the topic-word prior.
    """
    X, _, _ = corpus
    lda = LDATopics(
        n_components=4,
        topic_word_prior="auto",
        learning_method=learning_method,
        max_iter=5,
        random_state=0,
    ).fit(X)
    own_terms = _sklearn_score_of(lda.components_, X, 0.25) - _sklearn_score_of(
        lda.components_, sp.csr_matrix((1, 60)), 0.25
    )
    prior = np.broadcast_to(lda.topic_word_prior_, lda.components_.shape)
    expected = own_terms + _topics_term(lda.components_, prior)
    np.testing.assert_allclose(lda.score_samples(X).sum(), expected, rtol=1e-8)


def test_perplexity_of_a_few_documents_gives_the_topics_term_its_share(corpus, fitted):
    """scikit-learn issue #20032: the topics' term is not divided by few words.

    scikit-learn's bound of a set of documents is the sum of their own terms plus
    the whole topics' term T, which is its bound of an empty document (whose own
    term is zero); here each document gets T in proportion to its words instead.
    """
    X, _, _ = corpus
    few = X[:3]
    T = _sklearn_score_of(fitted.components_, sp.csr_matrix((1, 60)), 0.25)
    own_terms = [
        _sklearn_score_of(fitted.components_, few[[d]], 0.25) - T for d in range(3)
    ]
    fitted_words = fitted.components_.sum() - fitted.components_.size * 0.25
    expected = np.exp(-(np.sum(own_terms) + T * few.sum() / fitted_words) / few.sum())
    np.testing.assert_allclose(fitted.perplexity(few), expected, rtol=1e-6)
    assert fitted.perplexity(few) < 2 * fitted.perplexity(X)


def test_perplexity_is_exp_of_minus_bound_per_word(corpus, fitted):
    X, _, _ = corpus
    expected = np.exp(-fitted.score_samples(X).sum() / X.sum())
    np.testing.assert_allclose(fitted.perplexity(X), expected, rtol=1e-12)
    np.testing.assert_allclose(fitted.bound_, expected, rtol=1e-12)


def test_score_is_mean_bound_per_document(corpus, fitted):
    X, _, _ = corpus
    np.testing.assert_allclose(fitted.score(X), fitted.score_samples(X).mean())


# -- model behaviour -----------------------------------------------------------------


def test_recovers_planted_topics():
    X, true_topics, true_mixtures = make_lda_corpus(
        n_samples=400, n_features=80, n_components=3, doc_length=60, random_state=1
    )
    lda = LDATopics(n_components=3, doc_topic_prior=0.1, max_iter=30, random_state=0)
    mixtures = lda.fit_transform(X)
    assert matched_topic_cosine(lda, true_topics).min() > 0.9
    rows, cols = linear_sum_assignment(-(mixtures.T @ true_mixtures))
    assert np.mean(np.abs(mixtures[:, rows] - true_mixtures[:, cols])) < 0.1


def test_n_jobs_does_not_change_the_model(corpus):
    X, _, _ = corpus
    one = LDATopics(n_components=4, max_iter=3, random_state=0).fit(X)
    two = LDATopics(n_components=4, max_iter=3, random_state=0, n_jobs=2).fit(X)
    np.testing.assert_array_equal(one.components_, two.components_)
    np.testing.assert_array_equal(one.transform(X), two.transform(X))
    np.testing.assert_array_equal(one.score_samples(X), two.score_samples(X))


def test_n_init_keeps_the_best_of_several_fits(corpus):
    """The restarts are the fits that one random stream gives one after another."""
    X, _, _ = corpus
    stream = np.random.RandomState(4)
    restarts = [
        LDATopics(n_components=4, max_iter=2, random_state=stream).fit(X)
        for _ in range(4)
    ]
    bounds = [restart.score_samples(X).sum() for restart in restarts]
    # The seed is chosen so that the first restart is not the best.
    assert np.argmax(bounds) > 0
    best = LDATopics(n_components=4, max_iter=2, n_init=4, random_state=4).fit(X)
    np.testing.assert_array_equal(
        best.components_, restarts[np.argmax(bounds)].components_
    )


def test_auto_priors_are_learned_from_the_data():
    X, _, _ = make_lda_corpus(
        n_samples=300,
        n_features=50,
        n_components=4,
        doc_topic_prior=0.05,
        random_state=3,
    )
    lda = LDATopics(
        n_components=4,
        doc_topic_prior="auto",
        topic_word_prior="auto",
        max_iter=15,
        random_state=0,
    ).fit(X)
    assert lda.doc_topic_prior_.shape == (4,)
    assert lda.topic_word_prior_.shape == (50,)
    assert np.all(lda.doc_topic_prior_ > 0) and np.all(lda.topic_word_prior_ > 0)
    # Sparse true mixtures: the learned alpha moves from 1/4 towards 0.05.
    assert lda.doc_topic_prior_.mean() < 0.2
    fixed = LDATopics(n_components=4, max_iter=15, random_state=0).fit(X)
    assert lda.score(X) > fixed.score(X)


def test_online_auto_prior_is_updated_by_partial_fit(corpus):
    X, _, _ = corpus
    lda = LDATopics(n_components=4, doc_topic_prior="auto", random_state=0)
    lda.partial_fit(X)
    assert not np.allclose(lda.doc_topic_prior_, 0.25)


def test_evaluate_every_records_history_and_stops(corpus, capsys):
    X, _, _ = corpus
    lda = LDATopics(
        n_components=4,
        max_iter=50,
        evaluate_every=1,
        perp_tol=1.0,
        verbose=1,
        random_state=0,
    ).fit(X)
    assert 2 <= len(lda.history_) < 50
    assert abs(lda.history_[-1] - lda.history_[-2]) < 1.0
    assert lda.n_iter_ == len(lda.history_) - 1
    assert "perplexity" in capsys.readouterr().out


def test_empty_documents_get_the_prior_mean(fitted):
    X = sp.csr_matrix((3, 60))
    mixtures = fitted.transform(X)
    assert np.all(np.isfinite(mixtures))
    np.testing.assert_allclose(mixtures, 0.25)
    assert np.all(np.isfinite(fitted.score_samples(X)))


def test_fit_with_some_empty_documents(corpus):
    X, _, _ = corpus
    X = sp.vstack([X, sp.csr_matrix((2, 60))]).tocsr()
    lda = LDATopics(n_components=4, max_iter=3, random_state=0).fit(X)
    assert np.all(np.isfinite(lda.components_))
    assert np.isfinite(lda.bound_)


@pytest.mark.parametrize("learning_method", ["batch", "online", "cvb0"])
def test_empty_documents_under_a_tiny_prior(corpus, learning_method):
    X, _, _ = corpus
    X = sp.vstack([X, sp.csr_matrix((2, 60))]).tocsr()
    lda = LDATopics(
        n_components=4,
        doc_topic_prior=1e-4,
        learning_method=learning_method,
        max_iter=3,
        random_state=0,
    ).fit(X)
    np.testing.assert_allclose(lda.transform(X[-2:]), 0.25)
    assert np.all(np.isfinite(lda.score_samples(X)))


def test_non_integer_counts_warn_that_the_bound_is_no_likelihood(corpus, fitted):
    X, _, _ = corpus
    tfidf = TfidfTransformer().fit_transform(X)
    with pytest.warns(NonIntegerCountsWarning, match="TF-IDF"):
        LDATopics(n_components=2, max_iter=2).fit(tfidf)
    with pytest.warns(NonIntegerCountsWarning, match="not whole numbers"):
        fitted.transform(tfidf)


def test_float32_integer_counts_fit_without_warning(corpus):
    X, _, _ = corpus
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lda = LDATopics(n_components=2, max_iter=2).fit(X.astype(np.float32))
    assert np.isfinite(lda.bound_)


@pytest.mark.parametrize("prior", [5.0, 12.5])
def test_priors_above_one_are_used(corpus, prior):
    """Priors such as 50 / K are legitimate; the E-step adds alpha to gamma."""
    X, _, _ = corpus
    lda = LDATopics(
        n_components=4, doc_topic_prior=prior, topic_word_prior=prior, max_iter=2
    ).fit(X)
    assert lda.doc_topic_prior_ == prior and lda.topic_word_prior_ == prior
    empty = sp.csr_matrix((1, X.shape[1]))
    np.testing.assert_allclose(lda.transform(empty, normalize=False), prior)
    assert np.all(lda.components_ >= prior)


def test_sample_refuses_documents_too_long_to_draw(corpus):
    X, _, _ = corpus
    lda = LDATopics(n_components=2, max_iter=1).fit(X * 1e15)
    with pytest.raises(ValueError, match="doc_length"):
        lda.sample(3)
    assert lda.sample(3, doc_length=5)[0].sum() == 15


def test_partial_fit_refuses_a_batch_without_words(fitted):
    with pytest.raises(ValueError, match="no words"):
        LDATopics(n_components=2).partial_fit(sp.csr_matrix((4, 60)))


def test_split_merge_needs_three_topics(corpus):
    X, _, _ = corpus
    with pytest.raises(ValueError, match="split_merge_moves"):
        LDATopics(n_components=2, split_merge_moves=1).fit(X)


def test_dense_and_sparse_input_give_the_same_model(corpus):
    X, _, _ = corpus
    dense = LDATopics(n_components=4, max_iter=3, random_state=0).fit(X.toarray())
    sparse = LDATopics(n_components=4, max_iter=3, random_state=0).fit(X)
    np.testing.assert_array_equal(dense.components_, sparse.components_)


# -- properties ----------------------------------------------------------------------


@given(count_matrices)
def test_transform_rows_sum_to_one(fitted, X):
    mixtures = fitted.transform(X)
    np.testing.assert_allclose(mixtures.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(mixtures >= 0)


@given(count_matrices, st.randoms(use_true_random=False))
def test_permuting_documents_permutes_transform_and_nothing_else(fitted, X, rnd):
    order = np.array(rnd.sample(range(X.shape[0]), X.shape[0]))
    np.testing.assert_array_equal(
        fitted.transform(X[order]), fitted.transform(X)[order]
    )
    np.testing.assert_array_equal(
        fitted.score_samples(X[order]), fitted.score_samples(X)[order]
    )


@given(
    st.integers(1, 8),
    st.one_of(st.integers(0, 50), st.lists(st.integers(0, 50), min_size=8, max_size=8)),
    st.integers(0, 2**31 - 1),
)
def test_sampled_documents_have_the_requested_lengths(fitted, n, doc_length, seed):
    if isinstance(doc_length, list):
        doc_length = np.array(doc_length[:n])
    counts, mixtures = fitted.sample(n, doc_length=doc_length, random_state=seed)
    assert counts.shape == (n, 60)
    np.testing.assert_array_equal(
        np.asarray(counts.sum(axis=1)).ravel(), np.broadcast_to(doc_length, (n,))
    )
    np.testing.assert_allclose(mixtures.sum(axis=1), 1.0)


def test_sampled_lengths_follow_the_training_documents(corpus, fitted):
    X, _, _ = corpus
    counts, _ = fitted.sample(200, random_state=0)
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    training = set(np.asarray(X.sum(axis=1)).ravel().tolist())
    assert set(lengths.tolist()) <= training


def test_sample_falls_back_to_random_state(fitted):
    first, _ = fitted.sample(4)
    second, _ = fitted.sample(4)
    np.testing.assert_array_equal(first.toarray(), second.toarray())
    other, _ = fitted.sample(4, random_state=1)
    assert not np.array_equal(first.toarray(), other.toarray())


def test_samples_follow_the_model_word_distribution(fitted):
    counts, mixtures = fitted.sample(3000, doc_length=30, random_state=0)
    expected = 30 * fitted.inverse_transform(mixtures).sum(axis=0)
    observed = np.asarray(counts.sum(axis=0)).ravel()
    # Poisson-scale deviations of the word totals, far from a wrong model's.
    assert np.all(np.abs(observed - expected) < 6 * np.sqrt(expected) + 1)


def test_inverse_transform_gives_word_distributions(corpus, fitted):
    X, _, _ = corpus
    words = fitted.inverse_transform(fitted.transform(X))
    assert words.shape == X.shape
    np.testing.assert_allclose(words.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="Negative values"):
        fitted.inverse_transform(-np.ones((2, 4)))


# -- top words -----------------------------------------------------------------------


def test_top_words_from_a_vectorizer_pipeline():
    texts = ["apple banana apple fruit", "car engine wheel car", "banana fruit apple"]
    texts = texts * 10 + ["engine car wheel road"] * 10
    pipe = make_pipeline(
        CountVectorizer(), LDATopics(n_components=2, max_iter=20, random_state=0)
    ).fit(texts)
    vocabulary = pipe[0].get_feature_names_out()
    words = pipe[-1].top_words(n_words=3, feature_names=vocabulary)
    assert words.shape == (2, 3)
    assert {frozenset(row) for row in words} == {
        frozenset({"apple", "banana", "fruit"}),
        frozenset({"car", "engine", "wheel"}),
    }


def test_top_words_default_to_feature_names_in(corpus):
    X, _, _ = corpus
    frame = pd.DataFrame(X.toarray(), columns=[f"w{i}" for i in range(60)])
    lda = LDATopics(n_components=2, max_iter=2, random_state=0).fit(frame)
    assert str(lda.top_words(2)[0, 0]).startswith("w")
    plain = LDATopics(n_components=2, max_iter=2, random_state=0).fit(X)
    assert str(plain.top_words(2)[0, 0]).startswith("x")


@pytest.mark.parametrize("bad", [0, 61, 2.5, True])
def test_top_words_rejects_bad_n_words(fitted, bad):
    with pytest.raises(ValueError, match="n_words"):
        fitted.top_words(bad)


def test_top_words_rejects_wrong_number_of_names(fitted):
    with pytest.raises(ValueError, match="feature_names"):
        fitted.top_words(3, feature_names=["a", "b"])


# -- bad input -----------------------------------------------------------------------


@given(
    count_matrices,
    st.integers(0, 11),
    st.integers(0, 59),
    st.floats(max_value=-1e-6, allow_infinity=False),
)
def test_negative_counts_are_rejected(fitted, X, row, col, value):
    X = X.copy()
    X[row % X.shape[0], col] = value
    for method in (fitted.transform, fitted.score_samples, fitted.perplexity):
        with pytest.raises(ValueError, match="Negative values"):
            method(X)
    with pytest.raises(ValueError, match="Negative values"):
        LDATopics(n_components=2).fit(X)


@given(count_matrices, st.sampled_from([np.nan, np.inf, -np.inf]))
def test_nan_and_inf_are_rejected(fitted, X, value):
    X = X.copy()
    X[0, 0] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        fitted.transform(X)


def test_partial_fit_rejects_another_vocabulary_width(corpus):
    X, _, _ = corpus
    lda = LDATopics(n_components=2, random_state=0).partial_fit(X)
    with pytest.raises(ValueError, match="features"):
        lda.partial_fit(X[:, :50])


def test_corpus_without_words_is_rejected():
    with pytest.raises(ValueError, match="no words"):
        LDATopics(n_components=2).fit(sp.csr_matrix((4, 6)))


@pytest.mark.parametrize(
    "doc_length, match",
    [
        (-1, "non-negative"),
        (np.array([3, -2]), "non-negative"),
        ([1, 2, 3], "ints"),
        (2.5, "int"),
        (np.array([1.0, 2.0]), "ints"),
    ],
)
def test_sample_rejects_bad_doc_length(fitted, doc_length, match):
    with pytest.raises(ValueError, match=match):
        fitted.sample(2, doc_length=doc_length)


@pytest.mark.parametrize(
    "params",
    [
        {"doc_topic_prior": "learned"},
        {"topic_word_prior": -1.0},
        {"n_init": 0},
        {"learning_method": "stochastic"},
        {"doc_topic_prior": 0.0},
        {"topic_word_prior": 0.0},
        {"n_jobs": 0},
    ],
)
def test_bad_parameters_are_rejected(corpus, params):
    X, _, _ = corpus
    with pytest.raises(ValueError, match=next(iter(params))):
        LDATopics(**params).fit(X)


def test_grid_search_chooses_n_components_by_held_out_bound(corpus):
    X, _, _ = corpus
    search = GridSearchCV(
        LDATopics(max_iter=5, random_state=0), {"n_components": [1, 4]}, cv=3
    ).fit(X)
    assert search.best_params_ == {"n_components": 4}
