"""Benchmark GANSampler against CTGAN on the same data, in one process.

Prints, for each data set and model: training time (and its ratio to CTGAN's),
modes covered, high-quality samples and reverse KL (on the Gaussian grid and
ring), and the accuracy of a classifier two-sample test between held-out real rows
and generated rows (0.5 is best). GANSampler runs with its default settings; CTGAN
with its defaults (300 epochs) unless ``--ctgan-epochs`` says otherwise.

Not part of the test suite. CTGAN needs pandas < 3, so run it from an environment
that has both (see the report of issue 5), e.g.::

    PYTHONPATH=$PWD /work/venvs/ctgan/bin/python benchmarks/bench_gan.py
"""

import argparse
import time
from functools import partial

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.model_selection import train_test_split

from sklatent import GANSampler
from sklatent.datasets import make_gaussian_grid, make_gaussian_ring
from sklatent.metrics import c2st_score, mode_coverage

N_GENERATED = 2500


def _mixture(make, std, n_samples):
    X, _, centers = make(n_samples, random_state=0)
    return pd.DataFrame(X, columns=["x", "y"]), [], (centers, std)


def _table_with_class_column(load):
    """A scikit-learn table with its class added as a categorical (string) column."""
    data = load(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame["class"] = np.asarray(data.target_names)[data.target]
    return frame, ["class"], None


def _comparable(frame, reference, categorical):
    """Standardised numeric columns and one-hot categories, for the C2ST."""
    numeric = [column for column in frame.columns if column not in categorical]
    mean, std = reference[numeric].mean(), reference[numeric].std().replace(0, 1)
    parts = [((frame[numeric] - mean) / std).to_numpy(dtype=float)]
    for column in categorical:
        categories = np.unique(reference[column])
        parts.append((frame[column].to_numpy()[:, None] == categories).astype(float))
    return np.hstack(parts)


def _fit_sklatent(frame, categorical, numeric_modes):
    gan = GANSampler(
        categorical_features=categorical or None,
        numeric_modes=numeric_modes,
        random_state=0,
    )
    gan.fit(frame)
    return lambda n: gan.sample(n, random_state=1)[0]


def _fit_ctgan(frame, categorical, epochs):
    from ctgan import CTGAN

    model = CTGAN(epochs=epochs)
    model.set_random_state(0)
    model.fit(frame, discrete_columns=categorical)
    return model.sample


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--ctgan-epochs", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument(
        "--numeric-modes",
        choices=["per_column", "joint"],
        default=GANSampler().numeric_modes,
        help="GANSampler's encoding of numeric columns (default: its default)",
    )
    parser.add_argument(
        "--models",
        nargs="*",
        default=["sklatent", "CTGAN"],
        help="CTGAN needs ctgan installed; without it, run --models sklatent",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    datasets = {
        "grid-25": _mixture(make_gaussian_grid, 0.05, args.n_samples),
        "ring-8": _mixture(make_gaussian_ring, 0.01, args.n_samples),
        "wine+class": _table_with_class_column(load_wine),
        "breast_cancer+class": _table_with_class_column(load_breast_cancer),
    }
    print(
        f"torch threads: {args.threads}; grid and ring: {args.n_samples} rows; "
        f"CTGAN epochs: {args.ctgan_epochs}; "
        f"GANSampler: defaults, numeric_modes={args.numeric_modes!r}"
    )
    header = (
        f"{'data':<20} {'model':<11} {'train s':>8} {'time/CTGAN':>10} "
        f"{'modes':>6} {'HQ %':>6} {'rev KL':>7} {'C2ST acc':>8}"
    )
    print(header)
    print("-" * len(header))
    fitters = {
        "sklatent": partial(_fit_sklatent, numeric_modes=args.numeric_modes),
        "CTGAN": partial(_fit_ctgan, epochs=args.ctgan_epochs),
    }
    fitters = {name: fit for name, fit in fitters.items() if name in args.models}
    for name, (frame, categorical, truth) in datasets.items():
        if args.datasets and name not in args.datasets:
            continue
        train, test = train_test_split(frame, test_size=0.3, random_state=0)
        results = {}
        for model_name, fit in fitters.items():
            start = time.perf_counter()
            sample = fit(train, categorical)
            seconds = time.perf_counter() - start
            generated = sample(max(N_GENERATED, len(test)))
            real = _comparable(test, train, categorical)
            fake = _comparable(generated[: len(test)], train, categorical)
            accuracy = c2st_score(real, fake, random_state=0)
            modes = high_quality = reverse_kl = float("nan")
            if truth is not None:
                coverage = mode_coverage(generated.to_numpy(float), *truth)
                modes = coverage.modes_covered
                high_quality = 100 * coverage.high_quality
                reverse_kl = coverage.reverse_kl
            results[model_name] = (seconds, modes, high_quality, reverse_kl, accuracy)
        for model_name, (seconds, *quality) in results.items():
            ratio = seconds / results["CTGAN"][0] if "CTGAN" in results else np.nan
            modes, high_quality, reverse_kl, accuracy = quality
            print(
                f"{name:<20} {model_name:<11} {seconds:>8.1f} {ratio:>10.2f} "
                f"{modes:>6} {high_quality:>6.1f} {reverse_kl:>7.3f} {accuracy:>8.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
