"""On a phone-sized screen in a real browser: a team member starts a visit, types a finding (the
draft survives a reload), attaches a photo, loses the connection and saves it (it waits in the
phone's outbox), reloads the page while still offline (the service worker reopens it, the
outbox is still there), gets the connection back and sees it sent; then submits the visit."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from xiaoneng.accounts.roles import Role
from xiaoneng.inspections import defaults, services
from xiaoneng.inspections.models import CheckItem, Finding, Plan, Visit
from xiaoneng.testing.factories import StaffFactory, UserFactory

from .conftest import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"  # the factories' password
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield context, tab
    context.close()


def test_record_offline_reload_and_send(phone, live_server, users, org, tmp_path):
    context, page = phone
    base = live_server.url
    defaults.install(users[Role.OFFICE])
    member = UserFactory(username="inspector", role=Role.OFFICE, unit=org.root)
    clerk = StaffFactory(name="窗口科员", unit=org.dept_a)
    today = timezone.localdate()
    plan = services.create_plan(
        users[Role.OFFICE],
        services.PlanIn(
            "窗口暗访",
            Plan.Kind.COVERT,
            today - timedelta(days=5),
            today + timedelta(days=5),
            (member,),
            units=(org.dept_a,),
        ),
    )
    photo = tmp_path / "counter.jpg"
    photo.write_bytes(jpeg())

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "inspector")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office/")

    # Start the visit from the plan's page.
    page.goto(f"{base}/office/inspections/{plan.pk}/")
    form = page.locator("[data-testid=start-visit]")
    form.locator("select[name=unit]").select_option(str(org.dept_a.pk))
    form.locator("input[name=visited_on]").fill(today.isoformat())
    with page.expect_navigation():
        form.locator("button").click()
    visit = Visit.objects.get()
    assert page.url.endswith(f"/visits/{visit.pk}/record/")

    # The service worker keeps a copy of the page.
    page.wait_for_function(
        "() => caches.match(location.pathname, {ignoreVary: true}).then(r => !!r)",
        polling=200,
        timeout=15000,
    )

    # A draft survives a reload.
    item = CheckItem.objects.get(name="上班时间玩游戏/网购", is_current=True)
    page.select_option("#id_item", str(item.pk))
    page.select_option("#id_person", str(clerk.pk))
    page.fill("#id_note", "工作时间用手机玩游戏")
    page.wait_for_timeout(300)
    page.reload()
    page.wait_for_function("() => document.querySelector('#id_note').value !== ''")
    assert page.input_value("#id_note") == "工作时间用手机玩游戏"
    assert page.input_value("#id_item") == str(item.pk)

    # Offline: the finding with its photo waits in the outbox, also across a reload.
    page.set_input_files("#id_photos", str(photo))
    context.set_offline(True)
    page.click("[data-testid=save-finding]")
    outbox = page.locator("[data-testid=outbox]")
    outbox.wait_for(state="visible")
    assert "待发送1个问题" in outbox.inner_text()
    assert not Finding.objects.exists()
    page.reload()
    page.locator("[data-testid=outbox]").wait_for(state="visible")
    assert "（照片1张）" in page.locator("[data-testid=outbox]").inner_text()
    assert not Finding.objects.exists()

    # The connection returns: it is sent, once, and the page shows it saved.
    context.set_offline(False)
    page.locator("[data-testid=saved-findings]").wait_for(state="visible", timeout=30000)
    assert "上班时间玩游戏/网购" in page.locator("[data-testid=saved-findings]").inner_text()
    finding = Finding.objects.get()
    assert (finding.item, finding.person, finding.note) == (item, clerk, "工作时间用手机玩游戏")
    stored = finding.photos.get()
    assert 0x8825 not in Image.open(io.BytesIO(stored.file.read())).getexif()
    assert stored.taken_at is not None

    # Submit the visit for review.
    page.fill("[data-testid=submit-visit] textarea", "三卡齐全，一人玩游戏")
    with page.expect_navigation():
        page.click("[data-testid=submit-visit] button")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED
    assert "待审核" in page.content()
