"""投诉人身份加密 (identity protection): Fernet over the complainant's name and contact.

``XIAONENG_IDENTITY_KEY`` holds one or more comma-separated secrets; the first encrypts, all
decrypt (so a key can be rotated without re-encrypting at once). Any string works as a secret:
a Fernet key is derived from it with SHA-256, so an operator never has to produce base64 by hand.
The same secret also keys the HMAC of the public query codes, so a copy of the database alone
lets nobody test codes offline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _secrets() -> list[str]:
    raw = getattr(settings, "XIAONENG_IDENTITY_KEY", "") or ""
    found = [part.strip() for part in raw.split(",") if part.strip()]
    if not found:
        raise RuntimeError("未配置 XIAONENG_IDENTITY_KEY，无法加密投诉人身份")
    return found


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(
        hashlib.sha256(b"xiaoneng-identity:" + secret.encode()).digest()
    )


@lru_cache(maxsize=4)
def _fernet(raw: str) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(s)) for s in _secrets()])


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
        return json.loads(_current().decrypt(token.encode()))
    except InvalidToken as error:
        raise RuntimeError("身份信息无法解密：密钥与加密时不符") from error


def _digest(secret: str, number: str, code: str) -> str:
    key = hashlib.sha256(b"xiaoneng-query-code:" + secret.encode()).digest()
    message = f"{number.strip().upper()}:{code.strip().upper()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_digest(number: str, code: str) -> str:
    """HMAC of a complaint's query code, bound to its number (查询码摘要)."""
    return _digest(_secrets()[0], number, code)


def code_matches(number: str, code: str, digest: str) -> bool:
    """Constant-time check against every configured key (codes survive a key rotation)."""
    return any(hmac.compare_digest(_digest(s, number, code), digest) for s in _secrets())


def _keyed(purpose: bytes, secret: str, message: str) -> bytes:
    key = hashlib.sha256(purpose + secret.encode()).digest()
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def keyed_digests(purpose: str, message: str) -> list[str]:
    """HMAC-SHA256 (hex) of ``message`` for ``purpose`` under every configured key, the current
    key first: store the first, look up by all (so stored digests survive a key rotation).
    Used for other secrets the database must not hold in the clear (评议码, ID numbers)."""
    return [_keyed(f"xiaoneng-{purpose}:".encode(), s, message).hex() for s in _secrets()]


def body_digest(canonical: str) -> str:
    """HMAC of an API request body (来源系统重发比对): keyed, because the body holds the identity
    and a plain hash of it could be confirmed by guessing names and phone numbers."""
    return _keyed(b"xiaoneng-api-body:", _secrets()[0], canonical).hex()


def body_matches(canonical: str, digest: str) -> bool:
    return any(
        hmac.compare_digest(_keyed(b"xiaoneng-api-body:", s, canonical).hex(), digest)
        for s in _secrets()
    )


def system_codes(number: str, source: str, external_id: str) -> list[str]:
    """The query code of a complaint filed by another system, one candidate per key (the first
    is the one to issue). Derived rather than random so that a resend of the same request can be
    answered with the same code, which is still stored only as its digest."""
    from .services import QUERY_CODE_ALPHABET, QUERY_CODE_LENGTH

    codes = []
    for secret in _secrets():
        raw = _keyed(b"xiaoneng-api-code:", secret, f"{number}:{source}:{external_id}")
        value, chars = int.from_bytes(raw, "big"), []
        for _ in range(QUERY_CODE_LENGTH):  # base-31 digits of 256 bits: no modulo bias
            value, digit = divmod(value, len(QUERY_CODE_ALPHABET))
            chars.append(QUERY_CODE_ALPHABET[digit])
        codes.append("".join(chars))
    return codes
