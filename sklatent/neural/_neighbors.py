"""Neighbour embedding within a batch: the t-SNE term of the VAE's training loss.

The term asks the codes of rows that are near neighbours in the data to be near
neighbours in the latent space too, as t-SNE does [1]_, but computed on each
minibatch only, as in parametric t-SNE [2]_ and VAE-SNE [3]_: the affinities of the
rows of a batch in the data are compared with those of their codes, and the
Kullback-Leibler divergence between the two is the loss.

References
----------
.. [1] L. van der Maaten and G. Hinton, "Visualizing Data using t-SNE", JMLR 2008.
.. [2] L. van der Maaten, "Learning a Parametric Embedding by Preserving Local
   Structure", AISTATS 2009.
.. [3] J. M. Graving and I. D. Couzin, "VAE-SNE: a deep generative model for
   simultaneous dimensionality reduction and clustering", bioRxiv 2020.
"""

import math

import torch

# Fewest rows a batch needs for the term (smaller batches skip it): with four,
# the perplexity cap (n - 1) / 3 is at least one neighbour.
MIN_ROWS = 4
# Bisection steps on each row's log precision, within +-_LOG_PRECISION_BRACKET
# of the inverse of the row's typical squared distance: the last step is 1e-3,
# which matches the perplexity to about 0.1%.
_BISECTION_STEPS = 16
_LOG_PRECISION_BRACKET = 30.0


def _squared_distances(z):
    """Pairwise squared Euclidean distances, |z_i|^2 + |z_j|^2 - 2 z_i.z_j.

    Unlike ``torch.cdist`` (a square root), its gradient is finite where codes
    coincide, and unlike differences of all pairs it needs no
    (n_rows, n_rows, n_components) tensor, which matters for large batches.
    """
    sq_norms = z.square().sum(-1)
    gram = z @ z.T
    return (sq_norms.unsqueeze(1) + sq_norms.unsqueeze(0) - 2 * gram).clamp_min(0)


def batch_affinities(x, perplexity):
    """Symmetric t-SNE affinities P of the rows of a batch.

    Each row i gets a Gaussian kernel over its ``3 * perplexity + 1`` nearest
    rows (the others get zero, as in scikit-learn's Barnes-Hut t-SNE) whose
    precision is set by bisection so that the perplexity of its conditional
    distribution p(j|i) is ``perplexity`` (capped at (n - 1) / 3 in a batch of n
    rows); then P = (p(j|i) + p(i|j)) / (2 n), which sums to one and has a zero
    diagonal.

    Parameters
    ----------
    x : torch.Tensor of shape (n_rows, n_features)
        The rows, at least ``MIN_ROWS`` of them.
    perplexity : float
        Effective number of neighbours of each row, at least one.

    Returns
    -------
    P : torch.Tensor of shape (n_rows, n_rows)
        The joint affinities (computed without gradient).
    """
    with torch.no_grad():
        n_rows = len(x)
        perplexity = min(perplexity, (n_rows - 1) / 3)
        n_neighbors = min(n_rows - 1, int(3 * perplexity) + 1)
        sq_dist = torch.cdist(x, x).square()
        sq_dist.fill_diagonal_(math.inf)
        sq_dist, neighbors = sq_dist.topk(n_neighbors, dim=1, largest=False)
        # Distances relative to each row's mean distance to its neighbours, so
        # that the bracket of the log precision does not depend on the units.
        typical = sq_dist.mean(1, keepdim=True)
        sq_dist = sq_dist / typical.clamp_min(torch.finfo(x.dtype).tiny)
        target = math.log(perplexity)
        low = torch.full_like(typical, -_LOG_PRECISION_BRACKET)
        high = torch.full_like(typical, _LOG_PRECISION_BRACKET)
        for _ in range(_BISECTION_STEPS):
            log_precision = 0.5 * (low + high)
            precision = log_precision.exp()
            logits = -precision * sq_dist
            log_norm = torch.logsumexp(logits, 1, keepdim=True)
            conditional = (logits - log_norm).exp()
            # Entropy of p(.|i): log Z + precision * E[distance].
            entropy = log_norm + precision * (conditional * sq_dist).sum(
                1, keepdim=True
            )
            # Entropy falls as the precision grows.
            too_sharp = entropy < target
            high = torch.where(too_sharp, log_precision, high)
            low = torch.where(too_sharp, low, log_precision)
        dense = torch.zeros((n_rows, n_rows), dtype=x.dtype, device=x.device)
        dense.scatter_(1, neighbors, conditional)
        return (dense + dense.T) / (2 * n_rows)


def neighbor_embedding_loss(x, z, perplexity, scale):
    """KL(P || Q) between the affinities of a batch's rows and of their codes.

    P are the t-SNE affinities of the rows ``x`` (:func:`batch_affinities`); Q
    are those of the codes ``z`` under a Student-t kernel with one degree of
    freedom and scale ``scale``, q_ij proportional to 1 / (1 + |z_i - z_j|^2 /
    scale^2). Its heavy tail lets dissimilar rows lie far apart, which keeps the
    groups of the data from crowding into the centre of the latent space.

    Parameters
    ----------
    x : torch.Tensor of shape (n_rows, n_features)
        The rows, at least ``MIN_ROWS`` of them.
    z : torch.Tensor of shape (n_rows, n_components)
        Their codes.
    perplexity : float
        Effective number of neighbours of each row in P.
    scale : float
        Scale of the Student-t kernel, in the units of z.

    Returns
    -------
    loss : torch.Tensor
        A scalar, non-negative, differentiable in ``z``.
    """
    joint = batch_affinities(x, perplexity)
    log_kernel = -torch.log1p(_squared_distances(z) / scale**2)
    # sum P log P - sum P log Q, with log Q = log kernel - log norm and P summing
    # to one; the diagonal, where P is zero, adds nothing to the cross term.
    cross = (joint * log_kernel).sum()
    self_mask = torch.eye(len(z), dtype=torch.bool, device=z.device)
    log_norm = torch.logsumexp(
        log_kernel.masked_fill(self_mask, -math.inf).flatten(), 0
    )
    return torch.special.xlogy(joint, joint).sum() - cross + log_norm
