"""GANSampler: a generative adversarial network for tables, as an estimator."""

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
)
from torch import nn

from ..base import derive_seed
from ..metrics import energy_distance
from ._adversarial import AdversarialModule, AdversarialNet
from ._base import BaseTorchEstimator, check_class_labels
from ._modes import ModeEncoding
from ._modules import check_hidden_layer_sizes, make_mlp, reinitialised_copy

__all__ = ["GANSampler"]

# Seed stream of the table encoding's mixture fits (apart from the base's streams).
_ENCODING = 100
# "auto" trains for _AUTO_STEPS_PER_ROW * n_samples updates, clipped to
# [_MIN_AUTO_STEPS, _AUTO_STEPS].
_MIN_AUTO_STEPS = 1000
_AUTO_STEPS = 5000
_AUTO_STEPS_PER_ROW = 3
# Model samples that score() compares with the data, and their seed.
_SCORE_SAMPLES = 1000
_SCORE_SEED = 0
# Latent inversion: rows per padded chunk, starting points tried (by the
# generator's own output), then Adam steps on a softmax relaxation of its choices
# whose temperature falls geometrically.
_INVERSION_CHUNK = 64
_INVERSION_STARTS = 512
_INVERSION_STEPS = 300
_INVERSION_LEARNING_RATE = 0.05
_INVERSION_SEED = 0
_INVERSION_START_TEMPERATURE = 0.005
_INVERSION_FINAL_TEMPERATURE = 0.001
# A softmax this cold makes the generator's own (arg max) choices.
_HARD_TEMPERATURE = 1e-8


def _body_with_head(body, n_inputs, n_outputs):
    """A user's body network followed by a linear layer to ``n_outputs``."""
    with torch.no_grad():
        width = body(torch.zeros(2, n_inputs)).shape[-1]
    return nn.Sequential(body, nn.Linear(width, n_outputs))


