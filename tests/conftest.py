import os

from hypothesis import HealthCheck, settings

# Property tests run the same number of examples everywhere; no deadline, since the
# first call of a compiled kernel includes its compilation.
settings.register_profile(
    "sklatent",
    deadline=None,
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", 30)),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("sklatent")
