"""办件统计 (case statistics, C3/C11): rates, durations, live counts and cards, scoped by role.

Every rate comes from the monthly rollups that ``xiaoneng.cases.services`` keeps as cases finish
(``CaseMonthStat``: finished / on time / early / working days per month × unit × item × window;
``CaseDurationStat``: how many cases took exactly *d* working days). A request aggregates
rollup rows — their number grows with items × windows × months, not with cases — and never
reads a case for a rate. The two live figures — cases open now and open past their deadline —
are the exception: they count ``Case`` rows through the ``status`` index, because a rollup of
"now" would be stale by the next event.

The definitions are written down in ``docs/statistics.md``; the short form:

- 按时办结率 = finished within the committed limit (incl. an approved extension) / finished
- 承诺件办结率 = the same, restricted to 承诺件 (handling type "promised")
- 提前办结率 = finished with elapsed working days < limit / finished
- "finished" = 办结 with a decision (准予 or 不予许可), counted in the month it finished in
  (Asia/Shanghai); 不予受理 and 退回 are not finished cases and count nowhere.
- median and p90 are nearest-rank percentiles over the merged duration counts.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    Model,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Concat
from django.http import Http404
from django.utils import timezone

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.cases.models import Case, CaseDurationStat, CaseMonthStat, CaseQuerySet, CaseStep
from xiaoneng.catalog.models import HandlingType, ServiceItem
from xiaoneng.org.models import Unit
from xiaoneng.scoring.rates import RankedRate, RankRule, Standing, rank_rates
from xiaoneng.supervision.models import Card, CardQuerySet
from xiaoneng.workdays import SHANGHAI

_M = TypeVar("_M", bound=Model)

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User

#: Roles that may open the statistics pages (the navigation shows them the same entry).
STATS_ROLES = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON)
FINISHED_STATUSES = ("approved", "denied")
#: The trend chart shows at least this many months, ending with the chosen period.
TREND_MONTHS = 12
#: A custom range longer than this is cut to its last MAX_RANGE_MONTHS months.
MAX_RANGE_MONTHS = 60
#: The joint-case analysis reads cases accepted in at most this many months …
JOINT_MAX_MONTHS = 12
#: … and at most this many of them (the most recent whole months that hold no more).
JOINT_MAX_CASES = 10_000
#: Items shown on the dashboard under a unit (the Excel export has all of them).
DASHBOARD_ITEMS = 30
#: How units, items and windows are ranked by 按时办结率: the rule of every published ranking
#: of a rate (``scoring.rates``; docs/statistics.md §10) — 样本不足 below 20 finished cases,
#: 末位 only when the interval lies wholly below the others'.
RATE_RULE = RankRule()

OTHER_WINDOW = "其他（单位直接受理）"


# ---- periods ---------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Number of months from ``start`` to ``end`` inclusive (both first days of a month)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def month_label(month: date) -> str:
    return f"{month.year}年{month.month}月"


@dataclass(frozen=True)
class Period:
    """统计周期: whole months from ``start`` to ``end`` inclusive (both the 1st of a month).

    Cases count in the month they finished in; cards in the month they were raised in."""

    key: str
    start: date
    end: date
    label: str
    date_from: str = ""  # the custom range as the form shows it (YYYY-MM)
    date_to: str = ""

    @property
    def months(self) -> list[date]:
        return [add_months(self.start, n) for n in range(months_between(self.start, self.end))]

    @property
    def starts_at(self) -> datetime:
        """The first instant of the period (local midnight), aware."""
        return datetime.combine(self.start, time(0), tzinfo=SHANGHAI)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period, aware."""
        return datetime.combine(add_months(self.end, 1), time(0), tzinfo=SHANGHAI)

    def trend_months(self, minimum: int = TREND_MONTHS) -> list[date]:
        """The months of the trend chart: the period, widened back to ``minimum`` months."""
        start = min(self.start, add_months(self.end, 1 - minimum))
        return [add_months(start, n) for n in range(months_between(start, self.end))]

    def params(self) -> dict[str, str]:
        params = {"p": self.key}
        if self.key == "range":
            params.update({"from": self.date_from, "to": self.date_to})
        return params


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _parse_month(text: str | None) -> date | None:
    match = _MONTH.match((text or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def last_months(today: date, n: int = 12) -> Period:
    end = month_start(today)
    start = add_months(end, 1 - n)
    return Period("12m", start, end, f"近12个月（{month_label(start)}—{month_label(end)}）")


def parse_period(params: Mapping[str, str], today: date | None = None) -> Period:
    """The period a request asks for (``?p=``); anything unreadable means the last 12 months.

    ``p`` is ``12m``, ``y2026``, ``q2026-1``, ``m2026-03`` or ``range`` with ``from``/``to``
    (``YYYY-MM``)."""
    today = today or timezone.localdate()
    key = (params.get("p") or "12m").strip()
    if match := re.fullmatch(r"y(\d{4})", key):
        year = int(match[1])
        if 2000 <= year <= 2100:
            return Period(key, date(year, 1, 1), date(year, 12, 1), f"{year}年")
    elif match := re.fullmatch(r"q(\d{4})-([1-4])", key):
        year, quarter = int(match[1]), int(match[2])
        if 2000 <= year <= 2100:
            start = date(year, 3 * quarter - 2, 1)
            return Period(key, start, add_months(start, 2), f"{year}年第{quarter}季度")
    elif match := re.fullmatch(r"m(\d{4})-(\d{1,2})", key):
        month = _parse_month(f"{match[1]}-{match[2]}")
        if month:
            return Period(f"m{month:%Y-%m}", month, month, month_label(month))
    elif key == "range":
        first, last = _parse_month(params.get("from")), _parse_month(params.get("to"))
        if first is None and last is None:
            # "Custom" chosen before any month was typed: offer the last 12 months to edit.
            default = last_months(today)
            start, end = default.start, default.end
        else:
            start = first or last or today
            end = last or first or today
            if start > end:
                start, end = end, start
        if months_between(start, end) > MAX_RANGE_MONTHS:
            start = add_months(end, 1 - MAX_RANGE_MONTHS)
        label = month_label(start) if start == end else f"{month_label(start)}—{month_label(end)}"
        return Period("range", start, end, label, f"{start:%Y-%m}", f"{end:%Y-%m}")
    return last_months(today)


def period_choices(today: date | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Options for the period menu, grouped: recent months, quarters and years."""
    today = today or timezone.localdate()
    this_month = month_start(today)
    months = [add_months(this_month, -n) for n in range(24)]
    quarter_starts = []
    q = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    for n in range(8):
        quarter_starts.append(add_months(q, -3 * n))
    return [
        ("常用", [("12m", "近12个月"), ("range", "自定义起止月份")]),
        ("年度", [(f"y{y}", f"{y}年") for y in range(today.year, today.year - 4, -1)]),
        (
            "季度",
            [
                (f"q{s.year}-{(s.month + 2) // 3}", f"{s.year}年第{(s.month + 2) // 3}季度")
                for s in quarter_starts
            ],
        ),
        ("月份", [(f"m{m:%Y-%m}", month_label(m)) for m in months]),
    ]


# ---- scope and filters ---------------------------------------------------------------------


@dataclass(eq=False)
class Scope:
    """How far the user sees: everything (``unit`` None) or one unit's subtree."""

    unit: Unit | None

    @property
    def path(self) -> str:
        return self.unit.path if self.unit else ""

    def contains(self, unit: Unit) -> bool:
        return unit.path.startswith(self.path)

    @cached_property
    def base(self) -> Unit | None:
        """The unit whose children the ranking compares when none is chosen: the user's own
        unit, or for the office the single top-level unit (the city) when there is exactly one.
        """
        if self.unit is not None:
            return self.unit
        roots = list(Unit.objects.filter(parent__isnull=True)[:2])
        return roots[0] if len(roots) == 1 else None


def scope_of(user: User | None) -> Scope:
    """The user's reach over case statistics, read from the same table that scopes the cases
    themselves (``CaseQuerySet.view_reach``), so the statistics never show more than the list."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied("请先登录")
    role = user.effective_role
    if role not in STATS_ROLES:
        raise PermissionDenied("您的角色无权查看办件统计")
    reach = CaseQuerySet.view_reach.get(Role(role), Reach.NONE)
    if reach is Reach.ALL:
        return Scope(None)
    if reach is Reach.SUBTREE and user.unit_id is not None:
        return Scope(user.unit)
    raise PermissionDenied("您没有所属单位，无法查看办件统计")


@dataclass(frozen=True)
class Filters:
    """What the dashboard, the export and the joint analysis are asked for."""

    period: Period
    unit: Unit | None = None  # the chosen unit (within scope); None = the user's whole scope
    handling_type: str = ""

    @property
    def handling_type_label(self) -> str:
        return str(HandlingType(self.handling_type).label) if self.handling_type else ""

    def params(self, **changes: Any) -> dict[str, str]:
        """The query parameters that reproduce these filters (for links and the export)."""
        params = self.period.params()
        if self.unit is not None:
            params["unit"] = str(self.unit.pk)
        if self.handling_type:
            params["type"] = self.handling_type
        for key, value in changes.items():
            if value in (None, ""):
                params.pop(key, None)
            else:
                params[key] = str(value)
        return params


def parse_filters(
    user: User, params: Mapping[str, str], today: date | None = None, scope: Scope | None = None
) -> Filters:
    """Read the filters of a request; a unit outside the user's scope is a 404 (not 403, so the
    page does not reveal that the unit exists)."""
    scope = scope or scope_of(user)
    unit = None
    raw_unit = (params.get("unit") or "").strip()
    if raw_unit:
        if not raw_unit.isdigit():
            raise Http404("没有这个单位")
        unit = Unit.objects.filter(pk=int(raw_unit)).first()
        if unit is None or not scope.contains(unit):
            raise Http404("没有这个单位")
    kind = (params.get("type") or "").strip()
    if kind not in HandlingType.values:
        kind = ""
    return Filters(parse_period(params, today), unit, kind)


# ---- figures -------------------------------------------------------------------------------


def percentile(counts: Mapping[int, int], p: int) -> int | None:
    """Nearest-rank percentile (百分位数) of a distribution given as ``{days: count}``: the
    smallest value with at least p % of the cases at or below it. None when there are none."""
    items = sorted((d, n) for d, n in counts.items() if n > 0)
    total = sum(n for _, n in items)
    if total == 0:
        return None
    rank = max(1, (p * total + 99) // 100)  # ceil(p/100 × total) in integers: no float error
    seen = 0
    for days, n in items:
        seen += n
        if seen >= rank:
            return days
    return items[-1][0]  # pragma: no cover - the loop always returns


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


@dataclass
class Figures:
    """The figures of one group (a unit, an item, a window, a month or everything)."""

    finished: int = 0
    on_time: int = 0
    early: int = 0
    days_total: int = 0
    promised_finished: int = 0
    promised_on_time: int = 0
    durations: Counter[int] = field(default_factory=Counter)  # days → cases (empty: not loaded)
    open: int | None = None  # live; None when not counted for this group
    overdue: int | None = None
    yellow_cards: int = 0
    red_cards: int = 0

    @classmethod
    def of_sums(cls, sums: Sequence[int]) -> Figures:
        """The figures from the month rollup's sums, in the order of ``MONTH_SUMS``."""
        finished, on_time, early, days_total, promised_finished, promised_on_time = sums
        return cls(finished, on_time, early, days_total, promised_finished, promised_on_time)

    def add(self, other: Figures | Mapping[str, Any]) -> None:
        get = other.get if isinstance(other, Mapping) else other.__dict__.get
        for name in (
            "finished",
            "on_time",
            "early",
            "days_total",
            "promised_finished",
            "promised_on_time",
            "yellow_cards",
            "red_cards",
        ):
            setattr(self, name, getattr(self, name) + (get(name) or 0))
        for name in ("open", "overdue"):
            value = get(name)
            if value is not None:
                setattr(self, name, (getattr(self, name) or 0) + value)
        if isinstance(other, Figures):
            self.durations.update(other.durations)

    @property
    def late(self) -> int:
        return self.finished - self.on_time

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率."""
        return _rate(self.on_time, self.finished)

    @property
    def promised_rate(self) -> float | None:
        """承诺件办结率 (承诺件按时办结率)."""
        return _rate(self.promised_on_time, self.promised_finished)

    @property
    def early_rate(self) -> float | None:
        """提前办结率."""
        return _rate(self.early, self.finished)

    @property
    def average_days(self) -> float | None:
        """平均办理用时 (working days)."""
        return self.days_total / self.finished if self.finished > 0 else None

    @property
    def median_days(self) -> int | None:
        return percentile(self.durations, 50)

    @property
    def p90_days(self) -> int | None:
        return percentile(self.durations, 90)

    @property
    def cards(self) -> int:
        return self.yellow_cards + self.red_cards


# Aggregate names carry a prefix: Django refuses an annotation named like the field it sums.
# Their order is the order of the first six Figures fields (``Figures.of_sums`` relies on it).
MONTH_SUMS = {
    "s_finished": Sum("finished"),
    "s_on_time": Sum("on_time"),
    "s_early": Sum("early"),
    "s_days_total": Sum("days_total"),
    "s_promised_finished": Sum("finished", filter=Q(handling_type=HandlingType.PROMISED)),
    "s_promised_on_time": Sum("on_time", filter=Q(handling_type=HandlingType.PROMISED)),
}


# ---- the units under the focus -------------------------------------------------------------


@dataclass
class Frame:
    """The units a breakdown covers: the focus unit's subtree (everything when ``focus`` is
    None). Rows are grouped by ``unit_id`` in SQL — no join to the units table — and mapped to
    the child of the focus they count under here, from one read of the subtree's paths."""

    focus: Unit | None
    units: dict[int, dict[str, Any]]  # id → id, path, name, kind, parent_id, is_active, order
    whole: bool  # the subtree is every unit: no filter needed at all

    @property
    def path(self) -> str:
        return self.focus.path if self.focus else ""

    def restrict(self, qs: QuerySet[_M], field: str = "unit_id") -> QuerySet[_M]:
        """Limit ``qs`` to rows whose ``field`` is a unit of the subtree (a semi-join on the
        indexed path, so no list of ids travels in the statement)."""
        if self.whole:
            return qs
        subtree = Unit.objects.filter(path__startswith=self.path).values("id")
        return qs.filter(**{f"{field}__in": subtree})

    @cached_property
    def child_of(self) -> dict[int, int | None]:
        """unit id → the child of the focus whose subtree holds it (None: the focus itself)."""
        return {uid: _child_id(u["path"], self.path) for uid, u in self.units.items()}

    @cached_property
    def children(self) -> list[dict[str, Any]]:
        parent = self.focus.pk if self.focus else None
        kids = [u for u in self.units.values() if u["parent_id"] == parent]
        parents = {u["parent_id"] for u in self.units.values()}
        for kid in kids:
            kid["has_children"] = kid["id"] in parents
        return sorted(kids, key=lambda u: (u["sort_order"], u["path"]))


def frame_for(scope: Scope, focus: Unit | None) -> Frame:
    """One query: the ids, paths and names of the focus subtree."""
    qs = Unit.objects.all() if focus is None else Unit.objects.filter(path__startswith=focus.path)
    units = {
        u["id"]: u
        for u in qs.values("id", "path", "name", "kind", "parent_id", "is_active", "sort_order")
    }
    # The office looking at the city (the single top-level unit) or at everything needs no
    # filter: every rollup row is inside. Skipping it saves a join on every statistics query.
    whole = scope.unit is None and (
        focus is None or (focus.parent_id is None and focus == scope.base)
    )
    return Frame(focus, units, whole)


def _child_id(path: str, focus_path: str) -> int | None:
    head = path[len(focus_path) :].split("/", 1)[0]
    return int(head) if head else None


def _month_stats(
    filters: Filters, frame: Frame, months: tuple[date, date] | None = None
) -> QuerySet[CaseMonthStat]:
    start, end = months or (filters.period.start, filters.period.end)
    qs = frame.restrict(CaseMonthStat.objects.filter(month__gte=start, month__lte=end))
    if filters.handling_type:
        qs = qs.filter(handling_type=filters.handling_type)
    return qs


def _duration_stats(filters: Filters, frame: Frame) -> QuerySet[CaseDurationStat]:
    qs = frame.restrict(
        CaseDurationStat.objects.filter(
            month__gte=filters.period.start, month__lte=filters.period.end
        )
    )
    if filters.handling_type:
        # The duration rollup has no handling type of its own: the item's current type is used.
        qs = qs.filter(item__handling_type=filters.handling_type)
    return qs


def _open_cases(user: User, filters: Filters, frame: Frame) -> QuerySet[Case]:
    qs = frame.restrict(cast(CaseQuerySet, Case.objects.visible_to(user)).open())
    if filters.handling_type:
        qs = qs.filter(item__handling_type=filters.handling_type)
    return qs


def _cards(user: User, filters: Filters, frame: Frame) -> QuerySet[Card]:
    qs = (
        cast(CardQuerySet, Card.objects.visible_to(user))
        .counting()
        .filter(raised_at__gte=filters.period.starts_at, raised_at__lt=filters.period.ends_at)
    )
    return frame.restrict(qs)


def _figures(row: Mapping[str, Any]) -> Figures:
    # int(): PostgreSQL sums a bigint column as numeric, which arrives as a Decimal.
    return Figures.of_sums([int(row.get(k) or 0) for k in MONTH_SUMS])


# ---- breakdowns ----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a breakdown."""

    key: Any
    label: str
    figures: Figures
    unit: Unit | None = None  # for unit rows: the unit to drill into / link to
    own: bool = False  # the focus unit's own cases (本级), not a child's subtree
    drillable: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    #: 按时办结率 as ranked among the rows it was listed with: n, interval, rank, 样本不足, 末位.
    rate: RankedRate[Any] | None = None

    @property
    def ranked(self) -> bool:
        return self.rate is not None and self.rate.rank is not None

    @property
    def insufficient(self) -> bool:
        return self.rate is not None and self.rate.standing is Standing.INSUFFICIENT


def _ranked(rows: list[Row]) -> list[Row]:
    """Ranked by 按时办结率 under ``RATE_RULE``, weakest first: the groups with enough finished
    cases from the lowest rate up (ties: more finished cases first), then the 样本不足 groups
    (never at the head of a weakest-first list) the same way, then groups without finished
    cases in their tree order. Each row gets its ``rate``."""
    ranking = rank_rates(
        [(i, r.figures.on_time, r.figures.finished) for i, r in enumerate(rows)], RATE_RULE
    )
    for row, rate in zip(rows, ranking.rows, strict=True):
        row.rate = rate
    ranked = [r for r in rows if r.ranked]
    small = [r for r in rows if r.insufficient]
    without = [r for r in rows if r.figures.finished == 0]
    ranked.sort(key=lambda r: (r.figures.on_time_rate, -r.figures.finished))
    small.sort(key=lambda r: (r.figures.on_time_rate, -r.figures.finished))
    return ranked + small + without


@dataclass
class Breakdowns:
    """The unit rows and the month rows of one scan of the month rollup."""

    units: list[Row]
    months: list[Row]


def unit_and_month_breakdowns(
    user: User,
    filters: Filters,
    frame: Frame,
    now: datetime,
    months: list[date] | None = None,
    cards: Sequence[Mapping[str, Any]] = (),
) -> Breakdowns:
    """按单位 and 按月份 together: one scan of the month rollup grouped by unit × month serves
    both (the two separate scans were the dashboard's largest cost), plus one query each for
    durations, live counts and cards.

    Unit rows: one per child unit of the focus (its whole subtree summed) plus the focus unit's
    own cases when it has any, ranked lowest on-time rate first; figures cover the period.
    Month rows: every month of ``months`` (default the period's), empty months included.
    ``cards`` are the period's cards by unit (``card_rows``), counted into the unit rows."""
    period = filters.period
    months = months or period.months
    # Plain lists of sums while scanning (thousands of rows); Figures only for the results.
    by_month: dict[date, list[int]] = {m: [0] * 6 for m in months}
    by_group: dict[int | None, list[int]] = defaultdict(lambda: [0] * 6)
    child_of = frame.child_of
    scan = (
        _month_stats(filters, frame, (min(months[0], period.start), max(months[-1], period.end)))
        .values("unit_id", "month")
        .annotate(**MONTH_SUMS)
        .values_list("unit_id", "month", *MONTH_SUMS)
    )
    for unit_id, month, *sums in scan:
        targets = []
        if month in by_month:
            targets.append(by_month[month])
        if period.start <= month <= period.end and unit_id in child_of:
            targets.append(by_group[child_of[unit_id]])
        for target in targets:
            for i, value in enumerate(sums):
                target[i] += int(value or 0)
    groups: dict[int | None, Figures] = {
        key: Figures.of_sums(sums) for key, sums in by_group.items()
    }
    durations = (
        _duration_stats(filters, frame)
        .values("unit_id", "days")
        .annotate(n=Sum("count"))
        .values_list("unit_id", "days", "n")
    )
    for unit_id, days, n in durations:
        if unit_id in child_of:
            key = child_of[unit_id]
            if key not in groups:
                groups[key] = Figures()
            groups[key].durations[days] += n
    live = (
        _open_cases(user, filters, frame)
        .values("unit_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
        .values_list("unit_id", "open", "overdue")
    )
    for unit_id, n_open, n_overdue in live:
        if unit_id in child_of:
            key = child_of[unit_id]
            if key not in groups:
                groups[key] = Figures()
            groups[key].open = (groups[key].open or 0) + n_open
            groups[key].overdue = (groups[key].overdue or 0) + n_overdue
    for row in cards:
        if row["unit_id"] in child_of:
            key = child_of[row["unit_id"]]
            if key not in groups:
                groups[key] = Figures()
            if row["color"] == Card.Color.RED:
                groups[key].red_cards += row["n"]
            else:
                groups[key].yellow_cards += row["n"]
    return Breakdowns(
        _unit_rows(frame, groups),
        [Row(m, month_label(m), Figures.of_sums(sums)) for m, sums in by_month.items()],
    )


def _unit_rows(frame: Frame, groups: dict[int | None, Figures]) -> list[Row]:
    rows = []
    for child in frame.children:
        figures = groups.pop(child["id"], Figures())
        if not child["is_active"] and not (figures.finished or figures.open or figures.cards):
            continue
        figures.open, figures.overdue = figures.open or 0, figures.overdue or 0
        unit = Unit(id=child["id"], name=child["name"], path=child["path"])
        rows.append(
            Row(child["id"], child["name"], figures, unit=unit, drillable=child["has_children"])
        )
    own = groups.pop(None, None)
    if own is not None and frame.focus is not None:
        own.open, own.overdue = own.open or 0, own.overdue or 0
        rows.append(
            Row(frame.focus.pk, f"{frame.focus.name}（本级）", own, unit=frame.focus, own=True)
        )
    return _ranked(rows)


def card_rows(user: User, filters: Filters, frame: Frame) -> list[dict[str, Any]]:
    """Cards (黄牌/红牌) raised in the period, withdrawn ones excluded, counted by unit, cause
    and colour — one query serving both the unit table and the chart by cause."""
    return list(
        _cards(user, filters, frame).values("unit_id", "cause", "color").annotate(n=Count("id"))
    )


CAUSE_ORDER = [c for c, _ in Card.Cause.choices]


def cards_by_cause(card_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, int]] = {}
    for row in card_rows:
        counts.setdefault(row["cause"], {"yellow": 0, "red": 0})[row["color"]] += row["n"]
    labels = dict(Card.Cause.choices)
    return [
        {
            "cause": cause,
            "label": labels.get(cause, cause),
            "yellow": counts[cause]["yellow"],
            "red": counts[cause]["red"],
        }
        for cause in sorted(counts, key=lambda c: CAUSE_ORDER.index(c) if c in CAUSE_ORDER else 99)
    ]


def unit_breakdown(user: User, filters: Filters, frame: Frame, now: datetime) -> list[Row]:
    """按单位 for the period, cards included."""
    cards = card_rows(user, filters, frame)
    return unit_and_month_breakdowns(user, filters, frame, now, cards=cards).units


def month_durations(filters: Filters, frame: Frame, rows: list[Row]) -> None:
    """Fill in each month row's duration distribution (for the export's medians and p90)."""
    by_month = {r.key: r.figures for r in rows}
    for row in _duration_stats(filters, frame).values("month", "days").annotate(n=Sum("count")):
        if row["month"] in by_month:
            by_month[row["month"]].durations[row["days"]] += row["n"]


def item_breakdown(
    user: User,
    filters: Filters,
    frame: Frame,
    now: datetime,
    *,
    limit: int | None = None,
) -> list[Row]:
    """按事项: one row per item with finished cases in the period, lowest on-time rate first.
    With ``limit``, only the first rows get durations and live counts (the dashboard)."""
    # Grouped by ids only, names looked up afterwards: grouping on the joined text columns made
    # the database sort every rollup row.
    groups = _month_stats(filters, frame).values("item_id", "unit_id").annotate(**MONTH_SUMS)
    merged: dict[int, Row] = {}
    for g in groups:
        row = merged.get(g["item_id"])
        if row is None:
            unit = frame.units.get(g["unit_id"])
            merged[g["item_id"]] = Row(
                g["item_id"], "", _figures(g), extra={"unit": unit["name"] if unit else ""}
            )
        else:  # an item that moved between units keeps one row
            row.figures.add(_figures(g))
    labels = dict(HandlingType.choices)

    def name(items: QuerySet[ServiceItem]) -> None:
        for item in items.values("id", "code", "name", "handling_type"):
            row = merged.get(item["id"])
            if row is not None:
                row.label = item["name"]
                row.extra["code"] = item["code"]
                row.extra["handling_type"] = labels.get(
                    item["handling_type"], item["handling_type"]
                )

    if merged:
        name(frame.restrict(ServiceItem.objects.all()))
        # An item moved out of the subtree since its cases finished is looked up by id.
        unnamed = [key for key, row in merged.items() if not row.label]
        if unnamed:
            name(ServiceItem.objects.filter(pk__in=unnamed))
    rows = _ranked(list(merged.values()))
    if limit is not None:
        rows = rows[:limit]
    by_id = {r.key: r.figures for r in rows}
    if not by_id:
        return rows
    durations = _duration_stats(filters, frame)
    live = _open_cases(user, filters, frame)
    if limit is not None:
        durations = durations.filter(item_id__in=list(by_id))
        live = live.filter(item_id__in=list(by_id))
    for stat in durations.values("item_id", "days").annotate(n=Sum("count")):
        if stat["item_id"] in by_id:
            by_id[stat["item_id"]].durations[stat["days"]] += stat["n"]
    for figures in by_id.values():
        figures.open = figures.overdue = 0
    counted = live.values("item_id").annotate(
        open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now))
    )
    for live_row in counted:
        if live_row["item_id"] in by_id:
            by_id[live_row["item_id"]].open = live_row["open"]
            by_id[live_row["item_id"]].overdue = live_row["overdue"]
    return rows


