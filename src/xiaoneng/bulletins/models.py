"""Issued bulletins (签发的通报): a bulletin's number, date, figures and Word, frozen at issue.

A bulletin is *issued* by the office from a preview (the live page): the number is allocated
from a per-kind, per-year counter (:class:`NumberCounter`, locked with ``select_for_update``
inside the issuing transaction; the unique constraint on (kind, year, sequence, version) is the
last guard), and the figures are stored as a JSON snapshot of sections and tables together with
the Word bytes and their SHA-256. Nothing read later changes them. A correction (更正) is a new
row with the same number and the next ``version``, naming what changed (docs/bulletins.md).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet

#: Default 文号 prefixes per kind; an installation overrides them with the setting
#: ``XIAONENG_BULLETIN_PREFIXES`` (a dict kind → prefix).
PREFIXES = {
    "complaints": "效投通",
    "inspection": "效查通",
    "assessment": "效考通",
    "monthly": "效能通",
}


class Kind(models.TextChoices):
    COMPLAINTS = "complaints", _("效能投诉通报")
    INSPECTION = "inspection", _("明查暗访通报")
    ASSESSMENT = "assessment", _("绩效考评结果通报")
    MONTHLY = "monthly", _("效能通报（月度）")


#: Kinds published on the public portal once issued: their content is aggregate figures and
#: units' results, with no person in them. Complaint bulletins (with their overdue list) and
#: inspection bulletins (findings may name people) are addressed to the units only.
PUBLIC_KINDS = (Kind.ASSESSMENT, Kind.MONTHLY)


def prefix(kind: str) -> str:
    overrides = getattr(settings, "XIAONENG_BULLETIN_PREFIXES", {}) or {}
    return str(overrides.get(kind, PREFIXES[kind]))


class NumberCounter(models.Model):
    """The last sequence number issued for a kind in a year (文号的流水号)."""

    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用流水号", default=0)

    class Meta:
        verbose_name = "通报文号计数"
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="bulletin_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}: {self.last}"


class IssuedQuerySet(ScopedQuerySet):
    """The office and administrators see every issued bulletin; a leader or liaison those
    addressed to every unit (no scope unit) or to a unit in their subtree — and no inspection
    bulletin for a liaison (findings of other units, people named where the plan names them).
    Only the office (and administrators) issue and correct."""

    edit_reach: ClassVar[dict[str, Reach]] = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL}

    def visible_to(self, user) -> models.QuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        role = Role.ADMIN if user.is_superuser else user.role
        if role in (Role.ADMIN, Role.OFFICE):
            return self.all()
        if role not in (Role.LEADER, Role.LIAISON) or user.unit_id is None:
            return self.none()
        qs = self.filter(
            models.Q(unit__isnull=True) | models.Q(unit__path__startswith=user.unit.path)
        )
        if role == Role.LIAISON:
            qs = qs.exclude(kind=Kind.INSPECTION)
        return qs

    def public(self) -> models.QuerySet:
        return self.filter(is_public=True)


class IssuedBulletin(models.Model):
    """One issued version of a bulletin. ``version`` 1 is the original; 2, 3… corrections."""

    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    year = models.PositiveSmallIntegerField("年度")
    sequence = models.PositiveIntegerField("流水号")
    version = models.PositiveSmallIntegerField("版本", default=1)
    number = models.CharField("文号", max_length=60)
    source_key = models.CharField("统计周期或来源", max_length=40)
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="范围单位",
    )
    title = models.CharField("标题", max_length=200)
    scope = models.CharField("范围", max_length=200)
    issuer = models.CharField("发文机关", max_length=120)
    issued_on = models.DateField("签发日期")
    issued_at = models.DateTimeField("签发时间")
    as_of = models.DateTimeField("数据截至")
    issued_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name="签发人"
    )
    is_public = models.BooleanField("公开发布", default=False)
    snapshot = models.JSONField("通报内容快照")
    word = models.BinaryField("Word文档")
    sha256 = models.CharField("Word的SHA-256", max_length=64)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        verbose_name="更正的版本",
    )
    reason = models.TextField("更正理由", blank=True)
    changes = models.JSONField("更正内容", default=list, blank=True)

    objects = IssuedQuerySet.as_manager()

    class Meta:
        verbose_name = "已签发通报"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "sequence", "version"], name="bulletin_number_once"
            )
        ]
        indexes = [models.Index(fields=["kind", "year"], name="bulletin_kind_year")]

    def __str__(self) -> str:
        return self.full_number

    def get_absolute_url(self) -> str:
        """The staff page of this version (the public one is ``opendata``'s)."""
        return reverse("bulletins:issued", args=[self.kind, self.year, self.sequence, self.version])

    @property
    def full_number(self) -> str:
        """The 文号 with its version mark: 效投通〔2026〕11号, 效投通〔2026〕11号（第2版）."""
        return self.number if self.version == 1 else f"{self.number}（第{self.version}版）"

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.sequence}"

    @property
    def superseded(self) -> bool:
        return hasattr(self, "correction")
