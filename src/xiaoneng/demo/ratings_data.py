"""Service ratings (好差评) for the demo's finished cases, with their 差评核实整改.

About 30% of finished cases are rated, about 90% of those well; every 差评 carries a comment and
its obligation with the real deadline (15 working days from the rating by the calendar). Old
obligations are mostly closed (verified in time, return visit done), some were answered late,
a few are still unanswered and overdue; recent ones are open. Ratings and obligations are bulk
inserted with one summarising audit entry; a sweep of the rating watch then raises the warnings,
overdue notices and yellow cards exactly as in operation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import F
from django.utils import timezone

from xiaoneng.audit import services as audit
from xiaoneng.cases.models import Case
from xiaoneng.ratings import services
from xiaoneng.ratings.models import Rating, Rectification
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
            status__in=services.FINISHED, finished_at__isnull=False, rating__isnull=True
        )
        .order_by("pk")
        .values_list("pk", "unit_id", "window_id", "item_id", "finished_at")
    )
    ratings: list[Rating] = []
    for pk, unit_id, window_id, item_id, finished_at in finished.iterator():
        if rng.random() >= SHARE_RATED:
            continue
        rated_at = _moment(rng, finished_at, today)
        if rated_at is None or rated_at > now:
            continue
        level = _pick(rng, WEIGHTS)
        bad = level <= 2
        ratings.append(
            Rating(
                case_id=pk,
                level=level,
                comment=rng.choice(BAD_COMMENTS if bad else GOOD_COMMENTS),
                channel=_pick(rng, CHANNELS),
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
    limit = services.rectify_limit_days()
    rects: list[Rectification] = []
    for r in bad:
        d = services.deadline(r.rated_at, limit)
        rect = Rectification(
            rating_id=ids[r.case_id],
            unit_id=r.window_id or r.unit_id,
            opened_at=r.rated_at,
            limit_days=limit,
            due_at=d.due_at,
            warn_at=d.warn_at,
            deadline_provisional=d.provisional,
        )
        _advance(rng, rect, now)
        rects.append(rect)
    Rectification.objects.bulk_create(rects, batch_size=2000)
    audit.record(
        "演示数据生成",
        audit.Action.CREATE,
        object_type=Rating._meta.label_lower,
        object_id=f"{len(ratings)}",
        object_repr=f"好差评 {len(ratings)} 条",
        summary=f"演示数据：好差评 {len(ratings)} 条，差评核实整改 {len(rects)} 件",
        after={"ratings": len(ratings), "rectifications": len(rects), "seed": seed},
    )
    late = list(
        Rectification.objects.filter(verified_at__gt=F("due_at")).select_related(
            "unit", "rating__case"
        )
    )
    late_cards = services._overdue_cards(late, now)
    # The sweep warns, reports overdue and raises the yellow cards, as the worker would.
    report = sweep(now=now, watches=["ratings.rectification"])
    open_rects = Rectification.objects.open()
    return RatingsSummary(
        ratings=len(ratings),
        bad=len(bad),
        open_rectifications=open_rects.count(),
        overdue_rectifications=open_rects.filter(
            status=Rectification.Status.VERIFYING, due_at__lt=now
        ).count(),
        cards=len(late_cards) + report.overdue.get("ratings.rectification", 0),
    )


def _advance(rng: random.Random, rect: Rectification, now: datetime) -> None:
    """Move an obligation along as the unit and the office would have by ``now``."""
    roll = rng.random()
    if rect.due_at < now:
        if roll < 0.12:
            return  # never answered: overdue, the sweep raises the card
        answered = rect.opened_at + timedelta(days=rng.randint(3, 18) if roll < 0.8 else 28)
    else:
        if roll < 0.6:
            return  # still being verified
        answered = rect.opened_at + timedelta(days=rng.randint(1, 6))
    if answered > now:
        return
    finding = "true" if rng.random() < 0.55 else "false"
    rect.finding = finding
    rect.verification, rect.measures = VERIFICATIONS[finding]
    rect.verified_at = answered
    rect.status = Rectification.Status.VISIT
    rect.deadline_open = False
    if answered > rect.due_at:
        # Answered late: marked as handled; write_ratings raises its yellow card afterwards.
        rect.warned_at, rect.overdue_at = rect.warn_at, rect.due_at
    visit = answered + timedelta(days=rng.randint(1, 5))
    if visit <= now and rng.random() < 0.85:
        rect.visit_satisfied = rng.random() < 0.8
        rect.visit_note = "电话回访申请人，" + (
            "对整改结果表示满意。" if rect.visit_satisfied else "仍有意见，已做解释。"
        )
        rect.visited_at = visit
        rect.status = Rectification.Status.CLOSED
