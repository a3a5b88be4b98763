"""The effective working-day calendar and the office's edits to it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xiaoneng.accounts.actors import Actor
from xiaoneng.audit import services as audit
from xiaoneng.workdays import DayKind, ScheduleError, SpecialDay, WorkCalendar, parse_schedule

from .models import CalendarDay, CalendarVersion, CalendarYear

_lock = threading.Lock()


@dataclass
class _Cached:
    """The calendar last built, the version counter it was built at, and when that was read."""

    version: int | None = None
    calendar: WorkCalendar | None = None
    checked: float = 0.0


_cache = _Cached()


def _db_version() -> int:
    row = CalendarVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return row or 0


def _build() -> WorkCalendar:
    replaced = set(CalendarYear.objects.values_list("year", flat=True))
    specials = [
        SpecialDay(d.date, DayKind(d.kind), d.name) for d in CalendarDay.objects.order_by("date")
    ]
    return WorkCalendar.from_chinesecalendar(
        extra_specials=specials, extra_published_years=replaced, replaced_years=replaced
    )


def get_calendar() -> WorkCalendar:
    """The calendar in force: package data, imported years and manual edits.

    Rebuilding takes milliseconds, but is done only when the version counter moved; the counter
    itself is re-read at most every ``XIAONENG_CALENDAR_RECHECK_SECONDS``.
    """
    now = time.monotonic()
    recheck = settings.XIAONENG_CALENDAR_RECHECK_SECONDS
    with _lock:
        if _cache.calendar is not None and now - _cache.checked < recheck:
            return _cache.calendar
    version = _db_version()
    with _lock:
        if _cache.calendar is None or _cache.version != version:
            _cache.calendar = _build()
            _cache.version = version
        _cache.checked = now
        return _cache.calendar


def forget_cached_calendar() -> None:
    with _lock:
        _cache.version, _cache.calendar, _cache.checked = None, None, 0.0


def _bump() -> None:
    updated = CalendarVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        CalendarVersion.objects.create(pk=1, version=1)
    transaction.on_commit(forget_cached_calendar)


def _require_office(actor: Actor) -> None:
    """Office staff may edit; a plain string names a system actor (the command line)."""
    if isinstance(actor, str):
        return
    if not (actor and actor.is_authenticated and actor.effective_role in {"admin", "office"}):
        raise PermissionDenied("只有效能办或系统管理员可以修改工作日历")


@dataclass(frozen=True)
class ImportResult:
    years: list[int]
    days: int


@transaction.atomic
def import_schedule(actor: Actor, text: str, source_name: str = "") -> ImportResult:
    """Import one or more years' official schedule; each year in the file replaces that year.

    All or nothing: a file with any error changes nothing (``ScheduleError`` lists every line).
    """
    _require_office(actor)
    parsed = parse_schedule(text)
    years = sorted(parsed.years)
    CalendarDay.objects.filter(date__year__in=years).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=s.date, kind=s.kind.value, name=s.name, source=CalendarDay.Source.IMPORT)
        for s in parsed.specials
    )
    now = timezone.now()
    for year in years:
        CalendarYear.objects.update_or_create(
            year=year, defaults={"imported_at": now, "source_name": source_name[:200]}
        )
    _bump()
    audit.record(
        actor,
        audit.Action.EVENT,
        object_type="workcalendar.calendaryear",
        object_id=str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}",
        object_repr=f"{'、'.join(map(str, years))}年工作日历",
        summary=f"导入{len(parsed.specials)}个特殊日期（{source_name or '上传文件'}）",
        after={"years": years, "days": [[s.date, s.kind.value, s.name] for s in parsed.specials]},
    )
    return ImportResult(years, len(parsed.specials))


@transaction.atomic
def set_day(actor: Actor, day: date, kind: str, name: str = "") -> CalendarDay:
    _require_office(actor)
    if kind not in CalendarDay.Kind.values:
        raise ValidationError({"kind": "类型只能是“放假”或“调休上班”"})
    if kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
        raise ValidationError({"kind": f"{day}是工作日，无需登记为调休上班"})
    existing = CalendarDay.objects.filter(date=day).first()
    before = audit.snapshot(existing) if existing else None
    row, _ = CalendarDay.objects.update_or_create(
        date=day, defaults={"kind": kind, "name": name[:50], "source": CalendarDay.Source.MANUAL}
    )
    _bump()
    audit.record(
        actor,
        audit.Action.UPDATE if existing else audit.Action.CREATE,
        row,
        before=before,
        after=audit.snapshot(row),
    )
    return row


@transaction.atomic
def clear_day(actor: Actor, day: date) -> None:
    _require_office(actor)
    row = CalendarDay.objects.filter(date=day).first()
    if row is None:
        raise ValidationError({"date": f"{day}没有手工登记的特殊日期"})
    audit.record(actor, audit.Action.DELETE, row, before=audit.snapshot(row))
    row.delete()
    _bump()


__all__ = [
    "ImportResult",
    "ScheduleError",
    "clear_day",
    "forget_cached_calendar",
    "get_calendar",
    "import_schedule",
    "set_day",
]
