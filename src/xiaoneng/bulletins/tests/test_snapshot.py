"""The frozen shape of a bulletin: JSON round trip and the field-by-field diff of corrections."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xiaoneng.bulletins.snapshot import (
    Section,
    Table,
    changes_from_json,
    changes_to_json,
    diff,
    flatten,
    from_json,
    rate,
    to_json,
)

text = st.text(alphabet="甲乙丙丁一二三0123456789%（）/", max_size=6)


@st.composite
def sections(draw) -> tuple[Section, ...]:
    out = []
    for i in range(draw(st.integers(0, 3))):
        width = draw(st.integers(1, 4))
        head = tuple(f"列{j}" for j in range(width))
        rows = draw(st.lists(st.tuples(*[text] * width), max_size=4))
        out.append(
            Section(
                f"第{i}节", tuple(draw(st.lists(text, max_size=2))), (Table(head, tuple(rows)),)
            )
        )
    return tuple(out)


@settings(max_examples=60, deadline=None)
@given(sections())
def test_the_snapshot_survives_json(parts):
    stored = json.loads(json.dumps(to_json(parts), ensure_ascii=False))
    assert from_json(stored) == parts
    assert diff(parts, from_json(stored)) == []


@settings(max_examples=60, deadline=None)
@given(sections(), sections())
def test_the_diff_names_every_changed_value(before, after):
    changes = diff(before, after)
    old, new = flatten(before), flatten(after)
    assert {c.where for c in changes} == {
        k for k in old.keys() | new.keys() if old.get(k) != new.get(k)
    }
    for c in changes:
        assert (c.before, c.after) == (old.get(c.where, ""), new.get(c.where, ""))
    assert changes_from_json(changes_to_json(changes)) == changes


def test_repeated_row_labels_are_told_apart():
    t = Table(("单位", "件数"), (("甲局", "1"), ("甲局", "2")))
    assert flatten((Section("一", tables=(t,)),)) == {
        "一／甲局／件数": "1",
        "一／甲局#2／件数": "2",
    }


def test_a_row_must_fit_its_head():
    with pytest.raises(ValueError):
        Table(("单位", "件数"), (("甲局",),))


def test_a_rate_shows_its_records():
    assert rate(17, 20) == "85.0%（17/20，95%区间64.0%—94.8%）"
    assert rate(0, 0) == "—"
