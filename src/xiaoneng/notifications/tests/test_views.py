from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.notifications import services
from xiaoneng.notifications.models import Notification, WebhookEndpoint

INBOX = "/office/inbox/"
SETTINGS = "/office/notifications/settings/"


@pytest.fixture
def liaison(client, users):
    client.force_login(users[Role.LIAISON])
    return users[Role.LIAISON]


def test_inbox_shows_own_notifications_newest_first_unread_bold(client, liaison, users):
    services.notify([liaison], kind="warning", title="较早的预警")
    services.notify([liaison], kind="card", title="较新的黄牌", body="环节超时")
    services.notify([users[Role.WINDOW]], kind="info", title="别人的通知")
    page = client.get(INBOX).content.decode()
    assert page.index("较新的黄牌") < page.index("较早的预警")
    assert "<strong>较新的黄牌</strong>" in page and "环节超时" in page
    assert "别人的通知" not in page
    assert "全部标为已读" in page


def test_inbox_filters_by_unread_and_kind(client, liaison):
    [read] = services.notify([liaison], kind="warning", title="已看过的预警")
    services.mark_read(liaison, read)
    services.notify([liaison], kind="card", title="未读黄牌")
    unread = client.get(INBOX, {"show": "unread"}).content.decode()
    assert "未读黄牌" in unread and "已看过的预警" not in unread
    warnings = client.get(INBOX, {"kind": "warning"}).content.decode()
    assert "已看过的预警" in warnings and "未读黄牌" not in warnings
    assert "没有符合条件的通知" in client.get(INBOX, {"kind": "escalation"}).content.decode()


def test_empty_inbox(client, liaison):
    page = client.get(INBOX).content.decode()
    assert "还没有通知" in page and "全部标为已读" not in page


def test_opening_marks_read_and_follows_the_link(client, liaison):
    [with_link] = services.notify([liaison], kind="card", title="黄牌", link="/office/units/")
    [plain] = services.notify([liaison], kind="info", title="纯文字", body="第一行\n第二行")
    [outside] = services.notify([liaison], kind="info", title="外链", link="https://evil.example/")
    response = client.get(reverse("notifications:open", args=[with_link.pk]))
    assert response.status_code == 302 and response["Location"] == "/office/units/"
    response = client.get(reverse("notifications:open", args=[plain.pk]))
    assert response.status_code == 200 and "第一行<br>第二行" in response.content.decode()
    response = client.get(reverse("notifications:open", args=[outside.pk]))
    assert response.status_code == 200  # never an open redirect
    assert not Notification.objects.filter(recipient=liaison, read_at__isnull=True).exists()


def test_nobody_opens_another_persons_notification(client, users):
    [theirs] = services.notify([users[Role.WINDOW]], kind="info", title="窗口的通知")
    client.force_login(users[Role.OFFICE])
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    client.force_login(users[Role.ADMIN])
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_is_post_only_and_touches_only_mine(client, liaison, users):
    services.notify([liaison, users[Role.WINDOW]], kind="info", title="大家的通知")
    services.notify([liaison], kind="info", title="我的第二条")
    url = reverse("notifications:mark_all_read")
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "已将 2 条通知标为已读" in response.content.decode()
    assert services.unread_count(liaison) == 0
    assert services.unread_count(users[Role.WINDOW]) == 1


BELL = "</svg>"  # the bell icon (includes/bell.html) ends the link's first part


def _text(html: str) -> str:
    """The page with its whitespace runs collapsed, as a browser shows them."""
    return " ".join(html.split())


def test_unread_badge_in_the_header(client, liaison):
    for i in range(3):
        services.notify([liaison], kind="info", title=f"通知{i}")
    page = _text(client.get("/office/").content.decode())
    assert BELL + " 通知 3</a>" in page and reverse("notifications:inbox") in page
    first = Notification.objects.filter(recipient=liaison).first()
    client.get(reverse("notifications:open", args=[first.pk]))
    with CaptureQueriesContext(connection) as queries:
        assert BELL + " 通知 2</a>" in _text(client.get("/office/units/").content.decode())
    counts = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()
    services.mark_all_read(liaison)
    page = _text(client.get("/office/units/").content.decode())
    assert BELL + " 通知</a>" in page and "通知 0" not in page


