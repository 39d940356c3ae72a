"""What every emission model must satisfy: exact inference, EM, robustness, input.

Each test runs over the models of ``_emission_cases.CASES``; the model files
(``test_categorical.py``, ...) hold what is particular to one model and the
comparisons with hmmlearn.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ._emission_cases import (
    CASES,
    assert_inference_is_exact,
    exact_inference,
    split_by_sequence,
)

CASE_NAMES = sorted(CASES)


def _with_and_without_missing(variants):
    """(model, variant) pairs; variants with missing entries for models that take them.

    Each variant is a tuple whose first entry says whether entries are missing.
    """
    return [
        (name, *variant)
        for name in CASE_NAMES
        for variant in variants
        if CASES[name].missing or not variant[0]
    ]


def _with_gaps(X, seed):
    """X as floats with about a third of the entries missing, the last frame all."""
    rng = np.random.default_rng(seed)
    X = X.astype(float)
    X[rng.random(X.shape) < 0.35] = np.nan
    X[-1] = np.nan
    return X


@pytest.mark.parametrize(
    "name, missing", _with_and_without_missing([(False,), (True,)])
)
@given(
    n_states=st.integers(1, 3),
    lengths=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    seed=st.integers(0, 2**16),
)
@settings(deadline=None, max_examples=20)
def test_inference_matches_enumeration_of_all_state_paths(
    name, missing, n_states, lengths, seed
):
    case = CASES[name]
    X, _ = case.data(1, 40, seed)
    model = case.fixed(n_states, X, seed)
    frames = X[: sum(lengths)]
    if missing:
        frames = _with_gaps(frames, seed)
    exact = exact_inference(
        model, frames, lengths, case.reference_log_prob(model, frames)
    )
    assert_inference_is_exact(model, frames, lengths, exact)


@pytest.mark.parametrize(
    "name, missing, known",
    _with_and_without_missing([(True, False), (False, True), (True, True)]),
)
def test_em_step_is_the_m_step_of_the_enumerated_posteriors(name, missing, known):
    case = CASES[name]
    lengths = [5, 3]
    X, _ = case.data(1, 40, 6)
    X = X[:8].astype(float)
    if missing:
        X = _with_gaps(X, 3)
    known_states = np.array([-1, 2, -1, -1, 0, 1, -1, -1]) if known else None
    start = case.fixed(3, X, 7, lengths)
    exact = exact_inference(
        start, X, lengths, case.reference_log_prob(start, X), known_states
    )
    initial = {
        f"{name_.rstrip('_')}_init": getattr(start, name_)
        for name_ in ("startprob_", "transmat_", *start._emission_attributes)
    }
    fitted = case.make(3, n_iter=1, **case.no_priors, **initial).fit(
        X, lengths=lengths, known_states=known_states
    )
    # The objective is the log-likelihood of the frames (and of the labels).
    np.testing.assert_allclose(
        fitted.monitor_.history[0],
        sum(prefix[-1] for prefix in split_by_sequence(exact["prefix"], lengths)),
        rtol=1e-10,
    )
    expected = case.reference_m_step(start, exact["smoothed"], X)
    expected["startprob_"] = exact["start_counts"] / len(lengths)
    counts = exact["transition_counts"]
    expected["transmat_"] = counts / counts.sum(axis=1, keepdims=True)
    for attribute, value in expected.items():
        np.testing.assert_allclose(
            getattr(fitted, attribute), value, atol=1e-10, err_msg=attribute
        )


@pytest.mark.parametrize("name", CASE_NAMES)
@given(
    lengths=st.lists(st.integers(1, 12), min_size=1, max_size=5).filter(
        lambda lengths: sum(lengths) >= 3
    ),
    seed=st.integers(0, 2**16),
)
@settings(deadline=None, max_examples=20)
def test_posteriors_sum_to_one(name, lengths, seed):
    case = CASES[name]
    X, _ = case.data(1, sum(lengths), seed)
    model = case.make(3, n_iter=2, random_state=0).fit(X, lengths=lengths)
    for proba in (
        model.predict_proba(X, lengths=lengths),
        model.filter_proba(X, lengths=lengths),
    ):
        assert np.all(proba >= 0)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("name", CASE_NAMES)
@given(n_states=st.integers(2, 4), seed=st.integers(0, 2**16))
@settings(deadline=None, max_examples=15)
def test_em_without_priors_never_decreases_the_log_likelihood(name, n_states, seed):
    case = CASES[name]
    X, lengths = case.data(3, 30, seed)
    model = case.make(
        n_states, n_iter=15, tol=-np.inf, random_state=seed, **case.no_priors
    ).fit(X, lengths=lengths)
    history = np.array(model.monitor_.history)
    assert np.all(np.diff(history) >= -1e-9 * np.abs(history[1:]))


@pytest.mark.parametrize("name", CASE_NAMES)
@given(seed=st.integers(0, 2**16), order_seed=st.integers(0, 2**16))
@settings(deadline=None, max_examples=15)
def test_results_do_not_depend_on_the_order_of_the_sequences(name, seed, order_seed):
    case = CASES[name]
    X, lengths = case.data(5, 20, seed)
    start = case.fixed(2, X, seed, lengths)
    initial = {
        f"{attribute.rstrip('_')}_init": getattr(start, attribute)
        for attribute in ("startprob_", "transmat_", *start._emission_attributes)
    }
    order = np.random.default_rng(order_seed).permutation(len(lengths))
    pieces = np.split(X, np.cumsum(lengths)[:-1])
    X_permuted = np.concatenate([pieces[i] for i in order])
    model = case.make(2, n_iter=5, tol=-np.inf, **initial).fit(X, lengths=lengths)
    permuted = case.make(2, n_iter=5, tol=-np.inf, **initial).fit(
        X_permuted, lengths=lengths[order]
    )
    for attribute in initial:
        name_ = attribute.replace("_init", "_")
        np.testing.assert_allclose(
            getattr(permuted, name_), getattr(model, name_), rtol=1e-9, atol=1e-12
        )


@pytest.mark.parametrize("name", CASE_NAMES)
def test_state_that_no_frame_reaches_keeps_finite_parameters(name):
    case = CASES[name]
    X, lengths = case.data(4, 50, 0)
    rng = np.random.default_rng(0)
    initial = case.emission_init(rng, 3, X)
    # State 2 can neither start nor be entered: its expected number of frames is 0.
    transmat = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.3, 0.3, 0.4]])
    model = case.make(
        3,
        n_iter=5,
        startprob_init=[0.5, 0.5, 0.0],
        transmat_init=transmat,
        **initial,
    ).fit(X, lengths=lengths)
    for attribute in ("startprob_", "transmat_", *model._emission_attributes):
        assert np.all(np.isfinite(getattr(model, attribute))), attribute
        assert not np.isnan(getattr(model, attribute)).any(), attribute
    for attribute, value in initial.items():
        np.testing.assert_array_equal(
            getattr(model, attribute.replace("_init", "_"))[2], np.asarray(value)[2]
        )
    assert model.predict_proba(X, lengths=lengths)[:, 2].max() == 0.0
    assert np.all(np.isfinite(model.score_samples(X, lengths=lengths)))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_a_million_frames_do_not_underflow(name):
    case = CASES[name]
    X, _ = case.data(1, 1_000_000, 0)
    model = case.make(3, n_iter=2, random_state=0).fit(X)
    log_prob = model.score_samples(X)
    assert np.all(np.isfinite(log_prob))
    # The total is of the order of a million frames' log-densities, not -inf or 0.
    assert -50 < log_prob.mean() < 0
    np.testing.assert_allclose(model.predict_proba(X[-1000:]).sum(axis=1), 1.0)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_restarts_keep_the_best_of_their_own_fits(name):
    case = CASES[name]
    X, lengths = case.data(6, 40, case.restart_data_seed)
    several = case.make(4, n_iter=2, n_init=4, random_state=0).fit(X, lengths=lengths)
    # The best of the first 1, 2, 3 and 4 restarts: the kept model is the best,
    # and better than the first restart alone.
    scores = []
    for restart in range(4):
        single = case.make(4, n_iter=2, n_init=restart + 1, random_state=0)
        scores.append(single.fit(X, lengths=lengths).score(X, lengths=lengths))
    assert several.score(X, lengths=lengths) == pytest.approx(max(scores))
    assert max(scores) > scores[0]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_sequence_ids_give_the_same_fit_as_lengths(name):
    case = CASES[name]
    X, lengths = case.data(4, 25, 2)
    ids = np.repeat(np.arange(len(lengths)) * 3 + 1, lengths)
    by_lengths = case.make(2, random_state=0).fit(X, lengths=lengths)
    by_ids = case.make(2, random_state=0).fit(X, sequence_ids=ids)
    for attribute in ("transmat_", *by_lengths._emission_attributes):
        np.testing.assert_array_equal(
            getattr(by_ids, attribute), getattr(by_lengths, attribute)
        )
    np.testing.assert_array_equal(
        by_ids.predict(X, sequence_ids=ids), by_lengths.predict(X, lengths=lengths)
    )


@pytest.mark.parametrize("name", [name for name in CASE_NAMES if CASES[name].integers])
@given(
    row=st.integers(0, 29),
    column=st.integers(0, 2),
    bad_value=st.sampled_from(
        [
            (-1.0, "Negative values in data.*rows \\[{row}\\] hold negative"),
            (0.5, "integer .*rows \\[{row}\\] hold values with a fractional part"),
            (2.25, "integer .*rows \\[{row}\\] hold values with a fractional part"),
        ]
    ),
)
@settings(deadline=None, max_examples=15)
def test_values_that_are_not_counts_are_rejected_naming_the_row(
    name, row, column, bad_value
):
    case = CASES[name]
    X, _ = case.data(1, 30, 0)
    model = case.make(2, random_state=0).fit(X)
    value, message = bad_value
    bad = X.astype(float)
    bad[row, column % X.shape[1]] = value
    with pytest.raises(ValueError, match=message.format(row=row)):
        case.make(2).fit(bad)
    with pytest.raises(ValueError, match=message.format(row=row)):
        model.predict(bad)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_infinity_is_rejected(name):
    case = CASES[name]
    X, _ = case.data(1, 30, 0)
    bad = X.astype(float)
    bad[3, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        case.make(2).fit(bad)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_nothing_missing_in_floats_gives_the_fit_of_integers(name):
    case = CASES[name]
    X, lengths = case.data(3, 30, 0)
    as_integers = case.make(2, random_state=0).fit(X, lengths=lengths)
    as_floats = case.make(2, random_state=0).fit(X.astype(float), lengths=lengths)
    for attribute in ("transmat_", *as_integers._emission_attributes):
        np.testing.assert_array_equal(
            getattr(as_floats, attribute), getattr(as_integers, attribute)
        )


@pytest.mark.parametrize(
    "name", [name for name in CASE_NAMES if not CASES[name].missing]
)
def test_nan_is_rejected_by_models_without_missing_entries(name):
    case = CASES[name]
    X, _ = case.data(1, 30, 0)
    bad = X.astype(float)
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        case.make(2).fit(bad)
