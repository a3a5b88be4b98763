"""Performance assessment (绩效考评, C10): periods, schemes, entries, results and objections.

A :class:`Period` (考评期: a year, half, quarter or month) has one :class:`Scheme` per unit
category (单位类别), each with its components (:class:`SchemeComponent`, read from live data
through the registry in ``components.py``), bonus/deduction items (:class:`SchemeAdjustment`)
and veto items (:class:`SchemeVeto`, 一票否决). What the office enters by hand — 目标任务
scores, commendations and 通报批评 counts, veto findings — are :class:`Entry` rows. Computing
the period stores one :class:`Result` per unit; a unit may object (:class:`Objection`, 异议)
within the period's objection limit, on the deadline engine; the office decides and publishes.
A published period's schemes are frozen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet
from xiaoneng.supervision.models import DeadlineFields

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User

OFFICE_ROLES = frozenset({Role.ADMIN, Role.OFFICE})
#: Who sees results before publication: the office everywhere; leaders, liaisons and window staff
#: their own subtree (a unit reviews its own scorecard). Published results are open to all staff.
RESULT_VIEW: dict[str, Reach] = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LEADER: Reach.SUBTREE,
    Role.LIAISON: Reach.SUBTREE,
    Role.WINDOW: Reach.SUBTREE,
}
OBJECTION_EDIT: dict[str, Reach] = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LIAISON: Reach.SUBTREE,
}


def _indexes(prefix: str) -> list[models.Index]:
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


class Period(DeadlineFields):
    """考评期. Its deadline fields hold the end of the objection window (异议期) while it runs."""

    class Kind(models.TextChoices):
        YEAR = "year", _("年度")
        HALF = "half", _("半年")
        QUARTER = "quarter", _("季度")
        MONTH = "month", _("月度")

    class Status(models.TextChoices):
        DRAFT = "draft", _("方案设置中")
        PREVIEW = "preview", _("结果预览（异议期）")
        DECIDING = "deciding", _("异议处理中")
        PUBLISHED = "published", _("已公布")

    kind = models.CharField("考评周期", max_length=8, choices=Kind.choices)
    name = models.CharField("名称", max_length=60, unique=True)
    start = models.DateField("起始日期")
    end = models.DateField("截止日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    objection_days = models.PositiveSmallIntegerField("异议期（工作日）", default=5)
    decision_days = models.PositiveSmallIntegerField("异议答复时限（工作日）", default=5)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    previewed_at = models.DateTimeField("预览发布时间", null=True, blank=True)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    document_number = models.CharField("通报文号", max_length=60, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta(DeadlineFields.Meta):
        ordering = ["-start", "kind"]
        verbose_name = "考评期"
        verbose_name_plural = "考评期"
        indexes = _indexes("assess_period")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_span")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Scheme(models.Model):
    """考评方案 of one period and unit category. ``version`` counts its saved changes;
    ``frozen_at`` is set when the period is published, after which it never changes."""

    class Preset(models.TextChoices):
        DEFAULT = "default", _("默认方案")
        BOTTOM_THREE = "bottom_three", _("末三位黄牌并扣减20%绩效（竞赛考核办法）")
        EVALUATION = "evaluation", _("千人评议作为考评指标")
        SURVEY_70_30 = "survey_70_30", _("问卷评议70%、工作考核30%")

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="schemes")
    category = models.ForeignKey(
        "org.UnitCategory", verbose_name="单位类别", on_delete=models.PROTECT, related_name="+"
    )
    preset = models.CharField("来源预设", max_length=20, choices=Preset.choices, default="default")
    version = models.PositiveIntegerField("版本", default=1)
    weight_total = models.FloatField("权重合计", default=100)
    excellent_at = models.FloatField("优秀分数线", default=90)
    good_at = models.FloatField("良好分数线", default=80)
    fair_at = models.FloatField("一般分数线", default=60)
    excellent_quota = models.FloatField(
        "优秀比例上限（%）", null=True, blank=True, help_text="空：只按分数线"
    )
    bonus_cap = models.FloatField("加分合计上限", null=True, blank=True)
    deduction_cap = models.FloatField("扣分合计上限", null=True, blank=True)
    rank_bonus_top = models.CharField(
        "前几名加分", max_length=60, blank=True, help_text="依次为第1名、第2名…，如 5,4,3,2,1"
    )
    rank_deduction_bottom = models.CharField(
        "后几名扣分", max_length=60, blank=True, help_text="依次为倒数第1名、倒数第2名…"
    )
    consecutive_last_points = models.FloatField(
        "月度末位扣分", default=0, help_text="每个月度末位扣分，连续末位逐月加倍"
    )
    consecutive_last_cap = models.FloatField("月度末位扣分上限", null=True, blank=True)
    last_count = models.PositiveSmallIntegerField("末位单位数", default=1)
    last_yellow_card = models.BooleanField("末位给予黄牌警告", default=False)
    last_pay_deduction = models.FloatField("末位扣减绩效（%）", default=0)
    pay_excellent = models.FloatField("优秀绩效系数", default=1.2)
    pay_good = models.FloatField("良好绩效系数", default=1.0)
    pay_fair = models.FloatField("一般绩效系数", default=0.9)
    pay_poor = models.FloatField("较差绩效系数", default=0.8)
    min_records = models.PositiveIntegerField("样本少提示（件）", default=30)
    frozen_at = models.DateTimeField("冻结时间", null=True, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        ordering = ["period", "category__sort_order"]
        verbose_name = "考评方案"
        verbose_name_plural = "考评方案"
        constraints = [
            models.UniqueConstraint(fields=["period", "category"], name="scheme_period_category")
        ]

    def __str__(self) -> str:
        return f"{self.period.name}·{self.category.name}"


class SchemeComponent(models.Model):
    """考评指标: a data source (``components.REGISTRY``), its weight and normalisation."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="components")
    source = models.CharField("数据来源", max_length=40)
    label = models.CharField("指标名称", max_length=60)
    weight = models.FloatField("权重")
    zero_at = models.FloatField("计0分的值")
    full_at = models.FloatField("计满分的值")
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["scheme", "order", "pk"]
        verbose_name = "考评指标"
        verbose_name_plural = "考评指标"

    def __str__(self) -> str:
        return self.label


