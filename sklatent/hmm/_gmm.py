"""Hidden Markov model with Gaussian-mixture emissions."""

import numbers

import numpy as np
from scipy import linalg
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import Integer
from . import _gaussian_kernels, _mixture_kernels
from ._base import (
    EMPTY_STATE,
    BaseHMM,
    _dirichlet_map,
    broadcast_parameter,
    impute_feature_means,
)
from ._gaussian import (
    _cached_precision_factors,
    _floor_eigenvalues,
    _precision_cholesky,
)
from ._kmeans import data_covariance, initial_centres

__all__ = ["GMMHMM"]


def _covariance_shape(covariance_type, n_states, n_mix, n_features):
    return {
        "spherical": (n_states, n_mix),
        "diag": (n_states, n_mix, n_features),
        "full": (n_states, n_mix, n_features, n_features),
        "tied": (n_states, n_features, n_features),
    }[covariance_type]


class GMMHMM(BaseHMM):
    """Hidden Markov model whose states emit from Gaussian mixtures.

    Each state ``k`` emits from a mixture of ``n_mix`` Gaussians: ``x_t | z_t = k ~
    sum_m weights_[k, m] N(means_[k, m], covariance of component (k, m))``, with
    the states ``z_t`` a Markov chain as in :class:`GaussianHMM`. A mixture lets a
    state have a skewed or multimodal emission (a phoneme spoken by several
    speakers, a regime with occasional bursts).

    The parameters, their defaults and the MAP updates under the priors are those of
    ``hmmlearn.hmm.GMMHMM``, with three differences: the covariances are updated
    about the new means (hmmlearn centres them on the previous means, which is not
    an EM step), the default spherical prior is no prior (hmmlearn's default puts
    ``n_mix`` where ``n_features`` belongs), and the variances never fall below
    ``min_covar`` (hmmlearn floors them only at initialisation).

    Parameters
    ----------
    n_components : int, default=1
        Number of hidden states.
    n_mix : int, default=1
        Number of Gaussians of each state's mixture.
    min_covar : float, default=1e-3
        Floor on the variances (on the eigenvalues of full and tied covariances),
        also added to the data covariance at initialisation.
    startprob_prior : float or array-like of shape (n_components,), default=1.0
        Dirichlet prior on ``startprob_``; 1.0 means no prior.
    transmat_prior : float or array-like of shape (n_components, n_components), \
            default=1.0
        Dirichlet prior on each row of ``transmat_``.
    weights_prior : float or array-like of shape (n_components, n_mix), \
            default=1.0
        Dirichlet prior on the mixture weights of each state; 1.0 means no prior.
    means_prior : float or array-like of shape (n_components, n_mix, n_features), \
            default=0.0
        Mean of the normal prior on the component means.
    means_weight : float or array-like of shape (n_components, n_mix), default=0.0
        Precision (in pseudo-frames) of that prior; 0 means no prior.
    covars_prior : float or array-like, default=None
        Scale of the prior on the covariances, in hmmlearn's parametrisation: for
        "diag" and "spherical" the ``alpha`` of an inverse gamma, for "full" and
        "tied" the scale matrix of an inverse Wishart (shape of ``covariances_``).
        None means no prior: -1.5 ("diag"), ``-(n_features + 2) / 2``
        ("spherical"), 0 ("full", "tied").
    covars_weight : float or array-like, default=None
        The other half of that prior: ``beta`` of the inverse gamma ("diag",
        "spherical"), the degrees of freedom of the inverse Wishart ("full",
        "tied"). None means no prior: 0 ("diag", "spherical"),
        ``-(n_features + 2)`` ("full"), ``-(n_mix + n_features + 1)`` ("tied").
    algorithm : {"viterbi", "map"}, default="viterbi"
        Decoder of :meth:`predict`.
    covariance_type : {"diag", "full", "spherical", "tied"}, default="diag"
        Form of the component covariances: "diag" a diagonal matrix per component,
        "full" a full matrix per component, "spherical" one variance per
        component, "tied" one full matrix shared by the components of each state
        (as in hmmlearn; not shared across states as in :class:`GaussianHMM`).
    n_iter : int, default=10
        Maximum number of EM iterations of each restart.
    tol : float, default=1e-2
        EM stops when the gain in total log-likelihood is below ``tol``.
    n_init : int, default=1
        Number of random restarts; the one with the highest log-likelihood is
        kept.
    init_params : str, default="stmcw"
        Parameters that fit initialises when no ``*_init`` value is given: "m"
        means (k-means on at most 10,000 random frames for the states, distinct
        random frames in later restarts, then k-means of each state's frames for
        its components), "c" covariances (the data covariance), "w" weights
        (uniform), "s" and "t" start and transition probabilities (counted from
        the most likely state of each frame, plus one). A parameter left out,
        without an ``*_init`` value, continues from the previous fit.
    params : str, default="stmcw"
        Parameters that EM updates, with the same letters.
    startprob_init : array-like of shape (n_components,), default=None
        Starting start probabilities.
    transmat_init : array-like of shape (n_components, n_components), default=None
        Starting transition matrix.
    weights_init : array-like of shape (n_components, n_mix), default=None
        Starting mixture weights (rows sum to one).
    means_init : array-like of shape (n_components, n_mix, n_features), \
            default=None
        Starting component means.
    covariances_init : array-like, default=None
        Starting covariances, in the shape of ``covariances_``.
    n_jobs : int, default=None
        Number of threads that run the sequences in parallel; None means 1, -1
        all cores. Results are bit-identical for every value.
    random_state : int, RandomState instance or None, default=None
        Randomness of the initialisation and the default of :meth:`sample`.
    verbose : int, default=0
        If positive, show a progress bar of the EM iterations.

    Attributes
    ----------
    startprob_ : ndarray of shape (n_components,)
        Initial state distribution.
    transmat_ : ndarray of shape (n_components, n_components)
        Transition probabilities.
    weights_ : ndarray of shape (n_components, n_mix)
        Mixture weights of each state.
    means_ : ndarray of shape (n_components, n_mix, n_features)
        Mean of each component of each state.
    covariances_ : ndarray
        Component covariances (hmmlearn's ``covars_``): shape (n_components,
        n_mix) if "spherical", (n_components, n_mix, n_features) if "diag",
        (n_components, n_mix, n_features, n_features) if "full", (n_components,
        n_features, n_features) if "tied".
    monitor_ : ~sklatent.base.ConvergenceMonitor
        History of the total log-likelihood of the kept restart.
    converged_ : bool
        Whether the kept restart stopped because its gain fell below ``tol``.
    n_iter_ : int
        Number of EM iterations of the kept restart.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has string column names.

    See Also
    --------
    GaussianHMM : One Gaussian per state.
    sklearn.mixture.GaussianMixture : A mixture without time dependence.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import GMMHMM
    >>> from sklatent.datasets import make_hmm_sequences
    >>> X, lengths, states, params = make_hmm_sequences(
    ...     n_sequences=10, sequence_length=100, n_components=2, random_state=0)
    >>> hmm = GMMHMM(n_components=2, n_mix=2, random_state=0)
    >>> hmm = hmm.fit(X, lengths=lengths)
    >>> hmm.means_.shape, hmm.weights_.shape
    ((2, 2, 2), (2, 2))
    >>> decoded = hmm.predict(X, lengths=lengths)
    >>> agreement = max((decoded == states).mean(), (decoded != states).mean())
    >>> bool(agreement > 0.95)
    True
    """

    _emission_letters = "wmc"
    _emission_attributes = ("weights_", "means_", "covariances_")
    _supports_missing = True

    _parameter_constraints = {
        **BaseHMM._parameter_constraints,
        "n_mix": [Integer(1, None, closed="left")],
        "min_covar": [Interval(numbers.Real, 0, None, closed="neither")],
        "weights_prior": ["array-like", numbers.Real],
        "means_prior": ["array-like", numbers.Real],
        "means_weight": ["array-like", numbers.Real],
        "covars_prior": ["array-like", numbers.Real, None],
        "covars_weight": ["array-like", numbers.Real, None],
        "covariance_type": [StrOptions({"diag", "full", "spherical", "tied"})],
        "weights_init": ["array-like", None],
        "means_init": ["array-like", None],
        "covariances_init": ["array-like", None],
    }

    def __init__(
        self,
        n_components=1,
        n_mix=1,
        *,
        min_covar=1e-3,
        startprob_prior=1.0,
        transmat_prior=1.0,
        weights_prior=1.0,
        means_prior=0.0,
        means_weight=0.0,
        covars_prior=None,
        covars_weight=None,
        algorithm="viterbi",
        covariance_type="diag",
        n_iter=10,
        tol=1e-2,
        n_init=1,
        init_params="stmcw",
        params="stmcw",
        startprob_init=None,
        transmat_init=None,
        weights_init=None,
        means_init=None,
        covariances_init=None,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            n_components,
            startprob_prior=startprob_prior,
            transmat_prior=transmat_prior,
            algorithm=algorithm,
            n_iter=n_iter,
            tol=tol,
            n_init=n_init,
            init_params=init_params,
            params=params,
            startprob_init=startprob_init,
            transmat_init=transmat_init,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
        )
        self.n_mix = n_mix
        self.min_covar = min_covar
        self.weights_prior = weights_prior
        self.means_prior = means_prior
        self.means_weight = means_weight
        self.covars_prior = covars_prior
        self.covars_weight = covars_weight
        self.covariance_type = covariance_type
        self.weights_init = weights_init
        self.means_init = means_init
        self.covariances_init = covariances_init

    # Priors, in hmmlearn's parametrisation and shapes.

    def _priors(self, n_features):
        n_states, n_mix = self.n_components, self.n_mix
        weights_prior = broadcast_parameter(
            self.weights_prior, (n_states, n_mix), "weights_prior"
        )
        if np.any(weights_prior <= 0):
            raise ValueError(
                "weights_prior must hold positive Dirichlet concentrations (1 means "
                f"no prior), got {self.weights_prior!r}."
            )
        means_prior = broadcast_parameter(
            self.means_prior, (n_states, n_mix, n_features), "means_prior"
        )
        means_weight = broadcast_parameter(
            self.means_weight, (n_states, n_mix), "means_weight", non_negative=True
        )
        return weights_prior, means_prior, means_weight

    def _covariance_priors(self, n_features):
        """``(scale, weight)`` of the covariance prior, and the smallest weight.

        The smallest weight is the one of no prior; a smaller one would make the
        denominator of the update smaller than the occupancy of a component.
        """
        n_states, n_mix = self.n_components, self.n_mix
        scale_shape = _covariance_shape(
            self.covariance_type, n_states, n_mix, n_features
        )
        no_prior = {
            "diag": (-1.5, 0.0),
            "spherical": (-(n_features + 2.0) / 2.0, 0.0),
            "full": (0.0, -(n_features + 2.0)),
            "tied": (0.0, -(n_mix + n_features + 1.0)),
        }[self.covariance_type]
        weight_shape = {
            "diag": (n_states, n_mix, n_features),
            "spherical": (n_states, n_mix),
            "full": (n_states, n_mix),
            "tied": (n_states,),
        }[self.covariance_type]
        scale = no_prior[0] if self.covars_prior is None else self.covars_prior
        weight = no_prior[1] if self.covars_weight is None else self.covars_weight
        scale = broadcast_parameter(scale, scale_shape, "covars_prior")
        weight = broadcast_parameter(weight, weight_shape, "covars_weight")
        if self.covariance_type in ("diag", "spherical"):
            # alpha and beta of the inverse gamma.
            if np.any(scale < no_prior[0]):
                raise ValueError(
                    f"covars_prior must be at least {no_prior[0]:g} (no prior) for "
                    f'covariance_type="{self.covariance_type}", got '
                    f"{self.covars_prior!r}."
                )
            if np.any(weight < 0):
                raise ValueError(
                    f"covars_weight must be non-negative, got {self.covars_weight!r}."
                )
        else:
            if np.any(weight < no_prior[1]):
                raise ValueError(
                    f"covars_weight must be at least {no_prior[1]:g} (no prior) for "
                    f'covariance_type="{self.covariance_type}", got '
                    f"{self.covars_weight!r}."
                )
            matrices = scale.reshape(-1, n_features, n_features)
            if any(linalg.eigvalsh(m + m.T).min() < -1e-12 for m in matrices):
                raise ValueError(
                    "covars_prior must hold positive semi-definite matrices, got "
                    f"{self.covars_prior!r}."
                )
        return scale, weight

    def _check_emission_parameters(self, n_features):
        self._priors(n_features)
        self._covariance_priors(n_features)
        if self.weights_init is not None:
            self._checked_weights_init()
        if self.means_init is not None:
            self._checked_means_init(n_features)
        if self.covariances_init is not None:
            self._checked_covariances_init(n_features)

    def _checked_weights_init(self):
        weights = broadcast_parameter(
            self.weights_init, (self.n_components, self.n_mix), "weights_init"
        )
        if np.any(weights < 0) or not np.allclose(weights.sum(axis=1), 1.0):
            raise ValueError(
                "weights_init must hold non-negative mixture weights whose rows sum "
                f"to 1, got row sums {weights.sum(axis=1)}."
            )
        return weights

    def _checked_means_init(self, n_features):
        shape = (self.n_components, self.n_mix, n_features)
        means = np.asarray(self.means_init, dtype=np.float64)
        if means.shape != shape or not np.all(np.isfinite(means)):
            raise ValueError(
                f"means_init must be a finite array of shape {shape} (n_components, "
                f"n_mix, n_features), got shape {means.shape}."
            )
        return means.copy()

    def _checked_covariances_init(self, n_features):
        shape = _covariance_shape(
            self.covariance_type, self.n_components, self.n_mix, n_features
        )
        covariances = np.asarray(self.covariances_init, dtype=np.float64)
        if covariances.shape != shape:
            raise ValueError(
                f"covariances_init must have shape {shape} for "
                f'covariance_type="{self.covariance_type}", got shape '
                f"{covariances.shape}."
            )
        if self.covariance_type in ("spherical", "diag"):
            if not np.all(np.isfinite(covariances) & (covariances > 0)):
                raise ValueError("covariances_init must hold positive variances.")
        else:
            for matrix in covariances.reshape(-1, n_features, n_features):
                if not np.allclose(matrix, matrix.T):
                    raise ValueError("covariances_init must hold symmetric matrices.")
                _precision_cholesky(matrix)
        return covariances.copy()

    # Initialisation.

    def _initialize_emissions(self, X, random_state, previous, restart):
        n_features = X.shape[1]
        # Drawn in every restart, so that the random stream does not depend on
        # which parameters are given.
        seed = random_state.randint(np.iinfo(np.int32).max)
        X = impute_feature_means(X)
        covariance = data_covariance(X)
        covariance += self.min_covar * np.eye(n_features)
        if self.weights_init is not None:
            self.weights_ = self._checked_weights_init()
        elif "w" in self.init_params:
            self.weights_ = np.full((self.n_components, self.n_mix), 1.0 / self.n_mix)
        else:
            self.weights_ = previous["weights_"]
        if self.means_init is not None:
            self.means_ = self._checked_means_init(n_features)
        elif "m" in self.init_params:
            self.means_ = self._initial_means(X, covariance, seed, restart)
        else:
            self.means_ = previous["means_"]
        if self.covariances_init is not None:
            self.covariances_ = self._checked_covariances_init(n_features)
        elif "c" in self.init_params:
            shape = _covariance_shape(
                self.covariance_type, self.n_components, self.n_mix, n_features
            )
            value = {
                "spherical": np.diag(covariance).mean(),
                "diag": np.diag(covariance),
                "full": covariance,
                "tied": covariance,
            }[self.covariance_type]
            self.covariances_ = np.broadcast_to(value, shape).copy()
        else:
            self.covariances_ = previous["covariances_"]

    def _initial_means(self, X, covariance, seed, restart):
        """State centres, then k-means of each state's frames for its components.

        A state with fewer distinct frames than components takes its centre plus
        noise of the data covariance, as in hmmlearn.
        """
        rng = np.random.RandomState(seed)
        centres = initial_centres(X, self.n_components, seed, restart)
        nearest = ((X[:, np.newaxis] - centres) ** 2).sum(axis=2).argmin(axis=1)
        means = np.empty((self.n_components, self.n_mix, X.shape[1]))
        for state, centre in enumerate(centres):
            frames = X[nearest == state]
            if len(np.unique(frames, axis=0)) >= self.n_mix:
                means[state] = initial_centres(frames, self.n_mix, seed + state, 0)
            else:
                means[state] = rng.multivariate_normal(centre, covariance, self.n_mix)
        return means

    # The emission density: the components of all states side by side.

    def _component_log_prob(self, X):
        """log(weight) + log-density of each frame under each component.

        Shape (n_frames, n_components, n_mix); NaN entries marginalised.
        """
        n_states, n_mix = self.n_components, self.n_mix
        n_features = self.means_.shape[2]
        means = self.means_.reshape(-1, n_features)
        if self.covariance_type in ("spherical", "diag"):
            variances = self._diag_variances().reshape(-1, n_features)
            log_prob = _gaussian_kernels.diag_gaussian_log_prob(X, means, variances)
        else:
            log_prob = _gaussian_kernels.cholesky_gaussian_log_prob(
                X, means, *self._precision_factors()
            )
        with np.errstate(divide="ignore"):
            log_weights = np.log(self.weights_).ravel()
        return (log_prob + log_weights).reshape(-1, n_states, n_mix)

    def _diag_variances(self):
        """Variances as (n_components, n_mix, n_features) for "diag", "spherical"."""
        if self.covariance_type == "spherical":
            return np.repeat(
                self.covariances_[:, :, np.newaxis], self.means_.shape[2], axis=2
            )
        return self.covariances_

    def _precision_factors(self):
        """Precision Cholesky factors and log-determinants of every component."""
        n_features = self.means_.shape[2]
        covariances = np.ascontiguousarray(
            self.covariances_.reshape(-1, n_features, n_features)
        )
        precision_chols, log_dets = _cached_precision_factors(
            covariances.tobytes(), covariances.shape, 1
        )
        if self.covariance_type == "tied":
            precision_chols = np.repeat(precision_chols, self.n_mix, axis=0)
            log_dets = np.repeat(log_dets, self.n_mix)
        return precision_chols, log_dets

    def _emission_log_prob(self, X):
        return _mixture_kernels.mixture_log_prob(self._component_log_prob(X))

    # The M-step.

    def _emission_statistics(self, X, posteriors):
        n_features = X.shape[1]
        responsibilities = _mixture_kernels.component_posteriors(
            self._component_log_prob(X), posteriors
        )
        centres = self.means_.reshape(-1, n_features)
        if self.covariance_type in ("spherical", "diag"):
            occupancy, sums, squares, missing = _gaussian_kernels.centred_moments(
                X, responsibilities, centres
            )
            second = squares.reshape(self.means_.shape)
            statistics = {"missing": missing.reshape(self.means_.shape)}
        else:
            occupancy, sums, outer = _gaussian_kernels.centred_outer_products(
                X, responsibilities, centres, self._precision_factors()[0]
            )
            second = outer.reshape(*self.means_.shape, n_features)
            statistics = {}
        statistics.update(
            occupancy=occupancy.reshape(self.n_components, self.n_mix),
            sums=sums.reshape(self.means_.shape),
            second=second,
        )
        return statistics

    def _emission_m_step(self, statistics):
        # hmmlearn's GMMHMM._do_mstep, with the moments taken about the new means
        # and the guards for empty components and the min_covar floor.
        n_features = self.n_features_in_
        weights_prior, means_prior, means_weight = self._priors(n_features)
        occupancy, sums = statistics["occupancy"], statistics["sums"]
        empty = occupancy < EMPTY_STATE
        if "w" in self.params:
            self.weights_ = _dirichlet_map(weights_prior, occupancy, self.weights_)
        previous_means = self.means_
        shift = np.zeros_like(previous_means)
        if "m" in self.params:
            total = (means_weight + occupancy)[:, :, np.newaxis]
            shift = (
                means_weight[:, :, np.newaxis] * (means_prior - previous_means) + sums
            ) / np.where(total > 0, total, 1.0)
            shift[empty] = 0.0
            self.means_ = previous_means + shift
        if "c" in self.params:
            self._covariance_m_step(statistics, shift, means_prior, means_weight)

    def _covariance_m_step(self, statistics, shift, means_prior, means_weight):
        n_features = self.n_features_in_
        occupancy, sums = statistics["occupancy"], statistics["sums"]
        empty = occupancy < EMPTY_STATE
        scale, weight = self._covariance_priors(n_features)
        deviation = self.means_ - means_prior
        if self.covariance_type in ("spherical", "diag"):
            # A missing entry adds its conditional variance, the previous one.
            second = (
                statistics["second"] + self._diag_variances() * statistics["missing"]
            )
            scatter = (
                means_weight[:, :, np.newaxis] * deviation**2
                + second
                - 2.0 * shift * sums
                + shift**2 * occupancy[:, :, np.newaxis]
            )
            if self.covariance_type == "diag":
                numerator = scatter + 2.0 * weight
                denominator = occupancy[:, :, np.newaxis] + 1.0 + 2.0 * (scale + 1.0)
                keep = empty[:, :, np.newaxis]
            else:
                numerator = scatter.sum(axis=2) + 2.0 * weight
                denominator = n_features * (occupancy + 1.0) + 2.0 * (scale + 1.0)
                keep = empty
            # Empty components keep their variances; their zero denominators
            # (hmmlearn's default prior cancels the +1) are never divided.
            ratio = np.divide(
                numerator,
                denominator,
                out=np.zeros_like(numerator),
                where=np.broadcast_to(~keep, numerator.shape),
            )
            variances = np.maximum(ratio, self.min_covar)
            self.covariances_ = np.where(keep, self.covariances_, variances)
            return
        cross = sums[..., :, np.newaxis] * shift[..., np.newaxis, :]
        scatter = (
            means_weight[:, :, np.newaxis, np.newaxis]
            * deviation[..., :, np.newaxis]
            * deviation[..., np.newaxis, :]
            + statistics["second"]
            - cross
            - np.swapaxes(cross, -1, -2)
            + shift[..., :, np.newaxis]
            * shift[..., np.newaxis, :]
            * occupancy[:, :, np.newaxis, np.newaxis]
        )
        covariances = self.covariances_.copy()
        if self.covariance_type == "full":
            denominator = occupancy + 1.0 + weight + n_features + 1.0
            numerator = np.swapaxes(scale, -1, -2) + scatter
            for state, component in zip(*np.nonzero(~empty)):
                covariances[state, component] = _floor_eigenvalues(
                    numerator[state, component] / denominator[state, component],
                    self.min_covar,
                )
        else:
            state_occupancy = occupancy.sum(axis=1)
            denominator = state_occupancy + self.n_mix + weight + n_features + 1.0
            numerator = np.swapaxes(scale, -1, -2) + scatter.sum(axis=1)
            for state in np.flatnonzero(state_occupancy >= EMPTY_STATE):
                covariances[state] = _floor_eigenvalues(
                    numerator[state] / denominator[state], self.min_covar
                )
        self.covariances_ = covariances

    # Generation and the rest of the contract.

    def _sample_emissions(self, states, random_state):
        n_frames, n_features = states.shape[0], self.n_features_in_
        cdf = np.cumsum(self.weights_, axis=1)[states]
        uniforms = random_state.random_sample(n_frames)
        component = np.minimum(
            (uniforms[:, np.newaxis] >= cdf).sum(axis=1), self.n_mix - 1
        )
        noise = random_state.standard_normal((n_frames, n_features))
        if self.covariance_type in ("spherical", "diag"):
            noise *= np.sqrt(self._diag_variances()[states, component])
        else:
            covariances = self.covariances_
            if self.covariance_type == "tied":
                covariances = np.repeat(covariances[:, np.newaxis], self.n_mix, axis=1)
            factors = np.linalg.cholesky(covariances)
            noise = np.einsum("ijk,ik->ij", factors[states, component], noise)
        return self.means_[states, component] + noise

    def _inverse_transform(self, Z):
        # The expected frame: each state's mixture mean, weighted by Z.
        return Z @ np.einsum("km,kmf->kf", self.weights_, self.means_)

    def _n_emission_parameters(self):
        n_states, n_mix, n_features = self.means_.shape
        n_covariance = {
            "spherical": n_states * n_mix,
            "diag": n_states * n_mix * n_features,
            "full": n_states * n_mix * n_features * (n_features + 1) // 2,
            "tied": n_states * n_features * (n_features + 1) // 2,
        }[self.covariance_type]
        return n_states * (n_mix - 1) + self.means_.size + n_covariance
