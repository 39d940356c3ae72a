"""Benchmark sklatent's table generators against a statistician's baselines.

Same process, same splits, same seeds for every model: on each table (iris, wine,
breast_cancer with the class as a categorical column, and
:func:`sklatent.datasets.make_mixed_table`), a stratified 70/30 split per seed;
each model is fitted on the training rows and draws as many rows as the training
part has. Models:

- ``real``: the training rows themselves (the floor of every metric);
- ``gaussian``: one multivariate Gaussian per class;
- ``gmm``: one GaussianMixture per class, 1 to 5 components chosen by BIC;
- ``copula``, ``tvae``, ``ctgan``: SDV's GaussianCopula and ctgan's TVAE and
  CTGAN, fitted by ``benchmarks/peers_tabular.py`` in a separate environment
  (they need pandas < 3) on the same splits; their samples are read from the cache;
- ``gan``: ``GANSampler`` with the class as a categorical column;
- ``gan-cond``: ``GANSampler(conditional=True)``, sampled with the training labels;
- ``vae``: ``VAETransformer`` (with its categorical columns when it takes
  ``categorical_features``, otherwise on the one-hot table);
- ``vae-cond``: ``VAETransformer(conditional=True)``, sampled with the training
  labels.

Metrics, on numeric columns standardised with the training statistics and
categories one-hot, averaged over the seeds:

- ``C2ST``: 5-fold ROC AUC of a HistGradientBoosting classifier telling the real
  test rows from as many synthetic rows (0.5: indistinguishable);
- ``C2ST|cls``: the same within each class (test rows of class c against synthetic
  rows of class c, the class column left out), averaged over the classes;
- ``energy``: energy distance between the test rows and the synthetic rows;
- ``std`` (and its range over the columns): standard deviation of each numeric
  column in the synthetic rows over that of the training rows, geometric mean
  over the non-constant columns;
- ``ML eff``: accuracy on the real test rows of a random forest trained on the
  synthetic rows to predict the class; ``dML`` is its difference from the forest
  trained on the real training rows;
- ``DCR``: median distance from synthetic rows to their closest training row
  over the same for the real test rows (below 1: closer than new data, copying);
- ``fit s``: seconds to fit (peers: as measured in their own process).

Not part of the test suite. One command runs everything, the peers included::

    PYTHONPATH=$PWD python benchmarks/bench_tabular.py \\
        --peers-python /work/venv-ctgan/bin/python

Without ``--peers-python`` the peers' samples come from the cache (written by an
earlier run, or by running ``peers_tabular.py`` by hand), or are reported as not
run. ``--datasets``, ``--models`` and ``--seeds`` select a quick subset.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors

from sklatent import GANSampler, VAETransformer
from sklatent.datasets import make_mixed_table
from sklatent.metrics import c2st_score, energy_distance

CLASS = "class"
PEERS = ("copula", "tvae", "ctgan")
MODELS = ("real", "gaussian", "gmm", *PEERS, "gan", "gan-cond", "vae", "vae-cond")
DATASETS = ("iris", "wine", "breast_cancer", "mixed")
# Mixtures that are not axis-aligned, for the study of the GAN's representation
# (not run by default): --datasets diagonal lattice combination.
STUDIES = ("diagonal", "lattice", "combination")
# Per class there may be 15 test rows: the default leaves of 20 rows would never
# split, and every per-class test would read 0.5.
SMALL_SAMPLE_CLASSIFIER = HistGradientBoostingClassifier(min_samples_leaf=5)
# The most mixture components per class that the BIC search tries.
MAX_GMM_COMPONENTS = 5


# -- data ------------------------------------------------------------------------


def _sklearn_table(load):
    data = load(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame[CLASS] = pd.Categorical(np.asarray(data.target_names)[data.target])
    return frame, [CLASS]


def _mixed_table():
    frame, y = make_mixed_table(1000, as_frame=True, random_state=0)
    frame[CLASS] = pd.Categorical(np.array(["a", "b", "c"])[y])
    return frame, ["colour", CLASS]


def _labelled(X, labels):
    frame = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(X.shape[1])])
    frame[CLASS] = pd.Categorical(np.char.add("k", labels.astype(str)))
    return frame, [CLASS]


def _diagonal_clusters():
    """Five clusters along the diagonal, each stretched across it."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 1000)
    along = 0.15 * rng.standard_normal(1000) + (labels - 2.0)
    across = 0.8 * rng.standard_normal(1000)
    X = np.column_stack([along - across, along + across]) / np.sqrt(2)
    return _labelled(X, labels)


