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

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from xiaoneng import crypto
from xiaoneng.accounts.actors import Actor, is_person
from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_edit
from xiaoneng.audit import services as audit
from xiaoneng.cases import services as cases
from xiaoneng.cases.models import Case
from xiaoneng.i18n import chinese, chinese_display
from xiaoneng.org.models import Unit
from xiaoneng.rectification import deadlines
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.models import Task, late_q
from xiaoneng.rectification.sources import SourceKind, SourceRef
from xiaoneng.workdays import SHANGHAI

from .models import BAD_LEVELS, GOOD_LEVELS, Level, Mode, Rating, ReturnVisit

FINISHED = (Case.Status.APPROVED, Case.Status.DENIED)
COMMENT_MAX = 500
#: Same answer for an unknown number and a wrong code (never reveal which numbers exist).
NOT_FOUND = "没有找到与该申请号和查询码相符的办件，请核对受理回执。"
ALREADY_RATED = "该办件已经评价过，不能重复评价。"
WINDOW_NOT_FOUND = "申请号与查询码不符，或您无权为该办件录入评价（请申请人出示受理回执）"
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
    window = case.window if case.window_id else None
    return window or case.unit


def deadline(
    opened_at: datetime, limit_days: int, warn_days: int | None = None
) -> deadlines.Deadline:
    """Due at the end of the ``limit_days``-th working day after ``opened_at``; warned from the
    start of the working day after which ``warn_days`` remain (stored, like cases do, as the end
    of the working day before it)."""
    warn_days = rectify_warn_days() if warn_days is None else warn_days
    return deadlines.after_workdays(opened_at, limit_days, warn_days)


# ---- rating ----------------------------------------------------------------------------------


ONSITE_CHANNELS = frozenset({Rating.Channel.WINDOW, Rating.Channel.DEVICE, Rating.Channel.KIOSK})
#: Channels another system rates through (the API).
SYSTEM_CHANNELS = (Rating.Channel.DEVICE, Rating.Channel.KIOSK, Rating.Channel.PLATFORM)
NAME_MAX = 50
#: The request body is compared through a keyed digest: it may hold a rater's name and phone.
BODY_PURPOSE = "rating-api-body"
PHONE_PATTERN = re.compile(r"^[0-9+\-（）() ]{5,20}$")


def mode_of(channel: str) -> str:
    """现场 (一次一评) for the window, its device and the kiosk; 非现场 (一事一评) otherwise."""
    return Mode.ONSITE if channel in ONSITE_CHANNELS else Mode.REMOTE


@dataclass(frozen=True)
class Contact:
    """实名评价: how the office can call the rater back (kept, encrypted, only for a 差评)."""

    name: str
    phone: str


def clean_contact(name: str | None, phone: str | None) -> Contact | None:
    """None when both are empty; both are needed otherwise (a name alone cannot be called)."""
    name, phone = (name or "").strip(), (phone or "").strip()
    if not name and not phone:
        return None
    if not name or len(name) > NAME_MAX:
        raise ValidationError({"contact_name": f"实名评价请填写姓名（{NAME_MAX}字以内）"})
    if not PHONE_PATTERN.match(phone) or not any(c.isdigit() for c in phone):
        raise ValidationError({"contact_phone": "实名评价请填写联系电话（5–20位数字）"})
    return Contact(name, phone)


def _clean(level: object, comment: str | None) -> tuple[int, str]:
    try:
        number = int(level)  # type: ignore[call-overload]  # whatever a form or body sent
    except (TypeError, ValueError):
        number = 0
    if number not in Level.values:
        raise ValidationError({"level": "请选择评价等级"})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"评价内容不能超过{COMMENT_MAX}字"})
    return number, comment


def rate_online(
    number: str, code: str, level: int, comment: str = "", contact: Contact | None = None
) -> Rating:
    """网上评价: the applicant rates with the receipt's number and query code."""
    level, comment = _clean(level, comment)
    case = cases.lookup_public(number or "", code or "")
    if case is None:
        raise ValidationError(NOT_FOUND)
    return _rate(case, Intake(level, comment, Rating.Channel.ONLINE, contact), actor=None)


