"""sklatent: latent-variable generative models as scikit-learn estimators."""

from .hmm import GaussianHMM
from .topic import LDATopics

__version__ = "0.1.0"

__all__ = ["GaussianHMM", "LDATopics", "__version__"]
