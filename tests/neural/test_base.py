"""The torch family's base: device, batches, early stopping, persistence."""

import io
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from skorch.callbacks import Callback
from skorch.dataset import Dataset

from sklatent import GANSampler, VAETransformer
from sklatent.neural import resolve_device
from sklatent.neural._base import check_class_labels
from sklatent.neural._training import TensorBatches
from sklatent.persistence import dump, load

FAST = {"max_epochs": 15, "hidden_layer_sizes": (16,), "random_state": 0}


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).normal(size=(120, 4)) @ [
        [1, 0.5, 0, 0],
        [0, 1, 0.5, 0],
        [0, 0, 1, 0.5],
        [0, 0, 0, 1],
    ]


@pytest.fixture(scope="module")
def fitted(X):
    return VAETransformer(**FAST).fit(X)


def test_auto_device_follows_cuda_availability(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    assert resolve_device("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"


def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch, X):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="device='cuda'.*device='cpu'"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match="CUDA"):
        VAETransformer(device="cuda", **FAST).fit(X)


@pytest.mark.parametrize("n_rows", [1, 7, 64, 65])
def test_tensor_batches_visit_every_row_once(n_rows):
    data = torch.arange(n_rows, dtype=torch.float32)[:, None]
    generator = torch.Generator().manual_seed(0)
    batches = TensorBatches(Dataset(data), 16, shuffle=True, generator=generator)
    assert all(target is None for _, target in batches)
    seen = torch.cat([batch for batch, _ in batches])[:, 0]
    assert len(batches) == -(-n_rows // 16)
    assert sorted(seen.tolist()) == list(range(n_rows))
    in_order = torch.cat([batch for batch, _ in TensorBatches(Dataset(data), 16)])
    assert torch.equal(in_order, data)


def test_early_stopping_waits_for_the_warmup(X):
    params = {**FAST, "max_epochs": 200, "n_iter_no_change": 1, "learning_rate": 0.05}
    vae = VAETransformer(warmup_epochs=25, **params).fit(X)
    assert len(vae.history_) >= 26
    best = int(np.argmin(vae.history_[25:, "valid_loss"])) + 25
    assert len(vae.history_) - 1 - best == 1


def _torch_objects(obj, path="state"):
    """Paths of torch tensors, modules or optimizers inside a pickled state."""
    if isinstance(obj, torch.Tensor | torch.nn.Module | torch.optim.Optimizer):
        return [path]
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list | tuple):
        items = enumerate(obj)
    else:
        return []
    return [
        found
        for key, value in items
        for found in _torch_objects(value, f"{path}/{key}")
    ]


def test_pickle_holds_numpy_weights_and_no_torch_objects(fitted):
    state = fitted.__getstate__()
    assert "net_" not in state
    assert _torch_objects(state) == []
    weights = state["_saved_net"]["modules"]["module"]
    assert all(isinstance(value, np.ndarray) for value in weights.values())
    assert "optimizers" not in state["_saved_net"]
    assert "net_" in vars(fitted)  # pickling leaves the estimator intact


def _outputs(model, X):
    return (
        model.transform(X),
        model.inverse_transform(model.transform(X)),
        model.score_samples(X, n_samples=3),
        *model.sample(4, random_state=1),
    )


def test_joblib_round_trip_gives_identical_outputs(fitted, X):
    buffer = io.BytesIO()
    joblib.dump(fitted, buffer)
    buffer.seek(0)
    loaded = joblib.load(buffer)
    for ours, theirs in zip(_outputs(fitted, X), _outputs(loaded, X)):
        np.testing.assert_array_equal(ours, theirs)
    assert loaded.history_[:, "train_loss"] == fitted.history_[:, "train_loss"]


def test_gpu_fitted_model_loads_on_a_cpu_only_machine(fitted, X, monkeypatch):
    state = fitted.__getstate__()
    state["_device"] = "cuda"  # as pickled on a GPU machine
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = VAETransformer.__new__(VAETransformer)
    loaded.__setstate__(pickle.loads(pickle.dumps(state)))
    assert loaded.device_ == "cpu"
    for ours, theirs in zip(_outputs(fitted, X), _outputs(loaded, X)):
        np.testing.assert_array_equal(ours, theirs)


