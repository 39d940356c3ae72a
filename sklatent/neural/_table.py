"""The table layer of the torch family: what each column of a table is, and back.

A generator of tables must give back a table like the one it learned from: numbers
in the units of the data, integers as integers, constant columns constant, and
categories only as seen. :class:`TableEncoding` learns, from a training table (a
numpy array or a pandas DataFrame), the kind of each column:

- ``"categorical"``: named in ``categorical_features`` (or, with
  ``"from_dtype"``, a DataFrame column of a categorical, object or string dtype);
  it takes one of the categories seen in training;
- ``"constant"``: a numeric column with one value in training; models never see
  it, and it comes back as that value;
- ``"binary"``: a numeric (or bool) column with exactly two values; it is handed
  to models as a category with two levels and comes back as one of its values;
- ``"integer"``: a numeric column of integer values only (more than two); it is a
  number to the models and comes back rounded to an integer;
- ``"numeric"``: any other numeric column.

:meth:`TableEncoding.encode` splits a table into what a model learns: a float
array of the ``"numeric"`` and ``"integer"`` columns (the *continuous* part) and an
integer array of category indices of the ``"categorical"`` and ``"binary"`` columns
(the *discrete* part). :meth:`TableEncoding.decode` is the way back, in the user's
format (a DataFrame with the training columns and dtypes when fitted on one,
each number made into a value its dtype holds), optionally clipping numbers to the
range seen in training.
"""

import numpy as np

__all__ = ["COLUMN_KINDS", "TableEncoding", "categorical_mask"]

#: The kinds of column that :class:`TableEncoding` tells apart.
COLUMN_KINDS = ("numeric", "integer", "binary", "constant", "categorical")
_CONTINUOUS = ("numeric", "integer")
_DISCRETE = ("categorical", "binary")
_FLOAT32_MAX = float(np.finfo(np.float32).max)
# Integers from this magnitude on are not all float64 numbers.
_EXACT_INTEGERS = 2.0**53


def is_frame(X):
    """Whether ``X`` is a pandas DataFrame (without importing pandas)."""
    return hasattr(X, "iloc") and hasattr(X, "dtypes")


def _dtype_is_categorical(dtype):
    return dtype.kind in "OSU" or dtype.name in ("category", "string", "str")


def categorical_mask(categorical_features, X, feature_names=None):
    """The boolean mask of categorical columns that ``categorical_features`` names.

    Parameters
    ----------
    categorical_features : array-like of {bool, int, str}, "from_dtype" or None
        A boolean mask, integer indices or column names (with a DataFrame, as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`);
        ``"from_dtype"`` takes the DataFrame columns of a categorical, object or
        string dtype (none for an array); None means no categorical column.
    X : ndarray or DataFrame of shape (n_samples, n_features)
        The table.
    feature_names : ndarray of str, default=None
        The column names of ``X``, when it has string names.

    Returns
    -------
    mask : ndarray of bool of shape (n_features,)

    Raises
    ------
    ValueError
        If the mask has the wrong length, an index is out of range, a name is not
        a column, or names are given without a DataFrame.
    """
    n_features = X.shape[1]
    mask = np.zeros(n_features, dtype=bool)
    spec = categorical_features
    if spec is None:
        return mask
    if isinstance(spec, str) and spec == "from_dtype":
        if is_frame(X):
            mask[:] = [_dtype_is_categorical(dtype) for dtype in X.dtypes]
        return mask
    spec = np.asarray(spec)
    if spec.size == 0:
        return mask
    if spec.dtype.kind == "b":
        if spec.shape != (n_features,):
            raise ValueError(
                f"categorical_features as a boolean mask must have one entry per "
                f"feature ({n_features}), got shape {spec.shape}."
            )
        return spec.copy()
    if spec.dtype.kind in "OUS":
        if feature_names is None:
            raise ValueError(
                "categorical_features given as column names needs X to be a "
                "DataFrame with string column names; pass indices or a boolean "
                "mask instead."
            )
        unknown = sorted(set(spec.tolist()) - set(feature_names.tolist()))
        if unknown:
            raise ValueError(
                f"categorical_features names {unknown} that are not columns of "
                f"X; the columns are {feature_names.tolist()}."
            )
        mask[np.isin(feature_names, spec)] = True
        return mask
    if spec.dtype.kind not in "iu":
        raise ValueError(
            "categorical_features must be a boolean mask, integer indices, column "
            f"names or 'from_dtype', got values of dtype {spec.dtype}."
        )
    out_of_range = spec[(spec < 0) | (spec >= n_features)]
    if out_of_range.size:
        raise ValueError(
            f"categorical_features index {out_of_range[0]} is out of range for X "
            f"with {n_features} features; indices must be in [0, {n_features - 1}]."
        )
    mask[spec] = True
    return mask


