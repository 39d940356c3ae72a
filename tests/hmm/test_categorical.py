"""CategoricalHMM against hmmlearn, and what is particular to symbols."""

import numpy as np
import pytest
from hmmlearn import hmm as hmmlearn_hmm

from sklatent import CategoricalHMM
from sklatent.datasets import make_categorical_sequences

from ._emission_cases import CASES, assert_agrees_with_hmmlearn, hmmlearn_from

pytestmark = pytest.mark.usefixtures("quiet_hmmlearn")


@pytest.fixture(scope="module")
def data():
    X, lengths, states, params = make_categorical_sequences(
        n_sequences=15, sequence_length=60, n_components=3, n_symbols=6, random_state=3
    )
    return X, lengths, states, params


def _random_start(X, n_states, seed):
    return CASES["categorical"].starting_values(n_states, X, seed)


@pytest.mark.parametrize("seed", [0, 1])
def test_ten_em_iterations_agree_with_hmmlearn(data, seed):
    X, lengths, _, _ = data
    ours = CategoricalHMM(3, n_iter=10, tol=-np.inf, **_random_start(X, 3, seed))
    ours.fit(X, lengths=lengths)
    reference = hmmlearn_from(hmmlearn_hmm.CategoricalHMM, ours, n_features=6)
    reference.fit(X, lengths)
    assert ours.n_iter_ == 10
    assert_agrees_with_hmmlearn(ours, reference, X, lengths)


def test_map_estimates_agree_with_hmmlearn(data):
    X, lengths, _, _ = data
    rng = np.random.default_rng(5)
    priors = {
        "startprob_prior": rng.uniform(1, 3, size=3),
        "transmat_prior": rng.uniform(1, 4, size=(3, 3)),
        "emissionprob_prior": rng.uniform(1, 5, size=(3, 6)),
    }
    ours = CategoricalHMM(3, n_iter=6, tol=-np.inf, **_random_start(X, 3, 4), **priors)
    ours.fit(X, lengths=lengths)
    reference = hmmlearn_from(hmmlearn_hmm.CategoricalHMM, ours, n_features=6, **priors)
    reference.fit(X, lengths)
    assert_agrees_with_hmmlearn(ours, reference, X, lengths)


def test_defaults_equal_hmmlearn_defaults():
    ours = CategoricalHMM().get_params()
    theirs = hmmlearn_hmm.CategoricalHMM().get_params()
    shared = set(ours) & set(theirs)
    assert shared >= {"emissionprob_prior", "n_features", "params", "init_params"}
    for name in shared:
        assert ours[name] == theirs[name], name


def test_fit_recovers_the_true_model():
    X, lengths, states, params = make_categorical_sequences(
        n_sequences=20,
        sequence_length=100,
        n_components=2,
        n_symbols=4,
        concentration=0.5,
        random_state=0,
    )
    model = CategoricalHMM(2, n_iter=200, n_init=5, random_state=0)
    model.fit(X, lengths=lengths)
    order = [
        int(np.argmin(np.abs(model.emissionprob_ - row).sum(axis=1)))
        for row in params["emissionprob"]
    ]
    assert sorted(order) == [0, 1]
    np.testing.assert_allclose(
        model.emissionprob_[order], params["emissionprob"], atol=0.05
    )
    np.testing.assert_allclose(
        model.transmat_[np.ix_(order, order)], params["transmat"], atol=0.05
    )
    decoded = np.asarray(order)[states]
    assert np.mean(model.predict(X, lengths=lengths) == decoded) > 0.85


def test_n_features_is_the_number_of_symbols(data):
    X, lengths, _, _ = data
    model = CategoricalHMM(2, n_features=9, random_state=0).fit(X, lengths=lengths)
    assert model.n_symbols_ == 9
    assert model.emissionprob_.shape == (2, 9)
    assert model.n_features_in_ == 1
    # Symbols absent from the data get no probability without a prior.
    np.testing.assert_array_equal(model.emissionprob_[:, 6:], 0.0)
    assert np.isneginf(model.score_samples(np.array([[7], [7]]))).all()


