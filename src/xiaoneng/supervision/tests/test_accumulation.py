"""黄牌累计: every N yellow cards within M months make one red card; each yellow card counts towards
at most one; withdrawing a yellow card a red card stands on brings the red card down."""

from __future__ import annotations

import importlib
import threading
from datetime import datetime

import pytest
from django.apps import apps
from django.db import connections, transaction
from django.db.models import F
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.notifications.models import Notification
from xiaoneng.supervision import accumulation
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import AccumulatedYellow, Card
from xiaoneng.testing.factories import CardFactory, StaffFactory, UserFactory
from xiaoneng.workdays import SHANGHAI


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# ---- the pure core ---------------------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert accumulation.add_months(at("2026-01-31 10:00"), 1) == at("2026-02-28 10:00")
    assert accumulation.add_months(at("2025-03-15 08:00"), 12) == at("2026-03-15 08:00")
    assert accumulation.add_months(at("2026-11-30 00:00"), 3) == at("2027-02-28 00:00")


def test_within_twelve_months_is_strict():
    assert accumulation.within(at("2025-03-15 08:00"), at("2026-03-15 07:59"), 12)
    assert not accumulation.within(at("2025-03-15 08:00"), at("2026-03-15 08:00"), 12)


def test_groups_take_the_earliest_runs_and_pass_over_cards_too_old_for_any():
    moments = [
        at("2025-01-10 09:00"),  # too far from the next two: passed over
        at("2025-11-01 09:00"),
        at("2026-02-01 09:00"),
        at("2026-03-01 09:00"),
        at("2026-03-02 09:00"),
        at("2026-03-03 09:00"),
        at("2026-03-04 09:00"),
        at("2026-03-05 09:00"),  # two left over: no third
    ]
    assert accumulation.groups(moments, 3, 12) == [[1, 2, 3], [4, 5, 6]]
    assert accumulation.groups(moments[:2], 3, 12) == []
    assert accumulation.groups(moments, 1, 12) == [[i] for i in range(8)]


# ---- raising ---------------------------------------------------------------------------------


def yellow(staff=None, unit=None, when="2026-03-02 09:00", key=None):
    """A yellow card raised through the service, as every cause raises them."""
    unit = unit or staff.unit
    created = supervision.raise_cards(
        [
            supervision.CardIntent(
                color=Card.Color.YELLOW,
                cause=Card.Cause.STEP_OVERDUE,
                cause_key=key or f"test:{f'staff{staff.pk}' if staff else f'unit{unit.pk}'}:{when}",
                unit=unit,
                staff=staff,
                at=at(when),
                summary=f"测试黄牌 {when}",
            )
        ]
    )
    return next((c for c in created if c.color == Card.Color.YELLOW), None)


def reds(**holder):
    return list(
        Card.objects.filter(cause=Card.Cause.YELLOW_ACCUMULATION, **holder).order_by(
            F("sequence").asc(nulls_first=True), "pk"
        )
    )


def held(red: Card) -> list[Card]:
    return [
        h.yellow for h in red.accumulated.select_related("yellow").order_by("yellow__raised_at")
    ]


@pytest.mark.django_db
def test_every_three_yellow_cards_make_one_numbered_red_card_over_time(org):
    person = StaffFactory(unit=org.dept_a, name="张三")
    cards = [yellow(person, when=f"2026-03-{day:02d} 09:00") for day in (2, 5, 9, 12, 16, 19, 23)]
    first, second = reds(staff=person)
    assert held(first) == cards[:3] and held(second) == cards[3:6]
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.raised_at == cards[2].raised_at and second.raised_at == cards[5].raised_at
    assert first.summary == "张三在12个月内累计3张黄牌（2026-03-02至2026-03-09），第1张累计红牌"
    assert second.summary != first.summary
    assert first.cause_key == f"staff:{person.pk}:accumulation:1"
    # Each yellow card counts towards one red card at most; the seventh waits for two more.
    assert AccumulatedYellow.objects.count() == 6
    assert not cards[6].accumulations.exists()
    # Raising the same causes again changes nothing.
    for card in cards:
        assert yellow(person, key=card.cause_key, when="2026-03-30 09:00") is None
    assert len(reds(staff=person)) == 2


