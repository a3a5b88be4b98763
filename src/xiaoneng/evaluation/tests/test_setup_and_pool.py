"""Campaign set-up and the evaluator pool: defaults, edits, stages, and every refusal."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.audit.models import AuditEntry
from xiaoneng.evaluation import pool, services
from xiaoneng.evaluation.models import Campaign, Evaluator, Milestone
from xiaoneng.scoring import DEFAULT_DIMENSIONS
from xiaoneng.workdays import SHANGHAI

from .conftest import dates, make_draft, people, pool_file

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_new_campaign_has_the_defaults_of_seed_004(office_user):
    campaign = services.create_campaign(
        office_user, name="2026年千人评议", year=2026, dates=dates(date(2026, 3, 2))
    )
    assert [d.name for d in campaign.dimensions.all()] == list(DEFAULT_DIMENSIONS)
    assert campaign.strata.count() == 10
    assert [(o.label, o.value) for o in campaign.options.all()] == [
        ("满意", 100),
        ("比较满意", 80),
        ("基本满意", 60),
        ("不满意", 0),
        ("不了解", None),
    ]
    assert [o.label for o in campaign.options.filter(top_two=True)] == ["满意", "比较满意"]
    milestones = {m.kind: m for m in campaign.milestones.all()}
    assert set(milestones) == set(Milestone.Kind.values)
    draw = milestones["draw"]
    assert draw.due_date == date(2026, 3, 16)
    assert draw.due_at == datetime(2026, 3, 16, 23, 59, 59, tzinfo=SHANGHAI)
    # Three working days to go: Wed 11, Thu 12, Fri 13 (and the 16th itself) — warned from the
    # start of Wednesday.
    assert draw.warn_at == datetime(2026, 3, 11, 0, 0, tzinfo=SHANGHAI)
    assert AuditEntry.objects.filter(object_type="evaluation.campaign").exists()


def test_only_the_office_runs_campaigns(users):
    from xiaoneng.accounts.roles import Role

    with pytest.raises(PermissionDenied):
        services.create_campaign(users[Role.LIAISON], name="x", year=2026, dates=dates())


def test_milestones_out_of_order_are_refused(office_user):
    d = dates()
    bad = services.MilestoneDates(d.collection, d.distribution, d.draw, d.tally, d.publication)
    with pytest.raises(ValidationError, match="依次"):
        services.create_campaign(office_user, name="x", year=2026, dates=bad)


def test_presets_fill_the_scale(office_user):
    campaign = services.create_campaign(office_user, name="x", year=2026, dates=dates())
    services.apply_preset(office_user, campaign, "shandong_2008")
    assert [(o.label, o.value) for o in campaign.options.all()] == [
        ("满意", 100),
        ("基本满意", 75),
        ("不满意", 55),
        ("不了解", None),
    ]
    services.apply_preset(office_user, campaign, "group_weighted")
    assert {s.name: s.weight for s in campaign.strata.all()} == {
        "服务对象": 50,
        "监督员": 25,
        "社会各界": 25,
    }
    services.apply_preset(office_user, campaign, "questionnaire_70_assessment_30")
    campaign.refresh_from_db()
    assert (campaign.questionnaire_weight, campaign.assessment_weight) == (70, 30)
    with pytest.raises(ValidationError, match="未知的计分方案"):
        services.apply_preset(office_user, campaign, "nonsense")


def test_scale_checks(office_user):
    campaign = services.create_campaign(office_user, name="x", year=2026, dates=dates())
    row = services.OptionRow
    with pytest.raises(ValidationError, match="0到100"):
        services.set_options(
            office_user,
            campaign,
            [row("好", 120, True, True), row("差", 0, False, False)],
            "top_two",
        )
    with pytest.raises(ValidationError, match="不计分的选项"):
        services.set_options(
            office_user,
            campaign,
            [row("好", 100, True, True), row("不了解", None, True, True)],
            "top_two",
        )
    with pytest.raises(ValidationError, match="重复"):
        services.set_options(
            office_user,
            campaign,
            [row("好", 100, True, True), row("好", 0, False, False)],
            "top_two",
        )
    services.set_options(
        office_user,
        campaign,
        [row("好", 100, True, True), row("一般", 50, False, True), row("差", 0, False, False)],
        "top_three",
    )
    campaign.refresh_from_db()
    assert campaign.headline == "top_three"
    method = services.scoring_method(campaign)
    assert method.top_three == {"好", "一般"}


def test_weights_and_category_weights(office_user, draft):
    with pytest.raises(ValidationError, match="不小于0"):
        services.set_dimensions(office_user, draft, [("服务意识", -1), ("行政效能", 1)])
    with pytest.raises(ValidationError, match="都填写权重"):
        services.set_category_weights(
            office_user, draft, "政府机构", "dimension", {"服务意识": 2, "行政效能": ""}
        )
    with pytest.raises(ValidationError, match="没有类别"):
        services.set_category_weights(office_user, draft, "不存在", "dimension", {"服务意识": 1})
    services.set_category_weights(
        office_user, draft, "政府机构", "dimension", {"服务意识": 2, "行政效能": 1}
    )
    method = services.scoring_method(draft)
    assert method.category_dimension_weights == {"政府机构": {"服务意识": 2, "行政效能": 1}}


def test_pool_import_numbers_people_opaquely(office_user, draft):
    numbers = list(draft.evaluators.values_list("number", flat=True))
    assert numbers == [f"2026-{i:05d}" for i in range(1, 8)]
    first = draft.evaluators.get(number="2026-00001")
    assert first.contact.name == "企业0" and first.contact.phone == "13900000000"
    assert first.phone_key and "13900000000" not in first.phone_key


def test_pool_import_lists_every_problem_and_saves_nothing(office_user, units):
    campaign = make_draft(office_user, units)
    before = campaign.evaluators.count()
    rows = [
        ["甲", "", "13911110000", ""],  # missing stratum
        ["乙", "企业", "13911110001", ""],
        ["丙", "企业", "13911110001", ""],  # same phone as the row above
        ["丁", "不存在的层面", "13911110002", ""],
        ["戊", "企业", "12345", ""],  # bad phone
        ["己", "企业", "", "110101199003077777"],  # bad check character
        ["庚", "企业", "", ""],  # neither phone nor id
        ["辛", "企业", "13900000000", ""],  # already in the pool (企业0)
    ]
    with pytest.raises(ValidationError) as caught:
        pool.import_pool(office_user, campaign, pool_file(rows))
    text = messages(caught.value)
    assert "第2行：缺少层面" in text
    assert "第4行：与第3行是同一人" in text
    assert "第5行：层面“不存在的层面”不是本活动的层面" in text
    assert "第6行：手机号码“12345”格式不正确" in text
    assert "第7行：身份证号" in text and "校验码" in text
    assert "第8行：手机号码和身份证号至少要填一项" in text
    assert "第9行：与评议人库中已有的 2026-00001 是同一人" in text
    assert campaign.evaluators.count() == before


def test_pool_import_finds_the_same_id_card_twice(office_user, units):
    campaign = make_draft(office_user, units)
    ident = "11010519491231002X"
    assert pool.valid_id_number(ident)
    rows = [["甲", "企业", "", ident], ["乙", "居民", "", ident.lower()]]
    with pytest.raises(ValidationError, match="与第2行是同一人（身份证号相同）"):
        pool.import_pool(office_user, campaign, pool_file(rows))
    pool.import_pool(office_user, campaign, pool_file(rows[:1]))
    person = campaign.evaluators.order_by("number").last()
    assert person.contact.name == "甲" and person.contact.id_masked == "110***********002X"
    assert ident not in str(Evaluator.objects.filter(pk=person.pk).values().get())


def test_pool_file_needs_its_header(office_user, units):
    campaign = make_draft(office_user, units)
    with pytest.raises(ValidationError, match="缺少列：层面"):
        pool.import_pool(office_user, campaign, pool_file([["甲"]], header=("姓名",)))
    with pytest.raises(ValidationError, match="不是有效的 Excel"):
        pool.import_pool(office_user, campaign, b"not a workbook")


def test_template_imports_after_removing_the_example(office_user, units):
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(pool.template_workbook()))
    assert [c.value for c in wb.active[1]] == list(pool.COLUMNS.values())


def test_add_and_remove_one_person(office_user, draft):
    person = pool.Person(0, "壬", "居民", "13700000001", "", "某社区")
    evaluator = pool.add_person(office_user, draft, person)
    assert evaluator.number == "2026-00008"
    with pytest.raises(ValidationError, match="同一人"):
        pool.add_person(office_user, draft, person)
    assert evaluator.contact.organisation == "某社区"
    pool.remove_person(office_user, evaluator)
    assert not draft.evaluators.filter(pk=evaluator.pk).exists()


def test_quota_larger_than_stratum_is_refused(office_user, draft):
    with pytest.raises(ValidationError, match="名额 9 大于评议人库中该层面的人数 4"):
        services.set_strata(
            office_user,
            draft,
            [services.StratumRow("企业", 9, 1), services.StratumRow("居民", 1, 1)],
        )


def test_stratum_with_people_cannot_be_removed(office_user, draft):
    with pytest.raises(ValidationError, match="已有评议人"):
        services.set_strata(office_user, draft, [services.StratumRow("企业", 1, 1)])


def test_after_the_freeze_the_pool_and_quotas_are_fixed(office_user, draft):
    services.freeze_roster(office_user, draft)
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.FROZEN
    with pytest.raises(ValidationError, match="名册已经冻结"):
        pool.import_pool(office_user, draft, pool_file(people("企业", 1, 500)))
    with pytest.raises(ValidationError, match="只能修改权重"):
        services.set_strata(
            office_user,
            draft,
            [services.StratumRow("企业", 3, 1), services.StratumRow("居民", 2, 1)],
        )
    # Weights and the form may still change until the draw.
    services.set_strata(
        office_user, draft, [services.StratumRow("企业", 2, 2), services.StratumRow("居民", 2, 1)]
    )
    services.set_dimensions(office_user, draft, [("服务意识", 1), ("行政效能", 2)])


def test_after_the_draw_the_form_is_frozen(office_user, draft):
    services.freeze_roster(office_user, draft)
    services.announce_seed_source(office_user, draft, "2026年第030期双色球开奖号码")
    services.enter_seed_and_draw(office_user, draft, "1 2 3")
    for change in (
        lambda: services.set_dimensions(office_user, draft, [("服务意识", 1)]),
        lambda: services.set_options(
            office_user, draft, [services.OptionRow("好", 1, True, True)] * 2, "top_two"
        ),
        lambda: services.set_units(office_user, draft, []),
        lambda: services.apply_preset(office_user, draft, "hangzhou"),
    ):
        with pytest.raises(ValidationError, match="抽取完成后"):
            change()


def test_editing_milestones_moves_their_deadlines(office_user, draft):
    d = dates(date(2026, 4, 1))
    services.update_campaign(
        office_user, draft, name="改名", year=2026, description="方案", dates=d
    )
    m = draft.milestones.get(kind="publication")
    assert m.due_date == d.publication
    with pytest.raises(ValidationError, match="活动名称"):
        services.update_campaign(office_user, draft, name=" ", year=2026, description="", dates=d)
