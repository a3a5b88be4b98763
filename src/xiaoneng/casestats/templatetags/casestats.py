"""Formatting of statistics in templates: rates as percentages, working days, empty as a dash."""

from __future__ import annotations

from django import template

register = template.Library()

DASH = "—"


@register.filter
def pct(value: float | None, digits: int = 1) -> str:
    """0.8125 → "81.3%"; None (nothing to divide by) → "—"."""
    if value is None:
        return DASH
    return f"{value * 100:.{int(digits)}f}%"


@register.filter
def days(value: float | int | None) -> str:
    """Working days with one decimal when fractional; None → "—"."""
    if value is None:
        return DASH
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


@register.filter
def rate_class(value: float | None) -> str:
    """The light colour of an on-time rate: green from 95 %, amber from 80 %, red below."""
    if value is None:
        return ""
    if value >= 0.95:
        return "green"
    if value >= 0.8:
        return "amber"
    return "red"


@register.simple_tag
def stats_query(filters, **changes) -> str:
    """The query string of ``filters`` with some parameters changed (``unit=None`` drops it)."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(filters.params(**changes))
    return query.urlencode()
