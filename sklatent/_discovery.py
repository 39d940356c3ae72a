"""Discovery of sklatent's public estimators, as ``sklearn.utils.all_estimators``."""

import importlib
import inspect
import pkgutil
from operator import itemgetter

from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import StrOptions, validate_params

__all__ = ["all_estimators"]

# The subpackages that hold estimators: the values of ``type_filter``.
_FAMILIES = ("hmm", "neural", "topic")


@validate_params(
    {"type_filter": [StrOptions(set(_FAMILIES)), list, None]},
    prefer_skip_nested_validation=True,
)
def all_estimators(type_filter=None):
    """Every public, concrete estimator of sklatent, with its name.

    Parameters
    ----------
    type_filter : {"hmm", "topic", "neural"}, list of them or None, default=None
        Keep only the estimators of these families: hidden Markov models
        (``"hmm"``), topic models (``"topic"``) or the torch estimators
        (``"neural"``). None keeps all.

    Returns
    -------
    estimators : list of (str, type)
        ``(name, class)`` pairs sorted by name. Abstract bases such as
        :class:`sklatent.hmm.BaseHMM` are left out.

    Examples
    --------
    >>> from sklatent import all_estimators
    >>> [name for name, _ in all_estimators(type_filter="topic")]
    ['LDATopics']
    """
    families = [type_filter] if isinstance(type_filter, str) else type_filter
    if families is not None:
        unknown = set(families) - set(_FAMILIES)
        if unknown:
            raise ValueError(
                f"type_filter must name families among {sorted(_FAMILIES)}, got "
                f"{sorted(unknown)}."
            )
    package = importlib.import_module("sklatent")
    found = {}
    for info in pkgutil.walk_packages(package.__path__, prefix="sklatent."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts[1:]) and not info.ispkg:
            continue
        if families is not None and parts[1] not in families:
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and not inspect.isabstract(obj)
                and obj.__module__.startswith("sklatent.")
            ):
                found[name] = obj
    return sorted(found.items(), key=itemgetter(0))
