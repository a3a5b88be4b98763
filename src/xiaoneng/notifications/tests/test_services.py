from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.db import transaction

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.notifications import services
from xiaoneng.notifications.models import Delivery, Kind, Notification, WebhookEndpoint
from xiaoneng.testing.factories import StaffFactory, UnitFactory, UserFactory


@pytest.fixture
def endpoint(office_user):
    return services.create_endpoint(
        office_user, name="短信网关", url="http://127.0.0.1:9/hook", kinds=[Kind.CARD]
    )


def test_notify_creates_inbox_rows_and_deliveries(org, office_user, endpoint):
    person = UserFactory(role=Role.WINDOW, unit=org.dept_a, email="zhang@example.gov.cn")
    StaffFactory(user=person, unit=org.section_a, phone="0577-88000001", name="张三")
    no_mail = UserFactory(role=Role.LIAISON, unit=org.dept_a, email="")
    gone = UserFactory(role=Role.LIAISON, unit=org.dept_a, is_active=False, email="x@y.cn")
    services.create_endpoint(
        office_user, name="只收预警", url="http://127.0.0.1:9/w", kinds=["warning"]
    )
    everything = services.create_endpoint(office_user, name="全部", url="http://127.0.0.1:9/a")
    services.deactivate_endpoint(office_user, everything)

    created = services.notify(
        [person, no_mail, gone, person],
        kind="card",
        title="黄牌：环节超时",
        body="受理环节超过时限 2 个工作日",
        link="/office/cases/1/",
        payload={"card_id": 7, "day": datetime.date(2026, 3, 2), "amount": Decimal("1.5")},
    )

    assert [n.recipient for n in created] == [person, no_mail]
    assert Notification.objects.count() == 2
    assert all(n.read_at is None and n.kind == "card" for n in created)
    assert created[0].payload == {"card_id": 7, "day": "2026-03-02", "amount": "1.5"}
    mails = Delivery.objects.filter(channel=Delivery.Channel.EMAIL)
    assert [(d.to, d.notification_id) for d in mails] == [("zhang@example.gov.cn", created[0].pk)]
    assert "http://testserver/office/cases/1/" in mails[0].body
    # One webhook event for the whole call, only to the active endpoint subscribed to "card".
    hooks = list(Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK))
    assert [h.endpoint for h in hooks] == [endpoint]
    assert all(d.status == "pending" and d.next_attempt_at for d in [*mails, *hooks])
    event = json.loads(hooks[0].body)
    assert event["kind"] == "card" and event["kind_label"] == "黄牌/红牌"
    assert event["event_id"] == str(created[0].event_id)
    assert event["link"] == "http://testserver/office/cases/1/"
    assert event["recipients"][0] == {
        "username": person.username,
        "display_name": person.display_name,
        "unit": "甲局审批科",
        "unit_code": "A1",
        "phone": "0577-88000001",
    }
    assert event["recipients"][1]["phone"] == "" and event["recipients"][1]["unit"] == "市甲局"
    entry = AuditEntry.objects.get(object_type="notifications.notification")
    assert entry.object_id == str(created[0].event_id) and "2人" in entry.summary
    assert entry.summary.startswith("发出黄牌/红牌通知")


def test_a_plain_notice_is_not_called_a_notice_notice(users):
    services.notify([users[Role.OFFICE]], kind="info", title="系统维护")
    entry = AuditEntry.objects.get(object_type="notifications.notification")
    assert entry.summary == "发出通知（1人）：系统维护"


def test_dedupe_key_never_doubles_a_notification(org, users, endpoint):
    liaison = users[Role.LIAISON]
    liaison.email = "liaison@example.gov.cn"
    liaison.save()
    first = services.notify([liaison], kind="card", title="红牌", dedupe_key="card:1")
    again = services.notify([liaison], kind="card", title="红牌", dedupe_key="card:1")
    assert len(first) == 1 and again == []
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 2  # one e-mail, one webhook: nothing queued twice
    # The same key still reaches someone who did not have it yet, and other keys are separate.
    window = users[Role.WINDOW]
    assert (
        len(services.notify([liaison, window], kind="card", title="红牌", dedupe_key="card:1")) == 1
    )
    assert len(services.notify([liaison], kind="card", title="红牌", dedupe_key="card:2")) == 1
    assert len(services.notify([liaison], kind="info", title="无键")) == 1
    assert len(services.notify([liaison], kind="info", title="无键")) == 1
    assert Notification.objects.filter(recipient=liaison).count() == 4


