"""The skorch plumbing of the torch family.

The estimators build a :class:`LossNet` in ``fit`` and train it through skorch. The
network's module returns the loss of every row of a batch and draws its randomness
from a ``torch.Generator`` that the net passes in, so training is reproducible
without touching torch's global random state. Batches are slices of one tensor
(:class:`TensorBatches`), which keeps skorch's per-batch overhead small.
"""

import math

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping

__all__ = [
    "HeldOutEarlyStopping",
    "HeldOutLRDecay",
    "LossNet",
    "StopOnNonFiniteLoss",
    "TensorBatches",
]


class TensorBatches:
    """Mini-batches of a skorch ``Dataset`` that holds one tensor.

    Rows are sliced from the tensor in whole batches instead of being fetched one
    at a time and collated, as torch's ``DataLoader`` does.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Dataset whose ``X`` is a 2-D tensor.
    batch_size : int
        Rows per batch; the last batch holds the remainder.
    shuffle : bool, default=False
        Visit the rows in a new random order each pass.
    generator : torch.Generator, default=None
        Source of the random order.
    """

    def __init__(self, dataset, batch_size, shuffle=False, generator=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return math.ceil(len(self.dataset.X) / self.batch_size)

    def __iter__(self):
        data = self.dataset.X
        if self.shuffle:
            order = torch.randperm(
                len(data), generator=self.generator, device=self.generator.device
            ).to(data.device)
            for index in order.split(self.batch_size):
                yield data[index], None
        else:
            for batch in data.split(self.batch_size):
                yield batch, None


class _MeanLoss(torch.nn.Module):
    """skorch criterion: the batch loss is the mean of the per-row losses."""

    def forward(self, row_losses, target=None):
        return row_losses.mean()


class LossNet(NeuralNet):
    """A skorch net whose module returns the loss of each row.

    The module is called as ``module(X, generator=...)``: during training it gets
    ``generator`` (the fit's own random stream); during validation it gets a
    generator re-seeded with ``valid_seed`` at the start of each pass, so every
    epoch's held-out loss uses the same random numbers (common random numbers make
    the epochs comparable for early stopping).

    Parameters
    ----------
    module : torch.nn.Module
        Initialised module; ``forward(X, generator)`` returns a tensor of shape
        (n_rows,).
    generator : torch.Generator
        Random stream of training (batch order and the module's noise).
    valid_seed : int
        Seed of the validation stream.
    **kwargs : dict
        Passed to :class:`skorch.NeuralNet` (optimizer, lr, callbacks, ...).
    """

    def __init__(self, module, *, generator, valid_seed, **kwargs):
        super().__init__(module, criterion=_MeanLoss, **kwargs)
        self.generator = generator
        self.valid_seed = valid_seed

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if not training:
            self._valid_generator = torch.Generator(
                device=self.generator.device
            ).manual_seed(self.valid_seed)
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def get_loss(self, y_pred, y_true=None, X=None, training=False):
        return self.criterion_(y_pred)

    def infer(self, x, **fit_params):
        training = self.module_.training
        generator = self.generator if training else self._valid_generator
        return self.module_(x, generator=generator, **fit_params)


class StopOnNonFiniteLoss(Callback):
    """Stop training with an error as soon as a batch loss is NaN or infinite.

    Parameters
    ----------
    advice : str
        What the user could try, appended to the error message.
    """

    def __init__(self, advice):
        self.advice = advice

    def on_batch_end(self, net, batch=None, training=False, loss=None, **kwargs):
        value = loss.item()
        if not math.isfinite(value):
            stage = "training" if training else "validation"
            raise FloatingPointError(
                f"The {stage} loss became {value} in epoch {len(net.history)}, so "
                f"training stopped instead of returning a broken model. "
                f"{self.advice}"
            )


class HeldOutEarlyStopping(EarlyStopping):
    """skorch's early stopping, watching only epochs that have a held-out loss.

    Epochs without a held-out loss (``partial_fit`` trains without a held-out set)
    and epochs before ``first_epoch`` (while a schedule such as a warm-up still
    changes the objective) are ignored: they neither count against the patience
    nor become the best epoch.

    Parameters
    ----------
    first_epoch : int, default=1
        First epoch (counting from 1) that early stopping watches.
    **kwargs : dict
        Passed to :class:`skorch.callbacks.EarlyStopping`.
    """

    def __init__(self, first_epoch=1, **kwargs):
        super().__init__(**kwargs)
        self.first_epoch = first_epoch

    def on_epoch_end(self, net, **kwargs):
        last = net.history[-1]
        if self.monitor in last and last["epoch"] >= self.first_epoch:
            super().on_epoch_end(net, **kwargs)


class HeldOutLRDecay(Callback):
    """Cut the learning rate when the held-out loss stalls (reduce on plateau).

    After ``patience`` watched epochs without a new best held-out loss, every
    parameter group's learning rate is multiplied by ``factor`` (not below
    ``min_lr``) and the count starts again, so the last epochs before early
    stopping fine-tune with small steps. Epochs are watched as in
    :class:`HeldOutEarlyStopping`.

    Parameters
    ----------
    first_epoch : int, default=1
        First epoch (counting from 1) that is watched.
    patience : int, default=3
        Watched epochs without improvement before each cut.
    factor : float, default=0.3
        Multiplier of the learning rate at each cut.
    min_lr : float, default=1e-5
        Floor of the learning rate.
    monitor : str, default="valid_loss"
        History key of the held-out loss (lower is better).
    """

    def __init__(
        self, first_epoch=1, patience=3, factor=0.3, min_lr=1e-5, monitor="valid_loss"
    ):
        self.first_epoch = first_epoch
        self.patience = patience
        self.factor = factor
        self.min_lr = min_lr
        self.monitor = monitor

    def initialize(self):
        self.best_ = math.inf
        self.n_stalled_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        last = net.history[-1]
        if self.monitor not in last or last["epoch"] < self.first_epoch:
            return
        if last[self.monitor] < self.best_:
            self.best_, self.n_stalled_ = last[self.monitor], 0
            return
        self.n_stalled_ += 1
        if self.n_stalled_ >= self.patience:
            for group in net.optimizer_.param_groups:
                group["lr"] = max(group["lr"] * self.factor, self.min_lr)
            self.n_stalled_ = 0
