"""The complaint list in every state, for every role that may read it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.complaints import services
from xiaoneng.complaints.models import Category, Complaint


@pytest.fixture
def category(db):
    return Category.objects.get(code="ban_delay")


def _file(users, category, title):
    complaint, _ = services.submit_complaint(
        users[Role.OFFICE],
        channel=Complaint.Channel.HOTLINE,
        category=category,
        title=title,
        content="窗口一直说材料不齐。",
        anonymous=True,
    )
    return complaint


@pytest.fixture
def every_state(users, org, category):
    """One complaint per state: no unit yet (待受理, 不予受理), with a unit (办理中 … 已办结)."""
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    submitted = _file(users, category, "待受理的投诉")
    declined = _file(users, category, "不予受理的投诉")
    services.decline(office, declined, "属于信访事项")
    handling = _file(users, category, "办理中的投诉")
    services.accept(office, handling, unit=org.section_a)
    review = _file(users, category, "待审核的投诉")
    services.accept(office, review, unit=org.dept_a)
    services.submit_finding(liaison, review, finding="false", text="查无此事。")
    closed = _file(users, category, "已办结的投诉")
    services.accept(office, closed, unit=org.dept_a)
    services.submit_finding(liaison, closed, finding="false", text="查无此事。")
    services.approve(office, closed)
    services.reply(office, closed, "经查不属实。")
    services.record_visit(office, closed, result="satisfied")
    fresh = Complaint.objects.filter(
        pk__in=[submitted.pk, declined.pk, handling.pk, review.pk, closed.pk]
    )
    states = {c.status: c for c in fresh}
    assert len(states) == 5
    return states


@pytest.mark.parametrize("role", [Role.OFFICE, Role.ADMIN])
def test_office_list_shows_complaints_without_a_unit(client, users, every_state, role):
    client.force_login(users[role])
    url = reverse("complaints:list")
    submitted = every_state[Complaint.Status.SUBMITTED]
    for query in ({}, {"q": submitted.number}, {"status": "submitted"}, {"status": "declined"}):
        page = client.get(url, query)
        assert page.status_code == 200, query
        text = page.content.decode()
        assert "None" not in text
    page = client.get(url, {"q": submitted.number}).content.decode()
    assert submitted.number in page and "待受理的投诉" in page
    row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "—" in row  # no handling unit yet
    page = client.get(url).content.decode()
    assert "甲局审批科" in page  # the unit's name when it has no short name


def test_liaison_list_shows_its_units_complaints_only(client, users, every_state):
    client.force_login(users[Role.LIAISON])
    page = client.get(reverse("complaints:list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "办理中的投诉" in text and "待审核的投诉" in text
    assert "待受理的投诉" not in text and "不予受理的投诉" not in text


def _queue(client):
    page = client.get(reverse("web:office_home"))
    assert page.status_code == 200
    queue = page.context["complaint_queue"]
    return {t.key: t for t in queue.tiles}, page.content.decode()


def _listed(client, tile) -> int:
    page = client.get(f"{reverse('complaints:list')}?{tile.query}")
    assert page.status_code == 200
    return page.context["page"].paginator.count


def test_office_dashboard_queue_counts_what_its_tiles_open(client, users, every_state, category):
    late, _ = services.submit_complaint(
        users[Role.OFFICE],
        channel=Complaint.Channel.LETTER,
        category=category,
        title="十天前的来信",
        content="无人受理。",
        anonymous=True,
        now=timezone.now() - timedelta(days=10),
    )
    for role in (Role.OFFICE, Role.ADMIN):
        client.force_login(users[role])
        tiles, html = _queue(client)
        assert {k: t.count for k, t in tiles.items()} == {
            "submitted": 2,
            "objected": 0,
            "review": 1,
            "approved": 0,
            "replied": 0,
            "overdue": 1,
        }
        assert 'data-testid="queue-submitted"' in html and "待审核调查结论" in html
        assert tiles["overdue"].alert and not tiles["submitted"].alert
        for tile in tiles.values():
            assert _listed(client, tile) == tile.count, tile.key
    client.force_login(users[Role.OFFICE])
    overdue = client.get(f"{reverse('complaints:list')}?{tiles['overdue'].query}")
    assert late.number in overdue.content.decode()


def test_liaison_dashboard_queue_is_its_units_complaints_to_handle(client, users, every_state):
    client.force_login(users[Role.LIAISON])
    tiles, html = _queue(client)
    assert {k: t.count for k, t in tiles.items()} == {"handling": 1, "overdue": 0}
    assert "本单位待办理" in html
    for tile in tiles.values():
        assert _listed(client, tile) == tile.count


def test_leader_dashboard_queue_reads_counts(client, users, every_state):
    client.force_login(users[Role.LEADER])
    tiles, html = _queue(client)
    assert {k: t.count for k, t in tiles.items()} == {"open": 2, "overdue": 0, "escalated": 0}
    assert "效能投诉概况" in html and "效能投诉待办" not in html
    for tile in tiles.values():
        assert _listed(client, tile) == tile.count


@pytest.mark.parametrize("role", [Role.WINDOW, Role.SUPERVISOR])
def test_roles_without_complaint_work_see_no_queue(client, users, role):
    client.force_login(users[role])
    page = client.get(reverse("web:office_home"))
    assert page.status_code == 200
    assert page.context["complaint_queue"] is None
    assert "complaint-queue" not in page.content.decode()


def test_detail_pages_read_well_in_every_state(client, users, every_state):
    client.force_login(users[Role.OFFICE])
    for status, complaint in every_state.items():
        page = client.get(reverse("complaints:detail", args=[complaint.pk]))
        assert page.status_code == 200, status
        assert "None" not in page.content.decode(), status
    submitted = every_state[Complaint.Status.SUBMITTED]
    page = client.get(reverse("complaints:route", args=[submitted.pk]))
    assert page.status_code == 200 and "None" not in page.content.decode()
