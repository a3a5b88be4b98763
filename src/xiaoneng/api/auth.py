"""Authentication of department systems for Django Ninja: ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``, exactly one of them. A refused key leaves its reason on the request, so
the 401 handler can say in Chinese whether the key was missing, malformed, unknown, revoked or
sent alongside other credentials."""

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
    "ambiguous": "请求同时带有 Authorization 和 X-API-Key 请求头：只能用其中一种方式提供接口密钥",
}


def _check(request: HttpRequest, plaintext: str | None) -> ApiKey | None:
    if not plaintext:
        return None
    if "HTTP_AUTHORIZATION" in request.META and "HTTP_X_API_KEY" in request.META:
        # Which credential would count? A valid key beside a junk or foreign Authorization
        # header (or the reverse) is refused rather than guessed at.
        setattr(request, FAILURE_ATTR, "ambiguous")
        return None
    try:
        return services.authenticate(plaintext)
    except services.AuthFailure as failure:
        # The reason is what the 401 body reports.
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
