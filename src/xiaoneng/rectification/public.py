"""整改情况公示: what was found and what was done, for tasks whose source was the public (a
complaint, a 差评, a 千人评议), with no personal data.

Only texts written to be read are shown — the problem titles, the measures, what was done, the
acceptance — never the complaint, the rating's comment, the evaluators' opinions, the causes
or any name of a person: every text passes :func:`redact`, which masks the names of the
responsible unit's staff and of the staff named in the plan, telephone and ID numbers and
e-mail addresses, in case someone typed one where they should not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from xiaoneng.org.models import Staff

from . import services
from .deadlines import local_date
from .models import Measure, Task

MASK = "××"
_PATTERNS = (
    re.compile(r"\d{17}[\dXx]|\d{15}"),  # 身份证号
    re.compile(r"1[3-9]\d{9}"),  # mobile numbers
    re.compile(r"0\d{2,3}-?\d{7,8}"),  # landlines
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail
)

PUBLIC_STATUS = {
    Task.Status.VERIFYING: "正在核实",
    Task.Status.PLANNING: "正在制定整改方案",
    Task.Status.PLAN_REVIEW: "正在制定整改方案",
    Task.Status.IN_PROGRESS: "正在整改",
    Task.Status.ACCEPTANCE: "整改完成，待验收",
    Task.Status.VISIT: "已整改",
    Task.Status.CLOSED: "已整改",
}


def redact(text: str, names: Iterable[str]) -> str:
    """``text`` with people's names and contact numbers masked."""
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    for name in sorted({n for n in names if len(n) >= 2}, key=len, reverse=True):
        text = text.replace(name, MASK)
    return text


def names_for(tasks: Iterable[Task]) -> set[str]:
    """The staff names that could appear in these tasks' texts: their units' people."""
    paths = {t.unit.path for t in tasks}
    if not paths:
        return set()
    where = Q()
    for path in paths:
        where |= Q(unit__path__startswith=path)
    return set(Staff.objects.filter(where).values_list("name", flat=True))


@dataclass(frozen=True)
class PublicMeasure:
    problem: str
    action: str
    section: str
    due: date | None
    done: str


@dataclass(frozen=True)
class PublicTask:
    pk: int
    number: str
    source: str
    unit: str
    title: str
    status: str
    opened: date
    complete_by: date | None
    completed: date | None
    problems: tuple[str, ...]
    measures: tuple[PublicMeasure, ...]
    accepted: date | None


def summary(task: Task, names: set[str]) -> PublicTask:
    """The list's line of a task (no measures)."""
    return _public(task, names, with_measures=False)


def detail(task: Task) -> PublicTask:
    names = names_for([task])
    plan = services.approved_plan(task)
    if plan is not None:
        names |= {
            s.name
            for m in plan.measures.select_related("leader", "person")
            for s in (m.leader, m.person)
        }
    return _public(task, names, with_measures=True)


def _public(task: Task, names: set[str], *, with_measures: bool) -> PublicTask:
    measures: tuple[PublicMeasure, ...] = ()
    if with_measures:
        plan = services.approved_plan(task)
        if plan is not None:
            rows: Iterable[Measure] = plan.measures.select_related("problem", "responsible_unit")
            measures = tuple(
                PublicMeasure(
                    problem=redact(m.problem.title, names),
                    action=redact(m.action, names),
                    section=m.responsible_unit.name,
                    due=m.due_date,
                    done=redact(m.done_note, names),
                )
                for m in rows
            )
        elif task.finding == Task.Finding.TRUE and task.measures:
            measures = (
                PublicMeasure(
                    problem=redact(task.title, names),
                    action=redact(task.measures, names),
                    section=task.unit.name,
                    due=local_date(task.complete_by) if task.complete_by else None,
                    done="已整改" if task.verified_at else "",
                ),
            )
    accepted = task.accepted_at or (task.verified_at if task.flow == Task.Flow.VERIFY else None)
    return PublicTask(
        pk=task.pk,
        number=task.number,
        source=task.get_source_kind_display(),
        unit=task.unit.name,
        title=redact(task.title, names),
        status=PUBLIC_STATUS[task.status],
        opened=local_date(task.opened_at),
        complete_by=local_date(task.complete_by) if task.complete_by else None,
        completed=local_date(task.completed_at) if task.completed_at else None,
        problems=tuple(redact(p.title, names) for p in task.problems.all()),
        measures=measures,
        accepted=local_date(accepted) if accepted else None,
    )
