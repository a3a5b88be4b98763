"""投诉人身份加密 (identity protection): the complainant's name and contact as a Fernet token,
and the keyed hashes of complaints' query codes and of API request bodies.

The encryption itself (``XIAONENG_IDENTITY_KEY``, rotation, ``encrypt_identity``,
``keyed_digests``) lives in ``xiaoneng.crypto``, shared with the evaluation pool; it is
re-exported here so that ``crypto.encrypt_identity`` keeps working for complaints.
"""

from __future__ import annotations

import hashlib
import hmac

from xiaoneng.crypto import decrypt_identity, encrypt_identity, keyed_digests
from xiaoneng.crypto import keyed as _keyed
from xiaoneng.crypto import secrets_in_use as _secrets

__all__ = [
    "body_digest",
    "body_matches",
    "code_digest",
    "code_matches",
    "decrypt_identity",
    "encrypt_identity",
    "keyed_digests",
    "system_codes",
]


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
