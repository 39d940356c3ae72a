"""Checks every public sklatent estimator must pass.

The estimators are discovered from ``sklatent.__all__``, so a new estimator joins
these tests by being exported there.
"""

import inspect
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklatent
from sklatent import GaussianHMM, persistence
from sklatent.datasets import make_hmm_sequences
from sklatent.latent import interpolate, traverse

ESTIMATORS = [
    obj
    for name in sklatent.__all__
    if inspect.isclass(obj := getattr(sklatent, name))
    and issubclass(obj, BaseEstimator)
]
# The public estimators, written out: a new one is added here on purpose, and one
# that goes missing from sklatent.__all__ fails the tests below.
PUBLIC_ESTIMATORS = [
    "CategoricalHMM",
    "GANSampler",
    "GMMHMM",
    "GaussianHMM",
    "LDATopics",
    "MultinomialHMM",
    "PoissonHMM",
    "VAETransformer",
]

# Settings that keep the contract tests below fast.
FAST_PARAMS = {
    "VAETransformer": {"max_epochs": 30, "hidden_layer_sizes": (32,)},
    "GANSampler": {"max_epochs": 60},
    # Symbols 0..29 cover every count in the test data, including those a
    # held-out fold has and its training folds lack.
    "CategoricalHMM": {"n_features": 30, "emissionprob_prior": 2.0},
}


def _fast(cls):
    return cls(**FAST_PARAMS.get(cls.__name__, {}))


def _data(n_samples=60, n_features=5, seed=0):
    """Non-negative count-like data every estimator accepts."""
    rng = np.random.default_rng(seed)
    rates = rng.uniform(1, 6, size=n_features)
    return rng.poisson(rates, size=(n_samples, n_features)).astype(np.float64)


def _dense(A):
    return A.toarray() if hasattr(A, "toarray") else np.asarray(A)


def _ids(estimators):
    return [cls.__name__ for cls in estimators]


def _reconstruction_width(est, X):
    """Columns of ``inverse_transform``'s output: one per symbol for CategoricalHMM."""
    return getattr(est, "n_symbols_", X.shape[1])


def test_the_public_estimators_are_exactly_these():
    assert sorted(_ids(ESTIMATORS)) == PUBLIC_ESTIMATORS
    assert [name for name, _ in sklatent.all_estimators()] == PUBLIC_ESTIMATORS


# check_estimator runs the default parameters but for GANSampler's training
# length (as scikit-learn's own tests shorten max_iter): its default of at least
# 1000 updates per fit would make each of its sixty checks, which test the API
# and not convergence, take seconds.
CHECK_PARAMS = {"GANSampler": FAST_PARAMS["GANSampler"]}


@parametrize_with_checks(
    [cls(**CHECK_PARAMS.get(cls.__name__, {})) for cls in ESTIMATORS]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_sample_returns_data_and_latents(cls):
    X = _data()
    est = _fast(cls).set_params(random_state=0).fit(X)
    X_new, Z = est.sample(7)
    assert X_new.shape == (7, X.shape[1])
    assert len(Z) == 7


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_sample_rejects_bad_n_samples(cls):
    est = _fast(cls).set_params(random_state=0).fit(_data())
    for bad in (0, -3, 2.5):
        with pytest.raises(ValueError, match="n_samples"):
            est.sample(bad)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_transform_and_inverse_transform_shapes(cls):
    X = _data()
    est = _fast(cls).set_params(random_state=0).fit(X)
    Z = est.transform(X)
    assert Z.shape == (X.shape[0], est.n_components)
    X_back = est.inverse_transform(Z)
    assert X_back.shape == (X.shape[0], _reconstruction_width(est, X))
    with pytest.raises(ValueError, match="columns"):
        est.inverse_transform(np.ones((3, est.n_components + 1)))


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_set_output_pandas(cls):
    X = _data()
    est = _fast(cls).set_params(random_state=0).set_output(transform="pandas").fit(X)
    out = est.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(est.get_feature_names_out())
    assert out.shape == (X.shape[0], est.n_components)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_pickle_round_trip_gives_identical_outputs(cls):
    X = _data()
    est = _fast(cls).set_params(random_state=0).fit(X)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est.transform(X), loaded.transform(X))
    assert est.score(X) == loaded.score(X)
    X_a, Z_a = est.sample(5, random_state=3)
    X_b, Z_b = loaded.sample(5, random_state=3)
    np.testing.assert_array_equal(_dense(X_a), _dense(X_b))
    np.testing.assert_array_equal(_dense(Z_a), _dense(Z_b))


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_grid_search_over_n_components_in_pipeline_refits_the_best(cls):
    X = _data(n_samples=90)
    pipe = Pipeline([("identity", FunctionTransformer()), ("model", _fast(cls))])
    pipe.set_params(model__random_state=0)
    grid = [2, 3]
    search = GridSearchCV(pipe, {"model__n_components": grid}, cv=3).fit(X)
    # The same folds by hand: each candidate's mean held-out score.
    by_hand = [
        cross_val_score(clone(pipe).set_params(model__n_components=n), X, cv=3).mean()
        for n in grid
    ]
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], by_hand)
    assert by_hand[0] != by_hand[1]
    best = grid[int(np.argmax(by_hand))]
    assert search.best_params_ == {"model__n_components": best}
    assert search.best_estimator_["model"].n_components == best
    assert search.best_estimator_["model"].transform(X).shape == (len(X), best)


