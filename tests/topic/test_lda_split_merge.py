"""Split-merge moves: the proposal, and the repair of a fit that missed a topic."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklatent.datasets import make_lda_corpus
from sklatent.metrics import matched_topic_cosine
from sklatent.topic import LDATopics
from sklatent.topic._sampling import draw_documents
from sklatent.topic._split_merge import propose_split_merge


def _worst_matched_cosine(topics, true_topics):
    return matched_topic_cosine(topics, true_topics).min()


def _three_topic_corpus():
    """Three true topics on disjoint words, 100 documents of each."""
    true_topics = np.zeros((3, 30))
    for k in range(3):
        true_topics[k, 10 * k : 10 * (k + 1)] = 0.1
    rng = np.random.RandomState(0)
    doc_topic = np.repeat(np.eye(3), 100, axis=0)
    X = draw_documents(doc_topic, true_topics, np.full(300, 40), rng)
    a_counts = np.asarray(X[:100].sum(axis=0)).ravel()
    bc_counts = np.asarray(X[100:].sum(axis=0)).ravel()
    return X, true_topics, a_counts, bc_counts, rng


def test_proposal_merges_duplicates_and_splits_the_broad_topic():
    # The fit has topic A twice and B+C as one.
    X, true_topics, a_counts, bc_counts, rng = _three_topic_corpus()
    prior = np.full(30, 0.01)
    components = prior + np.vstack([a_counts / 2, a_counts / 2, bc_counts])
    fitted_doc_topic = np.zeros((300, 3))
    fitted_doc_topic[:100, :2] = 0.5
    fitted_doc_topic[100:, 2] = 1.0
    proposal = propose_split_merge(components, prior, fitted_doc_topic, X, rng)
    assert _worst_matched_cosine(proposal, true_topics) > 0.95
    # The merged topic keeps the word counts of both duplicates.
    merged = components[0] + components[1] - prior
    assert any(np.allclose(proposal[k], merged) for k in (0, 1))


def test_proposal_drops_an_unused_topic_and_splits_the_broad_topic():
    # The fit has topic A, a flat topic no document uses, and B+C as one.
    X, true_topics, a_counts, bc_counts, rng = _three_topic_corpus()
    prior = np.full(30, 0.01)
    components = prior + np.vstack([a_counts, np.full(30, 5.0), bc_counts])
    fitted_doc_topic = np.zeros((300, 3))
    fitted_doc_topic[:100, 0] = 1.0
    fitted_doc_topic[100:, 2] = 1.0
    proposal = propose_split_merge(
        components, prior, fitted_doc_topic, X, rng, free="drop"
    )
    assert _worst_matched_cosine(proposal, true_topics) > 0.95
    np.testing.assert_array_equal(proposal[0], components[0])


def test_no_proposal_when_the_broad_topic_dominates_no_document():
    peaked = np.r_[np.full(4, 10.0), np.full(4, 0.1)]
    components = np.vstack([peaked, peaked, np.ones(8)])
    X = np.random.RandomState(1).poisson(1.0, size=(5, 8)).astype(float)
    doc_topic = np.tile([0.8, 0.1, 0.1], (5, 1))
    proposal = propose_split_merge(
        components,
        np.full(8, 0.1),
        doc_topic,
        sp.csr_matrix(X),
        np.random.RandomState(0),
    )
    assert proposal is None


@pytest.mark.parametrize("data_seed, fit_seed", [(0, 2), (1, 1)])
def test_split_merge_recovers_a_topic_a_plain_fit_misses(data_seed, fit_seed):
    X, true_topics, _ = make_lda_corpus(
        n_samples=800,
        n_features=150,
        n_components=8,
        doc_length=50,
        random_state=data_seed,
    )
    params = dict(
        n_components=8, doc_topic_prior=0.1, max_iter=20, random_state=fit_seed
    )
    plain = LDATopics(**params).fit(X)
    repaired = LDATopics(**params, split_merge_moves=3).fit(X)
    assert _worst_matched_cosine(plain.components_, true_topics) < 0.5
    assert _worst_matched_cosine(repaired.components_, true_topics) > 0.95
    assert repaired.score(X) > plain.score(X)


@pytest.mark.parametrize("learning_method", ["batch", "online", "cvb0"])
def test_split_merge_never_lowers_the_training_bound(learning_method):
    X, _, _ = make_lda_corpus(
        n_samples=300, n_features=60, n_components=5, doc_length=40, random_state=4
    )
    for seed in range(3):
        params = dict(
            n_components=5,
            max_iter=6,
            learning_method=learning_method,
            batch_size=100,
            random_state=seed,
        )
        plain = LDATopics(**params).fit(X)
        moved = LDATopics(**params, split_merge_moves=2).fit(X)
        assert moved.score_samples(X).sum() >= plain.score_samples(X).sum() - 1e-6


def test_split_merge_reports_its_moves(capsys):
    X, _, _ = make_lda_corpus(
        n_samples=200, n_features=40, n_components=4, random_state=0
    )
    LDATopics(n_components=4, max_iter=4, split_merge_moves=1, verbose=1).fit(X)
    assert "split-merge move 1 (merge)" in capsys.readouterr().out
