"""Benchmark: tally of a 10,000-evaluator campaign (100 units × 6 dimensions = 6,000,000 answers).

Run:  .venv/bin/python bench/bench_scoring.py [SHEETS] [REPLICATES] [SEED]

Generated, seeded data: 10 strata of 1,000 sheets, 100 units in 5 categories, the six dimensions
of seed 004; every sheet answers every item; each unit has its own answer distribution (one
clearly worse unit per category) and ~5% 不了解, plus a few careless sheets (flagged, then
excluded). Times the careless-response check and the full
tally (scores, Wilson intervals, B bootstrap replicates for rank intervals, 末位). Target: < 20 s.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from xiaoneng.scoring import (
    DEFAULT_DIMENSIONS,
    Campaign,
    LastPlace,
    UnitRef,
    check_quality,
    tally,
)

LABELS = ("满意", "比较满意", "基本满意", "不满意", "不了解")


def make_campaign(n_sheets: int, seed: int) -> Campaign:
    rng = np.random.default_rng(seed)
    n_units, n_strata = 100, 10
    units = tuple(UnitRef(f"U{i:03d}", f"C{i % 5}") for i in range(n_units))
    # Per unit: probability of 满意 / 比较满意 / 基本满意 / 不满意 / 不了解.
    good = rng.uniform(0.35, 0.6, n_units)
    good[:5] = 0.15  # the first unit of each category is clearly worse
    probs = np.stack(
        [good, (0.95 - good) * 0.55, (0.95 - good) * 0.3, (0.95 - good) * 0.15, np.full(100, 0.05)],
        axis=1,
    )
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    answers = np.empty((n_sheets, n_units, 6), dtype=np.int8)
    for start in range(0, n_sheets, 1000):  # chunks keep the float draws small
        u = rng.random((min(1000, n_sheets - start), n_units, 6))
        answers[start : start + len(u)] = (u[..., None] > cum[None, :, None, :]).sum(axis=-1)
    # Careless sheets for the check to find: 20 straight-lined (all 满意, hence also identical),
    # 5 copies of sheet 100, and one serial entered twice.
    answers[:20] = 0
    answers[101:106] = answers[100]
    serials = [f"No.{i:06d}" for i in range(n_sheets)]
    serials[200] = serials[201]
    return Campaign(
        units=units,
        dimensions=DEFAULT_DIMENSIONS,
        strata=tuple(f"层面{h}" for h in range(n_strata)),
        labels=LABELS,
        sheet_ids=tuple(range(n_sheets)),
        sheet_strata=np.arange(n_sheets) % n_strata,
        answers=answers,
        serials=tuple(serials),
    )


def main() -> None:
    n_sheets = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    replicates = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 2026
    t0 = time.perf_counter()
    campaign = make_campaign(n_sheets, seed)
    t1 = time.perf_counter()
    report = check_quality(campaign)
    t2 = time.perf_counter()
    result = tally(campaign, replicates=replicates, seed=seed, exclude=report.flagged_sheets)
    t3 = time.perf_counter()
    point = tally(campaign, replicates=0, exclude=report.flagged_sheets)
    assert [u.score for u in point.units] == [u.score for u in result.units]
    t4 = time.perf_counter()

    print(f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"sheets {n_sheets:,}, answers {campaign.answers.size:,}, replicates {replicates}")
    print(f"generate data          {t1 - t0:7.2f} s")
    print(
        f"careless check         {t2 - t1:7.2f} s  ({len(report.flags)} flags,"
        f" {len(report.flagged_sheets)} sheets excluded)"
    )
    print(f"tally incl. bootstrap  {t3 - t2:7.2f} s")
    print(f"tally, point only      {t4 - t3:7.2f} s")
    last = [c.last_unit for c in result.categories if c.status == LastPlace.LAST]
    widths = [u.rank_high - u.rank_low for u in result.units if u.rank_high is not None]
    print(f"末位 flagged: {last}; median rank-interval width {int(np.median(widths))}")
    print(f"overall top-two {result.top_two.value:.4f}, 知晓率 {result.awareness:.4f}")
    assert t3 - t2 < 20, "target: tally under 20 s"


if __name__ == "__main__":
    main()
