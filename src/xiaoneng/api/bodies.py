"""Reading a JSON write body into its schema, with the structured errors every write endpoint
gives: 422 ``invalid`` for a body that is not an object or breaks the schema (naming the first
field, in Chinese), 422 ``bad_text`` for characters that cannot be stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as SchemaError

from .cases_api import _bad_text
from .errors import ApiError

__all__ = ["MESSAGES", "parse_body"]

Body = TypeVar("Body", bound=BaseModel)

#: The schema's refusals in words, by pydantic's error type.
MESSAGES = {
    "missing": "缺少必填字段",
    "string_type": "应为字符串",
    "string_too_short": "不能为空",
    "string_too_long": "太长",
    "bool_type": "应为 true 或 false（JSON 布尔值）",
    "bool_parsing": "应为 true 或 false（JSON 布尔值）",
    "string_pattern_mismatch": "格式不对",
    "literal_error": "取值不在允许范围内",
    "extra_forbidden": "不认识的字段",
    "model_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
}


def parse_body(
    model: type[Body],
    raw: Any,
    *,
    what: str = "一个 JSON 对象",
    messages: Mapping[str, str] = MESSAGES,
    bad_text_code: str = "bad_text",
) -> Body:
    """``raw`` (the decoded JSON) as ``model``, or the first problem as an :class:`ApiError`.
    A field validator's own message (``value_error``) is passed on as it is."""
    if not isinstance(raw, dict):
        raise ApiError(422, "invalid", f"请求体应为{what}")
    bad = _bad_text(raw)
    if bad is not None:
        raise ApiError(
            422, bad_text_code, f"{bad}：包含无法保存的字符（空字符或不成对的代理字符）", bad
        )
    try:
        return model.model_validate(raw)
    except SchemaError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or None
        if first.get("type") == "value_error":
            message = str(first.get("ctx", {}).get("error", first["msg"]))
            raise ApiError(422, "invalid", f"{field}：{message}", field) from error
        message = messages.get(first.get("type", ""), "格式不正确")
        raise ApiError(
            422, "invalid", f"{field}：{message}" if field else message, field
        ) from error
