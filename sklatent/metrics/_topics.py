"""Topic metrics: coherence of top words, recovery of known topics."""

import itertools
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.preprocessing import normalize
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_array, check_non_negative

from ..topic._cooccurrence import window_counts

__all__ = [
    "completion_perplexity",
    "matched_topic_cosine",
    "split_document_words",
    "topic_coherence",
]

# gensim's smoothing of the probabilities of word pairs (direct_confirmation_measure).
_EPSILON = 1e-12
# Sliding-window sizes of gensim's CoherenceModel, per measure.
_DEFAULT_WINDOW = {"c_v": 110, "c_uci": 10, "c_npmi": 10}
# The names of sklatent 0.1.
_ALIASES = {"umass": "u_mass", "npmi": "c_npmi"}


def _topic_word_matrix(model_or_topic_word, name="topic_word"):
    """The topic-word weights of a fitted topic model or of an array."""
    weights = getattr(model_or_topic_word, "components_", model_or_topic_word)
    weights = check_array(weights, dtype=np.float64, input_name=name)
    check_non_negative(weights, f"{name} (topic-word weights)")
    return weights


def _feature_names(vocabulary, n_features):
    if hasattr(vocabulary, "get_feature_names_out"):
        vocabulary = vocabulary.get_feature_names_out()
    names = np.asarray(vocabulary, dtype=object)
    if names.shape != (n_features,):
        raise ValueError(
            f"vocabulary must name the {n_features} words of the topics (one per "
            f"column), got shape {names.shape}; pass the vectorizer's "
            "get_feature_names_out()."
        )
    return names


def _text_ids(texts, words_of_interest):
    """Tokens of ``texts`` as indices into ``words_of_interest`` (-1: other)."""
    index = {word: i for i, word in enumerate(words_of_interest)}
    lengths = np.zeros(len(texts) + 1, dtype=np.int64)
    for d, text in enumerate(texts):
        if isinstance(text, str):
            raise TypeError(
                "texts must be lists of tokens, got a string; tokenise the "
                "documents first, for example with the vectorizer's "
                "build_analyzer()."
            )
        lengths[d + 1] = len(text)
    tokens = itertools.chain.from_iterable(texts)
    ids = np.fromiter(
        map(index.get, tokens, itertools.repeat(-1)),
        dtype=np.int64,
        count=int(lengths.sum()),
    )
    return ids, np.cumsum(lengths)


def _document_counts(X, words):
    """Documents of X that contain each of ``words`` and each pair of them."""
    occurs = (sp.csc_matrix(X)[:, words] > 0).astype(np.float64)
    together = (occurs.T @ occurs).toarray()
    occurrences = np.diag(together).copy()
    np.fill_diagonal(together, 0.0)
    return occurrences, together, X.shape[0]


def _npmi(joint, first, second):
    """gensim's normalised log ratio: PMI / -log P(pair), pairs smoothed by 1e-12."""
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.log((joint + _EPSILON) / (first * second)) / -np.log(
            joint + _EPSILON
        )
    # A word in no window never co-occurs: Bouma's NPMI of such a pair is -1.
    scores[(first == 0) | (second == 0)] = -1.0
    return scores


def _coherence_from_counts(measure, top, occurrences, together, n_windows, labels):
    """Per-topic coherence from window counts.

    ``top`` indexes the counts; ``labels`` names the counted words in errors.
    """
    if n_windows == 0:
        raise ValueError(
            f"{measure} coherence counts words in the windows of the reference "
            "corpus, but it has none; pass texts or counts X with words."
        )
    p_word = occurrences / n_windows
    p_pair = together / n_windows
    absent = np.unique(top[occurrences[top] == 0])
    if measure in ("u_mass", "c_uci") and absent.size:
        raise ValueError(
            f"{measure} coherence needs every top word in at least one window of "
            f"the reference corpus, but words {labels[absent].tolist()} occur in "
            "none; use the training documents as the reference or "
            "measure='c_npmi'."
        )
    top_n = top.shape[1]
    if measure == "u_mass":
        # Röder et al.'s S_one_pre: each word against every word ranked above it.
        later, earlier = np.tril_indices(top_n, k=-1)
        scores = np.log(
            (p_pair[top[:, later], top[:, earlier]] + _EPSILON)
            / p_word[top[:, earlier]]
        )
        return scores.mean(axis=1)
    if measure == "c_uci":
        first, second = np.triu_indices(top_n, k=1)
        a, b = top[:, first], top[:, second]
        scores = np.log((p_pair[a, b] + _EPSILON) / (p_word[a] * p_word[b]))
        return scores.mean(axis=1)
    # c_npmi and c_v need the NPMI of every pair of a topic's words, itself
    # included (a word "co-occurs" with itself in the windows that contain it).
    joint = p_pair.copy()
    np.fill_diagonal(joint, p_word)
    rows, cols = top[:, :, None], top[:, None, :]
    npmi = _npmi(joint[rows, cols], p_word[rows], p_word[cols])
    if measure == "c_npmi":
        first, second = np.triu_indices(top_n, k=1)
        return npmi[:, first, second].mean(axis=1)
    # c_v: each word's NPMI vector against the topic's summed vector (S_one_set,
    # indirect cosine, gamma 1).
    topic_vector = npmi.sum(axis=1, keepdims=True)
    cosine = np.sum(npmi * topic_vector, axis=2) / (
        np.linalg.norm(npmi, axis=2) * np.linalg.norm(topic_vector, axis=2)
    )
    return cosine.mean(axis=1)


