"""Hidden Markov model with Gaussian emissions."""

import functools
import numbers

import numpy as np
from scipy import linalg
from sklearn.utils._param_validation import Interval, StrOptions

from . import _gaussian_kernels
from ._base import (
    EMPTY_STATE,
    BaseHMM,
    broadcast_parameter,
    describe_rows,
    impute_feature_means,
)
from ._kmeans import data_covariance, initial_centres

__all__ = ["GaussianHMM"]

# Largest magnitude of X: squared deviations summed over a billion frames stay
# finite in float64 (their overflow is what turns scores into NaN).
_LARGEST_VALUE = 1e100


def _covariance_shape(covariance_type, n_states, n_features):
    return {
        "spherical": (n_states,),
        "diag": (n_states, n_features),
        "full": (n_states, n_features, n_features),
        "tied": (n_features, n_features),
    }[covariance_type]


def _floor_eigenvalues(covariance, min_covar):
    """Raise the eigenvalues of a symmetric matrix to at least ``min_covar``."""
    eigenvalues, eigenvectors = linalg.eigh(covariance)
    if eigenvalues.min() >= min_covar:
        return covariance
    return (eigenvectors * np.maximum(eigenvalues, min_covar)) @ eigenvectors.T


def _precision_cholesky(covariance):
    """Upper factor P with P @ P.T the inverse of ``covariance``, and log det."""
    try:
        lower = linalg.cholesky(covariance, lower=True)
    except linalg.LinAlgError:
        raise ValueError(
            "A covariance matrix is not positive definite; give symmetric "
            "positive-definite covariances_init or raise min_covar."
        ) from None
    precision_chol = linalg.solve_triangular(
        lower, np.eye(covariance.shape[0]), lower=True
    ).T
    return precision_chol, 2.0 * np.log(np.diag(lower)).sum()


@functools.lru_cache(maxsize=16)
def _cached_precision_factors(covariance_bytes, shape, n_states):
    """Precision factors of full or tied covariances given as bytes (read-only).

    Every chunk of every E-step needs the same factors; the cache computes them
    once per set of covariances.
    """
    covariances = np.frombuffer(covariance_bytes).reshape(shape)
    if covariances.ndim == 2:  # "tied": one matrix for all states
        covariances = covariances[np.newaxis]
    factors = [_precision_cholesky(covariance) for covariance in covariances]
    precision_chols = np.stack([chol for chol, _ in factors])
    log_dets = np.array([log_det for _, log_det in factors])
    if len(factors) == 1:
        precision_chols = np.repeat(precision_chols, n_states, axis=0)
        log_dets = np.repeat(log_dets, n_states)
    precision_chols.flags.writeable = False
    log_dets.flags.writeable = False
    return precision_chols, log_dets


