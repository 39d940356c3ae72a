"""Tests of the sample-based scores in sklatent.metrics."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist, pdist
from scipy.stats import energy_distance as scipy_energy_distance
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from sklatent.datasets import make_gaussian_grid
from sklatent.metrics import c2st_score, energy_distance, mmd, mode_coverage

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


def test_mmd_with_weights_matches_repeated_rows():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(4, 2))
    counts_X, counts_Y = np.array([1, 3, 2, 1, 4]), np.array([2, 1, 1, 3])
    weighted = mmd(X, Y, gamma=0.5, sample_weight_X=counts_X, sample_weight_Y=counts_Y)
    repeated = mmd(np.repeat(X, counts_X, 0), np.repeat(Y, counts_Y, 0), gamma=0.5)
    assert weighted == pytest.approx(repeated)


def test_mmd_bandwidth_is_the_median_heuristic_on_small_samples():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(40, 3)), rng.normal(0.5, 1, size=(30, 3))
    median = np.median(pdist(np.vstack([X, Y]), "sqeuclidean"))
    assert mmd(X, Y) == pytest.approx(mmd(X, Y, gamma=1 / median), rel=1e-12)


def test_mmd_bandwidth_on_large_samples_is_close_to_the_full_median():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(900, 3)), rng.normal(0.5, 1, size=(900, 3))
    median = np.median(pdist(np.vstack([X, Y]), "sqeuclidean"))
    assert mmd(X, Y) == pytest.approx(mmd(X, Y, gamma=1 / median), rel=0.05)


def test_mmd_does_not_build_the_pooled_distance_matrix():
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(2000, 5)), rng.normal(size=(2000, 5))
    tracemalloc.start()
    mmd(X, Y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    pooled_matrix = (len(X) + len(Y)) ** 2 * 8
    assert peak < pooled_matrix / 4


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


@pytest.mark.parametrize("sizes", [(100, 900), (900, 100)], ids=["100-900", "900-100"])
def test_c2st_of_unequal_samples_of_one_distribution_is_near_chance(sizes):
    rng = np.random.default_rng(6)
    X_real, X_generated = (rng.normal(size=(n, 3)) for n in sizes)
    accuracy = c2st_score(X_real, X_generated, random_state=0)
    auc = c2st_score(X_real, X_generated, scoring="roc_auc", random_state=0)
    assert abs(accuracy - 0.5) < 0.1
    assert abs(auc - 0.5) < 0.1


@pytest.mark.parametrize("sizes", [(100, 900), (900, 100)], ids=["100-900", "900-100"])
def test_c2st_balances_the_classes(sizes):
    # Always answering the larger class would score 0.9 on unbalanced classes.
    rng = np.random.default_rng(7)
    X_real, X_generated = (rng.normal(size=(n, 2)) for n in sizes)
    majority = DummyClassifier(strategy="most_frequent")
    assert c2st_score(X_real, X_generated, classifier=majority, random_state=0) == 0.5


def test_c2st_tells_unequal_samples_of_two_distributions_apart():
    rng = np.random.default_rng(8)
    different = c2st_score(
        rng.normal(size=(100, 3)), rng.normal(2, 1, (900, 3)), random_state=0
    )
    assert different > 0.9


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
