"""Cards (黄牌/红牌): raised once per cause, contested and withdrawn with a reason, audited."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_edit
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.org.models import Staff, Unit

from . import accumulation
from .models import AccumulatedYellow, Card, SupervisionRule

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User

SYSTEM_ACTOR = "电子监察"


@dataclass(frozen=True)
class CardIntent:
    """A card (黄牌/红牌) a finder wants raised, unless its cause already has one.

    ``cause_key`` tells one occurrence of the cause from another (e.g. ``case:42:overdue``);
    ``staff`` is the person responsible, ``subject`` the case, complaint or task the card is
    about, ``window_id`` the window that registered the case, ``at`` when the cause occurred (by
    default when the card is raised).
    """

    color: str
    cause: str
    cause_key: str
    unit: Unit
    summary: str
    staff: Staff | None = None
    subject: models.Model | None = None
    window_id: int | None = None
    at: datetime | None = None


def raise_card(
    *,
    color: str,
    cause: str,
    cause_key: str,
    unit: Unit,
    summary: str,
    staff: Staff | None = None,
    subject: models.Model | None = None,
    window: Unit | None = None,
    at: datetime | None = None,
    rule: SupervisionRule | None = None,
) -> Card | None:
    """Raise one card unless one for this cause exists; returns the new card or None."""
    created = raise_cards(
        [
            CardIntent(
                color=color,
                cause=cause,
                cause_key=cause_key,
                unit=unit,
                summary=summary,
                staff=staff,
                subject=subject,
                window_id=window.pk if window is not None else None,
            )
        ],
        at=at,
        rule=rule,
    )
    return created[0] if created else None


def _card(intent: CardIntent, at: datetime) -> Card:
    """The unsaved card, raised at ``intent.at`` or else at ``at``."""
    subject = intent.subject
    return Card(
        color=intent.color,
        cause=intent.cause,
        cause_key=intent.cause_key[:120],
        unit=intent.unit,
        staff=intent.staff,
        window_id=intent.window_id,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        summary=intent.summary[:300],
        raised_at=intent.at or at,
    )


def raise_cards(
    intents: Iterable[CardIntent],
    *,
    at: datetime | None = None,
    rule: SupervisionRule | None = None,
) -> list[Card]:
    """Raise the cards whose cause has none yet, all at once: one insert, one audit entry, one
    batch of notifications; then the red cards the new yellow cards complete (黄牌累计). Must run
    inside the caller's transaction.

    The unique constraint on (cause, cause_key) is the guarantee behind "exactly once per cause":
    the pre-check only avoids needless inserts; if a concurrent writer wins a race the batch
    falls back to inserting card by card, each in its own savepoint.
    """
    wanted: dict[tuple[str, str], CardIntent] = {}
    for intent in intents:
        wanted.setdefault((intent.cause, intent.cause_key[:120]), intent)
    if not wanted:
        return []
    at = at or timezone.now()
    # Both columns, so that the lookup uses the (cause, cause_key) unique index.
    existing = set(
        Card.objects.filter(cause__in={c for c, _ in wanted}, cause_key__in=[k for _, k in wanted])
        .order_by()
        .values_list("cause", "cause_key")
    )
    fresh = [_card(intent, at) for key, intent in wanted.items() if key not in existing]
    if not fresh:
        return []
    try:
        with transaction.atomic():
            Card.objects.bulk_create(fresh)
        created = fresh
    except IntegrityError:
        created = []
        for card in fresh:
            try:
                with transaction.atomic():
                    card.pk = None
                    card.save()
                created.append(card)
            except IntegrityError:
                continue
    if not created:
        return []
    _announce(created)
    holders = {Holder.of(card) for card in created if card.color == Card.Color.YELLOW}
    return created + settle_accumulation(holders, rule=rule)


def _announce(created: list[Card], consumed: dict[int, list[int]] | None = None) -> None:
    """One audit entry and one batch of notifications for newly raised cards."""
    consumed = consumed or {}
    audit.record(
        SYSTEM_ACTOR,
        audit.Action.CREATE,
        object_type=Card._meta.label_lower,
        object_id=str(created[0].pk) if len(created) == 1 else f"{created[0].pk}…{created[-1].pk}",
        object_repr=created[0].summary if len(created) == 1 else f"亮牌 {len(created)} 张",
        summary=f"亮牌 {len(created)} 张",
        after={
            "cards": [
                [c.pk, c.color, c.cause, c.cause_key, c.unit_id, c.staff_id, c.summary]
                + ([consumed[c.pk]] if c.pk in consumed else [])
                for c in created
            ]
        },
    )
    recipients = notifications.RecipientCache()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=recipients(card.unit, card.staff),
                kind="card",
                title=f"{chinese_display(card, 'color')}：{chinese_display(card, 'cause')}",
                body=card.summary,
                link=f"/office/cards/{card.pk}/",
                dedupe_key=f"card:{card.pk}",
            )
            for card in created
        ],
        summary="黄牌/红牌",
    )


# ---- 黄牌累计 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """Whose yellow cards accumulate: the person when a card names one, else the unit (its cards
    that name nobody). A large department collects yellow cards from many hands, and a red card
    is meant for the hand that keeps missing its limits."""

    unit_id: int | None
    staff_id: int | None

    @classmethod
    def of(cls, card: Card) -> Holder:
        return cls(None, card.staff_id) if card.staff_id else cls(card.unit_id, None)

    @staticmethod
    def cards_of(holders: Iterable[Holder]) -> Q:
        """The cards of any of these holders (two IN lists, however many holders)."""
        holders = list(holders)
        return Q(staff_id__in=[h.staff_id for h in holders if h.staff_id]) | Q(
            staff__isnull=True, unit_id__in=[h.unit_id for h in holders if not h.staff_id]
        )

    @property
    def key(self) -> str:
        return f"staff:{self.staff_id}" if self.staff_id else f"unit:{self.unit_id}"


def _free_yellows() -> QuerySet[Card]:
    """Yellow cards that count and that no standing red card holds: what the next red card
    may be made of."""
    held = AccumulatedYellow.objects.filter(yellow=OuterRef("pk"), released_at__isnull=True)
    return Card.objects.counting().filter(color=Card.Color.YELLOW).exclude(Exists(held))


def settle_accumulation(holders: set[Holder], *, rule: SupervisionRule | None = None) -> list[Card]:
    """Raise the red cards that the holders' free yellow cards make: every N within M months
    (the rule's, default 3 in 12), each red card holding exactly its N yellow cards and numbered
    per holder (第n张累计红牌). Must run inside the caller's transaction.

    Two sweepers may settle the same holder at once: the red card's key (holder and number) and
    the yellow card's single standing place in an accumulation are both unique, so the loser's
    red card rolls back to its savepoint and nothing counts twice; the next settlement of that
    holder picks up whatever the loser saw and the winner did not.
    """
    if not holders:
        return []
    rule = rule or SupervisionRule()
    by_holder: dict[Holder, list[Card]] = defaultdict(list)
    for card in (
        _free_yellows()
        .filter(Holder.cards_of(holders))
        .select_related("unit", "staff")
        .order_by("raised_at", "pk")
    ):
        by_holder[Holder.of(card)].append(card)
    by_holder = {
        h: cards for h, cards in by_holder.items() if len(cards) >= rule.yellow_cards_for_red
    }
    if not by_holder:
        return []
    numbered: dict[Holder, int] = defaultdict(int)
    for row in (
        Card.objects.filter(cause=Card.Cause.YELLOW_ACCUMULATION, sequence__isnull=False)
        .filter(Holder.cards_of(by_holder))
        .values("unit_id", "staff_id")
        .annotate(last=Max("sequence"))
    ):
        holder = Holder(None, row["staff_id"]) if row["staff_id"] else Holder(row["unit_id"], None)
        numbered[holder] = max(numbered[holder], row["last"])
    created: list[Card] = []
    consumed: dict[int, list[int]] = {}
    for holder, cards in by_holder.items():
        moments = [timezone.localtime(c.raised_at) for c in cards]
        for indexes in accumulation.groups(
            moments, rule.yellow_cards_for_red, rule.yellow_window_months
        ):
            group = [cards[i] for i in indexes]
            numbered[holder] += 1
            red = _accumulation_card(holder, group, numbered[holder], rule)
            if not _hold(red, group):
                break  # a concurrent settlement of this holder won; see the docstring
            created.append(red)
            consumed[red.pk] = [c.pk for c in group]
    if created:
        _announce(created, consumed)
    return created


def _accumulation_card(
    holder: Holder, group: list[Card], number: int, rule: SupervisionRule
) -> Card:
    last = group[-1]
    who = last.staff.name if holder.staff_id and last.staff is not None else last.unit.name
    first_day = timezone.localtime(group[0].raised_at).date()
    last_day = timezone.localtime(last.raised_at).date()
    return Card(
        color=Card.Color.RED,
        cause=Card.Cause.YELLOW_ACCUMULATION,
        cause_key=f"{holder.key}:accumulation:{number}",
        unit=last.unit,
        staff=last.staff,
        sequence=number,
        raised_at=last.raised_at,
        summary=f"{who}在{rule.yellow_window_months}个月内累计{len(group)}张黄牌"
        f"（{first_day:%Y-%m-%d}至{last_day:%Y-%m-%d}），第{number}张累计红牌",
    )


def _hold(red: Card, group: list[Card]) -> bool:
    """Insert the red card and its hold on the yellow cards together, or neither."""
    try:
        with transaction.atomic():
            red.save()
            AccumulatedYellow.objects.bulk_create(
                [AccumulatedYellow(red=red, yellow=yellow) for yellow in group]
            )
    except IntegrityError:
        red.pk = None
        return False
    return True


def _release(red: Card, yellow: Card, actor: User) -> list[Card]:
    """A yellow card a standing red card holds was withdrawn: the red card loses its basis. It
    is withdrawn with the reason, its other yellow cards count again, and the holder is settled
    anew — with another free yellow card inside the window they make a new red card at once."""
    red = Card.objects.select_for_update().get(pk=red.pk)
    if red.status == Card.Status.WITHDRAWN:
        return []  # withdrawn by the office already: its yellow cards stay spent
    now = timezone.now()
    held = red.accumulated.count()
    before = audit.snapshot(red)
    red.status = Card.Status.WITHDRAWN
    red.decision_reason = (
        f"所累计的黄牌（{timezone.localtime(yellow.raised_at):%Y-%m-%d} "
        f"{chinese_display(yellow, 'cause')}）已撤销，有效黄牌不足{held}张，本红牌随之撤销；"
        "其余黄牌重新计入累计"
    )
    red.decided_at = now
    red.decided_by = None
    red.save()
    red.accumulated.filter(released_at__isnull=True).update(released_at=now)
    audit.record(
        actor,
        audit.Action.UPDATE,
        red,
        before=before,
        after=audit.snapshot(red),
        summary="所累计的黄牌已撤销，累计红牌随之撤销",
    )
    recipients = notifications.RecipientCache()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=recipients(red.unit, red.staff),
                kind="card",
                title="红牌已撤销：黄牌累计",
                body=red.decision_reason,
                link=f"/office/cards/{red.pk}/",
                dedupe_key=f"card:{red.pk}:released",
            )
        ],
        summary="累计红牌撤销",
    )
    return settle_accumulation({Holder.of(red)})


@transaction.atomic
def contest_card(actor: User, card: Card, reason: str) -> Card:
    card = Card.objects.select_for_update().get(pk=card.pk)
    if not can_edit(actor, card):
        raise PermissionDenied("您无权对该牌提出申诉")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写申诉理由"})
    if card.status != Card.Status.ACTIVE:
        raise ValidationError(f"该牌当前状态为“{chinese_display(card, 'status')}”，不能申诉")
    before = audit.snapshot(card)
    card.status = Card.Status.CONTESTED
    card.contest_reason = reason
    card.contested_at = timezone.now()
    card.contested_by = actor
    card.save()
    audit.record(
        actor, audit.Action.UPDATE, card, before=before, after=audit.snapshot(card), summary="申诉"
    )
    return card


@transaction.atomic
def decide_card(actor: User, card: Card, *, withdraw: bool, reason: str) -> Card:
    """The office withdraws a card (with a reason) or upholds it after a contest."""
    card = Card.objects.select_for_update().get(pk=card.pk)
    if actor.effective_role not in (Role.ADMIN, Role.OFFICE):
        raise PermissionDenied("只有效能办可以撤销或维持黄牌/红牌")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写处理意见"})
    if card.status == Card.Status.WITHDRAWN:
        raise ValidationError("该牌已撤销")
    if not withdraw and card.status != Card.Status.CONTESTED:
        raise ValidationError("只有申诉中的牌需要作出维持决定")
    before = audit.snapshot(card)
    card.status = Card.Status.WITHDRAWN if withdraw else Card.Status.UPHELD
    card.decision_reason = reason
    card.decided_at = timezone.now()
    card.decided_by = actor
    card.save()
    audit.record(
        actor,
        audit.Action.UPDATE,
        card,
        before=before,
        after=audit.snapshot(card),
        summary="撤销" if withdraw else "维持",
    )
    if withdraw and card.color == Card.Color.YELLOW:
        standing = card.accumulations.filter(released_at__isnull=True).select_related("red")
        for hold in standing:
            _release(hold.red, card, actor)
    return card
