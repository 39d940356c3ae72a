"""Topic models: latent Dirichlet allocation with compiled variational inference."""

from ._lda import LDATopics, NonIntegerCountsWarning
from ._seeding import seeded_topic_word_prior

__all__ = ["LDATopics", "NonIntegerCountsWarning", "seeded_topic_word_prior"]
