"""Service catalog (C2, 事项目录 / 办事指南, 六公开).

An item (事项) keeps its identity (code, owning unit, handling type); what it says — basis,
conditions, materials, fees, steps, time limits — lives in versions. A version takes effect from a
date; a case keeps the version it was accepted under, so editing the guide never moves an existing
case's deadline.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet
from xiaoneng.workdays import CountRule

# Everyone on the staff side may read the catalog (it is public anyway); the office maintains it
# everywhere, a unit liaison maintains their own unit's items.
CATALOG_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LEADER: Reach.ALL,
    Role.LIAISON: Reach.ALL,
    Role.WINDOW: Reach.ALL,
    Role.SUPERVISOR: Reach.ALL,
}
CATALOG_EDIT = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL, Role.LIAISON: Reach.SUBTREE}


class HandlingType(models.TextChoices):
    """办件类型 (五件管理): how an item is handled and therefore how its clock runs."""

    INSTANT = "instant", _("即办件")
    PROMISED = "promised", _("承诺件")
    JOINT = "joint", _("联办件")
    REPORTED = "reported", _("上报件")


class ServiceItemQuerySet(ScopedQuerySet):
    view_reach = CATALOG_VIEW
    edit_reach = CATALOG_EDIT

    def public(self, day: date | None = None) -> ServiceItemQuerySet:
        """Items a citizen can read: active, with a version in force on ``day`` (default today).

        ``Exists`` rather than a join keeps one row per item without ``distinct()``, which would
        defeat the indexes and the pagination count on a large catalog.
        """
        from django.utils import timezone

        day = day or timezone.localdate()
        in_force = ServiceItemVersion.objects.filter(
            item=models.OuterRef("pk"), effective_from__lte=day
        )
        return self.filter(models.Exists(in_force), is_active=True)

    def search(self, text: str) -> ServiceItemQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text) | Q(code__iexact=text) | Q(keywords__icontains=text)
        )


class ServiceItem(models.Model):
    """事项: one administrative service a citizen or enterprise can apply for."""

    code = models.CharField("事项编码", max_length=40, unique=True)
    name = models.CharField("事项名称", max_length=200, db_index=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name="实施单位", on_delete=models.PROTECT, related_name="service_items"
    )
    handling_type = models.CharField(
        "办件类型", max_length=10, choices=HandlingType.choices, default=HandlingType.PROMISED
    )
    category = models.CharField(
        "事项类别", max_length=30, blank=True, help_text="如：行政许可、行政确认、公共服务"
    )
    keywords = models.CharField("检索关键词", max_length=200, blank=True)
    is_active = models.BooleanField("在用", default=True)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "事项"
        verbose_name_plural = "事项"
        # The guide search filters on these two before anything else.
        indexes = [
            models.Index(fields=["is_active", "handling_type"], name="catalog_item_active_type")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def version_on(self, day: date) -> ServiceItemVersion | None:
        """The version in force on ``day`` (the latest one that took effect on or before it)."""
        return (
            self.versions.filter(effective_from__lte=day)
            .order_by("-effective_from", "-number")
            .first()
        )

    @property
    def current_version(self) -> ServiceItemVersion | None:
        from django.utils import timezone

        return self.version_on(timezone.localdate())


class ServiceItemVersion(models.Model):
    """One edition of an item's guide (办事指南). Immutable once a case has used it."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    effective_from = models.DateField("生效日期")
    legal_basis = models.TextField("设定依据")
    conditions = models.TextField("受理条件", blank=True)
    fee_free = models.BooleanField("不收费", default=True)
    legal_limit_days = models.PositiveIntegerField("法定时限（工作日）")
    committed_limit_days = models.PositiveIntegerField("承诺时限（工作日）")
    warn_days = models.PositiveIntegerField(
        "预警提前量（工作日）", default=2, help_text="剩余工作日不超过此数时亮黄灯"
    )
    # What the law of this version says beyond the limit itself (e.g. 政府信息公开条例 2007:
    # 15 + 15 working days; 2019: 20 + 20, 补正 restarts the count). Blank: the supervision
    # rule of the item's handling type decides, as before.
    extension_days = models.PositiveIntegerField(
        "法定可延长（工作日）",
        null=True,
        blank=True,
        help_text="依法经批准可延长的最长期限；不填按电子监察规则的延期上限",
    )
    correction_mode = models.CharField(
        "补正后计时",
        max_length=8,
        blank=True,
        default="",
        choices=[
            ("", _("按电子监察规则")),
            ("restart", _("补正材料到达后重新计算时限")),
            ("resume", _("补正材料到达后继续计算时限")),
        ],
    )
    # 计时规则: how the committed limit counts from the acceptance (and a restarting 补正).
    # 次日起算 is the general rule (民法典 §201: 开始的当日不计入); some places' rules count the
    # day itself (含本数, e.g. 穗政数规字〔2020〕1号). docs/decisions.md.
    count_rule = models.CharField(
        "计时规则",
        max_length=10,
        choices=[
            (CountRule.NEXT_DAY.value, _("次日起算")),
            (CountRule.INCLUSIVE.value, _("含本数（当日起算）")),
        ],
        default=CountRule.NEXT_DAY.value,
        help_text="次日起算：受理当日不计入；含本数：受理当日为工作日的计为第1日，早一个工作日到期",
    )
    result_document = models.CharField("办理结果", max_length=200, blank=True)
    where_to_apply = models.CharField("办理地点", max_length=300, blank=True)
    office_hours = models.CharField("办理时间", max_length=200, blank=True)
    contact_phone = models.CharField("咨询电话", max_length=60, blank=True)
    supervision_phone = models.CharField("监督投诉电话", max_length=60, blank=True)
    online_available = models.BooleanField("可网上办理", default=False)
    note = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["item", "-effective_from", "-number"]
        verbose_name = "事项版本"
        verbose_name_plural = "事项版本"
        # version_on(day): the latest version of an item effective on or before a day.
        indexes = [
            models.Index(fields=["item", "effective_from", "number"], name="catalog_version_on")
        ]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_number_unique"),
            models.CheckConstraint(
                condition=Q(committed_limit_days__lte=models.F("legal_limit_days")),
                name="committed_limit_within_legal_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} 第{self.number}版（{self.effective_from}起）"


class Material(models.Model):
    """申请材料: one document the applicant must (or may) bring."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("原件")
        COPY = "copy", _("复印件")
        ORIGINAL_AND_COPY = "both", _("原件和复印件")
        ELECTRONIC = "electronic", _("电子件")

    version = models.ForeignKey(
        ServiceItemVersion, on_delete=models.CASCADE, related_name="materials"
    )
    order = models.PositiveSmallIntegerField("序号")
    name = models.CharField("材料名称", max_length=200)
    form = models.CharField("材料形式", max_length=12, choices=Form.choices, default=Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField("份数", default=1)
    mandatory = models.BooleanField("必需", default=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["version", "order"]
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="material_order_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Fee(models.Model):
    """收费项目: a fee the catalog allows, with its legal basis.

    A fee not listed is a 红牌 cause."""

    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField("收费项目", max_length=200)
    standard = models.CharField("收费标准", max_length=200)
    amount = models.DecimalField(
        "金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    basis = models.CharField("收费依据", max_length=300)

    class Meta:
        ordering = ["version", "id"]
        verbose_name = "收费项目"
        verbose_name_plural = "收费项目"

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """办理环节: one step of the procedure with its own time limit in working days."""

    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("序号")
    code = models.SlugField("环节代码", max_length=30)
    name = models.CharField("环节名称", max_length=100)
    limit_days = models.PositiveIntegerField("环节时限（工作日）")
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="承办单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="catalog_steps",
        help_text="联办件的各承办单位；为空时为事项的实施单位",
    )
    parallel_group = models.PositiveSmallIntegerField(
        "并联组", null=True, blank=True, help_text="同一组的环节可同时办理（并联）"
    )

    class Meta:
        ordering = ["version", "order"]
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="step_order_unique"),
            models.UniqueConstraint(fields=["version", "code"], name="step_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}（{self.limit_days}个工作日）"
