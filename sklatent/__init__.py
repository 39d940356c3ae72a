"""sklatent: latent-variable generative models as scikit-learn estimators."""

from .neural import GANSampler, VAETransformer

__version__ = "0.1.0"

__all__ = ["GANSampler", "VAETransformer", "__version__"]
