"""Number formats of the evaluation pages: rates as percentages, scores to two decimals, a rate
with its interval in decimals enough to tell the bounds apart (``formatting``)."""

from __future__ import annotations

from django import template

from .. import formatting

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.9534 → "95.3%"; None → "—"."""
    if value is None or value == "":
        return formatting.DASH
    return formatting.percent(float(value), int(digits))


@register.filter
def rate_value(rate) -> str:
    """A stored rate's value, with as many decimals as its interval needs."""
    return formatting.rate_text(rate).value


@register.filter
def rate_interval(rate) -> str:
    """ "98.66%—98.74%": the bounds of a stored rate, never printed equal by rounding."""
    return formatting.rate_text(rate).interval or formatting.DASH


@register.filter
def score(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value):.2f}"


@register.filter
def signed_pct(value) -> str:
    """A change in percentage points: +1.2 / −0.4 (个百分点 is said by the template)."""
    if value is None:
        return ""
    points = float(value) * 100
    return f"{'+' if points >= 0 else '−'}{abs(points):.1f}"


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
