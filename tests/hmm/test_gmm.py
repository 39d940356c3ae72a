"""GMMHMM against hmmlearn, and what is particular to mixtures."""

import numpy as np
import pytest
from hmmlearn import hmm as hmmlearn_hmm

from sklatent import GMMHMM
from sklatent.datasets import make_hmm_sequences

from ._emission_cases import assert_agrees_with_hmmlearn

pytestmark = pytest.mark.usefixtures("quiet_hmmlearn")

COVARIANCE_TYPES = ["diag", "full", "spherical", "tied"]


class _HmmlearnOnNewMeans(hmmlearn_hmm.GMMHMM):
    """hmmlearn's GMMHMM with its covariances taken about the new means.

    hmmlearn accumulates the scatter about the means of the E-step and divides it
    by the count after moving the means, which adds ``N d d'`` (``d`` the move)
    to each numerator: not an EM step. This removes that term, leaving hmmlearn's
    priors and everything else as they are.
    """

    def _do_mstep(self, stats):
        previous = self.means_.copy()
        # The posterior-weighted sum of the frames of each component.
        sums = stats["m_n"] - self.means_weight[..., None] * self.means_prior
        super()._do_mstep(stats)
        if "c" not in self.params:
            return
        new, count = self.means_, stats["post_mix_sum"]

        def outer(a, b):
            return a[..., :, None] * b[..., None, :]

        # Scatter about the previous means minus the scatter about the new ones.
        extra = (
            outer(sums, new - previous)
            + outer(new - previous, sums)
            + count[..., None, None] * (outer(previous, previous) - outer(new, new))
        )
        diagonal = np.diagonal(extra, axis1=-2, axis2=-1)
        n_features = self.n_features
        if self.covariance_type == "diag":
            denominator = count[..., None] + 1 + 2 * (self.covars_prior + 1)
            self.covars_ -= diagonal / denominator
        elif self.covariance_type == "spherical":
            denominator = n_features * (count + 1) + 2 * (self.covars_prior + 1)
            self.covars_ -= diagonal.sum(axis=-1) / denominator
        elif self.covariance_type == "full":
            denominator = count + 1 + self.covars_weight + n_features + 1
            self.covars_ -= extra / denominator[..., None, None]
        else:
            denominator = (
                stats["post_sum"] + self.n_mix + self.covars_weight + n_features + 1
            )
            self.covars_ -= extra.sum(axis=1) / denominator[:, None, None]

    @property
    def covariances_(self):
        return self.covars_


@pytest.fixture(scope="module")
def data():
    X, lengths, states, params = make_hmm_sequences(
        n_sequences=8, sequence_length=60, n_components=3, n_features=2, random_state=1
    )
    return X, lengths, states, params


def _reference_from(ours, **params):
    reference = _HmmlearnOnNewMeans(
        ours.n_components,
        ours.n_mix,
        covariance_type=ours.covariance_type,
        init_params="",
        n_iter=ours.n_iter,
        tol=ours.tol,
        **params,
    )
    reference.startprob_ = ours.startprob_init
    reference.transmat_ = ours.transmat_init
    reference.weights_ = ours.weights_init
    reference.means_ = ours.means_init
    reference.covars_ = ours.covariances_init
    return reference


def _start(X, lengths, covariance_type, seed=0):
    """Starting values from a one-iteration fit, so that they are not the truth."""
    start = GMMHMM(3, 2, covariance_type=covariance_type, n_iter=1, random_state=seed)
    start.fit(X, lengths=lengths)
    rng = np.random.default_rng(seed)
    return {
        "startprob_init": start.startprob_,
        "transmat_init": start.transmat_,
        "weights_init": rng.dirichlet(np.ones(2), 3),
        "means_init": start.means_,
        "covariances_init": start.covariances_,
    }


class _CorrectedCriteria:
    """hmmlearn counts n_mix - 1 free weights in all; there are that many per state."""

    def __init__(self, reference):
        self.reference = reference
        self.extra = (reference.n_components - 1) * (reference.n_mix - 1)

    def __getattr__(self, name):
        return getattr(self.reference, name)

    def aic(self, X, lengths):
        return self.reference.aic(X, lengths) + 2 * self.extra

    def bic(self, X, lengths):
        return self.reference.bic(X, lengths) + self.extra * np.log(len(X))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_ten_em_iterations_agree_with_hmmlearn(data, covariance_type):
    X, lengths, _, _ = data
    start = _start(X, lengths, covariance_type)
    ours = GMMHMM(3, 2, covariance_type=covariance_type, n_iter=10, tol=-np.inf)
    ours.set_params(**start).fit(X, lengths=lengths)
    # hmmlearn's default spherical prior is not "no prior" unless n_mix equals
    # n_features (here it does); sklatent's default is.
    reference = _reference_from(ours).fit(X, lengths)
    assert ours.n_iter_ == 10
    assert_agrees_with_hmmlearn(ours, _CorrectedCriteria(reference), X, lengths)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_map_estimates_agree_with_hmmlearn(data, covariance_type):
    X, lengths, _, _ = data
    rng = np.random.default_rng(3)
    n_features = X.shape[1]
    covars_prior, covars_weight = {
        "diag": (rng.uniform(0, 2, size=(3, 2, n_features)), 0.5),
        "spherical": (1.0, rng.uniform(0, 1, size=(3, 2))),
        "full": (np.tile(0.5 * np.eye(n_features), (3, 2, 1, 1)), 3.0),
        "tied": (np.tile(0.5 * np.eye(n_features), (3, 1, 1)), 4.0),
    }[covariance_type]
    priors = {
        "weights_prior": rng.uniform(1, 3, size=(3, 2)),
        "means_prior": rng.normal(size=(3, 2, n_features)),
        "means_weight": rng.uniform(0.5, 2, size=(3, 2)),
        "covars_prior": covars_prior,
        "covars_weight": covars_weight,
        "transmat_prior": 2.0,
    }
    start = _start(X, lengths, covariance_type, seed=1)
    ours = GMMHMM(3, 2, covariance_type=covariance_type, n_iter=5, tol=-np.inf)
    ours.set_params(**start, **priors).fit(X, lengths=lengths)
    reference = _reference_from(ours, **priors).fit(X, lengths)
    assert_agrees_with_hmmlearn(ours, _CorrectedCriteria(reference), X, lengths)


