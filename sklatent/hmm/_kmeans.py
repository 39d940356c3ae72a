"""Starting centres of emission models: k-means first, random frames in restarts."""

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

# k-means runs on at most this many randomly chosen frames: starting values need
# not be exact, and k-means on all frames of a long recording would cost more than
# the EM iterations.
_KMEANS_MAX_FRAMES = 10_000


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
    rng = np.random.RandomState(seed)
    if restart > 0:
        chosen = X[rng.choice(X.shape[0], n_centres, replace=False)]
        if len(np.unique(chosen, axis=0)) == n_centres:
            return chosen
    frames = X
    if X.shape[0] > _KMEANS_MAX_FRAMES:
        subset = rng.choice(X.shape[0], _KMEANS_MAX_FRAMES, replace=False)
        frames = X[np.sort(subset)]
    # On so few frames one thread is fast, while OpenMP threads that wait for busy
    # cores can make k-means many times slower.
    with threadpool_limits(limits=1, user_api="openmp"):
        kmeans = KMeans(n_centres, n_init=1, random_state=seed)
        return kmeans.fit(frames).cluster_centers_