def test_symbols_outside_the_model_are_rejected_naming_the_rows(data):
    X, lengths, _, _ = data
    model = CategoricalHMM(2, random_state=0).fit(X, lengths=lengths)
    bad = np.array([[0], [6], [1], [8]])
    with pytest.raises(ValueError, match=r"6 symbols .*rows \[1, 3\] are out of range"):
        model.predict(bad)
    with pytest.raises(ValueError, match=r"rows \[1\] are out of range"):
        CategoricalHMM(2, n_features=5).fit(np.array([[0], [5], [1]]))


def test_refit_on_more_symbols_takes_the_new_number(data):
    X, lengths, _, _ = data
    model = CategoricalHMM(2, random_state=0).fit(X[X[:, 0] < 3])
    assert model.n_symbols_ == 3
    assert model.fit(X, lengths=lengths).n_symbols_ == 6


def test_inverse_transform_is_the_expected_symbol_distribution(data):
    X, lengths, _, _ = data
    model = CategoricalHMM(3, random_state=0).fit(X, lengths=lengths)
    Z = model.predict_proba(X, lengths=lengths)
    distribution = model.inverse_transform(Z)
    assert distribution.shape == (len(X), 6)
    np.testing.assert_allclose(distribution.sum(axis=1), 1.0)
    np.testing.assert_allclose(distribution[5], Z[5] @ model.emissionprob_)


def test_sampled_symbols_follow_the_emission_probabilities(data):
    X, lengths, _, _ = data
    model = CategoricalHMM(3, random_state=0).fit(X, lengths=lengths)
    symbols, states = model.sample(30_000, random_state=1)
    assert symbols.shape == (30_000, 1)
    assert np.issubdtype(symbols.dtype, np.integer)
    for state in range(3):
        frequencies = np.bincount(symbols[states == state, 0], minlength=6)
        np.testing.assert_allclose(
            frequencies / frequencies.sum(), model.emissionprob_[state], atol=0.03
        )


def test_several_columns_are_independent_symbols_of_one_frame():
    X, lengths, _, params = make_categorical_sequences(
        n_sequences=1, sequence_length=200, n_components=2, n_symbols=3, random_state=0
    )
    pairs = np.hstack([X, X[::-1]])
    model = CategoricalHMM(2, random_state=0).fit(pairs)
    joint = model._emission_log_prob(pairs.astype(float))
    separate = np.log(model.emissionprob_.T[pairs[:, 0]]) + np.log(
        model.emissionprob_.T[pairs[:, 1]]
    )
    np.testing.assert_allclose(joint, separate)
    assert model.sample(5)[0].shape == (5, 2)


def test_emissionprob_init_must_be_distributions(data):
    X, lengths, _, _ = data
    with pytest.raises(ValueError, match="emissionprob_init"):
        CategoricalHMM(2, emissionprob_init=np.ones((2, 6))).fit(X, lengths=lengths)
    with pytest.raises(ValueError, match="emissionprob_init"):
        CategoricalHMM(2, emissionprob_init=np.full((2, 4), 0.25)).fit(X)


def test_non_positive_emissionprob_prior_is_rejected(data):
    X, _, _, _ = data
    with pytest.raises(ValueError, match="emissionprob_prior must hold positive"):
        CategoricalHMM(2, emissionprob_prior=0.0).fit(X)


def test_data_ruled_out_by_the_starting_parameters_are_rejected():
    X = np.array([[0], [1], [2], [1], [0], [2]])
    model = CategoricalHMM(
        2,
        n_features=3,
        init_params="st",
        emissionprob_init=[[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]],
    )
    with pytest.raises(ValueError, match="impossible under the starting parameters"):
        model.fit(X)


def test_a_continued_fit_keeps_the_symbols_of_its_emissionprob():
    five = np.array([[0], [4], [2], [3], [1], [2], [4], [0]])
    model = CategoricalHMM(2, random_state=0).fit(five)
    model.set_params(init_params="st").fit(five[five[:, 0] < 3])
    assert model.n_symbols_ == 5
    assert model.emissionprob_.shape == (2, 5)
    three = CategoricalHMM(2, random_state=0).fit(five[five[:, 0] < 3])
    with pytest.raises(ValueError, match="model has 3 symbols"):
        three.set_params(init_params="st").fit(five)
    assert three.n_symbols_ == 3
    with pytest.raises(ValueError, match="emissionprob_, over 5 outcomes.*has 3"):
        model.set_params(n_features=3).fit(five[five[:, 0] < 3])
