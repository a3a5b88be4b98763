"""The data sources of assessment components (考评指标的数据来源): a registry.

Each :class:`Source` reads one figure per assessed unit from live data for a period —
``figures(rollup, start, end)`` in a few grouped queries, whatever the number of units — and
lists the records behind a unit's figure for the drill-down (``records(user, unit, start,
end)``, only what that user may open). A unit's figure counts the records of the unit and of
every unit below it (sections, windows), as the evaluation judges a department as a whole.

Sources are added with :func:`register` (``components_oversight.py`` adds 明查暗访 and 责任追究).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from xiaoneng.org.models import Unit
from xiaoneng.scoring.assessment import Figure
from xiaoneng.web.decorators import user_may_open
from xiaoneng.workdays import SHANGHAI

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User

DRILL_LIMIT = 200


@dataclass(frozen=True)
class Row:
    """One record behind a figure: what it is, a note, and its page ("" when not to be opened)."""

    text: str
    note: str = ""
    url: str = ""


@dataclass(frozen=True)
class Drill:
    heading: str  # what the rows are: “超期办结的办件”
    rows: tuple[Row, ...]
    total: int  # how many such records (the rows stop at DRILL_LIMIT)


class Rollup:
    """Which assessed unit each unit's records count for: itself, else its nearest assessed
    ancestor (a window counts for its department)."""

    def __init__(self, assessed: Iterable[Unit]):
        self.units = {u.pk: u for u in assessed}
        #: Figures that several sources share (the case totals), read once per computation.
        self.shared: dict[tuple[object, ...], dict[int, dict[str, int]]] = {}
        self._owner: dict[int, int | None] = {}
        ids = set(self.units)
        for pk, path in Unit.objects.values_list("pk", "path"):
            chain = [int(p) for p in path.strip("/").split("/") if p]
            self._owner[pk] = next((i for i in reversed(chain) if i in ids), None)

    def owner(self, unit_id: int | None) -> int | None:
        return self._owner.get(unit_id) if unit_id is not None else None

    def fold(
        self, rows: Iterable[Mapping[str, Any]], key: str = "unit_id"
    ) -> dict[int, dict[str, int]]:
        """Sum grouped rows (``{unit_id, a, b…}``) into their assessed units."""
        totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in rows:
            owner = self.owner(row[key])
            if owner is None:
                continue
            for name, value in row.items():
                if name != key:
                    totals[owner][name] += value or 0
        return totals


@dataclass(frozen=True)
class Span:
    """What a source reads for: the period's dates, and the period (for what is entered per
    period, such as 目标任务)."""

    start: date
    end: date
    period_id: int | None = None


FiguresFn = Callable[[Rollup, Span], dict[int, Figure]]
RecordsFn = Callable[["User", Unit, Span], Drill]


@dataclass(frozen=True)
class Source:
    """A component's data source. ``zero_at``/``full_at``: the default normalisation;
    ``formula`` says in words how the raw value is computed (shown beside every number)."""

    key: str
    label: str
    measure: str  # what the raw value is in: “%”, “件/万件”, “分”
    formula: str
    zero_at: float
    full_at: float
    figures: FiguresFn
    records: RecordsFn


REGISTRY: dict[str, Source] = {}


def register(source: Source) -> Source:
    REGISTRY[source.key] = source
    return source


def choices() -> list[tuple[str, str]]:
    return [(s.key, s.label) for s in REGISTRY.values()]


# ---- helpers -------------------------------------------------------------------------------------


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as instants: from 00:00 of ``start`` to 00:00 after ``end``, Beijing time."""
    return (
        datetime.combine(start, time.min, SHANGHAI),
        datetime.combine(end + timedelta(days=1), time.min, SHANGHAI),
    )


def _months(start: date, end: date) -> tuple[date, date]:
    return start.replace(day=1), end.replace(day=1)


