"""Properties of working-day arithmetic, checked against a naive day-by-day count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from xiaoneng.workdays import SHANGHAI, WorkCalendar, add_workdays, default_calendar
from xiaoneng.workdays import workdays_between as between

from . import PROPERTY_SETTINGS

CAL = default_calendar()
ONE_DAY = timedelta(days=1)

zones = st.sampled_from(
    [SHANGHAI, UTC, timezone(timedelta(hours=8)), ZoneInfo("America/New_York"), ZoneInfo("UTC")]
)
# 2004–2030: all the published years plus unpublished ones on both sides of the package data.
starts = st.datetimes(
    min_value=datetime(2003, 6, 1), max_value=datetime(2030, 12, 31), timezones=zones
)
spans = st.integers(min_value=1, max_value=400)


def naive_add(cal: WorkCalendar, start: datetime, n: int) -> date:
    d = start.astimezone(SHANGHAI).date()
    if n == 0:
        while not cal.is_workday(d):
            d += ONE_DAY
        return d
    count = 0
    while count < n:
        d += ONE_DAY
        if cal.is_workday(d):
            count += 1
    return d


@PROPERTY_SETTINGS
@given(start=starts, n=st.integers(min_value=0, max_value=400))
def test_agrees_with_naive_loop(start: datetime, n: int) -> None:
    r = add_workdays(start, n)
    assert r.due.date() == naive_add(CAL, start, n)
    first = start.astimezone(SHANGHAI).date()
    assert r.provisional == any(not CAL.is_published(y) for y in range(first.year, r.due.year + 1))


@PROPERTY_SETTINGS
@given(start=starts, n=spans)
def test_add_then_count_returns_n(start: datetime, n: int) -> None:
    assert between(start, add_workdays(start, n).due) == n


@PROPERTY_SETTINGS
@given(start=starts, n=st.integers(min_value=0, max_value=400))
def test_due_is_a_working_day_at_end_of_day(start: datetime, n: int) -> None:
    due = add_workdays(start, n).due
    assert due.tzinfo is SHANGHAI
    assert (due.hour, due.minute, due.second, due.microsecond) == (23, 59, 59, 0)
    assert CAL.is_workday(due.date())
    # n ≥ 1 never lands on the start's own date; n == 0 never before it.
    local = start.astimezone(SHANGHAI).date()
    assert due.date() > local if n else due.date() >= local


@PROPERTY_SETTINGS
@given(start=starts, n=st.integers(min_value=0, max_value=300), k=st.integers(1, 50))
def test_monotone_in_n(start: datetime, n: int, k: int) -> None:
    if n:
        assert add_workdays(start, n).due < add_workdays(start, n + k).due
    else:
        # From a day off, a same-day item (n == 0) is due on the same day as n == 1.
        assert add_workdays(start, 0).due <= add_workdays(start, k).due


@PROPERTY_SETTINGS
@given(start=starts, n=spans, later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(60)))
def test_monotone_in_start(start: datetime, n: int, later: timedelta) -> None:
    assert add_workdays(start, n).due <= add_workdays(start + later, n).due


@PROPERTY_SETTINGS
@given(a=starts, b=starts)
def test_between_agrees_with_naive_count(a: datetime, b: datetime) -> None:
    da, db = a.astimezone(SHANGHAI).date(), b.astimezone(SHANGHAI).date()
    expected = 0
    d = da + ONE_DAY
    while d <= db:
        expected += CAL.is_workday(d)
        d += ONE_DAY
    assert between(a, b) == expected
    assert CAL.workdays_between_dates(da, db) == expected


@PROPERTY_SETTINGS
@given(d=st.dates(min_value=date(2003, 1, 1), max_value=date(2030, 12, 31)), n=spans)
def test_date_level_agrees_with_datetime_level(d: date, n: int) -> None:
    start = datetime(d.year, d.month, d.day, 12, tzinfo=SHANGHAI)
    assert CAL.add_workdays_date(d, n) == add_workdays(start, n).due.date()
    assert CAL.add_workdays_date(d, 0) == add_workdays(start, 0).due.date()
