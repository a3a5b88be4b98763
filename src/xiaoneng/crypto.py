"""身份加密 (identity protection) shared by every app that keeps people's names or contacts:
complainants (效能投诉), evaluators of the evaluation pool (评议人库), and the keyed hashes of
secrets the database must not hold in the clear (查询码、评议码、身份证号).

``XIAONENG_IDENTITY_KEY`` holds one or more comma-separated secrets; the first encrypts, all
decrypt (so a key can be rotated without re-encrypting at once). Any string works as a secret:
a Fernet key is derived from it with SHA-256, so an operator never has to produce base64 by hand.
The same secrets key the HMACs of ``keyed_digests``, so a copy of the database alone lets nobody
test guesses offline.

A Fernet token carries the time it was made, in the clear. That is harmless for an identity
entered by the office; whatever must not reveal *when* it was written (an evaluator's answers)
is sealed with AES-GCM instead, from a key given by ``keyed_key`` (``evaluation.drafts``,
``evaluation.mixing``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def secrets_in_use() -> list[str]:
    """The configured identity secrets, the current (encrypting) one first."""
    raw = getattr(settings, "XIAONENG_IDENTITY_KEY", "") or ""
    found = [part.strip() for part in raw.split(",") if part.strip()]
    if not found:
        raise RuntimeError("未配置 XIAONENG_IDENTITY_KEY，无法加密身份信息")
    return found


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(
        hashlib.sha256(b"xiaoneng-identity:" + secret.encode()).digest()
    )


@lru_cache(maxsize=4)
def _fernet(raw: str) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(s)) for s in secrets_in_use()])


def _current() -> MultiFernet:
    return _fernet(getattr(settings, "XIAONENG_IDENTITY_KEY", ""))


def encrypt_identity(identity: dict[str, str]) -> str:
    """The identity as one Fernet token (text); empty values are dropped, nothing → ``""``."""
    data = {k: v.strip() for k, v in identity.items() if v and v.strip()}
    if not data:
        return ""
    return _current().encrypt(json.dumps(data, ensure_ascii=False).encode()).decode()


def decrypt_identity(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        identity: dict[str, str] = json.loads(_current().decrypt(token.encode()))
        return identity
    except InvalidToken as error:
        raise RuntimeError("身份信息无法解密：密钥与加密时不符") from error


def keyed(purpose: bytes, secret: str, message: str) -> bytes:
    """HMAC-SHA256 of ``message`` under a key derived from ``secret`` for ``purpose``."""
    key = hashlib.sha256(purpose + secret.encode()).digest()
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def keyed_digests(purpose: str, message: str) -> list[str]:
    """HMAC-SHA256 (hex) of ``message`` for ``purpose`` under every configured key, the current
    key first: store the first, look up by all (so stored digests survive a key rotation).
    Used for other secrets the database must not hold in the clear (评议码, ID numbers)."""
    return [keyed(f"xiaoneng-{purpose}:".encode(), s, message).hex() for s in secrets_in_use()]
