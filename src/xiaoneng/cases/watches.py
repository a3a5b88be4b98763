"""What the sweeper does with the cases, steps and veto filings whose warn or due instant passed.

Each handler gets a whole batch, so a sweep that finds 10,000 overdue cases does a handful of
statements, not tens of thousands.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from xiaoneng.notifications import services as notifications
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card
from xiaoneng.supervision.watches import Watch, on_calendar_change, register

from . import services
from .models import Case, CaseStep, Light, VetoFiling


def _light_at_least(cases: list[Case], light: str) -> None:
    order = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}
    changed = [c for c in cases if order[c.light] < order[light]]
    for case in changed:
        case.light = light
    if changed:
        # updated_at moves too: department systems sync by it (GET /api/v1/cases?updated_since=).
        Case.objects.filter(pk__in=[c.pk for c in changed]).update(
            light=light, updated_at=timezone.now()
        )


def _due_text(case: Case, now: datetime) -> str:
    if case.due_at is None:
        return case.item.name
    return f"{case.item.name}，到期时间 {case.due_at.astimezone(now.tzinfo):%Y-%m-%d %H:%M}"


def case_warn(cases: list[Case], now: datetime) -> None:
    _light_at_least(cases, Light.YELLOW)
    recipients = notifications.RecipientCache()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=recipients(case.unit, case.handler),
                kind="warning",
                title=f"办件即将到期：{case.number}",
                body=_due_text(case, now),
                link=f"/office/cases/{case.pk}/",
                dedupe_key=f"case:{case.pk}:warn:{case.due_at.isoformat() if case.due_at else ''}",
            )
            for case in cases
        ],
        summary="办件到期预警",
    )


def case_due(cases: list[Case], now: datetime) -> None:
    _light_at_least(cases, Light.RED)
    supervision.raise_cards(
        [
            supervision.CardIntent(
                color=Card.Color.RED,
                cause=Card.Cause.CASE_OVERDUE,
                cause_key=f"case:{case.pk}:overdue",
                at=case.due_at,
                unit=case.unit,
                staff=case.handler,
                subject=case,
                window_id=case.window_id,
                summary=f"办件{case.number}（{case.item.name}）超过承诺时限{case.limit_days}个工作日未办结",
            )
            for case in cases
        ],
        at=now,
    )


def step_due(steps: list[CaseStep], now: datetime) -> None:
    _light_at_least([s.case for s in steps], Light.YELLOW)
    supervision.raise_cards(
        [
            supervision.CardIntent(
                color=Card.Color.YELLOW,
                cause=Card.Cause.STEP_OVERDUE,
                cause_key=f"case:{step.case_id}:step:{step.code}",
                at=step.due_at,
                unit=step.unit,
                staff=step.case.handler,
                subject=step.case,
                window_id=step.case.window_id,
                summary=f"办件{step.case.number}的环节“{step.name}”超过环节时限{step.limit_days}个工作日",
            )
            for step in steps
        ],
        at=now,
    )


def veto_due(filings: list[VetoFiling], now: datetime) -> None:
    supervision.raise_cards(
        [
            supervision.CardIntent(
                color=Card.Color.YELLOW,
                cause=Card.Cause.VETO_UNFILED,
                cause_key=f"case:{f.case_id}:veto-unfiled",
                at=f.due_at,
                unit=f.case.unit,
                staff=f.case.handler,
                subject=f.case,
                window_id=f.case.window_id,
                summary=f"办件{f.case.number}作出不予受理/不予许可决定后未按期报告备案",
            )
            for f in filings
        ],
        at=now,
    )


register(
    Watch(
        "cases.case",
        Case,
        on_warn=case_warn,
        on_due=case_due,
        select_related=("item", "unit", "handler__user"),
    )
)
register(
    Watch(
        "cases.step",
        CaseStep,
        on_due=step_due,
        select_related=("case", "unit", "case__unit", "case__handler__user"),
    )
)
register(
    Watch(
        "cases.veto",
        VetoFiling,
        on_due=veto_due,
        select_related=("case", "case__unit", "case__handler__user"),
    )
)
on_calendar_change(services.recompute_open_provisional)
