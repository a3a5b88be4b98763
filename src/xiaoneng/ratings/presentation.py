"""好差评统计 as the page and the workbook show it: each group's 满意率 with its n and 95 %
interval, and — for units, windows and items — its rank under the shared rule of every
published ranking of a rate (``scoring.rates``; docs/statistics.md §10): fewer than 20 ratings
is 样本不足 (no rank, never last), 末位 only when a group's interval lies wholly below the
others'. Months are a series, not a ranking: they get n and interval, no rank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xiaoneng.scoring.rates import RankedRate, Ranking, RankRule, rank_rates
from xiaoneng.web import rates

from .services import GROUPS, StatRow

#: 满意率 ranks like every rate of records (one rating per finished case).
RATE_RULE = RankRule()
#: Groupings that are ranked; a month is compared with its neighbours, not ranked.
RANKED_BY = ("unit", "window", "item")


@dataclass(frozen=True)
class StatLine:
    """One group: its counts and its 满意率 as ranked (n, interval, rank, 样本不足, 末位)."""

    row: StatRow
    rate: RankedRate[Any]


@dataclass(frozen=True)
class StatTable:
    by: str
    lines: tuple[StatLine, ...]
    total: RankedRate[Any]  # the 合计's 满意率 with its n and interval
    ranking: Ranking[Any]

    @property
    def label(self) -> str:
        return GROUPS[self.by]

    @property
    def ranked(self) -> bool:
        return self.by in RANKED_BY

    @property
    def note(self) -> str:
        """The sentence under the table (and in the workbook's 说明)."""
        if self.ranked:
            return rates.rule_note(self.ranking.rule, self.label)
        return "满意率后为评价件数（满意/全部）及95%置信区间（Wilson法）；各月之间不排名。"

    @property
    def bottom(self) -> list[str]:
        """Names of the groups that may be named 末位 (often none; never a month)."""
        if not self.ranked:
            return []
        return [line.row.name for line in self.lines if line.rate.standing == "bottom"]


def stat_table(rows: list[StatRow], total: StatRow, by: str) -> StatTable:
    """The rows in their order (most ratings first), each with its place in the ranking
    (computed for months too, where only the n and the interval are shown)."""
    ranking = rank_rates([(i, row.good, row.total) for i, row in enumerate(rows)], RATE_RULE)
    single = rank_rates([(None, total.good, total.total)]).rows[0]
    return StatTable(
        by=by,
        lines=tuple(StatLine(row, rate) for row, rate in zip(rows, ranking.rows, strict=True)),
        total=single,
        ranking=ranking,
    )
