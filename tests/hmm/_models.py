"""GaussianHMMs with random parameters, set as if fitted, for the exact tests."""

import numpy as np
from scipy.stats import multivariate_normal

from sklatent import GaussianHMM

from ._enumeration import enumerate_paths

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


def marginal_log_prob(model, X):
    """Log-density of the observed block of each frame under each state, by scipy."""
    covariances = dense_covariances(model)
    log_prob = np.zeros((len(X), model.n_components))
    for t, x in enumerate(X):
        seen = ~np.isnan(x)
        if not seen.any():
            continue
        for k in range(model.n_components):
            block = covariances[k][np.ix_(seen, seen)]
            log_prob[t, k] = multivariate_normal(model.means_[k, seen], block).logpdf(
                x[seen]
            )
    return log_prob


def _conditional_moments(mean, covariance, x):
    """Mean and covariance of a frame given its observed entries (zero if seen)."""
    seen = ~np.isnan(x)
    gone = ~seen
    completed, spread = x.copy(), np.zeros_like(covariance)
    gain = covariance[np.ix_(gone, seen)] @ np.linalg.inv(
        covariance[np.ix_(seen, seen)]
    )
    completed[gone] = mean[gone] + gain @ (x[seen] - mean[seen])
    spread[np.ix_(gone, gone)] = (
        covariance[np.ix_(gone, gone)] - gain @ covariance[np.ix_(seen, gone)]
    )
    return completed, spread


def exact_em_step(model, X, lengths, known_states=None):
    """One EM iteration from exact posteriors, by enumeration of all state paths.

    Missing entries contribute their conditional moments; labelled frames
    (``known_states`` >= 0) are clamped to their state. Returns the updated
    parameters and the objective at the starting parameters.
    """
    n_states, n_features = model.means_.shape
    bounds = np.cumsum([0, *lengths])
    log_prob = marginal_log_prob(model, X)
    if known_states is not None:
        labelled = known_states >= 0
        clamp = np.full_like(log_prob, -np.inf)
        clamp[labelled, known_states[labelled]] = 0.0
        log_prob[labelled] += clamp[labelled]
    objective = 0.0
    posteriors, start = [], np.zeros(n_states)
    transitions = np.zeros((n_states, n_states))
    for a, b in zip(bounds[:-1], bounds[1:]):
        exact = enumerate_paths(model.startprob_, model.transmat_, log_prob[a:b])
        objective += exact["log_likelihood"]
        posteriors.append(exact["posteriors"])
        start += exact["posteriors"][0]
        transitions += exact["transition_counts"]
    posteriors = np.concatenate(posteriors)
    covariances = dense_covariances(model)
    means = np.zeros((n_states, n_features))
    scatter = np.zeros((n_states, n_features, n_features))
    moments = [
        [_conditional_moments(model.means_[k], covariances[k], x) for x in X]
        for k in range(n_states)
    ]
    occupancy = posteriors.sum(axis=0)
    for k in range(n_states):
        for t in range(len(X)):
            means[k] += posteriors[t, k] * moments[k][t][0]
        means[k] /= occupancy[k]
        for t in range(len(X)):
            completed, spread = moments[k][t]
            deviation = completed - means[k]
            scatter[k] += posteriors[t, k] * (np.outer(deviation, deviation) + spread)
    new_covariances = {
        "full": scatter / occupancy[:, None, None],
        "diag": np.stack([np.diag(s) for s in scatter]) / occupancy[:, None],
        "spherical": np.array([np.trace(s) for s in scatter])
        / (occupancy * n_features),
        "tied": scatter.sum(axis=0) / occupancy.sum(),
    }[model.covariance_type]
    return objective, {
        "startprob_": start / start.sum(),
        "transmat_": transitions / transitions.sum(axis=1, keepdims=True),
        "means_": means,
        "covariances_": new_covariances,
    }
