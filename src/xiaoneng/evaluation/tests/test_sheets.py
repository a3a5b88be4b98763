"""Answer sheets: online with single-use codes, paper with double entry, and anonymity."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from xiaoneng.evaluation import services, sheets
from xiaoneng.evaluation.models import (
    AccessCode,
    AnswerSheet,
    Campaign,
    Evaluator,
    Opinion,
    PaperForm,
)

from .conftest import released

pytestmark = pytest.mark.django_db


def codes(campaign: Campaign) -> list[str]:
    return [
        services.code_of(a)
        for a in AccessCode.objects.filter(campaign=campaign).order_by("evaluator__number")
    ]


def full_answers(campaign: Campaign, option: int = 0) -> dict:
    layout = sheets.layout_of(campaign)
    return {(u.pk, d.pk): option for u in layout.units for d in layout.dimensions}


def test_an_evaluator_answers_once_with_a_code(collecting):
    code = codes(collecting)[0]
    answers = full_answers(collecting)
    unit = collecting.units.first()
    sheets.submit_online(code, answers, [(unit.pk, "窗口人员态度好，但排队时间长。")])
    access = AccessCode.objects.get(campaign=collecting, used=True)
    sheet = released(collecting).get()
    assert sheet.channel == "online" and sheet.answers == "0" * 6
    assert sheet.stratum_id == access.evaluator.stratum_id
    assert Opinion.objects.get(sheet=sheet).text == "窗口人员态度好，但排队时间长。"
    with pytest.raises(ValidationError, match="已经使用过"):
        sheets.submit_online(code, answers)
    assert AnswerSheet.objects.count() == 1 and not collecting.pending.exists()


def test_codes_are_case_and_dash_insensitive(collecting):
    code = codes(collecting)[0].lower().replace("-", " ")
    sheets.submit_online(code, full_answers(collecting))
    assert collecting.pending.count() == 1


def test_unknown_code_and_the_same_message(collecting):
    with pytest.raises(ValidationError) as unknown:
        sheets.submit_online("ZZZZZ-ZZZZZ", full_answers(collecting))
    code = codes(collecting)[0]
    sheets.submit_online(code, full_answers(collecting))
    with pytest.raises(ValidationError) as reused:
        sheets.submit_online(code, full_answers(collecting))
    assert unknown.value.messages == reused.value.messages


def test_answers_outside_the_scale_or_missing_are_refused(collecting):
    code = codes(collecting)[0]
    answers = full_answers(collecting)
    key = next(iter(answers))
    with pytest.raises(ValidationError, match="不在选项范围内"):
        sheets.submit_online(code, {**answers, key: 7})
    with pytest.raises(ValidationError, match="未评完"):
        sheets.submit_online(code, {**answers, key: None})
    with pytest.raises(ValidationError, match="不属于本次评议"):
        sheets.submit_online(code, {**answers, (999999, 1): 0})
    # None of the refusals used the code.
    sheets.submit_online(code, answers)


def test_codes_work_only_while_collecting(office_user, collecting):
    code = codes(collecting)[0]
    services.close_collection(office_user, collecting)
    with pytest.raises(ValidationError, match="不接受"):
        sheets.submit_online(code, full_answers(collecting))


def test_revoked_code_is_refused(office_user, collecting):
    person = collecting.evaluators.filter(status=Evaluator.Status.SELECTED).order_by("number")[0]
    code = services.code_of(person.access_code)
    services.replace_evaluator(office_user, person, "联系不上")
    with pytest.raises(ValidationError, match="无效"):
        sheets.submit_online(code, full_answers(collecting))


# ---- paper ---------------------------------------------------------------------------------


def rows(campaign: Campaign, digits: str = "12") -> dict[int, str]:
    return {u.pk: digits for u in sheets.layout_of(campaign).units}


def stratum_id(campaign: Campaign) -> int:
    return campaign.strata.get(name="企业").pk


def test_two_equal_entries_make_one_sheet(office_user, clerk2, collecting):
    unit = collecting.units.first()
    first = sheets.enter_paper(
        office_user,
        collecting,
        "p-0001",
        stratum_id(collecting),
        rows(collecting),
        [(unit.pk, "希望公开办事流程。")],
    )
    assert first.status == PaperForm.Status.AWAITING_SECOND
    assert not AnswerSheet.objects.exists()
    second = sheets.enter_paper(
        clerk2,
        collecting,
        "P-0001",
        stratum_id(collecting),
        rows(collecting),
        [(unit.pk, "希望公开 办事流程。")],
    )
    assert second.status == PaperForm.Status.ACCEPTED
    sheet = AnswerSheet.objects.get()
    assert sheet.serial == "P-0001" and sheet.channel == "paper"
    assert sheet.answers == "01" * 3  # digit 1 = the first option, 2 = the second
    assert Opinion.objects.filter(sheet=sheet).count() == 1  # same text once
    with pytest.raises(ValidationError, match="已经录入并入库"):
        sheets.enter_paper(
            office_user, collecting, "P-0001", stratum_id(collecting), rows(collecting)
        )


def test_the_same_clerk_cannot_enter_a_serial_twice(office_user, collecting):
    sheets.enter_paper(office_user, collecting, "P-0002", stratum_id(collecting), rows(collecting))
    with pytest.raises(ValidationError, match="另一位录入员"):
        sheets.enter_paper(
            office_user, collecting, "P-0002", stratum_id(collecting), rows(collecting)
        )


def test_a_mismatch_holds_the_form_until_resolved(office_user, clerk2, collecting):
    sid = stratum_id(collecting)
    sheets.enter_paper(office_user, collecting, "P-0003", sid, rows(collecting, "12"))
    changed = rows(collecting, "12")
    first_unit = next(iter(changed))
    changed[first_unit] = "13"
    outcome = sheets.enter_paper(clerk2, collecting, "P-0003", sid, changed)
    assert outcome.status == PaperForm.Status.MISMATCH
    assert [(d.dimension, d.first, d.second) for d in outcome.differences] == [
        ("行政效能", "比较满意", "基本满意")
    ]
    assert not AnswerSheet.objects.exists()
    with pytest.raises(ValidationError, match="等待核对原件"):
        sheets.enter_paper(office_user, collecting, "P-0003", sid, rows(collecting))
    with pytest.raises(ValidationError, match="纸质评议表未完成"):
        services.close_collection(office_user, collecting)
    sheet = sheets.resolve_paper(office_user, outcome.form, sid, changed)
    assert sheet.answers.startswith("02")
    outcome.form.refresh_from_db()
    assert outcome.form.status == PaperForm.Status.ACCEPTED
    services.close_collection(office_user, collecting)


def test_paper_digits_are_checked(office_user, collecting):
    sid = stratum_id(collecting)
    with pytest.raises(ValidationError, match="应录入 2 位数字"):
        sheets.enter_paper(office_user, collecting, "P-9", sid, rows(collecting, "1"))
    with pytest.raises(ValidationError, match="不在选项范围内"):
        sheets.enter_paper(office_user, collecting, "P-9", sid, rows(collecting, "19"))
    with pytest.raises(ValidationError) as caught:
        sheets.enter_paper(office_user, collecting, "P 9!", sid, rows(collecting))
    assert "serial" in caught.value.message_dict
    # Blanks on paper are kept as blanks.
    sheets.enter_paper(office_user, collecting, "P-9", sid, rows(collecting, "10"))
    form = PaperForm.objects.get(serial="P-9")
    assert form.entries.get().answers == "0-" * 3
    assert not PaperForm.objects.filter(serial="P 9!").exists()


def test_exclusion_is_by_rule_with_a_reason_at_the_review_stage(office_user, collecting):
    campaign = collecting
    straight = full_answers(campaign, 0)
    for code in codes(campaign)[:3]:
        sheets.submit_online(code, straight)
    with pytest.raises(ValidationError, match="阶段"):
        sheets.adopt_rule(office_user, campaign, "straight_lining", "一律同选")
    services.close_collection(office_user, campaign)
    with pytest.raises(ValidationError, match="理由"):
        sheets.adopt_rule(office_user, campaign, "straight_lining", "")
    with pytest.raises(ValidationError, match="没有这条"):
        sheets.adopt_rule(office_user, campaign, "by_hand", "理由")
    # Two items only: the careless rules need ten, so nothing is flagged here.
    assert sheets.adopt_rule(office_user, campaign, "identical_answers", "重复提交") == 0
    campaign.refresh_from_db()
    assert campaign.exclusion_rules == {"identical_answers": "重复提交"}
    sheets.withdraw_rule(office_user, campaign, "identical_answers")
    campaign.refresh_from_db()
    assert campaign.exclusion_rules == {}


def test_a_layout_read_once_serves_many_entries(office_user, clerk2, collecting):
    # The demo enters ~1,400 paper forms in a row; reading the layout for each was the largest
    # part of every entry.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    layout = sheets.layout_of(collecting)
    sid = stratum_id(collecting)
    with CaptureQueriesContext(connection) as given:
        sheets.enter_paper(office_user, collecting, "L-0001", sid, rows(collecting), layout=layout)
    with CaptureQueriesContext(connection) as read:
        sheets.enter_paper(office_user, collecting, "L-0002", sid, rows(collecting))
    assert len(given) < len(read)
    second = sheets.enter_paper(clerk2, collecting, "L-0001", sid, rows(collecting), layout=layout)
    assert second.status == PaperForm.Status.ACCEPTED
    assert AnswerSheet.objects.get(serial="L-0001").answers == "01" * 3