def _day(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def _link(user: User, name: str, *args: object) -> str:
    return reverse(name, args=args) if user_may_open(user, name) else ""


def _rate(part: int, whole: int) -> Figure:
    return Figure(100 * part / whole, part, whole) if whole else Figure(None, None, 0)


def _drill(heading: str, qs: QuerySet[Any], row: Callable[[Any], Row]) -> Drill:
    return Drill(heading, tuple(row(r) for r in qs[:DRILL_LIMIT]), qs.count())


# ---- cases (办件) --------------------------------------------------------------------------------


def _case_stats(rollup: Rollup, start: date, end: date) -> dict[int, dict[str, int]]:
    from xiaoneng.cases.models import CaseMonthStat

    key = ("cases", start, end)
    if key not in rollup.shared:
        first, last = _months(start, end)
        rows = (
            CaseMonthStat.objects.filter(month__gte=first, month__lte=last)
            .order_by()
            .values("unit_id")
            .annotate(finished=Sum("finished"), on_time=Sum("on_time"), early=Sum("early"))
        )
        rollup.shared[key] = rollup.fold(rows)
    return rollup.shared[key]


def _on_time(rollup: Rollup, span: Span) -> dict[int, Figure]:
    start, end = span.start, span.end
    return {
        u: _rate(s["on_time"], s["finished"]) for u, s in _case_stats(rollup, start, end).items()
    }


def _early(rollup: Rollup, span: Span) -> dict[int, Figure]:
    start, end = span.start, span.end
    return {u: _rate(s["early"], s["finished"]) for u, s in _case_stats(rollup, start, end).items()}


def _cases(user: User, unit: Unit, start: date, end: date, **flags: bool) -> QuerySet[Any]:
    from xiaoneng.cases.models import Case

    first, last = _months(start, end)
    return (
        Case.objects.visible_to(user)
        .filter(unit__path__startswith=unit.path, stat_month__gte=first, stat_month__lte=last)
        .filter(**flags)
        .select_related("item")
        .order_by("finished_at", "pk")
    )


def _case_row(user: User) -> Callable[[Any], Row]:
    def row(case: Any) -> Row:
        return Row(
            f"{case.number} {case.item.name}",
            f"{_day(case.finished_at)}办结，用时{case.stat_days}个工作日（承诺{case.limit_days}）",
            _link(user, "cases:detail", case.pk),
        )

    return row


register(
    Source(
        "cases_on_time",
        "办件按时办结率",
        "%",
        "按时办结件数 ÷ 期内办结件数 × 100%（含下属科室、窗口）",
        zero_at=80,
        full_at=100,
        figures=_on_time,
        records=lambda user, unit, p: _drill(
            "超期办结的办件",
            _cases(user, unit, p.start, p.end, stat_on_time=False),
            _case_row(user),
        ),
    )
)
register(
    Source(
        "cases_early",
        "办件提前办结率",
        "%",
        "提前办结件数 ÷ 期内办结件数 × 100%",
        zero_at=0,
        full_at=60,
        figures=_early,
        records=lambda user, unit, p: _drill(
            "提前办结的办件", _cases(user, unit, p.start, p.end, stat_early=True), _case_row(user)
        ),
    )
)


# ---- complaints (效能投诉) -----------------------------------------------------------------------

TRUE_FINDINGS = ("true", "partly")


def _complaints(start: date, end: date) -> QuerySet[Any]:
    from xiaoneng.complaints.models import Complaint

    low, high = bounds(start, end)
    return Complaint.objects.filter(closed_at__gte=low, closed_at__lt=high)


def _complaints_true(rollup: Rollup, span: Span) -> dict[int, Figure]:
    start, end = span.start, span.end
    found = rollup.fold(
        _complaints(start, end)
        .filter(finding__in=TRUE_FINDINGS)
        .order_by()
        .values("handling_unit_id")
        .annotate(n=Count("pk")),
        key="handling_unit_id",
    )
    cases = _case_stats(rollup, start, end)
    figures = {}
    for unit_id in rollup.units:
        k = found.get(unit_id, {}).get("n", 0)
        n = cases.get(unit_id, {}).get("finished", 0)
        figures[unit_id] = Figure(10000 * k / n, k, n, scale=10000) if n else Figure(None, k, 0)
    return figures


def _complaints_count(rollup: Rollup, span: Span) -> dict[int, Figure]:
    start, end = span.start, span.end
    found = rollup.fold(
        _complaints(start, end)
        .filter(finding__in=TRUE_FINDINGS)
        .order_by()
        .values("handling_unit_id")
        .annotate(n=Count("pk")),
        key="handling_unit_id",
    )
    return {u: Figure(float(found.get(u, {}).get("n", 0))) for u in rollup.units}


def _complaints_on_time(rollup: Rollup, span: Span) -> dict[int, Figure]:
    start, end = span.start, span.end
    rows = rollup.fold(
        _complaints(start, end)
        .exclude(handling_unit=None)
        .order_by()
        .values("handling_unit_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(escalated=True))),
        key="handling_unit_id",
    )
    return {u: _rate(r["n"] - r["late"], r["n"]) for u, r in rows.items()}


def _complaint_rows(
    user: User, unit: Unit, start: date, end: date, heading: str, **flt: object
) -> Drill:
    from xiaoneng.complaints.models import Complaint

    low, high = bounds(start, end)
    qs = (
        Complaint.objects.visible_to(user)
        .filter(handling_unit__path__startswith=unit.path, closed_at__gte=low, closed_at__lt=high)
        .filter(**flt)
        .order_by("closed_at", "pk")
    )
    return _drill(
        heading,
        qs,
        lambda c: Row(
            f"{c.number} {c.title}",
            f"{c.get_finding_display() or '无结论'}，{_day(c.closed_at)}办结"
            + ("，办理超期" if c.escalated else ""),
            _link(user, "complaints:detail", c.pk),
        ),
    )


def _true_complaint_rows(user: User, unit: Unit, p: Span) -> Drill:
    """The drill-down of both 属实 complaint sources (per 10,000 cases and as a count)."""
    return _complaint_rows(
        user, unit, p.start, p.end, "属实及部分属实的投诉", finding__in=TRUE_FINDINGS
    )


register(
    Source(
        "complaints_true",
        "效能投诉（属实件/万件办件）",
        "件/万件",
        "期内办结的属实及部分属实投诉件数 ÷ 期内办结办件数 × 10000",
        zero_at=20,
        full_at=0,
        figures=_complaints_true,
        records=_true_complaint_rows,
    )
)
register(
    Source(
        "complaints_count",
        "效能投诉（属实件数）",
        "件",
        "期内办结的属实及部分属实投诉件数（不设办件量的单位）",
        zero_at=5,
        full_at=0,
        figures=_complaints_count,
        records=_true_complaint_rows,
    )
)
register(
    Source(
        "complaints_on_time",
        "投诉按期办结率",
        "%",
        "未超期的投诉件数 ÷ 期内办结的投诉件数 × 100%",
        zero_at=60,
        full_at=100,
        figures=_complaints_on_time,
        records=lambda user, unit, p: _complaint_rows(
            user, unit, p.start, p.end, "办理超期的投诉", escalated=True
        ),
    )
)


# ---- ratings (好差评) ----------------------------------------------------------------------------


def _satisfaction(rollup: Rollup, span: Span) -> dict[int, Figure]:
    start, end = span.start, span.end
    from xiaoneng.ratings.models import Rating

    low, high = bounds(start, end)
    rows = rollup.fold(
        Rating.objects.filter(rated_at__gte=low, rated_at__lt=high)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"), good=Count("pk", filter=Q(level__gte=3)))
    )
    return {u: _rate(r["good"], r["n"]) for u, r in rows.items()}


def _bad_ratings(user: User, unit: Unit, span: Span) -> Drill:
    start, end = span.start, span.end
    from xiaoneng.ratings.models import Rating

    low, high = bounds(start, end)
    qs = (
        Rating.objects.visible_to(user)
        .filter(unit__path__startswith=unit.path, rated_at__gte=low, rated_at__lt=high, level__lt=3)
        .select_related("case", "item")
        .order_by("rated_at", "pk")
    )
    return _drill(
        "差评（不满意、非常不满意）",
        qs,
        lambda r: Row(
            f"{r.case.number} {r.item.name}",
            f"{r.get_level_display()}，{_day(r.rated_at)}",
            _link(user, "cases:detail", r.case_id),
        ),
    )


register(
    Source(
        "ratings_satisfaction",
        "好差评满意率",
        "%",
        "非常满意、满意、基本满意的评价数 ÷ 期内评价总数 × 100%",
        zero_at=80,
        full_at=100,
        figures=_satisfaction,
        records=_bad_ratings,
    )
)


# ---- rectification (整改) ------------------------------------------------------------------------


def _tasks(rating: bool) -> QuerySet[Any]:
    from xiaoneng.rectification.models import Task
    from xiaoneng.rectification.sources import SourceKind

    tasks = Task.objects.all()
    if rating:
        return tasks.filter(source_kind=SourceKind.RATING)
    return tasks.exclude(source_kind__in=[SourceKind.RATING, SourceKind.ASSESSMENT])


def _task_figures(rating: bool) -> FiguresFn:
    def figures(rollup: Rollup, span: Span) -> dict[int, Figure]:
        low, high = bounds(span.start, span.end)
        rows = rollup.fold(
            _tasks(rating)
            .filter(complete_by__gte=low, complete_by__lt=high)
            .order_by()
            .values("unit_id")
            .annotate(
                due=Count("pk"),
                done=Count("pk", filter=Q(completed_at__lte=F("complete_by")))
                if rating
                else Count("pk", filter=Q(completed_at__isnull=False)),
            )
        )
        return {u: _rate(r["done"], r["due"]) for u, r in rows.items()}

    return figures


def _task_rows(rating: bool) -> RecordsFn:
    def records(user: User, unit: Unit, span: Span) -> Drill:
        from xiaoneng.rectification.models import Task

        low, high = bounds(span.start, span.end)
        qs = (
            _tasks(rating)
            .filter(pk__in=Task.objects.visible_to(user).values("pk"))
            .filter(unit__path__startswith=unit.path, complete_by__gte=low, complete_by__lt=high)
            .order_by("complete_by", "pk")
        )
        if rating:
            qs = qs.exclude(completed_at__lte=F("complete_by"))
        else:
            qs = qs.filter(completed_at__isnull=True)
        return _drill(
            "未按期核实整改的差评" if rating else "期内到期、尚未完成的整改任务",
            qs,
            lambda t: Row(
                f"{t.number} {t.title}",
                f"{t.get_status_display()}，整改时限{_day(t.complete_by)}",
                _link(user, "rectification:detail", t.pk),
            ),
        )

    return records


register(
    Source(
        "ratings_rectified",
        "差评按期整改率",
        "%",
        "整改时限在期内且按期核实整改的差评数 ÷ 整改时限在期内的差评数 × 100%",
        zero_at=60,
        full_at=100,
        figures=_task_figures(rating=True),
        records=_task_rows(rating=True),
    )
)
register(
    Source(
        "rectification_rate",
        "整改完成率",
        "%",
        "整改时限在期内且已完成的整改任务数 ÷ 整改时限在期内的整改任务数 × 100%（差评另计）",
        zero_at=50,
        full_at=100,
        figures=_task_figures(rating=False),
        records=_task_rows(rating=False),
    )
)


# ---- 千人评议 ------------------------------------------------------------------------------------


def _evaluation_units(year: int) -> QuerySet[Any]:
    from xiaoneng.evaluation.models import Campaign, CampaignUnit

    return CampaignUnit.objects.filter(
        campaign__year=year, campaign__status=Campaign.Status.PUBLISHED, score__isnull=False
    ).select_related("campaign")


def _evaluation(rollup: Rollup, span: Span) -> dict[int, Figure]:
    end = span.end
    figures: dict[int, Figure] = {}
    for cu in _evaluation_units(end.year).order_by("campaign__published_at"):
        if cu.unit_id in rollup.units:
            figures[cu.unit_id] = Figure(cu.score)  # the latest published campaign of the year
    return figures


def _evaluation_rows(user: User, unit: Unit, span: Span) -> Drill:
    end = span.end
    qs = _evaluation_units(end.year).filter(unit=unit).order_by("campaign__published_at")
    return _drill(
        "千人评议结果",
        qs,
        lambda cu: Row(
            cu.campaign.name,
            f"得分{cu.score:.2f}，类别内第{cu.rank or '—'}名",
            reverse("evaluation:public_detail", args=[cu.campaign_id]),
        ),
    )


register(
    Source(
        "evaluation_score",
        "千人评议得分",
        "分",
        "考评期截止年度已公布的千人评议活动中该单位的得分（0～100）",
        zero_at=60,
        full_at=100,
        figures=_evaluation,
        records=_evaluation_rows,
    )
)


# ---- cards (黄牌、红牌) --------------------------------------------------------------------------


def _cards(rollup: Rollup, span: Span) -> dict[int, Figure]:
    start, end = span.start, span.end
    from xiaoneng.supervision.models import Card

    low, high = bounds(start, end)
    rows = rollup.fold(
        Card.objects.counting()
        .filter(raised_at__gte=low, raised_at__lt=high)
        .order_by()
        .values("unit_id")
        .annotate(
            yellow=Count("pk", filter=Q(color=Card.Color.YELLOW)),
            red=Count("pk", filter=Q(color=Card.Color.RED)),
        )
    )
    return {
        u: Figure(float(rows.get(u, {}).get("yellow", 0) + 3 * rows.get(u, {}).get("red", 0)))
        for u in rollup.units
    }


def _card_rows(user: User, unit: Unit, span: Span) -> Drill:
    start, end = span.start, span.end
    from xiaoneng.supervision.models import Card

    low, high = bounds(start, end)
    qs = (
        Card.objects.visible_to(user)
        .exclude(status=Card.Status.WITHDRAWN)
        .filter(unit__path__startswith=unit.path, raised_at__gte=low, raised_at__lt=high)
        .order_by("raised_at", "pk")
    )
    return _drill(
        "期内有效的黄牌、红牌",
        qs,
        lambda c: Row(
            f"{c.get_color_display()}：{c.get_cause_display()}",
            f"{_day(c.raised_at)}，{c.summary}"[:120],
            _link(user, "supervision:card_detail", c.pk),
        ),
    )


register(
    Source(
        "cards",
        "黄牌红牌",
        "张（红牌折3张）",
        "期内有效黄牌张数 + 3 × 有效红牌张数（已撤销的不计）",
        zero_at=20,
        full_at=0,
        figures=_cards,
        records=_card_rows,
    )
)


# ---- 目标任务 (entered by the office) ------------------------------------------------------------


def _targets_for(period_id: int | None) -> QuerySet[Any]:
    from .models import Entry

    if period_id is None:
        return Entry.objects.none()
    return Entry.objects.filter(period_id=period_id, kind=Entry.Kind.TARGET)


def _targets(rollup: Rollup, span: Span) -> dict[int, Figure]:
    return {
        e.unit_id: Figure(e.value)
        for e in _targets_for(span.period_id)
        if e.unit_id in rollup.units
    }


def _target_rows(user: User, unit: Unit, span: Span) -> Drill:
    qs = _targets_for(span.period_id).filter(unit=unit)
    return _drill("目标任务考核录入", qs, lambda e: Row(f"得分{e.value:g}", e.basis))


register(
    Source(
        "targets",
        "目标任务",
        "分",
        "效能办录入的目标任务考核得分（0～100），附考核依据",
        zero_at=0,
        full_at=100,
        figures=_targets,
        records=_target_rows,
    )
)
