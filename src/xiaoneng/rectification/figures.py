"""Figures of rectification: 整改完成率 and 按期完成率 per unit and period, and the dashboard's
tiles. The assessment (绩效考评) reads :func:`rates` for a unit.

Definitions (docs/rectification.md):

- the tasks **due** in a period are those whose 整改时限 (after any approved extension or a
  refused acceptance's new date) falls on a local date inside it;
- **completed** (已完成): the rectification is done — a 差评 verified, any other task accepted
  (验收通过); counted whenever it happened, so a period's completion rate still rises when
  late work is finished;
- **on time** (按期完成): completed no later than the 整改时限 (for an accepted task, the day
  the unit reported it done counts, not the day the office got round to accepting it);
- 整改完成率 = completed ÷ due, 按期完成率 = on time ÷ due; no task due: no rate (“—”).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Unit
from xiaoneng.workdays import SHANGHAI

from .models import Extension, Task


@dataclass(frozen=True)
class Rates:
    """One line: a unit's (or everyone's) tasks due in the period."""

    unit_id: int | None
    name: str
    due: int
    completed: int
    on_time: int
    overdue_open: int  # still not done after the 整改时限

    @property
    def completion_rate(self) -> float | None:
        return round(100 * self.completed / self.due, 1) if self.due else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.due, 1) if self.due else None


def _bounds(start: date, end: date) -> Q:
    low = datetime.combine(start, time.min, SHANGHAI)
    high = datetime.combine(end + timedelta(days=1), time.min, SHANGHAI)
    return Q(complete_by__gte=low, complete_by__lt=high)


def _counts(now: datetime) -> dict:
    return {
        "due": Count("pk"),
        "completed": Count("pk", filter=Q(completed_at__isnull=False)),
        "on_time": Count("pk", filter=Q(completed_at__lte=F("complete_by"))),
        "overdue_open": Count("pk", filter=Q(completed_at__isnull=True, complete_by__lt=now)),
    }


def by_unit(tasks: QuerySet, start: date, end: date, *, now: datetime | None = None) -> list[Rates]:
    """Per responsible unit, the units with tasks due in the period, worst completion first."""
    now = now or timezone.now()
    rows = tasks.filter(_bounds(start, end)).order_by().values("unit_id").annotate(**_counts(now))
    names = dict(Unit.objects.filter(pk__in=[r["unit_id"] for r in rows]).values_list("pk", "name"))
    found = [
        Rates(
            r["unit_id"],
            names.get(r["unit_id"], ""),
            r["due"],
            r["completed"],
            r["on_time"],
            r["overdue_open"],
        )
        for r in rows
    ]
    return sorted(found, key=lambda r: (r.completion_rate or 0, r.on_time_rate or 0, r.name))


def total(
    tasks: QuerySet, start: date, end: date, *, now: datetime | None = None, name: str = ""
) -> Rates:
    counts = tasks.filter(_bounds(start, end)).aggregate(**_counts(now or timezone.now()))
    return Rates(
        None, name, counts["due"], counts["completed"], counts["on_time"], counts["overdue_open"]
    )


def rates(unit: Unit, start: date, end: date, *, now: datetime | None = None) -> Rates:
    """整改完成率 and 按期完成率 of ``unit`` and the units below it (for the assessment)."""
    tasks = Task.objects.filter(unit__path__startswith=unit.path)
    return total(tasks, start, end, now=now, name=unit.name)


# ---- the dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    count: int
    #: The board's query string listing exactly these ("" for a figure that is not a list).
    query: str
    alert: bool


@dataclass(frozen=True)
class Dashboard:
    heading: str
    tiles: tuple[Tile, ...]
    year: Rates
    supervised: int | None  # a leader's own 督办 (open), else None


def dashboard(user, now: datetime | None = None) -> Dashboard | None:
    """整改督办 at a glance for the staff dashboard, within what the user may see."""
    now = now or timezone.now()
    role = user.effective_role
    open_ = ~Q(status=Task.Status.CLOSED)
    # 逾期: the current stage's deadline has passed (the plan, the 整改时限, a review…).
    overdue = Q(deadline_open=True, due_at__lt=now)
    S = Task.Status
    if role in (Role.ADMIN, Role.OFFICE):
        heading = _("整改督办待办")
        spec = [
            ("plan_review", _("整改方案待审核"), Q(status=S.PLAN_REVIEW), "status=plan_review"),
            ("acceptance", _("待验收"), Q(status=S.ACCEPTANCE), "status=acceptance"),
            ("visit", _("待回访"), Q(status=S.VISIT), "status=visit"),
            ("overdue", _("逾期未办"), overdue, "overdue=1"),
            ("escalated", _("督办中"), open_ & Q(escalated=True), "status=open&escalated=1"),
        ]
    elif role == Role.LIAISON:
        heading = _("本单位整改任务")
        spec = [
            ("open", _("未办结"), open_, "status=open"),
            ("verifying", _("待核实整改"), Q(status=S.VERIFYING), "status=verifying"),
            ("planning", _("待报整改方案"), Q(status=S.PLANNING), "status=planning"),
            ("in_progress", _("整改中"), Q(status=S.IN_PROGRESS), "status=in_progress"),
            ("overdue", _("逾期未办"), overdue, "overdue=1"),
        ]
    elif role in (Role.LEADER, Role.WINDOW):
        heading = _("整改督办概况")
        spec = [
            ("open", _("未办结"), open_, "status=open"),
            ("overdue", _("逾期未办"), overdue, "overdue=1"),
            ("escalated", _("督办中"), open_ & Q(escalated=True), "status=open&escalated=1"),
        ]
    else:
        return None
    visible = Task.objects.visible_to(user)
    counts = visible.aggregate(**{key: Count("pk", filter=q) for key, _l, q, _query in spec})
    alerting = {"overdue", "escalated"}
    tiles = [
        Tile(key, str(label), counts[key], query, key in alerting and counts[key] > 0)
        for key, label, _q, query in spec
    ]
    if role in (Role.ADMIN, Role.OFFICE):
        pending = visible.filter(extensions__status=Extension.Status.PENDING).count()
        tiles.insert(3, Tile("extensions", str(_("待审批延期")), pending, "extension=1", False))
    today = timezone.localdate()
    year = total(visible, date(today.year, 1, 1), date(today.year, 12, 31), now=now)
    supervised = None
    if role == Role.LEADER:
        supervised = Task.objects.filter(Q(leader=user) | Q(opened_by=user)).filter(open_).count()
    return Dashboard(str(heading), tuple(tiles), year, supervised)
