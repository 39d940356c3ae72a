"""The GAN's network representation of a table: mode-specific numbers, one-hot
categories.

A generator that writes a table must produce categories as categories and numbers
in the units of the data. :class:`ModeEncoding` learns, from the continuous and
discrete parts of a training table (see :mod:`sklatent.neural._table`), the
representation that the network reads and writes:

- a numeric column becomes the one-hot indicator of its *mode* (a component of a
  one-dimensional Gaussian mixture fitted to the column) and a scalar, the offset
  from that mode's mean in units of four of its standard deviations (the
  mode-specific normalisation of CTGAN). Multimodal columns then need no fine
  placement of the modes by the network: it chooses a mode and a small offset;
- a discrete column becomes the one-hot indicator of its category.

The network's raw output is turned into this representation by
:meth:`ModeEncoding.activate`: a ``tanh`` offset per numeric column and, per
one-hot block, a deterministic straight-through choice (the arg max in the forward
pass, the gradient of a softmax in the backward pass), so a generated row is a
function of the noise alone.
"""

import warnings

import numpy as np
import torch
import torch.nn.functional as F
from scipy.linalg import solve_triangular
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

__all__ = ["ModeEncoding"]

# CTGAN's settings: at most 10 modes per column, modes below 0.5 % weight dropped.
_MAX_MODES = 10
# A joint mixture over several columns may need more modes than one column (a
# 5 x 5 grid of clusters is five modes per column but 25 together): one mode per
# this many training rows, between _MAX_MODES and _MAX_JOINT_MODES.
_ROWS_PER_JOINT_MODE = 100
_MAX_JOINT_MODES = 50
_MIN_MODE_WEIGHT = 5e-3
# Ridges on the mixture's covariances tried in turn when scikit-learn's defaults
# fail, relative to the data's mean variance.
_RELATIVE_VARIANCE_FLOORS = (1e-3, 1e-1)
# Rows on which the mixture of a column is fitted; responsibilities use every row.
_MIXTURE_ROWS = 5000
# Offsets are measured in units of this many standard deviations of the mode.
_OFFSET_SCALE = 4.0
# Offsets are kept inside (-1, 1), the range of the tanh that generates them.
_OFFSET_BOUND = 0.99


