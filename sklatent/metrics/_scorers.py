"""scikit-learn scorers built on the sample and topic metrics."""

from numbers import Real

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import StrOptions, validate_params

from ..base import Integer
from ._samples import energy_distance
from ._topics import completion_perplexity, topic_coherence

__all__ = [
    "make_coherence_scorer",
    "make_completion_perplexity_scorer",
    "make_log_likelihood_scorer",
    "make_sample_scorer",
]


def _cells(X):
    """The cells of a table (array or DataFrame) as a 2-D array."""
    if hasattr(X, "toarray"):  # sparse samples (a topic model's documents)
        X = X.toarray()
    values = X.to_numpy(dtype=object) if hasattr(X, "dtypes") else np.asarray(X)
    if values.ndim != 2:
        raise ValueError(
            "A sample scorer compares tables of shape (n_samples, n_features), got "
            f"an array of shape {values.shape}."
        )
    return values


def _categorical_columns(X, cells):
    """Which columns are categorical: of a non-numeric dtype (a pandas category,
    object or string column), or, in an object array, not all numbers."""
    if hasattr(X, "dtypes"):
        from pandas.api.types import is_numeric_dtype

        return np.array([not is_numeric_dtype(dtype) for dtype in X.dtypes])
    if cells.dtype.kind in "biuf":
        return np.zeros(cells.shape[1], dtype=bool)
    return np.array(
        [not all(isinstance(cell, Real) for cell in column) for column in cells.T]
    )


def _comparable_rows(X_real, X_generated):
    """Real and generated rows in one numeric space, as ``GANSampler.score`` has it.

    Numeric columns are standardised with the mean and standard deviation of the
    real rows; each categorical column becomes the one-hot indicator of its value,
    over the categories seen in either table.
    """
    real, generated = _cells(X_real), _cells(X_generated)
    if real.shape[1] != generated.shape[1]:
        raise ValueError(
            f"The model's samples have {generated.shape[1]} columns but X has "
            f"{real.shape[1]}; they must be rows of the same table."
        )
    categorical = _categorical_columns(X_real, real)
    numeric_real = real[:, ~categorical].astype(np.float64)
    numeric_generated = generated[:, ~categorical].astype(np.float64)
    mean, scale = numeric_real.mean(axis=0), numeric_real.std(axis=0)
    scale[~(scale > 0)] = 1.0
    parts_real = [(numeric_real - mean) / scale]
    parts_generated = [(numeric_generated - mean) / scale]
    for column in np.flatnonzero(categorical):
        both = np.concatenate([real[:, column], generated[:, column]])
        index = {category: i for i, category in enumerate(dict.fromkeys(both))}
        one_hot = np.eye(len(index))[[index[category] for category in both]]
        parts_real.append(one_hot[: len(real)])
        parts_generated.append(one_hot[len(real) :])
    return np.hstack(parts_real), np.hstack(parts_generated)


def _split_pipeline(estimator):
    """The steps before the final estimator (or None) and the final estimator."""
    steps = getattr(estimator, "steps", None)
    if steps is None:
        return None, estimator
    return (estimator[:-1] if len(steps) > 1 else None), estimator[-1]


