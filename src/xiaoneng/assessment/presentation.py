"""What the assessment pages show: rankings per category with their chart (ECharts options as
JSON: the CSP forbids inline script), a scorecard's lines, a unit's years."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from xiaoneng.scoring.assessment import GRADES

from . import components
from .models import Period, Result


@dataclass(frozen=True)
class Category:
    name: str
    rows: tuple[Result, ...]
    chart: dict[str, Any]
    chart_id: str

    @property
    def chart_height(self) -> int:
        return 60 + 26 * len(self.rows)

    @property
    def grades(self) -> dict[str, int]:
        counts = {g: 0 for g in GRADES}
        for r in self.rows:
            if r.grade:
                counts[r.grade] += 1
        return counts


def score_chart(rows: Iterable[Result]) -> dict[str, Any]:
    """Each unit's score with its interval: an invisible bar to the low end, a pale bar from low
    to high, and the point."""
    shown = [r for r in rows if r.score is not None][::-1]
    low = [round(r.low or 0, 2) for r in shown]
    # Close to the lowest interval, so that scores of 85–95 do not sit in the last pixels.
    start = max(0, int(min(low, default=0)) - 5)
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "data": ["总分", "区间"]},
        "grid": {"left": 8, "right": 24, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "min": start},
        "yAxis": {"type": "category", "data": [r.unit.name[:14] for r in shown]},
        "series": [
            {
                "name": "区间下限",
                "type": "bar",
                "stack": "ci",
                "itemStyle": {"color": "transparent"},
                "tooltip": {"show": False},
                "data": low,
            },
            {
                "name": "区间",
                "type": "bar",
                "stack": "ci",
                "itemStyle": {"color": "#b9d3ee"},
                "data": [round((r.high or 0) - (r.low or 0), 2) for r in shown],
            },
            {
                "name": "总分",
                "type": "scatter",
                "symbolSize": 9,
                "itemStyle": {"color": "#1f5f99"},
                "data": [[r.score, i] for i, r in enumerate(shown)],
            },
        ],
    }


def categories(results: Iterable[Result]) -> list[Category]:
    grouped: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        grouped[r.category.name].append(r)
    return [
        Category(name, tuple(rows), score_chart(rows), f"score-chart-{n}")
        for n, (name, rows) in enumerate(grouped.items())
    ]


@dataclass(frozen=True)
class Line:
    """One component on a scorecard, with its formula and the inputs behind it."""

    source: str
    label: str
    formula: str
    measure: str
    weight: float
    zero_at: float
    full_at: float
    value: float | None
    count: int | None
    n: int | None
    score: float | None
    low: float | None
    high: float | None
    few: bool

    @property
    def interval(self) -> bool:
        return self.low is not None and self.high is not None and self.high - self.low > 0.005


def lines(detail: dict[str, Any]) -> list[Line]:
    found = []
    for c in detail.get("components", []):
        source = components.REGISTRY.get(c["source"])
        found.append(
            Line(
                source=c["source"],
                label=c["label"],
                formula=source.formula if source else "",
                measure=source.measure if source else "",
                weight=c["weight"],
                zero_at=c["zero_at"],
                full_at=c["full_at"],
                value=c["value"],
                count=c["count"],
                n=c["n"],
                score=c["score"],
                low=c["low"],
                high=c["high"],
                few=c["few"],
            )
        )
    return found


def years(unit_id: int) -> list[Result]:
    """The unit's published results, newest first (year over year)."""
    return list(
        Result.objects.filter(unit_id=unit_id, period__status=Period.Status.PUBLISHED)
        .select_related("period")
        .order_by("-period__start", "period__kind")
    )
