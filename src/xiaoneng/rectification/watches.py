"""What the sweeper does with rectification deadlines.

- **Tasks** (the stage's deadline): warning → the unit's liaisons for a unit stage (核实整改,
  整改方案, 整改), the office for its own (审核, 验收). Overdue unit stage → the office and the
  unit are told (超期) and the task goes to 督办: it is marked, the nearest leaders above the
  unit and the named supervising leader are told, and the stage's yellow card is raised (once
  per task and stage). An overdue office stage is told to the office.
- **Progress reports** (a scheduled date): reminder to the unit; overdue → the unit and the
  office are told (催报), no card.
- **专项活动 reports**: the same as progress reports.
"""

from __future__ import annotations

from datetime import datetime

from xiaoneng.i18n import chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.notifications.services import LeaderCache
from xiaoneng.supervision.watches import Watch, on_calendar_change, register

from . import drives, services
from .models import UNIT_STAGES, DriveReport, ProgressReport, Task, TaskEvent


def _event_rows(tasks: list[Task], kind: str, now: datetime, note) -> None:
    TaskEvent.objects.bulk_create(
        [
            TaskEvent(task=t, kind=kind, at=now, actor_name=services.SYSTEM, note=note(t))
            for t in tasks
        ]
    )


def _stage(task: Task) -> str:
    return chinese_display(task, "status")


def _body(task: Task) -> str:
    return (
        f"任务编号：{task.number}；责任单位：{task.unit.name}；环节：{_stage(task)}；"
        f"期限：{services._day(task.due_at)}"
    )


def task_warn(tasks: list[Task], now: datetime) -> None:
    recipients = notifications.RecipientCache()
    office = services.office_users()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=recipients(t.unit) if t.status in UNIT_STAGES else office,
                kind="warning",
                title=f"整改任务即将到期：{t.title}"[:200],
                body=_body(t),
                link=services.link(t),
                dedupe_key=f"rectify:{t.pk}:warn:{t.due_at.isoformat() if t.due_at else ''}",
            )
            for t in tasks
        ],
        summary="整改任务到期预警",
    )
    _event_rows(tasks, TaskEvent.Kind.WARN, now, lambda t: f"{_stage(t)}环节即将到期")


def task_due(tasks: list[Task], now: datetime) -> None:
    unit_late = [t for t in tasks if t.status in UNIT_STAGES]
    fresh = [t for t in unit_late if not t.escalated]
    Task.objects.filter(pk__in=[t.pk for t in fresh]).update(escalated=True, escalated_at=now)
    for t in fresh:
        t.escalated, t.escalated_at = True, now
    leaders = LeaderCache()
    recipients = notifications.RecipientCache()
    office = services.office_users()
    messages = []
    for t in tasks:
        due_key = t.due_at.isoformat() if t.due_at else ""
        unit_stage = t.status in UNIT_STAGES
        messages.append(
            notifications.Message(
                recipients=[*office, *recipients(t.unit)] if unit_stage else office,
                kind="overdue",
                title=f"整改任务{_stage(t)}超期：{t.title}"[:200],
                body=_body(t),
                link=services.link(t),
                dedupe_key=f"rectify:{t.pk}:due:{due_key}",
            )
        )
        if unit_stage:
            # 督办: the leaders above the unit, and the leader named on the task.
            named = [t.leader] if t.leader_id else []
            messages.append(
                notifications.Message(
                    recipients=[*leaders.nearest(t.unit), *named],
                    kind="escalation",
                    title=f"整改任务超期督办：{t.title}"[:200],
                    body=_body(t),
                    link=services.link(t),
                    dedupe_key=f"rectify:{t.pk}:escalate:{due_key}",
                )
            )
    notifications.notify_many(messages, summary="整改任务超期督办")
    _event_rows(unit_late, TaskEvent.Kind.ESCALATE, now, lambda t: f"{_stage(t)}超过期限，列入督办")
    services.overdue_cards(unit_late, now)


def _report_body(task: Task, due_on) -> str:
    return f"任务编号：{task.number}；责任单位：{task.unit.name}；应报日期：{due_on:%Y-%m-%d}"


def progress_warn(reports: list[ProgressReport], now: datetime) -> None:
    recipients = notifications.RecipientCache()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=recipients(r.task.unit),
                kind="warning",
                title=f"请按时报告整改进展：{r.task.title}"[:200],
                body=_report_body(r.task, r.due_on),
                link=services.link(r.task),
                dedupe_key=f"rectify-progress:{r.pk}:warn",
            )
            for r in reports
        ],
        summary="整改进展报告提醒",
    )


def progress_due(reports: list[ProgressReport], now: datetime) -> None:
    recipients = notifications.RecipientCache()
    office = services.office_users()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=[*recipients(r.task.unit), *office],
                kind="overdue",
                title=f"整改进展报告逾期未报：{r.task.title}"[:200],
                body=_report_body(r.task, r.due_on),
                link=services.link(r.task),
                dedupe_key=f"rectify-progress:{r.pk}:overdue",
            )
            for r in reports
        ],
        summary="整改进展报告逾期",
    )


register(
    Watch(
        "rectification.task",
        Task,
        on_warn=task_warn,
        on_due=task_due,
        select_related=("unit", "leader"),
    )
)
register(
    Watch(
        "rectification.progress",
        ProgressReport,
        on_warn=progress_warn,
        on_due=progress_due,
        select_related=("task", "task__unit"),
    )
)
register(
    Watch(
        "rectification.drive_report",
        DriveReport,
        on_warn=drives.report_warn,
        on_due=drives.report_due,
        select_related=("phase", "phase__drive", "unit"),
    )
)
on_calendar_change(services.recompute_provisional)
on_calendar_change(drives.recompute_provisional)
