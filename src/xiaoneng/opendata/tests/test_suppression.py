"""小数抑制: the pure rule, on examples and on generated tables."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaoneng.opendata.suppression import THRESHOLD, suppressed


def test_examples():
    assert suppressed([]) == frozenset()
    assert suppressed([0, 0, 12]) == frozenset()
    assert suppressed([3, 0, 12, 7]) == {0, 3}  # one small row: the smallest other joins it
    assert suppressed([3, 4, 12]) == {0, 1}
    assert suppressed([3, 0]) == {0}  # nothing to pair it with, nothing to subtract either
    assert suppressed([5, 6]) == frozenset()
    assert suppressed([2, 9, 9]) == {0, 1}  # the first of equals


def test_refuses_nonsense():
    with pytest.raises(ValueError):
        suppressed([-1])
    with pytest.raises(ValueError):
        suppressed([1], threshold=0)


# Deterministic runs (the same examples every time), no deadline on a loaded machine.
PROPERTIES = settings(
    derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
populations = st.lists(st.integers(min_value=0, max_value=40), max_size=30)


@PROPERTIES
@given(populations)
def test_every_small_population_is_hidden(rows):
    hidden = suppressed(rows)
    assert all(i in hidden for i, n in enumerate(rows) if 0 < n < THRESHOLD)
    assert all(rows[i] > 0 for i in hidden)  # zeros identify no one and stay


@PROPERTIES
@given(populations)
def test_no_single_hidden_row_when_another_can_join_it(rows):
    hidden = suppressed(rows)
    if len(hidden) == 1:
        # The only hidden row is the only row with a population at all.
        assert sum(1 for n in rows if n > 0) == 1


@PROPERTIES
@given(populations)
def test_at_most_one_large_row_is_hidden(rows):
    hidden = suppressed(rows)
    assert sum(1 for i in hidden if rows[i] >= THRESHOLD) <= 1
