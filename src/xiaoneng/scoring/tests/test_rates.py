"""The ranking rule for rates of records (``scoring.rates``): examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xiaoneng.scoring.rates import (
    MIN_N,
    RankedRate,
    Ranking,
    RankRule,
    Standing,
    rank_rates,
    wilson,
)

from . import PROPERTY_SETTINGS

# ---- examples --------------------------------------------------------------------------------


def test_a_window_with_twelve_ratings_is_never_last() -> None:
    """The issue's case: 12 ratings, the lowest rate of all, but too few to be ranked."""
    ranking = rank_rates(
        {"一号窗口": (190, 200), "二号窗口": (180, 200), "三号窗口": (6, 12)}, RankRule()
    )
    small = ranking.row("三号窗口")
    assert small.standing is Standing.INSUFFICIENT
    assert small.label == "样本不足"
    assert small.rank is None
    assert small.low is not None and small.high is not None and small.low < 0.5 < small.high
    assert ranking.bottom == ()
    assert [r.key for r in ranking.worst_first()] == ["二号窗口", "一号窗口", "三号窗口"]


def test_a_clear_bottom_is_named() -> None:
    ranking = rank_rates(
        [("A", 95, 100), ("B", 93, 100), ("C", 40, 100), ("D", 97, 100)], RankRule()
    )
    assert ranking.bottom == ("C",)
    assert ranking.row("C").standing is Standing.BOTTOM
    assert ranking.row("C").rank == 4
    assert ranking.row("C").label == "末位"
    assert {r.standing for r in ranking.rows if r.key != "C"} == {Standing.RANKED}


def test_a_close_bottom_is_not_named() -> None:
    ranking = rank_rates({"A": (95, 100), "B": (88, 100), "C": (85, 100)}, RankRule())
    assert ranking.bottom == ()
    assert ranking.row("C").standing is Standing.INDISTINCT
    assert ranking.row("C").label == "末位不可区分"
    assert ranking.row("B").standing is Standing.RANKED


def test_two_bad_units_together_are_the_bottom() -> None:
    """Neither can be told from the other, both from the rest: the two are named together."""
    counts = {"A": (98, 100), "B": (97, 100), "C": (96, 100), "D": (50, 100), "E": (52, 100)}
    ranking = rank_rates(counts, RankRule())
    assert set(ranking.bottom) == {"D", "E"}
    assert ranking.bottom[0] == "D"  # worst first


def test_a_bottom_group_larger_than_half_is_not_named() -> None:
    """One outstanding unit does not make the rest a bottom."""
    ranking = rank_rates({"A": (99, 100), "B": (50, 100), "C": (51, 100)}, RankRule())
    assert ranking.bottom == ()
    assert ranking.row("B").standing is Standing.INDISTINCT


def test_ties_share_a_rank_and_are_not_split() -> None:
    ranking = rank_rates(
        {
            "A": (90, 100),
            "B": (45, 50),
            "C": (20, 100),
            "D": (20, 100),
            "E": (99, 100),
            "F": (98, 100),
        },
        RankRule(),
    )
    assert [ranking.row(k).rank for k in "ABCDEF"] == [3, 3, 5, 5, 1, 2]
    assert set(ranking.bottom) == {"C", "D"}


def test_lower_is_better() -> None:
    """差评率: the bottom is the highest rate."""
    rule = RankRule(higher_is_better=False)
    ranking = rank_rates({"A": (2, 100), "B": (3, 100), "C": (40, 100)}, rule)
    assert ranking.row("A").rank == 1
    assert ranking.bottom == ("C",)


def test_a_unit_alone_and_empty_units() -> None:
    ranking = rank_rates({"A": (30, 40), "B": (0, 0)}, RankRule())
    assert ranking.row("A").standing is Standing.RANKED  # alone: nobody is last
    assert ranking.row("B").standing is Standing.NO_DATA
    assert ranking.row("B").rate is None and ranking.row("B").low is None
    assert [r.key for r in ranking.best_first()] == ["A", "B"]
    with pytest.raises(KeyError):
        ranking.row("C")


def test_all_tied_nobody_is_last() -> None:
    ranking = rank_rates({"A": (45, 50), "B": (90, 100)}, RankRule())
    assert {r.rank for r in ranking.rows} == {1}
    assert {r.standing for r in ranking.rows} == {Standing.RANKED}


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        rank_rates({"A": (5, 4)})
    with pytest.raises(ValueError):
        RankRule(min_n=0)


def test_wilson_known_value() -> None:
    low, high = wilson(10, 20) or (0.0, 0.0)
    assert round(low, 4) == 0.2993 and round(high, 4) == 0.7007
    assert wilson(0, 0) is None
    assert wilson(12, 12) is not None and (wilson(12, 12) or (0, 0))[1] == 1.0


# ---- properties ------------------------------------------------------------------------------