WINDOW_KINDS = (Unit.Kind.WINDOW, Unit.Kind.CENTRE)


def window_breakdown(filters: Filters, frame: Frame, *, lump_units: bool) -> list[Row]:
    """按窗口: one row per window the cases were registered at. Cases without a window count
    under their own unit; with ``lump_units`` those are summed into one "other" row (the
    dashboard), otherwise listed per unit (the export). No durations: the duration rollup has
    no window."""
    groups = list(_month_stats(filters, frame).values("window_id").annotate(**MONTH_SUMS))
    names = {uid: (u["name"], u["kind"]) for uid, u in frame.units.items()}
    missing = {g["window_id"] for g in groups} - names.keys()
    if missing:  # windows of a centre outside the focus subtree
        names.update(
            {
                u["id"]: (u["name"], u["kind"])
                for u in Unit.objects.filter(pk__in=missing).values("id", "name", "kind")
            }
        )
    rows: list[Row] = []
    other = Figures()
    for g in groups:
        name, kind = names.get(g["window_id"], (f"单位 {g['window_id']}", ""))
        is_window = kind in WINDOW_KINDS
        if lump_units and not is_window:
            other.add(_figures(g))
            continue
        label = "服务窗口" if is_window else "单位直接受理"
        rows.append(Row(g["window_id"], name, _figures(g), extra={"kind": label}))
    rows = _ranked(rows)
    if other.finished:
        rows.append(Row(None, OTHER_WINDOW, other, extra={"kind": "单位直接受理"}))
    return rows


