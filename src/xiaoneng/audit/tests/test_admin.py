"""The Django admin is a superuser's window: read-only where the services own the changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xiaoneng.accounts.roles import Role


@pytest.mark.parametrize(
    "model", ["org_unit", "org_staff", "cases_case", "catalog_serviceitem", "supervision_card"]
)
def test_service_owned_tables_are_view_only(client, users, org, model):
    client.force_login(users[Role.ADMIN])
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_add")).status_code == 403
    page = client.get(reverse("admin:org_unit_change", args=[org.dept_a.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
