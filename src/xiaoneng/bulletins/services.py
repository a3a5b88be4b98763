"""投诉定期通报 (periodic complaint bulletins, C11 for C4): the figures of one period.

A bulletin covers the complaints **submitted** in a month or a quarter (local time), for the
whole city or one unit's subtree, within what the user may see (``Complaint.objects
.visible_to``). Counts are database aggregations; the per-step on-time check needs the
working-day calendar, so it is done in one pass over a narrow ``values_list`` of the period's
rows (no query per row, the deadline arithmetic memoised per start date). Every figure is
defined in ``docs/bulletins.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from xiaoneng.accountability.figures import Tally
from xiaoneng.accountability.figures import tally as accountability_tally
from xiaoneng.accountability.models import Violation
from xiaoneng.accounts.models import User
from xiaoneng.audit import services as audit
from xiaoneng.audit.services import Anchor
from xiaoneng.complaints.models import Category, Complaint, ComplaintEvent, ComplaintRules
from xiaoneng.org.models import Unit
from xiaoneng.rectification import figures as rectification
from xiaoneng.rectification.figures import Rates
from xiaoneng.rectification.models import Task
from xiaoneng.scoring.rates import RankedRate, Ranking, RankRule, rank_rates
from xiaoneng.web.decorators import user_may_open
from xiaoneng.web.rates import single
from xiaoneng.workcalendar.services import get_calendar

PERIOD_RE = re.compile(r"^(\d{4})-(?:(\d{1,2})|[Qq]([1-4]))$")
CN_QUARTER = {1: "一", 2: "二", 3: "三", 4: "四"}
#: Statuses in which the unit's finding has passed the office's review and therefore stands.
DECIDED = (Complaint.Status.APPROVED, Complaint.Status.REPLIED, Complaint.Status.CLOSED)
#: How units are ranked by 承办按时办理率: the rule of every published ranking of a rate
#: (``scoring.rates``; docs/statistics.md §10) — 样本不足 below 20 judged steps, 末位 only
#: when its interval lies wholly below the others'.
RATE_RULE = RankRule()


# ---- the period ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """统计周期: a calendar month (``quarter`` None) or a quarter, in local time."""

    year: int
    month: int | None = None
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-10`` (a month) or ``2026-Q3`` (a quarter)."""
        m = PERIOD_RE.match((text or "").strip())
        if not m:
            raise ValidationError("统计周期格式应为“2026-10”（月）或“2026-Q3”（季度）")
        year = int(m.group(1))
        if not 2000 <= year <= 2100:
            raise ValidationError("统计周期的年份超出范围")
        if m.group(3):
            return cls(year, quarter=int(m.group(3)))
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValidationError("月份应为1～12")
        return cls(year, month=month)

    @classmethod
    def default(cls, today: date | None = None) -> Period:
        """The last full month: a bulletin reports on a period that is over."""
        today = today or timezone.localdate()
        last = today.replace(day=1) - timedelta(days=1)
        return cls(last.year, month=last.month)

    @property
    def is_quarter(self) -> bool:
        return self.quarter is not None

    @property
    def key(self) -> str:
        if self.is_quarter:
            return f"{self.year}-Q{self.quarter}"
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        if self.is_quarter:
            return f"{self.year}年第{CN_QUARTER[self.quarter]}季度"
        return f"{self.year}年{self.month}月"

    @property
    def first_day(self) -> date:
        month = (self.quarter - 1) * 3 + 1 if self.is_quarter else self.month
        return date(self.year, month, 1)

    @property
    def next_first_day(self) -> date:
        step = 3 if self.is_quarter else 1
        index = self.first_day.year * 12 + self.first_day.month - 1 + step
        return date(index // 12, index % 12 + 1, 1)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first_day, time.min))

    @property
    def end(self) -> datetime:
        """Exclusive: the first instant of the next period."""
        return timezone.make_aware(datetime.combine(self.next_first_day, time.min))

    def previous(self) -> Period:
        if self.is_quarter:
            q = self.quarter - 1
            return Period(self.year, quarter=q) if q else Period(self.year - 1, quarter=4)
        m = self.month - 1
        return Period(self.year, month=m) if m else Period(self.year - 1, month=12)

    @property
    def doc_number(self) -> str:
        """文号 placeholder made from the period: 月报 〔2026〕10号, 季报 〔2026〕季3号."""
        if self.is_quarter:
            return f"效投通〔{self.year}〕季{self.quarter}号"
        return f"效投通〔{self.year}〕{self.month}号"


def period_choices(today: date | None = None, months: int = 24) -> list[tuple[str, list]]:
    """The select's options: recent months and quarters, newest first."""
    today = today or timezone.localdate()
    current = Period(today.year, month=today.month)
    month_opts, p = [], current
    for _ in range(months):
        month_opts.append((p.key, p.label))
        p = p.previous()
    quarter_opts, q = [], Period(today.year, quarter=(today.month - 1) // 3 + 1)
    for _ in range(months // 3):
        quarter_opts.append((q.key, q.label))
        q = q.previous()
    return [("月度", month_opts), ("季度", quarter_opts)]


# ---- the scope -------------------------------------------------------------------------------


def focus_units(user: User) -> list[Unit]:
    """Units offered in the unit menu: the visible active units down to two levels below the
    user's reach (deeper units are rare targets of a bulletin)."""
    qs = Unit.objects.visible_to(user).filter(is_active=True)
    top = user.unit.depth if user.effective_role in ("liaison", "leader") and user.unit else 0
    units = list(qs.filter(depth__lte=top + 2).only("id", "name", "depth", "path").order_by("path"))
    low = min((u.depth for u in units), default=0)
    for u in units:
        u.indent = "　" * (u.depth - low)
    return units


def resolve_unit(user: User, unit_id: str | None) -> Unit | None:
    """The chosen unit if the user may see it; ``None`` means everything the user sees."""
    if not unit_id:
        return None
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        raise ValidationError("单位参数不正确") from None
    unit = Unit.objects.visible_to(user).filter(pk=pk).first()
    if unit is None:
        raise ValidationError("没有找到该单位，或您无权查看该单位")
    return unit


def complaints_for(user: User, unit: Unit | None) -> QuerySet:
    """The complaints the bulletin may count: the user's visible set, narrowed to a unit."""
    qs = Complaint.objects.visible_to(user)
    if unit is not None:
        qs = qs.filter(handling_unit__path__startswith=unit.path)
    return qs


def base_unit(user: User, unit: Unit | None) -> Unit | None:
    """The unit the bulletin is about: the chosen one, the user's own for a unit-scoped role,
    or the single top-level unit (the city)."""
    if unit is not None:
        return unit
    if user.effective_role in ("liaison", "leader") and user.unit_id:
        return user.unit
    roots = list(Unit.objects.filter(parent__isnull=True)[:2])
    return roots[0] if len(roots) == 1 else None


# ---- the figures -----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a breakdown table."""

    key: str
    label: str
    count: int
    share: float | None = None  # of the total, 0–100


@dataclass
class StepTimeliness:
    """按时办理 of one step: finished within its due, late, or still running within it."""

    step: str
    label: str
    on_time: int = 0
    late: int = 0
    pending: int = 0

    @property
    def judged(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        return round(100 * self.on_time / self.judged, 1) if self.judged else None


@dataclass
class OverdueItem:
    """One late step: the complaint's number and unit only — never the complainant."""

    number: str
    unit: str
    category: str
    step: str
    due: datetime
    days_over: int
    finished: bool  # the step was done, but late; False: still not done
    escalated: bool
    earlier: bool = False  # submitted before the period, still overdue at the cut-off


@dataclass
class UnitRank:
    unit_id: int
    name: str
    complaints: int = 0
    substantiated: int = 0
    handle_on_time: int = 0
    handle_judged: int = 0
    rank_by_count: int = 0
    rank_by_rate: int | None = None
    #: The unit in the ranking by 承办按时办理率: n, interval, rank, 样本不足 or 末位.
    rate: RankedRate | None = None

    @property
    def handle_rate(self) -> float | None:
        if not self.handle_judged:
            return None
        return round(100 * self.handle_on_time / self.handle_judged, 1)


@dataclass
class Figures:
    """All the figures of one bulletin."""

    period: Period
    unit: Unit | None
    base: Unit | None
    as_of: datetime
    total: int = 0
    by_channel: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    accepted: int = 0
    declined: int = 0
    awaiting: int = 0
    #: 并单办理: repeats merged into another complaint of the bulletin's scope and answered with
    #: it; neither accepted (their finding is the main complaint's) nor awaiting.
    merged: int = 0
    findings: list[Row] = field(default_factory=list)
    substantiated_rate: float | None = None
    decided: int = 0  # findings that stand: the 属实率's denominator
    steps: list[StepTimeliness] = field(default_factory=list)
    satisfied: int = 0
    dissatisfied: int = 0
    not_visited: int = 0
    reopened: int = 0
    escalated: int = 0
    closed: int = 0
    overdue: list[OverdueItem] = field(default_factory=list)
    ranking: list[UnitRank] = field(default_factory=list)
    #: The ranking by 承办按时办理率 under ``RATE_RULE`` (None before ``_rank``).
    rate_ranking: Ranking | None = None
    #: 整改完成率 and 按期完成率 of the rectification tasks due in the period, per unit.
    rectification: list[Rates] = field(default_factory=list)
    rectification_total: Rates | None = None
    #: Each unit's 整改完成率 as ranked, in the order of ``rectification``.
    rectification_rates: list[RankedRate] = field(default_factory=list)

    @property
    def rectification_lines(self) -> list[tuple[Rates, RankedRate]]:
        return list(zip(self.rectification, self.rectification_rates, strict=True))

    #: 责任追究情况 of the period (violations opened, sanctions decided, appeals), only for a
    #: reader who may open the accountability pages; None for everyone else.
    accountability: Tally | None = None

    previous: Figures | None = None
    #: Where the audit chain stood when the bulletin was made: printed on it, so that every
    #: archived bulletin can later show the chain was not cut back or rewritten (security.md).
    audit_anchor: Anchor | None = None

    @property
    def satisfaction_rate(self) -> float | None:
        n = self.satisfied + self.dissatisfied
        return round(100 * self.satisfied / n, 1) if n else None

    @cached_property
    def figures(self) -> dict[str, RankedRate]:
        """The headline rates with their n and interval (shown beside each rate)."""
        on_time = sum(s.on_time for s in self.steps)
        return {
            "substantiated": single(self.substantiated, self.decided),
            "overall": single(on_time, sum(s.judged for s in self.steps)),
            "satisfaction": single(self.satisfied, self.satisfied + self.dissatisfied),
            **{s.step: single(s.on_time, s.judged) for s in self.steps},
        }

    @property
    def overall_rate(self) -> float | None:
        on_time = sum(s.on_time for s in self.steps)
        judged = sum(s.judged for s in self.steps)
        return round(100 * on_time / judged, 1) if judged else None

    def step(self, key: str) -> StepTimeliness:
        return next(s for s in self.steps if s.step == key)

    def finding_count(self, key: str) -> int:
        return next((r.count for r in self.findings if r.key == key), 0)

    @property
    def substantiated(self) -> int:
        return self.finding_count("true") + self.finding_count("partly")

    @cached_property
    def ranking_by_rate(self) -> list[UnitRank]:
        """Units with a rank by 承办按时办理率, best first (样本不足 units have none)."""
        rated = [r for r in self.ranking if r.rank_by_rate is not None]
        return sorted(rated, key=lambda r: (r.rank_by_rate, r.name))

    @property
    def bottom_units(self) -> list[UnitRank]:
        """The units that may be named 末位 by 承办按时办理率 (often none)."""
        return [r for r in self.ranking if r.rate is not None and r.rate.standing == "bottom"]

    @property
    def comparison(self) -> list[dict]:
        """与上期比较: the headline figures with their change (up/down/flat)."""
        prev = self.previous
        if prev is None:
            return []
        pairs = [
            ("收到投诉", self.total, prev.total, "件"),
            ("受理", self.accepted, prev.accepted, "件"),
            ("属实及部分属实", self.substantiated, prev.substantiated, "件"),
            ("按时办理率", self.overall_rate, prev.overall_rate, "%"),
            ("承办单位按时办理率", self.step("handle").rate, prev.step("handle").rate, "%"),
            ("回访满意率", self.satisfaction_rate, prev.satisfaction_rate, "%"),
            ("超期督办", self.escalated, prev.escalated, "件"),
        ]
        # A rate carries the records it rests on (按时/已评判, 满意/已回访): "3/5".
        counts = {
            "按时办理率": "overall",
            "承办单位按时办理率": "handle",
            "回访满意率": "satisfaction",
        }

        def n_of(fig: Figures, label: str) -> str:
            rate = fig.figures[counts[label]] if label in counts else None
            return f"{rate.successes}/{rate.n}" if rate is not None and rate.n else ""

        rows = []
        for label, now_value, prev_value, unit in pairs:
            if now_value is None or prev_value is None:
                delta, trend = None, "na"
            else:
                delta = round(now_value - prev_value, 1)
                trend = "up" if delta > 0 else "down" if delta < 0 else "flat"
            rows.append(
                dict(
                    label=label,
                    now=now_value,
                    prev=prev_value,
                    delta=delta,
                    abs_delta=abs(delta) if delta is not None else None,
                    trend=trend,
                    unit=unit,
                    now_n=n_of(self, label),
                    prev_n=n_of(prev, label),
                )
            )
        return rows

    @property
    def is_empty(self) -> bool:
        return self.total == 0 and not self.overdue


def _rectification(
    fig: Figures, user: User, unit: Unit | None, period: Period, as_of: datetime
) -> None:
    """整改落实情况: the tasks whose 整改时限 falls in the period (docs/rectification.md)."""
    tasks = Task.objects.visible_to(user)
    if unit is not None:
        tasks = tasks.filter(unit__path__startswith=unit.path)
    last = period.next_first_day - timedelta(days=1)
    rows = rectification.by_unit(tasks, period.first_day, last, now=as_of)
    # 整改完成率 is ranked like every rate (docs/statistics.md §10): weakest first among the
    # units with enough tasks, then 样本不足, each with its n, interval and rank.
    ranking = rank_rates([(i, r.completed, r.due) for i, r in enumerate(rows)], RATE_RULE)
    order = [rate.key for rate in ranking.worst_first()]
    fig.rectification = [rows[i] for i in order]
    fig.rectification_rates = [ranking.rows[i] for i in order]
    fig.rectification_total = rectification.total(
        tasks, period.first_day, last, now=as_of, name="合计"
    )


def _accountability(fig: Figures, user: User, unit: Unit | None, period: Period) -> None:
    """责任追究情况: counts only (no names of people), for readers of the accountability pages."""
    if not user_may_open(user, "accountability:stats"):
        return
    violations = Violation.objects.visible_to(user)
    if unit is not None:
        violations = violations.filter(unit__path__startswith=unit.path)
    last = period.next_first_day - timedelta(days=1)
    fig.accountability = accountability_tally(period.first_day, last, violations)


def _share(n: int, total: int) -> float | None:
    return round(100 * n / total, 1) if total else None


class _Deadlines:
    """Memoised deadline arithmetic: a due depends only on the start's local date and the limit,
    so a month of complaints needs a few dozen calendar look-ups, not one per row."""

    def __init__(self) -> None:
        self.calendar = get_calendar()
        self._cache: dict[tuple[date, int], datetime] = {}

    def due(self, start: datetime, days: int) -> datetime:
        key = (timezone.localdate(start), days)
        if key not in self._cache:
            self._cache[key] = self.calendar.add_workdays(start, days).due
        return self._cache[key]

    def days_over(self, due: datetime, until: datetime) -> int:
        """Working days past the due; at least 1, since any lateness counts."""
        try:
            n = self.calendar.workdays_between(due, until)
        except ValueError:  # beyond the calendar's range: count calendar days instead
            n = (until - due).days
        return max(n, 1)


STEPS = (("accept", "受理"), ("handle", "承办单位办理"), ("reply", "答复回访"))


def _event_min(kind: str) -> Min:
    return Min("events__at", filter=Q(events__kind=kind))


def compute(
    user: User,
    period: Period,
    unit: Unit | None = None,
    *,
    now: datetime | None = None,
    with_previous: bool = True,
) -> Figures:
    """The figures of ``period`` for ``unit`` (or everything the user sees), as of ``now``."""
    as_of = now or timezone.now()
    scoped = complaints_for(user, unit)
    qs = scoped.filter(submitted_at__gte=period.start, submitted_at__lt=period.end)
    fig = Figures(period=period, unit=unit, base=base_unit(user, unit), as_of=as_of)

    # One aggregate for the headline counts. A repeat (并单) counts once in the total and as
    # 并单办理, not as accepted: it has no finding of its own (a reopened repeat is handled on
    # its own, with its own finding, so it counts as accepted again). Every complaint is in
    # exactly one of accepted, declined, awaiting and merged.
    repeat = Q(merged_into__isnull=False, reopen_count=0)
    agg = qs.aggregate(
        total=Count("id"),
        accepted=Count("id", filter=Q(routed_at__isnull=False) & ~repeat),
        merged=Count("id", filter=repeat),
        declined=Count("id", filter=Q(status=Complaint.Status.DECLINED)),
        awaiting=Count("id", filter=Q(status=Complaint.Status.SUBMITTED)),
        satisfied=Count("id", filter=Q(visit_result=Complaint.Visit.SATISFIED)),
        dissatisfied=Count("id", filter=Q(visit_result=Complaint.Visit.DISSATISFIED)),
        not_visited=Count("id", filter=Q(routed_at__isnull=False, visit_result="")),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
        escalated=Count("id", filter=Q(escalated=True)),
        closed=Count("id", filter=Q(status=Complaint.Status.CLOSED)),
        **{
            f"f_{v}": Count("id", filter=Q(finding=v, status__in=DECIDED))
            for v in Complaint.Finding.values
        },
    )
    fig.total = agg["total"]
    for name in (
        "accepted",
        "declined",
        "awaiting",
        "merged",
        "satisfied",
        "dissatisfied",
        "not_visited",
        "reopened",
        "escalated",
        "closed",
    ):
        setattr(fig, name, agg[name])

    channels = dict(qs.values_list("channel").annotate(n=Count("id")).order_by())
    fig.by_channel = [
        Row(value, label, channels.get(value, 0), _share(channels.get(value, 0), fig.total))
        for value, label in Complaint.Channel.choices
    ]
    by_cat = dict(qs.values_list("category_id").annotate(n=Count("id")).order_by())
    fig.by_category = [
        Row(c.code, c.name, by_cat.get(c.pk, 0), _share(by_cat.get(c.pk, 0), fig.total))
        for c in Category.objects.filter(Q(is_active=True) | Q(pk__in=list(by_cat)))
    ]

    decided = sum(agg[f"f_{v}"] for v in Complaint.Finding.values)
    fig.findings = [
        Row(v, label, agg[f"f_{v}"], _share(agg[f"f_{v}"], fig.accepted))
        for v, label in Complaint.Finding.choices
    ]
    pending = fig.accepted - decided
    fig.findings.append(Row("pending", "尚无结论", pending, _share(pending, fig.accepted)))
    substantiated = agg["f_true"] + agg["f_partly"]
    fig.substantiated_rate = round(100 * substantiated / decided, 1) if decided else None
    fig.decided = decided

    _timeliness(fig, qs, as_of)
    fig.overdue += _earlier_overdue(scoped, period, as_of)
    _rectification(fig, user, unit, period, as_of)
    _accountability(fig, user, unit, period)
    if with_previous:
        fig.previous = compute(user, period.previous(), unit, now=as_of, with_previous=False)
        fig.audit_anchor = audit.anchor()
    return fig


def _timeliness(fig: Figures, qs: QuerySet, as_of: datetime) -> None:
    """按时办理 per step, the overdue list and the unit ranking, in one pass over the rows.

    Each step's due is recomputed from the step's start with the rules in force, because the
    complaint's own ``due_at`` holds only the step now running. The first cycle is judged (the
    first finding, approval and visit, read from the timeline); a reopened cycle is counted in
    ``reopened``, not judged again. Steps are judged as they stood at ``as_of``: a step begun
    later is left out, one finished later is still running (so only a due before ``as_of`` can
    make it late).
    """
    rules = ComplaintRules.current()
    deadlines = _Deadlines()
    steps = {key: StepTimeliness(key, label) for key, label in STEPS}
    fig.steps = list(steps.values())
    base = fig.base
    ranking: dict[int, UnitRank] = {}
    rows = (
        qs.annotate(
            first_finding=_event_min(ComplaintEvent.Kind.FINDING),
            first_approve=_event_min(ComplaintEvent.Kind.APPROVE),
            first_visit=_event_min(ComplaintEvent.Kind.VISIT),
        )
        .order_by("submitted_at", "pk")
        .values_list(
            "number",
            "status",
            "submitted_at",
            "routed_at",
            "closed_at",
            "first_finding",
            "first_approve",
            "first_visit",
            "escalated",
            "finding",
            "handling_unit_id",
            "handling_unit__path",
            "handling_unit__name",
            "category__name",
        )
    )
    for (
        number,
        status,
        submitted_at,
        routed_at,
        closed_at,
        first_finding,
        first_approve,
        first_visit,
        escalated,
        finding,
        unit_id,
        unit_path,
        unit_name,
        category,
    ) in rows.iterator(chunk_size=2000):
        accept_end = routed_at or (closed_at if status == Complaint.Status.DECLINED else None)
        checks = [("accept", submitted_at, rules.accept_days, accept_end)]
        if routed_at:
            checks.append(("handle", routed_at, rules.handle_days, first_finding))
        if first_approve:
            checks.append(("reply", first_approve, rules.reply_days, first_visit))
        handle_result = None
        for step, start, days, end in checks:
            if start > as_of:
                continue  # not begun at the cut-off
            if end is not None and end > as_of:
                end = None  # done after the cut-off: still running as of it
            due = deadlines.due(start, days)
            tally = steps[step]
            if end is not None and end <= due:
                tally.on_time += 1
                result = True
            elif end is not None or due < as_of:
                tally.late += 1
                result = False
                fig.overdue.append(
                    OverdueItem(
                        number=number,
                        unit=unit_name or "—",
                        category=category,
                        step=dict(STEPS)[step],
                        due=due,
                        days_over=deadlines.days_over(due, end or as_of),
                        finished=end is not None,
                        escalated=escalated,
                    )
                )
            else:
                tally.pending += 1
                result = None
            if step == "handle":
                handle_result = result
        if unit_id is None:
            continue
        bucket = _bucket(unit_id, unit_path, unit_name, base)
        rank = ranking.get(bucket[0])
        if rank is None:
            rank = ranking[bucket[0]] = UnitRank(bucket[0], bucket[1])
        rank.complaints += 1
        if finding in (Complaint.Finding.TRUE, Complaint.Finding.PARTLY) and status in DECIDED:
            rank.substantiated += 1
        if handle_result is not None:
            rank.handle_judged += 1
            rank.handle_on_time += handle_result
    _rank(fig, ranking)


def _bucket(unit_id: int, path: str, name: str, base: Unit | None) -> tuple[int, str]:
    """The unit a complaint counts for in the ranking: the handling unit's ancestor just below
    the bulletin's base unit (a section's complaints count for its department)."""
    if base is None or not path.startswith(base.path) or path == base.path:
        return unit_id, name
    child = int(path[len(base.path) :].split("/", 1)[0])
    return child, name if child == unit_id else ""


def _rank(fig: Figures, ranking: dict[int, UnitRank]) -> None:
    missing = [pk for pk, r in ranking.items() if not r.name]
    if missing:
        names = dict(Unit.objects.filter(pk__in=missing).values_list("pk", "name"))
        for pk in missing:
            ranking[pk].name = names.get(pk, "—")
    rows = sorted(ranking.values(), key=lambda r: (-r.complaints, r.name))
    # Ties share a rank and the next rank is skipped (1, 2, 2, 4), as everywhere in Xiaoneng.
    for i, r in enumerate(rows):
        same = i and rows[i - 1].complaints == r.complaints
        r.rank_by_count = rows[i - 1].rank_by_count if same else i + 1
    # By 承办按时办理率: the shared rule — a unit with few judged steps is 样本不足, unranked.
    fig.rate_ranking = rank_rates(
        [(r.unit_id, r.handle_on_time, r.handle_judged) for r in rows], RATE_RULE
    )
    for r, rate in zip(rows, fig.rate_ranking.rows, strict=True):
        r.rate = rate
        r.rank_by_rate = rate.rank
    fig.ranking = rows


def _earlier_overdue(scoped: QuerySet, period: Period, as_of: datetime) -> list[OverdueItem]:
    """Complaints submitted before the period whose running step is still past its due at the
    cut-off: read straight from the deadline fields (the indexed ``due_at``)."""
    deadlines = _Deadlines()
    stage_label = {
        Complaint.Stage.ACCEPT: "受理",
        Complaint.Stage.HANDLE: "承办单位办理",
        Complaint.Stage.REVIEW: "效能办审核",
        Complaint.Stage.REPLY: "答复回访",
    }
    rows = (
        scoped.filter(
            submitted_at__lt=period.start,
            deadline_open=True,
            due_at__lt=min(as_of, period.end),
        )
        .order_by("due_at", "pk")
        .values_list(
            "number", "handling_unit__name", "category__name", "stage", "due_at", "escalated"
        )
    )
    return [
        OverdueItem(
            number=number,
            unit=unit or "—",
            category=category,
            step=stage_label.get(stage, "—"),
            due=due,
            days_over=deadlines.days_over(due, as_of),
            finished=False,
            escalated=escalated,
            earlier=True,
        )
        for number, unit, category, stage, due, escalated in rows
    ]


# ---- charts (ECharts options, rendered by static/xn/site.js) -------------------------------


def channel_chart(fig: Figures) -> dict:
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "68%"],
                "data": [{"name": r.label, "value": r.count} for r in fig.by_channel if r.count],
            }
        ],
    }


def category_chart(fig: Figures) -> dict:
    rows = [r for r in fig.by_category if r.count]
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 110, "right": 20, "top": 10, "bottom": 30},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [r.label for r in rows]},
        "series": [{"type": "bar", "data": [r.count for r in rows], "name": "投诉件数"}],
    }


def finding_chart(fig: Figures) -> dict:
    colors = {"true": "#c0392b", "partly": "#d68910", "false": "#1e8449", "pending": "#95a5a6"}
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "68%"],
                "data": [
                    {"name": r.label, "value": r.count, "itemStyle": {"color": colors[r.key]}}
                    for r in fig.findings
                    if r.count
                ],
            }
        ],
    }
