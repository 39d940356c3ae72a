"""Building blocks of the torch family's networks: multilayer perceptrons.

Every network that sklatent builds itself is a :func:`make_mlp`; its whole
architecture is given by the arguments of that call, which is what lets the
estimators pickle plain weight arrays plus those arguments instead of torch objects.
"""

import copy
import numbers

from torch import nn

__all__ = ["ACTIVATIONS", "make_mlp"]

#: Names accepted by the ``activation`` parameter, mapped to their torch modules.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


def check_hidden_layer_sizes(hidden_layer_sizes):
    """Return ``hidden_layer_sizes`` as a tuple of positive ints.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int
        Width of each hidden layer; an int means one hidden layer.

    Returns
    -------
    sizes : tuple of int
        The widths, possibly empty (no hidden layer).

    Raises
    ------
    ValueError
        If a width is not a positive integer.
    """
    if isinstance(hidden_layer_sizes, numbers.Integral):
        hidden_layer_sizes = (hidden_layer_sizes,)
    sizes = tuple(hidden_layer_sizes)
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(
                "hidden_layer_sizes must hold positive integers (the width of each "
                f"hidden layer), got {hidden_layer_sizes!r}."
            )
    return tuple(int(size) for size in sizes)


def make_mlp(
    n_inputs,
    hidden_layer_sizes,
    n_outputs,
    activation="relu",
    *,
    layer_norm=False,
    spectral_norm=False,
    dropout=0.0,
):
    """Build a multilayer perceptron.

    Each hidden layer is ``Linear -> [LayerNorm] -> activation -> [Dropout]``; the
    output layer is a plain ``Linear`` (no activation), so the caller decides how
    its outputs are read (means, logits, log-variances, ...).

    Parameters
    ----------
    n_inputs : int
        Width of the input.
    hidden_layer_sizes : int or sequence of int
        Width of each hidden layer; empty for a linear map.
    n_outputs : int
        Width of the output.
    activation : str, default="relu"
        Name of the hidden activation, a key of :data:`ACTIVATIONS`.
    layer_norm : bool, default=False
        Normalise each hidden layer's pre-activations (``torch.nn.LayerNorm``).
    spectral_norm : bool, default=False
        Constrain every linear layer's spectral norm to one (a Lipschitz network,
        as adversarial critics want).
    dropout : float, default=0.0
        Dropout probability after each hidden activation; 0 adds no dropout layer.

    Returns
    -------
    mlp : torch.nn.Sequential
        The network, with torch's default initialisation (seed the global torch
        random state around this call to make it reproducible).

    Examples
    --------
    >>> from sklatent.neural import make_mlp
    >>> make_mlp(4, (8,), 2, "tanh")
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): Tanh()
      (2): Linear(in_features=8, out_features=2, bias=True)
    )
    """
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}."
        )
    sizes = (n_inputs, *check_hidden_layer_sizes(hidden_layer_sizes), n_outputs)
    layers = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(n_in, n_out)
        if spectral_norm:
            linear = nn.utils.parametrizations.spectral_norm(linear)
        layers.append(linear)
        if index == len(sizes) - 2:
            break
        if layer_norm:
            layers.append(nn.LayerNorm(n_out))
        layers.append(ACTIVATIONS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def reinitialised_copy(module):
    """Copy a user's module and re-draw its weights (under the caller's seed)."""
    module = copy.deepcopy(module)
    for submodule in module.modules():
        if hasattr(submodule, "reset_parameters"):
            submodule.reset_parameters()
    return module