def test_loading_leaves_the_global_torch_random_state(fitted):
    payload = pickle.dumps(fitted)
    before = torch.get_rng_state()
    pickle.loads(payload)
    assert torch.equal(before, torch.get_rng_state())


def test_optimizer_state_on_request_makes_partial_fit_continue_exactly(X):
    original = VAETransformer(**FAST).fit(X)
    loaded = pickle.loads(pickle.dumps(original.set_persistence(optimizer_state=True)))
    original.partial_fit(X)
    loaded.partial_fit(X)
    np.testing.assert_array_equal(original.transform(X), loaded.transform(X))
    trimmed = pickle.loads(pickle.dumps(original.set_persistence()))
    trimmed.partial_fit(X)  # a fresh optimizer state, still trains
    assert len(trimmed.history_) == len(original.history_) + 1


def test_small_networks_train_on_one_thread_and_restore_the_setting(X):
    class RecordThreads(Callback):
        def on_epoch_end(self, net, **kwargs):
            net.history.record("threads", torch.get_num_threads())

    before = torch.get_num_threads()
    vae = VAETransformer(callbacks=[RecordThreads()], **FAST).fit(X)
    vae.transform(X)
    assert set(vae.history_[:, "threads"]) == {1}
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("Estimator", [VAETransformer, GANSampler])
def test_multi_tensor_adam_gives_the_numbers_of_the_per_parameter_loop(
    Estimator, X, monkeypatch
):
    fast = Estimator(max_epochs=4, random_state=0).fit(X)
    assert fast.net_.optimizer_.defaults["foreach"]
    adam = torch.optim.Adam

    class LoopAdam(adam):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**kwargs, "foreach": False})

    monkeypatch.setattr(torch.optim, "Adam", LoopAdam)
    loop = Estimator(max_epochs=4, random_state=0).fit(X)
    assert not loop.net_.optimizer_.defaults["foreach"]
    np.testing.assert_array_equal(fast.transform(X), loop.transform(X))
    np.testing.assert_array_equal(
        fast.sample(20, random_state=1)[0], loop.sample(20, random_state=1)[0]
    )


def test_class_labels_are_sorted_classes_and_indices():
    classes, indices = check_class_labels(["b", "a", "b", "c"], 4)
    np.testing.assert_array_equal(classes, ["a", "b", "c"])
    np.testing.assert_array_equal(classes[indices], ["b", "a", "b", "c"])


@given(st.integers(0, 19), st.sampled_from([np.nan, None]))
def test_missing_class_labels_are_rejected(row, missing):
    y = np.array(["a", "b"] * 10, dtype=object)
    y[row] = missing
    with pytest.raises(ValueError, match="y has missing values"):
        check_class_labels(y, 20)
    y = np.repeat([0.0, 1.0], 10)
    y[row] = np.nan
    with pytest.raises(ValueError, match="y has missing values"):
        check_class_labels(y, 20)


def test_a_continuous_target_is_not_taken_as_classes():
    y = np.linspace(0, 1, 40)
    with pytest.raises(ValueError, match="continuous target .40 distinct values"):
        check_class_labels(y, 40)
    with pytest.raises(ValueError, match="1d array"):
        check_class_labels(np.eye(2)[[0, 1, 1]], 3)


def test_class_labels_of_the_wrong_length_are_rejected():
    with pytest.raises(ValueError, match="y has 3 labels for 4 rows"):
        check_class_labels([0, 1, 0], 4)


