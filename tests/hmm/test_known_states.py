"""Known states: labelled frames clamped in the E-step of fit."""

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GroupKFold, cross_validate

from sklatent import GaussianHMM
from sklatent.datasets import make_hmm_sequences

from ._models import COVARIANCE_TYPES, exact_em_step, random_gaussian_hmm

LENGTHS = [5, 3]
KNOWN = np.array([-1, 2, -1, -1, 0, 1, -1, -1])


@pytest.fixture(scope="module")
def data():
    X, lengths, states, _ = make_hmm_sequences(
        n_sequences=10, sequence_length=100, n_components=3, random_state=0
    )
    return X, lengths, states


def _fit_from(model, X, **params):
    return GaussianHMM(
        model.n_components,
        covariance_type=model.covariance_type,
        covars_prior=0.0,
        min_covar=1e-12,
        startprob_init=model.startprob_,
        transmat_init=model.transmat_,
        means_init=model.means_,
        covariances_init=model.covariances_,
        **params,
    ).fit(X, lengths=LENGTHS, known_states=KNOWN)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_em_iteration_with_known_states_equals_enumeration_through_the_labels(
    covariance_type,
):
    rng = np.random.default_rng(8)
    model = random_gaussian_hmm(rng, 3, 2, covariance_type)
    X = rng.normal(0, 2, size=(sum(LENGTHS), 2))
    objective, expected = exact_em_step(model, X, LENGTHS, KNOWN)
    fitted = _fit_from(model, X, n_iter=1)
    # The monitor records the joint log-likelihood of the frames and the labels.
    np.testing.assert_allclose(fitted.monitor_.history[0], objective, rtol=1e-10)
    for name, value in expected.items():
        np.testing.assert_allclose(
            getattr(fitted, name), value, atol=1e-10, err_msg=name
        )


def test_fitted_states_follow_the_label_order(data):
    X, lengths, states = data
    unlabelled = GaussianHMM(3, n_iter=30, random_state=0).fit(X, lengths=lengths)
    # The state that the unlabelled fit gives to each true state, shifted by one,
    # so that the labels never agree with the order of the unlabelled fit.
    found = np.array(
        [
            np.bincount(unlabelled.predict(X, lengths=lengths)[states == s]).argmax()
            for s in range(3)
        ]
    )
    labels = (found + 1) % 3
    known = np.full(len(X), -1)
    chosen = np.random.default_rng(0).choice(len(X), 30, replace=False)
    known[chosen] = labels[states[chosen]]
    labelled = GaussianHMM(3, n_iter=30, random_state=0).fit(
        X, lengths=lengths, known_states=known
    )
    decoded = labelled.predict(X, lengths=lengths)
    assert np.mean(decoded == labels[states]) > 0.95


def test_no_labelled_frame_fits_as_without_known_states(data):
    X, lengths, _ = data
    plain = GaussianHMM(3, random_state=0).fit(X, lengths=lengths)
    unknown = GaussianHMM(3, random_state=0).fit(
        X, lengths=lengths, known_states=np.full(len(X), -1)
    )
    np.testing.assert_array_equal(unknown.means_, plain.means_)
    np.testing.assert_array_equal(unknown.transmat_, plain.transmat_)


def test_known_states_are_routed_with_the_rows_through_cross_validation(data):
    X, lengths, states = data
    ids = np.repeat(np.arange(len(lengths)), lengths)
    known = np.where(np.arange(len(X)) % 7 == 0, states, -1)
    seen = []

    class RecordingHMM(GaussianHMM):
        def fit(self, X, y=None, *, lengths=None, sequence_ids=None, known_states=None):
            seen.append((sequence_ids, known_states))
            return super().fit(X, sequence_ids=sequence_ids, known_states=known_states)

    with sklearn.config_context(enable_metadata_routing=True):
        model = RecordingHMM(3, n_iter=5, random_state=0).set_fit_request(
            sequence_ids="groups", known_states=True
        )
        model.set_score_request(sequence_ids="groups")
        cross_validate(
            model,
            X,
            cv=GroupKFold(2),
            params={"groups": ids, "known_states": known},
        )
    assert len(seen) == 2
    for fold_ids, fold_known in seen:
        rows = np.isin(ids, np.unique(fold_ids))
        np.testing.assert_array_equal(fold_known, known[rows])


@pytest.mark.parametrize(
    "known_states, message",
    [
        (np.zeros(5, dtype=int), "one entry per row"),
        (
            np.full(8, 3),
            r"a state in \[0, 3\), got 3 in rows \[0, 1, 2, 3, 4, \.\.\.\]",
        ),
        (np.array([-1, -2, -1, -1, 0, 1, -1, -1]), r"got -2 in rows \[1\]"),
        (np.array([0.5] * 8), "integer states"),
        (np.ones(8, dtype=bool), "integer states"),
    ],
)
def test_bad_known_states_are_rejected(known_states, message):
    X = np.random.default_rng(0).normal(size=(8, 2))
    with pytest.raises(ValueError, match=message):
        GaussianHMM(3).fit(X, lengths=LENGTHS, known_states=known_states)


def test_labels_ruled_out_by_the_transitions_are_rejected():
    X = np.random.default_rng(0).normal(size=(8, 2))
    model = GaussianHMM(3, transmat_init=np.eye(3), startprob_init=[1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="known_states are impossible"):
        model.fit(X, lengths=LENGTHS, known_states=KNOWN)
