"""The tally through the Django path, against a small campaign worked out by hand, the review of
careless responses, publication, and the comparison with earlier years."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from xiaoneng.evaluation import results, services, sheets
from xiaoneng.evaluation.models import AccessCode, Campaign, CampaignUnit

from .conftest import SEED, make_collecting, make_draft

pytestmark = pytest.mark.django_db

S, C, B, N, U = 0, 1, 2, 3, 4  # 满意 比较满意 基本满意 不满意 不了解


def codes_of(campaign: Campaign, stratum: str) -> list[str]:
    return [
        services.code_of(a)
        for a in AccessCode.objects.filter(
            campaign=campaign, evaluator__stratum__name=stratum
        ).order_by("evaluator__draw_position")
    ]


def answer(campaign: Campaign, code: str, per_unit: list[tuple[int, ...]]) -> None:
    layout = sheets.layout_of(campaign)
    answers = {
        (unit.pk, dim.pk): per_unit[ui][di]
        for ui, unit in enumerate(layout.units)
        for di, dim in enumerate(layout.dimensions)
    }
    sheets.submit_online(code, answers)


def hand_campaign(office_user, units) -> Campaign:
    """Units A, B (政府机构) and C (窗口单位); dimensions 服务意识, 行政效能; two sheets each
    from 企业 and 居民. Expected figures are worked out in the test below."""
    campaign = make_collecting(office_user, units)
    e1, e2 = codes_of(campaign, "企业")
    r1, r2 = codes_of(campaign, "居民")
    answer(campaign, e1, [(S, S), (C, U), (B, N)])
    answer(campaign, e2, [(C, S), (U, U), (S, S)])
    answer(campaign, r1, [(N, B), (S, S), (U, U)])
    answer(campaign, r2, [(S, S), (C, C), (S, C)])
    services.close_collection(office_user, campaign)
    return campaign


def test_the_tally_matches_the_hand_computation(office_user, units):
    campaign = hand_campaign(office_user, units)
    results.finalize(office_user, campaign, flags_reviewed=False)
    by_unit = {cu.unit_id: cu for cu in campaign.units.all()}
    a, b, c = (by_unit[u.pk] for u in units)
    # A: 服务意识 企业 (100+80)/2 = 90, 居民 (0+100)/2 = 50 → 70; 行政效能 100 and 80 → 90.
    assert a.result["dimensions"] == {"服务意识": 70, "行政效能": 90}
    assert a.score == pytest.approx(80)
    # B: 行政效能 only 居民 answered (企业 both 不了解) → renormalised to 居民's 90.
    assert b.result["dimensions"] == {"服务意识": 85, "行政效能": 90}
    assert b.score == pytest.approx(87.5)
    assert c.score == pytest.approx(77.5)
    # Rates: A 6 of 8 in the top two; B 5 of 5 valid (3 不了解 excluded), 知晓率 5/8.
    assert a.result["top_two"]["count"] == 6 and a.result["top_two"]["n"] == 8
    assert a.headline_rate == pytest.approx(0.75)
    assert b.headline_rate == 1 and b.result["awareness"] == pytest.approx(5 / 8)
    assert c.result["top_three"]["count"] == 5 and c.result["top_three"]["n"] == 6
    low, high = a.result["top_two"]["low"], a.result["top_two"]["high"]
    assert low < 0.75 < high
    # Ranks within category; C alone in its category cannot be called 末位.
    assert (b.rank, a.rank, c.rank) == (1, 2, 1)
    assert c.last_place == CampaignUnit.LastPlace.NOT_DISTINGUISHABLE
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.TALLIED
    assert campaign.summary["sheets_used"] == 4
    assert campaign.summary["by_stratum"] == {"企业": 2, "居民": 2}
    assert campaign.summary["bootstrap_seed"] == results.tally_seed(campaign)


def test_stratum_weights_and_exclusions_change_the_score(office_user, units):
    campaign = hand_campaign(office_user, units)
    with pytest.raises(ValidationError, match="抽取完成后"):
        services.set_strata(office_user, campaign, [services.StratumRow("企业", 2, 3)])
    # The tally leaves out the sheets marked excluded (a rule marks them: sheets.adopt_rule).
    campaign.sheets.filter(stratum__name="居民", answers__startswith="32").update(excluded=True)
    preview = results.compute(campaign, replicates=0)
    a = preview.unit(str(campaign.units.get(unit=units[0]).pk))
    # Without r1: A 服务意识 (90 + 100)/2 = 95, 行政效能 (100 + 100)/2 = 100.
    assert a.score == pytest.approx(97.5)
    assert preview.sheets_used == 3 and len(preview.excluded) == 1


def flagged_campaign(office_user, units, rows=None) -> Campaign:
    """Closed, with two identical straight-lined sheets (12 items each): three flags. ``rows``:
    other sheets instead, per stratum (企业 has three codes, 居民 two)."""
    campaign = make_draft(
        office_user,
        units,
        strata={"企业": (4, 3), "居民": (3, 2)},
        dimensions=["科学发展", "服务意识", "行政效能", "依法行政"],  # 3 units × 4 = 12 items
    )
    services.freeze_roster(office_user, campaign)
    services.announce_seed_source(office_user, campaign, "2026年第030期双色球开奖号码")
    services.enter_seed_and_draw(office_user, campaign, SEED)
    services.issue_codes(office_user, campaign)
    services.open_collection(office_user, campaign)
    rows = rows or {"企业": [[(S, S, S, S)] * 3] * 2}
    for stratum, sheets_ in rows.items():
        for code, per_unit in zip(codes_of(campaign, stratum), sheets_, strict=False):
            answer(campaign, code, per_unit)
    services.close_collection(office_user, campaign)
    return campaign


@pytest.mark.parametrize("option", [C, B, N, U])
def test_straight_lining_is_excluded_alike_whatever_the_option(office_user, units, option):
    """The demo once kept an all-比较满意 sheet while excluding all-满意 ones: a rule excludes every
    sheet it flags, so the option repeated makes no difference."""
    campaign = flagged_campaign(
        office_user,
        units,
        {
            "企业": [[(S, S, S, S)] * 3, [(option,) * 4] * 3, [(S, C, B, N)] * 3],
            "居民": [[(C, S, S, B), (S, S, C, C), (N, B, S, S)]],
        },
    )
    straight = {s.pk for s in campaign.sheets.all() if len(set(s.answers)) == 1}
    assert len(straight) == 2
    sheets.adopt_rule(office_user, campaign, "straight_lining", "敷衍作答")
    results.finalize(office_user, campaign, flags_reviewed=True)
    excluded = campaign.sheets.filter(excluded=True)
    assert set(excluded.values_list("pk", flat=True)) == straight
    assert set(excluded.values_list("exclusion_rule", flat=True)) == {"straight_lining"}
    campaign.refresh_from_db()
    assert campaign.summary["excluded"] == 2 and campaign.summary["sheets_used"] == 2
    assert campaign.summary["exclusion_rules"] == ["straight_lining"]


def test_the_tally_applies_the_adopted_rules_and_nothing_else(office_user, units):
    campaign = flagged_campaign(office_user, units)
    sheets.adopt_rule(office_user, campaign, "identical_answers", "重复提交，保留一份")
    # A sheet marked excluded by other means is counted again: exclusions are rules'.
    campaign.sheets.update(excluded=True)
    results.finalize(office_user, campaign, flags_reviewed=True)
    kept, dropped = results.sheet_rows(campaign, "excluded")
    assert (kept[2], dropped[2]) == (False, True)  # the first of the identical pair is kept
    assert campaign.sheets.get(excluded=True).exclusion_rule == "identical_answers"


def test_careless_flags_must_be_reviewed_before_the_tally(office_user, units):
    campaign = flagged_campaign(office_user, units)
    kinds = sorted(f.kind for f in results.quality(campaign).flags)
    assert kinds == ["identical_answers", "straight_lining", "straight_lining"]
    with pytest.raises(ValidationError, match="尚未确认复核"):
        results.finalize(office_user, campaign, flags_reviewed=False)
    results.finalize(office_user, campaign, flags_reviewed=True)
    campaign.refresh_from_db()
    assert campaign.flags_reviewed_at is not None and campaign.summary["flags"] == 3


def test_results_are_published_and_compared_across_years(office_user, units):
    old = hand_campaign(office_user, units)
    results.finalize(office_user, old, flags_reviewed=True)
    results.publish(office_user, old)
    Campaign.objects.filter(pk=old.pk).update(year=2025)
    new = hand_campaign(office_user, units)
    results.finalize(office_user, new, flags_reviewed=True)
    cus = list(new.units.all())
    history = results.unit_history(new, cus, public=True)
    points = history[units[0].pk]
    assert [p.year for p in points] == [2025, 2026]
    assert points[0].rate == pytest.approx(0.75)
    overall = results.overall_history(new, public=True)
    assert [y for y, _, _ in overall] == [2025, 2026]
    with pytest.raises(ValidationError, match="阶段"):
        results.publish(office_user, old)


def test_reopen_clears_the_results(office_user, units):
    campaign = hand_campaign(office_user, units)
    results.finalize(office_user, campaign, flags_reviewed=True)
    with pytest.raises(ValidationError, match="理由"):
        results.reopen(office_user, campaign, "")
    results.reopen(office_user, campaign, "发现一份纸质表录入有误")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED
    assert not campaign.units.filter(score__isnull=False).exists()


def test_combination_with_the_work_assessment(office_user, units):
    campaign = hand_campaign(office_user, units)
    with pytest.raises(ValidationError, match="都填"):
        services.set_assessment(office_user, campaign, "70", "", {})
    services.set_assessment(office_user, campaign, "70", "30", {})
    with pytest.raises(ValidationError, match="没有考核得分"):
        results.finalize(office_user, campaign, flags_reviewed=True)
    scores = {cu.pk: "90" for cu in campaign.units.all()}
    with pytest.raises(ValidationError, match="0到100"):
        services.set_assessment(
            office_user, campaign, "70", "30", {**scores, next(iter(scores)): "120"}
        )
    services.set_assessment(office_user, campaign, "70", "30", scores)
    results.finalize(office_user, campaign, flags_reviewed=True)
    a = campaign.units.get(unit=units[0])
    assert a.score == pytest.approx(0.7 * 80 + 0.3 * 90)
    assert a.result["questionnaire_score"] == pytest.approx(80)