@validate_params(
    {
        "model_or_topic_word": "no_validation",
        "X": ["array-like", "sparse matrix", None],
        "measure": [StrOptions({"u_mass", "c_uci", "c_npmi", "c_v", "umass", "npmi"})],
        "top_n": [Interval(Integral, 2, None, closed="left")],
        "texts": ["array-like", None],
        "vocabulary": "no_validation",
        "window_size": [Interval(Integral, 1, None, closed="left"), None],
        "window_counting": [StrOptions({"exact", "gensim"})],
    },
    prefer_skip_nested_validation=True,
)
def topic_coherence(
    model_or_topic_word,
    X=None,
    measure="u_mass",
    top_n=10,
    *,
    texts=None,
    vocabulary=None,
    window_size=None,
    window_counting="exact",
):
    """Coherence of each topic's top words in a reference corpus.

    The ``top_n`` most probable words of each topic are scored by how they occur
    together in the *windows* of a reference corpus: its documents, or the runs of
    ``window_size`` consecutive tokens of its documents (sliding windows, a
    document shorter than the window being one window). ``P(w)`` is the share of
    windows that contain word ``w`` and ``P(w_i, w_j)`` the share that contain
    both. The measures are those of Röder, Both and Hinneburg (2015), with
    gensim's ``CoherenceModel`` formulas, smoothing ``eps = 1e-12`` and default
    windows, so the numbers can be compared with the literature:

    - ``"u_mass"`` (Mimno et al., 2011): documents as windows; the mean over
      each word ``w_i`` and each word ``w_j`` ranked above it of
      ``log((P(w_i, w_j) + eps) / P(w_j))``. At most about 0; around -1 to -3 for
      good topics, lower for worse ones.
    - ``"c_uci"`` (Newman et al., 2010): sliding windows of 10; the mean over
      pairs of the PMI ``log((P(w_i, w_j) + eps) / (P(w_i) P(w_j)))``. Positive
      when the words occur together more often than by chance.
    - ``"c_npmi"`` (Bouma, 2009; Lau et al., 2014): sliding windows of 10; the
      PMI divided by ``-log(P(w_i, w_j) + eps)``, between -1 (never together)
      and 1 (always together), 0 for independent words.
    - ``"c_v"`` (Röder et al., 2015): sliding windows of 110; each top word's
      vector of NPMI with the topic's top words is compared, by cosine, with the
      sum of those vectors over the topic; the mean cosine, between 0 and 1 in
      practice. It agrees best with human ratings in Röder et al.'s study.

    Sliding windows need the order of the words: pass ``texts`` (token lists)
    and ``vocabulary``. With word counts ``X`` the windows are whole documents,
    which for ``"c_uci"``, ``"c_npmi"`` and ``"c_v"`` is gensim's measure with a
    window as long as the longest document.

    Parameters
    ----------
    model_or_topic_word : estimator or array-like of shape (n_topics, n_features)
        A fitted topic model with ``components_`` (for example
        :class:`~sklatent.LDATopics` or scikit-learn's
        ``LatentDirichletAllocation``), or non-negative topic-word weights.
    X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
        Reference corpus of word counts over the topics' vocabulary, usually the
        training documents; each document is one window. Give either ``X`` or
        ``texts``.
    measure : {"u_mass", "c_uci", "c_npmi", "c_v"}, default="u_mass"
        The coherence measure. ``"umass"`` and ``"npmi"`` (the names of sklatent
        0.1) mean ``"u_mass"`` and ``"c_npmi"``.
    top_n : int, default=10
        Number of top words per topic (at least 2, at most ``n_features``).
    texts : list of list of str, default=None
        Reference corpus as tokenised documents, for example
        ``[analyzer(doc) for doc in documents]`` with
        ``analyzer = vectorizer.build_analyzer()``. Tokens outside the top words
        still take their place in the windows.
    vocabulary : array-like of str of shape (n_features,) or vectorizer, \
            default=None
        The word of each column of the topics (or a fitted vectorizer, whose
        ``get_feature_names_out()`` is used); needed with ``texts``.
    window_size : int, default=None
        Tokens per sliding window, with ``texts``. None uses gensim's default of
        the measure (110 for ``"c_v"``, 10 for ``"c_uci"`` and ``"c_npmi"``);
        ``"u_mass"`` always uses whole documents.
    window_counting : {"exact", "gensim"}, default="exact"
        ``"exact"`` counts a word in every window that contains it.
        ``"gensim"`` reproduces gensim 4.4, whose sliding window forgets a word
        when one of its tokens leaves the window even if another is still inside
        (so a word repeated within ``window_size`` tokens is undercounted); use it
        to reproduce numbers computed with gensim.

    Returns
    -------
    coherence : ndarray of shape (n_topics,)
        Coherence of each topic; ``coherence.mean()`` scores the model (as
        gensim's ``get_coherence()``).

    Raises
    ------
    ValueError
        If neither or both of ``X`` and ``texts`` are given, the reference and
        the topics have different vocabularies, ``top_n`` exceeds the vocabulary,
        ``X`` has negative counts, or a top word occurs in no window
        (``"u_mass"`` and ``"c_uci"``; for ``"c_npmi"`` and ``"c_v"`` the pairs
        of such a word have NPMI -1).

    References
    ----------
    .. [1] M. Röder, A. Both and A. Hinneburg, "Exploring the space of topic
       coherence measures", WSDM 2015.
    .. [2] D. Mimno, H. Wallach, E. Talley, M. Leenders and A. McCallum,
       "Optimizing semantic coherence in topic models", EMNLP 2011.

    Examples
    --------
    >>> from sklatent.datasets import make_lda_corpus
    >>> from sklatent.metrics import topic_coherence
    >>> X, topic_word, _ = make_lda_corpus(
    ...     n_samples=300, n_features=40, n_components=3, random_state=0
    ... )
    >>> topic_coherence(topic_word, X, measure="c_npmi", top_n=5).shape
    (3,)
    >>> texts = [["red", "apple", "sweet"], ["green", "apple", "sour"], ["red", "car"]]
    >>> words = ["apple", "sweet", "red", "car", "green", "sour"]
    >>> topics = [[1.0, 0.9, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.9, 0.0]]
    >>> topic_coherence(  # apple-sweet co-occur, red-green never do
    ...     topics, texts=texts, vocabulary=words, measure="c_npmi", top_n=2
    ... ).round(3).tolist()
    [0.369, -0.946]
    """
    measure = _ALIASES.get(measure, measure)
    topic_word = _topic_word_matrix(model_or_topic_word)
    n_features = topic_word.shape[1]
    if (X is None) == (texts is None):
        raise ValueError(
            "Pass the reference corpus either as word counts X or as tokenised "
            "texts (with vocabulary), not both or neither."
        )
    if top_n > n_features:
        raise ValueError(
            f"top_n={top_n} exceeds the number of words ({n_features}); pass a "
            "smaller top_n."
        )
    top = np.argsort(-topic_word, axis=1, kind="stable")[:, :top_n]
    words = np.unique(top)
    position = np.searchsorted(words, top)
    if X is not None:
        if window_size is not None:
            raise ValueError(
                "window_size needs the order of the words: with counts X each "
                "document is one window; pass texts and vocabulary for sliding "
                "windows."
            )
        X = check_array(X, accept_sparse="csr", dtype=np.float64, input_name="X")
        check_non_negative(X, "topic_coherence (X)")
        if X.shape[1] != n_features:
            raise ValueError(
                f"X has {X.shape[1]} words (columns) but the topics have "
                f"{n_features}; pass counts over the topics' vocabulary."
            )
        counts = _document_counts(X, words)
        labels = words
    else:
        if vocabulary is None:
            raise ValueError(
                "texts need the vocabulary of the topics (one word per column); "
                "pass vocabulary=vectorizer.get_feature_names_out()."
            )
        if measure == "u_mass" and window_size is not None:
            raise ValueError(
                "u_mass counts documents, not sliding windows; leave window_size None."
            )
        names = _feature_names(vocabulary, n_features)
        ids, offsets = _text_ids(texts, names[words])
        if measure != "u_mass" and window_size is None:
            window_size = _DEFAULT_WINDOW[measure]
        counts = window_counts(
            ids,
            offsets,
            words.shape[0],
            None if measure == "u_mass" else window_size,
            gensim_counting=window_counting == "gensim",
        )
        labels = names[words]
    occurrences, together, n_windows = counts
    return _coherence_from_counts(
        measure, position, occurrences.astype(np.float64), together, n_windows, labels
    )


