"""Cards (黄牌/红牌) on their own: raised exactly once per cause even when a concurrent writer
wins the race, announced once per batch to whoever answers for them, accumulated per person or
per unit, and what contesting and deciding refuse."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.notifications.models import Notification
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card
from xiaoneng.testing.factories import CardFactory, StaffFactory, UserFactory
from xiaoneng.workdays import SHANGHAI

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


def intent(key: str, unit, staff=None, color=Card.Color.YELLOW, day: int = 10):
    return supervision.CardIntent(**fields(key, unit, staff, color, day))


def fields(key: str, unit, staff=None, color=Card.Color.YELLOW, day: int = 10) -> dict:
    """A card's fields as :func:`supervision.raise_card` takes them."""
    return dict(
        color=color,
        cause=Card.Cause.STEP_OVERDUE,
        cause_key=key,
        unit=unit,
        staff=staff,
        at=AT.replace(day=day),
        summary=f"测试{key}",
    )


def card_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="supervision.card").order_by("seq"))


# ---- raising ---------------------------------------------------------------------------------


def test_a_cause_is_raised_once_whatever_repeats_it(org):
    first = supervision.raise_cards([intent("k1", org.dept_a), intent("k1", org.dept_a)])
    assert [c.cause_key for c in first] == ["k1"]
    assert supervision.raise_cards([intent("k1", org.dept_a)]) == []
    assert supervision.raise_card(**fields("k1", org.dept_a)) is None
    assert Card.objects.count() == 1 and len(card_entries()) == 1


def test_a_batch_is_one_insert_one_audit_entry_and_one_notification_each(org, users):
    # Red ones: three yellow cards of one unit would complete an accumulation red card too.
    batch = [intent(f"k{n}", org.dept_a, color=Card.Color.RED) for n in range(3)]
    created = supervision.raise_cards(batch)
    assert len(created) == 3 and all(c.pk for c in created)
    (entry,) = card_entries()
    assert entry.summary == "亮牌 3 张" and len(entry.after["cards"]) == 3
    assert entry.actor_name == supervision.SYSTEM_ACTOR
    liaison = users[Role.LIAISON]
    assert Notification.objects.filter(recipient=liaison, kind="card").count() == 3


def test_when_a_concurrent_writer_wins_the_race_the_rest_are_inserted_one_by_one(org, monkeypatch):
    """The pre-check saw no card for k1; another sweeper inserted one before our bulk insert.
    The batch insert fails on the unique key and falls back to card-by-card in savepoints."""
    real_card = supervision._card
    raced = []

    def racing(intent: supervision.CardIntent, at: datetime) -> Card:
        if not raced:
            raced.append(CardFactory(cause=intent.cause, cause_key=intent.cause_key))
        return real_card(intent, at)

    monkeypatch.setattr(supervision, "_card", racing)
    created = supervision.raise_cards([intent(k, org.dept_a) for k in ("k1", "k2", "k3")])
    assert [c.cause_key for c in created] == ["k2", "k3"] and all(c.pk for c in created)
    assert Card.objects.filter(cause_key="k1").get() == raced[0]
    assert Card.objects.count() == 3
    (entry,) = card_entries()
    assert entry.summary == "亮牌 2 张"


def test_when_every_card_lost_the_race_nothing_is_announced(org, monkeypatch):
    real_card = supervision._card

    def racing(intent: supervision.CardIntent, at: datetime) -> Card:
        CardFactory(cause=intent.cause, cause_key=intent.cause_key)
        return real_card(intent, at)

    monkeypatch.setattr(supervision, "_card", racing)
    assert supervision.raise_cards([intent("k1", org.dept_a)]) == []
    assert card_entries() == [] and not Notification.objects.exists()


def test_a_card_naming_a_person_reaches_them_and_their_units_liaison(org, users):
    login = UserFactory(role=Role.WINDOW, unit=org.section_a)
    person = StaffFactory(unit=org.section_a, user=login)
    supervision.raise_cards([intent("person", org.section_a, staff=person)])
    # The section has no liaison of its own: the nearest one up the chain (department A's).
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        login.pk,
        users[Role.LIAISON].pk,
    }


def test_a_unit_card_without_any_liaison_up_the_chain_goes_to_the_office(org, users):
    supervision.raise_cards([intent("unit-b", org.dept_b)])
    assert list(Notification.objects.values_list("recipient", flat=True)) == [users[Role.OFFICE].pk]


