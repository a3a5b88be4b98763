"""In a real browser: log in, browse the units tree (htmx expands a node), search, open a unit."""

from __future__ import annotations

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.testing.factories import PostFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_and_browse_units_tree(page, live_server, org, tmp_path):
    UnitFactory(name="甲局综合窗口", code="A2", parent=org.section_a, kind="window")
    PostFactory(unit=org.section_a, name="审批岗")
    UserFactory(username="office", role=Role.OFFICE, unit=org.root)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "office")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".form-errors").inner_text().startswith("用户名或密码不正确")
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/office/")
    assert page.locator("h1").inner_text() == "工作台"

    page.click("nav.sidenav >> text=单位")
    tree = page.locator("#unit-tree")
    assert tree.get_by_role("link", name="市甲局").is_visible()
    assert tree.get_by_role("link", name="甲局审批科").count() == 0

    # Expand 市甲局: its children arrive through htmx.
    def toggle_of(name):
        node = tree.locator(".tree-node", has=page.get_by_role("link", name=name, exact=True))
        return node.locator("button.tree-toggle")

    toggle_of("市甲局").click()
    page.get_by_role("link", name="甲局审批科").wait_for()
    toggle = toggle_of("甲局审批科")
    toggle.click()
    page.get_by_role("link", name="甲局综合窗口").wait_for()
    # A second click folds the loaded list away without another request.
    toggle.click()
    assert not page.get_by_role("link", name="甲局综合窗口").is_visible()
    page.screenshot(path=str(tmp_path / "units-tree.png"), full_page=True)

    page.fill("input[name=q]", "审批")
    page.click("form.searchbar button")
    page.get_by_role("link", name="甲局审批科").click()
    assert page.locator("h1").inner_text().startswith("甲局审批科")
    assert page.get_by_text("审批岗").is_visible()
