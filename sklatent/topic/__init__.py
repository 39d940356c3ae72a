"""Topic models: latent Dirichlet allocation with compiled variational inference."""

from ._lda import LDATopics, NonIntegerCountsWarning

__all__ = ["LDATopics", "NonIntegerCountsWarning"]
