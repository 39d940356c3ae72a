"""VAETransformer: a variational autoencoder as a scikit-learn transformer."""

import math
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import Callback
from torch import nn

from ..base import check_n_samples, derive_seed
from ._base import BaseTorchEstimator, check_class_labels
from ._modules import check_hidden_layer_sizes, make_mlp, reinitialised_copy
from ._neighbors import MIN_ROWS, neighbor_embedding_loss
from ._priors import fit_code_mixture, mixture_log_density, sample_mixture
from ._training import HeldOutLRDecay

__all__ = ["VAETransformer"]

_LOG_2PI = math.log(2 * math.pi)
# Seed of the common random numbers behind score_samples.
_SCORE_SEED = 0
# With early stopping, the learning rate is cut by _LR_FACTOR after every
# _LR_PATIENCE epochs without a better held-out ELBO.
_LR_PATIENCE, _LR_FACTOR = 3, 0.3
# Weight of each batch in the moving average of the squared residuals that sets
# the noise variances during training: about the last ten batches count.
_NOISE_AVERAGING = 0.1
# The closed-form noise variances after training are estimated from at least
# this many draws of z (several per row on small tables, at most 16).
_CALIBRATION_DRAWS = 4096
# Purposes of the random streams of that estimate and of the codes that the
# mixture sampling prior is fitted to (beyond the base's purposes).
_CALIBRATION_STREAM, _PRIOR_STREAM = 100, 101
# Most components of the mixture sampling prior (chosen by BIC up to this).
_MAX_PRIOR_COMPONENTS = 10
# Scale of the Student-t kernel of the neighbour term, in prior standard
# deviations: codes further apart than this count as far, so several groups of
# rows fit side by side within the prior's unit scale.
_NEIGHBOR_KERNEL_SCALE = 0.2


def gaussian_kl_to_standard_normal(mean, log_var):
    """KL divergence from N(mean, exp(log_var)) to N(0, I), summed per row."""
    return 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum(-1)


def _standard_normal_log_density(z):
    return -0.5 * (z.square() + _LOG_2PI).sum(-1)


