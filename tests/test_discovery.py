"""all_estimators and show_versions."""

import pytest

import sklatent
from sklatent import all_estimators, show_versions
from sklatent.hmm import BaseHMM


def test_all_estimators_lists_the_public_estimators_by_name():
    names = [name for name, _ in all_estimators()]
    assert names == [
        "CategoricalHMM",
        "GANSampler",
        "GMMHMM",
        "GaussianHMM",
        "LDATopics",
        "MultinomialHMM",
        "PoissonHMM",
        "VAETransformer",
    ]
    assert all(cls is getattr(sklatent, name) for name, cls in all_estimators())


def test_all_estimators_leaves_out_abstract_bases():
    assert BaseHMM not in [cls for _, cls in all_estimators()]


@pytest.mark.parametrize(
    ("type_filter", "expected"),
    [
        (
            "hmm",
            ["CategoricalHMM", "GMMHMM", "GaussianHMM", "MultinomialHMM", "PoissonHMM"],
        ),
        ("topic", ["LDATopics"]),
        (["neural", "topic"], ["GANSampler", "LDATopics", "VAETransformer"]),
    ],
)
def test_all_estimators_filters_by_family(type_filter, expected):
    assert [name for name, _ in all_estimators(type_filter)] == expected


@pytest.mark.parametrize("bad", ["classifier", ["hmm", "gan"]])
def test_all_estimators_rejects_unknown_families(bad):
    with pytest.raises(ValueError, match="type_filter"):
        all_estimators(bad)


def test_show_versions_names_the_dependencies(capsys):
    show_versions()
    out = capsys.readouterr().out
    for name in ("sklatent", "numpy", "scikit-learn", "torch", "numba"):
        assert f"{name}: " in out
    assert f"sklatent: {sklatent.__version__}" in out.replace("  ", " ")
