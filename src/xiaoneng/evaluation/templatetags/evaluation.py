"""Number formats of the evaluation pages: rates as percentages, scores to two decimals."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.9534 → "95.3%"; None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


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
