"""Writing and verifying the audit chain. Domain services call :func:`record` inside their own
transaction, so a change and its audit entry commit or roll back together."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from xiaoneng.accounts.actors import Actor, is_person
from xiaoneng.i18n import chinese

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
    plain: dict[str, Any] = _plain(data)
    return plain


def _plain(value: Any) -> Any:
    # A JSON round trip makes what we hash identical to what the database gives back later.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


@dataclass(frozen=True)
class ChainKey:
    """One audit chain key (审计链密钥). ``id`` names it in each entry it sealed; it is derived
    from the key and says nothing about it."""

    id: str
    secret: bytes = dataclass_field(repr=False)


def chain_keys() -> list[ChainKey]:
    """The configured keys, newest first: the first seals new entries, the others (earlier
    keys, after a rotation) still verify the entries they sealed."""
    keys = []
    for text in settings.XIAONENG_AUDIT_KEY.split(","):
        if secret := text.strip().encode():
            key_id = hashlib.sha256(b"xiaoneng-audit-key-id:" + secret).hexdigest()[:12]
            keys.append(ChainKey(key_id, secret))
    if not keys:
        raise ImproperlyConfigured("XIAONENG_AUDIT_KEY 为空：审计日志需要审计链密钥")
    return keys


def _payload(entry: AuditEntry) -> list[Any]:
    return [
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


def _canonical(value: list[Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _legacy_digest(entry: AuditEntry) -> str:
    """The hash of an entry written before the chain had a key: plain SHA-256, which anyone
    can compute; such entries are trusted only as far as a keyed entry or head pins them."""
    return hashlib.sha256(_canonical(_payload(entry))).hexdigest()


def _digest(entry: AuditEntry, key: ChainKey) -> str:
    """The entry's seal: HMAC-SHA256 under ``key`` of its content, ``prev_hash`` and key id."""
    message = _canonical([*_payload(entry), key.id])
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()


def _head_mac(seq: int, hash_: str, key: ChainKey) -> str:
    return hmac.new(key.secret, f"head:{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()


def record(
    actor: Actor | None,
    action: str,
    instance: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
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
            # The object's name is stored: in Chinese, whatever language the page is shown in.
            object_repr = object_repr if object_repr is not None else chinese(instance)[:255]
        person = actor if is_person(actor) else None
        entry = AuditEntry(
            seq=head.seq + 1,
            # Microseconds are kept: both databases store them, so the hash survives a reload.
            at=timezone.now(),
            actor_id=person.pk if person is not None else None,
            actor_name=(
                str(person) if person is not None else (actor if isinstance(actor, str) else "系统")
            )[:150],
            action=action,
            object_type=object_type or "",
            object_id=object_id or "",
            object_repr=(object_repr or "")[:255],
            summary=chinese(summary)[:255],
            before=_plain(before) if before is not None else None,
            after=_plain(after) if after is not None else None,
            prev_hash=head.hash,
        )
        key = chain_keys()[0]
        entry.key_id = key.id
        entry.hash = _digest(entry, key)
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.key_id, head.mac = key.id, _head_mac(entry.seq, entry.hash, key)
        head.save(update_fields=["seq", "hash", "key_id", "mac"])
        return entry


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in after if before.get(k) != after.get(k))


@dataclass(frozen=True)
class Anchor:
    """锚点: where the chain stood at one moment. Archived outside the database (printed in the
    monthly bulletin, or written by ``xiaoneng audit anchor``), it lets ``verify`` notice a chain
    later cut back to before that moment, or rewritten up to it."""

    seq: int
    hash: str
    at: datetime | None = None

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def anchor() -> Anchor:
    """The chain's last entry now (seq 0 and the genesis hash for an empty chain)."""
    last = AuditEntry.objects.order_by("-seq").only("seq", "hash", "at").first()
    if last is None:
        return Anchor(0, GENESIS_HASH)
    return Anchor(last.seq, last.hash, last.at)


def parse_anchor(text: str) -> Anchor:
    """``SEQ:HASH`` as ``anchor()`` prints it, or a JSON line ``{"seq": …, "hash": …}`` as
    ``xiaoneng audit anchor`` writes it. Raises ValueError with a Chinese message."""
    text = text.strip()
    try:
        if text.startswith("{"):
            data = json.loads(text)
            seq, hash_ = int(data["seq"]), str(data["hash"])
        else:
            seq_text, hash_ = text.split(":", 1)
            seq = int(seq_text)
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"锚点格式不对：“{text[:80]}”，应为“序号:哈希”") from error
    hash_ = hash_.strip().lower()
    if seq < 0 or len(hash_) != 64 or any(c not in "0123456789abcdef" for c in hash_):
        raise ValueError(f"锚点格式不对：“{text[:80]}”，应为“序号:64位十六进制哈希”")
    return Anchor(seq, hash_)


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    head_hash: str
    first_broken_seq: int | None = None
    problem: str = ""


