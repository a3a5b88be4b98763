"""Service rating (好差评, C5): one rating per finished case; a bad one opens 核实整改.

A rating copies the case's unit, window and item so that the statistics group by them without
joining the cases table (tens of millions of rows in a large installation).
"""

from __future__ import annotations

from django.db import models

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet
from xiaoneng.supervision.models import DeadlineFields

RATING_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.SUPERVISOR: Reach.ALL,
    Role.LEADER: Reach.SUBTREE,
    Role.LIAISON: Reach.SUBTREE,
    # Window staff: ratings of their unit's cases and of the cases registered at their window.
    Role.WINDOW: Reach.WINDOW,
}
# Ratings themselves are never edited; entering one at the window is checked against the case.
RATING_EDIT = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL}
# The unit's liaison records verification and measures; the office records the return visit.
RECTIFY_EDIT = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL, Role.LIAISON: Reach.SUBTREE}


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


#: Levels that count as satisfied in 满意率 (Hangzhou's 总体满意率: the top three).
GOOD_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED, Level.BASICALLY)
#: 差评: the levels that open a verification-and-rectification obligation.
BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class RatingQuerySet(ScopedQuerySet):
    window_paths = ("window__path",)
    view_reach = RATING_VIEW
    edit_reach = RATING_EDIT


class Rating(models.Model):
    """好差评: the applicant's rating of one finished case."""

    class Channel(models.TextChoices):
        ONLINE = "online", "网上评价"
        WINDOW = "window", "窗口评价器/窗口录入"
        OTHER = "other", "其他（电话回访、短信等）"

    case = models.OneToOneField(
        "cases.Case", verbose_name="办件", on_delete=models.CASCADE, related_name="rating"
    )
    level = models.PositiveSmallIntegerField("评价等级", choices=Level.choices)
    comment = models.CharField("评价内容", max_length=500, blank=True)
    channel = models.CharField("评价渠道", max_length=8, choices=Channel.choices)
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

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["-rated_at", "-pk"]
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="rating_level_1_5"
            )
        ]
        indexes = [
            models.Index(fields=["unit", "rated_at"]),
            models.Index(fields=["window", "rated_at"]),
            models.Index(fields=["item", "rated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class RectificationQuerySet(ScopedQuerySet):
    window_paths = ("rating__window__path",)
    view_reach = RATING_VIEW
    edit_reach = RECTIFY_EDIT

    def open(self) -> RectificationQuerySet:
        return self.exclude(status=Rectification.Status.CLOSED)


class Rectification(DeadlineFields):
    """差评核实整改: the responsible unit verifies a bad rating and rectifies; the office calls
    back (回访).

    The time limit covers the unit's part (verification and measures); the return visit (回访)
    is the office's and closes the obligation.
    """

    class Status(models.TextChoices):
        VERIFYING = "verifying", "待核实整改"
        VISIT = "visit", "待回访"
        CLOSED = "closed", "已办结"

    class Finding(models.TextChoices):
        TRUE = "true", "属实"
        FALSE = "false", "不属实"

    rating = models.OneToOneField(
        Rating, verbose_name="差评", on_delete=models.CASCADE, related_name="rectification"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.VERIFYING, db_index=True
    )
    opened_at = models.DateTimeField("开始时间")
    limit_days = models.PositiveSmallIntegerField("时限（工作日）")
    finding = models.CharField("核实结果", max_length=6, choices=Finding.choices, blank=True)
    verification = models.TextField("核实情况", blank=True)
    measures = models.TextField("整改措施", blank=True)
    verified_at = models.DateTimeField("核实整改时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    visit_satisfied = models.BooleanField("回访满意", null=True, blank=True)
    visit_note = models.TextField("回访情况", blank=True)
    visited_at = models.DateTimeField("回访时间", null=True, blank=True)
    visited_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = RectificationQuerySet.as_manager()

    class Meta(DeadlineFields.Meta):
        ordering = ["-opened_at", "-pk"]
        verbose_name = "差评核实整改"
        verbose_name_plural = "差评核实整改"
        indexes = [*DeadlineFields.Meta.indexes, models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"差评整改 {self.rating_id}"

    def late(self, now) -> bool:
        """Still unverified after the due instant, or verified after it (超期)."""
        if self.due_at is None:
            return False
        if self.verified_at is not None:
            return self.verified_at > self.due_at
        return now > self.due_at
