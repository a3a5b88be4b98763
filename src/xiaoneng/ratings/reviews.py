"""差评申诉复核 and 实名差评回访 — a service module (the one write path, docs/architecture.md).

- **申诉复核** (review): the unit responsible for a 差评 (the case's window when it has one, else
  the case's unit) may ask, within ``XIAONENG_RATING_REVIEW_DAYS`` working days of the rating
  (default 5), that it be excluded as 误评 (a mistaken rating: wrong case, wrong button, a rating
  about another office) or 恶意差评 (a malicious one), with its reasons and evidence. One request
  per 差评. The office decides within ``XIAONENG_RATING_DECIDE_DAYS`` working days (default 5,
  watched by the sweeper). Upheld: the rating is marked excluded and leaves every statistic; the
  rating, the request and the decision stay, with their audit entries. Refused: it stays counted.
- **回访** (return visit): a 实名差评 (the rater left a name and phone) is called back by the
  office within ``XIAONENG_RATING_VISIT_DAYS`` working days (default 15). The call is the 差评
  task's 回访 step (``rectification``); a :class:`~.models.ReturnVisit` row holds the watched
  limit so that the 回访率 counts the calls made in time.
- **公示** (figures): per unit, the exclusion rate (excluded 差评 ÷ 差评) and the 回访率 (实名差评
  called back in time ÷ 实名差评 whose limit has passed or that were called back), each with n and
  a 95 % Wilson interval; no ranking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from xiaoneng import crypto
from xiaoneng.accounts.actors import Actor, actor_role, is_person
from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.org.models import Unit
from xiaoneng.rectification import deadlines
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import SourceKind
from xiaoneng.scoring.stats import wilson_interval
from xiaoneng.workflow import Transition, Transitions

from .models import BAD_LEVELS, Rating, ReturnVisit, Review

OFFICE_ROLES = frozenset({Role.ADMIN, Role.OFFICE})
TEXT_LIMIT = 2000
DECISION_LIMIT = 1000
REASON_LIMIT = 200


def review_days() -> int:
    """申诉期限: working days after the rating (``XIAONENG_RATING_REVIEW_DAYS``, default 5)."""
    return int(getattr(settings, "XIAONENG_RATING_REVIEW_DAYS", 5))


def decide_days() -> int:
    """复核时限: the office's working days (``XIAONENG_RATING_DECIDE_DAYS``, default 5)."""
    return int(getattr(settings, "XIAONENG_RATING_DECIDE_DAYS", 5))


def _may_decide(actor: Actor, review: Review, action: str) -> str | None:
    if not is_person(actor):
        return None
    if actor.unit is not None and actor.unit.path.startswith(review.unit.path):
        return "申诉单位不能复核本单位的申诉"
    return None


REVIEW = Transitions(
    noun="差评申诉",
    actions={
        "uphold": Transition(
            "认定申诉成立", {Review.Status.PENDING}, Review.Status.UPHELD, OFFICE_ROLES
        ),
        "refuse": Transition(
            "认定申诉不成立", {Review.Status.PENDING}, Review.Status.REFUSED, OFFICE_ROLES
        ),
    },
    may_act=_may_decide,
    denied="只有效能办可以复核差评申诉",
)


# ---- helpers ---------------------------------------------------------------------------------


def responsible_unit(rating: Rating) -> Unit:
    """Who answers for a 差评 (and may contest it): the case's window, else the case's unit."""
    return rating.window if rating.window is not None else rating.unit


def review_until(rating: Rating) -> datetime:
    """The end of the last working day on which the unit may still ask for a review."""
    return deadlines.after_workdays(rating.rated_at, review_days(), 0).due_at


def _text(value: str | None, field: str, label: str, limit: int = TEXT_LIMIT) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}不能超过{limit}字（现为{len(value)}字）"})
    return value


def link(rating: Rating) -> str:
    return f"/office/ratings/{rating.pk}/"


def office_users() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))