def may_enter_for(actor: User, case: Case) -> bool:
    """Staff who may enter a rating for the applicant: those who may move the case, and window
    staff of the window the case was registered at (a centre's windows serve many units)."""
    if actor.effective_role not in (Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.WINDOW):
        return False
    if can_edit(actor, case):
        return True
    return bool(
        actor.unit is not None
        and case.window is not None
        and case.window.path.startswith(actor.unit.path)
    )


def rate_at_window(
    actor: User,
    number: str,
    code: str,
    level: int,
    comment: str = "",
    contact: Contact | None = None,
) -> Rating:
    """窗口录入: staff enter the rating of an applicant who is at the counter. The receipt's query
    code proves the applicant is there (staff cannot read a code back, only reissue one, which is
    audited), so nobody rates in the name of someone absent."""
    level, comment = _clean(level, comment)
    case = cases.lookup_public(number or "", code or "")
    # Out of reach reads like not found, as everywhere (404, not 403).
    if case is None or not may_enter_for(actor, case):
        raise ValidationError({"code": WINDOW_NOT_FOUND})
    return _rate(case, Intake(level, comment, Rating.Channel.WINDOW, contact), actor=actor)


@dataclass(frozen=True)
class Intake:
    """What a channel brings: the rating and, from another system, who sent it under which id."""

    level: int
    comment: str
    channel: str
    contact: Contact | None = None
    external_source: str = ""
    external_id: str = ""
    external_digest: str = ""


@dataclass(frozen=True)
class SystemRating:
    """The outcome of :func:`rate_from_system`: ``created`` is False for a recognised resend."""

    rating: Rating
    created: bool


class ExternalIdConflict(Exception):
    """The sender reused its id for a different rating (幂等冲突)."""


def rate_from_system(
    system: str,
    source: str,
    *,
    external_id: str,
    canonical_body: str,
    channel: str,
    number: str,
    code: str,
    level: int,
    comment: str = "",
    contact: Contact | None = None,
    reach: Unit | None = None,
) -> SystemRating:
    """评价器、自助终端、省好差评平台 through the API, idempotent by the sender's ``external_id``
    (per key): the same body again returns the first rating; a different body under the same id
    raises :class:`ExternalIdConflict`. The counter's device and the kiosk stand before the
    applicant and read the receipt, so they send its query code and reach the cases of their
    unit's subtree (``reach``) only; the provincial platform identifies the applicant itself and
    may rate any case by number (``reach`` None, no code needed)."""
    if channel not in SYSTEM_CHANNELS:
        raise ValidationError({"channel": "渠道应为 device、kiosk 或 platform"})
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 100:
        raise ValidationError({"external_id": "请提供来源系统的评价编号（100字以内）"})
    existing = Rating.objects.filter(external_source=source, external_id=external_id).first()
    if existing is not None:
        if existing.external_digest not in crypto.keyed_digests(BODY_PURPOSE, canonical_body):
            raise ExternalIdConflict(
                f"来源系统编号“{external_id}”已用于另一条评价，且内容与本次不同"
            )
        return SystemRating(existing, False)
    level, comment = _clean(level, comment)
    number = (number or "").strip()
    case: Case | None
    if channel == Rating.Channel.PLATFORM:
        case = Case.objects.select_related("unit", "window", "item").filter(number=number).first()
    else:
        case = cases.lookup_public(number, code or "")
    if case is not None and reach is not None:
        within = [case.unit] + ([case.window] if case.window is not None else [])
        if not any(u.path.startswith(reach.path) for u in within):
            case = None
    if case is None:
        raise ValidationError({"number": NOT_FOUND})
    intake = Intake(
        level,
        comment,
        channel,
        contact,
        external_source=source,
        external_id=external_id,
        external_digest=crypto.keyed_digests(BODY_PURPOSE, canonical_body)[0],
    )
    return SystemRating(_rate(case, intake, actor=system), True)


