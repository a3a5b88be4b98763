"""The working-day calendar (工作日历) and working-day arithmetic (工作日计算).

A day is a working day (工作日) when it is listed as a special day by its kind — a holiday
(法定节假日/放假) is not, a make-up workday (调休上班) is — and otherwise when it falls on
Monday–Friday. A year is *published* when its official schedule (国务院办公厅放假安排通知) is
known; results touching an unpublished year are counted Monday–Friday and flagged *provisional*
(暂定) so that they can be recomputed once the year is loaded.

This module imports no Django: only the standard library and ``chinese_calendar``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "MAX_DATE",
    "MIN_DATE",
    "SHANGHAI",
    "CountRule",
    "DayKind",
    "DueResult",
    "SpecialDay",
    "WorkCalendar",
    "add_workdays",
    "add_workdays_counted",
    "default_calendar",
    "workdays_between",
    "workdays_counted",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
"""The local time zone of every deadline (本地时区)."""

MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2199, 12, 31)
_MIN_ORD = MIN_DATE.toordinal()
_MAX_ORD = MAX_DATE.toordinal()
_DAYS = _MAX_ORD - _MIN_ORD + 1

_END_OF_DAY = time(23, 59, 59)
_EIGHT_HOURS = 8 * 3600
# Shanghai observed daylight saving time in 1986–1991, so a fixed +08:00 offset equals local
# wall-clock time only from 1992 on; earlier instants go through zoneinfo.
_FIXED_OFFSET_FROM_YEAR = 1992
_K_FIXED_OFFSET = date(_FIXED_OFFSET_FROM_YEAR, 1, 1).toordinal() - _MIN_ORD


_TablesT = tuple[
    list[int], list[int], list[int], tuple[list["DueResult | None"], list["DueResult | None"]]
]


class DayKind(StrEnum):
    """Kind of a special day: 放假 (holiday) or 调休上班 (make-up workday)."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A date whose status differs from the plain Monday–Friday rule (特殊日期)."""

    date: date
    kind: DayKind
    name: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.date, datetime) or not isinstance(self.date, date):
            raise TypeError(f"SpecialDay.date must be a datetime.date, got {self.date!r}")
        # Accept plain strings from callers (forms, the DB) but store the enum.
        object.__setattr__(self, "kind", DayKind(self.kind))


@dataclass(frozen=True, slots=True)
class DueResult:
    """A deadline (期限届满时刻): the end of its last working day, 23:59:59 Asia/Shanghai.

    ``provisional`` (暂定) is true when the computation touched a year whose official schedule
    is not loaded; recompute once it is.
    """

    due: datetime
    provisional: bool


def _out_of_range(what: Any) -> ValueError:
    return ValueError(
        f"{what} is outside the supported range {MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}"
        "（超出支持的日期范围 1990-01-01 至 2199-12-31）"
    )


def _naive(what: Any) -> ValueError:
    return ValueError(
        f"naive datetime {what!r}: a timezone-aware datetime is required（须带时区的时间）"
    )


def local_ordinal(moment: datetime) -> int:
    """Proleptic ordinal of the Asia/Shanghai local date of an aware ``moment``.

    Raises ValueError for naive datetimes and for dates outside 1990-01-01..2199-12-31.
    """
    tz = moment.tzinfo
    if tz is SHANGHAI:
        o = moment.toordinal()
    elif tz is UTC and moment.year >= _FIXED_OFFSET_FROM_YEAR:
        # What Django's timezone.now() and the ORM hand out; 16:00 UTC is local midnight.
        o = moment.toordinal() + (moment.hour >= 16)
    else:
        if tz is None:
            raise _naive(moment)
        off = moment.utcoffset()
        if off is None:
            raise _naive(moment)
        year = moment.year
        if _FIXED_OFFSET_FROM_YEAR <= year <= 2200 and not off.microseconds:
            # Shift the wall clock to +08:00 arithmetically: cheaper than astimezone().
            shift = _EIGHT_HOURS - off.days * 86400 - off.seconds
            o = (
                moment.toordinal()
                + (moment.hour * 3600 + moment.minute * 60 + moment.second + shift) // 86400
            )
        elif 1989 <= year <= 2200:
            o = moment.astimezone(SHANGHAI).toordinal()
        else:
            raise _out_of_range(moment)
    if o < _MIN_ORD or o > _MAX_ORD:
        raise _out_of_range(moment)
    return o


