"""What the torch family's estimators share: one base class.

:class:`BaseTorchEstimator` owns everything about a torch estimator that is not its
model: the shared parameters and their validation, the validation of ``X``, the
device, the seeding that reproduces a fit to the bit without touching torch's
global random state, the skorch net and its callbacks (progress bar, early
stopping, the check for a non-finite loss, the user's own), the training history,
float64 inference and persistence as plain numpy arrays. A subclass builds its
module (:meth:`BaseTorchEstimator._build_module`) and says what its numbers mean.
"""

import contextlib
import copy
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    check_is_fitted,
    column_or_1d,
    validate_data,
)
from skorch.callbacks import PrintLog, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from skorch.history import History

from ..base import LatentMixin, derive_seed
from ._modules import ACTIVATIONS
from ._table import TableEncoding, check_float32_range, is_frame, is_missing
from ._training import (
    HeldOutEarlyStopping,
    LossNet,
    StopOnNonFiniteLoss,
    TensorBatches,
)

__all__ = ["BaseTorchEstimator", "check_class_labels", "resolve_device"]

# Rows per chunk at inference, so large inputs do not need one huge activation.
_INFERENCE_CHUNK = 8192
# Networks with fewer weights than this train and infer on one CPU thread.
_SMALL_NETWORK = 2_000_000
# Purposes of the random streams derived from one fit's seed.
_INIT, _SPLIT, _VALID, _TRAIN = range(4)


def resolve_device(device):
    """Turn the ``device`` parameter into the torch device to use.

    Parameters
    ----------
    device : {"cpu", "cuda", "auto"}
        ``"auto"`` picks CUDA when it is available and the CPU otherwise.

    Returns
    -------
    device : str
        ``"cpu"`` or ``"cuda"``.

    Raises
    ------
    ValueError
        If ``"cuda"`` is asked for and torch cannot see a CUDA device.

    Examples
    --------
    >>> from sklatent.neural import resolve_device
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("auto") in {"cpu", "cuda"}
    True
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "device='cuda' was requested, but torch cannot see a CUDA device (torch "
            f"{torch.__version__}, CUDA build: {torch.version.cuda}). Use "
            "device='cpu', or device='auto' to take a GPU only when there is one."
        )
    return device


def _check_frame_shape(X):
    """The checks of a DataFrame that scikit-learn's ``check_array`` makes of an
    array: at least one row and one column."""
    for axis, what in enumerate(("sample(s)", "feature(s)")):
        if X.shape[axis] < 1:
            raise ValueError(
                f"Found array with 0 {what} (shape={X.shape}) while a minimum of 1 "
                "is required."
            )


def _one_label_per_row(y, n_rows):
    """y as a 1-D array, checked to hold one class label per row."""
    y = column_or_1d(y, warn=True)
    if len(y) != n_rows:
        raise ValueError(
            f"y has {len(y)} labels for {n_rows} rows; a class-conditional model "
            "needs one class label per row (of X, or of the samples asked for)."
        )
    return y


def check_class_labels(y, n_samples):
    """Validate the class labels of a class-conditional fit.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels: binary or multiclass, in the sense of
        :func:`sklearn.utils.multiclass.type_of_target`.
    n_samples : int
        The number of rows of X.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        The sorted distinct labels.
    indices : ndarray of int of shape (n_samples,)
        The index in ``classes`` of each row's label.

    Raises
    ------
    ValueError
        If y has missing values (NaN or None), the wrong length, or is not a
        set of class labels (a continuous or multi-output target).
    """
    y = _one_label_per_row(y, n_samples)
    if y.dtype.kind in "fO" and is_missing(y).any():
        raise ValueError(
            "y has missing values (None or NaN); a class-conditional fit needs a "
            "class for every row: drop those rows or give them a class of their own."
        )
    try:
        classes, indices = np.unique(y, return_inverse=True)
    except TypeError:
        kinds_seen = sorted({type(label).__name__ for label in y})
        raise ValueError(
            f"y mixes labels of types {kinds_seen} that cannot be sorted; make them "
            "one type (for instance with .astype(str))."
        ) from None
    target_type = type_of_target(y, input_name="y")
    if target_type not in ("binary", "multiclass"):
        n_distinct = len(classes)
        raise ValueError(
            f"conditional=True needs class labels, but y is a {target_type} target "
            f"({n_distinct} distinct values among {len(y)}); bin a continuous target "
            "into classes first (for instance with KBinsDiscretizer), or fit "
            "without y."
        )
    return classes, indices


def _to_numpy_tree(obj):
    """Copy a (nested) state dict with every tensor turned into a numpy array."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().numpy().copy()
    if isinstance(obj, dict):
        return type(obj)((key, _to_numpy_tree(value)) for key, value in obj.items())
    if isinstance(obj, list | tuple):
        return type(obj)(_to_numpy_tree(value) for value in obj)
    return obj


