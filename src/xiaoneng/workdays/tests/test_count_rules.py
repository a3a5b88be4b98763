"""The two counting rules (次日起算 and 含本数), checked against a naive day-by-day count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from xiaoneng.workdays import (
    SHANGHAI,
    CountRule,
    add_workdays,
    add_workdays_counted,
    default_calendar,
    workdays_counted,
)

from . import PROPERTY_SETTINGS

CAL = default_calendar()
ONE_DAY = timedelta(days=1)
zones = st.sampled_from([SHANGHAI, UTC])
starts = st.datetimes(
    min_value=datetime(2003, 6, 1), max_value=datetime(2030, 12, 31), timezones=zones
)
limits = st.integers(min_value=1, max_value=300)
rules = st.sampled_from(list(CountRule))


def naive(start: datetime, n: int, rule: CountRule) -> date:
    """Walk day by day: 含本数 counts the starting day itself when it is a working day."""
    d = start.astimezone(SHANGHAI).date()
    count = 1 if rule is CountRule.INCLUSIVE and CAL.is_workday(d) else 0
    while count < n:
        d += ONE_DAY
        if CAL.is_workday(d):
            count += 1
    return d


@PROPERTY_SETTINGS
@given(start=starts, n=limits, rule=rules)
def test_agrees_with_naive_walk(start: datetime, n: int, rule: CountRule) -> None:
    assert add_workdays_counted(start, n, rule).due.date() == naive(start, n, rule)


@PROPERTY_SETTINGS
@given(start=starts, n=limits)
def test_next_day_rule_is_the_national_rule(start: datetime, n: int) -> None:
    assert add_workdays_counted(start, n, CountRule.NEXT_DAY) == add_workdays(start, n)


@PROPERTY_SETTINGS
@given(start=starts, n=limits)
def test_inclusive_ends_one_working_day_earlier_on_a_working_day(start: datetime, n: int) -> None:
    inclusive = add_workdays_counted(start, n, CountRule.INCLUSIVE).due
    next_day = add_workdays_counted(start, n, CountRule.NEXT_DAY).due
    if CAL.is_workday(start.astimezone(SHANGHAI).date()):
        assert CAL.workdays_between(inclusive, next_day) == 1
    else:  # a rest day never counts: the first working day after it is day one either way
        assert inclusive == next_day


@PROPERTY_SETTINGS
@given(start=starts, n=limits, rule=rules)
def test_the_limit_uses_exactly_n_days(start: datetime, n: int, rule: CountRule) -> None:
    due = add_workdays_counted(start, n, rule).due
    assert workdays_counted(start, due, rule) == n
    assert CAL.is_workday(due.date())
    # One day earlier the limit has not been used up.
    assert workdays_counted(start, due - ONE_DAY, rule) < n


@PROPERTY_SETTINGS
@given(start=starts, n=limits, rule=rules)
def test_monotone_in_the_limit(start: datetime, n: int, rule: CountRule) -> None:
    assert add_workdays_counted(start, n, rule).due < add_workdays_counted(start, n + 1, rule).due


@PROPERTY_SETTINGS
@given(start=starts, rule=rules)
def test_zero_days_is_the_same_day_or_next_working_day(start: datetime, rule: CountRule) -> None:
    assert add_workdays_counted(start, 0, rule) == add_workdays(start, 0)


def test_a_known_week() -> None:
    # Monday 2026-06-01, 3 working days: 次日起算 ends Thursday, 含本数 Wednesday.
    monday = datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)
    assert add_workdays_counted(monday, 3, "next_day").due.date() == date(2026, 6, 4)
    assert add_workdays_counted(monday, 3, "inclusive").due.date() == date(2026, 6, 3)
    saturday = datetime(2026, 6, 6, 10, tzinfo=SHANGHAI)
    assert add_workdays_counted(saturday, 1, "inclusive").due.date() == date(2026, 6, 8)
    assert CountRule("inclusive").label == "含本数（当日起算）"


# ---- the pausable clock counts by the same rules -----------------------------------------------


@PROPERTY_SETTINGS
@given(start=starts, n=st.integers(min_value=0, max_value=300), rule=rules)
def test_the_clock_is_due_when_the_counted_limit_ends(start, n, rule):
    from xiaoneng.workdays import Clock, ClockEvent, ClockEventKind

    result = Clock(n, CAL, rule).compute([ClockEvent(start, ClockEventKind.START)], start)
    assert result.due == add_workdays_counted(start, n, rule, CAL).due
    # Used on the starting day itself: the day counts under 含本数 when it is a working day.
    assert result.elapsed_days == workdays_counted(start, start, rule, CAL)


@PROPERTY_SETTINGS
@given(
    start=starts,
    n=limits,
    pause_after=st.integers(min_value=0, max_value=40),
    pause_days=st.integers(min_value=0, max_value=40),
)
def test_inclusive_is_one_working_day_earlier_through_a_pause(start, n, pause_after, pause_days):
    """A pause and resume do not change the difference the rule makes at the start."""
    from xiaoneng.workdays import Clock, ClockEvent, ClockEventKind

    pause = start + timedelta(days=pause_after)
    resume = pause + timedelta(days=pause_days)
    events = [
        ClockEvent(start, ClockEventKind.START),
        ClockEvent(pause, ClockEventKind.PAUSE, seq=1),
        ClockEvent(resume, ClockEventKind.RESUME, seq=2),
    ]
    nxt = Clock(n, CAL, CountRule.NEXT_DAY).compute(events, resume)
    inc = Clock(n, CAL, CountRule.INCLUSIVE).compute(events, resume)
    if not CAL.is_workday(start.astimezone(SHANGHAI).date()):
        assert inc == nxt
        return
    assert inc.elapsed_days == nxt.elapsed_days + 1
    if nxt.due is not None and inc.due is not None and not nxt.overdue:
        # One working day earlier, unless the inclusive count ran out before the pause.
        assert CAL.workdays_between(inc.due, nxt.due) == 1 or inc.overdue
