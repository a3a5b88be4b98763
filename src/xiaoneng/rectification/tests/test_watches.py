"""Rectification deadlines on the shared engine: warnings, 督办 escalation and cards exactly once,
late answers, extensions recomputing due and warn, progress reports, calendar imports."""

from __future__ import annotations

from datetime import date

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.notifications.models import Notification
from xiaoneng.rectification import services
from xiaoneng.rectification.models import Task, TaskEvent
from xiaoneng.supervision import watches
from xiaoneng.supervision.models import Card

from .conftest import at, end, measures_for, travel

pytestmark = pytest.mark.django_db
TASKS = ["rectification.task"]


def sweep(when: str, names=TASKS):
    return watches.sweep(now=at(when), watches=names)


def test_plan_deadline_warns_then_escalates_with_one_card(open_manual, users, org, staff):
    task = open_manual()
    assert sweep("2026-03-20 12:00").total == 0
    assert sweep("2026-03-21 08:00").warned == {"rectification.task": 1}
    warned = Notification.objects.filter(kind="warning")
    assert {n.recipient for n in warned} == {users[Role.LIAISON]}
    assert sweep("2026-03-27 08:00").overdue == {"rectification.task": 1}
    task.refresh_from_db()
    assert task.escalated and task.escalated_at == at("2026-03-27 08:00")
    overdue = Notification.objects.filter(kind="overdue")
    assert {n.recipient for n in overdue} == {users[Role.OFFICE], users[Role.LIAISON]}
    # 督办: the nearest leader up the unit's chain (the city's).
    escalation = Notification.objects.filter(kind="escalation")
    assert {n.recipient for n in escalation} == {users[Role.LEADER]}
    card = Card.objects.get()
    assert (card.cause, card.unit, card.raised_at, card.subject_id) == (
        Card.Cause.RECTIFY_PLAN_OVERDUE,
        org.dept_a,
        end("2026-03-26"),
        str(task.pk),
    )
    assert sweep("2026-03-28 08:00").total == 0
    with travel("2026-03-30 09:00"):
        services.submit_plan(users[Role.LIAISON], task, measures_for(task, staff))
    assert Card.objects.count() == 1  # answered late after the sweeper: no second card
    assert list(
        task.events.filter(kind__in=["warn", "escalate"]).values_list("kind", flat=True)
    ) == [
        "warn",
        "escalate",
    ]


def test_a_plan_filed_late_before_the_sweeper_still_gets_its_card(open_manual, users, staff):
    task = open_manual()
    with travel("2026-03-30 09:00"):
        services.submit_plan(users[Role.LIAISON], task, measures_for(task, staff))
    card = Card.objects.get()
    assert card.cause == Card.Cause.RECTIFY_PLAN_OVERDUE and card.raised_at == end("2026-03-26")
    task.refresh_from_db()
    assert task.status == Task.Status.PLAN_REVIEW and task.due_at == end("2026-04-07")
    # The sweeper finds nothing of the plan stage left to do: the review has its own clock.
    assert sweep("2026-03-31 08:00").total == 0 and Card.objects.count() == 1


def test_the_rectification_deadline_and_an_office_stage(open_manual, users, staff):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    task = open_manual(complete_by=date(2026, 4, 30))
    with travel("2026-03-10 09:00"):
        services.submit_plan(liaison, task, measures_for(task, staff, due_date=date(2026, 4, 30)))
    # The office's review runs late: the office is told, no card, no 督办.
    assert sweep("2026-03-18 08:00").overdue == {"rectification.task": 1}
    task.refresh_from_db()
    assert not task.escalated and not Card.objects.exists()
    assert Notification.objects.filter(kind="overdue", recipient=office).exists()
    with travel("2026-03-18 09:00"):
        services.approve_plan(office, task)
    assert sweep("2026-05-01 08:00").overdue == {"rectification.task": 1}
    card = Card.objects.get()
    assert card.cause == Card.Cause.RECTIFY_OVERDUE and card.raised_at == end("2026-04-30")
    task.refresh_from_db()
    assert task.escalated and task.late(at("2026-05-01 08:00"))


def test_an_approved_extension_recomputes_due_and_warn(open_manual, users):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    task = open_manual()
    assert sweep("2026-03-21 08:00").warned == {"rectification.task": 1}
    with travel("2026-03-23 09:00"):
        ext = services.request_extension(liaison, task, until=date(2026, 4, 10), reason="待调研")
        services.decide_extension(office, ext, approve=True, reason="")
    task.refresh_from_db()
    assert task.due_at == end("2026-04-10") and task.warn_at == end("2026-04-03")  # 4-06 is 清明
    assert task.warned_at is None and task.status == Task.Status.PLANNING
    assert sweep("2026-03-27 08:00").total == 0  # the old date no longer counts
    assert sweep("2026-04-07 08:00").warned == {"rectification.task": 1}
    assert sweep("2026-04-11 08:00").overdue == {"rectification.task": 1}
    assert Card.objects.count() == 1
    kinds = task.events.filter(kind__startswith="extension").values_list("kind", flat=True)
    assert list(kinds) == [TaskEvent.Kind.EXTENSION, TaskEvent.Kind.EXTENSION_DECIDED]


def test_progress_reports_remind_and_chase(open_manual, users, staff):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    task = open_manual(progress_dates=(date(2026, 4, 15), date(2026, 9, 1)))
    with travel("2026-03-10 09:00"):
        services.submit_plan(liaison, task, measures_for(task, staff))
        services.approve_plan(office, task)
    report = task.progress.get()  # 9-01 lies after the 整改时限: not scheduled
    assert report.due_on == date(2026, 4, 15) and report.due_at == end("2026-04-15")
    progress = ["rectification.progress"]
    assert sweep("2026-04-13 08:00", progress).warned == {"rectification.progress": 1}
    assert sweep("2026-04-16 08:00", progress).overdue == {"rectification.progress": 1}
    chased = Notification.objects.filter(kind="overdue", title__startswith="整改进展报告逾期")
    assert {n.recipient for n in chased} == {office, liaison}
    assert not Card.objects.exists()
    with travel("2026-04-17 09:00"):
        filed = services.report_progress(liaison, task, text="已完成窗口调整").report
    assert filed.pk == report.pk and filed.late()


def test_provisional_deadlines_are_recomputed_after_a_calendar_import(open_manual, users):
    from xiaoneng.workcalendar.services import import_schedule

    # 15 working days from 23 Dec 2026 run into 2027, whose schedule is unpublished.
    task = open_manual("2026-12-23 10:00", complete_by=date(2027, 3, 31))
    assert task.deadline_provisional
    before = task.due_at
    import_schedule(users[Role.OFFICE], "year 2027\n2027-01-01 holiday 元旦\n")
    assert services.recompute_provisional(now=at("2026-12-23 10:00")) == 1
    task.refresh_from_db()
    assert not task.deadline_provisional
    assert task.due_at.date() > before.date()
