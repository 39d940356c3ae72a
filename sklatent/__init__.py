"""sklatent: latent-variable generative models as scikit-learn estimators."""

from .hmm import GaussianHMM
from .neural import GANSampler, VAETransformer
from .topic import LDATopics

__version__ = "0.1.0"

__all__ = ["GANSampler", "GaussianHMM", "LDATopics", "VAETransformer", "__version__"]
