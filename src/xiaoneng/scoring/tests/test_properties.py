"""Properties of the tally over generated small campaigns."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import replace

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from xiaoneng.scoring import (
    DEFAULT,
    NOT_ASKED,
    Campaign,
    ScoringMethod,
    TallyResult,
    UnitRef,
    tally,
)

from . import PROPERTY_SETTINGS

LABELS = ("满意", "比较满意", "基本满意", "不满意", "不了解")


@st.composite
def campaigns(draw: st.DrawFn) -> Campaign:
    n_sheets = draw(st.integers(1, 12))
    n_units = draw(st.integers(1, 4))
    n_dims = draw(st.integers(1, 3))
    n_strata = draw(st.integers(1, 3))
    answers = draw(arrays(np.int8, (n_sheets, n_units, n_dims), elements=st.integers(NOT_ASKED, 4)))
    strata = draw(arrays(np.intp, (n_sheets,), elements=st.integers(0, n_strata - 1)))
    return Campaign(
        units=tuple(UnitRef(f"U{i}", f"C{i % 2}") for i in range(n_units)),
        dimensions=tuple(f"d{i}" for i in range(n_dims)),
        strata=tuple(f"h{i}" for i in range(n_strata)),
        labels=LABELS,
        sheet_ids=tuple(range(n_sheets)),
        sheet_strata=strata,
        answers=answers,
    )


weights = st.lists(st.floats(0.1, 10.0), min_size=3, max_size=3)


def method_with(ws: list[float], c: Campaign, scale: float = 1.0) -> ScoringMethod:
    # ws has one weight per possible stratum (3); the campaign may use fewer.
    pairs = zip(c.strata, ws, strict=False)
    return replace(DEFAULT, stratum_weights={h: w * scale for h, w in pairs})


def figures(r: TallyResult) -> list[tuple]:
    return [
        (u.score, tuple(u.dimension_scores.values()), u.top_two, u.top_three, u.awareness,
         u.valid_answers, u.sheets, u.rank)
        for u in r.units
    ]  # fmt: skip


def same(a: list[tuple], b: list[tuple]) -> bool:
    def eq(x: object, y: object) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
        if dataclasses.is_dataclass(x) and dataclasses.is_dataclass(y):
            # Rates carry intervals computed from sums whose order follows the sheets'.
            return type(x) is type(y) and eq(dataclasses.astuple(x), dataclasses.astuple(y))
        if isinstance(x, tuple) and isinstance(y, tuple):
            return len(x) == len(y) and all(eq(p, q) for p, q in zip(x, y, strict=True))
        return x == y

    return all(eq(tuple(x), tuple(y)) for x, y in zip(a, b, strict=True))


@PROPERTY_SETTINGS
@given(campaigns(), weights)
def test_scores_and_rates_in_range(c: Campaign, ws: list[float]) -> None:
    r = tally(c, method_with(ws, c), replicates=20, seed=1)
    for u in r.units:
        for s in (u.score, *u.dimension_scores.values(), *u.stratum_scores.values()):
            assert s is None or -1e-9 <= s <= 100 + 1e-9
        for rate in (u.top_two, u.top_three):
            if rate.n:
                assert 0 <= rate.low <= rate.value <= rate.high <= 1
        assert u.top_two.count <= u.top_three.count <= u.valid_answers <= u.answers
        if u.rank is not None:
            assert 1 <= u.rank_low <= u.rank_high <= len(c.units)
        assert (u.score is None) == (u.valid_answers == 0)


@PROPERTY_SETTINGS
@given(campaigns(), weights, st.randoms(use_true_random=False))
def test_permuting_sheets_changes_nothing(c: Campaign, ws: list[float], rnd) -> None:
    order = list(range(len(c.sheet_ids)))
    rnd.shuffle(order)
    shuffled = Campaign(
        units=c.units,
        dimensions=c.dimensions,
        strata=c.strata,
        labels=c.labels,
        sheet_ids=tuple(c.sheet_ids[i] for i in order),
        sheet_strata=c.sheet_strata[order],
        answers=c.answers[order],
    )
    m = method_with(ws, c)
    assert same(figures(tally(c, m, replicates=0)), figures(tally(shuffled, m, replicates=0)))


@PROPERTY_SETTINGS
@given(campaigns(), weights, st.floats(0.001, 1000.0))
def test_scaling_strata_weights_changes_nothing(c: Campaign, ws: list[float], k: float) -> None:
    a = tally(c, method_with(ws, c), replicates=0)
    b = tally(c, method_with(ws, c, scale=k), replicates=0)
    assert same(figures(a), figures(b))


@PROPERTY_SETTINGS
@given(campaigns(), weights, st.data())
def test_adding_an_all_satisfied_sheet_never_lowers_a_score(
    c: Campaign, ws: list[float], data: st.DataObject
) -> None:
    stratum = data.draw(st.integers(0, len(c.strata) - 1))
    more = Campaign(
        units=c.units,
        dimensions=c.dimensions,
        strata=c.strata,
        labels=c.labels,
        sheet_ids=(*c.sheet_ids, "new"),
        sheet_strata=np.append(c.sheet_strata, stratum),
        answers=np.concatenate([c.answers, np.zeros((1, *c.answers.shape[1:]), np.int8)]),
    )
    m = method_with(ws, c)
    before, after = tally(c, m, replicates=0), tally(more, m, replicates=0)
    for u0, u1 in zip(before.units, after.units, strict=True):
        assert u1.score is not None
        assert u0.score is None or u1.score >= u0.score - 1e-9
        assert u1.top_two.count == u0.top_two.count + len(c.dimensions)


def naive_scores(c: Campaign, ws: list[float]) -> list[float | None]:
    """The method written out with loops and dicts, as in docs/scoring.md."""
    value = {"满意": 100, "比较满意": 80, "基本满意": 60, "不满意": 0}
    out: list[float | None] = []
    for u in range(len(c.units)):
        dims = []
        for d in range(len(c.dimensions)):
            num = den = 0.0
            for h in range(len(c.strata)):
                vals = [
                    value[c.labels[code]]
                    for s, code in enumerate(c.answers[:, u, d].tolist())
                    if c.sheet_strata[s] == h and code != NOT_ASKED and c.labels[code] in value
                ]
                if vals:
                    num += ws[h] * sum(vals) / len(vals)
                    den += ws[h]
            if den > 0:
                dims.append(num / den)
        out.append(sum(dims) / len(dims) if dims else None)
    return out


@PROPERTY_SETTINGS
@given(campaigns(), weights)
def test_matches_naive_loops(c: Campaign, ws: list[float]) -> None:
    r = tally(c, method_with(ws, c), replicates=0)
    expected = naive_scores(c, ws)
    for u, e in zip(r.units, expected, strict=True):
        assert (u.score is None) == (e is None)
        if e is not None:
            assert math.isclose(u.score, e, rel_tol=1e-9, abs_tol=1e-9)
