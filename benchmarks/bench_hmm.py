"""Time sklatent's HMMs against hmmlearn 0.3.3 in one process, and print ratios.

Each model has a section: a function that returns rows of the table, built with the
shared helpers below (``measure`` times callables interleaved and keeps the median,
``Row`` holds one comparison). Data come from known models with 4 states: (a) one
sequence of 100,000 frames, (b) 2,000 sequences of 50 frames. Every fit runs 20 EM
iterations without early stopping, each library with its own default
initialisation ("whole fit"); hmmlearn runs its default "log" implementation.

Two kinds of rows: "speed-up" rows print hmmlearn's time over sklatent's;
"cost" rows print the time of a harder sklatent fit over an easier one (missing
entries over complete data), so that lower is better there.

Run from the repository root: ``python benchmarks/bench_hmm.py`` (all sections),
``python benchmarks/bench_hmm.py GaussianHMM`` (some), ``--repeats 1`` for a
quick look.
"""

import argparse
import logging
import os
import time
import warnings
from dataclasses import dataclass
from functools import partial

import numpy as np
from hmmlearn import hmm as hmmlearn_hmm

from sklatent import (
    GMMHMM,
    CategoricalHMM,
    GaussianHMM,
    MultinomialHMM,
    PoissonHMM,
)
from sklatent.datasets import (
    make_categorical_sequences,
    make_count_sequences,
    make_hmm_sequences,
    make_multinomial_sequences,
)

N_STATES, N_ITER = 4, 20
CASES = {"(a) 1 x 100,000": (1, 100_000), "(b) 2,000 x 50": (2_000, 50)}
MISSING_FRACTION = 0.2


@dataclass
class Row:
    """One comparison of the table: ``ours`` against ``reference``, in seconds."""

    model: str
    case: str
    ours_label: str
    ours: float
    reference_label: str
    reference: float
    kind: str = "speed-up"
    target: str = ""

    @property
    def ratio(self):
        if self.kind == "cost":
            return self.ours / self.reference
        return self.reference / self.ours


def measure(functions, n_repeats):
    """Median wall time of each callable, the runs interleaved across callables."""
    times = {name: [] for name in functions}
    for _ in range(n_repeats):
        for name, function in functions.items():
            begin = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - begin)
    return {name: float(np.median(values)) for name, values in times.items()}


def sequences(case, n_features, random_state=0):
    """Frames and lengths of a known Gaussian HMM for one of the CASES."""
    n_sequences, length = CASES[case]
    X, lengths, _, _ = make_hmm_sequences(
        n_sequences,
        length,
        n_components=N_STATES,
        n_features=n_features,
        random_state=random_state,
    )
    return X, lengths.tolist()


def print_table(rows):
    header = (
        f"{'model':<16}{'case':<18}{'sklatent':<24}{'s':>8}  {'against':<24}"
        f"{'s':>8}{'ratio':>9}  {'kind':<9}{'target':<8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.model:<16}{row.case:<18}{row.ours_label:<24}{row.ours:>8.3f}  "
            f"{row.reference_label:<24}{row.reference:>8.3f}{row.ratio:>8.1f}x  "
            f"{row.kind:<9}{row.target:<8}"
        )


# GaussianHMM.


def _gaussian_fit(X, lengths, n_jobs=1):
    GaussianHMM(
        N_STATES, n_iter=N_ITER, tol=-np.inf, n_jobs=n_jobs, random_state=0
    ).fit(X, lengths=lengths)


def _hmmlearn_gaussian_fit(X, lengths):
    hmmlearn_hmm.GaussianHMM(N_STATES, n_iter=N_ITER, tol=-np.inf, random_state=0).fit(
        X, lengths
    )


def gaussian_rows(n_repeats):
    """GaussianHMM (8 features, diagonal covariances) against hmmlearn."""
    rows = []
    n_cores = os.cpu_count()
    for case in CASES:
        X, lengths = sequences(case, n_features=8)
        gappy = X.copy()
        gappy[np.random.default_rng(0).random(X.shape) < MISSING_FRACTION] = np.nan
        _gaussian_fit(gappy[:2000], None)  # compile the kernels (cached on disk)
        functions = {
            "n_jobs=1": partial(_gaussian_fit, X, lengths),
            "n_jobs=-1": partial(_gaussian_fit, X, lengths, n_jobs=-1),
            "missing": partial(_gaussian_fit, gappy, lengths),
            "hmmlearn": partial(_hmmlearn_gaussian_fit, X, lengths),
        }
        times = measure(functions, n_repeats)
        hmmlearn = times["hmmlearn"]
        many = case.startswith("(b)")
        rows += [
            Row("GaussianHMM", case, "fit", times["n_jobs=1"], "hmmlearn", hmmlearn),
            Row(
                "GaussianHMM",
                case,
                f"fit n_jobs=-1 ({n_cores} cores)",
                times["n_jobs=-1"],
                "hmmlearn",
                hmmlearn,
                target=">= 40x" if many else "",
            ),
            Row(
                "GaussianHMM",
                case,
                f"fit, {MISSING_FRACTION:.0%} missing",
                times["missing"],
                "fit, complete data",
                times["n_jobs=1"],
                kind="cost",
                target="<= 1.5x",
            ),
        ]
    return rows


