"""The hidden Markov model machinery shared by every emission model.

:class:`BaseHMM` owns the EM (Baum-Welch) loop with random restarts, sequence
handling, decoding, posteriors, scores, sampling and information criteria. An emission
model (Gaussian, categorical, Poisson, Gaussian mixture) subclasses it and implements
a few small hooks, listed in the docstring of :class:`BaseHMM`: how to check and
initialise its parameters, their emission log-density, the sufficient statistics and
M-step of its parameters, how to sample from them and how many free scalars they hold.
"""

import numbers
from abc import ABCMeta, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
from joblib import effective_n_jobs
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import ConvergenceMonitor, Integer, LatentMixin, check_sequences
from . import _kernels

# Expected number of frames below which a state counts as empty: its emission
# parameters keep their previous values instead of a 0/0 update.
EMPTY_STATE = 1e-10


__all__ = ["BaseHMM"]


# Sequences are processed in chunks of about this many frames: each chunk runs the
# kernels on its own (in a thread of its own with n_jobs) and the chunks' results are
# added in a fixed order, so that results never depend on n_jobs, and no array of
# (n_frames, n_states) outlives one chunk during fit.
_CHUNK_FRAMES = 8192


class _Chunk(NamedTuple):
    """Whole sequences processed together: their rows and their own offsets."""

    rows: slice
    offsets: np.ndarray


def _sequence_offsets(n_samples, lengths, sequence_ids):
    """Start row of each sequence followed by ``n_samples`` (see ``_kernels``)."""
    lengths = check_sequences(n_samples, lengths=lengths, sequence_ids=sequence_ids)
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def _chunks(offsets):
    """Split the sequences into chunks of whole sequences of about _CHUNK_FRAMES.

    A chunk gathers the sequences that start in one window of ``_CHUNK_FRAMES``
    rows, so the split depends on the data alone.
    """
    window = offsets[:-1] // _CHUNK_FRAMES
    first = np.concatenate([[0], np.flatnonzero(np.diff(window)) + 1, [len(window)]])
    return [
        _Chunk(slice(offsets[a], offsets[b]), offsets[a : b + 1] - offsets[a])
        for a, b in zip(first[:-1], first[1:])
    ]


@contextmanager
def _chunk_mapper(n_jobs, n_chunks):
    """A ``map(function, chunks)`` over threads that keeps the order of the chunks.

    The kernels release the GIL, so threads run them in parallel; one thread (or
    one chunk) maps in the calling thread.
    """
    n_workers = min(effective_n_jobs(n_jobs), n_chunks)
    if n_workers <= 1:
        yield lambda function, chunks: [function(chunk) for chunk in chunks]
        return
    with ThreadPoolExecutor(n_workers) as pool:
        yield lambda function, chunks: list(pool.map(function, chunks))


def _add_statistics(total, statistics):
    """Add the sufficient statistics of one chunk to those of the chunks before."""
    return {name: total[name] + value for name, value in statistics.items()}


def observed_entries(X):
    """Split frames with missing (NaN) entries into values and an observed mask.

    The mask handling that emission models with missing entries share: a model
    sums its log-densities over the observed entries only (a frame with nothing
    observed has log-density 0 under every state) and weights its M-step
    statistics by the mask.

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_features)
        Frames; NaN marks a missing entry.

    Returns
    -------
    values : ndarray of shape (n_frames, n_features)
        ``X`` with 0 in place of NaN; ``X`` itself when nothing is missing.
    observed : ndarray of bool of shape (n_frames, n_features) or None
        Which entries are observed; None when all are.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.hmm._base import observed_entries
    >>> values, observed = observed_entries(np.array([[1.0, np.nan]]))
    >>> values, observed
    (array([[1., 0.]]), array([[ True, False]]))
    """
    missing = np.isnan(X)
    if not missing.any():
        return X, None
    return np.where(missing, 0.0, X), ~missing


