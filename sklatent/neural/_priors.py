"""A Gaussian mixture over a VAE's codes: the aggregate-posterior sampling prior.

A VAE trained with a standard normal prior rarely spreads the codes of its
training rows like that prior: the aggregate posterior (the average of q(z|x) over
the rows) has holes and a shape of its own, and codes drawn from the prior where
it has no mass decode to rows unlike the data. Fitting a Gaussian mixture to
codes drawn from the aggregate posterior, after training, gives a prior that
matches where the codes lie (ex-post density estimation, as in Ghosh et al.,
"From Variational to Deterministic Autoencoders", ICLR 2020; the two-stage VAE of
Dai and Wipf, ICLR 2019, fits a second VAE instead).

The mixture is kept as plain arrays; its density and its draws are computed in
torch, on the device of the codes and of the generator.
"""

import math
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

__all__ = ["fit_code_mixture", "mixture_log_density", "sample_mixture"]

_LOG_2PI = math.log(2 * math.pi)
# The mixture is fitted on at most this many codes.
_MAX_CODES = 10_000
# The search over mixture sizes stops after this many sizes in a row without a
# better BIC.
_PATIENCE = 2


def fit_code_mixture(codes, max_components, seed):
    """Fit a full-covariance Gaussian mixture to codes, its size chosen by BIC.

    Parameters
    ----------
    codes : ndarray of shape (n_codes, n_components)
        Codes drawn from the aggregate posterior, one per training row (so that
        BIC counts independent draws).
    max_components : int
        Largest number of mixture components tried (from 1 up, until two sizes
        in a row do not improve the BIC).
    seed : int
        Seed of the subsample and of the mixture fits.

    Returns
    -------
    weights, means, covariances : ndarray
        Shapes (m,), (m, n_components) and (m, n_components, n_components).
        No more codes than dimensions say nothing about the spread of the
        codes (their covariance is singular): the mixture is then the standard
        normal prior (m = 1).
    """
    n_codes, n_components = codes.shape
    if n_codes <= n_components:
        return np.ones(1), np.zeros((1, n_components)), np.eye(n_components)[None]
    rng = np.random.default_rng(seed)
    state = np.random.RandomState(rng.integers(2**31 - 1))
    if len(codes) > _MAX_CODES:
        codes = codes[rng.choice(len(codes), _MAX_CODES, replace=False)]
    best, best_bic = None, math.inf
    for n_mixture in range(1, min(max_components, len(codes)) + 1):
        mixture = GaussianMixture(n_mixture, reg_covar=1e-4, random_state=state)
        # Problems this small gain nothing from threads, and on shared cores
        # the k-means initialisation's spinning threads are 30 times slower.
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            mixture.fit(codes)
        bic = mixture.bic(codes)
        if bic < best_bic:
            best, best_bic = mixture, bic
        elif n_mixture >= best.n_components + _PATIENCE:
            break
    return best.weights_, best.means_, best.covariances_


def _as_tensors(like, *arrays):
    return [torch.as_tensor(a, dtype=like.dtype, device=like.device) for a in arrays]


def mixture_log_density(z, weights, means, covariances):
    """log density of a Gaussian mixture at ``z`` (any leading shape), in torch."""
    weights, means, covariances = _as_tensors(z, weights, means, covariances)
    cholesky = torch.linalg.cholesky(covariances)
    centred = (z.unsqueeze(-2) - means).unsqueeze(-1)
    whitened = torch.linalg.solve_triangular(cholesky, centred, upper=False)
    log_det = cholesky.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    log_components = -0.5 * (
        whitened.squeeze(-1).square().sum(-1) + z.shape[-1] * _LOG_2PI
    )
    return torch.logsumexp(log_components - log_det + weights.log(), dim=-1)


def sample_mixture(n_samples, weights, means, covariances, generator, dtype):
    """Draw ``n_samples`` codes from a Gaussian mixture, on the generator's device."""
    like = torch.empty(0, dtype=dtype, device=generator.device)
    weights, means, covariances = _as_tensors(like, weights, means, covariances)
    component = torch.multinomial(
        weights, n_samples, replacement=True, generator=generator
    )
    noise = torch.randn(
        (n_samples, means.shape[1], 1),
        generator=generator,
        dtype=dtype,
        device=generator.device,
    )
    cholesky = torch.linalg.cholesky(covariances)
    return means[component] + (cholesky[component] @ noise).squeeze(-1)