class _VAEModule(nn.Module):
    """Encoder, decoder and likelihood of a VAE; ``forward`` gives a loss per row.

    A row, as the network sees it, is ``n_continuous`` continuous values (in
    standardised units) followed by the one-hot indicators of its discrete
    columns (blocks of ``category_sizes``) and, in a conditional model, the
    one-hot indicator of its class (``n_classes``). The encoder maps the whole
    row to ``2 * n_components`` numbers, the mean and the log variance of
    q(z|x, c); the decoder maps a code (and the class) to the mean of p(x|z, c)
    for each continuous value (gaussian) or its logit (bernoulli), and to the
    logits of a categorical distribution per discrete column.

    In training mode the loss weighs the KL term by ``kl_weight`` (beta, possibly
    warming up) and adds ``neighbor_weight`` times the batch's neighbour-embedding
    term; in evaluation mode it is the negative ELBO, so the held-out loss that
    early stopping watches is always the ELBO. Gaussian noise variances are
    buffers, not parameters: each training batch moves them towards its mean
    squared residuals (:meth:`_track_noise`), their closed-form optimum.
    """

    def __init__(
        self,
        encoder,
        decoder,
        *,
        n_continuous,
        likelihood,
        min_sigma,
        category_sizes=(),
        n_classes=0,
        neighbor_weight=0.0,
        perplexity=5.0,
    ):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.n_continuous = n_continuous
        self.category_sizes = tuple(category_sizes)
        self.n_features = n_continuous + sum(self.category_sizes)
        self.n_classes = n_classes
        self.likelihood = likelihood
        self.min_sigma = min_sigma
        self.neighbor_weight = neighbor_weight
        self.perplexity = perplexity
        self.kl_weight = 1.0
        if likelihood == "gaussian":
            # The per-feature noise variances are not learned by gradient: they
            # sit at their closed-form optimum given the networks, the mean
            # squared reconstruction error of each feature (the sigma-VAE of
            # Rybkin et al.). In training, that optimum is tracked as a
            # bias-corrected moving average over the batches; after training the
            # estimator sets it exactly on the training rows (calibrate_noise).
            self.register_buffer("noise_variance", torch.ones(n_continuous))
            self.register_buffer("_residual_average", torch.zeros(n_continuous))
            self.register_buffer("_n_updates", torch.zeros((), dtype=torch.long))

    def split(self, rows):
        """The features of network rows and their class indicators."""
        return rows[..., : self.n_features], rows[..., self.n_features :]

    def encode(self, rows):
        """Mean and log variance of q(z|x, c) of network rows."""
        mean, log_var = self.encoder(rows).chunk(2, dim=-1)
        return mean, log_var

    def decode(self, z, condition):
        """The decoder's output for codes ``z`` (any leading shape) of a class."""
        if self.n_classes == 0:
            return self.decoder(z)
        condition = condition.expand(*z.shape[:-1], condition.shape[-1])
        return self.decoder(torch.cat([z, condition], dim=-1))

    def noise_scale(self):
        return self.noise_variance.sqrt().clamp_min(self.min_sigma)

    def _track_noise(self, x, decoded):
        """Move the noise variances towards this batch's squared residuals."""
        with torch.no_grad():
            continuous = slice(0, self.n_continuous)
            squared = (x[:, continuous] - decoded[:, continuous]).square().mean(0)
            self._residual_average.lerp_(squared, _NOISE_AVERAGING)
            self._n_updates += 1
            bias = 1.0 - (1.0 - _NOISE_AVERAGING) ** self._n_updates.item()
            self.noise_variance.copy_(self._residual_average / bias)

    def calibrate_noise(self, squared_residuals):
        """Set the noise variances to their optimum given the mean squared
        residual of each feature (the ELBO's closed-form maximiser)."""
        self.noise_variance.copy_(squared_residuals)

    def _category_blocks(self, tensor):
        """The blocks of the discrete columns in a row's last dimension."""
        return tensor[..., self.n_continuous :].split(self.category_sizes, dim=-1)

    def log_likelihood(self, x, decoded):
        """log p(x|z) per row, given the features and the decoder's output."""
        rows = torch.broadcast_shapes(x.shape[:-1], decoded.shape[:-1])
        x = x.expand(*rows, x.shape[-1])
        decoded = decoded.expand(*rows, decoded.shape[-1])
        value, mean = x[..., : self.n_continuous], decoded[..., : self.n_continuous]
        if self.likelihood == "gaussian":
            sigma = self.noise_scale()
            residual = (value - mean) / sigma
            log_p = -(0.5 * (residual.square() + _LOG_2PI) + sigma.log()).sum(-1)
        else:
            log_p = -F.binary_cross_entropy_with_logits(
                mean, value, reduction="none"
            ).sum(-1)
        for one_hot, logits in zip(
            self._category_blocks(x), self._category_blocks(decoded)
        ):
            log_p = log_p + (one_hot * logits.log_softmax(-1)).sum(-1)
        return log_p

    def decoder_mean(self, z, condition):
        """Means of the continuous values and probabilities of the categories."""
        decoded = self.decode(z, condition)
        mean = decoded[..., : self.n_continuous]
        if self.likelihood == "bernoulli":
            mean = torch.sigmoid(mean)
        blocks = [logits.softmax(-1) for logits in self._category_blocks(decoded)]
        return torch.cat([mean, *blocks], dim=-1)

    def kl_divergence(self, mean, log_var, noise, z):
        """KL(q(z|x) || p(z)) per row; ``z = mean + noise * std`` is the draw."""
        return gaussian_kl_to_standard_normal(mean, log_var)

    def forward(self, rows, generator=None):
        x, condition = self.split(rows)
        mean, log_var = self.encode(rows)
        noise = torch.randn(
            mean.shape, generator=generator, dtype=mean.dtype, device=mean.device
        )
        z = mean + noise * (0.5 * log_var).exp()
        kl = self.kl_divergence(mean, log_var, noise, z)
        decoded = self.decode(z, condition)
        if self.training and self.likelihood == "gaussian":
            self._track_noise(x, decoded)
        log_likelihood = self.log_likelihood(x, decoded)
        if not self.training:
            return kl - log_likelihood
        loss = self.kl_weight * kl - log_likelihood
        if self.neighbor_weight > 0 and len(x) >= MIN_ROWS:
            neighbors = neighbor_embedding_loss(
                x, mean, self.perplexity, _NEIGHBOR_KERNEL_SCALE
            )
            loss = loss + self.neighbor_weight * neighbors
        return loss


def _binary_non_integers(table):
    """Two-valued numeric columns whose values are not integers.

    The table layer hands a numeric column with two values to models as a
    category, so that it comes back as one of them; a new row with a third value
    is then refused. For two values that are not integers (a rarely non-zero
    pixel intensity, say) a third is no surprise: the VAE models them as numbers.
    """
    return [
        index
        for index, categories in zip(table.discrete_, table.categories_)
        if table.kinds_[index] == "binary"
        and not np.all(
            categories.astype(np.float64) == np.rint(categories.astype(np.float64))
        )
    ]


class _KLWarmup(Callback):
    """Raise the KL weight linearly from ``beta / warmup_epochs`` to ``beta``."""

    def __init__(self, beta, warmup_epochs):
        self.beta = beta
        self.warmup_epochs = warmup_epochs

    def on_epoch_begin(self, net, **kwargs):
        progress = len(net.history) / max(self.warmup_epochs, 1)
        net.module_.kl_weight = self.beta * min(1.0, progress)


