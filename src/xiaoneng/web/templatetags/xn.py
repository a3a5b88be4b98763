import re

from django import template
from django.template.base import Node, NodeList, Parser, TextNode, Token
from django.utils.html import conditional_escape, format_html

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def may_open(user, url_name: str) -> bool:
    """``{% if user|may_open:"org:staff_detail" %}``: show a link only to roles its page admits."""
    from xiaoneng.web.decorators import user_may_open

    return user_may_open(user, url_name)


@register.filter
def pick(value: object, table: str) -> str:
    """The word a small table gives ``value``: a badge's colour chosen by a status.

    ``{{ v.status|pick:"closed=green dismissed= appealed=amber *=blue" }}``: ``value=word``
    pairs separated by spaces; ``*`` gives the word for a value not listed. A value with no
    entry and no ``*`` gives "" (as does an empty word, ``dismissed=``).
    """
    words = dict(pair.partition("=")[::2] for pair in table.split())
    return words.get(str(value), words.get("*", ""))


@register.simple_tag
def link(text: str, href: str | None) -> str:
    """``<a href>text</a>``, or the text alone when there is no page to go to (for this role)."""
    if not href:
        return conditional_escape(text)
    return format_html('<a href="{}">{}</a>', href, text)


_LINE_BREAK = re.compile(r"\s*\n\s*")


class _OneLineNode(Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        return self.nodelist.render(context)


@register.tag
def oneline(parser: Parser, token: Token) -> Node:
    """``{% oneline %}…{% endoneline %}``: the template text inside renders as written on one line.

    Line breaks in the template's own text, with the indentation around them, are dropped rather
    than shown as a space, so inline pieces that must touch — 张三（11-02 09:30）、李四 — can be
    written one per line. Only the template source changes, once, when it is parsed: what a
    variable renders and the text of a translation are left exactly as they are.
    """
    nodelist = parser.parse(("endoneline",))
    parser.delete_first_token()
    for node in nodelist.get_nodes_by_type(TextNode):
        if isinstance(node, TextNode):
            node.s = _LINE_BREAK.sub("", node.s)
    return _OneLineNode(nodelist)
