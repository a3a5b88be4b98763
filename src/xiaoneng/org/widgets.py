"""Pickers of units and staff for forms.

Without JavaScript they are plain ``<select>`` elements: the units in tree order, indented by
depth; the staff in unit order, each with their unit. ``static/xn/unit-picker.js`` turns the
unit select into a searchable, collapsible tree (the select stays in the form, hidden, and
carries the value) and narrows a staff select tied to it (``data-within-unit``) to the chosen
unit's subtree. Both read what they need from the options' ``data-`` attributes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import Staff, Unit

INDENT = "\u3000"  # a full-width space per level: the tree reads in a plain select too


def tree_order(units: Iterable[Unit]) -> list[Unit]:
    """``units`` depth first, siblings by sort order then as created; each gets ``tree_depth``
    (0 for a unit whose parent is not among ``units``)."""
    units = list(units)
    present = {u.pk for u in units}
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for u in units:
        children[u.parent_id if u.parent_id in present else None].append(u)
    for siblings in children.values():
        siblings.sort(key=lambda u: (u.sort_order, u.pk))
    ordered: list[Unit] = []
    stack = [(u, 0) for u in reversed(children[None])]
    while stack:
        unit, depth = stack.pop()
        unit.tree_depth = depth
        ordered.append(unit)
        stack.extend((child, depth + 1) for child in reversed(children[unit.pk]))
    return ordered


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: in order, True as a bare name, False left out.
    shown = ((k, v) for k, v in attrs.items() if v is not False)
    return format_html_join(
        "", " {}{}", ((k, "" if v is True else format_html('="{}"', v)) for k, v in shown)
    )


class FastSelect(forms.Select):
    """Renders the same markup as Django's select template, in Python: Django renders every
    option through a template, which for the few hundred units and the staff of a city took
    most of the routing page's time (~100 ms)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((o["value"], _attrs(o["attrs"]), o["label"]) for o in options),
            )
            if group_name:
                rendered = format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered)
            parts.append(rendered)
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            _attrs(widget["attrs"]),
            format_html_join("", "{}", ((p,) for p in parts)),
        )


class _TreeIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        units = self.queryset.only("id", "name", "short_name", "parent", "path", "sort_order")
        for unit in tree_order(units):
            yield self.choice(unit)


class UnitTreeSelect(FastSelect):
    """The select behind the tree: each option carries its parent, its path (for a staff select
    narrowed to it) and what a search matches."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "data-unit-picker": "",
                "data-search-label": _("输入单位名称或简称查找"),
                "data-empty-text": _("没有名称含有该文字的单位"),
                "data-expand-label": _("展开/收起"),
                "data-chosen-label": _("已选"),
                **(attrs or {}),
            }
        )

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        unit = getattr(value, "instance", None)
        if isinstance(unit, Unit):
            option["attrs"].update(
                {
                    "data-parent": unit.parent_id if unit.tree_depth else "",
                    "data-path": unit.path,
                    "data-name": unit.name,
                    "data-search": f"{unit.name} {unit.short_name}".strip(),
                }
            )
        return option


class UnitTreeChoiceField(forms.ModelChoiceField):
    """A unit, chosen from the tree of ``queryset`` (e.g. the active units)."""

    widget = UnitTreeSelect
    iterator = _TreeIterator

    def label_from_instance(self, unit: Unit) -> str:
        return INDENT * getattr(unit, "tree_depth", 0) + unit.name


class StaffSelect(FastSelect):
    """Staff with their unit's path, so that the unit picker can narrow the list."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        staff = getattr(value, "instance", None)
        if isinstance(staff, Staff):
            option["attrs"]["data-unit-path"] = staff.unit.path
        return option


class StaffChoiceField(forms.ModelChoiceField):
    """A staff member, shown as 单位·姓名 (names repeat across a city). ``within`` names the
    unit field (its HTML id) whose choice narrows the list in the browser."""

    widget = StaffSelect

    def __init__(self, queryset, *, within: str = "", **kwargs):
        super().__init__(queryset.select_related("unit"), **kwargs)
        if within:
            self.widget.attrs["data-within-unit"] = within

    def label_from_instance(self, staff: Staff) -> str:
        return f"{staff.unit.short_name or staff.unit.name}·{staff.name}"