@given(
    st.lists(st.integers(1, 40), min_size=2, max_size=5),
    st.floats(0.05, 0.5),
    st.integers(0, 10),
)
def test_a_stratified_held_out_split_takes_each_class_in_proportion(
    class_sizes, fraction, seed
):
    groups = np.repeat(np.arange(len(class_sizes)), class_sizes)
    n_samples = len(groups)
    vae = VAETransformer(random_state=seed)
    vae._start_fit()
    n_valid = min(np.ceil(fraction * n_samples), n_samples - len(class_sizes))
    if n_valid < 1:
        with pytest.raises(ValueError, match="each keep a training row"):
            vae._held_out_split(n_samples, fraction, groups=groups)
        return
    train, valid = vae._held_out_split(n_samples, fraction, groups=groups)
    np.testing.assert_array_equal(np.sort(np.r_[train, valid]), np.arange(n_samples))
    assert len(valid) == n_valid
    assert set(groups[train]) == set(groups)
    held_out = np.bincount(groups[valid], minlength=len(class_sizes))
    sizes = np.array(class_sizes)
    # Within one row of a common share t of each class, where t * n_samples is
    # within one row per class of the number held out.
    excess = np.abs(held_out - len(valid) / n_samples * sizes)
    assert np.all(excess <= 1 + len(sizes) * sizes / n_samples)


def test_a_conditional_fit_stratifies_its_held_out_rows(monkeypatch):
    X = np.random.default_rng(0).normal(size=(100, 2))
    y = np.r_[np.full(90, "common"), np.full(10, "rare")]
    splits = []
    split = VAETransformer._held_out_split

    def spy(self, *args, **kwargs):
        splits.append((split(self, *args, **kwargs), kwargs.get("groups")))
        return splits[-1][0]

    monkeypatch.setattr(VAETransformer, "_held_out_split", spy)
    VAETransformer(
        conditional=True, validation_fraction=0.2, max_epochs=1, random_state=0
    ).fit(X, y)
    (train, valid), groups = splits[0]
    np.testing.assert_array_equal(groups, y == "rare")
    assert np.unique(y[valid], return_counts=True)[1].tolist() == [18, 2]
    assert np.unique(y[train], return_counts=True)[1].tolist() == [72, 8]


@pytest.mark.parametrize("Estimator", [VAETransformer, GANSampler])
def test_skops_saves_a_model_fitted_on_a_frame_with_its_dtypes(Estimator, tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=60).astype("float32"),
            "count": rng.integers(0, 5, 60),
            "shade": pd.Categorical(rng.choice(["dark", "light"], 60)),
            "grade": pd.Categorical(
                rng.choice([1, 2, 3], 60), categories=[1, 2, 3, 4], ordered=True
            ),
            "note": pd.Series(rng.choice(["u", "v", "w"], 60), dtype="string"),
            "level": pd.array(rng.integers(0, 3, 60), dtype="Int64"),
            "flag": rng.random(60) < 0.5,
        }
    )
    model = Estimator(max_epochs=2, random_state=0).fit(frame)
    dump(model, tmp_path / "model.skops")
    loaded = load(tmp_path / "model.skops")
    samples = loaded.sample(6, random_state=1)[0]
    pd.testing.assert_frame_equal(samples, model.sample(6, random_state=1)[0])
    pd.testing.assert_series_equal(samples.dtypes, frame.dtypes)


@pytest.mark.parametrize("Estimator", [VAETransformer, GANSampler])
def test_empty_frames_are_refused_as_empty_arrays_are(Estimator):
    frame = pd.DataFrame({"a": np.linspace(0, 1, 20), "b": np.arange(20.0)})
    with pytest.raises(ValueError, match=r"0 sample\(s\) \(shape=\(0, 2\)\)"):
        Estimator(max_epochs=1).fit(frame.iloc[:0])
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(10, 0\)\)"):
        Estimator(max_epochs=1).fit(pd.DataFrame(index=range(10)))
    model = Estimator(max_epochs=1, random_state=0).fit(frame)
    for method in (model.transform, model.partial_fit):
        with pytest.raises(ValueError, match=r"0 sample\(s\)"):
            method(frame.iloc[:0])


def test_class_labels_of_unsortable_mixed_types_are_rejected():
    with pytest.raises(ValueError, match=r"y mixes labels of types \['int', 'str'\]"):
        check_class_labels(np.array([1, "a"] * 10, dtype=object), 20)
