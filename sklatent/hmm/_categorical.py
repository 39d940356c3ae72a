"""Hidden Markov model with categorical (discrete symbol) emissions."""

import numbers

import numpy as np

from ..base import Integer
from ._base import BaseHMM, describe_rows
from ._count_kernels import categorical_log_prob, symbol_counts
from ._discrete import (
    EmissionProbabilities,
    check_non_negative_integers,
    with_integer_input_tags,
)

__all__ = ["CategoricalHMM"]


class CategoricalHMM(EmissionProbabilities, BaseHMM):
    """Hidden Markov model with categorical emissions: a symbol per frame.

    Each frame is a symbol, an integer in ``0..n_features - 1`` (a nucleotide, a
    weather type, a user action), drawn from the symbol distribution of the frame's
    hidden state: ``x_t | z_t ~ Categorical(emissionprob_[z_t])``, with the states
    ``z_t`` a Markov chain as in :class:`GaussianHMM`.

    As in ``hmmlearn.hmm.CategoricalHMM``, ``X`` has one column of symbols
    (encode labels with :class:`~sklearn.preprocessing.LabelEncoder`) and
    ``n_features`` is the number of symbols, not of columns. A row with several
    columns holds several symbols of the same frame, each drawn independently from
    the state's distribution. NaN marks a missing symbol: it is marginalised out
    (it has probability one under every state) in fit, decoding and scores.

    The defaults equal those of ``hmmlearn.hmm.CategoricalHMM``.

    Parameters
    ----------
    n_components : int, default=1
        Number of hidden states.
    startprob_prior : float or array-like of shape (n_components,), default=1.0
        Dirichlet prior on ``startprob_``; 1.0 means no prior.
    transmat_prior : float or array-like of shape (n_components, n_components), \
            default=1.0
        Dirichlet prior on each row of ``transmat_``.
    emissionprob_prior : float or array-like of shape (n_components, n_features), \
            default=1.0
        Dirichlet prior on each row of ``emissionprob_``; 1.0 means no prior, more
        than 1 smooths the symbol distributions.
    n_features : int, default=None
        Number of symbols. None takes the largest symbol seen in fit plus one;
        give it when some symbols may be absent from the training data.
    algorithm : {"viterbi", "map"}, default="viterbi"
        Decoder of :meth:`predict`: the most likely state path, or the most
        likely state of each frame.
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
        state of each frame under the initial emissions, plus one), "e" the
        emission probabilities (uniform random rows, normalised, as in hmmlearn).
        A parameter left out, without an ``*_init`` value, continues from the
        previous fit.
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
    emissionprob_ : ndarray of shape (n_components, ``n_symbols_``)
        ``emissionprob_[k, s]`` is the probability of symbol ``s`` in state ``k``.
    n_symbols_ : int
        Number of symbols of the model (hmmlearn's fitted ``n_features``).
    monitor_ : ~sklatent.base.ConvergenceMonitor
        History of the total log-likelihood of the kept restart.
    converged_ : bool
        Whether the kept restart stopped because its gain fell below ``tol``.
    n_iter_ : int
        Number of EM iterations of the kept restart.
    n_features_in_ : int
        Number of columns of X seen during fit (1 for one symbol per frame).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the columns seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultinomialHMM : Counts of several outcomes per frame.
    GaussianHMM : Real-valued frames.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import CategoricalHMM
    >>> from sklatent.datasets import make_categorical_sequences
    >>> X, lengths, states, params = make_categorical_sequences(
    ...     n_sequences=20, sequence_length=100, n_components=2, n_symbols=4,
    ...     concentration=0.5, random_state=3)
    >>> X[:8].ravel()
    array([0, 2, 2, 2, 2, 2, 3, 2])
    >>> hmm = CategoricalHMM(n_components=2, n_iter=100, n_init=3, random_state=0)
    >>> hmm = hmm.fit(X, lengths=lengths)
    >>> hmm.emissionprob_.shape
    (2, 4)
    >>> decoded = hmm.predict(X, lengths=lengths)
    >>> agreement = max((decoded == states).mean(), (decoded != states).mean())
    >>> bool(agreement > 0.9)
    True
    """

    _supports_missing = True

    _parameter_constraints = {
        **BaseHMM._parameter_constraints,
        "emissionprob_prior": ["array-like", numbers.Real],
        "n_features": [Integer(1, None, closed="left"), None],
        "emissionprob_init": ["array-like", None],
    }

    def __init__(
        self,
        n_components=1,
        *,
        startprob_prior=1.0,
        transmat_prior=1.0,
        emissionprob_prior=1.0,
        n_features=None,
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
        self.emissionprob_prior = emissionprob_prior
        self.n_features = n_features
        self.emissionprob_init = emissionprob_init

    def _validate_X(self, X, reset):
        X = super()._validate_X(X, reset)
        observed = X[~np.isnan(X)]
        largest = observed.max() if observed.size else 0
        if reset:
            self.n_symbols_ = self._symbols_to_fit(int(largest) + 1)
        if largest >= self.n_symbols_:
            raise ValueError(
                f"X holds symbols up to {int(largest)}, but the model has "
                f"{self.n_symbols_} symbols (0 to {self.n_symbols_ - 1}): "
                f"{describe_rows((X >= self.n_symbols_).any(axis=1))} are out of "
                "range. Give n_features, the number of symbols, to fit."
            )
        return X

    def _symbols_to_fit(self, n_seen):
        """The number of symbols of a fit: ``n_features`` if given, else that of
        the ``emissionprob_`` the fit continues from, else the symbols seen."""
        if self.n_features is not None:
            return self.n_features
        if self._continues("e", "emissionprob_") and hasattr(self, "emissionprob_"):
            return self.emissionprob_.shape[1]
        return n_seen

    def _check_X_values(self, X):
        check_non_negative_integers(X, "symbols")

    def _check_emission_parameters(self, n_features):
        self._check_emissionprob_parameters(self.n_symbols_)

    def _initialize_emissions(self, X, random_state, previous, restart):
        self._initialize_emissionprob(self.n_symbols_, random_state, previous)

    def _emission_log_prob(self, X):
        with np.errstate(divide="ignore"):
            log_emissionprob = np.log(self.emissionprob_)
        return categorical_log_prob(X, log_emissionprob)

    def _emission_statistics(self, X, posteriors):
        if "e" not in self.params:
            return {}
        return {"outcome_counts": symbol_counts(X, posteriors, self.n_symbols_)}

    def _sample_emissions(self, states, random_state):
        uniforms = random_state.random_sample((states.shape[0], self.n_features_in_))
        cdf = np.cumsum(self.emissionprob_, axis=1)[states]
        symbols = (uniforms[:, :, np.newaxis] >= cdf[:, np.newaxis, :]).sum(axis=2)
        return np.minimum(symbols, self.n_symbols_ - 1)

    def _inverse_transform(self, Z):
        # The expected one-hot symbol: the distribution of the frame's symbol.
        return Z @ self.emissionprob_

    def __sklearn_tags__(self):
        return with_integer_input_tags(super().__sklearn_tags__())
