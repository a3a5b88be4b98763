"""Who sees which plans, visits and findings: the role matrix of 明查暗访, cell by cell.

Liaison, window staff and the API client belong to department A; the plan visits A and B; the
visit to A is recorded, the one to B still being recorded."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from xiaoneng.accounts.roles import Role
from xiaoneng.inspections import services
from xiaoneng.inspections.models import Finding, Plan, Visit

from .conftest import NOW

pytestmark = pytest.mark.django_db

Y, N = True, False


@pytest.fixture
def world(items, make_plan, org, member, users):
    plans = {kind: make_plan(kind) for kind in (Plan.Kind.COVERT, Plan.Kind.OPEN)}
    made = {}
    with time_machine.travel(NOW, tick=False):
        for kind, plan in plans.items():
            a = services.start_visit(member, plan, org.dept_a, date(2026, 3, 4))
            b = services.start_visit(member, plan, org.dept_b, date(2026, 3, 4))
            fa = services.record_finding(member, a, services.FindingIn(items["去向卡"].pk, ""))
            pending = services.record_finding(
                member, a, services.FindingIn(items["佩戴胸卡"].pk, "")
            )
            services.record_finding(member, b, services.FindingIn(items["去向卡"].pk, ""))
            services.submit_visit(member, a)
            services.confirm(users[Role.OFFICE], fa)
            made[kind] = (plan, a, b, fa, pending)
    return made


#: role → (sees the covert plan, the open plan, visit A, visit B, A's confirmed finding,
#: A's finding waiting for review)
MATRIX = {
    Role.ADMIN: (Y, Y, Y, Y, Y, Y),
    Role.OFFICE: (Y, Y, Y, Y, Y, Y),
    Role.SUPERVISOR: (Y, Y, Y, Y, Y, Y),  # on the team
    Role.LEADER: (Y, Y, Y, N, Y, N),  # the city's leader: what was recorded
    Role.LIAISON: (Y, Y, Y, N, Y, N),
    Role.WINDOW: (Y, Y, Y, N, Y, N),
    Role.API_CLIENT: (N, N, N, N, N, N),
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_matrix(world, users, role):
    user = users[role]
    covert, a, b, confirmed, pending = world[Plan.Kind.COVERT]
    open_plan = world[Plan.Kind.OPEN][0]
    seen = (
        Plan.objects.visible_to(user).filter(pk=covert.pk).exists(),
        Plan.objects.visible_to(user).filter(pk=open_plan.pk).exists(),
        Visit.objects.visible_to(user).filter(pk=a.pk).exists(),
        Visit.objects.visible_to(user).filter(pk=b.pk).exists(),
        Finding.objects.visible_to(user).filter(pk=confirmed.pk).exists(),
        Finding.objects.visible_to(user).filter(pk=pending.pk).exists(),
    )
    assert seen == MATRIX[role]


def test_only_the_office_edits_plans(world, users):
    covert = world[Plan.Kind.COVERT][0]
    for role, may in {Role.OFFICE: Y, Role.SUPERVISOR: N, Role.LIAISON: N}.items():
        assert Plan.objects.editable_by(users[role]).filter(pk=covert.pk).exists() is may


def test_the_unit_side_of_another_unit_sees_no_covert_plan(world, org):
    from xiaoneng.testing.factories import UnitFactory, UserFactory

    other = UnitFactory(name="市丙局", code="C", parent=org.root)
    liaison = UserFactory(username="liaison_c", role=Role.LIAISON, unit=other)
    covert = world[Plan.Kind.COVERT][0]
    assert not Plan.objects.visible_to(liaison).filter(pk=covert.pk).exists()
