"""In a real browser: a citizen files a complaint on the public form, the office routes it, the
unit's liaison files a finding, the office approves and replies, and the citizen reads the reply
with the query code and rates the handling (the return visit)."""

from __future__ import annotations

import re
import urllib.request

import pytest

from xiaoneng.complaints.models import Category, Complaint

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


def test_complaint_from_public_form_to_reply_and_return_visit(page, live_server, users, org):
    base = live_server.url
    # A transactional test before this one may have flushed the seeded categories.
    category, _ = Category.objects.get_or_create(code="ban_delay", defaults={"name": "办事拖拉"})

    # The citizen: the captcha is an addition question in the field's label (kept in the session).
    page.goto(f"{base}/complaints/new/")
    page.select_option("#id_category", str(category.pk))
    page.fill("#id_title", "营业执照变更拖了一个月")
    page.fill("#id_content", "在市甲局申请营业执照变更，超过承诺时限仍未办结。")
    page.select_option("#id_named_unit", str(org.dept_a.pk))
    page.fill("#id_name", "孙投诉")
    page.fill("#id_phone", "13700002222")
    question = page.locator("label[for=id_captcha]").inner_text()
    a, b = map(int, re.search(r"(\d+)\s*加\s*(\d+)", question).groups())
    page.fill("#id_captcha", str(a + b))
    page.click("text=提交投诉")
    page.wait_for_url("**/complaints/thanks/")
    number = page.get_by_test_id("number").inner_text()
    code = page.get_by_test_id("code").inner_text()
    assert number.startswith("TS") and len(code) == 8
    complaint = Complaint.objects.get(number=number)
    assert complaint.status == Complaint.Status.SUBMITTED

    # The office accepts it and routes it to department A.
    _login(page, base, "office")
    page.goto(f"{base}/office/complaints/{complaint.pk}/route/")
    page.wait_for_load_state("load")  # the unit picker is a deferred script
    assert page.get_by_test_id("routing-suggestions").is_visible()
    page.locator(".unit-picker").get_by_role("button", name="市甲局", exact=True).click()
    page.click("form:has(input[value=accept]) > button")
    page.wait_for_url(f"{base}/office/complaints/{complaint.pk}/")
    assert "已受理并转市甲局办理" in page.content()
    _logout(page)

    # The unit's liaison files the finding with the facts found; the identity stays hidden.
    _login(page, base, "liaison")
    page.goto(f"{base}/office/complaints/{complaint.pk}/")
    assert "孙投诉" not in page.content() and "13700002222" not in page.content()
    page.select_option("#id_finding", "true")
    page.fill("#id_text", "经调阅系统记录，该件超期12个工作日，已对经办人批评教育。")
    with page.expect_navigation():
        page.click(f"form[action='/office/complaints/{complaint.pk}/do/finding/'] button")
    assert "调查结论已提交，等待效能办审核" in page.content()
    _logout(page)

    # The office approves, replies and records the return visit.
    _login(page, base, "office")
    page.goto(f"{base}/office/complaints/{complaint.pk}/")
    with page.expect_navigation():
        page.click(f"button[formaction='/office/complaints/{complaint.pk}/do/approve/']")
    assert "已审核通过" in page.content()
    page.fill("#id_text", "经查属实，已责令市甲局整改并批评教育经办人。")
    with page.expect_navigation():
        page.click(f"form[action='/office/complaints/{complaint.pk}/do/reply/'] button")
    assert "已答复投诉人" in page.content()
    _logout(page)

    # The citizen reads the reply with number and query code.
    page.goto(f"{base}/complaints/lookup/")
    page.fill("#id_number", number)
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("form:has(input[value=lookup]) button")
    result = page.get_by_test_id("lookup-result")
    assert "已答复" in result.inner_text()
    assert "已责令市甲局整改" in page.get_by_test_id("reply").inner_text()

    # The citizen rates the handling on the same page (the return visit, 回访).
    visit = page.get_by_test_id("visit-form")
    visit.get_by_label("满意", exact=True).check()
    visit.locator("textarea[name=note]").fill("处理及时，谢谢。")
    with page.expect_navigation():
        visit.locator("button").click()
    assert "感谢您的评价" in page.content()
    assert "已办结" in page.get_by_test_id("lookup-result").inner_text()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.visit_result == "satisfied"
    page.goto(f"{base}/complaints/lookup/")
    page.fill("#id_number", number)
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("form:has(input[value=lookup]) button")
    assert "已办结" in page.get_by_test_id("lookup-result").inner_text()


