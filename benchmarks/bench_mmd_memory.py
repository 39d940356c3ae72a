"""Peak memory and time of mmd (median-heuristic bandwidth) on 3,000 + 3,000 rows.

Run ``python benchmarks/bench_mmd_memory.py``; it prints one table: the peak of
Python-tracked memory (tracemalloc, numpy arrays included) of one call, against the
size of the full pooled distance matrix that the bandwidth used to need.
"""

import time
import tracemalloc

import numpy as np

from sklatent.metrics import mmd


def measure(n_rows, n_features=10):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_rows, n_features))
    Y = rng.normal(0.5, 1, size=(n_rows, n_features))
    tracemalloc.start()
    start = time.perf_counter()
    mmd(X, Y)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    pooled = (2 * n_rows) ** 2 * 8
    return peak, pooled, seconds


def main():
    print(f"{'rows':>12}{'peak MB':>10}{'pooled matrix MB':>18}{'ratio':>8}{'s':>7}")
    for n_rows in (1000, 3000):
        peak, pooled, seconds = measure(n_rows)
        print(
            f"{f'{n_rows} + {n_rows}':>12}{peak / 1e6:>10.1f}{pooled / 1e6:>18.1f}"
            f"{pooled / peak:>8.1f}{seconds:>7.2f}"
        )


if __name__ == "__main__":
    main()
