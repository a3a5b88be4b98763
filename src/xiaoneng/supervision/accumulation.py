"""黄牌累计: which yellow cards make the next accumulation red cards. Pure Python, no Django.

Every N yellow cards raised within M months make one red card (default 3 in 12 months), and each
yellow card counts towards at most one red card. Given a holder's yellow cards that no red card
holds yet, in time order, the earliest run of N consecutive cards spanning less than M months
makes a red card, then the search goes on after it. A card that cannot start such a run cannot be
in any (the run starting at it is the tightest one it could be in), so it is passed over; taking
the earliest feasible run each time yields the most red cards possible.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import datetime


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` later; a day the month lacks becomes its last day."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def within(first: datetime, last: datetime, months: int) -> bool:
    """Were two cards raised within ``months`` months of each other (在…个月内)?"""
    return last < add_months(first, months)


def groups(moments: Sequence[datetime], per_red: int, months: int) -> list[list[int]]:
    """Indexes of ``moments`` (ascending) that make one red card each, earliest first."""
    if per_red < 1:
        raise ValueError("per_red must be at least 1")
    found: list[list[int]] = []
    start = 0
    while start + per_red <= len(moments):
        end = start + per_red - 1
        if within(moments[start], moments[end], months):
            found.append(list(range(start, end + 1)))
            start = end + 1
        else:
            start += 1
    return found
