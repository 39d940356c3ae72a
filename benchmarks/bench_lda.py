"""LDATopics against scikit-learn, gensim and tomotopy, on a planted and a real corpus.

Corpora
    planted  : :func:`sklatent.datasets.make_lda_corpus`, 5,000 words, 20 topics,
               10,000 training and 1,000 held-out documents of about 100 words,
               alpha 0.1, eta 0.01 (the true priors, given to every model).
    docstrings : the docstrings of every importable standard-library module
               (:func:`sklatent.datasets.load_stdlib_docstrings`), words of three
               letters or more, English stop words out, in at least 3 documents;
               80 % of the documents train, 20 % are held out; 30 topics, alpha
               1/30, eta 0.01.

Models (same priors everywhere; tomotopy's prior optimisation is off)
    variational Bayes, batch: LDATopics, scikit-learn's LatentDirichletAllocation
    and gensim's LdaModel (one chunk, ``decay=0``), 20 passes (planted) or 30
    (docstrings), at most 100 inference iterations per document, tolerance 1e-3;
    collapsed Gibbs: tomotopy 0.14's LDAModel, 200 iterations;
    collapsed VB: LDATopics ``learning_method="cvb0"``, 40 passes.
    Each runs on one thread (BLAS limited with threadpoolctl); LDATopics and
    tomotopy also on all cores.

Columns
    fit (s), and its ratio to tomotopy's on the same number of threads;
    held-out completion perplexity (:func:`sklatent.metrics.completion_perplexity`:
    one function for every model, the mixture inferred by each model's own
    inference from a random half of each held-out document's words scores the
    other half; lower is better) and its ratio to tomotopy's;
    NPMI coherence of the top 10 words (gensim's c_npmi: documents as windows on
    the planted corpus, sliding windows of 10 tokens on the docstrings);
    on the planted corpus, the worst cosine of a true topic to its matched topic.

Then: the time of :func:`sklatent.metrics.topic_coherence` against gensim's
CoherenceModel for the four measures on the docstrings (same numbers, ratio), the
seeded-topics check (3 seed words per planted topic) and the choice of the number
of topics by the held-out log-likelihood on 10 planted corpora.

The peers are needed: ``pip install gensim tomotopy`` (gensim 4.4 and tomotopy 0.14
were measured). Run from the repository root::

    PYTHONPATH=$PWD python benchmarks/bench_lda.py [--quick]
"""

import argparse
import importlib
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer
from threadpoolctl import threadpool_limits

from sklatent import LDATopics
from sklatent.datasets import load_stdlib_docstrings, make_lda_corpus
from sklatent.metrics import (
    completion_perplexity,
    matched_topic_cosine,
    topic_coherence,
)
from sklatent.topic import seeded_topic_word_prior

TOMOTOPY_ITERATIONS = 200
CVB0_PASSES = 40
# Modules whose import has side effects (a browser, a GUI, test suites) or that
# only warn; the rest of the standard library is read.
_SKIPPED_MODULES = {
    "antigravity",
    "this",
    "idlelib",
    "tkinter",
    "turtle",
    "turtledemo",
    "lib2to3",
    "test",
    "ensurepip",
    "venv",
    "pydoc_data",
}


# -- corpora ---------------------------------------------------------------------------


class Corpus:
    """Training and held-out counts over one vocabulary, and what scores them."""

    def __init__(self, name, X_train, X_test, n_topics, alpha, eta, passes, **extra):
        # Only words seen in training: every model then has the same vocabulary.
        seen = np.flatnonzero(np.asarray(X_train.sum(axis=0)).ravel() > 0)
        self.name = name
        self.X_train = sp.csr_matrix(X_train[:, seen], dtype=np.float64)
        self.X_test = sp.csr_matrix(X_test[:, seen], dtype=np.float64)
        self.names = np.array([f"w{j}" for j in seen], dtype=object)
        self.n_topics, self.alpha, self.eta, self.passes = n_topics, alpha, eta, passes
        self.true_topics = extra.get("true_topics")
        if self.true_topics is not None:
            self.true_topics = self.true_topics[:, seen]
        self.texts = extra.get("texts")
        if "vocabulary" in extra:
            self.names = np.asarray(extra["vocabulary"], dtype=object)[seen]

    def coherence(self, topic_word):
        if self.texts is None:
            return topic_coherence(topic_word, self.X_train, measure="c_npmi").mean()
        return topic_coherence(
            topic_word, texts=self.texts, vocabulary=self.names, measure="c_npmi"
        ).mean()


