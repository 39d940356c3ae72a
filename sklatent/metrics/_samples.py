"""Two-sample statistics: how close generated rows are to real ones."""

from numbers import Real

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import pairwise_distances
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_array

from ..base import Integer, derive_seed

__all__ = ["c2st_score", "energy_distance", "mmd", "mode_coverage"]

# Pairwise values computed at once by _mean_pairwise (about 8 MB of float64).
_PAIRS_PER_CHUNK = 2**20
# The median heuristic of mmd looks at the distances between this many pooled rows
# at most, drawn with a fixed seed: the median of a million pairs is as good a
# bandwidth as that of all of them, at a fixed cost in memory.
_BANDWIDTH_ROWS = 1000


def _check_two_samples(X, Y):
    """Validate two samples of the same width as finite float arrays."""
    X = check_array(X, input_name="X")
    Y = check_array(Y, input_name="Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of columns to be compared, got "
            f"{X.shape[1]} and {Y.shape[1]}."
        )
    return X, Y


def _check_weights(weights, n_samples, name):
    """Return non-negative weights summing to one (uniform when ``None``)."""
    if weights is None:
        return np.full(n_samples, 1.0 / n_samples)
    weights = check_array(weights, ensure_2d=False, input_name=name)
    if weights.ndim != 1 or weights.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have one weight per row ({n_samples}), got shape "
            f"{weights.shape}."
        )
    if np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(f"{name} must be non-negative with a positive sum.")
    return weights / weights.sum()


