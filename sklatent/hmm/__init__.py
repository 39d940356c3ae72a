"""Hidden Markov models: a shared EM machinery and its emission models.

:class:`BaseHMM` is public so that new emission models build on it: a subclass
implements the emission hooks (initialisation, log-density, M-step, sampling, number
of free parameters) and inherits fitting, decoding, scoring and sampling.
"""

from ._base import BaseHMM
from ._categorical import CategoricalHMM
from ._gaussian import GaussianHMM
from ._gmm import GMMHMM
from ._multinomial import MultinomialHMM
from ._poisson import PoissonHMM

__all__ = [
    "BaseHMM",
    "CategoricalHMM",
    "GMMHMM",
    "GaussianHMM",
    "MultinomialHMM",
    "PoissonHMM",
]
