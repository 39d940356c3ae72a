"""Time sklatent's GaussianHMM against hmmlearn 0.3.3 in one process.

Data come from a known 4-state, 8-feature model with diagonal covariances:
(a) one sequence of 100,000 frames, (b) 2,000 sequences of 50 frames. Every fit runs
20 EM iterations without early stopping. "whole fit" includes each library's own
initialisation; "EM alone" starts both from the same given parameters. hmmlearn runs
with its default "log" implementation and with "scaling". Runs are interleaved and
the median of 3 is reported; the ratio is hmmlearn's time over sklatent's.

Run from the repository root: ``python benchmarks/bench_hmm.py``.
"""

import logging
import time
import warnings

import numpy as np
from hmmlearn import hmm as hmmlearn_hmm

from sklatent import GaussianHMM
from sklatent.datasets import make_hmm_sequences

N_STATES, N_FEATURES, N_ITER, N_REPEATS = 4, 8, 20, 3
CASES = {
    "(a) 1 x 100,000": (1, 100_000),
    "(b) 2,000 x 50": (2_000, 50),
}


def _starting_parameters(X, lengths):
    """Shared starting point for the EM-alone timings."""
    model = GaussianHMM(N_STATES, n_iter=1, random_state=0).fit(X, lengths=lengths)
    return {
        "startprob": model.startprob_,
        "transmat": model.transmat_,
        "means": model.means_,
        "covariances": model.covariances_,
    }


def _sklatent_fit(X, lengths, start):
    if start is None:
        model = GaussianHMM(N_STATES, n_iter=N_ITER, tol=-np.inf, random_state=0)
    else:
        model = GaussianHMM(
            N_STATES,
            n_iter=N_ITER,
            tol=-np.inf,
            startprob_init=start["startprob"],
            transmat_init=start["transmat"],
            means_init=start["means"],
            covariances_init=start["covariances"],
        )
    model.fit(X, lengths=lengths)
    return model.monitor_.history[-1]


def _hmmlearn_fit(X, lengths, start, implementation):
    model = hmmlearn_hmm.GaussianHMM(
        N_STATES,
        n_iter=N_ITER,
        tol=-np.inf,
        random_state=0,
        implementation=implementation,
        init_params="stmc" if start is None else "",
    )
    if start is not None:
        model.startprob_ = start["startprob"]
        model.transmat_ = start["transmat"]
        model.means_ = start["means"]
        model.covars_ = start["covariances"]
    model.fit(X, lengths)
    return model.monitor_.history[-1]


def _time(function, *args):
    begin = time.perf_counter()
    function(*args)
    return time.perf_counter() - begin


def main():
    rows = []
    for case, (n_sequences, length) in CASES.items():
        X, lengths, _, _ = make_hmm_sequences(
            n_sequences,
            length,
            n_components=N_STATES,
            n_features=N_FEATURES,
            random_state=0,
        )
        lengths = lengths.tolist()
        start = _starting_parameters(X, lengths)
        _sklatent_fit(X, lengths, start)  # compile the kernels (cached on disk)
        for phase, given in [("whole fit", None), ("EM alone", start)]:
            runs = {"sklatent": [], "hmmlearn log": [], "hmmlearn scaling": []}
            for _ in range(N_REPEATS):
                runs["sklatent"].append(_time(_sklatent_fit, X, lengths, given))
                for implementation in ("log", "scaling"):
                    runs[f"hmmlearn {implementation}"].append(
                        _time(_hmmlearn_fit, X, lengths, given, implementation)
                    )
            medians = {name: float(np.median(times)) for name, times in runs.items()}
            rows.append((case, phase, medians))
    header = (
        f"{'case':<18}{'phase':<11}{'sklatent s':>12}{'hmmlearn log s':>16}"
        f"{'ratio':>8}{'hmmlearn scaling s':>20}{'ratio':>8}"
    )
    print(header)
    print("-" * len(header))
    for case, phase, medians in rows:
        ours = medians["sklatent"]
        log, scaling = medians["hmmlearn log"], medians["hmmlearn scaling"]
        print(
            f"{case:<18}{phase:<11}{ours:>12.3f}{log:>16.3f}{log / ours:>7.1f}x"
            f"{scaling:>20.3f}{scaling / ours:>7.1f}x"
        )


if __name__ == "__main__":
    # hmmlearn logs a warning for each tiny loss of log-likelihood near
    # convergence; it says nothing about speed.
    warnings.filterwarnings("ignore")
    logging.getLogger("hmmlearn").setLevel(logging.ERROR)
    main()
