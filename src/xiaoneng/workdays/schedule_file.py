"""Holiday schedule files (节假日安排导入文件): parse and export.

The format is documented in ``docs/calendar-format.md``. In short (UTF-8 text)::

    # 2027 年部分节假日安排（注释以 # 开头）
    year 2027
    2027-01-01              holiday  元旦
    2027-02-06..2027-02-12  休       春节
    2027-02-13              班       春节调休上班

Nothing is returned unless the whole file is valid; ScheduleError carries every error found,
each with its line number and a message in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from .calendar import DayKind, SpecialDay, WorkCalendar

__all__ = ["ParsedSchedule", "ScheduleError", "export_schedule", "parse_schedule"]

MIN_YEAR = 2000
MAX_YEAR = 2100
# Names are stored in a 50-character column by the calendar app; a longer one is a typo anyway.
MAX_NAME_LENGTH = 50

_YEAR_WORDS = {"year", "年份"}
_KIND_WORDS = {
    "holiday": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
}
_KIND_LABEL = {DayKind.HOLIDAY: "放假日", DayKind.WORKDAY: "调休上班日"}
_WEEKDAY_CN = "一二三四五六日"
_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YEAR_RE = re.compile(r"\d{4}")
_ONE_DAY = timedelta(days=1)


@dataclass
class ParsedSchedule:
    """A valid schedule file: the years it covers and its special days, sorted by date."""

    years: set[int] = field(default_factory=set)
    specials: list[SpecialDay] = field(default_factory=list)


class ScheduleError(ValueError):
    """The schedule file is invalid. ``errors`` lists every ``(line_number, message)``;
    line 0 means the file as a whole."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = sorted(errors)
        super().__init__(
            f"日历文件有 {len(self.errors)} 处错误：\n" + "\n".join(m for _, m in self.errors)
        )


def _parse_date(token: str) -> date | None:
    m = _DATE_RE.fullmatch(token)
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _strip_comment(line: str) -> str:
    # '#' starts a comment anywhere on the line; names never need it.
    return line.split("#", 1)[0].strip()


@dataclass
class _Entry:
    line: int
    first: date
    last: date
    kind: DayKind
    name: str


def parse_schedule(text: str) -> ParsedSchedule:
    """Parse a schedule file; raise ScheduleError listing all errors if it is invalid."""
    errors: list[tuple[int, str]] = []

    def err(line: int, message: str) -> None:
        errors.append((line, f"第{line}行：{message}" if line else message))

    declared: set[int] = set()
    entries: list[_Entry] = []

    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = _strip_comment(raw)
        if not line:
            continue
        # str.split() also splits on the ideographic space (U+3000) of Chinese editors.
        tokens = line.split()
        if tokens[0].lower() in _YEAR_WORDS or tokens[0].rstrip("：:") in _YEAR_WORDS:
            value = tokens[1] if len(tokens) == 2 else " ".join(tokens[1:])
            if len(tokens) != 2 or not _YEAR_RE.fullmatch(value):
                err(number, f"年份声明“{line}”格式不对，应为“year YYYY”")
            elif not MIN_YEAR <= int(value) <= MAX_YEAR:
                err(number, f"年份 {value} 超出范围，应在 {MIN_YEAR}–{MAX_YEAR} 之间")
            else:
                declared.add(int(value))
            continue
        if len(tokens) < 2:
            err(number, f"无法识别的行“{line}”，应为“year YYYY”或“日期 类型 名称”")
            continue

        date_token, kind_token = tokens[0], tokens[1]
        name = " ".join(tokens[2:])
        ok = True
        first_s, sep, last_s = date_token.partition("..")
        first = _parse_date(first_s)
        last = _parse_date(last_s) if sep else first
        if first is None:
            err(number, f"无法识别的日期“{first_s}”，应为 YYYY-MM-DD")
            ok = False
        if sep and last is None:
            err(number, f"无法识别的日期“{last_s}”，应为 YYYY-MM-DD")
            ok = False
        kind = _KIND_WORDS.get(kind_token.lower())
        if kind is None:
            err(
                number,
                f"无法识别的类型“{kind_token}”，应为 holiday/休（放假）或 workday/班（调休上班）",
            )
            ok = False
        if len(name) > MAX_NAME_LENGTH:
            err(number, f"名称过长（{len(name)} 字），最多 {MAX_NAME_LENGTH} 字")
            ok = False
        if not ok:
            continue
        assert first is not None and last is not None and kind is not None
        if last < first:
            err(number, f"日期范围的结束日 {last} 早于开始日 {first}")
            continue
        bad_years = sorted(
            {y for y in range(first.year, last.year + 1) if not MIN_YEAR <= y <= MAX_YEAR}
        )
        if bad_years:
            err(number, f"年份 {bad_years[0]} 超出范围，应在 {MIN_YEAR}–{MAX_YEAR} 之间")
            continue
        if kind is DayKind.WORKDAY:
            weekdays = [d for d in _days(first, last) if d.weekday() < 5]
            if weekdays:
                d = weekdays[0]
                day = f"星期{_WEEKDAY_CN[d.weekday()]}"
                what = (
                    f"{d}（{day}）等 {len(weekdays)} 天是周一至周五"
                    if len(weekdays) > 1
                    else f"{d} 是{day}"
                )
                err(number, f"{what}，调休上班日必须是周末（周一至周五本来就上班）")
                continue
        entries.append(_Entry(number, first, last, kind, name))

    years = declared
    if declared:
        for e in entries:
            missing = sorted(y for y in range(e.first.year, e.last.year + 1) if y not in declared)
            if missing:
                err(
                    e.line,
                    f"{missing[0]} 年未声明：文件声明的年份是 "
                    f"{'、'.join(str(y) for y in sorted(declared))}，请加一行“year {missing[0]}”",
                )
    else:
        years = {y for e in entries for y in range(e.first.year, e.last.year + 1)}

    # Same date listed twice: report once per pair of lines, not once per day of a range.
    seen: dict[date, _Entry] = {}
    clashes: dict[tuple[int, int], list[date]] = {}
    for e in entries:
        for d in _days(e.first, e.last):
            other = seen.get(d)
            if other is None:
                seen[d] = e
            else:
                clashes.setdefault((other.line, e.line), []).append(d)
    by_line = {e.line: e for e in entries}
    for (first_line, later_line), days in clashes.items():
        a, b = by_line[first_line], by_line[later_line]
        what = f"{days[0]} 等 {len(days)} 天" if len(days) > 1 else str(days[0])
        if a.kind is b.kind:
            err(later_line, f"日期 {what} 重复：第{first_line}行已经列出")
        else:
            err(
                later_line,
                f"日期 {what} 在第{first_line}行是{_KIND_LABEL[a.kind]}，"
                f"这里又是{_KIND_LABEL[b.kind]}：同一天不能既放假又上班",
            )

    if not entries and not years and not errors:
        err(0, "文件中没有任何年份声明或日期")
    if errors:
        raise ScheduleError(errors)

    specials = [SpecialDay(d, e.kind, e.name) for e in entries for d in _days(e.first, e.last)]
    specials.sort(key=lambda s: s.date)
    return ParsedSchedule(years=set(years), specials=specials)