def test_badge_is_counted_once_per_request(rf, liaison):
    from xiaoneng.web.context import navigation

    services.notify([liaison], kind="info", title="一条")
    request = rf.get("/office/")
    request.user = liaison
    count = navigation(request)["unread_count"]
    assert count() == 1
    services.notify([liaison], kind="info", title="又一条")
    assert count() == 1  # memoised on this request; the next request counts again


def test_no_badge_for_the_public(client, org):
    page = client.get("/").content.decode()
    assert BELL not in page and reverse("notifications:inbox") not in page


def test_api_client_has_no_inbox(client, users):
    client.force_login(users[Role.API_CLIENT])
    assert client.get(INBOX).status_code == 403


# ---- settings page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.OFFICE, 200),
        (Role.LIAISON, 403),
        (Role.WINDOW, 403),
        (Role.LEADER, 403),
        (Role.SUPERVISOR, 403),
        (Role.API_CLIENT, 403),
    ],
)
def test_only_admin_and_office_manage_webhooks(client, users, role, status):
    endpoint = services.create_endpoint(users[Role.OFFICE], name="网关", url="https://gw.example/")
    client.force_login(users[role])
    assert client.get(SETTINGS).status_code == status
    assert client.get(reverse("notifications:endpoint_new")).status_code == status
    assert client.get(reverse("notifications:endpoint_edit", args=[endpoint.pk])).status_code == (
        status
    )
    if status == 403:
        deactivate = reverse("notifications:endpoint_deactivate", args=[endpoint.pk])
        assert client.post(deactivate).status_code == 403
        assert WebhookEndpoint.objects.get().is_active
        nav = client.get("/office/").content.decode()
        assert "通知设置" not in nav


def test_create_endpoint_shows_the_secret_once(client, office_user):
    client.force_login(office_user)
    response = client.post(
        reverse("notifications:endpoint_new"),
        {
            "name": "政务微信网关",
            "url": "https://im.example.gov.cn/hook",
            "kinds": ["card", "overdue"],
            "is_active": "on",
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert endpoint.kinds == ["card", "overdue"] and endpoint.is_active
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret in page and "只显示这一次" in page
    assert endpoint.secret not in client.get(response["Location"]).content.decode()
    assert endpoint.secret not in client.get(SETTINGS).content.decode()
    listing = client.get(SETTINGS).content.decode()
    assert "政务微信网关" in listing and "黄牌/红牌" in listing and "超期" in listing
    assert AuditEntry.objects.filter(object_type="notifications.webhookendpoint").exists()


def test_edit_rotate_and_deactivate_endpoint(client, office_user):
    endpoint = services.create_endpoint(office_user, name="网关", url="https://gw.example/")
    client.force_login(office_user)
    edit = reverse("notifications:endpoint_edit", args=[endpoint.pk])
    response = client.post(edit, {"name": "新网关", "url": "ftp://gw.example/", "is_active": "on"})
    assert response.status_code == 200  # a bad URL keeps the form with its error
    response = client.post(
        edit, {"name": "新网关", "url": "https://gw2.example/", "is_active": "on"}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.url, endpoint.kinds) == ("新网关", "https://gw2.example/", [])
    old = endpoint.secret
    response = client.post(reverse("notifications:endpoint_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in client.get(edit).content.decode()
    client.post(reverse("notifications:endpoint_deactivate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "已停用" in client.get(SETTINGS).content.decode()


def test_retry_refuses_a_delivery_that_did_not_fail(client, office_user, users):
    from xiaoneng.notifications.models import Delivery

    users[Role.LIAISON].email = "l@example.cn"
    users[Role.LIAISON].save()
    services.notify([users[Role.LIAISON]], kind="info", title="x")
    delivery = Delivery.objects.get()
    client.force_login(office_user)
    response = client.post(
        reverse("notifications:delivery_retry", args=[delivery.pk]),
        {"next": "https://evil.example/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == SETTINGS
    assert "只有发送失败的投递可以重试" in response.content.decode()


def test_settings_page_empty_states(client, office_user):
    client.force_login(office_user)
    page = client.get(SETTINGS).content.decode()
    assert "还没有 Webhook 接收端" in page and "没有符合条件的投递记录" in page


def test_django_admin_is_read_only(admin_client):
    assert admin_client.get("/admin/notifications/delivery/").status_code == 200
    assert admin_client.get("/admin/notifications/webhookendpoint/add/").status_code == 403
