"""The Django admin is a superuser's window: read-only where the services own the changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xiaoneng.accounts.roles import Role


@pytest.mark.parametrize(
    "model",
    [
        "org_unit",
        "org_staff",
        "cases_case",
        "catalog_serviceitem",
        "supervision_card",
        "evaluation_campaign",
    ],
)
def test_service_owned_tables_are_view_only(client, users, org, model):
    client.force_login(users[Role.ADMIN])
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_add")).status_code == 403
    page = client.get(reverse("admin:org_unit_change", args=[org.dept_a.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_configuration_edits_in_the_admin_are_audited(client, users):
    from xiaoneng.audit.models import AuditEntry
    from xiaoneng.complaints.models import Category

    client.force_login(users[Role.ADMIN])
    category = Category.objects.order_by("pk").first()
    response = client.post(
        reverse("admin:complaints_category_changelist"),
        {"action": "delete_selected", "_selected_action": [category.pk], "post": "yes"},
    )
    assert response.status_code == 302 and not Category.objects.filter(pk=category.pk).exists()
    entry = AuditEntry.objects.get(object_type="complaints.category", action="delete")
    assert entry.before["name"] == category.name
