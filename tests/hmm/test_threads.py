"""n_jobs: threads over chunks of sequences, with results independent of n_jobs."""

import numpy as np
import pytest

from sklatent import GaussianHMM
from sklatent.datasets import make_hmm_sequences

INFERENCE = ("predict", "predict_proba", "filter_proba", "score_samples")


@pytest.fixture(scope="module")
def data():
    # 20,000 frames make three chunks of whole sequences.
    X, lengths, states, _ = make_hmm_sequences(
        n_sequences=400, sequence_length=50, n_components=3, random_state=0
    )
    rng = np.random.default_rng(0)
    X[rng.random(X.shape) < 0.1] = np.nan
    known = np.where(rng.random(len(X)) < 0.05, states, -1)
    return X, lengths, known


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_fits_are_bit_identical_for_any_n_jobs(data, covariance_type):
    X, lengths, known = data
    fits = [
        GaussianHMM(
            3,
            covariance_type=covariance_type,
            n_iter=3,
            n_init=2,
            n_jobs=n_jobs,
            random_state=0,
        ).fit(X, lengths=lengths, known_states=known)
        for n_jobs in (1, 2, -1)
    ]
    for other in fits[1:]:
        assert other.monitor_.history == fits[0].monitor_.history
        for name in ("startprob_", "transmat_", "means_", "covariances_"):
            np.testing.assert_array_equal(getattr(other, name), getattr(fits[0], name))


def test_inference_is_bit_identical_for_any_n_jobs(data):
    X, lengths, _ = data
    model = GaussianHMM(3, n_iter=3, random_state=0).fit(X, lengths=lengths)
    for method in INFERENCE:
        single = getattr(model.set_params(n_jobs=1), method)(X, lengths=lengths)
        for n_jobs in (2, -1):
            threaded = getattr(model.set_params(n_jobs=n_jobs), method)(
                X, lengths=lengths
            )
            np.testing.assert_array_equal(threaded, single, err_msg=method)


def test_chunks_give_the_results_of_each_sequence_alone(data):
    X, lengths, _ = data
    model = GaussianHMM(3, n_iter=3, random_state=0).fit(X, lengths=lengths)
    bounds = np.cumsum([0, *lengths])
    for method in INFERENCE:
        joint = getattr(model, method)(X, lengths=lengths)
        alone = [getattr(model, method)(X[a:b]) for a, b in zip(bounds, bounds[1:])]
        np.testing.assert_array_equal(joint, np.concatenate(alone), err_msg=method)


def test_zero_n_jobs_is_rejected(data):
    X, lengths, _ = data
    with pytest.raises(ValueError, match="n_jobs"):
        GaussianHMM(3, n_jobs=0).fit(X, lengths=lengths)
