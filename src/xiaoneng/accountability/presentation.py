"""What the accountability pages show, built outside the views: the source link a user may
follow, the person's name for those who may read it, a person's file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.urls import Resolver404, resolve

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Staff
from xiaoneng.supervision.models import Card
from xiaoneng.web.decorators import user_may_open

from . import figures, services, sources
from .models import OFFICE_ROLES, Violation


def source_url(user: User, v: Violation) -> str:
    """The source's link if this user may follow it, else ""."""
    if not v.source_link or v.source_id is None:
        return ""
    try:
        match = resolve(v.source_link.split("?", 1)[0])
    except Resolver404:
        return ""
    if not user_may_open(user, match.view_name):
        return ""
    provider = sources.provider(v.cause)
    return v.source_link if provider is not None and provider.opens(user, v.source_id) else ""


def person_name(v: Violation) -> str:
    person = services.person_of(v)
    return person.name if person else ""


def person_staff_id(v: Violation) -> int | None:
    person = services.person_of(v)
    return person.staff_id if person else None


@dataclass(frozen=True)
class JointRow:
    """Another person's row of the same violation, as this user may see it."""

    number: str
    url: str
    person: str
    status: str
    sanction: str


def joint(user: User, v: Violation) -> list[JointRow]:
    """The violation's other persons this user may open (none for the person themselves, who
    sees only their own row: the others' names and sanctions are theirs)."""
    rows = (
        services.group(v)
        .exclude(pk=v.pk)
        .filter(pk__in=Violation.objects.visible_to(user).values("pk"))
        .select_related("unit")
    )
    return [
        JointRow(
            r.number,
            services.link(r),
            person_name(r) or "未指明",
            r.get_status_display(),
            r.get_sanction_display() if r.sanction else "",
        )
        for r in rows
    ]


def may_read_file(user: User, staff: Staff) -> bool:
    """效能档案: the office, the leaders over the person's unit, the person."""
    role = user.effective_role
    if role in OFFICE_ROLES:
        return True
    if role == Role.LEADER and user.unit is not None:
        return staff.unit.path.startswith(user.unit.path)
    return staff.user_id is not None and staff.user_id == user.pk


@dataclass(frozen=True)
class FileEntry:
    violation: Violation
    appeal_outcome: str


@dataclass(frozen=True)
class PersonFile:
    """效能档案: a person's cards, violations with their sanctions and appeals, and 评先评优."""

    staff: Staff
    cards: list[Card]
    entries: list[FileEntry]
    year: int
    eligible: bool
    years: list[int]


def person_file(staff: Staff, today: date) -> PersonFile:
    """Withdrawn sanctions are left out (they leave no mark); dismissed violations too."""
    found = (
        figures.sanctions_of(staff)
        .exclude(Q(withdrawn=True) | Q(status=Violation.Status.DISMISSED))
        .select_related("unit", "appeal")
        .order_by("-occurred_at")
    )
    entries = []
    for v in found:
        outcome = v.appeal.get_outcome_display() if hasattr(v, "appeal") else ""
        entries.append(FileEntry(v, outcome or ("申诉复核中" if hasattr(v, "appeal") else "")))
    years = sorted({today.year, *(v.decided_at.year for v in found if v.decided_at)}, reverse=True)
    return PersonFile(
        staff=staff,
        cards=list(Card.objects.filter(staff=staff).exclude(status=Card.Status.WITHDRAWN)),
        entries=entries,
        year=today.year,
        eligible=figures.eligible_for_honours(staff, today.year),
        years=years,
    )


def ineligible_years(staff: Staff, years: list[int]) -> list[int]:
    return [y for y in years if not figures.eligible_for_honours(staff, y)]
