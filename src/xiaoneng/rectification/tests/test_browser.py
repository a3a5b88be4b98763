"""In a real browser: an applicant rates a finished case 非常不满意; the unit's liaison verifies the
差评 as 属实 with its measures; the office asks for a 整改方案; the liaison files the plan; the
office approves it; the liaison reports the measure done and the rectification complete; the
office accepts it and records the return visit."""

from __future__ import annotations

import re

import pytest

from xiaoneng.cases import services as cases
from xiaoneng.cases.models import Case
from xiaoneng.cases.tests.conftest import accept, at, event, make_item, query_code
from xiaoneng.rectification.models import Task
from xiaoneng.testing.factories import StaffFactory

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


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("load")


def test_a_bad_rating_through_its_plan_to_acceptance(page, live_server, users, org):
    base = live_server.url
    make_item(org.dept_a)
    report = cases.ingest(
        [
            accept("C1", "2026-03-02 09:00"),
            event("finish", "2026-03-04 10:00", number="C1", result="approved"),
        ],
        source="api:test",
        actor="测试系统",
        now=at("2026-03-04 12:00"),
    )
    assert report.rejected == 0
    case = Case.objects.get(number="C1")
    head = StaffFactory(name="甲局副局长", unit=org.dept_a)
    clerk = StaffFactory(name="审批科科员", unit=org.section_a)

    # The applicant rates the finished case online with the receipt's number and query code.
    page.goto(f"{base}/ratings/new/?number={case.number}")
    page.wait_for_load_state("load")
    page.fill("#id_code", query_code(case))
    page.check("input[name=level][value='1']")
    page.fill("#id_comment", "窗口只开一个，等了两个多小时")
    question = page.locator("label[for=id_captcha]").inner_text()
    a, b = map(int, re.search(r"(\d+)\s*加\s*(\d+)", question).groups())
    page.fill("#id_captcha", str(a + b))
    _submit(page, "form button.btn")
    assert "感谢您的评价" in page.content()
    task = Task.objects.get(source_kind="rating")
    assert task.status == Task.Status.VERIFYING and task.unit == org.dept_a
    url = f"{base}/office/rectification/{task.pk}/"

    # The unit's liaison finds it on the dashboard and verifies it: 属实, with measures.
    _login(page, base, "liaison")
    page.get_by_test_id("rectify-verifying").click()
    page.wait_for_load_state("load")
    with page.expect_navigation():
        page.click(f"a[href='/office/rectification/{task.pk}/']")
    form = page.get_by_test_id("verify-form")
    form.locator("input[name='verify-finding'][value='true']").check()
    form.locator("textarea[name='verify-verification']").fill("经调阅录像，高峰时段只开一个窗口")
    form.locator("textarea[name='verify-measures']").fill("已增开一个窗口")
    _submit(page, "[data-testid=verify-form] button")
    assert "已填报核实整改情况" in page.content()
    _logout(page)

    # The office asks for a full plan: the window's staffing needs more than one measure.
    _login(page, base, "office")
    page.goto(url)
    page.wait_for_load_state("load")
    form = page.get_by_test_id("require-plan-form")
    form.locator("input[name='require_plan-complete_by']").fill("2099-06-30")
    form.locator("textarea[name='require_plan-reason']").fill("高峰时段人手不足，需系统整改")
    _submit(page, "[data-testid=require-plan-form] button")
    assert "已要求责任单位制定整改方案" in page.content()
    _logout(page)

    # The liaison files the plan: cause, measure, section, leader and person, date, standard.
    _login(page, base, "liaison")
    page.goto(url)
    page.wait_for_load_state("load")
    with page.expect_navigation():
        page.get_by_test_id("plan-link").click()
    line = page.get_by_test_id("measure-1")
    line.locator("select[name='m-0-cause_kind']").select_option("mechanism")
    line.locator("textarea[name='m-0-cause']").fill("窗口人员按固定编制安排，未随客流调整")
    line.locator("textarea[name='m-0-action']").fill("实行弹性窗口，高峰时段增开两个窗口")
    line.locator("select[name='m-0-responsible_unit']").select_option(str(org.section_a.pk))
    line.locator("select[name='m-0-leader']").select_option(str(head.pk))
    line.locator("select[name='m-0-person']").select_option(str(clerk.pk))
    line.locator("input[name='m-0-due_date']").fill("2099-05-31")
    line.locator("textarea[name='m-0-standard']").fill("高峰时段平均等候不超过20分钟")
    _submit(page, "button[name=submit]")
    assert "整改方案已报送" in page.content()
    _logout(page)

    # The office approves the plan.
    _login(page, base, "office")
    page.goto(url)
    page.wait_for_load_state("load")
    _submit(page, "[data-testid=review-plan] form:first-of-type button")
    assert "整改方案已审核通过" in page.content()
    _logout(page)

    # The liaison reports the measure done, then the rectification complete.
    _login(page, base, "liaison")
    page.goto(url)
    page.wait_for_load_state("load")
    form = page.get_by_test_id("measure-form")
    form.locator("select[name='report_measure-measure']").select_option(index=1)
    form.locator("textarea[name='report_measure-note']").fill("已增开两个窗口并排班到人")
    _submit(page, "[data-testid=measure-form] button")
    form = page.get_by_test_id("completion-form")
    form.locator("textarea[name='report_completion-summary']").fill("问题已整改到位")
    _submit(page, "[data-testid=completion-form] button")
    assert "等待验收" in page.content()
    _logout(page)

    # The office accepts it and calls the rater back.
    _login(page, base, "office")
    page.goto(url)
    page.wait_for_load_state("load")
    page.get_by_test_id("acceptance").locator("textarea[name='accept-note']").fill(
        "现场检查，整改到位"
    )
    _submit(page, "[data-testid=acceptance] form:first-of-type button")
    assert "验收通过" in page.get_by_test_id("completion").inner_text()
    form = page.get_by_test_id("visit-form")
    form.locator("input[name='visit-satisfied'][value='1']").check()
    form.locator("textarea[name='visit-note']").fill("申请人对整改结果满意")
    _submit(page, "[data-testid=visit-form] button")
    assert "已办结" in page.get_by_test_id("status").inner_text()
    task.refresh_from_db()
    assert task.status == Task.Status.CLOSED and task.flow == Task.Flow.PLAN
    assert task.visit_satisfied and task.accepted_at and task.completed_at
    timeline = page.get_by_test_id("timeline").inner_text()
    for step in (
        "立项",
        "填报核实整改",
        "要求制定整改方案",
        "报送整改方案",
        "审核通过整改方案",
        "报告措施完成",
        "报送整改情况报告",
        "验收通过",
        "回访",
    ):
        assert step in timeline, step