def _mean_pairwise(kernel, A, B, weights_A, weights_B):
    """Weighted mean of ``kernel(a, b)`` over all pairs, in row chunks of ``A``."""
    chunk_size = max(1, _PAIRS_PER_CHUNK // max(B.shape[0], 1))
    total = 0.0
    for start in range(0, A.shape[0], chunk_size):
        stop = start + chunk_size
        total += weights_A[start:stop] @ kernel(A[start:stop], B) @ weights_B
    return total


@validate_params(
    {
        "X": ["array-like"],
        "Y": ["array-like"],
        "sample_weight_X": ["array-like", None],
        "sample_weight_Y": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def energy_distance(X, Y, *, sample_weight_X=None, sample_weight_Y=None):
    """Energy distance between two samples (0 when they come from one distribution).

    ``sqrt(2 E|x - y| - E|x - x'| - E|y - y'|)`` with Euclidean norms, the
    multivariate form of :func:`scipy.stats.energy_distance` (which it equals on one
    column). It has no bandwidth to tune and is a metric between distributions.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        First sample.
    Y : array-like of shape (n_samples_Y, n_features)
        Second sample.
    sample_weight_X : array-like of shape (n_samples_X,), default=None
        Weights of the rows of X (uniform when None).
    sample_weight_Y : array-like of shape (n_samples_Y,), default=None
        Weights of the rows of Y (uniform when None).

    Returns
    -------
    distance : float
        The energy distance, non-negative.

    See Also
    --------
    mmd : Maximum mean discrepancy with a Gaussian kernel.

    References
    ----------
    .. [1] G. J. Szekely and M. L. Rizzo, "Energy statistics: A class of statistics
       based on distances", Journal of Statistical Planning and Inference, 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import energy_distance
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 2))
    >>> near = energy_distance(X, rng.normal(size=(500, 2)))
    >>> far = energy_distance(X, rng.normal(loc=1.0, size=(500, 2)))
    >>> bool(near < 0.2 < far)
    True
    """
    X, Y = _check_two_samples(X, Y)
    w_X = _check_weights(sample_weight_X, X.shape[0], "sample_weight_X")
    w_Y = _check_weights(sample_weight_Y, Y.shape[0], "sample_weight_Y")
    cross = _mean_pairwise(pairwise_distances, X, Y, w_X, w_Y)
    within_X = _mean_pairwise(pairwise_distances, X, X, w_X, w_X)
    within_Y = _mean_pairwise(pairwise_distances, Y, Y, w_Y, w_Y)
    return float(np.sqrt(max(2 * cross - within_X - within_Y, 0.0)))


@validate_params(
    {
        "X": ["array-like"],
        "Y": ["array-like"],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "sample_weight_X": ["array-like", None],
        "sample_weight_Y": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def mmd(X, Y, *, gamma=None, sample_weight_X=None, sample_weight_Y=None):
    """Squared maximum mean discrepancy with a Gaussian kernel (biased V-statistic).

    ``E k(x, x') + E k(y, y') - 2 E k(x, y)`` with ``k(a, b) = exp(-gamma |a - b|^2)``.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        First sample.
    Y : array-like of shape (n_samples_Y, n_features)
        Second sample.
    gamma : float, default=None
        Kernel coefficient. None uses the median heuristic: one over the median
        squared distance between the rows of X and Y pooled (at most 1000 of
        them, drawn with a fixed seed, so the bandwidth costs a fixed amount of
        memory; the weights do not enter it).
    sample_weight_X : array-like of shape (n_samples_X,), default=None
        Weights of the rows of X (uniform when None).
    sample_weight_Y : array-like of shape (n_samples_Y,), default=None
        Weights of the rows of Y (uniform when None).

    Returns
    -------
    mmd2 : float
        The squared MMD, non-negative.

    See Also
    --------
    energy_distance : A bandwidth-free two-sample distance.

    References
    ----------
    .. [1] A. Gretton, K. M. Borgwardt, M. J. Rasch, B. Scholkopf and A. Smola, "A
       kernel two-sample test", JMLR 13, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import mmd
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> bool(mmd(X, rng.normal(size=(300, 2))) < mmd(X, rng.normal(2, 1, (300, 2))))
    True
    """
    X, Y = _check_two_samples(X, Y)
    w_X = _check_weights(sample_weight_X, X.shape[0], "sample_weight_X")
    w_Y = _check_weights(sample_weight_Y, Y.shape[0], "sample_weight_Y")
    if gamma is None:
        gamma = _median_heuristic_gamma(X, Y)

    def kernel(A, B):
        return rbf_kernel(A, B, gamma=gamma)

    value = (
        _mean_pairwise(kernel, X, X, w_X, w_X)
        + _mean_pairwise(kernel, Y, Y, w_Y, w_Y)
        - 2 * _mean_pairwise(kernel, X, Y, w_X, w_Y)
    )
    return float(max(value, 0.0))


def _median_heuristic_gamma(X, Y):
    """One over the median squared distance of (a seeded subset of) the pooled rows."""
    n_pooled = X.shape[0] + Y.shape[0]
    rows = np.arange(n_pooled)
    if n_pooled > _BANDWIDTH_ROWS:
        rows = np.sort(
            np.random.default_rng(0).choice(n_pooled, _BANDWIDTH_ROWS, replace=False)
        )
    from_X = rows[rows < X.shape[0]]
    pooled = np.vstack([X[from_X], Y[rows[rows >= X.shape[0]] - X.shape[0]]])
    squared = pairwise_distances(pooled, metric="sqeuclidean")
    median = np.median(squared[np.triu_indices_from(squared, k=1)])
    return 1.0 / median if median > 0 else 1.0


def _balance(X, Y, seed):
    """Subsample the larger of two samples, in its row order, to the smaller's size."""
    n_rows = min(X.shape[0], Y.shape[0])
    rng = np.random.default_rng(seed)

    def subsample(A):
        if A.shape[0] == n_rows:
            return A
        return A[np.sort(rng.choice(A.shape[0], n_rows, replace=False))]

    return subsample(X), subsample(Y)


@validate_params(
    {
        "X_real": ["array-like"],
        "X_generated": ["array-like"],
        "classifier": [None, HasMethods(["fit", "predict"])],
        "scoring": [StrOptions({"accuracy", "roc_auc"})],
        "cv": [Integer(2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def c2st_score(
    X_real,
    X_generated,
    *,
    classifier=None,
    scoring="accuracy",
    cv=5,
    random_state=None,
):
    """Classifier two-sample test: how well a classifier tells real from generated.

    A classifier is trained to separate the real rows from the generated ones and
    scored on rows it did not see (stratified ``cv``-fold cross-validation). A score
    of 0.5 means the two samples cannot be told apart (perfect generation); 1.0 means
    they are trivially separable. The larger sample is first subsampled (without
    replacement, seeded by ``random_state``) to the size of the smaller, so both
    classes weigh the same and 0.5 is chance whatever the two sizes: without it,
    100 real rows against 900 generated ones from the same distribution would score
    an accuracy of 0.9 by always answering "generated".

    Parameters
    ----------
    X_real : array-like of shape (n_samples_real, n_features)
        Real rows (numeric; one-hot encode categorical columns first, or score
        mixed tables with :func:`make_sample_scorer`).
    X_generated : array-like of shape (n_samples_generated, n_features)
        Generated rows, in the same columns.
    classifier : classifier, default=None
        The classifier to train (cloned). None uses a
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`.
    scoring : {"accuracy", "roc_auc"}, default="accuracy"
        Held-out accuracy or area under the ROC curve.
    cv : int, default=5
        Number of stratified folds.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling of the larger sample, the fold split and the default
        classifier.

    Returns
    -------
    score : float
        Mean held-out score over the folds; 0.5 is best.

    See Also
    --------
    energy_distance : A two-sample distance that needs no classifier.

    References
    ----------
    .. [1] D. Lopez-Paz and M. Oquab, "Revisiting classifier two-sample tests", ICLR
       2017.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import c2st_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2))
    >>> same = c2st_score(X, rng.normal(size=(400, 2)), random_state=0)
    >>> shifted = c2st_score(X, rng.normal(3, 1, (400, 2)), random_state=0)
    >>> bool(same < 0.6 < 0.9 < shifted)
    True
    """
    X_real, X_generated = _check_two_samples(X_real, X_generated)
    if min(X_real.shape[0], X_generated.shape[0]) < cv:
        raise ValueError(
            f"c2st_score needs at least cv={cv} rows in each sample, got "
            f"{X_real.shape[0]} real and {X_generated.shape[0]} generated rows."
        )
    seed = derive_seed(random_state)
    X_real, X_generated = _balance(X_real, X_generated, seed)
    if classifier is None:
        classifier = HistGradientBoostingClassifier(random_state=seed)
    X = np.vstack([X_real, X_generated])
    y = np.r_[np.ones(X_real.shape[0]), np.zeros(X_generated.shape[0])]
    folds = StratifiedKFold(cv, shuffle=True, random_state=seed)
    scores = cross_val_score(clone(classifier), X, y, cv=folds, scoring=scoring)
    return float(scores.mean())


@validate_params(
    {
        "X": ["array-like"],
        "centers": ["array-like"],
        "std": [Interval(Real, 0, None, closed="neither")],
        "weights": ["array-like", None],
        "n_std": [Interval(Real, 0, None, closed="neither")],
        "min_fraction": [Interval(Real, 0, 1, closed="both")],
    },
    prefer_skip_nested_validation=True,
)
def mode_coverage(X, centers, std, *, weights=None, n_std=3.0, min_fraction=0.2):
    """How well generated points cover the known modes of a Gaussian mixture.

    The metrics of the mode-collapse benchmarks (VEEGAN, PacGAN). A generated point
    is *high quality* if it lies within ``n_std`` standard deviations of its nearest
    centre; it then counts for that mode. A mode is *covered* if it received at least
    ``min_fraction`` of the high-quality points it should get (PacGAN: 20 of the 100
    expected from 2500 points on 25 modes). The *reverse KL* is
    ``KL(p || q)`` between the distribution ``p`` of the high-quality points over the
    modes and the true mode weights ``q``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Generated points.
    centers : array-like of shape (n_modes, n_features)
        True centres.
    std : float
        Standard deviation of each true Gaussian (isotropic).
    weights : array-like of shape (n_modes,), default=None
        True mode weights (uniform when None).
    n_std : float, default=3.0
        Radius, in standard deviations, within which a point is high quality.
    min_fraction : float, default=0.2
        Fraction of its expected share of the points a mode needs to count as
        covered.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With ``modes_covered`` (int), ``high_quality`` (fraction of the points that
        are high quality), ``reverse_kl`` (float; ``inf`` if no point is high
        quality) and ``mode_counts`` (high-quality points per mode).

    See Also
    --------
    sklatent.datasets.make_gaussian_grid : The 25-mode grid benchmark.
    sklatent.datasets.make_gaussian_ring : The 8-mode ring benchmark.

    References
    ----------
    .. [1] Z. Lin, A. Khetan, G. Fanti and S. Oh, "PacGAN: The power of two samples in
       generative adversarial networks", NeurIPS 2018.

    Examples
    --------
    >>> from sklatent.datasets import make_gaussian_ring
    >>> from sklatent.metrics import mode_coverage
    >>> X, _, centers = make_gaussian_ring(2000, random_state=0)
    >>> result = mode_coverage(X[X[:, 0] > 0.5], centers, std=0.01)
    >>> int(result.modes_covered), round(result.high_quality, 2)
    (3, 0.99)
    """
    X = check_array(X, input_name="X")
    centers = check_array(centers, input_name="centers")
    if X.shape[1] != centers.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} columns but centers has {centers.shape[1]}; they "
            "must live in the same space."
        )
    weights = _check_weights(weights, centers.shape[0], "weights")
    distances = pairwise_distances(X, centers)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(X.shape[0]), nearest] <= n_std * std
    counts = np.bincount(nearest[good], minlength=centers.shape[0])
    n_good = counts.sum()
    covered = counts >= min_fraction * weights * n_good if n_good else counts > 0
    if n_good:
        p = counts / n_good
        seen = p > 0
        reverse_kl = float(np.sum(p[seen] * np.log(p[seen] / weights[seen])))
    else:
        reverse_kl = float("inf")
    return Bunch(
        modes_covered=int(covered.sum()),
        high_quality=float(n_good / X.shape[0]),
        reverse_kl=reverse_kl,
        mode_counts=counts,
    )
