"""Two more data sources: 明查暗访 deductions and 责任追究 sanctions.

Assessment sits above both apps and reads them through their figure functions
(``inspections.figures.unit_findings``, ``accountability.figures.unit_sanctions``); the drill-down
lists only the records the reader may open in those apps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoneng.accountability import figures as accountability
from xiaoneng.accountability.models import LADDER, Sanction, Violation
from xiaoneng.inspections import figures as inspections
from xiaoneng.inspections.models import Finding
from xiaoneng.org.models import Unit
from xiaoneng.scoring.assessment import Figure

from .components import Drill, Rollup, Row, Source, Span, _day, _drill, _link, register

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User

#: A sanction's weight in the 责任追究 figure: its step on the ladder (提醒 1 … 辞退 8), so a
#: heavier sanction weighs more and the figure grows with every sanction.
SANCTION_WEIGHT: dict[str, int] = {level: step for step, level in enumerate(LADDER, start=1)}


def _inspection_figures(rollup: Rollup, span: Span) -> dict[int, Figure]:
    found = inspections.unit_findings(span.start, span.end)
    totals = rollup.fold(
        [{"unit_id": unit_id, "points": f.deduction_total} for unit_id, f in found.items()]
    )
    return {u: Figure(float(totals.get(u, {}).get("points", 0))) for u in rollup.units}


def _inspection_rows(user: User, unit: Unit, span: Span) -> Drill:
    qs = (
        Finding.objects.visible_to(user)
        .filter(
            status__in=Finding.STANDING,
            visit__unit__path__startswith=unit.path,
            visit__visited_on__gte=span.start,
            visit__visited_on__lte=span.end,
        )
        .select_related("item", "visit__unit")
        .order_by("visit__visited_on", "pk")
    )
    return _drill(
        "期内确认的明查暗访问题",
        qs,
        lambda f: Row(
            f"{f.item.name if f.item else '其他'}（扣{f.deduction}分）",
            f"{f.visit.visited_on:%Y-%m-%d}，{f.visit.unit.short_name or f.visit.unit.name}",
            _link(user, "inspections:visit", f.visit_id),
        ),
    )


def _sanction_figures(rollup: Rollup, span: Span) -> dict[int, Figure]:
    found = accountability.unit_sanctions(span.start, span.end)
    weighted = [
        {
            "unit_id": unit_id,
            "points": sum(SANCTION_WEIGHT.get(k, 1) * n for k, n in s.counts.items()),
        }
        for unit_id, s in found.items()
    ]
    totals = rollup.fold(weighted)
    return {u: Figure(float(totals.get(u, {}).get("points", 0))) for u in rollup.units}


def _sanction_rows(user: User, unit: Unit, span: Span) -> Drill:
    ids = accountability.standing(span.start, span.end).values("pk")
    qs = (
        Violation.objects.visible_to(user)
        .filter(pk__in=ids, unit__path__startswith=unit.path)
        .order_by("decided_at", "pk")
    )
    return _drill(
        "期内作出且未撤销的处理决定",
        qs,
        lambda v: Row(
            f"{Sanction(v.sanction).label}（计{SANCTION_WEIGHT.get(v.sanction, 1)}）",
            f"{_day(v.decided_at)}，{v.get_cause_display()}",
            _link(user, "accountability:detail", v.pk),
        ),
    )


register(
    Source(
        "inspections",
        "明查暗访",
        "分",
        "期内明查暗访确认问题（含申辩未成立）的扣分合计，按检查日期计",
        zero_at=20,
        full_at=0,
        figures=_inspection_figures,
        records=_inspection_rows,
    )
)

register(
    Source(
        "accountability",
        "责任追究",
        "计分",
        "期内作出且未撤销的处理决定按处理方式计分之和（提醒1、批评教育2、告诫3、通报批评4、"
        "诫勉谈话5、调离岗位6、降职/撤职7、辞退8），按决定日期计",
        zero_at=20,
        full_at=0,
        figures=_sanction_figures,
        records=_sanction_rows,
    )
)
