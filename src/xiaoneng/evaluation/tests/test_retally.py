"""Anyone can redo the tally: from the public workbook alone (the anonymous answers in 评议表,
the strata order of 层面得分, the seed and replicates of 说明) and the open scoring core, the
published scores, rates with their intervals over whole sheets, and rank intervals come out
again. (tools/redo_tally.py does the same without the core: test_redo_tally.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from xiaoneng import scoring
from xiaoneng.evaluation import excel, services

from .test_excel import _open, _records, _rows
from .test_notice import tallied_campaign

pytestmark = pytest.mark.django_db


def test_the_published_figures_can_be_recomputed_from_the_public_workbook(office_user, units):
    campaign = tallied_campaign(office_user, units)
    wb = _open(excel.build_workbook(campaign, public=True))
    notes = {row[0]: row[1] for row in _rows(wb["说明"]) if row and row[0]}
    ranking = {r["单位"]: r for r in _records(wb["排名"])}
    strata = [h for h in _rows(wb["层面得分"])[0] if h not in ("单位类别", "单位", "得分")]
    sheets = _records(wb["评议表"])
    head = _rows(wb["评议表"])[0]
    cells = [h for h in head if "·" in h]
    unit_names = list(dict.fromkeys(c.split("·")[0] for c in cells))
    dimensions = list(dict.fromkeys(c.split("·")[1] for c in cells))
    method = services.scoring_method(campaign)  # as printed in 说明
    labels = [o.label for o in method.options]

    answers = np.full((len(sheets), len(unit_names), len(dimensions)), -1, dtype=np.int8)
    for s, row in enumerate(sheets):
        for u, unit in enumerate(unit_names):
            for d, dim in enumerate(dimensions):
                value = row[f"{unit}·{dim}"]
                if value is not None:
                    answers[s, u, d] = labels.index(value)
    core = scoring.Campaign(
        units=tuple(scoring.UnitRef(n, ranking[n]["单位类别"]) for n in unit_names),
        dimensions=tuple(dimensions),
        strata=tuple(strata),
        labels=tuple(labels),
        sheet_ids=tuple(r["问卷标识"] for r in sheets),
        sheet_strata=np.array([strata.index(r["层面"]) for r in sheets], dtype=np.intp),
        answers=answers,
    )
    redone = scoring.tally(
        core,
        method,
        exclude=[r["问卷标识"] for r in sheets if r["不计入统计"] == "是"],
        replicates=int(notes["自助法重复次数"]),
        seed=int(notes["自助法随机种子"]),
    )
    for name, row in ranking.items():
        mine = redone.unit(name)
        assert mine.score == pytest.approx(row["得分"])
        head = mine.headline_rate
        assert head.value == pytest.approx(row["满意率"])
        assert head.low == pytest.approx(row["满意率95%下限"])
        assert head.high == pytest.approx(row["满意率95%上限"])
        assert head.design_effect == pytest.approx(row["满意率设计效应"])
        assert head.effective_n == pytest.approx(row["满意率有效样本量"])
        assert mine.top_three.low == pytest.approx(row["前三项95%下限"])
        assert mine.awareness == pytest.approx(row["知晓率"])
        assert (mine.rank, mine.rank_low, mine.rank_high) == (
            row["名次"],
            row["名次区间起"],
            row["名次区间止"],
        )
    parts = {(r["范围"], r["名称"]): r for r in _records(wb["分项满意率"])}
    assert redone.headline_rate.low == pytest.approx(
        parts[("全部单位", "满意率（公布）")]["95%下限"]
    )
    for dim, rate in redone.dimension_rates.items():
        assert rate.high == pytest.approx(parts[("评议内容", dim)]["95%上限"])
    for stratum, rate in redone.stratum_rates.items():
        assert rate.effective_n == pytest.approx(parts[("层面", stratum)]["有效样本量"])
