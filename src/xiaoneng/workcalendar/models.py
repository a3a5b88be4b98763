"""The editable part of the working-day calendar (工作日历).

The package ``chinesecalendar`` supplies the State Council schedules it ships (2004–2026). The
office adds what it lacks here: a new year's schedule imported from a file (which then replaces
that year wholesale), or single days edited by hand (which win over the package for that date).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    class Source(models.TextChoices):
        IMPORT = "import", _("导入")
        MANUAL = "manual", _("手工")

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)

    class Meta:
        ordering = ["date"]
        verbose_name = "特殊日期"
        verbose_name_plural = "特殊日期"

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(models.Model):
    """A year whose official schedule was imported: its days come only from the table."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    imported_at = models.DateTimeField("导入时间")
    source_name = models.CharField("来源文件", max_length=200, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "已导入年度"
        verbose_name_plural = "已导入年度"

    def __str__(self) -> str:
        return str(self.year)


class CalendarVersion(models.Model):
    """A single counter bumped by every calendar change, so each process knows when to reload."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"v{self.version}"
