"""Starting values of emission models: centres and the data covariance.

The centres come from k-means in the first restart and from random frames after.
"""

from functools import cache

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import ThreadpoolController

# k-means runs on at most this many randomly chosen frames: starting values need
# not be exact, and k-means on all frames of a long recording would cost more than
# the EM iterations.
_KMEANS_MAX_FRAMES = 10_000
# The data covariance is summed over blocks of this many frames, so that the
# centred copy stays small.
_COVARIANCE_BLOCK_FRAMES = 8192


@cache
def _threadpool_controller():
    # Finding the loaded thread pools reads the process's memory map, which costs
    # about a millisecond: done once.
    return ThreadpoolController()


def initial_centres(X, n_centres, seed, restart):
    """k-means centres in the first restart, distinct random frames after.

    k-means on few frames is quick but lands on nearly the same centres from any
    seed, so later restarts start from random frames instead.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Frames (at least ``n_centres``).
    n_centres : int
        Number of centres.
    seed : int
        Seed of the subsample, of k-means and of the random frames.
    restart : int
        Restart number, from 0.

    Returns
    -------
    centres : ndarray of shape (n_centres, n_features)
    """
    if restart > 0:
        rng = np.random.RandomState(seed)
        chosen = X[rng.choice(X.shape[0], n_centres, replace=False)]
        if len(np.unique(chosen, axis=0)) == n_centres:
            return chosen
    frames = X
    if X.shape[0] > _KMEANS_MAX_FRAMES:
        # A Generator draws the subsample without shuffling all the frames, as
        # RandomState.choice does (a millisecond per 100,000 frames).
        rng = np.random.default_rng(seed)
        subset = rng.choice(X.shape[0], _KMEANS_MAX_FRAMES, replace=False)
        frames = X[np.sort(subset)]
    # On so few frames one thread is fast, while OpenMP threads that wait for busy
    # cores can make k-means many times slower.
    with _threadpool_controller().limit(limits=1, user_api="openmp"):
        kmeans = KMeans(n_centres, n_init=1, random_state=seed)
        return kmeans.fit(frames).cluster_centers_


def data_covariance(X):
    """Covariance of complete frames, as ``np.cov(X, rowvar=False)``, but faster.

    The mean is a matrix-vector product and the centred products are summed over
    blocks of frames, so no copy of ``X`` is made (``np.cov`` centres a full copy,
    and numpy's column means of a tall, narrow array are slow).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Frames without missing entries, at least two.

    Returns
    -------
    covariance : ndarray of shape (n_features, n_features)
        The unbiased sample covariance.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.hmm._kmeans import data_covariance
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> bool(np.allclose(data_covariance(X), np.cov(X, rowvar=False)))
    True
    """
    n_samples, n_features = X.shape
    covariance = np.zeros((n_features, n_features))
    # Such small products are fastest on one thread, and BLAS threads left
    # spinning after them would slow down the EM iterations that follow.
    with _threadpool_controller().limit(limits=1, user_api="blas"):
        mean = X.T @ np.full(n_samples, 1.0 / n_samples)
        for start in range(0, n_samples, _COVARIANCE_BLOCK_FRAMES):
            centred = X[start : start + _COVARIANCE_BLOCK_FRAMES] - mean
            covariance += centred.T @ centred
    return covariance / (n_samples - 1)
