"""The hidden Markov model machinery shared by every emission model.

:class:`BaseHMM` owns the EM (Baum-Welch) loop with random restarts, sequence
handling, decoding, posteriors, scores, sampling and information criteria. An emission
model (Gaussian today; categorical, Poisson or Gaussian-mixture later) subclasses it
and implements a few small hooks: how to initialise its parameters, their emission
log-density, their M-step, how to sample from them and how many free scalars they
hold.
"""

import numbers
from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import ConvergenceMonitor, LatentMixin, check_sequences
from . import _kernels

__all__ = ["BaseHMM"]


def _sequence_offsets(n_samples, lengths, sequence_ids):
    """Start row of each sequence followed by ``n_samples`` (see ``_kernels``)."""
    lengths = check_sequences(n_samples, lengths=lengths, sequence_ids=sequence_ids)
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def broadcast_parameter(value, shape, name):
    """Broadcast a number or an array to ``shape`` as floats, or say what is wrong.

    Parameters
    ----------
    value : float or array-like
        The value given by the user.
    shape : tuple of int
        The shape the model needs.
    name : str
        The parameter name, for the error message.

    Returns
    -------
    array : ndarray of float64 of shape ``shape``
        A writeable copy.
    """
    array = np.asarray(value, dtype=np.float64)
    try:
        array = np.broadcast_to(array, shape)
    except ValueError:
        raise ValueError(
            f"{name} must be a number or an array of shape {shape}, got an array of "
            f"shape {array.shape}."
        ) from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {value!r}.")
    return array.copy()


def _check_distribution(value, shape, name):
    """Validate given probabilities (``startprob_init``, rows of ``transmat_init``)."""
    array = broadcast_parameter(value, shape, name)
    if np.any(array < 0) or not np.allclose(array.sum(axis=-1), 1.0):
        raise ValueError(
            f"{name} must hold non-negative probabilities that sum to 1 along its last "
            f"axis, got sums {array.sum(axis=-1)}."
        )
    return array / array.sum(axis=-1, keepdims=True)


def _dirichlet_map(prior, counts, previous):
    """MAP estimate of (rows of) a distribution under a Dirichlet prior.

    As in hmmlearn, ``prior - 1 + counts`` is clipped at zero and probabilities that
    are exactly zero stay zero (left-right models). A row with no counts at all (a
    state never visited) keeps its previous value instead of becoming NaN.
    """
    estimate = np.maximum(prior - 1.0 + counts, 0.0)
    estimate = np.where(previous == 0, 0.0, estimate)
    totals = estimate.sum(axis=-1, keepdims=True)
    return np.where(totals > 0, estimate / np.where(totals > 0, totals, 1.0), previous)


_SEQUENCE_PARAMETERS = """X : array-like of shape (n_samples, n_features)
            Frames of all sequences, one row per time step, sequences one after
            another.
        lengths : array-like of int of shape (n_sequences,), default=None
            Number of frames of each sequence, in order; must sum to ``n_samples``.
        sequence_ids : array-like of shape (n_samples,), default=None
            Sequence id of each frame, the frames of one sequence contiguous."""


def _with_sequence_parameters(method):
    """Put the shared description of X, lengths and sequence_ids in a docstring."""
    method.__doc__ = method.__doc__.replace(
        "{sequence_parameters}", _SEQUENCE_PARAMETERS
    )
    return method


