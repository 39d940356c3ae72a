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
from sklearn.feature_extraction.text import CountVectorizer

from sklatent.datasets import load_stdlib_docstrings, make_lda_corpus
from sklatent.metrics import matched_topic_cosine, topic_coherence
from sklatent.topic import LDATopics

MEASURES = ["u_mass", "c_uci", "c_npmi", "c_v"]
EPS = 1e-12


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


@pytest.fixture(scope="module")
def docstrings():
    """A small real corpus, its tokens, vocabulary and fitted topics."""
    documents = load_stdlib_docstrings(
        ["json", "csv", "heapq", "textwrap", "difflib", "statistics"]
    )
    vectorizer = CountVectorizer(
        stop_words="english", min_df=3, token_pattern=r"\b[a-zA-Z]{3,}\b"
    )
    X = vectorizer.fit_transform(documents)
    analyzer = vectorizer.build_analyzer()
    texts = [analyzer(doc) for doc in documents]
    lda = LDATopics(n_components=8, max_iter=10, random_state=0).fit(X)
    return X, texts, vectorizer, lda


def _brute_force(topic_word, windows, measure, top_n):
    """The measures of Röder et al. from the windows' word sets, pair by pair."""
    n = len(windows)

    def p(*words):
        return sum(all(w in window for w in words) for window in windows) / n

    def npmi(a, b):
        if p(a) == 0 or p(b) == 0:
            return -1.0
        return np.log((p(a, b) + EPS) / (p(a) * p(b))) / -np.log(p(a, b) + EPS)

    scores = []
    for row in np.asarray(topic_word):
        top = np.argsort(-row, kind="stable")[:top_n]
        if measure == "u_mass":
            pairs = [
                np.log((p(top[i], top[j]) + EPS) / p(top[j]))
                for i in range(top_n)
                for j in range(i)
            ]
        elif measure == "c_uci":
            pairs = [
                np.log((p(a, b) + EPS) / (p(a) * p(b)))
                for a, b in itertools.combinations(top, 2)
            ]
        elif measure == "c_npmi":
            pairs = [npmi(a, b) for a, b in itertools.combinations(top, 2)]
        else:
            vectors = np.array([[npmi(a, b) for b in top] for a in top])
            total = vectors.sum(axis=0)
            pairs = [
                v @ total / (np.linalg.norm(v) * np.linalg.norm(total)) for v in vectors
            ]
        scores.append(np.mean(pairs))
    return np.array(scores)


def _sliding_windows(texts, window_size):
    windows = []
    for text in texts:
        starts = range(max(1, len(text) - window_size + 1))
        windows += [set(text[s : s + window_size]) for s in starts]
    return windows


def _gensim(topics, texts, measure, top_n, window_size=None):
    dictionary = Dictionary(texts)
    reference = (
        {"corpus": [dictionary.doc2bow(text) for text in texts]}
        if measure == "u_mass"
        else {"texts": texts}
    )
    return CoherenceModel(
        topics=[list(topic) for topic in topics],
        dictionary=dictionary,
        coherence=measure,
        topn=top_n,
        window_size=window_size,
        processes=1,
        **reference,
    ).get_coherence_per_topic()


# -- the definitions -------------------------------------------------------------------


@pytest.mark.parametrize("measure", MEASURES)
def test_document_coherence_matches_brute_force(corpus, measure):
    X, topic_word, _ = corpus
    windows = [set(np.flatnonzero(row)) for row in X.toarray()]
    np.testing.assert_allclose(
        topic_coherence(topic_word, X, measure=measure, top_n=6),
        _brute_force(topic_word, windows, measure, 6),
        rtol=1e-12,
    )


@pytest.mark.parametrize("measure", MEASURES)
@given(
    texts=st.lists(st.lists(st.integers(0, 5), max_size=12), min_size=1, max_size=6),
    weights=arrays(np.float64, (2, 6), elements=st.floats(0, 1), unique=True),
    window_size=st.integers(1, 6),
)
def test_sliding_window_coherence_matches_brute_force(
    measure, texts, weights, window_size
):
    vocabulary = np.array(list("abcdef"), dtype=object)
    top = np.argsort(-weights, axis=1, kind="stable")[:, :3]
    if measure in ("u_mass", "c_uci"):
        # These two refuse words in no window; give every top word one.
        texts = [*texts, sorted(set(top.ravel()))]
    windows = (
        [set(text) for text in texts]
        if measure == "u_mass"
        else _sliding_windows(texts, window_size)
    )
    options = {} if measure == "u_mass" else {"window_size": window_size}
    ours = topic_coherence(
        weights,
        texts=[list(vocabulary[text]) for text in texts],
        vocabulary=vocabulary,
        measure=measure,
        top_n=3,
        **options,
    )
    np.testing.assert_allclose(
        ours, _brute_force(weights, windows, measure, 3), rtol=1e-9, atol=1e-12
    )


