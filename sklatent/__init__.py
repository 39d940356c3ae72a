"""sklatent: latent-variable generative models as scikit-learn estimators."""

from ._discovery import all_estimators
from ._show_versions import show_versions
from .hmm import GMMHMM, CategoricalHMM, GaussianHMM, MultinomialHMM, PoissonHMM
from .neural import GANSampler, VAETransformer
from .topic import LDATopics

__version__ = "0.2.0"

__all__ = [
    "CategoricalHMM",
    "GMMHMM",
    "GANSampler",
    "GaussianHMM",
    "LDATopics",
    "MultinomialHMM",
    "PoissonHMM",
    "VAETransformer",
    "__version__",
    "all_estimators",
    "show_versions",
]
