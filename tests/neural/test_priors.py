"""The mixture sampling prior of the VAE: its fit, density and draws."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.mixture import GaussianMixture

from sklatent.neural._priors import (
    fit_code_mixture,
    mixture_log_density,
    sample_mixture,
)


def _random_mixture(seed, n_mixture, n_dims):
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(n_mixture))
    means = rng.normal(scale=3.0, size=(n_mixture, n_dims))
    factors = rng.normal(size=(n_mixture, n_dims, n_dims))
    covariances = factors @ factors.transpose(0, 2, 1) + 0.1 * np.eye(n_dims)
    return weights, means, covariances


@settings(deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n_mixture=st.integers(1, 4),
    n_dims=st.integers(1, 4),
)
def test_log_density_matches_scikit_learn(seed, n_mixture, n_dims):
    weights, means, covariances = _random_mixture(seed, n_mixture, n_dims)
    # A fitted peer whose parameters are then replaced by the mixture's.
    points = np.random.default_rng(0).normal(size=(50, n_dims))
    peer = GaussianMixture(n_mixture).fit(points)
    peer.weights_, peer.means_, peer.covariances_ = weights, means, covariances
    peer.precisions_cholesky_ = np.linalg.cholesky(np.linalg.inv(covariances))
    z = np.random.default_rng(seed + 1).normal(scale=3.0, size=(20, n_dims))
    ours = mixture_log_density(torch.as_tensor(z), weights, means, covariances)
    np.testing.assert_allclose(ours.numpy(), peer.score_samples(z), rtol=1e-9)


def test_draws_follow_the_mixture():
    weights, means, covariances = _random_mixture(0, 3, 2)
    generator = torch.Generator().manual_seed(0)
    z = sample_mixture(
        200_000, weights, means, covariances, generator, torch.float64
    ).numpy()
    mean = weights @ means
    spread = sum(
        w * (c + np.outer(m - mean, m - mean))
        for w, m, c in zip(weights, means, covariances)
    )
    np.testing.assert_allclose(z.mean(0), mean, atol=0.03)
    np.testing.assert_allclose(np.cov(z.T), spread, rtol=0.03, atol=0.03)


def test_fit_finds_the_number_of_groups():
    weights, means, covariances = _random_mixture(3, 3, 2)
    means *= 4
    generator = torch.Generator().manual_seed(0)
    codes = sample_mixture(3000, weights, means, covariances, generator, torch.float64)
    fitted_weights, fitted_means, _ = fit_code_mixture(codes.numpy(), 10, seed=0)
    assert len(fitted_weights) == 3
    order = np.argsort(fitted_means[:, 0])
    np.testing.assert_allclose(
        fitted_means[order], means[np.argsort(means[:, 0])], atol=0.3
    )


@pytest.mark.parametrize("n_codes", [1, 2, 5])
def test_no_more_codes_than_dimensions_give_the_standard_normal(n_codes):
    codes = np.random.default_rng(0).normal(3.0, 0.01, size=(n_codes, 5))
    weights, means, covariances = fit_code_mixture(codes, 10, seed=0)
    np.testing.assert_array_equal(weights, [1.0])
    np.testing.assert_array_equal(means, np.zeros((1, 5)))
    np.testing.assert_array_equal(covariances, np.eye(5)[None])
    more = np.random.default_rng(1).normal(3.0, 0.01, size=(6, 5))
    _, means, _ = fit_code_mixture(more, 10, seed=0)
    np.testing.assert_allclose(means[0], more.mean(0), atol=0.02)
