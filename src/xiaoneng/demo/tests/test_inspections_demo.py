"""The demo's 明查暗访 (C8): a year of drawn covert visits and open checks, findings in every
state, contests, cards and tasks; dates consistent with the reference date."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from xiaoneng.inspections import services
from xiaoneng.inspections.models import Finding, Photo, Plan, Visit
from xiaoneng.rectification.models import Task
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


def test_a_year_of_plans_visits_and_findings(built, db):
    assert "明查暗访计划" in built
    covert = Plan.objects.filter(kind=Plan.Kind.COVERT)
    assert covert.count() == 12 and Plan.objects.filter(kind=Plan.Kind.OPEN).count() == 4
    for plan in covert:
        drawn = services.draw_units([t.unit for t in plan.targets.all()], 1, plan.draw_seed)
        assert drawn.canonical_seed == plan.draw_canonical
    statuses = set(Finding.objects.values_list("status", flat=True))
    assert {"pending", "confirmed", "dropped"} <= statuses
    assert statuses & {"upheld", "withdrawn", "contested"}
    assert Visit.objects.filter(plan__isnull=True).exists()  # supervisors' observations
    assert Card.objects.filter(cause=Card.Cause.INSPECTION_FINDING).exists()
    assert Task.objects.filter(source_kind="inspection").exists()
    assert Photo.objects.exists()


def test_dates_agree_with_the_reference_date(built, db):
    for visit in Visit.objects.select_related("plan"):
        assert visit.visited_on <= NOW.date()
        if visit.plan is not None:
            assert visit.plan.start <= visit.visited_on <= visit.plan.end
    for f in Finding.objects.filter(confirmed_at__isnull=False):
        assert f.confirmed_at <= NOW and f.due_at is not None
        if f.decided_at is not None:
            assert f.contested_at is not None and f.decided_at <= NOW
