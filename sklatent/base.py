"""What every sklatent estimator shares.

The latent contract (``transform``, ``inverse_transform``, ``sample``, ``score``) is
written once here as :class:`LatentMixin`; each estimator implements the model-specific
parts. The module also holds the input checks that more than one estimator needs
(integers, ``n_samples`` of ``sample``, the width of a latent array, sequence
boundaries), the random-state helpers (:func:`derive_seed` seeds torch from a numpy
random state) and the small convergence monitor that iterative fits report to.
"""

import inspect
import numbers
from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state, metadata_routing
from sklearn.utils._param_validation import Interval, InvalidParameterError
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
)
from tqdm.auto import tqdm

__all__ = [
    "ConvergenceMonitor",
    "Integer",
    "LatentMixin",
    "check_integer",
    "check_n_samples",
    "check_sequences",
    "derive_seed",
]

# Exclusive upper bound of the seeds that derive_seed draws (int32, as torch and
# numpy's legacy seeding accept everywhere).
_SEED_BOUND = 2**31 - 1


class Integer(Interval):
    """A scikit-learn ``Interval`` of integers that leaves bools out.

    scikit-learn's ``Interval(Integral, ...)`` accepts ``True`` and ``False``, since
    ``bool`` subclasses ``int``; a bool where a count belongs is a mistake, so this
    constraint refuses it. Use it in ``_parameter_constraints`` and in
    ``validate_params`` wherever an integer is expected.

    Parameters
    ----------
    left : int or None
        Smallest allowed value, or None for no lower bound.
    right : int or None
        Largest allowed value, or None for no upper bound.
    closed : {"left", "right", "both", "neither"}, default="both"
        Which ends are included.

    Examples
    --------
    >>> from sklatent.base import Integer
    >>> positive = Integer(1, None, closed="left")
    >>> positive.is_satisfied_by(3), positive.is_satisfied_by(0)
    (True, False)
    >>> positive.is_satisfied_by(True)  # a bool is not a count
    False
    """

    def __init__(self, left, right, *, closed="both"):
        super().__init__(numbers.Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, bool | np.bool_) and super().is_satisfied_by(val)


def check_integer(value, name, *, min_value=None, max_value=None):
    """Check that ``value`` is an integer (not a bool) within the given bounds.

    The one integer check of sklatent, for arguments of methods that
    ``validate_params`` cannot reach (those whose bounds depend on a fitted model).
    It raises the same error as scikit-learn's parameter validation.

    Parameters
    ----------
    value : object
        The value given by the user.
    name : str
        Its name, for the error message.
    min_value, max_value : int or None, default=None
        Inclusive bounds; None for none.

    Returns
    -------
    value : int
        The same number, as a Python ``int``.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A ``ValueError`` (and ``TypeError``) that names the argument, what it must
        be and what it got.

    Examples
    --------
    >>> from sklatent.base import check_integer
    >>> check_integer(3, "n_steps", min_value=2)
    3
    >>> check_integer(True, "n_steps")
    Traceback (most recent call last):
      ...
    sklearn.utils._param_validation.InvalidParameterError: The 'n_steps' ...
    """
    closed = {
        (False, False): "both",
        (False, True): "left",
        (True, False): "right",
        (True, True): "neither",
    }[min_value is None, max_value is None]
    constraint = Integer(min_value, max_value, closed=closed)
    if not constraint.is_satisfied_by(value):
        raise InvalidParameterError(
            f"The {name!r} parameter must be {constraint}. Got {value!r} instead."
        )
    return int(value)


def check_n_samples(n_samples):
    """Check the ``n_samples`` argument of ``sample``.

    Parameters
    ----------
    n_samples : int
        Number of samples requested.

    Returns
    -------
    n_samples : int
        The same number, as a Python ``int``.

    Raises
    ------
    ValueError
        If ``n_samples`` is not an integer of at least 1.

    Examples
    --------
    >>> from sklatent.base import check_n_samples
    >>> check_n_samples(5)
    5
    >>> check_n_samples(2.5)
    Traceback (most recent call last):
      ...
    sklearn.utils._param_validation.InvalidParameterError: The 'n_samples' ...
    """
    return check_integer(n_samples, "n_samples", min_value=1)


