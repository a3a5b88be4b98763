"""API key rules: issue (the plaintext is returned once), revoke, and authenticate a request.

Keys look like ``xn_<prefix>_<secret>``: ``prefix`` is 8 lowercase letters/digits, ``secret`` is
43 URL-safe characters (256 random bits). The database keeps the prefix and the SHA-256 of the
secret. A plain hash is enough here: unlike a password, the secret is random and long, so there
is nothing to brute-force, and authentication stays one indexed lookup and one hash per request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from xiaoneng.accounts.scoping import can_edit
from xiaoneng.audit import services as audit
from xiaoneng.org.models import Unit

from .models import ISSUER_ROLES, ApiKey, ApiRequest

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User

KEY_PREFIX = "xn"
PREFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l/1/o/0: prefixes are read aloud
PREFIX_LENGTH = 8
#: ``last_used_at`` is written at most this often per key, not on every request.
LAST_USED_GRANULARITY = timedelta(minutes=1)
AUDIT_FIELDS = ("id", "name", "unit", "prefix", "revoked_at", "revoke_reason")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(plaintext: str) -> tuple[str, str] | None:
    """``xn_<prefix>_<secret>`` → (prefix, secret); anything else → None."""
    parts = plaintext.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != PREFIX_LENGTH or not secret:
        return None
    return prefix, secret


def _new_prefix() -> str:
    return "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))


def create_key(actor: User, name: str, unit: Unit) -> tuple[ApiKey, str]:
    """Issue a key for a department system. Returns the key and its plaintext (shown once)."""
    if actor is None or not actor.is_authenticated or actor.effective_role not in ISSUER_ROLES:
        raise PermissionDenied("只有效能办可以发放接口密钥")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写系统名称"})
    if unit is None:
        raise ValidationError({"unit": "请选择密钥所属单位"})
    for _attempt in range(5):
        prefix, secret = _new_prefix(), secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    name=name,
                    unit=unit,
                    prefix=prefix,
                    key_hash=hash_secret(secret),
                    created_by=actor,
                )
                audit.record(
                    actor,
                    audit.Action.CREATE,
                    key,
                    after=audit.snapshot(key, AUDIT_FIELDS),
                    summary=f"发放接口密钥“{name}”（{unit}）",
                )
        except IntegrityError:
            # 32^8 prefixes: a collision is rare but possible; draw again.
            continue
        return key, f"{KEY_PREFIX}_{prefix}_{secret}"
    raise RuntimeError("无法生成不重复的密钥前缀")  # pragma: no cover


def revoke_key(actor: User, key: ApiKey, reason: str) -> ApiKey:
    """吊销: the key stops working at once; the row stays for the audit trail and event sources."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写吊销原因"})
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key.pk)
        if not can_edit(actor, key):
            raise PermissionDenied("您无权吊销该密钥")
        if key.revoked_at is not None:
            raise ValidationError("该密钥已经吊销")
        before = audit.snapshot(key, AUDIT_FIELDS)
        key.revoked_at = timezone.now()
        key.revoked_by = actor
        key.revoke_reason = reason[:300]
        key.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit.record(
            actor,
            audit.Action.UPDATE,
            key,
            before=before,
            after=audit.snapshot(key, AUDIT_FIELDS),
            summary=f"吊销接口密钥“{key.name}”：{reason}"[:255],
        )
    return key


class AuthFailure(Exception):
    """Why a presented key was refused (``missing``, ``malformed``, ``unknown``, ``revoked``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def authenticate(plaintext: str | None, now: datetime | None = None) -> ApiKey:
    """The active key for a presented plaintext; raises :class:`AuthFailure` otherwise."""
    if not plaintext:
        raise AuthFailure("missing")
    parts = split_key(plaintext)
    if parts is None:
        raise AuthFailure("malformed")
    prefix, secret = parts
    key: ApiKey | None = ApiKey.objects.select_related("unit").filter(prefix=prefix).first()
    # Compare digests in constant time, so response timing says nothing about the stored hash.
    if key is None or not hmac.compare_digest(key.key_hash, hash_secret(secret)):
        raise AuthFailure("unknown")
    if key.revoked_at is not None:
        raise AuthFailure("revoked")
    touch(key, now)
    return key


def touch(key: ApiKey, now: datetime | None = None) -> None:
    """Record use, at most once a minute per key (a conditional UPDATE, never a write per call)."""
    now = now or timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_GRANULARITY:
        return
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
    ).update(last_used_at=now)
    key.last_used_at = now


# ---- idempotent writes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a write answered: ``created`` False when it is the recorded answer to a resend."""

    response: dict[str, Any]
    created: bool


class RequestIdConflict(Exception):
    """The key used its ``request_id`` before for a different request (幂等冲突)."""


def request_digest(operation: str, target: str, canonical_body: str) -> str:
    """What identifies a request: the operation, its object and the parsed body."""
    return hashlib.sha256(f"{operation}\n{target}\n{canonical_body}".encode()).hexdigest()


def once(
    key: ApiKey,
    request_id: str,
    *,
    operation: str,
    target: str,
    canonical_body: str,
    run: Callable[[], dict[str, Any]],
) -> Answer:
    """Run a write at most once per (key, ``request_id``): a resend of the same request gets the
    first answer and runs nothing; the same id for another request raises
    :class:`RequestIdConflict`. ``run`` calls the domain service (which audits the step); the
    request row is written in the same transaction, so a refusal leaves nothing to replay."""
    digest = request_digest(operation, target, canonical_body)
    with transaction.atomic():
        existing = ApiRequest.objects.filter(key=key, request_id=request_id).first()
        if existing is not None:
            if existing.body_digest != digest:
                raise RequestIdConflict(
                    f"请求编号“{request_id}”已用于另一请求"
                    f"（{existing.operation} {existing.target}）"
                )
            return Answer(existing.response, False)
        response = run()
        ApiRequest.objects.create(
            key=key,
            request_id=request_id,
            operation=operation,
            target=target,
            body_digest=digest,
            response=response,
        )
    return Answer(response, True)
