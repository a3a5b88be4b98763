"""In a real browser: the dashboard draws its charts, drills down through htmx, and loads the
windows panel after the page."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_draws_and_drills_down(page, live_server, month, users, tmp_path):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "office")
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/office/")

    page.goto(f"{live_server.url}/office/stats/?p=m2026-03")
    assert page.locator("h1").inner_text() == "办件统计"
    page.locator("[data-chart='trend-chart'] canvas").wait_for()
    assert page.locator("[data-chart] canvas").count() == 3  # trend, cards, ranking
    page.get_by_text("其他（单位直接受理）").wait_for()  # the windows panel arrived
    assert "80.0%" in page.locator(".stats-kpis").inner_text()
    page.screenshot(path=str(tmp_path / "stats.png"), full_page=True)

    page.locator("td.name a", has_text="市甲局").click()
    page.get_by_text("市甲局的事项").wait_for()
    assert "unit=" in page.url and "p=m2026-03" in page.url
    assert "75.0%" in page.locator(".stats-kpis").inner_text()
    page.locator("[data-chart='trend-chart'] canvas").wait_for()  # charts drawn after the swap

    # 甲局 has no 即办件: no rates, but its red card (cards are not typed) still shows.
    page.select_option("select[name=type]", "instant")
    page.get_by_text("这个周期内没有办结件").wait_for()
    assert "type=instant" in page.url
