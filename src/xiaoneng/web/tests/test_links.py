"""A link shown is a link that opens: pages ask the view's declared roles before linking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.testing.factories import StaffFactory
from xiaoneng.web.decorators import role_may_open, user_may_open


def test_roles_are_read_from_the_view_declaration(db):
    assert role_may_open(Role.OFFICE, "audit:list")
    assert not role_may_open(Role.LIAISON, "audit:list")
    assert role_may_open(Role.SUPERVISOR, "web:office_home")
    # Public pages carry no declaration: anyone may open them.
    assert role_may_open(Role.SUPERVISOR, "web:home")
    with pytest.raises(ValueError):
        role_may_open(Role.OFFICE, "no:such_page")


def test_signed_out_and_api_users_may_open_no_staff_page(users):
    from django.contrib.auth.models import AnonymousUser

    assert not user_may_open(AnonymousUser(), "web:office_home")
    assert not user_may_open(users[Role.API_CLIENT], "web:office_home")


def test_supervisor_dashboard_offers_only_pages_it_may_open(client, users, org):
    client.force_login(users[Role.SUPERVISOR])
    page = client.get("/office/").content.decode()
    for name in ("org:staff_list", "org:inquiry_list", "org:inquiry_new", "ratings:office"):
        assert reverse(name) not in page, name
    assert "在岗人员" in page  # the figure stays, without a link


def test_leader_dashboard_has_no_inquiry_form_link(client, users, org):
    client.force_login(users[Role.LEADER])
    page = client.get("/office/").content.decode()
    assert reverse("org:inquiry_new") not in page
    assert reverse("org:inquiry_list") in page


def test_liaison_unit_trail_names_but_does_not_link_units_above(client, users, org):
    client.force_login(users[Role.LIAISON])
    page = client.get(reverse("org:unit_detail", args=[org.dept_a.pk])).content.decode()
    assert org.root.name in page
    assert reverse("org:unit_detail", args=[org.root.pk]) not in page
    assert client.get(reverse("org:unit_detail", args=[org.root.pk])).status_code == 404


def test_supervisor_sees_staff_names_without_links(client, users, org):
    person = StaffFactory(unit=org.dept_a, name="赵监督对象")
    client.force_login(users[Role.SUPERVISOR])
    page = client.get(reverse("org:unit_detail", args=[org.dept_a.pk])).content.decode()
    assert "赵监督对象" in page
    assert reverse("org:staff_detail", args=[person.pk]) not in page


def test_api_client_account_lands_on_its_own_page(client, users):
    client.force_login(users[Role.API_CLIENT])
    response = client.get(reverse("web:landing"))
    assert response["Location"] == reverse("apikeys:client_home")
    page = client.get(response["Location"]).content.decode()
    assert "接口客户端账号" in page and reverse("api:openapi-view") in page
    client.force_login(users[Role.OFFICE])
    assert client.get(reverse("apikeys:client_home")).status_code == 403


def test_login_page_is_named_after_the_site(client, db, settings):
    settings.XIAONENG_SITE_NAME = "示范市机关效能监察平台"
    page = client.get(reverse("accounts:login")).content.decode()
    title = page.split("<title>")[1].split("</title>")[0]
    assert "示范市机关效能监察平台" in title and "testserver" not in page
