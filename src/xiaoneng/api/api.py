"""The NinjaAPI instance mounted at ``/api/v1/``: authentication, error shape, docs, routers.

Every error, whoever raises it (our endpoints, Ninja's parameter validation, authentication, a
database conflict), leaves as ``{"code", "message", "field"}`` with a Chinese message.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import ninja
from django.db import IntegrityError, OperationalError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase
from ninja.renderers import JSONRenderer

from xiaoneng.cases.schemas import event_json_schema
from xiaoneng.complaints.models import Category

from . import complaint_steps_api  # noqa: F401 - adds the 退单/并单 steps to the complaints router
from .assessment_api import router as assessment_router
from .auth import BearerKey, HeaderKey, failure_message
from .cases_api import router as cases_router
from .complaints_api import complaint_json_schema
from .complaints_api import router as complaints_router
from .errors import ApiError
from .ratings_api import router as ratings_router
from .rectification_api import router as rectification_router

logger = logging.getLogger(__name__)

DESCRIPTION = """\
部门业务系统向效能监察平台推送办件事件、查询办件监察状态的接口。
Department business systems push case events to the platform and read back each case's
supervision state.

- 认证 Authentication：`Authorization: Bearer <密钥>` 或 `X-API-Key: <密钥>`（密钥由效能办在
  “接口密钥”页面发放）。
- 幂等 Idempotency：`event_id` 是发送方自己的事件编号；同一密钥重发同一事件只记一次。
- 请求体 Bodies：JSON，UTF-8 编码。
- 错误 Errors：`{"code": "...", "message": "中文说明", "field": "出错的字段或 null"}`。
  422 的 `code` 为 `invalid` 表示请求不符合本文档；其他 `code`（如 `unknown_case`）表示请求
  符合文档、但被平台的业务规则拒绝。422 with `invalid`: the request does not match this
  document; any other code: it does, and a rule of the platform refused it.

详见 docs/api.md。
"""

#: Swagger UI comes from Django Ninja's own package files (no CDN: intranets are often offline).
SWAGGER_DIR = Path(ninja.__file__).parent / "static" / "ninja"
SWAGGER_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.svg": "image/svg+xml",
}


class LocalSwagger(DocsBase):
    """Swagger UI served from the installed django-ninja package by our own asset route."""

    settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        "persistAuthorization": False,
        # Without this Swagger UI loads a badge from validator.swagger.io (blocked, and offline).
        "validatorUrl": None,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(
            request,
            "api/docs.html",
            {
                "api": api,
                "swagger_settings": {**self.settings, "url": self.get_openapi_url(api, kwargs)},
            },
        )


class Utf8JSONRenderer(JSONRenderer):
    """Chinese messages as UTF-8 rather than \\u escapes, so that people can read the raw body."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        text = json.dumps(data, cls=self.encoder_class, ensure_ascii=False)
        # A lone surrogate (only possible inside a JSON string) becomes its JSON escape again.
        return text.encode("utf-8", "backslashreplace")


class XiaonengAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # The write endpoints read their body themselves (one malformed item must not fail a
        # bulk request), so Ninja does not see their schemas; document them here, as exactly
        # as the API checks them: one variant per event kind, and the category codes in use.
        event = event_json_schema(ref_template="#/components/schemas/{model}")
        components = schema["components"]["schemas"]
        components.update(event.pop("$defs", {}))
        components["EventIn"] = event
        categories = list(
            Category.objects.filter(is_active=True).order_by("code").values_list("code", flat=True)
        )
        components["ComplaintIn"] = complaint_json_schema(categories)
        return schema


api = XiaonengAPI(
    title="效能监察平台接口",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[BearerKey(), HeaderKey()],
    docs=LocalSwagger(),
    docs_url="/docs",
    renderer=Utf8JSONRenderer(),
)
api.add_router("/cases", cases_router, tags=["cases 办件"])
api.add_router("/complaints", complaints_router, tags=["complaints 投诉"])
api.add_router("/rectification", rectification_router, tags=["rectification 整改"])
api.add_router("/ratings", ratings_router, tags=["ratings 好差评"])
api.add_router("/assessment", assessment_router, tags=["assessment 绩效考评"])


# ---- errors ----------------------------------------------------------------------------------


def _error(request: HttpRequest, status: int, code: str, message: str, field=None) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "field": field}, status=status
    )


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return api.create_response(request, exc.body(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    _reason, message = failure_message(request)
    response = _error(request, 401, "unauthorized", message)
    response["WWW-Authenticate"] = 'Bearer realm="xiaoneng"'
    return response


_PARAM_MESSAGES = {
    "missing": "缺少必填参数",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "timezone_aware": "时间必须带时区，例如 2026-03-02T09:30:00+08:00",
    "datetime_parsing": "时间格式不对，应为 ISO 8601，例如 2026-03-02T09:30:00+08:00",
    "datetime_from_date_parsing": "时间格式不对，应为 ISO 8601，例如 2026-03-02T09:30:00+08:00",
    "string_too_long": "太长",
    "string_pattern_mismatch": "格式不对",
}


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", ())]
    # Ninja prefixes the parameter source ("query", "path"); the field is what follows it.
    field = ".".join(loc[1:]) or None
    message = _PARAM_MESSAGES.get(first.get("type", ""), "参数不正确")
    return _error(request, 422, "invalid", f"{field}：{message}" if field else message, field)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "没有找到")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(IntegrityError)
def _conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Two requests raced for the same case number or event id; the loser's transaction was
    # rolled back whole, so resending the same request is safe (event ids make it idempotent).
    logger.info("API write conflict, answered 409: %s", exc)
    return _error(request, 409, "concurrent_write", "与同时进行的另一请求冲突，请重试本次请求")


@api.exception_handler(OperationalError)
def _busy(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    logger.warning("API database unavailable, answered 503: %s", exc)
    response = _error(request, 503, "unavailable", "数据库暂时不可用，请稍后重试")
    response["Retry-After"] = "5"
    return response


# ---- Swagger UI assets -----------------------------------------------------------------------


@api.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs_asset")
def docs_asset(request: HttpRequest, name: str):
    content_type = SWAGGER_ASSETS.get(name)
    if content_type is None:
        raise Http404
    response = FileResponse((SWAGGER_DIR / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
