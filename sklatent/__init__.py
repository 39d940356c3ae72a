"""sklatent: latent-variable generative models as scikit-learn estimators."""

from .topic import LDATopics

__version__ = "0.1.0"

__all__ = ["LDATopics", "__version__"]
