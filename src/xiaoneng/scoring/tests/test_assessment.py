"""The assessment arithmetic (绩效考评): a hand-computed scheme and generated properties."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaoneng.scoring.assessment import (
    GRADES,
    Adjustment,
    Component,
    Figure,
    LastStatus,
    Scheme,
    UnitInput,
    Veto,
    assess,
    check_scheme,
    competition_ranks,
    consecutive_last_deduction,
    normalise,
)

from . import PROPERTY_SETTINGS

SCHEME = Scheme(
    components=(
        Component("on_time", "按时办结率", 60, zero_at=80, full_at=100),
        Component("complaints", "属实投诉/万件", 40, zero_at=20, full_at=0),
    ),
    adjustments=(
        Adjustment("praise", "表彰", 2, cap=4),
        Adjustment("notice", "通报批评", -3, cap=10),
    ),
    vetoes=(Veto("corruption", "违纪案件", "一般"),),
    rank_bonus_top=(2, 1),
    rank_deduction_bottom=(2, 1),
    last_count=1,
    last_pay_deduction=0.2,
)


def unit(name: str, on_time: float, per_10k: float, **kw: object) -> UnitInput:
    return UnitInput(
        name,
        {"on_time": Figure(on_time), "complaints": Figure(per_10k, scale=10000)},
        **kw,  # type: ignore[arg-type]
    )


def test_hand_computed() -> None:
    # A: on time 98 → 90 points, 2 per 10k → 90 points; base 90; +2 praise; rank 1 → +2 = 94.
    # B: 95 → 75, 5 → 75; base 75; notice ×4 = −12 capped −10 → 65; rank 3 (bottom 1) → −2 = 63.
    # C: 90 → 50, 0 → 100; base 70; rank 2 of 3 (bottom 2) → +1 −1 = 70; veto caps grade.
    a, b, c = assess(
        SCHEME,
        [
            unit("A", 98, 2, counts={"praise": 1}),
            unit("B", 95, 5, counts={"notice": 4}),
            unit("C", 90, 0, vetoes=frozenset({"corruption"})),
        ],
    )
    assert (a.base, a.score, a.rank, a.grade) == (90.0, 94.0, 1, "优秀")
    assert (b.base, b.score, b.rank, b.grade) == (75.0, 63.0, 3, "一般")
    assert (c.base, c.score, c.rank, c.grade) == (70.0, 70.0, 2, "一般")
    assert dict(b.adjustments) == {"praise": 0, "notice": -10}
    assert c.veto == ("corruption",)
    # exact figures: B's interval is its point, wholly below A's and C's → 末位, pay −20 %.
    assert b.last is LastStatus.LAST and b.coefficient == pytest.approx(0.9 * 0.8)
    assert a.coefficient == 1.2


def test_shared_ranks() -> None:
    assert competition_ranks([90, 80, 80, 70]) == [1, 2, 2, 4]
    assert competition_ranks([]) == []


def test_consecutive_last_doubles() -> None:
    months = (True, True, False, True, True, True)
    assert consecutive_last_deduction(months, 1, None) == 1 + 2 + 1 + 2 + 4
    assert consecutive_last_deduction(months, 1, 5) == 5


def test_few_records_not_distinguishable() -> None:
    scheme = replace(SCHEME, rank_bonus_top=(), rank_deduction_bottom=())
    units = [
        UnitInput("A", {"on_time": Figure(100.0, 12, 12)}),
        UnitInput("B", {"on_time": Figure(100 * 11 / 12, 11, 12)}),
    ]
    _a, b = assess(scheme, units)
    assert b.rank == 2 and b.last is LastStatus.NOT_DISTINGUISHABLE
    assert b.components[0].few_records and b.low is not None and b.low < b.score  # type: ignore[operator]
    many = [
        UnitInput("A", {"on_time": Figure(99.0, 9900, 10000)}),
        UnitInput("B", {"on_time": Figure(90.0, 9000, 10000)}),
    ]
    assert assess(scheme, many)[1].last is LastStatus.LAST


def test_quota_keeps_ties_together() -> None:
    scheme = Scheme((Component("x", "x", 1, 0, 100),), excellent_quota=0.2)
    units = [UnitInput(str(i), {"x": Figure(v)}) for i, v in enumerate([99, 95, 95, 91, 50])]
    grades = [r.grade for r in assess(scheme, units)]
    assert grades == ["优秀", "良好", "良好", "良好", "较差"]  # one place: the tied pair misses it


def test_bad_schemes_refused() -> None:
    assert check_scheme(Scheme(()))
    assert check_scheme(Scheme((Component("x", "x", 1, 5, 5),)))
    assert check_scheme(replace(SCHEME, vetoes=(Veto("v", "v", "很差"),)))
    with pytest.raises(ValueError):
        assess(Scheme(()), [])


def test_no_data_unit_unranked() -> None:
    results = assess(SCHEME, [unit("A", 98, 2), UnitInput("B", {})])
    assert results[1].score is None and results[1].rank is None and results[0].rank == 1


# ---- properties ----------------------------------------------------------------------------------

values = st.floats(0, 100, allow_nan=False)


@st.composite
def categories(draw: st.DrawFn) -> list[UnitInput]:
    size = draw(st.integers(1, 8))
    return [
        UnitInput(
            f"U{i}",
            {
                "on_time": Figure(draw(values)),
                "complaints": Figure(draw(st.floats(0, 30, allow_nan=False)), scale=10000),
            },
            counts={"praise": draw(st.integers(0, 5)), "notice": draw(st.integers(0, 6))},
            monthly_last=tuple(draw(st.lists(st.booleans(), max_size=12))),
        )
        for i in range(size)
    ]


@PROPERTY_SETTINGS
@given(categories(), st.integers(0, 7), st.floats(0, 20, allow_nan=False))
def test_monotone_in_own_component(units: list[UnitInput], pick: int, more: float) -> None:
    scheme = replace(SCHEME, consecutive_last_points=1, consecutive_last_cap=6)
    i = pick % len(units)
    before = assess(scheme, units)[i]
    figures = dict(units[i].figures)
    on_time = figures["on_time"].value
    assert on_time is not None
    figures["on_time"] = Figure(min(100.0, on_time + more))
    better = list(units)
    better[i] = replace(units[i], figures=figures)
    after = assess(scheme, better)[i]
    assert after.score >= before.score - 1e-9  # type: ignore[operator]
    assert after.rank <= before.rank  # type: ignore[operator]
    assert after.grade is not None and before.grade is not None
    assert GRADES.index(after.grade) <= GRADES.index(before.grade)


@PROPERTY_SETTINGS
@given(categories())
def test_ties_share_ranks_and_order_kept(units: list[UnitInput]) -> None:
    twin = replace(units[0], unit="twin")
    results = assess(SCHEME, [*units, twin])
    assert results[0].score == results[-1].score and results[0].rank == results[-1].rank
    for r in results:
        better = [o for o in results if o.score > r.score]  # type: ignore[operator]
        assert r.rank == 1 + len(better)
        # rank bonuses follow the order: the final order is that of base + adjustments.
        pre = [o.score - o.rank_bonus for o in results]  # type: ignore[operator]
        mine = r.score - r.rank_bonus  # type: ignore[operator]
        assert all(
            (p > mine + 1e-6) <= (o.score >= r.score)  # type: ignore[operator]
            for p, o in zip(pre, results, strict=True)
        )


@PROPERTY_SETTINGS
@given(categories())
def test_caps_hold(units: list[UnitInput]) -> None:
    scheme = replace(
        SCHEME, bonus_cap=3, deduction_cap=8, consecutive_last_points=2, consecutive_last_cap=5
    )
    for r in assess(scheme, units):
        items = dict(r.adjustments)
        assert 0 <= items["praise"] <= 4 and -10 <= items["notice"] <= 0
        assert 0 <= r.consecutive_last <= 5
        assert r.base is not None and r.score is not None
        assert 0 <= r.base <= 100
        assert -8 - 5 - 2 - 1e-6 <= r.score - r.base <= 3 + 2 + 1e-6
        assert r.low <= r.score <= r.high  # type: ignore[operator]
        if r.last is LastStatus.LAST:
            assert r.coefficient == pytest.approx(
                scheme.pay_coefficients[GRADES.index(r.grade or "")] * 0.8
            )


@PROPERTY_SETTINGS
@given(values, values, st.floats(-50, 150, allow_nan=False), st.floats(-50, 150, allow_nan=False))
def test_normalise_clamped_and_monotone(a: float, b: float, zero: float, full: float) -> None:
    if zero == full:
        return
    sa, sb = normalise(a, zero, full), normalise(b, zero, full)
    assert 0 <= sa <= 100 and 0 <= sb <= 100
    if (a - b) * (full - zero) >= 0:
        assert sa >= sb - 1e-9
