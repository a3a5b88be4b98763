"""Rectification and supervised tasks (整改、督查督办, C7): the one mechanism for "a unit must fix
this by then".

A :class:`Task` (整改任务) names a responsible unit, what was found (its :class:`Problem` rows)
and where it came from (a generic source reference, ``sources.py``). Two flows:

- **核实整改** (``Flow.VERIFY``, a 差评): the unit verifies within the limit and, when 属实,
  states its measures; the office calls the rater back (回访). The office may ask for a full
  整改方案 instead when the problem needs more than the measures already taken.
- **整改方案** (``Flow.PLAN``, everything else): the unit files a :class:`Plan` — per problem the
  cause (思想观念/制度措施/干部素质/体制机制), measures, responsible section, leader and person,
  completion date and acceptance standard (seed 003) — the office approves it or sends it back;
  the unit reports progress on a schedule (:class:`ProgressReport`) with evidence, reports each
  measure done and the whole, and the office accepts (验收) or refuses with a new date; a return
  visit follows where the source has a person to call back.

Every limit is on the shared deadline engine: the task's ``DeadlineFields`` hold the deadline of
the stage it is in; progress reports and 专项活动 reports carry their own.

A :class:`Drive` (专项活动) is a campaign with phases and one report per unit and phase
(seed 003: 实施方案 5/15, 查摆问题情况 5/30, 整改方案 6/20, 整改结果及总结 7/25).
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet
from xiaoneng.supervision.models import DeadlineFields
from xiaoneng.workdays import SHANGHAI

from .sources import SourceKind

#: The office and admins everything; supervisors see everything (they inspect anywhere and
#: follow what their findings led to); a leader their subtree and what they personally
#: supervise; a liaison their subtree; window staff their subtree and the tasks that came
#: through their window (a 差评 of a case registered there).
TASK_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.SUPERVISOR: Reach.ALL,
    Role.LEADER: Reach.SUBTREE,
    Role.LIAISON: Reach.SUBTREE,
    Role.WINDOW: Reach.WINDOW,
}
#: The unit's liaison files verification, plans, progress and reports; the office decides.
TASK_EDIT = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL, Role.LIAISON: Reach.SUBTREE}
OFFICE_ROLES = frozenset({Role.ADMIN, Role.OFFICE})
#: Who acts for the responsible unit (the office may file on its behalf, as for complaints).
UNIT_ROLES = frozenset({Role.ADMIN, Role.OFFICE, Role.LIAISON})


def deadline_indexes(prefix: str) -> list[models.Index]:
    """``DeadlineFields``' two partial indexes under short names (the default names of the
    longer model names pass the 30-character limit)."""
    return [
        models.Index(
            fields=["warn_at"],
            name=f"{prefix}_warn",
            condition=Q(deadline_open=True, warned_at__isnull=True),
        ),
        models.Index(
            fields=["due_at"],
            name=f"{prefix}_due",
            condition=Q(deadline_open=True, overdue_at__isnull=True),
        ),
    ]


def late_q(now: datetime) -> Q:
    """整改超期 as a filter (``Task.late`` in SQL): completed after the time limit, or not
    completed and past it."""
    return Q(completed_at__gt=F("complete_by")) | Q(completed_at__isnull=True, complete_by__lt=now)


class TaskQuerySet(ScopedQuerySet):
    window_paths = ("window__path",)
    view_reach = TASK_VIEW
    edit_reach = TASK_EDIT

    def visible_to(self, user) -> models.QuerySet:
        scoped = super().visible_to(user)
        if user is not None and user.is_authenticated and user.effective_role == Role.LEADER:
            # 领导督办: what a leader opened or is named on, wherever the unit sits.
            return scoped | self.filter(Q(leader=user) | Q(opened_by=user))
        return scoped

    def open(self) -> TaskQuerySet:
        return self.exclude(status=Task.Status.CLOSED)

    def public(self) -> TaskQuerySet:
        """整改情况公示: tasks from a public source with something to show — a 差评 found
        属实, or a task with a plan to make."""
        return self.filter(source_public=True, public=True).exclude(
            Q(flow=Task.Flow.VERIFY)
            & (Q(status=Task.Status.VERIFYING) | ~Q(finding=Task.Finding.TRUE))
        )


class Task(DeadlineFields):
    """整改任务: a unit must fix what was found, by a date, and the office checks it."""

    class Level(models.TextChoices):
        NORMAL = "normal", _("一般督办")
        KEY = "key", _("重点督办")
        LISTED = "listed", _("挂牌督办")

    class Flow(models.TextChoices):
        VERIFY = "verify", _("核实整改")
        PLAN = "plan", _("整改方案")

    class Status(models.TextChoices):
        VERIFYING = "verifying", _("待核实整改")
        PLANNING = "planning", _("待报整改方案")
        PLAN_REVIEW = "plan_review", _("整改方案待审核")
        IN_PROGRESS = "in_progress", _("整改中")
        ACCEPTANCE = "acceptance", _("待验收")
        VISIT = "visit", _("待回访")
        CLOSED = "closed", _("已办结")

    class Finding(models.TextChoices):
        TRUE = "true", _("属实")
        FALSE = "false", _("不属实")

    source_kind = models.CharField("来源", max_length=12, choices=SourceKind.choices)
    source_id = models.BigIntegerField("来源记录", null=True, blank=True)
    source_label = models.CharField("来源说明", max_length=200)
    source_link = models.CharField("来源链接", max_length=300, blank=True)
    source_public = models.BooleanField("来源于群众", default=False)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="责任单位",
        on_delete=models.PROTECT,
        related_name="rectification_tasks",
    )
    window = models.ForeignKey(
        "org.Unit",
        verbose_name="受理窗口",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="问题经由的服务窗口（差评所涉办件的受理窗口）",
    )
    title = models.CharField("问题", max_length=200)
    description = models.TextField("问题描述", blank=True)
    level = models.CharField("督办级别", max_length=8, choices=Level.choices, default=Level.NORMAL)
    flow = models.CharField("办理方式", max_length=8, choices=Flow.choices, default=Flow.PLAN)
    status = models.CharField("状态", max_length=12, choices=Status.choices, db_index=True)
    opened_at = models.DateTimeField("立项时间", db_index=True)
    opened_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_by_name = models.CharField("立项人", max_length=150)
    leader = models.ForeignKey(
        "accounts.User",
        verbose_name="督办领导",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_tasks",
    )
    limit_days = models.PositiveSmallIntegerField(
        "时限（工作日）", help_text="核实整改或报送整改方案的时限"
    )
    complete_by = models.DateTimeField("整改时限", null=True, blank=True)
    # How the current stage's deadline was set, so that a calendar import can recompute it.
    stage_started_at = models.DateTimeField("环节开始", null=True, blank=True)
    stage_days = models.PositiveSmallIntegerField("环节时限（工作日）", null=True, blank=True)
    stage_warn_days = models.PositiveSmallIntegerField("环节预警（工作日）", null=True, blank=True)
    stage_until = models.DateField(
        "环节期限日期", null=True, blank=True, help_text="按日期计的期限（整改时限、批准的延期）"
    )
    progress_every_days = models.PositiveSmallIntegerField(
        "进展报告周期（天）", null=True, blank=True
    )
    progress_dates = models.JSONField("进展报告日期", default=list, blank=True)
    needs_visit = models.BooleanField("需回访", default=False)
    escalated = models.BooleanField("督办", default=False, db_index=True)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    # 核实整改 (a 差评): what the unit found and did.
    finding = models.CharField("核实结果", max_length=6, choices=Finding.choices, blank=True)
    verification = models.TextField("核实情况", blank=True)
    measures = models.TextField("整改措施", blank=True)
    verified_at = models.DateTimeField("核实整改时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_summary = models.TextField("整改情况报告", blank=True)
    completion_reported_at = models.DateTimeField("报告整改完成时间", null=True, blank=True)
    completed_at = models.DateTimeField(
        "整改完成时间", null=True, blank=True, help_text="核实整改填报或验收通过之时"
    )
    accepted_at = models.DateTimeField("验收时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acceptance_note = models.TextField("验收意见", blank=True)
    visit_satisfied = models.BooleanField("回访满意", null=True, blank=True)
    visit_note = models.TextField("回访情况", blank=True)
    visited_at = models.DateTimeField("回访时间", null=True, blank=True)
    visited_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    public = models.BooleanField("公示", default=False)
    #: The record this task was migrated from (``ratings.rectification:17``): its audit entries
    #: stay under that name, the audit log is never rewritten.
    legacy_ref = models.CharField("迁移前记录", max_length=60, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta(DeadlineFields.Meta):
        ordering = ["-opened_at", "-pk"]
        verbose_name = "整改任务"
        verbose_name_plural = "整改任务"
        indexes = [
            *DeadlineFields.Meta.indexes,
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["source_kind", "opened_at"]),
            models.Index(fields=["complete_by"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id"],
                condition=Q(source_id__isnull=False),
                name="rectification_task_once_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """整改任务编号: ZG, the year it was opened, and its sequence (ZG2026000123)."""
        year = self.opened_at.astimezone(SHANGHAI).year if self.opened_at else 0
        return f"ZG{year}{self.pk or 0:06d}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def unit_stage(self) -> bool:
        """Is the responsible unit's clock running (rather than the office's)?"""
        return self.status in UNIT_STAGES

    def late(self, now: datetime) -> bool:
        """整改超期: not completed by the time limit, or completed after it."""
        limit = self.complete_by
        if limit is None:
            return False
        if self.completed_at is not None:
            return self.completed_at > limit
        return self.status != self.Status.CLOSED and now > limit


UNIT_STAGES = frozenset({Task.Status.VERIFYING, Task.Status.PLANNING, Task.Status.IN_PROGRESS})
OFFICE_STAGES = frozenset({Task.Status.PLAN_REVIEW, Task.Status.ACCEPTANCE})


class Problem(models.Model):
    """存在问题: one problem of a task (a 千人评议 notice groups its opinions by theme)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="problems")
    order = models.PositiveSmallIntegerField("序号")
    title = models.CharField("问题", max_length=200)
    detail = models.TextField("具体情况", blank=True)

    class Meta:
        ordering = ["task", "order"]
        verbose_name = "存在问题"
        verbose_name_plural = "存在问题"
        constraints = [
            models.UniqueConstraint(fields=["task", "order"], name="rectification_problem_order")
        ]

    def __str__(self) -> str:
        return self.title


