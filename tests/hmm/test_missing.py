"""Missing (NaN) entries: marginalised in inference, the EM for missing data in fit."""

import numpy as np
import pytest

from sklatent import GaussianHMM
from sklatent.datasets import make_hmm_sequences

from ._enumeration import enumerate_paths
from ._models import (
    COVARIANCE_TYPES,
    exact_em_step,
    marginal_log_prob,
    match_states,
    random_gaussian_hmm,
)

LENGTHS = [5, 3]


def _frames_with_gaps(rng, n_frames, n_features):
    """Frames with about a third of the entries missing, one frame all missing."""
    X = rng.normal(0, 2, size=(n_frames, n_features))
    X[rng.random(X.shape) < 0.35] = np.nan
    X[2] = np.nan
    X[0, 0] = 1.0  # the first frame keeps something observed
    return X


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_inference_with_missing_entries_equals_enumeration(covariance_type):
    rng = np.random.default_rng(4)
    model = random_gaussian_hmm(rng, 3, 3, covariance_type)
    X = _frames_with_gaps(rng, sum(LENGTHS), 3)
    log_prob = marginal_log_prob(model, X)
    bounds = np.cumsum([0, *LENGTHS])
    exact = [
        enumerate_paths(model.startprob_, model.transmat_, log_prob[a:b])
        for a, b in zip(bounds[:-1], bounds[1:])
    ]
    scores = model.score_samples(X, lengths=LENGTHS)
    np.testing.assert_allclose(
        [scores[a:b].sum() for a, b in zip(bounds[:-1], bounds[1:])],
        [e["log_likelihood"] for e in exact],
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        model.predict_proba(X, lengths=LENGTHS),
        np.concatenate([e["posteriors"] for e in exact]),
        atol=1e-10,
    )
    np.testing.assert_array_equal(
        model.predict(X, lengths=LENGTHS), np.concatenate([e["path"] for e in exact])
    )
    filtered = model.filter_proba(X[: LENGTHS[0]])
    for t in range(LENGTHS[0]):
        prefix = enumerate_paths(model.startprob_, model.transmat_, log_prob[: t + 1])
        np.testing.assert_allclose(filtered[t], prefix["posteriors"][t], atol=1e-10)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_em_iteration_uses_the_expected_statistics_of_missing_entries(
    covariance_type,
):
    rng = np.random.default_rng(5)
    model = random_gaussian_hmm(rng, 3, 3, covariance_type)
    X = _frames_with_gaps(rng, sum(LENGTHS), 3)
    _, expected = exact_em_step(model, X, LENGTHS)
    fitted = GaussianHMM(
        3,
        covariance_type=covariance_type,
        covars_prior=0.0,
        min_covar=1e-12,
        n_iter=1,
        startprob_init=model.startprob_,
        transmat_init=model.transmat_,
        means_init=model.means_,
        covariances_init=model.covariances_,
    ).fit(X, lengths=LENGTHS)
    for name, value in expected.items():
        np.testing.assert_allclose(
            getattr(fitted, name), value, atol=1e-10, err_msg=name
        )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_complete_sequences_are_unchanged_by_missing_entries_elsewhere(
    covariance_type,
):
    rng = np.random.default_rng(6)
    model = random_gaussian_hmm(rng, 3, 3, covariance_type)
    complete = rng.normal(size=(20, 3))
    gappy = _frames_with_gaps(rng, 10, 3)
    X = np.concatenate([complete, gappy])
    for method in ("predict_proba", "filter_proba", "score_samples", "predict"):
        alone = getattr(model, method)(complete)
        joint = getattr(model, method)(X, lengths=[20, 10])[:20]
        np.testing.assert_array_equal(joint, alone, err_msg=method)


def test_fit_with_a_fifth_of_the_entries_missing_recovers_the_model():
    X, lengths, states, params = make_hmm_sequences(
        n_sequences=20, sequence_length=100, n_components=3, random_state=1
    )
    X[np.random.default_rng(0).random(X.shape) < 0.2] = np.nan
    model = GaussianHMM(3, n_iter=50, random_state=0).fit(X, lengths=lengths)
    order = match_states(model.means_, params["means"])
    np.testing.assert_allclose(model.means_[order], params["means"], atol=0.3)
    decoded = np.asarray(order)[states]
    assert np.mean(model.predict(X, lengths=lengths) == decoded) > 0.9


def test_feature_missing_in_every_frame_is_rejected():
    X = np.random.default_rng(0).normal(size=(20, 3))
    X[:, 1] = np.nan
    with pytest.raises(ValueError, match=r"Features \[1\] of X are missing"):
        GaussianHMM(2).fit(X)
