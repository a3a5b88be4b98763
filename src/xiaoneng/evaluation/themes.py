"""Grouping one unit's written opinions (意见建议) by theme, for its 整改通知书.

A keyword clustering that a reader can check by hand, not a statistical model:

1. **Duplicates.** Opinions equal after removing whitespace are one item, shown once (in the
   words of the first of them in code-point order, so that the input order does not matter)
   with the number of evaluators who wrote it ("（3人反映）").
   Nothing is ever rewritten: every text shown is an input text, verbatim.
2. **Terms.** Each item is segmented with jieba 0.42.1 (``jieba.posseg``, precise mode; the
   dictionary ships with the package, nothing is downloaded). A term is kept when it has two or
   more characters including a Han character (or is an ASCII word with a letter, e.g. APP), is
   not in ``STOPWORDS`` (words any opinion uses: 希望、建议、加强、工作、服务、群众…) and is a
   content word. Content words come in two tiers: *topic* terms say what the opinion is about
   (nouns, verbal and adjectival nouns, place words, idioms, abbreviations, ASCII words:
   窗口、排队、收费、态度、吃拿卡要) and *descriptive* terms say how it is (verbs, adjectives:
   推诿、拖延、太慢). Person names (tag nr…), numerals, pronouns, adverbs and particles are never
   terms, so no theme is named after a person. A longer word also yields the dictionary words
   inside it, exactly as jieba's search mode cuts them (服务态度 → 态度), so that "服务态度差"
   and "态度冷漠" share the term 态度. A term's tier is the best it gets in any opinion (jieba's
   tags depend on the context).
3. **Support.** A term's support is the number of evaluators (items weighted by their count)
   whose opinion contains it.
4. **Greedy themes.** Repeatedly take, among the opinions not yet placed, the topic term with
   the highest support (ties: the longer term, then code-point order) — or, when no topic term
   reaches ``min_support`` (2 evaluators), the descriptive term with the highest support; if
   none reaches it, stop. Every unplaced opinion containing the chosen term becomes one theme.
   At most ``max_themes`` themes are made. Each opinion lands in exactly one theme.
5. **Label.** The seed term, followed by up to two other terms found in at least half of the
   theme's evaluators (and at least two), most frequent first, skipping terms that contain or
   are contained in a term already in the label: "态度 · 窗口".
6. **Leftovers** go under "其他意见".

Order: themes by size (evaluators) descending, the order they were found in for equal sizes;
"其他意见" last. Within a theme: items by count descending, then by text (code-point order).
The result depends only on the multiset of input texts, not on their order.

Speed: segmentation dominates (about 0.2 ms per opinion); the grouping works on an inverted
index and costs a few set operations per theme.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import jieba
import jieba.posseg as posseg

# jieba logs its dictionary loading at INFO on first use; keep the logs clean.
jieba.setLogLevel(60)

OTHER_LABEL = "其他意见"
LABEL_SEPARATOR = " · "
MIN_SUPPORT = 2
MAX_THEMES = 8
MAX_LABEL_TERMS = 3

#: Parts of speech (jieba's ICTCLAS-style tags, by prefix) of topic and descriptive terms (see
#: the module docstring). Person names (nr, nrt, nrfg) are never terms.
TOPIC_TAGS = ("n", "vn", "an", "s", "l", "i", "j", "eng")
DESCRIPTIVE_TAGS = ("v", "a", "b")
EXCLUDED_TAGS = ("nr",)
TOPIC, DESCRIPTIVE = 0, 1

#: Words that appear in opinions about any unit and so cannot tell themes apart.
_STOPWORD_TEXT = """
    希望 建议 要求 意见 认为 觉得 感觉 感到 希望能 能够 可以 应该 应当 需要 必须 进一步 继续 不断
    加强 加大 提高 提升 改进 改善 完善 注意 保持 做好 搞好 做到 抓好 力度 切实 认真 积极 努力
    工作 问题 情况 方面 地方 事情 东西 有些 一些 部分 存在 没有 不够 到位 不到位 比较 非常 还是
    总体 整体 目前 现在 今后 以后 平时 有时 经常 时候 一定 进行 开展 相关 有关 其他
    群众 老百姓 百姓 市民 人民 单位 部门 机关 政府 工作人员 人员 同志 服务 办事 建设
    我们 他们 你们 大家 自己 本单位 该单位
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_HAN = re.compile(r"[\u4e00-\u9fff]")
_ASCII_WORD = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{2,}")  # not bare numbers
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Theme:
    """One theme: its label, the terms that define it, and its opinions verbatim.

    ``counts[i]`` is how many evaluators wrote ``texts[i]`` (1 for most)."""

    label: str
    keywords: tuple[str, ...]
    texts: tuple[str, ...]
    counts: tuple[int, ...]

    @property
    def size(self) -> int:
        """Evaluators who wrote an opinion of this theme."""
        return sum(self.counts)

    @property
    def is_other(self) -> bool:
        return not self.keywords


def duplicate_key(text: str) -> str:
    """Opinions equal under this key are counted as one (whitespace does not matter)."""
    return _SPACE.sub("", text)


def _tier(word: str, flag: str) -> int | None:
    """TOPIC, DESCRIPTIVE, or None when ``word`` is not a term."""
    if len(word) < 2 or word in STOPWORDS:
        return None
    if _ASCII_WORD.fullmatch(word):
        return TOPIC
    if not _HAN.search(word) or flag.startswith(EXCLUDED_TAGS):
        return None
    if flag.startswith(TOPIC_TAGS):
        return TOPIC
    if flag.startswith(DESCRIPTIVE_TAGS):
        return DESCRIPTIVE
    return None