@pytest.mark.django_db
def test_holders_count_apart_and_cards_naming_nobody_count_for_the_unit(org):
    one, two = StaffFactory(unit=org.dept_a), StaffFactory(unit=org.dept_a)
    for day in (2, 3):
        yellow(one, when=f"2026-03-{day:02d} 09:00")
        yellow(two, when=f"2026-03-{day:02d} 09:00")
        yellow(unit=org.dept_a, when=f"2026-03-{day:02d} 09:00")
    assert not reds()
    yellow(one, when="2026-03-04 09:00")
    yellow(unit=org.dept_a, when="2026-03-04 09:00")
    assert [r.sequence for r in reds(staff=one)] == [1]
    assert [r.sequence for r in reds(unit=org.dept_a, staff__isnull=True)] == [1]
    assert not reds(staff=two)


@pytest.mark.django_db
def test_only_yellow_cards_within_twelve_months_accumulate(org):
    person = StaffFactory(unit=org.dept_a)
    old = yellow(person, when="2025-01-10 09:00")
    middle = [yellow(person, when="2025-11-01 09:00"), yellow(person, when="2026-02-01 09:00")]
    assert not reds()
    newest = yellow(person, when="2026-03-01 09:00")
    (red,) = reds()
    assert held(red) == [*middle, newest] and old not in held(red)


@pytest.mark.django_db
def test_a_late_yellow_card_dated_earlier_completes_a_run(org):
    """Cards arrive out of order (a step found overdue late is dated at its due instant)."""
    person = StaffFactory(unit=org.dept_a)
    a = yellow(person, when="2026-03-10 09:00")
    b = yellow(person, when="2026-03-20 09:00")
    late = yellow(person, when="2026-03-01 09:00")
    (red,) = reds()
    assert held(red) == [late, a, b] and red.raised_at == b.raised_at


@pytest.mark.django_db
def test_sweeper_raises_the_accumulation_once_from_step_cards(org):
    """Three cases whose steps run late for the same handler, found by successive sweeps."""
    from xiaoneng.cases import services as cases
    from xiaoneng.cases.tests.conftest import accept, event, make_item
    from xiaoneng.supervision import watches

    handler = StaffFactory(unit=org.dept_a, name="李四")
    raw = []
    for n, day in enumerate((2, 4, 6)):
        make_item(org.dept_a, code=f"S{n}")
        number = f"S{n}"
        raw += [
            accept(
                number,
                f"2026-03-{day:02d} 09:00",
                item_code=number,
                handler_staff_no=handler.staff_no,
            ),
            event("step_start", f"2026-03-{day:02d} 10:00", number=number, step_code="review"),
        ]
    report = cases.ingest(raw, source="api:test", actor="测试系统", now=at("2026-03-06 12:00"))
    assert report.rejected == 0
    # review: 5 working days → due the end of 9, 11 and 13 March.
    for day in (10, 12, 16, 17):
        watches.sweep(now=at(f"2026-03-{day:02d} 08:00"))
    yellows = Card.objects.filter(color="yellow", staff=handler).order_by("raised_at")
    assert yellows.count() == 3
    (red,) = reds(staff=handler)
    assert held(red) == list(yellows) and red.sequence == 1
    assert "李四" in red.summary and "第1张累计红牌" in red.summary


# ---- withdrawing, contesting -----------------------------------------------------------------


@pytest.fixture
def office(users):
    return users[Role.OFFICE]


@pytest.mark.django_db
def test_withdrawing_a_held_yellow_brings_the_red_down_and_a_free_one_takes_its_place(org, office):
    person = StaffFactory(unit=org.dept_a)
    y1, y2, y3, y4 = (yellow(person, when=f"2026-03-{d:02d} 09:00") for d in (2, 3, 4, 5))
    (first,) = reds()
    assert held(first) == [y1, y2, y3]

    supervision.decide_card(office, y2, withdraw=True, reason="经核实系统故障")
    first.refresh_from_db()
    assert first.status == Card.Status.WITHDRAWN and first.decided_by is None
    assert "已撤销" in first.decision_reason and "其余黄牌重新计入累计" in first.decision_reason
    assert held(first) == [y1, y2, y3]  # the record of what it stood on stays
    assert not first.accumulated.filter(released_at__isnull=True).exists()
    # The holder still has three yellow cards within twelve months: a new red card, numbered on.
    second = reds()[-1]
    assert second.sequence == 2 and second.status == Card.Status.ACTIVE
    assert held(second) == [y1, y3, y4] and second.raised_at == y4.raised_at
    assert AuditEntry.objects.filter(summary="所累计的黄牌已撤销，累计红牌随之撤销").count() == 1
    assert Notification.objects.filter(title="红牌已撤销：黄牌累计").exists()