def test_routing_with_the_unit_tree(page, live_server, users, org):
    """受理转办: the 承办单位 picker is a tree with a search box; a suggestion chooses its unit;
    the staff list follows the chosen unit; the choice is what the form posts."""
    from xiaoneng.complaints import services
    from xiaoneng.testing.factories import StaffFactory

    base = live_server.url
    category, _ = Category.objects.get_or_create(code="ban_delay", defaults={"name": "办事拖拉"})
    in_section = StaffFactory(name="审批科张三", unit=org.section_a)
    StaffFactory(name="乙局李四", unit=org.dept_b)
    office = users["office"]

    def file(title, unit=None):
        complaint, _ = services.submit_complaint(
            office,
            channel=Complaint.Channel.HOTLINE,
            category=category,
            title=title,
            content=f"{title}，请督促解决。",
            anonymous=True,
        )
        if unit is not None:
            services.accept(office, complaint, unit=unit)
        return complaint

    for text in ("不动产登记拖了两个月", "房产证办理超期", "抵押登记一直不办"):
        file(text, org.dept_a)
    for text in ("社保卡补办要跑三次", "养老保险转移办不了", "医保报销材料反复要"):
        file(text, org.dept_b)
    complaint = file("社保卡补办跑了好几次")

    _login(page, base, "office")
    page.goto(f"{base}/office/complaints/{complaint.pk}/route/")
    page.wait_for_load_state("load")
    picker = page.locator(".unit-picker")
    assert not page.locator("#id_unit").is_visible()  # the tree stands in for the select
    tree = picker.locator(".unit-tree")
    assert tree.get_by_role("button", name="市乙局", exact=True).is_visible()
    assert not tree.get_by_role("button", name="甲局审批科", exact=True).is_visible()  # closed

    # The first suggestion (市乙局, learned from the history) chooses its unit in the tree.
    first = page.get_by_test_id("routing-suggestions").locator("li").first
    assert first.get_attribute("data-unit") == str(org.dept_b.pk)
    first.get_by_role("button").click()
    assert page.locator("#id_unit").input_value() == str(org.dept_b.pk)
    assert "市乙局" in picker.locator(".unit-chosen").inner_text()
    staff = page.locator("#id_accused_staff option:not([hidden])")
    assert staff.all_inner_texts()[1:] == ["市乙局·乙局李四"]

    # Searching shows the matches with their ancestors; Enter takes the only match.
    search = picker.get_by_role("searchbox")
    search.fill("审批")
    assert tree.get_by_role("button", name="甲局审批科", exact=True).is_visible()
    assert tree.get_by_role("button", name="市甲局", exact=True).is_visible()
    assert not tree.get_by_role("button", name="市乙局", exact=True).is_visible()
    search.press("Enter")
    assert page.url.endswith("/route/")  # Enter in the search box does not submit
    assert page.locator("#id_unit").input_value() == str(org.section_a.pk)
    assert staff.all_inner_texts()[1:] == ["甲局审批科·审批科张三"]
    search.fill("没有这个单位")
    assert picker.get_by_text("没有名称含有该文字的单位").is_visible()

    page.select_option("#id_accused_staff", str(in_section.pk))
    with page.expect_navigation():
        page.click("form:has(input[value=accept]) > button")
    complaint.refresh_from_db()
    assert complaint.handling_unit == org.section_a and complaint.accused_staff == in_section


def test_complaint_filter_checkboxes_sit_beside_their_labels(page, live_server, users):
    _login(page, live_server.url, "office")
    page.goto(f"{live_server.url}/office/complaints/")
    for name in ("overdue", "escalated"):
        box = page.locator(f"input[name={name}]").bounding_box()
        label = page.locator(f"label:has(input[name={name}])").bounding_box()
        assert box["width"] < 30, name  # was stretched to the search fields' 200 px
        assert label["width"] - box["width"] < 60, name


def test_unit_objects_to_a_routing_and_the_office_reroutes(page, live_server, users, org):
    """退单 and 改派 in a browser: the unit's liaison objects with a reason and a suggestion; the
    office sees the dispute and its time on the complaint, and re-routes to the suggested unit."""
    from xiaoneng.complaints import services

    base = live_server.url
    category, _ = Category.objects.get_or_create(code="ban_delay", defaults={"name": "办事拖拉"})
    complaint, _ = services.submit_complaint(
        users["office"],
        channel=Complaint.Channel.HOTLINE,
        category=category,
        title="社保卡补办要跑三次",
        content="社保卡补办窗口要求反复提交材料。",
        anonymous=True,
    )
    services.accept(users["office"], complaint, unit=org.dept_a)
    url = f"{base}/office/complaints/{complaint.pk}/"
    # The live server's first request imports every view (jieba, scikit-learn): on a loaded
    # machine that alone can pass the page's 15 s timeout, so it is made once without it.
    urllib.request.urlopen(f"{base}/accounts/login/", timeout=120).read()

    _login(page, base, "liaison")
    page.goto(url)
    objection = page.locator("#object")
    reason = objection.locator("textarea[name=reason]")
    assert reason.evaluate("e => e.validity.valueMissing")  # the browser asks for a reason
    objection.locator("select[name=suggested_unit]").select_option(str(org.dept_b.pk))
    objection.locator("textarea[name=reason]").fill("社保卡补办属市乙局职责，本局无此业务。")
    with page.expect_navigation():
        objection.get_by_role("button", name="退单").click()
    assert "已退单，等待效能办审核" in page.content()
    assert "退单待审核" in page.content()
    _logout(page)

    _login(page, base, "office")
    page.goto(url)
    assert "市甲局已退单，审核已用" in page.get_by_test_id("dispute-clock").inner_text()
    records = page.get_by_test_id("disputes").inner_text()
    assert "社保卡补办属市乙局职责" in records and "市乙局" in records
    dispute = page.locator("#dispute")
    # The suggested unit is preselected for the 改派.
    assert dispute.locator("select[name=unit]").input_value() == str(org.dept_b.pk)
    with page.expect_navigation():
        dispute.get_by_role("button", name="改派", exact=True).click()
    assert "已改派" in page.content()
    assert page.get_by_test_id("handling-unit").inner_text() == "市乙局"
    assert "改派" in page.get_by_test_id("disputes").inner_text()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.HANDLING and complaint.handling_unit == org.dept_b
