"""``show_versions``: what to paste into a bug report."""

import importlib
import platform
import sys
from importlib.metadata import PackageNotFoundError, version

from threadpoolctl import threadpool_info

__all__ = ["show_versions"]

_DEPENDENCIES = [
    "sklatent",
    "numpy",
    "scipy",
    "scikit-learn",
    "torch",
    "skorch",
    "numba",
    "tqdm",
    "skops",
    "pandas",
    "hmmlearn",
    "gensim",
    "dask",
]


def _versions():
    """Installed version of each dependency, None where it is not installed."""
    versions = {}
    for name in _DEPENDENCIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def _backends():
    """Accelerators and thread layers that change results or speed."""
    info = {}
    torch = importlib.import_module("torch")
    info["torch threads"] = torch.get_num_threads()
    info["cuda available"] = torch.cuda.is_available()
    if torch.cuda.is_available():
        info["cuda device"] = torch.cuda.get_device_name(0)
    numba = importlib.import_module("numba")
    info["numba threads"] = numba.config.NUMBA_NUM_THREADS
    return info


def show_versions():
    """Print the system, the versions of sklatent's dependencies and its backends.

    Paste the output into bug reports: results and speed depend on these.

    Examples
    --------
    >>> from sklatent import show_versions
    >>> show_versions()  # doctest: +ELLIPSIS
    <BLANKLINE>
    System:
        python: ...
    """
    sections = {
        "System": {
            "python": sys.version.replace("\n", " "),
            "executable": sys.executable,
            "machine": platform.platform(),
        },
        "Python dependencies": _versions(),
        "Backends": _backends(),
    }
    for title, values in sections.items():
        print(f"\n{title}:")
        for key, value in values.items():
            print(f"{key:>20}: {value}")
    print("\nThreadpool libraries:")
    for pool in threadpool_info():
        print(f"{pool['internal_api']:>20}: {pool['num_threads']} threads")
