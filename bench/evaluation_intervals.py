"""Measurement: how wide the published satisfaction-rate intervals are, against a bootstrap over
whole answer sheets, on the demo's published campaigns (docs/scoring.md §2, "Design effects").

Run:  XIAONENG_DATA_DIR=<dir> .venv/bin/python bench/evaluation_intervals.py [--build]
                                                 [--replicates 2000] [--seed 2026]

``--build`` first builds, in the empty data directory, the default demo city and its
evaluation campaigns only, with the demo's seed (no cases or complaints: they do not touch the
campaigns). Then, for
every published campaign, from the stored sheets and exclusions:

- the design effect of each unit's headline rate (设计效应, docs/scoring.md §2 step 6) and of the
  campaign's, with the interval as published, the interval counting answers as independent
  (per-answer Wilson) and a stratified percentile bootstrap over whole sheets (``--replicates``
  replicates, numpy's generator seeded with ``--seed``: a yardstick, not the published method);
- the ratio of the bootstrap variance to the binomial one (what the published design effect
  estimates in closed form).

Prints a table per campaign; no timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def setup() -> None:
    if not os.environ.get("XIAONENG_DATA_DIR"):
        sys.exit("XIAONENG_DATA_DIR 未设置（演示数据库所在目录）")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")
    import django

    django.setup()


def build() -> None:
    """The default demo's city and campaigns, as ``xiaoneng demo`` makes them (its seed)."""
    from django.core.management import call_command

    from xiaoneng.demo.builder import DEFAULT_SEED, build_demo
    from xiaoneng.demo.evaluation_data import write_campaigns

    call_command("migrate", verbosity=0)
    summary = build_demo(seed=DEFAULT_SEED, size="default")
    write_campaigns(DEFAULT_SEED, summary.today, "default")


def bootstrap(core, keep, top, valid, replicates: int, seed: int) -> np.ndarray:
    """(replicates × units + 1) headline rates: units, then all units together."""
    rng = np.random.default_rng(seed)
    strata = core.sheet_strata[keep]
    y = np.concatenate([top, top.sum(axis=1, keepdims=True)], axis=1)
    x = np.concatenate([valid, valid.sum(axis=1, keepdims=True)], axis=1)
    ys = np.zeros((replicates, y.shape[1]))
    xs = np.zeros((replicates, y.shape[1]))
    for h in range(len(core.strata)):
        rows = np.flatnonzero(strata == h)
        if not len(rows):
            continue
        counts = rng.multinomial(len(rows), np.full(len(rows), 1 / len(rows)), size=replicates)
        ys += counts @ y[rows]
        xs += counts @ x[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        return ys / xs


def measure(campaign, replicates: int, seed: int) -> None:
    from xiaoneng import scoring
    from xiaoneng.evaluation import results, services

    core = results.core_campaign(campaign)
    excluded = set(map(str, campaign.sheets.filter(excluded=True).values_list("id", flat=True)))
    keep = np.array([sid not in excluded for sid in core.sheet_ids])
    result = results.compute(campaign, core=core)
    method = services.scoring_method(campaign)
    labels = core.labels
    options = {o.label: o for o in method.options}
    headline = method.top_two if method.headline == "top_two" else method.top_three
    answers = core.answers[keep]
    valid_lut = np.array([options[lab].value is not None for lab in labels] + [False])
    top_lut = np.array([lab in headline for lab in labels] + [False])
    valid = valid_lut[answers].sum(axis=2).astype(float)  # -1 (blank) reads the False at the end
    top = top_lut[answers].sum(axis=2).astype(float)
    rates = bootstrap(core, keep, top, valid, replicates, seed)
    names = dict(campaign.units.values_list("pk", "unit__name"))
    rows = []
    for i, unit in enumerate(result.units):
        r = unit.headline_rate
        if not r.n or r.value in (0.0, 1.0):
            continue
        boot = rates[:, i]
        binomial = r.value * (1 - r.value) / r.n
        wilson = scoring.wilson_interval(r.count, r.n)
        rows.append(
            (
                names[int(unit.unit)],
                r,
                wilson,
                np.quantile(boot, [0.025, 0.975]),
                boot.var() / binomial,
            )
        )
    total = result.headline_rate
    boot = rates[:, -1]
    print(f"\n== {campaign.name}：评议表 {result.sheets_used} 份，有效评价 {total.n} 项")
    ratio = boot.var() / (total.value * (1 - total.value) / total.n)
    print(
        f"总体满意率 {total.value:.2%}：公布区间 [{total.low:.2%}, {total.high:.2%}]，"
        f"设计效应 {total.design_effect:.1f}，有效样本量 {total.effective_n:.0f}；"
        f"逐项 Wilson {_pair(scoring.wilson_interval(total.count, total.n))}；"
        f"自助法 {_pair(np.quantile(boot, [0.025, 0.975]))}（方差比 {ratio:.1f}）"
    )
    deffs = [r.design_effect for _, r, *_ in rows]
    ratios = [x[-1] for x in rows]
    print(
        f"单位满意率的设计效应：中位数 {statistics.median(deffs):.2f}，"
        f"最小 {min(deffs):.2f}，最大 {max(deffs):.2f}；"
        f"自助法方差比 中位数 {statistics.median(ratios):.2f}，最大 {max(ratios):.2f}；"
        f"区间宽度比（公布 ÷ 逐项 Wilson）中位数 "
        f"{statistics.median([(r.high - r.low) / (w[1] - w[0]) for _, r, w, *_ in rows]):.2f}"
    )
    for dim, rate in result.dimension_rates.items():
        print(f"  评议内容 {dim}：设计效应 {rate.design_effect:.1f}")
    for stratum, rate in result.stratum_rates.items():
        print(f"  层面 {stratum}：设计效应 {rate.design_effect:.1f}")
    print("满意率最低的五个单位（公布区间 / 逐项 Wilson / 自助法）：")
    for name, r, wilson, boot_ci, _ in sorted(rows, key=lambda x: x[1].value)[:5]:
        print(
            f"  {name} {r.value:.2%}：{_pair((r.low, r.high))} / {_pair(wilson)} / "
            f"{_pair(boot_ci)}，设计效应 {r.design_effect:.2f}"
        )


def _pair(pair) -> str:
    return f"[{pair[0]:.2%}, {pair[1]:.2%}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    setup()
    if args.build:
        build()
    from xiaoneng.evaluation.models import Campaign

    for campaign in Campaign.objects.filter(status="published").order_by("year"):
        measure(campaign, args.replicates, args.seed)


if __name__ == "__main__":
    main()
