"""Writing and verifying the audit chain. Domain services call :func:`record` inside their own
transaction, so a change and its audit entry commit or roll back together."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditEntry, AuditHead

Action = AuditEntry.Action


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The stored values of a model instance as plain JSON data (FKs as ids)."""
    wanted = set(fields) if fields is not None else None
    data = {}
    for field in instance._meta.concrete_fields:
        if wanted is not None and field.name not in wanted:
            continue
        data[field.attname] = field.value_from_object(instance)
    return _plain(data)


def _plain(value: Any) -> Any:
    # A JSON round trip makes what we hash identical to what the database gives back later.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _digest(entry: AuditEntry) -> str:
    payload = [
        entry.seq,
        entry.at.astimezone(UTC).isoformat(),
        entry.actor_id,
        entry.actor_name,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.summary,
        entry.before,
        entry.after,
        entry.prev_hash,
    ]
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def record(
    actor,
    action: str,
    instance: models.Model | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain. Call inside the transaction that makes the change."""
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditHead.objects.create(pk=1)
            head = AuditHead.objects.select_for_update().get(pk=1)
        if instance is not None:
            object_type = object_type or instance._meta.label_lower
            object_id = object_id if object_id is not None else str(instance.pk)
            object_repr = object_repr if object_repr is not None else str(instance)[:255]
        actor_ok = actor is not None and getattr(actor, "is_authenticated", False)
        entry = AuditEntry(
            seq=head.seq + 1,
            # Microseconds are kept: both databases store them, so the hash survives a reload.
            at=timezone.now(),
            actor_id=actor.pk if actor_ok else None,
            actor_name=(str(actor) if actor_ok else (actor if isinstance(actor, str) else "系统"))[
                :150
            ],
            action=action,
            object_type=object_type or "",
            object_id=object_id or "",
            object_repr=(object_repr or "")[:255],
            summary=summary[:255],
            before=_plain(before) if before is not None else None,
            after=_plain(after) if after is not None else None,
            prev_hash=head.hash,
        )
        entry.hash = _digest(entry)
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
        return entry


def changed_fields(before: dict, after: dict) -> list[str]:
    return sorted(k for k in after if before.get(k) != after.get(k))


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    head_hash: str
    first_broken_seq: int | None = None
    problem: str = ""


def verify(batch_size: int = 2000) -> VerifyReport:
    """Walk the chain from the first entry; report the first entry that does not fit."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return VerifyReport(
                False,
                checked,
                prev_hash,
                expected_seq,
                f"缺少序号 {expected_seq} 的记录（下一条是 {entry.seq}）：记录被删除或序号被改动",
            )
        if entry.prev_hash != prev_hash:
            return VerifyReport(
                False,
                checked,
                prev_hash,
                entry.seq,
                f"第 {entry.seq} 条的前序哈希与上一条不符：记录被删除、插入或调换了顺序",
            )
        if _digest(entry) != entry.hash:
            return VerifyReport(
                False,
                checked,
                prev_hash,
                entry.seq,
                f"第 {entry.seq} 条的内容与其哈希不符：内容被改动",
            )
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.hash != prev_hash):
        return VerifyReport(
            False,
            checked,
            prev_hash,
            checked + 1,
            f"链头记录到第 {head.seq} 条，但只找到 {checked} 条：末尾的记录被删除",
        )
    return VerifyReport(True, checked, prev_hash)


def entries_for(instance: models.Model):
    return AuditEntry.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk)
    )
