"""The demo's accountability (C9): a year of violations from the demo's sources, most ending in
提醒/批评教育, 通报批评 (one published), one 诫勉谈话 by the leader, two appeals (upheld, changed),
some open now; the window clerk has a file of their own."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from xiaoneng.accountability import figures
from xiaoneng.accountability.models import Appeal, Violation
from xiaoneng.notifications.models import Notification
from xiaoneng.org.models import Staff

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


def test_a_year_of_violations(built, db):
    assert "效能问题线索" in built
    standing = list(Violation.objects.on_record().values_list("sanction", flat=True))
    light = sum(1 for s in standing if s in ("reminder", "education"))
    assert light > len(standing) / 2
    assert "criticism" in standing and standing.count("talk") == 1
    assert Violation.objects.filter(published=True).count() == 1
    talk = Violation.objects.get(sanction="talk")
    assert talk.decided_by is not None and talk.decided_by.role == "leader"
    assert sorted(Appeal.objects.values_list("outcome", flat=True)) == ["changed", "upheld"]
    assert Violation.objects.filter(status__in=["open", "investigating", "statement"]).exists()
    assert Violation.objects.filter(status="dismissed").exists()
    # Each source once (a second person of a violation is a row joint to the first); decided
    # dates in the past year.
    pairs = list(Violation.objects.filter(joint_of__isnull=True).values_list("cause", "source_id"))
    assert len(pairs) == len(set(pairs))
    assert not Violation.objects.filter(decided_at__gt=NOW).exists()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_a_violation_with_two_persons(built, db):
    second = Violation.objects.get(joint_of__isnull=False)
    first = second.joint_of
    assert first is not None and first.person_digest and second.person_digest
    assert first.person_digest != second.person_digest
    assert (second.cause, second.source_id) == (first.cause, first.source_id)
    # Each heard and decided on their own.
    assert first.sanction and second.sanction and second.decided_at is not None
    assert second.statement or second.statement_lapsed


def test_the_window_clerk_has_a_file(built, db):
    clerk = Staff.objects.get(user__username="window")
    assert figures.sanctions_of(clerk).exists()
    assert figures.unit_sanctions(NOW.date().replace(month=1, day=1), NOW.date())


def test_last_months_bulletins_are_issued(built, db):
    """签发: the office issued October's 效能通报 and 效能投诉通报 and the last published
    assessment's results bulletin, each numbered from 1 in its kind and frozen."""
    from xiaoneng.bulletins.models import IssuedBulletin

    issued = {b.kind: b for b in IssuedBulletin.objects.all()}
    assert set(issued) == {"monthly", "complaints", "assessment"}
    assert issued["monthly"].source_key == issued["complaints"].source_key == "2026-10"
    assert issued["complaints"].full_number == "效投通〔2026〕1号"
    assert all(b.sequence == 1 and b.version == 1 and b.sha256 for b in issued.values())
    assert "已签发通报：" in built and issued["monthly"].full_number in built
