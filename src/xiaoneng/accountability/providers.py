"""The providers of the sources on main: red cards, accumulated red cards, 属实 complaints,
refused rectification acceptances and 差评 found 属实 on verification.

Each is a query over the finder's own rows; nothing here writes to them.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Q, QuerySet

from xiaoneng.accounts.models import User
from xiaoneng.complaints.models import Complaint
from xiaoneng.i18n import chinese_display
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.models import Task, TaskEvent
from xiaoneng.rectification.sources import SourceKind
from xiaoneng.supervision.models import Card

from .models import Cause
from .people import from_staff
from .sources import Provider, SourceRecord, register

# ---- cards ---------------------------------------------------------------------------------------


def _cards(accumulated: bool) -> QuerySet[Card]:
    cards = Card.objects.filter(color=Card.Color.RED).exclude(status=Card.Status.WITHDRAWN)
    if accumulated:
        return cards.filter(cause=Card.Cause.YELLOW_ACCUMULATION)
    # A 属实 complaint's red card is the complaint itself: the complaint provider opens it once.
    return cards.exclude(
        cause__in=[Card.Cause.YELLOW_ACCUMULATION, Card.Cause.COMPLAINT_SUBSTANTIATED]
    )


def _card_record(cause: str, card: Card) -> SourceRecord:
    return SourceRecord(
        cause=cause,
        id=card.pk,
        unit_id=card.unit_id,
        person=from_staff(card.staff),
        summary=f"{chinese_display(card, 'cause')}：{card.summary}"[:300],
        label=f"红牌（{chinese_display(card, 'cause')}，{card.raised_at:%Y-%m-%d}）",
        link=f"/office/cards/{card.pk}/",
        occurred_at=card.raised_at,
        category=chinese_display(card, "cause"),
    )


def _card_provider(cause: str, accumulated: bool) -> Provider:
    def keys(since: datetime, until: datetime) -> QuerySet[Card]:
        cards = _cards(accumulated).filter(raised_at__gte=since, raised_at__lt=until)
        return cards.annotate(occurred=F("raised_at"))

    def many(ids: list[int]) -> list[SourceRecord]:
        cards = _cards(accumulated).filter(pk__in=ids).select_related("staff").order_by("pk")
        return [_card_record(cause, c) for c in cards]

    def find(since: datetime, until: datetime) -> list[SourceRecord]:
        cards = _cards(accumulated).filter(raised_at__gte=since, raised_at__lt=until)
        return [_card_record(cause, c) for c in cards.select_related("staff").order_by("pk")]

    def get(pk: int) -> SourceRecord | None:
        card = _cards(accumulated).select_related("staff").filter(pk=pk).first()
        return _card_record(cause, card) if card is not None else None

    def opens(user: User, pk: int) -> bool:
        return Card.objects.visible_to(user).filter(pk=pk).exists()

    return Provider(cause, find, get, opens, keys=keys, many=many)


register(_card_provider(Cause.RED_CARD, accumulated=False))
register(_card_provider(Cause.RED_ACCUMULATION, accumulated=True))


# ---- complaints ----------------------------------------------------------------------------------


def _complaints() -> QuerySet[Complaint]:
    return Complaint.objects.filter(
        finding=Complaint.Finding.TRUE, approved_at__isnull=False, handling_unit__isnull=False
    ).select_related("category", "accused_staff")


def _complaint_record(c: Complaint) -> SourceRecord:
    assert c.approved_at is not None and c.handling_unit_id is not None  # the filter's
    return SourceRecord(
        cause=Cause.COMPLAINT,
        id=c.pk,
        unit_id=c.handling_unit_id,
        person=from_staff(c.accused_staff),
        summary=f"效能投诉属实（{c.category.name}）：{c.title}"[:300],
        label=f"投诉{c.number}",
        link=f"/office/complaints/{c.pk}/",
        occurred_at=c.approved_at,
        category=c.category.name,
    )


def _complaint_find(since: datetime, until: datetime) -> list[SourceRecord]:
    rows = _complaints().filter(approved_at__gte=since, approved_at__lt=until).order_by("pk")
    return [_complaint_record(c) for c in rows]


def _complaint_keys(since: datetime, until: datetime) -> QuerySet[Complaint]:
    rows = _complaints().filter(approved_at__gte=since, approved_at__lt=until)
    return rows.annotate(occurred=F("approved_at"))


def _complaint_many(ids: list[int]) -> list[SourceRecord]:
    return [_complaint_record(c) for c in _complaints().filter(pk__in=ids).order_by("pk")]


def _complaint_get(pk: int) -> SourceRecord | None:
    c = _complaints().filter(pk=pk).first()
    return _complaint_record(c) if c is not None else None


def _complaint_opens(user: User, pk: int) -> bool:
    return Complaint.objects.visible_to(user).filter(pk=pk).exists()


register(
    Provider(
        Cause.COMPLAINT,
        _complaint_find,
        _complaint_get,
        _complaint_opens,
        keys=_complaint_keys,
        many=_complaint_many,
    )
)


# ---- rectification: refused acceptances, 差评 found 属实 ---------------------------------------


def _refusals() -> QuerySet[TaskEvent]:
    return TaskEvent.objects.filter(kind=TaskEvent.Kind.REFUSE).select_related("task__unit")


def _refusal_record(e: TaskEvent) -> SourceRecord:
    return SourceRecord(
        cause=Cause.RECTIFY_REFUSED,
        id=e.pk,
        unit_id=e.task.unit_id,
        person=None,
        summary=f"整改验收不通过：{e.task.title}"[:300],
        label=f"整改任务{e.task.number}验收不通过（{e.at:%Y-%m-%d}）",
        link=rectification.link(e.task),
        occurred_at=e.at,
    )


def _refusal_find(since: datetime, until: datetime) -> list[SourceRecord]:
    return [_refusal_record(e) for e in _refusals().filter(at__gte=since, at__lt=until)]


def _refusal_keys(since: datetime, until: datetime) -> QuerySet[TaskEvent]:
    return _refusals().filter(at__gte=since, at__lt=until).annotate(occurred=F("at"))


def _refusal_many(ids: list[int]) -> list[SourceRecord]:
    return [_refusal_record(e) for e in _refusals().filter(pk__in=ids).order_by("pk")]


def _refusal_get(pk: int) -> SourceRecord | None:
    e = _refusals().filter(pk=pk).first()
    return _refusal_record(e) if e is not None else None


def _refusal_opens(user: User, pk: int) -> bool:
    return Task.objects.visible_to(user).filter(events__pk=pk).exists()


register(
    Provider(
        Cause.RECTIFY_REFUSED,
        _refusal_find,
        _refusal_get,
        _refusal_opens,
        keys=_refusal_keys,
        many=_refusal_many,
    )
)


def _rating_tasks() -> QuerySet[Task]:
    return Task.objects.filter(
        Q(source_kind=SourceKind.RATING, finding=Task.Finding.TRUE, verified_at__isnull=False)
    ).select_related("unit")


def _rating_record(t: Task) -> SourceRecord:
    assert t.verified_at is not None  # the filter's
    return SourceRecord(
        cause=Cause.RATING,
        id=t.pk,
        unit_id=t.unit_id,
        person=None,
        summary=f"差评核实属实：{t.title}"[:300],
        label=f"{t.source_label}（核实属实）"[:200],
        link=rectification.link(t),
        occurred_at=t.verified_at,
    )


def _rating_find(since: datetime, until: datetime) -> list[SourceRecord]:
    rows = _rating_tasks().filter(verified_at__gte=since, verified_at__lt=until).order_by("pk")
    return [_rating_record(t) for t in rows]


def _rating_keys(since: datetime, until: datetime) -> QuerySet[Task]:
    rows = _rating_tasks().filter(verified_at__gte=since, verified_at__lt=until)
    return rows.annotate(occurred=F("verified_at"))


def _rating_many(ids: list[int]) -> list[SourceRecord]:
    return [_rating_record(t) for t in _rating_tasks().filter(pk__in=ids).order_by("pk")]


def _rating_get(pk: int) -> SourceRecord | None:
    t = _rating_tasks().filter(pk=pk).first()
    return _rating_record(t) if t is not None else None


def _rating_opens(user: User, pk: int) -> bool:
    return Task.objects.visible_to(user).filter(pk=pk).exists()


register(
    Provider(
        Cause.RATING,
        _rating_find,
        _rating_get,
        _rating_opens,
        keys=_rating_keys,
        many=_rating_many,
    )
)
