"""Sphinx configuration of the sklatent documentation (builds offline)."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import sklatent

project = "sklatent"
author = "the sklatent developers"
copyright = "2026, the sklatent developers"
release = sklatent.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
# Show what our own classes (estimators and LatentMixin) define or inherit from each
# other; scikit-learn's generic methods are documented by scikit-learn.
autodoc_default_options = {
    "members": True,
    "inherited-members": "BaseEstimator, TransformerMixin, _SetOutputMixin, "
    "ClassNamePrefixFeaturesOutMixin, _MetadataRequester, object",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
    "sg_execution_times.rst",
]

html_theme = "pydata_sphinx_theme"
html_title = "sklatent"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}

# Examples run as part of the build, so the gallery never shows stale output.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"quickstart\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "show_memory": False,
}
