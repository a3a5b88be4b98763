"""In a real browser: the Swagger UI page renders from local assets under the site's CSP, and the
key page's copy button works."""

from __future__ import annotations

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.testing.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_offline_under_the_csp(page, live_server, tmp_path):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert {s.replace("\u200b", "") for s in summaries} >= {
        "/api/v1/cases/events",
        "/api/v1/cases/events/bulk",
        "/api/v1/cases/{number}",
        "/api/v1/cases/{number}/events",
        "/api/v1/cases",
    }
    assert page.get_by_text("效能监察平台接口").first.is_visible()
    assert page.locator(".btn.authorize").is_visible()
    page.screenshot(path=str(tmp_path / "api-docs.png"), full_page=False)
    assert outside == [], outside
    assert problems == [], problems


def test_new_key_copy_button(page, live_server, org):
    UserFactory(username="office", role=Role.OFFICE, unit=org.root)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "office")
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/office/")
    page.click("text=接口密钥")
    page.click("text=发放密钥")
    page.fill("#id_name", "甲局审批系统")
    page.select_option("#id_unit", label="\u3000市甲局（A）")
    # The copy handler comes with a deferred script: wait until the new page has loaded.
    with page.expect_navigation(wait_until="load"):
        page.click("button:has-text('发放')")
    key = page.locator("#new-key").inner_text()
    assert key.startswith("xn_")
    page.click("[data-copy]")
    page.locator("[data-copy]", has_text="已复制").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key
    page.reload()
    assert page.locator("#new-key").count() == 0
