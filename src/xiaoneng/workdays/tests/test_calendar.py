"""Hand-checked working-day arithmetic against the official schedules."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from xiaoneng.workdays import (
    SHANGHAI,
    DayKind,
    DueResult,
    SpecialDay,
    WorkCalendar,
    add_workdays,
    default_calendar,
    parse_schedule,
    workdays_between,
)

PLUS8 = timezone(timedelta(hours=8))


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def eod(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


# -- the 2026 schedule (国办发明电〔2025〕7号) -----------------------------------------------


def test_spring_festival_2026() -> None:
    # 春节 02-15 (Sun)..02-23 (Mon) off; Sat 02-14 and Sat 02-28 are make-up workdays.
    r = add_workdays(sh(2026, 2, 13, 10), 3)
    assert r == DueResult(eod(2026, 2, 25), provisional=False)
    assert r.due.utcoffset() == timedelta(hours=8)
    cal = default_calendar()
    assert cal.is_workday(date(2026, 2, 14))
    assert not any(cal.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert cal.is_workday(date(2026, 2, 28))
    assert cal.special(date(2026, 2, 14)) == SpecialDay(
        date(2026, 2, 14), DayKind.WORKDAY, "春节调休上班"
    )
    assert add_workdays(sh(2026, 2, 13, 10), 1).due == eod(2026, 2, 14)
    assert add_workdays(sh(2026, 2, 13, 10), 2).due == eod(2026, 2, 24)


def test_national_day_and_mid_autumn_2026() -> None:
    cal = default_calendar()
    specials = {s.date: (s.kind, s.name) for s in cal.specials_in_year(2026) if s.date.month >= 9}
    holiday, workday = DayKind.HOLIDAY, DayKind.WORKDAY
    assert specials == {
        date(2026, 9, 20): (workday, "国庆节调休上班"),  # Sunday
        date(2026, 9, 25): (holiday, "中秋"),  # Friday
        date(2026, 9, 26): (holiday, "中秋"),
        date(2026, 9, 27): (holiday, "中秋"),
        **{date(2026, 10, d): (holiday, "国庆节") for d in range(1, 8)},
        date(2026, 10, 10): (workday, "国庆节调休上班"),  # Saturday
    }
    assert date(2026, 9, 20).weekday() == 6 and date(2026, 10, 10).weekday() == 5
    # Wed 09-30 → next working day is Thu 10-08.
    assert add_workdays(sh(2026, 9, 30, 12), 1).due == eod(2026, 10, 8)
    # Sat 09-19 → Sun 09-20 is a make-up workday.
    assert add_workdays(sh(2026, 9, 19, 12), 1).due == eod(2026, 9, 20)
    # 09-24 (Thu) + 2: 09-25..27 off, 09-28 Mon, 09-29 Tue.
    assert add_workdays(sh(2026, 9, 24, 12), 2).due == eod(2026, 9, 29)
    # From 10-08 (Thu): 10-09 Fri, 10-10 Sat (make-up), 10-12 Mon.
    assert add_workdays(sh(2026, 10, 8, 9), 3).due == eod(2026, 10, 12)


def test_crossing_into_unpublished_2027_is_provisional() -> None:
    start = sh(2026, 12, 28, 9)
    assert date(2027, 1, 1).weekday() == 4  # a Friday
    # Dec 29, 30, 31, Jan 1 (Mon–Fri rule), Jan 4–8, Jan 11.
    assert add_workdays(start, 10) == DueResult(eod(2027, 1, 11), provisional=True)

    synthetic_2027 = parse_schedule(
        "# 测试用的虚构 2027 年安排，并非官方通知\nyear 2027\n2027-01-01 holiday 元旦\n"
    )
    cal = WorkCalendar.from_chinesecalendar(
        extra_specials=synthetic_2027.specials, extra_published_years=synthetic_2027.years
    )
    assert add_workdays(start, 10, cal) == DueResult(eod(2027, 1, 12), provisional=False)
    # The package-only default calendar is untouched.
    assert add_workdays(start, 10).provisional


def test_provisional_only_when_touching_an_unpublished_year() -> None:
    assert not add_workdays(sh(2026, 12, 1, 9), 5).provisional
    assert add_workdays(sh(2026, 12, 30, 9), 5).provisional
    assert add_workdays(sh(2003, 12, 1, 9), 5).provisional
    assert add_workdays(sh(2003, 12, 30, 9), 5).provisional  # starts in 2003
    cal = default_calendar()
    assert cal.is_provisional(date(2026, 1, 1), date(2027, 1, 1))
    assert not cal.is_provisional(date(2004, 1, 1), date(2026, 12, 31))
    assert cal.is_provisional(date(2003, 12, 31), date(2004, 1, 1))


# -- rules ----------------------------------------------------------------------------------


def test_start_day_is_not_counted_and_due_is_end_of_day() -> None:
    # Mon 2025-06-09 09:00 + 1 → Tue 2025-06-10 23:59:59, whatever the hour of the start.
    assert add_workdays(sh(2025, 6, 9, 0, 0), 1).due == eod(2025, 6, 10)
    assert add_workdays(sh(2025, 6, 9, 23, 59, 59), 1).due == eod(2025, 6, 10)
    # Fri + 1 → Mon.
    assert add_workdays(sh(2025, 6, 13, 17), 1).due == eod(2025, 6, 16)
    assert add_workdays(sh(2025, 6, 14, 17), 1).due == eod(2025, 6, 16)
    assert add_workdays(sh(2025, 6, 9, 9), 1).due.microsecond == 0


def test_same_day_items() -> None:
    # 即办件: the same working day, or the next one when started on a day off.
    assert add_workdays(sh(2025, 6, 9, 9), 0).due == eod(2025, 6, 9)
    assert add_workdays(sh(2025, 6, 14, 9), 0).due == eod(2025, 6, 16)
    assert add_workdays(sh(2026, 2, 15, 9), 0).due == eod(2026, 2, 24)
    assert add_workdays(sh(2026, 2, 14, 9), 0).due == eod(2026, 2, 14)  # make-up Saturday


def test_negative_n_and_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        add_workdays(sh(2025, 6, 9), -1)
    with pytest.raises(ValueError, match="aware"):
        add_workdays(datetime(2025, 6, 9, 9), 1)
    with pytest.raises(ValueError, match="aware"):
        workdays_between(datetime(2025, 6, 9, 9), sh(2025, 6, 19))


def test_supported_range() -> None:
    with pytest.raises(ValueError, match="1990-01-01"):
        add_workdays(sh(1989, 12, 31, 12), 1)
    with pytest.raises(ValueError, match="supported range"):
        add_workdays(datetime(1, 1, 1, tzinfo=UTC), 1)
    with pytest.raises(ValueError, match="2199-12-31"):
        add_workdays(sh(2199, 12, 30, 12), 5)
    with pytest.raises(ValueError, match="supported range"):
        add_workdays(datetime(9999, 12, 31, 23, tzinfo=UTC), 1)
    with pytest.raises(ValueError):
        default_calendar().is_workday(date(2200, 1, 1))
    # The edges themselves work, unpublished years counted Monday–Friday.
    assert add_workdays(sh(1990, 1, 1, 0), 1) == DueResult(eod(1990, 1, 2), provisional=True)
    assert add_workdays(sh(2199, 12, 29, 12), 1).due == eod(2199, 12, 30)
    # 1990-01-01 00:30 in Shanghai is still 1989 in UTC: the local date decides.
    assert add_workdays(datetime(1989, 12, 31, 16, 30, tzinfo=UTC), 0).due == eod(1990, 1, 1)


def test_time_zones_use_the_shanghai_local_date() -> None:
    local = add_workdays(sh(2025, 6, 10, 7, 30), 1)
    # 2025-06-09 23:30 UTC is 2025-06-10 07:30 in Shanghai.
    assert add_workdays(datetime(2025, 6, 9, 23, 30, tzinfo=UTC), 1) == local
    assert add_workdays(datetime(2025, 6, 10, 7, 30, tzinfo=PLUS8), 1) == local
    ny = ZoneInfo("America/New_York")
    assert add_workdays(datetime(2025, 6, 9, 19, 30, tzinfo=ny), 1) == local
    # Microsecond offsets and odd offsets take the slow path and agree.
    odd = timezone(timedelta(hours=-9, minutes=-30))
    assert add_workdays(datetime(2025, 6, 9, 14, 0, tzinfo=odd), 1) == local
    assert add_workdays(datetime(2025, 6, 9, 14, 0, tzinfo=odd), 1).due.tzinfo is SHANGHAI


def test_daylight_saving_years_1986_1991() -> None:
    # Shanghai kept DST in 1990: 1990-07-02 23:30+08:00 is already 07-03 00:30 local.
    moment = datetime(1990, 7, 2, 23, 30, tzinfo=PLUS8)
    assert moment.astimezone(SHANGHAI).date() == date(1990, 7, 3)
    assert add_workdays(moment, 0).due == eod(1990, 7, 3)
    assert add_workdays(datetime(1990, 7, 2, 23, 30, tzinfo=SHANGHAI), 0).due == eod(1990, 7, 2)


def test_workdays_between() -> None:
    a = sh(2026, 2, 13, 10)
    assert workdays_between(a, sh(2026, 2, 25, 1)) == 3
    assert workdays_between(a, a) == 0
    assert workdays_between(sh(2026, 2, 25, 1), a) == 0
    assert workdays_between(a, sh(2026, 2, 13, 23)) == 0
    cal = default_calendar()
    assert cal.workdays_between_dates(date(2026, 2, 13), date(2026, 2, 25)) == 3
    assert cal.workdays_between_dates(date(2026, 2, 25), date(2026, 2, 13)) == 0
    # 2026: 261 Monday–Fridays, 19 of them off (元旦 2, 春节 6, 清明 1, 劳动节 3, 端午 1,
    # 中秋 1, 国庆 5) and 6 make-up weekend days: 261 - 19 + 6 = 248 working days.
    assert cal.workdays_between_dates(date(2025, 12, 31), date(2026, 12, 31)) == 248


def test_add_workdays_date() -> None:
    cal = default_calendar()
    assert cal.add_workdays_date(date(2026, 2, 13), 3) == date(2026, 2, 25)
    assert cal.add_workdays_date(date(2026, 2, 15), 0) == date(2026, 2, 24)
    with pytest.raises(ValueError):
        cal.add_workdays_date(date(2026, 2, 15), -2)
    with pytest.raises(TypeError):
        cal.add_workdays_date(sh(2026, 2, 15), 1)  # type: ignore[arg-type]


def test_calendar_queries() -> None:
    cal = default_calendar()
    assert cal.published_years == frozenset(range(2004, 2027))
    assert cal.is_published(2004) and cal.is_published(2026)
    assert not cal.is_published(2003) and not cal.is_published(2027)
    assert cal.special(date(2026, 3, 2)) is None
    assert [s.date for s in cal.specials_in_year(2026)][:3] == [
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 1, 3),
    ]
    grid = cal.month_grid(2026, 2)
    assert grid[0][:6] == [None] * 6 and grid[0][6] == date(2026, 2, 1)  # Feb 1 is a Sunday
    assert sum(d is not None for week in grid for d in week) == 28
    assert all(len(week) == 7 for week in grid)
    assert len(cal.month_grid(2026, 12)) == 5
    assert "WorkCalendar" in repr(cal)
    with pytest.raises(AttributeError):
        cal._ords = []  # type: ignore[misc]
    with pytest.raises(TypeError):
        cal.is_workday(sh(2026, 2, 15))  # type: ignore[arg-type]


def test_package_quirks() -> None:
    cal = default_calendar()
    # 2020 Spring Festival was extended to 02-02 (Sun) by the State Council; 02-01 (Sat) is off.
    assert not cal.is_workday(date(2020, 1, 31)) and not cal.is_workday(date(2020, 2, 1))
    assert cal.is_workday(date(2020, 2, 3))
    # 2015-09-03/04 (抗战胜利70周年) with make-up Sunday 09-06.
    assert not cal.is_workday(date(2015, 9, 4)) and cal.is_workday(date(2015, 9, 6))


def test_with_overrides_and_replaced_years() -> None:
    base = default_calendar()
    extra = SpecialDay(date(2026, 3, 2), DayKind.HOLIDAY, "地方假日")
    cal = base.with_overrides([extra], [2027])
    assert not cal.is_workday(date(2026, 3, 2)) and base.is_workday(date(2026, 3, 2))
    assert cal.is_published(2027) and not base.is_published(2027)
    assert add_workdays(sh(2026, 2, 27, 9), 2, cal).due == eod(2026, 3, 3)
    # Replacing an existing special day by date.
    moved = SpecialDay(date(2026, 2, 14), DayKind.HOLIDAY, "改为放假")
    assert not base.with_overrides([moved]).is_workday(date(2026, 2, 14))
    # Dropping a year then re-adding only part of it.
    only_new_year = [SpecialDay(date(2026, 1, 1), DayKind.HOLIDAY, "元旦")]
    cal2 = base.with_overrides(only_new_year, replaced_years=[2026])
    assert not cal2.is_workday(date(2026, 1, 1)) and cal2.is_workday(date(2026, 2, 16))

    cal3 = WorkCalendar.from_chinesecalendar(
        extra_specials=only_new_year, replaced_years=[2026], extra_published_years=[2027]
    )
    assert cal3.is_published(2026) and cal3.is_published(2027)
    assert cal3.specials_in_year(2026) == only_new_year
    assert cal3.specials_in_year(2025) == base.specials_in_year(2025)
    # Extra specials win over package data date by date.
    cal4 = WorkCalendar.from_chinesecalendar(extra_specials=[moved])
    assert cal4.special(date(2026, 2, 14)) == moved


def test_special_day_validation() -> None:
    s = SpecialDay(date(2027, 1, 1), "holiday", "元旦")  # type: ignore[arg-type]
    assert s.kind is DayKind.HOLIDAY
    with pytest.raises(ValueError):
        SpecialDay(date(2027, 1, 1), "rest", "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SpecialDay(sh(2027, 1, 1), DayKind.HOLIDAY, "x")
    with pytest.raises(ValueError):
        WorkCalendar([SpecialDay(date(1980, 1, 1), DayKind.HOLIDAY, "x")], [])


def test_empty_calendar_counts_monday_to_friday_everywhere() -> None:
    cal = WorkCalendar([], [])
    r = add_workdays(sh(2026, 2, 13, 10), 3, cal)
    assert r == DueResult(eod(2026, 2, 18), provisional=True)
    assert cal.workdays_between_dates(date(1990, 1, 1), date(2199, 12, 31)) > 54_000


def test_imports_no_django() -> None:
    # Run in a fresh interpreter: the test process itself may have Django loaded already.
    code = (
        "import sys, xiaoneng.workdays; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django'); "
        "assert not bad, bad"
    )
    src = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