# ---- the dashboard -------------------------------------------------------------------------


@dataclass
class Dashboard:
    filters: Filters
    scope: Scope
    focus: Unit | None
    crumbs: list[Unit]
    totals: Figures
    units: list[Row]
    trend: list[Row]
    items: list[Row]
    more_items: bool  # the items are the DASHBOARD_ITEMS worst of more
    cards: list[dict[str, Any]]
    now: datetime

    @property
    def has_data(self) -> bool:
        t = self.totals
        return bool(t.finished or t.open or t.cards)


def crumbs_for(scope: Scope, focus: Unit | None) -> list[Unit]:
    """The path from the top of the user's scope down to the focus unit (for drill-up links)."""
    if focus is None:
        return []
    chain = [*focus.ancestors(), focus]
    return [u for u in chain if scope.contains(u)]


def dashboard(
    user: User, filters: Filters, now: datetime | None = None, scope: Scope | None = None
) -> Dashboard:
    """Everything the statistics page shows, in about a dozen queries whatever the volume:
    one scan of the month rollup (unit × month), one of the duration rollup, the live counts
    and the cards. The windows panel is loaded by a request of its own (``windows``)."""
    now = now or timezone.now()
    scope = scope or scope_of(user)
    base_focus = scope.base
    focus = filters.unit or base_focus
    frame = frame_for(scope, focus)
    cards = card_rows(user, filters, frame)
    parts = unit_and_month_breakdowns(
        user, filters, frame, now, months=filters.period.trend_months(), cards=cards
    )
    totals = Figures(open=0, overdue=0)
    for row in parts.units:
        totals.add(row.figures)
    # Items are listed once the user has drilled below the top of their scope, where a unit's
    # items are a readable list rather than the whole catalog.
    items = (
        item_breakdown(user, filters, frame, now, limit=DASHBOARD_ITEMS + 1)
        if focus is not None and focus != base_focus
        else []
    )
    return Dashboard(
        filters=filters,
        scope=scope,
        focus=focus,
        crumbs=crumbs_for(scope, focus),
        totals=totals,
        units=parts.units,
        trend=parts.months,
        items=items[:DASHBOARD_ITEMS],
        more_items=len(items) > DASHBOARD_ITEMS,
        cards=cards_by_cause(cards),
        now=now,
    )


