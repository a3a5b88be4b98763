"""The role × row matrix of violations: the office all, a leader their subtree, the person their
own; liaisons, window staff, supervisors and API clients none. Only the office changes."""

from __future__ import annotations

import pytest

from xiaoneng.accountability import services, sources
from xiaoneng.accountability.models import Cause
from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_edit, can_view
from xiaoneng.testing.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

Y, N = True, False
#: (view A's, view B's, edit A's, edit B's); A is in department A's subtree.
MATRIX = {
    Role.ADMIN: (Y, Y, Y, Y),
    Role.OFFICE: (Y, Y, Y, Y),
    Role.LEADER: (Y, Y, N, N),  # the city's leader: everything below the city
    Role.LIAISON: (N, N, N, N),
    Role.WINDOW: (N, N, N, N),
    Role.SUPERVISOR: (N, N, N, N),
    Role.API_CLIENT: (N, N, N, N),
}


@pytest.fixture
def rows(org, users, red_card):
    office = users[Role.OFFICE]
    b_staff = StaffFactory(name="乙局科员", unit=org.dept_b)

    def opened(key, staff):
        card = red_card(key, staff=staff)
        if staff is not None and staff.unit != org.section_a:
            type(card).objects.filter(pk=card.pk).update(unit=staff.unit)
        record = sources.provider(Cause.RED_CARD).get(card.pk)
        assert record is not None
        return services.open_violation(office, record)

    return {"A": opened("a", None), "B": opened("b", b_staff)}


@pytest.mark.parametrize("role", list(MATRIX))
def test_matrix(role, users, rows):
    user = users[role]
    actual = (
        can_view(user, rows["A"]),
        can_view(user, rows["B"]),
        can_edit(user, rows["A"]),
        can_edit(user, rows["B"]),
    )
    assert actual == MATRIX[role]


def test_a_department_leader_sees_only_their_subtree(org, rows):
    leader_a = UserFactory(role=Role.LEADER, unit=org.dept_a)
    assert (can_view(leader_a, rows["A"]), can_view(leader_a, rows["B"])) == (Y, N)


def test_the_person_sees_only_their_own(rows, person):
    assert (can_view(person.user, rows["A"]), can_view(person.user, rows["B"])) == (Y, N)
    assert not can_edit(person.user, rows["A"])
