"""Public evaluation campaigns (民主评议/千人评议, C6): set-up, the evaluator pool and its
verifiable draw, single-use codes, online and paper answer sheets, the tally and its results.

Anonymity is a property of the schema (docs/evaluation.md §5): ``AccessCode`` (who was given
which code) and ``AnswerSheet`` (what was answered) have no foreign key between them in either
direction, and neither records any time of answering — a code only whether it was used. An
online sheet first waits, sealed and timeless, in the anonymity pool (``PendingSheet``) and
enters the answer table with others of its stratum in a shuffled batch with a random UUID, so
neither row order nor transaction order points from a code to its sheet. The draft of a code
being answered (``AnswerDraft``) is related to none of them and is deleted with the
submission. ``tests/test_anonymity.py`` walks the model graph and the stored columns to keep
it so. Evaluators' names and contacts are encrypted (``identity_token``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet
from xiaoneng.supervision.models import DeadlineFields

OFFICE_ONLY = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL}
#: Campaigns are city-wide: staff who follow them see all of them; only the office runs them.
CAMPAIGN_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LEADER: Reach.ALL,
    Role.LIAISON: Reach.ALL,
    Role.SUPERVISOR: Reach.ALL,
}
#: A unit's own results and 整改通知书: the office and leaders everything, a liaison their subtree.
UNIT_RESULT_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LEADER: Reach.ALL,
    Role.LIAISON: Reach.SUBTREE,
}


class CampaignQuerySet(ScopedQuerySet):
    unit_path = ""  # never used: every reach here is ALL or NONE
    view_reach = CAMPAIGN_VIEW
    edit_reach = OFFICE_ONLY

    def public(self) -> CampaignQuerySet:
        """What the public portal lists: campaigns whose roster has been frozen (the hash is
        published from then on)."""
        return self.exclude(status=Campaign.Status.DRAFT)


class Campaign(models.Model):
    """评议活动: one year's campaign, from set-up to published results."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        FROZEN = "frozen", _("名册已冻结")
        DRAWN = "drawn", _("已抽取评议人")
        COLLECTING = "collecting", _("评议进行中")
        CLOSED = "closed", _("回收结束（复核中）")
        TALLIED = "tallied", _("已计分")
        PUBLISHED = "published", _("结果已公布")

    class Headline(models.TextChoices):
        TOP_TWO = "top_two", _("满意＋比较满意（前两项）")
        TOP_THREE = "top_three", _("满意＋比较满意＋基本满意（前三项）")

    name = models.CharField("活动名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    description = models.TextField("实施方案摘要", blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    preset = models.CharField("计分方案", max_length=40, default="default")
    headline = models.CharField(
        "公布的满意率", max_length=10, choices=Headline.choices, default=Headline.TOP_TWO
    )
    replicates = models.PositiveIntegerField("自助法重复次数", default=200)
    questionnaire_weight = models.FloatField("问卷得分权重", null=True, blank=True)
    assessment_weight = models.FloatField(
        "工作考核得分权重",
        null=True,
        blank=True,
        help_text="填写后综合得分 = 问卷 × 权重 + 考核 × 权重",
    )
    # The draw (RFC 3797 style, see docs/draw.md).
    roster_csv = models.TextField("规范名册文件", blank=True)
    roster_hash = models.CharField("名册哈希（SHA-256）", max_length=64, blank=True)
    quotas_json = models.TextField("名额文件", blank=True)
    frozen_at = models.DateTimeField("名册冻结时间", null=True, blank=True)
    seed_source = models.TextField("随机种子来源公告", blank=True)
    seed_announced_at = models.DateTimeField("种子来源公告时间", null=True, blank=True)
    seed_raw = models.CharField("开奖号码（原样）", max_length=1000, blank=True)
    seed_canonical = models.CharField("规范种子", max_length=1000, blank=True)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    # Frozen at the draw: the order of units, dimensions and answer options that the compact
    # answer strings of the sheets follow ({"units": [...], "dimensions": [...], "options": [...]}).
    layout = models.JSONField("评议表版式", null=True, blank=True, editable=False)
    collection_opened_at = models.DateTimeField("开始评议时间", null=True, blank=True)
    collection_closed_at = models.DateTimeField("结束回收时间", null=True, blank=True)
    flags_reviewed_at = models.DateTimeField("可疑问卷复核时间", null=True, blank=True)
    tallied_at = models.DateTimeField("计分时间", null=True, blank=True)
    summary = models.JSONField("总体结果", null=True, blank=True, editable=False)
    # The careless-response rules adopted at the review, {rule: reason}: each one excludes every
    # sheet it flags, whatever the option (sheets.adopt_rule).
    exclusion_rules = models.JSONField("采用的剔除规则", default=dict, blank=True, editable=False)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = "评议活动"
        verbose_name_plural = "评议活动"

    def __str__(self) -> str:
        return self.name

    # The stages, in order: each method says whether a kind of change is still allowed.
    @property
    def pool_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def form_editable(self) -> bool:
        """Units, categories, dimensions, scale and weights: editable until the draw."""
        return self.status in (self.Status.DRAFT, self.Status.FROZEN)

    @property
    def is_collecting(self) -> bool:
        return self.status == self.Status.COLLECTING

    @property
    def has_results(self) -> bool:
        return self.status in (self.Status.TALLIED, self.Status.PUBLISHED)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class MilestoneQuerySet(ScopedQuerySet):
    unit_path = ""
    view_reach = CAMPAIGN_VIEW
    edit_reach = OFFICE_ONLY


class Milestone(DeadlineFields):
    """工作节点: a step of the campaign with its deadline, watched by the sweeper."""

    class Kind(models.TextChoices):
        DRAW = "draw", _("抽取评议人")
        DISTRIBUTION = "distribution", _("发放评议表和评议码")
        COLLECTION = "collection", _("回收评议表")
        TALLY = "tally", _("统计计分")
        PUBLICATION = "publication", _("公布结果")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField("节点", max_length=14, choices=Kind.choices)
    due_date = models.DateField("截止日期")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = MilestoneQuerySet.as_manager()

    class Meta(DeadlineFields.Meta):
        ordering = ["due_date", "pk"]
        verbose_name = "评议工作节点"
        verbose_name_plural = "评议工作节点"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="milestone_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_kind_display()}"


class Stratum(models.Model):
    """评议层面: a group of evaluators (两代表一委员、企业…) with its quota and weight."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="strata")
    name = models.CharField("层面", max_length=50)
    quota = models.PositiveIntegerField("抽取名额", default=0)
    weight = models.FloatField("权重", default=1.0)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = "评议层面"
        verbose_name_plural = "评议层面"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="stratum_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Dimension(models.Model):
    """评议内容: one aspect units are rated on (科学发展、服务意识…)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="dimensions")
    name = models.CharField("评议内容", max_length=30)
    weight = models.FloatField("权重", default=1.0)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = "评议内容"
        verbose_name_plural = "评议内容"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="dimension_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ScaleOption(models.Model):
    """答案选项: 满意 100 / 比较满意 80 / … / 不了解 (no value: excluded, counts for 知晓率)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="options")
    label = models.CharField("选项", max_length=10)
    value = models.FloatField(
        "分值", null=True, blank=True, help_text="留空表示不计分（如“不了解”）"
    )
    top_two = models.BooleanField("计入前两项满意率", default=False)
    top_three = models.BooleanField("计入前三项满意率", default=False)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = "答案选项"
        verbose_name_plural = "答案选项"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "label"], name="option_unique_label")
        ]

    def __str__(self) -> str:
        return self.label


class CategoryWeight(models.Model):
    """按类别的权重: for the units of one category, another weight of a stratum or dimension."""

    class Kind(models.TextChoices):
        STRATUM = "stratum", _("层面权重")
        DIMENSION = "dimension", _("评议内容权重")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="category_weights"
    )
    category = models.CharField("单位类别", max_length=50)
    kind = models.CharField("权重类型", max_length=10, choices=Kind.choices)
    key = models.CharField("层面或评议内容", max_length=50)
    weight = models.FloatField("权重")

    class Meta:
        ordering = ["category", "kind", "pk"]
        verbose_name = "分类权重"
        verbose_name_plural = "分类权重"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "category", "kind", "key"], name="category_weight_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.key} {self.weight:g}"


class CampaignUnitQuerySet(ScopedQuerySet):
    view_reach = UNIT_RESULT_VIEW
    edit_reach = OFFICE_ONLY


class CampaignUnit(models.Model):
    """被评议单位: a unit in a campaign, its category, published duties and, after the tally,
    its results (``result`` holds the published figures; score/rank are columns for sorting)."""

    class LastPlace(models.TextChoices):
        NOT_LAST = "not_last", ""
        LAST = "last", _("末位")
        NOT_DISTINGUISHABLE = "not_distinguishable", _("末位不可区分")
        UNRANKED = "unranked", _("无有效评价")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(
        "org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField("单位类别", max_length=50)
    duty_summary = models.TextField("职责概要（公布）", blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    assessment_score = models.FloatField("工作考核得分", null=True, blank=True)
    # Results (after the tally).
    score = models.FloatField("得分", null=True, blank=True)
    headline_rate = models.FloatField("满意率", null=True, blank=True)
    rank = models.PositiveIntegerField("类别内名次", null=True, blank=True)
    rank_low = models.PositiveIntegerField("名次区间下限", null=True, blank=True)
    rank_high = models.PositiveIntegerField("名次区间上限", null=True, blank=True)
    last_place = models.CharField(
        "末位", max_length=20, choices=LastPlace.choices, blank=True, default=""
    )
    result = models.JSONField("结果明细", null=True, blank=True, editable=False)

    objects = CampaignUnitQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = "被评议单位"
        verbose_name_plural = "被评议单位"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="campaign_unit_once")
        ]

    def __str__(self) -> str:
        return self.unit.name if self.unit_id else ""


class EvaluatorQuerySet(ScopedQuerySet):
    unit_path = ""
    view_reach = OFFICE_ONLY
    edit_reach = OFFICE_ONLY


@dataclass(frozen=True)
class Contact:
    """An evaluator's name and contacts, as decrypted for the office (letters, SMS, the pool)."""

    name: str = ""
    phone: str = ""
    id_masked: str = ""  # 身份证号（脱敏）: 620***********1234
    organisation: str = ""  # 工作单位或住址

    @property
    def masked_phone(self) -> str:
        """13812345678 → 138****5678 (a landline keeps its area code and last four digits)."""
        p = self.phone
        if len(p) < 8:
            return p
        return f"{p[:3]}{'*' * (len(p) - 7)}{p[-4:]}"


