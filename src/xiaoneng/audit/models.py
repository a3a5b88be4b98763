"""The append-only, hash-chained audit log (审计日志, C14: 凡事有据可查)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEntry(models.Model):
    """One recorded change. Never updated or deleted through the ORM.

    ``seq`` is our own gap-free counter (not the auto id) so that a deleted entry leaves a visible
    hole; ``hash`` covers the entry's content and ``prev_hash``, so altering, deleting or
    reordering any entry breaks the chain from there on. ``hash`` is an HMAC under the chain key
    named by ``key_id`` (kept outside the database, ``XIAONENG_AUDIT_KEY``): without the key
    nobody can compute it, so the chain cannot be rebuilt from the database alone. Entries
    written before the chain had a key have an empty ``key_id`` and a plain SHA-256 ``hash``;
    the first keyed entry (or the keyed head) pins them. ``docs/security.md`` has the details.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        EVENT = "event", _("操作")

    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间", db_index=True)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True, db_index=True)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("动作", max_length=10, choices=Action.choices)
    object_type = models.CharField("对象类型", max_length=100, db_index=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    summary = models.CharField("说明", max_length=255, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField("密钥", max_length=16, blank=True, default="")

    class Meta:
        ordering = ["-seq"]
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("审计记录只可追加，不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计记录只可追加，不可删除")

    @property
    def object_type_label(self) -> str:
        """The kind of record as users name it (纸质评议表), not its table name."""
        return object_type_label(self.object_type)


class AuditHead(models.Model):
    """The chain's head (a single row): serialises appends and pins the last hash.

    Appending locks this row, so concurrent writers on PostgreSQL take turns; ``verify`` also
    compares it with the last entry, which catches entries cut off the end. ``mac`` seals
    (seq, hash) under the key ``key_id``, so a head moved back over a truncated tail is found
    too, unless it is a copy of an earlier head (an archived anchor finds that).
    """

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    key_id = models.CharField(max_length=16, blank=True, default="")
    mac = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


def object_type_label(object_type: str) -> str:
    """The verbose name of the model an ``app_label.model`` string names; the string itself for
    a model that no longer exists (the log outlives code)."""
    from django.apps import apps

    if not object_type:
        return ""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
