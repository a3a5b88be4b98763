"""Inspections (明查暗访, C8): checks at the counter by the office's teams and by appointed
效能监督员, from the checklist to the confirmed finding.

- :class:`CheckItem` (检查项目): what is checked — 三卡 (胸卡、台卡、去向卡),
  三制 (首问负责、限时办结、服务承诺), work discipline, the 四难/三乱/吃拿卡要 bans —
  with a category and a deduction or a pass/fail; versioned: an edit makes a new version,
  findings keep the version they were recorded against.
- :class:`Plan` (检查计划): 明查 (announced) or 暗访 (covert), a period, the units or windows to
  visit (:class:`Target`, chosen or drawn with a recorded seed), a team of staff and supervisors.
- :class:`Visit` (检查记录): one visit to one unit; several team members record its
  :class:`Finding` rows (发现问题), with :class:`Photo` evidence. A supervisor's own observation
  (监督员随访) is a visit without a plan.
- A confirmed finding may be contested (申辩) by the unit within N working days: the window is
  the finding's deadline on the shared engine (``DeadlineFields``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet
from xiaoneng.supervision.models import DeadlineFields

OFFICE_ROLES = frozenset({Role.ADMIN, Role.OFFICE})
#: Who may be on a team: the office's staff and appointed supervisors.
TEAM_ROLES = frozenset({Role.ADMIN, Role.OFFICE, Role.SUPERVISOR})


class Rules(models.Model):
    """明查暗访规则; one row, missing means the defaults."""

    contest_days = models.PositiveSmallIntegerField(
        "申辩期限（工作日）", default=5, help_text="自确认之次日起"
    )
    keep_gps = models.BooleanField(
        "保留照片位置信息", default=False, help_text="默认在保存前去除照片中的 GPS 位置"
    )
    max_photo_mb = models.PositiveSmallIntegerField("照片大小上限（MB）", default=8)

    class Meta:
        verbose_name = "明查暗访规则"
        verbose_name_plural = "明查暗访规则"

    def __str__(self) -> str:
        return "明查暗访规则"

    @classmethod
    def current(cls) -> Rules:
        return cls.objects.order_by("pk").first() or cls()


class CheckItem(models.Model):
    """检查项目, one version of it. ``code`` stays across versions; only the current version
    is offered for new findings."""

    class Category(models.TextChoices):
        CARDS = "cards", _("三卡")
        RULES = "rules", _("三制")
        DISCIPLINE = "discipline", _("工作纪律")
        ATTITUDE = "attitude", _("服务态度")
        INTEGRITY = "integrity", _("廉洁服务")
        OTHER = "other", _("其他")

    class Kind(models.TextChoices):
        DEDUCTION = "deduction", _("扣分")
        PASS_FAIL = "pass_fail", _("合格/不合格")

    code = models.CharField("编号", max_length=20)
    version = models.PositiveSmallIntegerField("版本", default=1)
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    name = models.CharField("检查项目", max_length=100)
    description = models.TextField("检查要点", blank=True)
    kind = models.CharField("计分方式", max_length=10, choices=Kind.choices)
    deduction = models.DecimalField("每处扣分", max_digits=5, decimal_places=2, default=Decimal(0))
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_current = models.BooleanField("现行版本", default=True)
    created_at = models.DateTimeField("修订时间")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sort_order", "code", "-version"]
        verbose_name = "检查项目"
        verbose_name_plural = "检查项目"
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="checkitem_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="checkitem_one_current"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PlanQuerySet(ScopedQuerySet):
    """Who sees a plan: the office all; a team member their plans; a unit (liaison, window
    staff, leader of it) a 明查 plan that visits its subtree, a 暗访 plan only once a visit to
    its subtree has been recorded; a leader also every plan with a recorded visit."""

    def visible_to(self, user) -> models.QuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        role = Role.ADMIN if user.is_superuser else user.role
        if role in OFFICE_ROLES:
            return self.all()
        mine = Q(team=user)
        if role in (Role.LIAISON, Role.WINDOW, Role.LEADER) and user.unit_id is not None:
            prefix = user.unit.path
            targeted = Target.objects.filter(plan=OuterRef("pk"), unit__path__startswith=prefix)
            recorded = Visit.objects.filter(
                plan=OuterRef("pk"), unit__path__startswith=prefix
            ).exclude(status=Visit.Status.RECORDING)
            mine |= (Q(kind=Plan.Kind.OPEN) & Exists(targeted)) | Exists(recorded)
        return self.filter(mine).distinct()

    def editable_by(self, user) -> models.QuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        role = Role.ADMIN if user.is_superuser else user.role
        return self.all() if role in OFFICE_ROLES else self.none()


class Plan(models.Model):
    """检查计划: 明查 or 暗访, a period, the units to visit, a team."""

    class Kind(models.TextChoices):
        OPEN = "open", _("明查")
        COVERT = "covert", _("暗访")

    class Status(models.TextChoices):
        ACTIVE = "active", _("进行中")
        CLOSED = "closed", _("已结束")

    title = models.CharField("计划名称", max_length=120)
    kind = models.CharField("方式", max_length=8, choices=Kind.choices)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.ACTIVE)
    focus = models.TextField("检查重点", blank=True)
    team = models.ManyToManyField(
        "accounts.User", verbose_name="检查组成员", related_name="inspection_plans"
    )
    # The draw (抽取): the seed as typed and canonical, the pool's digest and size, how many.
    draw_seed = models.CharField("随机种子", max_length=200, blank=True)
    draw_canonical = models.CharField("规范种子", max_length=200, blank=True)
    draw_pool_hash = models.CharField("备选单位哈希", max_length=64, blank=True)
    draw_pool = models.JSONField("备选单位代码", default=list, blank=True)
    draw_count = models.PositiveSmallIntegerField("抽取数量", null=True, blank=True)
    name_people = models.BooleanField(
        "通报中点名", default=False, help_text="通报是否写出被确认问题的责任人姓名"
    )
    created_at = models.DateTimeField("制定时间")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = "检查计划"
        verbose_name_plural = "检查计划"
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="plan_end_after")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def drawn(self) -> bool:
        return bool(self.draw_canonical)


class Target(models.Model):
    """A unit or window a plan visits (检查对象)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(
        "org.Unit", verbose_name="检查对象", on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = "检查对象"
        verbose_name_plural = "检查对象"
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit"], name="target_once_per_plan")
        ]

    def __str__(self) -> str:
        return self.unit.name