def _rotated_lattice():
    """A 3 x 3 lattice of tight clusters, rotated by 30 degrees."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 9, 1000)
    nodes = np.column_stack([labels // 3, labels % 3]) - 1.0
    angle = np.pi / 6
    rotation = np.array(
        [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    )
    X = (nodes + 0.08 * rng.standard_normal((1000, 2))) @ rotation.T
    return _labelled(X, labels)


def _combination_groups():
    """Two groups of 3-D rows with equal marginals, differing only in the sign
    of the correlation of x1 + x2 with x3."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 1000)
    x1, x2 = rng.standard_normal((2, 1000))
    sign = np.where(labels == 1, 1.0, -1.0)
    x3 = sign * 0.9 * (x1 + x2) / np.sqrt(2) + np.sqrt(1 - 0.81) * rng.standard_normal(
        1000
    )
    return _labelled(np.column_stack([x1, x2, x3]), labels)


def load_table(name):
    """The table (a DataFrame with a categorical ``class`` column) and its
    categorical columns."""
    loaders = {
        "iris": lambda: _sklearn_table(load_iris),
        "wine": lambda: _sklearn_table(load_wine),
        "breast_cancer": lambda: _sklearn_table(load_breast_cancer),
        "mixed": _mixed_table,
        "diagonal": _diagonal_clusters,
        "lattice": _rotated_lattice,
        "combination": _combination_groups,
    }
    return loaders[name]()


def split(frame, seed):
    return train_test_split(
        frame, test_size=0.3, random_state=seed, stratify=frame[CLASS]
    )


class Design:
    """Standardised numeric columns and one-hot categories of a table, and back."""

    def __init__(self, train, categorical):
        self.columns = list(train.columns)
        self.categorical = list(categorical)
        self.numeric = [c for c in self.columns if c not in self.categorical]
        self.mean = train[self.numeric].mean().to_numpy(float)
        std = train[self.numeric].std(ddof=0).to_numpy(float)
        # A constant column's std may come out as rounding noise, not 0.
        self.constant = std <= 1e-9 * np.maximum(1.0, np.abs(self.mean))
        self.std = np.where(self.constant, 1.0, std)
        self.categories = {c: np.unique(train[c].astype(str)) for c in self.categorical}

    def encode(self, frame, *, without=()):
        parts = [(frame[self.numeric].to_numpy(float) - self.mean) / self.std]
        for column in self.categorical:
            if column in without:
                continue
            values = frame[column].astype(str).to_numpy()[:, None]
            parts.append((values == self.categories[column]).astype(float))
        return np.hstack(parts)

    def decode(self, matrix):
        """A frame from an encoded matrix (categories by the largest entry)."""
        n_numeric = len(self.numeric)
        frame = pd.DataFrame(
            matrix[:, :n_numeric] * self.std + self.mean, columns=self.numeric
        )
        start = n_numeric
        for column in self.categorical:
            width = len(self.categories[column])
            block = matrix[:, start : start + width]
            frame[column] = self.categories[column][block.argmax(axis=1)]
            start += width
        return frame[self.columns]


# -- models ----------------------------------------------------------------------


def _per_class(train, categorical, seed, fit_density):
    """Rows from one density per class, as many per class as in training."""
    others = [column for column in categorical if column != CLASS]
    design = Design(train.drop(columns=CLASS), others)
    features = design.encode(train)
    labels = train[CLASS].astype(str).to_numpy()
    samples, classes = [], []
    for label in np.unique(labels):
        rows = features[labels == label]
        samples.append(fit_density(rows, seed).sample(len(rows))[0])
        classes.append(np.full(len(rows), label))
    order = np.random.default_rng(seed).permutation(len(labels))
    frame = design.decode(np.vstack(samples)[order])
    # What a statistician would do after a Gaussian fit: integer columns rounded
    # and kept to the values' range, constant columns constant.
    for column in design.numeric:
        values = train[column].to_numpy(float)
        if np.all(values == np.rint(values)) or np.ptp(values) == 0:
            frame[column] = np.clip(
                np.rint(frame[column]) if np.ptp(values) else values[0],
                values.min(),
                values.max(),
            )
    frame[CLASS] = np.concatenate(classes)[order]
    return frame


def _gaussian(rows, seed):
    return GaussianMixture(1, random_state=seed).fit(rows)


