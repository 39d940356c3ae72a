"""Generators of data with known latent structure, for tests, docs and benchmarks.

Each ``make_*`` function returns the observed data together with the latent values
and the true parameters that generated it, so that fitted models can be compared with
the truth.
"""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_hmm_sequences"]


def make_hmm_sequences(
    n_sequences=10,
    sequence_length=100,
    n_components=3,
    n_features=2,
    *,
    self_transition=0.9,
    separation=3.0,
    random_state=None,
):
    """Sample sequences from a random hidden Markov model with Gaussian emissions.

    The true model has diagonal covariances with variances in [0.5, 1.5], means drawn
    from a normal distribution with standard deviation ``separation``, a
    probability ``self_transition`` of staying in a state (the rest spread at random
    over the other states) and random start probabilities.

    Parameters
    ----------
    n_sequences : int, default=10
        Number of sequences.
    sequence_length : int, default=100
        Number of frames of each sequence.
    n_components : int, default=3
        Number of hidden states.
    n_features : int, default=2
        Number of features of each frame.
    self_transition : float, default=0.9
        Probability of staying in the same state from one frame to the next, in
        [0, 1] (a model with one state always stays).
    separation : float, default=3.0
        Scale of the state means relative to the unit noise; larger values make the
        states easier to tell apart.
    random_state : int, RandomState instance or None, default=None
        Randomness of the model and of the samples.

    Returns
    -------
    X : ndarray of shape (n_sequences * sequence_length, n_features)
        The frames of all sequences, one after another.
    lengths : ndarray of int64 of shape (n_sequences,)
        Number of frames of each sequence.
    states : ndarray of int64 of shape (n_sequences * sequence_length,)
        The hidden state of each frame.
    params : dict
        The true parameters: ``"startprob"``, ``"transmat"``, ``"means"`` and
        ``"covariances"`` (diagonal, shape (n_components, n_features)).

    Examples
    --------
    >>> from sklatent.datasets import make_hmm_sequences
    >>> X, lengths, states, params = make_hmm_sequences(
    ...     n_sequences=4, sequence_length=50, random_state=0)
    >>> X.shape, lengths.tolist(), params["transmat"].shape
    ((200, 2), [50, 50, 50, 50], (3, 3))
    """
    from .hmm import GaussianHMM

    for name, value in [
        ("n_sequences", n_sequences),
        ("sequence_length", sequence_length),
        ("n_components", n_components),
        ("n_features", n_features),
    ]:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(f"{name} must be an integer, got {value!r}.")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}.")
    if not 0.0 <= self_transition <= 1.0:
        raise ValueError(
            f"self_transition must be a probability in [0, 1], got {self_transition}."
        )
    if not separation > 0:
        raise ValueError(f"separation must be positive, got {separation}.")
    rng = check_random_state(random_state)
    startprob = rng.dirichlet(np.full(n_components, 5.0))
    if n_components == 1:
        transmat = np.ones((1, 1))
    else:
        transmat = np.empty((n_components, n_components))
        for state in range(n_components):
            others = rng.dirichlet(np.full(n_components - 1, 5.0))
            transmat[state] = np.insert(
                (1.0 - self_transition) * others, state, self_transition
            )
    means = separation * rng.standard_normal((n_components, n_features))
    covariances = rng.uniform(0.5, 1.5, size=(n_components, n_features))

    model = GaussianHMM(n_components, covariance_type="diag")
    model.startprob_, model.transmat_ = startprob, transmat
    model.means_, model.covariances_ = means, covariances
    model.n_features_in_ = n_features
    lengths = np.full(n_sequences, sequence_length, dtype=np.int64)
    X, states = model._sample_sequences(lengths, rng)
    params = {
        "startprob": startprob,
        "transmat": transmat,
        "means": means,
        "covariances": covariances,
    }
    return X, lengths, states, params