def impute_feature_means(X):
    """``X`` with each missing (NaN) entry replaced by the mean of its feature.

    For initialisations (k-means, data covariances) that need complete frames.

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_features)
        Frames; NaN marks a missing entry.

    Returns
    -------
    X : ndarray of shape (n_frames, n_features)
        Complete frames; ``X`` itself when nothing is missing.

    Raises
    ------
    ValueError
        If a feature is missing in every frame, so that no parameter of it can be
        estimated.
    """
    missing = np.isnan(X)
    if not missing.any():
        return X
    unobserved = missing.all(axis=0)
    if unobserved.any():
        raise ValueError(
            f"Features {np.flatnonzero(unobserved).tolist()} of X are missing (NaN) "
            "in every frame, so the model cannot learn them; drop those columns."
        )
    return np.where(missing, np.nanmean(X, axis=0), X)


def _check_known_states(known_states, n_samples, n_states):
    """Validate ``known_states``; None when no frame is labelled."""
    if known_states is None:
        return None
    known = np.asarray(known_states)
    if known.ndim != 1 or known.shape[0] != n_samples:
        raise ValueError(
            f"known_states must have one entry per row of X: X has {n_samples} rows "
            f"but known_states has shape {known.shape}."
        )
    integral = known.dtype.kind in "iu" or (
        known.dtype.kind == "f" and np.all(np.isfinite(known) & (known % 1 == 0))
    )
    if not integral:
        raise ValueError(
            "known_states must hold integer states (-1 for an unknown frame), got "
            f"an array of dtype {known.dtype}."
        )
    known = known.astype(np.int64)
    wrong = (known < -1) | (known >= n_states)
    if wrong.any():
        raise ValueError(
            f"known_states must be -1 (unknown) or a state in [0, {n_states}), got "
            f"{known[wrong][0]} in {describe_rows(wrong)}."
        )
    return known if np.any(known >= 0) else None


def _clamp(frame_log_prob, known):
    """Give every labelled frame a log-density of -inf under the other states."""
    rows = np.flatnonzero(known >= 0)
    if rows.size:
        labels = known[rows]
        kept = frame_log_prob[rows, labels]
        frame_log_prob[rows] = -np.inf
        frame_log_prob[rows, labels] = kept
    return frame_log_prob


def describe_rows(mask):
    """Name the rows where ``mask`` is true, for an error message.

    Parameters
    ----------
    mask : ndarray of bool of shape (n_samples,)
        Which rows are wrong.

    Returns
    -------
    description : str
        Such as ``"rows [3, 17]"`` or ``"rows [3, 17, 20, 41, 52, ...] (120 rows in
        all)"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.hmm._base import describe_rows
    >>> describe_rows(np.arange(10) % 3 == 0)
    'rows [0, 3, 6, 9]'
    """
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(row) for row in rows[:5])
    if rows.size <= 5:
        return f"rows [{shown}]"
    return f"rows [{shown}, ...] ({rows.size} rows in all)"


