"""Held-out likelihood of documents under fixed topics, by sequential Monte Carlo.

``p(w_d | beta, alpha)`` integrates the document's topic mixture out, which no
closed form does. As in the left-to-right evaluation of Wallach, Murray,
Salakhutdinov and Mimno (2009), the likelihood is the product of the predictive
probabilities ``p(w_n | w_<n)``, each estimated with ``n_particles`` samples of the
topics of the words before ``w_n``. Instead of Wallach's Gibbs sweeps over all
earlier words (a cost quadratic in the document's length), the particles follow
the fully adapted particle filter (Pitt and Shephard, 1999; applied to LDA by
Scott and Baldridge, 2013): a particle is its topic counts; it is weighted by the
predictive probability of the next word, resampled when the weights degenerate,
and draws the word's topic from its exact conditional. The product of the
weighted means is an unbiased estimate of the likelihood (Del Moral, 2004), at a
cost linear in the document's length.

Each document gets its own seed (drawn in document order from the caller's
random state) for a splitmix64 generator, and its words are visited in a random
order drawn from it, so the estimates do not depend on the number of threads.
"""

import math

import numpy as np
from numba import njit, prange

from ._inference import _chunk_starts, _run_kernel


@njit(cache=True, inline="always")
def _uniform(state):
    """A uniform draw in [0, 1) from the splitmix64 generator in ``state[0]``.

    A generator of a few operations that is seeded per document for free (numba's
    Mersenne twister costs more to seed than a short document costs to score).
    """
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def _draw(weights, total, state):
    """Index drawn with probability weights / total."""
    target = _uniform(state) * total
    acc = 0.0
    for k in range(weights.shape[0] - 1):
        acc += weights[k]
        if target < acc:
            return k
    return weights.shape[0] - 1


@njit(cache=True)
def _document_log_likelihood(tokens, topic_word_t, prior, state, work):
    counts, resampled, joint, predictive, weights, ancestors = work
    n_particles, n_topics = counts.shape
    n_tokens = tokens.shape[0]
    # Visit the words in a random order: the estimate is valid for any order and a
    # random one spreads its error over the document.
    for i in range(n_tokens - 1, 0, -1):
        j = min(int(_uniform(state) * (i + 1)), i)
        tokens[i], tokens[j] = tokens[j], tokens[i]
    prior_total = prior.sum()
    counts[:] = 0.0
    weights[:] = 1.0 / n_particles
    log_likelihood = 0.0
    # The running product of the predictive means, logged before it underflows.
    product = 1.0
    for n in range(n_tokens):
        word = topic_word_t[tokens[n]]
        scale = 1.0 / (n + prior_total)
        mean = 0.0
        for r in range(n_particles):
            total = 0.0
            for k in range(n_topics):
                joint[r, k] = word[k] * (counts[r, k] + prior[k]) * scale
                total += joint[r, k]
            predictive[r] = total
            mean += weights[r] * total
        product *= mean
        if product < 1e-250:
            log_likelihood += math.log(product)
            product = 1.0
        squares = 0.0
        for r in range(n_particles):
            weights[r] *= predictive[r] / mean
            squares += weights[r] * weights[r]
        if squares * n_particles > 2.0:
            # Fewer than half the particles effectively left: systematic resampling.
            offset = _uniform(state) / n_particles
            acc, source = weights[0], 0
            for r in range(n_particles):
                position = offset + r / n_particles
                while position > acc and source < n_particles - 1:
                    source += 1
                    acc += weights[source]
                ancestors[r] = source
                resampled[r] = counts[source]
            counts[:] = resampled
            weights[:] = 1.0 / n_particles
        else:
            for r in range(n_particles):
                ancestors[r] = r
        for r in range(n_particles):
            source = ancestors[r]
            counts[r, _draw(joint[source], predictive[source], state)] += 1.0
    return log_likelihood + math.log(product)


@njit(cache=True)
def _serial(offsets, tokens, topic_word_t, prior, n_particles, seeds, out):
    # offsets may be a slice of the corpus' offsets: they stay absolute.
    n_topics = prior.shape[0]
    work = (
        np.empty((n_particles, n_topics)),
        np.empty((n_particles, n_topics)),
        np.empty((n_particles, n_topics)),
        np.empty(n_particles),
        np.empty(n_particles),
        np.empty(n_particles, dtype=np.int64),
    )
    state = np.empty(1, dtype=np.uint64)
    for d in range(seeds.shape[0]):
        state[0] = np.uint64(seeds[d])
        out[d] = _document_log_likelihood(
            tokens[offsets[d] : offsets[d + 1]].copy(), topic_word_t, prior, state, work
        )


@njit(cache=True, parallel=True)
def _parallel(offsets, tokens, topic_word_t, prior, n_particles, seeds, out):
    starts = _chunk_starts(seeds.shape[0])
    for c in prange(starts.shape[0] - 1):
        lo, hi = starts[c], starts[c + 1]
        _serial(
            offsets[lo : hi + 1],
            tokens,
            topic_word_t,
            prior,
            n_particles,
            seeds[lo:hi],
            out[lo:hi],
        )


def left_to_right_log_likelihood(
    X, topic_word, doc_topic_prior, *, n_particles, random_state, n_threads=1
):
    """Left-to-right estimates of log p(w_d | topics, alpha) for each document.

    Parameters
    ----------
    X : sparse matrix of shape (n_samples, n_features)
        Validated CSR matrix of whole-number word counts.
    topic_word : ndarray of shape (n_topics, n_features)
        Word distribution of each topic (rows sum to one).
    doc_topic_prior : ndarray of shape (n_topics,)
        Dirichlet prior of the topic mixtures.
    n_particles : int
        Gibbs samples per word position.
    random_state : numpy.random.RandomState
        Source of the documents' seeds.
    n_threads : int, default=1
        Threads to spread the documents over.

    Returns
    -------
    log_likelihood : ndarray of shape (n_samples,)
        The estimates (0 for a document without words).
    """
    counts = np.rint(X.data).astype(np.int64)
    tokens = np.repeat(X.indices.astype(np.int64), counts)
    offsets = np.concatenate([[0], np.cumsum(counts)])[X.indptr]
    seeds = random_state.randint(0, 2**31 - 1, size=X.shape[0]).astype(np.int64)
    out = np.empty(X.shape[0])
    _run_kernel(
        _serial,
        _parallel,
        n_threads,
        offsets,
        tokens,
        np.ascontiguousarray(topic_word.T),
        np.ascontiguousarray(doc_topic_prior, dtype=np.float64),
        int(n_particles),
        seeds,
        out,
    )
    return out
