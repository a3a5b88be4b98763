"""Service rating (好差评, C5): one rating per finished case; a bad one opens 核实整改 — a
rectification task (``xiaoneng.rectification``) of source 差评 that refers back to the rating.

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


class Rating(models.Model):
    """好差评: the applicant's rating of one finished case."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上评价")
        WINDOW = "window", _("窗口评价器/窗口录入")
        OTHER = "other", _("其他（电话回访、短信等）")

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

    @property
    def task(self) -> Task | None:
        """The 差评's 核实整改 task, or None for a good rating."""
        return task_for(SourceKind.RATING, self.pk) if self.is_bad else None
