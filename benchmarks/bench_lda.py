"""Time LDATopics against scikit-learn's LDA (batch and online) and gensim's LdaModel.

The corpus comes from :func:`sklatent.datasets.make_lda_corpus`: 5,000 words, 20
topics, 10,000 training documents of about 100 words (plus 1,000 held out), alpha
0.1, eta 0.01. Every model gets the true priors, 20 passes over the data and at most
100 inference iterations per document with tolerance 1e-3, and runs in this process
on one thread (BLAS limited with threadpoolctl); then sklatent runs on all cores.
gensim's LdaModel runs in batch mode: the whole corpus as one chunk and ``decay=0``,
so each pass replaces the topics, as batch variational Bayes does.

Each peer is timed right after a one-thread sklatent run, and its ratio is to that
run, so that load from other processes affects both alike.

Printed per model: fit time, its ratio to sklatent's (peer time / sklatent time),
held-out document-completion perplexity (the topic mixture is inferred from a random
half of each held-out document's words and scores the other half; lower is better)
and the cosine similarity of the fitted topics to the true ones after Hungarian
matching (mean and worst; higher is better).

gensim is optional: ``pip install gensim`` (4.4 installs next to numpy 2.4 and
scipy 1.17 without changing them); without it its row is left out.

Run from the repository root::

    PYTHONPATH=$PWD python benchmarks/bench_lda.py [--quick]
"""

import argparse
import time

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import LatentDirichletAllocation
from threadpoolctl import threadpool_limits

from sklatent import LDATopics
from sklatent.datasets import make_lda_corpus
from sklatent.metrics import matched_topic_cosine

N_TOPICS = 20
ALPHA, ETA = 0.1, 0.01
PASSES = 20


def split_halves(X, random_state):
    """Each document's words split at random into an observed and a held-out half."""
    X = sp.csr_matrix(X)
    observed = X.copy()
    observed.data = random_state.binomial(X.data.astype(np.int64), 0.5).astype(float)
    held_out = X - observed
    observed.eliminate_zeros()
    held_out.eliminate_zeros()
    return observed.tocsr(), held_out.tocsr()


def completion_perplexity(doc_topic, topic_word, held_out):
    """Perplexity of the held-out words under the inferred mixtures and topics."""
    doc_topic = doc_topic / doc_topic.sum(axis=1, keepdims=True)
    topic_word = topic_word / topic_word.sum(axis=1, keepdims=True)
    rows = np.repeat(np.arange(held_out.shape[0]), np.diff(held_out.indptr))
    word_prob = np.einsum("nk,kn->n", doc_topic[rows], topic_word[:, held_out.indices])
    return float(np.exp(-np.sum(held_out.data * np.log(word_prob)) / held_out.sum()))


def _timed(fit):
    start = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - start


class SklearnRun:
    """scikit-learn's LatentDirichletAllocation (or LDATopics, same API)."""

    def __init__(self, cls, **params):
        self.cls, self.params = cls, params

    def fit(self, X):
        params = dict(
            n_components=N_TOPICS,
            doc_topic_prior=ALPHA,
            topic_word_prior=ETA,
            max_iter=PASSES,
            random_state=0,
        )
        return self.cls(**{**params, **self.params}).fit(X)

    @staticmethod
    def evaluate(model, observed):
        return model.transform(observed), model.components_


