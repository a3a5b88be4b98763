"""Ranked rates in templates: ``{{ row|rate_cell }}``, ``{{ row|rank_cell }}``,
``{% rate_rule_note ranking.rule "窗口" %}`` (see ``xiaoneng.web.rates``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from xiaoneng.scoring.rates import RankedRate, RankRule
from xiaoneng.web import rates

register = template.Library()


@register.filter
def rate_cell(row: RankedRate[Any] | None) -> SafeString | str:
    return rates.DASH if row is None else rates.rate_html(row)


@register.filter
def rank_cell(row: RankedRate[Any] | None) -> SafeString | str:
    return rates.DASH if row is None else rates.rank_html(row)


@register.filter
def rate_interval(row: RankedRate[Any] | None) -> str:
    return rates.DASH if row is None else rates.interval(row)


@register.simple_tag
def rate_rule_note(rule: RankRule, what: str = "单位") -> str:
    return rates.rule_note(rule, what)


@register.simple_tag
def rate_figure(successes: int, n: int) -> SafeString:
    """A single rate from its counts, e.g. ``{% rate_figure s.on_time s.judged %}``."""
    return rates.figure_html(rates.single(successes, n))


@register.filter
def rate_n(row: RankedRate[Any] | None) -> str:
    """Under a headline rate: its n, and its interval when n is small."""
    return rates.DASH if row is None else rates.n_note(row)
