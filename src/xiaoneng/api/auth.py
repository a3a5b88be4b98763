"""Authentication of department systems for Django Ninja: ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``. A refused key leaves its reason on the request, so the 401 handler can say
in Chinese whether the key was missing, malformed, unknown or revoked."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer

from . import services
from .models import ApiKey

FAILURE_ATTR = "_xn_auth_failure"

FAILURE_MESSAGES = {
    "missing": "缺少接口密钥：请在请求头 Authorization: Bearer <密钥> 或 X-API-Key 中提供",
    "malformed": "接口密钥格式不对，应为 xn_<前缀>_<密钥>",
    "unknown": "接口密钥无效",
    "revoked": "接口密钥已被吊销，请联系效能办重新发放",
}


def _check(request: HttpRequest, plaintext: str | None) -> ApiKey | None:
    if not plaintext:
        return None
    try:
        return services.authenticate(plaintext)
    except services.AuthFailure as failure:
        # Returning None lets the other scheme try (a client may send both headers); the
        # reason of the last refusal is what the 401 body reports.
        setattr(request, FAILURE_ATTR, failure.reason)
        return None


class BearerKey(HttpBearer):
    """``Authorization: Bearer xn_…``"""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return _check(request, token)


class HeaderKey(APIKeyHeader):
    """``X-API-Key: xn_…``"""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        return _check(request, key)


def failure_message(request: HttpRequest) -> tuple[str, str]:
    reason = getattr(request, FAILURE_ATTR, "missing")
    return reason, FAILURE_MESSAGES.get(reason, FAILURE_MESSAGES["unknown"])