class SchemeAdjustment(models.Model):
    """加减分项: points per occurrence (negative: a deduction) and the item's cap."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="adjustments")
    key = models.SlugField("代码", max_length=30)
    label = models.CharField("名称", max_length=60)
    points = models.FloatField("每次分值")
    cap = models.FloatField("上限（分）", null=True, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["scheme", "order", "pk"]
        verbose_name = "加减分项"
        verbose_name_plural = "加减分项"

    def __str__(self) -> str:
        return self.label


class SchemeVeto(models.Model):
    """一票否决项: the rule that triggers it, and the grade it caps the unit at."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="vetoes")
    key = models.SlugField("代码", max_length=30)
    label = models.CharField("名称", max_length=60)
    rule = models.CharField("认定规则", max_length=200)
    cap_grade = models.CharField("等次封顶", max_length=4, default="一般")
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["scheme", "order", "pk"]
        verbose_name = "一票否决项"
        verbose_name_plural = "一票否决项"

    def __str__(self) -> str:
        return self.label


class Entry(models.Model):
    """What the office enters for a unit: a 目标任务 score, a count for a bonus/deduction item,
    or a veto finding (value 1), each with the basis (依据)."""

    class Kind(models.TextChoices):
        TARGET = "target", _("目标任务得分")
        ADJUSTMENT = "adjustment", _("加减分")
        VETO = "veto", _("一票否决")

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="entries")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    key = models.CharField("项目", max_length=30, blank=True)
    value = models.FloatField("数值")
    basis = models.CharField("依据", max_length=300)
    entered_at = models.DateTimeField("录入时间", auto_now=True)

    class Meta:
        ordering = ["period", "unit", "kind", "key"]
        verbose_name = "考评录入"
        verbose_name_plural = "考评录入"
        constraints = [
            models.UniqueConstraint(fields=["period", "unit", "kind", "key"], name="entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


class ResultQuerySet(ScopedQuerySet):
    view_reach = RESULT_VIEW
    edit_reach: ClassVar[dict[str, Reach]] = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL}

    def visible_to(self, user: User | None) -> models.QuerySet:
        scoped = super().visible_to(user)
        if user is not None and user.is_authenticated and user.may_use_office:
            return scoped | self.filter(period__status=Period.Status.PUBLISHED)
        return scoped


class Result(models.Model):
    """One unit's scorecard in a period as last computed (``detail``: every component's inputs,
    score and interval; the adjustments; the rank bonus — what the page and the workbook show)."""

    class Last(models.TextChoices):
        NOT_LAST = "not_last", "—"
        LAST = "last", _("末位")
        NOT_DISTINGUISHABLE = "not_distinguishable", _("排名靠后但差异不可区分")

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("org.UnitCategory", on_delete=models.PROTECT, related_name="+")
    scheme_version = models.PositiveIntegerField("方案版本")
    base = models.FloatField("指标得分", null=True, blank=True)
    score = models.FloatField("总分", null=True, blank=True)
    low = models.FloatField("区间下限", null=True, blank=True)
    high = models.FloatField("区间上限", null=True, blank=True)
    rank = models.PositiveIntegerField("类别内名次", null=True, blank=True)
    category_size = models.PositiveIntegerField("类别内单位数", default=0)
    grade = models.CharField("等次", max_length=4, blank=True)
    last = models.CharField("末位", max_length=20, choices=Last.choices, default="not_last")
    coefficient = models.FloatField("绩效系数", null=True, blank=True)
    detail = models.JSONField("计分明细", default=dict)
    computed_at = models.DateTimeField("计算时间")

    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["period", "category__sort_order", "rank", "unit__sort_order"]
        verbose_name = "考评结果"
        verbose_name_plural = "考评结果"
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="result_once")]
        indexes = [models.Index(fields=["unit", "period"])]

    def __str__(self) -> str:
        return f"{self.period.name} {self.unit.name}"


