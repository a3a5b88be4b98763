"""The evaluation pages through the test client: every page renders at every stage, forms keep
what was typed on a refusal, roles see what they should, and the public files re-check."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from xiaoneng.accounts.roles import Role
from xiaoneng.evaluation import results, services, sheets
from xiaoneng.evaluation.models import AnswerSheet, Campaign, PaperForm

from .conftest import dates, make_collecting, make_draft, people, pool_file, released
from .test_results import flagged_campaign, hand_campaign

pytestmark = pytest.mark.django_db

OFFICE_PAGES = [
    "detail",
    "edit",
    "form",
    "strata",
    "units",
    "weights",
    "pool",
    "draw",
    "codes",
    "paper",
    "review",
    "results",
]


def login(client, user):
    client.force_login(user)
    return client


#: What must never reach the screen: Python's None, a model's repr, a dict or a list of ids.
LEAKS = re.compile(r"\bNone\b|\bnull\b|object at 0x|<[A-Z][A-Za-z]+: |\{'|\[\d+(, \d+)*\]")


def shown_text(page: str) -> str:
    """The page as read on screen: without scripts, tags, and with entities decoded."""
    page = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def all_pages_render(client, campaign: Campaign) -> None:
    pages = [reverse(f"evaluation:{name}", args=[campaign.pk]) for name in OFFICE_PAGES]
    pages.append(reverse("evaluation:list"))
    if campaign.status != Campaign.Status.DRAFT:
        pages.append(reverse("evaluation:public_detail", args=[campaign.pk]))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        leak = LEAKS.search(shown_text(response.content.decode()))
        assert leak is None, f"{url}: {leak.group(0)!r}"


def test_office_pages_render_at_every_stage(client, office_user, units):
    login(client, office_user)
    campaign = make_draft(office_user, units)
    all_pages_render(client, campaign)
    campaign = make_collecting(office_user, units)
    all_pages_render(client, campaign)
    assert client.get(reverse("evaluation:letters", args=[campaign.pk])).status_code == 200
    done = hand_campaign(office_user, units)
    all_pages_render(client, done)
    results.finalize(office_user, done, flags_reviewed=True)
    all_pages_render(client, done)
    page = client.get(reverse("evaluation:results", args=[done.pk])).content.decode()
    assert "名次区间" in page and "市甲局" in page


def test_create_campaign_keeps_input_on_error(client, office_user):
    login(client, office_user)
    d = dates()
    data = {
        "name": "2026年度评议",
        "year": "2026",
        "description": "",
        "draw": d.collection,  # out of order
        "distribution": d.distribution,
        "collection": d.draw,
        "tally": d.tally,
        "publication": d.publication,
        "preset": "default",
    }
    response = client.post(reverse("evaluation:new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "依次" in page and 'value="2026年度评议"' in page
    data.update(draw=d.draw, collection=d.collection)
    response = client.post(reverse("evaluation:new"), data)
    campaign = Campaign.objects.get(name="2026年度评议")
    assert response.url == reverse("evaluation:detail", args=[campaign.pk])


def test_pool_import_page_lists_errors(client, office_user, units):
    login(client, office_user)
    campaign = make_draft(office_user, units)
    bad = pool_file([["甲", "", "13911110000", ""], ["乙", "企业", "123", ""]])
    response = client.post(
        reverse("evaluation:pool", args=[campaign.pk]),
        {"action": "import", "file": io.BytesIO(bad)},
    )
    page = response.content.decode()
    assert "第2行：缺少层面" in page and "第3行：手机号码“123”格式不正确" in page
    good = pool_file(people("居民", 2, 700))
    upload = io.BytesIO(good)
    upload.name = "pool.xlsx"
    response = client.post(
        reverse("evaluation:pool", args=[campaign.pk]), {"action": "import", "file": upload}
    )
    assert response.status_code == 302
    assert campaign.evaluators.count() == 9
    template = client.get(reverse("evaluation:pool_template", args=[campaign.pk]))
    assert (
        load_workbook(io.BytesIO(b"".join(template.streaming_content))).active["A1"].value == "姓名"
    )


def test_draw_through_the_pages(client, office_user, units):
    login(client, office_user)
    campaign = make_draft(office_user, units)
    url = reverse("evaluation:draw", args=[campaign.pk])
    client.post(url, {"action": "freeze"})
    response = client.post(url, {"action": "announce", "seed_source": "短"})
    assert "至少8字" in response.content.decode()
    client.post(url, {"action": "announce", "seed_source": "2026年第030期双色球开奖号码"})
    response = client.post(url, {"action": "seed", "seed": "三 五"})
    assert response.status_code == 200 and 'value="三 五"' in response.content.decode()
    client.post(url, {"action": "seed", "seed": "03 09 14 21 26 33 / 07"})
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAWN
    public = client.get(reverse("evaluation:public_detail", args=[campaign.pk])).content.decode()
    assert campaign.roster_hash in public and "3.9.14.21.26.33./7./" in public
    roster = client.get(reverse("evaluation:roster_file", args=[campaign.pk]))
    assert roster.content.decode() == campaign.roster_csv
    script = client.get(reverse("evaluation:redo_script"))
    assert b"def main" in script.content or b"argparse" in script.content


def test_paper_entry_and_resolution_pages(client, office_user, clerk2, units):
    campaign = make_collecting(office_user, units)
    layout = sheets.layout_of(campaign)
    stratum = campaign.strata.get(name="企业").pk
    form = {"serial": "P-1", "stratum": str(stratum), **{f"d_{u.pk}": "12" for u in layout.units}}
    login(client, office_user)
    url = reverse("evaluation:paper", args=[campaign.pk])
    assert client.post(url, form).status_code == 302
    # The same clerk again: refused, and the typed digits stay on the page.
    response = client.post(url, form)
    assert "另一位录入员" in response.content.decode()
    login(client, clerk2)
    client.post(url, {**form, f"d_{layout.units[0].pk}": "13"})
    paper = PaperForm.objects.get(serial="P-1")
    assert paper.status == PaperForm.Status.MISMATCH
    resolve = reverse("evaluation:paper_resolve", args=[campaign.pk, paper.pk])
    page = client.get(resolve).content.decode()
    assert "比较满意" in page and "基本满意" in page
    client.post(resolve, {"stratum": str(stratum), **{f"d_{u.pk}": "12" for u in layout.units}})
    paper.refresh_from_db()
    assert paper.status == PaperForm.Status.ACCEPTED and AnswerSheet.objects.count() == 1


def test_public_answer_flow_keeps_answers_on_refusal(client, collecting):
    code = services.code_of(collecting.codes.first())
    response = client.post(reverse("evaluation:answer"), {"step": "code", "code": "AAAAA-AAAAA"})
    assert "无效或已经使用过" in response.content.decode()
    response = client.post(reverse("evaluation:answer"), {"step": "code", "code": code})
    page = response.content.decode()
    assert "市甲局" in page and "记为“不了解”" in page
    layout = sheets.layout_of(collecting)
    units = [u.pk for u in layout.units]
    answers = {f"a-{u.pk}-{d.pk}": "0" for u in layout.units for d in layout.dimensions}
    missing = dict(answers)
    missing.pop(next(iter(missing)))

    def send(step, **fields):
        return client.post(reverse("evaluation:answer"), {"step": step, "code": code, **fields})

    send("pick", shown=units, unit=units, go="next")
    send("rate", units=units, **missing, **{f"o-{units[1]}": "建议延长办公时间"}, go="review")
    page = send("review", go="submit").content.decode()
    assert "没有评完" in page and "建议延长办公时间" in page
    # Every answer given is still there: back on the rating pages, 5 of the 6 are checked.
    rated = (
        send("review", go="cat:0").content.decode() + send("review", go="cat:1").content.decode()
    )
    assert rated.count(" checked") == 5 and "建议延长办公时间</textarea>" in rated
    send("rate", units=units, **answers, go="review")
    assert "感谢您的评议" in send("review", go="submit").content.decode()
    assert "无效或已经使用过" in send("review", go="submit").content.decode()
    assert collecting.pending.count() == 1
    assert released(collecting).get().answers == "0" * 6


def test_roles(client, users, units):
    office = users[Role.OFFICE]
    campaign = hand_campaign(office, units)
    results.finalize(office, campaign, flags_reviewed=True)
    for role, expected in ((Role.LEADER, 200), (Role.LIAISON, 403), (Role.WINDOW, 403)):
        login(client, users[role])
        assert client.get(reverse("evaluation:results", args=[campaign.pk])).status_code == expected
    login(client, users[Role.LEADER])
    assert client.get(reverse("evaluation:pool", args=[campaign.pk])).status_code == 403
    publish = client.post(reverse("evaluation:results", args=[campaign.pk]), {"action": "publish"})
    assert publish.status_code == 403
    # Before publication the public sees no results and a liaison gets no notice.
    client.logout()
    page = client.get(reverse("evaluation:public_detail", args=[campaign.pk])).content.decode()
    assert "评议结果" not in page
    login(client, users[Role.LIAISON])
    cu = campaign.units.get(unit=units[0])
    assert client.get(reverse("evaluation:notice", args=[campaign.pk, cu.pk])).status_code == 404
    results.publish(office, campaign)
    mine = client.get(reverse("evaluation:mine")).content.decode()
    assert "市甲局" in mine and "市乙局" not in mine
    other = campaign.units.get(unit=units[1])
    assert client.get(reverse("evaluation:notice", args=[campaign.pk, other.pk])).status_code == 404
    client.logout()
    page = client.get(reverse("evaluation:public_detail", args=[campaign.pk])).content.decode()
    assert "评议结果" in page and "名次区间" in page


def test_draft_campaigns_are_not_public(client, office_user, units):
    campaign = make_draft(office_user, units)
    assert client.get(reverse("evaluation:public_detail", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("evaluation:roster_file", args=[campaign.pk])).status_code == 404


def test_review_page_adopts_rules_for_every_sheet_they_flag(client, office_user, units):
    campaign = flagged_campaign(office_user, units)
    login(client, office_user)
    url = reverse("evaluation:review", args=[campaign.pk])
    page = client.get(url).content.decode()
    assert "一律同选" in page and "答卷完全相同" in page and "未采用" in page
    client.post(url, {"action": "adopt", "rule": "straight_lining", "reason": ""})
    assert not campaign.sheets.filter(excluded=True).exists()
    client.post(url, {"action": "adopt", "rule": "straight_lining", "reason": "敷衍作答"})
    # Both straight-lined sheets, not one of them.
    assert campaign.sheets.filter(excluded=True, exclusion_rule="straight_lining").count() == 2
    page = client.get(url).content.decode()
    assert "采用理由：敷衍作答" in page and "撤销此规则" in page
    client.post(url, {"action": "withdraw", "rule": "straight_lining"})
    assert not campaign.sheets.filter(excluded=True).exists()
    client.post(url, {"action": "adopt", "rule": "identical_answers", "reason": "重复提交"})
    assert campaign.sheets.filter(excluded=True).count() == 1
    response = client.post(url, {"action": "finalize"}, follow=True)
    assert "尚未确认复核" in response.content.decode()
    response = client.post(url, {"action": "finalize", "flags_reviewed": "on"})
    assert response.url == reverse("evaluation:results", args=[campaign.pk])


def test_units_page_sets_the_ticked_units_and_keeps_what_was_typed_on_a_refusal(
    client, office_user, units
):
    campaign = make_draft(office_user, units)
    url = reverse("evaluation:units", args=[campaign.pk])
    login(client, office_user)
    a, b = units[0], units[1]
    posted = {"unit": [b.pk, a.pk], f"category_{a.pk}": "政府机构", f"category_{b.pk}": ""}
    posted[f"duty_{b.pk}"] = "负责乙事务的新说明"
    page = client.post(url, posted, follow=True).content.decode()
    assert f"请为“{b.name}”选择单位类别" in page and "负责乙事务的新说明" in page
    assert campaign.units.count() == 3  # nothing changed
    posted[f"category_{b.pk}"] = "窗口单位"
    assert client.post(url, posted).status_code == 302
    chosen = list(campaign.units.order_by("sort_order").values_list("unit_id", "category"))
    assert chosen == [(b.pk, "窗口单位"), (a.pk, "政府机构")]  # in the posted order


def test_units_page_refuses_a_unit_it_did_not_offer(client, office_user, units, org):
    campaign = make_draft(office_user, units)
    login(client, office_user)
    url = reverse("evaluation:units", args=[campaign.pk])
    posted = {"unit": [units[0].pk, org.section_a.pk], f"category_{units[0].pk}": "政府机构"}
    page = client.post(url, posted).content.decode()
    assert "不在可用的选项中" in page and campaign.units.count() == 3


def test_a_step_about_another_campaigns_evaluator_is_not_found(client, office_user, units):
    campaign = make_draft(office_user, units)
    other = make_draft(office_user, units)
    stranger = other.evaluators.first()
    login(client, office_user)
    pool_url = reverse("evaluation:pool", args=[campaign.pk])
    assert client.post(pool_url, {"action": "remove", "evaluator": stranger.pk}).status_code == 404
    assert client.post(pool_url, {"action": "remove"}).status_code == 404
    own = campaign.evaluators.first()
    assert client.post(pool_url, {"action": "remove", "evaluator": own.pk}).status_code == 302
    assert not campaign.evaluators.filter(pk=own.pk).exists()
    draw_url = reverse("evaluation:draw", args=[campaign.pk])
    replace = {"action": "replace", "evaluator": stranger.pk, "reason": "出差"}
    assert client.post(draw_url, replace).status_code == 404
    codes_url = reverse("evaluation:codes", args=[campaign.pk])
    mode = {"action": "mode", "evaluator": stranger.pk, "mode": "paper"}
    assert client.post(codes_url, mode).status_code == 404


def test_pool_search_ignores_an_unknown_status(client, office_user, units):
    campaign = make_draft(office_user, units)
    login(client, office_user)
    url = reverse("evaluation:pool", args=[campaign.pk])
    everyone = client.get(url, {"status": "nonsense"}).context["page"].paginator.count
    assert everyone == campaign.evaluators.count() == 7
    assert client.get(url, {"stratum": "企业"}).context["page"].paginator.count == 4
    assert client.get(url, {"status": "selected"}).context["page"].paginator.count == 0


def test_form_page_saves_the_tables_and_keeps_what_was_typed_on_a_refusal(
    client, office_user, units
):
    campaign = make_draft(office_user, units)
    login(client, office_user)
    url = reverse("evaluation:form", args=[campaign.pk])
    dims = {
        "section": "dimensions",
        "dim_name": ["服务质量", "服务质量", ""],
        "dim_weight": ["2", "1", "1"],
    }
    page = client.post(url, dims, follow=True).content.decode()
    assert "评议内容“服务质量”重复" in page and page.count('value="服务质量"') == 2
    dims["dim_name"], dims["dim_weight"] = ["服务质量", "办事效率", ""], ["2", "1", "1"]
    assert client.post(url, dims).status_code == 302
    assert list(campaign.dimensions.values_list("name", "weight")) == [
        ("服务质量", 2.0),
        ("办事效率", 1.0),
    ]
    options = {
        "section": "options",
        "opt_label": ["很好", "一般", "不好", "不清楚"],
        "opt_value": ["100", "abc", "0", ""],
        "opt_top2": ["0"],
        "opt_top3": ["0", "1"],
        "headline": "top_three",
    }
    page = client.post(url, options, follow=True).content.decode()
    assert "选项“一般”的分值“abc”不是数字" in page and 'value="abc"' in page
    options["opt_value"][1] = "60"
    assert client.post(url, options).status_code == 302
    campaign.refresh_from_db()
    assert campaign.headline == "top_three" and list(
        campaign.options.values_list("label", "value", "top_two", "top_three")
    ) == [
        ("很好", 100.0, True, True),
        ("一般", 60.0, False, True),
        ("不好", 0.0, False, False),
        ("不清楚", None, False, False),
    ]
    assert client.post(url, {"section": "preset", "preset": "default"}).status_code == 302
    assert campaign.options.count() == 5


def test_strata_page_saves_the_rows(client, office_user, units):
    campaign = make_draft(office_user, units)
    login(client, office_user)
    url = reverse("evaluation:strata", args=[campaign.pk])
    rows = {"name": ["企业", "居民", ""], "quota": ["9", "1", "0"], "weight": ["1", "1", "1"]}
    page = client.post(url, rows, follow=True).content.decode()
    assert "层面“企业”的名额 9 大于评议人库中该层面的人数 4" in page and 'value="9"' in page
    rows["quota"][0], rows["weight"][1] = "3", "2"
    assert client.post(url, rows).status_code == 302
    assert list(campaign.strata.values_list("name", "quota", "weight")) == [
        ("企业", 3, 1.0),
        ("居民", 1, 2.0),
    ]


def test_weights_page_saves_category_weights_and_the_assessment(client, office_user, units):
    campaign = make_draft(office_user, units)
    login(client, office_user)
    url = reverse("evaluation:weights", args=[campaign.pk])
    by_stratum = {"section": "category", "category": "政府机构", "kind": "stratum"}
    page = client.post(url, {**by_stratum, "w_0": "2"}, follow=True).content.decode()
    assert "请为居民都填写权重" in page
    assert client.post(url, {**by_stratum, "w_0": "2", "w_1": "1"}).status_code == 302
    assert dict(campaign.category_weights.values_list("key", "weight")) == {"企业": 2, "居民": 1}
    cus = list(campaign.units.order_by("sort_order"))
    scores = {f"a_{cu.pk}": str(80 + n) for n, cu in enumerate(cus)}
    combined = {"questionnaire_weight": "70", "assessment_weight": "30", **scores}
    page = client.post(url, {**combined, f"a_{cus[0].pk}": "120"}, follow=True).content.decode()
    assert f"“{cus[0].unit.name}”的考核得分应在0到100之间" in page
    assert client.post(url, combined).status_code == 302
    campaign.refresh_from_db()
    assert (campaign.questionnaire_weight, campaign.assessment_weight) == (70, 30)
    assert list(
        campaign.units.order_by("sort_order").values_list("assessment_score", flat=True)
    ) == [
        80,
        81,
        82,
    ]