def broadcast_parameter(value, shape, name, *, non_negative=False):
    """Broadcast a number or an array to ``shape`` as floats, or say what is wrong.

    Parameters
    ----------
    value : float or array-like
        The value given by the user.
    shape : tuple of int
        The shape the model needs.
    name : str
        The parameter name, for the error message.
    non_negative : bool, default=False
        Whether negative values are an error (prior weights and scales).

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
    if non_negative and np.any(array < 0):
        raise ValueError(
            f"{name} must be non-negative (a prior weight or scale), got "
            f"{array.min():g} in {value!r}."
        )
    return array.copy()


@contextmanager
def _unchanged_on_failure(estimator):
    """Put back the fitted attributes of ``estimator`` if the block raises.

    A fit that fails half-way (after the starting values were set) would
    otherwise leave a model that looks fitted but mixes old and new parameters.
    """
    fitted = _fitted_attributes(estimator)
    try:
        yield
    except BaseException:
        for name in _fitted_attributes(estimator):
            delattr(estimator, name)
        vars(estimator).update(fitted)
        raise


def _fitted_attributes(estimator):
    """The attributes that ``fit`` sets (names ending in one underscore)."""
    return {
        name: value
        for name, value in vars(estimator).items()
        if name.endswith("_") and not name.startswith("__")
    }


def _check_distribution(value, shape, name):
    """Validate given probabilities (``startprob_init``, rows of ``transmat_init``)."""
    array = broadcast_parameter(value, shape, name)
    if np.any(array < 0):
        raise ValueError(
            f"{name} must hold non-negative probabilities, got {array.min():g}."
        )
    if not np.allclose(array.sum(axis=-1), 1.0):
        raise ValueError(
            f"{name} must hold probabilities that sum to 1 along its last axis, got "
            f"sums {array.sum(axis=-1)}."
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
    without them ``X`` is one sequence. The base owns everything but the emission:
    input validation, the EM loop with restarts, the start and transition updates,
    the forward-backward and Viterbi kernels, decoding, scores, information
    criteria, sampling of the state paths and the threads of ``n_jobs``.

    **Writing an emission model.** A subclass passes the base's constructor
    parameters through its own ``__init__`` (``n_jobs`` included), extends
    ``_parameter_constraints`` and sets these class attributes:

    ``_emission_letters``
        The ``params`` / ``init_params`` letters of its parameters (``"mc"``).
    ``_emission_attributes``
        The fitted attributes named by those letters, in the same order
        (``("means_", "covariances_")``); each has a constructor parameter
        ``<name>_init`` (without the underscore) for given starting values.
    ``_x_dtype``
        The dtype that ``validate_data`` converts ``X`` to (float64 by default).
    ``_supports_missing``
        Whether NaN entries of ``X`` are missing values that the model
        marginalises out (False by default: NaN is refused). When True, the hooks
        receive ``X`` with NaN; :func:`observed_entries` and
        :func:`impute_feature_means` are the shared mask helpers.

    and implements these hooks (all called with validated data):

    ``_check_emission_parameters(n_features)``
        Validate the emission constructor parameters (priors, ``*_init``) for data
        of this width; raise ``ValueError`` naming the parameter.
    ``_check_X_values(X)``
        Validate the values of ``X`` (after ``validate_data``, which already
        refuses infinity, and NaN unless ``_supports_missing``), in ``fit`` and in
        every inference method; the base accepts any such value. Raise a
        ``ValueError`` that names the offending rows with :func:`describe_rows`.
    ``_initialize_emissions(X, random_state, previous, restart)``
        Set the emission attributes to their starting values: the ``*_init``
        value when given, else (letter in ``init_params``) from the data, else
        ``previous[name]`` (the fit before). ``restart`` counts the restarts from
        0. Draw from ``random_state`` the same way whatever is given.
    ``_emission_log_prob(X)``
        Log-density of each frame of ``X`` (a chunk of whole sequences) under each
        state, shape (n_frames, n_states); ``-inf`` where a frame is impossible.
    ``_emission_statistics(X, posteriors)``
        Sufficient statistics of the emission M-step on one chunk of frames, given
        their state posteriors (n_frames, n_states): a dict of arrays that add up
        across chunks (``{"occupancy": ..., "sums": ...}``). Compute only what the
        letters in ``params`` need.
    ``_emission_m_step(statistics)``
        Update the emission attributes whose letters are in ``params`` from the
        statistics summed over all chunks. A state without frames (occupancy
        below a tiny threshold) keeps its previous values instead of a 0/0.
    ``_sample_emissions(states, random_state)``
        Draw one frame from the emission law of each given state.
    ``_inverse_transform(Z)``
        What ``inverse_transform`` returns for state probabilities ``Z``
        (n_samples, n_states): the emission they imply (``Z @ means_`` for
        Gaussians).
    ``_n_emission_parameters()``
        Number of free scalars of the emission model (for AIC and BIC).
    ``_permute_emission_states(order)`` (optional)
        Reorder the states of the emission parameters (new state ``s`` is old
        state ``order[s]``); used to line fresh initial states up with
        ``known_states``. The default indexes the first axis of every attribute
        in ``_emission_attributes``; override it for attributes without a state
        axis.

    **Known states.** ``fit(..., known_states=...)`` clamps the state of every
    labelled frame in the E-step (its emission log-density is ``-inf`` under the
    other states), so that EM maximises the joint likelihood of the frames and
    the given states, and the fitted states keep the labels' order. When the
    emissions were initialised from the data, their states are first matched to
    the labels (an assignment that maximises the agreement of each labelled
    frame's most likely state with its label).

    **How the E-step feeds the M-step.** The sequences are cut into chunks of
    whole sequences (about 8,192 frames each, fixed by the data alone). For each
    chunk the base computes the emission log-probabilities, runs the scaled
    forward and backward passes, and hands the chunk's posteriors to
    ``_emission_statistics``; the posteriors are then dropped, so the full
    (n_frames, n_states) posterior matrix of the data never exists during fit
    (only that of the longest sequence's chunk). Chunks run in parallel threads
    with ``n_jobs``, and their statistics, transition counts and log-likelihoods
    are added in chunk order, so the fit is bit-identical for every ``n_jobs``.

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
    _x_dtype = np.float64
    _supports_missing = False

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
        "n_jobs": [
            Integer(None, -1, closed="right"),
            Integer(1, None, closed="left"),
            None,
        ],
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
        n_jobs=None,
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
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # Hooks of the emission model (see the class docstring).

    @abstractmethod
    def _check_emission_parameters(self, n_features):
        """Validate the emission constructor parameters for data of this width."""

    def _check_X_values(self, X):
        """Validate the values of X; any finite value is a valid frame here."""

    @abstractmethod
    def _initialize_emissions(self, X, random_state, previous, restart):
        """Set the emission attributes to their starting values."""

    @abstractmethod
    def _emission_log_prob(self, X):
        """Log-density of each frame under each state, shape (n_frames, n_states)."""

    @abstractmethod
    def _emission_statistics(self, X, posteriors):
        """Sufficient statistics of one chunk of frames, a dict of summable arrays."""

    @abstractmethod
    def _emission_m_step(self, statistics):
        """Update the emission attributes named in ``params`` from the statistics."""

    @abstractmethod
    def _sample_emissions(self, states, random_state):
        """Draw one frame from the emission law of each given state."""

    @abstractmethod
    def _inverse_transform(self, Z):
        """The emission implied by state probabilities Z, one row per row of Z."""

    @abstractmethod
    def _n_emission_parameters(self):
        """Number of free scalars of the emission model."""

    def _permute_emission_states(self, order):
        """New state ``s`` of the emission parameters is old state ``order[s]``."""
        for name in self._emission_attributes:
            setattr(self, name, getattr(self, name)[order])

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
        self._chain_priors()
        self._check_emission_parameters(n_features)

    def _chain_priors(self):
        """Dirichlet priors of the start and transition probabilities, broadcast."""
        n_states = self.n_components
        return (
            broadcast_parameter(
                self.startprob_prior, (n_states,), "startprob_prior", non_negative=True
            ),
            broadcast_parameter(
                self.transmat_prior,
                (n_states, n_states),
                "transmat_prior",
                non_negative=True,
            ),
        )

    def _continues(self, letter, name):
        """Whether fit starts parameter ``name`` from its earlier fitted value:
        its letter is left out of ``init_params`` and no ``*_init`` is given."""
        given_name = name.rstrip("_") + "_init"
        return letter not in self.init_params and getattr(self, given_name) is None

    def _previous_values(self):
        """Fitted values that fit keeps for parameters left out of ``init_params``.

        A parameter whose letter is missing from ``init_params`` and that has no
        ``*_init`` value continues from an earlier fit, as in hmmlearn.
        """
        names = {"s": "startprob_", "t": "transmat_"}
        names.update(zip(self._emission_letters, self._emission_attributes))
        previous = {}
        for letter, name in names.items():
            if not self._continues(letter, name):
                continue
            given_name = name.rstrip("_") + "_init"
            if not hasattr(self, name):
                raise ValueError(
                    f"init_params={self.init_params!r} leaves out {letter!r}, so the "
                    f"starting {name} must come from {given_name} or from an earlier "
                    f"fit; give {given_name} or add {letter!r} to init_params."
                )
            previous[name] = getattr(self, name).copy()
        return previous

    def _initialize(self, X, offsets, known, random_state, previous, restart):
        n_states = self.n_components
        self._initialize_emissions(X, random_state, previous, restart)
        frame_log_prob = self._emission_log_prob(X)
        if known is not None:
            frame_log_prob = self._match_known_states(frame_log_prob, known, previous)
        # Start and transition probabilities are counted from the states that the
        # initial emissions assign to the frames (with one pseudo-count each),
        # rather than drawn at random as in hmmlearn: random transition matrices
        # often trap EM in poor local optima.
        labels = frame_log_prob.argmax(axis=1)
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

    def _match_known_states(self, frame_log_prob, known, previous):
        """Line freshly initialised states up with the labels; clamp the labels.

        Returns the clamped log-densities of the permuted states.
        """
        given = any(
            name in previous or getattr(self, name.rstrip("_") + "_init") is not None
            for name in self._emission_attributes
        )
        if not given:
            rows = known >= 0
            agreement = np.zeros((self.n_components, self.n_components))
            np.add.at(agreement, (known[rows], frame_log_prob[rows].argmax(axis=1)), 1)
            order = linear_sum_assignment(agreement, maximize=True)[1]
            self._permute_emission_states(order)
            frame_log_prob = frame_log_prob[:, order]
        return _clamp(frame_log_prob, known)

    def _chunk_e_step(self, X, chunk, known):
        """Log-likelihood and M-step statistics of one chunk of sequences."""
        passed = self._forward(X, chunk, known)
        posteriors, transition_counts = _kernels.backward(passed, "t" in self.params)
        return {
            "log_prob": passed.frame_log_norm.sum(),
            "start_counts": posteriors[chunk.offsets[:-1]].sum(axis=0),
            "transition_counts": transition_counts,
            "emission": self._emission_statistics(X[chunk.rows], posteriors),
        }

    def _e_step(self, X, chunks, known, map_chunks):
        """Total log-likelihood and statistics, added over the chunks in order."""
        results = map_chunks(lambda chunk: self._chunk_e_step(X, chunk, known), chunks)
        total = results[0]
        for result in results[1:]:
            emission = _add_statistics(total["emission"], result.pop("emission"))
            total = {**_add_statistics(total, result), "emission": emission}
        return total

    def _m_step(self, statistics):
        startprob_prior, transmat_prior = self._chain_priors()
        if "s" in self.params:
            self.startprob_ = _dirichlet_map(
                startprob_prior, statistics["start_counts"], self.startprob_
            )
        if "t" in self.params:
            self.transmat_ = _dirichlet_map(
                transmat_prior, statistics["transition_counts"], self.transmat_
            )
        self._emission_m_step(statistics["emission"])

    def _get_parameters(self):
        names = ("startprob_", "transmat_", *self._emission_attributes)
        return {name: getattr(self, name) for name in names}

    def _log_likelihood(self, X, chunks, known, map_chunks):
        sums = map_chunks(
            lambda chunk: self._forward(X, chunk, known).frame_log_norm.sum(), chunks
        )
        return sum(sums[1:], start=sums[0])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, lengths=None, sequence_ids=None, known_states=None):
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
        known_states : array-like of int of shape (n_samples,), default=None
            The state of each frame where it is known, -1 where it is not. EM
            then treats the labelled states as observed (it maximises the joint
            likelihood of the frames and those states, which ``monitor_``
            records), and the fitted states keep the labels' numbering. Aligned
            with the rows, it is routed like ``sequence_ids``
            (``set_fit_request(known_states=True)``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with _unchanged_on_failure(self):
            return self._fit(X, lengths, sequence_ids, known_states)

    def _fit(self, X, lengths, sequence_ids, known_states):
        n_features_before = getattr(self, "n_features_in_", None)
        X = self._validate_X(X, reset=True)
        offsets = _sequence_offsets(X.shape[0], lengths, sequence_ids)
        self._check_parameters(*X.shape)
        known = _check_known_states(known_states, X.shape[0], self.n_components)
        previous = self._previous_values()
        if previous and n_features_before != X.shape[1]:
            raise ValueError(
                f"init_params={self.init_params!r} continues from the earlier fit's "
                f"{sorted(previous)}, learned on X with {n_features_before} "
                f"features, but this X has {X.shape[1]}; add the letters of those "
                "parameters to init_params to start afresh."
            )
        random_state = check_random_state(self.random_state)
        chunks = _chunks(offsets)
        best_log_prob, best = -np.inf, None
        with _chunk_mapper(self.n_jobs, len(chunks)) as map_chunks:
            for init in range(self.n_init):
                self._initialize(X, offsets, known, random_state, previous, init)
                monitor = ConvergenceMonitor(
                    self.tol,
                    self.n_iter,
                    verbose=self.verbose,
                    desc=f"{type(self).__name__} init {init + 1}/{self.n_init}",
                )
                while not monitor.done:
                    statistics = self._e_step(X, chunks, known, map_chunks)
                    if statistics["log_prob"] == -np.inf:
                        raise ValueError(self._impossible_message(known))
                    self._m_step(statistics)
                    monitor.report(statistics["log_prob"])
                monitor.close()
                log_prob = statistics["log_prob"]
                if self.n_init > 1:
                    log_prob = self._log_likelihood(X, chunks, known, map_chunks)
                if best is None or log_prob > best_log_prob:
                    best_log_prob, best = log_prob, (self._get_parameters(), monitor)
        parameters, self.monitor_ = best
        for name, value in parameters.items():
            setattr(self, name, value)
        self.converged_ = self.monitor_.converged
        self.n_iter_ = self.monitor_.iter
        return self

    @staticmethod
    def _impossible_message(known):
        if known is not None:
            return (
                "known_states are impossible under the starting parameters (a "
                "labelled state that the start or transition probabilities rule "
                "out); check startprob_init and transmat_init."
            )
        return (
            "The training data are impossible under the starting parameters: a "
            "frame has probability zero in every state the chain can be in (for "
            "instance a symbol that emissionprob_init rules out, or a count that a "
            "zero rate rules out), so the log-likelihood is -inf and EM cannot "
            "improve it; check the *_init parameters."
        )

    def fit_transform(
        self, X, y=None, *, lengths=None, sequence_ids=None, known_states=None
    ):
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
        known_states : array-like of int of shape (n_samples,), default=None
            Known state of each frame (-1 if unknown), for :meth:`fit` only: the
            posteriors returned are those of :meth:`transform`, from the frames
            alone.

        Returns
        -------
        posteriors : ndarray of shape (n_samples, n_components)
            p(state of frame t | all frames of its sequence).
        """
        self.fit(
            X, lengths=lengths, sequence_ids=sequence_ids, known_states=known_states
        )
        return self.transform(X, lengths=lengths, sequence_ids=sequence_ids)

    # Inference.

    def _validate_X(self, X, reset):
        """``validate_data`` with the model's dtype, then the model's value checks."""
        X = validate_data(
            self,
            X,
            dtype=self._x_dtype,
            ensure_all_finite="allow-nan" if self._supports_missing else True,
            ensure_min_samples=2 if reset else 1,
            reset=reset,
        )
        self._check_X_values(X)
        return X

    def _forward(self, X, chunk, known=None):
        """Forward pass over one chunk (see ``_kernels.forward``)."""
        frame_log_prob = self._emission_log_prob(X[chunk.rows])
        if known is not None:
            frame_log_prob = _clamp(frame_log_prob, known[chunk.rows])
        return _kernels.forward(
            frame_log_prob,
            self.startprob_,
            self.transmat_,
            chunk.offsets,
        )

    def _infer(self, X, lengths, sequence_ids, infer_chunk):
        """Validate X, run ``infer_chunk(X, chunk)`` on every chunk, join the rows."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        chunks = _chunks(_sequence_offsets(X.shape[0], lengths, sequence_ids))
        with _chunk_mapper(self.n_jobs, len(chunks)) as map_chunks:
            parts = map_chunks(lambda chunk: infer_chunk(X, chunk), chunks)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _posteriors(self, X, chunk):
        return _kernels.backward(self._forward(X, chunk), False)[0]

    def _viterbi(self, X, chunk):
        with np.errstate(divide="ignore"):
            log_startprob = np.log(self.startprob_)
            log_transmat = np.log(self.transmat_)
        return _kernels.viterbi(
            self._emission_log_prob(X[chunk.rows]),
            log_startprob,
            log_transmat,
            chunk.offsets,
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
        return self._infer(X, lengths, sequence_ids, self._posteriors)

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
        return self._infer(
            X, lengths, sequence_ids, lambda X, chunk: self._forward(X, chunk).filtered
        )

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
        return self._infer(X, lengths, sequence_ids, self._viterbi)

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
        return self._infer(
            X,
            lengths,
            sequence_ids,
            lambda X, chunk: self._forward(X, chunk).frame_log_norm,
        )

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
        """The emission implied by state probabilities, in the space of X.

        What it is depends on the emission model: for :class:`GaussianHMM` the
        expected frame ``Z @ means_``.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components)
            State probabilities of each frame, such as the output of
            :meth:`transform`.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            One frame per row of ``Z``.
        """
        return self._inverse_transform(self._check_latent(Z))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Inputs are computed on in float64, whatever their dtype.
        tags.transformer_tags.preserves_dtype = ["float64"]
        tags.input_tags.allow_nan = self._supports_missing
        return tags
