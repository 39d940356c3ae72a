"""Tests of the GAN's representation of numeric columns (modes and offsets)."""

import numpy as np
import pytest
import torch

from sklatent.datasets import make_gaussian_grid
from sklatent.neural._modes import ModeEncoding


def _diagonal_clusters(n_rows=600, seed=0):
    """Three tight clusters along the diagonal, stretched across it."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n_rows)
    along = 0.1 * rng.standard_normal(n_rows) + 2.0 * (labels - 1.0)
    across = rng.standard_normal(n_rows)
    X = np.column_stack([along - across, along + across]) / np.sqrt(2)
    return X, labels


@pytest.mark.parametrize("joint", [False, True])
def test_encoding_round_trips(joint):
    X, _ = _diagonal_clusters()
    codes = np.random.default_rng(1).integers(0, 3, (len(X), 1))
    encoding = ModeEncoding(X, [3], seed=0, joint=joint)
    encoded = encoding.encode(X, codes)
    assert encoded.shape == (len(X), encoding.n_outputs_)
    continuous, decoded_codes = encoding.decode(torch.as_tensor(encoded))
    # Rows beyond four standard deviations of their mode are clipped there.
    exact = np.isclose(continuous.numpy(), X, rtol=0, atol=1e-9).all(axis=1)
    assert exact.mean() > 0.99
    np.testing.assert_array_equal(decoded_codes.numpy(), codes)


def test_joint_modes_separate_clusters_that_columns_alone_mix():
    X, labels = _diagonal_clusters()
    encoding = ModeEncoding(X, [], seed=0, joint=True)
    means = encoding.groups_[0][0]
    modes = encoding.encode(X, np.zeros((len(X), 0), dtype=int))[:, 2:].argmax(1)
    # Every mode holds the rows of one cluster.
    for mode in np.unique(modes):
        counts = np.bincount(labels[modes == mode], minlength=3)
        assert counts.max() > 0.95 * counts.sum()
    assert len(means) >= 3


def test_modes_are_drawn_with_their_posterior_frequencies():
    # Two modes of weights 0.7 and 0.3 around the same mean: the arg max of the
    # density would give the wide one only the rows of the tails (about 19 %).
    rng = np.random.default_rng(0)
    wide = rng.random(20000) < 0.3
    X = np.where(wide, rng.normal(0, 2.0, 20000), rng.normal(0, 0.5, 20000))[:, None]
    encoding = ModeEncoding(X[:50], [], seed=0)
    encoding.groups_ = [
        (np.zeros((2, 1)), np.array([[[0.5]], [[2.0]]]), np.array([0.7, 0.3]))
    ]
    modes = encoding.encode(X, np.zeros((len(X), 0), dtype=int))[:, 1:].argmax(1)
    np.testing.assert_allclose(np.bincount(modes) / len(X), [0.7, 0.3], atol=0.02)


def test_a_joint_mixture_gets_more_modes_when_rows_allow():
    X, _, _ = make_gaussian_grid(5000, random_state=0)
    weights = ModeEncoding(X, [], seed=0, joint=True).groups_[0][2]
    # 25 clusters need 25 joint modes (five per column would do one at a time).
    assert len(weights) >= 25
    small = ModeEncoding(X[:300], [], seed=0, joint=True).groups_[0][2]
    assert len(small) <= 10
