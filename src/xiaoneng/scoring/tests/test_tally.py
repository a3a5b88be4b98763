"""The tally against small campaigns computed by hand (docs/scoring.md has the formulas)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from xiaoneng.scoring import (
    DEFAULT,
    GROUP_WEIGHTED,
    HANGZHOU,
    PRESETS,
    QUESTIONNAIRE_70_ASSESSMENT_30,
    SHANDONG_2008,
    Campaign,
    LastPlace,
    ScoringMethod,
    Sheet,
    UnitRef,
    tally,
)

approx = pytest.approx

UNITS = (UnitRef("A", "X"), UnitRef("B", "X"), UnitRef("C", "Y"))
DIMS = ("d1", "d2")
STRATA = ("群众", "代表")
# 群众 counts twice as much as 代表.
WEIGHTED = replace(DEFAULT, name="w21", stratum_weights={"群众": 2, "代表": 1})


def small() -> Campaign:
    """Three sheets. 代表 did not evaluate B (renormalisation); 不了解 in B/d2 and C/d1."""
    sheets = [
        Sheet("s1", "群众", {
            ("A", "d1"): "满意", ("A", "d2"): "比较满意",
            ("B", "d1"): "基本满意", ("B", "d2"): "不了解",
            ("C", "d1"): "满意", ("C", "d2"): "满意",
        }, serial="001"),
        Sheet("s2", "群众", {
            ("A", "d1"): "比较满意", ("A", "d2"): "比较满意",
            ("B", "d1"): "不满意", ("B", "d2"): "基本满意",
            ("C", "d1"): "不了解", ("C", "d2"): "满意",
        }, serial="002"),
        Sheet("s3", "代表", {
            ("A", "d1"): "满意", ("A", "d2"): "满意",
            ("C", "d1"): "不满意", ("C", "d2"): "基本满意",
        }, serial="003"),
    ]  # fmt: skip
    return Campaign.from_records(UNITS, DIMS, STRATA, sheets)


def test_representation() -> None:
    c = small()
    assert c.answers.shape == (3, 3, 2)
    assert c.answers.dtype == np.int8
    assert c.answers[2, 1].tolist() == [-1, -1]  # 代表 was not asked about B
    assert c.sheet_strata.tolist() == [0, 0, 1]
    assert c.serials == ("001", "002", "003")


def test_hand_computed_weighted_strata() -> None:
    r = tally(small(), WEIGHTED, replicates=0)
    a, b, c = r.unit("A"), r.unit("B"), r.unit("C")
    # A: 群众 d1 (100+80)/2 = 90, d2 80; 代表 d1 100, d2 100.
    #    d1 = (2·90 + 1·100)/3 = 93.33, d2 = (2·80 + 100)/3 = 86.67, score = 90.
    assert dict(a.dimension_scores) == {"d1": approx(280 / 3), "d2": approx(260 / 3)}
    assert a.score == approx(90.0)
    assert dict(a.stratum_scores) == {"群众": approx(85.0), "代表": approx(100.0)}
    # B: only 群众 answered: weights renormalised to 群众 alone. d1 (60+0)/2 = 30; d2: s1 said
    #    不了解 (excluded), s2 60 ⇒ 60. score = 45.
    assert dict(b.dimension_scores) == {"d1": approx(30.0), "d2": approx(60.0)}
    assert b.score == approx(45.0)
    assert b.stratum_scores["代表"] is None
    # C: 群众 d1 100 (s2 不了解), d2 100; 代表 d1 0, d2 60.
    #    d1 = (200 + 0)/3 = 66.67, d2 = (200 + 60)/3 = 86.67, score = 76.67.
    assert dict(c.dimension_scores) == {"d1": approx(200 / 3), "d2": approx(260 / 3)}
    assert c.score == approx(230 / 3)
    assert c.questionnaire_score == c.score and c.assessment_score is None

    # Rates are pooled over the valid answers (不了解 left out).
    assert (a.top_two.count, a.top_two.n, a.top_three.count) == (6, 6, 6)
    assert (b.top_two.count, b.top_two.n, b.top_three.count) == (0, 3, 2)
    assert (c.top_two.count, c.top_two.n, c.top_three.count) == (3, 5, 4)
    assert c.top_two.value == approx(0.6)
    assert c.headline_rate == c.top_two
    # B's 0 of 3 comes from two sheets: at p = 0 the correlation within a sheet cannot be
    # estimated, so each sheet counts once (design effect 3/2, effective n 2) and the Wilson
    # high end is z²/(n_eff + z²).
    assert (b.top_two.design_effect, b.top_two.effective_n) == (1.5, 2.0)
    assert b.top_two.low == 0.0 and b.top_two.high == approx(1.96**2 / (2 + 1.96**2))
    # 知晓率 = answers other than 不了解 / all answers given.
    assert (a.awareness, b.awareness, c.awareness) == (1.0, 0.75, approx(5 / 6))
    assert (a.answers, a.valid_answers, a.sheets) == (6, 6, 3)
    assert (b.answers, b.valid_answers, b.sheets) == (4, 3, 2)
    assert (c.answers, c.valid_answers, c.sheets) == (6, 5, 3)

    assert (a.rank, b.rank, c.rank) == (1, 2, 1)  # within category X, and C alone in Y
    assert (r.sheets_total, r.sheets_used, r.excluded) == (3, 3, ())
    assert (r.top_two.count, r.top_two.n, r.top_three.count) == (9, 14, 12)
    assert (r.answers, r.valid_answers, r.awareness) == (16, 14, 14 / 16)
    assert r.method == "w21"


def test_default_equal_strata() -> None:
    r = tally(small(), replicates=0)
    # A: d1 = (90 + 100)/2 = 95, d2 = (80 + 100)/2 = 90 ⇒ 92.5. B unchanged (one stratum).
    assert r.unit("A").score == approx(92.5)
    assert r.unit("B").score == approx(45.0)
    # C: d1 = (100 + 0)/2 = 50, d2 = (100 + 60)/2 = 80 ⇒ 65.
    assert r.unit("C").score == approx(65.0)


def test_exclusion_and_dimension_renormalisation() -> None:
    r = tally(small(), WEIGHTED, exclude={"s2"}, replicates=0)
    # A: 群众 = s1 only: d1 = (200 + 100)/3 = 100, d2 = (160 + 100)/3 = 86.67 ⇒ 93.33.
    assert r.unit("A").score == approx(280 / 3)
    # B: s1 only: d1 = 60, d2 only 不了解 ⇒ no score; the unit score is renormalised over d1.
    b = r.unit("B")
    assert b.dimension_scores["d2"] is None
    assert b.score == approx(60.0)
    assert (b.awareness, b.valid_answers, b.sheets) == (0.5, 1, 1)
    assert (r.sheets_used, r.excluded) == (2, ("s2",))
    with pytest.raises(ValueError, match="not in the campaign"):
        tally(small(), exclude={"nope"}, replicates=0)


def test_dimension_and_category_weights() -> None:
    m = replace(WEIGHTED, dimension_weights={"d1": 3, "d2": 1})
    r = tally(small(), m, replicates=0)
    assert r.unit("A").score == approx((3 * 280 / 3 + 260 / 3) / 4)
    # Category Y scores only d2; category X keeps 3:1.
    m = replace(m, category_dimension_weights={"Y": {"d1": 0, "d2": 1}})
    r = tally(small(), m, replicates=0)
    assert r.unit("C").score == approx(260 / 3)
    assert r.unit("A").score == approx((3 * 280 / 3 + 260 / 3) / 4)
    # Per-category strata weights: in Y only 代表 counts.
    m = replace(WEIGHTED, category_stratum_weights={"Y": {"群众": 0, "代表": 1}})
    r = tally(small(), m, replicates=0)
    assert r.unit("C").score == approx(30.0)
    assert r.unit("A").score == approx(90.0)


def test_weights_must_name_every_stratum() -> None:
    with pytest.raises(ValueError, match="stratum weights missing"):
        tally(small(), replace(DEFAULT, stratum_weights={"群众": 1}), replicates=0)
    with pytest.raises(ValueError):
        replace(DEFAULT, stratum_weights={"群众": -1})


def test_unknown_label_for_method() -> None:
    # The default campaign uses 比较满意, which the Shandong scale does not have.
    with pytest.raises(ValueError, match="比较满意"):
        tally(small(), SHANDONG_2008, replicates=0)


def test_shandong_2008() -> None:
    labels = ("满意", "基本满意", "不满意", "不了解")
    sheets = [
        Sheet(i, "群众", {("A", "d1"): lab})
        for i, lab in enumerate(["满意", "基本满意", "不满意", "不了解"])
    ]
    c = Campaign.from_records([UnitRef("A")], ["d1"], ["群众"], sheets, labels=labels)
    u = tally(c, SHANDONG_2008, replicates=0).unit("A")
    assert u.score == approx((100 + 75 + 55) / 3)  # 不了解 unscored
    assert (u.top_two.count, u.top_two.n) == (2, 3)  # 满意 + 基本满意
    assert u.awareness == 0.75


def test_hangzhou_headline_is_top_three() -> None:
    r = tally(small(), HANGZHOU, replicates=0)
    c = r.unit("C")
    assert c.headline_rate == c.top_three
    assert (c.headline_rate.count, c.headline_rate.n) == (4, 5)  # 满意+比较满意+基本满意
    assert r.headline_rate == r.top_three
    assert r.unit("C").score == tally(small(), replicates=0).unit("C").score


def test_group_weights() -> None:
    groups = ("服务对象", "监督员", "社会各界")
    sheets = [
        Sheet(1, "服务对象", {("A", "d1"): "满意"}),
        Sheet(2, "服务对象", {("A", "d1"): "不满意"}),
        Sheet(3, "监督员", {("A", "d1"): "满意"}),
        Sheet(4, "社会各界", {("A", "d1"): "基本满意"}),
    ]
    c = Campaign.from_records([UnitRef("A")], ["d1"], groups, sheets)
    # 0.5·50 + 0.25·100 + 0.25·60 = 65.
    assert tally(c, GROUP_WEIGHTED, replicates=0).unit("A").score == approx(65.0)
    # Without 社会各界: (0.5·50 + 0.25·100)/0.75 = 66.67.
    r = tally(c, GROUP_WEIGHTED, exclude={4}, replicates=0)
    assert r.unit("A").score == approx(200 / 3)
    assert tally(c, replicates=0).unit("A").score == approx((50 + 100 + 60) / 3)


def test_combination_70_30() -> None:
    m = replace(QUESTIONNAIRE_70_ASSESSMENT_30, stratum_weights=WEIGHTED.stratum_weights)
    r = tally(small(), m, assessment={"A": 80, "B": 100, "C": 50}, replicates=0)
    a, b, c = r.unit("A"), r.unit("B"), r.unit("C")
    assert a.score == approx(0.7 * 90 + 0.3 * 80)  # 87
    assert b.score == approx(0.7 * 45 + 0.3 * 100)  # 61.5
    assert c.score == approx(0.7 * 230 / 3 + 0.3 * 50)
    assert (a.questionnaire_score, a.assessment_score) == (approx(90.0), 80.0)
    assert (a.rank, b.rank) == (1, 2)
    with pytest.raises(ValueError, match="assessment"):
        tally(small(), m, replicates=0)
    with pytest.raises(ValueError, match="missing"):
        tally(small(), m, assessment={"A": 80}, replicates=0)
    with pytest.raises(ValueError, match="assessment"):
        tally(small(), assessment={"A": 1, "B": 1, "C": 1}, replicates=0)


def test_presets_registry() -> None:
    assert set(PRESETS) == {
        "default", "shandong_2008", "hangzhou", "group_weighted", "questionnaire_70_assessment_30"
    }  # fmt: skip
    assert PRESETS["default"] is DEFAULT
    assert DEFAULT.option("不了解").value is None
    with pytest.raises(ValueError, match="top_two"):
        ScoringMethod(top_two=frozenset({"不了解"}))


def campaign_of(unit_answers: dict[str, list[str]], per_stratum: int = 20) -> Campaign:
    """One category, two strata; unit → the answer of sheet i (cycled), one dimension."""
    units = [UnitRef(u, "窗口单位") for u in unit_answers]
    sheets = []
    for i in range(2 * per_stratum):
        answers = {(u, "d"): labs[i % len(labs)] for u, labs in unit_answers.items()}
        sheets.append(Sheet(i, STRATA[i % 2], answers))
    return Campaign.from_records(units, ["d"], STRATA, sheets)


def test_ties_share_rank_and_skip() -> None:
    c = campaign_of({
        "P": ["满意"], "Q": ["比较满意"], "R": ["比较满意"], "S": ["基本满意", "不满意"],
    })  # fmt: skip
    r = tally(c, replicates=50, seed=1)
    assert [r.unit(u).rank for u in "PQRS"] == [1, 2, 2, 4]
    assert r.unit("S").last_place == LastPlace.LAST
    # Two units tied at the bottom: neither can be flagged.
    c = campaign_of({"P": ["满意"], "Q": ["比较满意"], "R": ["基本满意"], "S": ["基本满意"]})
    r = tally(c, replicates=50, seed=1)
    assert [r.unit(u).rank for u in "PQRS"] == [1, 2, 3, 3]
    assert {r.unit(u).last_place for u in "RS"} == {LastPlace.NOT_DISTINGUISHABLE}
    assert r.categories[0].status == LastPlace.NOT_DISTINGUISHABLE
    assert r.categories[0].last_unit is None


def test_clearly_worst_is_flagged() -> None:
    c = campaign_of({
        "P": ["满意", "比较满意"], "Q": ["满意", "基本满意"], "R": ["不满意", "不满意", "基本满意"],
    })  # fmt: skip
    r = tally(c, seed=2026)
    p, q, last = r.unit("P"), r.unit("Q"), r.unit("R")
    assert last.rank == 3 and (last.rank_low, last.rank_high) == (3, 3)
    assert last.last_place == LastPlace.LAST
    assert p.last_place == q.last_place == LastPlace.NOT_LAST
    assert r.categories[0].last_unit == "R"
    assert r.categories[0].mean_score == approx((p.score + q.score + last.score) / 3)


def test_near_tie_is_not_distinguishable() -> None:
    # Q: 20 满意 + 20 不满意 (50); R: 19 + 21 (47.5). Sampling noise is far larger.
    q = ["满意", "不满意"] * 20
    rr = ["满意", "不满意"] * 19 + ["不满意", "不满意"]
    c = campaign_of({"P": ["满意"], "Q": q, "R": rr}, per_stratum=20)
    r = tally(c, seed=2026)
    assert r.unit("R").rank == 3 and r.unit("Q").rank == 2
    assert r.unit("R").rank_low == 2  # the interval reaches Q's rank
    assert r.unit("R").last_place == LastPlace.NOT_DISTINGUISHABLE
    assert r.categories[0].status == LastPlace.NOT_DISTINGUISHABLE


def test_no_bootstrap_no_flag_and_single_unit_category() -> None:
    c = campaign_of({"P": ["满意"], "R": ["不满意"]})
    r = tally(c, replicates=0)
    assert r.unit("R").rank_low is None
    assert r.unit("R").last_place == LastPlace.NOT_DISTINGUISHABLE
    r = tally(small(), seed=3)
    assert r.unit("C").last_place == LastPlace.NOT_DISTINGUISHABLE  # alone in category Y


def test_unit_without_answers_is_unranked() -> None:
    r = tally(small(), exclude={"s1", "s2"}, seed=1)
    b = r.unit("B")
    assert (b.score, b.rank, b.rank_low, b.top_two.value, b.awareness) == (None,) * 5
    assert b.last_place == LastPlace.UNRANKED
    assert r.unit("A").rank == 1


def test_bootstrap_reproducible_with_seed() -> None:
    q = ["满意", "不满意"] * 20
    rr = ["满意", "不满意"] * 19 + ["不满意", "不满意"]
    c = campaign_of({"P": ["满意", "比较满意", "不满意"], "Q": q, "R": rr})

    def intervals(seed: int) -> list[tuple[int | None, int | None]]:
        return [(u.rank_low, u.rank_high) for u in tally(c, seed=seed, replicates=100).units]

    assert intervals(11) == intervals(11)
    assert any(intervals(s) != intervals(11) for s in range(12, 20))
