"""In a real browser, from a red card to a decided appeal: a case runs over its limit and a red
card names the clerk; the office opens the violation from 待立案线索, assigns itself, records
the findings and gives notice; the clerk signs in and states their case; the office proposes
批评教育 (the rules' suggestion) and decides it; delivers it; the clerk appeals; the leader —
not the decider — changes it to 提醒; the clerk's file shows it."""

from __future__ import annotations

import pytest
from django.db import transaction

from xiaoneng.accountability.models import Appeal, Rule, Sanction, Violation
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card

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


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")


def test_from_a_red_card_to_a_decided_appeal(page, live_server, users, org, person):
    base = live_server.url
    page.set_default_timeout(60000)  # a shared, loaded machine serves the first pages slowly
    if not Rule.objects.exists():  # a transactional test before this one flushed the defaults
        Rule.objects.create(cause="red_card", count=1, sanction=Sanction.EDUCATION)
    else:
        Rule.objects.filter(cause="red_card", count=1).update(sanction=Sanction.EDUCATION)
    with transaction.atomic():
        supervision.raise_cards(
            [
                supervision.CardIntent(
                    color=Card.Color.RED,
                    cause=Card.Cause.CASE_OVERDUE,
                    cause_key="case:77:overdue",
                    unit=org.section_a,
                    summary="办件SQ-77超过承诺时限",
                    staff=person,
                )
            ]
        )

    # The office opens the violation from the list of unopened sources.
    _login(page, base, "office")
    _open(page, f"{base}/office/accountability/sources/")
    assert "办件SQ-77超过承诺时限" in page.content()
    _submit(page, "[data-testid=candidate-table] form button")
    assert "已立案" in page.content()
    v = Violation.objects.get()
    assert "批评教育" in page.get_by_test_id("suggested").inner_text()
    page.get_by_test_id("assign-form").locator("select").select_option(str(users["office"].pk))
    _submit(page, "[data-testid=assign-form] button")
    form = page.get_by_test_id("request_statement-form")
    form.locator("textarea").fill("经调取系统记录，办件超过承诺时限3个工作日，属实。")
    _submit(page, "[data-testid=request_statement-form] button")
    assert "已告知陈述申辩" in page.content()
    assert page.get_by_test_id("deadline").count() == 1
    _logout(page)

    # The clerk states their case.
    _login(page, base, "clerk")
    _open(page, f"{base}/office/accountability/{v.pk}/")
    page.get_by_test_id("submit_statement-form").locator("textarea").fill("当日系统故障两小时")
    _submit(page, "[data-testid=submit_statement-form] button")
    assert "已登记陈述申辩" in page.content()
    _logout(page)

    # The office proposes what the rule suggests, decides, downloads the decision, delivers.
    _login(page, base, "office")
    _open(page, f"{base}/office/accountability/{v.pk}/")
    page.get_by_test_id("propose-form").locator("textarea").fill("12个月内第1张红牌")
    _submit(page, "[data-testid=propose-form] button")
    page.get_by_test_id("decide-form").locator("textarea").fill("决定给予批评教育。")
    _submit(page, "[data-testid=decide-form] button")
    assert "批评教育" in page.get_by_test_id("sanction").inner_text()
    with page.expect_download() as download:
        page.get_by_test_id("decision-doc").click()
    assert download.value.suggested_filename.startswith("问责决定书")
    page.get_by_test_id("deliver-form").locator("input[name='deliver-note']").fill(
        "当面送达本人及所在单位"
    )
    _submit(page, "[data-testid=deliver-form] button")
    assert "已登记送达" in page.content()
    _logout(page)

    # The clerk appeals within the limit.
    _login(page, base, "clerk")
    _open(page, f"{base}/office/accountability/{v.pk}/")
    page.get_by_test_id("appeal-form").locator("textarea").fill("超时系系统故障，处理过重")
    _submit(page, "[data-testid=appeal-form] button")
    assert "已提交申诉" in page.content()
    _logout(page)

    # The leader reviews and changes the sanction to 提醒.
    _login(page, base, "leader")
    _open(page, f"{base}/office/accountability/{v.pk}/")
    form = page.get_by_test_id("review-form")
    form.locator("select[name='review-outcome']").select_option("changed")
    form.locator("select[name='review-new_sanction']").select_option("reminder")
    form.locator("textarea").fill("系统故障属实，情节较轻，改为提醒")
    _submit(page, "[data-testid=review-form] button")
    assert "已作出复核决定" in page.content()
    assert "提醒" in page.get_by_test_id("sanction").inner_text()
    _logout(page)

    v.refresh_from_db()
    assert v.status == "closed" and v.sanction == Sanction.REMINDER
    assert Appeal.objects.get(violation=v).outcome == "changed"

    # The clerk's own file shows it and the year's 评先评优 is lost.
    _login(page, base, "clerk")
    _open(page, f"{base}/office/accountability/me/")
    assert "提醒" in page.get_by_test_id("file-violations").inner_text()
    assert "不得参加" in page.get_by_test_id("eligibility").inner_text()
