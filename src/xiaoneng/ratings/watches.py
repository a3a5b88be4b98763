"""What the sweeper does with 差评核实整改 whose warn or due instant passed.

Approaching: the responsible unit's liaison is reminded. Overdue: the office and the liaison are
told, and the unit gets a yellow card 差评整改超期 (once per rating, dated at the due instant).
"""

from __future__ import annotations

from datetime import datetime

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.notifications import services as notifications
from xiaoneng.supervision.watches import Watch, on_calendar_change, register

from . import services
from .models import Rectification


def _title(rect: Rectification) -> str:
    return rect.rating.case.number


def rectification_warn(rects: list[Rectification], now: datetime) -> None:
    recipients = notifications.RecipientCache()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=recipients(rect.unit),
                kind="warning",
                title=f"差评核实整改即将到期：{_title(rect)}",
                body=f"请于{services._local(rect.due_at):%Y-%m-%d}前填报核实整改情况。",
                link=f"/office/ratings/rectifications/{rect.pk}/",
                dedupe_key=f"rating-rectify:{rect.pk}:warn",
            )
            for rect in rects
        ],
        summary="差评整改到期预警",
    )


def rectification_due(rects: list[Rectification], now: datetime) -> None:
    recipients = notifications.RecipientCache()
    office = list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))
    notifications.notify_many(
        [
            notifications.Message(
                recipients=[*office, *recipients(rect.unit)],
                kind="overdue",
                title=f"差评核实整改超期：{_title(rect)}",
                body=f"{rect.unit}未在{rect.limit_days}个工作日内填报核实整改情况。",
                link=f"/office/ratings/rectifications/{rect.pk}/",
                dedupe_key=f"rating-rectify:{rect.pk}:overdue",
            )
            for rect in rects
        ],
        summary="差评整改超期",
    )
    services._overdue_cards(rects, now)


register(
    Watch(
        "ratings.rectification",
        Rectification,
        on_warn=rectification_warn,
        on_due=rectification_due,
        select_related=("unit", "rating", "rating__case"),
    )
)
on_calendar_change(services.recompute_provisional)
