"""The torch family: estimators trained through skorch, and their shared parts."""

from ._base import BaseTorchEstimator, resolve_device
from ._modules import make_mlp
from .gan import GANSampler
from .vae import VAETransformer

__all__ = [
    "BaseTorchEstimator",
    "GANSampler",
    "VAETransformer",
    "make_mlp",
    "resolve_device",
]