# The other emission models: sklatent's whole fit against hmmlearn's, each with its
# own default initialisation, on data from a known model of the same family.


def _fit(make_model, *args, **kwargs):
    make_model().fit(*args, **kwargs)


def _whole_fit_rows(name, ours, theirs, data, n_repeats):
    """Rows of one model: ``ours()`` / ``theirs()`` build unfitted models."""
    rows = []
    for case in CASES:
        X, lengths = data(case)
        ours().set_params(n_iter=1).fit(X[:2000])  # compile the kernels
        times = measure(
            {
                "sklatent": partial(_fit, ours, X, lengths=lengths),
                "hmmlearn": partial(_fit, theirs, X, lengths),
            },
            n_repeats,
        )
        target = ">= 20x" if case.startswith("(b)") else ">= 5x"
        rows.append(
            Row(
                name,
                case,
                "fit",
                times["sklatent"],
                "hmmlearn",
                times["hmmlearn"],
                target=target,
            )
        )
    return rows


def _categorical_data(case):
    n_sequences, length = CASES[case]
    X, lengths, _, _ = make_categorical_sequences(
        n_sequences, length, n_components=N_STATES, n_symbols=8, random_state=0
    )
    return X, lengths.tolist()


def categorical_rows(n_repeats):
    """CategoricalHMM (8 symbols) against hmmlearn."""
    return _whole_fit_rows(
        "CategoricalHMM",
        lambda: CategoricalHMM(N_STATES, n_iter=N_ITER, tol=-np.inf, random_state=0),
        lambda: hmmlearn_hmm.CategoricalHMM(
            N_STATES, n_iter=N_ITER, tol=-np.inf, random_state=0
        ),
        _categorical_data,
        n_repeats,
    )


def _count_data(case):
    n_sequences, length = CASES[case]
    X, lengths, _, _ = make_count_sequences(
        n_sequences, length, n_components=N_STATES, n_features=4, random_state=0
    )
    return X, lengths.tolist()


def poisson_rows(n_repeats):
    """PoissonHMM (4 count features) against hmmlearn."""
    return _whole_fit_rows(
        "PoissonHMM",
        lambda: PoissonHMM(N_STATES, n_iter=N_ITER, tol=-np.inf, random_state=0),
        lambda: hmmlearn_hmm.PoissonHMM(
            N_STATES, n_iter=N_ITER, tol=-np.inf, random_state=0
        ),
        _count_data,
        n_repeats,
    )


def _trial_data(case):
    n_sequences, length = CASES[case]
    X, lengths, _, _ = make_multinomial_sequences(
        n_sequences,
        length,
        n_components=N_STATES,
        n_features=4,
        n_trials=10,
        random_state=0,
    )
    return X, lengths.tolist()


def multinomial_rows(n_repeats):
    """MultinomialHMM (4 outcomes, 10 trials per frame) against hmmlearn."""
    return _whole_fit_rows(
        "MultinomialHMM",
        lambda: MultinomialHMM(
            N_STATES, n_trials=10, n_iter=N_ITER, tol=-np.inf, random_state=0
        ),
        lambda: hmmlearn_hmm.MultinomialHMM(
            N_STATES, n_trials=10, n_iter=N_ITER, tol=-np.inf, random_state=0
        ),
        _trial_data,
        n_repeats,
    )


def gmm_rows(n_repeats):
    """GMMHMM (2 diagonal Gaussians per state, 4 features) against hmmlearn."""
    return _whole_fit_rows(
        "GMMHMM",
        lambda: GMMHMM(N_STATES, 2, n_iter=N_ITER, tol=-np.inf, random_state=0),
        lambda: hmmlearn_hmm.GMMHMM(
            N_STATES, 2, n_iter=N_ITER, tol=-np.inf, random_state=0
        ),
        partial(sequences, n_features=4),
        n_repeats,
    )


# One function per model; a new model adds its own and an entry here.
SECTIONS = {
    "GaussianHMM": gaussian_rows,
    "CategoricalHMM": categorical_rows,
    "PoissonHMM": poisson_rows,
    "MultinomialHMM": multinomial_rows,
    "GMMHMM": gmm_rows,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help=f"any of {list(SECTIONS)}")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing")
    arguments = parser.parse_args()
    unknown = set(arguments.models) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; choose from {list(SECTIONS)}")
    rows = []
    for name in arguments.models or SECTIONS:
        rows += SECTIONS[name](arguments.repeats)
    print_table(rows)


if __name__ == "__main__":
    # hmmlearn logs a warning for each tiny loss of log-likelihood near
    # convergence; it says nothing about speed.
    warnings.filterwarnings("ignore")
    logging.getLogger("hmmlearn").setLevel(logging.ERROR)
    main()
