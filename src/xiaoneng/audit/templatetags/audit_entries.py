"""How the audit entry page shows its data to a reader: the before/after data as
``field：value`` lines, an empty value as “—” (the chain itself keeps the data exactly as
recorded; ``audit verify`` checks it)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, dict):
        return "；".join(f"{k}：{_text(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return (
            "、".join(f"（{_text(v)}）" if isinstance(v, list | dict) else _text(v) for v in value)
            or "—"
        )
    return str(value)


@register.filter
def data_lines(data: Any) -> list[tuple[str, str]]:
    """The recorded data as (field, value) lines."""
    if isinstance(data, dict):
        return [(str(k), _text(v)) for k, v in data.items()]
    return [("", _text(data))]
