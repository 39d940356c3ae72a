"""MultinomialHMM against hmmlearn, and what is particular to counts of trials."""

import numpy as np
import pytest
from hmmlearn import hmm as hmmlearn_hmm
from scipy.special import gammaln

from sklatent import CategoricalHMM, MultinomialHMM
from sklatent.datasets import (
    make_categorical_sequences,
    make_count_sequences,
    make_multinomial_sequences,
)

from ._emission_cases import (
    CASES,
    assert_agrees_with_hmmlearn,
    assert_inference_is_exact,
    exact_inference,
    hmmlearn_from,
)

pytestmark = pytest.mark.usefixtures("quiet_hmmlearn")


@pytest.fixture(scope="module")
def data():
    X, lengths, states, params = make_multinomial_sequences(
        n_sequences=12,
        sequence_length=60,
        n_components=3,
        n_features=4,
        n_trials=8,
        random_state=2,
    )
    return X, lengths, states, params


def _random_start(X, n_states, seed):
    return CASES["multinomial"].starting_values(n_states, X, seed)


@pytest.mark.parametrize("seed", [0, 1])
def test_ten_em_iterations_agree_with_hmmlearn(data, seed):
    X, lengths, _, _ = data
    start = _random_start(X, 3, seed)
    ours = MultinomialHMM(3, n_trials=8, n_iter=10, tol=-np.inf, **start)
    ours.fit(X, lengths=lengths)
    reference = hmmlearn_from(hmmlearn_hmm.MultinomialHMM, ours, n_trials=8)
    reference.fit(X, lengths)
    assert ours.n_iter_ == 10
    assert_agrees_with_hmmlearn(ours, reference, X, lengths)


def test_frames_with_their_own_numbers_of_trials_agree_with_hmmlearn():
    X, lengths, _, _ = make_count_sequences(
        n_sequences=8, sequence_length=50, n_components=3, n_features=3, random_state=0
    )
    # At least one trial a frame: hmmlearn scores frames with scipy's multinomial,
    # which gives nan for zero trials before scipy 1.11 (see the next test).
    X = X + 1
    ours = MultinomialHMM(3, n_iter=10, tol=-np.inf, **_random_start(X, 3, 2))
    ours.fit(X, lengths=lengths)
    reference = hmmlearn_from(hmmlearn_hmm.MultinomialHMM, ours)
    reference.fit(X, lengths)
    assert_agrees_with_hmmlearn(ours, reference, X, lengths)


def test_frames_with_no_trials_have_probability_one():
    X, lengths, _, _ = make_count_sequences(
        n_sequences=3, sequence_length=5, n_components=2, n_features=3, random_state=1
    )
    X[[1, 7, 8]] = 0
    model = MultinomialHMM(2, n_iter=3, random_state=0).fit(X, lengths=lengths)
    n_trials = X.sum(axis=1, keepdims=True)
    # The multinomial log-pmf written out: 0 for an all-zero frame, whatever p.
    log_prob = (
        gammaln(n_trials + 1)
        - gammaln(X + 1).sum(axis=1, keepdims=True)
        + X @ np.log(model.emissionprob_).T
    )
    exact = exact_inference(model, X, lengths, log_prob)
    assert_inference_is_exact(model, X, lengths, exact)


def test_defaults_equal_hmmlearn_defaults():
    ours = MultinomialHMM().get_params()
    theirs = hmmlearn_hmm.MultinomialHMM().get_params()
    shared = set(ours) & set(theirs)
    assert shared >= {"n_trials", "params", "init_params", "n_iter", "tol"}
    for name in shared:
        assert ours[name] == theirs[name], name


def test_one_trial_per_frame_is_the_categorical_model():
    symbols, lengths, _, _ = make_categorical_sequences(
        n_sequences=6, sequence_length=40, n_components=2, n_symbols=4, random_state=0
    )
    one_hot = np.eye(4)[symbols[:, 0]]
    start = CASES["categorical"].starting_values(2, symbols, 0)
    prior = {"emissionprob_prior": 1.5, "transmat_prior": 2.0}
    categorical = CategoricalHMM(2, n_iter=5, **start, **prior).fit(
        symbols, lengths=lengths
    )
    multinomial = MultinomialHMM(2, n_trials=1, n_iter=5, **start, **prior).fit(
        one_hot, lengths=lengths
    )
    np.testing.assert_allclose(multinomial.emissionprob_, categorical.emissionprob_)
    np.testing.assert_allclose(multinomial.transmat_, categorical.transmat_)
    np.testing.assert_allclose(
        multinomial.score_samples(one_hot, lengths=lengths),
        categorical.score_samples(symbols, lengths=lengths),
    )


def test_rows_with_another_number_of_trials_are_rejected_naming_them(data):
    X, lengths, _, _ = data
    bad = X.copy()
    bad[[4, 9], 0] += 1
    with pytest.raises(ValueError, match=r"n_trials=8 .*rows \[4, 9\] sum to other"):
        MultinomialHMM(2, n_trials=8).fit(bad)
    model = MultinomialHMM(2, n_trials=8, random_state=0).fit(X, lengths=lengths)
    with pytest.raises(ValueError, match=r"rows \[4, 9\]"):
        model.predict(bad)


def test_inverse_transform_is_the_expected_counts(data):
    X, lengths, _, _ = data
    model = MultinomialHMM(3, n_trials=8, random_state=0).fit(X, lengths=lengths)
    Z = model.predict_proba(X, lengths=lengths)
    expected = model.inverse_transform(Z)
    np.testing.assert_allclose(expected, 8 * Z @ model.emissionprob_)
    np.testing.assert_allclose(expected.sum(axis=1), 8.0)


def test_sampled_frames_count_the_trials_seen_in_fit():
    X, _, _, _ = make_count_sequences(
        n_sequences=1, sequence_length=400, n_components=2, random_state=0
    )
    model = MultinomialHMM(2, random_state=0).fit(X)
    counts, states = model.sample(20_000, random_state=0)
    assert np.issubdtype(counts.dtype, np.integer) and counts.min() >= 0
    totals, frequencies = np.unique(counts.sum(axis=1), return_counts=True)
    np.testing.assert_array_equal(totals, model.trials_)
    np.testing.assert_allclose(frequencies / 20_000, model.trials_proba_, atol=0.01)
    for state in range(2):
        chosen = counts[states == state]
        np.testing.assert_allclose(
            chosen.sum(axis=0) / chosen.sum(), model.emissionprob_[state], atol=0.01
        )
