"""Model-agnostic latent-space tools: walks between rows and along one coordinate.

They need only ``transform`` (data to latent) and ``inverse_transform`` (latent to
data), so they work for every sklatent estimator and for scikit-learn's own
decompositions such as :class:`~sklearn.decomposition.PCA`.
"""

import numpy as np
from sklearn.utils._param_validation import HasMethods, StrOptions, validate_params
from sklearn.utils.validation import check_array

from .base import Integer, check_integer

__all__ = ["interpolate", "traverse"]

# A model with a latent space: data to codes and back.
_ENCODER_DECODER = HasMethods(["transform", "inverse_transform"])


def _slerp_path(Z_from, Z_to, steps):
    """Codes along the great circle, norms interpolated linearly.

    Returns an array of shape (n_pairs, n_steps, n_components). Pairs whose
    directions are (nearly) parallel or opposite, or that hold a zero code, have
    no unique great circle and take the straight line.
    """
    norm_from = np.linalg.norm(Z_from, axis=1, keepdims=True)
    norm_to = np.linalg.norm(Z_to, axis=1, keepdims=True)
    tiny = np.finfo(float).tiny
    unit_from = Z_from / np.maximum(norm_from, tiny)
    unit_to = Z_to / np.maximum(norm_to, tiny)
    cosine = np.clip(np.sum(unit_from * unit_to, axis=1, keepdims=True), -1.0, 1.0)
    angle = np.arccos(cosine)
    sine = np.sin(angle)
    curved = (sine > 1e-8) & (norm_from > tiny) & (norm_to > tiny)
    safe_sine = np.where(curved, sine, 1.0)
    weight_from = np.sin((1 - steps) * angle) / safe_sine
    weight_to = np.sin(steps * angle) / safe_sine
    direction = weight_from[..., None] * unit_from[:, None] + (
        weight_to[..., None] * unit_to[:, None]
    )
    norm = (1 - steps) * norm_from + steps * norm_to
    curved_path = norm[..., None] * direction
    return np.where(curved[..., None], curved_path, _linear_path(Z_from, Z_to, steps))


def _linear_path(Z_from, Z_to, steps):
    """Codes along the straight line, shape (n_pairs, n_steps, n_components)."""
    return (1 - steps)[:, None] * Z_from[:, None] + steps[:, None] * Z_to[:, None]


@validate_params(
    {
        "estimator": [_ENCODER_DECODER],
        "X_from": ["array-like"],
        "X_to": ["array-like"],
        "n_steps": [Integer(2, None, closed="left")],
        "method": [StrOptions({"linear", "slerp"})],
    },
    prefer_skip_nested_validation=True,
)
def interpolate(estimator, X_from, X_to, n_steps=8, *, method="linear"):
    """Encode two rows, walk between their codes, and decode the walk.

    Parameters
    ----------
    estimator : fitted estimator
        Anything with ``transform`` and ``inverse_transform``.
    X_from : array-like of shape (n_features,) or (n_pairs, n_features)
        Start row(s).
    X_to : array-like of the same shape as ``X_from``
        End row(s).
    n_steps : int, default=8
        Number of points of the walk, both ends included (at least 2).
    method : {"linear", "slerp"}, default="linear"
        ``"linear"``: a straight line between the codes. ``"slerp"``: along the
        great circle between them, with the norm interpolated linearly, which
        keeps intermediate codes at the typical radius of a Gaussian prior;
        where the great circle is not unique (codes pointing in the same or in
        opposite directions, or a zero code), the straight line.

    Returns
    -------
    X_path : ndarray of shape (n_steps, n_features) or (n_pairs, n_steps, \
n_features)
        Decoded points of the walk; the first and last are the reconstructions of
        ``X_from`` and ``X_to``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklatent.latent import interpolate
    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> pca = PCA(n_components=2).fit(X)
    >>> interpolate(pca, X[0], X[1], n_steps=5).shape
    (5, 4)
    """
    single = np.ndim(X_from) == 1
    X_from = check_array(np.atleast_2d(X_from), input_name="X_from")
    X_to = check_array(np.atleast_2d(X_to), input_name="X_to")
    if X_from.shape != X_to.shape:
        raise ValueError(
            f"X_from and X_to must have the same shape, got {X_from.shape} and "
            f"{X_to.shape}."
        )
    Z_from = np.asarray(estimator.transform(X_from), dtype=float)
    Z_to = np.asarray(estimator.transform(X_to), dtype=float)
    steps = np.linspace(0.0, 1.0, n_steps)
    path = _linear_path if method == "linear" else _slerp_path
    Z_path = path(Z_from, Z_to, steps)
    X_path = np.asarray(
        estimator.inverse_transform(Z_path.reshape(-1, Z_path.shape[-1]))
    )
    X_path = X_path.reshape(len(Z_from), n_steps, -1)
    return X_path[0] if single else X_path


@validate_params(
    {
        "estimator": [_ENCODER_DECODER],
        "x": ["array-like"],
        "dim": [Integer(None, None, closed="neither")],
        "values": ["array-like"],
    },
    prefer_skip_nested_validation=True,
)
def traverse(estimator, x, dim, values):
    """Encode one row, set one latent coordinate to each value, and decode.

    Parameters
    ----------
    estimator : fitted estimator
        Anything with ``transform`` and ``inverse_transform``.
    x : array-like of shape (n_features,)
        The row whose code is varied.
    dim : int
        Index of the latent coordinate to vary.
    values : array-like of shape (n_values,)
        Values given to that coordinate; the others keep the row's code.

    Returns
    -------
    X_traversal : ndarray of shape (n_values, n_features)
        One decoded row per value.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklatent.latent import traverse
    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> pca = PCA(n_components=2).fit(X)
    >>> traverse(pca, X[0], dim=1, values=[-2, 0, 2]).shape
    (3, 4)
    """
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(
            f"x must be one row, an array of shape (n_features,), got shape {x.shape}."
        )
    values = check_array(np.atleast_1d(values), ensure_2d=False, input_name="values")
    if values.ndim != 1:
        raise ValueError(
            "values must be a 1-D array of coordinate values, got shape "
            f"{values.shape}."
        )
    z = np.asarray(estimator.transform(check_array(x[None], input_name="x")), float)[0]
    dim = check_integer(dim, "dim", min_value=-len(z), max_value=len(z) - 1)
    Z = np.repeat(z[None], len(values), axis=0)
    Z[:, dim] = values
    return np.asarray(estimator.inverse_transform(Z))