def refusal_to_ask(actor: Actor, rating: Rating, now: datetime | None = None) -> str | None:
    """Why ``actor`` may not ask for a review of ``rating`` now, or None (pages ask this before
    they offer the form; :func:`ask_review` checks the same)."""
    if not is_person(actor) or actor_role(actor) != Role.LIAISON or actor.unit is None:
        return "只有责任单位的联络员可以申请复核"
    if not responsible_unit(rating).path.startswith(actor.unit.path):
        return "只有责任单位的联络员可以申请复核"
    if rating.level not in BAD_LEVELS:
        return "只有差评可以申请复核"
    if Review.objects.filter(rating=rating).exists():
        return "该差评已经申请过复核，每条差评只能申请一次"
    until = review_until(rating)
    if (now or timezone.now()) > until:
        local = deadlines.local_date(until)
        return f"申诉期限已过：应在差评后{review_days()}个工作日内（{local:%Y-%m-%d}前）提出"
    return None


# ---- asking and deciding ---------------------------------------------------------------------


@transaction.atomic
def ask_review(
    actor: Actor, rating: Rating, *, ground: str, statement: str, evidence: str
) -> Review:
    """申请复核: the responsible unit's liaison contests a 差评, with reasons and evidence."""
    rating = (
        Rating.objects.select_for_update(of=("self",))
        .select_related("unit", "window")
        .get(pk=rating.pk)
    )
    refusal = refusal_to_ask(actor, rating)
    if refusal is not None:
        if refusal.startswith("只有责任单位"):
            raise PermissionDenied(refusal)
        raise ValidationError(refusal)
    assert is_person(actor)  # refusal_to_ask lets people only
    if ground not in Review.Ground.values:
        raise ValidationError({"ground": "请选择申诉事由（误评或恶意差评）"})
    statement = _text(statement, "statement", "申诉理由")
    evidence = _text(evidence, "evidence", "证据")
    now = timezone.now()
    d = deadlines.after_workdays(now, decide_days(), 1)
    review = Review.objects.create(
        rating=rating,
        unit=responsible_unit(rating),
        ground=ground,
        statement=statement,
        evidence=evidence,
        asked_at=now,
        asked_by=actor,
        due_at=d.due_at,
        warn_at=d.warn_at,
        deadline_provisional=d.provisional,
    )
    audit.record(
        actor,
        audit.Action.CREATE,
        review,
        after=audit.snapshot(review, ["rating", "unit", "ground", "statement", "evidence"]),
        summary=f"差评申诉复核：{chinese_display(review, 'ground')}",
    )
    notifications.notify(
        office_users(),
        kind="info",
        title=f"差评申诉待复核：{review.unit.name}（{chinese_display(review, 'ground')}）"[:200],
        body=f"复核期限：{deadlines.local_date(d.due_at):%Y-%m-%d}",
        link=link(rating),
    )
    return review


@transaction.atomic
def decide(actor: Actor, review: Review, *, uphold: bool, decision: str) -> Review:
    """复核: the office upholds (the 差评 leaves the statistics) or refuses a unit's request."""
    step = REVIEW.begin(actor, review, "uphold" if uphold else "refuse")
    text = _text(decision, "decision", "复核意见", DECISION_LIMIT)
    record = step.record
    now = timezone.now()
    record.decision, record.decided_at = text, now
    record.decided_by = actor if is_person(actor) else None
    record.deadline_open = False
    if uphold:
        _exclude(actor, record.rating, record)
    finished = step.finish(
        summary=f"差评申诉复核：{REVIEW.actions[step.action].label}",
        fields=["decision", "decided_at", "decided_by", "deadline_open"],
        after={"decision": text},
    )
    notifications.notify(
        notifications.responsible_recipients(finished.unit),
        kind="info",
        title=f"差评申诉复核结果：{chinese_display(finished, 'status')}"[:200],
        body=text[:500],
        link=link(finished.rating),
    )
    return finished


def _exclude(actor: Actor, rating: Rating, review: Review) -> None:
    """The rating leaves the statistics (and its return visit's watch); nothing is deleted."""
    Rating.objects.filter(pk=rating.pk).update(excluded=True)
    ReturnVisit.objects.filter(rating=rating).update(deadline_open=False)
    audit.record(
        actor,
        audit.Action.UPDATE,
        rating,
        before={"excluded": False},
        after={"excluded": True, "ground": review.ground},
        summary=f"差评经申诉复核剔除（{chinese_display(review, 'ground')}），不计入统计",
    )
    rating.excluded = True


