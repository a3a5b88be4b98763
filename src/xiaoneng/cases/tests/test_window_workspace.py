"""A clerk at a service centre's window: the cases registered there (whichever department owns
them), their ratings, cards and lights — the same figures 办件统计 credits the window with."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.cases import services
from xiaoneng.cases.models import Case, CaseMonthStat
from xiaoneng.ratings import services as ratings
from xiaoneng.ratings.models import Rating
from xiaoneng.supervision import watches
from xiaoneng.supervision.models import Card
from xiaoneng.testing.factories import StaffFactory, UnitFactory, UserFactory

from .conftest import accept, at, event, make_item, query_code

NOW = at("2026-03-20 10:00")


@pytest.fixture
def centre(org):
    """The centre (政务服务中心) with two windows; department A's and B's items."""
    centre = UnitFactory(name="市政务服务中心", code="ZX", parent=org.root, kind="centre")
    one = UnitFactory(name="综合受理窗口一号", code="ZX-01", parent=centre, kind="window")
    two = UnitFactory(name="综合受理窗口二号", code="ZX-02", parent=centre, kind="window")
    make_item(org.dept_a, code="IA")
    make_item(org.dept_b, code="IB")
    return one, two


@pytest.fixture
def clerk(centre, client):
    one, _ = centre
    user = UserFactory(role=Role.WINDOW, unit=one, display_name="陈南")
    StaffFactory(unit=one, user=user, name="陈南")
    client.force_login(user)
    return user


def ingest(*raw, now):
    report = services.ingest(list(raw), source="api:test", actor="测试系统", now=now)
    assert report.rejected == 0, [r.message for r in report.results]


@pytest.fixture
def history(centre, org):
    """Cases of A and B at window one, at window two and at no window: some finished (on time or
    late), some open, one open and overdue; the finished ones at window one rated."""
    raw = []
    plan = [
        ("W1-A1", "IA", "ZX-01", "2026-03-02 09:00", "2026-03-03 10:00"),
        ("W1-B1", "IB", "ZX-01", "2026-03-02 09:00", "2026-03-04 10:00"),
        ("W1-B2", "IB", "ZX-01", "2026-03-02 09:00", "2026-03-19 10:00"),  # late: a red card
        ("W1-B3", "IB", "ZX-01", "2026-03-02 09:00", None),  # open, overdue by NOW
        ("W1-A2", "IA", "ZX-01", "2026-03-16 09:00", None),  # open, on time
        ("W2-B1", "IB", "ZX-02", "2026-03-02 09:00", "2026-03-05 10:00"),
        ("NW-A1", "IA", None, "2026-03-02 09:00", "2026-03-05 10:00"),
        ("NW-B1", "IB", None, "2026-03-02 09:00", None),
    ]
    for number, item, window, accepted, finished in plan:
        extra = {"window_code": window} if window else {}
        raw.append(accept(number, accepted, item_code=item, **extra))
        if finished:
            raw.append(event("finish", finished, number=number, result="approved"))
    ingest(*raw, now=at("2026-03-19 12:00"))
    with time_machine.travel(at("2026-03-19 13:00"), tick=False):
        for number, level in (("W1-A1", 5), ("W1-B1", 1), ("W1-B2", 3), ("W2-B1", 2)):
            case = Case.objects.get(number=number)
            ratings.rate_online(case.number, query_code(case), level)
    watches.sweep(now=at("2026-03-17 08:00"))


@time_machine.travel(NOW, tick=False)
def test_clerk_sees_the_cases_registered_at_their_window(client, clerk, centre, history):
    one, _ = centre
    listed = client.get(reverse("cases:list"), {"status": "all"})
    numbers = {c.number for c, _ in listed.context["rows"]}
    assert numbers == {"W1-A1", "W1-B1", "W1-B2", "W1-B3", "W1-A2"}
    # The list and the detail pages agree: every listed case opens, a case elsewhere is a 404.
    for case in Case.objects.filter(window=one):
        assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    elsewhere = Case.objects.get(number="W2-B1")
    assert client.get(reverse("cases:detail", args=[elsewhere.pk])).status_code == 404

    # The same count 办件统计 credits the window with (finished cases, from the monthly rollup).
    finished = client.get(reverse("cases:list"), {"status": "approved"}).context["page"]
    rollup = CaseMonthStat.objects.filter(window=one).aggregate(n=Sum("finished"))["n"]
    assert finished.paginator.count == rollup == 3


@time_machine.travel(NOW, tick=False)
def test_clerk_dashboard_lights_ratings_and_cards(client, clerk, centre, history):
    one, _ = centre
    home = client.get(reverse("web:office_home"))
    assert home.context["lights"] == {"red": 1, "yellow": 0, "green": 1}
    summary = home.context["ratings"]["summary"]
    assert (summary.total, summary.bad, summary.open_rectifications) == (3, 1, 1)

    stats = client.get(reverse("ratings:office")).context["total"]
    assert stats.total == Rating.objects.filter(window=one).count() == 3

    cards = client.get(reverse("supervision:card_list")).context["page"]
    mine = set(Card.objects.filter(window=one).values_list("pk", flat=True))
    assert {c.pk for c in cards.object_list} == mine and len(mine) == 2  # late and overdue
    case = Case.objects.get(number="W1-B3")
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    card = Card.objects.get(subject_id=str(case.pk))
    # The case page lists its card, and the link opens for the clerk.
    assert reverse("supervision:card_detail", args=[card.pk]) in page
    assert client.get(reverse("supervision:card_detail", args=[card.pk])).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_clerk_registers_and_moves_another_departments_case(client, clerk, centre):
    one, _ = centre
    response = client.post(
        reverse("cases:register"),
        {"item_code": "IB 测试事项IB", "applicant_name": "王五", "applicant_kind": "person"},
    )
    case = Case.objects.get()
    assert response.status_code == 302, response.content.decode()
    assert (case.unit.code, case.window) == ("B", one)
    client.post(reverse("cases:event", args=[case.pk]), {"kind": "finish", "result": "approved"})
    case.refresh_from_db()
    assert case.status == "approved"


@time_machine.travel(NOW, tick=False)
def test_other_windows_clerk_cannot_see_or_move_the_case(client, centre, history):
    _, two = centre
    other = UserFactory(role=Role.WINDOW, unit=two)
    client.force_login(other)
    case = Case.objects.get(number="W1-B3")
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert (
        client.post(reverse("cases:event", args=[case.pk]), {"kind": "deliver"}).status_code == 404
    )
    with pytest.raises(PermissionDenied):
        services.submit(other, case.number, "deliver", at=NOW)