class Plan(models.Model):
    """整改方案: one version of the unit's plan. A plan sent back stays as it was; the unit's
    next version starts as a copy of it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField("版本")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField("总体安排", blank=True)
    created_at = models.DateTimeField("起草时间")
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField("审核意见", blank=True)

    class Meta:
        ordering = ["task", "-version"]
        verbose_name = "整改方案"
        verbose_name_plural = "整改方案"
        constraints = [
            models.UniqueConstraint(fields=["task", "version"], name="rectification_plan_version")
        ]

    def __str__(self) -> str:
        return f"{self.task.number} 整改方案第{self.version}版"


class Measure(models.Model):
    """整改措施: one line of a plan, for one problem (seed 003's 整改内容、整改措施、整改时限、
    责任部门和责任人、检查验收标准), and the unit's report that it is done."""

    class CauseKind(models.TextChoices):
        THINKING = "thinking", _("思想观念")
        SYSTEM = "system", _("制度措施")
        QUALITY = "quality", _("干部素质")
        MECHANISM = "mechanism", _("体制机制")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures")
    problem = models.ForeignKey(
        Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="measures"
    )
    order = models.PositiveSmallIntegerField("序号")
    cause_kind = models.CharField("问题性质", max_length=10, choices=CauseKind.choices)
    cause = models.TextField("原因分析")
    action = models.TextField("整改措施")
    responsible_unit = models.ForeignKey(
        "org.Unit", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        "org.Staff", verbose_name="责任领导", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "org.Staff", verbose_name="责任人", on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField("完成时限")
    standard = models.TextField("验收标准")
    done_note = models.TextField("完成情况", blank=True)
    done_at = models.DateTimeField("报告完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = "整改措施"
        verbose_name_plural = "整改措施"

    def __str__(self) -> str:
        return self.action[:40]


class ProgressReport(DeadlineFields):
    """整改进展报告: a report the plan's schedule asks for (``due_on``), or one the unit files
    of its own accord (no date). A scheduled report the task no longer needs (the unit reported
    the rectification done before its date) is waived."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("待报告")
        FILED = "filed", _("已报告")
        WAIVED = "waived", _("免报")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="progress")
    due_on = models.DateField("应报日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    text = models.TextField("进展情况", blank=True)
    filed_at = models.DateTimeField("报告时间", null=True, blank=True)
    filed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_by_name = models.CharField("报告人", max_length=150, blank=True)
    # Filed by a department system through the API, idempotent by its own report id.
    external_source = models.CharField("来源系统", max_length=40, blank=True)
    external_id = models.CharField("来源系统编号", max_length=100, blank=True)

    class Meta(DeadlineFields.Meta):
        ordering = ["task", "due_on", "filed_at", "pk"]
        verbose_name = "整改进展报告"
        verbose_name_plural = "整改进展报告"
        indexes = deadline_indexes("rect_progress")
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="rectification_progress_external_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task.number} 进展报告"

    def late(self) -> bool:
        return bool(self.due_at and self.filed_at and self.filed_at > self.due_at)


class Evidence(models.Model):
    """佐证材料: an image or PDF the unit uploads with a progress report, a measure's completion
    or the completion report. Stored under a random name and shown under a neutral one
    (佐证材料3.pdf): a file's own name may carry a person's name."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="evidence")
    progress = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    file = models.FileField("文件", upload_to="rectification/%Y/%m/")
    label = models.CharField("名称", max_length=60)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField("上传时间")
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["task", "pk"]
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"

    def __str__(self) -> str:
        return self.label


class Extension(models.Model):
    """延期申请: asked by the unit before its deadline, decided by the office, reason kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="extensions")
    stage = models.CharField("延期环节", max_length=12, choices=Task.Status.choices)
    current_due = models.DateTimeField("原期限")
    requested_until = models.DateField("申请延至")
    reason = models.TextField("申请理由")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField("申请时间")
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField("审批意见", blank=True)

    class Meta:
        ordering = ["task", "requested_at", "pk"]
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(status="pending"),
                name="rectification_one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task.number} 延期至{self.requested_until:%Y-%m-%d}"


class TaskEvent(models.Model):
    """整改任务办理过程: one line of the task's history, in the order it happened."""

    class Kind(models.TextChoices):
        OPEN = "open", _("立项")
        VERIFY = "verify", _("填报核实整改")
        REQUIRE_PLAN = "require_plan", _("要求制定整改方案")
        SUBMIT_PLAN = "submit_plan", _("报送整改方案")
        APPROVE_PLAN = "approve_plan", _("审核通过整改方案")
        RETURN_PLAN = "return_plan", _("退回整改方案")
        PROGRESS = "progress", _("报告整改进展")
        MEASURE = "measure", _("报告措施完成")
        COMPLETE = "complete", _("报送整改情况报告")
        ACCEPT = "accept", _("验收通过")
        REFUSE = "refuse", _("验收不通过")
        VISIT = "visit", _("回访")
        EXTENSION = "extension", _("申请延期")
        EXTENSION_DECIDED = "extension_decided", _("延期审批")
        WARN = "warn", _("到期预警")
        ESCALATE = "escalate", _("超期督办")
        MIGRATED = "migrated", _("迁移")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField("办理人", max_length=150)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["task", "at", "pk"]
        verbose_name = "整改任务办理过程"
        verbose_name_plural = "整改任务办理过程"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Rules(models.Model):
    """整改时限 (working days); one row, missing means the defaults."""

    plan_days = models.PositiveSmallIntegerField(
        "整改方案报送时限", default=15, help_text="自立项次日起的工作日（整改通知书的规定）"
    )
    review_days = models.PositiveSmallIntegerField("整改方案审核时限", default=5)
    resubmit_days = models.PositiveSmallIntegerField("退回修改时限", default=5)
    accept_days = models.PositiveSmallIntegerField("验收时限", default=10)
    warn_days = models.PositiveSmallIntegerField("责任单位预警提前量", default=3)
    office_warn_days = models.PositiveSmallIntegerField("效能办预警提前量", default=1)
    report_warn_days = models.PositiveSmallIntegerField(
        "报告预警提前量", default=2, help_text="进展报告和专项活动材料"
    )

    class Meta:
        verbose_name = "整改时限"
        verbose_name_plural = "整改时限"

    def __str__(self) -> str:
        return "整改时限"

    @classmethod
    def current(cls) -> Rules:
        return cls.objects.order_by("pk").first() or cls()


# ---- 专项活动 ------------------------------------------------------------------------------------

#: Drives are city-wide, like evaluation campaigns: the staff who follow them see them all;
#: a unit's reports are its own.
DRIVE_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LEADER: Reach.ALL,
    Role.LIAISON: Reach.ALL,
}
REPORT_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LEADER: Reach.SUBTREE,
    Role.LIAISON: Reach.SUBTREE,
}


