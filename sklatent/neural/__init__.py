"""The torch family: estimators trained through skorch, and their shared parts."""

from ._base import BaseTorchEstimator, resolve_device
from ._modules import ACTIVATIONS, make_mlp
from .vae import VAETransformer

__all__ = [
    "ACTIVATIONS",
    "BaseTorchEstimator",
    "VAETransformer",
    "make_mlp",
    "resolve_device",
]
