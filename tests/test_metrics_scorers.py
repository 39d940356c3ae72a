"""The scorers of sklatent.metrics drive GridSearchCV, on estimators and Pipelines.

Expected values are computed here independently of the scorers: distances by brute
force with scipy, standardisation with numpy, one-hot encoding with pandas, NPMI
coherence from document frequencies counted by hand.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklatent import GANSampler, LDATopics
from sklatent.datasets import load_stdlib_docstrings, make_lda_corpus
from sklatent.metrics import (
    make_coherence_scorer,
    make_log_likelihood_scorer,
    make_sample_scorer,
    mmd,
)


def _energy_distance(A, B):
    """Energy distance by brute force over all pairs."""
    cross, within_A, within_B = cdist(A, B).mean(), cdist(A, A).mean(), cdist(B, B)
    return np.sqrt(2 * cross - within_A - within_B.mean())


def _standardise_like(A, reference):
    return (A - reference.mean(axis=0)) / reference.std(axis=0)


class _NormalSampler(BaseEstimator):
    """A model with ``sample`` only: standard normal rows shifted by ``shift``."""

    def __init__(self, shift=0.0, n_features=2):
        self.shift = shift
        self.n_features = n_features

    def fit(self, X, y=None):
        self.n_features_in_ = np.shape(X)[1]
        return self

    def sample(self, n_samples=1, *, random_state=None):
        rng = np.random.default_rng(random_state)
        return rng.normal(self.shift, 1, size=(n_samples, self.n_features)), None


def _data(seed=0, n_samples=300):
    return np.random.default_rng(seed).normal(size=(n_samples, 2))


def test_sample_scorer_is_minus_the_energy_distance_in_standardised_units():
    X = _data() * [3.0, 0.5] + [10.0, -2.0]
    model = _NormalSampler(shift=1.0).fit(X)
    drawn = np.random.default_rng(4).normal(1.0, 1, size=(200, 2))
    expected = -_energy_distance(_standardise_like(X, X), _standardise_like(drawn, X))
    scorer = make_sample_scorer(n_samples=200, random_state=4)
    assert scorer(model, X) == pytest.approx(expected, rel=1e-10)


def test_sample_scorer_maps_pipeline_samples_back_to_the_data_space():
    X = _data() * 10 + 100  # far from standardised units
    pipe = Pipeline([("scale", StandardScaler()), ("model", _NormalSampler())]).fit(X)
    # The model draws standard normal rows in the scaler's units; in data units
    # they are those rows times the spread of X plus its mean.
    drawn = np.random.default_rng(1).normal(size=(300, 2))
    in_data_units = drawn * X.std(axis=0) + X.mean(axis=0)
    expected = -_energy_distance(
        _standardise_like(X, X), _standardise_like(in_data_units, X)
    )
    scorer = make_sample_scorer(n_samples=300, random_state=1)
    assert scorer(pipe, X) == pytest.approx(expected, rel=1e-8)


def test_sample_scorer_is_deterministic_across_scorers_and_models():
    X = _data()
    first = make_sample_scorer(n_samples=100, random_state=3)(_NormalSampler(), X)
    second = make_sample_scorer(n_samples=100, random_state=3)(_NormalSampler(), X)
    assert first == second
    other_seed = make_sample_scorer(n_samples=100, random_state=4)(_NormalSampler(), X)
    assert other_seed != first


def test_sample_scorer_grid_search_picks_the_model_closest_to_the_data():
    X = _data(n_samples=400)
    search = GridSearchCV(
        _NormalSampler(),
        {"shift": [1.0, 0.0, 2.0]},
        cv=2,
        scoring=make_sample_scorer(mmd, n_samples=200),
    ).fit(X)
    assert search.best_params_ == {"shift": 0.0}
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] > scores[0] > scores[2]


def _mixed_table(n_samples=200, seed=0):
    """A numeric column whose mean depends on a categorical one."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], size=n_samples, p=[0.5, 0.3, 0.2])
    level = {"red": -2.0, "green": 0.0, "blue": 3.0}
    size = np.array([level[c] for c in colour]) + 0.3 * rng.normal(size=n_samples)
    return pd.DataFrame({"size": size, "colour": pd.Categorical(colour)})


def _one_hot_standardised(table, reference, categories):
    numeric = _standardise_like(
        table[["size"]].to_numpy(dtype=float), reference[["size"]].to_numpy(float)
    )
    colour = pd.Categorical(table["colour"], categories=categories)
    return np.hstack([numeric, pd.get_dummies(colour).to_numpy(dtype=float)])


