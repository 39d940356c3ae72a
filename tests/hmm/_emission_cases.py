"""The emission models under test, with data, starting values and brute force.

Each case builds a model, data it fits, random parameters of a tiny model and an
emission log-density written independently of sklatent (with scipy.stats), so that
the shared tests in ``test_emission_models.py`` check every model the same way.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import logsumexp

from sklatent import CategoricalHMM, PoissonHMM
from sklatent.datasets import make_categorical_sequences, make_count_sequences


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
    # Keyword arguments that turn every prior off.
    no_priors: dict

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
    "categorical": EmissionCase(
        model=CategoricalHMM,
        data=_categorical_data,
        emission_init=lambda rng, n_states, X: {
            "emissionprob_init": rng.dirichlet(np.ones(int(X.max()) + 1), n_states)
        },
        reference_log_prob=lambda model, X: np.log(
            model.emissionprob_[:, X.astype(int)].transpose(1, 2, 0)
        ).sum(axis=1),
        no_priors={},
    ),
    "poisson": EmissionCase(
        model=PoissonHMM,
        data=_count_data,
        emission_init=lambda rng, n_states, X: {
            "lambdas_init": rng.uniform(0.5, 8.0, size=(n_states, X.shape[1]))
        },
        reference_log_prob=lambda model, X: np.stack(
            [stats.poisson.logpmf(X, rates).sum(axis=1) for rates in model.lambdas_],
            axis=1,
        ),
        no_priors={},
    ),
}


def brute_force(model, X, log_prob):
    """Exact marginals of one sequence, by enumerating all its state paths.

    Returns the log-likelihood of each prefix ``x_1..x_t``, the smoothed and the
    filtered state probabilities of each frame, the log-joint of every path and
    the largest of them.
    """
    n_frames, n_states = log_prob.shape
    paths = np.array(list(itertools.product(range(n_states), repeat=n_frames)))
    with np.errstate(divide="ignore"):
        log_start, log_trans = np.log(model.startprob_), np.log(model.transmat_)
    # Log-joint of every path up to every frame: shape (n_paths, n_frames).
    steps = log_prob[np.arange(n_frames), paths]
    steps[:, 0] += log_start[paths[:, 0]]
    steps[:, 1:] += log_trans[paths[:, :-1], paths[:, 1:]]
    prefix_joint = np.cumsum(steps, axis=1)
    joint = prefix_joint[:, -1]
    log_likelihood = logsumexp(joint)
    weights = np.exp(joint - log_likelihood)
    smoothed = np.zeros((n_frames, n_states))
    filtered = np.zeros((n_frames, n_states))
    prefix_log_likelihood = np.empty(n_frames)
    for t in range(n_frames):
        np.add.at(smoothed[t], paths[:, t], weights)
        # Paths that share a prefix repeat it n_states ** (n_frames - t - 1) times.
        repeats = np.log(n_states) * (n_frames - t - 1)
        prefix_log_likelihood[t] = logsumexp(prefix_joint[:, t]) - repeats
        prefix = np.exp(prefix_joint[:, t] - repeats - prefix_log_likelihood[t])
        np.add.at(filtered[t], paths[:, t], prefix)
    return {
        "prefix_log_likelihood": prefix_log_likelihood,
        "smoothed": smoothed,
        "filtered": filtered,
        "best_log_joint": joint.max(),
        "log_joint": dict(zip(map(tuple, paths), joint)),
    }


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
