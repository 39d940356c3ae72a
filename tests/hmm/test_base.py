"""Sequences, cross-validation, properties and bad input of the HMM machinery."""

import numpy as np
import pytest
import sklearn
from hypothesis import given
from hypothesis import strategies as st
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklatent import GaussianHMM
from sklatent.datasets import make_hmm_sequences


@pytest.fixture(scope="module")
def data():
    X, lengths, states, _ = make_hmm_sequences(
        n_sequences=6, sequence_length=40, n_components=2, random_state=0
    )
    return X, lengths, states


@pytest.fixture(scope="module")
def fitted(data):
    X, lengths, _ = data
    return GaussianHMM(2, random_state=0).fit(X, lengths=lengths)


def test_sequence_ids_and_lengths_are_equivalent(data, fitted):
    X, lengths, _ = data
    ids = np.repeat(np.arange(len(lengths)) * 7 % 5 + 10 * np.arange(6), lengths)
    for method in ("predict", "predict_proba", "filter_proba", "score_samples"):
        by_lengths = getattr(fitted, method)(X, lengths=lengths)
        by_ids = getattr(fitted, method)(X, sequence_ids=ids)
        np.testing.assert_array_equal(by_lengths, by_ids)
    refit = GaussianHMM(2, random_state=0).fit(X, sequence_ids=ids)
    np.testing.assert_array_equal(refit.means_, fitted.means_)


def test_sequences_are_independent(data, fitted):
    X, lengths, _ = data
    joint = fitted.predict_proba(X, lengths=lengths)
    first = fitted.predict_proba(X[: lengths[0]])
    np.testing.assert_allclose(joint[: lengths[0]], first)
    assert not np.allclose(fitted.predict_proba(X)[: lengths[0]], first)


def test_score_is_the_mean_log_likelihood_per_frame(data, fitted):
    X, lengths, _ = data
    log_prob = fitted.score_samples(X, lengths=lengths)
    assert fitted.score(X, lengths=lengths) == pytest.approx(log_prob.mean())
    weights = np.arange(len(X), dtype=float)
    assert fitted.score(X, sample_weight=weights, lengths=lengths) == pytest.approx(
        np.average(log_prob, weights=weights)
    )
    with pytest.raises(ValueError, match="Negative values"):
        fitted.score(X, sample_weight=-weights, lengths=lengths)
    with pytest.raises(ValueError, match="sample_weight.shape"):
        fitted.score(X, sample_weight=weights[:-1], lengths=lengths)


def test_fit_transform_uses_the_sequences(data):
    X, lengths, _ = data
    model = GaussianHMM(2, random_state=0)
    Z = model.fit_transform(X, lengths=lengths)
    np.testing.assert_array_equal(Z, model.transform(X, lengths=lengths))


@pytest.mark.parametrize("n_states, seed", [(2, 0), (3, 1), (4, 2)])
def test_grid_search_with_group_folds_picks_the_true_number_of_states(n_states, seed):
    X, lengths, _, _ = make_hmm_sequences(
        n_sequences=24,
        sequence_length=100,
        n_components=n_states,
        n_features=2,
        random_state=seed,
    )
    ids = np.repeat(np.arange(len(lengths)), lengths)
    seen = []

    class RecordingHMM(GaussianHMM):
        def fit(self, X, y=None, *, lengths=None, sequence_ids=None):
            seen.append(sequence_ids)
            return super().fit(X, lengths=lengths, sequence_ids=sequence_ids)

    with sklearn.config_context(enable_metadata_routing=True):
        hmm = (
            RecordingHMM(n_iter=50, n_init=2, random_state=0)
            .set_fit_request(sequence_ids="groups")
            .set_score_request(sequence_ids="groups")
        )
        pipe = Pipeline([("scale", StandardScaler()), ("hmm", hmm)])
        search = GridSearchCV(
            pipe, {"hmm__n_components": [2, 3, 4, 5]}, cv=GroupKFold(3)
        )
        search.fit(X, groups=ids)
    assert search.best_params_["hmm__n_components"] == n_states
    # Every fit saw whole sequences: each id it got covers all rows of that id.
    for fold_ids in seen:
        values, counts = np.unique(fold_ids, return_counts=True)
        np.testing.assert_array_equal(counts, lengths[values])


@given(
    n_states=st.integers(1, 4),
    # fit needs two frames to estimate a covariance.
    lengths=st.lists(st.integers(1, 12), min_size=1, max_size=5).filter(
        lambda lengths: sum(lengths) >= 2
    ),
    seed=st.integers(0, 2**16),
)
def test_posteriors_sum_to_one(n_states, lengths, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(sum(lengths), 2))
    n_states = min(n_states, len(X))
    model = GaussianHMM(n_states, n_iter=2, random_state=0).fit(X, lengths=lengths)
    for proba in (
        model.predict_proba(X, lengths=lengths),
        model.filter_proba(X, lengths=lengths),
    ):
        assert np.all(proba >= 0)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


