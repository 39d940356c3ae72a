"""The emission models under test, with data, starting values and brute force.

Each case builds a model, data it fits, random parameters of a tiny model and an
emission log-density written independently of sklatent (with scipy.stats), so that
the shared tests in ``test_emission_models.py`` check every model the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import stats
from scipy.special import logsumexp

from sklatent import GMMHMM, CategoricalHMM, MultinomialHMM, PoissonHMM
from sklatent.datasets import (
    make_categorical_sequences,
    make_count_sequences,
    make_hmm_sequences,
    make_multinomial_sequences,
)

from ._enumeration import enumerate_paths


@dataclass
class EmissionCase:
    """How to test one emission model."""

    model: type
    # data(n_sequences, sequence_length, seed) -> (X, lengths)
    data: Callable
    # emission_init(rng, n_states, n_features) -> {"<name>_init": value}
    emission_init: Callable
    # reference_log_prob(model, X) -> (n_frames, n_states), from scipy.stats
    reference_log_prob: Callable
    # reference_m_step(model, posteriors, X) -> {"<attribute>_": value}: the EM
    # update from ``model`` given the state posteriors
    reference_m_step: Callable
    # Keyword arguments that turn every prior off.
    no_priors: dict
    # Whether NaN entries are missing values.
    missing: bool = True
    # Whether the frames are counts or symbols (non-negative integers).
    integers: bool = True
    # Seed of data on which later restarts find better optima than the first.
    restart_data_seed: int = 6

    def make(self, n_states, **params):
        return self.model(n_states, **params)

    def starting_values(self, n_states, X, seed):
        """Random ``*_init`` values of every parameter, for data like X."""
        rng = np.random.default_rng(seed)
        initial = {
            "startprob_init": rng.dirichlet(np.ones(n_states)),
            "transmat_init": rng.dirichlet(np.ones(n_states), n_states),
        }
        return {**initial, **self.emission_init(rng, n_states, X)}

    def fixed(self, n_states, X, seed, lengths=None):
        """A model with random parameters, "fitted" without any update."""
        initial = self.starting_values(n_states, X, seed)
        model = self.model(n_states, init_params="", params="", n_iter=1, **initial)
        return model.fit(X, lengths=lengths)


def _categorical_log_prob(model, X):
    missing = np.isnan(X)
    symbols = np.where(missing, 0, X).astype(int)
    log_prob = np.log(model.emissionprob_[:, symbols].transpose(1, 2, 0))
    return np.where(missing[:, :, np.newaxis], 0.0, log_prob).sum(axis=1)


def _categorical_m_step(model, posteriors, X):
    counts = np.zeros((posteriors.shape[1], int(np.nanmax(X)) + 1))
    for t, column in zip(*np.nonzero(~np.isnan(X))):
        counts[:, int(X[t, column])] += posteriors[t]
    return {"emissionprob_": counts / counts.sum(axis=1, keepdims=True)}


def _poisson_log_prob(model, X):
    log_prob = np.stack(
        [stats.poisson.logpmf(X, rates) for rates in model.lambdas_], axis=2
    )
    return np.where(np.isnan(log_prob), 0.0, log_prob).sum(axis=1)


def _poisson_m_step(model, posteriors, X):
    observed = ~np.isnan(X)
    sums = posteriors.T @ np.where(observed, X, 0.0)
    return {"lambdas_": sums / (posteriors.T @ observed)}


def _multinomial_log_prob(model, X):
    return np.stack(
        [
            stats.multinomial.logpmf(X, X.sum(axis=1), probabilities)
            for probabilities in model.emissionprob_
        ],
        axis=1,
    )


def _multinomial_m_step(model, posteriors, X):
    counts = posteriors.T @ X
    return {"emissionprob_": counts / counts.sum(axis=1, keepdims=True)}


def _multinomial_data(n_sequences, sequence_length, seed):
    X, lengths, _, _ = make_multinomial_sequences(
        n_sequences,
        sequence_length,
        n_components=3,
        n_features=3,
        n_trials=6,
        random_state=seed,
    )
    return X, lengths


def _gmm_component_log_prob(model, X):
    """log(weight) + diagonal Gaussian log-density on the observed entries."""
    log_prob = stats.norm.logpdf(
        X[:, None, None, :], model.means_, np.sqrt(model.covariances_)
    )
    log_prob = np.where(np.isnan(log_prob), 0.0, log_prob).sum(axis=3)
    return log_prob + np.log(model.weights_)


def _gmm_log_prob(model, X):
    return logsumexp(_gmm_component_log_prob(model, X), axis=2)


def _gmm_m_step(model, posteriors, X):
    """The EM update of a diagonal GMM emission, missing entries imputed in law."""
    component = _gmm_component_log_prob(model, X)
    within = np.exp(component - logsumexp(component, axis=2, keepdims=True))
    weights_t = posteriors[:, :, None] * within
    occupancy = weights_t.sum(axis=0)
    observed = ~np.isnan(X)[:, None, None, :]
    # A missing entry: its conditional law is the component's own.
    filled = np.where(observed, X[:, None, None, :], model.means_)
    means = (weights_t[..., None] * filled).sum(axis=0) / occupancy[..., None]
    squares = np.where(
        observed,
        (filled - means) ** 2,
        model.covariances_ + (model.means_ - means) ** 2,
    )
    variances = (weights_t[..., None] * squares).sum(axis=0) / occupancy[..., None]
    return {
        "weights_": occupancy / occupancy.sum(axis=1, keepdims=True),
        "means_": means,
        "covariances_": variances,
    }


def _gaussian_data(n_sequences, sequence_length, seed):
    X, lengths, _, _ = make_hmm_sequences(
        n_sequences, sequence_length, n_components=3, n_features=2, random_state=seed
    )
    return X, lengths


def _categorical_data(n_sequences, sequence_length, seed):
    X, lengths, _, _ = make_categorical_sequences(
        n_sequences, sequence_length, n_components=3, n_symbols=5, random_state=seed
    )
    return X, lengths


def _count_data(n_sequences, sequence_length, seed):
    X, lengths, _, _ = make_count_sequences(
        n_sequences, sequence_length, n_components=3, n_features=3, random_state=seed
    )
    return X, lengths


CASES = {
    "gmm": EmissionCase(
        model=partial(GMMHMM, n_mix=2, min_covar=1e-8),
        data=_gaussian_data,
        emission_init=lambda rng, n_states, X: {
            "weights_init": rng.dirichlet(np.ones(2), n_states),
            "means_init": rng.normal(0, 3, size=(n_states, 2, X.shape[1])),
            "covariances_init": rng.uniform(0.5, 3, size=(n_states, 2, X.shape[1])),
        },
        reference_log_prob=_gmm_log_prob,
        reference_m_step=_gmm_m_step,
        no_priors={},
        integers=False,
        restart_data_seed=4,
    ),
    "categorical": EmissionCase(
        model=CategoricalHMM,
        data=_categorical_data,
        emission_init=lambda rng, n_states, X: {
            "emissionprob_init": rng.dirichlet(np.ones(int(np.nanmax(X)) + 1), n_states)
        },
        reference_log_prob=_categorical_log_prob,
        reference_m_step=_categorical_m_step,
        no_priors={},
    ),
    "multinomial": EmissionCase(
        model=MultinomialHMM,
        data=_multinomial_data,
        emission_init=lambda rng, n_states, X: {
            "emissionprob_init": rng.dirichlet(np.ones(X.shape[1]), n_states)
        },
        reference_log_prob=_multinomial_log_prob,
        reference_m_step=_multinomial_m_step,
        no_priors={},
        missing=False,
        restart_data_seed=1,
    ),
    "poisson": EmissionCase(
        model=PoissonHMM,
        data=_count_data,
        emission_init=lambda rng, n_states, X: {
            "lambdas_init": rng.uniform(0.5, 8.0, size=(n_states, X.shape[1]))
        },
        reference_log_prob=_poisson_log_prob,
        reference_m_step=_poisson_m_step,
        no_priors={},
    ),
}


def exact_inference(model, X, lengths, log_prob, known_states=None):
    """Enumerate the paths of every sequence: what the recursions must give.

    ``log_prob`` is the emission log-density computed independently; labelled
    frames of ``known_states`` keep only their label's term. Returns the
    log-likelihood of each prefix of each sequence, the smoothed and filtered
    state probabilities, the expected start and transition counts, and for each
    sequence a function giving the log-joint of one path.
    """
    log_prob = log_prob.copy()
    if known_states is not None:
        labelled = known_states >= 0
        keep = np.arange(log_prob.shape[1]) == known_states[:, np.newaxis]
        log_prob[labelled[:, np.newaxis] & ~keep] = -np.inf
    bounds = np.cumsum([0, *lengths])
    result = {
        "prefix": [],
        "smoothed": [],
        "filtered": [],
        "path_log_joint": [],
        "best": [],
    }
    start_counts = np.zeros(model.n_components)
    transition_counts = np.zeros((model.n_components, model.n_components))
    for a, b in zip(bounds[:-1], bounds[1:]):
        whole = enumerate_paths(model.startprob_, model.transmat_, log_prob[a:b])
        result["smoothed"].append(whole["posteriors"])
        start_counts += whole["posteriors"][0]
        transition_counts += whole["transition_counts"]
        for t in range(b - a):
            prefix = enumerate_paths(
                model.startprob_, model.transmat_, log_prob[a : a + t + 1]
            )
            result["prefix"].append(prefix["log_likelihood"])
            result["filtered"].append(prefix["posteriors"][-1])
        result["path_log_joint"].append(
            lambda path, a=a, b=b: _path_log_joint(model, log_prob[a:b], path)
        )
        result["best"].extend([_path_log_joint(model, log_prob[a:b], whole["path"])])
        result["best"].extend([np.nan] * (b - a - 1))
    result["smoothed"] = np.concatenate(result["smoothed"])
    result["filtered"] = np.array(result["filtered"])
    result["start_counts"] = start_counts
    result["transition_counts"] = transition_counts
    return result


def assert_inference_is_exact(model, X, lengths, exact):
    """score_samples, predict_proba, filter_proba and predict equal the enumeration
    ``exact`` (of :func:`exact_inference`)."""
    np.testing.assert_allclose(
        model.score_samples(X, lengths=lengths),
        np.concatenate(
            [
                np.diff(prefix, prepend=0.0)
                for prefix in split_by_sequence(exact["prefix"], lengths)
            ]
        ),
        rtol=1e-9,
        atol=1e-9,
    )
    np.testing.assert_allclose(
        model.predict_proba(X, lengths=lengths), exact["smoothed"], atol=1e-10
    )
    np.testing.assert_allclose(
        model.filter_proba(X, lengths=lengths), exact["filtered"], atol=1e-10
    )
    # Equal symbols in a row often make several paths tie exactly: each decoded
    # path must be one of the best.
    for path, log_joint, best in zip(
        split_by_sequence(model.predict(X, lengths=lengths), lengths),
        exact["path_log_joint"],
        split_by_sequence(exact["best"], lengths),
    ):
        np.testing.assert_allclose(log_joint(path), best[0], rtol=1e-12)


def split_by_sequence(values, lengths):
    """``values`` aligned with the frames, one array per sequence."""
    return np.split(np.asarray(values), np.cumsum(lengths)[:-1])


def _path_log_joint(model, log_prob, path):
    with np.errstate(divide="ignore"):
        return (
            np.log(model.startprob_[path[0]])
            + np.log(model.transmat_[path[:-1], path[1:]]).sum()
            + log_prob[np.arange(len(path)), path].sum()
        )


def hmmlearn_from(reference_class, ours, **params):
    """An hmmlearn model that starts where ``ours`` started (its ``*_init``)."""
    reference = reference_class(
        ours.n_components,
        init_params="",
        n_iter=ours.n_iter,
        tol=ours.tol,
        params=ours.params,
        **params,
    )
    for name in ("startprob_", "transmat_", *ours._emission_attributes):
        setattr(reference, name, np.asarray(getattr(ours, name[:-1] + "_init")))
    return reference


def assert_agrees_with_hmmlearn(ours, reference, X, lengths, rtol=1e-6):
    """Same EM path, parameters, Viterbi path, log-likelihood and criteria."""
    np.testing.assert_allclose(
        ours.monitor_.history, list(reference.monitor_.history), rtol=rtol
    )
    for name in ("startprob_", "transmat_", *ours._emission_attributes):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(reference, name), rtol=rtol, atol=1e-10
        )
    assert_same_viterbi(ours, reference, X, lengths)
    total = ours.score_samples(X, lengths=lengths).sum()
    np.testing.assert_allclose(total, reference.score(X, lengths), rtol=rtol)
    np.testing.assert_allclose(
        ours.aic(X, lengths=lengths), reference.aic(X, lengths), rtol=rtol
    )
    np.testing.assert_allclose(
        ours.bic(X, lengths=lengths), reference.bic(X, lengths), rtol=rtol
    )


def path_log_prob(model, X, lengths, path):
    """Joint log-probability of the frames and one state path, summed."""
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    first = offsets[:-1]
    within = np.setdiff1d(np.arange(1, len(X)), first)
    with np.errstate(divide="ignore"):
        log_start, log_trans = np.log(model.startprob_), np.log(model.transmat_)
    emission = model._emission_log_prob(np.asarray(X, dtype=float))
    return (
        emission[np.arange(len(X)), path].sum()
        + log_start[path[first]].sum()
        + log_trans[path[within - 1], path[within]].sum()
    )


def assert_same_viterbi(ours, reference, X, lengths):
    """Our Viterbi path is hmmlearn's, or ties with it to rounding.

    Discrete frames make exact ties common: two equal symbols in a row can swap
    their states when the states around them agree, and then the order of the
    floating-point sums decides, which differs between the libraries.
    """
    path, theirs = ours.predict(X, lengths=lengths), reference.predict(X, lengths)
    if np.array_equal(path, theirs):
        return
    best, _ = reference.decode(X, lengths)
    np.testing.assert_allclose(path_log_prob(ours, X, lengths, path), best, rtol=1e-12)
    np.testing.assert_allclose(
        path_log_prob(ours, X, lengths, theirs), best, rtol=1e-12
    )
    assert np.mean(path == theirs) > 0.98
