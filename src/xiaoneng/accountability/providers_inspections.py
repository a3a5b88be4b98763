"""明查暗访: confirmed inspection findings as a source of violations.

Read through ``inspections.services.confirmed_findings`` only (the findings that still stand:
confirmed, contested or upheld); the link is the visit's page, opened only by whoever may see
the finding there.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from xiaoneng.accounts.models import User
from xiaoneng.inspections.models import Finding
from xiaoneng.inspections.services import ConfirmedFinding, confirmed_findings
from xiaoneng.org.models import Staff

from .models import Cause
from .people import from_staff
from .sources import Provider, SourceRecord, register


def _record(f: ConfirmedFinding, visit_id: int) -> SourceRecord:
    staff = Staff.objects.filter(pk=f.person_id).first() if f.person_id else None
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


def _get(pk: int) -> SourceRecord | None:
    finding = Finding.objects.filter(pk=pk).only("confirmed_at", "visit_id").first()
    if finding is None or finding.confirmed_at is None:
        return None
    day = timezone.localdate(finding.confirmed_at)
    match = [f for f in confirmed_findings(day, day) if f.finding_id == pk]
    return _record(match[0], finding.visit_id) if match else None


def _opens(user: User, pk: int) -> bool:
    return Finding.objects.visible_to(user).filter(pk=pk).exists()


register(Provider(Cause.INSPECTION, _find, _get, _opens))