@given(
    covariance_type=st.sampled_from(["diag", "full", "spherical", "tied"]),
    n_states=st.integers(2, 4),
    # EM for missing entries keeps the guarantee, on the observed frames.
    fraction_missing=st.sampled_from([0.0]) | st.floats(0.05, 0.5),
    seed=st.integers(0, 2**16),
)
def test_em_without_priors_never_decreases_the_log_likelihood(
    covariance_type, n_states, fraction_missing, seed
):
    X, lengths, _, _ = make_hmm_sequences(
        n_sequences=3, sequence_length=30, n_components=3, random_state=seed
    )
    X[np.random.default_rng(seed).random(X.shape) < fraction_missing] = np.nan
    model = GaussianHMM(
        n_states,
        covariance_type=covariance_type,
        covars_prior=0.0,
        n_iter=15,
        tol=-np.inf,
        random_state=seed,
    ).fit(X, lengths=lengths)
    history = np.array(model.monitor_.history)
    assert np.all(np.isfinite(history))
    assert np.all(np.diff(history) >= -1e-9 * np.abs(history[1:]))


@given(seed=st.integers(0, 2**16), order_seed=st.integers(0, 2**16))
def test_results_do_not_depend_on_the_order_of_the_sequences(seed, order_seed):
    X, lengths, _, _ = make_hmm_sequences(
        n_sequences=5, sequence_length=20, n_components=2, random_state=seed
    )
    start = GaussianHMM(2, n_iter=1, random_state=0).fit(X, lengths=lengths)
    initial = {
        "startprob_init": start.startprob_,
        "transmat_init": start.transmat_,
        "means_init": start.means_,
        "covariances_init": start.covariances_,
    }
    order = np.random.default_rng(order_seed).permutation(len(lengths))
    pieces = np.split(X, np.cumsum(lengths)[:-1])
    X_permuted = np.concatenate([pieces[i] for i in order])
    lengths_permuted = lengths[order]
    model = GaussianHMM(2, n_iter=5, **initial).fit(X, lengths=lengths)
    permuted = GaussianHMM(2, n_iter=5, **initial).fit(
        X_permuted, lengths=lengths_permuted
    )
    for name in ("startprob_", "transmat_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(permuted, name), getattr(model, name), rtol=1e-9, atol=1e-12
        )
    proba = np.split(model.predict_proba(X, lengths=lengths), np.cumsum(lengths)[:-1])
    np.testing.assert_allclose(
        permuted.predict_proba(X_permuted, lengths=lengths_permuted),
        np.concatenate([proba[i] for i in order]),
        atol=1e-9,
    )


# Bad input: each is a ValueError that names the problem.


@given(lengths=st.lists(st.integers(1, 50), min_size=1, max_size=4))
def test_lengths_that_do_not_sum_to_the_frames_are_rejected(lengths, fitted):
    X = np.zeros((sum(lengths) + 1, fitted.n_features_in_))
    with pytest.raises(ValueError, match="lengths must add up"):
        fitted.predict(X, lengths=lengths)


@pytest.mark.parametrize(
    "lengths",
    [[2**63 - 1, 2**63 - 1, 12], [2**62] * 4 + [10], np.array([2**63 + 5, 3], "u8")],
)
def test_lengths_whose_sum_wraps_around_are_rejected(lengths, fitted):
    X = np.zeros((10, fitted.n_features_in_))
    with pytest.raises(ValueError, match="lengths must add up.*X has 10 rows"):
        fitted.score(X, lengths=lengths)


@pytest.mark.parametrize("lengths", [[0, 10], [-2, 12], [5, 0, 5]])
def test_non_positive_lengths_are_rejected(lengths, fitted):
    X = np.zeros((10, fitted.n_features_in_))
    with pytest.raises(ValueError, match="must be positive"):
        fitted.score(X, lengths=lengths)
    with pytest.raises(ValueError, match="must be positive"):
        GaussianHMM(2).fit(
            np.random.default_rng(0).normal(size=(10, 2)), lengths=lengths
        )


@given(size=st.integers(1, 30).filter(lambda n: n != 10))
def test_sequence_ids_of_the_wrong_size_are_rejected(size, fitted):
    X = np.zeros((10, fitted.n_features_in_))
    with pytest.raises(ValueError, match="one id per row"):
        fitted.predict_proba(X, sequence_ids=np.zeros(size))