def _gmm_by_bic(rows, seed):
    best, best_bic = None, np.inf
    for n_components in range(1, min(MAX_GMM_COMPONENTS, len(rows)) + 1):
        mixture = GaussianMixture(n_components, random_state=seed, n_init=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mixture.fit(rows)
        bic = mixture.bic(rows)
        if bic < best_bic:
            best, best_bic = mixture, bic
    return best


def _as_frame(samples, train):
    if isinstance(samples, pd.DataFrame):
        return samples
    return pd.DataFrame(samples, columns=train.columns)


def fit_and_sample(model, train, categorical, seed, options):
    """Fit ``model`` on ``train`` and draw ``len(train)`` rows: (frame, seconds)."""
    design = Design(train, categorical)
    n_rows = len(train)
    start = time.perf_counter()
    if model == "real":
        return train.reset_index(drop=True), 0.0
    if model in ("gaussian", "gmm"):
        fit = _gaussian if model == "gaussian" else _gmm_by_bic
        frame = _per_class(train, categorical, seed, fit)
        return frame, time.perf_counter() - start
    if model == "gan":
        gan = GANSampler(
            categorical_features=categorical, random_state=seed, **options["gan"]
        ).fit(train)
        seconds = time.perf_counter() - start
        return _as_frame(gan.sample(n_rows, random_state=seed + 100)[0], train), seconds
    if model in ("gan-cond", "vae-cond"):
        others = [c for c in categorical if c != CLASS]
        features = train.drop(columns=CLASS)
        labels = train[CLASS].astype(str).to_numpy()
        estimator, family = (
            (GANSampler, "gan") if model == "gan-cond" else (VAETransformer, "vae")
        )
        gan = estimator(
            categorical_features=others or None,
            conditional=True,
            random_state=seed,
            **options[family],
        ).fit(features, labels)
        seconds = time.perf_counter() - start
        asked = np.random.default_rng(seed).permutation(labels)
        frame, _ = gan.sample(n_rows, y=asked, random_state=seed + 100)
        frame = _as_frame(frame, features)
        frame[CLASS] = asked
        return frame, seconds
    if model == "vae":
        takes_categories = "categorical_features" in VAETransformer().get_params()
        if takes_categories:
            vae = VAETransformer(
                categorical_features=categorical, random_state=seed, **options["vae"]
            ).fit(train)
            seconds = time.perf_counter() - start
            samples = vae.sample(n_rows, random_state=seed + 100)[0]
            return _as_frame(samples, train), seconds
        vae = VAETransformer(random_state=seed, **options["vae"])
        vae.fit(design.encode(train))
        seconds = time.perf_counter() - start
        samples = vae.sample(n_rows, random_state=seed + 100)[0]
        return design.decode(samples), seconds
    raise ValueError(f"unknown model {model!r}")


# -- peers (in their own environment) ---------------------------------------------


def _task_dir(cache, dataset, seed):
    return Path(cache) / f"{dataset}-seed{seed}"


def write_task(cache, dataset, seed, train, categorical):
    """Write a split for peers_tabular.py: train.csv and meta.json."""
    folder = _task_dir(cache, dataset, seed)
    folder.mkdir(parents=True, exist_ok=True)
    train.to_csv(folder / "train.csv", index=False)
    meta = {"categorical": categorical, "seed": seed, "n_samples": len(train)}
    (folder / "meta.json").write_text(json.dumps(meta))
    return folder


def run_peers(python, cache, folders, refresh):
    script = Path(__file__).with_name("peers_tabular.py")
    command = [python, str(script), "--cache", str(cache)]
    command += ["--tasks", *[folder.name for folder in folders]]
    if refresh:
        command.append("--refresh")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"peers_tabular.py failed:\n{result.stderr[-3000:]}", file=sys.stderr)


def read_peer(folder, model):
    """The peer's samples and fit time from the cache, or the reason they are
    missing."""
    samples = folder / f"{model}.csv"
    if samples.exists():
        timing = json.loads((folder / f"{model}.json").read_text())
        return pd.read_csv(samples), timing["fit_seconds"]
    error = Path(folder).parent / "peers-error.txt"
    return None, "not installed" if error.exists() else "not run"


# -- metrics ---------------------------------------------------------------------


def _c2st(real, fake, seed, classifier=None):
    n_rows = min(len(real), len(fake))
    if n_rows < 5:
        return np.nan
    return c2st_score(
        real,
        fake[:n_rows],
        classifier=classifier,
        scoring="roc_auc",
        random_state=seed,
    )


def _forest_accuracy(design, rows, test, seed):
    labels = rows[CLASS].astype(str).to_numpy()
    forest = RandomForestClassifier(random_state=seed, n_jobs=1)
    forest.fit(design.encode(rows, without=(CLASS,)), labels)
    predicted = forest.predict(design.encode(test, without=(CLASS,)))
    return float(np.mean(predicted == test[CLASS].astype(str).to_numpy()))


def _median_closest(rows, train):
    neighbours = NearestNeighbors(n_neighbors=1).fit(train)
    return float(np.median(neighbours.kneighbors(rows)[0][:, 0]))


