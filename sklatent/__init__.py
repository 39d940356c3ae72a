"""sklatent: latent-variable generative models as scikit-learn estimators."""

__version__ = "0.1.0"

__all__ = ["__version__"]
