"""PoissonHMM against hmmlearn, and what is particular to counts."""

import mpmath
import numpy as np
import pytest
from hmmlearn import hmm as hmmlearn_hmm

from sklatent import PoissonHMM
from sklatent.datasets import make_count_sequences
from sklatent.hmm._count_kernels import poisson_log_prob

from ._emission_cases import CASES, assert_agrees_with_hmmlearn, hmmlearn_from

pytestmark = pytest.mark.usefixtures("quiet_hmmlearn")


@pytest.fixture(scope="module")
def data():
    X, lengths, states, params = make_count_sequences(
        n_sequences=12, sequence_length=80, n_components=3, n_features=4, random_state=1
    )
    return X, lengths, states, params


def _random_start(X, n_states, seed):
    return CASES["poisson"].starting_values(n_states, X, seed)


@pytest.mark.parametrize("seed", [0, 1])
def test_ten_em_iterations_agree_with_hmmlearn(data, seed):
    X, lengths, _, _ = data
    ours = PoissonHMM(3, n_iter=10, tol=-np.inf, **_random_start(X, 3, seed))
    ours.fit(X, lengths=lengths)
    reference = hmmlearn_from(hmmlearn_hmm.PoissonHMM, ours)
    reference.fit(X, lengths)
    assert ours.n_iter_ == 10
    assert_agrees_with_hmmlearn(ours, reference, X, lengths)


def test_gamma_prior_of_one_state_agrees_with_hmmlearn(data):
    # With one state, hmmlearn's total frame count is the state's own count.
    X, lengths, _, _ = data
    priors = {"lambdas_prior": 3.0, "lambdas_weight": 20.0}
    ours = PoissonHMM(1, n_iter=3, tol=-np.inf, **_random_start(X, 1, 0), **priors)
    ours.fit(X, lengths=lengths)
    reference = hmmlearn_from(hmmlearn_hmm.PoissonHMM, ours, **priors)
    reference.fit(X, lengths)
    assert_agrees_with_hmmlearn(ours, reference, X, lengths)


def test_gamma_prior_weighs_each_state_by_its_own_frames(data):
    X, lengths, _, _ = data
    alpha, beta = 5.0, 50.0
    model = PoissonHMM(
        3, n_iter=1, lambdas_prior=alpha, lambdas_weight=beta, **_random_start(X, 3, 0)
    ).fit(X, lengths=lengths)
    posteriors = (
        PoissonHMM(3, n_iter=1, params="", **_random_start(X, 3, 0))
        .fit(X, lengths=lengths)
        .predict_proba(X, lengths=lengths)
    )
    occupancy = posteriors.sum(axis=0)[:, None]
    np.testing.assert_allclose(
        model.lambdas_, (alpha + posteriors.T @ X) / (beta + occupancy), rtol=1e-10
    )
    # A prior shrinks every rate towards alpha / beta = 0.1.
    unshrunk = (posteriors.T @ X) / occupancy
    assert np.all(np.abs(model.lambdas_ - 0.1) < np.abs(unshrunk - 0.1))


def test_defaults_equal_hmmlearn_defaults():
    ours = PoissonHMM().get_params()
    theirs = hmmlearn_hmm.PoissonHMM().get_params()
    shared = set(ours) & set(theirs)
    assert shared >= {"lambdas_prior", "lambdas_weight", "params", "init_params"}
    for name in shared:
        assert ours[name] == theirs[name], name


def test_fit_recovers_the_true_rates(data):
    X, lengths, states, params = data
    model = PoissonHMM(3, n_iter=100, random_state=0).fit(X, lengths=lengths)
    order = [
        int(np.argmin(np.abs(np.log(model.lambdas_ / rates)).sum(axis=1)))
        for rates in params["lambdas"]
    ]
    assert sorted(order) == [0, 1, 2]
    np.testing.assert_allclose(model.lambdas_[order], params["lambdas"], rtol=0.15)
    decoded = np.asarray(order)[states]
    assert np.mean(model.predict(X, lengths=lengths) == decoded) > 0.95


def test_rates_of_zero_stay_zero_and_rule_out_counts():
    X = np.zeros((40, 2))
    X[:20, 0] = np.random.default_rng(0).poisson(5.0, size=20)
    X[20:, 1] = np.random.default_rng(1).poisson(5.0, size=20)
    model = PoissonHMM(2, n_iter=20, lambdas_init=[[4.0, 0.0], [0.0, 4.0]]).fit(X)
    np.testing.assert_array_equal(model.lambdas_ == 0.0, [[False, True], [True, False]])
    log_prob = model.score_samples(X)
    assert np.all(np.isfinite(log_prob))
    # A count that no state can emit has probability zero.
    assert np.isneginf(model.score_samples(np.array([[3.0, 3.0]]))).all()


def test_inverse_transform_is_the_expected_counts(data):
    X, lengths, _, _ = data
    model = PoissonHMM(3, random_state=0).fit(X, lengths=lengths)
    Z = model.predict_proba(X, lengths=lengths)
    np.testing.assert_allclose(model.inverse_transform(Z), Z @ model.lambdas_)
    # Averaged over the frames, the expected counts are the mean counts.
    np.testing.assert_allclose(
        model.inverse_transform(Z).mean(axis=0), X.mean(axis=0), rtol=0.05
    )


def test_sampled_counts_have_the_rates_of_their_states(data):
    X, lengths, _, _ = data
    model = PoissonHMM(3, random_state=0).fit(X, lengths=lengths)
    counts, states = model.sample(30_000, random_state=1)
    assert np.issubdtype(counts.dtype, np.integer)
    for state in range(3):
        np.testing.assert_allclose(
            counts[states == state].mean(axis=0), model.lambdas_[state], rtol=0.05
        )


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("lambdas_init", -np.ones((3, 4)), "lambdas_init must be non-negative"),
        ("lambdas_init", np.ones((2, 4)), "lambdas_init must be a number or"),
        ("lambdas_prior", -1.0, "lambdas_prior must be non-negative"),
        ("lambdas_weight", -2.0, "lambdas_weight must be non-negative"),
        ("lambdas_weight", np.ones(5), "lambdas_weight must be a number or"),
    ],
)
def test_bad_rates_and_priors_are_named(data, name, value, message):
    X, lengths, _, _ = data
    with pytest.raises(ValueError, match=message):
        PoissonHMM(3, **{name: value}).fit(X, lengths=lengths)


@pytest.mark.parametrize("count", [2e5, 1e8, 1e12, 1e15, 2.0**53 - 1, 1e17, 1e300])
@pytest.mark.parametrize("ratio", [1.0, 1.0 + 1e-4, 0.5, 3.0, 1e-20])
def test_huge_counts_keep_their_log_probability(count, ratio):
    """x log(rate) - rate - log x! cancels for huge counts (an error of 2.3 nats
    at x = 1e15, and a positive log-probability at 1e300); compare with 400
    digits of mpmath."""
    rate = count * ratio
    ours = poisson_log_prob(np.array([[count, 3.0]]), np.array([[rate, 2.0]]))[0, 0]
    with mpmath.workdps(400):
        x, lam = mpmath.mpf(count), mpmath.mpf(rate)
        exact = x * mpmath.log(lam) - lam - mpmath.loggamma(x + 1)
        exact += 3 * mpmath.log(2) - 2 - mpmath.loggamma(4)
    np.testing.assert_allclose(ours, float(exact), rtol=1e-12, atol=1e-9)