@pytest.mark.django_db
def test_withdrawing_a_held_yellow_without_a_replacement_frees_the_others(org, office):
    person = StaffFactory(unit=org.dept_a)
    y1, y2, y3 = (yellow(person, when=f"2026-03-{d:02d} 09:00") for d in (2, 3, 4))
    supervision.decide_card(office, y3, withdraw=True, reason="不属实")
    (red,) = reds()
    assert red.status == Card.Status.WITHDRAWN
    # The other two count again: one more yellow card makes a new red card with them.
    y5 = yellow(person, when="2026-03-09 09:00")
    latest = reds()[-1]
    assert latest.sequence == 2 and held(latest) == [y1, y2, y5]


@pytest.mark.django_db
def test_withdrawing_a_free_yellow_or_the_red_itself_moves_nothing_else(org, office):
    person = StaffFactory(unit=org.dept_a)
    cards = [yellow(person, when=f"2026-03-{d:02d} 09:00") for d in (2, 3, 4, 5)]
    (red,) = reds()
    supervision.decide_card(office, cards[3], withdraw=True, reason="重复")
    assert reds() == [red] and red.accumulated.filter(released_at__isnull=True).count() == 3
    # The office withdraws the red card itself: its yellow cards stay spent (else the same red
    # card would come straight back), so two new ones do not make a red card with them.
    supervision.decide_card(office, red, withdraw=True, reason="情节轻微")
    yellow(person, when="2026-03-09 09:00")
    yellow(person, when="2026-03-10 09:00")
    assert reds() == [red]


@pytest.mark.django_db
def test_contest_flow_on_a_held_yellow_shows_on_the_red_cards_page(client, org, office):
    person = StaffFactory(unit=org.dept_a, name="王五")
    y1, y2, y3 = (yellow(person, when=f"2026-03-{d:02d} 09:00") for d in (2, 3, 4))
    (red,) = reds()
    liaison = UserFactory(role=Role.LIAISON, unit=org.dept_a)
    client.force_login(liaison)
    page = client.get(reverse("supervision:card_detail", args=[red.pk])).content.decode()
    assert "王五的第1张累计红牌" in page and "所累计的3张黄牌" in page
    for card in (y1, y2, y3):
        assert reverse("supervision:card_detail", args=[card.pk]) in page
    yellow_page = client.get(reverse("supervision:card_detail", args=[y2.pk])).content.decode()
    assert (
        "第1张累计红牌" in yellow_page
        and reverse("supervision:card_detail", args=[red.pk]) in yellow_page
    )

    client.post(
        reverse("supervision:card_action", args=[y2.pk]),
        {"action": "contest", "reason": "已按期办结"},
    )
    page = client.get(reverse("supervision:card_detail", args=[red.pk])).content.decode()
    assert "其中1张黄牌正在申诉" in page and "申诉中" in page

    client.force_login(office)
    client.post(
        reverse("supervision:card_action", args=[y2.pk]), {"action": "uphold", "reason": "超期属实"}
    )
    red.refresh_from_db()
    assert red.status == Card.Status.ACTIVE
    client.post(
        reverse("supervision:card_action", args=[y2.pk]),
        {"action": "withdraw", "reason": "复核后撤销"},
    )
    red.refresh_from_db()
    assert red.status == Card.Status.WITHDRAWN
    page = client.get(reverse("supervision:card_detail", args=[red.pk])).content.decode()
    assert "电子监察" in page and "None" not in page
    yellow_page = client.get(reverse("supervision:card_detail", args=[y1.pk])).content.decode()
    assert "本黄牌重新计入累计" in yellow_page
    withdrawn = client.get(reverse("supervision:card_detail", args=[y2.pk])).content.decode()
    assert "本黄牌撤销后，该红牌随之撤销" in withdrawn and "重新计入" not in withdrawn


