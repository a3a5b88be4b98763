"""Grouping opinions by theme: verbatim, deterministic, explainable, fast."""

from __future__ import annotations

import random
import time

from xiaoneng.evaluation import themes

OPINIONS = [
    "窗口服务态度不好，办事效率低",
    "工作人员态度冷漠",
    "服务态度差",
    "服务态度差",
    "服务态度差 ",  # the same opinion with a trailing space
    "排队时间太长，希望增加窗口",
    "排队等候时间长",
    "审批环节太多，材料重复提交",
    "审批环节多",
    "希望公开收费标准",
    "停车难",
    "",
    "   ",
]


def _all_texts(grouped: list[themes.Theme]) -> list[str]:
    return [t for theme in grouped for t in theme.texts]


def test_opinions_are_grouped_by_shared_keywords():
    grouped = themes.group_opinions(OPINIONS)
    labels = [t.label for t in grouped]
    by_label = {t.label: t for t in grouped}
    # 态度 collects "服务态度…" and "态度冷漠": jieba's search-mode sub-word of 服务态度.
    attitude = grouped[0]
    assert attitude.keywords[0] == "态度"
    assert set(attitude.texts) == {"窗口服务态度不好，办事效率低", "工作人员态度冷漠", "服务态度差"}
    assert attitude.size == 5 and attitude.counts[0] == 3  # 服务态度差 ×3, listed first
    assert any(label.startswith("排队") for label in labels)
    queue = next(t for t in grouped if t.label.startswith("排队"))
    assert set(queue.texts) == {"排队时间太长，希望增加窗口", "排队等候时间长"}
    approval = next(t for t in grouped if "审批" in t.keywords)
    assert set(approval.texts) == {"审批环节太多，材料重复提交", "审批环节多"}
    # Leftovers last, under 其他意见; the empty opinions are dropped.
    assert labels[-1] == themes.OTHER_LABEL and by_label[themes.OTHER_LABEL].is_other
    assert set(by_label[themes.OTHER_LABEL].texts) == {"希望公开收费标准", "停车难"}
    # Larger themes first.
    sizes = [t.size for t in grouped[:-1]]
    assert sizes == sorted(sizes, reverse=True)


def test_every_opinion_appears_once_and_verbatim():
    grouped = themes.group_opinions(OPINIONS)
    shown = _all_texts(grouped)
    assert len(shown) == len(set(shown))
    non_empty = [t for t in OPINIONS if t.strip()]
    assert sum(t.size for t in grouped) == len(non_empty)
    for text in shown:
        assert text in OPINIONS  # never rewritten
    assert {themes.duplicate_key(t) for t in non_empty} == {themes.duplicate_key(t) for t in shown}


def test_order_of_the_input_does_not_matter():
    first = themes.group_opinions(OPINIONS)
    for seed in range(5):
        shuffled = list(OPINIONS)
        random.Random(seed).shuffle(shuffled)
        assert themes.group_opinions(shuffled) == first
    assert themes.group_opinions(OPINIONS) == first


def test_label_is_the_seed_and_frequent_companions():
    texts = ["窗口排队太久", "窗口排队时间长", "窗口排队人多", "窗口少"]
    grouped = themes.group_opinions(texts)
    assert grouped[0].label == "窗口 · 排队"
    assert grouped[0].keywords == ("窗口", "排队")
    assert grouped[0].size == 4


def test_topic_terms_before_descriptive_ones():
    # 推诿 (a verb) is in three opinions, 窗口 (a noun) in two: the noun names a theme first,
    # the verb takes what is left.
    texts = ["窗口推诿", "窗口人员推诿", "科室推诿", "办事推诿扯皮"]
    grouped = themes.group_opinions(texts)
    assert [(t.label, set(t.texts)) for t in grouped] == [
        ("窗口 · 推诿", {"窗口推诿", "窗口人员推诿"}),
        ("推诿", {"科室推诿", "办事推诿扯皮"}),
    ]


def test_no_theme_is_named_after_a_person():
    grouped = themes.group_opinions(["张伟态度不好", "张伟经常不接电话", "张伟上班迟到"])
    assert all("张伟" not in t.label for t in grouped)


def test_stopwords_and_limits():
    generic = ["希望进一步加强工作", "建议提高服务水平", "希望加强管理"]
    assert [t.label for t in themes.group_opinions(generic)] == [themes.OTHER_LABEL]
    many = [f"{w}问题{i}" for w in ("收费", "停车", "卫生", "网站") for i in range(3)]
    assert len(themes.group_opinions(many, max_themes=2)) == 3  # two themes and 其他意见
    assert [t.label for t in themes.group_opinions(["停车难", "停车位少"], min_support=3)] == [
        themes.OTHER_LABEL
    ]
    assert themes.group_opinions([]) == []
    assert themes.group_opinions(["", "  "]) == []


def test_label_each_follows_the_input():
    labels = themes.label_each(OPINIONS)
    assert len(labels) == len(OPINIONS)
    assert labels[1] == labels[2] == themes.group_opinions(OPINIONS)[0].label
    assert labels[-1] == "" and labels[-2] == ""


def test_thousands_of_opinions_are_fast():
    rng = random.Random(7)
    topics = ["窗口", "排队", "收费", "审批", "材料", "停车", "电话", "网站", "执法", "预约"]
    words = ["太慢", "不规范", "太差", "很难", "不透明", "经常出错", "态度冷漠"]
    texts = [
        f"{rng.choice(topics)}{rng.choice(words)}，{rng.choice(topics)}{rng.choice(words)}{i % 9}"
        for i in range(3000)
    ]
    themes.group_opinions(texts[:3])  # jieba's dictionary loads once per process
    start = time.perf_counter()
    grouped = themes.group_opinions(texts)
    assert time.perf_counter() - start < 10  # about 0.2 s here; generous for slow CI
    assert sum(t.size for t in grouped) == 3000
    assert len(grouped) <= themes.MAX_THEMES + 1
