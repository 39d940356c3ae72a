"""Why VAETransformer has a neighbour term: 2-D codes of digits as classifier input.

Each variant of the VAE is fit on digits (pixels / 16, stratified 75/25 split) with a
2-D code, over several seeds; the codes of the training images feed a
LogisticRegression (linear) and a 10-nearest-neighbour classifier (local), scored on
the test images. Printed per variant: mean, min and max linear accuracy, mean
nearest-neighbour accuracy and the mean test ELBO (one-sample Monte Carlo estimate
with fixed random numbers, the same estimator for every prior; the Bernoulli one
is of another model of the pixels and does not compare). Then, over the
seeds of the plain VAE, the correlation between its held-out ELBO and its linear
accuracy.

The variants: the model with the optional neighbour term (``neighbor_weight=100``);
the default, a plain VAE on the ELBO alone (``neighbor_weight=0``); and the plain VAE
with a smaller ``beta``, a longer
KL warm-up, smaller batches, a Bernoulli likelihood, and three other priors (a
Student-t with one degree of freedom, a learned mixture of 20 Gaussians, and a
VampPrior with 50 learned pseudo-inputs). The priors are written here, on top of
the estimator's module, only for this study.

Run from the repository root: ``PYTHONPATH=. python benchmarks/study_vae_2d_codes.py``
(about 10 minutes on 2 cores with the default 5 seeds).
"""

import argparse
import math

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from torch import nn

from sklatent import VAETransformer
from sklatent.neural.vae import _LOG_2PI, _VAEModule


class _OtherPriorModule(_VAEModule):
    """The VAE's module with another prior; the KL term by Monte Carlo."""

    def __init__(self, module, prior, n_components, n_features, seed):
        super().__init__(
            module.encoder,
            module.decoder,
            n_continuous=module.n_continuous,
            category_sizes=module.category_sizes,
            likelihood=module.likelihood,
            min_sigma=module.min_sigma,
            neighbor_weight=module.neighbor_weight,
            perplexity=module.perplexity,
        )
        self.prior = prior
        generator = torch.Generator().manual_seed(seed)
        if prior == "mixture":
            self.means = nn.Parameter(
                torch.randn(20, n_components, generator=generator)
            )
            self.log_vars = nn.Parameter(torch.zeros(20, n_components))
            self.logits = nn.Parameter(torch.zeros(20))
        elif prior == "vamp":
            self.pseudo_inputs = nn.Parameter(
                0.1 * torch.randn(50, n_features, generator=generator)
            )

    def log_prior(self, z):
        if self.prior == "student":
            # Independent Cauchy coordinates.
            return -(math.log(math.pi) + torch.log1p(z.square())).sum(-1)
        if self.prior == "mixture":
            means, log_vars = self.means, self.log_vars
            log_weights = torch.log_softmax(self.logits, -1)
        else:
            means, log_vars = self.encode(self.pseudo_inputs)
            log_weights = -math.log(len(means))
        z = z.unsqueeze(-2)
        log_components = -0.5 * (
            (z - means).square() / log_vars.exp() + log_vars + _LOG_2PI
        ).sum(-1)
        return torch.logsumexp(log_components + log_weights, -1)

    def kl_divergence(self, mean, log_var, noise, z):
        # One-sample Monte Carlo estimate: log q(z|x) - log p(z) at the draw z.
        log_q = -(0.5 * (noise.square() + _LOG_2PI + log_var)).sum(-1)
        return log_q - self.log_prior(z)


class _OtherPriorVAE(VAETransformer):
    """VAETransformer whose module has the prior named by ``_prior``."""

    _prior = None

    def _build_module(self):
        module = super()._build_module()
        return _OtherPriorModule(
            module, self._prior, self.n_components, module.n_features, self.random_state
        )


class _StudentVAE(_OtherPriorVAE):
    _prior = "student"


class _MixtureVAE(_OtherPriorVAE):
    _prior = "mixture"


class _VampVAE(_OtherPriorVAE):
    _prior = "vamp"


PLAIN = {}
VARIANTS = [
    ("neighbour term (100)", VAETransformer, {"neighbor_weight": 100.0}),
    ("plain VAE (default)", VAETransformer, PLAIN),
    ("plain, beta=0.2", VAETransformer, {**PLAIN, "beta": 0.2}),
    ("plain, warmup_epochs=100", VAETransformer, {**PLAIN, "warmup_epochs": 100}),
    (
        "plain, batch_size=32",
        VAETransformer,
        {**PLAIN, "batch_size": 32, "learning_rate": 1e-3},
    ),
    ("plain, bernoulli", VAETransformer, {**PLAIN, "likelihood": "bernoulli"}),
    ("plain, Student-t prior", _StudentVAE, PLAIN),
    ("plain, mixture prior", _MixtureVAE, PLAIN),
    ("plain, VampPrior", _VampVAE, PLAIN),
]


def _run(estimator, params, seed, data):
    torch.set_num_threads(1)
    X_train, X_test, y_train, y_test = data
    vae = estimator(n_components=2, random_state=seed, **params).fit(X_train)
    Z_train, Z_test = vae.transform(X_train), vae.transform(X_test)
    linear = LogisticRegression(max_iter=5000).fit(Z_train, y_train)
    local = KNeighborsClassifier(10).fit(Z_train, y_train)
    module = vae.net_.module_.eval()
    X_std = torch.as_tensor(vae._prepare(X_test), dtype=torch.float32)
    with torch.no_grad():
        loss = module(X_std, generator=torch.Generator().manual_seed(0))
    elbo = -loss.mean().item() - np.log(vae.scale_).sum()
    return linear.score(Z_test, y_test), local.score(Z_test, y_test), elbo


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=-1)
    args = parser.parse_args()
    X, y = load_digits(return_X_y=True)
    data = train_test_split(X / 16, y, test_size=0.25, stratify=y, random_state=0)
    jobs = [
        (name, seed, delayed(_run)(estimator, params, seed, data))
        for name, estimator, params in VARIANTS
        for seed in range(args.seeds)
    ]
    results = Parallel(n_jobs=args.n_jobs)(job for _, _, job in jobs)
    by_variant = {}
    for (name, _, _), result in zip(jobs, results):
        by_variant.setdefault(name, []).append(result)

    header = f"{'variant':<28}{'linear':>8}{'min':>7}{'max':>7}{'kNN':>7}{'ELBO':>8}"
    print(f"Digits, 2-D codes, {args.seeds} seeds each; test accuracy and ELBO")
    print(header)
    print("-" * len(header))
    for name, rows in by_variant.items():
        linear, local, elbo = np.array(rows).T
        print(
            f"{name:<28}{linear.mean():>8.3f}{linear.min():>7.3f}"
            f"{linear.max():>7.3f}{local.mean():>7.3f}{elbo.mean():>8.2f}"
        )
    linear, _, elbo = np.array(by_variant["plain VAE (default)"]).T
    print(
        f"\nPlain VAE over {args.seeds} seeds: correlation of test ELBO and linear "
        f"accuracy r = {np.corrcoef(elbo, linear)[0, 1]:.2f}"
    )


if __name__ == "__main__":
    main()
