"""Notification rules (通知): what other apps call, and the worker's delivery loop.

- :func:`notify` records inbox rows and queues deliveries inside the caller's transaction; it
  never talks to the network (the outbox pattern), so a rolled back change sends nothing.
- :func:`responsible_recipients` answers "who must hear about this unit's problem".
- :func:`process_deliveries` sends what is due: e-mail through Django's mail API, webhooks as
  signed JSON POSTs, with retries and exponential backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPMessage
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese
from xiaoneng.org.models import Staff, Unit

from .models import Delivery, Kind, Notification, WebhookEndpoint

logger = logging.getLogger(__name__)

#: Roles that configure webhooks and watch failed deliveries.
MANAGER_ROLES = (Role.ADMIN, Role.OFFICE)
#: The audit snapshot of an endpoint never contains its secret.
ENDPOINT_AUDIT_FIELDS = ("id", "name", "url", "kinds", "is_active")
#: Deliveries claimed per round trip to the database; the lease covers one such chunk.
CLAIM_CHUNK = 10
#: Retry delays double from one minute up to this cap.
MAX_RETRY_DELAY = timedelta(minutes=60)


def _kind_phrase(kind: str) -> str:
    """“到期预警通知”, “督办通知”, but “通知” alone for a plain notice (not “通知通知”)."""
    label = chinese(Kind(kind).label)
    return label if label.endswith("通知") else f"{label}通知"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_attempts() -> int:
    return int(_setting("XIAONENG_DELIVERY_MAX_ATTEMPTS", 8))


def webhook_timeout() -> float:
    return float(_setting("XIAONENG_WEBHOOK_TIMEOUT", 10))


def _plain(value: Any) -> Any:
    # Callers may pass dates or Decimals; store what JSON will give back later.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _absolute(link: str) -> str:
    base: str = _setting("XIAONENG_BASE_URL", "").rstrip("/")
    if link.startswith("/") and base:
        return base + link
    return link


# ---- notify ----------------------------------------------------------------------------------


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> list[Notification]:
    """Put a notification in each recipient's inbox and queue its e-mails and webhook events.

    Call it inside your own transaction: nothing is sent until it commits (the worker sends).
    Inactive users are skipped. With ``dedupe_key`` a recipient who already has a notification
    with that key gets nothing new, so a retried caller never doubles a notification. Returns the
    notifications this call created (empty when every recipient already had it).
    """
    if kind not in Kind.values:
        raise ValueError(f"未知的通知类型：{kind}")
    title = (title or "").strip()
    if not title:
        raise ValueError("通知标题不能为空")
    users: dict[int, User] = {}
    for user in recipients:
        if user is not None and user.is_active and user.pk not in users:
            users[user.pk] = user
    if not users:
        return []
    event_id = uuid.uuid4()
    now = timezone.now()
    payload = _plain(payload or {})
    with transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=pk,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    link=link[:500],
                    payload=payload,
                    dedupe_key=dedupe_key,
                    event_id=event_id,
                    created_at=now,
                )
                for pk in users
            ],
            # A conflicting key means the recipient already has it (perhaps from a concurrent
            # caller): skip that row rather than fail the caller's transaction.
            ignore_conflicts=dedupe_key is not None,
        )
        # Rows carrying this call's event id are exactly the ones it inserted.
        created = list(
            Notification.objects.filter(event_id=event_id)
            .select_related("recipient__unit", "recipient__staff__unit")
            .order_by("id")
        )
        if not created:
            return []
        _queue_deliveries(created, now)
        audit.record(
            "通知服务",
            audit.Action.EVENT,
            object_type=Notification._meta.label_lower,
            object_id=str(event_id),
            object_repr=title,
            summary=f"发出{_kind_phrase(kind)}（{len(created)}人）：{title}",
            after={
                "kind": kind,
                "title": title,
                "link": link,
                "dedupe_key": dedupe_key,
                "recipients": [n.recipient.username for n in created],
            },
        )
    return created


def _recipient_entry(user: User) -> dict[str, Any]:
    """How a gateway reaches a person: the unit and phone come from the linked staff record."""
    staff = getattr(user, "staff", None)
    unit = staff.unit if staff is not None else user.unit
    return {
        "username": user.username,
        "display_name": user.display_name or user.get_full_name() or user.username,
        "unit": unit.name if unit else "",
        "unit_code": unit.code if unit else "",
        "phone": staff.phone if staff is not None else "",
    }


def _email_text(notification: Notification) -> str:
    parts = [notification.title]
    if notification.body:
        parts.append(notification.body)
    if notification.link:
        parts.append(f"查看详情：{_absolute(notification.link)}")
    parts.append(f"——\n{_setting('XIAONENG_SITE_NAME', '')}（系统自动发送，请勿直接回复）")
    return "\n\n".join(parts)


def _queue_deliveries(created: list[Notification], now: datetime) -> None:
    Delivery.objects.bulk_create(_deliveries_for(created, now, _endpoints()))


def _endpoints() -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(is_active=True))


def _deliveries_for(
    created: list[Notification], now: datetime, active_endpoints: list[WebhookEndpoint]
) -> list[Delivery]:
    """The e-mails (one per recipient with an address) and webhook events (one per endpoint)
    for the notifications of one event."""
    first = created[0]
    site = _setting("XIAONENG_SITE_NAME", "")
    deliveries = [
        Delivery(
            channel=Delivery.Channel.EMAIL,
            kind=n.kind,
            event_id=n.event_id,
            notification=n,
            to=n.recipient.email,
            subject=f"【{site}】{n.title}"[:255] if site else n.title[:255],
            body=_email_text(n),
            next_attempt_at=now,
            created_at=now,
        )
        for n in created
        if n.recipient.email
    ]
    endpoints = [e for e in active_endpoints if e.wants(first.kind)]
    if endpoints:
        event = {
            "event_id": str(first.event_id),
            "kind": first.kind,
            "kind_label": chinese(Kind(first.kind).label),
            "title": first.title,
            "body": first.body,
            "link": _absolute(first.link),
            "created_at": now.isoformat(),
            "dedupe_key": first.dedupe_key,
            "payload": first.payload,
            "recipients": [_recipient_entry(n.recipient) for n in created],
        }
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        deliveries += [
            Delivery(
                channel=Delivery.Channel.WEBHOOK,
                kind=first.kind,
                event_id=first.event_id,
                endpoint=endpoint,
                to=endpoint.url[:254],
                subject=first.title[:255],
                body=body,
                next_attempt_at=now,
                created_at=now,
            )
            for endpoint in endpoints
        ]
    return deliveries


@dataclass(frozen=True)
class Message:
    """One notification event for :func:`notify_many`."""

    recipients: list[User]
    kind: str
    title: str
    body: str = ""
    link: str = ""
    dedupe_key: str | None = None
    payload: dict[str, Any] | None = None


def notify_many(messages: list[Message], *, summary: str = "") -> int:
    """:func:`notify` for many events at once — one insert of notifications, one of deliveries
    and one audit entry — for the sweeper and batch ingest, which raise hundreds at a time.
    Returns how many notifications were created."""
    now = timezone.now()
    rows: list[Notification] = []
    for message in messages:
        if message.kind not in Kind.values:
            raise ValueError(f"未知的通知类型：{message.kind}")
        title = (message.title or "").strip()
        if not title:
            raise ValueError("通知标题不能为空")
        event_id = uuid.uuid4()
        payload = _plain(message.payload or {})
        seen: set[int] = set()
        for user in message.recipients:
            if user is None or not user.is_active or user.pk in seen:
                continue
            seen.add(user.pk)
            rows.append(
                Notification(
                    recipient_id=user.pk,
                    kind=message.kind,
                    title=title[:200],
                    body=message.body,
                    link=message.link[:500],
                    payload=payload,
                    dedupe_key=message.dedupe_key,
                    event_id=event_id,
                    created_at=now,
                )
            )
    if not rows:
        return 0
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        created = list(
            Notification.objects.filter(event_id__in={r.event_id for r in rows})
            .select_related("recipient__unit", "recipient__staff__unit")
            .order_by("id")
        )
        if not created:
            return 0
        by_event: dict[str, list[Notification]] = defaultdict(list)
        for n in created:
            by_event[n.event_id].append(n)
        endpoints = _endpoints()
        deliveries = []
        for group in by_event.values():
            deliveries.extend(_deliveries_for(group, now, endpoints))
        Delivery.objects.bulk_create(deliveries)
        audit.record(
            "通知服务",
            audit.Action.EVENT,
            object_type=Notification._meta.label_lower,
            object_id="",
            object_repr=summary or "批量通知",
            summary=f"批量发出通知 {len(by_event)} 条（{len(created)}人次）"
            + (f"：{summary}" if summary else ""),
        )
    return len(created)


class RecipientCache:
    """:func:`responsible_recipients` for a whole batch: liaisons and office users are read once,
    then each unit's chain is resolved in memory (same rules, one query instead of two per unit).
    """

    def __init__(self) -> None:
        self._by_unit: dict[int, list[User]] | None = None
        self._office: list[User] = []
        self._found: dict[tuple[int | None, int | None], list[User]] = {}

    def _load(self) -> dict[int, list[User]]:
        by_unit: dict[int, list[User]] = defaultdict(list)
        for user in User.objects.filter(
            is_active=True, role__in=[Role.LIAISON, Role.OFFICE]
        ).order_by("id"):
            if user.role == Role.LIAISON and user.unit_id:
                by_unit[user.unit_id].append(user)
            elif user.role == Role.OFFICE:
                self._office.append(user)
        self._by_unit = by_unit
        return by_unit

    def __call__(self, unit: Unit | None, staff: Staff | None = None) -> list[User]:
        key = (unit.pk if unit else None, staff.pk if staff else None)
        if key in self._found:
            return self._found[key]
        by_unit = self._by_unit if self._by_unit is not None else self._load()
        found: dict[int, User] = {}
        if staff is not None and staff.user is not None and staff.user.is_active:
            found[staff.user.pk] = staff.user
        if unit is None and staff is not None:
            unit = staff.unit
        chain = [int(p) for p in unit.path.strip("/").split("/") if p] if unit is not None else []
        liaisons = next((by_unit[u] for u in reversed(chain) if by_unit.get(u)), None)
        for user in liaisons or self._office:
            found.setdefault(user.pk, user)
        self._found[key] = list(found.values())
        return self._found[key]


class LeaderCache:
    """Leaders (role 领导) by unit, read once per batch; ``nearest`` walks up the unit's chain:
    whom an overdue matter is escalated to (督办) — a complaint, a rectification task."""

    def __init__(self) -> None:
        self.by_unit: dict[int | None, list[User]] = defaultdict(list)
        for user in User.objects.filter(is_active=True, role=Role.LEADER).order_by("id"):
            self.by_unit[user.unit_id].append(user)
        self.top = [u for uid, users in self.by_unit.items() for u in users if uid is None]
        roots = set(Unit.objects.filter(parent__isnull=True).values_list("pk", flat=True))
        self.top += [u for uid in roots for u in self.by_unit.get(uid, [])]

    def nearest(self, unit: Unit | None) -> list[User]:
        if unit is None:
            return self.top
        chain = [int(p) for p in unit.path.strip("/").split("/") if p]
        for unit_id in reversed(chain):
            if self.by_unit.get(unit_id):
                return self.by_unit[unit_id]
        return self.top


def responsible_recipients(unit: Unit | None, staff: Staff | None = None) -> list[User]:
    """责任人及联络员: the person responsible and their unit liaison.

    The active login linked to ``staff`` (if any) first, then the active unit liaisons of the
    nearest unit, going up from ``unit`` (or the staff's unit), that has any; when no unit up the
    chain has a liaison, the supervision office users instead.
    """
    found: dict[int, User] = {}
    if staff is not None and staff.user is not None:
        person = staff.user
        if person.is_active:
            found[person.pk] = person
    if unit is None and staff is not None:
        unit = staff.unit
    chain = [int(p) for p in unit.path.strip("/").split("/") if p] if unit is not None else []
    liaisons: list[User] = []
    if chain:
        by_unit: dict[int, list[User]] = defaultdict(list)
        for user in User.objects.filter(
            is_active=True, role=Role.LIAISON, unit_id__in=chain
        ).order_by("id"):
            if user.unit_id is not None:  # always: the filter names units
                by_unit[user.unit_id].append(user)
        for unit_id in reversed(chain):
            if by_unit[unit_id]:
                liaisons = by_unit[unit_id]
                break
    if not liaisons:
        liaisons = list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))
    for user in liaisons:
        found.setdefault(user.pk, user)
    return list(found.values())


# ---- the inbox -------------------------------------------------------------------------------


def unread_count(user: User | AnonymousUser | None) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.for_user(user).unread().count()


def request_unread_count(request: HttpRequest) -> int:
    """The header badge's number, counted at most once per request and only when shown."""
    count: int | None = getattr(request, "_xn_unread_count", None)
    if count is None:
        count = unread_count(getattr(request, "user", None))
        request._xn_unread_count = count  # type: ignore[attr-defined]  # a per-request memo
    return count


def mark_read(user: User, notification: Notification) -> Notification:
    """Reading is the recipient's own state, kept on the row (``read_at``), not in the audit log."""
    if notification.recipient_id != getattr(user, "pk", None):
        raise PermissionDenied("只能阅读自己的通知")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(user: User) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


# ---- webhook endpoints -----------------------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not (actor and actor.is_authenticated and actor.effective_role in MANAGER_ROLES):
        raise PermissionDenied("只有系统管理员和效能办可以管理通知设置")


def _clean_endpoint(endpoint: WebhookEndpoint) -> None:
    unknown = set(endpoint.kinds) - set(Kind.values)
    if unknown:
        raise ValidationError({"kinds": f"未知的通知类型：{'、'.join(sorted(unknown))}"})
    if urlsplit(endpoint.url).scheme not in ("http", "https"):
        raise ValidationError({"url": "地址须以 http:// 或 https:// 开头"})
    endpoint.full_clean(exclude=["secret"])


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def create_endpoint(
    actor: User, *, name: str, url: str, kinds: Iterable[str] = (), is_active: bool = True
) -> WebhookEndpoint:
    """New webhook endpoint with a generated secret (``endpoint.secret``; show it once)."""
    _require_manager(actor)
    endpoint = WebhookEndpoint(
        name=name, url=url, kinds=list(kinds), is_active=is_active, secret=new_secret()
    )
    _clean_endpoint(endpoint)
    endpoint.save()
    audit.record(
        actor,
        audit.Action.CREATE,
        endpoint,
        after=audit.snapshot(endpoint, ENDPOINT_AUDIT_FIELDS),
    )
    return endpoint


ENDPOINT_FIELDS = ("name", "url", "kinds", "is_active")


@transaction.atomic
def update_endpoint(actor: User, endpoint: WebhookEndpoint, **data: Any) -> WebhookEndpoint:
    _require_manager(actor)
    unknown = set(data) - set(ENDPOINT_FIELDS)
    if unknown:
        raise ValidationError(f"不能修改这些字段：{', '.join(sorted(unknown))}")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = audit.snapshot(endpoint, ENDPOINT_AUDIT_FIELDS)
    for key, value in data.items():
        setattr(endpoint, key, list(value) if key == "kinds" else value)
    _clean_endpoint(endpoint)
    endpoint.save()
    after = audit.snapshot(endpoint, ENDPOINT_AUDIT_FIELDS)
    audit.record(
        actor,
        audit.Action.UPDATE,
        endpoint,
        before=before,
        after=after,
        summary="修改：" + "、".join(audit.changed_fields(before, after)),
    )
    return endpoint


def deactivate_endpoint(actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stops new events; deliveries already queued for it fail at their next attempt."""
    return update_endpoint(actor, endpoint, is_active=False)


@transaction.atomic
def rotate_secret(actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    _require_manager(actor)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    audit.record(actor, audit.Action.UPDATE, endpoint, summary="重新生成签名密钥")
    return endpoint


@transaction.atomic
def retry_delivery(actor: User, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """重试: put a failed delivery back in the queue, due now, with a fresh set of attempts."""
    _require_manager(actor)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != Delivery.Status.FAILED:
        raise ValidationError("只有发送失败的投递可以重试")
    delivery.status = Delivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now or timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit.record(actor, audit.Action.UPDATE, delivery, summary="手动重试投递")
    return delivery


# ---- sending ---------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one :func:`process_deliveries` call did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # failed this time, scheduled again
    failed: int = 0  # given up for good

    def __str__(self) -> str:
        return (
            f"处理 {self.claimed} 条：成功 {self.sent}，待重试 {self.retrying}，失败 {self.failed}"
        )


class _GiveUp(Exception):
    """A failure that another attempt cannot fix (e.g. the endpoint was deactivated)."""


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: 1, 2, 4, 8 … minutes, capped at an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Xiaoneng-Signature`` value: HMAC-SHA256 over ``b"<timestamp>." + body``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """What a receiver does: a matching signature on a recent timestamp (replay protection)."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a body-less GET; count a redirect as a failure.
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post_webhook(delivery: Delivery) -> None:
    endpoint = delivery.endpoint
    if endpoint is None or not endpoint.is_active:
        raise _GiveUp("接收端已停用，未发送")
    if urlsplit(endpoint.url).scheme not in ("http", "https"):
        raise _GiveUp("接收端地址不是 http(s)")
    body = delivery.body.encode()
    # The receiver compares this with its own clock, so it is the real time, not a test's `now`.
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Xiaoneng-Webhook/1",
            "X-Xiaoneng-Delivery": str(delivery.pk),
            "X-Xiaoneng-Event": str(delivery.event_id),
            "X-Xiaoneng-Kind": delivery.kind,
            "X-Xiaoneng-Timestamp": timestamp,
            "X-Xiaoneng-Signature": sign(endpoint.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=webhook_timeout()) as response:
            status = response.status
            response.read(1024)
    except urllib.error.HTTPError as exc:
        snippet = exc.read(200).decode("utf-8", "replace").strip() if exc.fp else ""
        raise RuntimeError(f"HTTP {exc.code}" + (f"：{snippet}" if snippet else "")) from exc
    if not 200 <= status < 300:
        raise RuntimeError(f"HTTP {status}")


def _send_email(delivery: Delivery, mail_connection: BaseEmailBackend) -> None:
    EmailMessage(
        subject=delivery.subject,
        body=delivery.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to],
        headers={"X-Xiaoneng-Delivery": str(delivery.pk)},
        connection=mail_connection,
    ).send(fail_silently=False)


def _lease() -> timedelta:
    # Long enough for a whole chunk to time out one by one; after it a crashed worker's claim
    # simply becomes due again (at-least-once: receivers dedupe on X-Xiaoneng-Delivery).
    return timedelta(seconds=CLAIM_CHUNK * (webhook_timeout() + 30) + 60)


def _claim(now: datetime, count: int) -> list[Delivery]:
    limit_attempts = max_attempts()
    with transaction.atomic():
        due = (
            Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .select_related("endpoint")
            .order_by("next_attempt_at", "id")
        )
        if connection.features.has_select_for_update_skip_locked:
            # Several workers on PostgreSQL: each takes rows nobody else holds.
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due[:count])
        # A row still pending with all its attempts used was claimed by a worker that died (or
        # made it die): do not try it forever.
        spent = [d.pk for d in rows if d.attempts >= limit_attempts]
        live = [d for d in rows if d.attempts < limit_attempts]
        if spent:
            Delivery.objects.filter(pk__in=spent).update(
                status=Delivery.Status.FAILED,
                next_attempt_at=None,
                last_error="发送过程多次中断，已达最大尝试次数",
            )
        Delivery.objects.filter(pk__in=[d.pk for d in live]).update(
            attempts=F("attempts") + 1, next_attempt_at=now + _lease(), last_attempt_at=now
        )
    for delivery in live:
        delivery.attempts += 1
    return live


