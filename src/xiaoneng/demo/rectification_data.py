"""Demo rectification (整改、督查督办) over the year before the reference date.

- **效能投诉**: about half of the complaints whose 属实/部分属实 finding was approved get a
  整改任务, opened a day after the approval (the office decides; a named complainant is called
  back); made by the service's ``build_task`` and written at once.
- **千人评议**: the latest published campaign's 整改通知书 are issued three days after its
  results, one task per unit, through the evaluation app's own service.
- **督查督办**: a few problems the office or the leader assign by hand, most 挂牌督办.
- **专项活动**: seed 003's campaign with its four phases, dated so that the reference date falls in
  the 整改规范 phase (the seed's own 5/15, 5/30, 6/20, 7/25 when the reference date lies between
  May and late July), every department reporting; some late, some sent back.

The other tasks are opened through ``rectification.services.open_task`` dated in the past (the
千人评议's through the evaluation app's service); what happened
next is played forward in bulk, each step only once its moment has come, as in
``complaints_data``: plans (some sent back once), progress on a 30-day schedule (some late, a
few missed), extensions asked before the deadline, completion (some late), acceptance (some
refused with a new date), return visits. Cards of late stages are raised with the dates they
fell due; a sweep then warns, escalates and cards what is overdue now, as the worker would.
The 差评's 核实整改 tasks are written by ``ratings_data``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from time import perf_counter

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from xiaoneng.audit import services as audit
from xiaoneng.complaints.models import Complaint
from xiaoneng.evaluation.models import Campaign
from xiaoneng.notifications.models import Notification
from xiaoneng.org.models import Staff, Unit
from xiaoneng.rectification import deadlines, drives
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.deadlines import end_of, local_date
from xiaoneng.rectification.models import (
    Drive,
    DriveReport,
    Extension,
    Measure,
    Plan,
    Problem,
    ProgressReport,
    Rules,
    Task,
    TaskEvent,
)
from xiaoneng.rectification.sources import SourceKind, SourceRef
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.watches import sweep
from xiaoneng.workdays import SHANGHAI

SHARE_RECTIFIED = 0.5
PROGRESS_EVERY = 30
LIAISON, OFFICE = "单位联络员", "效能办"
MANUAL = (
    ("不动产登记窗口高峰时段排长队", "群众反映上午排队超过两小时，叫号系统经常故障。"),
    ("企业开办“一窗通办”落实不到位", "仍要求企业分别到三个窗口提交材料。"),
    ("12345热线工单回复质量不高", "回复内容答非所问、简单转办的比例偏高。"),
    ("行政审批中介服务超时", "技术审查环节超过承诺时限，影响项目开工。"),
    ("办事指南与实际要求不一致", "窗口要求提供指南以外的证明材料。"),
    ("夜间和周末“不打烊”服务未落实", "承诺的周六上午延时服务经常无人值守。"),
    ("基层站所工作纪律松弛", "明查暗访发现上班时间离岗、玩手机。"),
    ("网上办事系统频繁卡顿", "材料上传失败，群众被迫到现场办理。"),
    ("涉企检查多头重复", "同一企业一个月内被不同科室检查三次。"),
    ("政策兑现资金拨付迟缓", "奖补资金审核后三个月仍未拨付到位。"),
)
CAUSES = (
    ("thinking", "部分工作人员服务意识不强，对群众诉求不够重视"),
    ("system", "岗位职责和办理流程不够明确，缺少限时办结的配套制度"),
    ("quality", "新上岗人员业务不熟，培训不到位"),
    ("mechanism", "部门之间信息不共享，协调机制不健全"),
)
ACTIONS = (
    "修订岗位职责和办事流程，明确每个环节的时限和责任人",
    "开展业务培训和作风教育，组织典型案例警示学习",
    "实行高峰时段弹性窗口，增设帮办代办岗",
    "建立周调度、月通报制度，逾期事项由分管领导督办",
    "打通与相关部门的数据共享，减少群众重复提交材料",
)
STANDARDS = (
    "制度印发执行，抽查办件无超时",
    "培训覆盖全体窗口人员，群众满意度不低于95%",
    "高峰时段平均等候时间不超过20分钟",
    "连续三个月无同类投诉",
)


@dataclass(frozen=True)
class RectificationSummary:
    tasks: int
    by_source: dict[str, int]
    open: int
    overdue: int
    escalated: int
    refused: int
    extended: int
    drive: str
    drive_reports: int
    drive_late: int
    seconds: float


def _days(n: float) -> timedelta:
    return timedelta(days=n)


@dataclass
class _Player:
    """Plays each task's story forward from its opening, stopping at ``now``."""

    rng: random.Random
    now: datetime
    staff: dict[int, list[Staff]]
    sections: dict[int, list[Unit]]
    rules: Rules = field(default_factory=Rules.current)
    plans: list[Plan] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    progress: list[ProgressReport] = field(default_factory=list)
    events: list[TaskEvent] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    cards: list[supervision.CardIntent] = field(default_factory=list)
    refused: int = 0

    def _day(self, moment: datetime) -> datetime:
        """The same day, during office hours (a step is taken at work, not at 23:59)."""
        local = moment.astimezone(SHANGHAI)
        return local.replace(
            hour=self.rng.randint(9, 17), minute=self.rng.randint(0, 59), second=0, microsecond=0
        )

    def _event(self, task: Task, kind: str, at: datetime, note: str = "", office: bool = False):
        self.events.append(
            TaskEvent(
                task=task, kind=kind, at=at, actor_name=OFFICE if office else LIAISON, note=note
            )
        )

    def _late(self, task: Task, stage: str, due: datetime) -> None:
        intent = rectification.card_intent(task, stage)
        if intent is not None:
            self.cards.append(replace(intent, at=due))
        if not task.escalated:
            task.escalated, task.escalated_at = True, due

    def _rest(self, task: Task, status: str, start: datetime) -> None:
        """The task waits in ``status`` at ``now``, that stage's clock running from ``start``."""
        task.status = status
        rectification.enter_stage(task, status, start)

    def play(self, task: Task, problems: list[Problem]) -> None:
        rng, now = self.rng, self.now
        plan_due = task.due_at
        submit = self._day(task.opened_at + _days(rng.randint(3, 24)))
        if submit > now or rng.random() < 0.03:
            return  # still writing its plan (a few never do): the sweep warns or escalates it
        if submit > plan_due:
            self._late(task, Task.Status.PLANNING, plan_due)
        version = 1
        if rng.random() < 0.15:
            returned = self._day(submit + _days(2))
            if returned > now:
                self._plan(task, 1, Plan.Status.SUBMITTED, submit, None)
                self._rest(task, Task.Status.PLAN_REVIEW, submit)
                return
            self._plan(task, 1, Plan.Status.RETURNED, submit, returned, "措施不够具体，请细化")
            self._event(task, TaskEvent.Kind.RETURN_PLAN, returned, "措施不够具体，请细化", True)
            submit, version = self._day(returned + _days(3)), 2
            if submit > now:
                self._rest(task, Task.Status.PLANNING, returned)
                return
        approved = self._day(submit + _days(rng.randint(1, 4)))
        if approved > now:
            self._plan(task, version, Plan.Status.SUBMITTED, submit, None)
            self._rest(task, Task.Status.PLAN_REVIEW, submit)
            return
        plan = self._plan(task, version, Plan.Status.APPROVED, submit, approved, "同意")
        lines = self._measures(task, plan, approved, problems)
        self._event(task, TaskEvent.Kind.APPROVE_PLAN, approved, "同意", True)
        if rng.random() < 0.12:
            self._extend(task, approved)
        self._rectify(task, lines, approved)

    def _plan(self, task, version, status, submitted, decided, note="") -> Plan:
        plan = Plan(
            task=task,
            version=version,
            status=status,
            created_at=submitted - _days(1),
            submitted_at=submitted,
            decided_at=decided,
            decision_note=note,
        )
        self.plans.append(plan)
        self._event(task, TaskEvent.Kind.SUBMIT_PLAN, submitted, f"第{version}版")
        return plan

    def _measures(
        self, task: Task, plan: Plan, approved: datetime, problems: list[Problem]
    ) -> list[Measure]:
        rng = self.rng
        people = self.staff.get(task.unit_id) or []
        sections = self.sections.get(task.unit_id) or [task.unit]
        limit = local_date(task.complete_by)
        lines = []
        for n, problem in enumerate(problems, start=1):
            kind, cause = rng.choice(CAUSES)
            due = min(limit, local_date(approved) + _days(rng.randint(20, 60)))
            line = Measure(
                plan=plan,
                problem=problem,
                order=n,
                cause_kind=kind,
                cause=cause,
                action=rng.choice(ACTIONS),
                responsible_unit=rng.choice(sections),
                leader=people[0] if people else None,
                person=rng.choice(people) if people else None,
                due_date=due,
                standard=rng.choice(STANDARDS),
            )
            lines.append(line)
        self.measures += lines
        return lines

    def _extend(self, task: Task, approved: datetime) -> None:
        asked = self._day(task.complete_by - _days(12))
        if not approved < asked <= self.now:
            return
        until = local_date(task.complete_by) + _days(30)
        ext = Extension(
            task=task,
            stage=Task.Status.IN_PROGRESS,
            current_due=task.complete_by,
            requested_until=until,
            reason="涉及系统改造，需政府采购程序",
            requested_at=asked,
        )
        self._event(task, TaskEvent.Kind.EXTENSION, asked, f"申请延至{until:%Y-%m-%d}")
        decided = self._day(asked + _days(1))
        if decided <= self.now:
            ext.status, ext.decided_at, ext.decision_reason = "approved", decided, "同意"
            task.complete_by = end_of(until)
            self._event(task, TaskEvent.Kind.EXTENSION_DECIDED, decided, f"批准延期至{until}", True)
        self.extensions.append(ext)

    def _schedule(self, task: Task, start: datetime, until: datetime) -> None:
        """Progress reports every 30 days from ``start`` before the 整改时限; filed mostly on
        time by ``until`` (the moment the task left 整改中, or now)."""
        rng = self.rng
        day = local_date(start) + _days(PROGRESS_EVERY)
        while day < local_date(task.complete_by):
            d = deadlines.by_date(day, self.rules.report_warn_days)
            due = d.due_at
            report = ProgressReport(
                task=task,
                due_on=day,
                due_at=due,
                warn_at=d.warn_at,
                deadline_provisional=d.provisional,
            )
            roll = rng.random()
            filed = self._day(due - _days(rng.randint(0, 3)) if roll < 0.85 else due + _days(4))
            if roll < 0.95 and filed <= until and filed <= self.now:
                report.status, report.filed_at = ProgressReport.Status.FILED, filed
                report.text = rng.choice(
                    ("已按方案完成阶段任务", "制度已起草，正在征求意见", "培训已完成两期")
                )
                report.filed_by_name, report.deadline_open = LIAISON, False
                report.warned_at = report.warn_at if filed > report.warn_at else None
                report.overdue_at = due if filed > due else None
                self._event(task, TaskEvent.Kind.PROGRESS, filed, report.text)
            elif due <= until:
                report.deadline_open = until >= self.now  # missed; watched while under way
            elif until < self.now:  # reported done before this date: no longer needed
                report.status, report.deadline_open = ProgressReport.Status.WAIVED, False
            self.progress.append(report)
            day += _days(PROGRESS_EVERY)

    def _rectify(self, task: Task, lines: list[Measure], started: datetime) -> None:
        rng, now = self.rng, self.now
        report = task.complete_by + _days(rng.randint(-30, 12))
        report = self._day(max(report, started + _days(5)))
        self._schedule(task, started, min(report, now))
        if report > now:
            self._rest(task, Task.Status.IN_PROGRESS, started)
            return
        if report > task.complete_by:
            self._late(task, Task.Status.IN_PROGRESS, task.complete_by)
        for m in lines:
            m.done_at = self._day(report - _days(rng.randint(1, 6)))
            m.done_note, m.done_by = "已按方案完成", None
            self._event(task, TaskEvent.Kind.MEASURE, m.done_at, f"第{m.order}条措施已完成")
        task.completion_summary, task.completion_reported_at = "各项措施均已落实到位", report
        self._event(task, TaskEvent.Kind.COMPLETE, report, task.completion_summary)
        decided = self._day(report + _days(rng.randint(2, 6)))
        if decided > now:
            self._rest(task, Task.Status.ACCEPTANCE, report)
            return
        if rng.random() < 0.1 and not task.acceptance_note:
            self.refused += 1
            new = local_date(decided) + _days(25)
            task.acceptance_note = "现场检查仍有问题未整改到位"
            task.complete_by, task.completion_reported_at = end_of(new), None
            self._event(
                task, TaskEvent.Kind.REFUSE, decided, f"{task.acceptance_note}（{new}）", True
            )
            self._rectify(task, lines, decided)
            return
        task.accepted_at, task.completed_at = decided, report
        task.acceptance_note = task.acceptance_note or "经检查验收，整改到位"
        self._event(task, TaskEvent.Kind.ACCEPT, decided, task.acceptance_note, True)
        if not task.needs_visit:
            task.status, task.closed_at, task.deadline_open = Task.Status.CLOSED, decided, False
            return
        visited = self._day(decided + _days(rng.randint(1, 5)))
        if visited > now:
            task.status, task.deadline_open = Task.Status.VISIT, False
            return
        task.visit_satisfied = rng.random() < 0.85
        task.visit_note = "电话回访，" + ("对整改结果满意" if task.visit_satisfied else "仍有意见")
        task.visited_at = task.closed_at = visited
        task.status, task.deadline_open = Task.Status.CLOSED, False
        self._event(task, TaskEvent.Kind.VISIT, visited, task.visit_note, True)

    def save(self, tasks: list[Task]) -> None:
        Plan.objects.bulk_create(self.plans, batch_size=1000)
        Measure.objects.bulk_create([m for m in self.measures if m.person_id], batch_size=1000)
        ProgressReport.objects.bulk_create(self.progress, batch_size=1000)
        Extension.objects.bulk_create(self.extensions, batch_size=1000)
        TaskEvent.objects.bulk_create(self.events, batch_size=2000)
        # One UPDATE per task: bulk_update's CASE over every column is far slower here.
        fields = [f.name for f in Task._meta.concrete_fields if not f.primary_key]
        for task in tasks:
            task.save(update_fields=fields)
        supervision.raise_cards(self.cards, at=self.now)


