"""In a real browser: the office opens the preview; a unit's liaison finds its scorecard, sees the
number it disputes with its drill-down, and objects with evidence; the office answers it."""

from __future__ import annotations

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.assessment import services
from xiaoneng.assessment.models import Objection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"  # the factories' password


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office/")


def _logout(page) -> None:
    page.click("form[action='/accounts/logout/'] button")


def test_a_unit_objects_to_its_scorecard(page, live_server, city, users):
    base = live_server.url
    services.open_preview(users[Role.OFFICE], city.period)

    _login(page, base, "liaison_c")
    page.click("nav a[href='/office/assessment/']")
    page.wait_for_load_state("load")
    with page.expect_navigation():
        page.click(f"a[href='/office/assessment/{city.period.pk}/']")
    with page.expect_navigation():
        page.get_by_test_id("own-scorecard").click()
    assert "61.50" in page.get_by_test_id("total").inner_text()
    assert "黄牌红牌" in page.get_by_test_id("components").inner_text()
    form = page.get_by_test_id("objection-form")
    form.locator("select[name=component]").select_option("黄牌红牌")
    form.locator("textarea[name=reason]").fill("7月6日红牌已提出申诉，申诉期间不应计入")
    form.locator("textarea[name=evidence]").fill("申诉书及受理回执")
    with page.expect_navigation():
        form.locator("button").click()
    assert "异议已提交" in page.content()
    assert "待答复" in page.get_by_test_id("own-objections").inner_text()
    _logout(page)

    _login(page, base, "office")
    page.goto(f"{base}/office/assessment/{city.period.pk}/")
    table = page.get_by_test_id("objections")
    assert "申诉书及受理回执" in table.inner_text()
    table.locator("textarea[name=decision]").fill("经核，红牌申诉已被驳回，维持评分")
    with page.expect_navigation():
        table.locator("button[value=reject]").click()
    assert "已答复异议" in page.content()
    objection = Objection.objects.get()
    assert objection.status == Objection.Status.REJECTED and objection.component == "黄牌红牌"
