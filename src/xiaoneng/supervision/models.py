"""Electronic supervision (电子监察): the shared deadline fields, cards and per-type rules.

Every record with a time limit — a case, a step, a complaint, a rectification task — carries the
same five fields (``DeadlineFields``). The sweeper only ever asks the partial indexes on them for
records whose warn/due instant has passed and that were not yet handled, so its cost follows the
number of new warnings, not the number of open records.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet


class DeadlineFields(models.Model):
    """Fields every watched record has; concrete models add the two partial indexes below."""

    due_at = models.DateTimeField("到期时间", null=True, blank=True)
    warn_at = models.DateTimeField("预警时间", null=True, blank=True)
    deadline_open = models.BooleanField("在监察中", default=True)
    warned_at = models.DateTimeField("已预警于", null=True, blank=True)
    overdue_at = models.DateTimeField("已超期于", null=True, blank=True)
    deadline_provisional = models.BooleanField(
        "期限为临时", default=False, help_text="跨入节假日安排未公布的年份，按周一至周五计算"
    )

    class Meta:
        abstract = True
        indexes = [
            models.Index(
                fields=["warn_at"],
                name="%(app_label)s_%(class)s_warn",
                condition=Q(deadline_open=True, warned_at__isnull=True),
            ),
            models.Index(
                fields=["due_at"],
                name="%(app_label)s_%(class)s_due",
                condition=Q(deadline_open=True, overdue_at__isnull=True),
            ),
        ]


class CardQuerySet(ScopedQuerySet):
    # Window staff also see the cards on the cases registered at their window (the case page lists
    # them) and the cards naming one of their window's staff (e.g. as a case's handler).
    window_paths = ("window__path", "staff__unit__path")
    view_reach = {
        Role.ADMIN: Reach.ALL,
        Role.OFFICE: Reach.ALL,
        Role.LEADER: Reach.SUBTREE,
        Role.LIAISON: Reach.SUBTREE,
        Role.WINDOW: Reach.WINDOW,
        Role.SUPERVISOR: Reach.ALL,
    }
    # A unit liaison contests a card against their unit; the office decides.
    edit_reach = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL, Role.LIAISON: Reach.SUBTREE}

    def counting(self) -> CardQuerySet:
        """Cards that count in assessment and accountability (not withdrawn)."""
        return self.exclude(status=Card.Status.WITHDRAWN)


class Card(models.Model):
    """牌 (黄牌/红牌): a formal, recorded warning to a unit and, where known, a person."""

    class Color(models.TextChoices):
        YELLOW = "yellow", _("黄牌")
        RED = "red", _("红牌")

    class Cause(models.TextChoices):
        STEP_OVERDUE = "step_overdue", _("环节超时")
        REPEATED_CORRECTION = "repeated_correction", _("重复补正（违反一次性告知）")
        VETO_UNFILED = "veto_unfiled", _("否决事项未报告备案")
        CASE_OVERDUE = "case_overdue", _("办件超过承诺时限")
        FEE_OUTSIDE_CATALOG = "fee_outside_catalog", _("目录外收费")
        YELLOW_ACCUMULATION = "yellow_accumulation", _("黄牌累计")
        COMPLAINT_OVERDUE = "complaint_overdue", _("投诉办理超期")
        COMPLAINT_SUBSTANTIATED = "complaint_true", _("效能投诉属实")
        RATING_RECTIFY_OVERDUE = "rating_rectify_overdue", _("差评整改超期")
        RECTIFY_PLAN_OVERDUE = "rectify_plan_overdue", _("整改方案逾期未报")
        RECTIFY_OVERDUE = "rectify_overdue", _("整改逾期未完成")
        INSPECTION_FINDING = "inspection_finding", _("明查暗访发现问题")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        CONTESTED = "contested", _("申诉中")
        UPHELD = "upheld", _("申诉已驳回")
        WITHDRAWN = "withdrawn", pgettext_lazy("牌的状态", "已撤销")

    color = models.CharField("颜色", max_length=6, choices=Color.choices)
    cause = models.CharField("事由", max_length=30, choices=Cause.choices)
    cause_key = models.CharField("事由标识", max_length=120)
    unit = models.ForeignKey(
        "org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="cards"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name="责任人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cards",
    )
    window = models.ForeignKey(
        "org.Unit",
        verbose_name="受理窗口",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="卡所涉办件的受理窗口",
    )
    sequence = models.PositiveIntegerField(
        "累计红牌序号",
        null=True,
        blank=True,
        help_text="黄牌累计红牌：该责任人（未指明责任人时为该单位）的第几张，编号不重复使用",
    )
    subject_type = models.CharField("对象类型", max_length=60, blank=True)
    subject_id = models.CharField("对象ID", max_length=40, blank=True)
    summary = models.CharField("说明", max_length=300)
    raised_at = models.DateTimeField("亮牌时间", db_index=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    contest_reason = models.TextField("申诉理由", blank=True)
    contested_at = models.DateTimeField("申诉时间", null=True, blank=True)
    contested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField("处理意见", blank=True)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CardQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = "黄牌/红牌"
        verbose_name_plural = "黄牌/红牌"
        constraints = [
            # The guarantee behind "each card is raised exactly once per cause": whatever a worker
            # crash or a race does, the second insert of the same cause fails here.
            models.UniqueConstraint(fields=["cause", "cause_key"], name="card_once_per_cause")
        ]
        indexes = [
            models.Index(fields=["unit", "raised_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_color_display()}·{self.get_cause_display()}·{self.unit}"


class AccumulatedYellow(models.Model):
    """黄牌累计: one yellow card counted towards one accumulation red card.

    A red card keeps its rows for good (the record of what made it). A row is *released* when the
    red card fell because one of its yellow cards was withdrawn: the other yellow cards then count
    again. The partial unique key makes "each yellow card counts towards at most one red card" a
    guarantee of the database, whatever two sweepers do at the same moment.
    """

    red = models.ForeignKey(
        Card, verbose_name="累计红牌", on_delete=models.CASCADE, related_name="accumulated"
    )
    yellow = models.ForeignKey(
        Card, verbose_name="黄牌", on_delete=models.RESTRICT, related_name="accumulations"
    )
    released_at = models.DateTimeField("释放时间", null=True, blank=True)

    class Meta:
        ordering = ["red", "yellow__raised_at", "yellow"]
        verbose_name = "累计黄牌"
        verbose_name_plural = "累计黄牌"
        constraints = [
            models.UniqueConstraint(
                fields=["yellow"],
                condition=Q(released_at__isnull=True),
                name="yellow_counts_towards_one_red",
            ),
            models.UniqueConstraint(fields=["red", "yellow"], name="accumulated_yellow_once"),
        ]

    def __str__(self) -> str:
        return f"{self.red_id}←{self.yellow_id}"


class SupervisionRule(models.Model):
    """监察规则 per handling type (办件类型); a missing row means the defaults below."""

    class CorrectionMode(models.TextChoices):
        RESTART = "restart", _("补正材料到达后重新计算时限")
        RESUME = "resume", _("补正材料到达后继续计算时限")

    handling_type = models.CharField(
        "办件类型",
        max_length=10,
        unique=True,
        choices=[
            ("instant", _("即办件")),
            ("promised", _("承诺件")),
            ("joint", _("联办件")),
            ("reported", _("上报件")),
        ],
    )
    warn_days = models.PositiveSmallIntegerField(
        "预警提前量（工作日）", null=True, blank=True, help_text="为空时使用事项自身的设置"
    )
    correction_mode = models.CharField(
        "补正后时限", max_length=8, choices=CorrectionMode.choices, default=CorrectionMode.RESTART
    )
    max_extension_days = models.PositiveSmallIntegerField("延期上限（工作日）", default=10)
    veto_filing_days = models.PositiveSmallIntegerField("否决事项备案期限（工作日）", default=3)
    yellow_cards_for_red = models.PositiveSmallIntegerField("累计几张黄牌升红牌", default=3)
    yellow_window_months = models.PositiveSmallIntegerField("黄牌累计周期（月）", default=12)

    class Meta:
        verbose_name = "监察规则"
        verbose_name_plural = "监察规则"

    def __str__(self) -> str:
        return f"{self.handling_type} 监察规则"

    @classmethod
    def for_type(cls, handling_type: str) -> SupervisionRule:
        rule = cls.objects.filter(handling_type=handling_type).first()
        return rule or cls(handling_type=handling_type)