def _staff_by_department() -> tuple[dict[int, list[Staff]], dict[int, list[Unit]]]:
    units = list(Unit.objects.filter(is_active=True).only("id", "path", "kind", "name"))
    by_path = {u.path: u for u in units}
    staff: dict[int, list[Staff]] = defaultdict(list)
    sections: dict[int, list[Unit]] = defaultdict(list)
    tops = [
        u for u in units if u.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.DISTRICT, Unit.Kind.CENTRE)
    ]
    for top in tops:
        sections[top.pk] = [u for p, u in by_path.items() if p.startswith(top.path)]
    for person in Staff.objects.filter(is_active=True).select_related("unit").order_by("pk"):
        for top in tops:
            if person.unit.path.startswith(top.path):
                staff[top.pk].append(person)
    return staff, sections


def _complaint_tasks(rng, office, now) -> list[tuple[Task, list[Problem]]]:
    """The office's 整改任务 for about half of the approved 属实/部分属实 complaints, checked and
    made by the service (``build_task``) and written at once: hundreds of them through
    ``open_task`` one by one (audit entry, notification each) took seconds."""
    approved = (
        Complaint.objects.filter(
            finding__in=("true", "partly"),
            approved_at__isnull=False,
            handling_unit__isnull=False,
        )
        .select_related("category", "handling_unit")
        .order_by("pk")
    )
    rules = Rules.current()
    built = []
    for c in approved:
        opened = c.approved_at + _days(1)
        if rng.random() >= SHARE_RECTIFIED or opened > now:
            continue
        built.append(
            rectification.build_task(
                office,
                rectification.OpenTask(
                    source=SourceRef(
                        SourceKind.COMPLAINT,
                        c.pk,
                        f"投诉{c.number}（{c.category.name}，经查{c.get_finding_display()}）",
                        f"/office/complaints/{c.pk}/",
                        public=True,
                    ),
                    unit=c.handling_unit,
                    title=c.title,
                    problems=(rectification.ProblemIn(c.title, c.finding_text),),
                    description=c.finding_text,
                    level=rng.choices(["normal", "key", "listed"], [70, 22, 8])[0],
                    complete_by=local_date(opened) + _days(rng.choice((45, 60, 90))),
                    needs_visit=not c.anonymous,
                    progress_every_days=PROGRESS_EVERY,
                    opened_at=opened,
                ),
                rules,
            )
        )
    Task.objects.bulk_create([b.task for b in built], batch_size=500)
    Problem.objects.bulk_create([p for b in built for p in b.problems], batch_size=1000)
    TaskEvent.objects.bulk_create(
        [
            TaskEvent(
                task=b.task,
                kind=TaskEvent.Kind.OPEN,
                at=b.task.opened_at,
                actor_name=OFFICE,
                note=b.note,
            )
            for b in built
        ],
        batch_size=1000,
    )
    audit.record(
        office,
        audit.Action.CREATE,
        object_type=Task._meta.label_lower,
        object_id=f"{len(built)}",
        object_repr=f"整改任务 {len(built)} 件",
        summary=f"演示数据：为经查属实的投诉立整改任务 {len(built)} 件",
        after={"complaints": [b.task.source_id for b in built]},
    )
    return [(b.task, list(b.problems)) for b in built]