counts = st.integers(0, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
units = st.lists(counts, min_size=1, max_size=12).map(
    lambda cs: [(f"U{i}", s, n) for i, (s, n) in enumerate(cs)]
)


@PROPERTY_SETTINGS
@given(counts)
def test_interval_contains_the_rate(c: tuple[int, int]) -> None:
    s, n = c
    bounds = wilson(s, n)
    if n == 0:
        assert bounds is None
        return
    assert bounds is not None
    assert 0.0 <= bounds[0] <= s / n <= bounds[1] <= 1.0


@PROPERTY_SETTINGS
@given(st.integers(1, 300), st.integers(2, 5), st.floats(0.0, 1.0))
def test_interval_widens_as_n_shrinks(n: int, factor: int, p: float) -> None:
    """The same rate on fewer records has a wider interval."""
    s = round(p * n)
    small, large = wilson(s, n), wilson(s * factor, n * factor)
    assert small is not None and large is not None
    assert small[1] - small[0] >= large[1] - large[0] - 1e-12


def _sound(ranking: Ranking[str]) -> None:
    """What a named bottom claims holds, and nobody with few records is ranked or named."""
    rule = ranking.rule
    named = [r for r in ranking.rows if r.standing is Standing.BOTTOM]
    others = [r for r in ranking.rows if r.ranked and r.standing is not Standing.BOTTOM]
    for row in ranking.rows:
        assert (row.rank is not None) == (row.n >= rule.min_n)
        if row.n < rule.min_n:
            assert row.standing in (Standing.INSUFFICIENT, Standing.NO_DATA)
    if named:
        assert len(named) <= ranking.ranked_count // 2
        if rule.higher_is_better:
            top = max(_hi(r) for r in named)
            assert all(top < _lo(r) for r in others)
        else:
            floor = min(_lo(r) for r in named)
            assert all(floor > _hi(r) for r in others)
        worst_named_rank = max(r.rank or 0 for r in named)
        assert all((r.rank or 0) < min(n.rank or 0 for n in named) for r in others)
        assert worst_named_rank == max(r.rank or 0 for r in ranking.rows if r.ranked)


def _lo(r: RankedRate[str]) -> float:
    assert r.low is not None
    return r.low


def _hi(r: RankedRate[str]) -> float:
    assert r.high is not None
    return r.high


@PROPERTY_SETTINGS
@given(units)
def test_a_named_bottom_lies_wholly_below_the_rest(items: list[tuple[str, int, int]]) -> None:
    _sound(rank_rates(items, RankRule()))
    _sound(rank_rates(items, RankRule(higher_is_better=False, min_n=5)))


@PROPERTY_SETTINGS
@given(units)
def test_ranks_are_competition_ranks(items: list[tuple[str, int, int]]) -> None:
    ranking = rank_rates(items, RankRule())
    ranked = [r for r in ranking.rows if r.rank is not None]
    for r in ranked:
        assert r.rate is not None
        better = sum(round(o.rate or 0, 3) > round(r.rate, 3) for o in ranked)
        assert r.rank == 1 + better
    ordered = ranking.best_first()
    assert sorted(ordered, key=id) == sorted(ranking.rows, key=id)
    assert [r.rank for r in ordered if r.rank is not None] == sorted(r.rank for r in ranked)


@PROPERTY_SETTINGS
@given(units, counts)
def test_adding_a_unit_above_keeps_the_bottom(
    items: list[tuple[str, int, int]], extra: tuple[int, int]
) -> None:
    """A unit whose interval lies wholly above the named bottom does not un-name it."""
    before = rank_rates(items, RankRule())
    assume(before.bottom)
    s, n = extra
    assume(n >= MIN_N)
    bounds = wilson(s, n)
    assert bounds is not None
    named = [before.row(k) for k in before.bottom]
    assume(bounds[0] > max(_hi(r) for r in named))
    assume(round(s / n, 3) > max(round(r.rate or 0, 3) for r in named))
    after = rank_rates([*items, ("NEW", s, n)], RankRule())
    assert set(after.bottom) == set(before.bottom)


@PROPERTY_SETTINGS
@given(units, counts)
def test_adding_a_unit_never_names_an_indistinguishable_one(
    items: list[tuple[str, int, int]], extra: tuple[int, int]
) -> None:
    """Whatever unit joins, every unit named is still one its data sets apart."""
    after = rank_rates([*items, ("NEW", *extra)], RankRule())
    _sound(after)
    before = rank_rates(items, RankRule())
    # A unit named before and after is named on the same evidence (its own interval).
    for key in set(before.bottom) & set(after.bottom):
        assert before.row(key).high == after.row(key).high


@PROPERTY_SETTINGS
@given(units, counts)
def test_adding_a_small_unit_changes_nothing(
    items: list[tuple[str, int, int]], extra: tuple[int, int]
) -> None:
    """A unit with too few records neither takes a rank nor moves anyone's."""
    s, n = extra
    assume(n < MIN_N)
    before = rank_rates(items, RankRule())
    after = rank_rates([*items, ("NEW", s, n)], RankRule())
    assert after.rows[:-1] == before.rows
    assert after.row("NEW").rank is None
