"""The whole role × object matrix: who may see and change which rows, decided in one place.

Each row reads: for a model and a role, may the user (liaison/window/API client in department A)
(view A's row, view B's row, edit A's row, edit B's row)?
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.accounts.scoping import can_edit, can_view
from xiaoneng.cases.models import Case, CaseEvent
from xiaoneng.org.models import Absence, FirstInquiry, Post, Staff, Unit
from xiaoneng.ratings.models import Rating
from xiaoneng.rectification.models import DriveReport, Task
from xiaoneng.supervision.models import Card
from xiaoneng.testing.factories import (
    AbsenceFactory,
    CardFactory,
    FirstInquiryFactory,
    PostFactory,
    StaffFactory,
    UnitFactory,
    UserFactory,
)

Y, N = True, False
SEE_ALL_EDIT_NONE = (Y, Y, N, N)
SEE_A_EDIT_NONE = (Y, N, N, N)
SEE_A_EDIT_A = (Y, N, Y, N)
EVERYTHING = (Y, Y, Y, Y)
NOTHING = (N, N, N, N)

MATRIX = {
    Unit: {
        Role.ADMIN: EVERYTHING,
        Role.OFFICE: EVERYTHING,
        Role.LEADER: SEE_ALL_EDIT_NONE,
        Role.LIAISON: SEE_A_EDIT_NONE,
        Role.WINDOW: SEE_A_EDIT_NONE,
        Role.SUPERVISOR: SEE_ALL_EDIT_NONE,
        Role.API_CLIENT: NOTHING,
    },
    Staff: {
        Role.ADMIN: EVERYTHING,
        Role.OFFICE: EVERYTHING,
        Role.LEADER: SEE_ALL_EDIT_NONE,
        Role.LIAISON: SEE_A_EDIT_A,
        Role.WINDOW: SEE_A_EDIT_NONE,
        Role.SUPERVISOR: SEE_ALL_EDIT_NONE,
        Role.API_CLIENT: NOTHING,
    },
    Post: {
        Role.ADMIN: EVERYTHING,
        Role.OFFICE: EVERYTHING,
        Role.LEADER: SEE_ALL_EDIT_NONE,
        Role.LIAISON: SEE_A_EDIT_A,
        Role.WINDOW: SEE_A_EDIT_NONE,
        Role.SUPERVISOR: SEE_ALL_EDIT_NONE,
        Role.API_CLIENT: NOTHING,
    },
    Absence: {
        Role.ADMIN: EVERYTHING,
        Role.OFFICE: EVERYTHING,
        Role.LEADER: SEE_ALL_EDIT_NONE,
        Role.LIAISON: SEE_A_EDIT_A,
        Role.WINDOW: SEE_A_EDIT_NONE,
        Role.SUPERVISOR: SEE_ALL_EDIT_NONE,
        Role.API_CLIENT: NOTHING,
    },
    FirstInquiry: {
        Role.ADMIN: EVERYTHING,
        Role.OFFICE: EVERYTHING,
        Role.LEADER: SEE_ALL_EDIT_NONE,
        Role.LIAISON: SEE_A_EDIT_A,
        Role.WINDOW: SEE_A_EDIT_A,
        Role.SUPERVISOR: NOTHING,
        Role.API_CLIENT: NOTHING,
    },
    # A 督查督办 task on A's section and one on B: the unit's liaison works on its own, leaders
    # and supervisors read, window staff see their unit's.
    Task: {
        Role.ADMIN: EVERYTHING,
        Role.OFFICE: EVERYTHING,
        Role.LEADER: SEE_ALL_EDIT_NONE,
        Role.LIAISON: SEE_A_EDIT_A,
        Role.WINDOW: SEE_A_EDIT_NONE,
        Role.SUPERVISOR: SEE_ALL_EDIT_NONE,
        Role.API_CLIENT: NOTHING,
    },
    # A 专项活动 report of A's section and one of B.
    DriveReport: {
        Role.ADMIN: EVERYTHING,
        Role.OFFICE: EVERYTHING,
        Role.LEADER: SEE_ALL_EDIT_NONE,
        Role.LIAISON: SEE_A_EDIT_A,
        Role.WINDOW: NOTHING,
        Role.SUPERVISOR: NOTHING,
        Role.API_CLIENT: NOTHING,
    },
}


@pytest.fixture
def objects(org):
    """One row of each model in department A's subtree (a section of A) and one in B."""

    from xiaoneng.rectification import services as rectification
    from xiaoneng.rectification.models import Drive, DrivePhase

    drive = Drive.objects.create(name="专项活动", created_at=datetime.datetime.now(datetime.UTC))
    phase = DrivePhase.objects.create(
        drive=drive,
        order=1,
        name="学习动员",
        report_name="实施方案",
        report_due=datetime.date(2026, 5, 15),
    )

    def make(unit):
        staff = StaffFactory(unit=unit)
        task = rectification.open_task(
            "测试",
            rectification.OpenTask(
                source=rectification.SourceRef("manual", None, "督查督办"),
                unit=unit,
                title="督办事项",
                complete_by=datetime.date(2099, 6, 30),
            ),
        )
        return {
            Unit: unit,
            Staff: staff,
            Post: PostFactory(unit=unit),
            Absence: AbsenceFactory(staff=staff),
            FirstInquiry: FirstInquiryFactory(unit=unit, received_by=staff),
            Task: task,
            DriveReport: DriveReport.objects.create(phase=phase, unit=unit),
        }

    return {"A": make(org.section_a), "B": make(org.dept_b)}