class Evaluator(models.Model):
    """评议人: a person in the pool. Only ``number`` and the stratum are ever published; the
    rest is the office's to contact them, and is stored encrypted (``identity_token``: a Fernet
    token of name, phone, masked ID number and organisation under ``XIAONENG_IDENTITY_KEY``,
    like a complainant's identity). Keyed hashes of phone and ID number find the same person
    twice; the full ID number is never kept."""

    class Status(models.TextChoices):
        POOL = "pool", _("库中")
        SELECTED = "selected", _("入选")
        RESERVE = "reserve", _("候补")
        REPLACED = "replaced", _("因故未参加（已由候补替补）")

    class Mode(models.TextChoices):
        ONLINE = "online", _("网上评议（评议码）")
        PAPER = "paper", _("纸质评议表")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="evaluators")
    number = models.CharField("评议人编号", max_length=64)
    stratum = models.ForeignKey(Stratum, on_delete=models.PROTECT, related_name="evaluators")
    identity_token = models.TextField("身份信息（加密）", editable=False)
    phone_key = models.CharField(max_length=64, blank=True, editable=False)
    id_key = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.POOL, db_index=True
    )
    draw_position = models.PositiveIntegerField("层面内抽取顺序", null=True, blank=True)
    mode = models.CharField("参评方式", max_length=8, choices=Mode.choices, default=Mode.ONLINE)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name="替补人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
    )
    replacement_reason = models.CharField("未参加原因", max_length=200, blank=True)

    objects = EvaluatorQuerySet.as_manager()

    class Meta:
        ordering = ["stratum__sort_order", "number"]
        verbose_name = "评议人"
        verbose_name_plural = "评议人"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="evaluator_number_once"),
            models.UniqueConstraint(
                fields=["campaign", "phone_key"],
                condition=~Q(phone_key=""),
                name="evaluator_phone_once",
            ),
            models.UniqueConstraint(
                fields=["campaign", "id_key"], condition=~Q(id_key=""), name="evaluator_id_once"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "stratum", "draw_position"])]

    def __str__(self) -> str:
        return self.number

    @cached_property
    def contact(self) -> Contact:
        from xiaoneng import crypto

        return Contact(**crypto.decrypt_identity(self.identity_token))