def matched_topic_cosine(
    model_or_topic_word, true_topic_word, *, return_matching=False
):
    """Cosine similarity of each true topic to the fitted topic matched to it.

    Fitted and true topics are paired one to one so that the total cosine
    similarity of the pairs is largest (the Hungarian algorithm); topics are
    compared as word-weight vectors. When there are fewer fitted topics than true
    ones, the true topics left without a fitted topic get cosine 0 (not
    recovered), and a warning names them.

    Parameters
    ----------
    model_or_topic_word : estimator or array-like of shape (n_topics, n_features)
        A fitted topic model with ``components_``, or non-negative topic-word
        weights, each topic with some positive weight.
    true_topic_word : array-like of shape (n_true_topics, n_features)
        The known topics, non-negative, for example from
        :func:`sklatent.datasets.make_lda_corpus`.
    return_matching : bool, default=False
        Whether to also return which fitted topic each true topic is matched to.

    Returns
    -------
    cosine : ndarray of shape (n_true_topics,)
        Cosine of each true topic with its matched fitted topic (0 for an
        unmatched true topic); ``min()`` says whether every topic was recovered.
    matching : ndarray of int of shape (n_true_topics,)
        Index of the fitted topic matched to each true topic, -1 where none is;
        only if ``return_matching``.

    Raises
    ------
    ValueError
        If the weights are negative, not finite, not 2-D, of different
        vocabularies, or a topic has no positive weight.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import matched_topic_cosine
    >>> true = np.eye(3)
    >>> matched_topic_cosine(true[[2, 0, 1]], true).tolist()
    [1.0, 1.0, 1.0]
    >>> cosine, matching = matched_topic_cosine(true[[2, 0, 1]], true,
    ...                                         return_matching=True)
    >>> matching.tolist()
    [1, 2, 0]
    """
    topic_word = _topic_word_matrix(model_or_topic_word)
    true_topic_word = _topic_word_matrix(true_topic_word, "true_topic_word")
    if true_topic_word.shape[1] != topic_word.shape[1]:
        raise ValueError(
            f"The fitted topics have {topic_word.shape[1]} words but the true "
            f"topics {true_topic_word.shape[1]}; compare topics over one vocabulary."
        )
    for name, weights in (
        ("model_or_topic_word", topic_word),
        ("true_topic_word", true_topic_word),
    ):
        empty = np.flatnonzero(weights.sum(axis=1) <= 0)
        if empty.size:
            raise ValueError(
                f"Topics {empty.tolist()} of {name} have no positive weight; every "
                "topic needs some word weight to be compared."
            )
    similarity = normalize(topic_word) @ normalize(true_topic_word).T
    rows, cols = linear_sum_assignment(-similarity)
    matching = np.full(true_topic_word.shape[0], -1)
    matching[cols] = rows
    cosine = np.zeros(true_topic_word.shape[0])
    cosine[cols] = similarity[rows, cols]
    unmatched = np.flatnonzero(matching < 0)
    if unmatched.size:
        warnings.warn(
            f"{topic_word.shape[0]} fitted topics for {true_topic_word.shape[0]} "
            f"true ones: true topics {unmatched.tolist()} are left unmatched "
            "(cosine 0).",
            UserWarning,
            stacklevel=2,
        )
    return (cosine, matching) if return_matching else cosine


