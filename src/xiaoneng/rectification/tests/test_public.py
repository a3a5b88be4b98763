"""整改情况公示: only tasks from public sources, what was found and done, no personal data."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.rectification import public, services
from xiaoneng.rectification.sources import SourceKind, SourceRef

from .conftest import measures_for, travel

pytestmark = pytest.mark.django_db


def _complaint_task(org, users, staff):
    with travel("2026-03-05 10:00"):
        task = services.open_task(
            users[Role.OFFICE],
            services.OpenTask(
                source=SourceRef(SourceKind.COMPLAINT, 41, "投诉TS20260301000041", public=True),
                unit=org.dept_a,
                title=f"窗口人员{staff['clerk'].name}态度生硬",
                description="投诉人孙某，电话13700002222，反映窗口态度差",
                problems=(services.ProblemIn("窗口服务态度生硬", "投诉人原话……"),),
                complete_by=date(2026, 6, 30),
            ),
        )
    with travel("2026-03-10 09:00"):
        plan = measures_for(
            task, staff, action=f"对{staff['clerk'].name}批评教育，联系电话0731-12345678"
        )
        services.submit_plan(users[Role.LIAISON], task, plan)
        services.approve_plan(users[Role.OFFICE], task)
    return task


def test_the_public_page_shows_what_was_done_without_personal_data(client, org, users, staff):
    task = _complaint_task(org, users, staff)
    internal = services.open_task(
        users[Role.OFFICE],
        services.OpenTask(
            source=SourceRef(SourceKind.MANUAL, None, "督查督办"),
            unit=org.dept_a,
            title="内部督办事项",
            complete_by=date(2099, 6, 30),
        ),
    )
    listing = client.get(reverse("rectification:public_list")).content.decode()
    assert task.number in listing and "态度生硬" in listing
    assert "内部督办事项" not in listing  # not from the public
    assert client.get(reverse("rectification:public_detail", args=[internal.pk])).status_code == 404
    page = client.get(reverse("rectification:public_detail", args=[task.pk])).content.decode()
    assert "窗口服务态度生硬" in page and "批评教育" in page and "甲局审批科" in page
    for secret in (
        staff["clerk"].name,
        staff["head"].name,
        "孙某",
        "13700002222",
        "0731-12345678",
        "投诉人原话",
        "高峰时段窗口安排未按客流调整",
    ):
        assert secret not in page, secret
        assert secret not in listing, secret
    assert public.MASK in page


def test_the_portal_links_to_it(client, db):
    assert reverse("rectification:public_list") in client.get("/").content.decode()


def test_redact():
    text = "张三（身份证110101199001011234，手机13800138000，zs@example.com）"
    assert public.redact(text, {"张三"}) == "××（身份证××，手机××，××）"