def is_missing(values):
    """Mask of missing entries (None, NaN, and pandas' NA and NaT) in an object
    array."""
    try:
        from pandas import isna
    except ImportError:  # without pandas, None and NaN are the missing values
        # NaN is the one value that differs from itself.
        return np.equal(values, None) | (values != values)
    return np.asarray(isna(values), dtype=bool)


def _numeric_kind(values):
    distinct = np.unique(values)
    if distinct.size == 1:
        return "constant", distinct
    if distinct.size == 2:
        return "binary", distinct
    if np.all(distinct == np.rint(distinct)):
        return "integer", distinct
    return "numeric", distinct


def _dtype_as_data(dtype):
    """A numpy or pandas dtype as strings and arrays (see :func:`_dtype_from_data`)."""
    if isinstance(dtype, np.dtype):
        return "numpy", dtype.str
    categories = getattr(dtype, "categories", None)
    if categories is not None:
        return "category", categories.to_numpy(), bool(dtype.ordered)
    if str(dtype) == "string":  # the name leaves out where the strings are kept
        return "pandas", f"string[{dtype.storage}]"
    return "pandas", str(dtype)


def _dtype_from_data(data):
    import pandas as pd

    kind, *description = data
    if kind == "numpy":
        return np.dtype(description[0])
    if kind == "category":
        categories, ordered = description
        return pd.CategoricalDtype(pd.Index(categories), ordered=ordered)
    return pd.api.types.pandas_dtype(description[0])


def check_float32_range(X, name="X"):
    """Raise if a float array holds values beyond float32's range."""
    largest = np.abs(X).max() if X.size else 0.0
    if largest > _FLOAT32_MAX:
        raise ValueError(
            f"{name} holds values of magnitude up to {largest:.3g}, beyond float32's "
            f"range ({_FLOAT32_MAX:.3g}) in which torch trains; rescale {name}."
        )


