"""Generators of data with known latent structure, for tests, docs and benchmarks.

Each ``make_*`` function returns the observed data together with the latent values
and the true parameters that generated it, so that fitted models can be compared with
the truth. ``load_stdlib_docstrings`` is a real text corpus that ships with Python.
"""

import importlib
import inspect
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from .topic._sampling import draw_dirichlet, draw_documents

__all__ = [
    "load_stdlib_docstrings",
    "make_gaussian_grid",
    "make_gaussian_ring",
    "make_hmm_sequences",
    "make_latent_manifold",
    "make_lda_corpus",
    "make_mixed_table",
]

_POSITIVE_INT = Interval(Integral, 1, None, closed="left")
_POSITIVE_REAL = Interval(Real, 0, None, closed="neither")


def make_hmm_sequences(
    n_sequences=10,
    sequence_length=100,
    n_components=3,
    n_features=2,
    *,
    self_transition=0.9,
    separation=3.0,
    random_state=None,
):
    """Sample sequences from a random hidden Markov model with Gaussian emissions.

    The true model has diagonal covariances with variances in [0.5, 1.5], means drawn
    from a normal distribution with standard deviation ``separation``, a
    probability ``self_transition`` of staying in a state (the rest spread at random
    over the other states) and random start probabilities.

    Parameters
    ----------
    n_sequences : int, default=10
        Number of sequences.
    sequence_length : int, default=100
        Number of frames of each sequence.
    n_components : int, default=3
        Number of hidden states.
    n_features : int, default=2
        Number of features of each frame.
    self_transition : float, default=0.9
        Probability of staying in the same state from one frame to the next, in
        [0, 1] (a model with one state always stays).
    separation : float, default=3.0
        Scale of the state means relative to the unit noise; larger values make the
        states easier to tell apart.
    random_state : int, RandomState instance or None, default=None
        Randomness of the model and of the samples.

    Returns
    -------
    X : ndarray of shape (n_sequences * sequence_length, n_features)
        The frames of all sequences, one after another.
    lengths : ndarray of int64 of shape (n_sequences,)
        Number of frames of each sequence.
    states : ndarray of int64 of shape (n_sequences * sequence_length,)
        The hidden state of each frame.
    params : dict
        The true parameters: ``"startprob"``, ``"transmat"``, ``"means"`` and
        ``"covariances"`` (diagonal, shape (n_components, n_features)).

    Examples
    --------
    >>> from sklatent.datasets import make_hmm_sequences
    >>> X, lengths, states, params = make_hmm_sequences(
    ...     n_sequences=4, sequence_length=50, random_state=0)
    >>> X.shape, lengths.tolist(), params["transmat"].shape
    ((200, 2), [50, 50, 50, 50], (3, 3))
    """
    from .hmm import GaussianHMM

    for name, value in [
        ("n_sequences", n_sequences),
        ("sequence_length", sequence_length),
        ("n_components", n_components),
        ("n_features", n_features),
    ]:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(f"{name} must be an integer, got {value!r}.")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}.")
    if not 0.0 <= self_transition <= 1.0:
        raise ValueError(
            f"self_transition must be a probability in [0, 1], got {self_transition}."
        )
    if not separation > 0:
        raise ValueError(f"separation must be positive, got {separation}.")
    rng = check_random_state(random_state)
    startprob = rng.dirichlet(np.full(n_components, 5.0))
    if n_components == 1:
        transmat = np.ones((1, 1))
    else:
        transmat = np.empty((n_components, n_components))
        for state in range(n_components):
            others = rng.dirichlet(np.full(n_components - 1, 5.0))
            transmat[state] = np.insert(
                (1.0 - self_transition) * others, state, self_transition
            )
    means = separation * rng.standard_normal((n_components, n_features))
    covariances = rng.uniform(0.5, 1.5, size=(n_components, n_features))

    model = GaussianHMM(n_components, covariance_type="diag")
    model.startprob_, model.transmat_ = startprob, transmat
    model.means_, model.covariances_ = means, covariances
    model.n_features_in_ = n_features
    lengths = np.full(n_sequences, sequence_length, dtype=np.int64)
    X, states = model._sample_sequences(lengths, rng)
    params = {
        "startprob": startprob,
        "transmat": transmat,
        "means": means,
        "covariances": covariances,
    }
    return X, lengths, states, params


