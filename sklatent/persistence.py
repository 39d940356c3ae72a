"""Saving and loading fitted estimators safely, with skops.io.

``pickle`` runs whatever code a file names when it is loaded, so a pickled model
from someone you do not trust can take over your machine. ``skops.io`` stores an
estimator as plain data (arrays, numbers, strings and the names of the types
involved) and refuses, on loading, to build any type that the caller did not declare
trusted. :func:`dump` and :func:`load` wrap it with the list of types that sklatent's
estimators are made of, so a file written by sklatent loads without a long
``trusted=`` list, and a file that names any other type is refused with the list of
those types.

Neural networks are saved as their weights (numpy arrays) and the description of
their architecture, never as pickled torch code, so a model fitted on a GPU loads on a
machine without one. ``pickle`` and ``joblib`` keep working as well for files you
wrote yourself.
"""

import os

import skops.io as sio
from sklearn.utils._param_validation import HasMethods, validate_params

import sklatent

from .base import ConvergenceMonitor

__all__ = ["dump", "load", "trusted_types"]


def trusted_types():
    """Names of the types that sklatent's own estimators are saved with.

    Returns
    -------
    types : list of str
        Fully qualified type names that :func:`load` accepts without being told.

    Examples
    --------
    >>> from sklatent.persistence import trusted_types
    >>> "sklatent.hmm._gaussian.GaussianHMM" in trusted_types()
    True
    """
    estimators = [
        obj
        for name in sklatent.__all__
        if isinstance(obj := getattr(sklatent, name), type)
    ]
    types = [ConvergenceMonitor, *estimators]
    # An estimator lists the further types of its own state in _persisted_types.
    for estimator in estimators:
        types.extend(getattr(estimator, "_persisted_types", ()))
    return sorted({f"{cls.__module__}.{cls.__qualname__}" for cls in types})


@validate_params(
    {"estimator": "no_validation", "file": [str, os.PathLike, HasMethods(["write"])]},
    prefer_skip_nested_validation=True,
)
def dump(estimator, file):
    """Save a (fitted) estimator to a ``.skops`` file.

    Parameters
    ----------
    estimator : object
        The estimator to save, typically a fitted sklatent estimator or a
        ``Pipeline`` that contains one.
    file : str or path-like or file-like
        Where to write.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklatent import GaussianHMM
    >>> from sklatent.persistence import dump, load
    >>> from sklatent.datasets import make_hmm_sequences
    >>> X, lengths, _, _ = make_hmm_sequences(n_sequences=3, random_state=0)
    >>> hmm = GaussianHMM(n_components=3, random_state=0).fit(X, lengths=lengths)
    >>> path = os.path.join(tempfile.mkdtemp(), "hmm.skops")
    >>> dump(hmm, path)
    >>> bool((load(path).predict(X) == hmm.predict(X)).all())
    True
    """
    sio.dump(estimator, file)


@validate_params(
    {
        "file": [str, os.PathLike, HasMethods(["read"])],
        "trusted": [list, tuple, None],
    },
    prefer_skip_nested_validation=True,
)
def load(file, *, trusted=None):
    """Load an estimator saved with :func:`dump`, building only trusted types.

    Parameters
    ----------
    file : str or path-like or file-like
        The ``.skops`` file.
    trusted : list or tuple of str, default=None
        Further type names to trust besides :func:`trusted_types` (for example the
        class of a custom torch module you wrote yourself). Inspect a file's types with
        ``skops.io.get_untrusted_types(file=...)`` before trusting them.

    Returns
    -------
    estimator : object
        The loaded estimator.

    Raises
    ------
    ValueError
        If the file names a type that is neither an sklatent type nor in ``trusted``
        nor trusted by skops itself (numpy, scipy and scikit-learn types are).

    Examples
    --------
    A file that names a function nobody declared trusted is refused until the
    caller trusts it:

    >>> import io
    >>> import skops.io as sio
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sklatent.persistence import load
    >>> file = io.BytesIO(sio.dumps(FunctionTransformer(print)))
    >>> load(file)
    Traceback (most recent call last):
      ...
    ValueError: ... names types that sklatent does not trust: ['builtins.print']. ...
    >>> load(file, trusted=["builtins.print"]).func is print
    True
    """
    untrusted = sio.get_untrusted_types(file=file)
    allowed = set(trusted_types()) | set(trusted or ())
    unknown = sorted(set(untrusted) - allowed)
    if unknown:
        raise ValueError(
            f"{file!r} names types that sklatent does not trust: {unknown}. If you "
            "trust whoever wrote the file, pass them as load(..., trusted=[...])."
        )
    if hasattr(file, "seek"):
        file.seek(0)
    return sio.load(file, trusted=untrusted)
