"""sklatent quickstart: four latent-variable models, each in a scikit-learn Pipeline.

Run it with ``python examples/quickstart.py``. On a laptop CPU it takes a minute or
two and needs no download: the data ship with scikit-learn and Python, or come from
:mod:`sklatent.datasets`. For each model it grid-searches the latent size
(``n_components``) with cross-validation, scores the chosen model on held-out data,
prints one table and writes a few figures to a folder whose name it prints at the end.

``SKLATENT_QUICK=1`` shrinks the data, the grids and the training (CI runs it that
way): every model still fits and every figure is written, in well under a minute.
``SKLATENT_QUICKSTART_OUTPUT`` names the folder of the figures.
"""

import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files; no window needed

import matplotlib.pyplot as plt
import numpy as np
from sklearn import config_context
from sklearn.datasets import load_digits
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    train_test_split,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    StandardScaler,
)

from sklatent import GANSampler, GaussianHMM, LDATopics, VAETransformer
from sklatent.datasets import (
    load_stdlib_docstrings,
    make_gaussian_ring,
    make_hmm_sequences,
)
from sklatent.metrics import make_sample_scorer, mode_coverage

QUICK = os.environ.get("SKLATENT_QUICK") == "1"
OUTPUT = Path(
    os.environ.get("SKLATENT_QUICKSTART_OUTPUT", "sklatent_quickstart_figures")
)


def size(full, quick):
    """The full demo's setting, or the quick run's."""
    return quick if QUICK else full


def step(message):
    """Say what runs now, so a user sees progress."""
    print(f"... {message}", flush=True)


def hidden_markov_model():
    """Regime-switching sequences: how many hidden states generated them?"""
    grid = size([2, 3, 4, 5], [2, 3])
    step(f"GaussianHMM: 3-state sequences, searching {grid} states with GroupKFold")
    n_sequences, sequence_length = size(40, 12), size(150, 60)
    X, lengths, states, _ = make_hmm_sequences(
        n_sequences=n_sequences,
        sequence_length=sequence_length,
        n_components=3,
        random_state=0,
    )
    ids = np.repeat(np.arange(len(lengths)), lengths)
    # A quarter of the sequences are held out.
    train, test = ids < n_sequences * 3 // 4, ids >= n_sequences * 3 // 4
    start = time.perf_counter()
    # Sequence ids travel with the rows through metadata routing, so every fold
    # holds whole sequences and every fit knows where each one starts.
    with config_context(enable_metadata_routing=True):
        hmm = (
            GaussianHMM(n_iter=size(50, 10), random_state=0)
            .set_fit_request(sequence_ids="groups")
            .set_score_request(sequence_ids="groups")
            .set_predict_request(sequence_ids=True)
        )
        pipe = Pipeline([("scale", StandardScaler()), ("hmm", hmm)])
        search = GridSearchCV(pipe, {"hmm__n_components": grid}, cv=GroupKFold(3))
        search.fit(X[train], groups=ids[train])
        fit_time = time.perf_counter() - start
        held_out = search.score(X[test], groups=ids[test])
        decoded = search.best_estimator_.predict(X[test], sequence_ids=ids[test])

    frames = slice(0, sequence_length)
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(X[test][frames, 0], color="0.3", lw=1, label="feature 0")
    ax.scatter(
        np.arange(sequence_length),
        X[test][frames, 0],
        c=decoded[frames],
        cmap="tab10",
        s=12,
        zorder=3,
        label="decoded state",
    )
    ax.set(
        title="GaussianHMM: decoded hidden states of a held-out sequence",
        xlabel="time step",
    )
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(OUTPUT / "hmm_decoded_states.png", dpi=110)
    plt.close(fig)
    return {
        "model": "GaussianHMM",
        "data": "make_hmm_sequences (3 states)",
        "chosen": search.best_params_["hmm__n_components"],
        "score": f"{held_out:.3f} log-lik/frame",
        "fit_time": fit_time,
    }


def topic_model():
    """Docstrings of Python's standard library: which topics do they cover?"""
    grid = size([5, 10, 15], [3, 5])
    step(f"LDATopics: standard-library docstrings, searching {grid} topics")
    modules = size(None, ["json", "csv", "socket", "math", "datetime", "logging"])
    documents = load_stdlib_docstrings(modules)
    train_docs, test_docs = train_test_split(documents, test_size=0.2, random_state=0)
    start = time.perf_counter()
    pipe = Pipeline(
        [
            (
                "counts",
                CountVectorizer(
                    stop_words="english",
                    min_df=size(5, 2),
                    max_df=0.2,
                    token_pattern=r"\b[a-zA-Z]{3,}\b",
                ),
            ),
            ("lda", LDATopics(max_iter=size(20, 5), random_state=0)),
        ]
    )
    search = GridSearchCV(pipe, {"lda__n_components": grid}, cv=3)
    search.fit(train_docs)
    fit_time = time.perf_counter() - start
    best = search.best_estimator_
    vectorizer, lda = best["counts"], best["lda"]
    held_out = lda.perplexity(vectorizer.transform(test_docs))

    n_words = 6
    words = lda.top_words(n_words, feature_names=vectorizer.get_feature_names_out())
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(words) + 1))
    ax.axis("off")
    for topic, topic_words in enumerate(words):
        ax.text(
            0,
            1 - (topic + 0.5) / len(words),
            f"topic {topic}: " + ", ".join(topic_words),
            fontsize=10,
            va="center",
        )
    ax.set_title("LDATopics: top words of each topic (standard-library docstrings)")
    fig.savefig(OUTPUT / "lda_topic_words.png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return {
        "model": "LDATopics",
        "data": f"{len(documents)} stdlib docstrings",
        "chosen": search.best_params_["lda__n_components"],
        "score": f"{held_out:.0f} perplexity",
        "fit_time": fit_time,
    }