def evaluate(frame, train, test, categorical, seed):
    """The metrics of one model's samples (see the module docstring)."""
    design = Design(train, categorical)
    frame = frame[design.columns]
    real, fake = design.encode(test), design.encode(frame)
    per_class = []
    test_labels = test[CLASS].astype(str).to_numpy()
    fake_labels = frame[CLASS].astype(str).to_numpy()
    for label in np.unique(test_labels):
        real_class = design.encode(test[test_labels == label], without=(CLASS,))
        fake_class = design.encode(frame[fake_labels == label], without=(CLASS,))
        # A class the model does not generate counts as told apart.
        score = _c2st(real_class, fake_class, seed, SMALL_SAMPLE_CLASSIFIER)
        score = score if len(fake_class) else 1.0
        per_class.append(1.0 if np.isnan(score) else score)
    varying = ~design.constant
    ratios = (
        frame[design.numeric].to_numpy(float).std(axis=0)[varying]
        / (design.std[varying])
    )
    encoded_train = design.encode(train)
    return {
        "C2ST": _c2st(real, fake, seed),
        "C2ST|cls": float(np.mean(per_class)),
        "energy": energy_distance(real, fake),
        "std": float(np.exp(np.mean(np.log(np.maximum(ratios, 1e-12))))),
        "std lo": float(ratios.min()),
        "std hi": float(ratios.max()),
        "ML eff": _forest_accuracy(design, frame, test, seed),
        "DCR": _median_closest(fake, encoded_train)
        / _median_closest(real, encoded_train),
    }


# -- main ------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--datasets", nargs="*", default=list(DATASETS), choices=DATASETS + STUDIES
    )
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1])
    parser.add_argument(
        "--peers-python",
        default=None,
        help="python of an environment with ctgan and sdv; fits the peers whose "
        "samples are not cached yet",
    )
    parser.add_argument("--refresh-peers", action="store_true")
    parser.add_argument(
        "--cache",
        default=os.path.join(tempfile.gettempdir(), "sklatent-bench-tabular"),
    )
    parser.add_argument("--gan-params", default="{}", help="JSON of GANSampler options")
    parser.add_argument("--vae-params", default="{}", help="JSON of VAE options")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    options = {"gan": json.loads(args.gan_params), "vae": json.loads(args.vae_params)}

    tasks = []
    for dataset in args.datasets:
        frame, categorical = load_table(dataset)
        for seed in args.seeds:
            train, test = split(frame, seed)
            folder = write_task(args.cache, dataset, seed, train, categorical)
            tasks.append((dataset, seed, train, test, categorical, folder))
    if args.peers_python and any(model in PEERS for model in args.models):
        run_peers(
            args.peers_python,
            args.cache,
            [task[-1] for task in tasks],
            args.refresh_peers,
        )

    # One-time costs (torch's first calls) are not charged to the first model.
    warm_up = np.random.default_rng(0).normal(size=(20, 2))
    GANSampler(max_epochs=1).fit(warm_up).sample(2)
    VAETransformer(max_epochs=1).fit(warm_up).sample(2)
    results = {}
    for dataset, seed, train, test, categorical, folder in tasks:
        real_accuracy = _forest_accuracy(Design(train, categorical), train, test, seed)
        for model in args.models:
            if model in PEERS:
                frame, seconds = read_peer(folder, model)
                if frame is None:
                    results.setdefault((dataset, model), seconds)
                    continue
            else:
                frame, seconds = fit_and_sample(
                    model, train, categorical, seed, options
                )
            metrics = evaluate(frame, train, test, categorical, seed)
            metrics["dML"] = metrics["ML eff"] - real_accuracy
            metrics["fit s"] = seconds
            results.setdefault((dataset, model), []).append(metrics)

    keys = ("C2ST", "C2ST|cls", "energy", "std", "ML eff", "dML", "DCR", "fit s")
    print(
        f"seeds {args.seeds}; 70/30 stratified splits; GAN options {options['gan']}; "
        f"VAE options {options['vae']}; torch threads {args.threads}"
    )
    header = (
        f"{'data':<14} {'model':<9} {'C2ST':>6} {'C2ST|cls':>8} {'energy':>7} "
        f"{'std':>5} {'std range':>10} {'ML eff':>6} {'dML':>6} {'DCR':>5} "
        f"{'fit s':>7}"
    )
    print(header)
    print("-" * len(header))
    for (dataset, model), runs in results.items():
        if isinstance(runs, str):
            print(f"{dataset:<14} {model:<9} {runs}")
            continue
        mean = {key: float(np.mean([run[key] for run in runs])) for key in keys}
        low = min(run["std lo"] for run in runs)
        high = max(run["std hi"] for run in runs)
        print(
            f"{dataset:<14} {model:<9} {mean['C2ST']:>6.3f} {mean['C2ST|cls']:>8.3f} "
            f"{mean['energy']:>7.3f} {mean['std']:>5.2f} "
            f"{f'{low:.2f}-{high:.2f}':>10} {mean['ML eff']:>6.3f} "
            f"{mean['dML']:>+6.3f} {mean['DCR']:>5.2f} {mean['fit s']:>7.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