@validate_params(
    {
        "n_samples": [_POSITIVE_INT],
        "n_features": [_POSITIVE_INT],
        "n_components": [_POSITIVE_INT],
        "doc_length": [Interval(Real, 0, None, closed="left")],
        "doc_topic_prior": [_POSITIVE_REAL],
        "topic_word_prior": [_POSITIVE_REAL],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_lda_corpus(
    n_samples=1000,
    n_features=1000,
    n_components=10,
    *,
    doc_length=100,
    doc_topic_prior=0.1,
    topic_word_prior=0.01,
    random_state=None,
):
    """Draw a corpus of word counts from a latent Dirichlet allocation model.

    Each topic is a word distribution drawn from a symmetric
    Dirichlet(``topic_word_prior``); each document draws a topic mixture from a
    symmetric Dirichlet(``doc_topic_prior``) and a Poisson(``doc_length``) number of
    words, each word a topic from the mixture and then a word from that topic.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of documents.
    n_features : int, default=1000
        Size of the vocabulary.
    n_components : int, default=10
        Number of topics.
    doc_length : float, default=100
        Mean number of words per document.
    doc_topic_prior : float, default=0.1
        Concentration of the documents' topic mixtures (``alpha``).
    topic_word_prior : float, default=0.01
        Concentration of the topics' word distributions (``eta``).
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features)
        Word counts of the documents (int64).
    topic_word : ndarray of shape (n_components, n_features)
        The true topics: word distribution of each topic.
    doc_topic : ndarray of shape (n_samples, n_components)
        The true topic mixture of each document.

    Examples
    --------
    >>> from sklatent.datasets import make_lda_corpus
    >>> X, topic_word, doc_topic = make_lda_corpus(
    ...     n_samples=50, n_features=30, n_components=4, random_state=0
    ... )
    >>> X.shape, topic_word.shape, doc_topic.shape
    ((50, 30), (4, 30), (50, 4))
    """
    random_state = check_random_state(random_state)
    topic_word = draw_dirichlet(
        np.full(n_features, float(topic_word_prior)), n_components, random_state
    )
    doc_topic = draw_dirichlet(
        np.full(n_components, float(doc_topic_prior)), n_samples, random_state
    )
    lengths = random_state.poisson(doc_length, size=n_samples)
    X = draw_documents(doc_topic, topic_word, lengths, random_state)
    return X, topic_word, doc_topic


# Standard-library modules covering text, numbers, files, networking, concurrency,
# dates and data formats: a corpus with clearly different subjects.
STDLIB_MODULES = (
    "argparse asyncio calendar collections concurrent.futures configparser csv "
    "datetime decimal difflib email.message fractions ftplib functools gzip hashlib "
    "heapq http.client imaplib itertools json logging mailbox math multiprocessing "
    "os pathlib pickle queue random re shutil smtplib socket sqlite3 statistics "
    "string subprocess tarfile tempfile textwrap threading time unittest "
    "urllib.parse urllib.request uuid zipfile zoneinfo"
).split()


def _public_docstrings(module_name):
    """Docstrings of a module's public callables and of their public methods."""
    module = importlib.import_module(module_name)
    found = []
    for name, obj in inspect.getmembers(module):
        if name.startswith("_") or not callable(obj):
            continue
        found.append(inspect.getdoc(obj) or "")
        if inspect.isclass(obj):
            for method_name, method in inspect.getmembers(obj, callable):
                if not method_name.startswith("_"):
                    found.append(inspect.getdoc(method) or "")
    return found


def load_stdlib_docstrings(modules=None, *, min_words=8):
    """A text corpus that ships with Python: docstrings of standard-library modules.

    Each docstring of a public function, class or method of the given modules is
    one document. Inherited docstrings repeat, so each text is kept once; the
    documents come sorted, so the corpus is the same on every run of the same Python.

    Parameters
    ----------
    modules : list of str, default=None
        Names of the modules to read. By default, about fifty modules covering
        text, numbers, files, networking, concurrency, dates and data formats.
    min_words : int, default=8
        Docstrings with fewer whitespace-separated words are left out.

    Returns
    -------
    documents : list of str
        The docstrings.

    Examples
    --------
    >>> from sklatent.datasets import load_stdlib_docstrings
    >>> docs = load_stdlib_docstrings(["json"])
    >>> any("JSON" in doc for doc in docs)
    True
    """
    names = STDLIB_MODULES if modules is None else modules
    texts = {text for name in names for text in _public_docstrings(name)}
    return sorted(text for text in texts if len(text.split()) >= min_words)


def _sample_isotropic_mixture(centers, std, n_samples, random_state):
    """Draw rows from equally weighted isotropic Gaussians around ``centers``."""
    rng = check_random_state(random_state)
    modes = rng.randint(centers.shape[0], size=n_samples)
    X = centers[modes] + std * rng.standard_normal((n_samples, centers.shape[1]))
    return X, modes


@validate_params(
    {
        "n_samples": [_POSITIVE_INT],
        "grid_size": [_POSITIVE_INT],
        "spacing": [_POSITIVE_REAL],
        "std": [_POSITIVE_REAL],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_gaussian_grid(
    n_samples=2500, *, grid_size=5, spacing=2.0, std=0.05, random_state=None
):
    """Draw points from Gaussians at the nodes of a square grid.

    The standard mode-collapse benchmark of the GAN literature (VEEGAN, PacGAN): with
    the defaults, 25 equally likely Gaussians with standard deviation 0.05 centred at
    ``{-4, -2, 0, 2, 4}^2``. The latent variable is the mode each row comes from.

    Parameters
    ----------
    n_samples : int, default=2500
        Number of rows.
    grid_size : int, default=5
        Number of modes along each axis; there are ``grid_size ** 2`` modes.
    spacing : float, default=2.0
        Distance between neighbouring centres. The grid is centred on the origin.
    std : float, default=0.05
        Standard deviation of each Gaussian along each axis.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points.
    modes : ndarray of int of shape (n_samples,)
        Index (a row of ``centers``) of the Gaussian each point was drawn from.
    centers : ndarray of shape (grid_size ** 2, 2)
        The true centres.

    See Also
    --------
    make_gaussian_ring : The same benchmark with the modes on a circle.
    sklatent.metrics.mode_coverage : Modes covered, high-quality fraction, reverse KL.

    References
    ----------
    .. [1] Z. Lin, A. Khetan, G. Fanti and S. Oh, "PacGAN: The power of two samples in
       generative adversarial networks", NeurIPS 2018.

    Examples
    --------
    >>> from sklatent.datasets import make_gaussian_grid
    >>> X, modes, centers = make_gaussian_grid(100, random_state=0)
    >>> X.shape, centers.shape
    ((100, 2), (25, 2))
    >>> centers[0], centers[-1]
    (array([-4., -4.]), array([4., 4.]))
    """
    axis = spacing * (np.arange(grid_size) - (grid_size - 1) / 2)
    centers = np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)
    X, modes = _sample_isotropic_mixture(centers, std, n_samples, random_state)
    return X, modes, centers


@validate_params(
    {
        "n_samples": [_POSITIVE_INT],
        "n_modes": [_POSITIVE_INT],
        "radius": [_POSITIVE_REAL],
        "std": [_POSITIVE_REAL],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_gaussian_ring(
    n_samples=2500, *, n_modes=8, radius=1.0, std=0.01, random_state=None
):
    """Draw points from Gaussians evenly spaced on a circle.

    The standard mode-collapse benchmark of the GAN literature (VEEGAN, PacGAN): with
    the defaults, 8 equally likely Gaussians with standard deviation 0.01 centred at
    ``(cos(2 pi k / 8), sin(2 pi k / 8))``. The latent variable is the mode each row
    comes from.

    Parameters
    ----------
    n_samples : int, default=2500
        Number of rows.
    n_modes : int, default=8
        Number of Gaussians on the circle.
    radius : float, default=1.0
        Radius of the circle, centred on the origin.
    std : float, default=0.01
        Standard deviation of each Gaussian along each axis.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points.
    modes : ndarray of int of shape (n_samples,)
        Index (a row of ``centers``) of the Gaussian each point was drawn from.
    centers : ndarray of shape (n_modes, 2)
        The true centres, counter-clockwise from ``(radius, 0)``.

    See Also
    --------
    make_gaussian_grid : The same benchmark with the modes on a square grid.
    sklatent.metrics.mode_coverage : Modes covered, high-quality fraction, reverse KL.

    References
    ----------
    .. [1] Z. Lin, A. Khetan, G. Fanti and S. Oh, "PacGAN: The power of two samples in
       generative adversarial networks", NeurIPS 2018.

    Examples
    --------
    >>> from sklatent.datasets import make_gaussian_ring
    >>> X, modes, centers = make_gaussian_ring(100, random_state=0)
    >>> X.shape, centers.shape
    ((100, 2), (8, 2))
    >>> bool(abs(np.hypot(*X.T) - 1).max() < 0.1)
    True
    """
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    centers = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    X, modes = _sample_isotropic_mixture(centers, std, n_samples, random_state)
    return X, modes, centers


def make_latent_manifold(
    n_samples=500, n_features=10, n_components=2, *, noise=0.05, random_state=None
):
    """Rows near a smooth nonlinear manifold of known dimension.

    The latent values are standard normal, ``Z ~ N(0, I)`` in ``n_components``
    dimensions; the data are ``X = tanh(Z @ W_in) @ W_out + noise * E`` with
    random Gaussian weights (``n_components`` to ``4 * n_features`` hidden units to
    ``n_features``) and standard normal ``E``. With small noise the data live
    near an ``n_components``-dimensional surface curved inside ``n_features``
    dimensions, which no linear method flattens exactly.

    Parameters
    ----------
    n_samples : int, default=500
        Number of rows.
    n_features : int, default=10
        Number of observed columns.
    n_components : int, default=2
        Dimension of the manifold (the true latent size).
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to every entry.
    random_state : int, RandomState instance or None, default=None
        Seed of the weights, latent values and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The observed rows.
    Z : ndarray of shape (n_samples, n_components)
        The latent value behind each row.
    params : dict
        ``"W_in"`` and ``"W_out"``, the weights of the map, and ``"noise"``.

    Examples
    --------
    >>> from sklatent.datasets import make_latent_manifold
    >>> X, Z, params = make_latent_manifold(100, n_features=6, random_state=0)
    >>> X.shape, Z.shape
    ((100, 6), (100, 2))
    """
    rng = check_random_state(random_state)
    n_hidden = 4 * n_features
    W_in = rng.normal(size=(n_components, n_hidden))
    W_out = rng.normal(size=(n_hidden, n_features)) / np.sqrt(n_hidden)
    Z = rng.normal(size=(n_samples, n_components))
    X = np.tanh(Z @ W_in) @ W_out + noise * rng.normal(size=(n_samples, n_features))
    return X, Z, {"W_in": W_in, "W_out": W_out, "noise": noise}


#: Columns of :func:`make_mixed_table`, in order.
_MIXED_COLUMNS = ("x1", "x2", "x3", "x4", "income", "count", "flag", "colour", "unit")
_MIXED_COLOURS = np.array(["blue", "green", "red"])


@validate_params(
    {
        "n_samples": [_POSITIVE_INT],
        "as_frame": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_mixed_table(n_samples=1000, *, as_frame=False, random_state=None):
    """A mixed-type table whose structure is known and hard to model column by column.

    Each row belongs to one of three groups (the class ``y``: 0, 1, 2 with
    probabilities 0.5, 0.3, 0.2). The columns are:

    - ``x1``, ``x2``: the groups' clusters lie along the diagonal, centred at
      ``(-2, -2)``, ``(0, 0)`` and ``(2, 2)``, each stretched along the
      anti-diagonal (standard deviation 1.5 there, 0.3 across). Jointly the groups
      are well apart; each column alone shows them overlapping;
    - ``x3``, ``x4``: standard normal each, correlated +0.9 when ``flag`` is 1
      and -0.9 when it is 0: two sub-populations that differ only in a
      combination of the columns, not in any marginal;
    - ``income``: positive and skewed, ``exp(1 + 0.3 x1 + 0.5 e)``;
    - ``count``: integer, Poisson with rate ``exp(0.5 + 0.5 y)``;
    - ``flag``: binary (0 or 1), 1 with probability 0.4;
    - ``colour``: categorical ("blue", "green", "red"), its frequencies
      depending on the group;
    - ``unit``: constant, 0.001 in every row.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.
    as_frame : bool, default=False
        Return a pandas DataFrame with typed columns (integers for ``count`` and
        ``flag``, a categorical of strings for ``colour``) instead of an array.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, 9) or DataFrame
        The table, columns as listed above; in the array, ``colour`` holds the
        indices 0, 1, 2 of its categories.
    y : ndarray of int of shape (n_samples,)
        The group of each row.

    Examples
    --------
    >>> from sklatent.datasets import make_mixed_table
    >>> X, y = make_mixed_table(200, as_frame=True, random_state=0)
    >>> list(X.columns)
    ['x1', 'x2', 'x3', 'x4', 'income', 'count', 'flag', 'colour', 'unit']
    >>> X["colour"].dtype.name, X["count"].dtype.name, X["unit"].nunique()
    ('category', 'int64', 1)
    """
    rng = check_random_state(random_state)
    y = rng.choice(3, size=n_samples, p=[0.5, 0.3, 0.2])
    along, across = (
        1.5 * rng.standard_normal(n_samples),
        0.3 * rng.standard_normal(n_samples),
    )
    centre = 2.0 * (y - 1.0)
    x1 = centre + (across - along) / np.sqrt(2)
    x2 = centre + (across + along) / np.sqrt(2)
    flag = (rng.uniform(size=n_samples) < 0.4).astype(np.int64)
    correlation = np.where(flag == 1, 0.9, -0.9)
    x3 = rng.standard_normal(n_samples)
    x4 = correlation * x3 + np.sqrt(1 - correlation**2) * rng.standard_normal(n_samples)
    income = np.exp(1.0 + 0.3 * x1 + 0.5 * rng.standard_normal(n_samples))
    count = rng.poisson(np.exp(0.5 + 0.5 * y)).astype(np.int64)
    colour_probabilities = np.array([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.1, 0.2, 0.7]])
    cumulative = colour_probabilities[y].cumsum(axis=1)
    colour = (rng.uniform(size=(n_samples, 1)) > cumulative).sum(axis=1)
    unit = np.full(n_samples, 0.001)
    columns = (x1, x2, x3, x4, income, count, flag, colour, unit)
    if not as_frame:
        return np.column_stack(columns).astype(np.float64), y
    import pandas as pd

    frame = pd.DataFrame(dict(zip(_MIXED_COLUMNS, columns)))
    frame["colour"] = pd.Categorical(_MIXED_COLOURS[colour], categories=_MIXED_COLOURS)
    return frame, y
