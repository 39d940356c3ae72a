import os

# scikit-learn's check_array_api_input runs only when scipy is imported with array API
# support switched on; set it before anything imports scipy so that check runs too.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

from hypothesis import HealthCheck, settings

# Property tests run the same number of examples everywhere; no deadline, since the
# first call of a compiled kernel includes its compilation.
settings.register_profile(
    "sklatent",
    deadline=None,
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", 30)),
    suppress_health_check=[HealthCheck.too_slow],
)
# In CI (which sets CI), the examples are derived from each test's name, so a red run
# is reproduced by running the same test again.
settings.register_profile(
    "ci", parent=settings.get_profile("sklatent"), derandomize=True, print_blob=True
)
settings.load_profile("ci" if os.environ.get("CI") else "sklatent")
