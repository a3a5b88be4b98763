"""The UI shell: portal, dashboard, navigation by role, error pages, login throttling, headers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.testing.factories import AbsenceFactory, PostFactory


def test_public_home(client, db):
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "办理期限计算" in page and "工作人员登录" in page
    assert "/evaluations/answer/" in page  # 群众评议: answering and the published results
    assert "/static/vendor/htmx/htmx.min.js" in page  # served locally, no CDN
    assert "http://" not in page.split("<body")[0] and "https://" not in page.split("<body")[0]


def test_security_headers(client, db):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_office_requires_login(client, db):
    response = client.get("/office/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


EVERY_OFFICE_ROLE = {"工作台", "办件监察", "黄牌红牌", "单位", "事项目录", "工作日历"}
ORG_READERS = EVERY_OFFICE_ROLE | {"人员与岗位", "首问登记"}
SYSTEM = {"审计日志", "通知设置", "接口密钥"}
SUPERVISING = {"办件统计", "效能投诉", "投诉通报", "已签发通报", "好差评", "差评申诉复核"}
RECTIFYING = {"整改督办", "专项活动"}
INSPECTING = {"明查暗访"}
EXPECTED_NAV = {
    Role.ADMIN: ORG_READERS
    | SYSTEM
    | SUPERVISING
    | RECTIFYING
    | INSPECTING
    | {"效能通报", "责任追究", "群众评议", "绩效考评"},
    Role.OFFICE: ORG_READERS
    | SYSTEM
    | SUPERVISING
    | RECTIFYING
    | INSPECTING
    | {"效能通报", "责任追究", "群众评议", "绩效考评"},
    Role.LEADER: ORG_READERS
    | SUPERVISING
    | RECTIFYING
    | INSPECTING
    | {"效能通报", "我督办的", "责任追究", "群众评议", "绩效考评"},
    Role.LIAISON: ORG_READERS
    | SUPERVISING
    | RECTIFYING
    | INSPECTING
    | {"本单位评议结果", "绩效考评"},
    Role.WINDOW: ORG_READERS | {"好差评", "整改督办"},
    Role.SUPERVISOR: EVERY_OFFICE_ROLE | INSPECTING | {"登记投诉", "整改督办"},
}


@pytest.mark.parametrize("role", list(EXPECTED_NAV))
def test_navigation_shows_only_what_the_role_may_use(client, users, role):
    from django.test import RequestFactory

    from xiaoneng.web.context import navigation

    request = RequestFactory().get("/office/")
    request.user = users[role]
    labels = {str(item["label"]) for item in navigation(request)["nav_items"]}
    assert labels == EXPECTED_NAV[role]
    client.force_login(users[role])
    for item in navigation(request)["nav_items"]:
        assert client.get(item["url"]).status_code == 200, item["url"]


def test_api_client_cannot_use_office_pages(client, users):
    client.force_login(users[Role.API_CLIENT])
    response = client.get("/office/")
    assert response.status_code == 403
    assert "无权" in response.content.decode()


def test_dashboard_shows_stand_ins_today(client, users, org):
    from django.utils import timezone

    post = PostFactory(unit=org.dept_a, name="综合受理岗")
    today = timezone.localdate()
    AbsenceFactory(staff=post.a_holder, start_date=today, end_date=today)
    client.force_login(users[Role.OFFICE])
    page = client.get("/office/").content.decode()
    assert "综合受理岗" in page and post.b_holder.name in page and "B岗顶岗" in page


def test_dashboard_empty_states(client, users):
    client.force_login(users[Role.OFFICE])
    page = client.get("/office/").content.decode()
    assert "今天所有岗位的A岗都在岗" in page and "还没有首问登记" in page


def test_custom_404_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_login_and_logout(client, users):
    response = client.post(
        reverse("accounts:login"), {"username": "office", "password": "pw-123456"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/start/"
    assert client.get("/accounts/start/")["Location"] == "/office/"
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302


def test_wrong_password_flood_is_throttled(client, users):
    for _ in range(4):
        response = client.post(
            reverse("accounts:login"), {"username": "office", "password": "wrong"}
        )
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    response = client.post(reverse("accounts:login"), {"username": "office", "password": "wrong"})
    assert response.status_code == 429
    # Even the right password is refused while locked out.
    response = client.post(
        reverse("accounts:login"), {"username": "office", "password": "pw-123456"}
    )
    assert response.status_code == 429 and "暂时锁定" in response.content.decode()


def test_english_is_available(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Due date calculator" in page and "Staff login" in page


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is a test-only switch; a deployment has none.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "xiaoneng.settings",
        "SECRET_KEY": "x" * 60 + "production-secret-not-a-demo",
        "XIAONENG_SECURE": "1",
        "XIAONENG_DEBUG": "0",
        "XIAONENG_DATA_DIR": str(tmp_path),
        "XIAONENG_ALLOWED_HOSTS": "xiaoneng.example.gov.cn",
    }
    result = subprocess.run(
        [sys.executable, "-m", "xiaoneng.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.urls("xiaoneng.web.tests.broken_urls")
def test_custom_500_page(client, db):
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    assert "系统暂时出错" in response.content.decode()


def test_custom_403_page_for_a_forbidden_role(client, users):
    client.force_login(users[Role.LEADER])
    response = client.get(reverse("org:unit_new"))
    assert response.status_code == 403 and "您的角色无权使用此页面" in response.content.decode()


def test_password_change_is_audited(client, users):
    from xiaoneng.audit.models import AuditEntry

    user = users[Role.WINDOW]
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "pw-123456",
            "new_password1": "a-longer-pass-2026",
            "new_password2": "a-longer-pass-2026",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-longer-pass-2026")
    entry = AuditEntry.objects.get(summary="修改本人密码")
    assert "a-longer-pass" not in str(entry.after) + str(entry.before)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_dashboard_counts_open_cases_by_light_in_scope(client, users, org):
    from xiaoneng.cases import services
    from xiaoneng.cases.tests.conftest import accept, at, make_item

    make_item(org.dept_a, code="A-1")
    make_item(org.dept_b, code="B-1")
    services.ingest(
        [accept("A1", item_code="A-1"), accept("B1", item_code="B-1")],
        source="api:t",
        actor="t",
        now=at("2026-03-02 10:00"),
    )
    client.force_login(users[Role.LIAISON])
    page = client.get("/office/").content.decode()
    assert "绿灯办件" in page
    assert client.get("/office/").context["lights"] == {"red": 0, "yellow": 0, "green": 1}
    client.force_login(users[Role.OFFICE])
    assert client.get("/office/").context["lights"]["green"] == 2


def test_dashboard_shows_the_units_ratings(client, users, org):
    client.force_login(users[Role.LIAISON])
    page = client.get("/office/").content.decode()
    assert "好差评（近90天，市甲局）" in page and "近90天没有服务评价" in page
