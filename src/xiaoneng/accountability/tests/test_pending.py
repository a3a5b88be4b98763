"""待立案线索 in the database: ``services.pending`` counts, orders and pages the unopened
source records as ``services.candidates`` (every provider's ``find``) lists them, leaves out
what was opened, and the page shows one page of them with the count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from xiaoneng.accountability import services, sources
from xiaoneng.accountability.models import Cause
from xiaoneng.accounts.roles import Role

from .conftest import at, travel

pytestmark = pytest.mark.django_db

SPAN = (at("2026-01-01 00:00"), at("2026-06-01 00:00"))


def _cards(red_card, n: int) -> list:
    start = at("2026-03-02 10:00")
    return [
        red_card(f"case:{i}:overdue", f"{start + timedelta(hours=7 * i):%Y-%m-%d %H:%M}")
        for i in range(n)
    ]


def test_the_database_page_agrees_with_the_providers(users, red_card):
    cards = _cards(red_card, 7)
    record = sources.provider(Cause.RED_CARD).get(cards[2].pk)
    services.open_violation(users[Role.OFFICE], record)
    listed = list(reversed(services.candidates(*SPAN)))  # newest first, every provider's find
    assert len(listed) == 6 and cards[2].pk not in [r.id for r in listed]
    pages = [services.pending(*SPAN, limit=4, offset=o) for o in (0, 4, 8)]
    assert [p.total for p in pages] == [6, 6, 6]
    assert pages[0].by_cause == ((Cause.RED_CARD, 6),)
    assert [r for p in pages for r in p.records] == listed
    assert [len(p.records) for p in pages] == [4, 2, 0]


def test_the_page_shows_a_page_and_the_count(client, users, red_card):
    _cards(red_card, 55)
    client.force_login(users[Role.OFFICE])
    with travel("2026-03-20 10:00"):
        first = client.get("/office/accountability/sources/").content.decode()
        second = client.get("/office/accountability/sources/?page=2").content.decode()
        beyond = client.get("/office/accountability/sources/?page=9")
        junk = client.get("/office/accountability/sources/?page=x")
    assert first.count('<td class="nowrap">') // 3 == 50 and "第 1 / 2 页，共 55 条" in first
    assert second.count('<td class="nowrap">') // 3 == 5 and "红牌 55" in second
    assert beyond.status_code == 200 and "第 2 / 2 页" in beyond.content.decode()
    assert junk.status_code == 200


@pytest.mark.parametrize("role", [Role.LEADER, Role.LIAISON, Role.WINDOW, Role.SUPERVISOR])
def test_only_the_office_sees_the_list(client, users, role):
    client.force_login(users[role])
    assert client.get("/office/accountability/sources/").status_code == 403
