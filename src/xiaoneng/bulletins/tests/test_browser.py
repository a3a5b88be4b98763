"""In a real browser: the office issues last month's 效能投诉通报 from its draft, a late
complaint of that month leaves the issued bulletin unchanged, and the office corrects it —
a second version of the same number that lists what changed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.bulletins.models import IssuedBulletin
from xiaoneng.complaints import services as complaints
from xiaoneng.complaints.models import Category, Complaint
from xiaoneng.workdays import SHANGHAI

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"  # the factories' password


def _file(users, category: Category, day) -> Complaint:
    complaint, _ = complaints.submit_complaint(
        users[Role.OFFICE],
        channel=Complaint.Channel.HOTLINE,
        category=category,
        title="办证被拖",
        content="材料齐全却迟迟不办。",
        identity=complaints.Identity(name="孙投诉", phone="13700002222"),
        caller_line="12345",
    )
    # Filed on a day of last month (the bulletin's period), as a hotline transfer would be.
    moment = datetime.combine(day, time(10), SHANGHAI)
    Complaint.objects.filter(pk=complaint.pk).update(submitted_at=moment)
    return complaint


def test_the_office_issues_a_bulletin_and_corrects_it(page, live_server, users, org):
    base = live_server.url
    category, _ = Category.objects.get_or_create(code="ban_delay", defaults={"name": "办事拖拉"})
    today = timezone.localdate()
    last_day = today.replace(day=1) - timedelta(days=1)
    key = f"{last_day:%Y-%m}"
    _file(users, category, last_day.replace(day=10))

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", users[Role.OFFICE].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office/")

    page.goto(f"{base}/office/bulletins/draft/complaints/?key={key}")
    assert "草稿" in page.content()
    page.get_by_role("button", name="签发（编号并固定）").click()
    page.wait_for_url("**/office/bulletins/issued/complaints/**/v1/")
    number = f"效投通〔{today.year}〕1号"
    assert number in page.locator("h1").inner_text()
    first = IssuedBulletin.objects.get()
    assert first.snapshot and first.sha256

    # A complaint of that month is entered late: the issued bulletin says what it said.
    _file(users, category, last_day.replace(day=12))
    page.reload()
    assert "本版本已被更正" not in page.content()
    assert IssuedBulletin.objects.get().sha256 == first.sha256

    page.get_by_role("link", name="更正").click()
    page.fill("textarea[name=reason]", "补录一件当月转来的12345投诉")
    page.get_by_role("button", name="签发更正").click()
    page.wait_for_url("**/v2/")
    text = page.content()
    assert "更正内容" in text and "收到投诉" in text and "补录一件当月转来的12345投诉" in text
    second = IssuedBulletin.objects.get(version=2)
    assert second.number == first.number and second.corrects == first

    page.goto(f"{base}/office/bulletins/issued/complaints/{today.year}-1/v1/")
    assert "本版本已被更正" in page.content()
