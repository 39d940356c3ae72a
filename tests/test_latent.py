"""interpolate and traverse, on PCA (exact answers) and on the VAE."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.decomposition import PCA

from sklatent import VAETransformer
from sklatent.latent import interpolate, traverse


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(0).normal(size=(80, 5)) @ np.diag([3, 2, 1, 0.5, 0.1])


@pytest.fixture(scope="module")
def pca(data):
    return PCA(n_components=3).fit(data)


@pytest.fixture(scope="module")
def vae(data):
    params = {"hidden_layer_sizes": (16,), "max_epochs": 10, "random_state": 0}
    return VAETransformer(n_components=3, **params).fit(data)


def _reconstruct(model, X):
    return model.inverse_transform(model.transform(X))


@pytest.mark.parametrize("method", ["linear", "slerp"])
@pytest.mark.parametrize("model", ["pca", "vae"])
def test_interpolation_ends_at_the_reconstructions(request, data, model, method):
    model = request.getfixturevalue(model)
    path = interpolate(model, data[0], data[1], n_steps=6, method=method)
    assert path.shape == (6, data.shape[1])
    np.testing.assert_allclose(path[0], _reconstruct(model, data[:1])[0], atol=1e-10)
    np.testing.assert_allclose(path[-1], _reconstruct(model, data[1:2])[0], atol=1e-10)


def test_linear_interpolation_through_pca_is_a_straight_line(pca, data):
    path = interpolate(pca, data[2], data[3], n_steps=5)
    ends = _reconstruct(pca, data[2:4])
    steps = np.linspace(0, 1, 5)[:, None]
    np.testing.assert_allclose(path, (1 - steps) * ends[0] + steps * ends[1])


def _not_opposite(codes):
    """Two non-zero codes that do not point in opposite directions."""
    a, b = np.array(codes[:3]), np.array(codes[3:])
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return norms > 0.01 and a @ b / norms > -0.999


@given(
    codes=st.lists(st.floats(-3, 3), min_size=6, max_size=6).filter(_not_opposite),
    n_steps=st.integers(2, 9),
)
def test_slerp_follows_the_great_circle(pca, codes, n_steps):
    z_from, z_to = np.array(codes[:3]), np.array(codes[3:])
    X_ends = pca.inverse_transform(np.vstack([z_from, z_to]))
    Z = pca.transform(interpolate(pca, X_ends[0], X_ends[1], n_steps, method="slerp"))
    steps = np.linspace(0, 1, n_steps)
    norms = (1 - steps) * np.linalg.norm(z_from) + steps * np.linalg.norm(z_to)
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), norms, atol=1e-8)
    units = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    angles = np.arccos(np.clip(np.sum(units[1:] * units[:-1], axis=1), -1, 1))
    np.testing.assert_allclose(angles, angles[0], atol=1e-6)
    # All steps stay in the plane of the two ends.
    basis = np.linalg.qr(np.vstack([z_from, z_to]).T)[0]
    np.testing.assert_allclose(Z - Z @ basis @ basis.T, 0, atol=1e-8)


@pytest.mark.parametrize("factor", [2.0, -1.5, 0.0])
def test_slerp_without_a_unique_great_circle_is_the_straight_line(pca, data, factor):
    """Parallel, opposite or zero codes: the straight line is the limit."""
    z = pca.transform(data[:1])
    X_ends = pca.inverse_transform(np.vstack([z, factor * z]))
    linear = interpolate(pca, X_ends[0], X_ends[1], 4)
    slerp = interpolate(pca, X_ends[0], X_ends[1], 4, method="slerp")
    np.testing.assert_allclose(slerp, linear, atol=1e-10)


def test_interpolation_of_many_pairs_matches_one_at_a_time(vae, data):
    batch = interpolate(vae, data[:4], data[4:8], n_steps=3, method="slerp")
    assert batch.shape == (4, 3, data.shape[1])
    for pair in range(4):
        single = interpolate(vae, data[pair], data[4 + pair], 3, method="slerp")
        np.testing.assert_allclose(batch[pair], single, atol=1e-10)


def test_traverse_moves_along_the_pca_component(pca, data):
    values = np.array([-2.0, 0.0, 1.5])
    rows = traverse(pca, data[0], dim=1, values=values)
    z = pca.transform(data[:1])[0]
    expected = pca.inverse_transform(z[None]) + np.outer(
        values - z[1], pca.components_[1]
    )
    np.testing.assert_allclose(rows, expected, atol=1e-10)


def test_traverse_on_the_vae_decodes_each_value(vae, data):
    rows = traverse(vae, data[0], dim=0, values=[-1.0, 1.0])
    z = vae.transform(data[:1])[0]
    Z = np.array([[-1.0, *z[1:]], [1.0, *z[1:]]])
    np.testing.assert_allclose(rows, vae.inverse_transform(Z))


class _EncodeOnly:
    def transform(self, X):
        return X


def test_interpolate_refuses_bad_input(pca, data):
    with pytest.raises(ValueError, match="n_steps"):
        interpolate(pca, data[0], data[1], n_steps=1)
    with pytest.raises(TypeError, match="n_steps"):
        interpolate(pca, data[0], data[1], n_steps=2.5)
    with pytest.raises(ValueError, match="method"):
        interpolate(pca, data[0], data[1], method="cubic")
    with pytest.raises(ValueError, match="same shape"):
        interpolate(pca, data[:2], data[:3])
    with pytest.raises(ValueError, match="NaN"):
        interpolate(pca, np.full(5, np.nan), data[1])
    with pytest.raises(TypeError, match="inverse_transform"):
        interpolate(_EncodeOnly(), data[0], data[1])


def test_traverse_refuses_bad_input(pca, data):
    with pytest.raises(ValueError, match="dim"):
        traverse(pca, data[0], dim=3, values=[0.0])
    with pytest.raises(TypeError, match="dim"):
        traverse(pca, data[0], dim=1.0, values=[0.0])
    with pytest.raises(ValueError, match="one row"):
        traverse(pca, data[:2], dim=0, values=[0.0])
    with pytest.raises(ValueError, match="1-D"):
        traverse(pca, data[0], dim=0, values=[[0.0, 1.0]])
    with pytest.raises(ValueError, match="infinity"):
        traverse(pca, data[0], dim=0, values=[np.inf])
