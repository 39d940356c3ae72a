"""GaussianHMM against hmmlearn, and its own behaviour."""

import logging

import numpy as np
import pytest
from hmmlearn import hmm as hmmlearn_hmm

from sklatent import GaussianHMM
from sklatent.datasets import make_hmm_sequences
from sklatent.hmm._kmeans import data_covariance

from ._models import match_states

COVARIANCE_TYPES = ["diag", "full", "spherical", "tied"]


@pytest.fixture(autouse=True)
def _quiet_hmmlearn():
    # hmmlearn logs a warning whenever the log-likelihood drops by rounding error.
    logger = logging.getLogger("hmmlearn")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def data():
    X, lengths, states, params = make_hmm_sequences(
        n_sequences=12, sequence_length=80, n_components=3, n_features=3, random_state=1
    )
    return X, lengths, states, params


@pytest.mark.parametrize("n_samples", [2, 8192, 8193, 20_000])
@pytest.mark.parametrize("n_features", [1, 5])
def test_starting_covariance_is_the_data_covariance(n_samples, n_features):
    # Summed over blocks of 8,192 frames, about a mean from a matrix product: the
    # block edges and the offset must not show.
    rng = np.random.default_rng(n_samples)
    X = rng.normal(size=(n_samples, n_features)) @ rng.normal(size=(n_features,) * 2)
    expected = np.atleast_2d(np.cov(X, rowvar=False))
    np.testing.assert_allclose(data_covariance(X), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(data_covariance(X + 1e8), expected, rtol=1e-6)


def _starting_values(X, lengths, covariance_type):
    """Starting parameters from a one-iteration fit, so that they are not the truth."""
    model = GaussianHMM(3, covariance_type=covariance_type, n_iter=1, random_state=0)
    model.fit(X, lengths=lengths)
    return {
        "startprob_init": model.startprob_,
        "transmat_init": model.transmat_,
        "means_init": model.means_,
        "covariances_init": model.covariances_,
    }


def _hmmlearn_from(start, covariance_type, **params):
    reference = hmmlearn_hmm.GaussianHMM(
        3, covariance_type=covariance_type, init_params="", **params
    )
    reference.startprob_ = start["startprob_init"]
    reference.transmat_ = start["transmat_init"]
    reference.means_ = start["means_init"]
    reference.covars_ = start["covariances_init"]
    return reference


def _assert_same_parameters(ours, reference, covariance_type, atol):
    np.testing.assert_allclose(
        ours.monitor_.history, list(reference.monitor_.history), rtol=1e-6
    )
    np.testing.assert_allclose(ours.startprob_, reference.startprob_, atol=atol)
    np.testing.assert_allclose(ours.transmat_, reference.transmat_, atol=atol)
    np.testing.assert_allclose(ours.means_, reference.means_, atol=atol)
    # hmmlearn keeps spherical variances repeated over the features.
    compact = reference._covars_
    if covariance_type == "spherical":
        compact = compact[:, 0]
    np.testing.assert_allclose(ours.covariances_, compact, atol=atol)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_ten_em_iterations_agree_with_hmmlearn(data, covariance_type):
    X, lengths, _, _ = data
    start = _starting_values(X, lengths, covariance_type)
    ours = GaussianHMM(
        3, covariance_type=covariance_type, n_iter=10, tol=-np.inf, **start
    ).fit(X, lengths=lengths)
    reference = _hmmlearn_from(start, covariance_type, n_iter=10, tol=-np.inf)
    reference.fit(X, lengths)

    assert ours.n_iter_ == 10
    total = ours.score(X, lengths=lengths) * len(X)
    np.testing.assert_allclose(total, reference.score(X, lengths), rtol=1e-6)
    np.testing.assert_array_equal(
        ours.predict(X, lengths=lengths), reference.predict(X, lengths)
    )
    _assert_same_parameters(ours, reference, covariance_type, atol=1e-6)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_map_estimates_agree_with_hmmlearn(data, covariance_type):
    X, lengths, _, _ = data
    start = _starting_values(X, lengths, covariance_type)
    rng = np.random.default_rng(0)
    n_features = X.shape[1]
    covars_prior = {
        "spherical": 0.5,
        "diag": rng.uniform(0.1, 1.0, size=(3, n_features)),
        "full": np.tile(0.3 * np.eye(n_features), (3, 1, 1)),
        "tied": 0.3 * np.eye(n_features),
    }[covariance_type]
    priors = {
        "startprob_prior": np.array([2.0, 3.0, 1.5]),
        "transmat_prior": rng.uniform(1.0, 4.0, size=(3, 3)),
        "means_prior": rng.normal(size=(3, n_features)),
        "means_weight": 2.0,
        "covars_prior": covars_prior,
        "covars_weight": 5.0,
    }
    ours = GaussianHMM(
        3, covariance_type=covariance_type, n_iter=5, tol=-np.inf, **start, **priors
    ).fit(X, lengths=lengths)
    reference = _hmmlearn_from(start, covariance_type, n_iter=5, tol=-np.inf, **priors)
    reference.fit(X, lengths)
    _assert_same_parameters(ours, reference, covariance_type, atol=1e-8)


def test_defaults_equal_hmmlearn_defaults():
    ours = GaussianHMM().get_params()
    theirs = hmmlearn_hmm.GaussianHMM().get_params()
    shared = set(ours) & set(theirs)
    assert shared >= {"n_components", "min_covar", "covars_prior", "tol", "n_iter"}
    for name in shared:
        assert ours[name] == theirs[name], name


def test_posteriors_scores_and_criteria_agree_with_hmmlearn(data):
    X, lengths, _, _ = data
    ours = GaussianHMM(3, random_state=0).fit(X, lengths=lengths)
    reference = hmmlearn_hmm.GaussianHMM(3, init_params="")
    reference.startprob_, reference.transmat_ = ours.startprob_, ours.transmat_
    reference.means_, reference.covars_ = ours.means_, ours.covariances_
    np.testing.assert_allclose(
        ours.predict_proba(X, lengths=lengths),
        reference.predict_proba(X, lengths),
        atol=1e-8,
    )
    np.testing.assert_allclose(
        ours.score_samples(X, lengths=lengths).sum(), reference.score(X, lengths)
    )
    np.testing.assert_allclose(ours.aic(X, lengths=lengths), reference.aic(X, lengths))
    np.testing.assert_allclose(ours.bic(X, lengths=lengths), reference.bic(X, lengths))


def test_fit_recovers_the_true_model(data):
    X, lengths, states, params = data
    model = GaussianHMM(3, n_iter=100, random_state=0).fit(X, lengths=lengths)
    order = match_states(model.means_, params["means"])
    np.testing.assert_allclose(model.means_[order], params["means"], atol=0.3)
    np.testing.assert_allclose(
        model.transmat_[np.ix_(order, order)], params["transmat"], atol=0.1
    )
    decoded = np.asarray(order)[states]
    assert np.mean(model.predict(X, lengths=lengths) == decoded) > 0.95
    assert model.converged_


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_state_without_data_never_produces_nan(data, covariance_type):
    X, lengths, _, _ = data
    n_features = X.shape[1]
    means = np.vstack([X[:2], np.full((1, n_features), 1e6)])
    model = GaussianHMM(
        3, covariance_type=covariance_type, means_init=means, n_iter=5, random_state=0
    ).fit(X, lengths=lengths)
    for name in ("startprob_", "transmat_", "means_", "covariances_"):
        assert np.all(np.isfinite(getattr(model, name))), name
    assert model.predict_proba(X, lengths=lengths)[:, 2].max() == 0.0
    np.testing.assert_array_equal(model.means_[2], means[2])
    assert np.all(np.isfinite(model.score_samples(X, lengths=lengths)))


def test_collapsed_state_keeps_variances_above_min_covar():
    X = np.concatenate(
        [np.zeros((30, 2)), np.random.default_rng(0).normal(size=(30, 2))]
    )
    model = GaussianHMM(2, covars_prior=0.0, min_covar=1e-3, random_state=0).fit(X)
    assert model.covariances_.min() >= 1e-3
    assert np.all(np.isfinite(model.score_samples(X)))


def test_float32_input_gives_the_float64_model(data):
    X, lengths, _, _ = data
    X32 = X.astype(np.float32)
    model32 = GaussianHMM(3, random_state=0).fit(X32, lengths=lengths)
    model64 = GaussianHMM(3, random_state=0).fit(
        X32.astype(np.float64), lengths=lengths
    )
    np.testing.assert_array_equal(model32.means_, model64.means_)
    proba = model32.predict_proba(X32, lengths=lengths)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("random_state", [1, 2, 3])
def test_restarts_find_a_better_optimum_than_one_fit(random_state):
    # Five states in two dimensions: from its k-means start, EM stops in a local
    # optimum that later restarts, from random frames, improve on.
    X, lengths, _, _ = make_hmm_sequences(
        4, 60, n_components=5, n_features=2, random_state=2
    )
    params = {"n_iter": 20, "random_state": random_state}
    single = GaussianHMM(5, **params).fit(X, lengths=lengths)
    several = GaussianHMM(5, n_init=4, **params).fit(X, lengths=lengths)
    gain = several.score(X, lengths=lengths) - single.score(X, lengths=lengths)
    assert gain > 0.01


def test_fits_are_reproducible_with_an_int_random_state(data):
    X, lengths, _, _ = data
    first = GaussianHMM(3, n_init=2, random_state=5).fit(X, lengths=lengths)
    second = GaussianHMM(3, n_init=2, random_state=5).fit(X, lengths=lengths)
    np.testing.assert_array_equal(first.means_, second.means_)
    np.testing.assert_array_equal(first.transmat_, second.transmat_)


def test_params_limits_what_em_updates(data):
    X, lengths, _, _ = data
    transmat = np.full((3, 3), 1 / 3)
    model = GaussianHMM(3, params="mc", transmat_init=transmat, random_state=0)
    model.fit(X, lengths=lengths)
    np.testing.assert_array_equal(model.transmat_, transmat)


def test_fit_continues_from_fitted_values_left_out_of_init_params(data):
    X, lengths, _, _ = data
    straight = GaussianHMM(3, n_iter=8, tol=-np.inf, random_state=0)
    straight.fit(X, lengths=lengths)
    in_two = GaussianHMM(3, n_iter=4, tol=-np.inf, random_state=0)
    in_two.fit(X, lengths=lengths).set_params(init_params="").fit(X, lengths=lengths)
    np.testing.assert_allclose(in_two.means_, straight.means_, rtol=1e-10)
    np.testing.assert_allclose(in_two.transmat_, straight.transmat_, rtol=1e-10)


def test_init_params_without_values_is_an_error(data):
    X, lengths, _, _ = data
    with pytest.raises(ValueError, match="means_init"):
        GaussianHMM(3, init_params="stc").fit(X, lengths=lengths)
    with pytest.raises(ValueError, match="unknown letters"):
        GaussianHMM(3, params="stmx").fit(X, lengths=lengths)


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("means_init", np.zeros((2, 3)), "means_init must be a finite array"),
        ("covariances_init", np.ones((3, 2)), "covariances_init must have shape"),
        ("covariances_init", -np.ones((3, 3)), "positive variances"),
        ("startprob_init", [0.5, 0.6, 0.1], "sum to 1"),
        ("transmat_init", np.ones((3, 3)), "sum to 1"),
        (
            "transmat_init",
            [[1.2, -0.2, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            "non-negative probabilities, got -0.2",
        ),
        (
            "covariances_init",
            np.full((3, 3), np.nan),
            "covariances_init must be finite",
        ),
        ("means_prior", np.zeros(5), "means_prior must be a number or an array"),
    ],
)
def test_bad_starting_values_and_priors_are_named(data, name, value, message):
    X, lengths, _, _ = data
    with pytest.raises(ValueError, match=message):
        GaussianHMM(3, **{name: value}).fit(X, lengths=lengths)


def test_full_covariances_init_must_be_positive_definite(data):
    X, lengths, _, _ = data
    bad = np.tile(np.diag([1.0, -1.0, 1.0]), (3, 1, 1))
    with pytest.raises(ValueError, match="positive definite"):
        GaussianHMM(3, covariance_type="full", covariances_init=bad).fit(
            X, lengths=lengths
        )


def test_map_decoder_takes_the_most_likely_state_of_each_frame(data):
    X, lengths, _, _ = data
    model = GaussianHMM(3, algorithm="map", random_state=0).fit(X, lengths=lengths)
    np.testing.assert_array_equal(
        model.predict(X, lengths=lengths),
        model.predict_proba(X, lengths=lengths).argmax(axis=1),
    )


def test_filtered_probabilities_do_not_look_ahead(data):
    X, lengths, _, _ = data
    model = GaussianHMM(3, random_state=0).fit(X, lengths=lengths)
    filtered = model.filter_proba(X[:50])
    changed = X[:50].copy()
    changed[30:] += 10.0
    np.testing.assert_array_equal(model.filter_proba(changed)[:30], filtered[:30])
    # At the last frame, filtering and smoothing condition on the same frames.
    np.testing.assert_allclose(filtered[-1], model.predict_proba(X[:50])[-1])


def test_sample_returns_frames_and_states_of_the_model(data):
    X, lengths, _, _ = data
    model = GaussianHMM(3, random_state=0).fit(X, lengths=lengths)
    X_new, states = model.sample(20_000, random_state=1)
    assert X_new.shape == (20_000, X.shape[1])
    for state in range(3):
        np.testing.assert_allclose(
            X_new[states == state].mean(axis=0), model.means_[state], atol=0.1
        )
    counts = np.zeros((3, 3))
    np.add.at(counts, (states[:-1], states[1:]), 1)
    np.testing.assert_allclose(
        counts / counts.sum(axis=1, keepdims=True), model.transmat_, atol=0.03
    )
    again, _ = model.sample(5)
    np.testing.assert_array_equal(again, model.sample(5)[0])


@pytest.mark.parametrize("covariance_type", ["full", "tied", "spherical"])
def test_sampled_covariances_match_the_model(covariance_type):
    X, lengths, _, _ = make_hmm_sequences(5, 100, n_components=2, random_state=0)
    model = GaussianHMM(2, covariance_type=covariance_type, random_state=0)
    model.fit(X, lengths=lengths)
    X_new, states = model.sample(20_000, random_state=0)
    dense = {
        "full": model.covariances_,
        "tied": np.tile(model.covariances_, (2, 1, 1)),
        "spherical": model.covariances_[:, None, None] * np.eye(2),
    }[covariance_type]
    for state in range(2):
        np.testing.assert_allclose(
            np.cov(X_new[states == state], rowvar=False), dense[state], atol=0.1
        )


def test_inverse_transform_is_the_expected_emission(data):
    X, lengths, _, _ = data
    model = GaussianHMM(3, random_state=0).fit(X, lengths=lengths)
    Z = model.transform(X, lengths=lengths)
    np.testing.assert_allclose(model.inverse_transform(Z), Z @ model.means_)


def test_monitor_records_a_nondecreasing_log_likelihood(data):
    X, lengths, _, _ = data
    model = GaussianHMM(3, n_iter=30, tol=1e-4, random_state=0).fit(X, lengths=lengths)
    history = np.array(model.monitor_.history)
    assert len(history) == model.n_iter_
    assert np.all(np.diff(history) > -1e-8)
    assert model.converged_ == (history[-1] - history[-2] < 1e-4)


def test_verbose_reports_convergence(data, capsys):
    X, lengths, _, _ = data
    GaussianHMM(3, verbose=1, random_state=0).fit(X, lengths=lengths)
    assert "GaussianHMM init 1/1" in capsys.readouterr().out
    GaussianHMM(3, random_state=0).fit(X, lengths=lengths)
    assert capsys.readouterr().out == ""


def test_em_over_several_chunks_agrees_with_hmmlearn():
    # 9,000 frames make two chunks of sequences, whose statistics the E-step adds.
    X, lengths, _, _ = make_hmm_sequences(
        n_sequences=300, sequence_length=30, n_components=3, random_state=2
    )
    start = _starting_values(X, lengths, "diag")
    ours = GaussianHMM(3, n_iter=5, tol=-np.inf, **start).fit(X, lengths=lengths)
    reference = _hmmlearn_from(start, "diag", n_iter=5, tol=-np.inf)
    reference.fit(X, lengths)
    _assert_same_parameters(ours, reference, "diag", atol=1e-8)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_fit_far_from_the_origin_equals_the_centred_fit(covariance_type):
    X, lengths, _, _ = make_hmm_sequences(
        n_sequences=10, sequence_length=100, n_components=2, random_state=0
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    params = {"covariance_type": covariance_type, "n_iter": 10, "tol": -np.inf}
    centred = GaussianHMM(2, random_state=0, **params).fit(X, lengths=lengths)
    shifted = GaussianHMM(2, random_state=0, **params).fit(X + 1e8, lengths=lengths)
    np.testing.assert_allclose(shifted.means_ - 1e8, centred.means_, atol=1e-6)
    np.testing.assert_allclose(shifted.covariances_, centred.covariances_, atol=1e-6)
    np.testing.assert_allclose(shifted.transmat_, centred.transmat_, atol=1e-6)


@pytest.mark.parametrize(
    "name, value, covariance_type",
    [
        ("means_weight", -5.0, "diag"),
        ("means_weight", [1.0, -1.0, 1.0], "full"),
        ("covars_prior", -0.1, "diag"),
        ("covars_prior", -0.1, "spherical"),
        ("startprob_prior", [1.0, -2.0, 1.0], "diag"),
        ("transmat_prior", -1.0, "tied"),
    ],
)
def test_negative_prior_hyperparameters_are_rejected(
    data, name, value, covariance_type
):
    X, lengths, _, _ = data
    model = GaussianHMM(3, covariance_type=covariance_type, **{name: value})
    with pytest.raises(ValueError, match=f"{name} must be non-negative"):
        model.fit(X, lengths=lengths)


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
def test_covariance_prior_that_is_not_positive_semi_definite_is_rejected(
    data, covariance_type
):
    X, lengths, _, _ = data
    bad = np.diag([1.0, -1.0, 1.0])
    if covariance_type == "full":
        bad = np.tile(bad, (3, 1, 1))
    model = GaussianHMM(3, covariance_type=covariance_type, covars_prior=bad)
    with pytest.raises(ValueError, match="positive semi-definite"):
        model.fit(X, lengths=lengths)


def test_negative_covars_weight_is_rejected(data):
    X, lengths, _, _ = data
    with pytest.raises(ValueError, match="covars_weight"):
        GaussianHMM(3, covars_weight=-1.0).fit(X, lengths=lengths)