def derive_seed(random_state):
    """Draw an integer seed for another generator (torch's) from a random state.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The numpy random state, as scikit-learn's ``random_state`` parameters take.

    Returns
    -------
    seed : int
        A seed in ``[0, 2**31 - 1)``; the same for the same integer
        ``random_state``, and advancing a ``RandomState`` instance by one draw.

    Examples
    --------
    >>> from sklatent.base import derive_seed
    >>> derive_seed(0) == derive_seed(0)
    True
    """
    return int(check_random_state(random_state).randint(_SEED_BOUND))


def _check_id_values(sequence_ids, ids):
    """Refuse sequence ids that are NaN or that mix numbers and strings."""
    if ids.dtype.kind == "f" and np.isnan(ids).any():
        rows = np.flatnonzero(np.isnan(ids))[:5].tolist()
        raise ValueError(f"sequence_ids must not be NaN, but it is at rows {rows}.")
    if ids.dtype.kind == "O" or (
        ids.dtype.kind == "U" and not isinstance(sequence_ids, np.ndarray)
    ):
        # numpy turns [1, "a"] into strings, and object arrays hide NaN and
        # values that cannot be compared.
        values = np.asarray(sequence_ids, dtype=object).ravel()
        kinds = {
            "number" if isinstance(v, numbers.Number) else type(v).__name__
            for v in values
        }
        if len(kinds) > 1:
            raise ValueError(
                f"sequence_ids must be all numbers or all strings, got a mix of "
                f"{sorted(kinds)}."
            )
        if any(v != v for v in values):
            raise ValueError("sequence_ids must not be NaN.")


def check_sequences(n_samples, lengths=None, sequence_ids=None):
    """Turn sequence boundaries given as ``lengths`` or ``sequence_ids`` into lengths.

    Rows of ``X`` are time steps. Boundaries come either as ``lengths`` (hmmlearn's
    convention: the number of rows of each sequence, in order) or as
    ``sequence_ids`` (one id per row, each sequence a contiguous run of equal ids).
    ``sequence_ids`` is aligned with the rows, so scikit-learn's metadata routing
    slices it together with ``X`` inside cross-validation. With neither, ``X`` is one
    sequence.

    Parameters
    ----------
    n_samples : int
        Number of rows of ``X``.
    lengths : array-like of int of shape (n_sequences,), default=None
        Length of each sequence; must be positive and sum to ``n_samples``.
    sequence_ids : array-like of shape (n_samples,), default=None
        Sequence id of each row; the rows of one sequence must be contiguous.

    Returns
    -------
    lengths : ndarray of int64 of shape (n_sequences,)
        Length of each sequence, in the order of the rows.

    Raises
    ------
    ValueError
        If both are given, or if they do not describe a partition of the
        ``n_samples`` rows into contiguous, non-empty sequences.

    Examples
    --------
    >>> from sklatent.base import check_sequences
    >>> check_sequences(5, lengths=[2, 3])
    array([2, 3])
    >>> check_sequences(5, sequence_ids=["a", "a", "b", "b", "b"])
    array([2, 3])
    >>> check_sequences(5)
    array([5])
    """
    if lengths is not None and sequence_ids is not None:
        raise ValueError(
            "Pass sequence boundaries either as lengths or as sequence_ids, not both."
        )
    if sequence_ids is not None:
        ids = np.asarray(sequence_ids)
        if ids.ndim != 1 or ids.shape[0] != n_samples:
            raise ValueError(
                f"sequence_ids must have one id per row of X: X has {n_samples} rows "
                f"but sequence_ids has shape {ids.shape}."
            )
        _check_id_values(sequence_ids, ids)
        if n_samples == 0:
            return np.zeros(0, dtype=np.int64)
        starts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        starts = np.concatenate([[0], starts])
        run_ids = ids[starts]
        unique_ids, counts = np.unique(run_ids, return_counts=True)
        if np.any(counts > 1):
            repeated = unique_ids[counts > 1][0]
            raise ValueError(
                f"sequence_ids must keep the rows of each sequence contiguous, but id "
                f"{repeated!r} reappears after rows of another sequence. Sort X by "
                "sequence (keeping time order within each) or give each run its own id."
            )
        return np.diff(np.concatenate([starts, [n_samples]])).astype(np.int64)
    if lengths is None:
        return np.array([n_samples], dtype=np.int64)
    lengths_arr = np.asarray(lengths)
    if lengths_arr.dtype == bool:
        raise ValueError(
            "lengths must be integers (the number of frames of each sequence), got "
            "a boolean array; to mark sequence starts, pass sequence_ids instead."
        )
    if lengths_arr.ndim != 1:
        raise ValueError(
            f"lengths must be a 1-D array of sequence lengths, got shape "
            f"{lengths_arr.shape}."
        )
    if lengths_arr.size and not np.issubdtype(lengths_arr.dtype, np.integer):
        as_int = lengths_arr.astype(np.int64) if np.isrealobj(lengths_arr) else None
        if as_int is None or not np.array_equal(as_int, lengths_arr):
            raise ValueError(f"lengths must be integers, got {lengths_arr!r}.")
        lengths_arr = as_int
    if np.any(lengths_arr <= 0):
        raise ValueError(
            f"Every sequence length must be positive, got lengths {lengths_arr}."
        )
    # Checked before the sum, which a huge length would make wrap around.
    if lengths_arr.size and lengths_arr.max() > n_samples:
        raise ValueError(
            f"lengths must add up to the number of rows of X, but one of them is "
            f"{lengths_arr.max()} and X has {n_samples} rows."
        )
    lengths_arr = lengths_arr.astype(np.int64)
    if lengths_arr.sum() != n_samples:
        raise ValueError(
            f"lengths must add up to the number of rows of X: they sum to "
            f"{lengths_arr.sum()} but X has {n_samples} rows."
        )
    return lengths_arr


