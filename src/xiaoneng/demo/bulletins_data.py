"""The demo's issued bulletins (签发, C11): last month's 效能通报 and 效能投诉通报, and the last
published 绩效考评 results bulletin, each issued by the office as it would be at the start of a
month, so that every role meets numbered, frozen bulletins on the first day."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from xiaoneng.assessment.models import Period as AssessmentPeriod
from xiaoneng.bulletins import drafts, issuing
from xiaoneng.bulletins.models import IssuedBulletin, Kind, NumberCounter

__all__ = ["BulletinsResult", "delete_bulletins", "write_bulletins"]


@dataclass(frozen=True)
class BulletinsResult:
    numbers: tuple[str, ...]
    seconds: float


def delete_bulletins() -> int:
    """Remove the issued bulletins (corrections before what they correct) and the number
    counters, so that a rebuilt demo numbers from 1 again (--reset)."""
    deleted = 0
    for version in sorted(
        set(IssuedBulletin.objects.values_list("version", flat=True)), reverse=True
    ):
        deleted += IssuedBulletin.objects.filter(version=version).delete()[0]
    NumberCounter.objects.all().delete()
    return deleted


@transaction.atomic
def write_bulletins(today: date) -> BulletinsResult:
    started = time.perf_counter()
    office = get_user_model().objects.get(username="office")
    month = f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"
    keys = [(Kind.MONTHLY, month), (Kind.COMPLAINTS, month)]
    published = (
        AssessmentPeriod.objects.filter(status=AssessmentPeriod.Status.PUBLISHED)
        .order_by("-start")
        .first()
    )
    if published is not None:
        keys.append((Kind.ASSESSMENT, str(published.pk)))
    numbers = tuple(
        issuing.issue(office, drafts.build(office, kind, key)).full_number for kind, key in keys
    )
    return BulletinsResult(numbers, time.perf_counter() - started)
