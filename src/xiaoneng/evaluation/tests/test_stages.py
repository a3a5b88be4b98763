"""The campaign's one table of stages (services.STAGES): what may be done when, the refusals in
their words, and a stage move recorded with the stages it went between."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.evaluation import pool, results, services, sheets
from xiaoneng.evaluation.models import Campaign

from .conftest import people, pool_file

Status = Campaign.Status


@pytest.mark.parametrize("status", Status.values)
def test_the_campaigns_own_predicates_agree_with_the_table(status):
    campaign = Campaign(status=status)
    allowed = services.STAGES.allowed
    assert campaign.pool_editable == allowed(campaign, "edit_pool")
    assert campaign.form_editable == allowed(campaign, "edit_form")
    assert campaign.is_collecting == allowed(campaign, "answer_online")
    assert campaign.is_collecting == allowed(campaign, "enter_paper")
    assert campaign.has_results == (not allowed(campaign, "set_assessment"))


def _refusal(call, *args, **kwargs) -> str:
    with pytest.raises((ValidationError, PermissionDenied)) as refused:
        call(*args, **kwargs)
    return " ".join(getattr(refused.value, "messages", None) or [str(refused.value)])


def test_every_action_refuses_in_its_words(office_user, users, draft):
    office, liaison = office_user, users[Role.LIAISON]
    evaluator = draft.evaluators.first()
    assert _refusal(services.open_collection, liaison, draft) == "只有效能办可以管理评议活动"
    assert _refusal(pool.remove_person, liaison, evaluator) == "只有效能办可以管理评议活动"
    in_draft = "评议活动当前处于“筹备中”阶段，不能{}"
    assert _refusal(services.open_collection, office, draft) == in_draft.format("开始评议")
    assert _refusal(services.close_collection, office, draft) == in_draft.format("结束回收")
    assert _refusal(services.issue_codes, office, draft) == in_draft.format("发放评议码")
    assert _refusal(services.replace_evaluator, office, evaluator, "病") == in_draft.format(
        "替补评议人"
    )
    assert _refusal(services.announce_seed_source, office, draft, "x" * 10) == in_draft.format(
        "公告种子来源"
    )
    assert _refusal(services.enter_seed_and_draw, office, draft, "1") == in_draft.format(
        "抽取评议人"
    )
    assert _refusal(sheets.adopt_rule, office, draft, "straight_line", "x") == in_draft.format(
        "采用或撤销剔除规则"
    )
    assert _refusal(results.finalize, office, draft, flags_reviewed=True) == in_draft.format(
        "统计计分"
    )
    assert _refusal(results.reopen, office, draft, "x") == in_draft.format("撤销计分")
    assert _refusal(results.publish, office, draft) == in_draft.format("公布结果")
    assert _refusal(sheets.enter_paper, office, draft, "P1", 1, {}) == services.NOT_COLLECTING
    services.freeze_roster(office, draft)
    assert _refusal(services.freeze_roster, office, draft) == (
        "评议活动当前处于“名册已冻结”阶段，不能冻结名册"
    )
    assert _refusal(pool.import_pool, office, draft, pool_file(people("企业", 1, 900))) == (
        "名册已经冻结，评议人库不能再修改"
    )


def test_a_stage_move_is_audited_with_both_stages(office_user, collecting):
    services.close_collection(office_user, collecting)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "update" and entry.summary == "结束回收评议表：网上 0 份，纸质 0 份"
    assert entry.before == {"status": "collecting"}
    assert entry.after == {
        "status": "closed",
        "online": 0,
        "paper": 0,
        "released_at_close": 0,
        "drafts_deleted": 0,
    }
    collecting.refresh_from_db()
    assert collecting.status == Status.CLOSED and collecting.collection_closed_at is not None
