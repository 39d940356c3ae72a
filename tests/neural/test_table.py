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


@given(st.sampled_from([None, np.nan, pd.NA, pd.NaT]), st.integers(0, 3))
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


@pytest.mark.parametrize(
    "dtype, low, high",
    [("uint8", 0, 2), ("int8", 120, 127), ("Int16", -5, 5), ("uint64", 0, 9)],
)
def test_generated_integers_stay_inside_their_dtype(dtype, low, high):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"x": rng.normal(size=30), "n": rng.integers(low, high + 1, 30)}
    ).astype({"n": dtype})
    table = TableEncoding().fit(frame)
    continuous, codes = table.encode(frame)
    # Far outside the training values on both sides, as an untrained model draws.
    continuous[:, 1] = np.linspace(-400.0, 1e30, len(continuous))
    back = table.decode(continuous, codes)
    assert back["n"].dtype == frame["n"].dtype
    limits = np.iinfo(frame["n"].dtype.numpy_dtype if dtype == "Int16" else dtype)
    values = back["n"].to_numpy(dtype=np.float64)
    assert values.min() == max(limits.min, -400) and values.max() > 1e2


def test_numbers_of_a_bool_column_are_thresholded():
    frame = pd.DataFrame({"flag": [True, False, True], "x": [0.1, 0.5, 0.2]})
    table = TableEncoding().fit(frame)
    # A stream's first batch models every numeric column as a number.
    table.kinds_ = np.array(["numeric", "numeric"])
    table.continuous_, table.discrete_, table.categories_ = np.arange(2), [], []
    back = table.decode(
        np.array([[0.7, 0.0], [0.3, 0.0], [-2.0, 0.0]]), np.zeros((3, 0), dtype=int)
    )
    assert back["flag"].tolist() == [True, False, False]


def test_a_categorical_dtype_of_numbers_modelled_as_a_number_keeps_its_categories():
    frame = pd.DataFrame({"level": pd.Categorical([1.5, 2.5, 10.0, 2.5, 1.5])})
    table = TableEncoding().fit(frame, categorical_features=None)
    assert table.kinds_.tolist() == ["numeric"]
    continuous = np.array([[-3.0], [2.1], [6.0], [6.4], [99.0]])
    back = table.decode(continuous, np.zeros((5, 0), dtype=int))
    assert back["level"].tolist() == [1.5, 2.5, 2.5, 10.0, 10.0]
    assert back["level"].dtype == frame["level"].dtype


def test_an_all_categorical_frame_round_trips(frame):
    categories = frame[["colour", "label"]]
    table = TableEncoding().fit(categories, "from_dtype")
    assert table.continuous_.size == 0
    pd.testing.assert_frame_equal(table.decode(*table.encode(categories)), categories)


def test_dates_are_rejected_with_their_column_named():
    frame = pd.DataFrame(
        {"x": [0.1, 0.2, 0.3], "when": pd.date_range("2020", periods=3)}
    )
    with pytest.raises(ValueError, match=r"Column 1 \('when'\).*dates"):
        TableEncoding().fit(frame)


def test_complex_columns_are_rejected_with_their_column_named():
    frame = pd.DataFrame({"x": [0.1, 0.2, 0.3], "z": np.arange(3) + 5j})
    with pytest.raises(ValueError, match=r"Column 1 \('z'\) of X holds complex"):
        TableEncoding().fit(frame)


def test_integers_beyond_exact_floats_are_rejected_with_their_column_named():
    exact = pd.DataFrame({"x": [0.1, 0.2, 0.3], "id": np.full(3, 2**53 - 1)})
    table = TableEncoding().fit(exact)
    assert table.decode(*table.encode(exact))["id"].tolist() == [2**53 - 1] * 3
    for dtype in ("int64", "uint64", "Int64"):
        ids = exact.assign(id=pd.array([2**53 + 1, 5, 7], dtype=dtype))
        with pytest.raises(ValueError, match=r"Column 1 \('id'\).*2\*\*53"):
            TableEncoding().fit(ids)


@pytest.mark.parametrize("bad", [np.nan, np.inf, pd.NA])
def test_missing_numbers_of_a_frame_name_their_column(bad):
    frame = pd.DataFrame(
        {"x": [0.1, 0.2, 0.3], "c": ["a", "b", "a"], "y": pd.array([1, 2, 3])}
    )
    frame = frame.astype({"y": "Float64"})
    frame.loc[1, "y"] = bad
    with pytest.raises(ValueError, match=r"Column 2 \('y'\) of X holds NaN"):
        TableEncoding().fit(frame, "from_dtype")


def test_later_batches_widen_the_training_range():
    table = TableEncoding().fit(np.array([[0.0, 1.5], [1.0, 2.5], [0.5, 9.0]]))
    table.widen_range(np.array([[-3.0, 2.0], [0.2, 20.0]]))
    np.testing.assert_array_equal(table.min_, [-3.0, 1.5])
    np.testing.assert_array_equal(table.max_, [1.0, 20.0])


def test_categories_of_mixed_types_are_rejected_with_their_column_named():
    X = np.array([[0.1, "a"], [0.2, 1], [0.3, "b"]], dtype=object)
    with pytest.raises(ValueError, match=r"column 1 of X mixes values of types"):
        TableEncoding().fit(X, [1])