class DriveQuerySet(ScopedQuerySet):
    unit_path = ""  # never used: every reach here is ALL or NONE
    view_reach = DRIVE_VIEW
    edit_reach = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL}


class Drive(models.Model):
    """专项活动: a campaign every unit in scope reports on, phase by phase (seed 003's
    学习动员 → 查找问题 → 整改规范 → 检查验收)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        ACTIVE = "active", _("进行中")
        CLOSED = "closed", _("已结束")

    name = models.CharField("活动名称", max_length=100)
    description = models.TextField("活动说明", blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.DRAFT)
    units = models.ManyToManyField("org.Unit", verbose_name="参加单位", related_name="+")
    created_at = models.DateTimeField("创建时间")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField("启动时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = DriveQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "专项活动"
        verbose_name_plural = "专项活动"

    def __str__(self) -> str:
        return self.name


class DrivePhase(models.Model):
    """活动阶段 and the report every unit files for it by ``report_due``."""

    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField("序号")
    name = models.CharField("阶段", max_length=50)
    tasks = models.TextField("主要任务", blank=True)
    report_name = models.CharField("报送材料", max_length=100)
    report_due = models.DateField("报送期限")

    class Meta:
        ordering = ["drive", "order"]
        verbose_name = "活动阶段"
        verbose_name_plural = "活动阶段"
        constraints = [
            models.UniqueConstraint(fields=["drive", "order"], name="rectification_phase_order")
        ]

    def __str__(self) -> str:
        return f"{self.name}：{self.report_name}"


class DriveReportQuerySet(ScopedQuerySet):
    view_reach = REPORT_VIEW
    edit_reach = TASK_EDIT


class DriveReport(DeadlineFields):
    """One unit's report for one phase of a drive."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待报送")
        SUBMITTED = "submitted", _("已报送")
        ACCEPTED = "accepted", _("已审阅")
        RETURNED = "returned", _("退回补充")

    phase = models.ForeignKey(DrivePhase, on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey(
        "org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    text = models.TextField("材料内容", blank=True)
    file = models.FileField("附件", upload_to="rectification/drives/%Y/", blank=True)
    file_label = models.CharField("附件名称", max_length=60, blank=True)
    file_type = models.CharField(max_length=80, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("审阅时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField("审阅意见", blank=True)

    objects = DriveReportQuerySet.as_manager()

    class Meta(DeadlineFields.Meta):
        ordering = ["phase", "unit__path"]
        verbose_name = "专项活动材料"
        verbose_name_plural = "专项活动材料"
        indexes = deadline_indexes("rect_drivereport")
        constraints = [
            models.UniqueConstraint(fields=["phase", "unit"], name="rectification_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.phase.report_name}"
