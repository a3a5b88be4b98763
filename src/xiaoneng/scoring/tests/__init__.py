"""Tests of the pure scoring core. They need no Django database."""

from hypothesis import HealthCheck, settings

# Deterministic runs: the same examples every time, nothing stored between runs.
PROPERTY_SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
