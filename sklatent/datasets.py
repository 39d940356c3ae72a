"""Generators of data with known latent structure, for tests, docs and benchmarks.

Each ``make_*`` function returns the observed data together with the latent values
and the true parameters that generated it, so that fitted models can be compared with
the truth.
"""
