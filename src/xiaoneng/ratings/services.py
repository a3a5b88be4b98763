"""Service rating rules (好差评, C5): rating a finished case, 差评核实整改, statistics.

- A rating belongs to one finished case (准予 or 不予许可), at most one per case: the database's
  unique key on the case is the guarantee, the pre-check only gives a kinder message.
- The public rates with the receipt's number and query code; a wrong pair gets the same answer as
  an unknown number, so the form cannot be used to probe which numbers exist.
- A 差评 (不满意/非常不满意) opens a 核实整改 task (``xiaoneng.rectification``, source 差评) for
  the responsible unit: the window the case was registered at when it has one (the rating is
  about the service the applicant met there), else the case's unit. Its limit (default 15
  working days) is watched by the sweeper like every other deadline; verification, the return
  visit and the rest are the rectification app's (docs/rectification.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_edit
from xiaoneng.audit import services as audit
from xiaoneng.cases import services as cases
from xiaoneng.cases.models import Case
from xiaoneng.i18n import chinese_display
from xiaoneng.org.models import Unit
from xiaoneng.rectification import deadlines
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.models import Task, late_q
from xiaoneng.rectification.sources import SourceKind, SourceRef
from xiaoneng.workdays import SHANGHAI

from .models import BAD_LEVELS, GOOD_LEVELS, Level, Rating

FINISHED = (Case.Status.APPROVED, Case.Status.DENIED)
COMMENT_MAX = 500
#: Same answer for an unknown number and a wrong code (never reveal which numbers exist).
NOT_FOUND = "没有找到与该申请号和查询码相符的办件，请核对受理回执。"
ALREADY_RATED = "该办件已经评价过，每件办件只能评价一次。"
NOT_FINISHED = "该办件尚未办结，办结后才能评价。"
OFFICE_ROLES = (Role.ADMIN, Role.OFFICE)
#: Who opens the 核实整改 of a 差评 in the audit log and the task's history.
SYSTEM_ACTOR = "电子监察"


def rectify_limit_days() -> int:
    """差评整改时限 in working days (setting ``XIAONENG_RATING_RECTIFY_DAYS``, default 15)."""
    return int(getattr(settings, "XIAONENG_RATING_RECTIFY_DAYS", 15))


def rectify_warn_days() -> int:
    """Warn the unit when this many working days remain (``XIAONENG_RATING_WARN_DAYS``, 3)."""
    return int(getattr(settings, "XIAONENG_RATING_WARN_DAYS", 3))


def responsible_unit(case: Case) -> Unit:
    """Who verifies a 差评: the case's window when it has one, else the case's unit."""
    return case.window if case.window_id else case.unit


def deadline(
    opened_at: datetime, limit_days: int, warn_days: int | None = None
) -> deadlines.Deadline:
    """Due at the end of the ``limit_days``-th working day after ``opened_at``; warned from the
    start of the working day after which ``warn_days`` remain (stored, like cases do, as the end
    of the working day before it)."""
    warn_days = rectify_warn_days() if warn_days is None else warn_days
    return deadlines.after_workdays(opened_at, limit_days, warn_days)


# ---- rating ----------------------------------------------------------------------------------


def _clean(level, comment: str) -> tuple[int, str]:
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise ValidationError({"level": "请选择评价等级"})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"评价内容不能超过{COMMENT_MAX}字"})
    return level, comment


def rate_online(number: str, code: str, level: int, comment: str = "") -> Rating:
    """网上评价: the applicant rates with the receipt's number and query code."""
    level, comment = _clean(level, comment)
    case = cases.lookup_public(number or "", code or "")
    if case is None:
        raise ValidationError(NOT_FOUND)
    return _rate(case, level, comment, Rating.Channel.ONLINE, actor=None)


def may_enter_for(actor, case: Case) -> bool:
    """Staff who may enter a rating for the applicant: those who may move the case, and window
    staff of the window the case was registered at (a centre's windows serve many units)."""
    if actor.effective_role not in (Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.WINDOW):
        return False
    if can_edit(actor, case):
        return True
    return bool(actor.unit_id and case.window_id and case.window.path.startswith(actor.unit.path))


