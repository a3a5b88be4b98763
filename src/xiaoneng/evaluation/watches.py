"""What the sweeper does with campaign milestones (评议工作节点) whose dates come near or pass:
the supervision office is reminded, then told the step is late.

Like every watch, it writes derived fields only — here just the sweeper's handled instants — and
no audit entry; a milestone is done when the service that does the step says so."""

from __future__ import annotations

from datetime import datetime

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.i18n import chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.supervision.watches import Watch, on_calendar_change, register

from . import services
from .models import Milestone


def _office() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))


def _messages(milestones: list[Milestone], kind: str, title: str, body: str) -> list:
    office = _office()
    return [
        notifications.Message(
            recipients=office,
            kind=kind,
            title=title.format(m=m, kind=chinese_display(m, "kind")),
            body=body.format(m=m, kind=chinese_display(m, "kind")),
            link=f"/office/evaluations/{m.campaign_id}/",
            dedupe_key=f"evaluation-milestone:{m.pk}:{kind}",
        )
        for m in milestones
    ]


def milestone_warn(milestones: list[Milestone], now: datetime) -> None:
    notifications.notify_many(
        _messages(
            milestones,
            "warning",
            "评议工作节点即将到期：{m.campaign.name}·{kind}",
            "“{kind}”应于{m.due_date:%Y-%m-%d}前完成。",
        ),
        summary="评议工作节点到期预警",
    )


def milestone_due(milestones: list[Milestone], now: datetime) -> None:
    notifications.notify_many(
        _messages(
            milestones,
            "overdue",
            "评议工作节点已超期：{m.campaign.name}·{kind}",
            "“{kind}”原定{m.due_date:%Y-%m-%d}完成，至今未完成。",
        ),
        summary="评议工作节点超期",
    )


register(
    Watch(
        "evaluation.milestone",
        Milestone,
        on_warn=milestone_warn,
        on_due=milestone_due,
        select_related=("campaign",),
    )
)
on_calendar_change(services.recompute_provisional)
