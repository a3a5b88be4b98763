"""Working days (工作日): the calendar, working-day arithmetic and the pausable clock.

A pure-Python core: it imports no Django, only the standard library and ``chinese_calendar``.
See docs/calendar-format.md for the schedule file format and the counting rules.
"""

from .calendar import (
    MAX_DATE,
    MIN_DATE,
    SHANGHAI,
    CountRule,
    DayKind,
    DueResult,
    SpecialDay,
    WorkCalendar,
    add_workdays,
    add_workdays_counted,
    default_calendar,
    workdays_between,
    workdays_counted,
)
from .clock import Clock, ClockEvent, ClockEventKind, ClockResult, ClockState
from .schedule_file import ParsedSchedule, ScheduleError, export_schedule, parse_schedule

__all__ = [
    "MAX_DATE",
    "MIN_DATE",
    "SHANGHAI",
    "Clock",
    "ClockEvent",
    "ClockEventKind",
    "ClockResult",
    "ClockState",
    "CountRule",
    "DayKind",
    "DueResult",
    "ParsedSchedule",
    "ScheduleError",
    "SpecialDay",
    "WorkCalendar",
    "add_workdays",
    "add_workdays_counted",
    "default_calendar",
    "export_schedule",
    "parse_schedule",
    "workdays_between",
    "workdays_counted",
]
