"""Freezing, the announced seed and the draw — which the standalone script must reproduce —
replacements from the reserve list, and the codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError

from xiaoneng.draw import SCRIPT_PATH as REDO_SCRIPT
from xiaoneng.evaluation import pool, services
from xiaoneng.evaluation.models import AccessCode, Campaign, Evaluator, Milestone

from .conftest import SEED, make_draft, people

pytestmark = pytest.mark.django_db


def redo(tmp_path, campaign: Campaign, seed: str) -> dict:
    """What a member of the public gets from the published files and the script."""
    (tmp_path / "roster.csv").write_bytes(campaign.roster_csv.encode("utf-8"))
    (tmp_path / "quotas.json").write_bytes(campaign.quotas_json.encode("utf-8"))
    out = subprocess.run(
        [sys.executable, "-I", str(REDO_SCRIPT), "roster.csv", seed, "quotas.json", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def drawn(office_user, campaign: Campaign, seed: str = SEED) -> Campaign:
    services.freeze_roster(office_user, campaign)
    services.announce_seed_source(
        office_user, campaign, "2026年第030期双色球开奖号码，红球、蓝球各一组"
    )
    services.enter_seed_and_draw(office_user, campaign, seed)
    campaign.refresh_from_db()
    return campaign


def selected(campaign: Campaign) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in campaign.evaluators.filter(status=Evaluator.Status.SELECTED).order_by(
        "stratum__name", "draw_position"
    ):
        out.setdefault(e.stratum.name, []).append(e.number)
    return out


def test_the_standalone_script_redraws_the_same_list(office_user, draft, tmp_path):
    campaign = drawn(office_user, draft)
    assert campaign.status == Campaign.Status.DRAWN
    assert campaign.seed_canonical == "3.9.14.21.26.33./7./"
    assert len(campaign.roster_hash) == 64
    published = redo(tmp_path, campaign, SEED)
    assert published["roster_hash"] == campaign.roster_hash
    assert published["canonical_seed"] == campaign.seed_canonical
    assert {s: v["selected"] for s, v in published["strata"].items()} == selected(campaign)
    assert campaign.evaluators.filter(status=Evaluator.Status.SELECTED).count() == 4
    # The published roster holds the numbers and strata only.
    assert "企业0" not in campaign.roster_csv and "139" not in campaign.roster_csv
    assert campaign.milestones.get(kind=Milestone.Kind.DRAW).done_at is not None
    assert campaign.layout and len(campaign.layout["units"]) == 3


def test_one_changed_roster_row_changes_the_hash_and_the_draw(office_user, units, tmp_path):
    rows = people("企业", 30) + people("居民", 30, 100)
    a = drawn(
        office_user,
        make_draft(office_user, units, pool=rows, strata={"企业": (30, 5), "居民": (30, 5)}),
    )
    rows[7][1] = "居民"  # one person in the other stratum
    b = drawn(
        office_user,
        make_draft(office_user, units, pool=rows, strata={"企业": (29, 5), "居民": (31, 5)}),
    )
    assert a.roster_hash != b.roster_hash
    assert selected(a) != selected(b)
    assert redo(tmp_path, b, SEED)["roster_hash"] == b.roster_hash


def test_freeze_refuses_a_stratum_with_a_quota_but_nobody(office_user, units):
    campaign = make_draft(office_user, units)
    services.set_strata(
        office_user,
        campaign,
        [
            services.StratumRow("企业", 2, 1),
            services.StratumRow("居民", 2, 1),
            services.StratumRow("学生", 3, 1),
        ],
    )
    with pytest.raises(ValidationError, match="层面“学生”没有评议人，名额却为 3"):
        services.freeze_roster(office_user, campaign)


def test_freeze_refuses_an_empty_pool(office_user, units):
    campaign = services.create_campaign(
        office_user, name="x", year=2026, dates=services.suggested_dates(campaign_start())
    )
    with pytest.raises(ValidationError, match="评议人库是空的"):
        services.freeze_roster(office_user, campaign)


def campaign_start():
    from datetime import date

    return date(2026, 3, 2)


def test_the_seed_needs_its_source_announced_first(office_user, draft):
    services.freeze_roster(office_user, draft)
    with pytest.raises(ValidationError, match="先公告"):
        services.enter_seed_and_draw(office_user, draft, SEED)
    with pytest.raises(ValidationError, match="至少8字"):
        services.announce_seed_source(office_user, draft, "彩票")
    services.announce_seed_source(office_user, draft, "2026年第030期双色球开奖号码")
    with pytest.raises(ValidationError, match="不能更改"):
        services.announce_seed_source(office_user, draft, "2026年第031期双色球开奖号码")
    with pytest.raises(ValidationError) as caught:
        services.enter_seed_and_draw(office_user, draft, "红球 03 09")
    assert "seed" in caught.value.message_dict
    with pytest.raises(ValidationError, match="阶段"):
        services.freeze_roster(office_user, draft)


def test_a_tampered_roster_stops_the_draw(office_user, draft):
    services.freeze_roster(office_user, draft)
    services.announce_seed_source(office_user, draft, "2026年第030期双色球开奖号码")
    Campaign.objects.filter(pk=draft.pk).update(roster_csv="id,stratum\nX1,企业\n")
    with pytest.raises(ValidationError):
        services.enter_seed_and_draw(office_user, draft, SEED)


def test_replacement_takes_the_next_reserve_in_order(office_user, draft):
    campaign = drawn(office_user, draft)
    services.issue_codes(office_user, campaign)
    first = campaign.evaluators.get(stratum__name="企业", draw_position=1)
    with pytest.raises(ValidationError, match="原因"):
        services.replace_evaluator(office_user, first, " ")
    reserve = services.replace_evaluator(office_user, first, "出差，无法参加")
    assert reserve.draw_position == 3  # quota 2: positions 1–2 selected, 3 is the first reserve
    first.refresh_from_db()
    assert first.status == Evaluator.Status.REPLACED and first.replaced_by == reserve
    assert AccessCode.objects.get(evaluator=first).revoked
    assert services.issue_codes(office_user, campaign) == 1  # the reserve gets a code
    second = campaign.evaluators.get(stratum__name="企业", draw_position=2)
    services.replace_evaluator(office_user, second, "联系不上")
    third = campaign.evaluators.get(stratum__name="企业", draw_position=3)
    with pytest.raises(ValidationError, match="没有候补"):
        services.replace_evaluator(office_user, third, "生病")


def test_codes_are_single_use_and_stored_only_as_hashes(office_user, draft):
    campaign = drawn(office_user, draft)
    assert services.issue_codes(office_user, campaign) == 4
    assert services.issue_codes(office_user, campaign) == 0
    access = AccessCode.objects.filter(campaign=campaign).first()
    code = services.code_of(access)
    assert len(code) == 11 and code[5] == "-"
    raw = services.normalise_code(code)
    stored = str(AccessCode.objects.filter(pk=access.pk).values().get())
    assert raw not in stored and code not in stored


def test_paper_evaluators_get_no_code(office_user, draft):
    campaign = drawn(office_user, draft)
    person = campaign.evaluators.filter(status=Evaluator.Status.SELECTED).first()
    services.set_mode(office_user, person, Evaluator.Mode.PAPER)
    assert services.issue_codes(office_user, campaign) == 3
    with pytest.raises(ValidationError, match="不能改为纸质"):
        other = campaign.evaluators.filter(
            status=Evaluator.Status.SELECTED, mode=Evaluator.Mode.ONLINE
        ).first()
        services.set_mode(office_user, other, Evaluator.Mode.PAPER)
    services.open_collection(office_user, campaign)
    services.close_collection(office_user, campaign)
    with pytest.raises(ValidationError, match="阶段"):
        services.set_mode(office_user, person, Evaluator.Mode.ONLINE)


def test_pool_is_untouchable_after_the_draw(office_user, draft):
    campaign = drawn(office_user, draft)
    person = pool.Person(0, "新人", "居民", "13700000009", "", "")
    with pytest.raises(ValidationError, match="冻结"):
        pool.add_person(office_user, campaign, person)