@lru_cache(maxsize=20000)
def _inner_words(word: str) -> tuple[tuple[str, int], ...]:
    """The terms jieba's search mode finds inside a longer word (服务态度 → 态度), each with its
    tier as a word on its own; cached, since opinions repeat their vocabulary."""
    if len(word) <= 2:
        return ()
    found = []
    for inner in jieba.lcut_for_search(word):
        if inner == word or len(inner) < 2:
            continue
        tagged = posseg.lcut(inner)
        tier = _tier(inner, tagged[0].flag) if len(tagged) == 1 else None
        if tier is not None:
            found.append((inner, tier))
    return tuple(found)


def tiered_terms(text: str) -> dict[str, int]:
    """The terms of one opinion with their tier (see the module's step 2)."""
    found: dict[str, int] = {}
    for pair in posseg.lcut(text):
        word = pair.word.strip()
        tier = _tier(word, pair.flag)
        if tier is None:
            continue
        for term, t in ((word, tier), *_inner_words(word)):
            found[term] = min(t, found.get(term, t))
    return found


def terms(text: str) -> frozenset[str]:
    """The terms of one opinion (see the module's step 2)."""
    return frozenset(tiered_terms(text))


@dataclass
class _Item:
    text: str  # verbatim
    count: int
    terms: dict[str, int]  # term → tier


def _items(texts: Iterable[str]) -> list[_Item]:
    """Distinct opinions (by ``duplicate_key``) with their counts, in a canonical order so that
    the outcome does not depend on the input order: the text kept for a group of duplicates is
    the smallest in code-point order."""
    groups: dict[str, list[str]] = {}
    for text in texts:
        if text is None or not text.strip():
            continue
        groups.setdefault(duplicate_key(text), []).append(text)
    return [_Item(min(g), len(g), tiered_terms(min(g))) for _, g in sorted(groups.items())]


def _rank_key(term: str, support: int, tier: int = TOPIC) -> tuple[int, int, int, str]:
    return (tier, -support, -len(term), term)


def _overlaps(term: str, chosen: Sequence[str]) -> bool:
    return any(term in c or c in term for c in chosen)


def _theme(items: list[_Item], members: list[int], keywords: tuple[str, ...]) -> Theme:
    ordered = sorted(members, key=lambda i: (-items[i].count, items[i].text))
    return Theme(
        label=LABEL_SEPARATOR.join(keywords) if keywords else OTHER_LABEL,
        keywords=keywords,
        texts=tuple(items[i].text for i in ordered),
        counts=tuple(items[i].count for i in ordered),
    )


def _group(
    items: list[_Item], min_support: int, max_themes: int
) -> list[tuple[tuple[str, ...], list[int]]]:
    index: dict[str, list[int]] = {}
    tiers: dict[str, int] = {}
    for i, item in enumerate(items):
        for term, tier in item.terms.items():
            index.setdefault(term, []).append(i)
            tiers[term] = min(tier, tiers.get(term, tier))
    unplaced = set(range(len(items)))
    found: list[tuple[tuple[str, ...], list[int]]] = []
    while unplaced and len(found) < max_themes:
        best: tuple[tuple[int, int, int, str], str] | None = None
        for term, postings in index.items():
            support = sum(items[i].count for i in postings)
            key = _rank_key(term, support, tiers[term])
            if support >= min_support and (best is None or key < best[0]):
                best = (key, term)
        if best is None:
            break
        seed = best[1]
        members = index[seed]
        size = sum(items[i].count for i in members)
        inside: Counter[str] = Counter()
        for i in members:
            for term in items[i].terms:
                inside[term] += items[i].count
        floor = max(MIN_SUPPORT, math.ceil(size / 2))
        label = [seed]
        for term, support in sorted(inside.items(), key=lambda kv: _rank_key(*kv)):
            if len(label) >= MAX_LABEL_TERMS:
                break
            if support >= floor and not _overlaps(term, label):
                label.append(term)
        found.append((tuple(label), members))
        unplaced.difference_update(members)
        # Keep only the opinions still unplaced in the index: later rounds count among them.
        index = {t: kept for t, p in index.items() if (kept := [i for i in p if i in unplaced])}
    found.sort(key=lambda f: -sum(items[i].count for i in f[1]))  # stable: ties keep order
    if unplaced:
        found.append(((), sorted(unplaced)))
    return found


def group_opinions(
    texts: Iterable[str], *, min_support: int = MIN_SUPPORT, max_themes: int = MAX_THEMES
) -> list[Theme]:
    """Group opinions by theme (see the module docstring); empty texts are ignored."""
    items = _items(texts)
    return [_theme(items, m, kw) for kw, m in _group(items, min_support, max_themes)]


def label_each(
    texts: Sequence[str], *, min_support: int = MIN_SUPPORT, max_themes: int = MAX_THEMES
) -> list[str]:
    """The theme label of every input text, in input order (for listing opinions one by one,
    e.g. in the Excel export); "" for an empty text."""
    themes = group_opinions(texts, min_support=min_support, max_themes=max_themes)
    by_key = {duplicate_key(t): theme.label for theme in themes for t in theme.texts}
    return [by_key.get(duplicate_key(t), "") if t and t.strip() else "" for t in texts]
