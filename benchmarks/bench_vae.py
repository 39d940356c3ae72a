"""VAETransformer against PCA on digits, and skorch's overhead over a bare torch loop.

Quality: digits (pixels / 16), stratified 75/25 split, each model's latent code fed to
a LogisticRegression, at latent sizes 2 and 8, VAETransformer with default settings
over several seeds. Reported: test accuracy, test reconstruction MSE, the test score
in nats per image (PCA: exact probabilistic-PCA log-likelihood; VAE: ELBO, and the
importance-weighted bound with 100 samples), how far samples drawn from the model
are from the test images (``sklatent.metrics.mmd``; the first row gives the value
for as many real training images) and the fit time. "VAE" is the default model
(trained on the ELBO alone, samples from the standard normal prior); "VAE mixture"
samples from the Gaussian mixture fitted to its codes (``sampling_prior="mixture"``);
"neighbour" adds the optional neighbour-embedding term (``neighbor_weight=100``).

Targets: the default VAE's MMD at most 1.5 times that of real training images; its
8-D codes beat PCA's as classifier input; with the neighbour term, 2-D codes reach
an accuracy of 0.85.

Overhead: seconds per epoch of VAETransformer (early stopping off) against a bare
torch loop training the same module with the same batch size and optimiser, timed
interleaved in this process.

Run from the repository root: ``PYTHONPATH=. python benchmarks/bench_vae.py``.
"""

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from sklatent import VAETransformer
from sklatent.metrics import mmd

# The default model, its mixture sampling prior, and the optional neighbour term.
VARIANTS = [
    ("VAE", {}),
    ("VAE mixture", {"sampling_prior": "mixture"}),
    ("neighbour", {"neighbor_weight": 100.0}),
]
MMD_FACTOR, NEIGHBOUR_ACCURACY = 1.5, 0.85


def _digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16, y, test_size=0.25, stratify=y, random_state=0)


def _accuracy(Z_train, y_train, Z_test, y_test):
    classifier = LogisticRegression(max_iter=5000).fit(Z_train, y_train)
    return classifier.score(Z_test, y_test)


def _evaluate(model, X_train, X_test, y_train, y_test):
    start, start_cpu = time.perf_counter(), time.process_time()
    model.fit(X_train)
    seconds = (time.perf_counter() - start, time.process_time() - start_cpu)
    Z_train, Z_test = model.transform(X_train), model.transform(X_test)
    mse = np.mean((model.inverse_transform(Z_test) - X_test) ** 2)
    return _accuracy(Z_train, y_train, Z_test, y_test), mse, seconds


def _vae_rows(name, params, k, seeds, data):
    """One row per seed of VAETransformer(**params), then their mean."""
    X_train, X_test, y_train, y_test = data
    rows = []
    for seed in seeds:
        vae = VAETransformer(n_components=k, random_state=seed, **params)
        acc, mse, seconds = _evaluate(vae, X_train, X_test, y_train, y_test)
        elbo = vae.score(X_test)
        bound = vae.score_samples(X_test, n_samples=100).mean()
        distance = mmd(X_test, vae.sample(len(X_test), random_state=seed)[0])
        rows.append((acc, mse, elbo, bound, distance, *seconds, len(vae.history_)))
        print(
            f"{f'{name} seed {seed}':<22}{k:>3}{acc:>10.3f}{mse:>10.4f}"
            f"{elbo:>9.2f}{bound:>9.2f}{distance:>9.4f}{seconds[0]:>8.2f}"
            f"{seconds[1]:>8.2f}{len(vae.history_):>8}"
        )
    acc, mse, elbo, bound, distance, wall, cpu, epochs = np.mean(rows, axis=0)
    print(
        f"{f'{name} mean':<22}{k:>3}{acc:>10.3f}{mse:>10.4f}{elbo:>9.2f}"
        f"{bound:>9.2f}{distance:>9.4f}{wall:>8.2f}{cpu:>8.2f}{epochs:>8.0f}"
    )


