from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.notifications import services
from xiaoneng.notifications.models import Delivery
from xiaoneng.testing.factories import StaffFactory, UserFactory

MINUTE = timedelta(minutes=1)


@pytest.fixture
def person(org):
    user = UserFactory(role=Role.WINDOW, unit=org.dept_a, email="li@example.gov.cn")
    StaffFactory(user=user, unit=org.dept_a, phone="13800000000")
    return user


@pytest.fixture
def hook(office_user, receiver):
    return services.create_endpoint(office_user, name="短信网关", url=receiver.url)


def test_email_goes_through_the_django_mail_api(person):
    services.notify([person], kind="warning", title="即将到期", body="剩余 1 个工作日", link="/x/")
    assert mail.outbox == []  # queued, not sent, inside the caller's transaction
    report = services.process_deliveries()
    assert (report.claimed, report.sent) == (1, 1)
    [message] = mail.outbox
    assert message.to == ["li@example.gov.cn"] and "即将到期" in message.subject
    assert "剩余 1 个工作日" in message.body and "http://testserver/x/" in message.body
    delivery = Delivery.objects.get()
    assert message.extra_headers["X-Xiaoneng-Delivery"] == str(delivery.pk)
    assert delivery.status == "sent" and delivery.sent_at and delivery.attempts == 1
    assert services.process_deliveries().claimed == 0


def test_webhook_is_signed_and_received(person, hook, receiver):
    [note] = services.notify([person], kind="card", title="红牌：超期办结", payload={"case": 9})
    report = services.process_deliveries()
    assert report.sent == 2  # the e-mail and the webhook
    [request] = receiver.requests
    headers, body = request.headers, request.body
    assert headers["content-type"].startswith("application/json")
    # Verify the way a receiver would, with nothing but the standard library and the secret.
    timestamp = headers["x-xiaoneng-timestamp"]
    expected = hmac.new(hook.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert headers["x-xiaoneng-signature"] == "sha256=" + expected.hexdigest()
    assert abs(int(timestamp) - time.time()) < 60
    assert services.verify_signature(hook.secret, timestamp, body, headers["x-xiaoneng-signature"])
    assert not services.verify_signature("wrong", timestamp, body, headers["x-xiaoneng-signature"])
    delivery = Delivery.objects.get(channel="webhook")
    assert headers["x-xiaoneng-delivery"] == str(delivery.pk)
    event = json.loads(body)
    assert event["event_id"] == str(note.event_id) and event["payload"] == {"case": 9}
    assert event["recipients"][0]["phone"] == "13800000000"
    assert delivery.status == "sent"


def test_a_500_is_retried_with_backoff_then_succeeds(person, hook, receiver):
    receiver.statuses = [500]
    services.notify([person], kind="overdue", title="超期")
    t0 = timezone.now()
    Delivery.objects.filter(channel="email").delete()

    report = services.process_deliveries(now=t0)
    assert (report.claimed, report.retrying, report.sent) == (1, 1, 0)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at == t0 + MINUTE
    assert "HTTP 500" in delivery.last_error and "receiver broke" in delivery.last_error

    assert services.process_deliveries(now=t0 + 30 * timedelta(seconds=1)).claimed == 0
    report = services.process_deliveries(now=t0 + MINUTE)
    assert report.sent == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2 and delivery.last_error == ""
    # Both attempts carried the same delivery id, so the receiver can drop a duplicate.
    ids = {r.headers["x-xiaoneng-delivery"] for r in receiver.requests}
    assert ids == {str(delivery.pk)} and len(receiver.requests) == 2


def test_backoff_doubles_and_is_capped():
    delays = [services.retry_delay(n) / MINUTE for n in range(1, 10)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_failure_after_max_attempts_shows_on_the_settings_page(
    client, settings, person, hook, receiver, office_user
):
    settings.XIAONENG_DELIVERY_MAX_ATTEMPTS = 3
    receiver.default_status = 503
    services.notify([person], kind="escalation", title="督办：限期整改")
    Delivery.objects.filter(channel="email").delete()
    now = timezone.now()
    outcomes = []
    for _ in range(3):
        report = services.process_deliveries(now=now)
        outcomes.append((report.retrying, report.failed))
        now += timedelta(hours=2)
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 3
    assert delivery.next_attempt_at is None and "HTTP 503" in delivery.last_error
    assert services.process_deliveries(now=now + timedelta(days=1)).claimed == 0

    client.force_login(office_user)
    page = client.get("/office/notifications/settings/", {"status": "failed"}).content.decode()
    assert "督办：限期整改" in page and "HTTP 503" in page and "立即重试" in page
    response = client.post(f"/office/notifications/deliveries/{delivery.pk}/retry/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0
    receiver.default_status = 200
    assert services.process_deliveries().sent == 1


def test_a_crashed_claim_becomes_due_again(person):
    services.notify([person], kind="info", title="通知")
    now = timezone.now()
    services._claim(now, 10)  # the worker "dies" here, before sending
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at > now + MINUTE  # leased: no other worker takes it meanwhile
    assert services.process_deliveries(now=now).claimed == 0
    report = services.process_deliveries(now=delivery.next_attempt_at)
    assert report.sent == 1 and len(mail.outbox) == 1


def test_a_delivery_that_keeps_killing_the_worker_is_given_up(settings, person):
    settings.XIAONENG_DELIVERY_MAX_ATTEMPTS = 2
    services.notify([person], kind="info", title="通知")
    now = timezone.now()
    for _ in range(2):
        services._claim(now, 10)
        now += timedelta(days=1)
    report = services.process_deliveries(now=now)
    assert report.sent == 0 and mail.outbox == []
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "中断" in delivery.last_error


def test_deactivated_endpoint_fails_at_once(person, hook, receiver, office_user):
    services.notify([person], kind="card", title="黄牌")
    services.deactivate_endpoint(office_user, hook)
    report = services.process_deliveries()
    assert report.failed == 1 and receiver.requests == []
    assert "停用" in Delivery.objects.get(channel="webhook").last_error


def test_unreachable_receiver_is_a_retry_not_a_crash(person, office_user):
    services.create_endpoint(office_user, name="没人听", url="http://127.0.0.1:9/none")
    services.notify([person], kind="card", title="黄牌")
    report = services.process_deliveries()
    assert (report.sent, report.retrying) == (1, 1)  # the e-mail still went out
    assert Delivery.objects.get(channel="webhook").last_error


def test_limit_is_respected(org):
    users = [UserFactory(role=Role.WINDOW, unit=org.dept_a, email=f"u{i}@e.cn") for i in range(25)]
    services.notify(users, kind="info", title="批量")
    assert services.process_deliveries(limit=12).sent == 12
    assert services.process_deliveries(limit=100).sent == 13


def test_deliver_command(person):
    services.notify([person], kind="info", title="通知")
    out = StringIO()
    call_command("notifications", "deliver", stdout=out)
    assert "成功 1" in out.getvalue() and len(mail.outbox) == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_workers_skip_rows_another_worker_holds(org):
    from django.db import connections, transaction

    users = [UserFactory(role=Role.WINDOW, unit=org.dept_a, email=f"w{i}@e.cn") for i in range(3)]
    services.notify(users, kind="info", title="并发")
    held = Delivery.objects.order_by("id").first()
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(5)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(5)
        claimed = services._claim(timezone.now(), 10)  # must not wait for the other worker
        assert sorted(d.pk for d in claimed) == sorted(
            Delivery.objects.exclude(pk=held.pk).values_list("pk", flat=True)
        )
    finally:
        release.set()
        thread.join(5)