class GANSampler(BaseTorchEstimator):
    """Generative adversarial network for tables: draw as many new rows as you like.

    A generator G maps a noise vector z (the latent variable, ``n_components``
    standard normal numbers) to a row, trained against a critic that tells real
    rows from generated ones. The default recipe is chosen not to collapse onto a
    few modes: a Wasserstein critic with gradient penalty (WGAN-GP) that judges
    packs of ``pac`` rows at once (PacGAN), two time-scale learning rates, and an
    exponential moving average of the generator's weights, which is the generator
    used after training. Numeric columns are represented as a mode of a
    full-covariance Gaussian mixture over all of them plus the whitened offset
    from its mean (``numeric_modes="joint"``; CTGAN's mode-specific
    normalisation of each column alone is ``"per_column"``); categorical columns
    as categories. With ``conditional=True``, ``fit(X, y)`` learns one generator
    for all classes, which takes the class (one-hot) as an input beside the
    noise, against a critic that judges each row together with its class;
    ``sample(y=...)`` then draws rows of the classes asked for.

    ``sample`` returns new rows with their noise, ``inverse_transform`` is G,
    ``transform`` finds the noise whose row is closest to each given row (latent
    inversion), and ``score`` measures how close the model's samples are to
    held-out data (higher is better), so ``GridSearchCV`` works.

    Read more in the :ref:`User Guide <gan>`.

    Parameters
    ----------
    n_components : int, default=32
        Size of the noise vector z.
    hidden_layer_sizes : array-like of int or int, default=(128, 128)
        Widths of the hidden layers of the generator and of the critic.
    activation : {"relu", "leaky_relu", "elu", "gelu", "silu", "tanh", \
"sigmoid"}, default="relu"
        Activation of the generator's hidden layers (the critic uses leaky ReLU).
    max_epochs : int or "auto", default="auto"
        Passes over the data in ``fit``. ``"auto"`` trains for ``3 *
        n_samples`` generator updates, at least 1000 and at most 5000, rounded
        up to whole epochs: a GAN needs about a thousand updates to converge on
        the smallest tables (100 rows), and 5000 on large ones.
    batch_size : int, default=500
        Rows per update (rounded up to a multiple of ``pac``).
    learning_rate : float, default=2e-4
        Learning rate of the generator's Adam optimiser.
    critic_learning_rate : float, default=1e-3
        Learning rate of the critic's Adam optimiser; a faster critic (two
        time-scale update rule) keeps the generator's signal informative.
    pac : int, default=10
        Rows the critic judges together. A critic that sees several samples at
        once detects a lack of diversity, which penalises mode collapse.
    gradient_penalty : float, default=10.0
        Weight of the WGAN-GP penalty on the critic's gradient norm.
    average_decay : float, default=0.999
        Decay of the exponential moving average of the generator's weights; the
        averaged generator is the one used to generate. 0 uses the last weights.
    categorical_features : array-like of {bool, int, str}, "from_dtype" or \
None, default="from_dtype"
        The categorical columns: a boolean mask, integer indices, or column names
        (with a DataFrame), as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`;
        ``"from_dtype"`` takes the DataFrame columns of a categorical, object or
        string dtype (none of an array), and None none. They are generated as
        categories seen in training, never as fractions. Of the other columns,
        those with one value in training come back as that value, those with
        two values (binary, or bool) as one of them, and integer-valued ones
        as integers.
    clip_to_training_range : bool, default=False
        Keep generated numbers inside the range of their column in training
        (SDV's ``enforce_min_max_values``). False lets the generator's tails
        run past the extremes seen, as new data may.
    numeric_modes : {"joint", "per_column"}, default="joint"
        How numeric columns are represented. ``"joint"``: all of them by a mode
        of one full-covariance Gaussian mixture over the columns together (at
        most one mode per 100 training rows, between 10 and 50) and the
        whitened offset from its mean, which keeps clusters that are not
        aligned with the axes apart. ``"per_column"``: each column by a mode of
        its own one-dimensional Gaussian mixture (at most 10) and an offset
        from it, CTGAN's mode-specific normalisation. The User Guide compares
        them.
    conditional : bool, default=False
        Whether ``fit(X, y)`` learns a class-conditional generator; ``y`` must
        then hold class labels (binary or multiclass, without missing values).
        False ignores ``y``, as unsupervised estimators do.
    generator : torch.nn.Module, default=None
        Custom body of the generator: maps a float32 batch of shape (batch,
        n_components + n_classes) to (batch, any width); a linear layer to the
        network's output is added after it. Copied and re-initialised (every
        submodule's ``reset_parameters``) under ``random_state`` at each fit.
        None uses an MLP from ``hidden_layer_sizes`` and ``activation``.
    critic : torch.nn.Module, default=None
        Custom body of the critic: maps (batch, pac * width) to (batch, any
        width), followed by a linear layer to one score; ``torch.nn.LazyLinear``
        as its first layer saves working out ``width``. Copied and re-initialised
        like ``generator``.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where to train and infer; ``"auto"`` uses CUDA when available.
    random_state : int, RandomState instance or None, default=None
        Seed of everything random in ``fit`` and the default of ``sample``. With
        an int, a CPU fit is reproducible to the bit; torch's global random state
        is never changed.
    verbose : int, default=0
        If positive, show a progress bar per epoch and skorch's epoch log.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (or ``(name, callback)`` pairs), copied at each fit.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` holds the generator, the critic
        and the averaged generator.
    history_ : skorch.History
        One entry per epoch: ``history_[:, "train_loss"]`` (generator loss) and
        ``history_[:, "critic_loss"]`` (critic loss, gradient penalty included).
    table_ : TableEncoding
        The kind of each column (numeric, integer, binary, constant,
        categorical), the values seen in the discrete ones and the range of
        the numeric ones.
    encoding_ : ModeEncoding
        The network's representation: the modes of each numeric column and
        the number of categories of each discrete one.
    categorical_features_ : ndarray of bool of shape (`n_features_in_`,)
        Which columns are categorical.
    classes_ : ndarray of shape (n_classes,)
        Class labels (conditional mode only).
    class_prior_ : ndarray of shape (n_classes,)
        Frequency of each class in training (conditional mode only).
    mean_ : ndarray of shape (n_continuous,)
        Mean of each numeric and integer column, for the standardised space of
        ``score``.
    scale_ : ndarray of shape (n_continuous,)
        Standard deviation of each numeric and integer column.
    device_ : str
        Device the model lives on.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column names.

    See Also
    --------
    VAETransformer : A variational autoencoder: a likelihood, an encoder, and
        smoother but blurrier samples.
    sklatent.metrics.mode_coverage : The mode-collapse metrics.

    References
    ----------
    .. [1] I. Gulrajani, F. Ahmed, M. Arjovsky, V. Dumoulin and A. Courville,
       "Improved Training of Wasserstein GANs", NeurIPS 2017.
    .. [2] Z. Lin, A. Khetan, G. Fanti and S. Oh, "PacGAN: The power of two samples
       in generative adversarial networks", NeurIPS 2018.
    .. [3] L. Xu, M. Skoularidou, A. Cuesta-Infante and K. Veeramachaneni,
       "Modeling Tabular Data using Conditional GAN", NeurIPS 2019.
    .. [4] M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler and S. Hochreiter,
       "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
       Equilibrium", NeurIPS 2017.

    Examples
    --------
    >>> from sklatent import GANSampler
    >>> from sklatent.datasets import make_gaussian_ring
    >>> X, _, _ = make_gaussian_ring(500, random_state=0)
    >>> gan = GANSampler(max_epochs=20, random_state=0).fit(X)
    >>> X_new, Z = gan.sample(3, random_state=0)
    >>> X_new.shape, Z.shape
    ((3, 2), (3, 32))
    >>> gan.transform(X[:2]).shape
    (2, 32)
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "max_epochs": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "critic_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "pac": [Interval(Integral, 1, None, closed="left")],
        "gradient_penalty": [Interval(Real, 0, None, closed="left")],
        "average_decay": [Interval(Real, 0, 1, closed="left")],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "clip_to_training_range": ["boolean"],
        "numeric_modes": [StrOptions({"per_column", "joint"})],
        "conditional": ["boolean"],
        "generator": [nn.Module, None],
        "critic": [nn.Module, None],
    }

    _net_class = AdversarialNet

    _persisted_types = (*BaseTorchEstimator._persisted_types, ModeEncoding)

    _non_finite_advice = (
        "Try smaller learning_rate and critic_learning_rate, a larger "
        "gradient_penalty, or check that X has no extreme values."
    )

    def __init__(
        self,
        n_components=32,
        *,
        hidden_layer_sizes=(128, 128),
        activation="relu",
        max_epochs="auto",
        batch_size=500,
        learning_rate=2e-4,
        critic_learning_rate=1e-3,
        pac=10,
        gradient_penalty=10.0,
        average_decay=0.999,
        categorical_features="from_dtype",
        clip_to_training_range=False,
        numeric_modes="joint",
        conditional=False,
        generator=None,
        critic=None,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.critic_learning_rate = critic_learning_rate
        self.pac = pac
        self.gradient_penalty = gradient_penalty
        self.average_decay = average_decay
        self.categorical_features = categorical_features
        self.clip_to_training_range = clip_to_training_range
        self.numeric_modes = numeric_modes
        self.conditional = conditional
        self.generator = generator
        self.critic = critic
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    # -- model --------------------------------------------------------------------

    @property
    def _n_classes(self):
        return len(self.classes_) if self.conditional else 0

    def _build_module(self):
        hidden = check_hidden_layer_sizes(self.hidden_layer_sizes)
        n_outputs = self.encoding_.n_outputs_
        n_inputs = self.n_components + self._n_classes
        n_critic_inputs = self.pac * (n_outputs + self._n_classes)
        if self.generator is None:
            generator = make_mlp(n_inputs, hidden, n_outputs, self.activation)
        else:
            body = reinitialised_copy(self.generator)
            generator = _body_with_head(body, n_inputs, n_outputs)
        if self.critic is None:
            critic = make_mlp(n_critic_inputs, hidden, 1, "leaky_relu")
        else:
            critic = _body_with_head(
                reinitialised_copy(self.critic), n_critic_inputs, 1
            )
        return AdversarialModule(
            generator,
            critic,
            self.encoding_,
            self.n_components,
            self._n_classes,
            self.pac,
            self.gradient_penalty,
        )

    def _net_options(self):
        return {
            "lr": self.learning_rate,
            "critic_lr": self.critic_learning_rate,
            "average_decay": self.average_decay,
            "optimizer__betas": (0.0, 0.9),
        }

    def _epochs(self, n_samples):
        if self.max_epochs != "auto":
            return self.max_epochs
        n_batches = math.ceil(n_samples / self.batch_size)
        steps = _AUTO_STEPS_PER_ROW * n_samples
        steps = min(_AUTO_STEPS, max(_MIN_AUTO_STEPS, steps))
        return math.ceil(steps / n_batches)

    # -- data ---------------------------------------------------------------------

    def _training_tensor(self, continuous, codes, labels):
        encoded = self.encoding_.encode(continuous, codes)
        one_hot = np.eye(self._n_classes)[labels] if self.conditional else None
        parts = [encoded] if one_hot is None else [encoded, one_hot]
        return self._as_tensor(np.hstack(parts))

    def _fit_labels(self, y, n_samples):
        if not self.conditional:
            return None
        if y is None:
            raise ValueError(
                "conditional=True learns a class-conditional generator and needs "
                "class labels: call fit(X, y)."
            )
        self.classes_, labels = check_class_labels(y, n_samples)
        self.class_prior_ = np.bincount(labels) / n_samples
        return labels

    # -- fitting ------------------------------------------------------------------

    def _initialise(self, X, y, stream=False):
        """Learn the representation of the table and build the net (first fit;
        ``stream`` for the first batch of ``partial_fit``)."""
        continuous, codes = self._validate_table(X, reset=True, stream=stream)
        self.categorical_features_ = self.table_.categorical_mask_
        labels = self._fit_labels(y, len(continuous))
        self._start_fit()
        self.encoding_ = ModeEncoding(
            continuous,
            self.table_.n_categories_,
            self._stream_seed(_ENCODING),
            joint=self.numeric_modes == "joint",
        )
        if self.encoding_.n_outputs_ == 0:
            raise ValueError(
                f"Every column of X is constant in the training rows "
                f"(n_samples={len(continuous)}): there is nothing to learn."
            )
        self.mean_ = continuous.mean(axis=0)
        scale = continuous.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        return self._training_tensor(continuous, codes, labels), self._new_net()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the generator and the critic.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training table; categorical columns may hold any values (strings
            included) when named in ``categorical_features``.
        y : array-like of shape (n_samples,), default=None
            Class labels; used only when ``conditional=True`` (then required).

        Returns
        -------
        self : GANSampler
            The fitted estimator.
        """
        X_train, net = self._initialise(X, y)
        self._run_epochs(net, X_train, epochs=self._epochs(len(X_train)))
        self.net_ = net
        self.history_ = net.history
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one more epoch on ``X``.

        The first call on an unfitted estimator initialises it, learning the
        modes and categories of the columns (and the classes) from this first
        batch; later batches must only hold those categories and classes. As
        one batch cannot tell whether a numeric column is constant, binary or
        integer-valued in the whole stream, every numeric column is modelled as
        a number (samples still come back in a DataFrame's dtypes), and
        ``clip_to_training_range`` clips to the range of all batches so far.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            A batch of training rows.
        y : array-like of shape (n_samples,), default=None
            Class labels; used only when ``conditional=True`` (then required).

        Returns
        -------
        self : GANSampler
            The updated estimator.
        """
        if not hasattr(self, "net_"):
            X_train, net = self._initialise(X, y, stream=True)
        else:
            net = self.net_
            continuous, codes = self._validate_table(X, reset=False, stream=True)
            if self.conditional and y is None:
                raise ValueError("conditional=True needs y in partial_fit too.")
            labels = self._class_indices(y, len(codes)) if self.conditional else None
            X_train = self._training_tensor(continuous, codes, labels)
        self._run_epochs(net, X_train, epochs=1)
        self.net_ = net
        self.history_ = net.history
        return self

    # -- generation ---------------------------------------------------------------

    def _labels_for(self, y, n_samples, rng):
        """One-hot class rows for generation (empty when unconditional)."""
        if not self.conditional:
            if y is not None:
                raise ValueError(
                    "y selects classes of a class-conditional model; this model was "
                    "fitted with conditional=False. Refit with conditional=True and "
                    "labels in fit(X, y)."
                )
            return np.zeros((n_samples, 0))
        if y is None:
            labels = rng.choice(len(self.classes_), size=n_samples, p=self.class_prior_)
        else:
            labels = self._class_indices(y, n_samples)
        return np.eye(len(self.classes_))[labels]

    def _generate(self, Z, labels):
        """Continuous values and category codes of the rows G(Z) (float64)."""
        module = self._float64_copy()

        def generate(z, one_hot):
            return module.encoding.decode(module.generate(z, one_hot))

        return self._map_rows(generate, Z, labels)

    def _decode(self, continuous, codes):
        """Rows in the user's column order and types."""
        return self.table_.decode(continuous, codes, clip=self.clip_to_training_range)

    def sample(self, n_samples=1, *, y=None, random_state=None):
        """Generate rows: noise z ~ N(0, I), then the row G(z).

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to generate.
        y : class label or array-like of shape (n_samples,), default=None
            Conditional mode only: the class of every row (one label) or of each
            row. None draws the classes with their training frequencies.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws; None uses the estimator's ``random_state``.

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features)
            Generated rows in the user's units, categorical columns holding
            categories seen in training; a DataFrame with the training columns and
            dtypes when the model was fitted on one.
        Z : ndarray of shape (n_samples, n_components)
            The noise behind each row: ``inverse_transform(Z)`` gives ``X`` back
            (with the same ``y``).
        """
        return super().sample(n_samples, random_state=random_state, y=y)

    def _sample(self, n_samples, random_state, y=None):
        labels = self._labels_for(y, n_samples, random_state)
        generator = torch.Generator().manual_seed(derive_seed(random_state))
        Z = torch.randn(
            (n_samples, self.n_components), generator=generator, dtype=torch.float64
        ).numpy()
        return self._decode(*self._generate(Z, labels)), Z

    def inverse_transform(self, Z, y=None):
        """The rows that the generator makes of latent vectors: G(Z).

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components)
            Noise vectors.
        y : class label or array-like of shape (n_samples,), default=None
            Conditional mode only (then required): the class of every row or of
            each row.

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features)
            The generated rows, as :meth:`sample` returns them.
        """
        Z = self._check_latent(Z)
        if self.conditional and y is None:
            raise ValueError(
                "This model is class-conditional: pass the class of the rows to "
                "generate as inverse_transform(Z, y=...)."
            )
        labels = self._labels_for(y, len(Z), None)
        return self._decode(*self._generate(Z, labels))

    # -- latent inversion ---------------------------------------------------------

    def _comparable(self, numeric, categorical_one_hot):
        """Rows in the space where rows are compared: standardised numbers and
        one-hot categories."""
        return np.hstack([(numeric - self.mean_) / self.scale_, categorical_one_hot])

    def _invert(self, target, module, one_hot):
        """Noise whose soft output is closest to each target row (float64)."""
        device = target.device
        mean = torch.as_tensor(self.mean_, device=device)
        scale = torch.as_tensor(self.scale_, device=device)
        n_numeric = len(self.mean_)

        def comparable(z, labels, temperature):
            raw = module.generator_average(torch.cat([z, labels], dim=1))
            soft = module.encoding.soft_decode(raw, temperature)
            numeric = (soft[:, :n_numeric] - mean) / scale
            return torch.cat([numeric, soft[:, n_numeric:]], dim=1)

        def errors(z, labels, rows, temperature=1.0):
            return (comparable(z, labels, temperature) - rows).square().sum(dim=1)

        starts = torch.randn(
            (_INVERSION_STARTS, self.n_components),
            generator=torch.Generator().manual_seed(_INVERSION_SEED),
            dtype=torch.float64,
        ).to(device)
        n_rows = len(target)
        best = torch.empty(n_rows, dtype=torch.long, device=device)
        with torch.no_grad():
            best_error = torch.full(
                (n_rows,), torch.inf, dtype=torch.float64, device=device
            )
            for index, start in enumerate(starts):
                error = errors(
                    start.expand(n_rows, -1), one_hot, target, _HARD_TEMPERATURE
                )
                better = error < best_error
                best[better], best_error[better] = index, error[better]
        z = starts[best].clone().requires_grad_(True)
        optimizer = torch.optim.Adam([z], lr=_INVERSION_LEARNING_RATE)
        # The generator's choices of modes and categories are relaxed to softmax
        # weights whose temperature falls, so the end point makes the same choices.
        for temperature in np.geomspace(
            _INVERSION_START_TEMPERATURE, _INVERSION_FINAL_TEMPERATURE, _INVERSION_STEPS
        ):
            optimizer.zero_grad()
            # A sum over rows: each row's gradient is its own.
            errors(z, one_hot, target, temperature).sum().backward()
            optimizer.step()
        return z.detach()

    def transform(self, X, y=None):
        """Latent inversion: for each row, the noise whose generated row is closest.

        Minimises the squared distance between G(z) and the row (numeric columns
        standardised, categories one-hot, with G's choices relaxed to softmax
        weights) by gradient descent from the best of a fixed set of starting
        points. Rows are processed independently: a row's result does not depend
        on the others.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Rows to invert.
        y : array-like of shape (n_samples,), default=None
            Conditional mode: the class of each row; None tries every class and
            keeps the closest.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            Noise vectors.
        """
        check_is_fitted(self)
        continuous, codes = self._validate_table(X, reset=False)
        target = self._comparable(continuous, self.table_.one_hot(codes))
        if not self.conditional:
            candidates = [np.zeros((len(target), 0))]
        elif y is not None:
            candidates = [self._labels_for(y, len(target), None)]
        else:
            candidates = [
                np.eye(len(self.classes_))[np.full(len(target), index)]
                for index in range(len(self.classes_))
            ]
        module = self._float64_copy()
        Z = np.empty((len(target), self.n_components))
        best_error = np.full(len(target), np.inf)
        for one_hot in candidates:
            with self._cpu_threads(self.net_):
                found = self._invert_padded(target, module, one_hot)
            error = self._reconstruction_error(found, one_hot, target)
            better = error < best_error
            Z[better], best_error[better] = found[better], error[better]
        return Z

    def _invert_padded(self, target, module, one_hot):
        """Invert in chunks of a fixed size, padding the last with zeros, so that
        the arithmetic of a row does not depend on how many rows come with it."""
        found = []
        for start in range(0, len(target), _INVERSION_CHUNK):
            rows = target[start : start + _INVERSION_CHUNK]
            labels = one_hot[start : start + _INVERSION_CHUNK]
            pad = _INVERSION_CHUNK - len(rows)
            rows = np.pad(rows, ((0, pad), (0, 0)))
            labels = np.pad(labels, ((0, pad), (0, 0)))
            z = self._invert(
                torch.as_tensor(rows, device=self._device),
                module,
                torch.as_tensor(labels, device=self._device),
            )
            found.append(z[: _INVERSION_CHUNK - pad].cpu().numpy())
        return np.concatenate(found) if found else np.zeros((0, self.n_components))

    def _generated_rows(self, Z, labels):
        """The rows G(Z) in the space where rows are compared."""
        continuous, codes = self._generate(Z, labels)
        return self._comparable(continuous, self.table_.one_hot(codes))

    def _reconstruction_error(self, Z, one_hot, target):
        return ((self._generated_rows(Z, one_hot) - target) ** 2).sum(axis=1)

    # -- score --------------------------------------------------------------------

    def score(self, X, y=None, sample_weight=None):
        """Sample quality: minus the energy distance between X and model samples.

        Compares the rows of X with 1000 rows drawn from the model (with a fixed
        seed, so the score is deterministic), numeric columns standardised with
        the training statistics and categories one-hot. 0 is perfect; higher is
        better, as model selection expects.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Held-out rows.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows of X.

        Returns
        -------
        score : float
            ``-energy_distance(X, samples)`` in the standardised space.
        """
        check_is_fitted(self)
        continuous, codes = self._validate_table(X, reset=False)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, continuous)
        real = self._comparable(continuous, self.table_.one_hot(codes))
        rng = check_random_state(_SCORE_SEED)
        Z = rng.standard_normal((_SCORE_SAMPLES, self.n_components))
        labels = self._labels_for(None, _SCORE_SAMPLES, rng)
        generated = self._generated_rows(Z, labels)
        return -energy_distance(real, generated, sample_weight_X=sample_weight)