# ---- escalation: yellow cards accumulate per person, else per unit --------------------------


def accumulation_reds() -> list[Card]:
    return list(Card.objects.filter(cause=Card.Cause.YELLOW_ACCUMULATION).order_by("pk"))


def test_a_persons_yellow_cards_accumulate_across_units(org):
    person = StaffFactory(unit=org.dept_a)
    supervision.raise_cards([intent("p1", org.dept_a, staff=person, day=2)])
    supervision.raise_cards([intent("p2", org.dept_b, staff=person, day=3)])
    supervision.raise_cards([intent("p3", org.section_a, staff=person, day=4)])
    (red,) = accumulation_reds()
    assert red.staff == person and red.unit == org.section_a  # the last card's unit
    assert red.cause_key == f"staff:{person.pk}:accumulation:1"


def test_a_units_cards_naming_different_people_do_not_make_a_red_card(org):
    people = [StaffFactory(unit=org.dept_a) for _ in range(3)]
    supervision.raise_cards(
        [intent(f"s{n}", org.dept_a, staff=p, day=2 + n) for n, p in enumerate(people)]
    )
    assert accumulation_reds() == []
    # Three naming nobody count for the unit.
    supervision.raise_cards([intent(f"u{n}", org.dept_a, day=5 + n) for n in range(3)])
    (red,) = accumulation_reds()
    assert red.staff is None and red.cause_key == f"unit:{org.dept_a.pk}:accumulation:1"


def test_red_cards_are_not_counted_towards_accumulation(org):
    supervision.raise_cards(
        [intent(f"r{n}", org.dept_a, color=Card.Color.RED, day=2 + n) for n in range(3)]
    )
    assert accumulation_reds() == []


# ---- contesting and deciding -----------------------------------------------------------------


def test_decide_card_refuses_without_changing_anything(org, users):
    card = CardFactory(unit=org.dept_a)
    office = users[Role.OFFICE]
    for role in (Role.LIAISON, Role.LEADER, Role.SUPERVISOR):
        with pytest.raises(PermissionDenied, match="只有效能办可以撤销或维持黄牌/红牌"):
            supervision.decide_card(users[role], card, withdraw=True, reason="理由")
    with pytest.raises(ValidationError) as blank:
        supervision.decide_card(office, card, withdraw=True, reason="   ")
    assert blank.value.message_dict == {"reason": ["请填写处理意见"]}
    with pytest.raises(ValidationError, match="只有申诉中的牌需要作出维持决定"):
        supervision.decide_card(office, card, withdraw=False, reason="维持")
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE and card.decided_at is None
    assert not AuditEntry.objects.exists()

    supervision.decide_card(office, card, withdraw=True, reason="系统故障")
    for withdraw in (True, False):
        with pytest.raises(ValidationError, match="该牌已撤销"):
            supervision.decide_card(office, card, withdraw=withdraw, reason="再次处理")
    assert AuditEntry.objects.count() == 1


def test_decide_card_upholds_a_contested_card(org, users):
    card = CardFactory(unit=org.dept_a)
    supervision.contest_card(users[Role.LIAISON], card, "已按期办结")
    decided = supervision.decide_card(users[Role.ADMIN], card, withdraw=False, reason="超期属实")
    assert decided.status == Card.Status.UPHELD and decided.decided_by == users[Role.ADMIN]
    assert [e.summary for e in AuditEntry.objects.order_by("seq")] == ["申诉", "维持"]


def test_contest_card_refuses_another_unit_a_blank_reason_and_a_second_contest(org, users):
    card = CardFactory(unit=org.dept_b)
    with pytest.raises(PermissionDenied, match="您无权对该牌提出申诉"):
        supervision.contest_card(users[Role.LIAISON], card, "不是我们的")
    own = CardFactory(unit=org.section_a)
    with pytest.raises(ValidationError) as blank:
        supervision.contest_card(users[Role.LIAISON], own, "")
    assert blank.value.message_dict == {"reason": ["请填写申诉理由"]}
    supervision.contest_card(users[Role.LIAISON], own, "已按期办结")
    with pytest.raises(ValidationError, match="该牌当前状态为“申诉中”，不能申诉"):
        supervision.contest_card(users[Role.LIAISON], own, "再申诉一次")
