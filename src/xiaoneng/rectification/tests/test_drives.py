"""专项活动: set up with seed 003's phases, started for every unit, reports on the deadline
engine, who is late at a glance, upload and review."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.notifications.models import Notification
from xiaoneng.rectification import drives
from xiaoneng.rectification.models import Drive, DriveReport
from xiaoneng.supervision import watches

from .conftest import at, end, travel

pytestmark = pytest.mark.django_db
REPORTS = ["rectification.drive_report"]
DOCX = b"PK\x03\x04" + b"\x00" * 40


@pytest.fixture
def drive(users, org):
    with travel("2026-05-06 09:00"):
        d = drives.create_drive(
            users[Role.OFFICE],
            drives.DriveIn(
                name="2026年效能建设暨两项活动",
                units=(org.dept_a, org.dept_b),
                phases=drives.seed_phases(2026),
            ),
        )
        return drives.start_drive(users[Role.OFFICE], d)


def test_seed_phases_and_start(drive, users):
    phases = list(drive.phases.values_list("name", "report_name", "report_due"))
    assert phases == [
        ("学习动员", "实施方案", date(2026, 5, 15)),
        ("查找问题", "查摆问题情况", date(2026, 5, 30)),
        ("整改规范", "整改方案", date(2026, 6, 20)),
        ("检查验收", "整改结果及总结汇报材料", date(2026, 7, 25)),
    ]
    assert drive.status == Drive.Status.ACTIVE and DriveReport.objects.count() == 8
    first = DriveReport.objects.filter(phase__order=1).first()
    assert first.due_at == end("2026-05-15") and first.warn_at == end("2026-05-12")
    assert Notification.objects.filter(recipient=users[Role.LIAISON], title__contains="已启动")


def test_bad_setups_are_refused(users, org):
    office = users[Role.OFFICE]
    with pytest.raises(ValidationError) as refused:
        drives.create_drive(office, drives.DriveIn(name="", units=(), phases=()))
    assert set(refused.value.message_dict) == {"name", "units", "phases"}
    backwards = (
        drives.PhaseIn("一", "甲", date(2026, 6, 1)),
        drives.PhaseIn("二", "乙", date(2026, 5, 1)),
    )
    with pytest.raises(ValidationError, match="早于上一阶段"):
        drives.create_drive(office, drives.DriveIn("活动", (org.dept_a,), backwards))
    with pytest.raises(PermissionDenied):
        drives.create_drive(users[Role.LIAISON], drives.DriveIn("活动", (org.dept_a,), backwards))


def test_reports_remind_chase_and_show_who_is_late(drive, users, org):
    assert watches.sweep(now=at("2026-05-13 08:00"), watches=REPORTS).warned == {
        "rectification.drive_report": 2
    }
    mine = DriveReport.objects.get(phase__order=1, unit=org.dept_a)
    with travel("2026-05-14 10:00"):
        drives.submit_report(users[Role.LIAISON], mine, text="实施方案已印发")
    report = watches.sweep(now=at("2026-05-16 08:00"), watches=REPORTS)
    assert report.overdue == {"rectification.drive_report": 1}  # only B's
    chased = Notification.objects.filter(kind="overdue")
    assert {n.recipient for n in chased} == {users[Role.OFFICE]}  # B has no liaison: the office
    grid = drives.grid(drive, DriveReport.objects.select_related("unit"), at("2026-05-16 08:00"))
    assert [row.unit for row in grid] == [org.dept_b, org.dept_a]  # the late unit first
    assert grid[0].late == 1 and grid[1].late == 0


def test_upload_review_and_return(client, drive, users, org):
    report = DriveReport.objects.get(phase__order=1, unit=org.dept_a)
    url = reverse("rectification:drive_report", args=[drive.pk, report.pk])
    client.force_login(users[Role.LIAISON])
    other = DriveReport.objects.get(phase__order=1, unit=org.dept_b)
    assert (
        client.get(reverse("rectification:drive_report", args=[drive.pk, other.pk])).status_code
        == 404
    )
    empty = client.post(url, {"submit": "1", "text": ""})
    assert empty.status_code == 400 and "请填写材料内容或上传材料文件" in empty.content.decode()
    upload = SimpleUploadedFile("王五起草的方案.docx", DOCX)
    with travel("2026-05-18 09:00"):
        assert client.post(url, {"submit": "1", "text": "", "file": upload}).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.file_label == "实施方案.docx"
    assert drives.is_late(report, at("2026-05-20 09:00"))
    page = client.get(url).content.decode()
    assert "逾期" in page and "王五" not in page
    client.force_login(users[Role.OFFICE])
    refused = client.post(url, {"review": "return", "note": ""})
    assert "退回补充请写明需要补充的内容" in refused.content.decode()
    client.post(url, {"review": "return", "note": "缺少时间安排"})
    report.refresh_from_db()
    assert report.status == "returned"
    grid = client.get(reverse("rectification:drive", args=[drive.pk])).content.decode()
    assert 'data-testid="drive-grid"' in grid and "退回补充" in grid
    file_url = reverse("rectification:drive_report_file", args=[drive.pk, report.pk])
    assert client.get(file_url).status_code == 200


def test_drive_pages(client, users):
    client.force_login(users[Role.OFFICE])
    page = client.get(reverse("rectification:drive_new")).content.decode()
    assert "整改结果及总结汇报材料" in page and "学习动员" in page
    client.force_login(users[Role.WINDOW])
    assert client.get(reverse("rectification:drives")).status_code == 403


def test_the_menu_marks_only_the_drives_entry(client, users):
    client.force_login(users[Role.OFFICE])
    page = client.get(reverse("rectification:drives")).content.decode()
    assert page.count('aria-current="page"') == 1
    assert f'href="{reverse("rectification:drives")}" class="active"' in page