def pixels_to_unit(X):
    """Digits' pixels run from 0 to 16."""
    return X / 16


def unit_to_pixels(X):
    return X * 16


def variational_autoencoder():
    """Handwritten digits: a nonlinear latent code per image, and new images."""
    step("VAETransformer: digits, searching latent sizes 2 and 8 on held-out ELBO")
    digits = load_digits()
    n_images = size(len(digits.data), 400)
    X_train, X_test, y_train, y_test = train_test_split(
        digits.data[:n_images],
        digits.target[:n_images],
        test_size=0.25,
        stratify=digits.target[:n_images],
        random_state=0,
    )
    start = time.perf_counter()
    pipe = Pipeline(
        [
            ("pixels", FunctionTransformer(pixels_to_unit, unit_to_pixels)),
            ("vae", VAETransformer(random_state=0, **size({}, {"max_epochs": 5}))),
        ]
    )
    search = GridSearchCV(pipe, {"vae__n_components": [2, 8]}, cv=2)
    search.fit(X_train)
    fit_time = time.perf_counter() - start
    held_out = search.score(X_test)
    best = search.best_estimator_

    codes = best.transform(X_test)
    fig, ax = plt.subplots(figsize=(6, 5))
    points = ax.scatter(codes[:, 0], codes[:, 1], c=y_test, cmap="tab10", s=8)
    fig.colorbar(points, ax=ax, label="digit")
    ax.set(
        title="VAETransformer: first two latent coordinates of test digits",
        xlabel="z[0]",
        ylabel="z[1]",
    )
    fig.tight_layout()
    fig.savefig(OUTPUT / "vae_latent_space.png", dpi=110)
    plt.close(fig)

    vae = best["vae"]
    generated, _ = vae.sample(8, random_state=0)
    fig, axes = plt.subplots(2, 8, figsize=(8, 2.3))
    for column in range(8):
        axes[0, column].imshow(X_test[column].reshape(8, 8), cmap="gray_r")
        axes[1, column].imshow(generated[column].reshape(8, 8), cmap="gray_r")
    for ax in axes.ravel():
        ax.set_axis_off()
    axes[0, 0].set_title("real", loc="left", fontsize=9)
    axes[1, 0].set_title("generated", loc="left", fontsize=9)
    fig.savefig(OUTPUT / "vae_samples.png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return {
        "model": "VAETransformer",
        "data": "digits (scikit-learn)",
        "chosen": search.best_params_["vae__n_components"],
        "score": f"{held_out:.1f} ELBO/image",
        "fit_time": fit_time,
    }


def generative_adversarial_network():
    """Eight narrow Gaussians on a ring: can the GAN cover every mode?"""
    step("GANSampler: 8 Gaussians on a ring, searching noise sizes 2 and 16")
    X, _, centers = make_gaussian_ring(size(3000, 600), random_state=0)
    X_train, X_test = train_test_split(X, test_size=1 / 3, random_state=0)
    start = time.perf_counter()
    # A GAN has no likelihood: the search scores each candidate by minus the energy
    # distance between held-out rows and rows the model generates.
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("gan", GANSampler(max_epochs=size(300, 10), random_state=0)),
        ]
    )
    search = GridSearchCV(
        pipe,
        {"gan__n_components": [2, 16]},
        cv=2,
        scoring=make_sample_scorer(n_samples=size(1000, 300)),
    )
    search.fit(X_train)
    fit_time = time.perf_counter() - start
    best = search.best_estimator_
    drawn, _ = best["gan"].sample(len(X_test), random_state=1)
    generated = best["scale"].inverse_transform(drawn)
    coverage = mode_coverage(generated, centers, std=0.05)

    fig, axes = plt.subplots(1, 2, figsize=(8, 4), sharex=True, sharey=True)
    axes[0].scatter(*X_test.T, s=3, color="tab:blue")
    axes[0].set_title("real (held out)")
    axes[1].scatter(*generated.T, s=3, color="tab:orange")
    axes[1].set_title(
        f"generated: {coverage['modes_covered']}/8 modes, "
        f"{coverage['high_quality']:.0%} within 3 std"
    )
    for ax in axes:
        ax.set_aspect("equal")
    fig.suptitle("GANSampler: samples next to real data")
    fig.tight_layout()
    fig.savefig(OUTPUT / "gan_samples.png", dpi=110)
    plt.close(fig)
    return {
        "model": "GANSampler",
        "data": "make_gaussian_ring (8 modes)",
        "chosen": search.best_params_["gan__n_components"],
        "score": f"{coverage['modes_covered']}/8 modes, "
        f"{coverage['high_quality']:.0%} HQ",
        "fit_time": fit_time,
    }


def print_table(rows):
    header = f"{'model':<16}{'data':<34}{'latent size':>12}  {'held-out score':<24}"
    header += f"{'fit time':>9}"
    print()
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['model']:<16}{row['data']:<34}{row['chosen']:>12}  "
            f"{row['score']:<24}{row['fit_time']:>8.1f}s"
        )


def main():
    OUTPUT.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = [
        hidden_markov_model(),
        topic_model(),
        variational_autoencoder(),
        generative_adversarial_network(),
    ]
    print_table(rows)
    print(f"\nTotal time {time.perf_counter() - start:.0f} s.")
    print(f"Figures written to {OUTPUT.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
