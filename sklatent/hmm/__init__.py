"""Hidden Markov models: a shared EM machinery and its emission models."""

from ._gaussian import GaussianHMM

__all__ = ["GaussianHMM"]