def _finish(delivery: Delivery, error: str | None, give_up: bool, now: datetime) -> str:
    # Only the claim we hold (same attempt number, still pending) may be settled by us.
    mine = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.PENDING, attempts=delivery.attempts
    )
    if error is None:
        mine.update(status=Delivery.Status.SENT, sent_at=now, next_attempt_at=None, last_error="")
        return "sent"
    if give_up or delivery.attempts >= max_attempts():
        mine.update(status=Delivery.Status.FAILED, next_attempt_at=None, last_error=error[:2000])
        return "failed"
    mine.update(next_attempt_at=now + retry_delay(delivery.attempts), last_error=error[:2000])
    return "retrying"


def process_deliveries(now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Send up to ``limit`` due deliveries; schedule retries for failures.

    Safe to run in several processes at once on PostgreSQL. Rows are claimed in short
    transactions (a lease moves ``next_attempt_at`` forward) and sent outside any transaction.
    """
    report = DeliveryReport()
    mail_connection = get_connection(fail_silently=False)
    try:
        while report.claimed < limit:
            claim_time = now or timezone.now()
            batch = _claim(claim_time, min(CLAIM_CHUNK, limit - report.claimed))
            if not batch:
                break
            report.claimed += len(batch)
            for delivery in batch:
                error, give_up = None, False
                try:
                    if delivery.channel == Delivery.Channel.EMAIL:
                        _send_email(delivery, mail_connection)
                    else:
                        _post_webhook(delivery)
                except _GiveUp as exc:
                    error, give_up = str(exc), True
                except Exception as exc:
                    # One bad receiver must not stop the others: record it and carry on.
                    error = f"{type(exc).__name__}: {exc}"
                    logger.warning(
                        "投递 %s 第 %s 次失败：%s", delivery.pk, delivery.attempts, error
                    )
                    if delivery.channel == Delivery.Channel.EMAIL:
                        mail_connection.close()  # reopen afresh for the next message
                outcome = _finish(delivery, error, give_up, now or timezone.now())
                setattr(report, outcome, getattr(report, outcome) + 1)
    finally:
        mail_connection.close()
    return report
