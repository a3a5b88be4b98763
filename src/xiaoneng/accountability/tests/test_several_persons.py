"""Several persons responsible for one violation: each has a row of their own with their own
statement, proposal, decision, delivery and appeal; a person once per violation and from the
violation's unit subtree; statistics, the file, 评先评优 and the assessment's figures count per
person-sanction; the person sees only their own row."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.accountability import figures, presentation, services
from xiaoneng.accountability.models import Cause, Sanction, Violation
from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.testing.factories import StaffFactory, UserFactory

from .conftest import START, travel

pytestmark = pytest.mark.django_db


@pytest.fixture
def chief(org):
    """The section chief of department A's section, with a login of their own."""
    user = UserFactory(username="chief", role=Role.WINDOW, unit=org.section_a)
    return StaffFactory(name="李科长", unit=org.section_a, user=user)


@pytest.fixture
def opened(red_card, users):
    office = users[Role.OFFICE]
    with travel(START):
        v = services.open_from_source(office, Cause.RED_CARD, red_card().pk)
        services.assign(office, v, office)
    v.refresh_from_db()
    return v


def test_a_second_person_gets_a_row_of_their_own(opened, users, chief, person):
    office = users[Role.OFFICE]
    with travel(START):
        second = services.add_person(office, opened, chief)
    assert second.pk != opened.pk and second.joint_of_id == opened.pk
    assert (second.status, second.investigator_id) == ("investigating", office.pk)
    assert (second.cause, second.source_id, second.unit_id) == (
        opened.cause,
        opened.source_id,
        opened.unit_id,
    )
    assert services.person_of(second).staff_id == chief.pk
    assert second.suggested == Sanction.REMINDER  # the chief's own first red-card violation
    assert list(services.group(second)) == [opened, second]
    entry = AuditEntry.objects.get(summary="效能问题线索增加责任人")
    assert "李科长" not in f"{entry.before}{entry.after}{entry.object_repr}"


def test_bad_persons_are_refused(opened, users, org, person, chief):
    office = users[Role.OFFICE]
    outsider = StaffFactory(name="王外单位", unit=org.dept_b)
    with travel(START):
        with pytest.raises(ValidationError, match="同一人只能列一次") as twice:
            services.add_person(office, opened, person)  # already the first row's person
        assert "staff" in twice.value.message_dict
        with pytest.raises(ValidationError, match="其下属单位的工作人员"):
            services.add_person(office, opened, outsider)
        second = services.add_person(office, opened, chief)
        with pytest.raises(ValidationError, match="同一人只能列一次"):
            services.add_person(office, opened, chief)
        with pytest.raises(ValidationError, match="第一位责任人的页面"):
            services.add_person(office, second, StaffFactory(name="赵三", unit=org.section_a))
        # Naming someone on the statement notice: not a person already on another row.
        with pytest.raises(ValidationError, match="同一人只能列一次"):
            services.request_statement(office, opened, "经查属实", chief)
        for role in (Role.LEADER, Role.LIAISON, Role.WINDOW):
            with pytest.raises(PermissionDenied):
                services.add_person(users[role], opened, StaffFactory(unit=org.section_a))
    assert services.group(opened).count() == 2


def test_after_the_statement_notice_no_person_is_added(opened, users, chief):
    office = users[Role.OFFICE]
    with travel(START):
        services.request_statement(office, opened, "经查属实")
        with pytest.raises(ValidationError):
            services.add_person(office, opened, chief)


def test_each_person_is_heard_and_decided_on_their_own(opened, users, chief, walk, leader_a):
    office = users[Role.OFFICE]
    with travel(START):
        second = services.add_person(office, opened, chief)
    first = walk(opened, "delivered", Sanction.EDUCATION)
    # The second person's statement was never requested: no proposal, no decision for them.
    with travel(START):
        with pytest.raises(ValidationError):
            services.propose(office, second, Sanction.REMINDER, "按规则")
        with pytest.raises(ValidationError):
            services.decide(office, second, Sanction.REMINDER, "决定")
    second.refresh_from_db()
    assert second.status == "investigating" and not second.sanction
    second = walk(second, "delivered", Sanction.REMINDER)
    assert (first.sanction, second.sanction) == (Sanction.EDUCATION, Sanction.REMINDER)
    year = START[:4]
    # Per person-sanction: two standing sanctions for the unit, one case opened.
    span = (date(int(year), 1, 1), date(int(year), 12, 31))
    counts = figures.unit_sanctions(*span)[opened.unit_id].counts
    assert counts == {Sanction.EDUCATION: 1, Sanction.REMINDER: 1}
    tally = figures.tally(*span, Violation.objects.all())
    assert (tally.opened, tally.persons, tally.sanctions) == (1, 2, 2)
    assert not figures.eligible_for_honours(chief, int(year))
    assert [e.violation.pk for e in presentation.person_file(chief, START_DAY).entries] == [
        second.pk
    ]
    # The second person appeals their own sanction only.
    with travel(START):
        services.appeal(chief.user, second, "我不是经办人")
        with pytest.raises(PermissionDenied):
            services.appeal(chief.user, first, "替他申诉")
        services.review(leader_a, second, "withdrawn", "撤销")
    assert figures.eligible_for_honours(chief, int(year))
    first.refresh_from_db()
    assert first.sanction == Sanction.EDUCATION and not first.withdrawn


START_DAY = date(2026, 3, 5)


def test_who_sees_the_other_persons(client, opened, users, chief, person, leader_a):
    with travel(START):
        second = services.add_person(users[Role.OFFICE], opened, chief)
    office_rows = presentation.joint(users[Role.OFFICE], opened)
    assert [(r.number, r.person) for r in office_rows] == [(second.number, "李科长")]
    assert [r.person for r in presentation.joint(leader_a, second)] == ["张小明"]
    # Each person sees their own row and nothing of the other's.
    assert presentation.joint(chief.user, second) == []
    client.force_login(chief.user)
    assert client.get(f"/office/accountability/{second.pk}/").status_code == 200
    assert client.get(f"/office/accountability/{opened.pk}/").status_code == 404
    page = client.get(f"/office/accountability/{second.pk}/").content.decode()
    assert "张小明" not in page
    client.force_login(users[Role.OFFICE])
    page = client.get(f"/office/accountability/{opened.pk}/").content.decode()
    assert 'data-testid="joint"' in page and second.number in page


def test_the_office_adds_a_person_on_the_page(client, opened, users, chief, person):
    client.force_login(users[Role.OFFICE])
    page = client.get(f"/office/accountability/{opened.pk}/").content.decode()
    assert 'data-testid="add_person-form"' in page
    with travel(START):
        twice = client.post(
            f"/office/accountability/{opened.pk}/do/add_person/", {"add_person-staff": person.pk}
        )
        assert twice.status_code == 400 and "同一人只能列一次" in twice.content.decode()
        done = client.post(
            f"/office/accountability/{opened.pk}/do/add_person/", {"add_person-staff": chief.pk}
        )
    assert done.status_code == 302
    assert Violation.objects.filter(joint_of=opened).count() == 1