def test_sample_scorer_scores_a_gan_on_a_table_with_a_categorical_column():
    table = _mixed_table()
    gan = GANSampler(categorical_features=["colour"], max_epochs=5, random_state=0).fit(
        table
    )
    generated, _ = gan.sample(150, random_state=2)
    categories = sorted(set(table["colour"]) | set(generated["colour"]))
    expected = -_energy_distance(
        _one_hot_standardised(table, table, categories),
        _one_hot_standardised(generated, table, categories),
    )
    scorer = make_sample_scorer(n_samples=150, random_state=2)
    assert scorer(gan, table) == pytest.approx(expected, rel=1e-10)


class _TableSampler(BaseEstimator):
    """Draws rows of the mixed table, optionally with every colour set to one."""

    def __init__(self, colour=None):
        self.colour = colour

    def fit(self, X, y=None):
        return self

    def sample(self, n_samples=1, *, random_state=None):
        rows = _mixed_table(n_samples, seed=random_state)
        if self.colour is not None:
            rows["colour"] = self.colour
        return rows, None


def test_sample_scorer_sees_the_categories_of_mixed_tables():
    table = _mixed_table(seed=5)
    scorer = make_sample_scorer(n_samples=200, random_state=1)
    right = scorer(_TableSampler(), table)
    wrong_colours = scorer(_TableSampler(colour="red"), table)
    assert right > wrong_colours
    # An object array of the same table is scored the same way.
    assert scorer(_TableSampler(), table.to_numpy(dtype=object)) == pytest.approx(right)


def _npmi_by_hand(topic_word, counts, top_n):
    """Mean NPMI over topics, from document frequencies counted pair by pair.

    gensim's ``c_npmi`` with documents as windows: smoothing ``eps = 1e-12``.
    """
    eps = 1e-12
    occurs = np.asarray(counts.toarray() > 0)
    n_docs = occurs.shape[0]
    topics = []
    for weights in topic_word:
        top = np.argsort(-weights, kind="stable")[:top_n]
        pairs = []
        for i in range(top_n):
            for j in range(i + 1, top_n):
                p_i = occurs[:, top[i]].mean()
                p_j = occurs[:, top[j]].mean()
                p_ij = (occurs[:, top[i]] & occurs[:, top[j]]).sum() / n_docs
                pmi = np.log((p_ij + eps) / (p_i * p_j))
                pairs.append(pmi / -np.log(p_ij + eps))
        topics.append(np.mean(pairs))
    return np.mean(topics)


def test_coherence_scorer_grid_searches_topics_of_a_text_pipeline():
    documents = load_stdlib_docstrings(["json", "csv", "socket", "math", "datetime"])
    pipe = Pipeline(
        [
            ("counts", CountVectorizer(stop_words="english", min_df=2)),
            ("lda", LDATopics(max_iter=5, random_state=0)),
        ]
    )
    scorer = make_coherence_scorer(top_n=5)
    search = GridSearchCV(pipe, {"lda__n_components": [2, 4]}, cv=2, scoring=scorer)
    search.fit(documents)
    best = search.best_estimator_
    counts = best["counts"].transform(documents)
    expected = _npmi_by_hand(best["lda"].components_, counts, top_n=5)
    assert scorer(best, documents) == pytest.approx(expected, rel=1e-10)
    best_index = int(np.argmax(search.cv_results_["mean_test_score"]))
    assert search.best_index_ == best_index


def test_sample_scorer_scores_the_sparse_documents_of_a_topic_model():
    X, _, _ = make_lda_corpus(80, 12, 2, doc_length=30, random_state=0)
    lda = LDATopics(n_components=2, random_state=0).fit(X)
    scorer = make_sample_scorer(n_samples=50, random_state=3)
    documents = lda.sample(50, random_state=3)[0].toarray()
    dense = X.toarray()
    mean, scale = dense.mean(axis=0), dense.std(axis=0)
    scale[scale == 0] = 1.0  # a word in no document keeps its units
    expected = -_energy_distance((dense - mean) / scale, (documents - mean) / scale)
    assert scorer(lda, dense) == pytest.approx(expected, rel=1e-8)


def test_log_likelihood_scorer_takes_frames_and_lists_and_refuses_no_words():
    X, _, _ = make_lda_corpus(60, 10, 2, doc_length=30, random_state=0)
    dense = X.toarray()
    frame = pd.DataFrame(dense, columns=[f"w{i}" for i in range(10)])
    lda = LDATopics(n_components=2, random_state=0).fit(frame)
    scorer = make_log_likelihood_scorer(n_particles=10, random_state=0)
    log_likelihood = lda.estimate_log_likelihood(frame, n_particles=10, random_state=0)
    per_word = log_likelihood.sum() / X.sum()
    assert scorer(lda, frame) == pytest.approx(per_word, rel=1e-12)
    assert scorer(lda, dense.tolist()) == pytest.approx(per_word, rel=1e-12)
    with pytest.raises(ValueError, match="the documents contain no words"):
        scorer(lda, np.zeros((2, 10)))
