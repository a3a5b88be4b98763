"""The questionnaire in three steps through the test client (no JavaScript): pick the units one
knows, rate them one category at a time, review and submit once; the draft that lets an
evaluator resume with the same code, and what it must not reveal."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from xiaoneng.evaluation import drafts, services, sheets
from xiaoneng.evaluation.models import AccessCode, AnswerDraft, AnswerSheet, Opinion, ScaleOption

from .conftest import make_collecting, released

pytestmark = pytest.mark.django_db

URL = reverse("evaluation:answer")
S, C, B, N, U = 0, 1, 2, 3, 4  # 满意 比较满意 基本满意 不满意 不了解


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()


def first_code(campaign) -> str:
    return services.code_of(campaign.codes.order_by("evaluator__number").first())


def unit_ids(campaign) -> dict[str, int]:
    """Campaign unit id by unit name: 市甲局, 市乙局 (政府机构), 市丙中心 (窗口单位)."""
    return {cu.unit.name: cu.pk for cu in sheets.layout_of(campaign).units}


def dim_ids(campaign) -> list[int]:
    return [d.pk for d in sheets.layout_of(campaign).dimensions]


def post(client, code: str, step: str, **fields):
    return client.post(URL, {"code": code, "step": step, **fields})


def rate_fields(campaign, ratings: dict[int, tuple[int, ...]], opinions=None) -> dict:
    """The POST of one category page: its units and their ratings (and opinions)."""
    dims = dim_ids(campaign)
    fields: dict = {"units": list(ratings)}
    for unit, values in ratings.items():
        for dim, value in zip(dims, values, strict=False):
            fields[f"a-{unit}-{dim}"] = str(value)
    for unit, text in (opinions or {}).items():
        fields[f"o-{unit}"] = text
    return fields


def saved_draft(campaign, code: str) -> drafts.Draft:
    return drafts.load(code, campaign, sheets.layout_of(campaign))


def test_the_three_steps_store_the_same_string_as_the_one_page_form(client, office_user, units):
    """Knowing 市甲局 and 市丙中心: 市乙局 becomes 不了解 on every dimension, and the stored string
    is exactly what the old form stored for the same answers."""
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    ids = unit_ids(campaign)
    a, b, c = ids["市甲局"], ids["市乙局"], ids["市丙中心"]

    page = post(client, code, "code").content.decode()
    assert 'data-testid="pick-form"' in page and "市乙局" in page and "其余 <strong" in page
    page = post(client, code, "pick", shown=[a, b, c], unit=[a, c], go="next").content.decode()
    # Step 2 starts with the first category that has a picked unit: 政府机构, only 市甲局.
    assert 'data-testid="rate-form"' in page and "市甲局" in page and "市乙局" not in page
    assert "窗口单位 <span" in page  # the tab of the next category
    page = post(
        client,
        code,
        "rate",
        **rate_fields(campaign, {a: (S, C)}, {a: "办事流程清楚。"}),
        go="cat:1",
    ).content.decode()
    assert "市丙中心" in page and "下一步：核对并提交" in page
    page = post(client, code, "rate", **rate_fields(campaign, {c: (B, U)}), go="review")
    page = page.content.decode()
    assert 'data-testid="review-form"' in page
    assert "您评价了 2 个单位；其余 1 个单位记为“不了解”" in page
    assert "服务意识：满意" in page and "行政效能：不了解" in page and "办事流程清楚。" in page
    done = post(client, code, "review", go="submit").content.decode()
    assert "感谢您的评议" in done

    # In the anonymity pool until a batch is released (here: as the close would).
    assert not AnswerSheet.objects.exists() and campaign.pending.count() == 1
    sheet = released(campaign).get()
    layout = sheets.layout_of(campaign)
    d1, d2 = dim_ids(campaign)
    old_form = {(a, d1): S, (a, d2): C, (b, d1): U, (b, d2): U, (c, d1): B, (c, d2): U}
    assert sheet.answers == sheets.encode(layout, old_form) == "01" + "44" + "24"
    assert Opinion.objects.get(sheet=sheet).text == "办事流程清楚。"
    # Nothing keyed by the code is left; the code is spent.
    assert not AnswerDraft.objects.exists()
    assert AccessCode.objects.filter(campaign=campaign, used=True).count() == 1


def test_resuming_with_the_same_code_brings_everything_back(client, office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    ids = unit_ids(campaign)
    a, c = ids["市甲局"], ids["市丙中心"]
    post(client, code, "code")
    post(client, code, "pick", shown=list(ids.values()), unit=[a, c], go="next")
    post(client, code, "rate", **rate_fields(campaign, {a: (S, C)}, {a: "态度好"}), go="cat:1")
    # The evaluator closes the browser; later, on another device, the code again (lower case).
    client.cookies.clear()
    response = post(client, code.lower().replace("-", ""), "code")
    page = response.content.decode()
    assert "已恢复您上次保存的答案" in page
    # Lands on the first category not fully rated: 窗口单位 (市丙中心), with 政府机构 done.
    assert f'name="units" value="{c}"' in page and "政府机构 <span" in page
    assert "1/1" in page
    # Going back to 政府机构 shows the ratings and the opinion as they were.
    page = post(client, code, "rate", units=[c], go="cat:0").content.decode()
    d1, d2 = dim_ids(campaign)
    assert f'name="a-{a}-{d1}" value="0" checked' in page
    assert f'name="a-{a}-{d2}" value="1" checked' in page
    assert "态度好</textarea>" in page
    # And step 1 still has the picks.
    page = post(client, code, "rate", units=[a], go="pick").content.decode()
    assert f'value="{a}" checked' in page and f'value="{c}" checked' in page
    assert f'value="{ids["市乙局"]}">' in page


def test_a_refused_submission_keeps_every_answer_and_opinion(client, office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    ids = unit_ids(campaign)
    a, b = ids["市甲局"], ids["市乙局"]
    post(client, code, "pick", shown=list(ids.values()), unit=[a, b], go="next")
    # 市乙局 half rated, an opinion written.
    post(
        client,
        code,
        "rate",
        **rate_fields(campaign, {a: (S, S), b: (C,)}, {b: "希望延长办公时间"}),
        go="review",
    )
    response = post(client, code, "review", go="submit")
    page = response.content.decode()
    assert "还有 1 个单位没有评完：市乙局" in page and "您已作答的内容都保留着" in page
    assert not released(campaign).exists()
    assert not AccessCode.objects.filter(used=True).exists()
    draft = saved_draft(campaign, code)
    d1, d2 = dim_ids(campaign)
    assert draft.answers == {(a, d1): S, (a, d2): S, (b, d1): C}
    assert draft.opinions == {b: "希望延长办公时间"}
    # Completing it, the submission goes through.
    post(client, code, "rate", **rate_fields(campaign, {a: (S, S), b: (C, N)}), go="review")
    assert "感谢您的评议" in post(client, code, "review", go="submit").content.decode()
    assert released(campaign).get().answers == "00" + "13" + "44"


def test_nothing_picked_means_everything_unknown(client, office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    ids = list(unit_ids(campaign).values())
    page = post(client, code, "pick", shown=ids, go="next").content.decode()
    assert "您没有勾选任何单位：全部 3 个单位都将记为“不了解”" in page
    post(client, code, "review", go="submit")
    assert released(campaign).get().answers == "44" * 3


def test_submitting_without_step_one_is_refused(office_user, units):
    campaign = make_collecting(office_user, units)
    with pytest.raises(ValidationError, match="第一步"):
        sheets.submit_draft(first_code(campaign))


def test_a_used_code_is_refused_at_every_step(client, office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    ids = list(unit_ids(campaign).values())
    post(client, code, "pick", shown=ids, go="next")
    post(client, code, "review", go="submit")
    assert campaign.pending.count() == 1
    for step in ("code", "pick", "rate", "review"):
        page = post(client, code, step, shown=ids, go="submit").content.decode()
        assert "无效或已经使用过" in page, step
        assert 'data-testid="code-form"' in page
    assert post(client, code, "rate", autosave="1").status_code == 409
    assert campaign.pending.count() == 1 and not AnswerDraft.objects.exists()


def test_the_server_filter_keeps_picks_it_hides(client, office_user, units):
    """Without JavaScript the search is a round trip: the page then lists only matching units,
    and a unit picked before but not listed stays picked."""
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    ids = unit_ids(campaign)
    a, b, c = ids["市甲局"], ids["市乙局"], ids["市丙中心"]
    post(client, code, "pick", shown=[a, b, c], unit=[a], go="filter", q="", category="")
    page = post(
        client, code, "pick", shown=[a, b, c], unit=[a], go="filter", q="丙", category=""
    ).content.decode()
    assert "市丙中心" in page and "市甲局" not in page
    assert 'data-picked-elsewhere="1"' in page  # 市甲局, hidden but picked
    page = post(client, code, "pick", shown=[c], unit=[c], go="filter", category="政府机构")
    page = page.content.decode()
    assert "市乙局" in page and "市丙中心" not in page
    assert saved_draft(campaign, code).picked == {a, c}


def test_autosave_keeps_the_page_without_leaving_it(client, office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    ids = unit_ids(campaign)
    a = ids["市甲局"]
    response = post(client, code, "pick", shown=list(ids.values()), unit=[a], autosave="1")
    assert response.status_code == 204
    assert saved_draft(campaign, code).picked == {a}
    response = post(client, code, "rate", **rate_fields(campaign, {a: (B,)}), autosave="1")
    assert response.status_code == 204
    assert saved_draft(campaign, code).answers == {(a, dim_ids(campaign)[0]): B}


def test_a_too_long_opinion_stays_on_its_page(client, office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    ids = unit_ids(campaign)
    a = ids["市甲局"]
    post(client, code, "pick", shown=list(ids.values()), unit=[a], go="next")
    text = "很" * 501
    page = post(
        client, code, "rate", **rate_fields(campaign, {a: (S, S)}, {a: text}), go="review"
    ).content.decode()
    assert (
        "超过500字" in page and f"{text}</textarea>" in page and 'data-testid="rate-form"' in page
    )


def test_many_steps_do_not_trip_the_code_limit_but_failed_codes_do(client, office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    ids = list(unit_ids(campaign).values())
    post(client, code, "code")
    for _ in range(40):  # an evaluator paging back and forth, autosaving
        assert post(client, code, "pick", shown=ids, unit=ids[:1], autosave="1").status_code == 204
    for _ in range(30):
        post(client, "ZZZZZ-ZZZZZ", "pick", shown=ids)
    # The limit now holds for every step, a good code included: no probing past it.
    assert post(client, code, "pick", shown=ids, go="next").status_code == 429
    assert post(client, code, "code").status_code == 429


def test_without_an_unknown_option_there_is_no_step_one(client, office_user, units):
    """A hand-edited scale without 不了解: every unit is rated; the pick step does not exist."""
    campaign = make_collecting(office_user, units)
    ScaleOption.objects.filter(campaign=campaign, value__isnull=True).update(value=10)
    code = first_code(campaign)
    page = post(client, code, "code").content.decode()
    assert 'data-testid="rate-form"' in page and "选择了解的单位" not in page
    ids = unit_ids(campaign)
    post(
        client,
        code,
        "rate",
        **rate_fields(campaign, {ids["市甲局"]: (S, S), ids["市乙局"]: (S, C)}),
    )
    post(client, code, "rate", **rate_fields(campaign, {ids["市丙中心"]: (C, C)}), go="review")
    assert "感谢您的评议" in post(client, code, "review", go="submit").content.decode()
    assert released(campaign).get().answers == "00" + "01" + "11"


# ---- the draft and anonymity ----------------------------------------------------------------


def test_the_draft_cannot_be_joined_to_the_code_or_read_without_it(client, office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    ids = unit_ids(campaign)
    a = ids["市甲局"]
    post(client, code, "pick", shown=list(ids.values()), unit=[a], go="next")
    post(client, code, "rate", **rate_fields(campaign, {a: (S, S)}, {a: "窗口排队太久"}))
    row = AnswerDraft.objects.get()
    access = AccessCode.objects.get(digest__in=services.code_digests(code))
    assert row.key != access.digest
    assert "窗口排队太久" not in row.sealed and services.normalise_code(code) not in row.sealed
    # Padded: a longer opinion does not make a longer draft.
    short = len(row.sealed)
    post(client, code, "rate", **rate_fields(campaign, {a: (S, S)}, {a: "窗口排队太久" * 20}))
    assert len(AnswerDraft.objects.get().sealed) == short
    # Another code cannot open it.
    other = services.code_of(campaign.codes.exclude(pk=access.pk).first())
    assert saved_draft(campaign, other) == drafts.Draft()


def test_the_draft_model_has_no_time_and_no_path_to_codes_or_sheets():
    draft = apps.get_model("evaluation", "AnswerDraft")
    fields = {f.name: f for f in draft._meta.get_fields()}
    assert set(fields) == {"id", "campaign", "key", "sealed"}
    assert not any(f.get_internal_type() in ("DateField", "DateTimeField") for f in fields.values())
    assert draft._meta.pk.get_internal_type() == "UUIDField"


def test_closing_the_collection_deletes_unsubmitted_drafts(client, office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    post(client, code, "pick", shown=list(unit_ids(campaign).values()), go="next")
    assert AnswerDraft.objects.count() == 1
    services.close_collection(office_user, campaign)
    assert not AnswerDraft.objects.exists()
    assert "本次评议现在不接受评议表" in post(client, code, "code").content.decode()


def test_a_save_racing_a_submission_leaves_no_draft(office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    access = sheets.find_code(code)  # checked by the page before the submission lands
    sheets.submit_online(code, {k: U for k in sheets.decode(sheets.layout_of(campaign), "44" * 3)})
    assert drafts.save(access, code, drafts.Draft(picked=frozenset())) is False
    assert not AnswerDraft.objects.exists()


def test_a_draft_survives_a_key_rotation(settings, office_user, units):
    campaign = make_collecting(office_user, units)
    code = first_code(campaign)
    layout = sheets.layout_of(campaign)
    a = layout.units[0].pk
    old = settings.XIAONENG_IDENTITY_KEY
    drafts.save(sheets.find_code(code), code, drafts.Draft(picked=frozenset({a})))
    with override_settings(XIAONENG_IDENTITY_KEY=f"a-new-key-for-the-test,{old}"):
        assert drafts.load(code, campaign, layout).picked == {a}
        drafts.save(sheets.find_code(code), code, drafts.Draft(picked=frozenset()))
        assert AnswerDraft.objects.count() == 1  # moved to the new key
        assert drafts.load(code, campaign, layout).picked == frozenset()
