"""Case pages: registering at the window, moving a case, the public lookup, cards."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.cases import services
from xiaoneng.cases.models import Case
from xiaoneng.supervision import watches
from xiaoneng.supervision.models import Card
from xiaoneng.testing.factories import UserFactory

from .conftest import at


def printed_code(receipt: str) -> str:
    """The query code as the receipt page prints it (empty when it shows none)."""
    found = re.search(r'class="query-code">([^<]*)<', receipt)
    return found.group(1) if found else ""


@pytest.fixture
def window(org, client):
    user = UserFactory(role=Role.WINDOW, unit=org.dept_a)
    client.force_login(user)
    return user


@time_machine.travel(at("2026-03-02 09:30"), tick=False)
def test_register_move_and_look_up(client, window, item):
    page = client.get(reverse("cases:register")).content.decode()
    assert "ITEM1 测试事项ITEM1" in page
    response = client.post(
        reverse("cases:register"),
        {"item_code": "ITEM1 测试事项ITEM1", "applicant_name": "王五", "applicant_kind": "person"},
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:receipt", args=[case.pk]
    )
    receipt = client.get(response["Location"]).content.decode()
    code = printed_code(receipt)
    assert "2026年3月16日" in receipt and services.lookup_public(case.number, code) == case

    detail = reverse("cases:detail", args=[case.pk])
    client.post(
        reverse("cases:event", args=[case.pk]), {"kind": "correction_notice", "materials": ""}
    )
    page = client.get(detail).content.decode()
    assert "一次性列出" in page  # refused: an empty list of materials
    client.post(
        reverse("cases:event", args=[case.pk]), {"kind": "step_start", "step_code": "review"}
    )
    client.post(
        reverse("cases:event", args=[case.pk]), {"kind": "finish", "result": "denied", "reason": ""}
    )
    assert "理由" in client.get(detail).content.decode()
    client.post(reverse("cases:event", args=[case.pk]), {"kind": "finish", "result": "approved"})
    case.refresh_from_db()
    assert case.status == "approved" and case.light == "green"

    client.logout()
    lookup = client.post(reverse("cases:lookup"), {"number": case.number, "code": code.lower()})
    page = lookup.content.decode()
    assert "已办结（准予）" in page and "王五" not in page
    wrong = client.post(
        reverse("cases:lookup"), {"number": case.number, "code": "XXXXXX"}
    ).content.decode()
    nowhere = client.post(
        reverse("cases:lookup"), {"number": "NO-SUCH", "code": "XXXXXX"}
    ).content.decode()
    assert "没有找到" in wrong and "没有找到" in nowhere


def test_lookup_is_throttled(client, db):
    for _ in range(20):
        client.post(reverse("cases:lookup"), {"number": "N", "code": "ABCDEF"})
    response = client.post(reverse("cases:lookup"), {"number": "N", "code": "ABCDEF"})
    assert response.status_code == 429 and "过于频繁" in response.content.decode()


@time_machine.travel(at("2026-03-02 09:30"), tick=False)
def test_unknown_item_code_in_register_form(client, window, item):
    response = client.post(
        reverse("cases:register"),
        {"item_code": "NOPE", "applicant_name": "王五", "applicant_kind": "person"},
    )
    assert "没有编码为“NOPE”的事项" in response.content.decode()
    assert not Case.objects.exists()


def test_other_units_window_cannot_move_the_case(client, org, item):
    from xiaoneng.cases import services

    services.ingest(
        [
            {
                "event_id": "a",
                "case_number": "X1",
                "kind": "accept",
                "at": "2026-03-02T09:00:00+08:00",
                "item_code": "ITEM1",
                "applicant": {"name": "甲"},
            }
        ],
        source="api:t",
        actor="t",
        now=at("2026-03-02 10:00"),
    )
    case = Case.objects.get()
    client.force_login(UserFactory(role=Role.WINDOW, unit=org.dept_b))
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert (
        client.post(reverse("cases:event", args=[case.pk]), {"kind": "deliver"}).status_code == 404
    )


def test_card_contest_and_withdraw(client, org, item, office_user):
    from xiaoneng.cases import services

    services.ingest(
        [
            {
                "event_id": "a",
                "case_number": "X1",
                "kind": "accept",
                "at": "2026-03-02T09:00:00+08:00",
                "item_code": "ITEM1",
                "applicant": {"name": "甲"},
            }
        ],
        source="api:t",
        actor="t",
        now=at("2026-03-02 10:00"),
    )
    watches.sweep(now=at("2026-03-17 08:00"))
    card = Card.objects.get()
    liaison = UserFactory(role=Role.LIAISON, unit=org.dept_a)
    client.force_login(liaison)
    assert "红牌" in client.get(reverse("supervision:card_list")).content.decode()
    client.post(
        reverse("supervision:card_action", args=[card.pk]), {"action": "contest", "reason": ""}
    )
    card.refresh_from_db()
    assert card.status == "active"
    client.post(
        reverse("supervision:card_action", args=[card.pk]),
        {"action": "contest", "reason": "系统故障导致超期"},
    )
    client.post(
        reverse("supervision:card_action", args=[card.pk]),
        {"action": "withdraw", "reason": "自己撤"},
    )
    card.refresh_from_db()
    assert card.status == "contested"
    client.force_login(office_user)
    client.post(
        reverse("supervision:card_action", args=[card.pk]),
        {"action": "withdraw", "reason": "经核实为系统故障"},
    )
    card.refresh_from_db()
    assert card.status == "withdrawn" and card.decided_by == office_user
    client.force_login(UserFactory(role=Role.LIAISON, unit=org.dept_b))
    assert client.get(reverse("supervision:card_detail", args=[card.pk])).status_code == 404


@pytest.mark.parametrize(
    ("base_url", "printed"),
    [
        ("", "（http://testserver/progress/?number="),
        ("https://xn.example.gov.cn/", "（https://xn.example.gov.cn/progress/?number="),
    ],
)
@time_machine.travel(at("2026-03-02 09:30"), tick=False)
def test_receipt_prints_the_lookup_address(client, window, item, settings, base_url, printed):
    """Without XIAONENG_BASE_URL the address comes from the request; it carries the number to
    fill in, never the code."""
    settings.XIAONENG_BASE_URL = base_url
    client.post(
        reverse("cases:register"),
        {"item_code": "ITEM1", "applicant_name": "王五", "applicant_kind": "person"},
    )
    case = Case.objects.get()
    receipt = client.get(reverse("cases:receipt", args=[case.pk])).content.decode()
    code = printed_code(receipt)
    assert f"{printed}{case.number}）" in receipt and code
    assert ":///" not in receipt and f"={code}" not in receipt and "code=" not in receipt