def rate_at_window(
    actor, number: str, level: int, comment: str = "", channel: str = Rating.Channel.WINDOW
) -> Rating:
    """窗口录入: staff enter the applicant's rating (评价器, paper slip, phone call-back)."""
    level, comment = _clean(level, comment)
    if channel not in (Rating.Channel.WINDOW, Rating.Channel.OTHER):
        raise ValidationError({"channel": "请选择评价渠道"})
    case = (
        Case.objects.select_related("unit", "window", "item")
        .filter(number=(number or "").strip())
        .first()
    )
    # Out of reach reads like not found, as everywhere (404, not 403).
    if case is None or not may_enter_for(actor, case):
        raise ValidationError({"number": "没有找到该申请号的办件，或您无权为其录入评价"})
    return _rate(case, level, comment, channel, actor=actor)


@transaction.atomic
def _rate(case: Case, level: int, comment: str, channel: str, *, actor) -> Rating:
    if case.status not in FINISHED:
        raise ValidationError(NOT_FINISHED)
    if Rating.objects.filter(case=case).exists():
        raise ValidationError(ALREADY_RATED)
    now = timezone.now()
    rating = Rating(
        case=case,
        level=level,
        comment=comment,
        channel=channel,
        unit_id=case.unit_id,
        window_id=case.window_id,
        item_id=case.item_id,
        rated_at=now,
        entered_by=actor if actor is not None and actor.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        # A concurrent submission for the same case won: the unique key on the case decides.
        raise ValidationError(ALREADY_RATED) from None
    audit.record(
        actor if rating.entered_by_id else "公众评价",
        audit.Action.CREATE,
        rating,
        after=audit.snapshot(rating),
        summary=f"好差评：{chinese_display(rating, 'level')}"
        f"（{chinese_display(rating, 'channel')}）",
    )
    if rating.is_bad:
        open_rectification(rating, case, now)
    return rating


def open_rectification(rating: Rating, case: Case, now: datetime) -> Task:
    """差评 → 核实整改 for the responsible unit, with its deadline; the unit's liaison hears."""
    title = f"差评：{case.item.name}（{chinese_display(rating, 'level')}）"
    return rectification.open_task(
        SYSTEM_ACTOR,
        rectification.OpenTask(
            source=SourceRef(
                SourceKind.RATING,
                rating.pk,
                f"办件{case.number}的差评",
                f"/office/cases/{case.pk}/",
                public=True,
            ),
            unit=responsible_unit(case),
            window=case.window,
            title=title,
            problems=(rectification.ProblemIn(title, rating.comment),),
            description=rating.comment,
            flow=Task.Flow.VERIFY,
            limit_days=rectify_limit_days(),
            warn_days=rectify_warn_days(),
            opened_at=rating.rated_at,
            needs_visit=True,
        ),
    )


def _local(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


def rating_tasks() -> QuerySet:
    """The 核实整改 tasks of 差评 (whatever became of them)."""
    return Task.objects.filter(source_kind=SourceKind.RATING)


# ---- statistics ------------------------------------------------------------------------------

GROUPS = {"unit": "承办单位", "window": "受理窗口", "item": "事项", "month": "月份"}


@dataclass
class StatRow:
    """One line of 好差评统计. ``rate`` is 满意率 = (非常满意+满意+基本满意) / all ratings."""

    key: object
    name: str
    levels: dict[int, int] = field(default_factory=dict)
    total: int = 0
    open: int = 0
    overdue: int = 0

    @property
    def good(self) -> int:
        return sum(self.levels.get(level, 0) for level in GOOD_LEVELS)

    @property
    def bad(self) -> int:
        return sum(self.levels.get(level, 0) for level in BAD_LEVELS)

    @property
    def rate(self) -> float | None:
        return self.good / self.total if self.total else None

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    @property
    def level_list(self) -> list[int]:
        return [self.levels.get(level, 0) for level in Level.values]


def period_bounds(start: date | None, end: date | None) -> Q:
    """Ratings made on local dates ``start``..``end`` (inclusive)."""
    q = Q()
    if start:
        q &= Q(rated_at__gte=datetime.combine(start, time.min, SHANGHAI))
    if end:
        q &= Q(rated_at__lt=datetime.combine(end + timedelta(days=1), time.min, SHANGHAI))
    return q


def _level_counts() -> dict:
    return {f"n{v}": Count("pk", filter=Q(level=v)) for v in Level.values}


def statistics(ratings: QuerySet, by: str = "unit", now: datetime | None = None) -> list[StatRow]:
    """Counts per level, 满意率, 差评, open and overdue obligations, grouped by ``by``.

    "Overdue" (超期) counts obligations still unverified after their due instant and those
    verified after it: both broke the limit. One query: each rating carries whether its task
    is open and whether it is late.
    """
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by}")
    now = now or timezone.now()
    if by == "month":
        from django.db.models.functions import TruncMonth

        key = "month"
        ratings = ratings.annotate(month=TruncMonth("rated_at", tzinfo=SHANGHAI))
    else:
        key = f"{by}_id"
    task = rating_tasks().filter(source_id=OuterRef("pk"))
    ratings = ratings.annotate(
        task_open=Exists(task.exclude(status=Task.Status.CLOSED)),
        task_late=Exists(task.filter(late_q(now))),
    )
    rows: dict[object, StatRow] = {}
    for r in (
        ratings.order_by()
        .values(key)
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(task_open=True)),
            overdue=Count("pk", filter=Q(task_late=True)),
            **_level_counts(),
        )
    ):
        rows[r[key]] = StatRow(
            key=r[key],
            name="",
            levels={v: r[f"n{v}"] for v in Level.values},
            total=r["total"],
            open=r["open"],
            overdue=r["overdue"],
        )
    _name(rows, by)
    return sorted(rows.values(), key=lambda row: (-row.total, row.name))


