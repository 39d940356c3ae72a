"""The scorers of sklatent.metrics drive GridSearchCV, on estimators and Pipelines."""

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklatent import GANSampler, LDATopics
from sklatent.datasets import load_stdlib_docstrings, make_gaussian_ring
from sklatent.metrics import (
    energy_distance,
    make_coherence_scorer,
    make_sample_scorer,
    mmd,
    topic_coherence,
)


def test_sample_scorer_maps_pipeline_samples_back_to_the_data_space():
    X, _, _ = make_gaussian_ring(400, random_state=0)
    X = X * 10 + 100  # far from standardised units
    pipe = Pipeline(
        [("scale", StandardScaler()), ("gan", GANSampler(max_epochs=5, random_state=0))]
    ).fit(X)
    scorer = make_sample_scorer(n_samples=300, random_state=1)
    drawn, _ = pipe["gan"].sample(300, random_state=1)
    generated = pipe["scale"].inverse_transform(drawn)
    assert scorer(pipe, X) == -energy_distance(X, generated)
    assert abs(generated.mean() - 100) < 20


def test_sample_scorer_grid_searches_the_noise_size():
    X, _, _ = make_gaussian_ring(400, random_state=0)
    search = GridSearchCV(
        GANSampler(max_epochs=5, random_state=0),
        {"n_components": [2, 4]},
        cv=2,
        scoring=make_sample_scorer(mmd, n_samples=200),
    ).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores <= 0)


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
    expected = np.mean(topic_coherence(best["lda"], counts, measure="npmi", top_n=5))
    assert scorer(best, documents) == expected
    assert np.all(np.abs(search.cv_results_["mean_test_score"]) <= 1)
