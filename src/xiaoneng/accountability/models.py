"""Accountability (责任追究, C9): from a violation to a decided, appealable sanction.

- A :class:`Violation` (效能问题线索) is opened from a source record another app keeps — a red
  card, a 属实 complaint, a refused acceptance, a 差评 found 属实, later an inspection finding —
  or by the office by hand; a source opens at most one (unique kind and id). It names the unit
  and, where known, the person responsible.
- Its procedure (调查 → 陈述申辩 → 处理意见 → 决定 → 送达) and the appeal (申诉/复核) run on
  ``xiaoneng.workflow`` tables in ``services``; the 陈述申辩 limit and the appeal limit are the
  violation's deadline on the shared engine.
- :class:`Rule` rows (cause × count in a period → proposed sanction) propose; a person decides.

Privacy: the person is not a foreign key. The violation keeps the person encrypted
(``person_token``, ``xiaoneng.crypto``) and a keyed digest of the staff id (``person_digest``)
to find a person's file; a database reader learns the unit and the sanction, not who.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet
from xiaoneng.supervision.models import DeadlineFields


class Sanction(models.TextChoices):
    """处理方式, the ladder from the mildest (DESIGN: 提醒 → … → 辞退)."""

    REMINDER = "reminder", _("提醒")
    EDUCATION = "education", _("批评教育")
    ADMONITION = "admonition", _("告诫")
    CRITICISM = "criticism", _("通报批评")
    TALK = "talk", _("诫勉谈话")
    TRANSFER = "transfer", _("调离岗位")
    DEMOTION = "demotion", _("降职/撤职")
    DISMISSAL = "dismissal", _("辞退")


LADDER: tuple[str, ...] = tuple(Sanction.values)


def rank(sanction: str) -> int:
    """The sanction's place on the ladder (0: 提醒)."""
    return LADDER.index(sanction)


class Cause(models.TextChoices):
    """线索来源: the kinds of source record a violation comes from."""

    RED_CARD = "red_card", _("红牌")
    RED_ACCUMULATION = "red_accumulation", _("黄牌累计红牌")
    COMPLAINT = "complaint", _("效能投诉属实")
    RECTIFY_REFUSED = "rectify_refused", _("整改验收不通过")
    RATING = "rating", _("差评核实属实")
    INSPECTION = "inspection", _("明查暗访")
    ASSESSMENT = "assessment", _("绩效考评末位")
    MANUAL = "manual", _("效能办立案")


#: Who may see violations: the office everything, a leader their subtree. Liaisons, window
#: staff and supervisors see none (a person's own violations reach them through ``visible_to``).
VIEW: dict[str, Reach] = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL, Role.LEADER: Reach.SUBTREE}
EDIT: dict[str, Reach] = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL}
OFFICE_ROLES = frozenset({Role.ADMIN, Role.OFFICE})
DECIDER_ROLES = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})


class Policy(models.Model):
    """责任追究参数 (one row): limits and who decides what. Edited in the admin, audited."""

    statement_days = models.PositiveSmallIntegerField("陈述申辩期限（工作日）", default=5)
    statement_warn_days = models.PositiveSmallIntegerField("陈述申辩预警（工作日）", default=1)
    appeal_days = models.PositiveSmallIntegerField("申诉期限（工作日）", default=15)
    appeal_warn_days = models.PositiveSmallIntegerField("申诉期限预警（工作日）", default=3)
    leadership_levels = models.JSONField(
        "须由领导决定的处理方式",
        default=list,
        blank=True,
        help_text="处理方式代码，如 talk、transfer、demotion、dismissal",
    )
    intake_lookback_days = models.PositiveSmallIntegerField(
        "自动立案回溯（天）", default=30, help_text="电子监察自动立案时查找多少天内的来源记录"
    )

    class Meta:
        verbose_name = "责任追究参数"
        verbose_name_plural = "责任追究参数"

    def __str__(self) -> str:
        return "责任追究参数"