def _manual_tasks(rng, office, leader, today, count) -> list[Task]:
    units = list(Unit.objects.filter(is_active=True, kind=Unit.Kind.DEPARTMENT).order_by("code"))
    tasks = []
    for n in range(min(count, len(MANUAL), len(units))):
        title, text = MANUAL[n]
        opened_day = today - _days(rng.randint(20, 330))
        opened = datetime(opened_day.year, opened_day.month, opened_day.day, 10, tzinfo=SHANGHAI)
        actor = leader if n % 3 == 0 else office
        tasks.append(
            rectification.open_task(
                actor,
                rectification.OpenTask(
                    source=SourceRef(SourceKind.MANUAL, None, "督查督办"),
                    unit=rng.choice(units),
                    title=title,
                    description=text,
                    problems=(rectification.ProblemIn(title, text),),
                    level=rng.choices(["listed", "key", "normal"], [60, 30, 10])[0],
                    leader=leader,
                    complete_by=opened_day + _days(rng.choice((60, 90, 120))),
                    progress_every_days=PROGRESS_EVERY,
                    opened_at=opened,
                ),
            )
        )
    return tasks


def _notice_tasks(office, now) -> list[Task]:
    from xiaoneng.evaluation import rectify

    campaign = (
        Campaign.objects.filter(status=Campaign.Status.PUBLISHED, published_at__isnull=False)
        .order_by("-year")
        .first()
    )
    if campaign is None:
        return []
    issued = campaign.published_at + _days(3)
    if issued > now:
        return []
    return rectify.issue_notices(
        office, campaign, complete_by=local_date(issued) + _days(120), issued_at=issued
    )