def split_document_words(X, observed_fraction=0.5, random_state=None):
    """Split each document's words at random into an observed and a held-out part.

    Each word token goes to the observed part with probability
    ``observed_fraction`` (a binomial draw per count), as in the
    document-completion evaluation of topic models (Wallach et al., 2009).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Whole-number word counts.
    observed_fraction : float, default=0.5
        Probability that a token is observed, in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seed of the split.

    Returns
    -------
    observed, held_out : scipy.sparse.csr_matrix of shape (n_samples, n_features)
        The two parts; they add up to X.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import split_document_words
    >>> observed, held_out = split_document_words(np.array([[4, 0, 6]]),
    ...                                           random_state=0)
    >>> (observed + held_out).toarray().tolist()
    [[4.0, 0.0, 6.0]]
    """
    X = sp.csr_matrix(check_array(X, accept_sparse="csr", dtype=np.float64))
    check_non_negative(X, "split_document_words (X)")
    if np.any(X.data != np.rint(X.data)):
        raise ValueError(
            "split_document_words splits word tokens, so X must hold whole-number "
            "counts; got fractional values (TF-IDF?)."
        )
    if not 0 < observed_fraction < 1:
        raise ValueError(
            f"observed_fraction must be in (0, 1), got {observed_fraction!r}."
        )
    rng = check_random_state(random_state)
    observed = X.copy()
    observed.data = rng.binomial(X.data.astype(np.int64), observed_fraction).astype(
        np.float64
    )
    held_out = X - observed
    observed.eliminate_zeros()
    held_out.eliminate_zeros()
    return observed.tocsr(), held_out.tocsr()


