"""Every public function refuses a bad argument the same way.

One kind of mistake gives one error everywhere: scikit-learn's parameter validation
error, which is both a ValueError and a TypeError, naming the function, the argument
and what it must be.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.decomposition import PCA

from sklatent.datasets import (
    load_stdlib_docstrings,
    make_gaussian_grid,
    make_gaussian_ring,
    make_hmm_sequences,
    make_latent_manifold,
    make_lda_corpus,
)
from sklatent.latent import interpolate, traverse
from sklatent.metrics import (
    c2st_score,
    energy_distance,
    make_coherence_scorer,
    make_sample_scorer,
    mmd,
    mode_coverage,
)
from sklatent.persistence import dump, load

_X = np.random.default_rng(0).normal(size=(20, 3))
_PCA = PCA(n_components=2).fit(_X)

# (function, argument, its smallest allowed value, the other arguments it needs).
INTEGER_ARGUMENTS = [
    (make_hmm_sequences, "n_sequences", 1, {}),
    (make_hmm_sequences, "sequence_length", 1, {}),
    (make_hmm_sequences, "n_components", 1, {}),
    (make_hmm_sequences, "n_features", 1, {}),
    (make_lda_corpus, "n_samples", 1, {}),
    (make_lda_corpus, "n_components", 1, {}),
    (make_gaussian_grid, "grid_size", 1, {}),
    (make_gaussian_ring, "n_modes", 1, {}),
    (make_latent_manifold, "n_samples", 1, {}),
    (make_latent_manifold, "n_components", 1, {}),
    (load_stdlib_docstrings, "min_words", 0, {"modules": ["json"]}),
    (interpolate, "n_steps", 2, {"estimator": _PCA, "X_from": _X[0], "X_to": _X[1]}),
    (c2st_score, "cv", 2, {"X_real": _X, "X_generated": _X}),
    (make_sample_scorer, "n_samples", 1, {}),
    (make_sample_scorer, "random_state", 0, {}),
    (make_coherence_scorer, "top_n", 2, {}),
]
# (function, argument, whether its lower bound 0 is allowed, other arguments).
REAL_ARGUMENTS = [
    (make_hmm_sequences, "separation", False, {}),
    (make_lda_corpus, "doc_length", True, {}),
    (make_gaussian_grid, "std", False, {}),
    (make_gaussian_ring, "radius", False, {}),
    (make_latent_manifold, "noise", True, {}),
    (mmd, "gamma", False, {"X": _X, "Y": _X}),
    (mode_coverage, "std", False, {"X": _X[:, :2], "centers": _X[:3, :2]}),
]


def _ids(cases):
    return [f"{function.__name__}-{name}" for function, name, *_ in cases]


def _refused(function, name, value, others):
    with pytest.raises(ValueError, match=rf"'{name}' parameter of {function.__name__}"):
        function(**others, **{name: value})
    with pytest.raises(TypeError, match=rf"'{name}' parameter"):
        function(**others, **{name: value})


def _not_integers(lowest):
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),  # 2.0 is not an int either
        st.booleans(),
        st.text(max_size=3),
        st.integers(max_value=lowest - 1),
    )


@pytest.mark.parametrize(
    ("function", "name", "lowest", "others"),
    INTEGER_ARGUMENTS,
    ids=_ids(INTEGER_ARGUMENTS),
)
@given(data=st.data())
def test_a_bad_integer_argument_is_refused(function, name, lowest, others, data):
    _refused(function, name, data.draw(_not_integers(lowest)), others)


@pytest.mark.parametrize(
    ("function", "name", "zero_allowed", "others"),
    REAL_ARGUMENTS,
    ids=_ids(REAL_ARGUMENTS),
)
@given(data=st.data())
def test_a_bad_real_argument_is_refused(function, name, zero_allowed, others, data):
    below = st.floats(max_value=0.0, exclude_max=zero_allowed, allow_nan=False)
    bad = data.draw(st.one_of(below, st.just(float("nan")), st.text(max_size=3)))
    _refused(function, name, bad, others)


def test_a_float_where_an_integer_belongs_raises_one_error_type_everywhere():
    errors = set()
    for function, name, lowest, others in INTEGER_ARGUMENTS:
        with pytest.raises(ValueError) as error:
            function(**others, **{name: lowest + 0.5})
        errors.add(type(error.value))
    assert len(errors) == 1
    assert issubclass(errors.pop(), TypeError)


def test_make_latent_manifold_refuses_no_components_and_negative_noise():
    with pytest.raises(ValueError, match="n_components"):
        make_latent_manifold(n_components=0, noise=-1)
    with pytest.raises(ValueError, match="noise"):
        make_latent_manifold(noise=-1)


@given(st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1 + 1e-9)))
def test_make_hmm_sequences_refuses_a_self_transition_that_is_no_probability(value):
    _refused(make_hmm_sequences, "self_transition", value, {})


_WRONG_KIND = st.one_of(st.just(object()), st.floats(allow_nan=True), st.just("cubic"))
# A string is a valid file name, so a file argument gets no string here.
_NOT_A_FILE = st.one_of(st.just(object()), st.floats(allow_nan=True), st.integers())
WRONG_KINDS = [
    (interpolate, "estimator", _WRONG_KIND, {"X_from": _X[0], "X_to": _X[1]}),
    (traverse, "estimator", _WRONG_KIND, {"x": _X[0], "dim": 0, "values": [0.0]}),
    (
        interpolate,
        "method",
        _WRONG_KIND,
        {"estimator": _PCA, "X_from": _X[0], "X_to": _X[1]},
    ),
    (traverse, "dim", _WRONG_KIND, {"estimator": _PCA, "x": _X[0], "values": [0.0]}),
    (dump, "file", _NOT_A_FILE, {"estimator": _PCA}),
    (load, "file", _NOT_A_FILE, {}),
    (load, "trusted", _WRONG_KIND, {"file": "model.skops"}),
    (energy_distance, "sample_weight_X", _WRONG_KIND, {"X": _X, "Y": _X}),
    (mmd, "sample_weight_Y", _WRONG_KIND, {"X": _X, "Y": _X}),
    (make_sample_scorer, "metric", _WRONG_KIND, {}),
    (make_coherence_scorer, "measure", _WRONG_KIND, {}),
]


@pytest.mark.parametrize(
    ("function", "name", "values", "others"), WRONG_KINDS, ids=_ids(WRONG_KINDS)
)
@given(data=st.data())
def test_an_argument_of_the_wrong_kind_is_refused(function, name, values, others, data):
    _refused(function, name, data.draw(values), others)