def _drive_dates(today: date) -> tuple[int, int]:
    """(year, days to shift seed 003's dates): the reference date falls in 整改规范."""
    if date(today.year, 5, 1) <= today <= date(today.year, 7, 25):
        return today.year, 0
    return today.year, (today - date(today.year, 6, 10)).days


def _drive(rng, office, today, now) -> tuple[str, int, int]:
    year, shift = _drive_dates(today)
    phases = tuple(
        drives.PhaseIn(p.name, p.report_name, p.report_due + _days(shift), p.tasks)
        for p in drives.seed_phases(year)
    )
    units = tuple(Unit.objects.filter(is_active=True, kind=Unit.Kind.DEPARTMENT).order_by("code"))
    drive = drives.create_drive(
        office,
        drives.DriveIn(
            name=f"{year}年效能建设暨“两项活动”",
            description="开展提高政府执行力大讨论和文明执法教育活动：学习动员、查找问题、"
            "整改规范、检查验收四个阶段，各单位按期报送材料。",
            units=units,
            phases=phases,
        ),
    )
    drives.start_drive(office, drive)
    reports = list(DriveReport.objects.filter(phase__drive=drive).select_related("phase"))
    for r in reports:
        due = r.due_at
        roll = rng.random()
        sent = due - _days(rng.randint(0, 6)) if roll < 0.8 else due + _days(rng.randint(1, 6))
        if roll >= 0.93 or sent > now:
            continue  # not yet (or never) sent
        r.status, r.submitted_at, r.deadline_open = DriveReport.Status.SUBMITTED, sent, False
        r.text = f"{r.phase.report_name}已经单位党组会议研究通过，现予报送。"
        reviewed = sent + _days(2)
        if reviewed <= now:
            returned = rng.random() < 0.08
            r.status = DriveReport.Status.RETURNED if returned else DriveReport.Status.ACCEPTED
            r.reviewed_at, r.review_note = reviewed, "请补充具体时间安排" if returned else ""
    DriveReport.objects.bulk_update(
        reports,
        ["status", "submitted_at", "deadline_open", "text", "reviewed_at", "review_note"],
        batch_size=500,
    )
    late = sum(1 for r in reports if drives.is_late(r, now))
    return drive.name, len(reports), late