def planted_corpus(scale):
    n_train = 10_000 // scale
    X, true_topics, _ = make_lda_corpus(
        n_samples=n_train + 1000 // scale,
        n_features=5000 // scale,
        n_components=20,
        doc_length=100,
        doc_topic_prior=0.1,
        topic_word_prior=0.01,
        random_state=0,
    )
    return Corpus(
        "planted",
        X[:n_train],
        X[n_train:],
        20,
        0.1,
        0.01,
        20,
        true_topics=true_topics,
    )


def stdlib_modules():
    """Every standard-library module that imports quietly."""
    found = []
    for name in sorted(sys.stdlib_module_names):
        if name.startswith("_") or name in _SKIPPED_MODULES:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(name)
        except Exception:
            continue
        found.append(name)
    return found


def docstrings_corpus(quick):
    documents = load_stdlib_docstrings(None if quick else stdlib_modules())
    order = np.random.RandomState(0).permutation(len(documents))
    n_train = int(0.8 * len(documents))
    train = [documents[i] for i in order[:n_train]]
    test = [documents[i] for i in order[n_train:]]
    vectorizer = CountVectorizer(
        stop_words="english", min_df=3, token_pattern=r"\b[a-zA-Z]{3,}\b"
    )
    X_train = vectorizer.fit_transform(train)
    analyzer = vectorizer.build_analyzer()
    return Corpus(
        "docstrings",
        X_train,
        vectorizer.transform(test),
        30,
        1 / 30,
        0.01,
        30,
        texts=[analyzer(doc) for doc in train],
        vocabulary=vectorizer.get_feature_names_out(),
    )


# -- models: each fit returns an object with transform and components_ --------------


class SklearnStyle:
    def __init__(self, cls, **params):
        self.cls, self.params = cls, params

    def fit(self, corpus):
        defaults = dict(
            n_components=corpus.n_topics,
            doc_topic_prior=corpus.alpha,
            topic_word_prior=corpus.eta,
            max_iter=corpus.passes,
            random_state=0,
        )
        return self.cls(**{**defaults, **self.params}).fit(corpus.X_train)


class GensimFitted:
    def __init__(self, model):
        self.model = model
        self.components_ = model.get_topics()

    def transform(self, X):
        from gensim.matutils import Sparse2Corpus

        gamma, _ = self.model.inference(list(Sparse2Corpus(X, documents_columns=False)))
        return gamma / gamma.sum(axis=1, keepdims=True)


class Gensim:
    def fit(self, corpus):
        from gensim.matutils import Sparse2Corpus
        from gensim.models import LdaModel

        X = corpus.X_train
        return GensimFitted(
            LdaModel(
                Sparse2Corpus(X, documents_columns=False),
                num_topics=corpus.n_topics,
                id2word=dict(enumerate(corpus.names)),
                chunksize=X.shape[0],
                passes=corpus.passes,
                update_every=1,
                decay=0.0,
                alpha=np.full(corpus.n_topics, corpus.alpha),
                eta=corpus.eta,
                iterations=100,
                gamma_threshold=1e-3,
                eval_every=None,
                random_state=0,
                dtype=np.float64,
            )
        )


def _token_lists(X, names):
    X = sp.csr_matrix(X)
    return [
        list(np.repeat(names[X.indices[lo:hi]], X.data[lo:hi].astype(np.int64)))
        for lo, hi in zip(X.indptr[:-1], X.indptr[1:])
    ]


class TomotopyFitted:
    def __init__(self, model, names, workers):
        self.model, self.names, self.workers = model, names, workers
        column = {word: j for j, word in enumerate(model.used_vocabs)}
        order = [column[word] for word in names]
        self.components_ = np.array(
            [model.get_topic_word_dist(k) for k in range(model.k)]
        )[:, order]

    def transform(self, X):
        docs = _token_lists(X, self.names)
        mixtures = np.full((len(docs), self.model.k), 1.0 / self.model.k)
        kept = [d for d, words in enumerate(docs) if words]
        made = [self.model.make_doc(docs[d]) for d in kept]
        self.model.infer(made, workers=self.workers)
        mixtures[kept] = [doc.get_topic_dist() for doc in made]
        return mixtures


class Tomotopy:
    def __init__(self, workers):
        self.workers = workers

    def prepare(self, corpus):
        import tomotopy as tp

        model = tp.LDAModel(
            k=corpus.n_topics, alpha=corpus.alpha, eta=corpus.eta, seed=0
        )
        model.optim_interval = 0
        for words in _token_lists(corpus.X_train, corpus.names):
            if words:
                model.add_doc(words)
        return model

    def fit(self, corpus, model):
        model.train(TOMOTOPY_ITERATIONS, workers=self.workers)
        return TomotopyFitted(model, corpus.names, self.workers)