# -- gensim ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "measure, window_size",
    [(measure, None) for measure in MEASURES] + [("c_npmi", 25), ("c_v", 40)],
)
def test_gensim_counting_equals_gensim_on_real_text(docstrings, measure, window_size):
    X, texts, vectorizer, lda = docstrings
    top = lda.top_words(10, vectorizer.get_feature_names_out())
    ours = topic_coherence(
        lda,
        texts=texts,
        vocabulary=vectorizer,
        measure=measure,
        top_n=10,
        window_size=window_size,
        window_counting="gensim",
    )
    np.testing.assert_allclose(
        ours, _gensim(top, texts, measure, 10, window_size), rtol=1e-6
    )


def test_real_reference_corpus_has_pairs_that_never_co_occur(docstrings):
    """So that a document-level NPMI could not pass the gensim comparison."""
    X, texts, vectorizer, lda = docstrings
    top = np.argsort(-lda.components_, axis=1)[:, :10]
    names = vectorizer.get_feature_names_out()
    windows = _sliding_windows(texts, 10)
    never = [
        (a, b)
        for row in top
        for a, b in itertools.combinations(names[row], 2)
        if not any(a in w and b in w for w in windows)
    ]
    assert len(never) > 10
    documents = topic_coherence(lda, X, measure="c_npmi")
    windowed = topic_coherence(
        lda, texts=texts, vocabulary=vectorizer, measure="c_npmi"
    )
    assert np.max(np.abs(documents - windowed)) > 0.05


@pytest.mark.parametrize("measure", ["c_uci", "c_npmi", "c_v"])
def test_counts_are_gensim_with_a_window_of_the_longest_document(docstrings, measure):
    X, texts, vectorizer, lda = docstrings
    # Counts know no order: the tokens of the counted vocabulary only.
    vocabulary = set(vectorizer.get_feature_names_out())
    kept = [[token for token in text if token in vocabulary] for text in texts]
    top = lda.top_words(10, vectorizer.get_feature_names_out())
    longest = max(map(len, kept))
    np.testing.assert_allclose(
        topic_coherence(lda, X, measure=measure),
        _gensim(top, kept, measure, 10, longest),
        rtol=1e-6,
    )


def test_exact_counting_counts_a_repeated_word_in_every_window():
    """gensim 4.4 forgets a word whose token leaves the window though another stays."""
    texts = [list("abacdea")]
    topics = np.array([[1.0, 0.9, 0, 0, 0], [1.0, 0, 0, 0, 0.9]])
    vocabulary = list("abcde")
    exact, gensim = (
        topic_coherence(
            topics,
            texts=texts,
            vocabulary=vocabulary,
            measure="c_uci",
            top_n=2,
            window_size=3,
            window_counting=counting,
        )
        for counting in ("exact", "gensim")
    )
    # Windows of 3: aba, bac, acd, cde, dea: "a" is in four, "b" and "e" in two.
    np.testing.assert_allclose(
        exact, np.log((np.array([2, 1]) / 5 + EPS) / (4 / 5 * 2 / 5))
    )
    np.testing.assert_allclose(
        gensim, _gensim([["a", "b"], ["a", "e"]], texts, "c_uci", 2, 3)
    )
    assert not np.allclose(exact, gensim)


# -- behaviour ---------------------------------------------------------------------


def test_true_topics_are_more_coherent_than_random_ones(corpus):
    X, topic_word, _ = corpus
    shuffled = np.random.RandomState(0).permutation(topic_word.ravel())
    random_topics = shuffled.reshape(topic_word.shape)
    for measure in MEASURES:
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


def test_old_names_are_the_gensim_measures(corpus):
    X, topic_word, _ = corpus
    for old, new in (("umass", "u_mass"), ("npmi", "c_npmi")):
        np.testing.assert_array_equal(
            topic_coherence(topic_word, X, measure=old),
            topic_coherence(topic_word, X, measure=new),
        )


