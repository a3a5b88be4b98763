"""Cards (黄牌/红牌): raised once per cause, contested and withdrawn with a reason, audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_edit
from xiaoneng.audit import services as audit
from xiaoneng.notifications import services as notifications

from .models import Card, SupervisionRule

SYSTEM_ACTOR = "电子监察"


def raise_card(
    *,
    color: str,
    cause: str,
    cause_key: str,
    unit,
    summary: str,
    staff=None,
    subject=None,
    at: datetime | None = None,
    rule: SupervisionRule | None = None,
) -> Card | None:
    """Raise one card unless one for this cause exists; returns the new card or None."""
    created = raise_cards(
        [
            dict(
                color=color,
                cause=cause,
                cause_key=cause_key,
                unit=unit,
                summary=summary,
                staff=staff,
                subject=subject,
            )
        ],
        at=at,
        rule=rule,
    )
    return created[0] if created else None


def _card(intent: dict, at: datetime) -> Card:
    subject = intent.get("subject")
    at = intent.get("at") or at
    return Card(
        color=intent["color"],
        cause=intent["cause"],
        cause_key=intent["cause_key"][:120],
        unit=intent["unit"],
        staff=intent.get("staff"),
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        summary=intent["summary"][:300],
        raised_at=at,
    )


def raise_cards(
    intents: list[dict], *, at: datetime | None = None, rule: SupervisionRule | None = None
) -> list[Card]:
    """Raise the cards whose cause has none yet, all at once: one insert, one audit entry, one
    batch of notifications. Must run inside the caller's transaction.

    The unique constraint on (cause, cause_key) is the guarantee behind "exactly once per cause":
    the pre-check only avoids needless inserts; if a concurrent writer wins a race the batch
    falls back to inserting card by card, each in its own savepoint.
    """
    if not intents:
        return []
    at = at or timezone.now()
    wanted: dict[tuple[str, str], dict] = {}
    for intent in intents:
        wanted.setdefault((intent["cause"], intent["cause_key"][:120]), intent)
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
                title=f"{card.get_color_display()}：{card.get_cause_display()}",
                body=card.summary,
                link=f"/office/cards/{card.pk}/",
                dedupe_key=f"card:{card.pk}",
            )
            for card in created
        ],
        summary="黄牌/红牌",
    )
    latest_yellow: dict[tuple, Card] = {}
    for card in sorted(created, key=lambda c: c.raised_at):
        if card.color == Card.Color.YELLOW:
            latest_yellow[(card.unit_id, card.staff_id)] = card
    escalations = [e for card in latest_yellow.values() for e in _escalation(card, rule)]
    return created + raise_cards(escalations, at=at, rule=rule)


def _escalation(card: Card, rule: SupervisionRule | None) -> list[dict]:
    """Every N yellow cards within the window raise a red card (default 3 in 12 months).

    Counted for the person responsible when the cards name one, else for the unit: a large
    department collects yellow cards from many hands, and a red card is meant for the hand that
    keeps missing its limits.
    """
    rule = rule or SupervisionRule()
    since = card.raised_at - timedelta(days=round(rule.yellow_window_months * 30.44))
    scope = {"staff": card.staff} if card.staff_id else {"unit": card.unit, "staff__isnull": True}
    window = {"raised_at__gt": since, "raised_at__lte": card.raised_at}
    count = Card.objects.counting().filter(**scope, **window, color=Card.Color.YELLOW).count()
    already = Card.objects.filter(
        **scope, cause=Card.Cause.YELLOW_ACCUMULATION, raised_at__gt=since
    ).count()
    owed = count // rule.yellow_cards_for_red - already
    who = card.staff.name if card.staff_id else card.unit.name
    return [
        dict(
            color=Card.Color.RED,
            cause=Card.Cause.YELLOW_ACCUMULATION,
            cause_key=f"{'staff' if card.staff_id else 'unit'}:{card.staff_id or card.unit_id}"
            f":after-yellow:{card.pk}:{n}",
            unit=card.unit,
            staff=card.staff,
            at=card.raised_at,
            summary=f"{who}在{rule.yellow_window_months}个月内累计{count}张黄牌",
        )
        for n in range(max(owed, 0))
    ]


@transaction.atomic
def contest_card(actor, card: Card, reason: str) -> Card:
    card = Card.objects.select_for_update().get(pk=card.pk)
    if not can_edit(actor, card):
        raise PermissionDenied("您无权对该牌提出申诉")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写申诉理由"})
    if card.status != Card.Status.ACTIVE:
        raise ValidationError(f"该牌当前状态为“{card.get_status_display()}”，不能申诉")
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
def decide_card(actor, card: Card, *, withdraw: bool, reason: str) -> Card:
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
    return card
