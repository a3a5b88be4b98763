"""The editable calendar: importing a new year's schedule, single-day edits, the commands, pages."""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.workcalendar import services
from xiaoneng.workcalendar.models import CalendarDay, CalendarYear
from xiaoneng.workdays import SHANGHAI

# An invented 2027 schedule for tests: the real one is published by the State Council.
SCHEDULE_2027 = """\
# 2027年（测试用，非官方）
year 2027
2027-01-01 holiday 元旦
2027-02-06..2027-02-12 holiday 春节
2027-02-13 workday 春节调休上班
"""

START = datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI)


def _due(n: int):
    return services.get_calendar().add_workdays(START, n)


def test_unpublished_year_is_provisional_until_imported(db, office_user):
    before = _due(10)
    assert before.provisional
    # 2026-12-29..31 (3) + 2027-01-01 Fri (Mon–Fri guess) + 01-04..08 (5) + 01-11 = 10th day.
    assert before.due.date() == date(2027, 1, 11)
    result = services.import_schedule(office_user, SCHEDULE_2027, source_name="2027.txt")
    assert result.years == [2027] and result.days == 9
    after = _due(10)
    assert not after.provisional
    assert after.due.date() == date(2027, 1, 12)  # 2027-01-01 is now a holiday
    assert CalendarYear.objects.get(year=2027).source_name == "2027.txt"
    assert AuditEntry.objects.filter(object_type="workcalendar.calendaryear").count() == 1


def test_reimport_replaces_the_year(db, office_user):
    services.import_schedule(office_user, SCHEDULE_2027)
    services.import_schedule(office_user, "year 2027\n2027-01-01 holiday 元旦\n")
    assert CalendarDay.objects.filter(date__year=2027).count() == 1
    assert services.get_calendar().is_workday(date(2027, 2, 8))


def test_importing_a_packaged_year_replaces_package_data(db, office_user):
    assert not services.get_calendar().is_workday(date(2026, 10, 7))
    services.import_schedule(office_user, "year 2026\n2026-10-01..2026-10-05 holiday 国庆节\n")
    cal = services.get_calendar()
    assert cal.is_workday(date(2026, 10, 7))  # the package's 10-07 holiday is gone
    assert cal.is_workday(date(2026, 2, 16))  # so is the Spring Festival: only the file counts
    assert not cal.is_workday(date(2026, 2, 14))  # and the make-up Saturday is a Saturday again


def test_bad_file_imports_nothing_and_names_lines(db, office_user):
    bad = "year 2027\n2027-01-01 holiday 元旦\n2027/02/06 holiday 春节\n2027-01-01 workday 冲突\n"
    with pytest.raises(services.ScheduleError) as caught:
        services.import_schedule(office_user, bad)
    lines = {line for line, _ in caught.value.errors}
    assert {3, 4} <= lines
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()
    assert not AuditEntry.objects.exists()


def test_year_out_of_range_is_refused(db, office_user):
    with pytest.raises(services.ScheduleError) as caught:
        services.import_schedule(office_user, "year 2300\n2300-01-01 holiday 元旦\n")
    assert any("2300" in message for _, message in caught.value.errors)


def test_only_office_edits_the_calendar(db, users):
    with pytest.raises(PermissionDenied):
        services.import_schedule(users[Role.LIAISON], SCHEDULE_2027)
    with pytest.raises(PermissionDenied):
        services.set_day(users[Role.LEADER], date(2026, 11, 30), "holiday", "临时放假")


def test_single_day_edit_wins_and_can_be_cleared(db, office_user):
    day = date(2026, 11, 30)  # a Monday
    assert services.get_calendar().is_workday(day)
    services.set_day(office_user, day, "holiday", "抗灾临时放假")
    assert not services.get_calendar().is_workday(day)
    services.clear_day(office_user, day)
    assert services.get_calendar().is_workday(day)
    assert list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)) == [
        "create",
        "delete",
    ]


