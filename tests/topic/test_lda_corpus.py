"""make_lda_corpus and the document sampler behind it."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklatent.datasets import make_lda_corpus
from sklatent.topic._sampling import draw_dirichlet, draw_documents


def test_make_lda_corpus_returns_counts_topics_and_mixtures():
    X, topic_word, doc_topic = make_lda_corpus(
        n_samples=500, n_features=30, n_components=5, doc_length=40, random_state=0
    )
    assert X.shape == (500, 30) and X.format == "csr" and X.dtype == np.int64
    assert topic_word.shape == (5, 30) and doc_topic.shape == (500, 5)
    np.testing.assert_allclose(topic_word.sum(axis=1), 1.0)
    np.testing.assert_allclose(doc_topic.sum(axis=1), 1.0)
    lengths = np.asarray(X.sum(axis=1)).ravel()
    assert abs(lengths.mean() - 40) < 3 * np.sqrt(40 / 500)
    again, _, _ = make_lda_corpus(
        n_samples=500, n_features=30, n_components=5, doc_length=40, random_state=0
    )
    np.testing.assert_array_equal(X.toarray(), again.toarray())


def test_word_totals_follow_the_true_model():
    X, topic_word, doc_topic = make_lda_corpus(
        n_samples=4000, n_features=20, n_components=3, random_state=1
    )
    lengths = np.asarray(X.sum(axis=1)).ravel()
    expected = (lengths[:, None] * doc_topic @ topic_word).sum(axis=0)
    observed = np.asarray(X.sum(axis=0)).ravel()
    assert np.all(np.abs(observed - expected) < 5 * np.sqrt(expected) + 1)


def test_draw_documents_matches_the_multinomial_brute_force():
    """Frequencies of a one-word document are p = theta @ beta exactly."""
    rng = np.random.RandomState(0)
    doc_topic = np.array([[0.3, 0.7]] * 20000)
    topic_word = np.array([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]])
    counts = draw_documents(doc_topic, topic_word, np.ones(20000, int), rng)
    frequencies = np.asarray(counts.sum(axis=0)).ravel() / 20000
    np.testing.assert_allclose(frequencies, [0.22, 0.29, 0.49], atol=0.015)


@given(st.floats(1e-4, 5.0), st.integers(2, 6), st.integers(0, 2**31 - 1))
def test_draw_dirichlet_gives_distributions_even_for_tiny_concentrations(
    concentration, n_cols, seed
):
    draws = draw_dirichlet(
        np.full(n_cols, concentration), 50, np.random.RandomState(seed)
    )
    assert np.all(np.isfinite(draws)) and np.all(draws >= 0)
    np.testing.assert_allclose(draws.sum(axis=1), 1.0)


def test_draw_dirichlet_has_the_dirichlet_mean():
    concentration = np.array([0.05, 0.2, 1.0])
    draws = draw_dirichlet(concentration, 40000, np.random.RandomState(0))
    np.testing.assert_allclose(
        draws.mean(axis=0), concentration / concentration.sum(), atol=0.01
    )


@pytest.mark.parametrize(
    "params",
    [
        {"n_samples": 0},
        {"n_features": -1},
        {"doc_topic_prior": 0.0},
        {"doc_length": -5},
        {"n_components": 1.5},
    ],
)
def test_make_lda_corpus_rejects_bad_parameters(params):
    with pytest.raises(ValueError, match=next(iter(params))):
        make_lda_corpus(**params)