@pytest.mark.django_db
def test_card_page_lists_yellows_outside_the_viewers_scope_without_a_link(client, org):
    """A person's yellow cards may come from several units; a liaison sees the red card raised
    on their unit, and the other unit's yellow card is named but not linked (it would be a 404)."""
    person = StaffFactory(unit=org.dept_a)
    elsewhere = yellow(person, unit=org.dept_b, when="2026-03-02 09:00")
    yellow(person, when="2026-03-03 09:00")
    yellow(person, when="2026-03-04 09:00")
    (red,) = reds()
    client.force_login(UserFactory(role=Role.LIAISON, unit=org.dept_a))
    page = client.get(reverse("supervision:card_detail", args=[red.pk])).content.decode()
    assert elsewhere.summary in page
    assert reverse("supervision:card_detail", args=[elsewhere.pk]) not in page


# ---- cards raised before the change (migration 0004) ------------------------------------------


def link_existing():
    migration = importlib.import_module("xiaoneng.supervision.migrations.0004_accumulated_yellows")
    migration.link_accumulations(apps, None)


def old_red(unit, when, n, staff=None):
    """A red card as the old count raised it: several at once with the same summary."""
    return CardFactory(
        color="red",
        cause=Card.Cause.YELLOW_ACCUMULATION,
        cause_key=f"unit:{unit.pk}:after-yellow:999:{n}",
        unit=unit,
        staff=staff,
        raised_at=at(when),
        summary=f"{unit.name}在12个月内累计28张黄牌",
    )


@pytest.mark.django_db
def test_existing_red_cards_are_linked_in_order_and_duplicates_withdrawn(org):
    unit = org.dept_a
    yellows = [
        CardFactory(unit=unit, raised_at=at(f"2026-{1 + i // 10:02d}-{1 + i % 10:02d} 09:00"))
        for i in range(28)
    ]
    nine = [old_red(unit, "2026-03-10 09:00", n) for n in range(9)]
    # A tenth red card for the same 28 cards: nothing is left for it.
    extra = old_red(unit, "2026-03-11 09:00", 9)
    link_existing()
    for red in [*nine, extra]:
        red.refresh_from_db()
    assert [r.sequence for r in nine] == list(range(1, 10))
    assert [held(r) for r in nine] == [yellows[i : i + 3] for i in range(0, 27, 3)]
    assert len({r.summary for r in nine}) == 9 and "第9张累计红牌" in nine[8].summary
    assert nine[0].cause_key == f"unit:{unit.pk}:accumulation:1"
    assert extra.status == Card.Status.WITHDRAWN and "重复计算" in extra.decision_reason
    assert extra.sequence is None and not extra.accumulated.exists()
    entry = AuditEntry.objects.get(object_repr="黄牌累计红牌")
    assert entry.after["withdrawn"] == [extra.pk] and len(entry.after["linked"]) == 9
    # The next red card is numbered on, and takes the one yellow card left plus two new ones.
    later = [yellow(unit=unit, when=f"2026-03-{d} 09:00") for d in (20, 21)]
    latest = reds()[-1]
    assert latest.sequence == 10 and held(latest) == [yellows[27], *later]


@pytest.mark.django_db
def test_existing_red_cards_take_only_yellow_cards_before_them(org):
    unit = org.dept_a
    early = [CardFactory(unit=unit, raised_at=at(f"2026-03-0{d} 09:00")) for d in (2, 3)]
    red = old_red(unit, "2026-03-04 09:00", 0)
    CardFactory(unit=unit, raised_at=at("2026-03-05 09:00"))
    link_existing()
    red.refresh_from_db()
    assert red.status == Card.Status.WITHDRAWN and not red.accumulated.exists()
    assert all(not c.accumulations.exists() for c in early)


# ---- two sweepers at once ----------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_settlements_at_once_raise_one_red_card(org):
    person = StaffFactory(unit=org.dept_a)
    for day in (2, 3, 4):
        CardFactory(unit=org.dept_a, staff=person, raised_at=at(f"2026-03-0{day} 09:00"))
    holder = supervision.Holder(None, person.pk)
    start = threading.Barrier(2)
    errors = []

    def settle():
        try:
            with transaction.atomic():
                start.wait(5)
                supervision.settle_accumulation({holder})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=settle) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    (red,) = reds()
    assert red.sequence == 1 and AccumulatedYellow.objects.count() == 3
