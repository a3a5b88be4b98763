"""The registry of watches and the sweeper (监察扫描).

A *watch* names a model with ``DeadlineFields`` and what to do when a record's warn instant or due
instant passes. Apps register theirs in ``AppConfig.ready``. The sweeper asks each model's partial
index for records past an instant and not yet handled, handles a batch inside one transaction, and
marks them handled in the same transaction: a crash rolls back both, so a rerun neither loses nor
doubles anything; two sweepers on PostgreSQL skip each other's locked rows.

Watches write derived fields only (the handled instants, a light, a 督办 mark, timeline lines),
in bulk statements and without audit entries, because these follow from the deadline and the
clock; what a watch decides for people — a card, a notification — goes through the services,
which audit it. The one write path (docs/architecture.md) is about decisions, not clocks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, models, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

#: Called with the batch of records whose instant passed (locked, inside the transaction that
#: will mark them handled).
Handler = Callable[[list, datetime], None]


@dataclass(frozen=True)
class Watch:
    name: str
    model: type[models.Model]
    on_warn: Handler | None = None
    on_due: Handler | None = None
    select_related: tuple[str, ...] = field(default_factory=tuple)


REGISTRY: dict[str, Watch] = {}
#: Called after the working-day calendar changed: each recomputes the deadlines it owns that
#: were provisional (a year's schedule was imported) and returns how many records it touched.
CALENDAR_HOOKS: list[Callable[[], int]] = []


def register(watch: Watch) -> Watch:
    REGISTRY[watch.name] = watch
    return watch


def on_calendar_change(hook: Callable[[], int]) -> Callable[[], int]:
    CALENDAR_HOOKS.append(hook)
    return hook


@dataclass
class SweepReport:
    warned: dict[str, int] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.warned.values()) + sum(self.overdue.values())


PHASES = (("warn", "warn_at", "warned_at", "on_warn"), ("due", "due_at", "overdue_at", "on_due"))


def _claim(watch: Watch, at_field: str, done_field: str, now: datetime, batch: int) -> list:
    qs = watch.model._default_manager.filter(
        **{"deadline_open": True, f"{done_field}__isnull": True, f"{at_field}__lte": now}
    ).order_by(at_field)
    if watch.select_related:
        qs = qs.select_related(*watch.select_related)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs[:batch])


def sweep(
    now: datetime | None = None, batch: int = 500, watches: list[str] | None = None
) -> SweepReport:
    """One pass over every watch: handle everything whose warn or due instant has passed."""
    now = now or timezone.now()
    report = SweepReport()
    for watch in REGISTRY.values():
        if watches is not None and watch.name not in watches:
            continue
        for phase, at_field, done_field, handler_name in PHASES:
            handler = getattr(watch, handler_name)
            handled = 0
            while True:
                with transaction.atomic():
                    rows = _claim(watch, at_field, done_field, now, batch)
                    if rows:
                        if handler is not None:
                            handler(rows, now)
                        for row in rows:
                            setattr(row, done_field, now)
                        watch.model._default_manager.filter(pk__in=[r.pk for r in rows]).update(
                            **{done_field: now}
                        )
                handled += len(rows)
                if len(rows) < batch:
                    break
            target = report.warned if phase == "warn" else report.overdue
            if handled:
                target[watch.name] = handled
                log.info("sweep %s %s: %d", watch.name, phase, handled)
    return report
