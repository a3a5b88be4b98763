"""Rating intake (好差评接口) for the counter's evaluation devices (评价器), self-service kiosks
(自助终端) and the provincial 好差评 platform.

``POST /ratings`` rates a finished case through the same service as the public page and the
window; it is idempotent by the sender's ``external_id`` (per key), as ``POST /complaints`` is.
The device and the kiosk stand before the applicant and read the receipt: they send its query
code and reach the cases of their key's unit subtree. The provincial platform identifies the
applicant itself: only a key that may file complaints (a top-level unit's, a 政务服务中心's, the
office's) may send ``channel: platform``, for any case, without a code.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from xiaoneng.cases.schemas import NOT_BLANK, _json_number
from xiaoneng.ratings import services
from xiaoneng.ratings.models import Rating

from .bodies import MESSAGES, parse_body
from .cases_api import Labelled, _read_json
from .complaints_api import WRITE_ERRORS, _inline_refs, may_file
from .errors import ApiError
from .models import ApiKey

router = Router()

CHANNELS = tuple(str(c) for c in services.SYSTEM_CHANNELS)


class ContactIn(BaseModel):
    """实名评价人: kept, encrypted, only with a 差评 (for the return visit)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50, pattern=NOT_BLANK, description="姓名")
    phone: str = Field(
        min_length=5, max_length=20, description="联系电话：5–20 位数字及 +-()（）、空格"
    )


class RatingIn(BaseModel):
    """One rating from a device, a kiosk or the provincial platform."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(
        min_length=1,
        max_length=100,
        pattern=NOT_BLANK,
        description="来源系统的评价编号（幂等：重发同一评价只记一次）",
    )
    channel: Literal[CHANNELS] = Field(  # type: ignore[valid-type]
        description="渠道：device 窗口评价器 / kiosk 自助终端 / platform 省好差评平台"
    )
    case_number: str = Field(min_length=1, max_length=60, pattern=NOT_BLANK, description="申请号")
    query_code: str = Field(
        "", max_length=12, description="受理回执上的查询码（device、kiosk 必填；platform 不需要）"
    )
    level: Annotated[int, Field(ge=1, le=5), BeforeValidator(_json_number)] = Field(
        description="5 非常满意 / 4 满意 / 3 基本满意 / 2 不满意 / 1 非常不满意"
    )
    comment: str = Field("", max_length=services.COMMENT_MAX, description="评价内容")
    contact: ContactIn | None = Field(None, description="实名评价人（选填）")


class RatedOut(Schema):
    id: int = Field(description="平台的评价编号")
    external_id: str
    case_number: str
    level: Labelled
    channel: Labelled
    mode: Labelled = Field(description="onsite 现场（一次一评）/ remote 非现场（一事一评）")
    rated_at: datetime
    created: bool = Field(description="true 本次新记录；false 同一评价以前已记录（重发）")


BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _inline_refs(RatingIn.model_json_schema())}},
    }
}

#: The service's refusals and the codes a program can act on.
CODES = {
    services.NOT_FOUND: "unknown_case",
    services.NOT_FINISHED: "not_finished",
}


#: The rating's own numbers: a level is an integer from 1 to 5.
_RATING_MESSAGES = {
    **MESSAGES,
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "greater_than_equal": "应为 1 到 5 的整数",
    "less_than_equal": "应为 1 到 5 的整数",
}


def _parse(raw: Any) -> RatingIn:
    return parse_body(RatingIn, raw, what="一个评价对象（JSON 对象）", messages=_RATING_MESSAGES)


def _labelled(code: object, label: object) -> dict[str, str]:
    return {"code": str(code), "label": str(label)}


def _rated(rating: Rating, created: bool) -> dict[str, Any]:
    return {
        "id": rating.pk,
        "external_id": rating.external_id,
        "case_number": rating.case.number,
        "level": _labelled(rating.level, rating.get_level_display()),
        "channel": _labelled(rating.channel, rating.get_channel_display()),
        "mode": _labelled(rating.mode, rating.get_mode_display()),
        "rated_at": rating.rated_at,
        "created": created,
    }


def _refused(error: ValidationError) -> ApiError:
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        message = messages[0]
        if field in ("contact_name", "contact_phone"):
            return ApiError(422, "bad_contact", message, f"contact.{field.split('_')[1]}")
        if field == "number":
            return ApiError(422, CODES.get(message, "unknown_case"), message, "case_number")
        return ApiError(422, "refused", message, None if field == "__all__" else field)
    message = error.messages[0]
    if message in CODES:
        return ApiError(422, CODES[message], message, None)
    if "不能重复评价" in message:
        return ApiError(422, "already_rated", message, "case_number")
    return ApiError(422, "refused", message, None)


@router.post(
    "",
    response={200: RatedOut, 201: RatedOut, **WRITE_ERRORS},
    operation_id="post_rating",
    summary="提交一条评价 Submit a rating (评价器, 自助终端, 省好差评平台)",
    description=(
        "窗口评价器、自助终端和省好差评平台提交办件评价。201：已记录；200：同一 external_id 以前"
        "已记录且内容相同，返回原评价；409：同一 external_id 已用于内容不同的评价；422："
        "`unknown_case`（申请号不存在、查询码不符或不在本密钥范围内，三者回答相同）、"
        "`not_finished`（未办结）、`already_rated`（该办件现场或非现场已评价过）、"
        "`bad_contact`（实名评价人的电话不是电话）；403：本密钥不能以 platform 渠道提交。\n\n"
        "201 recorded; 200 the same external_id was sent before with the same body; 409 the "
        "external_id was used for a different body; 422 a rule refused it (see the codes)."
    ),
    openapi_extra=BODY_DOC,
)
def post_rating(request: HttpRequest):
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by Ninja's authentication
    data = _parse(_read_json(request))
    platform = data.channel == Rating.Channel.PLATFORM
    if platform and not may_file(key):
        raise ApiError(
            403,
            "forbidden",
            "本密钥不能以省好差评平台渠道提交评价：只有效能办、政务服务中心等的密钥可以",
        )
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    try:
        contact = (
            services.clean_contact(data.contact.name, data.contact.phone)
            if data.contact is not None
            else None
        )
        outcome = services.rate_from_system(
            key.actor_name,
            key.source,
            external_id=data.external_id,
            canonical_body=canonical,
            channel=data.channel,
            number=data.case_number,
            code=data.query_code,
            level=data.level,
            comment=data.comment,
            contact=contact,
            reach=None if platform else key.unit,
        )
    except services.ExternalIdConflict as conflict:
        raise ApiError(409, "external_id_conflict", str(conflict), "external_id") from conflict
    except ValidationError as error:
        raise _refused(error) from error
    return Status(201 if outcome.created else 200, _rated(outcome.rating, outcome.created))
