"""What the results pages show, shared by the office and the public: rankings per category,
charts (ECharts options) and the year-over-year comparison. Reads stored results only."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import results
from .models import Campaign, CampaignUnit

#: Bars and points of the satisfaction chart.
POINT_COLOUR = "#b42318"
INTERVAL_COLOUR = "#f4b4ae"


@dataclass
class Row:
    cu: CampaignUnit
    history: list[results.HistoryPoint] = field(default_factory=list)
    #: Dimension scores in the campaign's order (the stored JSON's key order is not kept by
    #: PostgreSQL's jsonb).
    dimension_scores: list[float | None] = field(default_factory=list)

    @property
    def r(self) -> dict:
        return self.cu.result or {}

    @property
    def previous(self) -> results.HistoryPoint | None:
        earlier = [p for p in self.history if p.campaign.pk != self.cu.campaign_id]
        return earlier[-1] if earlier else None

    @property
    def rate_change(self) -> float | None:
        prev = self.previous
        if prev is None or prev.rate is None or self.cu.headline_rate is None:
            return None
        return self.cu.headline_rate - prev.rate


@dataclass
class Category:
    name: str
    rows: list[Row]
    mean_score: float | None
    last_status: str | None
    chart: dict
    chart_id: str
    dimensions: list[str]

    @property
    def chart_height(self) -> int:
        """Pixels: room for each unit's bar, within sensible bounds."""
        return min(1600, 80 + 26 * len(self.rows))


def _rank_key(cu: CampaignUnit) -> tuple:
    return (cu.rank is None, cu.rank or 0, cu.unit.name)


def rate_chart(rows: list[Row]) -> dict:
    """Each unit's published 满意率 with its 95% interval: an invisible bar up to the low
    end, a pale bar from low to high, and the point (JSON only: the page's CSP forbids script)."""
    shown = [r for r in rows if r.r.get("headline", {}).get("value") is not None][::-1]
    low = [round(r.r["headline"]["low"] * 100, 2) for r in shown]
    span = [round((r.r["headline"]["high"] - r.r["headline"]["low"]) * 100, 2) for r in shown]
    value = [round(r.r["headline"]["value"] * 100, 2) for r in shown]
    # Close to the lowest interval: rates of 98–100 % must not all sit in the last pixels.
    start = max(0, math.floor(min(low, default=1)) - 1)
    base = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "data": ["满意率", "95%置信区间"]},
        "grid": {"left": 8, "right": 24, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "value",
            "min": start,
            "max": 100,
            "axisLabel": {"formatter": "{value}%", "hideOverlap": True},
        },
        "yAxis": {"type": "category", "data": [r.cu.unit.name[:14] for r in shown]},
        "series": [
            {
                "name": "区间下限",
                "type": "bar",
                "stack": "ci",
                "itemStyle": {"color": "transparent"},
                "emphasis": {"disabled": True},
                "tooltip": {"show": False},
                "data": low,
            },
            {
                "name": "95%置信区间",
                "type": "bar",
                "stack": "ci",
                "itemStyle": {"color": INTERVAL_COLOUR},
                "data": span,
            },
            {
                "name": "满意率",
                "type": "scatter",
                "symbolSize": 9,
                "itemStyle": {"color": POINT_COLOUR},
                "data": [[v, i] for i, v in enumerate(value)],
            },
        ],
    }
    return {"baseOption": base, "media": [_narrow_rate_chart(shown)]}


#: Width (px) of the chart below which the phone layout applies (a 390 px phone leaves ~330).
NARROW = 480


def _narrow_rate_chart(shown: list[Row]) -> dict:
    """On a phone the unit names would take half the width and the rate ticks would run into
    each other: short names wrapped on at most two lines of a bar's height (14 characters; the
    table below has the full names), fewer ticks, labels that never overlap."""
    return {
        "query": {"maxWidth": NARROW},
        "option": {
            "grid": {"left": 4, "right": 18},
            "xAxis": {"splitNumber": 3, "axisLabel": {"fontSize": 11}},
            "yAxis": {
                "data": [(r.cu.unit.short_name or r.cu.unit.name)[:14] for r in shown],
                "axisLabel": {"width": 80, "overflow": "break", "lineHeight": 12, "fontSize": 11},
            },
        },
    }


