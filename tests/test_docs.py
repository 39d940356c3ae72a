"""Every example in the docstrings and in the documentation pages runs as shown.

Each doctest item must also run at least one example: a module or a page without any
would pass ``doctest`` while checking nothing.
"""

import doctest
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import sklatent

DOC = Path(__file__).parents[1] / "doc"
# Folders and files of doc/ that are no pages: templates, static files and what the
# docs build writes.
NOT_PAGES = {
    "_build",
    "_static",
    "_templates",
    "auto_examples",
    "generated",
    "sg_execution_times.rst",
}
MODULES = sorted(
    info.name for info in pkgutil.walk_packages(sklatent.__path__, prefix="sklatent.")
)
PAGES = sorted(
    path
    for path in DOC.rglob("*.rst")
    if not NOT_PAGES.intersection(path.relative_to(DOC).parts)
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _public_modules():
    """sklatent and its modules whose dotted names have no private part."""
    return ["sklatent"] + [
        name
        for name in MODULES
        if not any(part.startswith("_") for part in name.split("."))
    ]


def _public_names():
    """Every public name of sklatent's public modules, as (module name, name)."""
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            if not name.startswith("__"):
                yield module_name, name


def _public_objects():
    """The public classes and functions, each once, by the name users import."""
    found = {}
    for module_name, name in _public_names():
        obj = getattr(importlib.import_module(module_name), name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            found.setdefault(obj, f"{module_name}.{name}")
    return {qualified: obj for obj, qualified in found.items()}


PUBLIC_OBJECTS = _public_objects()
# The modules that define a public class or function: where their docstrings live.
DEFINING_MODULES = sorted({obj.__module__ for obj in PUBLIC_OBJECTS.values()})


def test_doctests_cover_every_module_with_public_objects():
    # Guards the discovery itself: a module that defines a public object is tested.
    assert {"sklatent.base", "sklatent.datasets", "sklatent.latent"} <= set(
        DEFINING_MODULES
    )
    assert "sklatent.hmm._kernels" not in DEFINING_MODULES


@pytest.mark.parametrize("name", DEFINING_MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=FLAGS)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} defines public objects but runs no example"


@pytest.mark.parametrize("name", sorted(PUBLIC_OBJECTS))
def test_every_public_object_has_an_example(name):
    tests = doctest.DocTestFinder(recurse=False).find(PUBLIC_OBJECTS[name])
    assert sum(len(test.examples) for test in tests) > 0, (
        f"{name} has no Examples section that runs"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(DOC)))
def test_documentation_page_examples_run(page):
    result = doctest.testfile(str(page), module_relative=False, optionflags=FLAGS)
    assert result.failed == 0
    assert result.attempted > 0, f"{page.name} shows no example that runs"


def test_api_reference_lists_every_public_name():
    api = "\n".join(path.read_text() for path in (DOC / "api").glob("*.rst"))
    missing = [
        f"{module}.{name}"
        for module, name in _public_names()
        if not re.search(rf"^\s+{re.escape(name)}\s*$", api, flags=re.MULTILINE)
    ]
    assert not missing, f"not in doc/api/*.rst: {missing}"
