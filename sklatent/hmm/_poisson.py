"""Hidden Markov model with Poisson emissions."""

import numbers

import numpy as np

from ._base import (
    EMPTY_STATE,
    BaseHMM,
    broadcast_parameter,
    impute_feature_means,
    observed_entries,
)
from ._count_kernels import poisson_log_prob
from ._discrete import check_non_negative_integers, with_integer_input_tags
from ._kmeans import initial_centres

__all__ = ["PoissonHMM"]

# Starting rates are at least this fraction of the feature's mean count, so that
# no state starts unable to emit a count that the data hold.
_RATE_FLOOR = 1e-2


class PoissonHMM(BaseHMM):
    """Hidden Markov model with Poisson emissions: counts per frame.

    Each frame is a vector of counts (events per hour, reads per window, calls per
    minute), each feature an independent Poisson draw with the rate of the frame's
    hidden state: ``x_tf | z_t ~ Poisson(lambdas_[z_t, f])``, with the states a
    Markov chain as in :class:`GaussianHMM`. NaN marks a missing count: it is
    marginalised out of fit, decoding and scores, feature by feature.

    The parameters and defaults are those of ``hmmlearn.hmm.PoissonHMM``; the
    gamma prior is applied per state (see ``lambdas_prior``).

    Parameters
    ----------
    n_components : int, default=1
        Number of hidden states.
    startprob_prior : float or array-like of shape (n_components,), default=1.0
        Dirichlet prior on ``startprob_``; 1.0 means no prior.
    transmat_prior : float or array-like of shape (n_components, n_components), \
            default=1.0
        Dirichlet prior on each row of ``transmat_``.
    lambdas_prior : float or array-like of shape (n_components, n_features), \
            default=0.0
        Shape ``alpha`` of the gamma prior on the rates.
    lambdas_weight : float or array-like of shape (n_components, n_features), \
            default=0.0
        Rate ``beta`` of the gamma prior on the rates, in pseudo-frames. The
        update is the posterior mean ``(alpha + sum_t p_tk x_tf) / (beta + sum_t
        p_tk)`` with ``p_tk`` the posterior of state ``k`` at frame ``t``; both 0
        (the default) is maximum likelihood. hmmlearn 0.3.3 puts the number of
        frames of all states in place of ``sum_t p_tk``, which agrees with this
        only for one state or without prior.
    algorithm : {"viterbi", "map"}, default="viterbi"
        Decoder of :meth:`predict`.
    n_iter : int, default=10
        Maximum number of EM iterations of each restart.
    tol : float, default=1e-2
        EM stops when the gain in total log-likelihood is below ``tol``.
    n_init : int, default=1
        Number of random restarts; the one with the highest log-likelihood is
        kept.
    init_params : str, default="stl"
        Parameters that fit initialises when no ``*_init`` value is given: "l"
        the rates (k-means centres of at most 10,000 random frames in the first
        restart, distinct random frames in the others, raised to at least 1% of
        each feature's mean), "s" and "t" start and transition probabilities
        (counted from the most likely state of each frame, plus one). A parameter
        left out, without an ``*_init`` value, continues from the previous fit.
    params : str, default="stl"
        Parameters that EM updates, with the same letters.
    startprob_init : array-like of shape (n_components,), default=None
        Starting start probabilities.
    transmat_init : array-like of shape (n_components, n_components), default=None
        Starting transition matrix.
    lambdas_init : array-like of shape (n_components, n_features), default=None
        Starting rates (non-negative).
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
    lambdas_ : ndarray of shape (n_components, n_features)
        Poisson rate of each feature in each state (its expected count).
    monitor_ : ~sklatent.base.ConvergenceMonitor
        History of the total log-likelihood of the kept restart.
    converged_ : bool
        Whether the kept restart stopped because its gain fell below ``tol``.
    n_iter_ : int
        Number of EM iterations of the kept restart.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultinomialHMM : Counts with a fixed total per frame.
    GaussianHMM : Real-valued frames.

    Examples
    --------
    >>> from sklatent import PoissonHMM
    >>> from sklatent.datasets import make_count_sequences
    >>> X, lengths, states, params = make_count_sequences(
    ...     n_sequences=10, sequence_length=100, n_components=2, random_state=1)
    >>> X[:3]
    array([[0, 0],
           [2, 1],
           [4, 4]])
    >>> hmm = PoissonHMM(n_components=2, random_state=0).fit(X, lengths=lengths)
    >>> hmm.lambdas_.shape
    (2, 2)
    >>> decoded = hmm.predict(X, lengths=lengths)
    >>> agreement = max((decoded == states).mean(), (decoded != states).mean())
    >>> bool(agreement > 0.9)
    True
    """

    _emission_letters = "l"
    _emission_attributes = ("lambdas_",)

    _supports_missing = True

    _parameter_constraints = {
        **BaseHMM._parameter_constraints,
        "lambdas_prior": ["array-like", numbers.Real],
        "lambdas_weight": ["array-like", numbers.Real],
        "lambdas_init": ["array-like", None],
    }

    def __init__(
        self,
        n_components=1,
        *,
        startprob_prior=1.0,
        transmat_prior=1.0,
        lambdas_prior=0.0,
        lambdas_weight=0.0,
        algorithm="viterbi",
        n_iter=10,
        tol=1e-2,
        n_init=1,
        init_params="stl",
        params="stl",
        startprob_init=None,
        transmat_init=None,
        lambdas_init=None,
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
        self.lambdas_prior = lambdas_prior
        self.lambdas_weight = lambdas_weight
        self.lambdas_init = lambdas_init

    def _gamma_prior(self, n_features):
        """``(alpha, beta)`` of the gamma prior, each (n_components, n_features)."""
        shape = (self.n_components, n_features)
        return [
            broadcast_parameter(getattr(self, name), shape, name, non_negative=True)
            for name in ("lambdas_prior", "lambdas_weight")
        ]

    def _checked_lambdas_init(self, n_features):
        shape = (self.n_components, n_features)
        return broadcast_parameter(
            self.lambdas_init, shape, "lambdas_init", non_negative=True
        )

    def _check_X_values(self, X):
        check_non_negative_integers(X, "counts")

    def _check_emission_parameters(self, n_features):
        self._gamma_prior(n_features)
        if self.lambdas_init is not None:
            self._checked_lambdas_init(n_features)

    def _initialize_emissions(self, X, random_state, previous, restart):
        # Drawn in every restart, so that the random stream does not depend on
        # which parameters are given.
        seed = random_state.randint(np.iinfo(np.int32).max)
        if self.lambdas_init is not None:
            self.lambdas_ = self._checked_lambdas_init(X.shape[1])
        elif "l" in self.init_params:
            X = impute_feature_means(X)
            centres = initial_centres(X, self.n_components, seed, restart)
            self.lambdas_ = np.maximum(centres, _RATE_FLOOR * X.mean(axis=0))
        else:
            self.lambdas_ = previous["lambdas_"]

    def _emission_log_prob(self, X):
        return poisson_log_prob(X, self.lambdas_)

    def _emission_statistics(self, X, posteriors):
        if "l" not in self.params:
            return {}
        X, observed = observed_entries(X)
        # Expected number of frames of each state in which each feature is
        # observed: the M-step maximises the likelihood of the observed counts.
        if observed is None:
            occupancy = np.repeat(posteriors.sum(axis=0)[:, np.newaxis], X.shape[1], 1)
        else:
            occupancy = posteriors.T @ observed
        return {"occupancy": occupancy, "sums": posteriors.T @ X}

    def _emission_m_step(self, statistics):
        if "l" not in self.params:
            return
        alpha, beta = self._gamma_prior(self.n_features_in_)
        occupancy = statistics["occupancy"]
        denominator = beta + occupancy
        lambdas = (alpha + statistics["sums"]) / np.where(
            denominator > 0, denominator, 1.0
        )
        empty = (occupancy < EMPTY_STATE) | (denominator <= 0)
        self.lambdas_ = np.where(empty, self.lambdas_, lambdas)

    def _sample_emissions(self, states, random_state):
        return random_state.poisson(self.lambdas_[states])

    def _inverse_transform(self, Z):
        # The expected counts of a frame with these state probabilities.
        return Z @ self.lambdas_

    def _n_emission_parameters(self):
        return self.lambdas_.size

    def __sklearn_tags__(self):
        return with_integer_input_tags(super().__sklearn_tags__())