#: The office, and the unit visited once the visit is recorded (leaders, liaisons, windows of
#: its subtree); supervisors the visits they record (``VisitQuerySet.visible_to``).
VISIT_VIEW: dict[str, Reach] = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LEADER: Reach.SUBTREE,
    Role.LIAISON: Reach.SUBTREE,
    Role.WINDOW: Reach.SUBTREE,
}


class VisitQuerySet(ScopedQuerySet):
    view_reach = VISIT_VIEW
    edit_reach: ClassVar[dict[str, Reach]] = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL}

    def visible_to(self, user) -> models.QuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        role = Role.ADMIN if user.is_superuser else user.role
        if role in OFFICE_ROLES:
            return self.all()
        unit_side = super().visible_to(user).exclude(status=Visit.Status.RECORDING)
        team = self.filter(Q(plan__team=user) | Q(created_by=user))
        return self.filter(Q(pk__in=unit_side.values("pk")) | Q(pk__in=team.values("pk")))


class Visit(models.Model):
    """检查记录: one visit to one unit (or a supervisor's observation, without a plan). Once
    submitted (recorded) the unit sees it, and with it a 暗访 plan that led to it."""

    class Status(models.TextChoices):
        RECORDING = "recording", _("记录中")
        SUBMITTED = "submitted", _("待审核")
        REVIEWED = "reviewed", _("已审核")

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name="被检查单位", on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField("检查日期")
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.RECORDING, db_index=True
    )
    note = models.TextField("检查情况", blank=True)
    created_at = models.DateTimeField("创建时间")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核完成时间", null=True, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = "检查记录"
        verbose_name_plural = "检查记录"

    def __str__(self) -> str:
        return f"{self.unit.name} {self.visited_on:%Y-%m-%d}"

    @property
    def is_observation(self) -> bool:
        return self.plan_id is None


