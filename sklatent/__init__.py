"""sklatent: latent-variable generative models as scikit-learn estimators."""

from .hmm import GaussianHMM

__version__ = "0.1.0"

__all__ = ["GaussianHMM", "__version__"]
