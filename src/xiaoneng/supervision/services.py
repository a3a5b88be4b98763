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
    """Raise a card unless one for this cause was raised before; returns the new card or None.

    Must run inside the caller's transaction; the unique constraint on (cause, cause_key) is what
    makes this exactly-once even when two workers race or one crashed half-way earlier.
    """
    at = at or timezone.now()
    card = Card(
        color=color,
        cause=cause,
        cause_key=cause_key[:120],
        unit=unit,
        staff=staff,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        summary=summary[:300],
        raised_at=at,
    )
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError:
        return None
    audit.record(
        SYSTEM_ACTOR, audit.Action.CREATE, card, after=audit.snapshot(card), summary=summary[:255]
    )
    notifications.notify(
        notifications.responsible_recipients(unit, staff),
        kind="card",
        title=f"{card.get_color_display()}：{card.get_cause_display()}",
        body=summary,
        link=f"/office/cards/{card.pk}/",
        dedupe_key=f"card:{card.pk}",
    )
    if color == Card.Color.YELLOW:
        _maybe_escalate_yellows(card, rule)
    return card


def _maybe_escalate_yellows(card: Card, rule: SupervisionRule | None) -> None:
    """N yellow cards for one unit within the window raise a red card (default 3 in 12 months)."""
    rule = rule or SupervisionRule()
    since = card.raised_at - timedelta(days=round(rule.yellow_window_months * 30.44))
    yellows = Card.objects.counting().filter(
        unit=card.unit, color=Card.Color.YELLOW, raised_at__gt=since, raised_at__lte=card.raised_at
    )
    count = yellows.count()
    already = Card.objects.filter(
        unit=card.unit, cause=Card.Cause.YELLOW_ACCUMULATION, raised_at__gt=since
    ).count()
    if count // rule.yellow_cards_for_red > already:
        raise_card(
            color=Card.Color.RED,
            cause=Card.Cause.YELLOW_ACCUMULATION,
            cause_key=f"unit:{card.unit_id}:after-yellow:{card.pk}",
            unit=card.unit,
            summary=f"{rule.yellow_window_months}个月内累计{count}张黄牌",
            at=card.raised_at,
        )


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
