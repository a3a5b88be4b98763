"""The unit picker: a select in tree order that a script turns into a searchable tree."""

from __future__ import annotations

import re

from django import forms

from xiaoneng.org.models import Unit
from xiaoneng.org.widgets import INDENT, FastSelect, UnitTreeChoiceField, tree_order
from xiaoneng.testing.factories import UnitFactory


class PickForm(forms.Form):
    unit = UnitTreeChoiceField(label="承办单位", queryset=Unit.objects.filter(is_active=True))


def test_tree_order_is_depth_first_by_sort_order_then_creation(org):
    late = UnitFactory(name="市丙局", code="C", parent=org.root, sort_order=9)
    early = UnitFactory(name="市丁局", code="D", parent=org.root, sort_order=1)
    ordered = tree_order(Unit.objects.all())
    names = [(u.name, u.tree_depth) for u in ordered]
    assert names == [
        ("示范市", 0),
        ("市甲局", 1),
        ("甲局审批科", 2),
        ("市乙局", 1),
        ("市丁局", 1),
        ("市丙局", 1),
    ]
    # A unit whose parent is not offered starts its own branch.
    assert [(u.name, u.tree_depth) for u in tree_order([late, early, org.section_a])] == [
        ("甲局审批科", 0),
        ("市丁局", 0),
        ("市丙局", 0),
    ]


def test_select_reads_as_a_tree_without_script(org):
    org.dept_a.short_name = "甲局"
    org.dept_a.save()
    UnitFactory(name="已撤销局", code="X", parent=org.root, is_active=False)
    html = str(PickForm(initial={"unit": org.section_a.pk})["unit"])
    assert "data-unit-picker" in html and "data-search-label" in html
    options = re.findall(r"<option value=\"(\d*)\"([^>]*)>([^<]*)</option>", html)
    assert [label for _, _, label in options][1:] == [
        "示范市",
        f"{INDENT}市甲局",
        f"{INDENT * 2}甲局审批科",
        f"{INDENT}市乙局",
    ]
    attrs = {value: attrs for value, attrs, _ in options}
    assert f'data-parent="{org.root.pk}"' in attrs[str(org.dept_a.pk)]
    assert 'data-search="市甲局 甲局"' in attrs[str(org.dept_a.pk)]
    assert 'data-parent=""' in attrs[str(org.root.pk)]
    assert "selected" in attrs[str(org.section_a.pk)]


def test_choice_is_validated_against_the_queryset(org):
    gone = UnitFactory(name="已撤销局", code="X", parent=org.root, is_active=False)
    assert PickForm({"unit": org.dept_b.pk}).is_valid()
    form = PickForm({"unit": gone.pk})
    assert not form.is_valid() and "unit" in form.errors


def test_fast_select_writes_what_django_s_template_writes():
    choices = [("", "---------"), ("组", [("1", "甲 & 乙"), ("2", '<b>"丙"</b>')]), ("3", "丁")]
    attrs = {"id": "id_x", "required": True, "data-x": 'a"b'}
    fast = FastSelect(attrs, choices=choices).render("x", "2")
    django = forms.Select(attrs, choices=choices).render("x", "2")
    assert fast == re.sub(r">\s+<", "><", django)
    assert 'value="2" selected' in fast and "&lt;b&gt;" in fast


def test_staff_are_labelled_with_their_unit_and_carry_its_path(org):
    from xiaoneng.org.models import Staff
    from xiaoneng.org.widgets import StaffChoiceField
    from xiaoneng.testing.factories import StaffFactory

    StaffFactory(name="张三", unit=org.section_a)
    field = StaffChoiceField(Staff.objects.all(), within="id_unit", required=False)
    html = field.widget.render("s", None)
    assert 'data-within-unit="id_unit"' in html
    assert f'data-unit-path="{org.section_a.path}">甲局审批科·张三</option>' in html