class ConvergenceMonitor:
    """Record an objective over the iterations of a fit and decide when to stop.

    The fit stops after ``n_iter`` iterations, or as soon as the gain of the
    objective from one iteration to the next is below ``tol`` (a loss of objective
    counts as convergence too, as in hmmlearn).

    Parameters
    ----------
    tol : float
        Convergence threshold on the gain of the objective.
    n_iter : int
        Maximum number of iterations.
    verbose : int, default=0
        If positive, show a progress bar and report convergence.
    desc : str, default=""
        Label of the progress bar.

    Attributes
    ----------
    history : list of float
        The objective after each iteration.

    Examples
    --------
    >>> from sklatent.base import ConvergenceMonitor
    >>> monitor = ConvergenceMonitor(tol=0.01, n_iter=100)
    >>> for objective in [-10.0, -5.0, -4.995]:
    ...     monitor.report(objective)
    >>> monitor.iter, monitor.converged, monitor.done
    (3, True, True)
    """

    def __init__(self, tol, n_iter, verbose=0, desc=""):
        self.tol = tol
        self.n_iter = n_iter
        self.verbose = verbose
        self.desc = desc
        self.history = []
        self._bar = None

    def __repr__(self):
        return (
            f"ConvergenceMonitor(tol={self.tol}, n_iter={self.n_iter}, "
            f"iter={self.iter}, converged={self.converged})"
        )

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_bar"] = None
        return state

    @property
    def iter(self):
        """Number of iterations recorded so far."""
        return len(self.history)

    def report(self, value):
        """Record the objective of one more iteration.

        Parameters
        ----------
        value : float
            The objective (higher is better) after this iteration.
        """
        self.history.append(float(value))
        if self.verbose > 0:
            if self._bar is None:
                self._bar = tqdm(total=self.n_iter, desc=self.desc, leave=False)
            self._bar.update(1)
            self._bar.set_postfix(objective=f"{value:.6g}")

    @property
    def converged(self):
        """Whether the last iteration gained less than ``tol``."""
        return len(self.history) >= 2 and self.history[-1] - self.history[-2] < self.tol

    @property
    def done(self):
        """Whether the fit should stop: converged or out of iterations."""
        return self.converged or self.iter >= self.n_iter

    def close(self):
        """Close the progress bar and, if verbose, say how the fit ended."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self.verbose > 0:
            state = "converged" if self.converged else "did not converge"
            last = self.history[-1] if self.history else float("nan")
            print(f"{self.desc}: {state} after {self.iter} iterations, {last:.6g}")


# The arguments that LatentMixin.sample hands to every _sample.
_SAMPLE_ARGUMENTS = ("n_samples", "random_state")


class LatentMixin(ClassNamePrefixFeaturesOutMixin, TransformerMixin, metaclass=ABCMeta):
    """The latent contract shared by every sklatent estimator.

    An estimator with this mixin learns how hidden variables Z generate the data X.
    ``transform`` maps X to its latent representation (``n_components`` columns),
    ``inverse_transform`` maps latent values back to the data space, ``sample``
    returns generated data together with the latent values behind them, and
    ``score`` is the mean of ``score_samples`` (higher is better).

    The mixin owns :meth:`sample`: it checks ``n_samples`` and the fit, resolves the
    random state (falling back to the estimator's own ``random_state``) and calls
    the subclass's ``_sample(n_samples, random_state, **options)``, the way
    imbalanced-learn's ``SamplerMixin.fit_resample`` calls ``_fit_resample``.
    Subclasses implement ``fit``, ``transform``, ``_sample`` and, where the model has
    one, ``score_samples``. Output feature names are the lower-cased class name
    followed by the latent index (``gaussianhmm0``, ``gaussianhmm1``, ...), so
    ``set_output(transform="pandas")`` works.

    Examples
    --------
    The smallest latent model: the data are their own standard normal latent
    values. It implements ``fit``, ``transform`` and ``_sample``; ``sample``, with
    its checks and random state, comes from the mixin.

    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from sklatent.base import LatentMixin
    >>> class StandardNormal(LatentMixin, BaseEstimator):
    ...     def __init__(self, n_components=2, random_state=None):
    ...         self.n_components = n_components
    ...         self.random_state = random_state
    ...     def fit(self, X, y=None):
    ...         self.n_features_in_ = self.n_components
    ...         return self
    ...     def transform(self, X):
    ...         return np.asarray(X, dtype=float)
    ...     def _sample(self, n_samples, random_state):
    ...         Z = random_state.standard_normal((n_samples, self.n_components))
    ...         return Z, Z
    >>> model = StandardNormal(random_state=0).fit(np.zeros((1, 2)))
    >>> X, Z = model.sample(3)
    >>> X.shape
    (3, 2)
    >>> np.array_equal(model.sample(3)[0], X)  # the estimator's own random_state
    True
    >>> model.sample(0)
    Traceback (most recent call last):
      ...
    sklearn.utils._param_validation.InvalidParameterError: The 'n_samples' ...
    """

    # Z is the data of inverse_transform, not metadata to route.
    __metadata_request__inverse_transform = {"Z": metadata_routing.UNUSED}

    @property
    def _n_features_out(self):
        check_is_fitted(self)
        return self.n_components

    def _check_latent(self, Z, *, dtype=(np.float64, np.float32)):
        """Validate a latent array given to ``inverse_transform``."""
        check_is_fitted(self)
        Z = check_array(Z, dtype=dtype, input_name="Z")
        width = self._n_features_out
        if Z.shape[1] != width:
            raise ValueError(
                f"Z has {Z.shape[1]} columns, but {type(self).__name__} has "
                f"{width} latent dimensions (n_components={width}); pass an array of "
                f"shape (n_samples, {width})."
            )
        return Z

    def sample(self, n_samples=1, *, random_state=None, **options):
        """Generate data from the fitted model, with the latent values behind it.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate (rows, frames of one sequence, or
            documents, depending on the model).
        random_state : int, RandomState instance or None, default=None
            Seed of the draws; None uses the estimator's ``random_state``, so a
            model with a fixed ``random_state`` samples the same data each call.
        **options : dict
            Model-specific options of the draw (for instance the classes of a
            conditional model); see the estimator's own documentation.

        Returns
        -------
        X : array-like of shape (n_samples, n_features)
            The generated data.
        Z : ndarray of shape (n_samples, ...)
            The latent values behind each sample (codes, states or topic mixtures).
        """
        check_is_fitted(self)
        n_samples = check_n_samples(n_samples)
        accepted = inspect.signature(self._sample).parameters
        if not any(p.kind == p.VAR_KEYWORD for p in accepted.values()):
            unknown = sorted(set(options) - set(accepted))
            if unknown:
                taken = [name for name in accepted if name not in _SAMPLE_ARGUMENTS]
                raise TypeError(
                    f"{type(self).__name__}.sample() got unexpected keyword "
                    f"arguments {unknown}; it takes n_samples and random_state"
                    + (f", and the options {taken}." if taken else ", no options.")
                )
        if random_state is None:
            random_state = getattr(self, "random_state", None)
        return self._sample(n_samples, check_random_state(random_state), **options)

    @abstractmethod
    def _sample(self, n_samples, random_state, **options):
        """Draw ``n_samples`` samples with a ``RandomState``; returns ``(X, Z)``."""

    def score(self, X, y=None, sample_weight=None, **metadata):
        """Mean of :meth:`score_samples` over the rows of X (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows in the mean, one per row.
        **metadata : dict
            Passed on to :meth:`score_samples` (for example sequence boundaries).

        Returns
        -------
        score : float
            Weighted mean of the per-row scores.
        """
        scores = self.score_samples(X, **metadata)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, scores, ensure_non_negative=True
            )
        return float(np.average(scores, weights=sample_weight))