def _to_torch_tree(obj):
    """Inverse of :func:`_to_numpy_tree` (tensors on the CPU)."""
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy())
    if isinstance(obj, dict):
        return type(obj)((key, _to_torch_tree(value)) for key, value in obj.items())
    if isinstance(obj, list | tuple):
        return type(obj)(_to_torch_tree(value) for value in obj)
    return obj


class BaseTorchEstimator(LatentMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of sklatent's torch estimators (not for direct use).

    Subclasses implement :meth:`_build_module`, which returns the initialised
    ``torch.nn.Module`` whose ``forward(X, generator)`` gives the loss of each row,
    and train it with :meth:`_new_net` and :meth:`_run_epochs`.

    Notes
    -----
    Reproducibility: one seed is drawn from ``random_state`` per fit; the module's
    initialisation, the held-out split, the batch order and the model's noise each
    get their own stream derived from it, and torch's global random state is
    forked around everything, so it is left as it was.

    Persistence: pickling stores the weights as numpy arrays (plus the optimizer
    state when :meth:`set_persistence` asks for it); the architecture is rebuilt
    from the parameters on loading, on the CPU when the model was fitted on a GPU
    that the loading machine lacks.

    Examples
    --------
    :class:`~sklatent.VAETransformer` and :class:`~sklatent.GANSampler` are built on
    this class, so the same ``random_state`` reproduces a fit to the bit:

    >>> import numpy as np
    >>> from sklatent.neural import BaseTorchEstimator, VAETransformer
    >>> issubclass(VAETransformer, BaseTorchEstimator)
    True
    >>> X = np.random.default_rng(0).normal(size=(100, 4))
    >>> first = VAETransformer(n_components=2, max_epochs=3, random_state=0).fit(X)
    >>> again = VAETransformer(n_components=2, max_epochs=3, random_state=0).fit(X)
    >>> np.array_equal(first.transform(X), again.transform(X))
    True
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, None],
    }

    #: Types of the fitted state that sklatent.persistence.load may build.
    _persisted_types = (History, TableEncoding)

    #: What the error raised on a non-finite loss suggests trying.
    _non_finite_advice = "Try a smaller learning_rate."

    #: The skorch net class that :meth:`_make_net` builds (a :class:`LossNet`).
    _net_class = LossNet

    @abstractmethod
    def _build_module(self):
        """Return the untrained module, built from the parameters and fitted sizes."""

    def _net_options(self):
        """Extra keyword arguments of :meth:`_make_net` (early stopping, ...)."""
        return {}

    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    def set_persistence(self, *, optimizer_state=False):
        """Choose what pickling saves beyond the weights.

        Parameters
        ----------
        optimizer_state : bool, default=False
            Also save the optimizer's state, so that ``partial_fit`` after loading
            continues exactly as it would have without the round trip.

        Returns
        -------
        self : object
            The estimator.
        """
        self._persist_optimizer_state = bool(optimizer_state)
        return self

    @property
    def device_(self):
        """The torch device the model lives on (``"cpu"`` or ``"cuda"``)."""
        return str(self.net_.device)

    # -- input --------------------------------------------------------------------

    def _validate_X(self, X, *, reset):
        """Validate ``X`` as a float64 array: 2-D, finite, within float32's range,
        and (unless ``reset``) of the fitted width, for a fitted estimator."""
        if not reset:
            check_is_fitted(self)
        X = validate_data(self, X, reset=reset, dtype=np.float64)
        check_float32_range(X)
        return X

    def _validate_table(self, X, *, reset, stream=False):
        """Validate a table and split it into what a model learns.

        With ``reset``, learns ``table_`` (a :class:`TableEncoding`) from ``X`` and
        the estimator's ``categorical_features`` (None for an estimator without
        that parameter); otherwise checks ``X`` against it. With ``stream`` (a
        batch of ``partial_fit``), the first batch's numeric columns are all
        modelled as numbers, and each later batch widens their training range.

        Returns
        -------
        continuous : ndarray of shape (n_samples, len(table_.continuous_))
            The numeric and integer columns (float64).
        codes : ndarray of int of shape (n_samples, len(table_.discrete_))
            The category indices of the categorical and binary columns.
        """
        if not reset:
            check_is_fitted(self)
        spec = getattr(self, "categorical_features", None)
        if reset:
            names_columns = not (spec is None or isinstance(spec, str))
            mixed = is_frame(X) or (names_columns and np.asarray(spec).size > 0)
        else:
            mixed = is_frame(X) or self.table_.categorical_mask_.any()
        if not mixed:
            X = self._validate_X(X, reset=reset)
        elif is_frame(X):
            validate_data(self, X, reset=reset, skip_check_array=True)
            _check_frame_shape(X)
        else:
            X = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False)
        if reset:
            self.table_ = TableEncoding().fit(X, spec)
            if stream:
                return self.table_.model_as_numbers(X)
        continuous, codes = self.table_.encode(X)
        if stream:
            self.table_.widen_range(continuous)
        return continuous, codes

    def _class_indices(self, y, n_rows):
        """Indices in ``classes_`` of the classes given to a conditional model.

        ``y`` is one label for every row or one per row; a label not seen in fit
        is a ValueError that names it.
        """
        y = np.full(n_rows, y, dtype=object) if np.ndim(y) == 0 else y
        y = _one_label_per_row(y, n_rows)
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"y holds class {y[unknown][0]!r}, which was not seen in fit; the "
                f"classes are {self.classes_.tolist()}."
            )
        return np.searchsorted(self.classes_, y)

    def _as_tensor(self, X, dtype=torch.float32, device=None):
        """Copy an array to a tensor, on the model's device unless told otherwise."""
        device = self._device if device is None else device
        return torch.tensor(X, dtype=dtype, device=device)

    # -- seeding ------------------------------------------------------------------

    def _draw_seed(self):
        """Draw the seed of a new fit from ``random_state``."""
        self._seed = derive_seed(self.random_state)

    def _stream_seed(self, purpose, index=0):
        """Seed of the random stream ``(purpose, index)`` of this fit."""
        sequence = np.random.SeedSequence([self._seed, purpose, index])
        return int(sequence.generate_state(1, dtype=np.uint64)[0]) >> 1

    @contextlib.contextmanager
    def _forked_torch_rng(self, seed):
        """Seed torch's global random state inside, and restore it afterwards.

        Covers what takes no ``torch.Generator``: weight initialisation and any
        dropout inside user modules.
        """
        cuda = self._device == "cuda"
        devices = [torch.cuda.current_device()] if cuda else []
        with torch.random.fork_rng(devices=devices):
            torch.default_generator.manual_seed(seed)
            if cuda:
                torch.cuda.manual_seed(seed)
            yield

    @contextlib.contextmanager
    def _cpu_threads(self, net):
        """Run a small network on one CPU thread inside, and restore afterwards.

        The matrix products of a network with fewer than ``_SMALL_NETWORK``
        weights are too small to gain from several threads, and when the cores
        are shared with other processes, torch's spinning threads slow training
        down by an order of magnitude (measured: a digits fit, 9 s on one thread,
        134 s on two with one other busy process on a 2-core machine).
        """
        n_weights = sum(
            parameter.numel() for _, parameter in net.get_all_learnable_params()
        )
        if self._device != "cpu" or n_weights >= _SMALL_NETWORK:
            yield
            return
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(threads)

    # -- the net ------------------------------------------------------------------

    def _make_net(
        self, module, *, patience=None, watch_from=1, callbacks=(), **net_kwargs
    ):
        """Wrap an initialised module in a ready :class:`LossNet`.

        Parameters
        ----------
        module : torch.nn.Module
            The model; ``forward(X, generator)`` returns the loss of each row.
        patience : int, default=None
            With a held-out set, stop after this many epochs without improvement
            of the held-out loss and keep the best weights; None never stops early.
        watch_from : int, default=1
            First epoch (counting from 1) that early stopping watches.
        callbacks : sequence of (name, skorch callback), default=()
            The model's own callbacks, run before the user's ``callbacks``.
        **net_kwargs : dict
            Passed on to :class:`skorch.NeuralNet` (e.g. ``optimizer__betas``).
        """
        generator = torch.Generator(device=self._device)
        all_callbacks = [
            ("stop_on_non_finite_loss", StopOnNonFiniteLoss(self._non_finite_advice)),
            *callbacks,
        ]
        if patience is not None:
            early_stopping = HeldOutEarlyStopping(
                first_epoch=watch_from,
                patience=patience,
                threshold=0.0,
                threshold_mode="abs",
                load_best=True,
            )
            all_callbacks.append(("early_stopping", early_stopping))
        if self.verbose > 0:
            all_callbacks.append(("progress_bar", ProgressBar()))
        all_callbacks.extend(copy.deepcopy(self.callbacks or []))
        net_kwargs = {
            # skorch's epoch table costs time even when it prints nothing.
            "callbacks__print_log": None if self.verbose == 0 else PrintLog(),
            "optimizer": torch.optim.Adam,
            # One multi-tensor update per step (torch's default on GPUs): the
            # same numbers as the per-parameter loop, with fewer small ops.
            "optimizer__foreach": True,
            "lr": self.learning_rate,
            **net_kwargs,
        }
        net = self._net_class(
            module,
            generator=generator,
            valid_seed=self._stream_seed(_VALID),
            batch_size=self.batch_size,
            iterator_train=TensorBatches,
            iterator_train__shuffle=True,
            iterator_train__generator=generator,
            iterator_valid=TensorBatches,
            train_split=None,
            callbacks=all_callbacks,
            predict_nonlinearity=None,
            verbose=self.verbose,
            device=self._device,
            **net_kwargs,
        )
        return net.initialize()

    def _new_net(self):
        """Build the module under this fit's initialisation seed and wrap it."""
        with self._forked_torch_rng(self._stream_seed(_INIT)):
            module = self._build_module()
        return self._make_net(module, **self._net_options())

    def _start_fit(self):
        """Draw this fit's seed and resolve the device; call first in ``fit``."""
        self._device = resolve_device(self.device)
        self._draw_seed()

    def _held_out_split(self, n_samples, validation_fraction, groups=None):
        """Row indices of the training and the held-out part.

        With ``groups`` (the class index of each row), the split is stratified:
        about ``validation_fraction`` of each class is held out, and each class
        keeps a training row (fewer rows are held out where that needs it).

        Raises
        ------
        ValueError
            If there are too few rows to hold any out.
        """
        n_valid = int(np.ceil(validation_fraction * n_samples))
        if n_samples - n_valid < 1:
            raise ValueError(
                f"Early stopping holds out a validation_fraction of the rows, but "
                f"with n_samples={n_samples} no row is left to train on; pass more "
                "rows or set early_stopping=False."
            )
        if groups is not None:
            counts = np.bincount(groups)
            n_groups = np.count_nonzero(counts)
            n_valid = min(n_valid, n_samples - n_groups)
            if n_valid < 1:
                raise ValueError(
                    f"Early stopping holds out rows of each class, but the "
                    f"{n_groups} classes of the n_samples={n_samples} rows each "
                    "keep a training row, which leaves none to hold out; pass more "
                    "rows or set early_stopping=False."
                )
        rng = np.random.default_rng(self._stream_seed(_SPLIT))
        order = rng.permutation(n_samples)
        if groups is not None:
            # Each class's rows, in random order, get positions spread evenly
            # over [0, 1), its last row one past them; the rows of smallest
            # position are held out.
            order = order[np.argsort(groups[order], kind="stable")]
            rank = np.arange(n_samples) - np.repeat(np.cumsum(counts) - counts, counts)
            size = counts[groups[order]]
            position = (rank + rng.random(n_samples)) / size + (rank == size - 1)
            order = order[np.argsort(position, kind="stable")]
        return order[n_valid:], order[:n_valid]

    def _run_epochs(self, net, X_train, X_valid=None, *, epochs):
        """Train ``net`` for up to ``epochs`` epochs on tensors.

        The random stream of these epochs depends on how many epochs the net has
        already run, so repeated ``partial_fit`` calls reproduce. If the loss
        becomes non-finite, a net that had been trained before gets back its
        previous weights, optimizer state and history before the error propagates.
        """
        n_done = len(net.history)
        backup = self._net_state(net, optimizer_state=True) if n_done else None
        net.generator.manual_seed(self._stream_seed(_TRAIN, n_done))
        net.train_split = (
            None if X_valid is None else predefined_split(Dataset(X_valid))
        )
        net.max_epochs = epochs
        try:
            seed = self._stream_seed(_TRAIN, n_done)
            with self._forked_torch_rng(seed), self._cpu_threads(net):
                net.partial_fit(X_train)
        except FloatingPointError:
            if backup is not None:
                self._load_net_state(net, backup)
                del net.history[n_done:]
            raise
        return net

    # -- inference ----------------------------------------------------------------

    def _float64_copy(self, name="module"):
        """A float64 copy of one of the net's modules, in evaluation mode.

        Inference runs in float64 so that a row's result does not depend on the
        other rows of the batch beyond float64 rounding.
        """
        module = copy.deepcopy(getattr(self.net_, name + "_"))
        return module.to(torch.float64).eval()

    def _map_rows(self, function, *arrays):
        """Apply ``function`` to float64 tensors of row chunks; concatenate.

        ``function`` returns a tensor or a tuple of tensors per chunk.
        """
        n_rows = len(arrays[0])
        outputs = []
        with torch.no_grad(), self._cpu_threads(self.net_):
            for start in range(0, n_rows, _INFERENCE_CHUNK):
                chunk = [
                    self._as_tensor(
                        array[start : start + _INFERENCE_CHUNK], torch.float64
                    )
                    for array in arrays
                ]
                result = function(*chunk)
                result = result if isinstance(result, tuple) else (result,)
                outputs.append([tensor.cpu().numpy() for tensor in result])
        merged = tuple(np.concatenate(parts) for parts in zip(*outputs))
        return merged if len(merged) > 1 else merged[0]

    # -- persistence --------------------------------------------------------------

    def _net_state(self, net, *, optimizer_state):
        """The weights (and optionally optimizer states) of a net, as numpy."""
        state = {
            "modules": {
                name: _to_numpy_tree(getattr(net, name + "_").state_dict())
                for name in net._modules
            }
        }
        if optimizer_state:
            state["optimizers"] = {
                name: _to_numpy_tree(getattr(net, name + "_").state_dict())
                for name in net._optimizers
            }
        return state

    def _load_net_state(self, net, state):
        for name, weights in state["modules"].items():
            getattr(net, name + "_").load_state_dict(_to_torch_tree(weights))
        for name, optimizer_state in state.get("optimizers", {}).items():
            getattr(net, name + "_").load_state_dict(_to_torch_tree(optimizer_state))

    def __getstate__(self):
        # A copy: object.__getstate__ may hand back the instance's own __dict__.
        state = dict(super().__getstate__())
        net = state.pop("net_", None)
        if net is not None:
            keep_optimizer = state.get("_persist_optimizer_state", False)
            state["_saved_net"] = self._net_state(net, optimizer_state=keep_optimizer)
        return state

    def __setstate__(self, state):
        saved_net = state.pop("_saved_net", None)
        super().__setstate__(state)
        if saved_net is not None:
            if self._device == "cuda" and not torch.cuda.is_available():
                self._device = "cpu"
            net = self._new_net()
            self._load_net_state(net, saved_net)
            net.history = self.history_
            self.net_ = net