def _mode_taken(mode: str) -> str:
    return f"该办件已经有{chinese(Mode(mode).label)}，不能重复评价。"


@transaction.atomic
def _rate(case: Case, intake: Intake, *, actor: Actor | None) -> Rating:
    if case.status not in FINISHED:
        raise ValidationError(NOT_FINISHED)
    mode = mode_of(intake.channel)
    if Rating.objects.filter(case=case, mode=mode).exists():
        raise ValidationError(_mode_taken(mode))
    now = timezone.now()
    bad = intake.level in BAD_LEVELS
    # A contact is kept only where it is used: to call back the author of a 差评.
    contact = intake.contact if bad else None
    user = actor if is_person(actor) else None
    rating = Rating(
        case=case,
        level=intake.level,
        comment=intake.comment,
        channel=intake.channel,
        mode=mode,
        unit_id=case.unit_id,
        window_id=case.window_id,
        item_id=case.item_id,
        rated_at=now,
        entered_by=user,
        external_source=intake.external_source,
        external_id=intake.external_id,
        external_digest=intake.external_digest,
        named=contact is not None,
        identity_token=(
            crypto.encrypt_identity({"name": contact.name, "phone": contact.phone})
            if contact is not None
            else ""
        ),
    )
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        # A concurrent submission for the same case and mode won: the unique key decides.
        raise ValidationError(_mode_taken(mode)) from None
    audit.record(
        user or (actor if isinstance(actor, str) else "公众评价"),
        audit.Action.CREATE,
        rating,
        after=audit.snapshot(rating, AUDITED_FIELDS),
        summary=f"好差评：{chinese_display(rating, 'level')}"
        f"（{chinese_display(rating, 'channel')}）",
    )
    if rating.is_bad:
        open_rectification(rating, case, now)
        if rating.named:
            open_return_visit(rating)
    return rating


#: What the audit log keeps of a rating (never the encrypted contact or the request digest).
AUDITED_FIELDS = (
    "case",
    "level",
    "comment",
    "channel",
    "mode",
    "unit",
    "window",
    "item",
    "rated_at",
    "entered_by",
    "external_source",
    "external_id",
    "named",
    "excluded",
)


def visit_limit_days() -> int:
    """实名差评回访时限 in working days (``XIAONENG_RATING_VISIT_DAYS``, default 15)."""
    return int(getattr(settings, "XIAONENG_RATING_VISIT_DAYS", 15))


def open_return_visit(rating: Rating) -> ReturnVisit:
    """Start the watched limit of a 实名差评's return visit."""
    d = deadline(rating.rated_at, visit_limit_days())
    return ReturnVisit.objects.create(
        rating=rating, due_at=d.due_at, warn_at=d.warn_at, deadline_provisional=d.provisional
    )


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


def rating_tasks() -> QuerySet[Task]:
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


def _level_counts() -> dict[str, Count]:
    return {f"n{v}": Count("pk", filter=Q(level=v)) for v in Level.values}


def statistics(
    ratings: QuerySet[Rating], by: str = "unit", now: datetime | None = None
) -> list[StatRow]:
    """Counts per level, 满意率, 差评, open and overdue obligations, grouped by ``by``.

    "Overdue" (超期) counts obligations still unverified after their due instant and those
    verified after it: both broke the limit. One query: each rating carries whether its task
    is open and whether it is late.
    """
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by}")
    now = now or timezone.now()
    ratings = ratings.filter(excluded=False)  # 申诉复核成立: out of the statistics
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
            row.name = f"{_local(key):%Y-%m}" if isinstance(key, datetime) else ""
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


def rating_summary(
    ratings: QuerySet[Rating], tasks: QuerySet[Task], since: date | None = None
) -> UnitSummary:
    """The same figures over any ratings and tasks (only those of 差评 count), e.g. those a
    user may see (a window's staff: the ratings of the cases registered at their window)."""
    now = timezone.now()
    ratings = ratings.filter(period_bounds(since, None), excluded=False)
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