class GaussianHMM(BaseHMM):
    """Hidden Markov model with Gaussian emissions.

    Each frame ``x_t`` (a row of ``X``) is emitted by a hidden state ``z_t`` that
    follows a Markov chain: ``z_1 ~ startprob_``, ``z_t | z_{t-1} ~
    transmat_[z_{t-1}]`` and ``x_t | z_t ~ N(means_[z_t], covariance of z_t)``.
    The parameters are estimated by EM (Baum-Welch), optionally with the MAP
    priors of hmmlearn; the compiled forward-backward and Viterbi kernels run over
    all sequences in one call.

    Rows of ``X`` are time steps. Pass sequence boundaries to every method as
    ``lengths`` (frames per sequence) or ``sequence_ids`` (one id per frame, the
    form that metadata routing carries through cross-validation); without them
    ``X`` is one sequence.

    The defaults equal those of ``hmmlearn.hmm.GaussianHMM``, so that the same data
    and starting parameters give the same model.

    Parameters
    ----------
    n_components : int, default=1
        Number of hidden states.
    covariance_type : {"diag", "full", "spherical", "tied"}, default="diag"
        Form of the emission covariances: "diag" a diagonal matrix per state,
        "full" a full matrix per state, "spherical" one variance per state, "tied"
        one full matrix shared by all states.
    min_covar : float, default=1e-3
        Floor on the emission variances (on the eigenvalues of full and tied
        covariances), added to the data covariance at initialisation as in
        hmmlearn and, unlike hmmlearn, also enforced at every M-step so that a
        state that collapses onto few frames never gets a singular covariance.
    startprob_prior : float or array-like of shape (n_components,), default=1.0
        Dirichlet prior (non-negative) on ``startprob_``; 1.0 means no prior
        (maximum likelihood).
    transmat_prior : float or array-like of shape (n_components, n_components), \
            default=1.0
        Dirichlet prior on each row of ``transmat_``.
    means_prior : float or array-like of shape (n_components, n_features), \
            default=0
        Mean of the normal prior on ``means_``.
    means_weight : float or array-like of shape (n_components,), default=0
        Precision (in pseudo-frames, non-negative) of the normal prior on
        ``means_``; 0 means no prior.
    covars_prior : float or array-like, default=1e-2
        Scale of the prior on the covariances (inverse gamma for "spherical" and
        "diag", inverse Wishart for "full" and "tied"), in the shape of
        ``covariances_`` for arrays: non-negative, and symmetric positive
        semi-definite matrices for "full" and "tied".
    covars_weight : float, default=1
        Shape (in pseudo-frames, non-negative) of the covariance prior.
    algorithm : {"viterbi", "map"}, default="viterbi"
        Decoder of :meth:`predict`: "viterbi" gives the most likely state path,
        "map" the most likely state of each frame.
    n_iter : int, default=10
        Maximum number of EM iterations of each restart.
    tol : float, default=1e-2
        EM stops when the gain in total log-likelihood of an iteration is below
        ``tol``.
    n_init : int, default=1
        Number of random restarts; the one with the highest log-likelihood is
        kept.
    init_params : str, default="stmc"
        Parameters that fit initialises when no ``*_init`` value is given: "m"
        means (k-means on at most 10,000 random frames in the first restart,
        distinct random frames in the others), "c" covariances (the
        covariance of all data), "s" and "t" start and transition probabilities
        (counted from the most likely state of each frame under the initial
        emissions, plus one). A parameter left out, without
        an ``*_init`` value, continues from the previous fit, as in hmmlearn.
    params : str, default="stmc"
        Parameters that EM updates, with the same letters.
    startprob_init : array-like of shape (n_components,), default=None
        Starting start probabilities.
    transmat_init : array-like of shape (n_components, n_components), default=None
        Starting transition matrix.
    means_init : array-like of shape (n_components, n_features), default=None
        Starting means.
    covariances_init : array-like, default=None
        Starting covariances, in the shape of ``covariances_``.
    n_jobs : int, default=None
        Number of threads that run the sequences in parallel, in chunks of about
        8,192 frames of whole sequences; None means 1, -1 all cores. Results are
        bit-identical for every value.
    random_state : int, RandomState instance or None, default=None
        Randomness of the initialisation and the default of :meth:`sample`; an
        int makes fits reproducible.
    verbose : int, default=0
        If positive, show a progress bar of the EM iterations and report
        convergence.

    Attributes
    ----------
    startprob_ : ndarray of shape (n_components,)
        Initial state distribution.
    transmat_ : ndarray of shape (n_components, n_components)
        Transition probabilities; row ``i`` is the law of the next state after
        state ``i``.
    means_ : ndarray of shape (n_components, n_features)
        Mean emission of each state.
    covariances_ : ndarray
        Emission covariances, compact as in
        :class:`~sklearn.mixture.GaussianMixture`: shape (n_components,) if
        "spherical", (n_components, n_features) if "diag", (n_components,
        n_features, n_features) if "full", (n_features, n_features) if "tied".
    monitor_ : ~sklatent.base.ConvergenceMonitor
        The kept restart's history of the total log-likelihood, one value per EM
        iteration (``monitor_.history``), computed before that iteration's update.
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
    sklearn.mixture.GaussianMixture : The same emissions without time dependence.

    References
    ----------
    L. R. Rabiner, "A tutorial on hidden Markov models and selected applications in
    speech recognition", Proceedings of the IEEE 77(2), 1989.

    Examples
    --------
    >>> from sklatent import GaussianHMM
    >>> from sklatent.datasets import make_hmm_sequences
    >>> X, lengths, states, params = make_hmm_sequences(
    ...     n_sequences=10, sequence_length=100, n_components=2, random_state=0)
    >>> hmm = GaussianHMM(n_components=2, random_state=0).fit(X, lengths=lengths)
    >>> hmm.transmat_.shape
    (2, 2)
    >>> decoded = hmm.predict(X, lengths=lengths)
    >>> agreement = max((decoded == states).mean(), (decoded != states).mean())
    >>> bool(agreement > 0.95)
    True
    >>> X_new, states_new = hmm.sample(5, random_state=0)
    >>> X_new.shape, states_new.shape
    ((5, 2), (5,))
    """

    _emission_letters = "mc"
    _emission_attributes = ("means_", "covariances_")
    _supports_missing = True

    _parameter_constraints = {
        **BaseHMM._parameter_constraints,
        "covariance_type": [StrOptions({"diag", "full", "spherical", "tied"})],
        "min_covar": [Interval(numbers.Real, 0, None, closed="neither")],
        "means_prior": ["array-like", numbers.Real],
        "means_weight": ["array-like", numbers.Real],
        "covars_prior": ["array-like", numbers.Real],
        "covars_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "means_init": ["array-like", None],
        "covariances_init": ["array-like", None],
    }

    def __init__(
        self,
        n_components=1,
        *,
        covariance_type="diag",
        min_covar=1e-3,
        startprob_prior=1.0,
        transmat_prior=1.0,
        means_prior=0,
        means_weight=0,
        covars_prior=1e-2,
        covars_weight=1,
        algorithm="viterbi",
        n_iter=10,
        tol=1e-2,
        n_init=1,
        init_params="stmc",
        params="stmc",
        startprob_init=None,
        transmat_init=None,
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
        self.covariance_type = covariance_type
        self.min_covar = min_covar
        self.means_prior = means_prior
        self.means_weight = means_weight
        self.covars_prior = covars_prior
        self.covars_weight = covars_weight
        self.means_init = means_init
        self.covariances_init = covariances_init

    # Priors, broadcast to the shapes the M-step works in.

    def _means_prior(self, n_features):
        shape = (self.n_components, n_features)
        return broadcast_parameter(self.means_prior, shape, "means_prior")

    def _means_weight(self):
        weight = broadcast_parameter(
            self.means_weight, (self.n_components,), "means_weight", non_negative=True
        )
        return weight[:, np.newaxis]

    def _covars_prior(self, n_features):
        shape = _covariance_shape(self.covariance_type, self.n_components, n_features)
        diagonal = self.covariance_type in ("spherical", "diag")
        prior = broadcast_parameter(
            self.covars_prior, shape, "covars_prior", non_negative=diagonal
        )
        if not diagonal:
            # Scale matrices of inverse Wishart priors: symmetric, positive
            # semi-definite.
            matrices = prior.reshape(-1, n_features, n_features)
            if not np.allclose(matrices, matrices.transpose(0, 2, 1)) or np.any(
                np.linalg.eigvalsh(matrices) < -1e-12 * np.abs(matrices).max()
            ):
                raise ValueError(
                    "covars_prior must hold symmetric positive semi-definite "
                    f'matrices for covariance_type="{self.covariance_type}".'
                )
        return prior[:, np.newaxis] if self.covariance_type == "spherical" else prior

    def _check_emission_parameters(self, n_features):
        self._means_prior(n_features)
        self._means_weight()
        self._covars_prior(n_features)
        if self.means_init is not None:
            self._checked_means_init(n_features)
        if self.covariances_init is not None:
            self._checked_covariances_init(n_features)

    def _checked_means_init(self, n_features):
        means = np.asarray(self.means_init, dtype=np.float64)
        shape = (self.n_components, n_features)
        if means.shape != shape or not np.all(np.isfinite(means)):
            raise ValueError(
                f"means_init must be a finite array of shape {shape} (n_components, "
                f"n_features), got shape {means.shape}."
            )
        return means.copy()

    def _checked_covariances_init(self, n_features):
        covariances = np.asarray(self.covariances_init, dtype=np.float64)
        shape = _covariance_shape(self.covariance_type, self.n_components, n_features)
        if covariances.shape != shape:
            raise ValueError(
                f"covariances_init must have shape {shape} for "
                f'covariance_type="{self.covariance_type}", got shape '
                f"{covariances.shape}."
            )
        if not np.all(np.isfinite(covariances)):
            raise ValueError("covariances_init must be finite (no NaN or inf).")
        if self.covariance_type in ("spherical", "diag"):
            if not np.all(covariances > 0):
                raise ValueError("covariances_init must hold positive variances.")
        else:
            for matrix in covariances.reshape(-1, n_features, n_features):
                if not np.allclose(matrix, matrix.T):
                    raise ValueError("covariances_init must hold symmetric matrices.")
                _precision_cholesky(matrix)
        return covariances.copy()

    # The emission hooks of BaseHMM.

    def _check_X_values(self, X):
        with np.errstate(invalid="ignore"):
            too_large = np.abs(X) > _LARGEST_VALUE
        if too_large.any():
            raise ValueError(
                f"X has values above {_LARGEST_VALUE:g} in magnitude, in "
                f"{describe_rows(too_large.any(axis=1))}; their squares overflow "
                "float64. Rescale X (for instance with StandardScaler)."
            )

    def _initialize_emissions(self, X, random_state, previous, restart):
        n_features = X.shape[1]
        # k-means and the data covariance need complete frames.
        X = impute_feature_means(X)
        # Drawn in every restart, so that the random stream does not depend on
        # which parameters are given.
        seed = random_state.randint(np.iinfo(np.int32).max)
        if self.means_init is not None:
            self.means_ = self._checked_means_init(n_features)
        elif "m" in self.init_params:
            self.means_ = initial_centres(X, self.n_components, seed, restart)
        else:
            self.means_ = previous["means_"]
        if self.covariances_init is not None:
            self.covariances_ = self._checked_covariances_init(n_features)
        elif "c" in self.init_params:
            covariance = data_covariance(X)
            covariance += self.min_covar * np.eye(n_features)
            self.covariances_ = {
                "spherical": np.full(self.n_components, np.diag(covariance).mean()),
                "diag": np.tile(np.diag(covariance), (self.n_components, 1)),
                "full": np.tile(covariance, (self.n_components, 1, 1)),
                "tied": covariance,
            }[self.covariance_type]
        else:
            self.covariances_ = previous["covariances_"]

    def _diag_variances(self):
        """Variances of "diag" and "spherical" models as (n_components, n_features)."""
        if self.covariance_type == "spherical":
            return np.repeat(self.covariances_[:, np.newaxis], self.n_features_in_, 1)
        return self.covariances_

    def _precision_factors(self):
        """Upper Cholesky factors of the precisions and log-determinants, per state."""
        covariances = np.ascontiguousarray(self.covariances_, dtype=np.float64)
        return _cached_precision_factors(
            covariances.tobytes(), covariances.shape, self.n_components
        )

    def _emission_log_prob(self, X):
        if self.covariance_type in ("spherical", "diag"):
            return _gaussian_kernels.diag_gaussian_log_prob(
                X, self.means_, self._diag_variances()
            )
        return _gaussian_kernels.cholesky_gaussian_log_prob(
            X, self.means_, *self._precision_factors()
        )

    def _emission_statistics(self, X, posteriors):
        # Moments about the current means of each state (see _gaussian_kernels).
        if self.covariance_type in ("spherical", "diag"):
            occupancy, sums, squares, missing = _gaussian_kernels.centred_moments(
                X, posteriors, self.means_
            )
            return {
                "occupancy": occupancy,
                "sums": sums,
                "squares": squares,
                "missing": missing,
            }
        occupancy, sums, outer = _gaussian_kernels.centred_outer_products(
            X, posteriors, self.means_, self._precision_factors()[0]
        )
        return {"occupancy": occupancy, "sums": sums, "outer": outer}

    def _emission_m_step(self, statistics):
        # The updates are those of hmmlearn's GaussianHMM._do_mstep (Huang, Acero
        # and Hon, "Spoken Language Processing", pp. 443-445), written with moments
        # about the previous means, plus the guard for empty states and the
        # min_covar floor.
        n_features = self.n_features_in_
        occupancy, sums = statistics["occupancy"], statistics["sums"]
        empty = occupancy < EMPTY_STATE
        denominator = occupancy[:, np.newaxis]
        means_prior = self._means_prior(n_features)
        means_weight = self._means_weight()
        previous_means = self.means_
        shift = np.zeros_like(previous_means)
        if "m" in self.params:
            total_weight = means_weight + denominator
            shift = (means_weight * (means_prior - previous_means) + sums) / np.where(
                total_weight > 0, total_weight, 1.0
            )
            shift[empty] = 0.0
            self.means_ = previous_means + shift
        if "c" not in self.params:
            return
        mean_shift = self.means_ - means_prior
        covars_prior = self._covars_prior(n_features)
        if self.covariance_type in ("spherical", "diag"):
            # A missing entry adds its conditional variance, the previous one.
            squares = statistics["squares"]
            squares = squares + self._diag_variances() * statistics["missing"]
            scatter = (
                means_weight * mean_shift**2
                + squares
                - 2.0 * shift * sums
                + shift**2 * denominator
            )
            shape = max(self.covars_weight - 1.0, 0.0) + denominator
            variances = (covars_prior + scatter) / np.maximum(shape, 1e-5)
            if self.covariance_type == "spherical":
                variances = variances.mean(axis=1)
                empty_rows = empty
            else:
                empty_rows = empty[:, np.newaxis]
            variances = np.maximum(variances, self.min_covar)
            self.covariances_ = np.where(empty_rows, self.covariances_, variances)
            return
        cross = sums[:, :, np.newaxis] * shift[:, np.newaxis, :]
        scatter = (
            means_weight[:, :, np.newaxis]
            * mean_shift[:, :, np.newaxis]
            * mean_shift[:, np.newaxis, :]
            + statistics["outer"]
            - cross
            - cross.transpose(0, 2, 1)
            + shift[:, :, np.newaxis]
            * shift[:, np.newaxis, :]
            * occupancy[:, None, None]
        )
        shape = max(self.covars_weight - n_features, 0.0)
        if self.covariance_type == "tied":
            covariance = (covars_prior + scatter.sum(axis=0)) / (
                shape + occupancy.sum()
            )
            self.covariances_ = _floor_eigenvalues(covariance, self.min_covar)
            return
        covariances = self.covariances_.copy()
        for state in np.flatnonzero(~empty):
            covariance = (covars_prior[state] + scatter[state]) / (
                shape + occupancy[state]
            )
            covariances[state] = _floor_eigenvalues(covariance, self.min_covar)
        self.covariances_ = covariances

    def _sample_emissions(self, states, random_state):
        noise = random_state.standard_normal((states.shape[0], self.n_features_in_))
        if self.covariance_type in ("spherical", "diag"):
            noise *= np.sqrt(self._diag_variances())[states]
        elif self.covariance_type == "tied":
            noise = noise @ linalg.cholesky(self.covariances_, lower=True).T
        else:
            factors = np.stack(
                [linalg.cholesky(c, lower=True).T for c in self.covariances_]
            )
            noise = np.einsum("ij,ijk->ik", noise, factors[states])
        return self.means_[states] + noise

    def _permute_emission_states(self, order):
        self.means_ = self.means_[order]
        # Tied covariances are shared by all states.
        if self.covariance_type != "tied":
            self.covariances_ = self.covariances_[order]

    def _inverse_transform(self, Z):
        return Z @ self.means_

    def _n_emission_parameters(self):
        n_states, n_features = self.n_components, self.n_features_in_
        n_covariance = {
            "spherical": n_states,
            "diag": n_states * n_features,
            "full": n_states * n_features * (n_features + 1) // 2,
            "tied": n_features * (n_features + 1) // 2,
        }[self.covariance_type]
        return n_states * n_features + n_covariance
