"""Cases (办件) and their events (C3).

A case's clock, light and deadlines are never accumulated: they are recomputed from the ordered
list of its events every time an event arrives, so late and out-of-order events are normal.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet
from xiaoneng.supervision.models import DeadlineFields

CASE_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LEADER: Reach.SUBTREE,
    Role.LIAISON: Reach.SUBTREE,
    # Window staff: their own unit's cases and the cases registered at their window, whichever
    # department owns them (a centre's windows register every department's items).
    Role.WINDOW: Reach.WINDOW,
    Role.SUPERVISOR: Reach.ALL,
}
# Window staff and liaisons move their own unit's cases (window staff also those registered at
# their window); the office can correct anything.
CASE_EDIT = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LIAISON: Reach.SUBTREE,
    Role.WINDOW: Reach.WINDOW,
}


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


class CaseQuerySet(ScopedQuerySet):
    window_paths = ("window__path",)
    view_reach = CASE_VIEW
    edit_reach = CASE_EDIT

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=Case.OPEN_STATUSES)


class Case(DeadlineFields):
    """办件: one application for one catalog item, watched against its committed limit."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("办理中")
        CORRECTION = "correction", _("补正中")
        SPECIAL = "special", _("特别程序中")
        APPROVED = "approved", _("已办结（准予）")
        DENIED = "denied", _("已办结（不予许可）")
        REJECTED = "rejected", _("不予受理")
        RETURNED = "returned", _("已退回")

    OPEN_STATUSES = ("accepted", "correction", "special")

    class Channel(models.TextChoices):
        WINDOW = "window", _("窗口")
        ONLINE = "online", _("网上申报")
        API = "api", _("部门系统")

    class JointMode(models.TextChoices):
        NONE = "", _("非联办")
        SERIAL = "serial", _("串联")
        PARALLEL = "parallel", _("并联")

    number = models.CharField("申请号", max_length=60, unique=True)
    # 查询码摘要: only a keyed digest of the receipt's query code (services.code_digests); the
    # code itself exists in clear only in the response that issued it.
    code_digest = models.CharField("查询码摘要", max_length=64, editable=False)
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name="事项", on_delete=models.PROTECT, related_name="cases"
    )
    item_version = models.ForeignKey(
        "catalog.ServiceItemVersion",
        verbose_name="事项版本",
        on_delete=models.PROTECT,
        related_name="cases",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="cases"
    )
    window = models.ForeignKey(
        "org.Unit",
        verbose_name="受理窗口",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="window_cases",
    )
    handler = models.ForeignKey(
        "org.Staff",
        verbose_name="经办人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    channel = models.CharField(
        "受理渠道", max_length=8, choices=Channel.choices, default=Channel.WINDOW
    )
    applicant_name = models.CharField("申请人", max_length=100)
    applicant_kind = models.CharField(
        "申请人类型",
        max_length=10,
        choices=[("person", _("个人")), ("company", _("企业"))],
        default="person",
    )
    joint_mode = models.CharField(
        "联办方式", max_length=8, choices=JointMode.choices, blank=True, default=""
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.ACCEPTED, db_index=True
    )
    accepted_at = models.DateTimeField("受理时间", db_index=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    limit_days = models.PositiveIntegerField(
        "时限（工作日）", default=0, help_text="承诺时限，含批准的延期"
    )
    extended_days = models.PositiveIntegerField("延期（工作日）", default=0)
    elapsed_days = models.IntegerField("已用工作日", default=0)
    paused = models.BooleanField("计时暂停", default=False)
    light = models.CharField(
        "灯", max_length=6, choices=Light.choices, default=Light.GREEN, db_index=True
    )
    correction_count = models.PositiveSmallIntegerField("补正次数", default=0)
    result_reason = models.TextField("不予许可/不予受理/退回理由", blank=True)
    last_event_at = models.DateTimeField("最近事件", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What this case contributed to the monthly statistics, so a recomputation can take it back.
    stat_month = models.DateField(null=True, blank=True)
    stat_on_time = models.BooleanField(null=True, blank=True)
    stat_early = models.BooleanField(null=True, blank=True)
    stat_days = models.IntegerField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta(DeadlineFields.Meta):
        ordering = ["-accepted_at"]
        verbose_name = "办件"
        verbose_name_plural = "办件"
        indexes = [
            *DeadlineFields.Meta.indexes,
            models.Index(fields=["unit", "status", "accepted_at"]),
            models.Index(fields=["item", "accepted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item.name if self.item_id else ''}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def remaining_days(self) -> int:
        return self.limit_days - self.elapsed_days


class CaseEventQuerySet(ScopedQuerySet):
    unit_path = "case__unit__path"
    window_paths = ("case__window__path",)
    view_reach = CASE_VIEW
    edit_reach = CASE_EDIT


class CaseEvent(models.Model):
    """办件事件: what happened to a case, as its sender reported it. Never changed once stored."""

    class Kind(models.TextChoices):
        ACCEPT = "accept", _("受理")
        CORRECTION_NOTICE = "correction_notice", _("补正告知")
        CORRECTION_RECEIVED = "correction_received", _("补正材料到达")
        STEP_START = "step_start", _("环节开始")
        STEP_FINISH = "step_finish", _("环节完成")
        SPECIAL_START = "special_start", _("特别程序开始")
        SPECIAL_END = "special_end", _("特别程序结束")
        EXTENSION = "extension", _("延期批准")
        FINISH = "finish", _("办结")
        REJECT = "reject", _("不予受理")
        RETURN = "return", _("退回")
        DELIVER = "deliver", _("送达")
        FEE = "fee", _("收费")
        VETO_FILED = "veto_filed", _("否决事项报告备案")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    source = models.CharField("来源", max_length=40, help_text="api:<密钥ID> 或 user:<用户ID>")
    external_id = models.CharField("事件ID", max_length=100)
    body_hash = models.CharField(max_length=64)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    at = models.DateTimeField("发生时间")
    recorded_at = models.DateTimeField("接收时间", auto_now_add=True)
    step_code = models.CharField("环节", max_length=30, blank=True)
    data = models.JSONField("内容", default=dict, blank=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "办件事件"
        verbose_name_plural = "办件事件"
        constraints = [
            # Idempotency: a sender's event id is stored once; a retry with the same body is a
            # no-op and a different body under the same id is refused.
            models.UniqueConstraint(
                fields=["source", "external_id"], name="case_event_once_per_sender"
            )
        ]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class CaseStepQuerySet(ScopedQuerySet):
    unit_path = "case__unit__path"
    window_paths = ("case__window__path",)
    view_reach = CASE_VIEW
    edit_reach = CASE_EDIT


class CaseStep(DeadlineFields):
    """办理环节 of one case, with its own limit; a step over its limit lights yellow (黄牌)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("序号")
    code = models.CharField("环节代码", max_length=30)
    name = models.CharField("环节名称", max_length=100)
    unit = models.ForeignKey(
        "org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="case_steps"
    )
    limit_days = models.PositiveIntegerField("环节时限（工作日）")
    parallel_group = models.PositiveSmallIntegerField(null=True, blank=True)
    started_at = models.DateTimeField("开始", null=True, blank=True)
    finished_at = models.DateTimeField("完成", null=True, blank=True)
    elapsed_days = models.IntegerField("已用工作日", default=0)

    objects = CaseStepQuerySet.as_manager()

    class Meta(DeadlineFields.Meta):
        ordering = ["case", "order"]
        verbose_name = "办件环节"
        verbose_name_plural = "办件环节"
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="case_step_code_unique")
        ]
        indexes = [*DeadlineFields.Meta.indexes]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.name}"


class VetoFiling(DeadlineFields):
    """否决事项报告备案: a refusal (不予受理/不予许可) must be filed with the office in time."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="veto_filing")
    decided_at = models.DateTimeField("作出否决时间")
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filing_no = models.CharField("备案号", max_length=60, blank=True)

    class Meta(DeadlineFields.Meta):
        verbose_name = "否决事项备案"
        verbose_name_plural = "否决事项备案"
        indexes = [*DeadlineFields.Meta.indexes]

    def __str__(self) -> str:
        return f"{self.case_id} 否决备案"


class CaseMonthStat(models.Model):
    """Monthly rollup per unit × item × window, kept up to date as cases finish, so dashboards
    never scan cases. ``month`` is the first day of the month the case finished in."""

    month = models.DateField(db_index=True)
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.CASCADE, related_name="+")
    # The window the case was registered at, or the unit itself for cases without one.
    window = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    handling_type = models.CharField(max_length=10)
    finished = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    early = models.IntegerField(default=0)
    days_total = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "item", "window"], name="case_month_stat_key"
            )
        ]
        indexes = [models.Index(fields=["unit", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_id}/{self.item_id}"


class CaseDurationStat(models.Model):
    """How many cases finished in a month took exactly ``days`` working days (for medians/p90)."""

    month = models.DateField()
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.CASCADE, related_name="+")
    days = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "item", "days"], name="case_duration_stat_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.days}d×{self.count}"