def test_notify_sends_nothing_when_the_caller_rolls_back(users):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify([users[Role.OFFICE]], kind="overdue", title="超期")
        raise RuntimeError("caller failed")
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_notify_refuses_unknown_kinds_and_empty_titles(users):
    with pytest.raises(ValueError):
        services.notify([users[Role.OFFICE]], kind="gossip", title="x")
    with pytest.raises(ValueError):
        services.notify([users[Role.OFFICE]], kind="info", title="  ")
    assert services.notify([], kind="info", title="nobody") == []


def test_kinds_have_chinese_labels():
    assert {"card", "warning", "overdue", "escalation", "info"} <= set(Kind.values)
    assert Kind.ESCALATION.label == "督办"


# ---- responsible_recipients ------------------------------------------------------------------


def test_responsible_recipients_staff_user_and_nearest_liaison(org, users):
    person_login = UserFactory(role=Role.WINDOW, unit=org.section_a)
    staff = StaffFactory(unit=org.section_a, user=person_login)
    UserFactory(role=Role.LIAISON, unit=org.root)  # farther up: not asked when dept_a has one
    UserFactory(role=Role.LIAISON, unit=org.dept_a, is_active=False)
    result = services.responsible_recipients(org.section_a, staff)
    assert result == [person_login, users[Role.LIAISON]]
    # Without a person, the unit's own liaison wins over an ancestor's.
    own = UserFactory(role=Role.LIAISON, unit=org.section_a)
    assert services.responsible_recipients(org.section_a) == [own]
    # The staff's unit is used when no unit is given.
    assert services.responsible_recipients(None, staff) == [person_login, own]


def test_responsible_recipients_go_up_the_chain_then_to_the_office(org, users):
    deep = UnitFactory(name="乙局窗口", parent=org.dept_b, kind="window")
    root_liaison = UserFactory(role=Role.LIAISON, unit=org.root)
    assert services.responsible_recipients(deep) == [root_liaison]
    root_liaison.is_active = False
    root_liaison.save()
    staff_without_login = StaffFactory(unit=deep)
    assert services.responsible_recipients(deep, staff_without_login) == [users[Role.OFFICE]]
    inactive_login = UserFactory(role=Role.WINDOW, unit=deep, is_active=False)
    staff = StaffFactory(unit=deep, user=inactive_login)
    assert services.responsible_recipients(deep, staff) == [users[Role.OFFICE]]


def test_a_liaison_who_is_also_the_person_appears_once(org, users):
    liaison = users[Role.LIAISON]
    staff = StaffFactory(unit=org.dept_a, user=liaison)
    assert services.responsible_recipients(org.dept_a, staff) == [liaison]


# ---- endpoints -------------------------------------------------------------------------------


def test_endpoint_secret_is_generated_and_kept_out_of_the_audit_log(users):
    office = users[Role.OFFICE]
    endpoint = services.create_endpoint(office, name="IM", url="https://im.example.gov.cn/x")
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    old = endpoint.secret
    services.rotate_secret(office, endpoint)
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    services.update_endpoint(office, endpoint, name="IM 网关", kinds=["warning", "overdue"])
    logged = json.dumps(list(AuditEntry.objects.values("before", "after", "summary")))
    assert old not in logged and endpoint.secret not in logged
    assert AuditEntry.objects.filter(object_type="notifications.webhookendpoint").count() == 3


def test_endpoint_rules(users):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.create_endpoint(users[Role.LIAISON], name="x", url="https://a.example/")
    with pytest.raises(ValidationError):
        services.create_endpoint(users[Role.OFFICE], name="x", url="ftp://a.example/")
    with pytest.raises(ValidationError):
        services.create_endpoint(users[Role.OFFICE], name="x", url="https://a/", kinds=["nope"])
    assert not WebhookEndpoint.objects.exists()
