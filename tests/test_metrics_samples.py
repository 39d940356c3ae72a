"""Tests of the sample-based scores in sklatent.metrics."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist
from scipy.stats import energy_distance as scipy_energy_distance
from sklearn.linear_model import LogisticRegression

from sklatent.datasets import make_gaussian_grid
from sklatent.metrics import (
    c2st_score,
    energy_distance,
    make_sample_scorer,
    mmd,
    mode_coverage,
)

finite = st.floats(-1e3, 1e3, allow_nan=False)


@given(
    arrays(np.float64, st.integers(1, 12), elements=finite),
    arrays(np.float64, st.integers(1, 12), elements=finite),
)
def test_energy_distance_matches_scipy_on_one_column(x, y):
    expected = scipy_energy_distance(x, y)
    assert energy_distance(x[:, None], y[:, None]) == pytest.approx(
        expected, rel=1e-7, abs=1e-7
    )


def test_energy_distance_with_weights_matches_repeated_rows():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    counts = np.array([1, 3, 2, 1, 4])
    weighted = energy_distance(X, Y, sample_weight_X=counts)
    assert weighted == pytest.approx(energy_distance(np.repeat(X, counts, 0), Y))


def test_mmd_matches_brute_force():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(6, 2)), rng.normal(1, 1, size=(4, 2))
    gamma = 0.3

    def mean_kernel(A, B):
        return np.exp(-gamma * cdist(A, B, "sqeuclidean")).mean()

    expected = mean_kernel(X, X) + mean_kernel(Y, Y) - 2 * mean_kernel(X, Y)
    assert mmd(X, Y, gamma=gamma) == pytest.approx(expected)


@given(arrays(np.float64, (8, 2), elements=finite))
def test_two_sample_distances_vanish_between_a_sample_and_itself(X):
    assert energy_distance(X, X) == pytest.approx(0, abs=1e-6)
    assert mmd(X, X) == pytest.approx(0, abs=1e-9)


def test_c2st_is_near_chance_for_one_distribution_and_high_for_two():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    same = c2st_score(X, rng.normal(size=(300, 3)), random_state=0)
    different = c2st_score(X, rng.normal(2, 1, (300, 3)), random_state=0)
    assert abs(same - 0.5) < 0.1
    assert different > 0.9
    auc = c2st_score(
        X,
        rng.normal(2, 1, (300, 3)),
        classifier=LogisticRegression(),
        scoring="roc_auc",
        random_state=0,
    )
    assert auc > 0.95


def test_mode_coverage_matches_brute_force_on_a_tiny_case():
    centers = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    X = np.array([[0.01, 0.0], [0.02, 0.01], [1.0, 0.02], [0.5, 0.5], [0.0, 1.3]])
    result = mode_coverage(X, centers, std=0.05, min_fraction=0.5)
    # Brute force: distance to every centre, high quality within 0.15.
    good = [x for x in X if min(np.hypot(*(x - c)) for c in centers) <= 0.15]
    counts = np.zeros(3)
    for x in good:
        counts[np.argmin([np.hypot(*(x - c)) for c in centers])] += 1
    np.testing.assert_array_equal(result.mode_counts, counts)
    assert result.high_quality == pytest.approx(len(good) / len(X))
    p = counts / counts.sum()
    expected_kl = sum(pi * np.log(pi * 3) for pi in p if pi > 0)
    assert result.reverse_kl == pytest.approx(expected_kl)
    # 3 high-quality points, so a mode needs 0.5 * 1/3 * 3 = 0.5 of them: two modes.
    assert result.modes_covered == 2


def test_mode_coverage_of_the_true_distribution():
    X, _, centers = make_gaussian_grid(5000, random_state=0)
    result = mode_coverage(X, centers, std=0.05)
    assert result.modes_covered == 25
    assert result.high_quality > 0.98
    assert result.reverse_kl < 0.01


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: energy_distance(np.ones((3, 2)), np.ones((3, 3))), "same number"),
        (lambda: energy_distance([[np.nan, 1]], [[1, 1]]), "NaN"),
        (lambda: mmd([[np.inf, 1]], [[1, 1]]), "infinity"),
        (lambda: c2st_score(np.ones((3, 2)), np.ones((3, 2))), "at least cv"),
        (lambda: mode_coverage(np.ones((3, 2)), np.ones((2, 3)), 0.1), "same space"),
        (lambda: mode_coverage(np.ones((3, 2)), np.ones((2, 2)), -1), "std"),
        (
            lambda: energy_distance(
                np.ones((3, 2)), np.ones((2, 2)), sample_weight_X=[1]
            ),
            "one weight per row",
        ),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


class _ShiftedNormalSampler:
    """The smallest thing with a ``sample`` method: a shifted standard normal."""

    def __init__(self, shift):
        self.shift = shift

    def sample(self, n_samples, *, random_state=None):
        rng = np.random.default_rng(random_state)
        return rng.normal(self.shift, 1, size=(n_samples, 2)), None


def test_sample_scorer_is_minus_the_distance_to_fixed_model_samples():
    X = np.random.default_rng(5).normal(size=(200, 2))
    scorer = make_sample_scorer(n_samples=300, random_state=4)
    model = _ShiftedNormalSampler(0.0)
    expected = -energy_distance(X, model.sample(300, random_state=4)[0])
    assert scorer(model, X) == pytest.approx(expected)
    assert scorer(model, X) == scorer(model, X)
    assert scorer(model, X) > scorer(_ShiftedNormalSampler(1.0), X)
