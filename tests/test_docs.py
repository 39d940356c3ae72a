"""Every example in the docstrings and in the documentation pages runs as shown."""

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import sklatent

DOC = Path(__file__).parents[1] / "doc"
MODULES = sorted(
    info.name for info in pkgutil.walk_packages(sklatent.__path__, prefix="sklatent.")
)
PAGES = sorted(
    path
    for path in DOC.rglob("*.rst")
    if not path.is_relative_to(DOC / "_build")
    and not path.is_relative_to(DOC / "generated")
    and not path.is_relative_to(DOC / "auto_examples")
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=FLAGS)
    assert result.failed == 0


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(DOC)))
def test_documentation_page_examples_run(page):
    result = doctest.testfile(str(page), module_relative=False, optionflags=FLAGS)
    assert result.failed == 0


def test_every_public_estimator_has_a_running_example():
    for name in sklatent.__all__:
        obj = getattr(sklatent, name)
        if isinstance(obj, type):
            assert ">>> " in obj.__doc__, f"{name} has no Examples section"


def _public_names():
    """Every public name of sklatent's public modules."""
    modules = ["sklatent"] + [
        name
        for name in MODULES
        if not any(part.startswith("_") for part in name.split("."))
    ]
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            if not name.startswith("__"):
                yield module_name, name


def test_api_reference_lists_every_public_name():
    api = "\n".join(path.read_text() for path in (DOC / "api").glob("*.rst"))
    missing = [
        f"{module}.{name}"
        for module, name in _public_names()
        if not re.search(rf"^\s+{re.escape(name)}\s*$", api, flags=re.MULTILINE)
    ]
    assert not missing, f"not in doc/api/*.rst: {missing}"
