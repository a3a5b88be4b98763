"""The holiday schedule file: every error names its line; valid files round-trip."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaoneng.workdays import (
    DayKind,
    ScheduleError,
    SpecialDay,
    WorkCalendar,
    default_calendar,
    export_schedule,
    parse_schedule,
)
from xiaoneng.workdays.schedule_file import PACKAGE_FILE, package_schedule_text

from . import PROPERTY_SETTINGS

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "calendar" / PACKAGE_FILE

VALID = """\
# 虚构的 2027 年安排（测试用，并非官方通知）
year 2027

2027-01-01              holiday  元旦
2027-02-06..2027-02-12  休       春节
2027-02-13              班       春节调休上班   # 周六
2027-10-09 workday 国庆节 调休上班
年份 2028
"""


def errors_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(text)
    return info.value.errors


def test_valid_file() -> None:
    parsed = parse_schedule(VALID)
    assert parsed.years == {2027, 2028}
    assert parsed.specials[0] == SpecialDay(date(2027, 1, 1), DayKind.HOLIDAY, "元旦")
    assert [s.date.day for s in parsed.specials if s.name == "春节"] == list(range(6, 13))
    assert parsed.specials[-1] == SpecialDay(date(2027, 10, 9), DayKind.WORKDAY, "国庆节 调休上班")
    assert [s.date for s in parsed.specials] == sorted(s.date for s in parsed.specials)


def test_bom_fullwidth_space_and_no_year_lines() -> None:
    parsed = parse_schedule("\ufeff2027-01-01\u3000休\u3000元旦\r\n2028-01-01 holiday 元旦\n")
    assert parsed.years == {2027, 2028}
    assert len(parsed.specials) == 2


def test_declared_year_without_entries_is_allowed() -> None:
    assert parse_schedule("year 2030\n").years == {2030}
    assert parse_schedule("year 2030\n").specials == []


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("2027-13-01 holiday 元旦", "第3行：无法识别的日期“2027-13-01”，应为 YYYY-MM-DD"),
        ("2027/01/01 holiday 元旦", "无法识别的日期“2027/01/01”"),
        ("2027-02-01..2027-02-30 holiday 春节", "无法识别的日期“2027-02-30”"),
        ("2027-02-10..2027-02-05 holiday 春节", "第3行：日期范围的结束日 2027-02-05 早于开始日"),
        ("2027-01-01 vacation 元旦", "第3行：无法识别的类型“vacation”"),
        ("2027-01-01", "第3行：无法识别的行"),
        ("2027-02-10 workday 春节调休上班", "第3行：2027-02-10 是星期三，调休上班日必须是周末"),
        ("2027-02-08..2027-02-13 班 春节", "2027-02-08（星期一）等 5 天是周一至周五"),
        ("2028-01-01 holiday 元旦", "第3行：2028 年未声明"),
        ("1999-01-01 holiday 元旦", "第3行：年份 1999 超出范围"),
        ("2027-01-01 holiday " + "元" * 51, "第3行：名称过长（51 字），最多 50 字"),
    ],
)
def test_each_error_names_its_line(line: str, fragment: str) -> None:
    errors = errors_of(f"# 头\nyear 2027\n{line}\n")
    assert [n for n, _ in errors] == [3]
    assert fragment in errors[0][1]
    assert errors[0][1].startswith("第3行：")


def test_year_declarations() -> None:
    errors = errors_of("year 1999\nyear 20x7\nyear\n")
    assert [n for n, _ in errors] == [1, 2, 3]
    assert "年份 1999 超出范围" in errors[0][1]
    assert "应为“year YYYY”" in errors[1][1]


def test_duplicates_name_both_lines() -> None:
    errors = errors_of(
        "year 2027\n"
        "2027-02-06..2027-02-12 休 春节\n"
        "2027-02-10..2027-02-14 休 春节\n"
        "2027-01-01 休 元旦\n"
        "2027-01-01 休 元旦\n"
    )
    assert errors == [
        (3, "第3行：日期 2027-02-10 等 3 天 重复：第2行已经列出"),
        (5, "第5行：日期 2027-01-01 重复：第4行已经列出"),
    ]


def test_holiday_and_workday_on_the_same_date() -> None:
    errors = errors_of("year 2027\n2027-02-13 休 春节\n2027-02-13 班 春节调休上班\n")
    assert len(errors) == 1
    line, message = errors[0]
    assert line == 3 and "第2行是放假日" in message and "既放假又上班" in message


def test_all_errors_are_reported_and_nothing_is_returned() -> None:
    text = (
        "year 2027\n"
        "2027-13-01 holiday 元旦\n"
        "2027-01-01 rest 元旦\n"
        "2027-02-10 班 调休\n"
        "2026-10-01 holiday 国庆\n"
        "2027-05-01 holiday 劳动节\n"
    )
    errors = errors_of(text)
    assert [n for n, _ in errors] == [2, 3, 4, 5]
    message = str(ScheduleError(errors))
    assert message.startswith("日历文件有 4 处错误") and "第5行" in message


def test_empty_file_is_an_error() -> None:
    assert errors_of("# 只有注释\n\n") == [(0, "文件中没有任何年份声明或日期")]


def test_package_data_file_is_current_and_parses_back() -> None:
    text = DATA_FILE.read_text(encoding="utf-8")
    assert text == package_schedule_text(), "regenerate with package_schedule_text()"
    parsed = parse_schedule(text)
    cal = default_calendar()
    assert parsed.years == set(cal.published_years) == set(range(2004, 2027))
    expected = [s for y in sorted(parsed.years) for s in cal.specials_in_year(y)]
    assert parsed.specials == expected
    from chinese_calendar.constants import holidays, workdays

    assert {s.date for s in parsed.specials if s.kind is DayKind.HOLIDAY} == set(holidays)
    assert {s.date for s in parsed.specials if s.kind is DayKind.WORKDAY} == set(workdays)
    # A calendar rebuilt from the file alone behaves like the package one.
    rebuilt = WorkCalendar(parsed.specials, parsed.years)
    assert all(
        rebuilt.is_workday(date.fromordinal(o)) == cal.is_workday(date.fromordinal(o))
        for o in range(date(2003, 1, 1).toordinal(), date(2028, 1, 1).toordinal())
    )


def test_export_collapses_ranges() -> None:
    text = export_schedule(default_calendar(), [2026])
    assert "2026-02-15..2026-02-23  holiday  春节" in text
    assert "2026-10-10              workday  国庆节调休上班" in text
    assert export_schedule(WorkCalendar([], [2030]), [2030]).endswith("year 2030\n")


names = st.sampled_from(["元旦", "春节", "春节调休上班", "地方 假日", "国庆节"])


@st.composite
def calendars(draw: st.DrawFn) -> tuple[WorkCalendar, set[int]]:
    years = draw(st.sets(st.integers(2000, 2100), min_size=1, max_size=3))
    specials = {}
    for _ in range(draw(st.integers(0, 30))):
        d = draw(st.dates(date(min(years), 1, 1), date(max(years), 12, 31)))
        if d.year not in years:
            continue
        # Make-up workdays must be weekend days to form a valid file.
        kind = DayKind.WORKDAY if d.weekday() >= 5 and draw(st.booleans()) else DayKind.HOLIDAY
        specials[d] = SpecialDay(d, kind, draw(names))
    return WorkCalendar(specials.values(), years), years


@PROPERTY_SETTINGS
@given(calendars())
def test_round_trip(cal_years: tuple[WorkCalendar, set[int]]) -> None:
    cal, years = cal_years
    parsed = parse_schedule(export_schedule(cal, years))
    assert parsed.years == years
    assert parsed.specials == [s for y in sorted(years) for s in cal.specials_in_year(y)]
