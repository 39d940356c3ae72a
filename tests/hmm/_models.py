"""GaussianHMMs with random parameters, set as if fitted, for the exact tests."""

import numpy as np

from sklatent import GaussianHMM

COVARIANCE_TYPES = ["diag", "full", "spherical", "tied"]


def random_gaussian_hmm(rng, n_states, n_features, covariance_type):
    """A GaussianHMM with random parameters, set as if it had been fitted."""
    model = GaussianHMM(n_states, covariance_type=covariance_type)
    model.startprob_ = rng.dirichlet(np.ones(n_states))
    model.transmat_ = rng.dirichlet(np.ones(n_states), size=n_states)
    model.means_ = rng.normal(0, 1.5, size=(n_states, n_features))
    factors = rng.normal(size=(n_states, n_features, n_features))
    full = factors @ factors.transpose(0, 2, 1) + 0.5 * np.eye(n_features)
    model.covariances_ = {
        "diag": rng.uniform(0.3, 2.0, size=(n_states, n_features)),
        "spherical": rng.uniform(0.3, 2.0, size=n_states),
        "full": full,
        "tied": full[0],
    }[covariance_type]
    model.n_features_in_ = n_features
    return model


def dense_covariances(model):
    """The covariance matrix of each state, whatever the covariance type."""
    n_states, n_features = model.means_.shape
    covariances = model.covariances_
    if model.covariance_type == "diag":
        return np.stack([np.diag(c) for c in covariances])
    if model.covariance_type == "spherical":
        return covariances[:, None, None] * np.eye(n_features)
    if model.covariance_type == "tied":
        return np.tile(covariances, (n_states, 1, 1))
    return covariances


def match_states(fitted_means, true_means):
    """The fitted state nearest to each true state's mean; they must all differ."""
    order = [
        int(np.argmin(((fitted_means - mean) ** 2).sum(axis=1))) for mean in true_means
    ]
    assert sorted(order) == list(range(len(true_means))), order
    return order
