"""The demo's rectification (C7): a year of tasks from every source, some late, some extended,
some refused at acceptance, a 专项活动 in progress; states consistent with their dates."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from xiaoneng.notifications.models import Notification
from xiaoneng.rectification.deadlines import end_of, local_date
from xiaoneng.rectification.models import (
    Drive,
    DriveReport,
    Extension,
    Plan,
    ProgressReport,
    Task,
    TaskEvent,
)
from xiaoneng.supervision.models import Card

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with time_machine.travel(NOW, tick=True), django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = StringIO()
            call_command("demo", "--size", "small", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_tasks_from_every_source_in_every_state(built, db):
    assert "整改任务" in built and "专项活动" in built
    sources = set(Task.objects.values_list("source_kind", flat=True))
    # 绩效考评: the demo's published years open a task for each 末位 unit.
    assert sources == {"complaint", "rating", "evaluation", "manual", "inspection", "assessment"}
    statuses = set(Task.objects.exclude(source_kind="rating").values_list("status", flat=True))
    assert {"closed", "in_progress"} <= statuses
    assert Task.objects.filter(escalated=True).exists()
    assert Extension.objects.filter(status="approved").exists()
    assert TaskEvent.objects.filter(kind="refuse").exists()
    assert Plan.objects.filter(status="returned").exists()
    assert ProgressReport.objects.filter(status="filed").exists()
    assert Card.objects.filter(cause__in=["rectify_overdue", "rectify_plan_overdue"]).exists()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_states_agree_with_their_dates(built, db):
    for t in Task.objects.exclude(source_kind="rating"):
        if t.status == Task.Status.CLOSED:
            assert t.completed_at and t.closed_at and t.closed_at <= NOW, t.number
            assert not t.deadline_open
        elif t.status == Task.Status.IN_PROGRESS:
            assert t.deadline_open and t.due_at == end_of(local_date(t.complete_by)), t.number
        if t.completed_at:
            assert t.completed_at <= NOW and t.opened_at < t.completed_at
        assert t.problems.exists()


def test_a_drive_in_progress(built, db):
    drive = Drive.objects.get()
    assert drive.status == Drive.Status.ACTIVE
    phases = list(drive.phases.order_by("order"))
    assert phases[0].report_name == "实施方案"
    # The reference date falls in the third phase (整改规范): two reports due, two to come.
    assert phases[1].report_due < NOW.date() < phases[2].report_due
    reports = DriveReport.objects.filter(phase__drive=drive)
    assert reports.filter(status__in=["submitted", "accepted"]).exists()
    assert (
        not reports.filter(phase__order=3)
        .exclude(status="pending")
        .filter(submitted_at__gt=NOW)
        .exists()
    )
