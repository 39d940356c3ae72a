"""Learning Dirichlet priors from the data ("auto" priors).

A Dirichlet prior is moved towards the maximum-likelihood Dirichlet of the
variational distributions it governs, by Newton steps whose Hessian is a diagonal
plus a rank-one term (Minka, 2000), as gensim's ``alpha="auto"`` and ``eta="auto"``
do (Huang, "Maximum likelihood estimation of Dirichlet distribution parameters").
"""

import numpy as np
from scipy.special import polygamma, psi


def mean_expected_log(params):
    """Mean over rows of E[log p] for p ~ Dirichlet(row of ``params``).

    Parameters
    ----------
    params : ndarray of shape (n_rows, n_cols)
        Variational Dirichlet parameters, one distribution per row.

    Returns
    -------
    mean_log : ndarray of shape (n_cols,)
        The sufficient statistic of a Dirichlet fitted to the rows.
    """
    return (psi(params) - psi(params.sum(axis=1, keepdims=True))).mean(axis=0)


def newton_step(prior, mean_log, n_observations, rho=1.0):
    """One damped Newton step of a Dirichlet prior towards its maximum likelihood.

    Parameters
    ----------
    prior : ndarray of shape (n_cols,)
        Current Dirichlet parameters (positive).
    mean_log : ndarray of shape (n_cols,)
        Mean E[log p] of the observed distributions, see
        :func:`mean_expected_log`.
    n_observations : int
        Number of observed distributions.
    rho : float, default=1.0
        Step size in (0, 1].

    Returns
    -------
    prior : ndarray of shape (n_cols,)
        The updated parameters; the step is halved until they stay positive, and
        the old parameters are kept if that does not happen within 30 halvings.
    """
    gradient = n_observations * (psi(prior.sum()) - psi(prior) + mean_log)
    rank_one = n_observations * polygamma(1, prior.sum())
    diagonal = -n_observations * polygamma(1, prior)
    shift = np.sum(gradient / diagonal) / (1.0 / rank_one + np.sum(1.0 / diagonal))
    step = -(gradient - shift) / diagonal
    for _ in range(30):
        updated = prior + rho * step
        if np.all(updated > 0):
            return updated
        rho /= 2.0
    return prior
