"""Service rating (好差评, C5): a finished case is rated once on site (现场“一次一评”) and once
remotely (网上“一事一评”); a bad one opens 核实整改 — a rectification task
(``xiaoneng.rectification``) of source 差评 that refers back to the rating. A unit may ask for
申诉复核 (review) of a 差评 as 误评 or 恶意差评; the office decides, and an upheld review excludes
the rating from the statistics (the rating and its history stay). A 实名差评 (the rater left a
contact) gets a return visit (回访) within a watched limit.

A rating copies the case's unit, window and item so that the statistics group by them without
joining the cases table (tens of millions of rows in a large installation).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.services import task_for
from xiaoneng.rectification.sources import SourceKind
from xiaoneng.supervision.models import DeadlineFields

RATING_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.SUPERVISOR: Reach.ALL,
    Role.LEADER: Reach.SUBTREE,
    # A window answers for the 差评 of the cases registered there (it verifies them and may
    # contest them): its liaison and staff see them besides their own unit's.
    Role.LIAISON: Reach.WINDOW,
    Role.WINDOW: Reach.WINDOW,
}
# Ratings themselves are never edited; entering one at the window is checked against the case.
RATING_EDIT = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL}


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASICALLY = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


#: Levels that count as satisfied in 满意率 (Hangzhou's 总体满意率: the top three).
GOOD_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED, Level.BASICALLY)
#: 差评: the levels that open a verification-and-rectification obligation.
BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class RatingQuerySet(ScopedQuerySet):
    window_paths = ("window__path",)
    view_reach = RATING_VIEW
    edit_reach = RATING_EDIT


class Mode(models.TextChoices):
    """How the rules count ratings (GB/T 39734-2020): on site one per service (一次一评), remotely
    one per matter (一事一评). A case takes at most one rating of each mode."""

    ONSITE = "onsite", _("现场评价（一次一评）")
    REMOTE = "remote", _("网上及其他非现场评价（一事一评）")


class Rating(models.Model):
    """好差评: the applicant's rating of one finished case."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上评价")
        WINDOW = "window", _("窗口评价器/窗口录入")
        DEVICE = "device", _("窗口评价器（接口）")
        KIOSK = "kiosk", _("自助终端")
        PLATFORM = "platform", _("省好差评平台")
        OTHER = "other", _("其他（电话回访、短信等）")

    case = models.ForeignKey(
        "cases.Case", verbose_name="办件", on_delete=models.CASCADE, related_name="ratings"
    )
    level = models.PositiveSmallIntegerField("评价等级", choices=Level.choices)
    comment = models.CharField("评价内容", max_length=500, blank=True)
    channel = models.CharField("评价渠道", max_length=8, choices=Channel.choices)
    mode = models.CharField("评价方式", max_length=6, choices=Mode.choices, default=Mode.REMOTE)
    unit = models.ForeignKey(
        "org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "org.Unit",
        verbose_name="受理窗口",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name="事项", on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField("评价时间", db_index=True)
    entered_by = models.ForeignKey(
        "accounts.User",
        verbose_name="录入人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Intake by another system (评价器, 自助终端, 省平台): idempotent by the sender's id.
    external_source = models.CharField("来源系统", max_length=40, blank=True)
    external_id = models.CharField("来源系统编号", max_length=100, blank=True)
    external_digest = models.CharField("请求摘要", max_length=64, blank=True)
    # 实名差评: the rater's name and phone, encrypted (kept only for a 差评, for the return visit).
    named = models.BooleanField("实名评价", default=False)
    identity_token = models.TextField("评价人联系方式（加密）", blank=True)
    # 申诉复核成立: the rating leaves the statistics; the row and its audit trail stay.
    excluded = models.BooleanField("已剔除", default=False)

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["-rated_at", "-pk"]
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="rating_level_1_5"
            ),
            models.UniqueConstraint(fields=["case", "mode"], name="rating_once_per_case_mode"),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~models.Q(external_id=""),
                name="rating_external_id_once",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "rated_at"]),
            models.Index(fields=["window", "rated_at"]),
            models.Index(fields=["item", "rated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}（{self.get_channel_display()}）"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS

    @property
    def task(self) -> Task | None:
        """The 差评's 核实整改 task, or None for a good rating."""
        return task_for(SourceKind.RATING, self.pk) if self.is_bad else None


REVIEW_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.SUPERVISOR: Reach.ALL,
    Role.LEADER: Reach.SUBTREE,
    Role.LIAISON: Reach.SUBTREE,
}
REVIEW_EDIT = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL}


class ReviewQuerySet(ScopedQuerySet):
    view_reach = REVIEW_VIEW
    edit_reach = REVIEW_EDIT


class Review(DeadlineFields):
    """申诉复核: a unit asks the office to exclude a 差评 as 误评 or 恶意差评, with evidence.
    The deadline fields hold the office's limit for deciding."""

    class Ground(models.TextChoices):
        MISTAKEN = "mistaken", _("误评")
        MALICIOUS = "malicious", _("恶意差评")

    class Status(models.TextChoices):
        PENDING = "pending", _("待复核")
        UPHELD = "upheld", _("申诉成立（已剔除）")
        REFUSED = "refused", _("申诉不成立（保留）")

    rating = models.OneToOneField(
        Rating, verbose_name="差评", on_delete=models.PROTECT, related_name="review"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name="申诉单位", on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField("申诉事由", max_length=10, choices=Ground.choices)
    statement = models.TextField("申诉理由")
    evidence = models.TextField("证据")
    status = models.CharField(
        "状态", max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    asked_at = models.DateTimeField("申诉时间")
    asked_by = models.ForeignKey(
        "accounts.User", verbose_name="申诉人", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name="复核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.TextField("复核意见", blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta(DeadlineFields.Meta):
        ordering = ["-asked_at", "-pk"]
        verbose_name = "差评申诉复核"
        verbose_name_plural = "差评申诉复核"

    def __str__(self) -> str:
        return f"{self.get_ground_display()}申诉（{self.get_status_display()}）"


class ReturnVisit(DeadlineFields):
    """实名差评回访: the limit within which the office calls a named rater back. The call itself
    is the 差评 task's 回访 step (``rectification``); this row carries the watched limit, so that
    the 回访率 counts the visits made in time."""

    rating = models.OneToOneField(
        Rating, verbose_name="差评", on_delete=models.CASCADE, related_name="return_visit"
    )

    class Meta(DeadlineFields.Meta):
        verbose_name = "实名差评回访"
        verbose_name_plural = "实名差评回访"

    def __str__(self) -> str:
        return "实名差评回访"
