"""Notifications (通知, C12): the in-app inbox, and an outbox of e-mail and webhook deliveries.

Other apps call :func:`xiaoneng.notifications.services.notify` inside their own transaction. It
only *records* what is to be said — inbox rows and pending :class:`Delivery` rows — so a rolled
back change never sends anything, and a committed one is sent later by the worker
(:func:`~xiaoneng.notifications.services.process_deliveries`): the outbox pattern.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a notification is about; webhook endpoints subscribe by kind."""

    CARD = "card", _("黄牌/红牌")
    WARNING = "warning", _("到期预警")
    OVERDUE = "overdue", _("超期")
    ESCALATION = "escalation", _("督办")
    INFO = "info", _("通知")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> NotificationQuerySet:
        # An inbox is personal: nobody, not even the office, reads another person's notifications.
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """通知: one message in one person's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=500, blank=True)
    payload = models.JSONField("附加数据", default=dict, blank=True)
    # Set by the caller (e.g. "card:123"): a retried notify() never doubles a notification.
    dedupe_key = models.CharField("去重键", max_length=200, null=True, blank=True)
    # All notifications created by one notify() call share this id; so does its webhook event.
    event_id = models.UUIDField("事件ID", default=uuid.uuid4, db_index=True, editable=False)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "通知"
        verbose_name_plural = "通知"
        constraints = [
            # NULL keys are distinct on both SQLite and PostgreSQL: only keyed rows are deduped.
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_dedupe_per_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The header badge counts this on every page: a partial index keeps it tiny.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class WebhookEndpoint(models.Model):
    """Webhook 接收端: a URL (an SMS or IM gateway, a department system) that receives signed
    POSTs for the kinds it subscribes to."""

    name = models.CharField("名称", max_length=100)
    url = models.URLField("地址", max_length=500)
    # Kept in clear text: the sender needs it to compute each signature (a hash would not do).
    secret = models.CharField("签名密钥", max_length=100, editable=False)
    kinds = models.JSONField("订阅类型", default=list, blank=True, help_text="为空表示全部类型")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "Webhook 接收端"
        verbose_name_plural = "Webhook 接收端"

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds

    def kind_labels(self) -> list[str]:
        labels = dict(Kind.choices)
        return [labels.get(k, k) for k in self.kinds]


class Delivery(models.Model):
    """投递: one e-mail or one webhook POST waiting in the outbox, sent, or given up."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    event_id = models.UUIDField("事件ID", db_index=True)
    notification = models.ForeignKey(
        Notification,
        verbose_name="通知",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name="接收端",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    to = models.CharField("收件地址", max_length=254, blank=True)
    subject = models.CharField("主题", max_length=255, blank=True)
    # Frozen when queued: the e-mail text, or the exact JSON the webhook receives.
    body = models.TextField("内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    last_attempt_at = models.DateTimeField("上次尝试", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "投递记录"
        verbose_name_plural = "投递记录"
        indexes = [
            # The worker asks only for due pending rows; the index holds nothing else.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_due",
            ),
            models.Index(fields=["status", "-created_at"], name="delivery_status"),
        ]

    def __str__(self) -> str:
        target = self.to if self.channel == self.Channel.EMAIL else str(self.endpoint or "")
        return f"{self.get_channel_display()} → {target}"
