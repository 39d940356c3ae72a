"""What the emission models of discrete data share.

The categorical, Poisson and multinomial models all read rows of non-negative
integers (symbols or counts), checked here; the categorical and multinomial models
share their emission probabilities, their Dirichlet prior and their M-step.
"""

import numpy as np

from ._base import (
    _check_distribution,
    _dirichlet_map,
    broadcast_parameter,
    describe_rows,
)


def check_non_negative_integers(X, what):
    """Raise a ValueError naming the rows of X that are not non-negative integers.

    NaN entries (missing) are left to the caller.

    Parameters
    ----------
    X : ndarray of float64 of shape (n_samples, n_features)
        Validated frames.
    what : str
        What the entries are ("symbols", "counts"), for the message.
    """
    with np.errstate(invalid="ignore"):
        negative = X < 0
        fractional = np.mod(X, 1.0) != 0
    fractional &= ~np.isnan(X)
    if negative.any():
        # scikit-learn's checks expect this wording for models of positive data.
        raise ValueError(
            f"Negative values in data passed to X: X must hold non-negative integer "
            f"{what}, but {describe_rows(negative.any(axis=1))} hold negative values."
        )
    if fractional.any():
        raise ValueError(
            f"X must hold non-negative integer {what}, but "
            f"{describe_rows(fractional.any(axis=1))}"
            " hold values with a fractional part."
        )


def with_integer_input_tags(tags):
    """Tags of models of non-negative integers (symbols or counts).

    Integer-coded data is what scikit-learn's ``categorical`` input tag stands
    for: with it (and ``positive_only``) its checks pass non-negative integers
    rather than fractions.
    """
    tags.input_tags.categorical = True
    tags.input_tags.positive_only = True
    return tags


class EmissionProbabilities:
    """The emission probabilities of the categorical and multinomial models.

    Both emit from ``emissionprob_`` of shape (n_components, n_outcomes), with a
    Dirichlet prior ``emissionprob_prior`` and starting values
    ``emissionprob_init``; they differ in what a frame is (one symbol, or counts
    of the outcomes) and so in the log-probability, the statistics and the draws.
    A subclass says how many outcomes there are in ``_n_outcomes``.
    """

    _emission_letters = "e"
    _emission_attributes = ("emissionprob_",)

    def _emissionprob_prior(self, n_outcomes):
        prior = broadcast_parameter(
            self.emissionprob_prior,
            (self.n_components, n_outcomes),
            "emissionprob_prior",
        )
        if np.any(prior <= 0):
            raise ValueError(
                "emissionprob_prior must hold positive Dirichlet concentrations "
                f"(1 means no prior), got {self.emissionprob_prior!r}."
            )
        return prior

    def _checked_emissionprob_init(self, n_outcomes):
        return _check_distribution(
            self.emissionprob_init,
            (self.n_components, n_outcomes),
            "emissionprob_init",
        )

    def _check_emissionprob_parameters(self, n_outcomes):
        self._emissionprob_prior(n_outcomes)
        if self.emissionprob_init is not None:
            self._checked_emissionprob_init(n_outcomes)

    def _initialize_emissionprob(self, n_outcomes, random_state, previous):
        # As in hmmlearn: uniform random rows, normalised. Drawn in every restart
        # so that the random stream does not depend on what is given.
        draw = random_state.random_sample((self.n_components, n_outcomes))
        if self.emissionprob_init is not None:
            self.emissionprob_ = self._checked_emissionprob_init(n_outcomes)
        elif "e" in self.init_params:
            self.emissionprob_ = draw / draw.sum(axis=1, keepdims=True)
        else:
            self.emissionprob_ = previous["emissionprob_"]
            if self.emissionprob_.shape[1] != n_outcomes:
                raise ValueError(
                    f"init_params={self.init_params!r} continues from the earlier "
                    f"fit's emissionprob_, over {self.emissionprob_.shape[1]} "
                    f"outcomes, but this fit has {n_outcomes}; add 'e' to "
                    "init_params to start afresh."
                )

    def _emission_m_step(self, statistics):
        if "e" in self.params:
            prior = self._emissionprob_prior(self.emissionprob_.shape[1])
            # A state without frames has no counts and keeps its row.
            self.emissionprob_ = _dirichlet_map(
                prior, statistics["outcome_counts"], self.emissionprob_
            )

    def _n_emission_parameters(self):
        n_states, n_outcomes = self.emissionprob_.shape
        return n_states * (n_outcomes - 1)
