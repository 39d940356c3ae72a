"""Generators of data with known latent structure, for tests, docs and benchmarks.

Each ``make_*`` function returns the observed data together with the latent values
and the true parameters that generated it, so that fitted models can be compared with
the truth.
"""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_latent_manifold"]


def make_latent_manifold(
    n_samples=500, n_features=10, n_components=2, *, noise=0.05, random_state=None
):
    """Rows near a smooth nonlinear manifold of known dimension.

    The latent values are standard normal, ``Z ~ N(0, I)`` in ``n_components``
    dimensions; the data are ``X = tanh(Z @ W_in) @ W_out + noise * E`` with
    random Gaussian weights (``n_components`` to ``4 * n_features`` hidden units to
    ``n_features``) and standard normal ``E``. With small noise the data live
    near an ``n_components``-dimensional surface curved inside ``n_features``
    dimensions, which no linear method flattens exactly.

    Parameters
    ----------
    n_samples : int, default=500
        Number of rows.
    n_features : int, default=10
        Number of observed columns.
    n_components : int, default=2
        Dimension of the manifold (the true latent size).
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to every entry.
    random_state : int, RandomState instance or None, default=None
        Seed of the weights, latent values and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The observed rows.
    Z : ndarray of shape (n_samples, n_components)
        The latent value behind each row.
    params : dict
        ``"W_in"`` and ``"W_out"``, the weights of the map, and ``"noise"``.

    Examples
    --------
    >>> from sklatent.datasets import make_latent_manifold
    >>> X, Z, params = make_latent_manifold(100, n_features=6, random_state=0)
    >>> X.shape, Z.shape
    ((100, 6), (100, 2))
    """
    rng = check_random_state(random_state)
    n_hidden = 4 * n_features
    W_in = rng.normal(size=(n_components, n_hidden))
    W_out = rng.normal(size=(n_hidden, n_features)) / np.sqrt(n_hidden)
    Z = rng.normal(size=(n_samples, n_components))
    X = np.tanh(Z @ W_in) @ W_out + noise * rng.normal(size=(n_samples, n_features))
    return X, Z, {"W_in": W_in, "W_out": W_out, "noise": noise}
