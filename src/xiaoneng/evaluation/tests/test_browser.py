"""In a real browser: on a phone-sized screen an evaluator enters the code from the letter, picks
the units they know with the search and the category filter, rates them one category at a time,
leaves, comes back on another device with the same code, finds every answer kept, reviews and
submits once; the code cannot be used again. And a paper form entered twice with the keyboard."""

from __future__ import annotations

import os

import pytest

from xiaoneng.evaluation import services
from xiaoneng.evaluation.models import AccessCode, AnswerDraft, AnswerSheet, Opinion

from .conftest import make_collecting, released

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _phone(browser):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _enter_code(page, base: str, code: str) -> None:
    page.goto(f"{base}/evaluations/answer/")
    page.fill("#id_code", code)
    # The steps' filters, counters and autosave are a deferred script: wait for the load.
    with page.expect_navigation(wait_until="load"):
        page.click("text=开始评议")


def _shot(page, name: str) -> None:
    if os.environ.get("XIAONENG_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['XIAONENG_SCREENSHOTS']}/{name}.png", full_page=True)


def test_an_evaluator_answers_on_a_phone_resumes_and_the_code_is_spent(
    browser, live_server, users, org
):
    from xiaoneng.accounts.roles import Role
    from xiaoneng.testing.factories import UnitFactory

    units = [org.dept_a, org.dept_b, UnitFactory(name="市丙中心", code="C", parent=org.root)]
    campaign = make_collecting(users[Role.OFFICE], units)
    code = services.code_of(AccessCode.objects.filter(campaign=campaign).first())
    base = live_server.url

    # Step 1 on the first phone: pick 市丙中心 by searching, 市甲局 by its category.
    context, page = _phone(browser)
    _enter_code(page, base, code.lower())
    page.wait_for_selector("[data-testid=pick-form].js")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    units_shown = page.locator("label.pick-unit:visible")
    assert units_shown.count() == 3
    page.fill("[data-pick-search]", "丙")
    assert units_shown.count() == 1
    units_shown.first.tap()
    page.fill("[data-pick-search]", "")
    page.select_option("[data-pick-category]", "政府机构")
    assert units_shown.count() == 2
    page.locator("label.pick-unit", has_text="市甲局").tap()
    count = page.locator("[data-testid=pick-count]")
    assert "已选 2 个单位，其余 1 个记为“不了解”" in count.inner_text()
    _shot(page, "answer-1-pick")
    with page.expect_navigation(wait_until="load"):
        page.click("[data-testid=pick-next]")

    # Step 2, first category (政府机构): only 市甲局, both dimensions 满意, an opinion.
    form = page.locator("[data-testid=rate-form].js")
    form.wait_for()
    assert page.locator("fieldset.eval-unit").count() == 1
    unit = page.locator("fieldset.eval-unit")
    assert "市甲局" in unit.locator("legend").inner_text()
    for question in range(2):
        unit.locator(".eval-q").nth(question).locator("label.choice").first.tap()
    unit.locator("summary", has_text="意见建议").tap()
    unit.locator("textarea").fill("窗口排队时间太长，希望增加周末服务。")
    assert page.locator("[data-cat-done]").inner_text() == "1"
    _shot(page, "answer-2-rate")
    # The phone is put away without pressing anything: the autosave has it.
    page.wait_for_selector("[data-save-status]:has-text('已自动保存')")
    context.close()

    # Another device, the same code: back where the evaluator stopped (窗口单位), nothing lost.
    context, page = _phone(browser)
    _enter_code(page, base, code)
    assert "已恢复您上次保存的答案" in page.locator("[data-testid=resumed]").inner_text()
    page.wait_for_selector("[data-testid=rate-form].js")
    unit = page.locator("fieldset.eval-unit")
    assert "市丙中心" in unit.locator("legend").inner_text()
    assert "1/1" in page.locator(".cat-tab", has_text="政府机构").inner_text()
    unit.locator(".eval-q").nth(0).locator("label.choice").nth(1).tap()  # 比较满意
    unit.locator(".eval-q").nth(1).locator("label.choice").nth(4).tap()  # 不了解
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    with page.expect_navigation(wait_until="load"):
        page.click("[data-testid=to-review]")

    # Step 3: what will be submitted, then one submission.
    summary = page.locator("[data-testid=review-summary]").inner_text()
    assert "您评价了 2 个单位；其余 1 个单位记为“不了解”" in summary
    review = page.locator("[data-testid=review-form]").inner_text()
    assert "窗口排队时间太长，希望增加周末服务。" in review and "行政效能：不了解" in review
    _shot(page, "answer-3-review")
    page.click("[data-testid=submit-answers]")
    page.wait_for_selector("[data-testid=answer-done]")

    assert not AnswerDraft.objects.exists() and campaign.pending.count() == 1
    sheet = released(campaign).get()
    assert sheet.answers == "00" + "44" + "14"  # 市甲局, 市乙局 (not picked), 市丙中心
    assert Opinion.objects.get().text == "窗口排队时间太长，希望增加周末服务。"

    # The same code a second time.
    page.goto(f"{base}/evaluations/answer/")
    page.fill("#id_code", code)
    page.click("text=开始评议")
    assert "无效或已经使用过" in page.locator("[data-testid=code-form]").inner_text()
    assert AnswerSheet.objects.count() == 1 and not campaign.pending.exists()
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
