"""Ranking units by a rate of records (按比率排名): one rule for every published ranking.

A pure core (standard library only, plus ``stats.wilson_bounds``). The complaint bulletins
(承办按时办理率), the 好差评 statistics (满意率) and the case dashboards (按时办结率) rank units
by a share of *records* — complaints, ratings, cases — and some units have only a handful. This
module says, for all of them alike, what a ranking may claim:

- each unit's rate, its n and its 95 % **Wilson interval** (置信区间). One record per case,
  rating or complaint: the records are the independent units of observation, so the textbook
  Wilson interval on n is right here (unlike 千人评议, where one evaluator's answers hang
  together and the interval is taken over whole sheets, ``stats.rate_intervals``);
- **样本不足** (too few records): a unit with fewer than ``RankRule.min_n`` records gets no rank
  and is never placed at the bottom; it is listed with its n and interval;
- **名次** (ranks) among the other units, 1 = best, competition style (1, 2, 2, 4) on the rate
  as published (rounded to ``RankRule.decimals``);
- **末位** (the bottom that may be named): the lowest-ranked units are named only when their
  intervals lie wholly below the others'. Precisely: order the ranked units from worst to best
  and take the smallest k (not splitting a tie) such that the worst k units' upper bounds
  (lower bounds, when lower is better) are all strictly below the lower bound of every one of
  the other ranked units; when k is at most half of the ranked units those k are ``BOTTOM``.
  Otherwise no unit is named: the units sharing the worst rank are ``INDISTINCT``
  (末位不可区分) — never a unit at the bottom on a difference its data cannot distinguish.
  A unit ranked alone, or units all tied, are simply ``RANKED``: nobody is last.

API (small, for every caller — bulletins, ratings, casestats, assessment scorecards)::

    from xiaoneng.scoring.rates import RankRule, rank_rates

    ranking = rank_rates({"市公安局": (45, 50), "某窗口": (8, 12)}, RankRule())
    row = ranking.row("某窗口")   # RankedRate: rate, n, low, high, rank, standing
    row.standing                  # Standing.INSUFFICIENT  → shown as 样本不足
    ranking.bottom                # keys that may be named 末位 (often empty)

docs/statistics.md §10 gives the rule, the thresholds and why.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from .stats import wilson_bounds

__all__ = [
    "MIN_N",
    "SMALL_N",
    "RankRule",
    "RankedRate",
    "Ranking",
    "Standing",
    "rank_rates",
    "wilson",
]

K = TypeVar("K", bound=Hashable)

#: Fewer records than this: 样本不足 — no rank, never at the bottom. At n = 20 a rate of 50 %
#: has the Wilson interval [29.9 %, 70.1 %]: below it a rate cannot place a unit anywhere.
MIN_N = 20
#: Below this many records a single rate (a headline, a tile) is printed with its interval;
#: in a ranking every row carries its interval.
SMALL_N = 100


class Standing(StrEnum):
    """Where a unit stands in a ranking."""

    RANKED = "ranked"  # has a rank; nothing more is claimed
    BOTTOM = "bottom"  # 末位: its interval lies wholly below the other ranked units'
    INDISTINCT = "indistinct"  # shares the worst rank, but not distinguishable: not named
    INSUFFICIENT = "insufficient"  # 样本不足: fewer than min_n records, not ranked
    NO_DATA = "no_data"  # no record at all: no rate

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Standing.RANKED: "",
    Standing.BOTTOM: "末位",
    Standing.INDISTINCT: "末位不可区分",
    Standing.INSUFFICIENT: "样本不足",
    Standing.NO_DATA: "无数据",
}


@dataclass(frozen=True)
class RankRule:
    """The thresholds of a ranking.

    ``min_n``: fewer records is 样本不足; ``z``: the interval's normal quantile (1.96: 95 %);
    ``higher_is_better``: False for rates where high is bad (差评率, 超期率); ``decimals``: the
    rate (a proportion) is rounded to this many decimals before ranking — 3 is one decimal of
    a percentage, so units equal as published share a rank.
    """

    min_n: int = MIN_N
    z: float = 1.96
    higher_is_better: bool = True
    decimals: int = 3

    def __post_init__(self) -> None:
        if self.min_n < 1:
            raise ValueError("min_n must be ≥ 1")
        if self.z <= 0:
            raise ValueError("z must be > 0")


@dataclass(frozen=True)
class RankedRate(Generic[K]):
    """One unit of a ranking. ``rate``, ``low``, ``high`` are proportions (0–1), None when
    ``n`` is 0; ``rank`` is None unless the unit is ranked (n ≥ min_n)."""

    key: K
    successes: int
    n: int
    rate: float | None
    low: float | None
    high: float | None
    rank: int | None
    standing: Standing

    @property
    def ranked(self) -> bool:
        return self.rank is not None

    @property
    def small(self) -> bool:
        """Few enough records that a single printed rate should carry its interval."""
        return 0 < self.n < SMALL_N

    @property
    def label(self) -> str:
        """末位, 末位不可区分, 样本不足, 无数据 or empty."""
        return self.standing.label


@dataclass(frozen=True)
class Ranking(Generic[K]):
    """The rows in the order given, and the rule that made them."""

    rows: tuple[RankedRate[K], ...]
    rule: RankRule

    def row(self, key: K) -> RankedRate[K]:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    @property
    def bottom(self) -> tuple[K, ...]:
        """The keys that may be named at the bottom (末位), worst first; often none."""
        named = [r for r in self.rows if r.standing is Standing.BOTTOM]
        return tuple(r.key for r in sorted(named, key=_worst_first(self.rule)))

    @property
    def ranked_count(self) -> int:
        return sum(r.ranked for r in self.rows)

    @property
    def insufficient_count(self) -> int:
        return sum(r.standing is Standing.INSUFFICIENT for r in self.rows)

    def best_first(self) -> list[RankedRate[K]]:
        """Ranked rows by rank (ties in the given order), then 样本不足, then no data."""
        return self._ordered(reverse=False)

    def worst_first(self) -> list[RankedRate[K]]:
        """Ranked rows from the worst rank up, then 样本不足, then no data: a list that shows
        the weakest first never puts a unit with too few records at its head."""
        return self._ordered(reverse=True)

    def _ordered(self, *, reverse: bool) -> list[RankedRate[K]]:
        ranked = [r for r in self.rows if r.rank is not None]
        position = {id(r): i for i, r in enumerate(self.rows)}
        ranked.sort(key=lambda r: ((-1 if reverse else 1) * (r.rank or 0), position[id(r)]))
        rest = [r for r in self.rows if r.rank is None]
        rest.sort(key=lambda r: (r.standing is Standing.NO_DATA, position[id(r)]))
        return ranked + rest


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of ``successes``/``n`` records; None when n is 0."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError("need 0 ≤ successes ≤ n")
    if n == 0:
        return None
    return wilson_bounds(successes / n, n, z)


def _worst_first(rule: RankRule) -> Callable[[RankedRate[K]], float]:
    sign = 1 if rule.higher_is_better else -1

    def key(row: RankedRate[K]) -> float:
        return sign * (row.rate if row.rate is not None else math.inf)

    return key


def rank_rates(
    counts: Mapping[K, tuple[int, int]] | Iterable[tuple[K, int, int]],
    rule: RankRule | None = None,
) -> Ranking[K]:
    """Rank units by ``successes / n``: ``counts`` maps each key to ``(successes, n)``, or is an
    iterable of ``(key, successes, n)`` (order kept). See the module docstring for the rule."""
    rule = rule or RankRule()
    items = (
        [(key, s, n) for key, (s, n) in counts.items()]
        if isinstance(counts, Mapping)
        else [(key, s, n) for key, s, n in counts]
    )
    # Step 1: rates and intervals.
    bounds = [wilson(s, n, rule.z) for _, s, n in items]
    rates = [s / n if n else None for _, s, n in items]
    eligible = [i for i, (_, _, n) in enumerate(items) if n >= rule.min_n]
    # Step 2: competition ranks on the published rate, 1 = best.
    sign = 1 if rule.higher_is_better else -1
    score = {i: sign * round(rates[i] or 0.0, rule.decimals) for i in eligible}
    ascending = sorted(score.values())
    # 1 + the number of units strictly better (bisect: a catalog has thousands of items).
    rank = {i: 1 + len(ascending) - bisect.bisect_right(ascending, score[i]) for i in eligible}
    # Step 3: the bottom that may be named.
    bottom, worst = _bottom(eligible, score, bounds, rule)
    rows = []
    for i, (key, s, n) in enumerate(items):
        if n == 0:
            standing = Standing.NO_DATA
        elif i not in rank:
            standing = Standing.INSUFFICIENT
        elif i in bottom:
            standing = Standing.BOTTOM
        elif i in worst:
            standing = Standing.INDISTINCT
        else:
            standing = Standing.RANKED
        b = bounds[i]
        rows.append(
            RankedRate(
                key=key,
                successes=s,
                n=n,
                rate=rates[i],
                low=b[0] if b else None,
                high=b[1] if b else None,
                rank=rank.get(i),
                standing=standing,
            )
        )
    return Ranking(rows=tuple(rows), rule=rule)


def _bottom(
    eligible: list[int],
    score: dict[int, float],
    bounds: list[tuple[float, float] | None],
    rule: RankRule,
) -> tuple[set[int], set[int]]:
    """(the units named at the bottom, the units sharing the worst rank when none is named).

    Bounds are turned so that "worse" is always "lower": when lower is better a unit's upper
    bound plays the part of the lower one.
    """
    if len(eligible) < 2:
        return set(), set()  # alone: first and last at once, nothing to say about a bottom
    turned: dict[int, tuple[float, float]] = {}
    for i in eligible:
        b = bounds[i]
        assert b is not None  # eligible units have n ≥ min_n ≥ 1
        turned[i] = b if rule.higher_is_better else (-b[1], -b[0])
    order = sorted(eligible, key=lambda i: score[i])
    worst_score = score[order[0]]
    worst = {i for i in eligible if score[i] == worst_score}
    if len(worst) == len(eligible):
        return set(), set()  # all tied: nobody is last
    limit = len(order) // 2
    # floor[k]: the lowest lower bound among order[k:], the units above a group of k.
    floor = [math.inf] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        floor[k] = min(floor[k + 1], turned[order[k]][0])
    top_of_group = -math.inf
    for k in range(1, limit + 1):
        top_of_group = max(top_of_group, turned[order[k - 1]][1])
        if score[order[k]] == score[order[k - 1]]:
            continue  # never split a tie
        if top_of_group < floor[k]:
            return set(order[:k]), set()
    return set(), worst
