"""Fit CTGAN, TVAE and SDV's GaussianCopula on the splits of bench_tabular.py.

Runs in an environment of its own (ctgan and sdv need pandas < 3), e.g.::

    python3 -m venv /work/venv-ctgan
    /work/venv-ctgan/bin/pip install torch  # the CPU build
    /work/venv-ctgan/bin/pip install "pandas<3" ctgan sdv

``bench_tabular.py --peers-python /work/venv-ctgan/bin/python`` calls it. For
each task folder of the cache (``train.csv`` and ``meta.json``, written by
bench_tabular.py) it writes ``<model>.csv``, as many rows as the training split
has, and ``<model>.json`` with the fit time. It imports nothing from sklatent.
If the peers cannot be imported, it writes the error to ``peers-error.txt``.
"""

import argparse
import json
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd


def _fit_copula(train, categorical, seed):
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    # GaussianCopula draws from numpy's global state and takes no seed.
    np.random.seed(seed)  # noqa: NPY002
    metadata = Metadata.detect_from_dataframes({"table": train}, infer_keys=None)
    for column in train.columns:
        sdtype = "categorical" if column in categorical else "numerical"
        metadata.update_column(column, table_name="table", sdtype=sdtype)
    model = GaussianCopulaSynthesizer(metadata)
    # SDV 2 takes and returns a dictionary of tables.
    model.fit({"table": train})
    return lambda n_rows: model.sample(n_rows)["table"]


def _fit_ctgan_family(name):
    def fit(train, categorical, seed):
        import ctgan

        model = getattr(ctgan, name)()
        model.set_random_state(seed)
        model.fit(train, discrete_columns=categorical)
        return model.sample

    return fit


FITTERS = {
    "copula": _fit_copula,
    "tvae": _fit_ctgan_family("TVAE"),
    "ctgan": _fit_ctgan_family("CTGAN"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", required=True)
    parser.add_argument("--tasks", nargs="+", required=True)
    parser.add_argument("--models", nargs="*", default=list(FITTERS))
    parser.add_argument("--refresh", action="store_true")
    args = parser.parse_args()
    cache = Path(args.cache)
    try:
        import ctgan  # noqa: F401
        import sdv  # noqa: F401
        import torch
    except ImportError:
        (cache / "peers-error.txt").write_text(traceback.format_exc())
        raise
    (cache / "peers-error.txt").unlink(missing_ok=True)
    torch.set_num_threads(1)
    for task in args.tasks:
        folder = cache / task
        meta = json.loads((folder / "meta.json").read_text())
        categorical = meta["categorical"]
        train = pd.read_csv(folder / "train.csv")
        for column in categorical:
            train[column] = train[column].astype(str)
        for name in args.models:
            output = folder / f"{name}.csv"
            if output.exists() and not args.refresh:
                continue
            torch.manual_seed(meta["seed"])
            start = time.perf_counter()
            sample = FITTERS[name](train, categorical, meta["seed"])
            seconds = time.perf_counter() - start
            sample(meta["n_samples"]).to_csv(output, index=False)
            (folder / f"{name}.json").write_text(json.dumps({"fit_seconds": seconds}))
            print(f"{task} {name}: {seconds:.1f} s", flush=True)


if __name__ == "__main__":
    main()