class VAETransformer(BaseTorchEstimator):
    """Variational autoencoder: a nonlinear latent code per row, and a generator.

    The encoder maps a row x to a Gaussian q(z|x) over ``n_components`` latent
    variables, the decoder maps a code z back to the parameters of p(x|z), and
    both are trained together (through skorch) to maximise the evidence lower
    bound (ELBO) on log p(x), with a standard normal prior on z. ``transform``
    gives the posterior mean, ``inverse_transform`` the decoder mean, ``sample``
    new rows with their codes, and ``score`` the mean ELBO per row, so a
    ``GridSearchCV`` over ``n_components`` picks the latent size by held-out ELBO.
    Two options change what the model is for: ``sampling_prior="mixture"`` draws
    samples from a Gaussian mixture fitted to where the codes of the training rows
    lie (better samples), and ``neighbor_weight > 0`` adds a neighbour-embedding
    (t-SNE) term to the training loss (codes laid out for a 2-D picture).

    Read more in the :ref:`User Guide <vae>`.

    Parameters
    ----------
    n_components : int, default=2
        Size of the latent code.
    hidden_layer_sizes : array-like of int or int, default=(512, 256)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    activation : {"relu", "leaky_relu", "elu", "gelu", "silu", "tanh", \
"sigmoid"}, default="gelu"
        Activation of the hidden layers.
    likelihood : {"gaussian", "bernoulli"}, default="gaussian"
        Model of p(x|z) for the continuous columns (discrete ones always have a
        categorical likelihood). ``"gaussian"``: they are standardised inside,
        each centred on its mean and divided by its range (max - min; the
        statistics are learned in ``fit``), and each has its own noise scale, at
        least ``min_sigma`` in standardised units, set in closed form to the
        value that maximises the ELBO given the networks: the root mean squared
        reconstruction error of that column (as in the sigma-VAE [4]_). Dividing
        by the range rather than the standard deviation keeps sparse columns
        (rarely non-zero, like the border pixels of images) from turning into
        large outliers. ``"bernoulli"``: for data in [0, 1] (intensities read as
        probabilities); the decoder gives the probabilities.
    min_sigma : float, default=0.01
        Floor of the gaussian noise scale, in standardised units (fractions of
        each column's range); it keeps the likelihood of (nearly) constant
        columns from growing without bound.
    beta : float, default=1.0
        Weight of the KL term in the training loss (beta-VAE). ``score`` and the
        held-out loss of early stopping always use the true ELBO (beta = 1).
    warmup_epochs : int, default=30
        Raise the KL weight linearly from ``beta / warmup_epochs`` to ``beta``
        over the first ``warmup_epochs`` epochs (KL annealing): the encoder first
        learns to reconstruct, which spreads the classes of a dataset apart in
        the latent space, before the prior pulls the codes together. 0 trains
        with ``beta`` from the start.
    neighbor_weight : float, default=0.0
        Weight of an optional neighbour-embedding term in the training loss, for
        2-D visualisation embeddings: within each minibatch, the Kullback-Leibler
        divergence between the t-SNE affinities of the rows and those of their
        codes (posterior means) under a heavy-tailed Student-t kernel, as in
        VAE-SNE [3]_ (parametric t-SNE). It keeps rows that are neighbours in the
        data neighbours in the latent space and groups of rows apart. It is a
        different model: the training loss is no longer the ELBO, the held-out
        ELBO is lower, samples lie further from the data, and its strength
        depends on ``batch_size`` (measured costs in the
        :ref:`User Guide <vae_neighbours>`). 0, the default, trains on the ELBO
        alone. ``score`` and early stopping never include the term.
    perplexity : float, default=5.0
        Effective number of neighbours of each row in the affinities of the
        neighbour term (as in :class:`~sklearn.manifold.TSNE`), capped at a third
        of the batch. Keep it below the number of rows a typical group has in a
        batch of ``batch_size``. Used only when ``neighbor_weight > 0``.
    sampling_prior : {"standard", "mixture"}, default="standard"
        Distribution of the codes that ``sample`` draws, and the prior p(z) that
        ``score`` and ``score_samples`` use. ``"standard"``: the standard normal
        prior of training. ``"mixture"``: after training, a full-covariance
        Gaussian mixture (up to 10 components, their number chosen by BIC) is
        fitted to one code drawn from q(z|x) per training row, an estimate of the
        aggregate posterior (ex-post density estimation [5]_); samples then come
        from the regions of the latent space that the decoder has learned, and
        the scores are the ELBO of the model with that prior (the KL term is its
        closed-form entropy part plus a Monte Carlo cross-entropy to the
        mixture), so the score stays a bound on the log density of the model that
        ``sample`` draws from. Training itself always uses the standard normal.
        With no more training rows than ``n_components``, whose codes cannot
        show a spread, the mixture is the standard normal.
    categorical_features : array-like of {bool, int, str}, "from_dtype" or \
None, default="from_dtype"
        The categorical columns, as in :class:`GANSampler`: a boolean mask,
        integer indices, or column names (with a DataFrame); ``"from_dtype"``
        takes the DataFrame columns of a categorical, object or string dtype
        (none of an array), and None none. Each discrete column (categorical, or
        numeric with two integer values) gets a categorical likelihood (a softmax over
        the values seen, one-hot in the encoder's input, as in TVAE), so it comes
        back as one of its values. Of the other columns, those with one value in
        training are not modelled and come back as that value, and
        integer-valued ones come back rounded.
    clip_to_training_range : bool, default=False
        Keep sampled numbers inside the range of their column in training
        (SDV's ``enforce_min_max_values``). False lets the tails of p(x|z) run
        past the extremes seen, as new data may.
    conditional : bool, default=False
        Whether ``fit(X, y)`` learns a class-conditional VAE (CVAE): one encoder
        and one decoder that both take the one-hot class as an extra input,
        q(z|x, c) and p(x|z, c), so that ``sample(n, y=c)`` draws rows of class
        c. False ignores ``y``, as unsupervised estimators do. ``y`` must hold
        class labels (checked with ``type_of_target``).
    max_epochs : int, default=300
        Maximum number of passes over the data in ``fit``.
    batch_size : int, default=128
        Rows per optimisation step.
    learning_rate : float, default=2e-3
        Initial learning rate of the Adam optimiser. With early stopping, it is
        cut to 0.3 times its value after every 3 epochs without a better
        held-out ELBO (reduce on plateau), so that training ends with small,
        fine-tuning steps.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows and stop when their ELBO
        has not improved for ``n_iter_no_change`` epochs, keeping the best
        weights; the learning rate is cut on the way (see ``learning_rate``).
        The epochs of the KL warm-up are not watched.
    validation_fraction : float, default=0.1
        Fraction of the rows held out for early stopping (of each class's rows
        in a conditional fit, each class keeping at least one training row).
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    encoder : torch.nn.Module, default=None
        Custom encoder (e.g. convolutional): maps a float32 batch of shape
        (batch, n_features) to (batch, 2 * n_components), the means then the log
        variances of q(z|x). It is copied and re-initialised (every submodule's
        ``reset_parameters``) under ``random_state`` at each fit. None builds an
        MLP from ``hidden_layer_sizes`` and ``activation``.
    decoder : torch.nn.Module, default=None
        Custom decoder: maps (batch, n_components) to (batch, n_features), the
        mean of p(x|z) in standardised units (gaussian) or its logits
        (bernoulli). Copied and re-initialised like ``encoder``.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where to train and infer; ``"auto"`` uses CUDA when available.
    random_state : int, RandomState instance or None, default=None
        Seed of everything random in ``fit`` (initialisation, held-out split,
        batch order, the reparameterisation noise) and the default of
        ``sample``. With an int, a CPU fit is reproducible to the bit; torch's
        global random state is never changed.
    verbose : int, default=0
        If positive, show a progress bar per epoch and skorch's epoch log.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (or ``(name, callback)`` pairs), copied at each
        fit; e.g. ``skorch.callbacks.LRScheduler``.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` holds the encoder and decoder
        and, for a gaussian likelihood, the noise variances
        (``net_.module_.noise_variance``, in standardised units).
    history_ : skorch.History
        One entry per epoch, e.g. ``history_[:, "train_loss"]`` (the training
        loss: the negative ELBO with the KL term weighed by ``beta`` and its
        warm-up, plus any neighbour term) and ``history_[:, "valid_loss"]`` (the
        negative ELBO of the held-out rows), per row, in the training's
        standardised units.
    mean_ : ndarray of shape (n_continuous,)
        Mean of each continuous (numeric or integer) column, removed before the
        network (zeros for bernoulli); the columns are ``table_.continuous_``.
    scale_ : ndarray of shape (n_continuous,)
        Scale of each continuous column, divided out before the network (ones
        for bernoulli).
    table_ : TableEncoding
        The kinds of the columns (numeric, integer, binary, constant,
        categorical) learned in ``fit``.
    categorical_features_ : ndarray of bool of shape (`n_features_in_`,)
        Which columns are categorical.
    classes_ : ndarray of shape (n_classes,)
        Class labels (conditional mode only).
    class_prior_ : ndarray of shape (n_classes,)
        Frequency of each class in training (conditional mode only).
    prior_weights_ : ndarray of shape (n_mixture,)
        Weights of the mixture sampling prior (only with
        ``sampling_prior="mixture"``).
    prior_means_ : ndarray of shape (n_mixture, n_components)
        Its means.
    prior_covariances_ : ndarray of shape (n_mixture, n_components, n_components)
        Its covariance matrices.
    device_ : str
        Device the model lives on.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column names.

    See Also
    --------
    sklearn.decomposition.PCA : The linear Gaussian counterpart (probabilistic
        PCA is a linear VAE with a Gaussian decoder).
    sklatent.latent.interpolate : Walk between two rows in latent space.

    References
    ----------
    .. [1] D. P. Kingma and M. Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
    .. [2] Y. Burda, R. Grosse and R. Salakhutdinov, "Importance Weighted
       Autoencoders", ICLR 2016.
    .. [3] J. M. Graving and I. D. Couzin, "VAE-SNE: a deep generative model for
       simultaneous dimensionality reduction and clustering", bioRxiv 2020.
    .. [4] O. Rybkin, K. Daniilidis and S. Levine, "Simple and Effective VAE
       Training with Calibrated Decoders", ICML 2021.
    .. [5] P. Ghosh, M. S. M. Sajjadi, A. Vergari, M. Black and B. Schölkopf,
       "From Variational to Deterministic Autoencoders", ICLR 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklatent import VAETransformer
    >>> X = load_digits().data / 16
    >>> vae = VAETransformer(n_components=2, max_epochs=5, random_state=0).fit(X)
    >>> vae.transform(X[:3]).shape
    (3, 2)
    >>> X_new, Z = vae.sample(4, random_state=0)
    >>> X_new.shape, Z.shape
    ((4, 64), (4, 2))
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "likelihood": [StrOptions({"gaussian", "bernoulli"})],
        "min_sigma": [Interval(Real, 0, None, closed="neither")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "neighbor_weight": [Interval(Real, 0, None, closed="left")],
        "perplexity": [Interval(Real, 1, None, closed="left")],
        "sampling_prior": [StrOptions({"standard", "mixture"})],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "clip_to_training_range": ["boolean"],
        "conditional": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "encoder": [nn.Module, None],
        "decoder": [nn.Module, None],
    }

    _non_finite_advice = (
        "Try a smaller learning_rate, a larger min_sigma (gaussian), a smaller "
        "beta, or check that X has no extreme values."
    )

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(512, 256),
        activation="gelu",
        likelihood="gaussian",
        min_sigma=0.01,
        beta=1.0,
        warmup_epochs=30,
        neighbor_weight=0.0,
        perplexity=5.0,
        sampling_prior="standard",
        categorical_features="from_dtype",
        clip_to_training_range=False,
        conditional=False,
        max_epochs=300,
        batch_size=128,
        learning_rate=2e-3,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        encoder=None,
        decoder=None,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.likelihood = likelihood
        self.min_sigma = min_sigma
        self.beta = beta
        self.warmup_epochs = warmup_epochs
        self.neighbor_weight = neighbor_weight
        self.perplexity = perplexity
        self.sampling_prior = sampling_prior
        self.categorical_features = categorical_features
        self.clip_to_training_range = clip_to_training_range
        self.conditional = conditional
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.encoder = encoder
        self.decoder = decoder
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    # -- model --------------------------------------------------------------------

    def _build_module(self):
        hidden = check_hidden_layer_sizes(self.hidden_layer_sizes)
        n_continuous = len(self.table_.continuous_)
        category_sizes = self.table_.n_categories_
        n_features = n_continuous + sum(category_sizes)
        n_classes, n_components = self._n_classes, self.n_components
        if self.encoder is None:
            encoder = make_mlp(
                n_features + n_classes, hidden, 2 * n_components, self.activation
            )
        else:
            encoder = reinitialised_copy(self.encoder)
        if self.decoder is None:
            decoder = make_mlp(
                n_components + n_classes, hidden[::-1], n_features, self.activation
            )
        else:
            decoder = reinitialised_copy(self.decoder)
        return _VAEModule(
            encoder,
            decoder,
            n_continuous=n_continuous,
            category_sizes=category_sizes,
            n_classes=n_classes,
            likelihood=self.likelihood,
            min_sigma=self.min_sigma,
            neighbor_weight=self.neighbor_weight,
            perplexity=self.perplexity,
        )

    @property
    def _n_classes(self):
        return len(self.classes_) if self.conditional else 0

    def _net_options(self):
        # The held-out ELBO is not monotone while the KL weight warms up.
        watch_from = self.warmup_epochs + 1
        callbacks = [("kl_warmup", _KLWarmup(self.beta, self.warmup_epochs))]
        if self.early_stopping:
            lr_decay = HeldOutLRDecay(
                first_epoch=watch_from, patience=_LR_PATIENCE, factor=_LR_FACTOR
            )
            callbacks.append(("lr_decay", lr_decay))
        return {
            "patience": self.n_iter_no_change if self.early_stopping else None,
            "watch_from": watch_from,
            "callbacks": callbacks,
        }

    def _check_module_shapes(self, net, rows):
        """Run two rows through the module to give custom modules a clear error."""
        module = net.module_
        rows = rows[:2]
        with torch.no_grad():
            encoded = module.encoder(rows)
            expected = (len(rows), 2 * self.n_components)
            if tuple(encoded.shape) != expected:
                raise ValueError(
                    f"The encoder must map a batch of shape {tuple(rows.shape)} to "
                    f"{expected} (means, then log variances, of the "
                    f"n_components={self.n_components} latent variables), but it "
                    f"returned shape {tuple(encoded.shape)}."
                )
            decoded = module.decode(
                encoded[:, : self.n_components], module.split(rows)[1]
            )
            expected = (len(rows), module.n_features)
            if tuple(decoded.shape) != expected:
                raise ValueError(
                    f"The decoder must map a batch of codes of shape "
                    f"{(len(rows), self.n_components + self._n_classes)} (codes, "
                    f"then any class indicators) to {expected}, one value per "
                    "continuous column and one per category of each discrete "
                    f"column, but it returned shape {tuple(decoded.shape)}."
                )

    # -- data ---------------------------------------------------------------------

    def _check_range(self, continuous):
        if (
            self.likelihood == "bernoulli"
            and continuous.size
            and (continuous.min() < 0 or continuous.max() > 1)
        ):
            raise ValueError(
                "likelihood='bernoulli' models data in [0, 1], but X has values in "
                f"[{continuous.min():.4g}, {continuous.max():.4g}]. Scale X to "
                "[0, 1] (e.g. with MinMaxScaler) or use likelihood='gaussian'."
            )
        return continuous

    def _learn_standardisation(self, continuous):
        if self.likelihood == "gaussian":
            self.mean_ = continuous.mean(axis=0)
            spread = continuous.max(axis=0) - continuous.min(axis=0)
            # Columns constant up to rounding (a few units in the last place of
            # their mean) keep scale one; any real spread, however small in
            # absolute terms, is the column's unit.
            rounding = 16 * np.finfo(np.float64).eps * np.abs(self.mean_)
            negligible = spread <= rounding
            self.scale_ = np.where(negligible, 1.0, spread)
        else:
            self.mean_ = np.zeros(continuous.shape[1])
            self.scale_ = np.ones(continuous.shape[1])

    def _standardise(self, continuous):
        return (continuous - self.mean_) / self.scale_

    def _table(self, X, *, reset, stream=False):
        """The features of a table as the network reads them (float64).

        Numeric columns with two values that are not integers are continuous
        (so new rows may hold other values); with ``stream`` (a batch of
        ``partial_fit``) every numeric column is, since one batch cannot tell
        whether a column is constant, binary or integer-valued in the whole
        stream, and each later batch widens the training range.
        """
        continuous, codes = self._validate_table(X, reset=reset, stream=stream)
        if reset and not stream:
            columns = _binary_non_integers(self.table_)
            if len(columns):
                continuous, codes = self.table_.model_as_numbers(X, columns)
        continuous = self._check_range(continuous)
        if reset:
            self.categorical_features_ = self.table_.categorical_mask_
            self._learn_standardisation(continuous)
        return np.hstack([self._standardise(continuous), self.table_.one_hot(codes)])

    def _prepare(self, X):
        """Validate X for a fitted model: its features as the network reads them."""
        return self._table(X, reset=False)

    def _fit_classes(self, y, n_rows):
        """Learn the classes of a conditional fit; their indicators (n_rows, C)."""
        if not self.conditional:
            return np.zeros((n_rows, 0))
        if y is None:
            raise ValueError(
                "conditional=True learns p(x | class) and needs the class of each "
                "row: call fit(X, y)."
            )
        self.classes_, labels = check_class_labels(y, n_rows)
        self.class_prior_ = np.bincount(labels) / n_rows
        return np.eye(len(self.classes_))[labels]

    def _class_indicators(self, y, n_rows):
        """Indicators of given classes of a conditional model (n_rows, C)."""
        return np.eye(len(self.classes_))[self._class_indices(y, n_rows)]

    # -- fitting ------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the encoder and decoder by maximising the ELBO.

        With ``neighbor_weight > 0`` the training loss also has the neighbour
        term; with ``sampling_prior="mixture"`` the sampling prior is fitted to
        the codes of the training rows at the end.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data; categorical columns as ``categorical_features`` says.
        y : array-like of shape (n_samples,), default=None
            Class labels; used only when ``conditional=True`` (then required).

        Returns
        -------
        self : VAETransformer
            The fitted estimator.
        """
        features = self._table(X, reset=True)
        condition = self._fit_classes(y, len(features))
        rows = np.hstack([features, condition])
        self._start_fit()
        train = slice(None)
        X_valid = None
        if self.early_stopping:
            labels = condition.argmax(1) if self.conditional else None
            train, valid = self._held_out_split(
                len(rows), self.validation_fraction, groups=labels
            )
            X_valid = self._as_tensor(rows[valid])
        X_train = self._as_tensor(rows[train])
        net = self._new_net()
        self._check_module_shapes(net, X_train)
        self._run_epochs(net, X_train, X_valid, epochs=self.max_epochs)
        self.net_ = net
        self.history_ = net.history
        self._calibrate_noise(rows[train])
        if self.sampling_prior == "mixture":
            self._fit_sampling_prior(rows[train])
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one more epoch on ``X`` (no held-out set, no early stopping).

        The first call on an unfitted estimator initialises it, learning the
        categorical columns, the standardisation (and, when conditional, the
        classes) from this first batch; later calls keep them. As one batch
        cannot tell whether a numeric column is constant, binary or
        integer-valued in the whole stream, every numeric column is modelled
        as continuous; samples still come back in the columns' dtypes (a
        DataFrame's integer columns rounded, its bool columns thresholded at
        1/2), and ``clip_to_training_range`` clips to the range of all batches
        so far. The noise variances follow the moving average of the squared
        residuals of the batches (``fit`` ends by setting them exactly on its
        training rows), and a mixture sampling prior is refitted to the codes of
        ``X`` (kept as it is when ``X`` has a single row; a first batch of no
        more rows than ``n_components`` starts it as the standard normal prior).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,), default=None
            Class labels; used only when ``conditional=True`` (then required).

        Returns
        -------
        self : VAETransformer
            The updated estimator.
        """
        first_call = not hasattr(self, "net_")
        features = self._table(X, reset=first_call, stream=True)
        if not self.conditional:
            condition = np.zeros((len(features), 0))
        elif first_call or y is None:
            condition = self._fit_classes(y, len(features))
        else:
            condition = self._class_indicators(y, len(features))
        rows = np.hstack([features, condition])
        if first_call:
            self._start_fit()
            net = self._new_net()
        else:
            net = self.net_
        X_train = self._as_tensor(rows)
        if first_call:
            self._check_module_shapes(net, X_train)
        self._run_epochs(net, X_train, epochs=1)
        self.net_ = net
        self.history_ = net.history
        if self.sampling_prior == "mixture" and (first_call or len(rows) > 1):
            self._fit_sampling_prior(rows)
        return self

    # -- the latent contract ------------------------------------------------------

    def _conditions(self):
        """The indicator row of each class (C, C); one empty row if unconditional."""
        return np.eye(self._n_classes) if self.conditional else np.zeros((1, 0))

    def _log_class_prior(self, like):
        if not self.conditional:
            return like.new_zeros(1)
        return torch.as_tensor(
            np.log(self.class_prior_), dtype=like.dtype, device=like.device
        )

    def transform(self, X):
        """Posterior mean of the latent code of each row.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            Mean of q(z|x) per row (computed in float64; it does not depend on the
            other rows). In a conditional model, q(z|x) is the mixture over the
            classes of q(z|x, c), weighed by the probability of each class given
            the row, p(c|x), proportional to p(c) times exp(ELBO(x, c)).
        """
        features = self._prepare(X)
        module = self._float64_copy()
        if not self.conditional:
            return self._map_rows(lambda x: module.encode(x)[0], features)
        bound = self._bound_function(module, 1)

        def posterior_mean(x):
            means, bounds = [], []
            for condition in torch.eye(self._n_classes, dtype=x.dtype, device=x.device):
                rows = torch.cat([x, condition.expand(len(x), -1)], dim=1)
                means.append(module.encode(rows)[0])
                bounds.append(bound(rows))
            log_weights = torch.stack(bounds, 1) + self._log_class_prior(x)
            weights = log_weights.softmax(1)
            return (weights.unsqueeze(-1) * torch.stack(means, 1)).sum(1)

        return self._map_rows(posterior_mean, features)

    def inverse_transform(self, Z, y=None):
        """Decoder mean of each latent code, in the format of the training data.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components)
            Latent codes.
        y : class label or array-like of shape (n_samples,), default=None
            Conditional mode only: the class of every row (one label) or of each
            row. None averages the decoder over the classes with their training
            frequencies (codes and classes are independent under the prior, so
            this is the mean of p(x|z)).

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features)
            Mean of p(x|z): values in the data's units (gaussian) or
            probabilities (bernoulli) for the continuous columns, rounded for
            integer ones; the most probable category of each discrete column.
        """
        Z = self._check_latent(Z)
        module = self._float64_copy()
        if self.conditional and y is not None:
            conditions = self._class_indicators(y, len(Z))
            means = self._map_rows(module.decoder_mean, Z, conditions)
        else:
            weights = self.class_prior_ if self.conditional else np.ones(1)
            means = sum(
                weight
                * self._map_rows(module.decoder_mean, Z, np.tile(row, (len(Z), 1)))
                for weight, row in zip(weights, self._conditions())
            )
        n_continuous = module.n_continuous
        continuous = means[:, :n_continuous] * self.scale_ + self.mean_
        codes = [
            block.argmax(axis=1)
            for block in np.split(
                means[:, n_continuous:], np.cumsum(module.category_sizes)[:-1], axis=1
            )
            if block.shape[1]
        ]
        codes = np.column_stack(codes) if codes else np.zeros((len(Z), 0), dtype=int)
        return self.table_.decode(continuous, codes)

    def sample(self, n_samples=1, *, y=None, random_state=None):
        """Generate rows: z from the sampling prior, then x from p(x|z).

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
            Generated rows in the user's units and format: categories seen in
            training, integer columns as integers, constant columns constant; a
            DataFrame with the training columns and dtypes when the model was
            fitted on one.
        Z : ndarray of shape (n_samples, n_components)
            The code behind each row.
        """
        return super().sample(n_samples, random_state=random_state, y=y)

    def _sample(self, n_samples, random_state, y=None):
        """z from the prior, then x from p(x|z), in the training units.

        Every draw happens on the model's device, from a generator on it.
        """
        if y is not None and not self.conditional:
            raise ValueError(
                "y selects classes of a class-conditional model; this model was "
                "fitted with conditional=False. Refit with conditional=True and "
                "labels in fit(X, y)."
            )
        module = self._float64_copy()
        generator = torch.Generator(device=self._device).manual_seed(
            derive_seed(random_state)
        )
        options = {"generator": generator, "dtype": torch.float64}
        with torch.no_grad():
            if not self.conditional:
                condition = torch.zeros((n_samples, 0), dtype=torch.float64)
            elif y is None:
                prior = torch.as_tensor(self.class_prior_, device=self._device)
                labels = torch.multinomial(prior, n_samples, True, generator=generator)
                condition = torch.eye(self._n_classes, dtype=torch.float64)[
                    labels.cpu()
                ]
            else:
                condition = torch.as_tensor(self._class_indicators(y, n_samples))
            condition = condition.to(self._device)
            if self.sampling_prior == "mixture":
                Z = sample_mixture(n_samples, *self._prior_arrays(), **options)
            else:
                Z = torch.randn(
                    (n_samples, self.n_components), device=self._device, **options
                )
            means = module.decoder_mean(Z, condition)
            continuous = means[:, : module.n_continuous]
            if self.likelihood == "gaussian":
                noise = torch.randn(continuous.shape, device=self._device, **options)
                continuous = continuous + module.noise_scale() * noise
            else:
                continuous = torch.bernoulli(continuous, generator=generator)
            codes = [
                torch.multinomial(block, 1, generator=generator)[:, 0]
                for block in module._category_blocks(means)
            ]
        continuous = continuous.cpu().numpy() * self.scale_ + self.mean_
        codes = (
            torch.stack(codes, 1).cpu().numpy()
            if codes
            else np.zeros((n_samples, 0), dtype=int)
        )
        X = self.table_.decode(continuous, codes, clip=self.clip_to_training_range)
        return X, Z.cpu().numpy()

    def _prior_arrays(self):
        return self.prior_weights_, self.prior_means_, self.prior_covariances_

    def _log_prior(self, z):
        """log density of the sampling prior at codes ``z``."""
        if self.sampling_prior == "mixture":
            return mixture_log_density(z, *self._prior_arrays())
        return _standard_normal_log_density(z)

    def _posterior_draws(self, module, n_draws, seed):
        """A function of a chunk of network rows giving codes drawn from q(z|x),
        ``n_draws`` per row (shape (n_rows, n_draws, k)), and their decodings."""
        generator = torch.Generator(device=self._device).manual_seed(seed)

        def draw(rows):
            mean, log_var = module.encode(rows)
            noise = torch.randn(
                (n_draws, *mean.shape),
                generator=generator,
                dtype=rows.dtype,
                device=rows.device,
            )
            z = mean + noise * (0.5 * log_var).exp()
            decoded = module.decode(z, module.split(rows)[1])
            return z.transpose(0, 1), decoded.transpose(0, 1)

        return draw

    def _fit_sampling_prior(self, rows):
        """Fit the mixture sampling prior to one code from q(z|x) per training row."""
        module = self._float64_copy()
        seed = self._stream_seed(_PRIOR_STREAM, len(self.net_.history))
        draw = self._posterior_draws(module, 1, seed)
        codes = self._map_rows(lambda x: draw(x)[0][:, 0], rows)
        mixture = fit_code_mixture(codes, _MAX_PRIOR_COMPONENTS, seed)
        self.prior_weights_, self.prior_means_, self.prior_covariances_ = mixture

    def _calibrate_noise(self, rows):
        """Set the gaussian noise variances to their closed-form optimum on the
        training rows: the mean squared residual of each feature under q(z|x)."""
        module = self._float64_copy()
        if self.likelihood != "gaussian" or module.n_continuous == 0:
            return
        n_draws = min(16, math.ceil(_CALIBRATION_DRAWS / len(rows)))
        seed = self._stream_seed(_CALIBRATION_STREAM, len(self.net_.history))
        draw = self._posterior_draws(module, n_draws, seed)
        continuous = slice(0, module.n_continuous)

        def squared_residuals(x):
            residual = x[:, continuous].unsqueeze(1) - draw(x)[1][..., continuous]
            return residual.square().mean(1)

        per_row = self._map_rows(squared_residuals, rows)
        self.net_.module_.calibrate_noise(
            self._as_tensor(per_row.mean(0), self.net_.module_.noise_variance.dtype)
        )

    def _bound_function(self, module, n_draws):
        """The bound on log p(x | c) of network rows (features and class)."""
        noise = torch.randn(
            (n_draws, 1, self.n_components),
            generator=torch.Generator().manual_seed(_SCORE_SEED),
            dtype=torch.float64,
        ).to(self._device)

        def bound(rows):
            x, condition = module.split(rows)
            mean, log_var = module.encode(rows)
            std = (0.5 * log_var).exp()
            z = mean + noise * std
            log_likelihood = module.log_likelihood(x, module.decode(z, condition))
            if n_draws == 1 and self.sampling_prior == "standard":
                return log_likelihood[0] - gaussian_kl_to_standard_normal(mean, log_var)
            if n_draws == 1:
                # The entropy of q(z|x) in closed form, its cross-entropy to the
                # mixture at the draw.
                entropy = (0.5 * (1.0 + _LOG_2PI) + std.log()).sum(-1)
                return log_likelihood[0] + self._log_prior(z)[0] + entropy
            log_q = -(0.5 * (noise.square() + _LOG_2PI) + std.log()).sum(-1)
            log_weights = log_likelihood + self._log_prior(z) - log_q
            return torch.logsumexp(log_weights, dim=0) - math.log(n_draws)

        return bound

    def score_samples(self, X, n_samples=1):
        """ELBO of each row, or an importance-weighted bound on log p(x).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data to score.
        n_samples : int, default=1
            Monte Carlo samples of z per row. With 1, the ELBO (analytic KL plus
            a one-sample reconstruction term); with more, the importance-weighted
            bound of Burda et al., which tightens towards log p(x) as it grows.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Bound on log p(x) per row, in nats, in the units of the data (the
            standardisation's Jacobian is included; discrete columns contribute
            the log probability of their category, constant columns nothing). The
            same random numbers serve every row, so a row's score does not depend
            on the others. In a conditional model, the class is summed out:
            log sum_c p(c) exp(bound(x | c)), a bound on log p(x).
        """
        n_draws = check_n_samples(n_samples)
        features = self._prepare(X)
        module = self._float64_copy()
        bound = self._bound_function(module, n_draws)

        def marginal_bound(x):
            bounds = [
                bound(torch.cat([x, condition.expand(len(x), -1)], dim=1))
                for condition in torch.as_tensor(
                    self._conditions(), dtype=x.dtype, device=x.device
                )
            ]
            log_joint = torch.stack(bounds, 1) + self._log_class_prior(x)
            return torch.logsumexp(log_joint, dim=1)

        return self._map_rows(marginal_bound, features) - np.log(self.scale_).sum()