def end_of_day(o: int) -> datetime:
    """23:59:59 local time on the day with ordinal ``o``."""
    return datetime.combine(date.fromordinal(o), _END_OF_DAY, tzinfo=SHANGHAI)


def _check_date(d: date) -> int:
    if isinstance(d, datetime):
        # A datetime would silently miss the date-keyed special-day table.
        raise TypeError(f"expected a datetime.date, got a datetime {d!r}; use the local date")
    o = d.toordinal()
    if o < _MIN_ORD or o > _MAX_ORD:
        raise _out_of_range(d)
    return o


class WorkCalendar:
    """An immutable working-day calendar (工作日历) covering 1990-01-01..2199-12-31.

    ``specials`` are the holidays and make-up workdays (放假/调休上班); when a date is listed
    more than once the last entry wins. ``published_years`` are the years whose official
    schedule is known; any other year is counted Monday–Friday and marked provisional.

    The lookup tables (the sorted list of working-day ordinals and a per-day rank table, see
    ``_build``) are built on first use, so constructing a calendar is cheap; arithmetic is then
    a few list lookups whatever the span.
    """

    __slots__ = ("_published", "_specials", "_t")
    _specials: dict[date, SpecialDay]
    _published: frozenset[int]
    _t: _TablesT | None

    def __init__(self, specials: Iterable[SpecialDay], published_years: Iterable[int]) -> None:
        table: dict[date, SpecialDay] = {}
        for s in specials:
            if not isinstance(s, SpecialDay):
                raise TypeError(f"expected SpecialDay, got {s!r}")
            _check_date(s.date)
            table[s.date] = s
        years = frozenset(int(y) for y in published_years)
        set_ = object.__setattr__
        set_(self, "_specials", table)
        set_(self, "_published", years)
        # Lookup tables, built on first use as one tuple so that a concurrent reader sees
        # either none or all of them.
        set_(self, "_t", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("WorkCalendar is immutable; use with_overrides()")

    def __repr__(self) -> str:
        years = sorted(self._published)
        span = f"{years[0]}–{years[-1]}" if years else "none"
        return f"<WorkCalendar specials={len(self._specials)} published={span}>"

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_chinesecalendar(
        cls,
        extra_specials: Iterable[SpecialDay] = (),
        extra_published_years: Iterable[int] = (),
        replaced_years: Iterable[int] = (),
    ) -> WorkCalendar:
        """Package data from ``chinesecalendar`` (2004–2026) combined with local data.

        ``replaced_years``: years whose package entries are dropped entirely (they were
        re-imported from a file) and defined only by ``extra_specials``; they stay published.
        ``extra_specials`` win over package data date by date.
        """
        replaced = frozenset(int(y) for y in replaced_years)
        specials: list[SpecialDay] = [s for s in _package_specials() if s.date.year not in replaced]
        specials.extend(extra_specials)
        return cls(specials, _package_years() | frozenset(int(y) for y in extra_published_years))

    def with_overrides(
        self,
        specials: Iterable[SpecialDay] = (),
        published_years: Iterable[int] = (),
        *,
        replaced_years: Iterable[int] = (),
    ) -> WorkCalendar:
        """A new calendar where ``specials`` replace or add days and ``published_years`` are
        added. Entries of ``replaced_years`` are dropped from this calendar first."""
        replaced = frozenset(int(y) for y in replaced_years)
        merged = [s for s in self._specials.values() if s.date.year not in replaced]
        merged.extend(specials)
        return WorkCalendar(merged, self._published | frozenset(int(y) for y in published_years))

    # -- day-level queries ----------------------------------------------------------------

    @property
    def published_years(self) -> frozenset[int]:
        return self._published

    def is_published(self, year: int) -> bool:
        """Whether the official schedule (放假安排) of ``year`` is loaded."""
        return year in self._published

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day (工作日)."""
        s = self._specials.get(d)
        if s is not None:
            return s.kind is DayKind.WORKDAY
        _check_date(d)
        return d.weekday() < 5

    def special(self, d: date) -> SpecialDay | None:
        return self._specials.get(d)

    def specials_in_year(self, year: int) -> list[SpecialDay]:
        return sorted(
            (s for s in self._specials.values() if s.date.year == year), key=lambda s: s.date
        )

    def is_provisional(self, d1: date, d2: date) -> bool:
        """Whether any year in [d1.year, d2.year] is unpublished (暂定)."""
        lo, hi = sorted((d1.year, d2.year))
        return any(y not in self._published for y in range(lo, hi + 1))

    def month_grid(self, year: int, month: int) -> list[list[date | None]]:
        """Weeks (Monday first) of a month for calendar views; days of other months are None."""
        first = date(year, month, 1)
        nxt = date(year + month // 12, month % 12 + 1, 1)
        cells: list[date | None] = [None] * first.weekday()
        cells.extend(date.fromordinal(o) for o in range(first.toordinal(), nxt.toordinal()))
        cells.extend([None] * (-len(cells) % 7))
        return [cells[i : i + 7] for i in range(0, len(cells), 7)]

    # -- lookup tables ----------------------------------------------------------------------
    #
    # All tables are indexed by k = ordinal - _MIN_ORD (a "day number" in the supported range):
    # - ords: the sorted ordinals of every working day (index i → the (i+1)-th working day);
    # - last[k]: index in ``ords`` of the last working day on or before day k (-1 if none),
    #   i.e. bisect_right(ords, ordinal) - 1 precomputed: a bisect over ~55,000 entries costs
    #   more than the whole rest of add_workdays(). The n-th working day after day k is then
    #   ords[last[k] + n], and the working days in (a, b] number last[kb] - last[ka];
    # - next_unpub[k]: first ordinal >= day k lying in an unpublished year, so "does [a, b]
    #   touch an unpublished year" is one lookup and one comparison;
    # - caches: DueResults already handed out, per working-day index, (final, provisional).

    def _build(self) -> _TablesT:
        holidays = set()
        extra = []
        for s in self._specials.values():
            o = s.date.toordinal()
            if s.kind is DayKind.HOLIDAY:
                holidays.add(o)
            elif not 0 < o % 7 < 6:
                extra.append(o)
        # Ordinal 1 (0001-01-01) is a Monday, so o % 7 in 1..5 means Monday–Friday.
        ords = [o for o in range(_MIN_ORD, _MAX_ORD + 1) if 0 < o % 7 < 6 and o not in holidays]
        if extra:
            ords.extend(extra)
            ords.sort()

        flags = bytearray(_DAYS)
        for o in ords:
            flags[o - _MIN_ORD] = 1
        running = accumulate(flags, initial=-1)
        next(running)  # drop the initial value: last[0] already counts day 0
        last = list(running)

        next_unpub: list[int] = []
        pending = _MAX_ORD + 1
        blocks = []
        for year in range(MAX_DATE.year, MIN_DATE.year - 1, -1):
            start = date(year, 1, 1).toordinal()
            length = date(year, 12, 31).toordinal() - start + 1
            if year not in self._published:
                pending = start
            blocks.append((length, pending))
        for length, value in reversed(blocks):
            next_unpub.extend([value] * length)

        # Deadlines are immutable values, so each is built once and then shared.
        caches: tuple[list[DueResult | None], list[DueResult | None]] = (
            [None] * len(ords),
            [None] * len(ords),
        )
        tables = (last, ords, next_unpub, caches)
        object.__setattr__(self, "_t", tables)
        return tables

    def _tables(self) -> _TablesT:
        t = self._t
        return t if t is not None else self._build()

    # -- arithmetic ---------------------------------------------------------------------------

    def add_workdays(self, start: datetime, n: int) -> DueResult:
        """The deadline ``n`` working days after ``start`` (期间开始的当日不计入).

        For n ≥ 1: the end of the n-th working day strictly after the local date of ``start``.
        For n == 0 (即办件): the end of that date if it is a working day, else of the next one.
        """
        return add_workdays(start, n, self)

    def add_workdays_date(self, d: date, n: int) -> date:
        """Date-level ``add_workdays``: the n-th working day after ``d`` (n == 0: ``d`` itself
        if it is a working day, else the next one)."""
        last, ords, _, _ = self._tables()
        i = _index(last, _check_date(d) - _MIN_ORD, n)
        if i >= len(ords):
            raise _beyond_range()
        return date.fromordinal(ords[i])

    def workdays_between(self, a: datetime, b: datetime) -> int:
        """Number of working days d with local_date(a) < d ≤ local_date(b); 0 if b ≤ a."""
        last = self._tables()[0]
        oa = local_ordinal(a)
        ob = local_ordinal(b)
        if ob <= oa:
            return 0
        return last[ob - _MIN_ORD] - last[oa - _MIN_ORD]

    def workdays_between_dates(self, a: date, b: date) -> int:
        """Number of working days d with a < d ≤ b; 0 if b ≤ a."""
        last = self._tables()[0]
        oa = _check_date(a)
        ob = _check_date(b)
        if ob <= oa:
            return 0
        return last[ob - _MIN_ORD] - last[oa - _MIN_ORD]

    # -- helpers shared with the clock (ordinals in, ordinals out) ----------------------------

    def _count_upto(self, o: int) -> int:
        """Working days on or before ordinal ``o`` (within the supported range)."""
        return self._tables()[0][o - _MIN_ORD] + 1

    def _nth_after(self, o: int, n: int) -> int:
        """Ordinal of the n-th working day after ordinal ``o``; n == 0: ``o`` or the next."""
        last, ords, _, _ = self._tables()
        i = _index(last, o - _MIN_ORD, n)
        if i >= len(ords):
            raise _beyond_range()
        return ords[i]

    def _provisional_ords(self, lo: int, hi: int) -> bool:
        return self._tables()[2][lo - _MIN_ORD] <= hi


def _new_due(
    caches: tuple[list[DueResult | None], list[DueResult | None]],
    i: int,
    due_ord: int,
    provisional: bool,
) -> DueResult:
    # The final and provisional results for one day share their datetime.
    other = caches[not provisional][i]
    due = other.due if other is not None else end_of_day(due_ord)
    return DueResult(due, provisional)


def _index(last: list[int], k: int, n: int) -> int:
    """Index in ``ords`` of the n-th working day after day number k (n == 0: k or the next)."""
    if n > 0:
        return last[k] + n
    if n == 0:
        return last[k - 1] + 1 if k > 0 else 0
    raise ValueError(f"n must be >= 0 working days, got {n}")


def _beyond_range() -> ValueError:
    return ValueError("the deadline falls after 2199-12-31（期限超出支持范围）")


# -- package data ---------------------------------------------------------------------------


@functools.cache
def _package_specials() -> tuple[SpecialDay, ...]:
    from chinese_calendar.constants import Holiday, holidays, workdays  # type: ignore[import-untyped]  # ships no type information

    def chinese(value: str) -> str:
        name: str = Holiday(value).chinese
        return name

    out = [SpecialDay(d, DayKind.HOLIDAY, chinese(v)) for d, v in holidays.items()]
    out.extend(SpecialDay(d, DayKind.WORKDAY, chinese(v) + "调休上班") for d, v in workdays.items())
    out.sort(key=lambda s: s.date)
    return tuple(out)


@functools.cache
def _package_years() -> frozenset[int]:
    from chinese_calendar.constants import holidays, workdays

    return frozenset(d.year for d in holidays) | frozenset(d.year for d in workdays)


@functools.cache
def default_calendar() -> WorkCalendar:
    """The package-only calendar (chinesecalendar data, 2004–2026), built once."""
    global _DEFAULT
    _DEFAULT = WorkCalendar.from_chinesecalendar()
    return _DEFAULT


# default_calendar()'s result, kept where add_workdays() can reach it without a call.
_DEFAULT: WorkCalendar | None = None


def add_workdays(start: datetime, n: int, calendar: WorkCalendar | None = None) -> DueResult:
    """Deadline ``n`` working days (工作日) after ``start`` (期间开始的当日不计入).

    For n ≥ 1: the end of the n-th working day strictly after the local date of ``start``.
    For n == 0 (即办件): the end of that date if it is a working day, else of the next one.
    Uses ``default_calendar()`` when ``calendar`` is None.
    """
    # This is the hot path (every deadline of every record): local_ordinal() is inlined for
    # the two usual time zones, and a result already handed out once is returned again.
    if calendar is None:
        calendar = _DEFAULT or default_calendar()
    t = calendar._t
    if t is None:
        t = calendar._build()
    last, ords, next_unpub, caches = t
    tz = start.tzinfo
    if tz is SHANGHAI:
        k = start.toordinal() - _MIN_ORD
    elif tz is UTC:
        k = start.toordinal() - _MIN_ORD
        if start.hour >= 16:
            k += 1
        if k < _K_FIXED_OFFSET:
            k = local_ordinal(start) - _MIN_ORD
    else:
        k = local_ordinal(start) - _MIN_ORD
    if k < 0:
        raise _out_of_range(start)
    try:
        # The upper range checks ride on IndexError: last[k] fails for a start after
        # 2199-12-31, ords[i] for a result after it.
        i = last[k] + n if n > 0 else _index(last, k, n)
        due_ord = ords[i]
    except IndexError:
        raise (_out_of_range(start) if k >= _DAYS else _beyond_range()) from None
    provisional = next_unpub[k] <= due_ord
    cache = caches[provisional]
    r = cache[i]
    if r is None:
        r = cache[i] = _new_due(caches, i, due_ord, provisional)
    return r


class CountRule(StrEnum):
    """How a time limit of n working days is counted from its starting day (期间计算规则).

    - ``NEXT_DAY`` (次日起算, 期间开始的当日不计入): the starting day never counts; the limit ends
      with the n-th working day after it. The national rule and the default everywhere.
    - ``INCLUSIVE`` (含本数, 当日起算): the starting day counts as the first day when it is a
      working day, so the limit ends one working day earlier; a start on a rest day counts from
      the next working day, which is then the first. Some 12345 rules count so.

    For n == 0 (即办件) both rules give the end of the starting day if it is a working day, else
    of the next one.
    """

    NEXT_DAY = "next_day"
    INCLUSIVE = "inclusive"

    @property
    def label(self) -> str:
        return "次日起算" if self is CountRule.NEXT_DAY else "含本数（当日起算）"


def add_workdays_counted(
    start: datetime, n: int, rule: CountRule | str, calendar: WorkCalendar | None = None
) -> DueResult:
    """Deadline of a limit of ``n`` working days starting at ``start``, counted by ``rule``."""
    rule = CountRule(rule)
    if rule is CountRule.INCLUSIVE and n > 0:
        cal = calendar if calendar is not None else (_DEFAULT or default_calendar())
        if cal.is_workday(date.fromordinal(local_ordinal(start))):
            return add_workdays(start, n - 1, cal)
    return add_workdays(start, n, calendar)


def workdays_counted(
    start: datetime, end: datetime, rule: CountRule | str, calendar: WorkCalendar | None = None
) -> int:
    """Working days a limit counted by ``rule`` has used from ``start`` up to ``end`` (both
    local dates): ``workdays_between`` for 次日起算, plus the starting day when it is a working
    day for 含本数. 0 when ``end`` is before ``start``."""
    cal = calendar if calendar is not None else default_calendar()
    used = cal.workdays_between(start, end)
    oa, ob = local_ordinal(start), local_ordinal(end)
    if CountRule(rule) is CountRule.INCLUSIVE and ob >= oa and cal.is_workday(date.fromordinal(oa)):
        used += 1
    return used


def workdays_between(a: datetime, b: datetime, calendar: WorkCalendar | None = None) -> int:
    """Working days in (local_date(a), local_date(b)]; see WorkCalendar.workdays_between."""
    if calendar is None:
        calendar = default_calendar()
    return calendar.workdays_between(a, b)
