"""How a ranked rate reads on a page, in Word and in Excel — the same words everywhere.

The rule itself (intervals, 样本不足, 末位) is the pure ``xiaoneng.scoring.rates``; this module
only writes its results: a rate with its n (``8/10``), its 95 % interval, the rank cell
(``3``, ``3（末位）``, ``样本不足``) and the sentence that explains the rule under a ranking.
The templates use it through the ``rates`` template library (``{% load rates %}``).
"""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

from xiaoneng.scoring.rates import RankedRate, RankRule, Standing, rank_rates

DASH = "—"


def pct(value: float | None, digits: int = 1) -> str:
    """0.8125 → 81.3%; None → —."""
    return DASH if value is None else f"{value * 100:.{digits}f}%"


def interval(row: RankedRate[Any]) -> str:
    """The 95 % interval as ``49.0%—94.3%``; — without records."""
    if row.low is None or row.high is None:
        return DASH
    return f"{pct(row.low)}—{pct(row.high)}"


def rate_text(row: RankedRate[Any]) -> str:
    """``80.0%（8/10）``: the rate and the records it rests on."""
    if row.rate is None:
        return DASH
    return f"{pct(row.rate)}（{row.successes}/{row.n}）"


def rank_text(row: RankedRate[Any]) -> str:
    """The rank cell: ``3``, ``5（末位）``, ``5（末位不可区分）``, ``样本不足`` or —."""
    if row.standing is Standing.NO_DATA:
        return DASH
    if row.rank is None:
        return row.label
    if row.standing in (Standing.BOTTOM, Standing.INDISTINCT):
        return f"{row.rank}（{row.label}）"
    return str(row.rank)


def rule_note(rule: RankRule, what: str = "单位") -> str:
    """The sentence printed under a ranking."""
    return (
        f"比率后为所依据的件数（分子/分母）及95%置信区间（Wilson法）。记录少于{rule.min_n}件的"
        f"{what}标“样本不足”，不参加排名；只有置信区间整体低于其余所有参加排名{what}的，"
        f"才标“末位”，否则最后一名标“末位不可区分”。"
    )


def rate_html(row: RankedRate[Any]) -> SafeString:
    """A table cell's content: the rate, then n and the interval in small grey type."""
    if row.rate is None:
        return format_html('<span class="muted">{}</span>', DASH)
    return format_html(
        '{} <span class="muted small">{}/{} · [{}]</span>',
        pct(row.rate),
        row.successes,
        row.n,
        interval(row),
    )


def rank_html(row: RankedRate[Any]) -> SafeString:
    """The rank with its badge: 末位 in red, 末位不可区分 and 样本不足 in grey."""
    if row.standing is Standing.NO_DATA:
        return format_html('<span class="muted">{}</span>', DASH)
    if row.rank is None:
        return format_html(
            '<span class="badge" title="{}">{}</span>', "记录太少，不参加排名", row.label
        )
    if row.standing is Standing.BOTTOM:
        return format_html('{} <span class="badge red">{}</span>', row.rank, row.label)
    if row.standing is Standing.INDISTINCT:
        return format_html(
            '{} <span class="badge" title="{}">{}</span>',
            row.rank,
            "与其他单位的差异在置信区间内，不能认定为末位",
            row.label,
        )
    return format_html("{}", row.rank)


def single(successes: int, n: int) -> RankedRate[Any]:
    """One rate that is not ranked (a headline, a tile): its n and interval, no standing."""
    return rank_rates([(None, successes, n)]).rows[0]


def figure_html(row: RankedRate[Any]) -> SafeString:
    """A single rate: the rate and its n, with the interval when n is small (< SMALL_N)."""
    if row.rate is None:
        return format_html('<span class="muted">{}</span>', DASH)
    if row.small:
        return format_html(
            '{} <span class="muted small">{}/{} · [{}]</span>',
            pct(row.rate),
            row.successes,
            row.n,
            interval(row),
        )
    return format_html('{} <span class="muted small">n={}</span>', pct(row.rate), row.n)


def figure_text(row: RankedRate[Any]) -> str:
    """The same in words: ``80.0%（8/10，95%区间49.0%—94.3%）`` or ``96.2%（n=1200）``."""
    if row.rate is None:
        return DASH
    if row.small:
        return f"{pct(row.rate)}（{row.successes}/{row.n}，95%区间{interval(row)}）"
    return f"{pct(row.rate)}（n={row.n}）"


def n_note(row: RankedRate[Any]) -> str:
    """What a headline rate rests on, printed under it: ``8/10 · 95%区间 49.0%—94.3%`` when n
    is small, else ``n=1200``; — without records."""
    if row.rate is None:
        return DASH
    if row.small:
        return f"{row.successes}/{row.n} · 95%区间 {interval(row)}"
    return f"n={row.n}"
