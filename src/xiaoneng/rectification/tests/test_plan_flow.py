"""The 整改方案 flow by hand: open → plan → (sent back) → approved → progress → measures done →
completion → (refused with a new date) → accepted → return visit; every step audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.notifications.models import Notification
from xiaoneng.rectification import services
from xiaoneng.rectification.models import Plan, ProgressReport, Task, TaskEvent
from xiaoneng.testing.factories import UserFactory

from .conftest import at, end, measures_for, travel

pytestmark = pytest.mark.django_db
Status = Task.Status


def test_opening_sets_the_plan_deadline_and_tells_the_unit(open_manual, users):
    task = open_manual()
    assert task.status == Status.PLANNING and task.limit_days == 15
    # 15 working days after Thu 5 March 2026 (the day itself not counted): Thu 26 March.
    assert task.due_at == end("2026-03-26") and task.warn_at == end("2026-03-20")
    assert task.complete_by == end("2026-06-30")
    assert [p.title for p in task.problems.all()] == ["高峰时段只开一个窗口", "叫号系统常坏"]
    assert task.number == f"ZG2026{task.pk:06d}"
    told = Notification.objects.get(recipient=users[Role.LIAISON])
    assert "新的整改任务（挂牌督办）" in told.title and "2026-03-26" in told.body
    assert AuditEntry.objects.filter(object_type="rectification.task", action="create").count() == 1
    assert task.events.get().kind == TaskEvent.Kind.OPEN


def test_who_may_open(org, users):
    request = services.OpenTask(
        source=services.SourceRef("manual", None, "督查督办"),
        unit=org.dept_a,
        title="问题",
        complete_by=date(2026, 6, 30),
    )
    with pytest.raises(ValidationError, match="只有效能办"):
        services.open_task(users[Role.LIAISON], request)
    with travel("2026-03-05 10:00"):
        assert services.open_task(users[Role.LEADER], request).opened_by == users[Role.LEADER]
    sourced = services.OpenTask(
        source=services.SourceRef("complaint", 7, "投诉TS1"),
        unit=org.dept_a,
        title="问题",
        complete_by=date(2026, 6, 30),
    )
    with pytest.raises(ValidationError, match="只有效能办"):  # a leader opens 督查督办 only
        services.open_task(users[Role.LEADER], sourced)
    with travel("2026-03-05 10:00"):
        services.open_task(users[Role.OFFICE], sourced)
        with pytest.raises(ValidationError, match="已立整改任务"):
            services.open_task(users[Role.OFFICE], sourced)
    no_date = services.OpenTask(
        source=services.SourceRef("manual", None, "督查督办"), unit=org.dept_a, title="问题"
    )
    with pytest.raises(ValidationError) as refused:
        services.open_task(users[Role.OFFICE], no_date)
    assert refused.value.message_dict == {"complete_by": ["请填写整改时限"]}


def test_the_whole_flow(open_manual, users, staff, org):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    task = open_manual(progress_every_days=30)
    with travel("2026-03-10 09:00"):
        services.submit_plan(liaison, task, measures_for(task, staff))
    task.refresh_from_db()
    assert task.status == Status.PLAN_REVIEW
    assert task.due_at == end("2026-03-17")  # 5 working days for the office's review
    with travel("2026-03-11 09:00"):
        services.return_plan(office, task, "措施过于笼统，请细化到科室")
    task.refresh_from_db()
    first = task.plans.get(version=1)
    assert task.status == Status.PLANNING and first.status == Plan.Status.RETURNED
    assert task.due_at == end("2026-03-18")  # 5 working days to send the next version
    with travel("2026-03-12 09:00"):
        # The next version starts as a copy of the plan sent back.
        services.submit_plan(liaison, task)
    second = task.plans.get(version=2)
    assert second.status == Plan.Status.SUBMITTED and second.measures.count() == 2
    assert first.measures.count() == 2  # the returned version stays as it was
    with travel("2026-03-13 09:00"):
        services.approve_plan(office, task, "同意")
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS and task.due_at == end("2026-06-30")
    scheduled = list(task.progress.values_list("due_on", flat=True))
    assert scheduled == [date(2026, 4, 12), date(2026, 5, 12), date(2026, 6, 11)]
    with travel("2026-04-10 09:00"):
        filed = services.report_progress(liaison, task, text="已增开一个窗口").report
    assert filed.due_on == date(2026, 4, 12) and filed.status == ProgressReport.Status.FILED
    measures = list(second.measures.all())
    with travel("2026-05-20 09:00"), pytest.raises(ValidationError, match="尚未报告完成情况"):
        services.report_completion(liaison, task, summary="已全部完成")
    for m in measures:
        with travel("2026-05-20 09:00"):
            services.report_measure(liaison, task, m, note="已完成")
    with travel("2026-05-21 09:00"):
        services.report_completion(liaison, task, summary="两项问题均已整改到位")
    task.refresh_from_db()
    assert task.status == Status.ACCEPTANCE
    assert task.progress.filter(status=ProgressReport.Status.WAIVED).count() == 1  # 6-11
    with travel("2026-05-25 09:00"):
        services.refuse(office, task, reason="叫号系统仍未更换", new_date=date(2026, 7, 15))
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS and task.complete_by == end("2026-07-15")
    assert task.due_at == end("2026-07-15")
    assert task.progress.filter(due_on=date(2026, 6, 24)).exists()  # rescheduled from 5-25
    with travel("2026-06-20 09:00"):
        services.report_completion(liaison, task, summary="叫号系统已更换")
        services.accept(office, task, note="经现场检查，整改到位")
    task.refresh_from_db()
    # A 督查督办 task has nobody to call back: acceptance closes it.
    assert task.status == Status.CLOSED and task.closed_at is not None
    assert task.completed_at == at("2026-06-20 09:00") and not task.late(at("2026-07-01 09:00"))
    assert not task.deadline_open
    kinds = list(task.events.values_list("kind", flat=True))
    assert kinds[:5] == ["open", "submit_plan", "return_plan", "submit_plan", "approve_plan"]
    assert kinds[-3:] == ["refuse", "complete", "accept"]
    audited = AuditEntry.objects.filter(object_type="rectification.task").count()
    assert audited >= len(kinds)


def test_return_visit_after_acceptance(open_manual, users, staff):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    task = open_manual(needs_visit=True)
    with travel("2026-03-10 09:00"):
        services.submit_plan(liaison, task, measures_for(task, staff))
        services.approve_plan(office, task)
        for m in services.approved_plan(task).measures.all():
            services.report_measure(liaison, task, m, note="已完成")
        services.report_completion(liaison, task, summary="已完成")
        services.accept(office, task)
    task.refresh_from_db()
    assert task.status == Status.VISIT and not task.deadline_open
    with pytest.raises(PermissionDenied):
        services.record_visit(liaison, task, satisfied=True, note="满意")
    with travel("2026-03-12 09:00"):
        services.record_visit(office, task, satisfied=False, note="群众认为仍需改进")
    task.refresh_from_db()
    assert task.status == Status.CLOSED and task.visit_satisfied is False


# ---- bad input: each refused with a clear message, nothing valid lost ----------------------------


def test_a_plan_without_measures_or_acceptance_standard_is_refused(open_manual, users, staff):
    liaison = users[Role.LIAISON]
    task = open_manual()
    with pytest.raises(ValidationError) as empty:
        services.submit_plan(liaison, task, services.PlanIn(measures=()))
    assert "整改方案至少要有一条整改措施" in empty.value.message_dict["measures"]
    with pytest.raises(ValidationError) as no_standard:
        services.submit_plan(liaison, task, measures_for(task, staff, standard=" "))
    assert "第1条措施：请填写验收标准" in no_standard.value.message_dict["measures"]
    one_problem = measures_for(task, staff)
    with pytest.raises(ValidationError) as uncovered:
        services.submit_plan(liaison, task, services.PlanIn(measures=one_problem.measures[:1]))
    assert "问题“叫号系统常坏”还没有整改措施" in uncovered.value.message_dict["measures"]
    task.refresh_from_db()
    assert task.status == Status.PLANNING and not task.plans.exists()
    # A draft keeps what was typed so far (the standard still missing).
    draft = services.save_plan(liaison, task, measures_for(task, staff, standard=""))
    assert draft.status == Plan.Status.DRAFT and draft.measures.count() == 2


def test_a_draft_line_without_its_completion_date_is_refused_not_a_server_error(
    open_manual, users, staff
):
    """A draft stores every line that names its problem, and a measure's date is required:
    the line is refused with the reason (it used to fail on the database's NOT NULL)."""
    task = open_manual()
    undated = measures_for(task, staff, due_date=None)
    with pytest.raises(ValidationError) as refused:
        services.save_plan(users[Role.LIAISON], task, undated)
    assert "第1条措施：请填写完成时限" in refused.value.message_dict["measures"]
    assert not task.plans.exists()


def test_a_completion_date_past_the_deadline_needs_an_approved_extension(open_manual, users, staff):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    task = open_manual()
    late = measures_for(task, staff, due_date=date(2026, 7, 10))
    with travel("2026-03-10 09:00"), pytest.raises(ValidationError) as refused:
        services.submit_plan(liaison, task, late)
    assert refused.value.message_dict["measures"][0] == (
        "第1条措施：完成时限（2026-07-10）晚于整改任务的整改时限（2026-06-30），"
        "请调整，或先申请延期"
    )
    with travel("2026-03-10 09:00"):
        services.submit_plan(liaison, task, measures_for(task, staff))
        services.approve_plan(office, task)
        ext = services.request_extension(
            liaison, task, until=date(2026, 7, 31), reason="叫号系统需政府采购"
        )
        services.decide_extension(office, ext, approve=True, reason="同意")
    task.refresh_from_db()
    assert task.complete_by == end("2026-07-31") and task.due_at == end("2026-07-31")
    assert task.warn_at == end("2026-07-27")  # three working days before, stored as the eve


def test_acceptance_by_the_unit_itself_is_refused(open_manual, users, staff, org):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    task = open_manual()
    with travel("2026-03-10 09:00"):
        services.submit_plan(liaison, task, measures_for(task, staff))
        with pytest.raises(PermissionDenied, match="您的角色不能审核通过整改方案"):
            services.approve_plan(liaison, task)
        # An office account that sits in the responsible unit is the unit itself.
        inside = UserFactory(role=Role.OFFICE, unit=org.dept_a)
        with pytest.raises(PermissionDenied, match="责任单位不能审核或验收本单位的整改"):
            services.approve_plan(inside, task)
        services.approve_plan(office, task)
        for m in services.approved_plan(task).measures.all():
            services.report_measure(liaison, task, m, note="已完成")
        services.report_completion(liaison, task, summary="已完成")
        with pytest.raises(PermissionDenied, match="您的角色不能验收"):
            services.accept(liaison, task)
        with pytest.raises(PermissionDenied, match="责任单位不能审核或验收本单位的整改"):
            services.accept(inside, task)
    task.refresh_from_db()
    assert task.status == Status.ACCEPTANCE and task.accepted_at is None


def test_progress_on_a_closed_task_is_refused(open_manual, users, staff):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    task = open_manual()
    with travel("2026-03-10 09:00"):
        services.submit_plan(liaison, task, measures_for(task, staff))
        services.approve_plan(office, task)
        for m in services.approved_plan(task).measures.all():
            services.report_measure(liaison, task, m, note="已完成")
        services.report_completion(liaison, task, summary="已完成")
        services.accept(office, task)
    with pytest.raises(ValidationError) as refused:
        services.report_progress(liaison, task, text="补充一点进展")
    assert refused.value.messages == ["该整改任务当前为“已办结”，不能报告整改进展"]
    assert not task.progress.filter(status=ProgressReport.Status.FILED).exists()


def test_an_extension_asked_after_the_deadline_is_refused(open_manual, users):
    liaison = users[Role.LIAISON]
    task = open_manual()
    with travel("2026-03-27 09:00"), pytest.raises(ValidationError) as refused:
        services.request_extension(liaison, task, until=date(2026, 4, 10), reason="人手不足")
    assert refused.value.messages == ["已超过期限，不能再申请延期；请尽快办理，逾期情况已记录"]
    assert not task.extensions.exists()
    with travel("2026-03-20 09:00"):
        with pytest.raises(ValidationError, match="应晚于现在的期限"):
            services.request_extension(liaison, task, until=date(2026, 3, 26), reason="x")
        ext = services.request_extension(liaison, task, until=date(2026, 4, 10), reason="人手不足")
        with pytest.raises(ValidationError, match="已有一份待审批的延期申请"):
            services.request_extension(liaison, task, until=date(2026, 4, 17), reason="x")
        with pytest.raises(ValidationError, match="请填写不批准的理由"):
            services.decide_extension(users[Role.OFFICE], ext, approve=False, reason="")
        services.decide_extension(users[Role.OFFICE], ext, approve=False, reason="期限充足")
    ext.refresh_from_db()
    task.refresh_from_db()
    assert ext.status == "refused" and ext.decision_reason == "期限充足"
    assert task.due_at == end("2026-03-26")


def test_a_liaison_of_another_unit_cannot_act(open_manual, users, staff, org):
    task = open_manual()
    other = UserFactory(role=Role.LIAISON, unit=org.dept_b)
    with pytest.raises(PermissionDenied, match="只能办理本单位的整改任务"):
        services.submit_plan(other, task, measures_for(task, staff))
    foreign = measures_for(task, staff, person_id=staff["outsider"].pk)
    with pytest.raises(ValidationError) as refused:
        services.submit_plan(users[Role.LIAISON], task, foreign)
    assert "第1条措施：责任人应为责任单位的工作人员" in refused.value.message_dict["measures"]
