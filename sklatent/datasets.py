"""Generators of data with known latent structure, for tests, docs and benchmarks.

Each ``make_*`` function returns the observed data together with the latent values
and the true parameters that generated it, so that fitted models can be compared with
the truth.
"""

import numbers

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["make_gaussian_grid", "make_gaussian_ring", "make_latent_manifold"]


_POSITIVE_INT = Interval(numbers.Integral, 1, None, closed="left")
_POSITIVE_REAL = Interval(numbers.Real, 0, None, closed="neither")


def _sample_isotropic_mixture(centers, std, n_samples, random_state):
    """Draw rows from equally weighted isotropic Gaussians around ``centers``."""
    rng = check_random_state(random_state)
    modes = rng.randint(centers.shape[0], size=n_samples)
    X = centers[modes] + std * rng.standard_normal((n_samples, centers.shape[1]))
    return X, modes


@validate_params(
    {
        "n_samples": [_POSITIVE_INT],
        "grid_size": [_POSITIVE_INT],
        "spacing": [_POSITIVE_REAL],
        "std": [_POSITIVE_REAL],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_gaussian_grid(
    n_samples=2500, *, grid_size=5, spacing=2.0, std=0.05, random_state=None
):
    """Draw points from Gaussians at the nodes of a square grid.

    The standard mode-collapse benchmark of the GAN literature (VEEGAN, PacGAN): with
    the defaults, 25 equally likely Gaussians with standard deviation 0.05 centred at
    ``{-4, -2, 0, 2, 4}^2``. The latent variable is the mode each row comes from.

    Parameters
    ----------
    n_samples : int, default=2500
        Number of rows.
    grid_size : int, default=5
        Number of modes along each axis; there are ``grid_size ** 2`` modes.
    spacing : float, default=2.0
        Distance between neighbouring centres. The grid is centred on the origin.
    std : float, default=0.05
        Standard deviation of each Gaussian along each axis.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points.
    modes : ndarray of int of shape (n_samples,)
        Index (a row of ``centers``) of the Gaussian each point was drawn from.
    centers : ndarray of shape (grid_size ** 2, 2)
        The true centres.

    See Also
    --------
    make_gaussian_ring : The same benchmark with the modes on a circle.
    sklatent.metrics.mode_coverage : Modes covered, high-quality fraction, reverse KL.

    References
    ----------
    .. [1] Z. Lin, A. Khetan, G. Fanti and S. Oh, "PacGAN: The power of two samples in
       generative adversarial networks", NeurIPS 2018.

    Examples
    --------
    >>> from sklatent.datasets import make_gaussian_grid
    >>> X, modes, centers = make_gaussian_grid(100, random_state=0)
    >>> X.shape, centers.shape
    ((100, 2), (25, 2))
    >>> centers[0], centers[-1]
    (array([-4., -4.]), array([4., 4.]))
    """
    axis = spacing * (np.arange(grid_size) - (grid_size - 1) / 2)
    centers = np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)
    X, modes = _sample_isotropic_mixture(centers, std, n_samples, random_state)
    return X, modes, centers


@validate_params(
    {
        "n_samples": [_POSITIVE_INT],
        "n_modes": [_POSITIVE_INT],
        "radius": [_POSITIVE_REAL],
        "std": [_POSITIVE_REAL],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_gaussian_ring(
    n_samples=2500, *, n_modes=8, radius=1.0, std=0.01, random_state=None
):
    """Draw points from Gaussians evenly spaced on a circle.

    The standard mode-collapse benchmark of the GAN literature (VEEGAN, PacGAN): with
    the defaults, 8 equally likely Gaussians with standard deviation 0.01 centred at
    ``(cos(2 pi k / 8), sin(2 pi k / 8))``. The latent variable is the mode each row
    comes from.

    Parameters
    ----------
    n_samples : int, default=2500
        Number of rows.
    n_modes : int, default=8
        Number of Gaussians on the circle.
    radius : float, default=1.0
        Radius of the circle, centred on the origin.
    std : float, default=0.01
        Standard deviation of each Gaussian along each axis.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points.
    modes : ndarray of int of shape (n_samples,)
        Index (a row of ``centers``) of the Gaussian each point was drawn from.
    centers : ndarray of shape (n_modes, 2)
        The true centres, counter-clockwise from ``(radius, 0)``.

    See Also
    --------
    make_gaussian_grid : The same benchmark with the modes on a square grid.
    sklatent.metrics.mode_coverage : Modes covered, high-quality fraction, reverse KL.

    References
    ----------
    .. [1] Z. Lin, A. Khetan, G. Fanti and S. Oh, "PacGAN: The power of two samples in
       generative adversarial networks", NeurIPS 2018.

    Examples
    --------
    >>> from sklatent.datasets import make_gaussian_ring
    >>> X, modes, centers = make_gaussian_ring(100, random_state=0)
    >>> X.shape, centers.shape
    ((100, 2), (8, 2))
    >>> bool(abs(np.hypot(*X.T) - 1).max() < 0.1)
    True
    """
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    centers = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    X, modes = _sample_isotropic_mixture(centers, std, n_samples, random_state)
    return X, modes, centers


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
