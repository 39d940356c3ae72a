"""Fixtures of the HMM tests."""

import logging

import pytest


@pytest.fixture
def quiet_hmmlearn():
    """hmmlearn logs a warning whenever the log-likelihood drops by rounding error."""
    logger = logging.getLogger("hmmlearn")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