def test_sequence_id_that_reappears_is_rejected(fitted):
    X = np.zeros((6, fitted.n_features_in_))
    with pytest.raises(ValueError, match="reappears"):
        fitted.predict(X, sequence_ids=[1, 1, 2, 2, 1, 1])


def test_both_lengths_and_sequence_ids_are_rejected(fitted):
    X = np.zeros((4, fitted.n_features_in_))
    with pytest.raises(ValueError, match="not both"):
        fitted.predict(X, lengths=[4], sequence_ids=[0, 0, 0, 0])


@given(
    value=st.sampled_from([np.inf, -np.inf]),
    row=st.integers(0, 19),
    column=st.integers(0, 1),
)
def test_infinity_is_rejected(value, row, column, fitted):
    # NaN marks a missing entry (tests/hmm/test_missing.py); infinity is an error.
    X = np.random.default_rng(0).normal(size=(20, 2))
    X[row, column] = value
    with pytest.raises(ValueError, match="infinity"):
        GaussianHMM(2).fit(X)
    with pytest.raises(ValueError, match="infinity"):
        fitted.predict(X)


@given(magnitude=st.floats(1e101, 1e300), row=st.integers(0, 19))
def test_values_whose_squares_overflow_are_rejected(magnitude, row, fitted):
    X = np.random.default_rng(0).normal(size=(20, 2))
    X[row, 1] = -magnitude
    with pytest.raises(ValueError, match=rf"rows \[{row}\].*squares overflow"):
        GaussianHMM(2).fit(X)
    with pytest.raises(ValueError, match=rf"rows \[{row}\]"):
        fitted.score_samples(X)


def test_boolean_lengths_are_rejected(fitted):
    X = np.zeros((3, fitted.n_features_in_))
    with pytest.raises(ValueError, match="boolean array"):
        fitted.predict(X, lengths=np.array([True, True, True]))


@pytest.mark.parametrize(
    "ids, message",
    [
        ([0.0, 0.0, np.nan, np.nan], "must not be NaN"),
        (np.array([1, 1, np.nan, 2], dtype=object), "must not be NaN"),
        ([1, 1, "b", "b"], "all numbers or all strings"),
        (np.array([1, 1, "b", None], dtype=object), "all numbers or all strings"),
    ],
)
def test_nan_and_mixed_sequence_ids_are_rejected(ids, message, fitted):
    X = np.zeros((4, fitted.n_features_in_))
    with pytest.raises(ValueError, match=message):
        fitted.predict(X, sequence_ids=ids)


def test_more_states_than_frames_is_rejected():
    X = np.random.default_rng(0).normal(size=(4, 2))
    with pytest.raises(ValueError, match="n_components=5 is larger than the data"):
        GaussianHMM(5).fit(X)


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "filter_proba", "score", "transform"]
)
def test_wrong_width_at_predict_time_is_rejected(method, fitted):
    with pytest.raises(ValueError, match="features"):
        getattr(fitted, method)(np.zeros((5, fitted.n_features_in_ + 1)))


def test_a_failed_fit_leaves_the_model_as_it_was(data):
    X, lengths, _ = data
    model = GaussianHMM(2, n_iter=3, random_state=0)
    # The starting covariances are set, then the start probabilities refused.
    model.set_params(init_params="mct", startprob_init=[1.5, -0.5])
    with pytest.raises(ValueError, match="non-negative probabilities"):
        model.fit(X, lengths=lengths)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        model.predict(X)
    model.set_params(startprob_init=None, init_params="stmc").fit(X, lengths=lengths)
    fitted = {k: v.copy() for k, v in vars(model).items() if isinstance(v, np.ndarray)}
    model.set_params(startprob_init=[1.5, -0.5], init_params="mct")
    with pytest.raises(ValueError):
        model.fit(X + 100.0, lengths=lengths)
    for name, value in fitted.items():
        np.testing.assert_array_equal(getattr(model, name), value)


def test_continuing_a_fit_on_other_features_is_refused(data):
    X, lengths, _ = data
    model = GaussianHMM(2, n_iter=2, random_state=0).fit(X, lengths=lengths)
    model.set_params(init_params="")
    wider = np.hstack([X, X[:, :1]])
    with pytest.raises(ValueError, match=r"learned on X with \d+ features"):
        model.fit(wider, lengths=lengths)


def test_sample_names_itself_for_an_option_it_does_not_take(fitted):
    name = type(fitted).__name__
    message = rf"{name}.sample\(\) got unexpected keyword arguments \['currstate'\]"
    with pytest.raises(TypeError, match=message + ".*no options"):
        fitted.sample(3, currstate=1)
