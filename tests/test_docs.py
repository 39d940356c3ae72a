"""Every example in the docstrings and in the documentation pages runs as shown."""

import doctest
import importlib
import pkgutil
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
