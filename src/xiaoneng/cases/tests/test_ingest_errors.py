"""Bad input: each invalid item is refused with a code naming what is wrong; valid ones stay."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from xiaoneng.cases import services
from xiaoneng.cases.models import Case, CaseEvent

from .conftest import accept, at, event

NOW = at("2026-03-20 12:00")


def run(*raw, source="api:test"):
    return services.ingest(list(raw), source=source, actor="测试系统", now=NOW)


def codes(report):
    return [(r.status, r.code) for r in report.results]


@pytest.mark.django_db
def test_bulk_keeps_valid_and_reports_each_invalid(item):
    naive = event("step_start", "2026-03-03 09:00", step_code="review")
    naive["at"] = "2026-03-03T09:00:00"
    report = run(
        accept(),
        accept("C2", item_code="NOPE"),
        event("finish", "2026-03-05 10:00", number="C404", result="approved"),
        naive,
        event("correction_notice", "2026-03-04 10:00", materials=[]),
        event("finish", "2026-03-05 10:00"),
        event("step_start", "2026-03-03 09:00", step_code="review"),
        event("step_start", "2026-03-25 09:00", step_code="approve"),
        "not an object",
    )
    assert codes(report) == [
        ("accepted", ""),
        ("rejected", "unknown_item"),
        ("rejected", "unknown_case"),
        ("rejected", "invalid"),
        ("rejected", "invalid"),
        ("rejected", "invalid"),
        ("accepted", ""),
        ("rejected", "future_timestamp"),
        ("rejected", "invalid"),
    ]
    messages = [r.message for r in report.results]
    assert "未知的事项编码“NOPE”" in messages[1]
    assert "时区" in messages[3]
    assert "一次性列出" in messages[4]
    assert "result" in messages[5]
    assert report.results[3].field == "at"
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 2


@pytest.mark.django_db
def test_duplicate_and_conflicting_event_ids(item):
    first = run(accept())
    assert first.accepted == 1
    again = run(accept())
    assert codes(again) == [("duplicate", "")]
    changed = accept()
    changed["applicant"] = {"name": "李四"}
    assert codes(run(changed)) == [("rejected", "conflict")]
    # The same id from another sender is a different event (ids are per sender), but this case
    # already exists.
    assert codes(run(accept(), source="api:other")) == [("rejected", "case_exists")]
    assert CaseEvent.objects.count() == 1


@pytest.mark.django_db
def test_step_finish_before_start_and_events_before_acceptance(item):
    run(accept(), event("step_start", "2026-03-05 09:00", step_code="review"))
    report = run(
        event("step_finish", "2026-03-04 09:00", step_code="review", event_id="f1"),
        event("step_start", "2026-03-01 09:00", step_code="approve", event_id="s0"),
        event("step_finish", "2026-03-06 09:00", step_code="nosuch", event_id="f2"),
    )
    assert codes(report) == [
        ("rejected", "finish_before_start"),
        ("rejected", "before_acceptance"),
        ("rejected", "unknown_step"),
    ]


@pytest.mark.django_db
def test_closed_case_takes_only_delivery_and_filing(item):
    run(accept(), event("finish", "2026-03-06 10:00", result="denied", reason="材料不符合法定条件"))
    report = run(
        event("step_start", "2026-03-09 09:00", step_code="review"),
        event("deliver", "2026-03-09 10:00"),
        event("veto_filed", "2026-03-09 11:00", filing_no="BA-2026-001"),
    )
    assert codes(report) == [("rejected", "case_closed"), ("accepted", ""), ("accepted", "")]
    case = Case.objects.get()
    assert case.status == "denied" and case.delivered_at is not None
    assert case.veto_filing.filed_at is not None and not case.veto_filing.deadline_open


@pytest.mark.django_db
def test_denial_needs_a_reason_and_rejection_too(item):
    run(accept())
    report = run(
        event("finish", "2026-03-05 10:00", result="denied", event_id="d1"),
        event("reject", "2026-03-05 10:00", event_id="r1"),
        event("special_start", "2026-03-05 10:00", special_kind="party", event_id="p1"),
        event("extension", "2026-03-05 10:00", days=30, event_id="e1"),
    )
    assert [r.code for r in report.results] == [
        "invalid",
        "invalid",
        "invalid",
        "extension_too_long",
    ]
    assert "理由" in report.results[0].message


@pytest.mark.django_db
def test_more_than_a_thousand_is_refused(item):
    with pytest.raises(ValidationError, match="最多"):
        run(*[accept(f"C{i}") for i in range(1001)])


@pytest.mark.django_db
def test_department_system_is_limited_to_its_unit(item, org):
    report = services.ingest(
        [accept()], source="api:b", actor="乙局系统", scope_unit=org.dept_b, now=NOW
    )
    assert codes(report) == [("rejected", "forbidden_unit")]
    run(accept())
    # Another department's case reads exactly like a missing one (no existence oracle).
    report = services.ingest(
        [event("deliver", "2026-03-09 10:00"), event("deliver", "2026-03-09 10:00", "NOPE")],
        source="api:b",
        actor="乙局系统",
        scope_unit=org.dept_b,
        now=NOW,
    )
    assert codes(report) == [("rejected", "unknown_case")] * 2
    foreign, missing = report.results
    assert (foreign.message, foreign.field) == (
        missing.message.replace("NOPE", "C1"),
        missing.field,
    )


@pytest.mark.django_db
def test_accepted_batch_is_audited_once(item):
    from xiaoneng.audit.models import AuditEntry

    run(
        accept(),
        event("step_start", "2026-03-03 09:00", step_code="review"),
        accept("C2", item_code="NOPE"),
    )
    entry = AuditEntry.objects.get(object_type="cases.caseevent")
    assert "接收 2" in entry.summary and "拒绝 1" in entry.summary


@pytest.mark.django_db
def test_refused_acceptance_leaves_no_empty_case(item, org):
    from xiaoneng.accounts.roles import Role
    from xiaoneng.testing.factories import UserFactory

    outsider = UserFactory(role=Role.WINDOW, unit=org.dept_b)
    report = services.ingest([accept("C77")], source=f"user:{outsider.pk}", actor=outsider, now=NOW)
    assert codes(report) == [("rejected", "forbidden_unit")]
    assert not Case.objects.filter(number="C77").exists()
