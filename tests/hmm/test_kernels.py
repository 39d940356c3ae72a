"""The compiled recursions against full enumeration of all state paths."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import logsumexp, softmax
from scipy.stats import multivariate_normal

from sklatent import GaussianHMM
from sklatent.hmm import _kernels, _mixture_kernels

from ._enumeration import enumerate_paths
from ._models import COVARIANCE_TYPES, dense_covariances, random_gaussian_hmm


def _emission_log_prob(model, X):
    """Log-density of each frame under each state, by scipy."""
    covariances = dense_covariances(model)
    return np.column_stack(
        [
            multivariate_normal(model.means_[k], covariances[k]).logpdf(X).reshape(-1)
            for k in range(model.n_components)
        ]
    )


def _enumerate(model, X):
    """Log-likelihood, posteriors and best path of one sequence by enumeration."""
    result = enumerate_paths(
        model.startprob_, model.transmat_, _emission_log_prob(model, X)
    )
    return result["log_likelihood"], result["posteriors"], result["path"]


CASES = [
    (n_states, lengths, covariance_type, seed)
    for seed, (n_states, lengths) in enumerate(
        [(2, [6]), (3, [5]), (2, [1, 6, 3]), (3, [4, 1, 5])]
    )
    for covariance_type in COVARIANCE_TYPES
]


@pytest.mark.parametrize("n_states, lengths, covariance_type, seed", CASES)
def test_inference_equals_enumeration_of_all_paths(
    n_states, lengths, covariance_type, seed
):
    rng = np.random.default_rng(seed)
    model = random_gaussian_hmm(rng, n_states, 2, covariance_type)
    X = rng.normal(0, 2, size=(sum(lengths), 2))
    bounds = np.cumsum([0, *lengths])
    expected = [_enumerate(model, X[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]

    log_prob = model.score_samples(X, lengths=lengths)
    for (a, b), (log_likelihood, _, _) in zip(zip(bounds, bounds[1:]), expected):
        np.testing.assert_allclose(log_prob[a:b].sum(), log_likelihood, rtol=1e-10)
    np.testing.assert_allclose(
        model.predict_proba(X, lengths=lengths),
        np.concatenate([posteriors for _, posteriors, _ in expected]),
        atol=1e-10,
    )
    np.testing.assert_array_equal(
        model.predict(X, lengths=lengths),
        np.concatenate([path for _, _, path in expected]),
    )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_filtered_probabilities_equal_enumeration_of_prefixes(covariance_type):
    rng = np.random.default_rng(7)
    model = random_gaussian_hmm(rng, 3, 2, covariance_type)
    X = rng.normal(0, 2, size=(5, 2))
    filtered = model.filter_proba(X)
    for t in range(len(X)):
        _, posteriors, _ = _enumerate(model, X[: t + 1])
        np.testing.assert_allclose(filtered[t], posteriors[t], atol=1e-10)


def test_transition_counts_equal_enumeration():
    rng = np.random.default_rng(3)
    model = random_gaussian_hmm(rng, 3, 2, "diag")
    X = rng.normal(0, 2, size=(5, 2))
    expected = enumerate_paths(
        model.startprob_, model.transmat_, _emission_log_prob(model, X)
    )["transition_counts"]

    offsets = np.array([0, 5])
    passed = _kernels.forward(
        model._emission_log_prob(X), model.startprob_, model.transmat_, offsets
    )
    _, counts = _kernels.backward(passed, True)
    np.testing.assert_allclose(counts, expected, atol=1e-10)


def test_million_frame_sequence_does_not_underflow():
    rng = np.random.default_rng(0)
    states = (rng.random(1_000_000) < 0.5).astype(int)
    X = (3.0 * states + rng.standard_normal(states.size))[:, None]
    model = GaussianHMM(2, n_iter=3, random_state=0).fit(X)
    log_prob = model.score_samples(X)
    assert np.all(np.isfinite(log_prob))
    # Each frame is a draw of a 50/50 mixture, so its predictive density is
    # bounded well away from zero and infinity.
    assert -4.0 < log_prob.mean() < -1.0
    posteriors = model.predict_proba(X)
    np.testing.assert_allclose(posteriors.sum(axis=1), 1.0)
    decoded = model.predict(X)
    assert max(np.mean(decoded == states), np.mean(decoded != states)) > 0.9


def test_sampled_states_follow_the_chain():
    startprob = np.array([0.0, 1.0])
    transmat = np.array([[0.0, 1.0], [1.0, 0.0]])
    offsets = np.array([0, 4, 7])
    uniforms = np.random.default_rng(0).random(7)
    states = _kernels.sample_states(startprob, transmat, uniforms, offsets)
    np.testing.assert_array_equal(states, [1, 0, 1, 0, 1, 0, 1])


def test_left_right_model_survives_an_unreachable_better_state():
    # State 1 cannot be left; later frames sit at the mean of state 0, thousands of
    # nats more likely there than under state 1, yet the chain must stay in 1.
    model = GaussianHMM(2, covariance_type="spherical")
    model.startprob_ = np.array([0.0, 1.0])
    model.transmat_ = np.array([[0.5, 0.5], [0.0, 1.0]])
    model.means_ = np.array([[0.0], [100.0]])
    model.covariances_ = np.array([1.0, 1.0])
    model.n_features_in_ = 1
    X = np.array([[100.0], [0.0], [0.0]])
    log_prob = model.score_samples(X)
    expected = multivariate_normal(100.0, 1.0).logpdf(X[:, 0])
    np.testing.assert_allclose(log_prob, expected)
    np.testing.assert_allclose(model.predict_proba(X), [[0, 1]] * 3)
    np.testing.assert_array_equal(model.predict(X), [1, 1, 1])


def _left_right_model(gap):
    """Two states, the second absorbing; a frame at 0 is ``gap`` nats likelier in 0."""
    model = GaussianHMM(2, covariance_type="spherical")
    model.startprob_ = np.array([0.0, 1.0])
    model.transmat_ = np.array([[0.5, 0.5], [0.0, 1.0]])
    model.means_ = np.array([[0.0], [np.sqrt(2.0 * gap)]])
    model.covariances_ = np.array([1.0, 1.0])
    model.n_features_in_ = 1
    return model


def test_backward_values_of_unreachable_states_do_not_overflow():
    # The chain starts in the absorbing state 1, and 40 frames sit 25 nats per frame
    # closer to state 0: the backward value of state 0 grows by e^25 per frame.
    model = _left_right_model(25.0)
    X = np.zeros((41, 1))
    X[0] = model.means_[1]
    np.testing.assert_array_equal(model.predict_proba(X), [[0.0, 1.0]] * 41)
    expected = multivariate_normal(model.means_[1, 0], 1.0).logpdf(X[:, 0])
    np.testing.assert_allclose(model.score_samples(X), expected)


@given(gap=st.floats(690.0, 800.0))
def test_reachable_states_far_below_an_unreachable_one_keep_a_finite_scale(gap):
    # At 710 to 745 nats below the unreachable state 0, the scaling total of the
    # second frame is subnormal and its inverse overflows.
    model = _left_right_model(gap)
    X = np.array([model.means_[1], [0.0]])
    np.testing.assert_array_equal(model.filter_proba(X), [[0.0, 1.0]] * 2)
    np.testing.assert_array_equal(model.predict_proba(X), [[0.0, 1.0]] * 2)
    expected = multivariate_normal(model.means_[1, 0], 1.0).logpdf(X[:, 0])
    np.testing.assert_allclose(model.score_samples(X), expected, rtol=1e-12)


def test_left_right_fit_far_from_the_reachable_states_stays_finite():
    model = _left_right_model(730.0)
    X = np.concatenate([np.full((5, 1), model.means_[1, 0]), np.zeros((20, 1))])
    fitted = GaussianHMM(
        2,
        covariance_type="spherical",
        startprob_init=model.startprob_,
        transmat_init=model.transmat_,
        means_init=model.means_,
        covariances_init=model.covariances_,
        n_iter=3,
    ).fit(X)
    for name in ("startprob_", "transmat_", "means_", "covariances_"):
        assert np.all(np.isfinite(getattr(fitted, name))), name
    assert np.all(np.isfinite(fitted.monitor_.history))


def test_frame_no_reachable_state_can_emit_makes_its_sequence_impossible():
    frame_log_prob = np.array([[0.0, -1.0], [0.0, -np.inf], [-0.5, -0.2]])
    startprob = np.array([0.0, 1.0])
    transmat = np.array([[0.5, 0.5], [0.0, 1.0]])
    offsets = np.array([0, 3])
    passed = _kernels.forward(frame_log_prob, startprob, transmat, offsets)
    assert passed.frame_log_norm[1] == -np.inf
    np.testing.assert_allclose(passed.frame_log_norm[[0, 2]], [-1.0, -0.2])
    posteriors, counts = _kernels.backward(passed, True)
    np.testing.assert_array_equal(posteriors, [[0.0, 1.0]] * 3)
    np.testing.assert_array_equal(counts, [[0.0, 0.0], [0.0, 2.0]])


# One frame makes a state negligible (far below e^-745 of the best) that later
# frames need: an outlier in a left-right model, an unreachable better state,
# transitions of 1e-300. The scaled pass loses the state; the log-space rerun
# must give the enumeration's values.
LOSING_CASES = {
    "left-right outlier": (
        [1.0, 0.0],
        [[0.9, 0.1], [0.0, 1.0]],
        [[0.0], [40.0], [0.0], [0.0]],
        [[0.0], [40.0]],
    ),
    "outlier, then back": (
        [1.0, 0.0, 0.0],
        [[0.8, 0.2, 0.0], [0.0, 0.8, 0.2], [0.0, 0.0, 1.0]],
        [[0.0], [45.0], [0.0], [-45.0], [0.0]],
        [[0.0], [45.0], [-45.0]],
    ),
    "tiny transition": (
        [1.0, 0.0],
        [[1 - 1e-300, 1e-300], [0.0, 1.0]],
        [[100.0], [100.0], [0.0], [100.0]],
        [[0.0], [100.0]],
    ),
    "subnormal start probability": (
        [1 - 1e-310, 1e-310],
        [[0.5, 0.5], [0.5, 0.5]],
        [[60.0], [0.0]],
        [[0.0], [60.0]],
    ),
    "two chains": (
        [0.5, 0.5],
        [[1.0, 0.0], [0.0, 1.0]],
        [[0.0], [0.0], [45.0], [45.0]],
        [[0.0], [45.0]],
    ),
}


@pytest.mark.parametrize("name", LOSING_CASES)
def test_a_state_lost_by_the_scaled_pass_is_recovered_in_log_space(name):
    startprob, transmat, X, means = map(np.array, LOSING_CASES[name])
    frame_log_prob = np.column_stack(
        [-0.5 * (X[:, 0] - mean) ** 2 - 0.5 * np.log(2 * np.pi) for mean in means[:, 0]]
    )
    expected = enumerate_paths(startprob, transmat, frame_log_prob)
    offsets = np.array([0, len(X)])
    passed = _kernels.forward(frame_log_prob, startprob, transmat, offsets)
    assert passed.lost.tolist() == [True]
    np.testing.assert_allclose(
        passed.frame_log_norm.sum(), expected["log_likelihood"], rtol=1e-12
    )
    posteriors, counts = _kernels.backward(passed, True)
    np.testing.assert_allclose(posteriors, expected["posteriors"], atol=1e-10)
    np.testing.assert_allclose(counts, expected["transition_counts"], atol=1e-10)
    for t in range(len(X)):
        prefix = enumerate_paths(startprob, transmat, frame_log_prob[: t + 1])
        np.testing.assert_allclose(
            passed.filtered[t], prefix["posteriors"][t], atol=1e-10
        )


def test_only_the_losing_sequence_runs_in_log_space():
    # The same left-right model on three sequences: the second has the outlier,
    # the others no frame where an emission underflows.
    startprob = np.array([1.0, 0.0])
    transmat = np.array([[0.9, 0.1], [0.0, 1.0]])
    X = np.array([0.0, 0.0, 1.0, 0.0, 40.0, 0.0, 0.0, 0.0, 2.0])
    frame_log_prob = np.column_stack([-0.5 * X**2, -0.5 * (X - 40.0) ** 2])
    offsets = np.array([0, 3, 7, 9])
    passed = _kernels.forward(frame_log_prob, startprob, transmat, offsets)
    assert passed.lost.tolist() == [False, True, False]
    posteriors, counts = _kernels.backward(passed, True)
    expected_counts = 0
    for a, b in zip(offsets[:-1], offsets[1:]):
        expected = enumerate_paths(startprob, transmat, frame_log_prob[a:b])
        np.testing.assert_allclose(
            passed.frame_log_norm[a:b].sum(), expected["log_likelihood"], rtol=1e-12
        )
        np.testing.assert_allclose(posteriors[a:b], expected["posteriors"], atol=1e-10)
        expected_counts = expected_counts + expected["transition_counts"]
    np.testing.assert_allclose(counts, expected_counts, atol=1e-10)


def test_ergodic_chains_are_not_watched():
    # Without tiny transitions a state lost at one frame stays negligible, so the
    # scaled pass is kept even where a frame's emissions underflow.
    frame_log_prob = np.array([[0.0, -900.0], [-900.0, 0.0], [0.0, -900.0]])
    transmat = np.array([[0.9, 0.1], [0.1, 0.9]])
    passed = _kernels.forward(
        frame_log_prob, np.array([0.5, 0.5]), transmat, np.array([0, 3])
    )
    assert not passed.lost.any()
    expected = enumerate_paths(np.array([0.5, 0.5]), transmat, frame_log_prob)
    np.testing.assert_allclose(
        passed.frame_log_norm.sum(), expected["log_likelihood"], rtol=1e-12
    )


def test_viterbi_counts_a_frame_no_path_can_emit_as_missing():
    # Frame 2 is impossible in every state; the frames after it still decide.
    with np.errstate(divide="ignore"):
        frame_log_prob = np.log(
            np.array([[0.9, 0.1], [0.9, 0.1], [0.0, 0.0], [0.1, 0.9], [0.1, 0.9]])
        )
    transmat = np.array([[0.8, 0.2], [0.2, 0.8]])
    with np.errstate(divide="ignore"):
        states = _kernels.viterbi(
            frame_log_prob,
            np.log([0.5, 0.5]),
            np.log(transmat),
            np.array([0, 5]),
        )
    missing = frame_log_prob.copy()
    missing[2] = 0.0
    expected = enumerate_paths(np.array([0.5, 0.5]), transmat, missing)["path"]
    np.testing.assert_array_equal(states, expected)
    assert states[-1] == 1


@given(
    st.integers(1, 4),
    st.integers(1, 3),
    st.floats(1.0, 800.0),
    st.integers(0, 2**32 - 1),
)
def test_mixture_kernels_equal_the_log_sum_exp(n_states, n_mix, spread, seed):
    # GMMHMM's emission: the log-sum-exp over each state's components, and each
    # component's share of the state's posterior. Spreads of hundreds of nats
    # would underflow without the shift; one state no component can emit.
    rng = np.random.default_rng(seed)
    component_log_prob = rng.normal(scale=spread, size=(6, n_states, n_mix))
    component_log_prob[2, 0] = -np.inf
    posteriors = rng.dirichlet(np.ones(n_states), size=6)
    log_prob = _mixture_kernels.mixture_log_prob(component_log_prob)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(log_prob, logsumexp(component_log_prob, axis=2))
    with np.errstate(invalid="ignore"):
        expected = posteriors[:, :, None] * softmax(component_log_prob, axis=2)
    expected[2, 0] = 0.0
    responsibilities = _mixture_kernels.component_posteriors(
        component_log_prob, posteriors
    )
    np.testing.assert_allclose(responsibilities, expected.reshape(6, -1), atol=1e-300)
