"""绩效考评末位: a unit placed 末位 in a published assessment period is a source of violations.

Read from the assessment's own rows (``assessment.models.Result``), never written: a result of a
published period whose ``last`` is ``末位`` — which the assessment sets only when the data
distinguishes the unit from the one above it (``排名靠后但差异不可区分`` is no source). The
source id is the result's id, and a result is one per (period, unit), so the unique
(cause, source id) of a violation makes it once per period and unit.

The person is the unit's principal (单位主要负责人) as the platform knows it: the staff record
of the unit's own active leader login (role 领导, the unit itself, not a unit above), the
lowest id if there are several. With no such record the violation names no person and is
counted for the unit. The default rule proposes 诫勉谈话 (DESIGN C10: 末位 → 诫勉谈话).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, QuerySet
from django.urls import reverse

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.assessment.models import Period, Result
from xiaoneng.org.models import Staff

from .models import Cause
from .people import from_staff
from .sources import Provider, SourceRecord, register

CATEGORY = "绩效考评末位"


def principals(unit_ids: list[int]) -> dict[int, Staff]:
    """unit id → the staff record of the unit's own active leader login (lowest id)."""
    found: dict[int, Staff] = {}
    rows = (
        Staff.objects.filter(
            unit_id__in=unit_ids,
            is_active=True,
            user__is_active=True,
            user__role=Role.LEADER,
            user__unit_id=F("unit_id"),
        )
        .select_related("unit")
        .order_by("pk")
    )
    for staff in rows:
        found.setdefault(staff.unit_id, staff)
    return found


def _results() -> QuerySet[Result]:
    return Result.objects.filter(
        period__status=Period.Status.PUBLISHED,
        period__published_at__isnull=False,
        last=Result.Last.LAST,
    )


def keys(since: datetime, until: datetime) -> QuerySet[Result]:
    """The qualifying results published in [since, until), ``occurred`` annotated."""
    return (
        _results()
        .filter(period__published_at__gte=since, period__published_at__lt=until)
        .annotate(occurred=F("period__published_at"))
    )


def _record(r: Result, principal: Staff | None) -> SourceRecord:
    period = r.period
    assert period.published_at is not None  # the filter's
    place = f"第{r.rank}名/共{r.category_size}个" if r.rank else "末位"
    score = f"，{r.score:.1f}分" if r.score is not None else ""
    return SourceRecord(
        cause=Cause.ASSESSMENT,
        id=r.pk,
        unit_id=r.unit_id,
        person=from_staff(principal),
        summary=f"{period.name}绩效考评末位（{place}{score}）"[:300],
        label=f"{period.name}绩效考评末位（{r.unit.short_name or r.unit.name}）"[:200],
        link=reverse("assessment:scorecard", args=[period.pk, r.unit_id]),
        occurred_at=period.published_at,
        category=CATEGORY,
    )


def many(ids: list[int]) -> list[SourceRecord]:
    rows = list(_results().filter(pk__in=ids).select_related("period", "unit").order_by("pk"))
    heads = principals([r.unit_id for r in rows])
    return [_record(r, heads.get(r.unit_id)) for r in rows]


def _find(since: datetime, until: datetime) -> list[SourceRecord]:
    return many(list(keys(since, until).values_list("pk", flat=True)))


def _get(pk: int) -> SourceRecord | None:
    found = many([pk])
    return found[0] if found else None


def _opens(user: User, pk: int) -> bool:
    return Result.objects.visible_to(user).filter(pk=pk).exists()


register(Provider(Cause.ASSESSMENT, _find, _get, _opens, keys=keys, many=many))