def totals(user: User, filters: Filters, now: datetime | None = None) -> Figures:
    """The figures of the whole filtered scope (what the dashboard's tiles show)."""
    now = now or timezone.now()
    scope = scope_of(user)
    frame = frame_for(scope, filters.unit or scope.base)
    figures = Figures(open=0, overdue=0)
    for row in unit_breakdown(user, filters, frame, now):
        figures.add(row.figures)
    return figures


def visible_units(user: User, scope: Scope, selected: Unit | None) -> list[Unit]:
    """Units offered in the unit filter: the levels just below the default focus (deeper units
    are reached by drilling down), plus the one currently chosen. The default focus itself is
    the menu's empty choice."""
    base = scope.base
    qs = Unit.objects.visible_to(user).filter(is_active=True)
    top = base.depth if base else 0
    units = list(
        qs.filter(depth__lte=top + 1)
        .exclude(pk=base.pk if base else None)
        .only("id", "name", "depth", "path")
    )
    if selected is not None and all(u.pk != selected.pk for u in units):
        units.append(selected)
        units.sort(key=lambda u: u.path)
    for unit in units:
        unit.indent = "　" * max(0, unit.depth - top - 1)
    return units


# ---- charts (ECharts options, rendered by static/xn/site.js) -------------------------------


def _pct(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def trend_chart(rows: list[Row]) -> dict[str, Any]:
    return {
        "color": ["#1d4ed8", "#b42318"],
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["按时办结率", "承诺件办结率"], "top": 0},
        "grid": {"left": 48, "right": 24, "top": 36, "bottom": 32},
        "xAxis": {"type": "category", "data": [f"{r.key:%Y-%m}" for r in rows]},
        "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [
            {
                "name": "按时办结率",
                "type": "line",
                "connectNulls": False,
                "data": [_pct(r.figures.on_time_rate) for r in rows],
            },
            {
                "name": "承诺件办结率",
                "type": "line",
                "connectNulls": False,
                "data": [_pct(r.figures.promised_rate) for r in rows],
            },
        ],
    }


