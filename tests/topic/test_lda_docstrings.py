"""The Examples sections of the LDA docstrings run and print what they show."""

import doctest

import pytest

import sklatent.datasets
import sklatent.metrics
import sklatent.topic._lda


@pytest.mark.parametrize(
    "module", [sklatent.topic._lda, sklatent.datasets, sklatent.metrics]
)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
