"""API keys (接口密钥): one per department business system, scoped to that department's subtree.

Only the SHA-256 of a key's secret is stored. The plaintext ``xn_<prefix>_<secret>`` is shown
once, when the key is created; the 8-character prefix is kept in clear so that people can tell
keys apart in lists and logs, and so that authentication finds the row with one indexed lookup.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet

#: Who manages keys: the office everywhere; a unit liaison sees and revokes the keys of their
#: own unit subtree (a leaked key must be stoppable by the department at once) but does not
#: issue new ones — every system that feeds supervision data is registered by the office.
KEY_REACH = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LIAISON: Reach.SUBTREE,
}
#: Roles that may issue a key (for any unit).
ISSUER_ROLES = (Role.ADMIN, Role.OFFICE)
#: Roles that may open the key pages at all.
MANAGER_ROLES = tuple(KEY_REACH)


class ApiKeyQuerySet(ScopedQuerySet):
    view_reach = KEY_REACH
    edit_reach = KEY_REACH

    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """接口密钥 of one department system; it may touch only cases of ``unit`` and below."""

    name = models.CharField("系统名称", max_length=100)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="所属单位",
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text="密钥只能读写本单位及下级单位的办件",
    )
    prefix = models.CharField("密钥前缀", max_length=8, unique=True)
    key_hash = models.CharField("密钥摘要", max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="吊销人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.CharField("吊销原因", max_length=300, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "接口密钥"
        verbose_name_plural = "接口密钥"

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def source(self) -> str:
        """What the ingest service records as the sender of this key's events."""
        return f"api:{self.pk}"

    @property
    def actor_name(self) -> str:
        """How this key appears in the audit log."""
        return f"接口:{self.name}"


class ApiRequest(models.Model):
    """A write through the API that a client may retry (幂等): the key's own ``request_id``, a
    digest of what was asked, and the answer given. Resending the same request returns that
    answer and changes nothing; the same id for another request is refused. Written in the
    same transaction as the step it records, so a refused or failed request leaves no row."""

    # CASCADE: keys are revoked, never deleted, except by the demo's reset, which must not be
    # stopped by the requests a demo key made.
    key = models.ForeignKey(
        ApiKey, verbose_name="接口密钥", on_delete=models.CASCADE, related_name="requests"
    )
    request_id = models.CharField("请求编号", max_length=100)
    operation = models.CharField("操作", max_length=40)
    target = models.CharField("对象", max_length=60)
    body_digest = models.CharField("请求摘要", max_length=64)
    response = models.JSONField("回应")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "接口请求"
        verbose_name_plural = "接口请求"
        constraints = [
            models.UniqueConstraint(fields=["key", "request_id"], name="api_request_once_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.target}（{self.request_id}）"
