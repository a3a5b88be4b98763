"""Clock scenarios worked out by hand against the 2026 calendar (March 2026 has no holidays;
5 April 2026 is 清明 with Monday 6 April off)."""

from __future__ import annotations

import datetime

import pytest

from xiaoneng.cases import services
from xiaoneng.cases.models import Case
from xiaoneng.supervision.models import SupervisionRule
from xiaoneng.workdays import SHANGHAI

from .conftest import accept, at, event

NOW = at("2026-06-30 12:00")
D = datetime.date


def ingest(*raw, now=NOW):
    report = services.ingest(list(raw), source="api:test", actor="测试系统", now=now)
    assert report.rejected == 0, [r.message for r in report.results if r.status == "rejected"]
    return Case.objects.get(number=raw[0]["case_number"])


def due_date(case):
    return case.due_at.astimezone(SHANGHAI).date() if case.due_at else None


@pytest.mark.django_db
def test_plain_case_is_due_after_ten_working_days(item):
    case = ingest(accept(), now=at("2026-03-02 10:00"))
    # Mon 2 March accepted; 3–6, 9–13, 16 March are the ten working days.
    assert due_date(case) == D(2026, 3, 16)
    assert case.due_at.astimezone(SHANGHAI).time() == datetime.time(23, 59, 59)
    # warn_days = 2: "two or fewer days left" holds from the start of the 8th working day
    # (12 March), i.e. from the end of the 7th (11 March, 23:59:59).
    assert case.warn_at.astimezone(SHANGHAI) == at("2026-03-11 23:59:59")
    assert case.limit_days == 10 and case.elapsed_days == 0 and case.light == "green"
    assert len(case.code_digest) == 64 and case.steps.count() == 0  # rows come with step events


@pytest.mark.django_db
def test_correction_restarts_the_count(item):
    case = ingest(
        accept(),
        event(
            "correction_notice",
            "2026-03-04 10:00",
            materials=["营业执照副本", "法定代表人身份证明"],
        ),
        event("correction_received", "2026-03-09 15:00"),
        now=at("2026-03-10 10:00"),
    )
    # Restart: ten full working days from 9 March: 10–13, 16–20, 23 March.
    assert due_date(case) == D(2026, 3, 23)
    assert case.correction_count == 1 and case.status == "accepted"


@pytest.mark.django_db
def test_correction_can_resume_instead(item):
    SupervisionRule.objects.create(handling_type="promised", correction_mode="resume")
    case = ingest(
        accept(),
        event("correction_notice", "2026-03-04 10:00", materials=["营业执照副本"]),
        event("correction_received", "2026-03-09 15:00"),
        now=at("2026-03-10 10:00"),
    )
    # Resume: 3 and 4 March were used (2 days); 8 more from 9 March: 10–13, 16–19 March.
    assert due_date(case) == D(2026, 3, 19)


@pytest.mark.django_db
def test_special_procedure_pauses_the_clock(item):
    case = ingest(
        accept(),
        event("special_start", "2026-03-04 10:00", special_kind="expert_review"),
        now=at("2026-03-06 10:00"),
    )
    assert case.status == "special" and case.paused and case.due_at is None
    case = ingest(
        accept(),
        event("special_start", "2026-03-04 10:00", special_kind="expert_review"),
        event("special_end", "2026-03-11 10:00"),
        now=at("2026-03-12 10:00"),
    )
    # Paused 5 working days (5, 6, 9, 10, 11 March): due moves from 16 to 23 March.
    assert due_date(case) == D(2026, 3, 23) and not case.paused


@pytest.mark.django_db
def test_extension_once(item):
    case = ingest(
        accept(), event("extension", "2026-03-10 10:00", days=5), now=at("2026-03-11 10:00")
    )
    assert due_date(case) == D(2026, 3, 23) and case.limit_days == 15
    report = services.ingest(
        [event("extension", "2026-03-12 10:00", days=3)],
        source="api:test",
        actor="x",
        now=at("2026-03-13 10:00"),
    )
    assert report.results[0].code == "extension_twice"


@pytest.mark.django_db
def test_out_of_order_events_give_the_same_case(item, org):
    from .conftest import make_item

    make_item(org.dept_a, code="ITEM2")
    events = [
        accept("C2", item_code="ITEM2"),
        event("correction_notice", "2026-03-04 10:00", number="C2", materials=["身份证"]),
        event("correction_received", "2026-03-09 15:00", number="C2"),
        event("step_start", "2026-03-10 09:00", number="C2", step_code="review"),
        event("step_finish", "2026-03-12 09:00", number="C2", step_code="review"),
        event("finish", "2026-03-13 16:00", number="C2", result="approved"),
    ]
    in_order = ingest(*[dict(e) for e in events])
    for e in events:
        e["case_number"] = "C3"
        e["event_id"] = e["event_id"].replace("C2", "C3")
    services.ingest([events[0]], source="api:test", actor="x", now=NOW)
    # The rest arrives newest first, one at a time.
    for e in reversed(events[1:]):
        report = services.ingest([e], source="api:test", actor="x", now=NOW)
        assert report.rejected == 0, report.results[0].message
    late = Case.objects.get(number="C3")
    fields = [
        "status",
        "elapsed_days",
        "limit_days",
        "due_at",
        "finished_at",
        "correction_count",
        "light",
    ]
    assert [getattr(late, f) for f in fields] == [getattr(in_order, f) for f in fields]
    assert in_order.status == "approved" and in_order.light == "green"


@pytest.mark.django_db
def test_case_crossing_into_unpublished_2027_is_provisional_then_exact(item, office_user):
    from xiaoneng.workcalendar.services import import_schedule

    case = ingest(accept("C9", when="2026-12-23 09:00"), now=at("2026-12-23 10:00"))
    # 24, 25, 28, 29, 30, 31 Dec, then 1 Jan 2027 (counted as a Friday), 4, 5, 6 Jan.
    assert case.deadline_provisional and due_date(case) == D(2027, 1, 6)
    import_schedule(office_user, "year 2027\n2027-01-01 holiday 元旦\n")
    assert services.recompute_open_provisional(now=at("2026-12-24 10:00")) == 1
    case.refresh_from_db()
    assert not case.deadline_provisional and due_date(case) == D(2027, 1, 7)


@pytest.mark.django_db
def test_holiday_is_not_counted(item):
    case = ingest(accept("C5", when="2026-03-30 09:00"), now=at("2026-03-30 10:00"))
    # 31 Mar, 1–3 Apr (4), then 4–6 Apr 清明 off, 7–10 Apr (8), 13–14 Apr (10).
    assert due_date(case) == D(2026, 4, 14)
