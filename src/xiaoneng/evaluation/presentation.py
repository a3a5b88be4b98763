"""What the evaluation pages show: the rankings per category, charts (ECharts options) and the
year-over-year comparison that the office and the public share, and the rows of the office's
pages (units to choose, the pool, the draw, the review). Reads only; views pass what is shown
here to their templates."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.utils.translation import gettext as _

from xiaoneng import scoring
from xiaoneng.org.models import Unit, UnitCategory

from . import pool, results, services
from .models import AnswerSheet, Campaign, CampaignUnit, Evaluator, Stratum

if TYPE_CHECKING:
    from .forms import PoolFilterForm, UnitsForm

#: The kinds of organisation unit that can be evaluated (not sections inside a department).
EVALUATED_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.CENTRE, Unit.Kind.WINDOW, Unit.Kind.DISTRICT)

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


# ---- the office's pages -------------------------------------------------------------------------


def unit_candidates(campaign: Campaign) -> list[Unit]:
    """The units that may be evaluated (and those already chosen), in the tree's order."""
    chosen = campaign.units.values_list("unit_id", flat=True)
    return list(
        Unit.objects.filter(Q(kind__in=EVALUATED_KINDS) | Q(pk__in=chosen), is_active=True)
        .select_related("category", "parent")
        .order_by("path")
    )


@dataclass(frozen=True)
class UnitChoice:
    """One line of the 被评议单位 page: the unit, ticked or not, its category and duty summary."""

    unit: Unit
    on: bool
    category: str
    duty: str


@dataclass(frozen=True)
class UnitsPage:
    rows: list[UnitChoice]
    categories: list[str]  # suggested in the category box
    chosen_count: int


def units_page(campaign: Campaign, candidates: list[Unit], form: UnitsForm) -> UnitsPage:
    """The campaign's units as stored, or as just typed when the form was posted."""
    chosen = {cu.unit_id: cu for cu in campaign.units.all()}
    ticked = {str(v) for v in form["unit"].value() or []} if form.is_bound else set()
    rows = []
    for unit in candidates:
        cu = chosen.get(unit.pk)
        if form.is_bound:
            on = str(unit.pk) in ticked
            category = form[f"category_{unit.pk}"].value() if on else ""
            duty = form[f"duty_{unit.pk}"].value() if on else ""
        else:
            on = cu is not None
            category = cu.category if cu else (unit.category.name if unit.category else "")
            duty = cu.duty_summary if cu else unit.duty_summary
        rows.append(UnitChoice(unit, on, category or "", duty or ""))
    categories = [
        *services.DEFAULT_CATEGORIES,
        *UnitCategory.objects.values_list("name", flat=True),
        *(cu.category for cu in chosen.values()),
    ]
    return UnitsPage(rows, list(dict.fromkeys(categories)), len(chosen))


@dataclass(frozen=True)
class PoolListing:
    page: Page
    q: str
    stratum: str
    status: str
    strata: list[tuple[Stratum, int]]  # with how many people each has in the pool


def pool_listing(campaign: Campaign, filters: PoolFilterForm, page: str | None) -> PoolListing:
    """The pool page's table: the people matching the search, 50 a page."""
    people = campaign.evaluators.select_related("stratum")
    stratum, status, q = filters.value("stratum"), filters.value("status"), filters.value("q")
    if stratum:
        people = people.filter(stratum__name=stratum)
    if status:
        people = people.filter(status=status)
    people = pool.matching(people, q)
    sizes = services.stratum_sizes(campaign)
    return PoolListing(
        Paginator(people.order_by("number"), 50).get_page(page),
        q,
        stratum,
        status,
        [(s, sizes.get(s.name, 0)) for s in campaign.strata.all()],
    )


@dataclass(frozen=True)
class DrawnStratum:
    """Who a stratum's draw chose, in draw order (with those replaced), and its reserves."""

    stratum: Stratum
    chosen: list[Evaluator]
    reserves: int


def drawn(campaign: Campaign, strata: list[Stratum]) -> list[DrawnStratum]:
    """The draw's outcome per stratum; empty before the draw."""
    if not campaign.seed_canonical:
        return []
    people = campaign.evaluators.exclude(status=Evaluator.Status.POOL).select_related(
        "stratum", "replaced_by"
    )
    out = []
    for s in strata:
        members = sorted(
            (e for e in people if e.stratum_id == s.pk), key=lambda e: e.draw_position or 0
        )
        out.append(
            DrawnStratum(
                s,
                [e for e in members if e.status != Evaluator.Status.RESERVE],
                sum(e.status == Evaluator.Status.RESERVE for e in members),
            )
        )
    return out


@dataclass(frozen=True)
class FlaggedRule:
    """A careless-response rule with what it flags and whether (and why) it was adopted."""

    kind: str
    label: str
    text: str
    reason: str | None
    flags: list[dict]  # {"detail": …, "sheets": [AnswerSheet, …]}
    sheets: int


@dataclass(frozen=True)
class Review:
    rules: list[FlaggedRule]
    preview: scoring.TallyResult | None
    preview_rows: list[dict]  # {"name": unit name, "r": UnitResult}, by category and rank
    refusal: ValidationError | None  # why there is no preview although there are sheets


def review(campaign: Campaign) -> Review:
    """可疑问卷复核: each rule that flags sheets, and a preview of the tally without intervals."""
    if campaign.status not in (Campaign.Status.CLOSED, Campaign.Status.COLLECTING):
        return Review([], None, [], None)
    core = results.core_campaign(campaign)
    report = results.quality(campaign, core)
    flagged = {sid for f in report.flags for sid in f.sheet_ids}
    by_id = {
        str(s.pk): s
        for s in AnswerSheet.objects.filter(pk__in=list(flagged)).select_related("stratum")
    }
    rules = []
    for kind, (label, text) in results.RULES.items():
        found = report.of_kind(kind)
        if found:
            rules.append(
                FlaggedRule(
                    kind.value,
                    label,
                    text,
                    campaign.exclusion_rules.get(kind.value),
                    [
                        {"detail": f.detail, "sheets": [by_id[s] for s in f.sheet_ids]}
                        for f in found
                    ],
                    len({s for f in found for s in f.sheet_ids}),
                )
            )
    if campaign.status != Campaign.Status.CLOSED or not campaign.sheets.exists():
        return Review(rules, None, [], None)
    try:
        preview = results.compute(campaign, replicates=0, core=core)
    except ValidationError as error:
        return Review(rules, None, [], error)
    names = dict(campaign.units.values_list("pk", "unit__name"))
    rows = sorted(
        ({"name": names[int(u.unit)], "r": u} for u in preview.units),
        key=lambda x: (x["r"].category, x["r"].rank or 10**6),
    )
    return Review(rules, preview, rows, None)
