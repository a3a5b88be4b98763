"""What the sweeper does with complaints whose warn or due instant passed.

Warning: the unit's liaisons for the unit's step (办理), the office for the office's steps.
Overdue: 督办 — the complaint is marked, the nearest leaders of the handling unit and the office
are told, and an overdue unit step raises a 黄牌 (投诉办理超期) once per deadline.

Like every watch, it writes derived fields only — the 督办 mark (``escalated``), the timeline's
电子监察 lines and the sweeper's handled instants — in bulk and without audit entries of their
own: they follow from the deadline and the clock. The card goes through
``supervision.services.raise_cards``, which audits it.
"""

from __future__ import annotations

from datetime import datetime

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.i18n import chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.notifications.services import LeaderCache
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card
from xiaoneng.supervision.watches import Watch, on_calendar_change, register

from . import services
from .models import Complaint, ComplaintEvent, Urge


def _body(complaint: Complaint, now: datetime) -> str:
    due = complaint.due_at.astimezone(now.tzinfo) if complaint.due_at else None
    parts = [f"投诉编号：{complaint.number}", f"类别：{complaint.category.name}"]
    if complaint.handling_unit_id:
        parts.append(f"承办单位：{complaint.handling_unit.name}")
    parts.append(f"环节：{chinese_display(complaint, 'stage')}")
    if due:
        parts.append(f"期限：{due:%Y-%m-%d %H:%M}")
    return "；".join(parts)


def _link(complaint: Complaint) -> str:
    return f"/office/complaints/{complaint.pk}/"


def _due_key(complaint: Complaint) -> str:
    return complaint.due_at.isoformat() if complaint.due_at else ""


def complaint_warn(rows: list[Complaint], now: datetime) -> None:
    recipients = notifications.RecipientCache()
    office = list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))
    messages = []
    for c in rows:
        unit_step = c.stage == Complaint.Stage.HANDLE and c.handling_unit_id
        messages.append(
            notifications.Message(
                recipients=recipients(c.handling_unit) if unit_step else office,
                kind="warning",
                title=f"效能投诉即将到期：{c.number}",
                body=_body(c, now),
                link=_link(c),
                dedupe_key=f"complaint:{c.pk}:warn:{_due_key(c)}",
            )
        )
    notifications.notify_many(messages, summary="效能投诉到期预警")
    ComplaintEvent.objects.bulk_create(
        [
            ComplaintEvent(
                complaint=c,
                kind=ComplaintEvent.Kind.WARN,
                at=now,
                actor_name="电子监察",
                note=f"{chinese_display(c, 'stage')}环节即将到期",
            )
            for c in rows
        ]
    )


def complaint_due(rows: list[Complaint], now: datetime) -> None:
    leaders = LeaderCache()
    office = list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))
    fresh = [c for c in rows if not c.escalated]
    Complaint.objects.filter(pk__in=[c.pk for c in fresh]).update(escalated=True, escalated_at=now)
    for c in fresh:
        c.escalated, c.escalated_at = True, now
    notifications.notify_many(
        [
            notifications.Message(
                recipients=[*leaders.nearest(c.handling_unit), *office],
                kind="escalation",
                title=f"效能投诉超期督办：{c.number}",
                body=_body(c, now),
                link=_link(c),
                dedupe_key=f"complaint:{c.pk}:due:{_due_key(c)}",
            )
            for c in rows
        ],
        summary="效能投诉超期督办",
    )
    ComplaintEvent.objects.bulk_create(
        [
            ComplaintEvent(
                complaint=c,
                kind=ComplaintEvent.Kind.ESCALATE,
                at=now,
                actor_name="电子监察",
                note=f"{chinese_display(c, 'stage')}环节超过期限，列入督办",
            )
            for c in rows
        ]
    )
    supervision.raise_cards(
        [
            supervision.CardIntent(
                color=Card.Color.YELLOW,
                cause=Card.Cause.COMPLAINT_OVERDUE,
                cause_key=f"complaint:{c.pk}:handle:{_due_key(c)}",
                at=c.due_at,
                unit=c.handling_unit,
                staff=None,
                subject=c,
                summary=f"效能投诉{c.number}（{c.category.name}）超过办理时限未提交调查结论",
            )
            for c in rows
            if c.stage == Complaint.Stage.HANDLE and c.handling_unit_id
        ],
        at=now,
    )


def _still_late(urge: Urge) -> bool:
    c = urge.complaint
    return c.deadline_open and c.stage == Complaint.Stage.HANDLE and c.due_at == urge.handle_due


def urge_notice(rows: list[Urge], now: datetime) -> None:
    """催办通知 (12345 preset): the working day after a missed handling deadline, the unit's
    liaisons and leaders are urged; the timeline says so."""
    late = [u for u in rows if _still_late(u)]
    Urge.objects.filter(pk__in=[u.pk for u in late]).update(urged_at=now)
    leaders = LeaderCache()
    recipients = notifications.RecipientCache()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=[
                    *recipients(u.complaint.handling_unit),
                    *leaders.nearest(u.complaint.handling_unit),
                ],
                kind="escalation",
                title=f"催办通知：效能投诉{u.complaint.number}已超过办理期限",
                body=_body(u.complaint, now),
                link=_link(u.complaint),
                dedupe_key=f"complaint:{u.complaint_id}:urge:{u.handle_due.isoformat()}",
            )
            for u in late
        ],
        summary="效能投诉催办通知",
    )
    ComplaintEvent.objects.bulk_create(
        [
            ComplaintEvent(
                complaint=u.complaint,
                kind=ComplaintEvent.Kind.URGE,
                at=now,
                actor_name="电子监察",
                note="超过办理期限未提交调查结论，发出催办通知",
            )
            for u in late
        ]
    )


def written_notice(rows: list[Urge], now: datetime) -> None:
    """书面通报 (12345 preset): still no finding 5 working days after the 催办 — the office and
    the unit's leaders are told, and the complaint page offers the written 通报 (Word)."""
    late = [u for u in rows if _still_late(u)]
    Urge.objects.filter(pk__in=[u.pk for u in late]).update(noticed_at=now)
    leaders = LeaderCache()
    office = list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))
    notifications.notify_many(
        [
            notifications.Message(
                recipients=[*leaders.nearest(u.complaint.handling_unit), *office],
                kind="escalation",
                title=f"书面通报：效能投诉{u.complaint.number}催办后仍未办理",
                body=_body(u.complaint, now),
                link=_link(u.complaint),
                dedupe_key=f"complaint:{u.complaint_id}:notice:{u.handle_due.isoformat()}",
            )
            for u in late
        ],
        summary="效能投诉书面通报",
    )
    ComplaintEvent.objects.bulk_create(
        [
            ComplaintEvent(
                complaint=u.complaint,
                kind=ComplaintEvent.Kind.NOTICE,
                at=now,
                actor_name="电子监察",
                note="催办后5个工作日仍未提交调查结论，予以书面通报",
            )
            for u in late
        ]
    )


register(
    Watch(
        "complaints.urge",
        Urge,
        on_warn=urge_notice,
        on_due=written_notice,
        select_related=("complaint", "complaint__category", "complaint__handling_unit"),
    )
)
register(
    Watch(
        "complaints.complaint",
        Complaint,
        on_warn=complaint_warn,
        on_due=complaint_due,
        select_related=("category", "handling_unit"),
    )
)
on_calendar_change(services.recompute_provisional)