class AccessCode(models.Model):
    """评议码: the single-use code handed to one drawn evaluator. Deliberately no link to the
    sheet it was used for, and no time of use: only whether it was used."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="codes")
    evaluator = models.OneToOneField(
        Evaluator, on_delete=models.CASCADE, related_name="access_code"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    sealed = models.TextField("加密的评议码", editable=False)
    issued_at = models.DateTimeField("发放时间")
    used = models.BooleanField("已使用", default=False)
    revoked = models.BooleanField("已作废", default=False)

    class Meta:
        verbose_name = "评议码"
        verbose_name_plural = "评议码"

    def __str__(self) -> str:
        return f"{self.evaluator_id}"


class AnswerSheet(models.Model):
    """评议表: one evaluator's answers, anonymous and timeless. ``answers`` is one character per
    (unit, dimension) of the campaign's frozen layout: ``"0"``–``"9"`` the option's position,
    ``"-"`` not answered. 100 units × 6 dimensions are 600 characters. An online sheet arrives
    through the anonymity pool (``mixing``); a paper sheet carries its form's serial."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上")
        PAPER = "paper", _("纸质")

    class Rule(models.TextChoices):
        """Why a sheet is left out: the careless-response rule (``scoring.FlagKind``) adopted
        at the review, applied to every sheet it flags."""

        STRAIGHT_LINING = "straight_lining", _("一律同选")
        DUPLICATE_SERIAL = "duplicate_serial", _("问卷编号重复")
        IDENTICAL_ANSWERS = "identical_answers", _("答卷完全相同")
        LEGACY = "legacy", _("逐份复核剔除（旧办法）")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sheets")
    stratum = models.ForeignKey(Stratum, on_delete=models.PROTECT, related_name="sheets")
    channel = models.CharField("方式", max_length=8, choices=Channel.choices)
    serial = models.CharField("问卷编号", max_length=30, blank=True)
    answers = models.TextField("答案")
    excluded = models.BooleanField("不计入统计", default=False)
    exclusion_rule = models.CharField("剔除依据", max_length=20, choices=Rule.choices, blank=True)

    class Meta:
        verbose_name = "评议表"
        verbose_name_plural = "评议表"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "serial"], condition=~Q(serial=""), name="sheet_serial_once"
            )
        ]
        indexes = [models.Index(fields=["campaign", "excluded"])]

    def __str__(self) -> str:
        return self.serial or str(self.id)[:8]


