"""The house template tags of ``web/templatetags/xn.py``."""

from __future__ import annotations

from django.template import Context, Template


def _render(source: str, **context: object) -> str:
    return Template("{% load xn %}" + source).render(Context(context))


def test_pick_gives_the_word_for_a_value_the_star_word_for_the_rest():
    table = "closed=green dismissed= appealed=amber *=blue"
    words = [_render(f"{{{{ s|pick:'{table}' }}}}", s=s) for s in ("closed", "dismissed", "open")]
    assert words == ["green", "", "blue"]
    assert _render("{{ s|pick:'a=red' }}", s="b") == ""  # no entry and no star
    assert _render("{{ n|pick:'1=one 2=two' }}", n=2) == "two"  # compared as text


def test_link_is_a_link_only_when_there_is_somewhere_to_go():
    assert (
        _render("{% link t h %}", t="效通〔2026〕1号", h="/x/")
        == '<a href="/x/">效通〔2026〕1号</a>'
    )
    assert _render("{% link t h %}", t="<b>", h="") == "&lt;b&gt;"
    assert (
        _render("{% link t h %}", t="a&b", h="/q?a=1&b=2") == '<a href="/q?a=1&amp;b=2">a&amp;b</a>'
    )


def test_oneline_drops_the_templates_line_breaks_not_the_spaces_written_inside_a_line():
    source = """{% oneline %}
      {% for name in names %}
        {{ name }}（{{ n }} 人）
        {% if not forloop.last %}、{% endif %}
      {% endfor %}
      。
    {% endoneline %}"""
    assert _render(source, names=["甲", "乙"], n=3) == "甲（3 人）、乙（3 人）。"


def test_oneline_leaves_what_variables_and_translations_render_alone():
    source = (
        "{% load i18n %}{% oneline %}\n  {{ note }}\n"
        "  {% blocktranslate %}第 {{ n }}\n页{% endblocktranslate %}\n{% endoneline %}"
    )
    assert _render(source, note="一行\n两行", n=2) == "一行\n两行第 2\n页"