class TableEncoding:
    """The kinds of the columns of a table, learned from training rows, and the
    way from the table to what a model learns and back (see the module
    docstring).

    Attributes
    ----------
    kinds_ : ndarray of str of shape (n_features,)
        The kind of each column, one of :data:`COLUMN_KINDS`.
    categorical_mask_ : ndarray of bool of shape (n_features,)
        Which columns are categorical.
    continuous_ : ndarray of int
        Indices of the ``"numeric"`` and ``"integer"`` columns, in order.
    discrete_ : ndarray of int
        Indices of the ``"categorical"`` and ``"binary"`` columns, in order.
    categories_ : list of ndarray
        The sorted values seen in each discrete column.
    constants_ : dict of int to float
        The value of each constant column.
    min_ , max_ : ndarray of shape (n_continuous,)
        The range of each continuous column in training.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.neural._table import TableEncoding
    >>> X = np.array([[0.5, 1, 3, 7], [1.5, 0, 4, 7], [2.0, 1, 9, 7]])
    >>> table = TableEncoding().fit(X)
    >>> table.kinds_.tolist()
    ['numeric', 'binary', 'integer', 'constant']
    >>> continuous, codes = table.encode(X)
    >>> continuous.shape, codes.ravel().tolist()
    ((3, 2), [1, 0, 1])
    >>> table.decode(continuous + 0.3, codes)
    array([[0.8, 1. , 3. , 7. ],
           [1.8, 0. , 4. , 7. ],
           [2.3, 1. , 9. , 7. ]])
    >>> table.decode(continuous + 0.3, codes, clip=True)[:, 0]
    array([0.8, 1.8, 2. ])
    """

    def fit(self, X, categorical_features=None):
        """Learn the kind of each column from a training table.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The training table.
        categorical_features : array-like, "from_dtype" or None, default=None
            The categorical columns, as :func:`categorical_mask` reads them.

        Returns
        -------
        self : TableEncoding
        """
        names = None
        if is_frame(X):
            names = np.asarray(X.columns, dtype=object)
            self._dtypes = list(X.dtypes)
            self._columns = list(X.columns)
            string_names = all(isinstance(name, str) for name in names)
            names = names if string_names else None
        else:
            self._dtypes = self._columns = None
        self.categorical_mask_ = categorical_mask(categorical_features, X, names)
        self.n_features_in_ = X.shape[1]
        continuous, discrete = self._split(X)
        kinds = np.empty(self.n_features_in_, dtype=object)
        kinds[self.categorical_mask_] = "categorical"
        self.constants_ = {}
        values_seen = {}
        for index, column in zip(np.flatnonzero(~self.categorical_mask_), continuous.T):
            kinds[index], values_seen[index] = _numeric_kind(column)
            if kinds[index] == "constant":
                self.constants_[index] = float(values_seen[index][0])
        for index, column in zip(np.flatnonzero(self.categorical_mask_), discrete.T):
            try:
                values_seen[index] = np.unique(column)
            except TypeError:
                kinds_seen = sorted({type(value).__name__ for value in column})
                raise ValueError(
                    f"Categorical column {index} of X mixes values of types "
                    f"{kinds_seen} that cannot be sorted; make them one type "
                    "(for instance with .astype(str))."
                ) from None
        self._set_kinds(kinds)
        self.categories_ = [values_seen[index] for index in self.discrete_]
        numbers = self._numbers(continuous)
        self.min_ = numbers.min(axis=0) if len(numbers) else np.zeros(0)
        self.max_ = numbers.max(axis=0) if len(numbers) else np.zeros(0)
        return self

    def __getstate__(self):
        # pandas dtypes as plain data, which skops saves without trusting pandas.
        state = dict(self.__dict__)
        if state.get("_dtypes") is not None:
            state["_dtypes"] = [_dtype_as_data(dtype) for dtype in state["_dtypes"]]
        return state

    def __setstate__(self, state):
        if state.get("_dtypes") is not None:
            state["_dtypes"] = [_dtype_from_data(data) for data in state["_dtypes"]]
        self.__dict__.update(state)

    def _set_kinds(self, kinds):
        """Set ``kinds_`` and the column indices that follow from it."""
        self.kinds_ = np.asarray(kinds).astype(str)
        self.continuous_ = np.flatnonzero(np.isin(self.kinds_, _CONTINUOUS))
        self.discrete_ = np.flatnonzero(np.isin(self.kinds_, _DISCRETE))

    @property
    def n_categories_(self):
        """The number of values of each discrete column."""
        return [len(categories) for categories in self.categories_]

    def _split(self, X):
        """The numeric (float64, checked) and categorical (object) columns."""
        mask = self.categorical_mask_
        if is_frame(X):
            numeric = X.iloc[:, np.flatnonzero(~mask)]
            categorical = X.iloc[:, np.flatnonzero(mask)].to_numpy(dtype=object)
        else:
            X = np.asarray(X, dtype=object if mask.any() else None)
            numeric, categorical = X[:, ~mask], X[:, mask].astype(object)
        numeric = self._numeric_array(numeric, len(categorical))
        check_float32_range(numeric)
        missing = is_missing(categorical)
        if missing.any():
            column = np.flatnonzero(mask)[np.nonzero(missing)[1][0]]
            raise ValueError(
                f"Categorical column {column} of X has missing values (None, NaN "
                "or NA); impute them or encode missingness as a category of its own."
            )
        return numeric, categorical

    def _numeric_array(self, numeric, n_rows):
        """The numeric columns as a float64 array; a clear error for a column
        that is not numeric or not finite."""
        columns = numeric.items() if is_frame(numeric) else enumerate(numeric.T)
        indices = np.flatnonzero(~self.categorical_mask_)
        array = np.empty((n_rows, numeric.shape[1]))
        for position, (name, column) in enumerate(columns):
            index = indices[position]
            dtype = np.asarray(column).dtype
            if dtype.kind in "mM":
                raise ValueError(
                    f"Column {index} ({name!r}) of X holds dates or durations "
                    f"({dtype}); convert it to numbers (for "
                    "instance seconds since a reference time) or name it in "
                    "categorical_features."
                )
            if dtype.kind == "c":
                raise ValueError(
                    f"Column {index} ({name!r}) of X holds complex numbers; split it "
                    "into its real and imaginary parts."
                )
            try:
                if hasattr(column, "to_numpy"):  # pandas' NA is missing, too
                    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
                else:
                    values = np.asarray(column, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Column {index} ({name!r}) of X is not numeric; name it in "
                    "categorical_features (or give it a categorical dtype in a "
                    "DataFrame, with categorical_features='from_dtype')."
                ) from None
            if not np.isfinite(values).all():
                raise ValueError(
                    f"Column {index} ({name!r}) of X holds NaN or infinite "
                    "values; impute or drop them before fitting or scoring."
                )
            integers = getattr(column, "dtype", dtype).kind in "iu"
            if integers and len(values) and np.abs(values).max() >= _EXACT_INTEGERS:
                raise ValueError(
                    f"Column {index} ({name!r}) of X holds integers of magnitude "
                    "2**53 or more, which the models' floating-point numbers do not "
                    "hold exactly; if it is an identifier, drop it or name it in "
                    "categorical_features."
                )
            array[:, position] = values
        return array

    def _numbers(self, numeric):
        """The continuous columns among the numeric ones."""
        keep = np.isin(self.kinds_[~self.categorical_mask_], _CONTINUOUS)
        return numeric[:, keep]

    def encode(self, X):
        """The continuous and discrete parts of a table.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows of a table like the training one.

        Returns
        -------
        continuous : ndarray of shape (n_samples, len(continuous_))
            The numeric and integer columns (float64).
        codes : ndarray of int of shape (n_samples, len(discrete_))
            The index of each discrete column's value in ``categories_``.

        Raises
        ------
        ValueError
            If a discrete column holds a value not seen in training, or a
            categorical column a missing value.
        """
        numeric, categorical = self._split(X)
        full = np.empty((len(numeric), self.n_features_in_), dtype=object)
        full[:, ~self.categorical_mask_] = numeric
        full[:, self.categorical_mask_] = categorical
        codes = np.empty((len(numeric), len(self.discrete_)), dtype=np.int64)
        for position, (index, categories) in enumerate(
            zip(self.discrete_, self.categories_)
        ):
            column = full[:, index]
            if self.kinds_[index] == "binary":
                column = column.astype(np.float64)
            unseen = ~np.isin(column, categories)
            if unseen.any():
                value = column[unseen][:1].tolist()[0]
                raise ValueError(
                    f"Column {index} of X holds the value {value!r}, not "
                    f"seen in fit; the values seen are {categories.tolist()}."
                )
            codes[:, position] = np.searchsorted(categories, column)
        return self._numbers(numeric), codes

    def one_hot(self, codes):
        """The one-hot indicators of the discrete columns, side by side (float)."""
        blocks = [
            np.eye(n_categories)[column]
            for column, n_categories in zip(codes.T, self.n_categories_)
        ]
        return np.hstack(blocks) if blocks else np.zeros((len(codes), 0))

    def decode(self, continuous, codes, *, clip=False):
        """A table in the user's format from its continuous and discrete parts.

        Integer columns are rounded; with ``clip``, continuous columns are kept
        inside the range seen in training.

        Parameters
        ----------
        continuous : ndarray of shape (n_samples, len(continuous_))
            Values of the continuous columns.
        codes : ndarray of int of shape (n_samples, len(discrete_))
            Indices of the values of the discrete columns.
        clip : bool, default=False
            Clip continuous values to the training range.

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features)
            A DataFrame with the training columns and dtypes when fitted on one;
            otherwise a float array, or an object array when some category is not
            a number.
        """
        n_rows = len(continuous)
        continuous = np.array(continuous, dtype=np.float64)
        if clip:
            continuous = np.clip(continuous, self.min_, self.max_)
        integer = self.kinds_[self.continuous_] == "integer"
        continuous[:, integer] = np.rint(continuous[:, integer])
        columns = {}
        for index, column in zip(self.continuous_, continuous.T):
            columns[index] = column
        for index, value in self.constants_.items():
            columns[index] = np.full(n_rows, value)
        for index, categories, column in zip(self.discrete_, self.categories_, codes.T):
            columns[index] = categories[column]
        ordered = [columns[index] for index in range(self.n_features_in_)]
        if self._dtypes is not None:
            return self._frame(ordered)
        if not self.categorical_mask_.any():
            return np.column_stack(ordered) if ordered else np.zeros((n_rows, 0))
        table = np.empty((n_rows, self.n_features_in_), dtype=object)
        for index, column in enumerate(ordered):
            table[:, index] = column
        named = [
            categories
            for index, categories in zip(self.discrete_, self.categories_)
            if self.kinds_[index] == "categorical"
        ]
        numeric_categories = all(
            isinstance(value, int | float | np.number) and not isinstance(value, bool)
            for value in np.concatenate(named).tolist()
        )
        return table.astype(np.float64) if numeric_categories else table

    def model_as_numbers(self, X, columns=None):
        """Make the given numeric columns (by default all of them) continuous
        ``"numeric"`` columns; return ``X`` encoded again.

        For the first batch of a stream: one batch cannot tell whether a column
        is constant, binary or integer-valued in the whole stream, so models
        treat its numeric columns as numbers (and later batches widen the range,
        see :meth:`widen_range`).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The training table that the encoding was fitted on.
        columns : array-like of int, default=None
            Indices of numeric columns; None means every numeric column.

        Returns
        -------
        continuous, codes : ndarray
            ``X`` encoded as :meth:`encode` does, after the change.
        """
        if columns is None:
            columns = np.flatnonzero(~self.categorical_mask_)
        columns = np.asarray(columns, dtype=int)
        self.categories_ = [
            categories
            for index, categories in zip(self.discrete_, self.categories_)
            if index not in columns
        ]
        kinds = self.kinds_.astype(object)
        kinds[columns] = "numeric"
        self._set_kinds(kinds)
        self.constants_ = {
            index: value
            for index, value in self.constants_.items()
            if index not in columns
        }
        continuous, codes = self.encode(X)
        self.min_, self.max_ = continuous.min(axis=0), continuous.max(axis=0)
        return continuous, codes

    def widen_range(self, continuous):
        """Widen ``min_`` and ``max_`` to hold new rows of the continuous columns
        (a later batch of a stream)."""
        if len(continuous):
            self.min_ = np.minimum(self.min_, continuous.min(axis=0))
            self.max_ = np.maximum(self.max_, continuous.max(axis=0))

    def _frame(self, ordered):
        import pandas as pd

        columns = {}
        named = zip(self._columns, self._dtypes, ordered)
        for index, (name, dtype, column) in enumerate(named):
            if self.kinds_[index] in _CONTINUOUS:
                column = _representable(column, dtype)
            columns[name] = pd.Series(column).astype(dtype)
        return pd.DataFrame(columns, columns=self._columns)