class Rule(models.Model):
    """追究规则: ``count`` or more violations of ``cause`` (matching ``category``) by the same
    person (or unit, when no person is named) within ``months`` → propose ``sanction``.
    ``auto_open``: the sweeper opens violations of this cause by itself."""

    cause = models.CharField("线索来源", max_length=20, choices=Cause.choices)
    category = models.CharField(
        "类别包含", max_length=50, blank=True, help_text="只适用于说明中含此词的线索，如“吃拿卡要”"
    )
    count = models.PositiveSmallIntegerField("次数", default=1)
    months = models.PositiveSmallIntegerField("期间（月）", default=12)
    sanction = models.CharField("建议处理方式", max_length=12, choices=Sanction.choices)
    auto_open = models.BooleanField("自动立案", default=False)
    active = models.BooleanField("在用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["cause", "count", "category"]
        verbose_name = "追究规则"
        verbose_name_plural = "追究规则"

    def __str__(self) -> str:
        what = f"（{self.category}）" if self.category else ""
        return (
            f"{self.get_cause_display()}{what}{self.months}个月内第{self.count}次"
            f" → {self.get_sanction_display()}"
        )


class ViolationQuerySet(ScopedQuerySet):
    view_reach = VIEW
    edit_reach = EDIT

    def visible_to(self, user) -> models.QuerySet:
        scoped = super().visible_to(user)
        if user is None or not user.is_authenticated:
            return scoped
        from .people import digests_for_user

        own = digests_for_user(user)
        if own:
            return scoped | self.filter(person_digest__in=own)
        return scoped

    def on_record(self) -> ViolationQuerySet:
        """What counts on a person's record: decided and not withdrawn on appeal."""
        return self.filter(sanction__gt="", withdrawn=False)

    def published(self) -> ViolationQuerySet:
        return self.filter(published=True, withdrawn=False, sanction=Sanction.CRITICISM)


class Violation(DeadlineFields):
    """效能问题线索 and its procedure up to the decision, delivery and appeal window."""

    class Status(models.TextChoices):
        OPEN = "open", _("待调查")
        INVESTIGATING = "investigating", _("调查中")
        STATEMENT = "statement", _("陈述申辩期")
        PROPOSAL = "proposal", _("待提出处理意见")
        DECIDING = "deciding", _("待决定")
        DECIDED = "decided", _("已决定待送达")
        DELIVERED = "delivered", _("已送达")
        APPEALED = "appealed", _("申诉复核中")
        CLOSED = "closed", _("已办结")
        DISMISSED = "dismissed", _("不予追究")

    cause = models.CharField("线索来源", max_length=20, choices=Cause.choices, db_index=True)
    source_id = models.BigIntegerField("来源记录", null=True, blank=True)
    source_label = models.CharField("来源说明", max_length=200)
    source_link = models.CharField("来源链接", max_length=300, blank=True)
    category = models.CharField("类别", max_length=50, blank=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="violations"
    )
    person_token = models.TextField("责任人（加密）", blank=True, editable=False)
    person_digest = models.CharField("责任人摘要", max_length=64, blank=True, db_index=True)
    summary = models.CharField("问题", max_length=300)
    occurred_at = models.DateTimeField("发生时间", db_index=True)
    status = models.CharField("状态", max_length=14, choices=Status.choices, db_index=True)
    opened_at = models.DateTimeField("立案时间")
    opened_by_name = models.CharField("立案人", max_length=150)
    investigator = models.ForeignKey(
        "accounts.User",
        verbose_name="调查人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    findings = models.TextField("调查情况", blank=True)
    statement_requested_at = models.DateTimeField("告知陈述申辩时间", null=True, blank=True)
    statement = models.TextField("陈述申辩意见", blank=True)
    statement_at = models.DateTimeField("陈述申辩时间", null=True, blank=True)
    statement_lapsed = models.BooleanField("逾期未陈述申辩", default=False)
    suggested = models.CharField(
        "规则建议", max_length=12, choices=Sanction.choices, blank=True, editable=False
    )
    suggested_by = models.CharField("建议依据", max_length=200, blank=True, editable=False)
    proposed = models.CharField("处理意见", max_length=12, choices=Sanction.choices, blank=True)
    proposal_reason = models.TextField("处理意见理由", blank=True)
    proposed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sanction = models.CharField(
        "处理决定", max_length=12, choices=Sanction.choices, blank=True, db_index=True
    )
    decision_text = models.TextField("决定内容", blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    delivery_note = models.CharField("送达情况", max_length=200, blank=True)
    withdrawn = models.BooleanField("已撤销", default=False)
    published = models.BooleanField("已公开通报", default=False)
    published_text = models.TextField("公开内容", blank=True)
    #: Several persons responsible for one event: the first row (``joint_of`` empty) holds the
    #: source; each further person has a row of their own pointing to it, with their own
    #: statement, proposal, decision, delivery and appeal (sanctions are personal).
    joint_of = models.ForeignKey(
        "self",
        verbose_name="同一线索",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="joint",
    )

    objects = ViolationQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = "效能问题线索"
        verbose_name_plural = "效能问题线索"
        constraints = [
            # A source opens at most one violation (further persons of it are rows joint to
            # that one), whatever a race or a rerun does.
            models.UniqueConstraint(
                fields=["cause", "source_id"],
                name="violation_once_per_source",
                condition=Q(source_id__isnull=False, joint_of__isnull=True),
            ),
            # One row per person of a violation: the same person cannot be named twice.
            models.UniqueConstraint(
                fields=["joint_of", "person_digest"],
                name="violation_person_once",
                condition=Q(joint_of__isnull=False) & ~Q(person_digest=""),
            ),
        ]
        indexes = [
            models.Index(
                fields=["warn_at"],
                name="acc_violation_warn",
                condition=Q(deadline_open=True, warned_at__isnull=True),
            ),
            models.Index(
                fields=["due_at"],
                name="acc_violation_due",
                condition=Q(deadline_open=True, overdue_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"ZJ{self.opened_at:%Y}{self.pk:05d}" if self.pk else "ZJ"

    @property
    def has_person(self) -> bool:
        return bool(self.person_token)

    @property
    def lead_id(self) -> int | None:
        """The id of the violation's first row (this one, or the one it is joint to)."""
        return self.joint_of_id or self.pk


class Appeal(models.Model):
    """申诉/复核: the person asks a different decider to review the decision."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("维持原决定")
        CHANGED = "changed", _("变更处理方式")
        WITHDRAWN = "withdrawn", _("撤销原决定")

    violation = models.OneToOneField(Violation, on_delete=models.CASCADE, related_name="appeal")
    filed_at = models.DateTimeField("申诉时间")
    filed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_by_name = models.CharField("申诉登记人", max_length=150)
    on_behalf = models.BooleanField("效能办代为登记", default=False)
    reason = models.TextField("申诉理由")
    original = models.CharField("原处理决定", max_length=12, choices=Sanction.choices)
    outcome = models.CharField("复核结果", max_length=10, choices=Outcome.choices, blank=True)
    new_sanction = models.CharField(
        "变更后的处理方式", max_length=12, choices=Sanction.choices, blank=True
    )
    decision = models.TextField("复核意见", blank=True)
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "申诉"
        verbose_name_plural = "申诉"

    def __str__(self) -> str:
        return f"{self.violation.number}的申诉"


class Event(models.Model):
    """A line of a violation's history (办理过程)."""

    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间")
    actor_name = models.CharField("办理人", max_length=150)
    label = models.CharField("环节", max_length=40)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "办理过程"
        verbose_name_plural = "办理过程"

    def __str__(self) -> str:
        return self.label


class IntakeRun(DeadlineFields):
    """自动立案: one row per scan, due when the scan should run; the sweeper's watch runs it and
    schedules the next (claim-and-mark, so each scan runs once)."""

    opened = models.PositiveIntegerField("立案数", default=0)

    class Meta:
        ordering = ["-due_at"]
        verbose_name = "自动立案扫描"
        verbose_name_plural = "自动立案扫描"
        indexes = [
            models.Index(
                fields=["warn_at"],
                name="acc_intake_warn",
                condition=Q(deadline_open=True, warned_at__isnull=True),
            ),
            models.Index(
                fields=["due_at"],
                name="acc_intake_due",
                condition=Q(deadline_open=True, overdue_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"自动立案扫描 {self.due_at:%Y-%m-%d}" if self.due_at else "自动立案扫描"
