"""整改任务 services: every change to a task goes through here, in a transaction, audited.

The finders open tasks with :func:`open_task` and a typed :class:`OpenTask`; the unit and the
office move them through the table ``TASK`` (``xiaoneng.workflow``): verification of a 差评,
the plan and its review, progress, completion, acceptance, the return visit, extensions.

Rules kept here (docs/rectification.md):

- a plan needs at least one measure for every problem, and every measure its cause, action,
  responsible section, leader and person, completion date and acceptance standard; no
  completion date after the task's 整改时限 (an approved extension moves the 整改时限);
- the office decides (plans, acceptance, extensions), never for its own unit's task;
- an extension is asked before the deadline it would move;
- progress is reported only while the rectification is under way (整改中);
- each stage's deadline is on the shared engine; a unit stage answered late gets its overdue
  card all the same, once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.org.models import Staff, Unit
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card
from xiaoneng.web import uploads
from xiaoneng.workflow import Actor, Transition, Transitions, actor_role, is_person

from . import deadlines
from .deadlines import end_of, local_date
from .models import (
    OFFICE_ROLES,
    UNIT_ROLES,
    UNIT_STAGES,
    Evidence,
    Extension,
    Measure,
    Plan,
    Problem,
    ProgressReport,
    Rules,
    Task,
    TaskEvent,
)
from .sources import SourceKind, SourceRef

Status = Task.Status
TEXT_LIMIT = 5000
TITLE_LIMIT = 200
SYSTEM = "电子监察"
#: The fields a stage change touches (the task's deadline on the shared engine).
STAGE_FIELDS = (
    "due_at",
    "warn_at",
    "deadline_open",
    "warned_at",
    "overdue_at",
    "deadline_provisional",
    "stage_started_at",
    "stage_days",
    "stage_warn_days",
    "stage_until",
)


# ---- what the finders send -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemIn:
    """One problem as found: a short title and, if any, the details (verbatim opinions…)."""

    title: str
    detail: str = ""


@dataclass(frozen=True)
class OpenTask:
    """A finder's request to open a task (立项).

    ``flow`` VERIFY is the 差评's light flow: ``limit_days`` working days to verify (and
    ``warn_days`` before them a warning). PLAN needs ``complete_by`` (整改时限, a date); the plan
    is due ``limit_days`` working days after opening (default ``Rules.plan_days``).
    """

    source: SourceRef
    unit: Unit
    title: str
    problems: tuple[ProblemIn, ...] = ()
    description: str = ""
    level: str = Task.Level.NORMAL
    flow: str = Task.Flow.PLAN
    complete_by: date | None = None
    limit_days: int | None = None
    warn_days: int | None = None
    window: Unit | None = None
    leader: User | None = None
    needs_visit: bool = False
    progress_every_days: int | None = None
    progress_dates: tuple[date, ...] = ()
    opened_at: datetime | None = None


@dataclass(frozen=True)
class MeasureIn:
    """One line of a plan as the unit fills it in (ids of the task's problem, of a section of
    the unit and of two of its staff)."""

    problem_id: int
    cause_kind: str
    cause: str
    action: str
    responsible_unit_id: int | None
    leader_id: int | None
    person_id: int | None
    due_date: date | None
    standard: str


@dataclass(frozen=True)
class PlanIn:
    measures: tuple[MeasureIn, ...]
    summary: str = ""


# ---- the workflow tables -------------------------------------------------------------------------

#: Decisions the office takes on a unit's work: never on its own unit's task.
DECISIONS = frozenset({"approve_plan", "return_plan", "accept", "accept_for_visit", "refuse"})


def _may_act(actor: Actor, task: Any, action: str) -> str | None:
    if not is_person(actor):
        return None
    user = actor
    if action in DECISIONS:
        if user.unit is not None and user.unit.path.startswith(task.unit.path):
            return "责任单位不能审核或验收本单位的整改"
        return None
    if actor_role(user) == Role.LIAISON and not (
        Task.objects.editable_by(user).filter(pk=task.pk).exists()
    ):
        return "只能办理本单位的整改任务"
    return None


TASK = Transitions(
    noun="整改任务",
    actions={
        "verify": Transition("填报核实整改", {Status.VERIFYING}, Status.VISIT, UNIT_ROLES),
        "require_plan": Transition(
            "要求制定整改方案", {Status.VISIT}, Status.PLANNING, OFFICE_ROLES
        ),
        "submit_plan": Transition(
            "报送整改方案", {Status.PLANNING}, Status.PLAN_REVIEW, UNIT_ROLES
        ),
        "approve_plan": Transition(
            "审核通过整改方案", {Status.PLAN_REVIEW}, Status.IN_PROGRESS, OFFICE_ROLES
        ),
        "return_plan": Transition(
            "退回整改方案", {Status.PLAN_REVIEW}, Status.PLANNING, OFFICE_ROLES
        ),
        # Progress may come from a department system too (the API): roles None.
        "report_progress": Transition("报告整改进展", {Status.IN_PROGRESS}, None),
        "report_measure": Transition("报告措施完成情况", {Status.IN_PROGRESS}, None, UNIT_ROLES),
        "report_completion": Transition(
            "报送整改情况报告", {Status.IN_PROGRESS}, Status.ACCEPTANCE, UNIT_ROLES
        ),
        "accept": Transition("验收", {Status.ACCEPTANCE}, Status.CLOSED, OFFICE_ROLES),
        "accept_for_visit": Transition("验收", {Status.ACCEPTANCE}, Status.VISIT, OFFICE_ROLES),
        "refuse": Transition("验收", {Status.ACCEPTANCE}, Status.IN_PROGRESS, OFFICE_ROLES),
        "visit": Transition("登记回访", {Status.VISIT}, Status.CLOSED, OFFICE_ROLES),
        "request_extension": Transition(
            "申请延期", {Status.PLANNING, Status.IN_PROGRESS}, None, UNIT_ROLES
        ),
    },
    may_act=_may_act,
)

PLAN = Transitions(
    noun="整改方案",
    actions={
        "submit": Transition("报送审核", {Plan.Status.DRAFT}, Plan.Status.SUBMITTED, UNIT_ROLES),
        "approve": Transition(
            "审核通过", {Plan.Status.SUBMITTED}, Plan.Status.APPROVED, OFFICE_ROLES
        ),
        "return": Transition(
            "退回修改", {Plan.Status.SUBMITTED}, Plan.Status.RETURNED, OFFICE_ROLES
        ),
    },
)

EXTENSION = Transitions(
    noun="延期申请",
    actions={
        "approve": Transition(
            "批准延期", {Extension.Status.PENDING}, Extension.Status.APPROVED, OFFICE_ROLES
        ),
        "refuse": Transition(
            "不批准延期", {Extension.Status.PENDING}, Extension.Status.REFUSED, OFFICE_ROLES
        ),
    },
)


# ---- small helpers -------------------------------------------------------------------------------


def _user(actor: Actor | None) -> User | None:
    return actor if is_person(actor) else None


def actor_name(actor: Actor | None) -> str:
    if isinstance(actor, str):
        return actor
    if actor is None or not actor.is_authenticated:
        return SYSTEM
    return str(actor)


def _text(value: str | None, field: str, label: str, limit: int = TEXT_LIMIT) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}不能超过{limit}字（现为{len(value)}字）"})
    return value


def _optional_text(value: str | None, field: str, label: str) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_LIMIT:
        raise ValidationError({field: f"{label}不能超过{TEXT_LIMIT}字"})
    return value


def _event(
    task: Task, kind: str, actor: Actor | None, note: str = "", *, at: datetime | None = None
) -> TaskEvent:
    return TaskEvent.objects.create(
        task=task,
        kind=kind,
        at=at or timezone.now(),
        actor=_user(actor),
        actor_name=actor_name(actor)[:150],
        note=note,
    )


def link(task: Task) -> str:
    return f"/office/rectification/{task.pk}/"


def office_users() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))


def _notify_unit(task: Task, title: str, body: str = "", kind: str = "info") -> None:
    recipients = notifications.responsible_recipients(task.unit)
    if task.leader is not None:
        recipients.append(task.leader)
    notifications.notify(recipients, kind=kind, title=title, body=body, link=link(task))


def _notify_office(task: Task, title: str, body: str = "") -> None:
    notifications.notify(office_users(), kind="info", title=title, body=body, link=link(task))


def _day(moment: datetime | None) -> str:
    return f"{local_date(moment):%Y-%m-%d}" if moment else "—"


# ---- stage deadlines -----------------------------------------------------------------------------


def enter_stage(task: Task, status: str, now: datetime, *, warn_days: int | None = None) -> None:
    """Start the clock of the stage the task enters at ``now`` (its ``due_at``/``warn_at``);
    the steps below call it, and the demo when it writes a year of history."""
    rules = Rules.current()
    task.stage_started_at, task.stage_until = now, None
    task.stage_days = task.stage_warn_days = None
    if status == Status.VERIFYING:
        task.stage_days = task.limit_days
        task.stage_warn_days = rules.warn_days if warn_days is None else warn_days
    elif status == Status.PLANNING:
        task.stage_days, task.stage_warn_days = task.limit_days, rules.warn_days
    elif status == Status.PLAN_REVIEW:
        task.stage_days, task.stage_warn_days = rules.review_days, rules.office_warn_days
    elif status == Status.ACCEPTANCE:
        task.stage_days, task.stage_warn_days = rules.accept_days, rules.office_warn_days
    elif status == Status.IN_PROGRESS and task.complete_by is not None:
        task.stage_until, task.stage_warn_days = local_date(task.complete_by), rules.warn_days
    else:  # 待回访, 已办结: not watched
        task.deadline_open = False
        return
    _compute_stage(task)
    task.deadline_open = True
    task.warned_at = task.overdue_at = None


def _compute_stage(task: Task) -> None:
    if task.stage_until is not None:
        d = deadlines.by_date(
            task.stage_until, task.stage_warn_days or 0, not_before=task.stage_started_at
        )
    else:
        assert task.stage_started_at is not None and task.stage_days is not None
        d = deadlines.after_workdays(
            task.stage_started_at, task.stage_days, task.stage_warn_days or 0
        )
    task.due_at, task.warn_at, task.deadline_provisional = d.due_at, d.warn_at, d.provisional


def recompute_provisional(now: datetime | None = None) -> int:
    """After a calendar import: recompute open deadlines that were provisional (tasks, progress
    reports). A deadline that moved into the future is watched afresh."""
    now = now or timezone.now()
    changed = []
    for task in Task.objects.filter(
        deadline_open=True, deadline_provisional=True, stage_started_at__isnull=False
    ):
        _compute_stage(task)
        if task.due_at and task.due_at > now:
            task.overdue_at = None
        if task.warn_at and task.warn_at > now:
            task.warned_at = None
        changed.append(task)
    fields = ["due_at", "warn_at", "deadline_provisional", "overdue_at", "warned_at"]
    Task.objects.bulk_update(changed, fields, batch_size=500)
    warn = Rules.current().report_warn_days
    reports = []
    for report in ProgressReport.objects.filter(
        deadline_open=True, deadline_provisional=True, due_on__isnull=False
    ):
        assert report.due_on is not None  # the filter's
        d = deadlines.by_date(report.due_on, warn)
        report.warn_at, report.deadline_provisional = d.warn_at, d.provisional
        if report.warn_at > now:
            report.warned_at = None
        reports.append(report)
    ProgressReport.objects.bulk_update(
        reports, ["warn_at", "deadline_provisional", "warned_at"], batch_size=500
    )
    return len(changed) + len(reports)


# ---- overdue: cards, late answers ----------------------------------------------------------------


def card_intent(task: Task, stage: str | None = None) -> supervision.CardIntent | None:
    """The yellow card a unit stage (the task's current one unless ``stage`` names another)
    earns when its deadline passes, or None (office stages)."""
    stage = stage or task.status

    def yellow(cause: str, key: str, summary: str) -> supervision.CardIntent:
        return supervision.CardIntent(
            color=Card.Color.YELLOW,
            cause=cause,
            cause_key=key,
            unit=task.unit,
            summary=summary,
            subject=task,
            window_id=task.window_id,
            at=task.due_at,
        )

    if stage == Status.VERIFYING:
        # The key of the 差评's card before the move onto tasks: a migrated obligation that
        # already has its card does not get a second one.
        key = (
            f"{task.source_kind}:{task.source_id}:rectify-overdue"
            if task.source_id is not None
            else f"rectify:{task.pk}:verify-overdue"
        )
        cause = (
            Card.Cause.RATING_RECTIFY_OVERDUE
            if task.source_kind == SourceKind.RATING
            else Card.Cause.RECTIFY_OVERDUE
        )
        return yellow(cause, key, f"{task.source_label}未在{task.limit_days}个工作日内核实整改")
    if stage == Status.PLANNING:
        return yellow(
            Card.Cause.RECTIFY_PLAN_OVERDUE,
            f"rectify:{task.pk}:plan-overdue",
            f"整改任务{task.number}（{task.title}）未在期限内报送整改方案",
        )
    if stage == Status.IN_PROGRESS:
        return yellow(
            Card.Cause.RECTIFY_OVERDUE,
            f"rectify:{task.pk}:overdue",
            f"整改任务{task.number}（{task.title}）未在整改时限内完成整改",
        )
    return None


def overdue_cards(tasks: Iterable[Task], now: datetime, stage: str | None = None) -> list[Card]:
    """The overdue cards of these tasks' current unit stages, or of ``stage`` (a history
    written afterwards, e.g. the demo's); each raised once."""
    intents = [i for t in tasks if (i := card_intent(t, stage)) is not None]
    return supervision.raise_cards(intents, at=now)


def _settle_late(task: Task, now: datetime) -> None:
    """A unit stage answered after its deadline before the sweeper noticed: the card is owed
    all the same (once)."""
    if task.status in UNIT_STAGES and task.due_at is not None and now > task.due_at:
        overdue_cards([task], now)


# ---- opening -------------------------------------------------------------------------------------


def task_for(kind: str, source_id: int) -> Task | None:
    """The task of a source record, if one was opened (a finder's page shows its state)."""
    return Task.objects.filter(source_kind=kind, source_id=source_id).first()


def tasks_for(kind: str, source_ids: Iterable[int]) -> dict[int, Task]:
    ids = list(source_ids)
    return {t.source_id: t for t in Task.objects.filter(source_kind=kind, source_id__in=ids)}


def _check_open(actor: Actor, request: OpenTask) -> None:
    if is_person(actor):
        role = actor_role(actor)
        if role not in OFFICE_ROLES and not (
            role == Role.LEADER and request.source.kind == SourceKind.MANUAL
        ):
            raise ValidationError("只有效能办（督查督办事项还有领导）可以立整改任务")
    if request.source.kind not in SourceKind.values:
        raise ValidationError({"source": "未知的整改任务来源"})
    if request.unit is None or not request.unit.is_active:
        raise ValidationError({"unit": "请选择责任单位"})
    if request.level not in Task.Level.values:
        raise ValidationError({"level": "请选择督办级别"})
    if request.flow not in Task.Flow.values:
        raise ValidationError({"flow": "未知的办理方式"})
    if request.leader is not None and request.leader.role != Role.LEADER:
        raise ValidationError({"leader": "督办领导应为领导角色的用户"})
    if request.progress_every_days is not None and not 1 <= request.progress_every_days <= 366:
        raise ValidationError({"progress_every_days": "进展报告周期应为1～366天"})


@dataclass(frozen=True)
class Built:
    """A checked, unsaved task with its first deadline and its problems."""

    task: Task
    problems: tuple[Problem, ...]
    note: str  # the history's first line


def build_task(actor: Actor, request: OpenTask, rules: Rules | None = None) -> Built:
    """Check a request and make its task, unsaved: :func:`open_task` saves it and tells the
    unit; the demo saves a year of them at once (``demo/rectification_data.py``)."""
    _check_open(actor, request)
    opened_at = request.opened_at or timezone.now()
    title = _text(request.title, "title", "问题", TITLE_LIMIT)
    asked = [p for p in request.problems if (p.title or "").strip()] or [ProblemIn(title)]
    rules = rules or Rules.current()
    flow = request.flow
    if flow == Task.Flow.PLAN:
        if request.complete_by is None:
            raise ValidationError({"complete_by": "请填写整改时限"})
        if request.complete_by <= local_date(opened_at):
            raise ValidationError({"complete_by": "整改时限应晚于立项日期"})
    source = request.source
    if (
        source.id is not None
        and Task.objects.filter(source_kind=source.kind, source_id=source.id).exists()
    ):
        raise ValidationError(f"{source.label}已立整改任务，不能重复立项")
    task = Task(
        source_kind=source.kind,
        source_id=source.id,
        source_label=source.label[:200],
        source_link=source.link[:300],
        source_public=source.public,
        public=source.public,
        unit=request.unit,
        window=request.window,
        title=title,
        description=_optional_text(request.description, "description", "问题描述"),
        level=request.level,
        flow=flow,
        status=Status.VERIFYING if flow == Task.Flow.VERIFY else Status.PLANNING,
        opened_at=opened_at,
        opened_by=_user(actor),
        opened_by_name=actor_name(actor)[:150],
        leader=request.leader,
        limit_days=request.limit_days or rules.plan_days,
        needs_visit=request.needs_visit or flow == Task.Flow.VERIFY,
        progress_every_days=request.progress_every_days,
        progress_dates=sorted(d.isoformat() for d in request.progress_dates),
    )
    enter_stage(task, task.status, opened_at, warn_days=request.warn_days)
    if flow == Task.Flow.VERIFY:
        task.complete_by = task.due_at  # the verification is the rectification
    else:
        task.complete_by = end_of(request.complete_by)  # type: ignore[arg-type]
    problems = tuple(
        Problem(task=task, order=n, title=p.title.strip()[:200], detail=(p.detail or "").strip())
        for n, p in enumerate(asked, start=1)
    )
    return Built(task, problems, f"{source.label}。{_stage_note(task)}")


@transaction.atomic
def open_task(actor: Actor, request: OpenTask) -> Task:
    """立项: the task with its problems and its first deadline; the unit's liaison hears."""
    built = build_task(actor, request)
    task, source = built.task, request.source
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:
        raise ValidationError(f"{source.label}已立整改任务，不能重复立项") from None
    Problem.objects.bulk_create(built.problems)
    audit.record(
        actor,
        audit.Action.CREATE,
        task,
        after=audit.snapshot(task),
        summary=f"立整改任务（{chinese_display(task, 'source_kind')}，"
        f"{chinese_display(task, 'level')}）",
    )
    _event(task, TaskEvent.Kind.OPEN, actor, built.note, at=task.opened_at)
    if task.flow == Task.Flow.VERIFY:
        heading, what = f"请核实整改：{task.title}", "核实整改"
    else:
        heading, what = (
            f"新的整改任务（{chinese_display(task, 'level')}）：{task.title}",
            "报送整改方案",
        )
    _notify_unit(
        task,
        heading[:200],
        f"任务编号{task.number}，来源：{source.label}。请于{_day(task.due_at)}前{what}。",
    )
    return task


def _stage_note(task: Task) -> str:
    if task.status == Status.VERIFYING:
        return f"请于{_day(task.due_at)}前核实整改"
    if task.status == Status.PLANNING:
        return f"整改方案于{_day(task.due_at)}前报送，整改时限{_day(task.complete_by)}"
    return ""


# ---- 核实整改 (a 差评) ---------------------------------------------------------------------------


@transaction.atomic
def verify(actor: Actor, task: Task, *, finding: str, verification: str, measures: str) -> Task:
    """核实整改: the responsible unit records what it found and, when 属实, what it did."""
    step = TASK.begin(actor, task, "verify")
    t = step.record
    if finding not in Task.Finding.values:
        raise ValidationError({"finding": "请选择核实结果"})
    verification = _text(verification, "verification", "核实情况")
    measures = (measures or "").strip()
    if finding == Task.Finding.TRUE and not measures:
        raise ValidationError({"measures": "差评属实的，请填写整改措施"})
    now = timezone.now()
    _settle_late(t, now)
    t.finding, t.verification, t.measures = finding, verification, measures
    t.verified_at, t.verified_by, t.completed_at = now, _user(actor), now
    enter_stage(t, Status.VISIT, now)
    _event(t, TaskEvent.Kind.VERIFY, actor, f"{chinese_display(t, 'finding')}。{verification}")
    return step.finish(
        summary="核实整改",
        fields=[
            "finding",
            "verification",
            "measures",
            "verified_at",
            "verified_by",
            "completed_at",
            *STAGE_FIELDS,
        ],
        after={"status": Status.VISIT, "finding": finding},
    )


@transaction.atomic
def require_plan(actor: Actor, task: Task, *, complete_by: date, reason: str) -> Task:
    """转整改方案: a 属实 差评 whose problem needs more than the measures already taken."""
    step = TASK.begin(actor, task, "require_plan")
    t = step.record
    if t.flow != Task.Flow.VERIFY or t.finding != Task.Finding.TRUE:
        raise ValidationError("只有核实属实的差评可以转为制定整改方案")
    reason = _text(reason, "reason", "理由")
    now = timezone.now()
    if complete_by is None or complete_by <= local_date(now):
        raise ValidationError({"complete_by": "整改时限应晚于今天"})
    t.flow = Task.Flow.PLAN
    t.complete_by = end_of(complete_by)
    t.completed_at = None
    t.limit_days = Rules.current().plan_days
    enter_stage(t, Status.PLANNING, now)
    _event(t, TaskEvent.Kind.REQUIRE_PLAN, actor, reason)
    _notify_unit(
        t,
        f"请制定整改方案：{t.title}"[:200],
        f"任务编号{t.number}。{reason} 请于{_day(t.due_at)}前报送整改方案，"
        f"整改时限{_day(t.complete_by)}。",
    )
    return step.finish(
        summary="要求制定整改方案",
        fields=["flow", "complete_by", "completed_at", "limit_days", *STAGE_FIELDS],
        after={"status": Status.PLANNING, "complete_by": complete_by.isoformat()},
    )


# ---- the plan ------------------------------------------------------------------------------------


def current_plan(task: Task) -> Plan | None:
    return task.plans.order_by("-version").first()


def approved_plan(task: Task) -> Plan | None:
    return task.plans.filter(status=Plan.Status.APPROVED).order_by("-version").first()


def _working_plan(task: Task, actor: Actor, now: datetime) -> Plan:
    """The draft the unit edits: the current one, or a new version (a copy of the plan sent
    back, so that the unit changes only what the office asked for)."""
    latest = current_plan(task)
    if latest is not None and latest.status == Plan.Status.DRAFT:
        return latest
    plan = Plan.objects.create(
        task=task,
        version=(latest.version + 1) if latest else 1,
        status=Plan.Status.DRAFT,
        summary=latest.summary if latest else "",
        created_at=now,
    )
    if latest is not None:
        for m in latest.measures.all():
            m.pk, m.plan = None, plan
            m.done_note, m.done_at, m.done_by = "", None, None
            m.save()
    return plan


def _check_measures(task: Task, plan_in: PlanIn, *, complete: bool) -> list[Measure]:
    """The measures as rows (unsaved); with ``complete``, everything a plan must have."""
    problems = {p.pk: p for p in task.problems.all()}
    sections = {u.pk: u for u in Unit.objects.filter(path__startswith=task.unit.path)}
    staff_ids = {i for m in plan_in.measures for i in (m.leader_id, m.person_id) if i is not None}
    staff = {
        s.pk: s
        for s in Staff.objects.filter(pk__in=staff_ids, unit__path__startswith=task.unit.path)
    }
    limit = local_date(task.complete_by) if task.complete_by else None
    errors: list[str] = []
    rows: list[Measure] = []
    if complete and not plan_in.measures:
        errors.append("整改方案至少要有一条整改措施")
    for n, m in enumerate(plan_in.measures, start=1):
        where = f"第{n}条措施"
        problem = problems.get(m.problem_id)
        if problem is None:
            errors.append(f"{where}：请选择针对的问题")
        if complete and m.cause_kind not in Measure.CauseKind.values:
            errors.append(f"{where}：请选择问题性质（思想观念、制度措施、干部素质或体制机制）")
        texts = {"cause": "原因分析", "action": "整改措施", "standard": "验收标准"}
        for attr, label in texts.items():
            value = (getattr(m, attr) or "").strip()
            if complete and not value:
                errors.append(f"{where}：请填写{label}")
            if len(value) > TEXT_LIMIT:
                errors.append(f"{where}：{label}不能超过{TEXT_LIMIT}字")
        picked = []
        for wanted, table, label, wrong in (
            (m.responsible_unit_id, sections, "责任部门", "应为责任单位或其内设机构"),
            (m.leader_id, staff, "责任领导", "应为责任单位的工作人员"),
            (m.person_id, staff, "责任人", "应为责任单位的工作人员"),
        ):
            value = table.get(wanted) if wanted else None
            if wanted and value is None:
                errors.append(f"{where}：{label}{wrong}")
            elif value is None and complete:
                errors.append(f"{where}：请选择{label}")
            picked.append(value)
        section, leader, person = picked
        if m.due_date is None:
            # A draft stores each line that names its problem, and a stored measure has a date.
            if complete or problem is not None:
                errors.append(f"{where}：请填写完成时限")
        elif limit is not None and m.due_date > limit:
            errors.append(
                f"{where}：完成时限（{m.due_date:%Y-%m-%d}）晚于整改任务的整改时限"
                f"（{limit:%Y-%m-%d}），请调整，或先申请延期"
            )
        elif m.due_date < local_date(task.opened_at):
            errors.append(f"{where}：完成时限早于立项日期")
        if (problem is None and not complete) or m.due_date is None:
            continue  # left out of a draft, or refused above
        rows.append(
            Measure(
                problem=problem,
                order=n,
                cause_kind=m.cause_kind if m.cause_kind in Measure.CauseKind.values else "",
                cause=(m.cause or "").strip(),
                action=(m.action or "").strip(),
                responsible_unit=section,
                leader=leader,
                person=person,
                due_date=m.due_date,
                standard=(m.standard or "").strip(),
            )
        )
    if complete:
        covered = {m.problem_id for m in plan_in.measures}
        for problem in problems.values():
            if problem.pk not in covered:
                errors.append(f"问题“{problem.title[:30]}”还没有整改措施")
    if errors:
        raise ValidationError({"measures": errors})
    return rows


def _store_plan(plan: Plan, rows: list[Measure], summary: str) -> None:
    plan.summary = _optional_text(summary, "summary", "总体安排")
    plan.save(update_fields=["summary"])
    plan.measures.all().delete()
    for row in rows:
        row.plan = plan
    Measure.objects.bulk_create(rows)


@transaction.atomic
def save_plan(actor: Actor, task: Task, plan_in: PlanIn) -> Plan:
    """保存草稿: the unit keeps what it has typed; nothing is checked for completeness yet,
    but what is there must be right (a date past the 整改时限 is refused at once)."""
    step = TASK.begin(actor, task, "submit_plan")  # same who and when as submitting
    t = step.record
    rows = _draft_rows(t, plan_in)
    plan = _working_plan(t, actor, timezone.now())
    _store_plan(plan, rows, plan_in.summary)
    audit.record(actor, audit.Action.EVENT, plan, summary="保存整改方案草稿")
    return plan


def _draft_rows(task: Task, plan_in: PlanIn) -> list[Measure]:
    """A draft keeps only the lines that name their problem; each is checked like a plan's."""
    return [m for m in _check_measures(task, plan_in, complete=False) if m.problem is not None]


@transaction.atomic
def submit_plan(actor: Actor, task: Task, plan_in: PlanIn | None = None) -> Task:
    """报送整改方案 for review; ``plan_in`` replaces the draft's content first."""
    step = TASK.begin(actor, task, "submit_plan")
    t = step.record
    now = timezone.now()
    plan = _working_plan(t, actor, now)
    if plan_in is None:
        plan_in = PlanIn(
            measures=tuple(_measure_in(m) for m in plan.measures.all()), summary=plan.summary
        )
    rows = _check_measures(t, plan_in, complete=True)
    _store_plan(plan, rows, plan_in.summary)
    plan_step = PLAN.begin(actor, plan, "submit")
    plan_step.record.submitted_at, plan_step.record.submitted_by = now, _user(actor)
    plan_step.finish(
        summary=f"报送整改方案第{plan.version}版", fields=["submitted_at", "submitted_by"]
    )
    _settle_late(t, now)
    enter_stage(t, Status.PLAN_REVIEW, now)
    _event(t, TaskEvent.Kind.SUBMIT_PLAN, actor, f"第{plan.version}版，整改措施{len(rows)}条")
    _notify_office(t, f"整改方案待审核：{t.title}"[:200], f"任务编号{t.number}，{t.unit}。")
    return step.finish(summary=f"报送整改方案第{plan.version}版", fields=list(STAGE_FIELDS))


def _measure_in(m: Measure) -> MeasureIn:
    return MeasureIn(
        problem_id=m.problem_id,
        cause_kind=m.cause_kind,
        cause=m.cause,
        action=m.action,
        responsible_unit_id=m.responsible_unit_id,
        leader_id=m.leader_id,
        person_id=m.person_id,
        due_date=m.due_date,
        standard=m.standard,
    )


def plan_input(plan: Plan | None) -> PlanIn:
    """A plan's content as input again (the form starts from the draft or the plan sent back)."""
    if plan is None:
        return PlanIn(measures=())
    return PlanIn(tuple(_measure_in(m) for m in plan.measures.all()), plan.summary)


def _submitted_plan(task: Task) -> Plan:
    plan = task.plans.filter(status=Plan.Status.SUBMITTED).order_by("-version").first()
    if plan is None:
        raise ValidationError("没有待审核的整改方案")
    return plan


@transaction.atomic
def approve_plan(actor: Actor, task: Task, note: str = "") -> Task:
    """审核通过: the rectification starts; its progress reports are scheduled."""
    step = TASK.begin(actor, task, "approve_plan")
    t = step.record
    now = timezone.now()
    plan_step = PLAN.begin(actor, _submitted_plan(t), "approve")
    plan = plan_step.record
    plan.decided_at, plan.decided_by = now, _user(actor)
    plan.decision_note = _optional_text(note, "note", "审核意见")
    plan_step.finish(
        summary=f"整改方案第{plan.version}版审核通过",
        fields=["decided_at", "decided_by", "decision_note"],
    )
    enter_stage(t, Status.IN_PROGRESS, now)
    scheduled = schedule_progress(t, local_date(now))
    _event(
        t,
        TaskEvent.Kind.APPROVE_PLAN,
        actor,
        "；".join(x for x in (plan.decision_note, _schedule_note(scheduled)) if x),
    )
    _notify_unit(
        t,
        f"整改方案已审核通过：{t.title}"[:200],
        f"任务编号{t.number}。请按方案整改，于{_day(t.complete_by)}前完成并报送整改情况报告。"
        + (_schedule_note(scheduled) and f"{_schedule_note(scheduled)}。"),
    )
    return step.finish(summary="整改方案审核通过", fields=list(STAGE_FIELDS))


def _schedule_note(dates: Sequence[date]) -> str:
    if not dates:
        return ""
    shown = "、".join(f"{d:%m-%d}" for d in dates[:6]) + ("等" if len(dates) > 6 else "")
    return f"须于{shown}报告整改进展"


@transaction.atomic
def return_plan(actor: Actor, task: Task, reason: str) -> Task:
    """退回修改: the unit gets ``Rules.resubmit_days`` working days for the next version."""
    step = TASK.begin(actor, task, "return_plan")
    t = step.record
    reason = _text(reason, "reason", "退回理由")
    now = timezone.now()
    plan_step = PLAN.begin(actor, _submitted_plan(t), "return")
    plan = plan_step.record
    plan.decided_at, plan.decided_by, plan.decision_note = now, _user(actor), reason
    plan_step.finish(
        summary=f"整改方案第{plan.version}版退回修改",
        fields=["decided_at", "decided_by", "decision_note"],
    )
    rules = Rules.current()
    t.stage_started_at, t.stage_until = now, None
    t.stage_days, t.stage_warn_days = rules.resubmit_days, min(rules.warn_days, rules.resubmit_days)
    _compute_stage(t)
    t.deadline_open, t.warned_at, t.overdue_at = True, None, None
    _event(t, TaskEvent.Kind.RETURN_PLAN, actor, reason)
    _notify_unit(
        t,
        f"整改方案被退回：{t.title}"[:200],
        f"任务编号{t.number}。退回理由：{reason} 请于{_day(t.due_at)}前修改后重新报送。",
    )
    return step.finish(summary="退回整改方案", fields=list(STAGE_FIELDS))


# ---- progress, evidence, completion --------------------------------------------------------------


def schedule_progress(task: Task, start: date) -> list[date]:
    """Create the scheduled progress reports after ``start`` and before the 整改时限 that the
    task does not have yet: every N days, or on the fixed dates. Returns the new dates."""
    if task.complete_by is None:
        return []
    end = local_date(task.complete_by)
    if task.progress_every_days:
        wanted, day = [], start + timedelta(days=task.progress_every_days)
        while day < end:
            wanted.append(day)
            day += timedelta(days=task.progress_every_days)
    else:
        wanted = [
            d for d in (date.fromisoformat(x) for x in task.progress_dates) if start < d < end
        ]
    have = set(task.progress.filter(due_on__isnull=False).values_list("due_on", flat=True))
    fresh = [d for d in wanted if d not in have]
    warn = Rules.current().report_warn_days
    now = timezone.now()
    rows = []
    for day in fresh:
        d = deadlines.by_date(day, warn, not_before=now)
        rows.append(
            ProgressReport(
                task=task,
                due_on=day,
                due_at=d.due_at,
                warn_at=d.warn_at,
                deadline_provisional=d.provisional,
            )
        )
    ProgressReport.objects.bulk_create(rows)
    return fresh


def _waive_progress(task: Task, today: date) -> None:
    """Reports not yet due are no longer needed (免报); a missed one stays missed, unwatched."""
    pending = task.progress.filter(status=ProgressReport.Status.SCHEDULED)
    pending.filter(due_on__gte=today).update(
        status=ProgressReport.Status.WAIVED, deadline_open=False
    )
    pending.update(deadline_open=False)


def store_evidence(
    task: Task,
    checked: Sequence[uploads.CheckedFile],
    actor: Actor | None,
    *,
    progress: ProgressReport | None = None,
    measure: Measure | None = None,
) -> list[Evidence]:
    """Keep checked files under random names; each is called 佐证材料N.ext (numbered per task)."""
    start = task.evidence.count()
    now = timezone.now()
    stored = []
    for n, item in enumerate(checked, start=start + 1):
        upload = item.upload
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        upload.name = f"{secrets.token_hex(16)}.{item.extension}"
        assert upload.size is not None  # a received upload knows its size
        stored.append(
            Evidence.objects.create(
                task=task,
                progress=progress,
                measure=measure,
                file=upload,
                label=f"佐证材料{n}.{item.extension}",
                content_type=item.content_type,
                size=upload.size,
                sha256=digest.hexdigest(),
                uploaded_at=now,
                uploaded_by=_user(actor),
            )
        )
    return stored


def check_evidence(files: Sequence[UploadedFile]) -> list[uploads.CheckedFile]:
    return uploads.check_uploads(list(files), field="files", what="佐证材料")


@dataclass(frozen=True)
class ExternalReport:
    """A department system's own id for a progress report (幂等): resending it files nothing."""

    source: str
    report_id: str


@dataclass(frozen=True)
class Filed:
    report: ProgressReport
    created: bool


@transaction.atomic
def report_progress(
    actor: Actor,
    task: Task,
    *,
    text: str,
    files: Sequence[UploadedFile] = (),
    external: ExternalReport | None = None,
) -> Filed:
    """报告整改进展: fills the earliest report the schedule still asks for, or adds one."""
    if external is not None:
        existing = ProgressReport.objects.filter(
            external_source=external.source, external_id=external.report_id
        ).first()
        if existing is not None:
            return Filed(existing, False)
    step = TASK.begin(actor, task, "report_progress")
    t = step.record
    text = _text(text, "text", "进展情况")
    checked = check_evidence(files)
    now = timezone.now()
    report = (
        t.progress.select_for_update()
        .filter(status=ProgressReport.Status.SCHEDULED)
        .order_by("due_on", "pk")
        .first()
    ) or ProgressReport(task=t, deadline_open=False)
    report.status = ProgressReport.Status.FILED
    report.text, report.filed_at, report.filed_by = text, now, _user(actor)
    report.filed_by_name = actor_name(actor)[:150]
    report.deadline_open = False
    if external is not None:
        report.external_source, report.external_id = external.source, external.report_id[:100]
    report.save()
    store_evidence(t, checked, actor, progress=report)
    due = f"（应报日期{report.due_on:%Y-%m-%d}）" if report.due_on else ""
    _event(t, TaskEvent.Kind.PROGRESS, actor, f"{text}{due}")
    step.finish(summary="报告整改进展", after={"progress": report.pk})
    return Filed(report, True)


@transaction.atomic
def report_measure(
    actor: Actor, task: Task, measure: Measure, *, note: str, files: Sequence[UploadedFile] = ()
) -> Measure:
    """报告措施完成情况: one measure of the approved plan is done (may be revised until the
    rectification is reported complete)."""
    step = TASK.begin(actor, task, "report_measure")
    t = step.record
    plan = approved_plan(t)
    if plan is None or measure.plan_id != plan.pk:
        raise ValidationError("该措施不属于已通过的整改方案")
    note = _text(note, "note", "完成情况")
    checked = check_evidence(files)
    now = timezone.now()
    m = Measure.objects.select_for_update().get(pk=measure.pk)
    m.done_note, m.done_at, m.done_by = note, now, _user(actor)
    m.save(update_fields=["done_note", "done_at", "done_by"])
    store_evidence(t, checked, actor, measure=m)
    _event(t, TaskEvent.Kind.MEASURE, actor, f"第{m.order}条措施：{note}")
    step.finish(summary=f"报告第{m.order}条措施完成情况", after={"measure": m.pk})
    return m


@transaction.atomic
def report_completion(
    actor: Actor, task: Task, *, summary: str, files: Sequence[UploadedFile] = ()
) -> Task:
    """报送整改情况报告: every measure done; the office's acceptance clock starts."""
    step = TASK.begin(actor, task, "report_completion")
    t = step.record
    summary = _text(summary, "summary", "整改情况")
    plan = approved_plan(t)
    if plan is None:
        raise ValidationError("整改方案尚未审核通过")
    missing = [f"第{m.order}条" for m in plan.measures.all() if m.done_at is None]
    if missing:
        raise ValidationError(
            {"summary": f"{'、'.join(missing)}措施尚未报告完成情况，请先逐条报告"}
        )
    checked = check_evidence(files)
    now = timezone.now()
    _settle_late(t, now)
    t.completion_summary, t.completion_reported_at = summary, now
    _waive_progress(t, local_date(now))
    enter_stage(t, Status.ACCEPTANCE, now)
    store_evidence(t, checked, actor)
    _event(t, TaskEvent.Kind.COMPLETE, actor, summary)
    _notify_office(t, f"整改情况报告待验收：{t.title}"[:200], f"任务编号{t.number}，{t.unit}。")
    return step.finish(
        summary="报送整改情况报告",
        fields=["completion_summary", "completion_reported_at", *STAGE_FIELDS],
    )


@transaction.atomic
def accept(actor: Actor, task: Task, *, note: str = "") -> Task:
    """验收通过: the rectification counts as done at the unit's report; a return visit follows
    where the source has a person to call back."""
    locked = Task.objects.get(pk=task.pk)
    action = "accept_for_visit" if locked.needs_visit else "accept"
    step = TASK.begin(actor, task, action)
    t = step.record
    now = timezone.now()
    t.acceptance_note = _optional_text(note, "note", "验收意见")
    t.accepted_at, t.accepted_by = now, _user(actor)
    t.completed_at = t.completion_reported_at or now
    target = Status.VISIT if t.needs_visit else Status.CLOSED
    enter_stage(t, target, now)
    fields = ["acceptance_note", "accepted_at", "accepted_by", "completed_at", *STAGE_FIELDS]
    if target == Status.CLOSED:
        t.closed_at = now
        fields.append("closed_at")
    _event(t, TaskEvent.Kind.ACCEPT, actor, t.acceptance_note)
    _notify_unit(t, f"整改已验收通过：{t.title}"[:200], f"任务编号{t.number}。")
    return step.finish(summary="验收通过", fields=fields, after={"status": target})


@transaction.atomic
def refuse(actor: Actor, task: Task, *, reason: str, new_date: date | None) -> Task:
    """验收不通过: back to the unit with the reason and a new 整改时限."""
    step = TASK.begin(actor, task, "refuse")
    t = step.record
    reason = _text(reason, "reason", "不通过的理由")
    now = timezone.now()
    if new_date is None or new_date <= local_date(now):
        raise ValidationError({"new_date": "请填写新的整改时限（应晚于今天）"})
    t.acceptance_note = reason
    t.complete_by = end_of(new_date)
    t.completion_reported_at = None
    enter_stage(t, Status.IN_PROGRESS, now)
    schedule_progress(t, local_date(now))
    _event(t, TaskEvent.Kind.REFUSE, actor, f"{reason}（新的整改时限{new_date:%Y-%m-%d}）")
    _notify_unit(
        t,
        f"整改验收未通过：{t.title}"[:200],
        f"任务编号{t.number}。理由：{reason} 请于{new_date:%Y-%m-%d}前完成整改并重新报告。",
        kind="warning",
    )
    return step.finish(
        summary="验收不通过",
        fields=["acceptance_note", "complete_by", "completion_reported_at", *STAGE_FIELDS],
        after={"status": Status.IN_PROGRESS, "complete_by": new_date.isoformat()},
    )


@transaction.atomic
def record_visit(actor: Actor, task: Task, *, satisfied: bool, note: str) -> Task:
    """回访: the office calls the complainant or rater back; this closes the task."""
    step = TASK.begin(actor, task, "visit")
    t = step.record
    note = _text(note, "note", "回访情况")
    now = timezone.now()
    t.visit_satisfied, t.visit_note = bool(satisfied), note
    t.visited_at, t.visited_by, t.closed_at = now, _user(actor), now
    _event(t, TaskEvent.Kind.VISIT, actor, f"{'满意' if satisfied else '不满意'}。{note}")
    return step.finish(
        summary="回访",
        fields=["visit_satisfied", "visit_note", "visited_at", "visited_by", "closed_at"],
        after={"status": Status.CLOSED, "visit_satisfied": bool(satisfied)},
    )


# ---- extensions ----------------------------------------------------------------------------------


@transaction.atomic
def request_extension(actor: Actor, task: Task, *, until: date | None, reason: str) -> Extension:
    """申请延期: before the deadline it would move (the plan's or the 整改时限)."""
    step = TASK.begin(actor, task, "request_extension")
    t = step.record
    reason = _text(reason, "reason", "延期理由")
    now = timezone.now()
    if t.due_at is None or now > t.due_at:
        raise ValidationError("已超过期限，不能再申请延期；请尽快办理，逾期情况已记录")
    if until is None or until <= local_date(t.due_at):
        raise ValidationError({"until": f"申请延至的日期应晚于现在的期限（{_day(t.due_at)}）"})
    if t.extensions.filter(status=Extension.Status.PENDING).exists():
        raise ValidationError("已有一份待审批的延期申请")
    ext = Extension.objects.create(
        task=t,
        stage=t.status,
        current_due=t.due_at,
        requested_until=until,
        reason=reason,
        requested_at=now,
        requested_by=_user(actor),
    )
    what = "整改方案报送期限" if t.status == Status.PLANNING else "整改时限"
    _event(t, TaskEvent.Kind.EXTENSION, actor, f"{what}申请延至{until:%Y-%m-%d}：{reason}")
    _notify_office(t, f"延期申请待审批：{t.title}"[:200], f"任务编号{t.number}，{t.unit}。")
    step.finish(summary=f"申请延期至{until:%Y-%m-%d}", after={"extension": ext.pk})
    return ext


@transaction.atomic
def decide_extension(
    actor: Actor, extension: Extension, *, approve: bool, reason: str
) -> Extension:
    """批准 moves the deadline and recomputes the warning; 不批准 needs a reason."""
    step = EXTENSION.begin(actor, extension, "approve" if approve else "refuse")
    ext = step.record
    task = Task.objects.select_for_update().get(pk=ext.task_id)
    refusal = _may_act(actor, task, "approve_plan")
    if refusal:
        raise PermissionDenied(refusal)
    reason = (reason or "").strip() if approve else _text(reason, "reason", "不批准的理由")
    now = timezone.now()
    if approve and task.status != ext.stage:
        raise ValidationError("该任务已进入下一环节，这份延期申请不再适用，请作不批准处理")
    ext.decided_at, ext.decided_by, ext.decision_reason = now, _user(actor), reason
    step.finish(
        summary="批准延期" if approve else "不批准延期",
        fields=["decided_at", "decided_by", "decision_reason"],
    )
    until = ext.requested_until
    if approve:
        before = audit.snapshot(task, ["due_at", "complete_by"])
        if task.status == Status.IN_PROGRESS:
            task.complete_by = end_of(until)
        task.stage_until = until
        task.stage_started_at = task.stage_started_at or now
        task.stage_warn_days = task.stage_warn_days or Rules.current().warn_days
        _compute_stage(task)
        task.deadline_open, task.warned_at, task.overdue_at = True, None, None
        task.save(update_fields=["complete_by", *STAGE_FIELDS])
        if task.status == Status.IN_PROGRESS:
            schedule_progress(task, local_date(now))
        audit.record(
            actor,
            audit.Action.UPDATE,
            task,
            before=before,
            after=audit.snapshot(task, ["due_at", "complete_by"]),
            summary=f"延期至{until:%Y-%m-%d}",
        )
    note = f"批准延期至{until:%Y-%m-%d}" if approve else f"不批准延期：{reason}"
    _event(
        task,
        TaskEvent.Kind.EXTENSION_DECIDED,
        actor,
        note + (f"。{reason}" if approve and reason else ""),
    )
    _notify_unit(task, f"延期申请{'已批准' if approve else '未批准'}：{task.title}"[:200], note)
    return ext


# ---- what a page may offer -----------------------------------------------------------------------


def available(actor: Actor, task: Task) -> set[str]:
    """The actions this user could take now (the services check again on every action)."""
    names = set(TASK.available(actor, task))
    if task.flow != Task.Flow.VERIFY or task.finding != Task.Finding.TRUE:
        names.discard("require_plan")
    names -= {"accept_for_visit"} if not task.needs_visit else {"accept"}
    names = {"accept" if n == "accept_for_visit" else n for n in names}
    if "request_extension" in names and (
        task.due_at is None
        or timezone.now() > task.due_at
        or task.extensions.filter(status=Extension.Status.PENDING).exists()
    ):
        names.discard("request_extension")
    pending = task.extensions.filter(status=Extension.Status.PENDING).first()
    if (
        pending is not None
        and EXTENSION.available(actor, pending)
        and not _may_act(actor, task, "approve_plan")
    ):
        names.add("decide_extension")
    return names
