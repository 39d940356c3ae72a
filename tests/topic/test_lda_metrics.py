"""topic_coherence and matched_topic_cosine against brute force and gensim."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklatent.datasets import make_lda_corpus
from sklatent.metrics import matched_topic_cosine, topic_coherence
from sklatent.topic import LDATopics


@pytest.fixture(scope="module")
def corpus():
    return make_lda_corpus(
        n_samples=300,
        n_features=25,
        n_components=3,
        doc_length=30,
        topic_word_prior=0.3,
        random_state=0,
    )


def _brute_force(topic_word, X, measure, top_n):
    occurs = X.toarray() > 0
    n_docs = occurs.shape[0]
    scores = []
    for row in topic_word:
        top = np.argsort(-row, kind="stable")[:top_n]
        pairs = []
        for i in range(top_n):
            for j in range(i + 1, top_n):
                a, b = occurs[:, top[i]], occurs[:, top[j]]
                together = np.sum(a & b)
                if measure == "umass":
                    pairs.append(np.log((together + 1) / a.sum()))
                elif together == 0:
                    pairs.append(-1.0)
                else:
                    p_ab = together / n_docs
                    pmi = np.log(p_ab / (a.mean() * b.mean()))
                    pairs.append(1.0 if p_ab == 1 else pmi / -np.log(p_ab))
        scores.append(np.mean(pairs))
    return np.array(scores)


@pytest.mark.parametrize("measure", ["umass", "npmi"])
def test_coherence_matches_brute_force(corpus, measure):
    X, topic_word, _ = corpus
    np.testing.assert_allclose(
        topic_coherence(topic_word, X, measure=measure, top_n=6),
        _brute_force(topic_word, X, measure, 6),
        rtol=1e-12,
    )


def test_npmi_matches_gensim(corpus):
    X, topic_word, _ = corpus
    dense = X.toarray()
    names = [f"w{i}" for i in range(X.shape[1])]
    texts = [[names[w] for w in np.repeat(np.arange(25), row)] for row in dense]
    top = np.argsort(-topic_word, axis=1, kind="stable")[:, :5]
    gensim_scores = CoherenceModel(
        topics=[[names[w] for w in row] for row in top],
        texts=texts,
        dictionary=Dictionary(texts),
        coherence="c_npmi",
        window_size=max(map(len, texts)),
        processes=1,
    ).get_coherence_per_topic()
    np.testing.assert_allclose(
        topic_coherence(topic_word, X, measure="npmi", top_n=5),
        gensim_scores,
        atol=1e-6,
    )


def test_true_topics_are_more_coherent_than_random_ones(corpus):
    X, topic_word, _ = corpus
    shuffled = np.random.RandomState(0).permutation(topic_word.ravel())
    random_topics = shuffled.reshape(topic_word.shape)
    for measure in ("umass", "npmi"):
        assert (
            topic_coherence(topic_word, X, measure=measure).mean()
            > topic_coherence(random_topics, X, measure=measure).mean()
        )


def test_accepts_a_fitted_model(corpus):
    X, _, _ = corpus
    lda = LDATopics(n_components=3, max_iter=3, random_state=0).fit(X)
    np.testing.assert_array_equal(
        topic_coherence(lda, X), topic_coherence(lda.components_, X)
    )


@given(
    arrays(np.float64, (3, 8), elements=st.floats(0, 1)),
    arrays(np.int64, (20, 8), elements=st.integers(0, 3)),
    st.integers(2, 8),
)
def test_npmi_lies_between_minus_one_and_one(topic_word, X, top_n):
    scores = topic_coherence(topic_word, X, measure="npmi", top_n=top_n)
    assert np.all((scores >= -1 - 1e-12) & (scores <= 1 + 1e-12))


def test_rejects_another_vocabulary(corpus):
    X, topic_word, _ = corpus
    with pytest.raises(ValueError, match="words"):
        topic_coherence(topic_word[:, :10], X)


def test_rejects_top_n_beyond_the_vocabulary(corpus):
    X, topic_word, _ = corpus
    with pytest.raises(ValueError, match="top_n"):
        topic_coherence(topic_word, X, top_n=26)


def test_rejects_negative_input(corpus):
    X, topic_word, _ = corpus
    with pytest.raises(ValueError, match="Negative"):
        topic_coherence(-topic_word, X)
    with pytest.raises(ValueError, match="Negative"):
        topic_coherence(topic_word, -X)


def test_umass_rejects_words_absent_from_the_corpus(corpus):
    _, topic_word, _ = corpus
    with pytest.raises(ValueError, match="occur in none"):
        topic_coherence(topic_word, sp.csr_matrix((5, 25)), measure="umass")


def test_rejects_unknown_measure(corpus):
    X, topic_word, _ = corpus
    with pytest.raises(ValueError, match="measure"):
        topic_coherence(topic_word, X, measure="cv")


def test_matched_topic_cosine_is_the_best_one_to_one_matching():
    rng = np.random.RandomState(0)
    topics, truth = rng.rand(4, 9), rng.rand(4, 9)
    a = topics / np.linalg.norm(topics, axis=1, keepdims=True)
    b = truth / np.linalg.norm(truth, axis=1, keepdims=True)
    best = max(
        itertools.permutations(range(4)),
        key=lambda perm: sum(a[perm[t]] @ b[t] for t in range(4)),
    )
    expected = [a[best[t]] @ b[t] for t in range(4)]
    np.testing.assert_allclose(matched_topic_cosine(topics, truth), expected)


def test_matched_topic_cosine_rejects_another_vocabulary():
    with pytest.raises(ValueError, match="words"):
        matched_topic_cosine(np.ones((2, 5)), np.ones((2, 6)))
