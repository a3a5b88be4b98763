"""What the sweeper does for accountability.

- **Violations** (the stage's deadline): in the 陈述申辩 period, a warning to the person and the
  unit; when it runs out, the violation is marked ``statement_lapsed`` (the office may then
  propose without a statement) and the office is told. After delivery, the appeal window: a
  warning to the person; when it runs out the decision stands and the violation is closed
  (申诉期满), a timeline line says so.
- **Intake** (自动立案): a scan row falls due, the watch opens violations for the new source
  records of the causes whose rules say so, and schedules the next scan a day later.

These write derived fields only (the lapse mark, the closing after the window, timeline lines);
opening a violation goes through ``services.open_violation``, audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from xiaoneng.notifications import services as notifications
from xiaoneng.supervision.watches import Watch, register

from . import services
from .models import Event, IntakeRun, Violation

Status = Violation.Status


def _lines(rows: list[Violation], label: str, note: str, now: datetime) -> None:
    Event.objects.bulk_create(
        [
            Event(violation=v, at=now, actor_name=services.SYSTEM, label=label, note=note)
            for v in rows
        ]
    )


def violation_warn(rows: list[Violation], now: datetime) -> None:
    messages = []
    for v in rows:
        linked, unlinked = services.unit_recipients(v)
        what = "陈述申辩" if v.status == Status.STATEMENT else "申诉"
        key = f"accountability:{v.pk}:warn:{v.due_at.isoformat() if v.due_at else ''}"
        for recipients, url in ((linked, services.link(v)), (unlinked, "")):
            messages.append(
                notifications.Message(
                    recipients=recipients,
                    kind="warning",
                    title=f"{what}期限即将届满：{v.number}"[:200],
                    body=f"期限：{services.local_day(v.due_at)}",
                    link=url,
                    dedupe_key=f"{key}:{'link' if url else 'plain'}",
                )
            )
    notifications.notify_many(messages, summary="责任追究期限预警")


def violation_due(rows: list[Violation], now: datetime) -> None:
    lapsed = [v for v in rows if v.status == Status.STATEMENT]
    final = [v for v in rows if v.status == Status.DELIVERED]
    Violation.objects.filter(pk__in=[v.pk for v in lapsed]).update(statement_lapsed=True)
    Violation.objects.filter(pk__in=[v.pk for v in final]).update(
        status=Status.CLOSED, deadline_open=False
    )
    _lines(lapsed, "陈述申辩期满", "逾期未陈述申辩", now)
    _lines(final, "申诉期满", "未申诉，决定生效", now)
    office = services.office_users()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=office,
                kind="overdue",
                title=f"陈述申辩期满，可提出处理意见：{v.summary}"[:200],
                body="",
                link=services.link(v),
                dedupe_key=f"accountability:{v.pk}:lapsed",
            )
            for v in lapsed
        ],
        summary="陈述申辩期满",
    )


def intake_due(rows: list[IntakeRun], now: datetime) -> None:
    for run in rows:
        services.run_intake(run, now)
    IntakeRun.objects.create(due_at=now + timedelta(days=1))


register(
    Watch(
        "accountability.violation",
        Violation,
        on_warn=violation_warn,
        on_due=violation_due,
        select_related=("unit",),
    )
)
register(Watch("accountability.intake", IntakeRun, on_due=intake_due))
