"""Tests of make_mixed_table: the structure it promises is in the rows."""

import numpy as np
import pytest

from sklatent.datasets import make_mixed_table


@pytest.fixture(scope="module")
def table():
    return make_mixed_table(4000, as_frame=True, random_state=0)


def test_column_kinds(table):
    X, y = table
    assert X["unit"].nunique() == 1
    assert set(X["flag"]) == {0, 1}
    assert X["count"].dtype.kind == "i" and X["count"].nunique() > 2
    assert list(X["colour"].cat.categories) == ["blue", "green", "red"]
    assert (X["income"] > 0).all()
    np.testing.assert_allclose(np.bincount(y) / len(y), [0.5, 0.3, 0.2], atol=0.03)


def test_groups_differ_along_the_diagonal_only(table):
    X, y = table
    diagonal = (X["x1"] + X["x2"]).to_numpy() / np.sqrt(2)
    anti = (X["x2"] - X["x1"]).to_numpy() / np.sqrt(2)
    for group, centre in enumerate([-2.0, 0.0, 2.0]):
        rows = y == group
        assert diagonal[rows].mean() == pytest.approx(centre * np.sqrt(2), abs=0.1)
        assert diagonal[rows].std() == pytest.approx(0.3, abs=0.05)
        assert anti[rows].std() == pytest.approx(1.5, abs=0.1)


def test_flag_sets_the_sign_of_a_correlation_with_equal_marginals(table):
    X, _ = table
    for flag, sign in [(0, -1), (1, 1)]:
        rows = X[X["flag"] == flag]
        assert np.corrcoef(rows["x3"], rows["x4"])[0, 1] == pytest.approx(
            0.9 * sign, abs=0.05
        )
        assert rows["x4"].std() == pytest.approx(1.0, abs=0.1)


def test_array_form_matches_the_frame():
    X, y = make_mixed_table(50, random_state=3)
    frame, y_frame = make_mixed_table(50, as_frame=True, random_state=3)
    np.testing.assert_array_equal(y, y_frame)
    np.testing.assert_array_equal(X[:, 7], frame["colour"].cat.codes)
    np.testing.assert_array_equal(X[:, :7], frame.iloc[:, :7].to_numpy(float))