def _dirichlet_process_mixture(values, n_modes, seed, floor):
    """CTGAN's Dirichlet-process mixture fitted to ``values``; with a ``floor``,
    a ridge of that fraction of the mean variance on the prior covariance and on
    the variances (None: scikit-learn's defaults)."""
    regularisation = {}
    if floor is not None:
        covariance = np.atleast_2d(np.cov(values, rowvar=False))
        ridge = floor * (np.trace(covariance) / len(covariance) or 1.0)
        regularisation = {
            "reg_covar": ridge,
            "covariance_prior": covariance + ridge * np.eye(len(covariance)),
        }
    mixture = BayesianGaussianMixture(
        n_components=n_modes,
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=1e-3,
        max_iter=100,
        random_state=seed,
        **regularisation,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return mixture.fit(values)


def _fit_mixture(values, n_modes, seed):
    """A Dirichlet-process Gaussian mixture of at most ``n_modes`` modes of the
    rows (CTGAN's settings), and the responsibilities of its modes of
    non-negligible weight."""
    rng = np.random.default_rng(seed)
    subset = values
    if len(values) > _MIXTURE_ROWS:
        subset = values[rng.choice(len(values), _MIXTURE_ROWS, replace=False)]
    # Columns that are exact linear combinations of others leave the data's
    # covariance singular, and with it that of every mode the data leave empty
    # (scikit-learn's prior is the data's covariance): the fit is then retried
    # with a ridge on the prior and a larger floor on the variances.
    floors = (None, *_RELATIVE_VARIANCE_FLOORS)
    for attempt, floor in enumerate(floors, start=1):
        try:
            mixture = _dirichlet_process_mixture(subset, n_modes, seed, floor)
            break
        except ValueError:
            if attempt == len(floors):
                raise
    keep = mixture.weights_ > _MIN_MODE_WEIGHT
    responsibilities = mixture.predict_proba(values)[:, keep]
    used = responsibilities.sum(axis=0) > 0
    return responsibilities[:, used]


def _column_modes(values, seed):
    """Means (K, 1), Cholesky factors (K, 1, 1) and weights of the modes of one
    numeric column."""
    values = values[:, None]
    n_modes = min(_MAX_MODES, np.unique(values).size)
    responsibilities = _fit_mixture(values, n_modes, seed)
    # The mixture's prior inflates the spread of tight modes; re-estimate the
    # means and spreads from the responsibilities alone.
    mass = responsibilities.sum(axis=0)
    means = responsibilities.T @ values / mass[:, None]
    spreads = np.sqrt((responsibilities * (values - means.T) ** 2).sum(0) / mass)
    # A column constant in training (the first batch of a stream) has no spread
    # to scale by: its floor is in the units of its value, so that other values
    # of later batches stay at a finite distance from its mode.
    spread = values.std() or max(abs(values[0, 0]), 1.0)
    floor = max(1e-3 * spread, np.finfo(np.float64).tiny)
    factors = np.maximum(spreads, floor)[:, None, None]
    return means, factors, mass / mass.sum()


def _joint_modes(values, seed):
    """Means (K, d), Cholesky factors (K, d, d) of the covariances and weights
    of a full-covariance mixture over the columns together."""
    centre, scale = values.mean(axis=0), values.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    standard = (values - centre) / scale
    n_modes = min(
        max(_MAX_MODES, min(_MAX_JOINT_MODES, len(values) // _ROWS_PER_JOINT_MODE)),
        len(np.unique(standard, axis=0)),
    )
    responsibilities = _fit_mixture(standard, n_modes, seed)
    mass = responsibilities.sum(axis=0)
    means = responsibilities.T @ standard / mass[:, None]
    factors = []
    for k in range(len(mass)):
        residual = standard - means[k]
        covariance = (responsibilities[:, k, None] * residual).T @ residual / mass[k]
        # A floor on the spread of each direction, as for one column.
        covariance += 1e-6 * np.eye(values.shape[1])
        factors.append(np.linalg.cholesky(covariance))
    factors = scale[None, :, None] * np.array(factors)
    return means * scale + centre, factors, mass / mass.sum()


def _log_densities(values, means, factors, weights):
    """log (weight_k N(x | mean_k, L_k L_k^T)) of each row and mode."""
    out = np.empty((len(values), len(means)))
    for k, (mean, factor) in enumerate(zip(means, factors)):
        whitened = solve_triangular(factor, (values - mean).T, lower=True).T
        log_det = np.log(np.abs(np.diag(factor))).sum()
        out[:, k] = np.log(weights[k]) - 0.5 * (whitened**2).sum(axis=1) - log_det
    return out


class ModeEncoding:
    """The learned network representation of a table's continuous and discrete
    parts (see the module docstring).

    Parameters
    ----------
    continuous : ndarray of shape (n_samples, n_continuous)
        The continuous columns of the training table.
    n_categories : list of int
        The number of categories of each discrete column.
    seed : int
        Seed of the mixture fits and of the choice of modes.
    joint : bool, default=False
        Model the continuous columns with one full-covariance mixture (a mode
        of all of them and a whitened offset per column) instead of one
        mixture per column.

    Attributes
    ----------
    groups_ : list of (ndarray, ndarray, ndarray)
        For each group of continuous columns (each column alone, or all
        together): the means (K, g), the Cholesky factors (K, g, g) of the
        covariances and the weights (K,) of its modes.
    n_categories_ : list of int
        The number of categories of each discrete column.
    n_outputs_ : int
        Width of the encoded table.
    """

    def __init__(self, continuous, n_categories, seed, *, joint=False):
        n_columns = continuous.shape[1]
        seeds = np.random.SeedSequence(seed).generate_state(max(1, n_columns))
        if joint and n_columns:
            self.groups_ = [_joint_modes(continuous, int(seeds[0]))]
        else:
            self.groups_ = [
                _column_modes(column, int(column_seed))
                for column, column_seed in zip(continuous.T, seeds)
            ]
        self._assignment_seed = seed
        self.n_categories_ = list(n_categories)
        self.n_outputs_ = sum(
            means.shape[1] + len(means) for means, _, _ in self.groups_
        ) + sum(self.n_categories_)

    def _group_columns(self):
        start = 0
        for means, _, _ in self.groups_:
            yield slice(start, start + means.shape[1])
            start += means.shape[1]

    def encode(self, continuous, codes):
        """Encode a table (continuous values, category indices) as a float array.

        Each row goes to a mode drawn from its posterior probabilities (the
        mixture's weights included), so a mode's rows keep their frequency and
        overlapping modes share the rows between them.
        """
        rng = np.random.default_rng(self._assignment_seed)
        parts = []
        for columns, (means, factors, weights) in zip(
            self._group_columns(), self.groups_
        ):
            values = continuous[:, columns]
            log_density = _log_densities(values, means, factors, weights)
            posterior = np.exp(log_density - log_density.max(axis=1, keepdims=True))
            cumulative = np.cumsum(posterior / posterior.sum(1, keepdims=True), 1)
            draws = rng.uniform(size=(len(values), 1))
            mode = np.minimum((draws > cumulative).sum(axis=1), len(means) - 1)
            offsets = np.empty_like(values)
            for k in range(len(means)):
                rows = mode == k
                offsets[rows] = solve_triangular(
                    factors[k], (values[rows] - means[k]).T, lower=True
                ).T
            parts += [
                np.clip(offsets / _OFFSET_SCALE, -_OFFSET_BOUND, _OFFSET_BOUND),
                np.eye(len(means))[mode],
            ]
        for column, n_categories in zip(codes.T, self.n_categories_):
            parts.append(np.eye(n_categories)[column])
        return np.hstack(parts) if parts else np.zeros((len(continuous), 0))

    def _blocks(self):
        """Yield ``(kind, start, width)`` of each block of the encoding."""
        start = 0
        for means, _, _ in self.groups_:
            width = means.shape[1]
            yield "offset", start, width
            yield "one_hot", start + width, len(means)
            start += width + len(means)
        for n_categories in self.n_categories_:
            yield "one_hot", start, n_categories
            start += n_categories

    def activate(self, raw, temperature=1.0):
        """Map a network's raw output to the encoding, differentiably.

        Offsets go through ``tanh``; each one-hot block is the one-hot of its arg
        max, with the gradient of ``softmax(raw / temperature)``.
        """
        parts = []
        for kind, start, width in self._blocks():
            block = raw[:, start : start + width]
            if kind == "offset":
                parts.append(torch.tanh(block))
            else:
                soft = F.softmax(block / temperature, dim=1)
                hard = F.one_hot(block.argmax(dim=1), width).to(soft.dtype)
                parts.append(hard + soft - soft.detach())
        return torch.cat(parts, dim=1)

    def _numeric_columns(self, encoded, weights_of):
        """Continuous values from offsets and per-group mode weights."""
        columns = []
        blocks = list(self._blocks())
        for index, (means, factors, _) in enumerate(self.groups_):
            means = torch.as_tensor(means, dtype=encoded.dtype, device=encoded.device)
            factors = torch.as_tensor(
                factors, dtype=encoded.dtype, device=encoded.device
            )
            (_, offset_at, width), (_, start, n_modes) = blocks[
                2 * index : 2 * index + 2
            ]
            weights = weights_of(encoded[:, start : start + n_modes])
            offsets = _OFFSET_SCALE * encoded[:, offset_at : offset_at + width]
            shifts = torch.einsum("nk,kij,nj->ni", weights, factors, offsets)
            columns.append(weights @ means + shifts)
        if not columns:
            return encoded.new_zeros(encoded.shape[0], 0)
        return torch.cat(columns, dim=1)

    def _category_blocks(self, encoded):
        blocks = list(self._blocks())[2 * len(self.groups_) :]
        return [encoded[:, start : start + width] for _, start, width in blocks]

    def decode(self, encoded):
        """Continuous values and category indices (tensors) of an encoded table."""
        numeric = self._numeric_columns(
            encoded,
            lambda block: F.one_hot(block.argmax(dim=1), block.shape[1]).to(
                block.dtype
            ),
        )
        codes = [block.argmax(dim=1) for block in self._category_blocks(encoded)]
        if not codes:
            empty = torch.zeros(encoded.shape[0], 0, dtype=torch.long)
            return numeric, empty.to(encoded.device)
        return numeric, torch.stack(codes, dim=1)

    def soft_decode(self, raw, temperature=1.0):
        """A smooth reading of a network's raw output, for gradient descent.

        Numeric values are expectations over the modes (softmax weights) and
        categories are softmax probabilities, concatenated after them.
        """
        offsets = torch.tanh(raw)
        probabilities = raw.clone()
        for kind, start, width in self._blocks():
            if kind == "one_hot":
                block = raw[:, start : start + width] / temperature
                probabilities[:, start : start + width] = F.softmax(block, dim=1)
        mixed = torch.where(self._offset_mask(raw.device), offsets, probabilities)
        numeric = self._numeric_columns(mixed, lambda block: block)
        return torch.cat([numeric, *self._category_blocks(mixed)], dim=1)

    def _offset_mask(self, device):
        mask = torch.zeros(self.n_outputs_, dtype=torch.bool, device=device)
        for kind, start, width in self._blocks():
            if kind == "offset":
                mask[start : start + width] = True
        return mask
