"""Newton updates of Dirichlet priors ("auto" priors)."""

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import gammaln, polygamma, psi

from sklatent.topic._priors import mean_expected_log, newton_step


def _dirichlet_log_likelihood(prior, mean_log, n_observations):
    return n_observations * (
        gammaln(prior.sum()) - gammaln(prior).sum() + np.sum((prior - 1) * mean_log)
    )


def test_newton_steps_reach_the_maximum_likelihood_dirichlet():
    rng = np.random.RandomState(0)
    true_prior = np.array([0.2, 0.5, 1.5, 3.0])
    draws = rng.dirichlet(true_prior, size=20000)
    mean_log = np.log(draws).mean(axis=0)
    prior = np.ones(4)
    for _ in range(50):
        prior = newton_step(prior, mean_log, draws.shape[0])
    gradient = psi(prior.sum()) - psi(prior) + mean_log
    np.testing.assert_allclose(gradient, 0.0, atol=1e-10)
    np.testing.assert_allclose(prior, true_prior, rtol=0.1)
    # The fixed point is a maximum of the likelihood.
    for direction in np.eye(4):
        assert _dirichlet_log_likelihood(
            prior, mean_log, 1
        ) >= _dirichlet_log_likelihood(prior + 1e-3 * direction, mean_log, 1)


def test_mean_expected_log_is_the_mean_of_digamma_differences():
    params = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 4.0]])
    expected = np.mean([psi(row) - psi(row.sum()) for row in params], axis=0)
    np.testing.assert_allclose(mean_expected_log(params), expected)


def _dense_newton_direction(prior, mean_log, n_observations):
    """-H^-1 g of the Dirichlet log-likelihood, with the Hessian built in full."""
    gradient = n_observations * (psi(prior.sum()) - psi(prior) + mean_log)
    hessian = n_observations * (
        polygamma(1, prior.sum()) - np.diag(polygamma(1, prior))
    )
    return -np.linalg.solve(hessian, gradient)


@given(
    arrays(np.float64, 5, elements=st.floats(0.05, 10.0)),
    arrays(np.float64, 5, elements=st.floats(-0.05, 0.05)),
    st.integers(1, 10000),
    st.floats(0.01, 1.0),
)
def test_newton_step_is_the_full_newton_step_where_it_stays_positive(
    prior, noise, n, rho
):
    # Observations near the prior's own mean log: a short step that stays positive.
    mean_log = psi(prior) - psi(prior.sum()) + noise * polygamma(1, prior) * prior
    direction = _dense_newton_direction(prior, mean_log, n)
    assume(np.all(prior + rho * direction > 0))
    np.testing.assert_allclose(
        newton_step(prior, mean_log, n, rho), prior + rho * direction, rtol=1e-8
    )


def test_newton_step_is_halved_until_the_prior_stays_positive():
    prior = np.array([0.05, 1.0, 2.0])
    mean_log = np.array([-60.0, -1.0, -0.5])
    direction = _dense_newton_direction(prior, mean_log, 100)
    assert np.any(prior + direction <= 0)
    halvings = next(k for k in range(30) if np.all(prior + direction / 2**k > 0))
    assert halvings > 0
    np.testing.assert_allclose(
        newton_step(prior, mean_log, 100), prior + direction / 2**halvings, rtol=1e-10
    )


def test_newton_step_keeps_the_prior_when_thirty_halvings_do_not_suffice():
    prior = np.array([1e-3, 1.0, 2.0])
    mean_log = np.array([-1e15, -1.0, -0.5])
    assert np.any(prior + _dense_newton_direction(prior, mean_log, 10) / 2**30 <= 0)
    np.testing.assert_array_equal(newton_step(prior, mean_log, 10), prior)
