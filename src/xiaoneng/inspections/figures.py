"""明查暗访 figures that assessment (绩效考评) reads: per unit and period, the findings that
stand and their deductions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .models import Finding


@dataclass(frozen=True)
class UnitFindings:
    """One unit's standing findings over a period."""

    count: int
    deduction_total: Decimal
    finding_ids: tuple[int, ...]


def unit_findings(start: date, end: date) -> dict[int, UnitFindings]:
    """unit id → its findings that stand (confirmed, contested or upheld), by the day of the
    visit (``start``…``end`` inclusive: when the breach was seen). A unit is the one visited (a
    window is its own unit; assessment rolls windows up to departments if it wants)."""
    rows = (
        Finding.objects.confirmed()
        .filter(visit__visited_on__gte=start, visit__visited_on__lte=end)
        .order_by("pk")
        .values_list("pk", "visit__unit_id", "deduction")
    )
    ids: dict[int, list[int]] = defaultdict(list)
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for pk, unit_id, deduction in rows:
        ids[unit_id].append(pk)
        totals[unit_id] += deduction
    return {
        unit_id: UnitFindings(len(found), totals[unit_id], tuple(found))
        for unit_id, found in ids.items()
    }
