"""In a real browser: register a case at the window, watch it go yellow then red as the clock is
advanced and the sweeper runs, then look it up as a member of the public."""

from __future__ import annotations

import pytest
import time_machine

from xiaoneng.accounts.roles import Role
from xiaoneng.supervision import watches
from xiaoneng.testing.factories import UserFactory

from .conftest import at, make_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_window_case_goes_yellow_then_red_and_the_public_follows_it(
    page, live_server, org, settings
):
    # The browser keeps real time while the server travels: a session cookie without an expiry
    # date stays valid in both.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.SESSION_COOKIE_AGE = 90 * 24 * 3600
    make_item(org.dept_a, code="GA-001")
    UserFactory(username="window1", role=Role.WINDOW, unit=org.dept_a)

    with time_machine.travel(at("2026-03-02 09:30"), tick=True) as traveller:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "window1")
        page.fill("#id_password", "pw-123456")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/office/")

        page.goto(f"{live_server.url}/office/cases/new/")
        page.fill("#id_item_code", "GA-001 测试事项GA-001")
        page.fill("#id_applicant_name", "赵六")
        page.click("text=受理并打印回执")
        page.wait_for_url("**/receipt/")
        number = page.locator("dl.fields dd strong").first.inner_text()
        code = page.locator(".query-code").inner_text()
        assert "2026年3月16日" in page.content()

        page.click("text=查看办件")
        assert page.locator("h1 .light").inner_text().endswith("绿灯")

        traveller.move_to(at("2026-03-12 08:00"))
        assert watches.sweep().warned == {"cases.case": 1}
        page.reload()
        assert page.locator("h1 .light").inner_text().endswith("黄灯")

        traveller.move_to(at("2026-03-17 08:00"))
        assert watches.sweep().overdue == {"cases.case": 1}
        page.reload()
        assert page.locator("h1 .light").inner_text().endswith("红灯")
        assert page.get_by_role("link", name="办件超过承诺时限").is_visible()
        page.goto(f"{live_server.url}/office/cases/?light=red")
        assert page.get_by_role("link", name=number).is_visible()

        page.click("form[action='/accounts/logout/'] button")
        page.goto(f"{live_server.url}/")
        page.fill("input[name=number]", number)
        page.fill("input[name=code]", code)
        page.click("form[action='/progress/'] button")
        result = page.locator("[data-testid=lookup-result]")
        assert "办理中" in result.inner_text() and "赵六" not in page.content()
