"""Topic models: latent Dirichlet allocation with compiled variational inference."""

from ._lda import LDATopics

__all__ = ["LDATopics"]
