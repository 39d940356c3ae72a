"""The examples in the GaussianHMM docstrings and the user guide run as shown."""

import doctest
from pathlib import Path

import pytest

import sklatent.datasets
import sklatent.hmm._gaussian

USER_GUIDE = Path(__file__).parents[2] / "doc" / "user_guide" / "hmm.rst"


@pytest.mark.parametrize("module", [sklatent.hmm._gaussian, sklatent.datasets])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_user_guide_examples_run():
    result = doctest.testfile(
        str(USER_GUIDE), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 0
    assert result.failed == 0
