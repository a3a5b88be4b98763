"""Who sees what of a campaign, decided by the rule tables on the querysets: the pool (private
data) only the office; units' results the office and leaders all, a liaison their subtree."""

from __future__ import annotations

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.evaluation.models import Campaign, CampaignUnit, Evaluator

from .conftest import make_draft

pytestmark = pytest.mark.django_db

#: role → (campaigns visible, campaign units visible, evaluators visible, campaigns editable)
MATRIX = {
    Role.ADMIN: (True, "all", True, True),
    Role.OFFICE: (True, "all", True, True),
    Role.LEADER: (True, "all", False, False),
    Role.LIAISON: (True, "own", False, False),
    Role.SUPERVISOR: (True, "none", False, False),
    Role.WINDOW: (False, "none", False, False),
    Role.API_CLIENT: (False, "none", False, False),
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_matrix(users, units, role):
    make_draft(users[Role.OFFICE], units)
    user = users[role]
    campaigns, unit_reach, evaluators, edit = MATRIX[role]
    assert Campaign.objects.visible_to(user).exists() is campaigns
    assert Campaign.objects.editable_by(user).exists() is edit
    assert Evaluator.objects.visible_to(user).exists() is evaluators
    seen = set(CampaignUnit.objects.visible_to(user).values_list("unit_id", flat=True))
    expected = {
        "all": {u.pk for u in units},
        "own": {units[0].pk},  # the liaison belongs to department A
        "none": set(),
    }[unit_reach]
    assert seen == expected