def _name(rows: dict[object, StatRow], by: str) -> None:
    from xiaoneng.catalog.models import ServiceItem

    if by == "month":
        for key, row in rows.items():
            row.name = f"{_local(key):%Y-%m}" if key else ""
        return
    ids = [k for k in rows if k is not None]
    if by == "item":
        names = dict(ServiceItem.objects.filter(pk__in=ids).values_list("pk", "name"))
    else:
        names = {u.pk: str(u) for u in Unit.objects.filter(pk__in=ids)}
    for key, row in rows.items():
        row.name = names.get(key, "（无窗口）" if key is None else str(key))


def totals(rows: Iterable[StatRow]) -> StatRow:
    total = StatRow(key=None, name="合计", levels={v: 0 for v in Level.values})
    for row in rows:
        for v, n in row.levels.items():
            total.levels[v] += n
        total.total += row.total
        total.open += row.open
        total.overdue += row.overdue
    return total


@dataclass(frozen=True)
class UnitSummary:
    """A unit's 好差评 at a glance (for the unit page or a scorecard)."""

    total: int
    good: int
    bad: int
    rate: float | None
    open_rectifications: int
    overdue_rectifications: int


def unit_rating_summary(unit: Unit, since: date | None = None) -> UnitSummary:
    """Ratings of cases handled by ``unit`` and its subtree since ``since`` (inclusive), and the
    rectification obligations the subtree carries (as window or as unit)."""
    return rating_summary(
        Rating.objects.filter(unit__path__startswith=unit.path),
        Task.objects.filter(unit__path__startswith=unit.path),
        since,
    )


def rating_summary(ratings: QuerySet, tasks: QuerySet, since: date | None = None) -> UnitSummary:
    """The same figures over any ratings and tasks (only those of 差评 count), e.g. those a
    user may see (a window's staff: the ratings of the cases registered at their window)."""
    now = timezone.now()
    ratings = ratings.filter(period_bounds(since, None))
    counts = ratings.aggregate(total=Count("pk"), **_level_counts())
    levels = {v: counts[f"n{v}"] for v in Level.values}
    tasks = tasks.filter(source_kind=SourceKind.RATING)
    if since:
        tasks = tasks.filter(opened_at__gte=datetime.combine(since, time.min, SHANGHAI))
    counted = tasks.aggregate(
        open=Count("pk", filter=~Q(status=Task.Status.CLOSED)),
        overdue=Count("pk", filter=late_q(now)),
    )
    good = sum(levels[v] for v in GOOD_LEVELS)
    total = counts["total"]
    return UnitSummary(
        total=total,
        good=good,
        bad=sum(levels[v] for v in BAD_LEVELS),
        rate=good / total if total else None,
        open_rectifications=counted["open"],
        overdue_rectifications=counted["overdue"],
    )
