"""In a real browser on a phone-sized screen: an evaluator opens the answer page, enters the
code from the letter, answers every unit (one with “不了解该单位”), writes an opinion, submits,
and cannot use the code again."""

from __future__ import annotations

import os

import pytest

from xiaoneng.evaluation import services
from xiaoneng.evaluation.models import AccessCode, AnswerSheet, Opinion

from .conftest import make_collecting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_an_evaluator_answers_on_a_phone_and_the_code_is_spent(browser, live_server, users, org):
    from xiaoneng.accounts.roles import Role
    from xiaoneng.testing.factories import UnitFactory

    units = [org.dept_a, org.dept_b, UnitFactory(name="市丙中心", code="C", parent=org.root)]
    campaign = make_collecting(users[Role.OFFICE], units)
    code = services.code_of(AccessCode.objects.filter(campaign=campaign).first())

    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    base = live_server.url
    page.goto(f"{base}/evaluations/answer/")
    page.fill("#id_code", code.lower())
    # The form's buttons work through site.js (deferred): wait for the page to have loaded.
    with page.expect_navigation(wait_until="load"):
        page.click("text=开始评议")
    page.wait_for_selector("[data-testid=answer-form]")
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    fieldsets = page.locator("fieldset.eval-unit")
    assert fieldsets.count() == 3
    first, second, third = (fieldsets.nth(i) for i in range(3))
    for question in range(2):
        first.locator(".eval-q").nth(question).locator("text=满意").first.tap()
        second.locator(".eval-q").nth(question).locator("text=比较满意").tap()
    third.locator("text=不了解该单位").tap()
    assert page.locator("[data-answered]").inner_text() == "6"
    second.locator("summary", has_text="意见建议").tap()
    second.locator("textarea").fill("窗口排队时间太长，希望增加周末服务。")
    if os.environ.get("XIAONENG_SCREENSHOTS"):
        page.screenshot(
            path=os.environ["XIAONENG_SCREENSHOTS"] + "/answer-phone.png", full_page=True
        )
    page.click("[data-testid=submit-answers]")
    page.wait_for_selector("[data-testid=answer-done]")

    sheet = AnswerSheet.objects.get(campaign=campaign)
    assert sheet.answers == "00" + "11" + "44"
    assert Opinion.objects.get().text == "窗口排队时间太长，希望增加周末服务。"

    # The same code a second time.
    page.goto(f"{base}/evaluations/answer/")
    page.fill("#id_code", code)
    page.click("text=开始评议")
    assert "无效或已经使用过" in page.locator("[data-testid=code-form]").inner_text()
    assert AnswerSheet.objects.count() == 1
    context.close()


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")  # the factories' password
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office/")


def test_a_paper_form_is_entered_twice_with_the_keyboard_alone(page, live_server, users, org):
    from xiaoneng.accounts.roles import Role
    from xiaoneng.evaluation.models import PaperForm
    from xiaoneng.testing.factories import UnitFactory, UserFactory

    units = [org.dept_a, org.dept_b, UnitFactory(name="市丙中心", code="C", parent=org.root)]
    campaign = make_collecting(users[Role.OFFICE], units)
    UserFactory(username="clerk2", role=Role.OFFICE, unit=org.root)
    base = live_server.url

    def enter(username: str, digits: str) -> None:
        _login(page, base, username)
        page.goto(f"{base}/office/evaluations/{campaign.pk}/paper/", wait_until="load")
        # The serial field has the focus (autofocus); Tab to the stratum, a digit picks "1. 企业".
        page.wait_for_function(
            "document.activeElement && document.activeElement.id === 'id_serial'"
        )
        page.keyboard.type("P-0001")
        page.keyboard.press("Tab")
        page.keyboard.type("1")
        page.keyboard.press("Tab")
        # Two digits per unit; each full unit moves on by itself; Enter saves.
        page.keyboard.type(digits)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "编号 P-0001" in page.locator(".messages").inner_text()
        with page.expect_navigation():
            page.click("form[action='/accounts/logout/'] button")

    enter("office", "121212")
    assert PaperForm.objects.get(serial="P-0001").status == PaperForm.Status.AWAITING_SECOND
    enter("clerk2", "121212")
    form = PaperForm.objects.get(serial="P-0001")
    assert form.status == PaperForm.Status.ACCEPTED
    assert form.sheet.stratum.name == "企业" and form.sheet.answers == "010101"
