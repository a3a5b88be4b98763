"""Invented Chinese personal names for the demo city.

Surnames are drawn by rough real-world frequency so a roster "looks right" (many 王、李、张, few
欧阳); given names come from a pool of common name characters. Nothing here names a real person:
any match with someone real is the kind of coincidence every common Chinese name has.
"""

from __future__ import annotations

import random

# (surname, relative weight). Weights approximate the published frequency ranking (per mille);
# exact numbers do not matter, only that common surnames dominate.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 72.0),
    ("李", 71.0),
    ("张", 68.0),
    ("刘", 53.0),
    ("陈", 45.0),
    ("杨", 31.0),
    ("黄", 22.0),
    ("赵", 20.0),
    ("吴", 20.0),
    ("周", 19.0),
    ("徐", 13.0),
    ("孙", 12.0),
    ("马", 12.0),
    ("朱", 11.0),
    ("胡", 10.0),
    ("郭", 10.0),
    ("何", 9.0),
    ("林", 9.0),
    ("高", 9.0),
    ("罗", 8.0),
    ("郑", 8.0),
    ("梁", 7.0),
    ("谢", 6.0),
    ("宋", 6.0),
    ("唐", 6.0),
    ("许", 5.5),
    ("韩", 5.5),
    ("冯", 5.0),
    ("邓", 5.0),
    ("曹", 5.0),
    ("彭", 4.5),
    ("曾", 4.5),
    ("肖", 4.5),
    ("田", 4.0),
    ("董", 4.0),
    ("袁", 4.0),
    ("潘", 3.5),
    ("于", 3.5),
    ("蒋", 3.5),
    ("蔡", 3.5),
    ("余", 3.2),
    ("杜", 3.2),
    ("叶", 3.2),
    ("程", 3.0),
    ("苏", 3.0),
    ("魏", 3.0),
    ("吕", 3.0),
    ("丁", 2.8),
    ("任", 2.8),
    ("沈", 2.6),
    ("姚", 2.5),
    ("卢", 2.5),
    ("姜", 2.4),
    ("崔", 2.3),
    ("钟", 2.2),
    ("谭", 2.1),
    ("陆", 2.0),
    ("汪", 2.0),
    ("范", 2.0),
    ("金", 1.9),
    ("石", 1.9),
    ("廖", 1.8),
    ("贾", 1.8),
    ("夏", 1.7),
    ("韦", 1.7),
    ("付", 1.6),
    ("方", 1.6),
    ("白", 1.5),
    ("邹", 1.5),
    ("孟", 1.5),
    ("熊", 1.4),
    ("秦", 1.4),
    ("邱", 1.4),
    ("江", 1.4),
    ("尹", 1.3),
    ("薛", 1.3),
    ("闫", 1.2),
    ("段", 1.2),
    ("雷", 1.2),
    ("侯", 1.1),
    ("龙", 1.1),
    ("史", 1.1),
    ("陶", 1.0),
    ("黎", 1.0),
    ("贺", 1.0),
    ("顾", 1.0),
    ("毛", 1.0),
    ("郝", 0.9),
    ("龚", 0.9),
    ("邵", 0.9),
    ("万", 0.9),
    ("钱", 0.8),
    ("严", 0.8),
    ("覃", 0.7),
    ("武", 0.7),
    ("戴", 0.7),
    ("莫", 0.6),
    ("孔", 0.6),
    ("向", 0.6),
    ("汤", 0.6),
    ("欧阳", 0.15),
    ("司马", 0.05),
    ("诸葛", 0.04),
    ("上官", 0.04),
)

# Characters common in given names, of both sexes; combined freely they make plausible names.
GIVEN_CHARS = "".join(
    dict.fromkeys(  # dict.fromkeys: drop repeats so no character is silently double-weighted
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力海鹏志宇晨浩"
        "婷雪琳颖倩欣怡佳慧晶璐瑶雯丹凤兰梅燕琴蓉宁春秋冬阳光亮斌彬健康永安国庆家"
        "德立新东南俊峰波宏博鑫凯然楠梓涵子轩一诺思睿泽航铭昊天宸晓晗雅婧琪蕾妍瑞"
        "嘉怡诗云飞龙兵武林森荣成华金玲珊梦媛茜亭静"
    )
)

_SURNAME_NAMES = [s for s, _ in SURNAMES]
_SURNAME_WEIGHTS = [w for _, w in SURNAMES]


def surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_NAMES, weights=_SURNAME_WEIGHTS, k=1)[0]


def person_name(rng: random.Random) -> str:
    """A two- or three-character name (compound surnames make three or four)."""
    given_len = 1 if rng.random() < 0.3 else 2
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(given_len))
    # 某晶晶-style doubled names exist but a roster full of them looks odd: avoid accidental ones.
    if given_len == 2 and given[0] == given[1]:
        given = given[0] + rng.choice(GIVEN_CHARS.replace(given[0], ""))
    return surname(rng) + given


def unique_person_name(rng: random.Random, taken: set[str]) -> str:
    """A name not yet in ``taken`` (and add it): duplicates are real life, but confusing in a
    demo where people are found by name."""
    for _ in range(50):
        name = person_name(rng)
        if name not in taken:
            taken.add(name)
            return name
    # Practically unreachable with a few thousand names; keep going rather than fail.
    name = person_name(rng) + rng.choice(GIVEN_CHARS)
    taken.add(name)
    return name


def courtesy_name(rng: random.Random) -> str:
    """How a counter clerk writes down an inquirer: 王先生 / 李女士."""
    return surname(rng) + rng.choice(("先生", "女士"))
