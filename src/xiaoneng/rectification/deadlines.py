"""Deadlines of rectification (整改) on the working-day calendar, for ``DeadlineFields``.

Two shapes, both with the same warning rule — warned from the start of the working day after
which ``warn_days`` working days remain, stored (as cases do) as the end of the working day
before it:

- :func:`after_workdays`: N working days after an instant (期间开始的当日不计入), for the stages
  whose limit is a number of days (核实整改 15, 整改方案 15, 审核 5, 验收 10);
- :func:`by_date`: the end of a calendar date, for the limits people set as dates (整改时限,
  a progress report's date, a 专项活动 report's date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from xiaoneng.workcalendar.services import get_calendar
from xiaoneng.workdays import SHANGHAI

END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    warn_at: datetime
    provisional: bool


def end_of(day: date) -> datetime:
    """23:59:59 Asia/Shanghai on ``day``: when a limit set as a date runs out."""
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def after_workdays(start: datetime, days: int, warn_days: int) -> Deadline:
    """Due at the end of the ``days``-th working day after ``start``."""
    calendar = get_calendar()
    due = calendar.add_workdays(start, days)
    before = days - warn_days - 1
    if before >= 1:
        warn = calendar.add_workdays(start, before)
        return Deadline(due.due, warn.due, due.provisional or warn.provisional)
    return Deadline(due.due, start, due.provisional)


def by_date(day: date, warn_days: int, *, not_before: datetime | None = None) -> Deadline:
    """Due at the end of ``day``; warned like :func:`after_workdays` counting back from it.
    ``not_before`` (the stage's start) keeps a warning from lying before the stage began."""
    calendar = get_calendar()
    warn_day, left = day, warn_days + 1
    while left > 0:
        warn_day -= timedelta(days=1)
        if calendar.is_workday(warn_day):
            left -= 1
    warn_at = end_of(warn_day)
    if not_before is not None and warn_at < not_before:
        warn_at = not_before
    return Deadline(end_of(day), warn_at, calendar.is_provisional(warn_day, day))
