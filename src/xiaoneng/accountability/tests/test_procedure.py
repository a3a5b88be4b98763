"""From a source to a decided, appealable sanction: opening once, the rules' suggestion, the
procedure's refusals, the deadlines on the engine, appeals, and what stays out of the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from xiaoneng.accountability import figures, people, services, sources
from xiaoneng.accountability.models import Appeal, Cause, IntakeRun, Sanction, Violation
from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.supervision import watches

from .conftest import START, at, travel

pytestmark = pytest.mark.django_db


def _record(card):
    found = sources.provider(Cause.RED_CARD).get(card.pk)
    assert found is not None
    return found


def test_a_source_opens_one_violation(red_card, users):
    card = red_card()
    office = users[Role.OFFICE]
    with travel(START):
        v = services.open_from_source(office, Cause.RED_CARD, card.pk)
    assert v.unit_id == card.unit_id and v.status == "open"
    assert services.person_of(v) == people.Person(card.staff_id, "张小明")
    with pytest.raises(ValidationError, match="同一来源只能立案一次"):
        services.open_from_source(office, Cause.RED_CARD, card.pk)
    assert Violation.objects.count() == 1


def test_the_person_is_not_in_the_database_in_the_clear(red_card, users):
    card = red_card()
    v = services.open_from_source(users[Role.OFFICE], Cause.RED_CARD, card.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accountability_violation WHERE id = %s", [v.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "张小明" not in row
    # No link to the staff table: only the keyed digest, which a reader cannot recompute.
    assert not any(
        f.related_model is not None and f.name != "unit" and "staff" in str(f.related_model).lower()
        for f in Violation._meta.fields
    )
    assert len(v.person_digest) == 64
    mine = AuditEntry.objects.filter(object_type="accountability.violation")
    assert mine.exists()
    assert "张小明" not in " ".join(f"{e.before}{e.after}{e.object_repr}{e.summary}" for e in mine)


def test_only_the_office_opens(red_card, users):
    card = red_card()
    with pytest.raises(PermissionDenied):
        services.open_violation(users[Role.LIAISON], _record(card))


def test_rules_suggest_by_count_in_the_period(red_card, users):
    office = users[Role.OFFICE]
    first = services.open_violation(office, _record(red_card("c:1", "2026-01-05 10:00")))
    second = services.open_violation(office, _record(red_card("c:2", "2026-02-05 10:00")))
    third = services.open_violation(office, _record(red_card("c:3", "2026-03-05 10:00")))
    assert (first.suggested, second.suggested, third.suggested) == (
        Sanction.REMINDER,
        Sanction.EDUCATION,
        Sanction.ADMONITION,
    )
    assert "第3次" in third.suggested_by


def test_a_sanction_cannot_skip_the_statement(red_card, users, walk):
    office = users[Role.OFFICE]
    v = services.open_violation(office, _record(red_card()))
    with pytest.raises(ValidationError, match="不能提出处理意见"):
        services.propose(office, v, Sanction.REMINDER, "直接处理")
    v = walk(v, "statement")
    with pytest.raises(ValidationError, match="陈述申辩期限未满"):
        services.propose(office, v, Sanction.REMINDER, "直接处理")
    with pytest.raises(ValidationError):
        services.decide(office, v, Sanction.REMINDER, "决定")


def test_statement_limit_on_the_engine(red_card, users, walk):
    office = users[Role.OFFICE]
    v = walk(services.open_violation(office, _record(red_card())), "statement")
    # 5 working days after Thursday 5 March: Thursday 12 March.
    assert v.due_at == at("2026-03-12 23:59").replace(second=59)
    report = watches.sweep(now=at("2026-03-13 09:00"), watches=["accountability.violation"])
    assert report.overdue == {"accountability.violation": 1}
    v.refresh_from_db()
    assert v.statement_lapsed and v.status == "statement"
    with travel("2026-03-13 10:00"):
        services.propose(office, v, Sanction.REMINDER, "逾期未陈述申辩，按规则处理")
    v.refresh_from_db()
    assert v.status == "deciding"


def test_the_statement_is_the_persons_own(red_card, users, walk, person):
    v = walk(services.open_violation(users[Role.OFFICE], _record(red_card())), "statement")
    with pytest.raises(PermissionDenied):
        services.submit_statement(users[Role.LIAISON], v, "代为陈述")
    services.submit_statement(person.user, v, "当天系统故障")
    v.refresh_from_db()
    assert v.status == "proposal" and v.statement == "当天系统故障"


def test_leadership_sanctions_need_a_leader(red_card, users, walk, leader_a):
    office = users[Role.OFFICE]
    v = walk(services.open_violation(office, _record(red_card())), "deciding", Sanction.TALK)
    with pytest.raises(PermissionDenied, match="须由领导决定"):
        services.decide(office, v, Sanction.TALK, "诫勉谈话")
    other = users[Role.LEADER]  # the city's leader sees department A too
    services.decide(other, v, Sanction.TALK, "诫勉谈话")
    v.refresh_from_db()
    assert v.sanction == Sanction.TALK and v.decided_by == other


def test_appeal_by_the_person_within_the_limit(red_card, users, walk, person):
    office = users[Role.OFFICE]
    v = walk(services.open_violation(office, _record(red_card())), "delivered")
    with pytest.raises(PermissionDenied):
        services.appeal(users[Role.LIAISON], v, "替他申诉")
    with travel("2026-03-20 10:00"):
        services.appeal(person.user, v, "超时系因系统故障")
    v.refresh_from_db()
    assert v.status == "appealed" and not v.deadline_open
    with pytest.raises(PermissionDenied, match="原决定人以外"):
        services.review(office, v, Appeal.Outcome.UPHELD, "维持")
    found = services.review(users[Role.LEADER], v, Appeal.Outcome.UPHELD, "维持原决定")
    assert found.outcome == "upheld"
    v.refresh_from_db()
    assert v.status == "closed" and v.sanction == Sanction.REMINDER


def test_appeal_after_the_limit_is_refused(red_card, users, walk, person):
    v = walk(services.open_violation(users[Role.OFFICE], _record(red_card())), "delivered")
    # 15 working days after 5 March 2026: 26 March.
    with travel("2026-03-27 09:00"), pytest.raises(ValidationError, match="申诉期限已于"):
        services.appeal(person.user, v, "晚了")
    watches.sweep(now=at("2026-03-27 09:00"), watches=["accountability.violation"])
    v.refresh_from_db()
    assert v.status == "closed"


def test_withdrawn_leaves_no_mark_but_stays_in_audit(red_card, users, walk, person):
    office = users[Role.OFFICE]
    v = walk(services.open_violation(office, _record(red_card())), "delivered")
    with travel("2026-03-10 10:00"):
        services.appeal(person.user, v, "不是我经办的")
    services.review(users[Role.LEADER], v, Appeal.Outcome.WITHDRAWN, "经复核，撤销")
    assert not Violation.objects.on_record().exists()
    assert (
        figures.unit_sanctions(at("2026-01-01 00:00").date(), at("2026-12-31 00:00").date()) == {}
    )
    assert AuditEntry.objects.filter(object_id=str(v.pk), summary__contains="撤销").exists()
    assert figures.eligible_for_honours(person, 2026)


def test_changed_on_appeal_and_counted_for_the_unit(red_card, users, walk, person, org):
    office = users[Role.OFFICE]
    v = walk(services.open_violation(office, _record(red_card())), "delivered", "education")
    with travel("2026-03-10 10:00"):
        services.appeal(person.user, v, "处理过重")
    services.review(
        users[Role.LEADER], v, Appeal.Outcome.CHANGED, "改为提醒", new_sanction=Sanction.REMINDER
    )
    found = figures.unit_sanctions(at("2026-03-01 00:00").date(), at("2026-03-31 00:00").date())
    assert found[org.section_a.pk].counts == {Sanction.REMINDER: 1}
    assert found[org.section_a.pk].decision_ids == (v.pk,)
    assert not figures.eligible_for_honours(person, 2026)
    assert figures.eligible_for_honours(person, 2027)


def test_intake_watch_opens_auto_causes_once_and_schedules_the_next(red_card, users):
    card = red_card()
    with travel("2026-03-06 08:00"):
        services.schedule_intake(at("2026-03-06 08:00"))
    report = watches.sweep(now=at("2026-03-06 09:00"), watches=["accountability.intake"])
    assert report.overdue == {"accountability.intake": 1}
    assert Violation.objects.filter(cause=Cause.RED_CARD, source_id=card.pk).count() == 1
    assert IntakeRun.objects.filter(overdue_at__isnull=True).count() == 1
    watches.sweep(now=at("2026-03-07 09:00"), watches=["accountability.intake"])
    assert Violation.objects.count() == 1


def test_publish_only_a_criticism(red_card, users, walk):
    office = users[Role.OFFICE]
    v = walk(services.open_violation(office, _record(red_card())), "delivered")
    with pytest.raises(ValidationError, match="通报批评"):
        services.publish(office, v, "通报")
    w = walk(services.open_violation(office, _record(red_card("c:9"))), "delivered", "criticism")
    services.publish(office, w, "对某局某科办件超时予以通报批评")
    assert list(Violation.objects.published()) == [w]


def test_naming_the_person_recounts_the_suggestion(red_card, users, walk, org):
    from xiaoneng.testing.factories import StaffFactory

    office = users[Role.OFFICE]
    other = StaffFactory(name="李四", unit=org.section_a)
    wrong = red_card("c:a", "2026-02-02 10:00")  # names 张小明
    first = services.open_violation(office, _record(red_card("c:b", "2026-02-01 10:00", other)))
    assert first.suggested == Sanction.REMINDER
    v = services.open_violation(office, _record(wrong))
    services.assign(office, v, office)
    with travel(START):
        services.request_statement(office, v, "经查属实", other)
    v.refresh_from_db()
    assert services.person_of(v) == people.Person(other.pk, "李四")
    assert v.suggested == Sanction.EDUCATION and "第2次" in v.suggested_by
    outsider = StaffFactory(name="王五", unit=org.dept_b)
    w = services.open_violation(office, _record(red_card("c:c")))
    services.assign(office, w, office)
    with pytest.raises(ValidationError, match="下属单位的工作人员"):
        services.request_statement(office, w, "经查属实", outsider)
