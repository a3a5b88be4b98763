"""Service ratings (好差评) for the demo's finished cases, with their 差评核实整改.

About 30% of finished cases are rated, about 90% of those well; every 差评 carries a comment and
its 核实整改 task (``xiaoneng.rectification``, source 差评) with the real deadline (15 working
days from the rating by the calendar). Old tasks are mostly closed (verified in time, return
visit done), some were answered late, a few are still unanswered and overdue; recent ones are
open. Ratings and tasks are bulk inserted with one summarising audit entry (a year of history
through the per-step services would take minutes); a sweep of the task watch then raises the
warnings, overdue notices, 督办 and yellow cards exactly as in operation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import F
from django.utils import timezone

from xiaoneng.audit import services as audit
from xiaoneng.cases.models import Case
from xiaoneng.catalog.models import ServiceItem
from xiaoneng.ratings import services
from xiaoneng.ratings.models import Level, Mode, Rating
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.models import Problem, Task, TaskEvent
from xiaoneng.rectification.sources import SourceKind
from xiaoneng.supervision.watches import sweep
from xiaoneng.workdays import SHANGHAI

SHARE_RATED = 0.30
#: Level weights, 5..1: about 90% satisfied (非常满意/满意/基本满意).
WEIGHTS = {5: 60, 4: 22, 3: 8, 2: 6, 1: 4}
CHANNELS = (("online", 55), ("window", 40), ("other", 5))
GOOD_COMMENTS = (
    "窗口工作人员很耐心，一次就办好了。",
    "比预想的快，点赞。",
    "材料一次告知清楚，不用来回跑。",
    "网上提交很方便。",
    "",
    "",
    "",
)
BAD_COMMENTS = (
    "材料前后要求不一致，跑了三趟。",
    "等了两个多小时，窗口只开了一个。",
    "工作人员态度生硬，问什么都说不知道。",
    "说好的时限到了还没办结，也没人通知。",
    "要求提供办事指南上没有的证明。",
    "电话一直打不通，进度查不到。",
    "让我找中介代办，否则不给受理。",
)
VERIFICATIONS = {
    "true": (
        "经调阅窗口录像和办件记录，反映情况基本属实。",
        "已对当事工作人员批评教育，并完善一次性告知清单。",
    ),
    "false": ("经调阅办件记录，申请人材料不齐，已按规定一次性告知，反映情况不属实。", ""),
}


@dataclass(frozen=True)
class RatingsSummary:
    ratings: int
    bad: int
    open_rectifications: int
    overdue_rectifications: int
    cards: int


def _pick(rng: random.Random, weighted) -> object:
    items = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def _moment(rng: random.Random, after: datetime, today: date) -> datetime | None:
    """A daytime instant 0–3 days after ``after``, not later than ``today``."""
    day = after.astimezone(SHANGHAI).date() + timedelta(days=rng.choice((0, 0, 1, 1, 2, 3)))
    if day > today:
        return None
    moment = datetime(
        day.year, day.month, day.day, rng.randint(9, 17), rng.randint(0, 59), tzinfo=SHANGHAI
    )
    return max(moment, after + timedelta(minutes=5))


def write_ratings(seed: int, today: date) -> RatingsSummary:
    """Rate a share of the finished cases; returns what was written."""
    rng = random.Random(f"xiaoneng-demo:{seed}:ratings")
    now = timezone.now()
    end_of_today = datetime(today.year, today.month, today.day, 23, 59, tzinfo=SHANGHAI)
    now = min(now, end_of_today)
    finished = (
        Case.objects.filter(
            status__in=services.FINISHED, finished_at__isnull=False, ratings__isnull=True
        )
        .order_by("pk")
        .values_list("pk", "unit_id", "window_id", "item_id", "finished_at", "number")
    )
    ratings: list[Rating] = []
    numbers: dict[int, str] = {}
    for pk, unit_id, window_id, item_id, finished_at, number in finished.iterator():
        if rng.random() >= SHARE_RATED:
            continue
        rated_at = _moment(rng, finished_at, today)
        if rated_at is None or rated_at > now:
            continue
        level = _pick(rng, WEIGHTS)
        bad = level <= 2
        if bad:
            numbers[pk] = number
        channel = _pick(rng, CHANNELS)
        ratings.append(
            Rating(
                case_id=pk,
                level=level,
                comment=rng.choice(BAD_COMMENTS if bad else GOOD_COMMENTS),
                channel=channel,
                mode=Mode.ONSITE if channel == Rating.Channel.WINDOW else Mode.REMOTE,
                unit_id=unit_id,
                window_id=window_id,
                item_id=item_id,
                rated_at=rated_at,
            )
        )
    Rating.objects.bulk_create(ratings, batch_size=2000)
    bad = [r for r in ratings if r.level <= 2]
    ids = dict(
        Rating.objects.filter(case_id__in=[r.case_id for r in bad]).values_list("case_id", "pk")
    )
    items = dict(
        ServiceItem.objects.filter(pk__in={r.item_id for r in bad}).values_list("pk", "name")
    )
    limit, warn = services.rectify_limit_days(), services.rectify_warn_days()
    tasks: list[Task] = []
    for r in bad:
        d = services.deadline(r.rated_at, limit)
        title = f"差评：{items[r.item_id]}（{Level(r.level).label}）"
        task = Task(
            source_kind=SourceKind.RATING,
            source_id=ids[r.case_id],
            source_label=f"办件{numbers[r.case_id]}的差评",
            source_link=f"/office/cases/{r.case_id}/",
            source_public=True,
            public=True,
            unit_id=r.window_id or r.unit_id,
            window_id=r.window_id,
            title=title,
            description=r.comment,
            flow=Task.Flow.VERIFY,
            status=Task.Status.VERIFYING,
            opened_at=r.rated_at,
            opened_by_name=services.SYSTEM_ACTOR,
            limit_days=limit,
            complete_by=d.due_at,
            stage_started_at=r.rated_at,
            stage_days=limit,
            stage_warn_days=warn,
            needs_visit=True,
            due_at=d.due_at,
            warn_at=d.warn_at,
            deadline_provisional=d.provisional,
        )
        _advance(rng, task, now)
        tasks.append(task)
    Task.objects.bulk_create(tasks, batch_size=2000)
    _history(tasks)
    by_id = {ids[r.case_id]: r for r in bad}
    for r in bad:
        r.pk = ids[r.case_id]
    reviewed = _reviews_and_visits(rng, by_id, {t.source_id: t for t in tasks}, now)
    audit.record(
        "演示数据生成",
        audit.Action.CREATE,
        object_type=Rating._meta.label_lower,
        object_id=f"{len(ratings)}",
        object_repr=f"好差评 {len(ratings)} 条",
        summary=(
            f"演示数据：好差评 {len(ratings)} 条，差评核实整改 {len(tasks)} 件，"
            f"实名差评 {reviewed.named} 条，申诉复核 {reviewed.reviews} 件"
        ),
        after={
            "ratings": len(ratings),
            "rectifications": len(tasks),
            "named": reviewed.named,
            "reviews": reviewed.reviews,
            "seed": seed,
        },
    )
    late = list(
        Task.objects.filter(
            source_kind=SourceKind.RATING, verified_at__gt=F("due_at")
        ).select_related("unit")
    )
    late_cards = rectification.overdue_cards(late, now, stage=Task.Status.VERIFYING)
    # The sweep warns, reports overdue and raises the yellow cards, as the worker would.
    report = sweep(now=now, watches=["rectification.task", "ratings.review", "ratings.visit"])
    open_tasks = services.rating_tasks().open()
    return RatingsSummary(
        ratings=len(ratings),
        bad=len(bad),
        open_rectifications=open_tasks.count(),
        overdue_rectifications=open_tasks.filter(
            status=Task.Status.VERIFYING, due_at__lt=now
        ).count(),
        cards=len(late_cards) + report.overdue.get("rectification.task", 0),
    )


SHARE_NAMED = 0.35  # of 差评: the rater left a name and phone
SHARE_CONTESTED = 0.08  # of 差评: the unit asked for a review
SURNAMES = "张王李赵刘陈杨黄周吴"
STATEMENTS = {
    "mistaken": (
        "评价人误将对其他部门的意见评在本办件上。",
        "评价器日志：评价时间与办结时间相差40天，办件记录",
    ),
    "malicious": (
        "评价内容与办件无关，系对行政处罚不满的报复性评价。",
        "处罚决定书编号及评价人此前的投诉记录",
    ),
}


@dataclass(frozen=True)
class Reviewed:
    named: int
    reviews: int


def _reviews_and_visits(
    rng: random.Random, bad: dict[int, Rating], tasks: dict[int, Task], now: datetime
) -> Reviewed:
    """实名差评 with their return-visit limits, and a few 申诉复核 (decided when old enough)."""
    from xiaoneng import crypto
    from xiaoneng.accounts.models import User
    from xiaoneng.accounts.roles import Role
    from xiaoneng.org.models import Unit
    from xiaoneng.ratings import reviews as rating_reviews
    from xiaoneng.ratings.models import ReturnVisit, Review
    from xiaoneng.rectification import deadlines

    liaisons = list(User.objects.filter(role=Role.LIAISON, is_active=True).select_related("unit"))
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()
    units = {u.pk: u for u in Unit.objects.all()}
    named, visits, contested, excluded = [], [], [], []
    for pk in sorted(bad):
        rating, task = bad[pk], tasks.get(pk)
        if rng.random() < SHARE_NAMED:
            rating.named = True
            phone = f"139{rng.randint(0, 99999999):08d}"
            rating.identity_token = crypto.encrypt_identity(
                {"name": f"{rng.choice(SURNAMES)}先生", "phone": phone}
            )
            named.append(rating)
            d = services.deadline(rating.rated_at, services.visit_limit_days())
            called = task is not None and task.visited_at is not None
            past = d.due_at < now
            visits.append(
                ReturnVisit(
                    rating_id=pk,
                    due_at=d.due_at,
                    warn_at=d.warn_at,
                    deadline_provisional=d.provisional,
                    deadline_open=not called,
                    warned_at=d.warn_at if past else None,
                    overdue_at=d.due_at if past else None,
                )
            )
        unit = units[rating.window_id or rating.unit_id]
        asker = next((u for u in liaisons if u.unit and unit.path.startswith(u.unit.path)), None)
        if asker is None or office is None or rng.random() >= SHARE_CONTESTED:
            continue
        asked_at = rating.rated_at + timedelta(days=rng.randint(1, 3))
        if asked_at > now or asked_at > rating_reviews.review_until(rating):
            continue
        ground = rng.choice(list(STATEMENTS))
        d = deadlines.after_workdays(asked_at, rating_reviews.decide_days(), 1)
        review = Review(
            rating_id=pk,
            unit=unit,
            ground=ground,
            statement=STATEMENTS[ground][0],
            evidence=STATEMENTS[ground][1],
            asked_at=asked_at,
            asked_by=asker,
            due_at=d.due_at,
            warn_at=d.warn_at,
            deadline_provisional=d.provisional,
        )
        if d.due_at < now:
            upheld = rng.random() < 0.4
            review.status = Review.Status.UPHELD if upheld else Review.Status.REFUSED
            review.decided_at = asked_at + timedelta(days=rng.randint(1, 5))
            review.decided_by = office
            review.decision = (
                "经调取评价器日志核实，申诉成立，该差评不计入统计。"
                if upheld
                else "所附证据不能证明误评或恶意差评，申诉不成立。"
            )
            review.deadline_open = False
            if upheld:
                rating.excluded = True
                excluded.append(rating)
        contested.append(review)
    Rating.objects.bulk_update(named, ["named", "identity_token"], batch_size=2000)
    Rating.objects.bulk_update(excluded, ["excluded"], batch_size=2000)
    ReturnVisit.objects.bulk_create(visits, batch_size=2000)
    Review.objects.bulk_create(contested, batch_size=2000)
    return Reviewed(named=len(named), reviews=len(contested))


def _history(tasks: list[Task]) -> None:
    """Each task's problem and the lines of its history (立项, 核实整改, 回访)."""
    Problem.objects.bulk_create(
        [Problem(task=t, order=1, title=t.title, detail=t.description) for t in tasks],
        batch_size=2000,
    )
    events = []
    for t in tasks:
        events.append(
            TaskEvent(
                task=t,
                kind=TaskEvent.Kind.OPEN,
                at=t.opened_at,
                actor_name=services.SYSTEM_ACTOR,
                note=f"{t.source_label}。请于{t.due_at.astimezone(SHANGHAI):%Y-%m-%d}前核实整改",
            )
        )
        if t.verified_at:
            events.append(
                TaskEvent(
                    task=t,
                    kind=TaskEvent.Kind.VERIFY,
                    at=t.verified_at,
                    actor_name="责任单位联络员",
                    note=f"{t.get_finding_display()}。{t.verification}",
                )
            )
        if t.visited_at:
            events.append(
                TaskEvent(
                    task=t,
                    kind=TaskEvent.Kind.VISIT,
                    at=t.visited_at,
                    actor_name="效能办",
                    note=t.visit_note,
                )
            )
    TaskEvent.objects.bulk_create(events, batch_size=2000)


