"""Fixtures for rectification tests: staff of department A to name in plans, and helpers that
open a task and move it along through the services."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from xiaoneng.accounts.roles import Role
from xiaoneng.rectification import services
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import SourceKind, SourceRef
from xiaoneng.testing.factories import StaffFactory
from xiaoneng.workdays import SHANGHAI

OPENED = "2026-03-05 10:00"  # a Thursday


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def end(day: str) -> datetime:
    return datetime.strptime(day, "%Y-%m-%d").replace(
        hour=23, minute=59, second=59, tzinfo=SHANGHAI
    )


@pytest.fixture
def staff(org):
    return {
        "head": StaffFactory(name="甲局副局长", unit=org.dept_a, title="副局长"),
        "clerk": StaffFactory(name="审批科科员", unit=org.section_a),
        "outsider": StaffFactory(name="乙局科员", unit=org.dept_b),
    }


@pytest.fixture
def open_manual(org, users):
    """Open a 督查督办 task for department A at ``OPENED`` (or ``when``)."""

    def make(when: str = OPENED, **changes) -> Task:
        request = services.OpenTask(
            source=SourceRef(SourceKind.MANUAL, None, "督查督办"),
            unit=changes.pop("unit", org.dept_a),
            title=changes.pop("title", "窗口办事排长队"),
            problems=changes.pop(
                "problems",
                (services.ProblemIn("高峰时段只开一个窗口"), services.ProblemIn("叫号系统常坏")),
            ),
            level=changes.pop("level", Task.Level.LISTED),
            complete_by=changes.pop("complete_by", date(2026, 6, 30)),
            **changes,
        )
        with time_machine.travel(at(when), tick=False):
            return services.open_task(users[Role.OFFICE], request)

    return make


def measures_for(task: Task, staff, **changes) -> services.PlanIn:
    """A complete plan: one measure per problem."""
    rows = []
    for problem in task.problems.all():
        fields = dict(
            problem_id=problem.pk,
            cause_kind="system",
            cause="高峰时段窗口安排未按客流调整",
            action="实行弹性窗口，高峰时段增开两个窗口",
            responsible_unit_id=staff["clerk"].unit_id,
            leader_id=staff["head"].pk,
            person_id=staff["clerk"].pk,
            due_date=date(2026, 5, 31),
            standard="高峰时段平均等候不超过20分钟",
        )
        fields.update(changes)
        rows.append(services.MeasureIn(**fields))
    return services.PlanIn(measures=tuple(rows), summary="分两步整改")


def travel(when: str):
    return time_machine.travel(at(when), tick=False)