class GensimRun:
    """gensim's LdaModel in batch mode."""

    def fit(self, X):
        from gensim.matutils import Sparse2Corpus
        from gensim.models import LdaModel

        return LdaModel(
            Sparse2Corpus(X, documents_columns=False),
            num_topics=N_TOPICS,
            id2word={i: str(i) for i in range(X.shape[1])},
            chunksize=X.shape[0],
            passes=PASSES,
            update_every=1,
            decay=0.0,
            alpha=np.full(N_TOPICS, ALPHA),
            eta=ETA,
            iterations=100,
            gamma_threshold=1e-3,
            eval_every=None,
            random_state=0,
            dtype=np.float64,
        )

    @staticmethod
    def evaluate(model, observed):
        from gensim.matutils import Sparse2Corpus

        gamma, _ = model.inference(
            list(Sparse2Corpus(observed, documents_columns=False))
        )
        return gamma, model.get_topics()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a corpus ten times smaller"
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    n_train = 10_000 // scale
    X, true_topics, _ = make_lda_corpus(
        n_samples=n_train + 1000 // scale,
        n_features=5000 // scale,
        n_components=N_TOPICS,
        doc_length=100,
        doc_topic_prior=ALPHA,
        topic_word_prior=ETA,
        random_state=0,
    )
    X = X.astype(np.float64)
    X_train, X_test = X[:n_train], X[n_train:]
    observed, held_out = split_halves(X_test, np.random.RandomState(1))
    print(
        f"corpus: {X_train.shape[0]} training and {X_test.shape[0]} held-out "
        f"documents, {X.shape[1]} words, {int(X_train.sum())} training tokens; "
        f"{N_TOPICS} topics, {PASSES} passes, alpha {ALPHA}, eta {ETA}"
    )
    # Compile the kernels outside the timings.
    LDATopics(n_components=2, max_iter=1).fit(X_train[:50])
    LDATopics(n_components=2, max_iter=1, n_jobs=-1).fit(X_train[:50])

    batch = ("sklatent batch, 1 thread", SklearnRun(LDATopics))
    online = (
        "sklatent online, 1 thread",
        SklearnRun(LDATopics, learning_method="online"),
    )
    # Each peer is timed right after the sklatent run of the same method.
    pairs = [
        (batch, ("scikit-learn batch", SklearnRun(LatentDirichletAllocation))),
        (
            online,
            (
                "scikit-learn online",
                SklearnRun(LatentDirichletAllocation, learning_method="online"),
            ),
        ),
    ]
    try:
        import gensim  # noqa: F401

        pairs.append((batch, ("gensim LdaModel (batch)", GensimRun())))
    except ImportError:
        print("gensim is not installed: its row is left out (pip install gensim)")

    rows = []
    batch_times = []
    with threadpool_limits(1):
        for (our_name, ours), (name, peer) in pairs:
            our_model, our_time = _timed(lambda ours=ours: ours.fit(X_train))
            rows.append((our_name, our_model, our_time, ours, 1.0))
            if ours is batch[1]:
                batch_times.append(our_time)
            model, seconds = _timed(lambda peer=peer: peer.fit(X_train))
            rows.append((name, model, seconds, peer, seconds / our_time))
        extra = [
            ("sklatent, all cores (n_jobs=-1)", SklearnRun(LDATopics, n_jobs=-1)),
            (
                "sklatent, auto priors, all cores",
                SklearnRun(
                    LDATopics,
                    doc_topic_prior="auto",
                    topic_word_prior="auto",
                    n_jobs=-1,
                ),
            ),
            (
                "sklatent, n_init=5, all cores",
                SklearnRun(LDATopics, n_init=5, n_jobs=-1),
            ),
            (
                "sklatent, split-merge, 1 thread",
                SklearnRun(LDATopics, split_merge_moves=3),
            ),
            (
                "sklatent, split-merge, all cores",
                SklearnRun(LDATopics, split_merge_moves=3, n_jobs=-1),
            ),
        ]
        for name, run in extra:
            model, seconds = _timed(lambda run=run: run.fit(X_train))
            rows.append((name, model, seconds, run, seconds / np.median(batch_times)))

    header = (
        f"{'model':<36} {'fit (s)':>8} {'time / sklatent':>16} "
        f"{'held-out perplexity':>20} {'cosine mean':>12} {'cosine worst':>13}"
    )
    print(header)
    print("-" * len(header))
    for name, model, seconds, run, ratio in rows:
        doc_topic, topic_word = run.evaluate(model, observed)
        perplexity = completion_perplexity(doc_topic, topic_word, held_out)
        cosines = matched_topic_cosine(topic_word, true_topics)
        print(
            f"{name:<36} {seconds:>8.2f} {ratio:>16.2f} {perplexity:>20.1f} "
            f"{cosines.mean():>12.3f} {cosines.min():>13.3f}"
        )
    print(
        "time / sklatent: a peer's time over the one-thread sklatent run (same "
        "method) just before it; for the last rows, over the median one-thread "
        "sklatent batch time."
    )


if __name__ == "__main__":
    main()