# ---- the rater's contact ---------------------------------------------------------------------


@dataclass(frozen=True)
class RevealedContact:
    name: str
    phone: str


def reveal_contact(actor: Actor, rating: Rating, reason: str) -> RevealedContact:
    """查看实名评价人联系方式 for the return visit: the office only, with a reason; the audit
    entry keeps the reason, never the values."""
    if actor_role(actor) not in OFFICE_ROLES:
        raise PermissionDenied("只有效能办可以查看评价人联系方式")
    reason = _text(reason, "reason", "查看理由", REASON_LIMIT)
    if not rating.identity_token:
        raise ValidationError("该评价不是实名差评，没有联系方式")
    identity = crypto.decrypt_identity(rating.identity_token)
    audit.record(
        actor,
        audit.Action.EVENT,
        rating,
        summary="查看实名评价人联系方式",
        after={"reason": reason},
    )
    return RevealedContact(identity.get("name", ""), identity.get("phone", ""))


# ---- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A published proportion: ``hits`` of ``n``, with its 95 % Wilson interval."""

    hits: int
    n: int

    @property
    def value(self) -> float | None:
        return self.hits / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.hits, self.n)

    @property
    def text(self) -> str:
        if self.value is None:
            return "—"
        return f"{self.value * 100:.1f}%"

    @property
    def interval_text(self) -> str:
        bounds = self.interval
        if bounds is None:
            return "—"
        return f"{bounds[0] * 100:.1f}%–{bounds[1] * 100:.1f}%"


@dataclass(frozen=True)
class UnitFigures:
    """A unit's 差评 figures: how many were contested and excluded, and the return visits."""

    unit_id: int | None
    name: str
    bad: int
    asked: int
    exclusion: Rate
    visits: Rate


def figures(ratings: QuerySet[Rating], now: datetime | None = None) -> list[UnitFigures]:
    """Per unit (承办单位) over ``ratings``: 差评 (excluded ones included: they are the
    denominator), reviews asked, excluded, and the 回访率 of the 实名差评 still counted. Sorted
    by the unit's name: these are not a ranking."""
    now = now or timezone.now()
    visited = Task.objects.filter(
        source_kind=SourceKind.RATING,
        source_id=OuterRef("rating_id"),
        visited_at__isnull=False,
        visited_at__lte=OuterRef("due_at"),
    )
    ids = ratings.filter(level__in=BAD_LEVELS).values("pk")
    visits = (
        ReturnVisit.objects.filter(rating__in=ids, rating__excluded=False)
        .annotate(in_time=Exists(visited))
        .filter(Q(due_at__lte=now) | Q(in_time=True))
        .order_by()
        .values("rating__unit_id")
        .annotate(n=Count("pk"), hits=Count("pk", filter=Q(in_time=True)))
    )
    visit_rows = {r["rating__unit_id"]: (r["hits"], r["n"]) for r in visits}
    bad = (
        ratings.filter(level__in=BAD_LEVELS)
        .order_by()
        .values("unit_id")
        .annotate(
            bad=Count("pk"),
            asked=Count("review", distinct=True),
            excluded=Count("pk", filter=Q(excluded=True)),
        )
    )
    names = dict(Unit.objects.values_list("pk", "name"))
    rows = []
    for r in bad:
        hits, n = visit_rows.get(r["unit_id"], (0, 0))
        rows.append(
            UnitFigures(
                unit_id=r["unit_id"],
                name=names.get(r["unit_id"], ""),
                bad=r["bad"],
                asked=r["asked"],
                exclusion=Rate(r["excluded"], r["bad"]),
                visits=Rate(hits, n),
            )
        )
    return sorted(rows, key=lambda row: row.name)


def total(rows: Iterable[UnitFigures]) -> UnitFigures:
    rows = list(rows)
    return UnitFigures(
        unit_id=None,
        name="合计",
        bad=sum(r.bad for r in rows),
        asked=sum(r.asked for r in rows),
        exclusion=Rate(sum(r.exclusion.hits for r in rows), sum(r.exclusion.n for r in rows)),
        visits=Rate(sum(r.visits.hits for r in rows), sum(r.visits.n for r in rows)),
    )