def ranking_chart(rows: list[Row], limit: int = 20) -> dict[str, Any]:
    """The weakest rows (as ``_ranked`` ordered them) as bars with their n; 样本不足 rows come
    after the ranked ones, in grey, and a 末位 is said in its label."""
    ranked = [r for r in rows if r.figures.finished > 0][:limit]
    ranked.reverse()  # ECharts draws the first category at the bottom; lowest rate goes on top
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 120, "top": 8, "bottom": 24, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": [r.label for r in ranked]},
        "series": [
            {
                "name": "按时办结率",
                "type": "bar",
                "barMaxWidth": 18,
                "label": {"show": True, "position": "right", "formatter": "{c}%"},
                "data": [
                    {
                        "value": _pct(r.figures.on_time_rate),
                        "itemStyle": {
                            "color": "#9aa5b1"
                            if r.insufficient
                            else _rate_colour(r.figures.on_time_rate)
                        },
                        "label": {
                            "formatter": f"{_pct(r.figures.on_time_rate)}%（"
                            f"{r.figures.on_time}/{r.figures.finished}件{_standing_note(r)}）"
                        },
                    }
                    for r in ranked
                ],
            }
        ],
    }


def _standing_note(row: Row) -> str:
    """ "，样本不足" or "，末位" after a bar's n; nothing for an ordinary rank."""
    if row.rate is None or row.rate.standing not in (Standing.INSUFFICIENT, Standing.BOTTOM):
        return ""
    return f"，{row.rate.label}"