def _held_out_log_probability(doc_topic, topic_word, held_out):
    """Sum of the held-out tokens' log p(w) = log(theta_d @ beta_w)."""
    doc_topic = doc_topic / doc_topic.sum(axis=1, keepdims=True)
    topic_word = topic_word / topic_word.sum(axis=1, keepdims=True)
    rows = np.repeat(np.arange(held_out.shape[0]), np.diff(held_out.indptr))
    word_prob = np.einsum("nk,kn->n", doc_topic[rows], topic_word[:, held_out.indices])
    return float(np.sum(held_out.data * np.log(word_prob)))


@validate_params(
    {
        "model": [HasMethods(["transform"])],
        "X": ["array-like", "sparse matrix"],
        "observed_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def completion_perplexity(model, X, *, observed_fraction=0.5, random_state=0):
    """Document-completion perplexity of a topic model on held-out documents.

    Each document's words are split at random (:func:`split_document_words`);
    the model infers the document's topic mixture ``theta_d`` from the observed
    part (``model.transform``) and predicts each held-out word with probability
    ``theta_d @ beta_w``, ``beta`` being the normalised ``components_``. The
    perplexity is ``exp(-sum log p / held-out words)``, lower is better. It needs
    no bound and no sampler, so it compares any topic models, of any number of
    topics and from any library (Wallach et al., 2009, "document completion";
    Asuncion et al., 2009).

    Parameters
    ----------
    model : estimator
        A fitted topic model with ``transform`` (topic mixtures) and
        ``components_`` (topic-word weights), for example
        :class:`~sklatent.LDATopics` or scikit-learn's
        ``LatentDirichletAllocation``.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Held-out documents, whole-number word counts.
    observed_fraction : float, default=0.5
        Share of each document's tokens that is observed.
    random_state : int, RandomState instance or None, default=0
        Seed of the split; fixed by default so that models are compared on the
        same split.

    Returns
    -------
    perplexity : float
        Perplexity of the held-out words.

    Raises
    ------
    ValueError
        If no token is held out (documents too short), or X is not counts.

    Examples
    --------
    >>> from sklatent import LDATopics
    >>> from sklatent.datasets import make_lda_corpus
    >>> from sklatent.metrics import completion_perplexity
    >>> X, _, _ = make_lda_corpus(300, n_features=50, n_components=3,
    ...                           random_state=0)
    >>> lda = LDATopics(n_components=3, random_state=0).fit(X[:200])
    >>> bool(completion_perplexity(lda, X[200:]) < 50)
    True
    """
    observed, held_out = split_document_words(X, observed_fraction, random_state)
    n_words = held_out.sum()
    if n_words <= 0:
        raise ValueError(
            "No word was held out (the documents are too short); pass longer "
            "documents or a smaller observed_fraction."
        )
    doc_topic = model.transform(observed)
    topic_word = _topic_word_matrix(model)
    return float(
        np.exp(-_held_out_log_probability(doc_topic, topic_word, held_out) / n_words)
    )
