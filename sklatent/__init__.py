"""sklatent: latent-variable generative models as scikit-learn estimators."""

from .neural import VAETransformer

__version__ = "0.1.0"

__all__ = ["VAETransformer", "__version__"]
