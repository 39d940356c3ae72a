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
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

__all__ = ["ModeEncoding"]

# CTGAN's settings: at most 10 modes per column, modes below 0.5 % weight dropped.
_MAX_MODES = 10
_MIN_MODE_WEIGHT = 5e-3
# Rows on which the mixture of a column is fitted; responsibilities use every row.
_MIXTURE_ROWS = 5000
# Offsets are measured in units of this many standard deviations of the mode.
_OFFSET_SCALE = 4.0
# Offsets are kept inside (-1, 1), the range of the tanh that generates them.
_OFFSET_BOUND = 0.99


def _column_modes(values, seed):
    """Means and standard deviations of the modes of one numeric column."""
    n_unique = np.unique(values).size
    if n_unique == 1:
        return values[:1].copy(), np.ones(1)
    rng = np.random.default_rng(seed)
    subset = values
    if values.size > _MIXTURE_ROWS:
        subset = values[rng.choice(values.size, _MIXTURE_ROWS, replace=False)]
    mixture = BayesianGaussianMixture(
        n_components=min(_MAX_MODES, n_unique),
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=1e-3,
        max_iter=100,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mixture.fit(subset[:, None])
    keep = mixture.weights_ > _MIN_MODE_WEIGHT
    responsibilities = mixture.predict_proba(values[:, None])[:, keep]
    # The mixture's prior inflates the spread of tight modes; re-estimate the
    # means and spreads from the responsibilities alone.
    mass = responsibilities.sum(axis=0)
    used = mass > 0
    responsibilities, mass = responsibilities[:, used], mass[used]
    means = responsibilities.T @ values / mass
    spreads = np.sqrt((responsibilities * (values[:, None] - means) ** 2).sum(0) / mass)
    floor = max(1e-3 * values.std(), np.finfo(np.float64).tiny)
    return means, np.maximum(spreads, floor)


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
        Seed of the mixture fits.

    Attributes
    ----------
    modes_ : list of (ndarray, ndarray)
        Means and standard deviations of the modes of each continuous column.
    n_categories_ : list of int
        The number of categories of each discrete column.
    n_outputs_ : int
        Width of the encoded table.
    """

    def __init__(self, continuous, n_categories, seed):
        seeds = np.random.SeedSequence(seed).generate_state(continuous.shape[1])
        self.modes_ = [
            _column_modes(column, int(column_seed))
            for column, column_seed in zip(continuous.T, seeds)
        ]
        self.n_categories_ = list(n_categories)
        self.n_outputs_ = sum(1 + len(means) for means, _ in self.modes_) + sum(
            self.n_categories_
        )

    def _mode_tensors(self, dtype, device):
        return [
            (
                torch.as_tensor(means, dtype=dtype, device=device),
                torch.as_tensor(spreads, dtype=dtype, device=device),
            )
            for means, spreads in self.modes_
        ]

    def encode(self, continuous, codes):
        """Encode a table (continuous values, category indices) as a float array."""
        parts = []
        for column, (means, spreads) in zip(continuous.T, self.modes_):
            # Each value goes to its most likely mode.
            log_density = -0.5 * ((column[:, None] - means) / spreads) ** 2 - np.log(
                spreads
            )
            mode = log_density.argmax(axis=1)
            offset = (column - means[mode]) / (_OFFSET_SCALE * spreads[mode])
            parts += [
                np.clip(offset, -_OFFSET_BOUND, _OFFSET_BOUND)[:, None],
                np.eye(len(means))[mode],
            ]
        for column, n_categories in zip(codes.T, self.n_categories_):
            parts.append(np.eye(n_categories)[column])
        return np.hstack(parts) if parts else np.zeros((len(continuous), 0))

    def _blocks(self):
        """Yield ``(kind, start, width)`` of each block of the encoding."""
        start = 0
        for means, _ in self.modes_:
            yield "offset", start, 1
            yield "one_hot", start + 1, len(means)
            start += 1 + len(means)
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
        """Numeric values from offsets and per-block mode weights."""
        columns = []
        blocks = list(self._blocks())
        for index, (means, spreads) in enumerate(
            self._mode_tensors(encoded.dtype, encoded.device)
        ):
            (_, offset_at, _), (_, start, width) = blocks[2 * index : 2 * index + 2]
            weights = weights_of(encoded[:, start : start + width])
            scale = _OFFSET_SCALE * (weights @ spreads)
            columns.append(weights @ means + scale * encoded[:, offset_at])
        if not columns:
            return encoded.new_zeros(encoded.shape[0], 0)
        return torch.stack(columns, dim=1)

    def _category_blocks(self, encoded):
        blocks = list(self._blocks())[2 * len(self.modes_) :]
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
        for kind, start, _ in self._blocks():
            if kind == "offset":
                mask[start] = True
        return mask
