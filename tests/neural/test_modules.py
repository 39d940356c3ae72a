"""make_mlp: the torch family's network builder."""

import pytest
import torch
from torch import nn

from sklatent.neural import make_mlp
from sklatent.neural._modules import ACTIVATIONS


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_mlp_layers_and_widths(activation):
    mlp = make_mlp(5, (7, 3), 2, activation)
    linears = [layer for layer in mlp if isinstance(layer, nn.Linear)]
    assert [(layer.in_features, layer.out_features) for layer in linears] == [
        (5, 7),
        (7, 3),
        (3, 2),
    ]
    assert sum(isinstance(layer, ACTIVATIONS[activation]) for layer in mlp) == 2
    assert isinstance(mlp[-1], nn.Linear)
    assert mlp(torch.zeros(4, 5)).shape == (4, 2)


def test_mlp_without_hidden_layers_is_linear():
    mlp = make_mlp(3, (), 2)
    assert len(mlp) == 1 and isinstance(mlp[0], nn.Linear)


def test_mlp_accepts_one_int_as_one_hidden_layer():
    assert make_mlp(3, 4, 2)[0].out_features == 4


def test_mlp_options_add_their_layers():
    mlp = make_mlp(3, (4, 4), 2, layer_norm=True, dropout=0.5, spectral_norm=True)
    kinds = [type(layer) for layer in mlp]
    assert kinds.count(nn.LayerNorm) == 2
    assert kinds.count(nn.Dropout) == 2
    linears = [layer for layer in mlp if isinstance(layer, nn.Linear)]
    assert all(hasattr(layer, "parametrizations") for layer in linears)


def test_spectral_norm_bounds_the_lipschitz_constant():
    torch.manual_seed(0)
    mlp = make_mlp(6, (), 6, spectral_norm=True)
    mlp.train()
    for _ in range(20):  # power iterations
        mlp(torch.zeros(1, 6))
    mlp.eval()
    weight = mlp[0].weight.detach()
    assert torch.linalg.matrix_norm(weight, ord=2) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("sizes", [(4, 0), (-1,), (2.5,), (True,)])
def test_bad_hidden_layer_sizes_are_refused(sizes):
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        make_mlp(3, sizes, 2)


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="activation must be one of"):
        make_mlp(3, (4,), 2, "swish")
