"""明查暗访: confirmed inspection findings as a source of violations.

Read through ``inspections.services.confirmed_findings`` only (the findings that still stand:
confirmed, contested or upheld); the link is the visit's page, opened only by whoever may see
the finding there.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, QuerySet
from django.utils import timezone

from xiaoneng.accounts.models import User
from xiaoneng.inspections.models import Finding
from xiaoneng.inspections.services import ConfirmedFinding, confirmed_findings
from xiaoneng.org.models import Staff

from .models import Cause
from .people import from_staff
from .sources import Provider, SourceRecord, register


def _record(f: ConfirmedFinding, visit_id: int, staff: Staff | None = None) -> SourceRecord:
    if staff is None and f.person_id:
        staff = Staff.objects.filter(pk=f.person_id).first()
    return SourceRecord(
        cause=Cause.INSPECTION,
        id=f.finding_id,
        unit_id=f.unit_id,
        person=from_staff(staff),
        summary=f"明查暗访：{f.item_name or f.category}（{f.summary}）"[:300],
        label=f"明查暗访发现问题（{f.category}，{f.confirmed_at:%Y-%m-%d}）"[:200],
        link=f"/office/inspections/visits/{visit_id}/",
        occurred_at=f.confirmed_at,
        category=f.category,
    )


def _visits(ids: list[int]) -> dict[int, int]:
    return dict(Finding.objects.filter(pk__in=ids).values_list("pk", "visit_id"))


def _find(since: datetime, until: datetime) -> list[SourceRecord]:
    found = [
        f
        for f in confirmed_findings(timezone.localdate(since), timezone.localdate(until))
        if since <= f.confirmed_at < until
    ]
    visits = _visits([f.finding_id for f in found])
    return [_record(f, visits[f.finding_id]) for f in found]


def _keys(since: datetime, until: datetime) -> QuerySet[Finding]:
    rows = Finding.objects.confirmed().filter(confirmed_at__gte=since, confirmed_at__lt=until)
    return rows.annotate(occurred=F("confirmed_at"))


def _many(ids: list[int]) -> list[SourceRecord]:
    """The page's findings: one read of ``confirmed_findings`` over their days, staff in bulk."""
    rows = list(
        Finding.objects.confirmed()
        .filter(pk__in=ids, confirmed_at__isnull=False)
        .values_list("pk", "visit_id", "confirmed_at")
    )
    if not rows:
        return []
    visits = {pk: visit for pk, visit, _at in rows}
    days = [timezone.localdate(when) for _pk, _visit, when in rows]
    found = [f for f in confirmed_findings(min(days), max(days)) if f.finding_id in visits]
    staff = Staff.objects.in_bulk([f.person_id for f in found if f.person_id])
    return [
        _record(f, visits[f.finding_id], staff.get(f.person_id) if f.person_id else None)
        for f in found
    ]


def _get(pk: int) -> SourceRecord | None:
    finding = Finding.objects.filter(pk=pk).only("confirmed_at", "visit_id").first()
    if finding is None or finding.confirmed_at is None:
        return None
    day = timezone.localdate(finding.confirmed_at)
    match = [f for f in confirmed_findings(day, day) if f.finding_id == pk]
    return _record(match[0], finding.visit_id) if match else None


def _opens(user: User, pk: int) -> bool:
    return Finding.objects.visible_to(user).filter(pk=pk).exists()


register(Provider(Cause.INSPECTION, _find, _get, _opens, keys=_keys, many=_many))
