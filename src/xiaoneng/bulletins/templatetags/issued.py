"""Template filters of issued bulletins."""

from django import template

from xiaoneng.web.worddoc import cn_numeral as _cn_numeral

register = template.Library()


@register.filter
def cn_numeral(n: int) -> str:
    """一, 二 … for section headings, as the Word document numbers them."""
    return _cn_numeral(int(n))