def verify(anchors: Iterable[Anchor] = (), batch_size: int = 2000) -> VerifyReport:
    """Walk the chain from the first entry; report the first entry that does not fit.

    Each entry must follow the one before (seq, ``prev_hash``) and carry the seal of a known
    key; keys may only get newer along the chain (an earlier key, even a leaked one, cannot
    seal anything after a later key took over), and unkeyed entries may only come first. The
    head must match the last entry and carry a valid seal, and every anchor must be found.
    """
    keys = chain_keys()
    rank = {key.id: n for n, key in enumerate(keys)}
    by_id = {key.id: key for key in keys}
    unkeyed = len(keys)  # older than every key
    expected = {a.seq: a.hash for a in anchors}
    expected_seq = 1
    prev_hash = GENESIS_HASH
    prev_rank = unkeyed
    checked = 0

    def broken(seq: int, problem: str) -> VerifyReport:
        return VerifyReport(False, checked, prev_hash, seq, problem)

    if 0 in expected and expected.pop(0) != GENESIS_HASH:
        return broken(0, "序号 0 的锚点只能是初始哈希（全为 0）")
    for entry in AuditEntry.objects.order_by("seq", "id").iterator(chunk_size=batch_size):
        seq = entry.seq
        if checked and seq == expected_seq - 1:
            return broken(seq, f"序号 {seq} 出现了两次：有记录被复制或插入")
        if seq != expected_seq:
            return broken(
                expected_seq,
                f"缺少序号 {expected_seq} 的记录（下一条是 {seq}）：记录被删除或序号被改动",
            )
        if entry.prev_hash != prev_hash:
            return broken(seq, f"第 {seq} 条的前序哈希与上一条不符：记录被删除、插入或调换了顺序")
        if entry.key_id:
            key = by_id.get(entry.key_id)
            if key is None:
                return broken(
                    seq,
                    f"第 {seq} 条用未知的密钥（{entry.key_id}）封存：审计链被用别的密钥重建，"
                    "或 XIAONENG_AUDIT_KEY 缺少轮换前的旧密钥",
                )
            digest, entry_rank = _digest(entry, key), rank[key.id]
        else:
            digest, entry_rank = _legacy_digest(entry), unkeyed
        if entry_rank > prev_rank:
            return broken(seq, f"第 {seq} 条用比前一条更旧的密钥封存（或未封存）：记录是后来伪造的")
        if not hmac.compare_digest(digest, entry.hash):
            return broken(seq, f"第 {seq} 条的内容与其哈希不符：内容被改动")
        if seq in expected and expected.pop(seq) != entry.hash:
            return broken(seq, f"第 {seq} 条的哈希与存档的锚点不符：该条及以前的记录被改写")
        prev_hash, prev_rank = entry.hash, entry_rank
        expected_seq += 1
        checked += 1
    if expected:
        seq = min(expected)
        return broken(
            seq,
            f"存档的锚点记录到第 {seq} 条，但审计链只有 {checked} 条：末尾的记录被删除",
        )
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        if checked:
            return broken(checked, "链头记录缺失：无法确认末尾没有记录被删除")
        return VerifyReport(True, 0, prev_hash)
    if head.seq != checked or head.hash != prev_hash:
        return broken(
            checked + 1, f"链头记录到第 {head.seq} 条，但只找到 {checked} 条：末尾的记录被删除"
        )
    head_key = by_id.get(head.key_id)
    if head_key is None or not hmac.compare_digest(
        _head_mac(head.seq, head.hash, head_key), head.mac
    ):
        return broken(checked, "链头的封存签名不符：链头被改写（末尾的记录可能被删除）")
    return VerifyReport(True, checked, prev_hash)


def entries_for(instance: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk)
    )