def _advance(rng: random.Random, task: Task, now: datetime) -> None:
    """Move a 核实整改 along as the unit and the office would have by ``now``."""
    roll = rng.random()
    if task.due_at < now:
        if roll < 0.12:
            return  # never answered: overdue, the sweep raises the card
        answered = task.opened_at + timedelta(days=rng.randint(3, 18) if roll < 0.8 else 28)
    else:
        if roll < 0.6:
            return  # still being verified
        answered = task.opened_at + timedelta(days=rng.randint(1, 6))
    if answered > now:
        return
    finding = "true" if rng.random() < 0.55 else "false"
    task.finding = finding
    task.verification, task.measures = VERIFICATIONS[finding]
    task.verified_at = task.completed_at = answered
    task.status = Task.Status.VISIT
    task.deadline_open = False
    if answered > task.due_at:
        # Answered late: marked as handled; write_ratings raises its yellow card afterwards.
        task.warned_at, task.overdue_at = task.warn_at, task.due_at
    visit = answered + timedelta(days=rng.randint(1, 5))
    if visit <= now and rng.random() < 0.85:
        task.visit_satisfied = rng.random() < 0.8
        task.visit_note = "电话回访申请人，" + (
            "对整改结果表示满意。" if task.visit_satisfied else "仍有意见，已做解释。"
        )
        task.visited_at = task.closed_at = visit
        task.status = Task.Status.CLOSED
