"""Hidden Markov model with multinomial emissions."""

import numbers

import numpy as np

from ..base import Integer
from ._base import BaseHMM, describe_rows
from ._count_kernels import multinomial_log_prob
from ._discrete import (
    EmissionProbabilities,
    check_non_negative_integers,
    with_integer_input_tags,
)

__all__ = ["MultinomialHMM"]


class MultinomialHMM(EmissionProbabilities, BaseHMM):
    """Hidden Markov model with multinomial emissions: counts of outcomes per frame.

    Each frame counts how often each of ``n_features`` outcomes occurred in its
    trials (the nucleotides of a read, the words of a sentence over a small
    vocabulary, the answers of a panel), the trials drawn from the outcome
    distribution of the frame's hidden state: ``x_t | z_t ~
    Multinomial(n_t, emissionprob_[z_t])``, with the states a Markov chain as in
    :class:`GaussianHMM`. One trial per frame is :class:`CategoricalHMM` with
    one-hot frames.

    The parameters and defaults are those of ``hmmlearn.hmm.MultinomialHMM``, plus a
    Dirichlet prior on the emission probabilities as in :class:`CategoricalHMM`.

    Parameters
    ----------
    n_components : int, default=1
        Number of hidden states.
    n_trials : int, default=None
        Number of trials of every frame; each row of ``X`` must then sum to it. None
        lets each frame have its own number of trials, the sum of its counts; the
        frames of :meth:`sample` then take their numbers of trials from those seen
        in fit, at random.
    startprob_prior : float or array-like of shape (n_components,), default=1.0
        Dirichlet prior on ``startprob_``; 1.0 means no prior.
    transmat_prior : float or array-like of shape (n_components, n_components), \
            default=1.0
        Dirichlet prior on each row of ``transmat_``.
    emissionprob_prior : float or array-like of shape (n_components, n_features), \
            default=1.0
        Dirichlet prior on each row of ``emissionprob_``; 1.0 means no prior
        (hmmlearn's only choice).
    algorithm : {"viterbi", "map"}, default="viterbi"
        Decoder of :meth:`predict`.
    n_iter : int, default=10
        Maximum number of EM iterations of each restart.
    tol : float, default=1e-2
        EM stops when the gain in total log-likelihood is below ``tol``.
    n_init : int, default=1
        Number of random restarts; the one with the highest log-likelihood is
        kept.
    init_params : str, default="ste"
        Parameters that fit initialises when no ``*_init`` value is given: "s"
        and "t" start and transition probabilities (counted from the most likely
        state of each frame, plus one), "e" the emission probabilities (uniform
        random rows, normalised, as in hmmlearn). A parameter left out, without
        an ``*_init`` value, continues from the previous fit.
    params : str, default="ste"
        Parameters that EM updates, with the same letters.
    startprob_init : array-like of shape (n_components,), default=None
        Starting start probabilities.
    transmat_init : array-like of shape (n_components, n_components), default=None
        Starting transition matrix.
    emissionprob_init : array-like of shape (n_components, n_features), \
            default=None
        Starting emission probabilities (rows sum to one).
    n_jobs : int, default=None
        Number of threads that run the sequences in parallel; None means 1, -1
        all cores. Results are bit-identical for every value.
    random_state : int, RandomState instance or None, default=None
        Randomness of the initialisation and the default of :meth:`sample`.
    verbose : int, default=0
        If positive, show a progress bar of the EM iterations.

    Attributes
    ----------
    startprob_ : ndarray of shape (n_components,)
        Initial state distribution.
    transmat_ : ndarray of shape (n_components, n_components)
        Transition probabilities.
    emissionprob_ : ndarray of shape (n_components, n_features)
        ``emissionprob_[k, i]`` is the probability of outcome ``i`` in one trial
        in state ``k``.
    trials_ : ndarray of int64
        The distinct numbers of trials of the frames seen in fit.
    trials_proba_ : ndarray of float64 of the shape of ``trials_``
        How often each of them occurred: the law of the number of trials of
        sampled frames.
    monitor_ : ~sklatent.base.ConvergenceMonitor
        History of the total log-likelihood of the kept restart.
    converged_ : bool
        Whether the kept restart stopped because its gain fell below ``tol``.
    n_iter_ : int
        Number of EM iterations of the kept restart.
    n_features_in_ : int
        Number of outcomes (columns of X) seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the columns seen during fit, when ``X`` has string column names.

    See Also
    --------
    CategoricalHMM : One symbol per frame.
    PoissonHMM : Counts without a fixed total.

    Examples
    --------
    >>> from sklatent import MultinomialHMM
    >>> from sklatent.datasets import make_multinomial_sequences
    >>> X, lengths, states, params = make_multinomial_sequences(
    ...     n_sequences=10, sequence_length=50, n_components=2, n_features=3,
    ...     n_trials=20, random_state=2)
    >>> X[:2]
    array([[ 6,  1, 13],
           [ 8,  0, 12]])
    >>> hmm = MultinomialHMM(n_components=2, n_trials=20, n_init=3, random_state=0)
    >>> hmm = hmm.fit(X, lengths=lengths)
    >>> decoded = hmm.predict(X, lengths=lengths)
    >>> agreement = max((decoded == states).mean(), (decoded != states).mean())
    >>> bool(agreement > 0.95)
    True
    """

    _parameter_constraints = {
        **BaseHMM._parameter_constraints,
        "n_trials": [Integer(0, None, closed="left"), None],
        "emissionprob_prior": ["array-like", numbers.Real],
        "emissionprob_init": ["array-like", None],
    }

    def __init__(
        self,
        n_components=1,
        *,
        n_trials=None,
        startprob_prior=1.0,
        transmat_prior=1.0,
        emissionprob_prior=1.0,
        algorithm="viterbi",
        n_iter=10,
        tol=1e-2,
        n_init=1,
        init_params="ste",
        params="ste",
        startprob_init=None,
        transmat_init=None,
        emissionprob_init=None,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            n_components,
            startprob_prior=startprob_prior,
            transmat_prior=transmat_prior,
            algorithm=algorithm,
            n_iter=n_iter,
            tol=tol,
            n_init=n_init,
            init_params=init_params,
            params=params,
            startprob_init=startprob_init,
            transmat_init=transmat_init,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
        )
        self.n_trials = n_trials
        self.emissionprob_prior = emissionprob_prior
        self.emissionprob_init = emissionprob_init

    def _check_X_values(self, X):
        check_non_negative_integers(X, "counts")
        if self.n_trials is not None:
            wrong = X.sum(axis=1) != self.n_trials
            if wrong.any():
                raise ValueError(
                    f"Each row of X must count n_trials={self.n_trials} trials, but "
                    f"{describe_rows(wrong)} sum to other totals."
                )

    def _check_emission_parameters(self, n_features):
        self._check_emissionprob_parameters(n_features)

    def _initialize_emissions(self, X, random_state, previous, restart):
        self._initialize_emissionprob(X.shape[1], random_state, previous)
        trials, counts = np.unique(X.sum(axis=1).astype(np.int64), return_counts=True)
        self.trials_, self.trials_proba_ = trials, counts / counts.sum()

    def _emission_log_prob(self, X):
        return multinomial_log_prob(X, self.emissionprob_)

    def _emission_statistics(self, X, posteriors):
        if "e" not in self.params:
            return {}
        return {"outcome_counts": posteriors.T @ X}

    def _sample_emissions(self, states, random_state):
        n_trials = random_state.choice(
            self.trials_, states.shape[0], p=self.trials_proba_
        )
        probabilities = self.emissionprob_[states]
        # Outcome by outcome: each count is binomial among the trials left, with
        # the outcome's probability among the outcomes left.
        counts = np.zeros(probabilities.shape, dtype=np.int64)
        remaining = n_trials.copy()
        mass_left = np.ones(states.shape[0])
        for outcome in range(probabilities.shape[1] - 1):
            share = np.clip(
                probabilities[:, outcome] / np.maximum(mass_left, 1e-300), 0, 1
            )
            counts[:, outcome] = random_state.binomial(remaining, share)
            remaining -= counts[:, outcome]
            mass_left -= probabilities[:, outcome]
        counts[:, -1] = remaining
        return counts

    def _inverse_transform(self, Z):
        # The expected counts of a frame with the mean number of trials.
        return (self.trials_ @ self.trials_proba_) * (Z @ self.emissionprob_)

    def __sklearn_tags__(self):
        return with_integer_input_tags(super().__sklearn_tags__())
