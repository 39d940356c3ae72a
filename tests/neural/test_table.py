"""Tests of the table layer shared by the torch estimators."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklatent.neural._table import TableEncoding, categorical_mask


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "colour": pd.Categorical(rng.choice(["red", "blue"], n)),
            "count": rng.integers(0, 9, n),
            "flag": rng.integers(0, 2, n).astype(bool),
            "unit": np.full(n, 0.001),
            "label": rng.choice(["x", "y", "z"], n).astype(object),
        }
    )


def test_kinds_of_the_columns_of_a_frame(frame):
    table = TableEncoding().fit(frame, "from_dtype")
    assert table.kinds_.tolist() == [
        "numeric",
        "categorical",
        "integer",
        "binary",
        "constant",
        "categorical",
    ]
    np.testing.assert_array_equal(table.continuous_, [0, 2])
    np.testing.assert_array_equal(table.discrete_, [1, 3, 5])
    assert table.n_categories_ == [2, 2, 3]


def test_frame_round_trip_keeps_values_columns_and_dtypes(frame):
    table = TableEncoding().fit(frame, "from_dtype")
    back = table.decode(*table.encode(frame))
    pd.testing.assert_frame_equal(back, frame)


def test_without_categorical_features_a_string_column_is_an_error(frame):
    with pytest.raises(ValueError, match="Column 1 .'colour'. of X is not numeric"):
        TableEncoding().fit(frame, None)


# A column of each kind: (values, kind), drawn for property tests.
_numeric = hnp.arrays(
    np.float64, 12, elements=st.floats(-1e3, 1e3, allow_nan=False), unique=True
)
_integer = hnp.arrays(np.int64, 12, elements=st.integers(-50, 50), unique=True)


@given(
    numeric=_numeric,
    integer=_integer,
    binary=st.lists(st.sampled_from([2.0, 7.5]), min_size=12, max_size=12).filter(
        lambda values: len(set(values)) == 2
    ),
    constant=st.floats(-1e3, 1e3, allow_nan=False),
)
def test_array_round_trip_is_exact(numeric, integer, binary, constant):
    X = np.column_stack([numeric, integer, binary, np.full(12, constant)])
    table = TableEncoding().fit(X)
    assert table.kinds_.tolist() == ["numeric", "integer", "binary", "constant"]
    continuous, codes = table.encode(X)
    assert continuous.shape == (12, 2) and codes.shape == (12, 1)
    np.testing.assert_array_equal(table.decode(continuous, codes), X)


@given(
    st.lists(st.floats(-100, 100), min_size=8, max_size=8),
    st.integers(0, 2**32 - 1),
)
def test_decoded_values_are_of_their_column_kind(shift, seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [rng.normal(size=30), rng.integers(0, 20, 30), np.full(30, 0.001)]
    )
    table = TableEncoding().fit(X)
    noisy = table.encode(X)[0][:8] + np.column_stack([shift, shift])
    decoded = table.decode(noisy, np.zeros((8, 0), dtype=int))
    np.testing.assert_array_equal(decoded[:, 1], np.rint(decoded[:, 1]))
    np.testing.assert_array_equal(decoded[:, 2], 0.001)
    clipped = table.decode(noisy, np.zeros((8, 0), dtype=int), clip=True)
    assert np.all(clipped[:, :2] >= X[:, :2].min(axis=0))
    assert np.all(clipped[:, :2] <= X[:, :2].max(axis=0))
    inside = (noisy >= table.min_) & (noisy <= table.max_)
    np.testing.assert_array_equal(
        clipped[:, 0][inside[:, 0]], noisy[:, 0][inside[:, 0]]
    )


def test_categories_come_back_as_seen_in_an_object_array():
    X = np.array([[0.1, "a"], [0.5, "b"], [0.9, "a"]], dtype=object)
    table = TableEncoding().fit(X, [1])
    continuous, codes = table.encode(X)
    np.testing.assert_array_equal(codes[:, 0], [0, 1, 0])
    back = table.decode(continuous, np.array([[1], [1], [0]]))
    assert back.dtype == object
    assert back[:, 1].tolist() == ["b", "b", "a"]


def test_numeric_categories_give_a_float_array():
    X = np.array([[0.1, 1], [0.5, 5], [0.9, 2], [0.3, 1]])
    table = TableEncoding().fit(X, [1])
    back = table.decode(*table.encode(X))
    assert back.dtype == np.float64
    np.testing.assert_array_equal(back, X)


def test_unseen_values_of_discrete_columns_are_rejected():
    X = np.array([[0.1, 0.0, 3], [0.5, 1.0, 4], [0.7, 1.0, 4]])
    table = TableEncoding().fit(X, [2])
    with pytest.raises(ValueError, match="value 2.0, not seen in fit"):
        table.encode(np.array([[0.2, 2.0, 3]]))
    with pytest.raises(ValueError, match="value 5.0, not seen in fit"):
        table.encode(np.array([[0.2, 1.0, 5]]))


@given(st.sampled_from([None, np.nan]), st.integers(0, 3))
def test_missing_categories_are_rejected(missing, row):
    X = np.array([[0.1, "a"], [0.2, "b"], [0.3, "a"], [0.4, "b"]], dtype=object)
    X[row, 1] = missing
    with pytest.raises(ValueError, match="missing values"):
        TableEncoding().fit(X, [1])


@given(st.sampled_from([np.nan, np.inf, -np.inf, 1e39]), st.integers(0, 3))
def test_non_finite_or_huge_numbers_are_rejected(bad, row):
    X = np.ones((4, 2))
    X[:, 0] = [0.1, 0.2, 0.3, 0.4]
    X[row, 0] = bad
    with pytest.raises(ValueError, match="NaN|infinity|float32"):
        TableEncoding().fit(X)


def test_one_hot_blocks_sit_side_by_side():
    # Columns 0 and 2 are binary, column 1 categorical: blocks in column order.
    X = np.array([[0.0, 1, 5], [1.0, 2, 6], [1.0, 3, 5]])
    table = TableEncoding().fit(X, [1])
    _, codes = table.encode(X)
    np.testing.assert_array_equal(
        table.one_hot(codes),
        [[1, 0, 1, 0, 0, 1, 0], [0, 1, 0, 1, 0, 0, 1], [0, 1, 0, 0, 1, 1, 0]],
    )


def test_categorical_specs_agree(frame):
    names = np.asarray(frame.columns, dtype=object)
    specs = [
        [False, True, False, False, False, True],
        [1, 5],
        ["colour", "label"],
        "from_dtype",
    ]
    masks = [categorical_mask(spec, frame, names) for spec in specs]
    for mask in masks:
        np.testing.assert_array_equal(mask, masks[0])
    assert not categorical_mask("from_dtype", frame.to_numpy()).any()
    assert not categorical_mask(None, frame).any()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([True, False], "one entry per feature"),
        ([7], "out of range"),
        ([-1], "out of range"),
        (["shade"], "not columns"),
        ([0.5], "boolean mask, integer indices"),
    ],
)
def test_bad_categorical_specs_are_rejected(frame, spec, message):
    names = np.asarray(frame.columns, dtype=object)
    with pytest.raises(ValueError, match=message):
        categorical_mask(spec, frame, names)


def test_column_names_need_a_frame():
    with pytest.raises(ValueError, match="needs X to be a DataFrame"):
        categorical_mask(["colour"], np.zeros((3, 2)))
