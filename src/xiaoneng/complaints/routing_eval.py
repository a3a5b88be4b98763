"""分办建议准确率 (routing accuracy) on the demo complaints, held out by a fixed seed.

The texts are those of ``xiaoneng.demo.complaints_data`` (its ``TEMPLATES``/``TITLES``, over the
demo city's departments and their catalog items), generated without a database. The demo
templates always write the unit's full name into the text, which makes routing easy; the
``masked`` figures remove the name, as when a caller only says what they applied for.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from xiaoneng.demo import catalog_data, data
from xiaoneng.demo.complaints_data import TEMPLATES, TITLES
from xiaoneng.routing import RoutingModel

#: write_complaints declines this share; only accepted-and-routed complaints are labelled.
DECLINED = 0.08


def demo_routed(count: int, seed: int, *, masked: bool = False) -> list[tuple[str, str]]:
    """(title + text, department code) of the routed ones among ``count`` demo complaints."""
    rng = random.Random(f"{seed}:complaints")
    rows = []
    for _ in range(count):
        code = rng.choice(list(TEMPLATES))
        dept = rng.choice(data.DEPARTMENTS)
        item = rng.choice(catalog_data.item_names(dept.code) or [dept.short_name + "相关业务"])
        content = TEMPLATES[code].format(month=rng.randint(1, 12), unit=dept.name, item=item)
        if masked:
            content = content.replace(dept.name, "有关单位")
        if rng.random() >= DECLINED:
            rows.append((f"{TITLES[code].format(item=item)[:100]}\n{content}", dept.code))
    return rows


@dataclass(frozen=True)
class Accuracy:
    train: int
    test: int
    units: int
    top1: float
    top3: float
    train_seconds: float
    suggest_ms: float


def evaluate(count: int = 5000, seed: int = 2026, *, masked: bool = False) -> Accuracy:
    """Train on 80% of the routed demo complaints (shuffled by ``seed``), test on the rest."""
    rows = demo_routed(count, seed, masked=masked)
    random.Random(f"{seed}:split").shuffle(rows)
    cut = int(len(rows) * 0.8)
    train, test = rows[:cut], rows[cut:]
    started = time.perf_counter()
    model = RoutingModel.train(train)
    train_seconds = time.perf_counter() - started
    hits1 = hits3 = 0
    started = time.perf_counter()
    for text, unit in test:
        ranked = [u for u, _ in model.suggest(text, k=3)]
        hits1 += bool(ranked) and ranked[0] == unit
        hits3 += unit in ranked
    suggest_ms = (time.perf_counter() - started) * 1000 / max(len(test), 1)
    return Accuracy(
        len(train),
        len(test),
        len({u for _, u in rows}),
        hits1 / len(test),
        hits3 / len(test),
        train_seconds,
        suggest_ms,
    )
