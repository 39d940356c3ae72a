"""LDATopics: latent Dirichlet allocation by variational Bayes (batch, online, CVB0)."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import effective_n_jobs
from scipy.special import gammaln
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state, gen_batches, metadata_routing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    check_non_negative,
    validate_data,
)
from tqdm.auto import tqdm

from ..base import Integer, LatentMixin, check_integer
from ._cvb0 import CVB0State
from ._heldout import left_to_right_log_likelihood
from ._inference import (
    csr_arrays,
    dirichlet_expectation,
    document_bounds,
    e_step,
    exp_dirichlet_expectation,
)
from ._priors import mean_expected_log, newton_step
from ._sampling import draw_dirichlet, draw_documents
from ._split_merge import propose_split_merge

# Starting points of the variational parameters are Gamma(100, 1/100) draws, as in
# Hoffman's onlineldavb and scikit-learn.
_INIT_SHAPE = 100.0
# sample() and estimate_log_likelihood() hold each word (drawn or scored) with a few
# machine words of temporaries; beyond this many words in one call they would need
# gigabytes, so they ask for shorter or fewer documents.
_MAX_EXPANDED_WORDS = 10**8


class NonIntegerCountsWarning(UserWarning):
    """Warning that a topic model got input that is not word counts.

    LDA models word counts; a TF-IDF matrix or other real-valued weights can be
    fitted (the updates only need non-negative numbers), but the bound is then not
    a likelihood, perplexities are not comparable with those of counts, and
    :meth:`LDATopics.sample` draws documents of rounded lengths. Silence it with
    :func:`warnings.filterwarnings` once that is what you want.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklatent.topic import LDATopics, NonIntegerCountsWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = LDATopics(n_components=2).fit(np.array([[0.5, 1.2], [2.0, 0.3]]))
    >>> caught[0].category is NonIntegerCountsWarning
    True
    """


def _is_auto(prior):
    return isinstance(prior, str) and prior == "auto"


class LDATopics(LatentMixin, BaseEstimator):
    """Latent Dirichlet allocation by variational Bayes: batch, online or collapsed.

    Each document is a mixture of ``n_components`` topics, and each topic a
    distribution over the words: the topic mixture of a document is its latent
    variable. The model is fitted by variational Bayes (Hoffman, Blei and Bach,
    2010), in batch or online (mini-batch) mode, or by collapsed variational
    Bayes (CVB0, Asuncion et al., 2009). The parameters, their defaults and
    their meanings are those of
    :class:`sklearn.decomposition.LatentDirichletAllocation`, so that code switches
    by changing the import; the per-document inference is compiled and runs on
    several threads (``n_jobs``), both priors can be learned from the data
    (``"auto"``), and ``n_init`` restarts keep the best fit.

    Parameters
    ----------
    n_components : int, default=10
        Number of topics.

    doc_topic_prior : float or "auto", default=None
        Prior of the document-topic distribution ``theta`` (``alpha`` in the
        literature), any positive number (values above 1, such as the
        ``50 / n_components`` of Griffiths and Steyvers, are allowed). None means
        ``1 / n_components``. ``"auto"`` learns an
        asymmetric prior, one value per topic, from the data (Minka's Newton
        update, as gensim's ``alpha="auto"``), starting from ``1 / n_components``.

    topic_word_prior : float, "auto" or array-like of shape (n_features,) or \
            (n_components, n_features), default=None
        Prior of the topic-word distribution ``beta`` (``eta`` in the literature),
        any positive number. None means ``1 / n_components``. ``"auto"`` learns
        one value per word, shared by the topics (as gensim's ``eta="auto"``),
        starting from ``1 / n_components``. A vector gives one value per word,
        shared by the topics (as gensim's vector ``eta``). A matrix gives each
        topic its own prior (as gensim's matrix ``eta``); built by
        :func:`seeded_topic_word_prior` from seed words, it steers topic ``k``
        towards its seed words.

    learning_method : {"batch", "online", "cvb0"}, default="batch"
        ``"batch"`` uses all documents in each update of the topics; ``"online"``
        updates them after each mini-batch of ``batch_size`` documents, with a
        learning rate set by ``learning_decay`` and ``learning_offset``.
        ``"cvb0"`` is collapsed variational Bayes (Asuncion et al., 2009), the
        deterministic counterpart of collapsed Gibbs sampling, which predicts
        held-out words better than mean-field VB at the same priors; each of its
        ``max_iter`` passes updates every word of every document once, starting
        from one mean-field E-step, and keeps the same model for any ``n_jobs``.
        The fitted topics (``components_``, pseudo-counts) mean the same in all
        three, and :meth:`transform` infers new documents by the mean-field
        E-step in all three. Only used by :meth:`fit`; :meth:`partial_fit` is
        always online.

    learning_decay : float, default=0.7
        Exponent of the online learning rate ``(learning_offset + t) **
        -learning_decay`` (``kappa``); in (0.5, 1] for asymptotic convergence.

    learning_offset : float, default=10.0
        Offset of the online learning rate (``tau_0``); down-weights early
        mini-batches.

    max_iter : int, default=10
        Maximum number of passes over the data in :meth:`fit`.

    batch_size : int, default=128
        Number of documents per mini-batch in online learning.

    evaluate_every : int, default=-1
        Compute the training perplexity every ``evaluate_every`` passes, record it
        in ``history_`` and stop when it changes by less than ``perp_tol``. Zero
        or negative: never.

    total_samples : float, default=1e6
        Total number of documents of the stream; only used by
        :meth:`partial_fit`.

    perp_tol : float, default=0.1
        Perplexity tolerance of the stopping rule; only used when
        ``evaluate_every`` is positive.

    mean_change_tol : float, default=1e-3
        A document's inference stops when the mean absolute change of its
        variational parameters is below this.

    max_doc_update_iter : int, default=100
        Maximum number of inference iterations per document.

    n_init : int, default=1
        Number of fits from different random starting topics; the one with the
        highest evidence lower bound on the training data is kept.

    split_merge_moves : int, default=0
        Maximum number of split-merge moves made at the end of each fit. A move
        merges the two most similar topics (or, if that does not help, drops the
        least used one), splits the broadest topic in two (2-means of the
        documents it dominates), runs ``max(1, max_iter // 2)`` more passes and
        is kept only if the training bound improves; the search ends at the
        first move that does not improve it. It repairs fits that share
        one true topic between two fitted topics and one fitted topic between two
        true ones. 0 (scikit-learn's behaviour) tries none. A move changes three
        topics, so positive values need ``n_components >= 3``.

    n_jobs : int, default=None
        Number of threads of the per-document inference and the bound. None
        means 1 unless in a :obj:`joblib.parallel_config` context; -1 means all
        processors, -2 all but one, and so on (0 is refused). The fitted model
        does not depend on it.

    verbose : int, default=0
        Verbosity: a progress bar over the passes and, when perplexity is
        evaluated, one line per evaluation.

    random_state : int, RandomState instance or None, default=None
        Seed of the starting topics and of the starting points of the
        per-document inference during training, and default seed of
        :meth:`sample`. Pass an int for reproducible results.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Variational parameters of the topic-word distributions: pseudo-counts of
        each word in each topic.

    exp_dirichlet_component_ : ndarray of shape (n_components, n_features)
        ``exp(E[log beta])`` of the topics.

    topic_word_distribution_ : ndarray of shape (n_components, n_features)
        Word distribution of each topic (``components_`` with rows normalised).

    doc_topic_prior_ : float or ndarray of shape (n_components,)
        The document-topic prior used (an array when learned).

    topic_word_prior_ : float or ndarray of shape (n_features,) or \
            (n_components, n_features)
        The topic-word prior used (a vector when learned or given as one, the
        matrix when one was given).

    n_batch_iter_ : int
        Number of updates of the topics (starts at 1, as in scikit-learn).

    n_iter_ : int
        Number of passes over the data (not counting those of split-merge
        moves).

    bound_ : float
        Perplexity of the training data at the end of :meth:`fit` (see
        :meth:`perplexity`).

    history_ : list of float
        Training perplexity at each evaluation (see ``evaluate_every``).

    random_state_ : RandomState instance
        The random number generator used by the fit.

    n_features_in_ : int
        Number of features seen during :meth:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit`. Defined only when ``X`` has
        feature names that are all strings.

    See Also
    --------
    sklearn.decomposition.LatentDirichletAllocation : The same model in
        scikit-learn.
    sklatent.metrics.topic_coherence : Coherence of the fitted topics.
    sklatent.datasets.make_lda_corpus : A corpus drawn from known topics.

    Notes
    -----
    Differences from scikit-learn's estimator: :meth:`score` is the mean evidence
    lower bound per document (scikit-learn returns the corpus total), and
    :meth:`perplexity` gives the topics' own term of the bound its share per
    training word instead of dividing it by the words of the data scored
    (scikit-learn issue #20032), so the perplexity of a few documents is not
    inflated; it has no ``sub_sampling`` argument. Computations are in float64
    whatever the input dtype. Given the
    same ``random_state``, a fit draws the same starting points as scikit-learn's
    (with ``n_jobs=1`` there) and follows the same iterations.

    The input must be word counts. Non-negative real weights such as TF-IDF are
    fitted too, with a :class:`NonIntegerCountsWarning`: the bound is then not a
    likelihood of anything, and the model's documents (``sample``) have rounded
    lengths. Topic models need counts; vectorise with ``CountVectorizer``.

    References
    ----------
    .. [1] M. D. Hoffman, D. M. Blei and F. Bach, "Online Learning for Latent
       Dirichlet Allocation", NeurIPS 2010.
    .. [2] T. Minka, "Estimating a Dirichlet distribution", 2000.
    .. [3] A. Asuncion, M. Welling, P. Smyth and Y. W. Teh, "On smoothing and
       inference for topic models", UAI 2009.

    Examples
    --------
    >>> from sklatent.datasets import make_lda_corpus
    >>> from sklatent.topic import LDATopics
    >>> X, true_topics, true_mixtures = make_lda_corpus(
    ...     n_samples=200, n_features=50, n_components=3, random_state=0
    ... )
    >>> lda = LDATopics(n_components=3, random_state=0).fit(X)
    >>> lda.transform(X[:2]).shape
    (2, 3)
    >>> lda.top_words(n_words=4).shape
    (3, 4)
    >>> counts, mixtures = lda.sample(5, doc_length=20, random_state=0)
    >>> counts.toarray().sum(axis=1).tolist()
    [20, 20, 20, 20, 20]
    """

    # normalize is an option of transform, not metadata to route.
    __metadata_request__transform = {"normalize": metadata_routing.UNUSED}

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 0, None, closed="neither")],
        "doc_topic_prior": [
            None,
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "topic_word_prior": [
            None,
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
            "array-like",
        ],
        "learning_method": [StrOptions({"batch", "online", "cvb0"})],
        "learning_decay": [Interval(Real, 0, 1, closed="both")],
        "learning_offset": [Interval(Real, 1.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 0, None, closed="neither")],
        "evaluate_every": [Interval(Integral, None, None, closed="neither")],
        "total_samples": [Interval(Real, 0, None, closed="neither")],
        "perp_tol": [Interval(Real, 0, None, closed="left")],
        "mean_change_tol": [Interval(Real, 0, None, closed="left")],
        "max_doc_update_iter": [Interval(Integral, 0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "split_merge_moves": [Interval(Integral, 0, None, closed="left")],
        "n_jobs": [
            None,
            Integer(None, -1, closed="right"),
            Integer(1, None, closed="left"),
        ],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components=10,
        *,
        doc_topic_prior=None,
        topic_word_prior=None,
        learning_method="batch",
        learning_decay=0.7,
        learning_offset=10.0,
        max_iter=10,
        batch_size=128,
        evaluate_every=-1,
        total_samples=1e6,
        perp_tol=1e-1,
        mean_change_tol=1e-3,
        max_doc_update_iter=100,
        n_init=1,
        split_merge_moves=0,
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.learning_method = learning_method
        self.learning_decay = learning_decay
        self.learning_offset = learning_offset
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.evaluate_every = evaluate_every
        self.total_samples = total_samples
        self.perp_tol = perp_tol
        self.mean_change_tol = mean_change_tol
        self.max_doc_update_iter = max_doc_update_iter
        self.n_init = n_init
        self.split_merge_moves = split_merge_moves
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------------ checks

    def _validate_counts(self, X, *, reset, method):
        """Validate a document-word count matrix and return it as float64 CSR."""
        X = validate_data(self, X, reset=reset, accept_sparse="csr", dtype=np.float64)
        name = f"{type(self).__name__}.{method}"
        check_non_negative(X, f"{name} (word counts)")
        X = X if sp.issparse(X) else sp.csr_matrix(X)
        if np.any(X.data != np.rint(X.data)):
            warnings.warn(
                f"{name} got counts that are not whole numbers (a TF-IDF matrix or "
                "other weights?). LDA models word counts: with weights the bound is "
                "not a likelihood and sample() draws documents of rounded lengths. "
                "Pass the output of CountVectorizer instead.",
                NonIntegerCountsWarning,
                stacklevel=3,
            )
        return X

    @staticmethod
    def _check_has_words(doc_lengths):
        if doc_lengths.sum() <= 0:
            raise ValueError(
                "X contains no words (every count is zero); topics are learned "
                "from documents with at least one positive count."
            )

    @property
    def _n_threads(self):
        return effective_n_jobs(self.n_jobs)

    # ------------------------------------------------------------------ state

    def _doc_topic_prior_vector(self):
        return np.broadcast_to(
            np.asarray(self.doc_topic_prior_, dtype=np.float64), (self.n_components,)
        ).copy()

    def _topic_word_prior_matrix(self):
        """The topic-word prior of every topic and word (a broadcast view)."""
        return np.broadcast_to(
            np.asarray(self.topic_word_prior_, dtype=np.float64),
            self.components_.shape,
        )

    def _check_topic_word_prior_array(self, n_features):
        prior = check_array(
            self.topic_word_prior,
            dtype=np.float64,
            ensure_2d=False,
            allow_nd=True,
            input_name="topic_word_prior",
        )
        shapes = {1: (n_features,), 2: (self.n_components, n_features)}
        if prior.shape != shapes.get(prior.ndim):
            raise ValueError(
                "topic_word_prior must be a number, 'auto', a vector of one value "
                f"per word (n_features,) = {shapes[1]} or a matrix (n_components, "
                f"n_features) = {shapes[2]}; got shape {prior.shape}."
            )
        if np.any(prior <= 0):
            raise ValueError(
                "topic_word_prior must be positive everywhere; got "
                f"{int(np.sum(prior <= 0))} entries <= 0."
            )
        return prior

    def _init_latent_vars(self, n_features):
        """Draw the starting topics and set the priors."""
        self.n_batch_iter_ = 1
        self.n_iter_ = 0
        self.history_ = []
        default = 1.0 / self.n_components
        if _is_auto(self.doc_topic_prior):
            self.doc_topic_prior_ = np.full(self.n_components, default)
        else:
            self.doc_topic_prior_ = (
                default if self.doc_topic_prior is None else self.doc_topic_prior
            )
        if _is_auto(self.topic_word_prior):
            self.topic_word_prior_ = np.full(n_features, default)
        elif np.ndim(self.topic_word_prior) > 0:
            self.topic_word_prior_ = self._check_topic_word_prior_array(n_features)
        else:
            self.topic_word_prior_ = (
                default if self.topic_word_prior is None else self.topic_word_prior
            )
        self.components_ = self.random_state_.gamma(
            _INIT_SHAPE, 1.0 / _INIT_SHAPE, (self.n_components, n_features)
        )
        # A prior matrix (seed words) shapes the starting topics too, by its excess
        # over its smallest entry, so that the first E-step already follows the
        # seeds; a scalar or vector prior adds nothing (scikit-learn's start).
        prior = self._topic_word_prior_matrix()
        self.components_ += prior - prior.min(axis=0)
        self.exp_dirichlet_component_ = exp_dirichlet_expectation(self.components_)
        self._record_fitted_words()

    def _record_fitted_words(self):
        """Record how many words the topics hold beyond their prior."""
        self._fitted_words = (
            self.components_.sum() - self._topic_word_prior_matrix().sum()
        )

    def _learned_state(self):
        names = (
            "components_",
            "exp_dirichlet_component_",
            "doc_topic_prior_",
            "topic_word_prior_",
            "n_batch_iter_",
            "n_iter_",
            "history_",
            "_fitted_words",
        )
        return {name: getattr(self, name) for name in names}

    def _record_lengths(self, X, reset):
        """Keep the distribution of document lengths, for :meth:`sample`."""
        # Kept as floats: lengths beyond int64 must still reach sample()'s check.
        lengths = np.rint(np.asarray(X.sum(axis=1)).ravel())
        values, counts = np.unique(lengths, return_counts=True)
        if not reset:
            values = np.concatenate([self._length_values, values])
            counts = np.concatenate([self._length_counts, counts])
            values, where = np.unique(values, return_inverse=True)
            counts = np.bincount(where, weights=counts).astype(np.int64)
        self._length_values, self._length_counts = values, counts

    @property
    def topic_word_distribution_(self):
        """Word distribution of each topic, shape (n_components, n_features)."""
        check_is_fitted(self)
        return self.components_ / self.components_.sum(axis=1, keepdims=True)

    # ------------------------------------------------------------------ inference

    def _infer(self, arrays, gamma, *, statistics=False):
        """E-step from the starting points ``gamma`` (overwritten)."""
        return e_step(
            arrays,
            self.exp_dirichlet_component_,
            self._doc_topic_prior_vector(),
            gamma,
            max_iter=self.max_doc_update_iter,
            tol=self.mean_change_tol,
            n_threads=self._n_threads,
            statistics=statistics,
        )

    def _random_gamma(self, n_samples):
        return self.random_state_.gamma(
            _INIT_SHAPE, 1.0 / _INIT_SHAPE, (n_samples, self.n_components)
        )

    def _em_step(self, arrays, gamma, *, total_samples=None):
        """One E-step and one update of the topics (and of "auto" priors).

        ``total_samples=None`` is a batch update; otherwise an online update with
        the documents standing for a corpus of ``total_samples`` documents.
        """
        n_samples = gamma.shape[0]
        gamma, statistics = self._infer(arrays, gamma, statistics=True)
        topic_word_prior = self._topic_word_prior_matrix()
        if total_samples is None:
            rate = 1.0
            self.components_ = topic_word_prior + statistics
        else:
            rate = (self.learning_offset + self.n_batch_iter_) ** -self.learning_decay
            self.components_ *= 1.0 - rate
            self.components_ += rate * (
                topic_word_prior + (total_samples / n_samples) * statistics
            )
        self._update_priors(gamma, rate)
        return gamma

    def _cvb0_pass(self, arrays):
        """One CVB0 pass; the first starts from a mean-field E-step."""
        if self._cvb0_state is None:
            gamma = self._infer_from_ones(arrays)
            self._cvb0_state = CVB0State(
                arrays,
                exp_dirichlet_expectation(gamma),
                self.exp_dirichlet_component_,
            )
        prior = self._doc_topic_prior_vector()
        topic_word = self._cvb0_state.sweep(
            self._topic_word_prior_matrix(), prior, self._n_threads
        )
        self.components_ = self._topic_word_prior_matrix() + topic_word
        self._update_priors(self._cvb0_state.doc_topic + prior, 1.0)

    def _update_priors(self, doc_params, rate):
        """Move "auto" priors towards the fitted distributions; refresh the topics.

        ``doc_params`` are the Dirichlet parameters of the documents' mixtures.
        The number of words the topics now hold is recorded first: an "auto"
        topic-word prior moves below, and ``components_`` minus the moved prior
        no longer counts the words.
        """
        self._record_fitted_words()
        n_samples = doc_params.shape[0]
        if _is_auto(self.doc_topic_prior):
            self.doc_topic_prior_ = newton_step(
                self.doc_topic_prior_, mean_expected_log(doc_params), n_samples, rate
            )
        if _is_auto(self.topic_word_prior):
            self.topic_word_prior_ = newton_step(
                self.topic_word_prior_,
                mean_expected_log(self.components_),
                self.n_components,
                rate,
            )
        self.exp_dirichlet_component_ = exp_dirichlet_expectation(self.components_)
        self.n_batch_iter_ += 1

    def _online_pass(self, X, total_samples):
        for rows in gen_batches(X.shape[0], self.batch_size):
            arrays = csr_arrays(X[rows])
            gamma = self._random_gamma(rows.stop - rows.start)
            self._em_step(arrays, gamma, total_samples=total_samples)

    def _document_scores(self, arrays, gamma, doc_lengths):
        """Evidence lower bound per document, with its share of the topics' term.

        The topics' own term, E[log p(beta) - log q(beta)], belongs to the whole
        training corpus; each document gets the share of it of its words among
        the words the topics were fitted to, so that the scores of the training
        documents add up to the corpus bound.
        """
        log_topic_word = dirichlet_expectation(self.components_)
        local = document_bounds(
            arrays,
            log_topic_word,
            self._doc_topic_prior_vector(),
            gamma,
            n_threads=self._n_threads,
        )
        prior = self._topic_word_prior_matrix()
        components = self.components_
        topics_term = (
            np.sum((prior - components) * log_topic_word)
            + np.sum(gammaln(components))
            - np.sum(gammaln(prior))
            + np.sum(gammaln(prior.sum(axis=1)))
            - np.sum(gammaln(components.sum(axis=1)))
        )
        return local + doc_lengths * (topics_term / max(self._fitted_words, 1.0))

    @staticmethod
    def _perplexity_of(scores, n_words):
        if n_words <= 0:
            raise ValueError(
                "Perplexity is per word, but the documents contain no words; pass "
                "documents with at least one positive count."
            )
        return float(np.exp(-scores.sum() / n_words))

    # ------------------------------------------------------------------ fitting

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the topics of the documents X by variational Bayes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-word counts (non-negative).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : LDATopics
            The fitted estimator.
        """
        X = self._validate_counts(X, reset=True, method="fit")
        arrays = csr_arrays(X)
        doc_lengths = np.asarray(X.sum(axis=1)).ravel()
        self._check_has_words(doc_lengths)
        if self.split_merge_moves and self.n_components < 3:
            raise ValueError(
                f"split_merge_moves={self.split_merge_moves} needs n_components >= 3 "
                "(a move merges two topics and splits a third), got "
                f"n_components={self.n_components}; pass split_merge_moves=0."
            )
        self.random_state_ = check_random_state(self.random_state)
        best = None
        for _ in range(self.n_init):
            gamma = self._fit_once(X, arrays, doc_lengths)
            scores = self._document_scores(arrays, gamma, doc_lengths)
            if best is None or scores.sum() > best[0].sum():
                best = (scores, self._learned_state())
        scores, state = best
        for name, value in state.items():
            setattr(self, name, value)
        del self._cvb0_state  # the fit's working memory, as large as X times K
        self._record_lengths(X, reset=True)
        self.bound_ = self._perplexity_of(scores, doc_lengths.sum())
        return self

    def _fit_once(self, X, arrays, doc_lengths):
        """One fit from fresh random topics; returns the documents' final gamma."""
        self._init_latent_vars(X.shape[1])
        self._cvb0_state = None
        passes = tqdm(
            range(self.max_iter),
            desc=type(self).__name__,
            disable=self.verbose <= 0,
            leave=False,
        )
        for i in passes:
            self._training_pass(X, arrays)
            if self.evaluate_every > 0 and (i + 1) % self.evaluate_every == 0:
                gamma = self._infer_from_ones(arrays)
                scores = self._document_scores(arrays, gamma, doc_lengths)
                perplexity = self._perplexity_of(scores, doc_lengths.sum())
                if self.verbose:
                    print(
                        f"iteration: {i + 1} of max_iter: {self.max_iter}, "
                        f"perplexity: {perplexity:.4f}"
                    )
                previous = self.history_[-1] if self.history_ else np.inf
                self.history_.append(perplexity)
                if abs(previous - perplexity) < self.perp_tol:
                    break
            self.n_iter_ += 1
        passes.close()
        gamma = self._infer_from_ones(arrays)
        if self.split_merge_moves:
            gamma = self._split_merge(X, arrays, doc_lengths, gamma)
        return gamma

    def _training_pass(self, X, arrays):
        """One pass over the training documents."""
        if self.learning_method == "online":
            self._online_pass(X, total_samples=X.shape[0])
        elif self.learning_method == "cvb0":
            self._cvb0_pass(arrays)
        else:
            self._em_step(arrays, self._random_gamma(X.shape[0]))

    def _split_merge(self, X, arrays, doc_lengths, gamma):
        """Try split-merge moves, keeping those that raise the training bound.

        A move frees a topic slot by merging the two most similar topics or, if
        that does not help, by dropping the least used topic, and splits the
        broadest topic into it. The search ends at the first move of which
        neither kind raises the bound.
        """
        bound = self._document_scores(arrays, gamma, doc_lengths).sum()
        for move in range(self.split_merge_moves):
            for free in ("merge", "drop"):
                proposal = propose_split_merge(
                    self.components_,
                    self._topic_word_prior_matrix(),
                    gamma / gamma.sum(axis=1, keepdims=True),
                    X,
                    self.random_state_,
                    free=free,
                )
                if proposal is None:
                    continue
                before = self._learned_state()
                self.components_ = proposal
                self.exp_dirichlet_component_ = exp_dirichlet_expectation(proposal)
                # CVB0 restarts from the proposed topics.
                self._cvb0_state = None
                for _ in range(max(1, self.max_iter // 2)):
                    self._training_pass(X, arrays)
                new_gamma = self._infer_from_ones(arrays)
                new_bound = self._document_scores(arrays, new_gamma, doc_lengths).sum()
                kept = new_bound > bound
                if self.verbose:
                    print(
                        f"split-merge move {move + 1} ({free}): bound {bound:.6g} -> "
                        f"{new_bound:.6g}, {'kept' if kept else 'undone'}"
                    )
                if kept:
                    bound, gamma = new_bound, new_gamma
                    break
                for name, value in before.items():
                    setattr(self, name, value)
            else:
                break
        return gamma

    def _infer_from_ones(self, arrays):
        """Infer documents from the fixed starting point gamma = 1 (deterministic)."""
        gamma = np.ones((arrays[0].shape[0] - 1, self.n_components))
        return self._infer(arrays, gamma)[0]

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the topics with one mini-batch of documents (online VB).

        The first call starts the model; later calls must pass documents of the
        same vocabulary. The documents are taken as a sample of a stream of
        ``total_samples`` documents and processed in batches of ``batch_size``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-word counts (non-negative).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : LDATopics
            The updated estimator.
        """
        first_time = not hasattr(self, "components_")
        X = self._validate_counts(X, reset=first_time, method="partial_fit")
        self._check_has_words(np.asarray(X.sum(axis=1)).ravel())
        if first_time:
            self.random_state_ = check_random_state(self.random_state)
            self._init_latent_vars(X.shape[1])
        self._online_pass(X, total_samples=self.total_samples)
        self._record_lengths(X, reset=first_time)
        return self

    # ------------------------------------------------------------------ inference API

    def _unnormalized_transform(self, X, method):
        X = self._validate_counts(X, reset=False, method=method)
        arrays = csr_arrays(X)
        return X, arrays, self._infer_from_ones(arrays)

    def transform(self, X, *, normalize=True):
        """Infer the topic mixture of each document.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-word counts (non-negative).
        normalize : bool, default=True
            Whether to normalise each row to a distribution over topics; if
            False, return the variational Dirichlet parameters ``gamma``.

        Returns
        -------
        doc_topic : ndarray of shape (n_samples, n_components)
            Topic mixture of each document. A document without words gets the
            prior's mean.
        """
        check_is_fitted(self)
        _, _, gamma = self._unnormalized_transform(X, "transform")
        if normalize:
            gamma /= gamma.sum(axis=1, keepdims=True)
        return gamma

    def fit_transform(self, X, y=None, *, normalize=True):
        """Fit the model to X, then return the topic mixture of each document.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-word counts (non-negative).
        y : Ignored
            Not used, present for API consistency.
        normalize : bool, default=True
            Whether to normalise each row to a distribution over topics.

        Returns
        -------
        doc_topic : ndarray of shape (n_samples, n_components)
            Topic mixture of each document.
        """
        return self.fit(X, y).transform(X, normalize=normalize)

    def score_samples(self, X):
        """Evidence lower bound of each document (higher is better).

        The bound includes the document's share of the topics' own term (in
        proportion to its words), so that the bounds of the training documents
        add up to the evidence lower bound of the corpus.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-word counts (non-negative).

        Returns
        -------
        bounds : ndarray of shape (n_samples,)
            Lower bound on the log-likelihood of each document.
        """
        check_is_fitted(self)
        X, arrays, gamma = self._unnormalized_transform(X, "score_samples")
        return self._document_scores(arrays, gamma, np.asarray(X.sum(axis=1)).ravel())

    def perplexity(self, X):
        """Perplexity of the documents X: exp(-bound per word).

        The bound is the sum of :meth:`score_samples`, so the topics' own term
        counts in proportion to the words of X and the perplexity of a few
        documents is on the scale of that of many (unlike scikit-learn's, see
        scikit-learn issue #20032). Lower is better.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-word counts (non-negative), with at least one word.

        Returns
        -------
        perplexity : float
            ``exp(-sum(score_samples(X)) / X.sum())``.
        """
        check_is_fitted(self)
        X, arrays, gamma = self._unnormalized_transform(X, "perplexity")
        doc_lengths = np.asarray(X.sum(axis=1)).ravel()
        scores = self._document_scores(arrays, gamma, doc_lengths)
        return self._perplexity_of(scores, doc_lengths.sum())

    def estimate_log_likelihood(self, X, *, n_particles=20, random_state=None):
        """Estimate each document's log-likelihood under the fitted topics.

        A sequential Monte Carlo estimate of ``log p(w_d | topics, alpha)``, the
        topic mixture integrated out and the topics fixed at
        ``topic_word_distribution_``: the left-to-right decomposition of Wallach
        et al. (2009) with a particle filter in place of their Gibbs sweeps
        (Scott and Baldridge, 2013), unbiased for the likelihood and linear in
        the document's length. Unlike :meth:`score_samples`
        (a lower bound) it is a likelihood that models with different numbers of
        topics can be compared on: the held-out log-likelihood per word chooses
        ``n_components`` (see :func:`sklatent.metrics.make_log_likelihood_scorer`).
        Its cost grows with each document's length times ``n_particles``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-word counts (whole numbers; others are rounded).
        n_particles : int, default=20
            Particles per document; more lower the Monte Carlo error.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws; None falls back to the estimator's
            ``random_state``. The estimates do not depend on ``n_jobs``.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            Estimated log-likelihood of each document (0 for an empty one).

        Raises
        ------
        ValueError
            If X holds more than 10^8 words in all.

        References
        ----------
        .. [1] H. M. Wallach, I. Murray, R. Salakhutdinov and D. Mimno,
           "Evaluation methods for topic models", ICML 2009.
        .. [2] J. Scott and J. Baldridge, "A recursive estimate for the
           predictive likelihood in a topic model", AISTATS 2013.

        Examples
        --------
        >>> from sklatent.datasets import make_lda_corpus
        >>> from sklatent.topic import LDATopics
        >>> X, _, _ = make_lda_corpus(60, n_features=30, n_components=2,
        ...                           doc_length=20, random_state=0)
        >>> lda = LDATopics(n_components=2, random_state=0).fit(X[:50])
        >>> log_likelihood = lda.estimate_log_likelihood(X[50:], random_state=0)
        >>> log_likelihood.shape, bool(np.all(log_likelihood < 0))
        ((10,), True)
        """
        check_is_fitted(self)
        n_particles = check_integer(n_particles, "n_particles", min_value=1)
        X = self._validate_counts(X, reset=False, method="estimate_log_likelihood")
        total = X.sum()
        if total > _MAX_EXPANDED_WORDS:
            raise ValueError(
                f"estimate_log_likelihood would score {total:.3g} words one at a "
                f"time, more than the {_MAX_EXPANDED_WORDS:.0e} it holds at once; "
                "pass fewer or shorter documents."
            )
        if random_state is None:
            random_state = self.random_state
        return left_to_right_log_likelihood(
            X,
            self.topic_word_distribution_,
            self._doc_topic_prior_vector(),
            n_particles=n_particles,
            random_state=check_random_state(random_state),
            n_threads=self._n_threads,
        )

    # ------------------------------------------------------------------ generation

    def inverse_transform(self, Z):
        """Expected word distribution of documents with topic mixtures Z.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components)
            Topic mixtures (non-negative; rows summing to one give word
            distributions).

        Returns
        -------
        word_distribution : ndarray of shape (n_samples, n_features)
            ``Z @ topic_word_distribution_``.
        """
        Z = self._check_latent(Z)
        check_non_negative(Z, f"{type(self).__name__}.inverse_transform (Z)")
        return Z @ self.topic_word_distribution_

    def _document_lengths(self, n_samples, doc_length, random_state):
        if doc_length is None:
            weights = self._length_counts / self._length_counts.sum()
            lengths = random_state.choice(
                self._length_values, size=n_samples, p=weights
            )
        elif np.ndim(doc_length) == 0:
            lengths = np.full(n_samples, check_integer(doc_length, "doc_length"))
        else:
            lengths = np.asarray(doc_length)
            if lengths.shape != (n_samples,) or not np.issubdtype(
                lengths.dtype, np.integer
            ):
                raise ValueError(
                    f"doc_length must be None, an int or an array of {n_samples} "
                    f"ints (one per document), got {doc_length!r}."
                )
        if np.any(lengths < 0):
            raise ValueError(
                f"doc_length must be non-negative, got {doc_length!r}; a document "
                "has zero or more words."
            )
        total = float(np.sum(lengths, dtype=np.float64))
        if total > _MAX_EXPANDED_WORDS:
            source = "the training documents" if doc_length is None else "doc_length"
            raise ValueError(
                f"sample() would draw {total:.3g} words (lengths from {source}), "
                f"more than the {_MAX_EXPANDED_WORDS:.0e} it draws at once; pass a "
                "smaller doc_length or fewer n_samples."
            )
        return lengths.astype(np.int64)

    def sample(self, n_samples=1, *, doc_length=None, random_state=None):
        """Generate documents from the fitted model.

        Each document draws a topic mixture from the document-topic prior, and
        each of its words a topic from the mixture and then a word from the
        topic's word distribution (``topic_word_distribution_``).

        Parameters
        ----------
        n_samples : int, default=1
            Number of documents.
        doc_length : int or array-like of int of shape (n_samples,), default=None
            Number of words of each document. None draws the lengths from those of
            the training documents.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws; None falls back to the estimator's
            ``random_state``.

        Returns
        -------
        counts : scipy.sparse.csr_matrix of shape (n_samples, n_features)
            Word counts of the generated documents (int64).
        doc_topic : ndarray of shape (n_samples, n_components)
            The topic mixture behind each document.
        """
        return super().sample(
            n_samples, random_state=random_state, doc_length=doc_length
        )

    def _sample(self, n_samples, random_state, doc_length=None):
        lengths = self._document_lengths(n_samples, doc_length, random_state)
        doc_topic = draw_dirichlet(
            self._doc_topic_prior_vector(), n_samples, random_state
        )
        counts = draw_documents(
            doc_topic, self.topic_word_distribution_, lengths, random_state
        )
        return counts, doc_topic

    def top_words(self, n_words=10, feature_names=None):
        """The most probable words of each topic.

        Parameters
        ----------
        n_words : int, default=10
            Number of words per topic.
        feature_names : array-like of str of shape (n_features,), default=None
            Names of the words, for example ``get_feature_names_out()`` of a
            ``CountVectorizer``. None uses ``feature_names_in_`` if the training
            data had column names, and ``x0``, ``x1``, ... otherwise.

        Returns
        -------
        words : ndarray of shape (n_components, n_words)
            Row k lists the words of topic k, most probable first.
        """
        check_is_fitted(self)
        n_features = self.components_.shape[1]
        n_words = check_integer(n_words, "n_words", min_value=1, max_value=n_features)
        if feature_names is None:
            feature_names = getattr(
                self, "feature_names_in_", [f"x{i}" for i in range(n_features)]
            )
        feature_names = np.asarray(feature_names, dtype=object)
        if feature_names.shape != (n_features,):
            raise ValueError(
                f"feature_names must have one name per word ({n_features}), got "
                f"shape {feature_names.shape}."
            )
        order = np.argsort(-self.components_, axis=1, kind="stable")[:, :n_words]
        return feature_names[order]
