"""The shared transition step: the table decides who and from which status; one audit entry."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.audit.services import snapshot as audit_snapshot
from xiaoneng.org.models import FirstInquiry
from xiaoneng.testing.factories import FirstInquiryFactory
from xiaoneng.workflow import Transition, Transitions, actor_role, is_person

Status = FirstInquiry.Status
TABLE = Transitions(
    noun="首问登记",
    actions={
        "answer": Transition("答复", {Status.OPEN, Status.ROUTED}, Status.ANSWERED),
        "route": Transition("转交", {Status.OPEN}, Status.ROUTED, roles={Role.OFFICE}),
        "note": Transition("补充说明", {Status.OPEN, Status.ROUTED}, None),
    },
    may_act=lambda actor, record, action: (
        "只能处理本单位的首问登记"
        if is_person(actor) and actor.unit_id != record.unit_id and actor_role(actor) != Role.OFFICE
        else None
    ),
)


def test_a_step_moves_the_status_and_audits_it(users, org):
    inquiry = FirstInquiryFactory(unit=org.dept_a)
    step = TABLE.begin(users[Role.OFFICE], inquiry, "answer")
    step.record.answer = "已电话答复"
    done = step.finish(summary="答复首问", fields=["answer"])
    inquiry.refresh_from_db()
    assert done.status == inquiry.status == Status.ANSWERED and inquiry.answer == "已电话答复"
    entry = AuditEntry.objects.get(object_type="org.firstinquiry")
    assert entry.before == {"status": "open"} and entry.after == {"status": "answered"}


def test_a_step_from_the_wrong_status_is_refused_in_words(users, org):
    inquiry = FirstInquiryFactory(unit=org.dept_a, status=Status.ANSWERED)
    with pytest.raises(ValidationError) as refused:
        TABLE.begin(users[Role.OFFICE], inquiry, "route")
    assert refused.value.messages == ["该首问登记当前为“已答复”，不能转交"]
    assert not AuditEntry.objects.exists()


def test_roles_and_the_records_own_rule_are_checked(users, org):
    inquiry = FirstInquiryFactory(unit=org.dept_b)
    with pytest.raises(PermissionDenied, match="您的角色不能转交"):
        TABLE.begin(users[Role.LIAISON], inquiry, "route")
    with pytest.raises(PermissionDenied, match="只能处理本单位"):
        TABLE.begin(users[Role.LIAISON], inquiry, "answer")
    # A system acting under a name passes the role-free actions.
    assert TABLE.begin("部门业务系统", inquiry, "answer").record.pk == inquiry.pk


def test_available_lists_what_the_actor_could_do_now(users, org):
    inquiry = FirstInquiryFactory(unit=org.dept_a)
    assert TABLE.available(users[Role.OFFICE], inquiry) == ["answer", "route", "note"]
    assert TABLE.available(users[Role.LIAISON], inquiry) == ["answer", "note"]
    inquiry.status = Status.ANSWERED
    assert TABLE.available(users[Role.OFFICE], inquiry) == []


def test_an_action_that_keeps_the_status_is_an_event(users, org):
    inquiry = FirstInquiryFactory(unit=org.dept_a)
    TABLE.begin(users[Role.OFFICE], inquiry, "note").finish(summary="补充说明")
    inquiry.refresh_from_db()
    assert inquiry.status == Status.OPEN
    assert AuditEntry.objects.get().action == "event"


# ---- what a workflow may say its own way --------------------------------------------------------

WORDED = Transitions(
    noun="首问登记",
    denied="只有效能办可以{label}",
    wrong_status="首问登记已是“{status}”，不能{label}",
    actions={
        "route": Transition("转交", {Status.OPEN}, Status.ROUTED, roles={Role.OFFICE}),
        "answer": Transition(
            "答复",
            {Status.OPEN, Status.ROUTED},
            Status.ANSWERED,
            roles={Role.OFFICE},
            denied="答复须由效能办作出",
            wrong_status="已答复的首问登记不能再答复",
            # Only once it was handed over (a rule beyond the status).
            guard=lambda record: None if record.routed_to_unit_id else "请先转交再答复",
        ),
    },
    snapshot=lambda record: audit_snapshot(record, ["status", "answer", "routed_to_unit"]),
    related=("unit", "routed_to_unit"),
)


def test_a_table_and_an_action_word_their_refusals(users, org):
    inquiry = FirstInquiryFactory(unit=org.dept_a, status=Status.ANSWERED)
    with pytest.raises(PermissionDenied) as denied:
        WORDED.begin(users[Role.LIAISON], inquiry, "route")
    assert str(denied.value) == "只有效能办可以转交"
    with pytest.raises(PermissionDenied) as denied:
        WORDED.begin(users[Role.LIAISON], inquiry, "answer")
    assert str(denied.value) == "答复须由效能办作出"
    with pytest.raises(ValidationError) as table:
        WORDED.begin(users[Role.OFFICE], inquiry, "route")
    assert table.value.messages == ["首问登记已是“已答复”，不能转交"]
    inquiry.routed_to_unit = org.dept_b
    inquiry.save()
    with pytest.raises(ValidationError) as action:
        WORDED.begin(users[Role.OFFICE], inquiry, "answer")
    assert action.value.messages == ["已答复的首问登记不能再答复"]


def test_a_guard_refuses_before_the_status_and_hides_the_action(users, org):
    inquiry = FirstInquiryFactory(unit=org.dept_a, status=Status.ANSWERED)
    with pytest.raises(ValidationError) as refused:
        WORDED.begin(users[Role.OFFICE], inquiry, "answer")
    assert refused.value.messages == ["请先转交再答复"]
    inquiry = FirstInquiryFactory(unit=org.dept_a)
    assert WORDED.available(users[Role.OFFICE], inquiry) == ["route"]
    assert not WORDED.permits(users[Role.OFFICE], inquiry, "answer")
    inquiry.routed_to_unit = org.dept_b
    assert WORDED.permits(users[Role.OFFICE], inquiry, "answer")


def test_a_snapshot_audits_the_record_and_none_saves_all_of_it(users, org):
    inquiry = FirstInquiryFactory(unit=org.dept_a, routed_to_unit=org.dept_b)
    step = WORDED.begin(users[Role.OFFICE], inquiry, "answer")
    assert step.record.routed_to_unit == org.dept_b  # read with the lock
    step.record.answer = "已答复"
    step.finish(summary="答复", fields=None)
    inquiry.refresh_from_db()
    assert inquiry.status == Status.ANSWERED and inquiry.answer == "已答复"
    entry = AuditEntry.objects.get()
    assert entry.before == {"status": "open", "answer": "", "routed_to_unit_id": org.dept_b.pk}
    assert entry.after == {
        "status": "answered",
        "answer": "已答复",
        "routed_to_unit_id": org.dept_b.pk,
    }


def test_given_after_data_keeps_the_new_status(users, org):
    inquiry = FirstInquiryFactory(unit=org.dept_a)
    TABLE.begin(users[Role.OFFICE], inquiry, "route").finish(
        summary="转交", after={"to": org.dept_b.pk}
    )
    TABLE.begin(users[Role.OFFICE], inquiry, "note").finish(summary="补充", after={"note": 1})
    routed, noted = AuditEntry.objects.order_by("seq")
    assert routed.after == {"status": "routed", "to": org.dept_b.pk}
    assert noted.after == {"note": 1} and noted.before == {"status": "routed"}
