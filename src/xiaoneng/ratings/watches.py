"""What the sweeper does with the 好差评 deadlines (watches: derived fields only, notifications
through the notification service; see ``supervision/watches.py``).

- **申诉复核** (``ratings.review``): the office's limit for deciding. Approaching → the office is
  reminded; passed → the office is told it is late (the request stays pending: the office still
  decides, and the page shows the delay).
- **实名差评回访** (``ratings.visit``): the limit for calling a named rater back. Approaching →
  the office is reminded; passed without a call → the office and the responsible unit's liaisons
  are told. A call made before the instant is not reminded of (the 回访率 counts it as in time).
"""

from __future__ import annotations

from datetime import datetime

from xiaoneng.notifications import services as notifications
from xiaoneng.rectification import deadlines
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import SourceKind
from xiaoneng.supervision.watches import Watch, on_calendar_change, register

from . import reviews, services
from .models import ReturnVisit, Review


def _day(moment: datetime | None) -> str:
    return f"{deadlines.local_date(moment):%Y-%m-%d}" if moment else "—"


def review_warn(items: list[Review], now: datetime) -> None:
    office = reviews.office_users()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=office,
                kind="warning",
                title=f"差评申诉即将到复核期限：{r.unit.name}"[:200],
                body=f"复核期限：{_day(r.due_at)}",
                link=reviews.link(r.rating),
                dedupe_key=f"rating-review:{r.pk}:warn",
            )
            for r in items
            if r.status == Review.Status.PENDING
        ],
        summary="差评申诉复核预警",
    )


def review_due(items: list[Review], now: datetime) -> None:
    office = reviews.office_users()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=office,
                kind="overdue",
                title=f"差评申诉复核超期：{r.unit.name}"[:200],
                body=f"复核期限：{_day(r.due_at)}",
                link=reviews.link(r.rating),
                dedupe_key=f"rating-review:{r.pk}:due",
            )
            for r in items
            if r.status == Review.Status.PENDING
        ],
        summary="差评申诉复核超期",
    )


def _not_called(items: list[ReturnVisit]) -> list[ReturnVisit]:
    called = set(
        Task.objects.filter(
            source_kind=SourceKind.RATING,
            source_id__in=[v.rating_id for v in items],
            visited_at__isnull=False,
        ).values_list("source_id", flat=True)
    )
    return [v for v in items if v.rating_id not in called and not v.rating.excluded]


def visit_warn(items: list[ReturnVisit], now: datetime) -> None:
    office = reviews.office_users()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=office,
                kind="warning",
                title=f"实名差评回访即将到期：{v.rating.case.number}"[:200],
                body=f"回访期限：{_day(v.due_at)}",
                link=reviews.link(v.rating),
                dedupe_key=f"rating-visit:{v.pk}:warn",
            )
            for v in _not_called(items)
        ],
        summary="实名差评回访预警",
    )


def visit_due(items: list[ReturnVisit], now: datetime) -> None:
    office = reviews.office_users()
    recipients = notifications.RecipientCache()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=[*office, *recipients(reviews.responsible_unit(v.rating))],
                kind="overdue",
                title=f"实名差评回访超期：{v.rating.case.number}"[:200],
                body=f"回访期限：{_day(v.due_at)}",
                link=reviews.link(v.rating),
                dedupe_key=f"rating-visit:{v.pk}:due",
            )
            for v in _not_called(items)
        ],
        summary="实名差评回访超期",
    )


def recompute_provisional() -> int:
    """After a calendar import: recompute the open deadlines that were provisional."""
    touched = 0
    for review in Review.objects.filter(deadline_open=True, deadline_provisional=True):
        d = deadlines.after_workdays(review.asked_at, reviews.decide_days(), 1)
        Review.objects.filter(pk=review.pk).update(
            due_at=d.due_at, warn_at=d.warn_at, deadline_provisional=d.provisional
        )
        touched += 1
    open_visits = ReturnVisit.objects.filter(deadline_open=True, deadline_provisional=True)
    for visit in open_visits.select_related("rating"):
        d = services.deadline(visit.rating.rated_at, services.visit_limit_days())
        ReturnVisit.objects.filter(pk=visit.pk).update(
            due_at=d.due_at, warn_at=d.warn_at, deadline_provisional=d.provisional
        )
        touched += 1
    return touched


def register_watches() -> None:
    on_calendar_change(recompute_provisional)
    register(
        Watch(
            "ratings.review",
            Review,
            on_warn=review_warn,
            on_due=review_due,
            select_related=("unit", "rating"),
        )
    )
    register(
        Watch(
            "ratings.visit",
            ReturnVisit,
            on_warn=visit_warn,
            on_due=visit_due,
            select_related=("rating__case", "rating__unit", "rating__window"),
        )
    )
