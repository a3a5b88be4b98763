"""What the sweeper does with assessment deadlines.

- **A period's objection window** (异议期): a working day before it closes the units' liaisons
  are reminded; when it has closed the office is told it may close the window and decide.
- **An objection** (异议): the office is warned before its answer is due and told when it is
  overdue.

Like every watch, these only tell people (through the notification service); the state of a
period changes when the office acts (``services.close_objections``).
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from xiaoneng.notifications import services as notifications
from xiaoneng.rectification.services import office_users
from xiaoneng.supervision.watches import Watch, register

from .models import Objection, Period, Result


def period_warn(periods: list[Period], now: datetime) -> None:
    for p in periods:
        units = [r.unit for r in Result.objects.filter(period=p).select_related("unit")]
        from .services import _day, _liaisons

        notifications.notify(
            _liaisons(units),
            kind="warning",
            title=f"{p.name}考评异议期即将结束"[:200],
            body=f"异议期至{_day(p.due_at)}，逾期不再受理异议。",
            link=reverse("assessment:period", args=[p.pk]),
            dedupe_key=f"assessment:{p.pk}:objection-warn",
        )


def period_due(periods: list[Period], now: datetime) -> None:
    for p in periods:
        notifications.notify(
            office_users(),
            kind="info",
            title=f"{p.name}考评异议期已结束，请答复异议并公布结果"[:200],
            link=reverse("assessment:period", args=[p.pk]),
            dedupe_key=f"assessment:{p.pk}:objection-due",
        )


def objection_due(objections: list[Objection], now: datetime) -> None:
    for o in objections:
        notifications.notify(
            office_users(),
            kind="warning",
            title=f"{o.unit.name}的考评异议答复已超期"[:200],
            link=reverse("assessment:period", args=[o.period_id]),
            dedupe_key=f"assessment:objection:{o.pk}:due",
        )


register(Watch("assessment_period", Period, on_warn=period_warn, on_due=period_due))
register(Watch("assessment_objection", Objection, on_due=objection_due, select_related=("unit",)))