def quality(seeds):
    X_train, X_test, y_train, y_test = _digits()
    header = f"{'model':<22}{'k':>3}{'accuracy':>10}{'test MSE':>10}"
    header += f"{'score':>9}{'IW-100':>9}{'MMD':>9}{'fit s':>8}{'cpu s':>8}"
    header += f"{'epochs':>8}"
    print(header)
    print("-" * len(header))
    floor = mmd(X_test, X_train[: len(X_test)])
    print(f"{'MMD(test, train rows)':<63}{floor:>9.4f}")
    for k in (2, 8):
        pca = PCA(n_components=k)
        acc, mse, seconds = _evaluate(pca, X_train, X_test, y_train, y_test)
        # Probabilistic PCA's samples: its Gaussian, mean_ and get_covariance().
        X_pca = np.random.default_rng(0).multivariate_normal(
            pca.mean_, pca.get_covariance(), size=len(X_test)
        )
        print(
            f"{'PCA':<22}{k:>3}{acc:>10.3f}{mse:>10.4f}{pca.score(X_test):>9.2f}"
            f"{'':>9}{mmd(X_test, X_pca):>9.4f}{seconds[0]:>8.2f}{seconds[1]:>8.2f}"
        )
        for name, params in VARIANTS:
            _vae_rows(name, params, k, seeds, (X_train, X_test, y_train, y_test))
        accuracy = f"> {acc:.3f}" if k == 8 else ""
        print(
            f"{'target (VAE)':<22}{k:>3}{accuracy:>10}{'':>28}"
            f"{f'< {MMD_FACTOR * floor:.4f}':>9}"
        )
        if k == 2:
            print(f"{'target (neighbour)':<22}{k:>3}{NEIGHBOUR_ACCURACY:>10.2f}")
        print()


def _bare_loop(module, X, batch_size, learning_rate, epochs, seed):
    """The same module trained by a plain torch loop (no skorch)."""
    optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate)
    generator = torch.Generator().manual_seed(seed)
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        for index in order.split(batch_size):
            loss = module(X[index], generator=generator).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def overhead(epochs, repeats):
    # VAETransformer trains networks this small on one CPU thread; so does the
    # bare loop, so that both do the same arithmetic.
    torch.set_num_threads(1)
    X_train, _, _, _ = _digits()
    params = {"early_stopping": False, "max_epochs": epochs, "random_state": 0}
    bare_times, sklatent_times, fit_times = [], [], []
    for repeat in range(repeats):
        vae = VAETransformer(**params)
        start = time.perf_counter()
        vae.fit(X_train)
        fit_times.append((time.perf_counter() - start) / epochs)
        sklatent_times.append(np.mean(vae.history_[:, "dur"]))

        template = VAETransformer(**{**params, "max_epochs": 1}).fit(X_train)
        module = template._build_module()
        X = torch.tensor(template._prepare(X_train), dtype=torch.float32)
        start = time.perf_counter()
        _bare_loop(module, X, vae.batch_size, vae.learning_rate, epochs, repeat)
        bare_times.append((time.perf_counter() - start) / epochs)
    bare, epoch, fit = (np.median(t) for t in (bare_times, sklatent_times, fit_times))
    n_batches = int(np.ceil(len(X_train) / vae.batch_size))
    print(
        f"One epoch on digits ({len(X_train)} rows, batch_size={vae.batch_size}, "
        f"{n_batches} batches, torch threads={torch.get_num_threads()}), median of "
        f"{repeats} interleaved runs of {epochs} epochs:"
    )
    print(f"  bare torch loop                      {1e3 * bare:8.2f} ms")
    print(
        f"  VAETransformer, skorch epoch timer   {1e3 * epoch:8.2f} ms  "
        f"ratio {epoch / bare:.2f}"
    )
    print(
        f"  VAETransformer, whole fit / epochs   {1e3 * fit:8.2f} ms  "
        f"ratio {fit / bare:.2f}   (target <= 1.3)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    quality(range(args.seeds))
    overhead(args.epochs, args.repeats)


if __name__ == "__main__":
    main()