def delete_rectification() -> int:
    """Remove every 整改任务 (with its plans, progress, evidence, history) and 专项活动, for
    ``xiaoneng demo --reset``."""
    Drive.objects.all().delete()
    return Task.objects.all().delete()[0]


def write_rectification(seed: int, today: date, manual: int = 10) -> RectificationSummary:
    """A year of 整改任务 from every source and a 专项活动 in progress (module docstring)."""
    started = perf_counter()
    rng = random.Random(f"xiaoneng-demo:{seed}:rectification")
    now = min(timezone.now(), end_of(today))
    User = get_user_model()
    office = User.objects.get(username="office")
    leader = User.objects.get(username="leader")
    staff, sections = _staff_by_department()
    with transaction.atomic():
        stories = _complaint_tasks(rng, office, now) + [
            (t, list(t.problems.all()))
            for t in (
                *_notice_tasks(office, now),
                *_manual_tasks(rng, office, leader, today, manual),
            )
        ]
        tasks = [task for task, _problems in stories]
        player = _Player(rng, now, staff, sections)
        for task, problems in stories:
            player.play(task, problems)
        player.save(tasks)
        audit.record(
            "演示数据生成",
            audit.Action.UPDATE,
            object_type=Task._meta.label_lower,
            object_id=f"{len(tasks)}",
            object_repr=f"整改任务 {len(tasks)} 件",
            summary=f"演示数据：整改任务 {len(tasks)} 件的办理过程（方案、进展、验收、回访）",
            after={"tasks": len(tasks), "plans": len(player.plans), "seed": seed},
        )
        drive, reports, late = _drive(rng, office, today, now)
    sweep(
        now=now,
        watches=["rectification.task", "rectification.progress", "rectification.drive_report"],
    )
    # A year of history; the office that lived through it read its notices.
    Notification.objects.filter(read_at__isnull=True).update(read_at=timezone.now())
    mine = Task.objects.exclude(source_kind=SourceKind.RATING)
    by_source: dict[str, int] = defaultdict(int)
    for kind in mine.values_list("source_kind", flat=True):
        by_source[SourceKind(kind).label] += 1
    open_ = mine.open()
    return RectificationSummary(
        tasks=len(tasks),
        by_source=dict(by_source),
        open=open_.count(),
        overdue=open_.filter(deadline_open=True, due_at__lt=now).count(),
        escalated=mine.filter(escalated=True).count(),
        refused=player.refused,
        extended=len([e for e in player.extensions if e.status == "approved"]),
        drive=drive,
        drive_reports=reports,
        drive_late=late,
        seconds=perf_counter() - started,
    )