def _representable(values, dtype):
    """Numbers made into values that a column of ``dtype`` can hold.

    A generated number may lie outside what the training column's dtype holds
    (a uint8 column sampled at -1, a categorical column of numbers that was
    modelled as a number): bools are thresholded at 1/2, integers rounded and
    clipped to their dtype's range, and the numbers of a categorical dtype snapped
    to the nearest of its categories. Other dtypes take the values as they are.
    """
    import pandas as pd

    if isinstance(dtype, pd.CategoricalDtype):
        categories = np.asarray(dtype.categories)
        if categories.dtype.kind not in "iuf" or not len(categories):
            return values
        order = np.argsort(categories)
        ordered = categories[order].astype(np.float64)
        cuts = (ordered[1:] + ordered[:-1]) / 2
        return categories[order][np.searchsorted(cuts, values)]
    if pd.api.types.is_bool_dtype(dtype):
        return values >= 0.5
    if pd.api.types.is_integer_dtype(dtype):
        limits = np.iinfo(getattr(dtype, "numpy_dtype", dtype))
        largest = float(limits.max)
        if largest > limits.max:  # float(2**63 - 1) is 2**63: take the float below
            largest = np.nextafter(largest, 0.0)
        return np.clip(np.rint(values), limits.min, largest)
    return values
