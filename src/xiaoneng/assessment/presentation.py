"""What the assessment pages show: rankings per category with their chart (ECharts options as
JSON: the CSP forbids inline script), a scorecard's lines, a unit's years."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
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


# ---- the public page of a published period -----------------------------------------------------


def rank_ranges(intervals: Sequence[tuple[float, float] | None]) -> list[tuple[int, int] | None]:
    """The ranks each unit may hold given the score intervals (可能名次): at best 1 + the units
    whose interval lies wholly above its own, at worst 1 + the other units whose interval reaches
    above its lower end. Equal ends mean the data places the unit at that rank alone."""
    known = [(i, iv) for i, iv in enumerate(intervals) if iv is not None]
    ranges: list[tuple[int, int] | None] = [None] * len(intervals)
    for i, (low, high) in known:
        above = sum(1 for j, (lo, _hi) in known if j != i and lo > high)
        reaching = sum(1 for j, (_lo, hi) in known if j != i and hi > low)
        ranges[i] = (1 + above, 1 + reaching)
    return ranges


@dataclass(frozen=True)
class Cell:
    """One component of a unit on the public page: its score and the records it rests on."""

    score: float | None
    n: int | None
    few: bool


@dataclass(frozen=True)
class PublicRow:
    unit: str
    rank: int | None
    rank_range: tuple[int, int] | None
    score: float | None
    low: float | None
    high: float | None
    grade: str
    last: str  # Result.Last value
    veto: bool
    cells: tuple[Cell, ...]

    @property
    def rank_distinct(self) -> bool:
        return self.rank_range is not None and self.rank_range[0] == self.rank_range[1]


@dataclass(frozen=True)
class PublicCategory:
    name: str
    components: tuple[str, ...]
    records: tuple[int | None, ...]  # n per component over the category (None: not a count)
    rows: tuple[PublicRow, ...]
    chart: dict[str, Any]
    chart_id: str

    @property
    def chart_height(self) -> int:
        return 60 + 26 * len(self.rows)

    @property
    def header(self) -> tuple[tuple[str, int | None], ...]:
        return tuple(zip(self.components, self.records, strict=True))

    @property
    def grades(self) -> dict[str, int]:
        counts = {g: 0 for g in GRADES}
        for r in self.rows:
            if r.grade:
                counts[r.grade] += 1
        return counts


def _public_rows(rows: Sequence[Result], labels: Sequence[str]) -> tuple[PublicRow, ...]:
    intervals = [
        (r.low, r.high) if r.low is not None and r.high is not None else None for r in rows
    ]
    made = []
    for r, span in zip(rows, rank_ranges(intervals), strict=True):
        parts = {c["label"]: c for c in r.detail.get("components", [])}
        made.append(
            PublicRow(
                unit=r.unit.name,
                rank=r.rank,
                rank_range=span if r.rank is not None else None,
                score=r.score,
                low=r.low,
                high=r.high,
                grade=r.grade,
                last=r.last,
                veto=bool(r.detail.get("veto")),
                cells=tuple(
                    Cell(parts[x].get("score"), parts[x].get("n"), bool(parts[x].get("few")))
                    if x in parts
                    else Cell(None, None, False)
                    for x in labels
                ),
            )
        )
    return tuple(made)


def public_categories(period: Period) -> list[PublicCategory]:
    """The published ranking by category: scores, intervals, the ranks the data allows, grades,
    末位 and 不可区分 marks, and for every component the number of records it rests on."""
    results = list(
        Result.objects.filter(period=period)
        .select_related("unit", "category")
        .order_by("category__sort_order", "rank", "unit__sort_order")
    )
    grouped: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        grouped[r.category.name].append(r)
    made = []
    for n, (name, rows) in enumerate(grouped.items()):
        labels: list[str] = []
        for r in rows:
            for c in r.detail.get("components", []):
                if c["label"] not in labels:
                    labels.append(c["label"])
        records: list[int | None] = []
        for label in labels:
            ns = [
                c.get("n")
                for r in rows
                for c in r.detail.get("components", [])
                if c["label"] == label and c.get("n") is not None and c.get("count") is not None
            ]
            records.append(sum(ns) if ns else None)
        made.append(
            PublicCategory(
                name=name,
                components=tuple(labels),
                records=tuple(records),
                rows=_public_rows(rows, labels),
                chart=score_chart(rows),
                chart_id=f"public-chart-{n}",
            )
        )
    return made


@dataclass(frozen=True)
class HistoryRow:
    unit: str
    cells: tuple[Result | None, ...]  # one per period of ``History.periods``


@dataclass(frozen=True)
class History:
    periods: tuple[Period, ...]
    rows: tuple[HistoryRow, ...]


#: How many published periods of the same kind the year-over-year table shows.
HISTORY_PERIODS = 5


def public_history(period: Period) -> History:
    """Year over year (历年对比): each unit of this period, its score, rank and grade in the
    published periods of the same kind up to this one (the latest ``HISTORY_PERIODS``)."""
    periods = tuple(
        Period.objects.filter(
            kind=period.kind, status=Period.Status.PUBLISHED, start__lte=period.start
        ).order_by("-start")[:HISTORY_PERIODS]
    )[::-1]
    found = {
        (r.period_id, r.unit_id): r
        for r in Result.objects.filter(period__in=periods).select_related("period")
    }
    units = (
        Result.objects.filter(period=period)
        .select_related("unit")
        .order_by("category__sort_order", "rank", "unit__sort_order")
    )
    return History(
        periods=periods,
        rows=tuple(
            HistoryRow(r.unit.name, tuple(found.get((p.pk, r.unit_id)) for p in periods))
            for r in units
        ),
    )
