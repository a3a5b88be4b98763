"""What the sweeper does when a case, a step or a veto filing reaches its warn or due instant."""

from __future__ import annotations

from datetime import datetime

from xiaoneng.notifications import services as notifications
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card
from xiaoneng.supervision.watches import Watch, on_calendar_change, register

from . import services
from .models import Case, CaseStep, Light, VetoFiling


def case_warn(case: Case, now: datetime) -> None:
    if case.light == Light.GREEN:
        case.light = Light.YELLOW
        case.save(update_fields=["light"])
    due = case.due_at.astimezone(now.tzinfo) if case.due_at else None
    notifications.notify(
        notifications.responsible_recipients(case.unit, case.handler),
        kind="warning",
        title=f"办件即将到期：{case.number}",
        body=f"{case.item.name}，剩余不超过预警天数，到期时间 {due:%Y-%m-%d %H:%M}"
        if due
        else case.item.name,
        link=f"/office/cases/{case.pk}/",
        dedupe_key=f"case:{case.pk}:warn:{case.due_at.isoformat() if case.due_at else ''}",
    )


def case_due(case: Case, now: datetime) -> None:
    case.light = Light.RED
    case.save(update_fields=["light"])
    supervision.raise_card(
        color=Card.Color.RED,
        cause=Card.Cause.CASE_OVERDUE,
        cause_key=f"case:{case.pk}:overdue",
        unit=case.unit,
        staff=case.handler,
        subject=case,
        summary=f"办件{case.number}（{case.item.name}）超过承诺时限{case.limit_days}个工作日未办结",
        at=now,
    )


def step_due(step: CaseStep, now: datetime) -> None:
    case = step.case
    if case.light == Light.GREEN:
        case.light = Light.YELLOW
        case.save(update_fields=["light"])
    supervision.raise_card(
        color=Card.Color.YELLOW,
        cause=Card.Cause.STEP_OVERDUE,
        cause_key=f"case:{case.pk}:step:{step.code}",
        unit=step.unit,
        staff=case.handler,
        subject=case,
        summary=f"办件{case.number}的环节“{step.name}”超过环节时限{step.limit_days}个工作日",
        at=now,
    )


def veto_due(filing: VetoFiling, now: datetime) -> None:
    case = filing.case
    supervision.raise_card(
        color=Card.Color.YELLOW,
        cause=Card.Cause.VETO_UNFILED,
        cause_key=f"case:{case.pk}:veto-unfiled",
        unit=case.unit,
        staff=case.handler,
        subject=case,
        summary=f"办件{case.number}作出不予受理/不予许可决定后未按期报告备案",
        at=now,
    )


register(
    Watch(
        "cases.case",
        Case,
        on_warn=case_warn,
        on_due=case_due,
        select_related=("item", "unit", "handler"),
    )
)
register(
    Watch("cases.step", CaseStep, on_due=step_due, select_related=("case", "unit", "case__unit"))
)
register(Watch("cases.veto", VetoFiling, on_due=veto_due, select_related=("case", "case__unit")))
on_calendar_change(services.recompute_open_provisional)
