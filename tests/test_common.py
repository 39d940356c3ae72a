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
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklatent

ESTIMATORS = [
    obj
    for name in sklatent.__all__
    if inspect.isclass(obj := getattr(sklatent, name))
    and issubclass(obj, BaseEstimator)
]

# Settings that keep the contract tests below fast; check_estimator itself runs the
# default parameters.
FAST_PARAMS = {
    "VAETransformer": {"max_epochs": 30, "hidden_layer_sizes": (32,)},
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


def test_all_estimators_are_found():
    assert len(ESTIMATORS) >= 1


@parametrize_with_checks([cls() for cls in ESTIMATORS])
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
    assert X_back.shape == X.shape
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
def test_grid_search_over_n_components_in_pipeline(cls):
    X = _data(n_samples=90)
    pipe = Pipeline([("identity", FunctionTransformer()), ("model", _fast(cls))])
    pipe.set_params(model__random_state=0)
    search = GridSearchCV(pipe, {"model__n_components": [2, 3]}, cv=3)
    search.fit(X)
    assert search.best_params_["model__n_components"] in (2, 3)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert clone(search.best_estimator_).get_params()["model__n_components"] in (2, 3)