def _days(first: date, last: date) -> Iterable[date]:
    d = first
    while d <= last:
        yield d
        d += _ONE_DAY


_DEFAULT_HEADER = """\
节假日与调休安排 (Xiaoneng holiday schedule)
格式见 docs/calendar-format.md：year YYYY 声明年份；每行“日期[..日期] 类型 名称”，
类型 holiday/休 = 放假，workday/班 = 调休上班；# 之后为注释。"""


def export_schedule(
    calendar: WorkCalendar, years: Iterable[int], *, header: str | None = None
) -> str:
    """Write the special days of ``years`` in the schedule file format.

    Consecutive days of the same kind and name are collapsed into ranges, so that
    ``parse_schedule(export_schedule(cal, ys))`` gives the same days back. ``header`` replaces
    the default comment block at the top.
    """
    lines = [f"# {h}".rstrip() for h in (header or _DEFAULT_HEADER).splitlines()]
    for year in sorted(set(years)):
        lines.append("")
        lines.append(f"year {year}")
        run: list[SpecialDay] = []
        for s in calendar.specials_in_year(year):
            prev = run[-1] if run else None
            if (
                prev is not None
                and s.kind is prev.kind
                and s.name == prev.name
                and s.date - prev.date == _ONE_DAY
            ):
                run.append(s)
                continue
            if run:
                lines.append(_format_run(run))
            run = [s]
        if run:
            lines.append(_format_run(run))
    return "\n".join(lines) + "\n"


def _format_run(run: list[SpecialDay]) -> str:
    first, last = run[0], run[-1]
    span = first.date.isoformat()
    if last.date != first.date:
        span += ".." + last.date.isoformat()
    return f"{span:<22}  {first.kind.value:<7}  {first.name}".rstrip()


PACKAGE_FILE = "cn-2004-2026.txt"


def package_schedule_text() -> str:
    """The text of ``xiaoneng/data/calendar/cn-2004-2026.txt``: the chinesecalendar package
    data exported as a schedule file, committed as the documented example of the format."""
    import chinese_calendar  # type: ignore[import-untyped]  # ships no type information

    from .calendar import default_calendar

    cal = default_calendar()
    header = f"""\
中国法定节假日与调休安排 2004–2026 (China public holidays and make-up workdays)
从 chinesecalendar {chinese_calendar.__version__} 的数据生成，生成函数：
xiaoneng.workdays.schedule_file.package_schedule_text()
作为导入文件格式的示例，格式见 docs/calendar-format.md。
holiday/休 = 放假，workday/班 = 调休上班；名称为节日中文名。
原数据里放假期间的周末并不总是逐日列出（如 2015-06-21）；不影响计算，周末本来就不上班。"""
    return export_schedule(cal, sorted(cal.published_years), header=header)
