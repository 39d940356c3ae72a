"""make_hmm_sequences: the data, the truth behind it, and its argument checks."""

import numpy as np
import pytest

from sklatent.datasets import make_hmm_sequences


def test_returns_data_states_and_true_parameters():
    X, lengths, states, params = make_hmm_sequences(
        n_sequences=5, sequence_length=30, n_components=4, n_features=3, random_state=0
    )
    assert X.shape == (150, 3)
    np.testing.assert_array_equal(lengths, [30] * 5)
    assert states.shape == (150,) and set(np.unique(states)) <= set(range(4))
    assert params["startprob"].shape == (4,)
    np.testing.assert_allclose(params["startprob"].sum(), 1.0)
    np.testing.assert_allclose(params["transmat"].sum(axis=1), 1.0)
    np.testing.assert_allclose(np.diag(params["transmat"]), 0.9)
    assert params["means"].shape == (4, 3)
    assert np.all(params["covariances"] > 0)


def test_frames_follow_their_states():
    X, _, states, params = make_hmm_sequences(
        n_sequences=50, sequence_length=200, random_state=1
    )
    for state in range(3):
        frames = X[states == state]
        np.testing.assert_allclose(
            frames.mean(axis=0), params["means"][state], atol=0.1
        )
        np.testing.assert_allclose(
            frames.var(axis=0), params["covariances"][state], rtol=0.1
        )


def test_is_reproducible():
    first = make_hmm_sequences(random_state=3)
    second = make_hmm_sequences(random_state=3)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[2], second[2])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_sequences": 0}, "'n_sequences' parameter of make_hmm_sequences"),
        ({"sequence_length": 2.5}, "'sequence_length' parameter"),
        ({"n_components": -1}, "'n_components' parameter"),
        ({"self_transition": 1.5}, "'self_transition' parameter"),
        ({"separation": 0.0}, "'separation' parameter"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_hmm_sequences(**kwargs)
