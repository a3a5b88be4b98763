"""The pausable clock: hand-checked cases and properties."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xiaoneng.workdays import (
    SHANGHAI,
    Clock,
    ClockEvent,
    ClockEventKind,
    ClockResult,
    ClockState,
    add_workdays,
    default_calendar,
    workdays_between,
)

from . import PROPERTY_SETTINGS

K = ClockEventKind


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def eod(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


def ev(at: datetime, kind: ClockEventKind, **kw: object) -> ClockEvent:
    return ClockEvent(at, kind, **kw)  # type: ignore[arg-type]


# Mon 2025-06-09: a plain stretch of 2025 with no holidays until 端午 (05-31..06-02 is before).
START = sh(2025, 6, 9, 10)


def test_not_started() -> None:
    r = Clock(5).compute([], now=START)
    assert r == ClockResult(
        state=ClockState.NOT_STARTED,
        limit_days=5,
        elapsed_days=0,
        remaining_days=5,
        due=None,
        provisional=False,
        overdue=False,
        paused_days=0,
        stopped_at=None,
    )


def test_running() -> None:
    r = Clock(5).compute([ev(START, K.START)], now=sh(2025, 6, 11, 9))
    assert r.state is ClockState.RUNNING
    assert (r.elapsed_days, r.remaining_days) == (2, 3)
    assert r.due == eod(2025, 6, 16) == add_workdays(START, 5).due
    assert not r.overdue and not r.provisional
    late = Clock(5).compute([ev(START, K.START)], now=sh(2025, 6, 17, 0, 0, 1))
    assert late.overdue and late.remaining_days == -1
    at_due = Clock(5).compute([ev(START, K.START)], now=eod(2025, 6, 16))
    assert not at_due.overdue and at_due.remaining_days == 0


def test_pause_and_resume_shift_the_due() -> None:
    events = [
        ev(START, K.START),
        ev(sh(2025, 6, 10, 15), K.PAUSE, reason="补正"),
        ev(sh(2025, 6, 12, 9), K.RESUME),
    ]
    paused = Clock(5).compute(events[:2], now=sh(2025, 6, 11, 9))
    assert paused.state is ClockState.PAUSED
    assert (paused.elapsed_days, paused.due, paused.paused_days) == (1, None, 1)
    r = Clock(5).compute(events, now=sh(2025, 6, 12, 9))
    # Paused over Wed 11 and Thu 12: the due moves two working days later.
    assert r.paused_days == 2
    assert r.elapsed_days == 1
    assert r.due == add_workdays(START, 7).due == eod(2025, 6, 18)


def test_second_start_and_nested_pause_are_ignored() -> None:
    base = [ev(START, K.START), ev(sh(2025, 6, 10, 15), K.PAUSE)]
    now = sh(2025, 6, 13, 9)
    expected = Clock(5).compute(base, now)
    noisy = [*base, ev(sh(2025, 6, 11, 9), K.START), ev(sh(2025, 6, 12, 9), K.PAUSE)]
    assert Clock(5).compute(noisy, now) == expected
    # RESUME while running is ignored too.
    assert Clock(5).compute([ev(START, K.START), ev(sh(2025, 6, 10), K.RESUME)], now) == (
        Clock(5).compute([ev(START, K.START)], now)
    )


def test_restart_resets_the_count() -> None:
    restart = sh(2025, 6, 13, 11)
    events = [
        ev(START, K.START),
        ev(sh(2025, 6, 10, 15), K.PAUSE, reason="补正"),
        ev(restart, K.RESTART, reason="补正材料齐全"),
    ]
    now = sh(2025, 6, 16, 9)
    r = Clock(5).compute(events, now)
    fresh = Clock(5).compute([ev(restart, K.START)], now)
    assert (r.state, r.elapsed_days, r.due) == (fresh.state, fresh.elapsed_days, fresh.due)
    assert r.due == add_workdays(restart, 5).due
    assert r.paused_days == 3  # Jun 11, 12, 13
    # A RESTART before any START is ignored.
    assert Clock(5).compute([ev(START, K.RESTART)], now).state is ClockState.NOT_STARTED


def test_extend() -> None:
    events = [ev(START, K.START), ev(sh(2025, 6, 12), K.EXTEND, days=10, reason="延期")]
    r = Clock(20).compute(events, now=sh(2025, 6, 13))
    assert r.limit_days == 30
    assert r.due == add_workdays(START, 30).due
    with pytest.raises(ValueError):
        ClockEvent(START, K.EXTEND, days=-1)


def test_stop() -> None:
    stop = sh(2025, 6, 12, 16)
    events = [ev(START, K.START), ev(stop, K.STOP), ev(sh(2025, 6, 13), K.RESUME)]
    r = Clock(5).compute(events, now=sh(2025, 7, 1))
    assert r.state is ClockState.STOPPED
    assert (r.elapsed_days, r.remaining_days, r.stopped_at) == (3, 2, stop)
    assert r.due == add_workdays(START, 5).due and not r.overdue
    late = Clock(2).compute(events, now=sh(2025, 7, 1))
    assert late.overdue and late.remaining_days == -1
    # Events after STOP are ignored, even an EXTEND.
    extended = Clock(2).compute([*events, ev(sh(2025, 6, 13), K.EXTEND, days=5)], sh(2025, 7, 1))
    assert extended == late


def test_overdue_before_a_pause_stays_overdue() -> None:
    events = [ev(START, K.START), ev(sh(2025, 6, 13, 9), K.PAUSE)]
    r = Clock(2).compute(events, now=sh(2025, 6, 20))
    assert r.state is ClockState.PAUSED and r.overdue and r.remaining_days == -2
    # An extension granted during the pause lifts it.
    extended = [*events, ev(sh(2025, 6, 16), K.EXTEND, days=10)]
    assert not Clock(2).compute(extended, now=sh(2025, 6, 20)).overdue
    # After resuming, the due is still the original one (the limit ran out before the pause).
    resumed = [*events, ev(sh(2025, 6, 18, 9), K.RESUME)]
    r = Clock(2).compute(resumed, now=sh(2025, 6, 18, 10))
    assert r.due == add_workdays(START, 2).due and r.overdue
    stopped = [*events, ev(sh(2025, 6, 16), K.STOP)]
    r = Clock(2).compute(stopped, now=sh(2025, 6, 20))
    assert r.state is ClockState.STOPPED and r.due is None and r.overdue


def test_events_after_now_are_ignored() -> None:
    events = [ev(START, K.START), ev(sh(2025, 6, 12), K.STOP)]
    r = Clock(5).compute(events, now=sh(2025, 6, 11))
    assert r.state is ClockState.RUNNING and r.stopped_at is None


def test_zero_limit_is_due_the_same_working_day() -> None:
    r = Clock(0).compute([ev(START, K.START)], now=sh(2025, 6, 9, 18))
    assert r.due == eod(2025, 6, 9) and not r.overdue
    sat = sh(2025, 6, 14, 10)
    assert Clock(0).compute([ev(sat, K.START)], now=sat).due == eod(2025, 6, 16)


def test_provisional_and_validation() -> None:
    s = sh(2026, 12, 21, 9)
    assert Clock(10).compute([ev(s, K.START)], now=s).provisional
    assert not Clock(3).compute([ev(s, K.START)], now=s).provisional
    with pytest.raises(ValueError):
        ClockEvent(datetime(2025, 6, 9), K.START)
    with pytest.raises(ValueError):
        Clock(-1)
    with pytest.raises(ValueError):
        Clock(5).compute([], now=datetime(2025, 6, 9))
    assert ClockEvent(START, "pause").kind is K.PAUSE  # type: ignore[arg-type]


# -- properties -----------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2004, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(SHANGHAI)
)
gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=90))
limits = st.integers(min_value=1, max_value=60)


@PROPERTY_SETTINGS
@given(start=instants, limit=limits, to_pause=gaps, pause_len=gaps, after=gaps)
def test_a_pause_of_k_working_days_moves_the_due_by_k(
    start: datetime, limit: int, to_pause: timedelta, pause_len: timedelta, after: timedelta
) -> None:
    pause, resume = start + to_pause, start + to_pause + pause_len
    # Only a pause that begins before the limit ran out can move the due.
    assume(workdays_between(start, pause) < limit)
    k = workdays_between(pause, resume)
    events = [ev(start, K.START), ev(pause, K.PAUSE), ev(resume, K.RESUME)]
    r = Clock(limit).compute(events, now=resume + after)
    assert r.due == add_workdays(start, limit + k).due
    assert r.paused_days == k


@PROPERTY_SETTINGS
@given(
    start=instants, limit=limits, to_pause=gaps, to_restart=gaps, after=gaps, pause=st.booleans()
)
def test_restart_equals_a_fresh_clock(
    start: datetime,
    limit: int,
    to_pause: timedelta,
    to_restart: timedelta,
    after: timedelta,
    pause: bool,
) -> None:
    restart = start + to_pause + to_restart
    events = [ev(start, K.START), ev(restart, K.RESTART, seq=2)]
    if pause:
        events.append(ev(start + to_pause, K.PAUSE, seq=1))
    now = restart + after
    r = Clock(limit).compute(events, now)
    fresh = Clock(limit).compute([ev(restart, K.START)], now)
    for field in ("state", "limit_days", "elapsed_days", "remaining_days", "due", "overdue"):
        assert getattr(r, field) == getattr(fresh, field)


event_kinds = st.sampled_from(list(ClockEventKind))


@st.composite
def event_lists(draw: st.DrawFn) -> list[ClockEvent]:
    start = draw(instants)
    out = [ClockEvent(start, K.START)]
    for seq in range(draw(st.integers(0, 8))):
        kind = draw(event_kinds)
        at = start + draw(gaps)
        days = draw(st.integers(0, 10)) if kind is K.EXTEND else 0
        # Some events share an instant (and sometimes a seq) to exercise the tie-break.
        out.append(ClockEvent(at, kind, days=days, seq=draw(st.sampled_from([0, seq]))))
    return out


@PROPERTY_SETTINGS
@given(events=event_lists(), limit=limits, after=gaps, seed=st.integers(0, 2**32 - 1))
def test_shuffling_events_does_not_change_the_result(
    events: list[ClockEvent], limit: int, after: timedelta, seed: int
) -> None:
    now = max(e.at for e in events) + after
    shuffled = events[:]
    random.Random(seed).shuffle(shuffled)
    assert Clock(limit).compute(events, now) == Clock(limit).compute(shuffled, now)


@PROPERTY_SETTINGS
@given(events=event_lists(), limit=limits, after=gaps)
def test_clock_invariants(events: list[ClockEvent], limit: int, after: timedelta) -> None:
    now = min(e.at for e in events) + after
    r = Clock(limit).compute(events, now)
    cal = default_calendar()
    assert r.remaining_days == r.limit_days - r.elapsed_days
    assert r.elapsed_days >= 0 and r.paused_days >= 0
    if r.due is not None:
        assert cal.is_workday(r.due.date()) and r.due.time().isoformat() == "23:59:59"
    if r.state is ClockState.RUNNING:
        assert r.due is not None and r.overdue == (now > r.due)
    if r.state is ClockState.PAUSED:
        assert r.due is None