class BaseHMM(LatentMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of hidden Markov models fitted by EM (Baum-Welch).

    Rows of ``X`` are time steps (frames). Sequence boundaries are given as
    ``lengths`` or ``sequence_ids`` (see :func:`sklatent.base.check_sequences`);
    without them ``X`` is one sequence. Subclasses define the emission model through
    the hooks ``_check_emission_parameters``, ``_initialize_emissions``,
    ``_emission_log_prob``, ``_emission_m_step``, ``_sample_emissions``,
    ``_expected_emissions`` and ``_n_emission_parameters``, and name their fitted
    emission attributes in ``_emission_attributes`` and their ``params`` letters in
    ``_emission_letters``.

    The parameters are documented on the concrete classes, such as
    :class:`~sklatent.hmm.GaussianHMM`.

    Examples
    --------
    :class:`~sklatent.hmm.GaussianHMM` is built on this class: its posteriors,
    decoding and scores are BaseHMM's, computed from its Gaussian emissions.

    >>> import numpy as np
    >>> from sklatent.datasets import make_hmm_sequences
    >>> from sklatent.hmm import BaseHMM, GaussianHMM
    >>> issubclass(GaussianHMM, BaseHMM)
    True
    >>> X, lengths, _, _ = make_hmm_sequences(n_sequences=5, random_state=0)
    >>> hmm = GaussianHMM(n_components=3, random_state=0).fit(X, lengths=lengths)
    >>> posteriors = hmm.predict_proba(X, lengths=lengths)
    >>> bool(np.allclose(posteriors.sum(axis=1), 1.0))
    True
    """

    _emission_letters = ""
    _emission_attributes = ()

    _parameter_constraints = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "startprob_prior": ["array-like", numbers.Real],
        "transmat_prior": ["array-like", numbers.Real],
        "algorithm": [StrOptions({"viterbi", "map"})],
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, None, None, closed="both")],
        "n_init": [Interval(numbers.Integral, 1, None, closed="left")],
        "init_params": [str],
        "params": [str],
        "startprob_init": ["array-like", None],
        "transmat_init": ["array-like", None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=1,
        *,
        startprob_prior=1.0,
        transmat_prior=1.0,
        algorithm="viterbi",
        n_iter=10,
        tol=1e-2,
        n_init=1,
        init_params="st",
        params="st",
        startprob_init=None,
        transmat_init=None,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.algorithm = algorithm
        self.n_iter = n_iter
        self.tol = tol
        self.n_init = n_init
        self.init_params = init_params
        self.params = params
        self.startprob_init = startprob_init
        self.transmat_init = transmat_init
        self.random_state = random_state
        self.verbose = verbose

    # Hooks of the emission model.

    @abstractmethod
    def _check_emission_parameters(self, n_features):
        """Validate the emission constructor parameters for data of this width."""

    @abstractmethod
    def _initialize_emissions(self, X, random_state, previous, restart):
        """Set the emission attributes to their starting values.

        ``previous`` maps attribute names to fitted values of an earlier fit, for
        the parameters that ``init_params`` leaves out; ``restart`` counts the
        restarts from 0.
        """

    @abstractmethod
    def _emission_log_prob(self, X):
        """Log-density of each frame under each state, shape (n_frames, n_states)."""

    @abstractmethod
    def _emission_m_step(self, X, posteriors):
        """Update the emission attributes named in ``params`` from the posteriors."""

    @abstractmethod
    def _sample_emissions(self, states, random_state):
        """Draw one frame from the emission law of each given state."""

    @abstractmethod
    def _expected_emissions(self):
        """Mean emission of each state, shape (n_states, n_features)."""

    @abstractmethod
    def _n_emission_parameters(self):
        """Number of free scalars of the emission model."""

    # Fitting.

    def _check_letters(self):
        allowed = "st" + self._emission_letters
        for name in ("init_params", "params"):
            unknown = sorted(set(getattr(self, name)) - set(allowed))
            if unknown:
                raise ValueError(
                    f"{name} may only contain the letters {allowed!r} (one per "
                    f"parameter), got unknown letters {unknown} in "
                    f"{getattr(self, name)!r}."
                )

    def _check_parameters(self, n_samples, n_features):
        self._check_letters()
        if n_samples < self.n_components:
            raise ValueError(
                f"n_components={self.n_components} is larger than the data supports: "
                f"X has only {n_samples} frames, and each state needs at least one. "
                "Lower n_components or give more data."
            )
        n_states = self.n_components
        broadcast_parameter(self.startprob_prior, (n_states,), "startprob_prior")
        broadcast_parameter(self.transmat_prior, (n_states, n_states), "transmat_prior")
        self._check_emission_parameters(n_features)

    def _previous_values(self):
        """Fitted values that fit keeps for parameters left out of ``init_params``.

        A parameter whose letter is missing from ``init_params`` and that has no
        ``*_init`` value continues from an earlier fit, as in hmmlearn.
        """
        names = {"s": "startprob_", "t": "transmat_"}
        names.update(zip(self._emission_letters, self._emission_attributes))
        previous = {}
        for letter, name in names.items():
            given_name = name.rstrip("_") + "_init"
            if letter in self.init_params or getattr(self, given_name) is not None:
                continue
            if not hasattr(self, name):
                raise ValueError(
                    f"init_params={self.init_params!r} leaves out {letter!r}, so the "
                    f"starting {name} must come from {given_name} or from an earlier "
                    f"fit; give {given_name} or add {letter!r} to init_params."
                )
            previous[name] = getattr(self, name).copy()
        return previous

    def _initialize(self, X, offsets, random_state, previous, restart):
        n_states = self.n_components
        self._initialize_emissions(X, random_state, previous, restart)
        # Start and transition probabilities are counted from the states that the
        # initial emissions assign to the frames (with one pseudo-count each),
        # rather than drawn at random as in hmmlearn: random transition matrices
        # often trap EM in poor local optima.
        labels = self._emission_log_prob(X).argmax(axis=1)
        first = offsets[:-1]
        start_counts = np.bincount(labels[first], minlength=n_states) + 1.0
        within = np.ones(X.shape[0], dtype=bool)
        within[first] = False
        pairs = labels[:-1][within[1:]] * n_states + labels[1:][within[1:]]
        transition_counts = np.bincount(pairs, minlength=n_states * n_states) + 1.0
        transition_counts = transition_counts.reshape(n_states, n_states)
        if self.startprob_init is not None:
            self.startprob_ = _check_distribution(
                self.startprob_init, (n_states,), "startprob_init"
            )
        elif "s" in self.init_params:
            self.startprob_ = start_counts / start_counts.sum()
        else:
            self.startprob_ = previous["startprob_"]
        if self.transmat_init is not None:
            self.transmat_ = _check_distribution(
                self.transmat_init, (n_states, n_states), "transmat_init"
            )
        elif "t" in self.init_params:
            self.transmat_ = transition_counts / transition_counts.sum(
                axis=1, keepdims=True
            )
        else:
            self.transmat_ = previous["transmat_"]

    def _e_step(self, X, offsets):
        emission, filtered, scale, frame_log_norm = _kernels.forward(
            self._emission_log_prob(X), self.startprob_, self.transmat_, offsets
        )
        posteriors, transition_counts = _kernels.backward(
            emission, filtered, scale, self.transmat_, offsets, "t" in self.params
        )
        return frame_log_norm.sum(), posteriors, transition_counts

    def _m_step(self, X, offsets, posteriors, transition_counts):
        n_states = self.n_components
        if "s" in self.params:
            prior = broadcast_parameter(
                self.startprob_prior, (n_states,), "startprob_prior"
            )
            start_counts = posteriors[offsets[:-1]].sum(axis=0)
            self.startprob_ = _dirichlet_map(prior, start_counts, self.startprob_)
        if "t" in self.params:
            prior = broadcast_parameter(
                self.transmat_prior, (n_states, n_states), "transmat_prior"
            )
            self.transmat_ = _dirichlet_map(prior, transition_counts, self.transmat_)
        self._emission_m_step(X, posteriors)

    def _get_parameters(self):
        names = ("startprob_", "transmat_", *self._emission_attributes)
        return {name: getattr(self, name) for name in names}

    def _log_likelihood(self, X, offsets):
        return self._forward(X, offsets)[3].sum()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, lengths=None, sequence_ids=None):
        """Estimate the model parameters with the EM (Baum-Welch) algorithm.

        Each of the ``n_init`` restarts initialises the parameters (see
        ``init_params`` and the ``*_init`` parameters) and runs EM until the gain
        in total log-likelihood falls below ``tol`` or ``n_iter`` iterations have
        run; the restart with the highest final log-likelihood is kept.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Frames of all sequences, one row per time step, sequences one after
            another.
        y : Ignored
            Not used, present for API consistency.
        lengths : array-like of int of shape (n_sequences,), default=None
            Number of frames of each sequence, in order; must sum to ``n_samples``.
        sequence_ids : array-like of shape (n_samples,), default=None
            Sequence id of each frame, the frames of one sequence contiguous. Being
            aligned with the rows, it is what metadata routing passes through
            cross-validation (``set_fit_request(sequence_ids="groups")``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        offsets = _sequence_offsets(X.shape[0], lengths, sequence_ids)
        self._check_parameters(*X.shape)
        previous = self._previous_values()
        random_state = check_random_state(self.random_state)
        best_log_prob, best = -np.inf, None
        for init in range(self.n_init):
            self._initialize(X, offsets, random_state, previous, init)
            monitor = ConvergenceMonitor(
                self.tol,
                self.n_iter,
                verbose=self.verbose,
                desc=f"{type(self).__name__} init {init + 1}/{self.n_init}",
            )
            while not monitor.done:
                log_prob, posteriors, transition_counts = self._e_step(X, offsets)
                self._m_step(X, offsets, posteriors, transition_counts)
                monitor.report(log_prob)
            monitor.close()
            if self.n_init > 1:
                log_prob = self._log_likelihood(X, offsets)
            if best is None or log_prob > best_log_prob:
                best_log_prob, best = log_prob, (self._get_parameters(), monitor)
        parameters, self.monitor_ = best
        for name, value in parameters.items():
            setattr(self, name, value)
        self.converged_ = self.monitor_.converged
        self.n_iter_ = self.monitor_.iter
        return self

    def fit_transform(self, X, y=None, *, lengths=None, sequence_ids=None):
        """Fit the model, then return the posterior state probabilities of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Frames of all sequences.
        y : Ignored
            Not used, present for API consistency.
        lengths : array-like of int of shape (n_sequences,), default=None
            Number of frames of each sequence.
        sequence_ids : array-like of shape (n_samples,), default=None
            Sequence id of each frame.

        Returns
        -------
        posteriors : ndarray of shape (n_samples, n_components)
            p(state of frame t | all frames of its sequence).
        """
        return self.fit(X, lengths=lengths, sequence_ids=sequence_ids).transform(
            X, lengths=lengths, sequence_ids=sequence_ids
        )

    # Inference.

    def _validate_frames(self, X, lengths, sequence_ids):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X, _sequence_offsets(X.shape[0], lengths, sequence_ids)

    def _forward(self, X, offsets):
        return _kernels.forward(
            self._emission_log_prob(X), self.startprob_, self.transmat_, offsets
        )

    @_with_sequence_parameters
    def predict_proba(self, X, *, lengths=None, sequence_ids=None):
        """Posterior probability of each state at each frame, given whole sequences.

        These are the smoothed posteriors p(z_t | x_1..x_T) of the forward-backward
        algorithm: each frame's state is inferred from its whole sequence, future
        frames included. For online use, without look-ahead, see
        :meth:`filter_proba`.

        Parameters
        ----------
        {sequence_parameters}

        Returns
        -------
        posteriors : ndarray of shape (n_samples, n_components)
            Rows sum to one.
        """
        X, offsets = self._validate_frames(X, lengths, sequence_ids)
        emission, filtered, scale, _ = self._forward(X, offsets)
        posteriors, _ = _kernels.backward(
            emission, filtered, scale, self.transmat_, offsets, False
        )
        return posteriors

    @_with_sequence_parameters
    def filter_proba(self, X, *, lengths=None, sequence_ids=None):
        """Filtered state probabilities: each frame given only itself and the past.

        The forward-only variant of :meth:`predict_proba`, p(z_t | x_1..x_t): row
        ``t`` never depends on frames after ``t``, so it is what an online
        application can compute as frames arrive.

        Parameters
        ----------
        {sequence_parameters}

        Returns
        -------
        filtered : ndarray of shape (n_samples, n_components)
            Rows sum to one.
        """
        X, offsets = self._validate_frames(X, lengths, sequence_ids)
        return self._forward(X, offsets)[1]

    @_with_sequence_parameters
    def transform(self, X, *, lengths=None, sequence_ids=None):
        """Posterior state probabilities of each frame (same as :meth:`predict_proba`).

        Parameters
        ----------
        {sequence_parameters}

        Returns
        -------
        posteriors : ndarray of shape (n_samples, n_components)
            p(state of frame t | all frames of its sequence).
        """
        return self.predict_proba(X, lengths=lengths, sequence_ids=sequence_ids)

    @_with_sequence_parameters
    def predict(self, X, *, lengths=None, sequence_ids=None):
        """Decode the hidden state of every frame.

        With ``algorithm="viterbi"`` this is the single most likely state path of
        each sequence; with ``algorithm="map"`` it is the most likely state of each
        frame on its own (the argmax of :meth:`predict_proba`).

        Parameters
        ----------
        {sequence_parameters}

        Returns
        -------
        states : ndarray of int64 of shape (n_samples,)
            The decoded state of each frame.
        """
        if self.algorithm == "map":
            posteriors = self.predict_proba(
                X, lengths=lengths, sequence_ids=sequence_ids
            )
            return posteriors.argmax(axis=1)
        X, offsets = self._validate_frames(X, lengths, sequence_ids)
        with np.errstate(divide="ignore"):
            log_startprob = np.log(self.startprob_)
            log_transmat = np.log(self.transmat_)
        return _kernels.viterbi(
            self._emission_log_prob(X), log_startprob, log_transmat, offsets
        )

    @_with_sequence_parameters
    def score_samples(self, X, *, lengths=None, sequence_ids=None):
        """Log-likelihood of each frame given the frames before it.

        Row ``t`` holds log p(x_t | x_1..x_{t-1}) within its sequence; the values of
        a sequence sum to its log-likelihood.

        Parameters
        ----------
        {sequence_parameters}

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            Predictive log-density of each frame.
        """
        X, offsets = self._validate_frames(X, lengths, sequence_ids)
        return self._forward(X, offsets)[3]

    def score(self, X, y=None, sample_weight=None, *, lengths=None, sequence_ids=None):
        """Mean log-likelihood per frame (higher is better).

        The total log-likelihood of all sequences divided by the number of frames,
        so that data sets of different sizes compare.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Frames of all sequences.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the frames in the mean of :meth:`score_samples`.
        lengths : array-like of int of shape (n_sequences,), default=None
            Number of frames of each sequence.
        sequence_ids : array-like of shape (n_samples,), default=None
            Sequence id of each frame; with metadata routing,
            ``set_score_request(sequence_ids="groups")`` passes it through
            cross-validation.

        Returns
        -------
        score : float
            Mean log-likelihood per frame.
        """
        return super().score(
            X,
            y,
            sample_weight=sample_weight,
            lengths=lengths,
            sequence_ids=sequence_ids,
        )

    def _n_parameters(self):
        n_states = self.n_components
        n_chain = (n_states - 1) + n_states * (n_states - 1)
        return n_chain + self._n_emission_parameters()

    @_with_sequence_parameters
    def aic(self, X, *, lengths=None, sequence_ids=None):
        """Akaike information criterion of the model on X (lower is better).

        ``-2 * log-likelihood + 2 * n_parameters``, counting every free scalar of
        the start probabilities, transitions and emissions.

        Parameters
        ----------
        {sequence_parameters}

        Returns
        -------
        aic : float
            The criterion.
        """
        log_prob = self.score_samples(X, lengths=lengths, sequence_ids=sequence_ids)
        return -2.0 * log_prob.sum() + 2.0 * self._n_parameters()

    @_with_sequence_parameters
    def bic(self, X, *, lengths=None, sequence_ids=None):
        """Bayesian information criterion of the model on X (lower is better).

        ``-2 * log-likelihood + n_parameters * log(n_frames)``.

        Parameters
        ----------
        {sequence_parameters}

        Returns
        -------
        bic : float
            The criterion.
        """
        log_prob = self.score_samples(X, lengths=lengths, sequence_ids=sequence_ids)
        return -2.0 * log_prob.sum() + self._n_parameters() * np.log(log_prob.size)

    # Generation.

    def _sample_sequences(self, lengths, random_state):
        """Sample sequences of the given lengths; returns ``(X, states)``."""
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        uniforms = random_state.random_sample(offsets[-1])
        states = _kernels.sample_states(
            self.startprob_, self.transmat_, uniforms, offsets
        )
        return self._sample_emissions(states, random_state), states

    def _sample(self, n_samples, random_state):
        """One sequence of ``n_samples`` frames and the hidden state of each."""
        return self._sample_sequences([n_samples], random_state)

    def inverse_transform(self, Z):
        """Expected emission given state probabilities.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components)
            State probabilities of each frame, such as the output of
            :meth:`transform`.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            ``Z @ means``: the mean emission under each row's state distribution.
        """
        Z = self._check_latent(Z)
        return Z @ self._expected_emissions()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Inputs are computed on in float64, whatever their dtype.
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