class ObjectionQuerySet(ScopedQuerySet):
    view_reach = RESULT_VIEW
    edit_reach = OBJECTION_EDIT


class Objection(DeadlineFields):
    """异议: a unit's objection to its scorecard, with evidence, answered by the office within
    ``Period.decision_days`` working days (the deadline fields)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待答复")
        ACCEPTED = "accepted", _("采纳")
        REJECTED = "rejected", _("不予采纳")

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="objections")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    component = models.CharField("异议指标", max_length=60, blank=True)
    reason = models.TextField("异议理由")
    evidence = models.TextField("证据材料说明")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    decision = models.TextField("答复意见", blank=True)
    filed_at = models.DateTimeField("提出时间")
    filed_by_name = models.CharField("提出人", max_length=150)
    decided_at = models.DateTimeField("答复时间", null=True, blank=True)
    decided_by_name = models.CharField("答复人", max_length=150, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta(DeadlineFields.Meta):
        ordering = ["-filed_at"]
        verbose_name = "考评异议"
        verbose_name_plural = "考评异议"
        indexes = _indexes("assess_objection")

    def __str__(self) -> str:
        return f"{self.unit.name}的异议"


class PublishedDocument(models.Model):
    """A document of a published period, frozen at publication (公布文件): the bytes served to
    everyone afterwards and their SHA-256, shown on the public page, so that a download can be
    checked against the published value and later changes of the live data (a renamed unit, a
    corrected record) never change what was published."""

    class Kind(models.TextChoices):
        WORKBOOK = "workbook", _("计分工作簿")
        REPORT = "report", _("结果通报")

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("文件", max_length=10, choices=Kind.choices)
    content = models.BinaryField("文件内容")
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField("字节数")
    frozen_at = models.DateTimeField("固定时间")

    class Meta:
        ordering = ["period", "kind"]
        verbose_name = "公布文件"
        verbose_name_plural = "公布文件"
        constraints = [
            models.UniqueConstraint(fields=["period", "kind"], name="published_document_once")
        ]

    def __str__(self) -> str:
        return f"{self.period.name}{self.get_kind_display()}"
