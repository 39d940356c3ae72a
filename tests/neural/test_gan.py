"""Tests of GANSampler."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from torch import nn

from sklatent import GANSampler
from sklatent.datasets import make_gaussian_ring
from sklatent.metrics import mode_coverage

# Short training: these tests check behaviour, not the quality of the default
# recipe (benchmarks/bench_gan.py measures that).
FAST = {"max_epochs": 30, "batch_size": 100}


@pytest.fixture(scope="module")
def ring():
    X, _, centers = make_gaussian_ring(400, n_modes=4, std=0.05, random_state=0)
    return X, centers


@pytest.fixture(scope="module")
def fitted(ring):
    return GANSampler(random_state=0, **FAST).fit(ring[0])


@pytest.fixture(scope="module")
def mixed_table():
    rng = np.random.default_rng(0)
    n = 300
    colour = rng.choice(["red", "green", "blue"], size=n)
    return pd.DataFrame(
        {
            "size": rng.normal(10, 2, n) + (colour == "red") * 5,
            "colour": pd.Categorical(colour),
            "count": rng.poisson(4, n).astype(np.int64),
            "grade": rng.choice([1, 2, 5], size=n),
        }
    )


def test_same_random_state_gives_identical_samples_to_the_bit(ring):
    X = ring[0]
    torch_state = torch.get_rng_state()
    first = GANSampler(random_state=3, **FAST).fit(X)
    second = GANSampler(random_state=3, **FAST).fit(X)
    assert torch.equal(torch.get_rng_state(), torch_state)
    samples = [model.sample(50, random_state=1) for model in (first, second)]
    for a, b in zip(*samples):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(first.transform(X[:5]), second.transform(X[:5]))


def test_different_random_states_give_different_models(ring):
    first = GANSampler(random_state=0, **FAST).fit(ring[0])
    second = GANSampler(random_state=1, **FAST).fit(ring[0])
    assert not np.array_equal(
        first.sample(5, random_state=0)[0], second.sample(5, random_state=0)[0]
    )


def test_default_training_covers_the_modes_of_a_small_ring(ring):
    # The default recipe (1200 full-batch updates on 400 rows). This small ring
    # is easy: 200 full-batch updates also reach it, so the auto-length tests
    # guard the floor; 600 updates in batches of 100 reached only 76 %.
    X, centers = ring
    gan = GANSampler(random_state=0).fit(X)
    result = mode_coverage(gan.sample(1000, random_state=0)[0], centers, std=0.05)
    assert result.modes_covered == 4
    assert result.high_quality > 0.95


def test_sample_noise_regenerates_the_rows(fitted):
    X, Z = fitted.sample(40, random_state=0)
    np.testing.assert_array_equal(fitted.inverse_transform(Z), X)
    assert Z.shape == (40, fitted.n_components)


def test_sample_defaults_to_the_estimator_random_state(fitted):
    for a, b in zip(fitted.sample(6), fitted.sample(6)):
        np.testing.assert_array_equal(a, b)


def test_latent_inversion_recovers_rows_generated_by_g(fitted):
    X, _ = fitted.sample(60, random_state=2)
    Z = fitted.transform(X)
    error = np.linalg.norm(fitted.inverse_transform(Z) - X, axis=1)
    # The ring has radius 1 and modes of std 0.05.
    assert np.median(error) < 0.005
    assert np.mean(error < 0.05) > 0.9


def test_transform_is_batch_independent(fitted, ring):
    X = ring[0][:70]
    full = fitted.transform(X)
    np.testing.assert_array_equal(fitted.transform(X[:3]), full[:3])
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_array_equal(fitted.transform(X[order]), full[order])


def test_history_records_both_losses_per_epoch(fitted):
    assert len(fitted.history_) == FAST["max_epochs"]
    for key in ("train_loss", "critic_loss"):
        assert np.all(np.isfinite(fitted.history_[:, key]))


def test_partial_fit_trains_one_epoch_per_call(ring):
    X = ring[0]
    gan = GANSampler(random_state=0, batch_size=100)
    gan.partial_fit(X)
    assert len(gan.history_) == 1
    before = gan.sample(5, random_state=0)[0]
    gan.partial_fit(X[:200])
    assert len(gan.history_) == 2
    assert not np.array_equal(before, gan.sample(5, random_state=0)[0])


def test_partial_fit_clips_to_the_range_of_every_batch(ring):
    X = ring[0]
    gan = GANSampler(random_state=0, batch_size=100, clip_to_training_range=True)
    gan.partial_fit(X[:100])
    gan.partial_fit(3.0 * X[100:])
    seen = np.vstack([X[:100], 3.0 * X[100:]])
    np.testing.assert_array_equal(gan.table_.min_, seen.min(0))
    np.testing.assert_array_equal(gan.table_.max_, seen.max(0))


def test_score_is_reproduced_by_a_separate_fit(fitted, ring):
    X = ring[0]
    again = GANSampler(random_state=0, **FAST).fit(X)
    assert again is not fitted
    assert again.score(X) == fitted.score(X)
    assert pickle.loads(pickle.dumps(fitted)).score(X) == fitted.score(X)


def test_score_prefers_the_training_distribution(fitted, ring):
    X = ring[0]
    held_out, _, _ = make_gaussian_ring(400, n_modes=4, std=0.05, random_state=1)
    near, shifted = fitted.score(held_out), fitted.score(X + 2.0)
    assert near > shifted
    # Even after short training, new rows of the training distribution are far
    # closer to the model's samples than the same rows shifted by 2.
    assert abs(near) < 0.25 * abs(shifted)


def test_score_sample_weight_of_ones_changes_nothing(fitted, ring):
    X = ring[0]
    weights = np.ones(len(X))
    assert fitted.score(X, sample_weight=weights) == pytest.approx(fitted.score(X))
    heavy = np.where(X[:, 0] > 0.5, 100.0, 1.0)
    assert fitted.score(X, sample_weight=heavy) != pytest.approx(fitted.score(X))


def test_auto_epochs_give_at_least_a_thousand_updates():
    X = np.random.default_rng(0).normal(size=(30, 2))
    gan = GANSampler(random_state=0).fit(X)
    # 3 * 30 updates would be too few to converge: the floor of 1000, one
    # batch (one update) per epoch.
    assert len(gan.history_) == 1000
    assert gan.net_.module_.n_updates.item() == 1000


@pytest.mark.parametrize(
    ("n_samples", "epochs"),
    [(300, 1000), (400, 1200), (700, 1050), (1200, 1200), (3000, 834), (100_000, 25)],
)
def test_auto_epochs_are_three_updates_per_row_up_to_5000(n_samples, epochs):
    # Batches of 500 rows: 3 * n_samples updates within [1000, 5000], rounded up
    # to whole epochs.
    assert GANSampler()._epochs(n_samples) == epochs


def test_learning_rates_reach_the_two_optimisers():
    X = np.random.default_rng(0).normal(size=(30, 2))
    gan = GANSampler(
        learning_rate=3e-4, critic_learning_rate=2e-3, max_epochs=1, random_state=0
    ).fit(X)
    assert gan.net_.optimizer_.param_groups[0]["lr"] == 3e-4
    assert gan.net_.critic_optimizer_.param_groups[0]["lr"] == 2e-3


def test_joint_numeric_modes_generate_the_table(mixed_table):
    gan = GANSampler(numeric_modes="joint", random_state=0, max_epochs=2)
    gan.fit(mixed_table)
    (means, factors, _), *others = gan.encoding_.groups_
    assert others == []
    assert means.shape[1] == 3  # size, count and grade, modelled together
    X, _ = gan.sample(20, random_state=0)
    assert list(X.columns) == list(mixed_table.columns)


@pytest.mark.parametrize("numeric_modes", ["joint", "per_column"])
def test_columns_that_are_combinations_of_others_are_modelled(numeric_modes):
    # Two of the six columns are linear combinations of the others, so the
    # covariance of the numeric columns is singular; scikit-learn's mixture with
    # its default regularisation fails on them (it did in the oversampling
    # example).
    X, y = make_classification(
        n_samples=2400,
        n_features=6,
        n_informative=4,
        weights=[0.95],
        class_sep=0.8,
        random_state=0,
    )
    X, _, y, _ = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    gan = GANSampler(
        conditional=True, numeric_modes=numeric_modes, max_epochs=1, random_state=0
    ).fit(X, y)
    X_new, _ = gan.sample(50, y=1, random_state=0)
    assert np.isfinite(X_new).all()


def test_categorical_columns_only_take_seen_categories(mixed_table):
    gan = GANSampler(
        categorical_features=["colour", "grade"], random_state=0, **FAST
    ).fit(mixed_table)
    X, Z = gan.sample(300, random_state=0)
    assert isinstance(X, pd.DataFrame)
    assert list(X.columns) == list(mixed_table.columns)
    assert (X.dtypes == mixed_table.dtypes).all()
    assert set(X["colour"]) <= {"red", "green", "blue"}
    assert set(X["grade"]) <= {1, 2, 5}
    np.testing.assert_array_equal(X["count"], np.rint(X["count"]))
    assert Z.shape == (300, gan.n_components)


def test_constant_binary_and_integer_columns_keep_their_kind():
    rng = np.random.default_rng(0)
    X = np.column_stack(
        [
            rng.normal(size=300),
            np.full(300, 0.001),
            3.0 * rng.integers(0, 2, 300),
            rng.poisson(3.0, 300),
        ]
    )
    gan = GANSampler(random_state=0, **FAST).fit(X)
    samples, _ = gan.sample(500, random_state=0)
    np.testing.assert_array_equal(samples[:, 1], 0.001)
    assert set(np.unique(samples[:, 2])) == {0.0, 3.0}
    np.testing.assert_array_equal(samples[:, 3], np.rint(samples[:, 3]))


def test_clip_to_training_range_keeps_samples_inside_it():
    X = np.random.default_rng(0).normal(size=(40, 2))
    loose = GANSampler(random_state=0, max_epochs=20).fit(X)
    clipped = clone(loose).set_params(clip_to_training_range=True).fit(X)
    # Far-out noise saturates the offsets at four standard deviations of a mode,
    # beyond the extremes of 40 rows.
    Z = 30 * np.random.default_rng(1).normal(size=(500, loose.n_components))
    free, inside = loose.inverse_transform(Z), clipped.inverse_transform(Z)
    assert np.any((free < X.min(axis=0)) | (free > X.max(axis=0)))
    np.testing.assert_array_equal(inside, np.clip(free, X.min(axis=0), X.max(axis=0)))


def test_categorical_columns_are_found_from_the_dtype(mixed_table):
    gan = GANSampler(random_state=0, max_epochs=2).fit(mixed_table)
    assert gan.categorical_features_.tolist() == [False, True, False, False]
    assert set(gan.sample(50, random_state=0)[0]["colour"]) <= {"red", "green", "blue"}


def test_categorical_features_as_mask_indices_or_names_agree(mixed_table):
    specs = [[False, True, False, True], [1, 3], ["colour", "grade"]]
    samples = [
        GANSampler(categorical_features=spec, random_state=0, max_epochs=2)
        .fit(mixed_table)
        .sample(20, random_state=0)[0]
        for spec in specs
    ]
    for other in samples[1:]:
        pd.testing.assert_frame_equal(samples[0], other)


def test_categorical_strings_in_a_numpy_array():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=100), rng.choice(["a", "b"], 100)]).astype(
        object
    )
    gan = GANSampler(categorical_features=[1], random_state=0, max_epochs=2).fit(X)
    X_new, _ = gan.sample(30, random_state=0)
    assert X_new.dtype == object
    assert set(X_new[:, 1]) <= {"a", "b"}
    assert gan.transform(X).shape == (100, gan.n_components)


def test_conditional_samples_have_the_requested_classes():
    rng = np.random.default_rng(0)
    y = rng.choice(["left", "right"], size=400, p=[0.8, 0.2])
    X = rng.normal(size=(400, 2)) * 0.3 + np.where(y == "left", -2.0, 2.0)[:, None]
    gan = GANSampler(conditional=True, random_state=0, max_epochs=100, batch_size=100)
    gan.fit(X, y)
    judge = KNeighborsClassifier(5).fit(X, y)
    X_right, _ = gan.sample(200, y="right", random_state=0)
    assert np.mean(judge.predict(X_right) == "right") > 0.9
    labels = np.array(["left", "right"] * 50)
    X_mixed, Z = gan.sample(100, y=labels, random_state=0)
    assert np.mean(judge.predict(X_mixed) == labels) > 0.9
    np.testing.assert_array_equal(gan.inverse_transform(Z, y=labels), X_mixed)
    np.testing.assert_array_equal(gan.classes_, ["left", "right"])


def test_conditional_mode_errors():
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = np.repeat([0, 1], 20)
    with pytest.raises(ValueError, match="needs class labels"):
        GANSampler(conditional=True, max_epochs=1).fit(X)
    gan = GANSampler(conditional=True, max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="class 7"):
        gan.sample(3, y=7)
    with pytest.raises(ValueError, match="pass the class"):
        gan.inverse_transform(np.zeros((2, gan.n_components)))
    with pytest.raises(ValueError, match="continuous target"):
        GANSampler(conditional=True, max_epochs=1).fit(X, np.linspace(0, 1, 40))
    with pytest.raises(ValueError, match="missing values"):
        GANSampler(conditional=True, max_epochs=1).fit(X, np.r_[y[:-1], np.nan])
    plain = GANSampler(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="conditional=False"):
        plain.sample(3, y=0)


def test_custom_generator_and_critic_bodies(ring):
    gan = GANSampler(
        generator=nn.Sequential(nn.Linear(32, 16), nn.Tanh()),
        critic=nn.Sequential(nn.LazyLinear(16), nn.LeakyReLU(0.2)),
        random_state=0,
        max_epochs=2,
    ).fit(ring[0])
    X, _ = gan.sample(10, random_state=0)
    assert X.shape == (10, 2)
    loaded = pickle.loads(pickle.dumps(gan))
    np.testing.assert_array_equal(loaded.sample(10, random_state=0)[0], X)


class _NaNBody(nn.Module):
    def forward(self, x):
        return x * float("nan")


def test_nan_losses_stop_training_with_a_clear_error(ring):
    gan = GANSampler(generator=_NaNBody(), max_epochs=3, random_state=0)
    with pytest.raises(FloatingPointError, match="nan.*learning_rate"):
        gan.fit(ring[0])


@given(
    st.sampled_from([np.nan, np.inf, -np.inf]),
    st.integers(0, 9),
    st.integers(0, 1),
)
def test_non_finite_input_is_rejected(fitted, bad, row, column):
    X = np.ones((10, 2))
    X[row, column] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        GANSampler(max_epochs=1).fit(X)
    with pytest.raises(ValueError, match="NaN|infinity"):
        fitted.transform(X)


@given(st.integers(-5, 0))
def test_n_samples_below_one_is_rejected(fitted, n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(n_samples)


@pytest.mark.parametrize("width", [1, 3])
def test_wrong_width_is_rejected(fitted, width):
    with pytest.raises(ValueError, match="features"):
        fitted.transform(np.ones((4, width)))
    with pytest.raises(ValueError, match="columns"):
        fitted.inverse_transform(np.ones((4, width)))


@given(st.integers(2, 50) | st.integers(-50, -1))
def test_categorical_index_out_of_range_is_rejected(index):
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="out of range"):
        GANSampler(categorical_features=[index], max_epochs=1).fit(X)


def test_unknown_categorical_names_and_categories_are_rejected(mixed_table):
    with pytest.raises(ValueError, match="not columns"):
        GANSampler(categorical_features=["shade"], max_epochs=1).fit(mixed_table)
    gan = GANSampler(categorical_features=["colour"], max_epochs=1).fit(mixed_table)
    unseen = mixed_table.assign(colour=pd.Categorical(["pink"] * len(mixed_table)))
    with pytest.raises(ValueError, match="not seen in fit"):
        gan.transform(unseen)
    missing = mixed_table.astype({"colour": object})
    missing.loc[0, "colour"] = None
    with pytest.raises(ValueError, match="missing values"):
        GANSampler(categorical_features=["colour"], max_epochs=1).fit(missing)


def test_cuda_request_without_cuda_is_a_clear_error(ring):
    if torch.cuda.is_available():
        assert GANSampler(device="cuda", max_epochs=1).fit(ring[0]).device_ == "cuda"
    else:
        with pytest.raises(ValueError, match="CUDA"):
            GANSampler(device="cuda", max_epochs=1).fit(ring[0])


@pytest.mark.parametrize("numeric_modes", ["joint", "per_column"])
def test_partial_fit_streams_columns_whose_first_batch_looks_constant(numeric_modes):
    """One batch cannot tell a column's kind: a column constant or two-valued in
    the first batch takes other values later, with finite mode posteriors."""
    rng = np.random.default_rng(0)
    first = np.column_stack([np.zeros(100), rng.integers(2, size=100), rng.random(100)])
    later = np.column_stack(
        [np.full(100, 3.0), rng.integers(5, size=100), rng.random(100)]
    )
    gan = GANSampler(random_state=0, batch_size=50, numeric_modes=numeric_modes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        gan.partial_fit(first).partial_fit(later)
        score = gan.score(later)
    np.testing.assert_array_equal(gan.table_.kinds_, ["numeric"] * 3)
    assert np.isfinite(score)
    np.testing.assert_array_equal(gan.table_.max_, np.vstack([first, later]).max(0))