def _timed(run, corpus):
    """Fit and time; tomotopy's documents are loaded outside the timing."""
    prepared = run.prepare(corpus) if hasattr(run, "prepare") else None
    start = time.perf_counter()
    fitted = run.fit(corpus) if prepared is None else run.fit(corpus, prepared)
    return fitted, time.perf_counter() - start


def model_rows(corpus):
    cvb0 = dict(learning_method="cvb0", max_iter=CVB0_PASSES)
    runs = [
        ("LDATopics batch VB", 1, SklearnStyle(LDATopics)),
        ("LDATopics CVB0", 1, SklearnStyle(LDATopics, **cvb0)),
        ("scikit-learn batch VB", 1, SklearnStyle(LatentDirichletAllocation)),
        ("gensim LdaModel batch VB", 1, Gensim()),
        ("tomotopy Gibbs", 1, Tomotopy(workers=1)),
        ("LDATopics batch VB", "all", SklearnStyle(LDATopics, n_jobs=-1)),
        ("LDATopics CVB0", "all", SklearnStyle(LDATopics, **cvb0, n_jobs=-1)),
        ("tomotopy Gibbs", "all", Tomotopy(workers=0)),
    ]
    if corpus.true_topics is not None:
        runs.insert(
            1,
            (
                "LDATopics VB, split-merge",
                1,
                SklearnStyle(LDATopics, split_merge_moves=3),
            ),
        )
    results = []
    for name, threads, run in runs:
        if threads == 1:
            with threadpool_limits(1):
                fitted, seconds = _timed(run, corpus)
        else:
            fitted, seconds = _timed(run, corpus)
        perplexity = completion_perplexity(fitted, corpus.X_test, random_state=1)
        results.append((name, threads, fitted, seconds, perplexity))
    return results