def test_matrix_covers_every_role_and_scoped_model():
    for model, rows in [*MATRIX.items(), *HANDLED.items()]:
        assert set(rows) == set(Role.values), model


@pytest.mark.parametrize("model", list(MATRIX), ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", Role.values)
def test_role_matrix(model, role, users, objects):
    user = users[role]
    expected = MATRIX[model][role]
    actual = (
        can_view(user, objects["A"][model]),
        can_view(user, objects["B"][model]),
        can_edit(user, objects["A"][model]),
        can_edit(user, objects["B"][model]),
    )
    assert actual == expected


# Rows a service window handles without owning them (Reach.WINDOW): a case department B owns but
# registered at a window in department A, the case's events, its rating, the 核实整改 task of a
# bad rating (the window is the responsible unit) and its card. Each cell reads: may the user
# (liaison/window/API client in department A) (view A's row, view B's row, view B's row registered
# at A's window, edit A's, edit B's, edit B's at A's window)?
SEE_ALL = (Y, Y, Y, N, N, N)
ALL_OF_IT = (Y, Y, Y, Y, Y, Y)
NONE_OF_IT = (N, N, N, N, N, N)
A_ONLY = (Y, N, N, Y, N, N)
SEE_A = (Y, N, N, N, N, N)
A_AND_WINDOW = (Y, N, Y, Y, N, Y)
SEE_A_AND_WINDOW = (Y, N, Y, N, N, N)
CASE_CELLS = {
    Role.ADMIN: ALL_OF_IT,
    Role.OFFICE: ALL_OF_IT,
    Role.LEADER: SEE_ALL,
    Role.LIAISON: A_ONLY,
    Role.WINDOW: A_AND_WINDOW,
    Role.SUPERVISOR: SEE_ALL,
    Role.API_CLIENT: NONE_OF_IT,
}
HANDLED = {
    Case: CASE_CELLS,
    CaseEvent: CASE_CELLS,
    Rating: {
        Role.ADMIN: ALL_OF_IT,
        Role.OFFICE: ALL_OF_IT,
        Role.LEADER: SEE_ALL,
        Role.LIAISON: SEE_A_AND_WINDOW,  # the window answers for (and may contest) the 差评
        Role.WINDOW: SEE_A_AND_WINDOW,
        Role.SUPERVISOR: SEE_ALL,
        Role.API_CLIENT: NONE_OF_IT,
    },
    Task: {
        Role.ADMIN: ALL_OF_IT,
        Role.OFFICE: ALL_OF_IT,
        Role.LEADER: SEE_ALL,
        # The window in A answers for the bad rating of B's case registered there.
        Role.LIAISON: A_AND_WINDOW,
        Role.WINDOW: SEE_A_AND_WINDOW,
        Role.SUPERVISOR: SEE_ALL,
        Role.API_CLIENT: NONE_OF_IT,
    },
    Card: {
        Role.ADMIN: ALL_OF_IT,
        Role.OFFICE: ALL_OF_IT,
        Role.LEADER: SEE_ALL,
        Role.LIAISON: A_ONLY,
        Role.WINDOW: SEE_A_AND_WINDOW,
        Role.SUPERVISOR: SEE_ALL,
        Role.API_CLIENT: NONE_OF_IT,
    },
}


@pytest.fixture
def handled(org):
    """Three finished cases, each rated 非常不满意 and carrying a card: A's (a section of A), B's,
    and B's registered at a window of A."""
    from xiaoneng.cases import services as cases
    from xiaoneng.cases.tests.conftest import accept, at, event, make_item
    from xiaoneng.ratings import services as ratings
    from xiaoneng.supervision import services as supervision

    UnitFactory(name="甲局综合窗口", code="AW", parent=org.dept_a, kind="window")
    make_item(org.section_a, code="IA")
    make_item(org.dept_b, code="IB")
    raw = [
        accept("A", item_code="IA"),
        accept("B", item_code="IB"),
        accept("BW", item_code="IB", window_code="AW"),
    ]
    raw += [
        event("finish", "2026-03-04 10:00", number=n, result="approved") for n in ("A", "B", "BW")
    ]
    report = cases.ingest(raw, source="api:test", actor="测试系统", now=at("2026-03-04 12:00"))
    assert report.rejected == 0
    codes = {r.case_number: r.query_code for r in report.results if r.query_code}
    rows = {}
    for key, number in (("A", "A"), ("B", "B"), ("W", "BW")):
        case = Case.objects.get(number=number)
        rating = ratings.rate_online(case.number, codes[number], 1)
        card = supervision.raise_card(
            color=Card.Color.RED,
            cause=Card.Cause.CASE_OVERDUE,
            cause_key=f"case:{case.pk}:overdue",
            unit=case.unit,
            window=case.window,
            subject=case,
            summary=f"办件{case.number}超期",
        )
        rows[key] = {
            Case: case,
            CaseEvent: case.events.first(),
            Rating: rating,
            Task: rating.task,
            Card: card,
        }
    return rows


@pytest.mark.parametrize("model", list(HANDLED), ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", Role.values)
def test_window_handled_matrix(model, role, users, handled):
    user = users[role]
    rows = [handled[key][model] for key in ("A", "B", "W")]
    actual = tuple(can_view(user, row) for row in rows) + tuple(can_edit(user, row) for row in rows)
    assert actual == HANDLED[model][role]


def test_window_staff_see_cards_naming_their_window_staff(org, users):
    """A card naming a person of the window (e.g. the handler of a case registered there) is the
    window's to see even when the card's unit is the department that owns the case."""
    person = StaffFactory(unit=org.dept_a)
    named = CardFactory(unit=org.dept_b, staff=person)
    unnamed = CardFactory(unit=org.dept_b)
    window, liaison = users[Role.WINDOW], users[Role.LIAISON]
    assert can_view(window, named) and not can_view(window, unnamed)
    assert not can_view(liaison, named)  # a liaison's reach is unchanged: the unit's cards


def test_anonymous_and_inactive_users_see_nothing(users, objects):
    from django.contrib.auth.models import AnonymousUser

    inactive = users[Role.OFFICE]
    inactive.is_active = False
    for model in MATRIX:
        assert not can_view(AnonymousUser(), objects["A"][model])
        assert not can_view(inactive, objects["A"][model])


def test_department_leader_sees_only_own_subtree(org, objects):
    leader = UserFactory(role=Role.LEADER, unit=org.dept_b)
    assert can_view(leader, objects["B"][Staff])
    assert not can_view(leader, objects["A"][Staff])
    assert not can_edit(leader, objects["B"][Staff])


def test_a_leader_also_sees_what_they_supervise(org, objects):
    """领导督办: a task outside a leader's subtree that the leader opened or is named on."""
    leader = UserFactory(role=Role.LEADER, unit=org.dept_b)
    task_a = objects["A"][Task]
    assert not can_view(leader, task_a)
    Task.objects.filter(pk=task_a.pk).update(leader=leader)
    assert can_view(leader, task_a) and not can_edit(leader, task_a)
    Task.objects.filter(pk=task_a.pk).update(leader=None, opened_by=leader)
    assert can_view(leader, task_a)


# The same matrix through the pages: a row out of scope is a 404 (its existence is not
# revealed), an edit page the role may not use is a 403.


@pytest.mark.parametrize(
    ("role", "a_status", "b_status"),
    [
        (Role.OFFICE, 200, 200),
        (Role.LEADER, 200, 200),
        (Role.LIAISON, 200, 404),
        (Role.WINDOW, 200, 404),
        (Role.SUPERVISOR, 403, 403),
        (Role.API_CLIENT, 403, 403),
    ],
)
def test_staff_page_follows_matrix(client, users, objects, role, a_status, b_status):
    client.force_login(users[role])
    assert (
        client.get(reverse("org:staff_detail", args=[objects["A"][Staff].pk])).status_code
        == a_status
    )
    assert (
        client.get(reverse("org:staff_detail", args=[objects["B"][Staff].pk])).status_code
        == b_status
    )


@pytest.mark.parametrize(
    ("role", "a_status", "b_status"),
    [
        (Role.OFFICE, 200, 200),
        (Role.LIAISON, 200, 404),
        (Role.WINDOW, 403, 403),
        (Role.LEADER, 403, 403),
    ],
)
def test_staff_edit_page_follows_matrix(client, users, objects, role, a_status, b_status):
    client.force_login(users[role])
    assert (
        client.get(reverse("org:staff_edit", args=[objects["A"][Staff].pk])).status_code == a_status
    )
    assert (
        client.get(reverse("org:staff_edit", args=[objects["B"][Staff].pk])).status_code == b_status
    )


def test_liaison_cannot_post_absence_for_other_unit(client, users, objects):
    client.force_login(users[Role.LIAISON])
    response = client.post(
        reverse("org:staff_detail", args=[objects["B"][Staff].pk]),
        {"start_date": "2026-05-06", "end_date": "2026-05-07", "reason": "leave"},
    )
    assert response.status_code == 404
    assert not Absence.objects.filter(
        staff=objects["B"][Staff], start_date=datetime.date(2026, 5, 6)
    ).exists()


def test_unit_pages_follow_matrix(client, users, objects):
    client.force_login(users[Role.LIAISON])
    assert client.get(reverse("org:unit_detail", args=[objects["A"][Unit].pk])).status_code == 200
    assert client.get(reverse("org:unit_detail", args=[objects["B"][Unit].pk])).status_code == 404
    assert client.get(reverse("org:unit_edit", args=[objects["A"][Unit].pk])).status_code == 403
