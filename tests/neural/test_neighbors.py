"""The neighbour-embedding term: t-SNE affinities in a batch, and its effect."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import brentq
from sklearn.datasets import load_digits
from sklearn.manifold import trustworthiness

from sklatent import VAETransformer
from sklatent.neural._neighbors import (
    MIN_ROWS,
    batch_affinities,
    neighbor_embedding_loss,
)


def _brute_force_affinities(x, perplexity):
    """t-SNE's P by the book: each row's kernel over its 3 * perplexity + 1
    nearest rows, its precision found by a scalar root finder."""
    n_rows = len(x)
    perplexity = min(perplexity, (n_rows - 1) / 3)
    n_neighbors = min(n_rows - 1, int(3 * perplexity) + 1)
    sq_dist = ((x[:, None] - x[None]) ** 2).sum(-1)
    conditional = np.zeros((n_rows, n_rows))
    for i in range(n_rows):
        others = np.argsort(np.where(np.arange(n_rows) == i, np.inf, sq_dist[i]))
        near = others[:n_neighbors]
        d = sq_dist[i, near] / sq_dist[i, near].mean()

        def excess_entropy(log_precision, d=d):
            logits = -np.exp(log_precision) * d
            p = np.exp(logits - logits.max())
            p /= p.sum()
            return -(p * np.log(np.maximum(p, 1e-300))).sum() - math.log(perplexity)

        log_precision = brentq(excess_entropy, -30, 30)
        p = np.exp(-np.exp(log_precision) * (d - d.min()))
        conditional[i, near] = p / p.sum()
    return (conditional + conditional.T) / (2 * n_rows)


@given(
    seed=st.integers(0, 2**16),
    n_rows=st.integers(MIN_ROWS, 40),
    n_features=st.integers(1, 6),
    perplexity=st.floats(1.0, 12.0),
)
def test_affinities_form_a_symmetric_distribution(seed, n_rows, n_features, perplexity):
    x = np.random.default_rng(seed).normal(size=(n_rows, n_features))
    P = batch_affinities(torch.as_tensor(x), perplexity).numpy()
    assert P.shape == (n_rows, n_rows)
    assert np.all(P >= 0)
    np.testing.assert_allclose(P, P.T)
    np.testing.assert_allclose(np.diag(P), 0)
    assert P.sum() == pytest.approx(1.0)


@given(
    seed=st.integers(0, 2**16),
    # At least 6 rows and a perplexity above one, so that the capped perplexity
    # exceeds one and the root finder has a sign change to find.
    n_rows=st.integers(6, 40),
    n_features=st.integers(1, 6),
    perplexity=st.floats(1.5, 12.0),
)
def test_affinities_match_brute_force(seed, n_rows, n_features, perplexity):
    x = np.random.default_rng(seed).normal(size=(n_rows, n_features))
    P = batch_affinities(torch.as_tensor(x), perplexity).numpy()
    np.testing.assert_allclose(
        P, _brute_force_affinities(x, perplexity), rtol=0.02, atol=1e-5
    )


@given(seed=st.integers(0, 2**16), n_rows=st.integers(MIN_ROWS, 30))
def test_loss_is_the_kl_divergence_between_the_affinities(seed, n_rows):
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=(n_rows, 4)), rng.normal(size=(n_rows, 2))
    scale = 0.5
    P = batch_affinities(torch.as_tensor(x), 3.0).numpy()
    kernel = 1 / (1 + ((z[:, None] - z[None]) ** 2).sum(-1) / scale**2)
    np.fill_diagonal(kernel, 0)
    Q = kernel / kernel.sum()
    positive = P > 0
    expected = (P[positive] * np.log(P[positive] / Q[positive])).sum()
    loss = neighbor_embedding_loss(torch.as_tensor(x), torch.as_tensor(z), 3.0, scale)
    assert loss.item() == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert loss.item() >= -1e-12


def test_loss_has_finite_gradients_when_codes_coincide():
    x = torch.randn(16, 5, generator=torch.Generator().manual_seed(0))
    z = torch.zeros(16, 2, requires_grad=True)
    loss = neighbor_embedding_loss(x, z, 5.0, 0.2)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.all(torch.isfinite(z.grad))


def test_loss_prefers_codes_that_keep_the_neighbours():
    x = torch.randn(60, 2, generator=torch.Generator().manual_seed(0))
    shuffled = x[torch.randperm(60, generator=torch.Generator().manual_seed(1))]
    assert neighbor_embedding_loss(x, x, 5.0, 1.0) < neighbor_embedding_loss(
        x, shuffled, 5.0, 1.0
    )


def test_neighbour_term_keeps_the_neighbourhoods_of_the_data():
    """On digits, 2-D codes trained with the term preserve the data's
    neighbourhoods better than those of the plain VAE (the default,
    neighbor_weight=0)."""
    X = load_digits().data[:600] / 16
    params = {"hidden_layer_sizes": (64,), "max_epochs": 60, "random_state": 0}
    plain = VAETransformer(**params).fit(X)
    with_term = VAETransformer(neighbor_weight=100.0, **params).fit(X)
    assert trustworthiness(X, with_term.transform(X), n_neighbors=10) > (
        trustworthiness(X, plain.transform(X), n_neighbors=10) + 0.05
    )


def test_batches_too_small_for_the_term_still_train():
    X = np.random.default_rng(0).normal(size=(MIN_ROWS - 1, 4))
    vae = VAETransformer(
        neighbor_weight=5.0, early_stopping=False, max_epochs=2, random_state=0
    ).fit(X)
    assert np.all(np.isfinite(vae.history_[:, "train_loss"]))