@validate_params(
    {
        "metric": [callable],
        "n_samples": [Integer(1, None, closed="left")],
        "random_state": [Integer(0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_sample_scorer(metric=energy_distance, *, n_samples=1000, random_state=0):
    """Turn a two-sample statistic into a scorer for estimators with ``sample``.

    The scorer draws ``n_samples`` rows from the fitted estimator (with a fixed
    ``random_state``, so it is deterministic) and returns minus the statistic
    between the held-out rows and the drawn ones: higher is better, as
    :class:`~sklearn.model_selection.GridSearchCV` expects. For a
    :class:`~sklearn.pipeline.Pipeline` the final step is sampled and its rows are
    mapped back to the data space through the ``inverse_transform`` of the steps
    before it.

    The rows are compared as ``GANSampler.score`` compares them, so that tables
    with categorical columns (pandas category, object or string columns, or object
    arrays) can be scored: numeric columns are standardised with the mean and
    standard deviation of the held-out rows, and each categorical column becomes
    the one-hot indicator of its value.

    Parameters
    ----------
    metric : callable, default=energy_distance
        ``metric(X, Y) -> float``, lower meaning closer distributions, for example
        :func:`energy_distance`, :func:`mmd` or :func:`c2st_score`.
    n_samples : int, default=1000
        Number of model samples compared with the data.
    random_state : int, default=0
        Seed of the model samples (a fixed integer, so every call draws the same
        samples).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``.

    Examples
    --------
    >>> from sklatent import GANSampler
    >>> from sklatent.datasets import make_gaussian_ring
    >>> from sklatent.metrics import make_sample_scorer
    >>> X, _, _ = make_gaussian_ring(200, random_state=0)
    >>> scorer = make_sample_scorer(n_samples=200)
    >>> gan = GANSampler(max_epochs=5, random_state=0).fit(X)
    >>> bool(scorer(gan, X) <= 0)
    True
    """

    def scorer(estimator, X, y=None):
        before, final = _split_pipeline(estimator)
        X_generated = final.sample(n_samples, random_state=random_state)[0]
        if before is not None:
            X_generated = before.inverse_transform(X_generated)
        return -metric(*_comparable_rows(X, X_generated))

    return scorer


@validate_params(
    {
        "measure": [StrOptions({"u_mass", "c_uci", "c_npmi", "c_v", "umass", "npmi"})],
        "top_n": [Integer(2, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_coherence_scorer(*, measure="c_npmi", top_n=10):
    """A scorer that rates a topic model by the mean coherence of its topics.

    The coherence is computed on the documents the scorer is given (in
    cross-validation, the held-out fold), so that
    :class:`~sklearn.model_selection.GridSearchCV` can choose the number of topics
    by how interpretable they are rather than by perplexity alone. For a
    :class:`~sklearn.pipeline.Pipeline` (a ``CountVectorizer`` before the topic
    model, say) the documents are first transformed by the steps before the
    final one.

    Parameters
    ----------
    measure : {"u_mass", "c_uci", "c_npmi", "c_v"}, default="c_npmi"
        Coherence measure, computed with the scored documents as windows; see
        :func:`topic_coherence` (``"umass"`` and ``"npmi"``, sklatent 0.1's names,
        mean ``"u_mass"`` and ``"c_npmi"``).
    top_n : int, default=10
        Number of top words per topic.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``, the mean coherence over topics.

    Examples
    --------
    >>> from sklatent import LDATopics
    >>> from sklatent.datasets import make_lda_corpus
    >>> from sklatent.metrics import make_coherence_scorer
    >>> X, _, _ = make_lda_corpus(200, n_features=50, n_components=3, random_state=0)
    >>> lda = LDATopics(n_components=3, random_state=0).fit(X)
    >>> scorer = make_coherence_scorer(top_n=5)
    >>> -1 <= scorer(lda, X) <= 1
    True
    """

    def scorer(estimator, X, y=None):
        before, final = _split_pipeline(estimator)
        if before is not None:
            X = before.transform(X)
        return float(np.mean(topic_coherence(final, X, measure=measure, top_n=top_n)))

    return scorer


# -- held-out scorers of topic models (completion perplexity, log-likelihood) --------


def _final_step_and_input(estimator, X):
    """The final estimator and X as the steps before it transform it."""
    before, final = _split_pipeline(estimator)
    return final, (X if before is None else before.transform(X))


def make_completion_perplexity_scorer(*, observed_fraction=0.5, random_state=0):
    """A scorer that rates a topic model by minus its completion perplexity.

    See :func:`~sklatent.metrics.completion_perplexity`: each held-out document's
    topic mixture is inferred from part of its words and scores the rest. Higher
    (less negative) is better, so
    :class:`~sklearn.model_selection.GridSearchCV` over ``n_components`` picks the
    model that predicts unseen words best; for a
    :class:`~sklearn.pipeline.Pipeline` the documents are first transformed by
    the steps before the topic model.

    Parameters
    ----------
    observed_fraction : float, default=0.5
        Share of each document's tokens that is observed.
    random_state : int, default=0
        Seed of the split of the words (fixed, so that every candidate is scored
        on the same split).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``, minus the perplexity.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklatent import LDATopics
    >>> from sklatent.datasets import make_lda_corpus
    >>> from sklatent.metrics import make_completion_perplexity_scorer
    >>> X, _, _ = make_lda_corpus(300, n_features=60, n_components=4,
    ...                           random_state=0)
    >>> search = GridSearchCV(
    ...     LDATopics(max_iter=20, random_state=0), {"n_components": [1, 4]},
    ...     scoring=make_completion_perplexity_scorer(), cv=3,
    ... ).fit(X)
    >>> search.best_params_
    {'n_components': 4}
    """

    def scorer(estimator, X, y=None):
        final, X = _final_step_and_input(estimator, X)
        return -completion_perplexity(
            final, X, observed_fraction=observed_fraction, random_state=random_state
        )

    return scorer


def make_log_likelihood_scorer(*, n_particles=10, random_state=0):
    """A scorer that rates a topic model by its held-out log-likelihood per word.

    The log-likelihood of each held-out document is estimated by the model's
    ``estimate_log_likelihood`` (:meth:`sklatent.LDATopics.estimate_log_likelihood`,
    a sequential Monte Carlo estimate in the left-to-right decomposition of
    Wallach et al., 2009), summed and divided by the number of words: higher is
    better, and ``exp(-score)`` is the held-out perplexity. Unlike the evidence
    lower bound of ``score``, it is the quantity model comparison asks for, and
    it compares models of any number of topics.

    Parameters
    ----------
    n_particles : int, default=10
        Particles per document of the estimator.
    random_state : int, default=0
        Seed of the estimator (fixed, so the scorer is deterministic).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``, the log-likelihood per word.

    Examples
    --------
    >>> from sklatent import LDATopics
    >>> from sklatent.datasets import make_lda_corpus
    >>> from sklatent.metrics import make_log_likelihood_scorer
    >>> X, _, _ = make_lda_corpus(200, n_features=40, n_components=3,
    ...                           random_state=0)
    >>> lda = LDATopics(n_components=3, random_state=0).fit(X[:150])
    >>> scorer = make_log_likelihood_scorer()
    >>> bool(scorer(lda, X[150:]) < 0)
    True
    """

    def scorer(estimator, X, y=None):
        final, X = _final_step_and_input(estimator, X)
        log_likelihood = final.estimate_log_likelihood(
            X, n_particles=n_particles, random_state=random_state
        )
        n_words = check_array(X, accept_sparse="csr", dtype=np.float64).sum()
        if n_words <= 0:
            raise ValueError(
                "The log-likelihood scorer is per word, but the documents contain "
                "no words; score documents with at least one positive count."
            )
        return float(log_likelihood.sum() / n_words)

    return scorer