def _rate_colour(rate: float | None) -> str:
    if rate is None:
        return "#9aa5b1"
    if rate >= 0.95:
        return "#15803d"
    if rate >= 0.8:
        return "#b45309"
    return "#b91c1c"


def cards_chart(cards: list[dict[str, Any]]) -> dict[str, Any]:
    rows = list(reversed(cards))
    return {
        "color": ["#d4a017", "#b91c1c"],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": ["黄牌", "红牌"], "top": 0},
        "grid": {"left": 8, "right": 24, "top": 32, "bottom": 24, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": [c["label"] for c in rows]},
        "series": [
            {
                "name": "黄牌",
                "type": "bar",
                "stack": "n",
                "barMaxWidth": 28,
                "data": [c["yellow"] for c in rows],
            },
            {
                "name": "红牌",
                "type": "bar",
                "stack": "n",
                "barMaxWidth": 28,
                "data": [c["red"] for c in rows],
            },
        ],
    }


# ---- joint cases (联办件): serial vs parallel ------------------------------------------------


@dataclass
class Spread:
    """Mean, median and p90 of a list of working-day figures."""

    n: int = 0
    mean: float | None = None
    median: int | None = None
    p90: int | None = None

    @classmethod
    def of(cls, values: Iterable[int]) -> Spread:
        counts = Counter(values)
        n = sum(counts.values())
        if n == 0:
            return cls()
        return cls(
            n,
            sum(d * c for d, c in counts.items()) / n,
            percentile(counts, 50),
            percentile(counts, 90),
        )


@dataclass
class StepSpread:
    """One step (环节) of a joint item across its cases: where the working days go."""

    code: str
    name: str
    unit: str
    order: int
    limit_days: int
    parallel_group: int | None
    days: Spread
    over_limit: int = 0  # cases in which the step took longer than its own limit
    share: float | None = None  # of the mean serial total


@dataclass
class JointItem:
    item_id: int
    code: str
    name: str
    unit: str
    cases: int
    has_groups: bool
    actual: Spread  # the cases' own clocks
    serial: Spread  # 串联: the steps one after another
    grouped: Spread  # 并联 as declared: each parallel group at once
    all_parallel: Spread  # 全部并联: every step at once (the lower bound)
    modes: dict[str, int]
    steps: list[StepSpread]

    @property
    def parallel(self) -> Spread:
        """The parallel figure the headline compares with: the declared groups when the item
        has any, otherwise every step at once."""
        return self.grouped if self.has_groups else self.all_parallel

    @property
    def parallel_basis(self) -> str:
        return "按并联组" if self.has_groups else "全部环节同时办理"

    @property
    def handover(self) -> float | None:
        """Working days the cases' clocks ran beyond the sum of their steps: time between steps
        (hand-over, waiting for the next unit) that no step accounts for."""
        a, s = self.actual.mean, self.serial.mean
        return a - s if a is not None and s is not None and a > s else None

    @property
    def saving(self) -> float | None:
        s, p = self.serial.mean, self.parallel.mean
        return (s - p) / s if s and p is not None else None


@dataclass
class JointReport:
    filters: Filters
    start: date
    end: date  # exclusive: cases accepted in [start, end)
    clipped: bool  # the period was longer than JOINT_MAX_MONTHS
    truncated: bool  # more than max_cases cases: only the most recent months were read
    items: list[JointItem]
    serial: Spread
    parallel: Spread
    actual: Spread


def case_durations(steps: list[tuple[int, int | None, int]]) -> tuple[int, int, int]:
    """For one case's steps given as ``(order, parallel_group, elapsed working days)``:

    - serial (串联): the sum of the steps' days — each step waits for the one before it;
    - grouped (并联, as declared): steps run in order, but consecutive steps that share a
      ``parallel_group`` run at the same time and take as long as the longest of them (the
      catalog's rule, ``catalog.services.serial_days``);
    - all parallel (全部并联): every step starts at once — the longest step.
    """
    serial = grouped = longest = 0
    stage_group: int | None = None
    stage_longest = 0
    # The catalog's rule (``staged_days``) in one pass over ordered tuples: this runs for every
    # case of the analysis; a test checks that both agree.
    for _order, group, days in sorted(steps):
        serial += days
        longest = max(longest, days)
        if group is not None and group == stage_group:
            stage_longest = max(stage_longest, days)
            continue
        grouped += stage_longest
        stage_group, stage_longest = group, days
    return serial, grouped + stage_longest, longest


def joint_analysis(
    user: User,
    filters: Filters,
    *,
    max_cases: int = JOINT_MAX_CASES,
    scope: Scope | None = None,
) -> JointReport:
    """联办件分析: per joint item, where the working days are spent and what the same cases
    would take run in series and in parallel.

    Reads finished cases of joint items *accepted* within the chosen period, cut to its last
    JOINT_MAX_MONTHS months and then to the most recent whole months that hold at most
    ``max_cases`` cases (counted month by month through the (item, accepted_at) index), and
    their steps. Five small queries whatever the number of cases in the database.

    The steps: the window of months (:func:`_joint_window`), the joint items and the cases
    the user may see (:func:`_joint_cases`), the whole months that fit (:func:`_months_that_fit`),
    the cases read with their steps (:func:`_read_joint_cases`), the per-item tallies
    (:func:`_tally_joint_cases`), and the report built from them (:func:`_joint_item`)."""
    scope = scope or scope_of(user)
    window = _joint_window(filters.period)
    items = _joint_items()
    cases = _joint_cases(user, items, filters.unit or scope.unit)
    first, truncated = _months_that_fit(cases, window, max_cases)
    read = _read_joint_cases(_finished(_accepted_between(cases, first, window.end)), max_cases)
    tallies, all_actual = _tally_joint_cases(read)
    report_items, all_serial, all_parallel = [], [], []
    for item_id, tally in tallies.items():
        joint = _joint_item(items[item_id], item_id, tally, read.unit_names)
        report_items.append(joint)
        all_serial.extend(tally.serial)
        all_parallel.extend(tally.grouped if joint.has_groups else tally.all)
    report_items.sort(key=lambda j: (-(j.serial.mean or 0), j.code))
    return JointReport(
        filters=filters,
        start=first,
        end=window.end,
        clipped=window.clipped,
        truncated=truncated or read.truncated,
        items=report_items,
        serial=Spread.of(all_serial),
        parallel=Spread.of(all_parallel),
        actual=Spread.of(all_actual),
    )


@dataclass(frozen=True)
class _JointWindow:
    """The months the analysis may read: [start, end), at most JOINT_MAX_MONTHS."""

    start: date
    end: date  # exclusive: the month after the period's last
    period_end: date
    clipped: bool  # the period was longer than JOINT_MAX_MONTHS

    @property
    def months(self) -> list[date]:
        return [
            add_months(self.start, k) for k in range(months_between(self.start, self.period_end))
        ]


def _joint_window(period: Period) -> _JointWindow:
    end_month = add_months(period.end, 1)
    start_month = max(period.start, add_months(end_month, -JOINT_MAX_MONTHS))
    return _JointWindow(start_month, end_month, period.end, start_month > period.start)


def _joint_items() -> dict[int, dict[str, Any]]:
    """The joint items (联办事项) by id: code, name and the unit's name."""
    return {
        i["id"]: i
        for i in ServiceItem.objects.filter(handling_type=HandlingType.JOINT).values(
            "id", "code", "name", "unit__name"
        )
    }


def _joint_cases(user: User, items: Mapping[int, Any], focus: Unit | None) -> QuerySet[Case]:
    """The user's cases of the joint items, under the focus unit when one is chosen."""
    base = Case.objects.visible_to(user).filter(item_id__in=list(items))
    if focus is not None:
        base = base.filter(unit__path__startswith=focus.path)
    return base


def _month_instant(month: date) -> datetime:
    return datetime.combine(month, time(0), tzinfo=SHANGHAI)


def _accepted_between(cases: QuerySet[Case], first: date, last: date) -> QuerySet[Case]:
    return cases.filter(
        accepted_at__gte=_month_instant(first), accepted_at__lt=_month_instant(last)
    )


def _finished(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The finished ones among ``cases``, the status compared through an expression so that no
    index on it is used: nine cases in ten are finished, and SQLite without table statistics
    otherwise walks the status index instead of (item, accepted_at) — 0.3–0.8 s instead of
    tens of ms on the default demo (and the steps' subquery repeats the plan)."""
    status = Concat("status", Value(""), output_field=CharField())
    return cases.alias(finished_status=status).filter(finished_status__in=FINISHED_STATUSES)


def _months_that_fit(
    cases: QuerySet[Case], window: _JointWindow, max_cases: int
) -> tuple[date, bool]:
    """The first month read and whether earlier months of the window were left out.

    Walks back from the last month while the cases fit: a whole month is in or out, so the
    figures always describe a plain period. (Open cases count too: the index alone answers.)"""
    # One filtered count per month: cheaper than truncating every row's timestamp to a month.
    per_month = _accepted_between(cases, window.start, window.end).aggregate(
        **{
            # Counting accepted_at (never null) rather than id: the (item, accepted_at) index
            # alone then answers the query, without visiting the table.
            f"m{m:%Y%m}": Count(
                "accepted_at",
                filter=Q(
                    accepted_at__gte=_month_instant(m),
                    accepted_at__lt=_month_instant(add_months(m, 1)),
                ),
            )
            for m in window.months
        }
    )
    first, total = window.end, 0
    while first > window.start:
        previous = add_months(first, -1)
        n = per_month.get(f"m{previous:%Y%m}") or 0
        if total and total + n > max_cases:
            break
        first, total = previous, total + n
    return first, first > window.start and total > 0


#: One step of one case as read: (case id, order, code, name, unit id, limit days,
#: parallel group, elapsed working days, started).
_StepRow = tuple[int, int, str, str, int, int, int | None, int, bool]


@dataclass(frozen=True)
class _JointRead:
    """The finished cases read (most recent first) with their steps in step order."""

    rows: Sequence[tuple[int, int, int, str | None]]  # (case id, item id, elapsed days, joint mode)
    steps_by_case: dict[int, list[_StepRow]]
    unit_names: dict[int, str]
    truncated: bool  # one month alone held more than max_cases: its most recent cases


def _read_joint_cases(cases: QuerySet[Case], max_cases: int) -> _JointRead:
    rows = list(
        cases.order_by("-accepted_at").values_list("id", "item_id", "elapsed_days", "joint_mode")[
            :max_cases
        ]
    )
    truncated = len(rows) == max_cases
    if truncated:
        steps_of = CaseStep.objects.filter(case_id__in=[r[0] for r in rows])
    else:
        steps_of = CaseStep.objects.filter(case__in=cases)
    steps_by_case: dict[int, list[_StepRow]] = defaultdict(list)
    step_rows = (
        steps_of.annotate(
            started=ExpressionWrapper(Q(started_at__isnull=False), output_field=BooleanField())
        )
        .order_by("case_id", "order")
        .values_list(
            "case_id",
            "order",
            "code",
            "name",
            "unit_id",
            "limit_days",
            "parallel_group",
            "elapsed_days",
            "started",
        )
    )
    for step in step_rows:
        steps_by_case[step[0]].append(step)
    unit_ids = {step[4] for steps in steps_by_case.values() for step in steps}
    unit_names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("id", "name"))
    return _JointRead(rows, steps_by_case, unit_names, truncated)


@dataclass
class _StepTally:
    """One step (by code) of one joint item across the cases read: as first seen."""

    name: str
    unit_id: int
    order: int
    limit: int
    group: int | None
    days: list[int] = field(default_factory=list)  # in the cases where it started
    over: int = 0  # cases in which it took longer than its limit


@dataclass
class _ItemTally:
    """One joint item's cases: each case's own clock and its three computed durations."""

    actual: list[int] = field(default_factory=list)
    serial: list[int] = field(default_factory=list)
    grouped: list[int] = field(default_factory=list)
    all: list[int] = field(default_factory=list)
    modes: Counter[str] = field(default_factory=Counter)
    steps: dict[str, _StepTally] = field(default_factory=dict)
    groups: bool = False  # some step of some case has a parallel group

    def add(self, elapsed: int, mode: str | None, steps: list[_StepRow]) -> None:
        # A step that never started took no time in this case (it was skipped).
        plan = [(s[1], s[6], s[7] if s[8] else 0) for s in steps]
        serial, grouped, longest = case_durations(plan)
        self.actual.append(elapsed)
        self.serial.append(serial)
        self.grouped.append(grouped)
        self.all.append(longest)
        self.modes[mode or "serial"] += 1
        if any(s[6] is not None for s in steps):
            self.groups = True
        for _cid, order, code, name, unit_id, limit, group, days, started in steps:
            info = self.steps.setdefault(code, _StepTally(name, unit_id, order, limit, group))
            if not started:
                continue
            info.days.append(days)
            info.over += days > limit


def _tally_joint_cases(read: _JointRead) -> tuple[dict[int, _ItemTally], list[int]]:
    """Per joint item (in the order first read) its tally, and every case's own clock."""
    tallies: dict[int, _ItemTally] = defaultdict(_ItemTally)
    all_actual = []
    for cid, item_id, elapsed, mode in read.rows:
        tallies[item_id].add(elapsed, mode, read.steps_by_case.get(cid, []))  # in step order
        all_actual.append(elapsed)
    return tallies, all_actual


def _step_spreads(
    tally: _ItemTally, serial: Spread, unit_names: Mapping[int, str]
) -> list[StepSpread]:
    rows = []
    for code, info in sorted(tally.steps.items(), key=lambda kv: kv[1].order):
        mean_total = sum(info.days) / serial.n if serial.n else None
        rows.append(
            StepSpread(
                code=code,
                name=info.name,
                unit=unit_names.get(info.unit_id, ""),
                order=info.order,
                limit_days=info.limit,
                parallel_group=info.group,
                days=Spread.of(info.days),
                over_limit=info.over,
                share=mean_total / serial.mean if serial.mean and mean_total is not None else None,
            )
        )
    return rows


def _joint_item(
    meta: Mapping[str, Any], item_id: int, tally: _ItemTally, unit_names: Mapping[int, str]
) -> JointItem:
    serial = Spread.of(tally.serial)
    return JointItem(
        item_id=item_id,
        code=meta["code"],
        name=meta["name"],
        unit=meta["unit__name"],
        cases=serial.n,
        has_groups=tally.groups,
        actual=Spread.of(tally.actual),
        serial=serial,
        grouped=Spread.of(tally.grouped),
        all_parallel=Spread.of(tally.all),
        modes=dict(tally.modes),
        steps=_step_spreads(tally, serial, unit_names),
    )


def joint_chart(report: JointReport, limit: int = 15) -> dict[str, Any]:
    items = list(reversed(report.items[:limit]))
    return {
        "color": ["#9aa5b1", "#1d4ed8", "#b42318"],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": ["串联（各环节相加）", "并联", "实际用时"], "top": 0},
        "grid": {"left": 8, "right": 24, "top": 32, "bottom": 36, "containLabel": True},
        "xAxis": {
            "type": "value",
            "name": "平均工作日",
            "nameLocation": "middle",
            "nameGap": 26,
        },
        "yAxis": {"type": "category", "data": [i.name for i in items]},
        "series": [
            {
                "name": "串联（各环节相加）",
                "type": "bar",
                "data": [_round(i.serial.mean) for i in items],
            },
            {"name": "并联", "type": "bar", "data": [_round(i.parallel.mean) for i in items]},
            {"name": "实际用时", "type": "bar", "data": [_round(i.actual.mean) for i in items]},
        ],
    }


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None