def test_defaults_equal_hmmlearn_defaults():
    ours = GMMHMM().get_params()
    theirs = hmmlearn_hmm.GMMHMM().get_params()
    shared = set(ours) & set(theirs)
    assert shared >= {"n_mix", "min_covar", "covars_prior", "weights_prior"}
    for name in shared:
        assert ours[name] == theirs[name], name


def test_one_component_per_state_is_the_gaussian_model(data):
    from sklatent import GaussianHMM

    X, lengths, _, _ = data
    gaussian = GaussianHMM(3, covars_prior=0.0, min_covar=1e-6, n_iter=8, tol=-np.inf)
    gaussian.set_params(random_state=0).fit(X, lengths=lengths)
    start = {
        "startprob_init": gaussian.startprob_,
        "transmat_init": gaussian.transmat_,
    }
    single = GMMHMM(3, 1, min_covar=1e-6, n_iter=5, tol=-np.inf, **start)
    single.set_params(
        means_init=gaussian.means_[:, None],
        covariances_init=gaussian.covariances_[:, None],
    ).fit(X, lengths=lengths)
    plain = GaussianHMM(3, covars_prior=0.0, min_covar=1e-6, n_iter=5, tol=-np.inf)
    plain.set_params(
        **start, means_init=gaussian.means_, covariances_init=gaussian.covariances_
    ).fit(X, lengths=lengths)
    np.testing.assert_allclose(single.means_[:, 0], plain.means_, rtol=1e-8)
    np.testing.assert_allclose(single.covariances_[:, 0], plain.covariances_, rtol=1e-8)
    np.testing.assert_allclose(single.monitor_.history, plain.monitor_.history)


def test_a_component_without_frames_keeps_finite_parameters(data):
    X, lengths, _, _ = data
    start = _start(X, lengths, "diag")
    means = start["means_init"].copy()
    means[1, 1] = 1e6  # far from every frame
    model = GMMHMM(3, 2, n_iter=5, **{**start, "means_init": means})
    model.fit(X, lengths=lengths)
    for name in ("weights_", "means_", "covariances_"):
        assert np.all(np.isfinite(getattr(model, name))), name
    np.testing.assert_array_equal(model.means_[1, 1], means[1, 1])
    assert model.weights_[1, 1] == 0.0
    assert np.all(np.isfinite(model.score_samples(X, lengths=lengths)))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_sampled_frames_follow_the_mixtures(data, covariance_type):
    X, lengths, _, _ = data
    model = GMMHMM(3, 2, covariance_type=covariance_type, random_state=0)
    model.fit(X, lengths=lengths)
    X_new, states = model.sample(40_000, random_state=0)
    mixture_means = model.inverse_transform(np.eye(3))
    for state in range(3):
        np.testing.assert_allclose(
            X_new[states == state].mean(axis=0), mixture_means[state], atol=0.1
        )
    # The log-likelihood of the samples is close to the entropy of the model.
    assert (
        abs(model.score(X_new) - model.score(model.sample(40_000, random_state=1)[0]))
        < 0.02
    )


def test_inverse_transform_is_the_expected_frame(data):
    X, lengths, _, _ = data
    model = GMMHMM(3, 2, random_state=0).fit(X, lengths=lengths)
    Z = model.predict_proba(X, lengths=lengths)
    expected = Z @ (model.weights_[:, :, None] * model.means_).sum(axis=1)
    np.testing.assert_allclose(model.inverse_transform(Z), expected)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"weights_init": np.ones((3, 2))}, "weights_init must hold"),
        ({"means_init": np.zeros((3, 3, 2))}, "means_init must be a finite array"),
        ({"covariances_init": -np.ones((3, 2, 2))}, "positive variances"),
        ({"weights_prior": 0.0}, "weights_prior must hold positive"),
        ({"means_weight": -1.0}, "means_weight must be non-negative"),
        ({"covars_prior": -3.0}, "covars_prior must be at least -1.5"),
        ({"covars_weight": -1.0}, "covars_weight must be non-negative"),
        (
            {"covariance_type": "full", "covars_weight": -10.0},
            "covars_weight must be at least -4",
        ),
        (
            {"covariance_type": "tied", "covars_prior": -np.eye(2)},
            "positive semi-definite",
        ),
    ],
)
def test_bad_starting_values_and_priors_are_named(data, params, message):
    X, lengths, _, _ = data
    with pytest.raises(ValueError, match=message):
        GMMHMM(3, 2, **params).fit(X, lengths=lengths)