def test_makeup_workday_on_a_weekday_is_refused(db, office_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="无需登记"):
        services.set_day(office_user, date(2026, 11, 30), "workday", "")


# ---- commands ---------------------------------------------------------------------------------


def _run(*args) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_due_command_matches_the_2026_spring_festival(db):
    # Friday 13 Feb; Sat 14 Feb is a make-up working day, 15–23 Feb are the holiday.
    assert _run("due", "2026-02-13T10:00+08:00", "3").strip() == "2026-02-25T23:59:59+08:00"


def test_due_command_marks_provisional(db):
    assert (
        _run("due", "2026-12-28T09:00+08:00", "10").strip()
        == "2027-01-11T23:59:59+08:00 provisional"
    )


def test_due_command_rejects_naive_and_bad_input(db):
    with pytest.raises(CommandError, match="时区"):
        _run("due", "2026-02-13T10:00", "3")
    with pytest.raises(CommandError, match="无法识别"):
        _run("due", "13/02/2026", "3")
    with pytest.raises(CommandError, match="负"):
        _run("due", "2026-02-13T10:00+08:00", "-1")


def test_show_command(db):
    out = _run("show", "2026")
    assert "2026-02-14 周六 上班" in out and "2026-10-01 周四 放假 国庆节" in out
    assert "全年工作日：" in out
    assert "未发布" in _run("show", "2027")


def test_import_command(db, tmp_path):
    good = tmp_path / "2027.txt"
    good.write_text(SCHEDULE_2027, encoding="utf-8")
    assert "已导入 2027 年" in _run("import", str(good))
    bad = tmp_path / "bad.txt"
    bad.write_text("year 2028\n2028-13-01 holiday 元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第2行"):
        _run("import", str(bad))
    assert not CalendarYear.objects.filter(year=2028).exists()


def test_shipped_example_file_imports(db, tmp_path):
    from django.conf import settings

    example = settings.BASE_DIR / "data" / "calendar" / "cn-2004-2026.txt"
    assert "已导入" in _run("import", str(example))
    cal = services.get_calendar()
    assert not cal.is_workday(date(2026, 2, 16)) and cal.is_workday(date(2026, 2, 14))


# ---- pages ------------------------------------------------------------------------------------


def test_year_page_marks_holidays_and_makeup_days(client, db):
    page = client.get("/calendar/2026/").content.decode()
    assert 'class="holiday" title="春节" data-date="2026-02-16"' in page
    assert 'class="makeup" title="春节调休上班" data-date="2026-02-14"' in page
    assert "全年工作日 248 天" in page
    assert "尚未公布" in client.get("/calendar/2027/").content.decode()
    assert client.get("/calendar/3000/").status_code == 404


def test_public_due_calculator(client, db):
    fragment = client.get(
        "/calendar/due/", {"start": "2026-02-13T10:00", "days": "3"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "2026年2月25日" in fragment
    page = client.get("/calendar/due/", {"start": "yesterday", "days": "-2"}).content.decode()
    assert "受理时间" in page and "result-box error" in page


def test_office_upload_with_errors_lists_them(client, db, office_user):
    client.force_login(office_user)
    upload = SimpleUploadedFile("2027.txt", "year 2027\n2027-01-01 maybe 元旦\n".encode())
    page = client.post("/office/calendar/", {"file": upload}).content.decode()
    assert "导入失败，未做任何修改" in page and "第2行" in page
    upload = SimpleUploadedFile("2027.txt", SCHEDULE_2027.encode())
    response = client.post("/office/calendar/", {"file": upload})
    assert response.status_code == 302
    assert CalendarYear.objects.filter(year=2027).exists()


def test_liaison_cannot_upload(client, db, users):
    client.force_login(users[Role.LIAISON])
    upload = SimpleUploadedFile("2027.txt", SCHEDULE_2027.encode())
    assert client.post("/office/calendar/", {"file": upload}).status_code == 403
    assert not CalendarYear.objects.exists()
