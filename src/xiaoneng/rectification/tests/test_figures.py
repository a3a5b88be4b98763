"""整改完成率 and 按期完成率 for a unit (what the assessment reads), and the dashboard's tiles,
each opening the board filtered to what it counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.rectification import figures, services
from xiaoneng.rectification.models import Task

from .conftest import at, end, measures_for, travel

pytestmark = pytest.mark.django_db


def test_rates_of_a_unit_and_its_subtree(open_manual, org):
    early = open_manual(unit=org.section_a, complete_by=date(2026, 6, 30))
    late = open_manual(complete_by=date(2026, 6, 15))
    open_manual(complete_by=date(2026, 6, 20))  # still open
    open_manual(unit=org.dept_b, complete_by=date(2026, 6, 10))  # another unit
    open_manual(complete_by=date(2026, 7, 31))  # another period
    Task.objects.filter(pk=early.pk).update(completed_at=at("2026-06-29 10:00"))
    Task.objects.filter(pk=late.pk).update(completed_at=at("2026-06-17 10:00"))
    rates = figures.rates(
        org.dept_a, date(2026, 6, 1), date(2026, 6, 30), now=at("2026-07-01 09:00")
    )
    assert (rates.due, rates.completed, rates.on_time, rates.overdue_open) == (3, 2, 1, 1)
    assert rates.completion_rate == 66.7 and rates.on_time_rate == 33.3
    empty = figures.rates(org.dept_a, date(2025, 1, 1), date(2025, 12, 31))
    assert empty.due == 0 and empty.completion_rate is None
    # The last day of the period counts in full (23:59:59 local).
    assert Task.objects.filter(pk=early.pk, complete_by=end("2026-06-30")).exists()


def test_dashboard_tiles_match_the_board(client, open_manual, users, org, staff):
    liaison, office = users[Role.LIAISON], users[Role.OFFICE]
    task = open_manual()
    overdue = open_manual(title="逾期未报方案")
    with travel("2026-03-25 09:00"):
        services.submit_plan(liaison, task, measures_for(task, staff))
    with travel("2026-03-30 09:00"):  # the review is due 4-01, the other plan was due 3-26
        board = figures.dashboard(office)
        tiles = {t.key: t for t in board.tiles}
        assert tiles["plan_review"].count == 1 and tiles["overdue"].count == 1
        assert tiles["overdue"].alert and not tiles["plan_review"].alert
        client.force_login(office)
        listed = client.get(f"{reverse('rectification:board')}?{tiles['overdue'].query}")
        page = listed.content.decode()
        assert overdue.number in page and task.number not in page
        mine = {t.key: t.count for t in figures.dashboard(liaison).tiles}
        assert mine == {"open": 2, "verifying": 0, "planning": 1, "in_progress": 0, "overdue": 1}
        home = client.get(reverse("web:office_home")).content.decode()
        assert 'data-testid="rectification-dashboard"' in home
    assert figures.dashboard(users[Role.SUPERVISOR]) is None
    leader = figures.dashboard(users[Role.LEADER])
    assert leader.supervised == 0 and {t.key for t in leader.tiles} == {
        "open",
        "overdue",
        "escalated",
    }
