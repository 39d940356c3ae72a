"""Tests of the mode-collapse benchmark data sets."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklatent.datasets import make_gaussian_grid, make_gaussian_ring


def test_grid_has_the_standard_centres():
    X, modes, centers = make_gaussian_grid(4000, random_state=0)
    axis = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    expected = np.array([[a, b] for a in axis for b in axis])
    np.testing.assert_array_equal(centers, expected)
    assert X.shape == (4000, 2)
    np.testing.assert_array_equal(np.unique(modes), np.arange(25))
    residuals = X - centers[modes]
    assert residuals.std() == pytest.approx(0.05, rel=0.05)


def test_ring_centres_lie_on_the_circle():
    X, modes, centers = make_gaussian_ring(
        2000, n_modes=6, radius=2.0, std=0.1, random_state=1
    )
    np.testing.assert_allclose(np.hypot(*centers.T), 2.0)
    angles = np.sort(np.arctan2(centers[:, 1], centers[:, 0]) % (2 * np.pi))
    np.testing.assert_allclose(np.diff(angles), 2 * np.pi / 6)
    assert (X - centers[modes]).std() == pytest.approx(0.1, rel=0.07)


@given(st.integers(1, 50), st.integers(0, 2**31 - 1))
def test_same_seed_same_data(n_samples, seed):
    for make in (make_gaussian_grid, make_gaussian_ring):
        first, second = (
            make(n_samples, random_state=seed),
            make(n_samples, random_state=seed),
        )
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [make_gaussian_grid, make_gaussian_ring])
@pytest.mark.parametrize(
    "kwargs", [{"n_samples": 0}, {"std": -1.0}, {"n_samples": 2.5}]
)
def test_bad_parameters_are_rejected(make, kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        make(**kwargs)