def trend_chart(points: list[tuple[int, str, float | None]]) -> dict | None:
    """The overall published 满意率 by year (历年总体满意率)."""
    shown = [(y, rate) for y, _, rate in points if rate is not None]
    if len(shown) < 2:
        return None
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 24, "top": 24, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [f"{y}年" for y, _ in shown],
            # Many years on a phone: show what fits rather than letters on top of each other.
            "axisLabel": {"hideOverlap": True},
        },
        "yAxis": {
            "type": "value",
            "min": max(0, int(min(r for _, r in shown) * 100) - 5),
            "max": 100,
            "axisLabel": {"formatter": "{value}%"},
        },
        "series": [
            {
                "type": "line",
                "name": "总体满意率",
                "label": {"show": True, "formatter": "{c}%"},
                "itemStyle": {"color": POINT_COLOUR},
                "data": [round(r * 100, 1) for _, r in shown],
            }
        ],
    }


def categories(campaign: Campaign, *, public: bool) -> list[Category]:
    """The ranking tables, one per category in the campaign's order, best first."""
    units = list(campaign.units.select_related("unit", "campaign"))
    history = results.unit_history(campaign, units, public=public)
    summary = {c["category"]: c for c in (campaign.summary or {}).get("categories", [])}
    dimensions = list(campaign.dimensions.values_list("name", flat=True))
    order: list[str] = []
    for cu in units:
        if cu.category not in order:
            order.append(cu.category)
    out = []
    for index, name in enumerate(order, start=1):
        members = sorted((cu for cu in units if cu.category == name), key=_rank_key)
        rows = [
            Row(
                cu,
                history.get(cu.unit_id, []),
                [((cu.result or {}).get("dimensions") or {}).get(d) for d in dimensions],
            )
            for cu in members
        ]
        info = summary.get(name, {})
        out.append(
            Category(
                name=name,
                rows=rows,
                mean_score=info.get("mean_score"),
                last_status=info.get("status"),
                chart=rate_chart(rows),
                chart_id=f"rate-chart-{index}",
                dimensions=dimensions,
            )
        )
    return out


def rates_by_part(campaign: Campaign) -> list[tuple[str, dict]]:
    """The published rate of all units by dimension, then by stratum, in the campaign's order
    (labelled "评议内容：科学发展", "层面：城市居民"); empty for results of the first version."""
    summary = campaign.summary or {}
    by_dimension = summary.get("rates_by_dimension") or {}
    by_stratum = summary.get("rates_by_stratum") or {}
    out = [
        (_("评议内容：%(name)s") % {"name": d}, by_dimension[d])
        for d in campaign.dimensions.values_list("name", flat=True)
        if d in by_dimension
    ]
    out += [
        (_("层面：%(name)s") % {"name": h}, by_stratum[h])
        for h in campaign.strata.values_list("name", flat=True)
        if h in by_stratum
    ]
    return out


def history_years(campaign: Campaign, *, public: bool) -> list[int]:
    return [c.year for c in results.earlier_campaigns(campaign, public=public)]


@dataclass(frozen=True)
class SeedShown:
    """The lottery numbers as announced (per group, as typed: ``["08", "16", …]``) beside the
    canonical seed the draw used (RFC 3797 §4: docs/draw.md)."""

    groups: list[list[str]]
    canonical: str


def seed_shown(campaign: Campaign) -> SeedShown | None:
    """What the draw pages print about the seed; None before the numbers are entered."""
    if not campaign.seed_canonical:
        return None
    text = unicodedata.normalize("NFKC", campaign.seed_raw)
    groups = [re.findall(r"[0-9]+", part) for part in text.split("/")]
    return SeedShown([g for g in groups if g], campaign.seed_canonical)