#: Findings follow their visit, but the unit sees only what the office confirmed.
class FindingQuerySet(ScopedQuerySet):
    unit_path = "visit__unit__path"
    view_reach = VISIT_VIEW
    edit_reach: ClassVar[dict[str, Reach]] = {
        Role.ADMIN: Reach.ALL,
        Role.OFFICE: Reach.ALL,
        Role.LIAISON: Reach.SUBTREE,
    }

    def visible_to(self, user) -> models.QuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        role = Role.ADMIN if user.is_superuser else user.role
        if role in OFFICE_ROLES:
            return self.all()
        unit_side = super().visible_to(user).filter(status__in=Finding.SHOWN_TO_UNIT)
        team = self.filter(Q(visit__plan__team=user) | Q(visit__created_by=user))
        return self.filter(Q(pk__in=unit_side.values("pk")) | Q(pk__in=team.values("pk")))

    def confirmed(self) -> FindingQuerySet:
        """Findings that stand: confirmed, contested and upheld (not dropped nor withdrawn)."""
        return self.filter(status__in=Finding.STANDING)


class Finding(DeadlineFields):
    """发现问题: one breach of one check item (or, without an item, a described one), with the
    person concerned when known. Its deadline (``DeadlineFields``) is the unit's window to
    contest (申辩) once the office has confirmed it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        CONFIRMED = "confirmed", _("已确认")
        DROPPED = "dropped", _("不予认定")
        CONTESTED = "contested", _("申辩中")
        UPHELD = "upheld", _("申辩未采纳")
        WITHDRAWN = "withdrawn", _("申辩采纳已撤销")

    STANDING = ("confirmed", "contested", "upheld")
    SHOWN_TO_UNIT = ("confirmed", "contested", "upheld", "withdrawn")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(
        CheckItem,
        verbose_name="检查项目",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
    )
    note = models.TextField("问题描述", blank=True)
    person = models.ForeignKey(
        "org.Staff",
        verbose_name="当事人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deduction = models.DecimalField("扣分", max_digits=5, decimal_places=2, default=Decimal(0))
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: The recording page's own id for a finding, so that a draft sent twice (a lost answer on a
    #: poor connection) is stored once.
    client_key = models.CharField(max_length=64, blank=True)
    review_reason = models.TextField("审核意见", blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True, db_index=True)
    contest_reason = models.TextField("申辩理由", blank=True)
    contested_at = models.DateTimeField("申辩时间", null=True, blank=True)
    contested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField("申辩处理意见", blank=True)
    decided_at = models.DateTimeField("申辩处理时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    final_at = models.DateTimeField(
        "申辩期满", null=True, blank=True, help_text="申辩期限届满而未申辩之时（监察引擎记）"
    )

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = "发现问题"
        verbose_name_plural = "发现问题"
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "client_key"],
                condition=~Q(client_key=""),
                name="finding_once_per_client_key",
            ),
            models.CheckConstraint(
                condition=Q(item__isnull=False) | ~Q(note=""), name="finding_item_or_note"
            ),
        ]
        indexes = [
            models.Index(
                fields=["warn_at"],
                name="insp_finding_warn",
                condition=Q(deadline_open=True, warned_at__isnull=True),
            ),
            models.Index(
                fields=["due_at"],
                name="insp_finding_due",
                condition=Q(deadline_open=True, overdue_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit.unit.name}：{self.title}"

    @property
    def title(self) -> str:
        if self.item is not None:
            return self.item.name
        return self.note[:30]

    @property
    def number(self) -> str:
        return f"MC{self.recorded_at:%Y}{self.pk:06d}"


class Photo(models.Model):
    """现场照片: stored under a random name, EXIF time kept, GPS stripped unless kept by rule."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField("照片", upload_to="inspections/%Y/%m/")
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    gps_kept = models.BooleanField("保留位置", default=False)
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        ordering = ["finding", "pk"]
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"

    def __str__(self) -> str:
        return f"现场照片{self.pk}"
