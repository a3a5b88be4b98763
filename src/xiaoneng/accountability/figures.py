"""Figures of accountability for other apps and the statistics page.

- :func:`unit_sanctions` — for the assessment (绩效考评): per unit, the decided sanctions that
  stand (not withdrawn on appeal), counted by decision date;
- :func:`eligible_for_honours` — 评先评优: a person with a sanction standing that year is not;
- :func:`tally` — the numbers by sanction, cause and unit for a period (the statistics page and
  its Excel export).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise

from xiaoneng.org.models import Staff
from xiaoneng.workdays import SHANGHAI

from . import people
from .models import LADDER, Cause, Sanction, Violation, ViolationQuerySet


@dataclass(frozen=True)
class UnitSanctions:
    """One unit's standing sanctions in a period: counts per sanction level and the decisions."""

    unit_id: int
    counts: dict[str, int]
    decision_ids: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _span(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in Asia/Shanghai: both days included."""
    return (
        datetime.combine(start, time.min, tzinfo=SHANGHAI),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI),
    )


def standing(start: date, end: date) -> QuerySet[Violation]:
    """Decided, not withdrawn sanctions with a decision date in [start, end]."""
    since, until = _span(start, end)
    return Violation.objects.on_record().filter(decided_at__gte=since, decided_at__lt=until)


def unit_sanctions(start: date, end: date) -> dict[int, UnitSanctions]:
    """unit id → its standing sanctions decided between ``start`` and ``end`` (both included)."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    ids: dict[int, list[int]] = defaultdict(list)
    for pk, unit_id, sanction in (
        standing(start, end).order_by("pk").values_list("pk", "unit_id", "sanction")
    ):
        counts[unit_id][sanction] += 1
        ids[unit_id].append(pk)
    return {
        unit_id: UnitSanctions(unit_id, dict(counts[unit_id]), tuple(ids[unit_id]))
        for unit_id in counts
    }


def sanctions_of(staff: Staff | int) -> QuerySet[Violation]:
    """A person's violations (every state), found by the keyed digest of their staff id."""
    return Violation.objects.filter(person_digest__in=people.digests_for_staff(staff))


def eligible_for_honours(staff: Staff | int, year: int) -> bool:
    """评先评优: False when a sanction decided in ``year`` stands (an appeal pending counts)."""
    return (
        not standing(date(year, 1, 1), date(year, 12, 31))
        .filter(person_digest__in=people.digests_for_staff(staff))
        .exists()
    )


@dataclass(frozen=True)
class Row:
    label: str | Promise  # a lazy choice label: shown in the page's language, Chinese in Excel
    count: int


@dataclass(frozen=True)
class Tally:
    """The statistics of a period: violations opened, by cause; sanctions standing, by level,
    cause and unit; appeals and their outcomes."""

    start: date
    end: date
    opened: int
    persons: int
    opened_by_cause: tuple[Row, ...]
    dismissed: int
    sanctions: int
    by_sanction: tuple[Row, ...]
    by_cause: tuple[Row, ...]
    by_unit: tuple[tuple[str, tuple[int, ...], int], ...]
    appeals: int
    appeal_outcomes: tuple[Row, ...]


def tally(start: date, end: date, violations: ViolationQuerySet) -> Tally:
    """Counts over ``violations`` (already scoped to the viewer) for the period."""
    since, until = _span(start, end)
    # A violation with several persons is one case (its first row) and one row per person.
    rows_opened = violations.filter(opened_at__gte=since, opened_at__lt=until)
    opened = rows_opened.filter(joint_of__isnull=True)
    by_cause_opened = Counter(opened.values_list("cause", flat=True))
    counted = rows_opened.aggregate(
        persons=Count("pk"),
        dismissed=Count("pk", filter=Q(status=Violation.Status.DISMISSED)),
    )
    decided = violations.on_record().filter(decided_at__gte=since, decided_at__lt=until)
    rows = list(decided.values_list("sanction", "cause", "unit__name"))
    by_sanction = Counter(s for s, _c, _u in rows)
    by_cause = Counter(c for _s, c, _u in rows)
    per_unit: dict[str, Counter[str]] = defaultdict(Counter)
    for s, _c, u in rows:
        per_unit[u][s] += 1
    appeals = violations.filter(
        appeal__isnull=False, appeal__filed_at__gte=since, appeal__filed_at__lt=until
    )
    outcomes = Counter(appeals.values_list("appeal__outcome", flat=True))
    from .models import Appeal

    outcome_labels = dict(Appeal.Outcome.choices)
    return Tally(
        start=start,
        end=end,
        opened=sum(by_cause_opened.values()),
        persons=counted["persons"],
        opened_by_cause=tuple(
            Row(label, by_cause_opened[v]) for v, label in Cause.choices if by_cause_opened[v]
        ),
        dismissed=counted["dismissed"],
        sanctions=len(rows),
        by_sanction=tuple(Row(Sanction(v).label, by_sanction[v]) for v in LADDER),
        by_cause=tuple(Row(label, by_cause[v]) for v, label in Cause.choices if by_cause[v]),
        by_unit=tuple(
            (unit, tuple(per_unit[unit][v] for v in LADDER), sum(per_unit[unit].values()))
            for unit in sorted(per_unit, key=lambda u: (-sum(per_unit[u].values()), u))
        ),
        appeals=appeals.count(),
        appeal_outcomes=tuple(
            Row(outcome_labels.get(o, "待复核") if o else "待复核", n) for o, n in outcomes.items()
        ),
    )