class PendingSheet(models.Model):
    """待入库的网上评议表: a submitted online sheet waiting in the anonymity pool of its
    stratum until it enters the answer table in a shuffled batch (``mixing``). Sealed with
    AES-GCM (no timestamp, unlike Fernet) and padded to one length for the whole campaign, no
    time of any kind, a random UUID; deleted when its batch is released."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pending")
    stratum = models.ForeignKey(Stratum, on_delete=models.CASCADE, related_name="+")
    sealed = models.TextField(editable=False)

    class Meta:
        verbose_name = "待入库评议表"
        verbose_name_plural = "待入库评议表"

    def __str__(self) -> str:
        return "待入库评议表"


class AnswerDraft(models.Model):
    """评议表草稿: the answers of a code not yet submitted, so that an evaluator can stop and
    come back with the same code. Found by a keyed hash of the code (not the code's own digest,
    so it cannot be joined to ``AccessCode``), its content encrypted with a key derived from the
    code, no time of any kind, one length per campaign, and deleted in the transaction that puts
    the sheet in the anonymity pool (and with every other draft of the campaign when the
    collection closes). See docs/evaluation.md §5."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="drafts")
    key = models.CharField(max_length=64, unique=True, editable=False)
    sealed = models.TextField(editable=False)

    class Meta:
        verbose_name = "评议表草稿"
        verbose_name_plural = "评议表草稿"

    def __str__(self) -> str:
        return "评议表草稿"


class Opinion(models.Model):
    """意见建议: what an evaluator wrote about one unit, kept verbatim for its 整改通知书."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sheet = models.ForeignKey(AnswerSheet, on_delete=models.CASCADE, related_name="opinions")
    unit = models.ForeignKey(CampaignUnit, on_delete=models.CASCADE, related_name="opinions")
    text = models.TextField("意见建议")

    class Meta:
        verbose_name = "意见建议"
        verbose_name_plural = "意见建议"

    def __str__(self) -> str:
        return self.text[:30]


class PaperForm(models.Model):
    """纸质评议表的录入: each serial is entered by two different clerks; a mismatch holds the
    form until someone resolves it against the paper."""

    class Status(models.TextChoices):
        AWAITING_SECOND = "awaiting", _("待第二次录入")
        MISMATCH = "mismatch", _("两次录入不一致，待核对原件")
        ACCEPTED = "accepted", _("已入库")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="paper_forms")
    serial = models.CharField("问卷编号", max_length=30)
    status = models.CharField(
        "状态",
        max_length=10,
        choices=Status.choices,
        default=Status.AWAITING_SECOND,
        db_index=True,
    )
    sheet = models.OneToOneField(
        AnswerSheet, on_delete=models.SET_NULL, null=True, blank=True, related_name="paper_form"
    )
    resolved_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["serial"]
        verbose_name = "纸质评议表"
        verbose_name_plural = "纸质评议表"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "serial"], name="paper_serial_once")
        ]

    def __str__(self) -> str:
        return self.serial


class PaperEntry(models.Model):
    """One clerk's typing of one paper form (第一遍/第二遍录入), kept for the comparison."""

    form = models.ForeignKey(PaperForm, on_delete=models.CASCADE, related_name="entries")
    clerk = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    stratum = models.ForeignKey(Stratum, on_delete=models.PROTECT, related_name="+")
    answers = models.TextField("答案")
    opinions = models.JSONField("意见建议", default=list)
    entered_at = models.DateTimeField("录入时间")

    class Meta:
        ordering = ["entered_at", "pk"]
        verbose_name = "纸质评议表录入"
        verbose_name_plural = "纸质评议表录入"
        constraints = [
            models.UniqueConstraint(fields=["form", "clerk"], name="paper_entry_once_per_clerk")
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.clerk_id}"