def print_model_table(corpus, results):
    reference = {
        threads: (seconds, perplexity)
        for name, threads, _, seconds, perplexity in results
        if name.startswith("tomotopy")
    }
    print(
        f"\n{corpus.name}: {corpus.X_train.shape[0]} training and "
        f"{corpus.X_test.shape[0]} held-out documents, {corpus.X_train.shape[1]} "
        f"words, {int(corpus.X_train.sum())} training tokens; {corpus.n_topics} "
        f"topics, alpha {corpus.alpha:.3g}, eta {corpus.eta}, {corpus.passes} VB "
        f"passes, {TOMOTOPY_ITERATIONS} Gibbs iterations"
    )
    header = (
        f"{'model':<28} {'threads':>7} {'fit (s)':>8} {'time/tomotopy':>13} "
        f"{'perplexity':>10} {'perp/tomotopy':>13} {'NPMI':>7} {'cos worst':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, threads, fitted, seconds, perplexity in results:
        tomotopy_seconds, tomotopy_perplexity = reference[threads]
        worst = (
            f"{matched_topic_cosine(fitted.components_, corpus.true_topics).min():9.3f}"
            if corpus.true_topics is not None
            else f"{'':9}"
        )
        print(
            f"{name:<28} {threads!s:>7} {seconds:8.2f} "
            f"{seconds / tomotopy_seconds:13.2f} {perplexity:10.1f} "
            f"{perplexity / tomotopy_perplexity:13.4f} "
            f"{corpus.coherence(fitted.components_):7.3f} {worst}"
        )


# -- coherence against gensim ---------------------------------------------------------


def _best_time(compute, repeats=3):
    """The result of compute() and its fastest time of a few runs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = compute()
        times.append(time.perf_counter() - start)
    return result, min(times)


def coherence_table(corpus, topic_word):
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    top = np.argsort(-topic_word, axis=1)[:, :10]
    topics = [list(corpus.names[row]) for row in top]
    dictionary = Dictionary(corpus.texts)
    print(
        f"\ncoherence of {len(topics)} topics (top 10 words) on the "
        f"{len(corpus.texts)} training docstrings, from token lists: sklatent "
        "(window_counting='gensim') against gensim's CoherenceModel (processes=1, "
        "its Dictionary built beforehand; u_mass includes doc2bow); best of 3"
    )
    header = (
        f"{'measure':<8} {'sklatent (s)':>12} {'gensim (s)':>11} "
        f"{'gensim/sklatent':>15} {'max |difference|':>17}"
    )
    print(header)
    print("-" * len(header))
    for measure in ("u_mass", "c_uci", "c_npmi", "c_v"):
        ours, our_time = _best_time(
            lambda measure=measure: topic_coherence(
                topic_word,
                texts=corpus.texts,
                vocabulary=corpus.names,
                measure=measure,
                window_counting="gensim",
            )
        )

        def gensim_coherence(measure=measure):
            if measure == "u_mass":
                reference = {
                    "corpus": [dictionary.doc2bow(text) for text in corpus.texts]
                }
            else:
                reference = {"texts": corpus.texts}
            return CoherenceModel(
                topics=topics,
                dictionary=dictionary,
                coherence=measure,
                topn=10,
                processes=1,
                **reference,
            ).get_coherence_per_topic()

        theirs, their_time = _best_time(gensim_coherence)
        print(
            f"{measure:<8} {our_time:12.4f} {their_time:11.4f} "
            f"{their_time / our_time:15.1f} {np.max(np.abs(ours - theirs)):17.2e}"
        )


# -- seeded topics and the choice of K --------------------------------------------


def seeded_check(corpus):
    names = corpus.names
    seeds = [list(names[np.argsort(-topic)[:3]]) for topic in corpus.true_topics]
    params = dict(
        n_components=20, doc_topic_prior=0.1, max_iter=corpus.passes, random_state=0
    )
    with threadpool_limits(1):
        plain = LDATopics(topic_word_prior=0.01, **params).fit(corpus.X_train)
        prior = seeded_topic_word_prior(seeds, names, prior=0.01)
        seeded = LDATopics(topic_word_prior=prior, **params).fit(corpus.X_train)
    _, matching = matched_topic_cosine(seeded, corpus.true_topics, return_matching=True)
    ratio = completion_perplexity(seeded, corpus.X_test, random_state=1) / (
        completion_perplexity(plain, corpus.X_test, random_state=1)
    )
    print(
        f"\nseeded topics (3 seed words per planted topic, seed_prior 10): "
        f"{int(np.sum(matching == np.arange(20)))} of 20 topics on their seeded "
        f"index; held-out perplexity seeded / unseeded = {ratio:.4f}"
    )


def choose_k_check(n_seeds=10):
    candidates = [3, 4, 5, 6, 8]
    picked, seconds = [], []
    for seed in range(n_seeds):
        X, _, _ = make_lda_corpus(
            600,
            n_features=200,
            n_components=5,
            doc_length=60,
            doc_topic_prior=0.2,
            random_state=seed,
        )
        scores = []
        for k in candidates:
            lda = LDATopics(
                n_components=k, max_iter=30, split_merge_moves=3, random_state=0
            ).fit(X[:400])
            start = time.perf_counter()
            lda.transform(X[400:])
            transform_time = time.perf_counter() - start
            start = time.perf_counter()
            log_likelihood = lda.estimate_log_likelihood(X[400:], random_state=0)
            seconds.append((time.perf_counter() - start) / transform_time)
            scores.append(log_likelihood.sum() / X[400:].sum())
        picked.append(candidates[int(np.argmax(scores))])
    hits = sum(k == 5 for k in picked)
    print(
        f"\nchoosing K on {n_seeds} planted corpora (5 topics, 400 training and 200 "
        f"held-out documents; K in {candidates}) by the held-out log-likelihood "
        f"per word (estimate_log_likelihood, 10 particles): true K picked in "
        f"{hits} of {n_seeds} (picked {picked}); estimator time / transform time: "
        f"median {np.median(seconds):.1f}, max {np.max(seconds):.1f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a planted corpus ten times smaller and the default docstrings only",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    # Compile the kernels outside the timings.
    warm = make_lda_corpus(50, n_features=20, n_components=2, random_state=0)[0]
    for n_jobs in (1, -1):
        for method in ("batch", "cvb0"):
            LDATopics(
                n_components=2, max_iter=1, learning_method=method, n_jobs=n_jobs
            ).fit(warm)
        LDATopics(n_components=2, max_iter=1).fit(warm).estimate_log_likelihood(warm)
    planted = planted_corpus(10 if args.quick else 1)
    print_model_table(planted, model_rows(planted))
    docstrings = docstrings_corpus(args.quick)
    results = model_rows(docstrings)
    print_model_table(docstrings, results)
    print(
        "time/tomotopy and perp/tomotopy: over tomotopy's run on the same number of "
        "threads."
    )
    coherence_table(docstrings, results[0][2].components_)
    seeded_check(planted)
    choose_k_check()
    print(f"\ntotal run time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