def test_grid_search_finds_the_true_number_of_hidden_states():
    X, _, _, _ = make_hmm_sequences(
        n_sequences=1, sequence_length=600, n_components=3, random_state=0
    )
    search = GridSearchCV(
        GaussianHMM(random_state=0), {"n_components": [2, 3]}, cv=3
    ).fit(X)
    assert search.best_params_ == {"n_components": 3}


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_same_random_state_gives_the_same_model(cls):
    X = _data()
    first = _fast(cls).set_params(random_state=0).fit(X)
    second = _fast(cls).set_params(random_state=0).fit(X)
    assert first.score(X) == second.score(X)
    np.testing.assert_array_equal(first.transform(X), second.transform(X))
    np.testing.assert_array_equal(
        _dense(first.sample(5, random_state=3)[0]),
        _dense(second.sample(5, random_state=3)[0]),
    )


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_sample_is_reproducible_call_after_call(cls):
    est = _fast(cls).set_params(random_state=0).fit(_data())
    calls = [_dense(est.sample(20)[0]) for _ in range(2)]
    np.testing.assert_array_equal(calls[0], calls[1])
    other = _dense(est.sample(20, random_state=1)[0])
    assert not np.array_equal(calls[0], other)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_skops_round_trip_gives_identical_outputs(cls, tmp_path):
    X = _data()
    est = _fast(cls).set_params(random_state=0).fit(X)
    path = tmp_path / "model.skops"
    persistence.dump(est, path)
    loaded = persistence.load(path)
    assert type(loaded) is cls
    np.testing.assert_array_equal(est.transform(X), loaded.transform(X))
    assert est.score(X) == loaded.score(X)
    np.testing.assert_array_equal(
        _dense(est.sample(5, random_state=3)[0]),
        _dense(loaded.sample(5, random_state=3)[0]),
    )


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_latent_tools_walk_every_latent_space(cls):
    X = _data()
    est = _fast(cls).set_params(random_state=0).fit(X)
    # Each row is encoded on its own (for the HMM: a sequence of one frame).
    codes = [est.transform(X[i : i + 1]) for i in (0, 1)]
    ends = np.vstack([est.inverse_transform(code) for code in codes])
    width = _reconstruction_width(est, X)
    path = interpolate(est, X[0], X[1], n_steps=5)
    assert path.shape == (5, width)
    assert np.all(np.isfinite(path))
    np.testing.assert_allclose(path[[0, -1]], ends, rtol=1e-5, atol=1e-8)
    middle = est.inverse_transform((codes[0] + codes[1]) / 2)
    np.testing.assert_allclose(path[2:3], middle, rtol=1e-5, atol=1e-8)
    code = est.transform(X[:1])[0]
    values = np.linspace(0.0, 1.0, 3)
    walked = traverse(est, X[0], dim=0, values=values)
    assert walked.shape == (3, width)
    expected = np.repeat(code[None], 3, axis=0)
    expected[:, 0] = values
    np.testing.assert_allclose(walked, est.inverse_transform(expected), rtol=1e-5)
