"""The source registry (线索来源): one provider per kind of source record.

A provider tells this app, for its kind, how to find new source records in a period, how to
describe one (unit, person, summary, label, link, when it happened) and whether a user may
follow the link to it. ``providers.py`` registers the providers of the apps on main; a new
source (明查暗访's confirmed findings) is one more small module with one ``register`` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from .people import Person

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User


@dataclass(frozen=True)
class SourceRecord:
    """One source record, described for a violation."""

    cause: str
    id: int
    unit_id: int
    person: Person | None
    summary: str
    label: str
    link: str
    occurred_at: datetime
    category: str = ""


@dataclass(frozen=True)
class Provider:
    """What a finder tells this app about its kind of source.

    ``find(since, until)``: the source records that arose in [since, until);
    ``get(id)``: one record, or None when it does not (or no longer) qualify;
    ``opens(user, id)``: may this user follow the link (the row is in their scope)?

    Optional, for the 待立案线索 page to stay fast (filtering, counting and paging in the
    database instead of describing every record of 90 days):
    ``keys(since, until)``: the same records as ``find``, as a queryset of the finder's rows
    (primary key = source id) annotated with ``occurred`` (the record's ``occurred_at``);
    ``many(ids)``: the records of these ids (those that qualify), described.
    A provider without them is read through ``find``.
    """

    cause: str
    find: Callable[[datetime, datetime], list[SourceRecord]]
    get: Callable[[int], SourceRecord | None]
    opens: Callable[[User, int], bool]
    keys: Callable[[datetime, datetime], QuerySet[Any]] | None = None
    many: Callable[[list[int]], list[SourceRecord]] | None = None


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    _PROVIDERS[provider.cause] = provider
    return provider


def provider(cause: str) -> Provider | None:
    return _PROVIDERS.get(cause)


def providers() -> list[Provider]:
    return list(_PROVIDERS.values())