@given(
    arrays(np.float64, (3, 8), elements=st.floats(0, 1)),
    arrays(np.int64, (20, 8), elements=st.integers(0, 3)),
    st.integers(2, 8),
)
def test_npmi_lies_between_minus_one_and_one(topic_word, X, top_n):
    scores = topic_coherence(topic_word, X, measure="c_npmi", top_n=top_n)
    assert np.all((scores >= -1 - 1e-9) & (scores <= 1 + 1e-9))


def test_npmi_of_words_absent_from_the_reference_is_minus_one(corpus):
    _, topic_word, _ = corpus
    empty = sp.csr_matrix((5, 25))
    np.testing.assert_array_equal(
        topic_coherence(topic_word, empty, measure="c_npmi"), -1.0
    )


# -- bad input ---------------------------------------------------------------------


def test_rejects_another_vocabulary(corpus):
    X, topic_word, _ = corpus
    with pytest.raises(ValueError, match="words"):
        topic_coherence(topic_word[:, :10], X)
    with pytest.raises(ValueError, match="vocabulary"):
        topic_coherence(topic_word, texts=[["a"]], vocabulary=["a", "b"])


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


@pytest.mark.parametrize("measure", ["u_mass", "c_uci"])
def test_rejects_words_absent_from_the_corpus(corpus, measure):
    _, topic_word, _ = corpus
    with pytest.raises(ValueError, match="occur in"):
        topic_coherence(topic_word, sp.csr_matrix((5, 25)), measure=measure)


def test_rejects_unknown_measure(corpus):
    X, topic_word, _ = corpus
    with pytest.raises(ValueError, match="measure"):
        topic_coherence(topic_word, X, measure="cv")


@pytest.mark.parametrize(
    "reference, match",
    [
        ({}, "either"),
        ({"texts": [["a"]]}, "vocabulary"),
        ({"texts": ["a b"], "vocabulary": list("abc")}, "lists of tokens"),
        ({"window_size": 5}, "window_size"),
        (
            {"texts": [["a"]], "vocabulary": list("abc"), "window_size": 0},
            "window_size",
        ),
    ],
)
def test_rejects_a_bad_reference(reference, match):
    topics = np.eye(3)
    if "texts" not in reference and match != "either":
        reference["X"] = np.ones((2, 3))
    with pytest.raises((ValueError, TypeError), match=match):
        topic_coherence(topics, top_n=2, **reference)


def test_u_mass_refuses_a_sliding_window():
    with pytest.raises(ValueError, match="u_mass"):
        topic_coherence(
            np.eye(3), texts=[["a"]], vocabulary=list("abc"), top_n=2, window_size=4
        )


# -- matched_topic_cosine ----------------------------------------------------------


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
    cosine, matching = matched_topic_cosine(topics, truth, return_matching=True)
    np.testing.assert_allclose(cosine, expected)
    np.testing.assert_array_equal(matching, best)


def test_matched_topic_cosine_names_unmatched_true_topics():
    truth = np.eye(4)
    with pytest.warns(UserWarning, match=r"true topics \[1, 3\] are left unmatched"):
        cosine, matching = matched_topic_cosine(
            truth[[2, 0]], truth, return_matching=True
        )
    np.testing.assert_array_equal(cosine, [1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(matching, [1, -1, 0, -1])


@pytest.mark.parametrize(
    "topics, truth, match",
    [
        (np.ones((2, 5)), np.ones((2, 6)), "words"),
        (np.ones((2, 5)), -np.ones((2, 5)), "Negative"),
        (np.ones((2, 5)), np.full((2, 5), np.nan), "NaN"),
        (np.zeros((2, 5)), np.ones((2, 5)), "no positive weight"),
        (np.ones((2, 5)), np.ones(5), "2D"),
    ],
)
def test_matched_topic_cosine_rejects_bad_topics(topics, truth, match):
    with pytest.raises(ValueError, match=match):
        matched_topic_cosine(topics, truth)


@pytest.mark.parametrize("measure", ["u_mass", "c_uci", "c_npmi", "c_v"])
def test_coherence_refuses_a_reference_corpus_without_windows(measure):
    with pytest.raises(ValueError, match=f"{measure} coherence .* it has none"):
        topic_coherence(
            [[1, 1, 0]], texts=[], vocabulary=list("abc"), measure=measure, top_n=2
        )
