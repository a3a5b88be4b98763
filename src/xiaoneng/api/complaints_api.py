"""Complaint endpoints (投诉接口) for hotline platforms (12345/96150) and similar systems.

``POST /complaints`` files a complaint on the hotline, letter, e-mail or walk-in channel through
the same service as the office's form; it is idempotent by the sender's ``external_id`` (per key).
``GET /complaints/{number}`` reads its status back — never the complainant's identity.

Who may file: keys of a top-level unit (where the supervision office sits), of a 政务服务中心
(which usually runs the 12345 line) or of a unit with office (效能办) staff. They may file about
any unit, because the office routes every complaint itself. A department's key may not file
(a department must not be able to complain about others, nor to pre-empt complaints about
itself); it may read the complaints routed to its own subtree.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.cases.schemas import NOT_BLANK
from xiaoneng.complaints import services
from xiaoneng.complaints.models import Category, Complaint
from xiaoneng.org.models import Unit

from .bodies import parse_body
from .cases_api import Labelled, Ref, _bad_text, _read_json
from .errors import ApiError, ErrorOut
from .models import ApiKey

router = Router()

CHANNELS = tuple(str(c) for c in services.SYSTEM_CHANNELS)
#: 诉求类型 codes; the limit of each under the 12345 preset is in docs/complaints.md.
KINDS = tuple(str(k) for k in Complaint.Kind.values)


# ---- schemas ---------------------------------------------------------------------------------


#: 联系电话: digits and the usual separators, 5–20 characters, nothing around them.
PHONE_PATTERN = r"^$|^[0-9+\-（）()][0-9+\-（）() ]{3,18}[0-9+\-（）()]$"


class IdentityIn(BaseModel):
    """投诉人身份: encrypted by the platform; only the office can reveal it (audited)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=50, description="姓名（实名投诉必填）")
    phone: str = Field("", max_length=20, pattern=PHONE_PATTERN, description="联系电话")
    email: str = Field("", max_length=100, description="电子邮箱")
    address: str = Field("", max_length=200, description="联系地址")


class ComplaintIn(BaseModel):
    """A complaint taken by another system."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(
        min_length=1,
        max_length=100,
        pattern=NOT_BLANK,
        description="来源系统的记录编号（幂等：重发同一记录只登记一次）",
    )
    channel: Literal[CHANNELS] = Field(  # type: ignore[valid-type]
        description="渠道：hotline 热线电话 / letter 来信 / email 电子邮件 / walkin 来访"
    )
    hotline_line: str = Field("", max_length=20, description="热线号码，如 12345、96150")
    caller_number: str = Field(
        "", max_length=20, description="来电号码；只随实名身份加密保存，匿名投诉不保存"
    )
    category: str = Field(
        min_length=1, max_length=30, description="投诉类别代码（文档列出在用的类别，如 ban_delay）"
    )
    kind: Literal[KINDS] = Field(  # type: ignore[valid-type]
        "complaint",
        description=(
            "诉求类型：complaint 投诉（缺省）/ consult 咨询 / help 求助 / suggest 建议；"
            "按12345分类时限时，咨询、求助3个工作日，投诉、建议13个工作日"
        ),
    )
    title: str = Field(min_length=1, max_length=100, pattern=NOT_BLANK, description="标题")
    text: str = Field(min_length=1, max_length=5000, pattern=NOT_BLANK, description="投诉内容")
    named_unit: str | None = Field(None, max_length=30, description="被投诉单位代码（可不填）")
    accused_name: str = Field("", max_length=50, description="被投诉人（姓名或工号，可不填）")
    anonymous: StrictBool = Field(False, description="匿名投诉（不提供身份）")
    identity: IdentityIn | None = Field(
        None, validate_default=True, description="实名投诉人的身份，匿名时忽略"
    )

    @field_validator("identity")
    @classmethod
    def _named_or_anonymous(cls, identity: IdentityIn | None, info) -> IdentityIn | None:
        if not info.data.get("anonymous") and (identity is None or not identity.name.strip()):
            raise ValueError("实名投诉须提供投诉人姓名（identity.name），或设 anonymous 为 true")
        return identity


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The body schema with its ``$defs`` inlined: the document lists it under the operation."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.rsplit("/", 1)[-1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def complaint_json_schema(categories: list[str]) -> dict[str, Any]:
    """ComplaintIn as the API documents it: named (``identity.name`` required) or anonymous
    (``oneOf``), with the category codes in use. (Pydantic's own schema makes every part of
    the identity optional and any string a category.)"""
    flat = _inline_refs(ComplaintIn.model_json_schema())
    properties = {k: v for k, v in flat["properties"].items() if k not in ("anonymous", "identity")}
    properties["category"] = {**properties["category"], "enum": categories}
    identity = flat["properties"]["identity"]["anyOf"][0]
    named_identity = {
        **identity,
        "properties": {
            **identity["properties"],
            "name": {**identity["properties"]["name"], "minLength": 1, "pattern": NOT_BLANK},
        },
        "required": ["name"],
    }
    base_required = flat["required"]
    named = {
        "type": "object",
        "title": "实名 named",
        "properties": {**properties, "anonymous": {"const": False}, "identity": named_identity},
        "required": [*base_required, "identity"],
        "additionalProperties": False,
    }
    anonymous = {
        "type": "object",
        "title": "匿名 anonymous",
        "properties": {
            **properties,
            "anonymous": {"const": True},
            "identity": {"anyOf": [identity, {"type": "null"}]},
        },
        "required": [*base_required, "anonymous"],
        "additionalProperties": False,
    }
    return {
        "title": "ComplaintIn",
        "description": flat.get("description", ""),
        "oneOf": [named, anonymous],
    }


class FiledOut(Schema):
    number: str = Field(description="投诉编号")
    query_code: str = Field(description="查询码：投诉人凭编号和查询码在网站查询办理情况")
    external_id: str
    status: Labelled
    created: bool = Field(description="true 本次新登记；false 同一记录以前已登记（重发）")


class ComplaintOut(Schema):
    number: str
    external_id: str | None = Field(description="来源系统的记录编号（由其他渠道登记的为 null）")
    channel: Labelled
    kind: Labelled = Field(description="诉求类型（受理时效能办可更正）")
    category: Ref
    title: str
    status: Labelled
    public_status: str = Field(description="向投诉人显示的办理状态")
    submitted_at: datetime
    named_unit: Ref | None
    handling_unit: Ref | None = Field(description="承办单位（受理转办后）")
    routed_at: datetime | None
    due_at: datetime | None = Field(description="当前环节的到期时刻")
    escalated: bool = Field(description="已超期督办")
    finding: Labelled | None = Field(description="调查结论（效能办审核通过后才显示）")
    decline_reason: str | None
    reply_text: str | None = Field(description="答复内容")
    replied_at: datetime | None
    visit_result: Labelled | None = Field(description="回访结果")
    closed_at: datetime | None
    reopen_count: int


#: The body's schema; :class:`xiaoneng.api.api.XiaonengAPI` puts in the category codes in use.
BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ComplaintIn"}}},
    }
}
#: OpenAPI link: where a filed complaint's status can be read (stateful tests follow it).
COMPLAINT_LINKS = {
    "links": {
        "GetComplaint": {
            "operationId": "get_complaint",
            "parameters": {"number": "$response.body#/number"},
        }
    }
}
WRITE_ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    409: ErrorOut,
    411: ErrorOut,
    413: ErrorOut,
    415: ErrorOut,
    422: ErrorOut,
    503: ErrorOut,
}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut}


# ---- helpers ---------------------------------------------------------------------------------


def acts_for_office(key: ApiKey) -> bool:
    """A key of a top-level unit or of a unit with office (效能办) staff acts for the office."""
    unit = key.unit
    return (
        unit.parent_id is None
        or User.objects.filter(unit=unit, role=Role.OFFICE, is_active=True).exists()
    )


def may_file(key: ApiKey) -> bool:
    """Keys of the office's unit, a top-level unit or a 政务服务中心 may file complaints."""
    return key.unit.kind == Unit.Kind.CENTRE or acts_for_office(key)


def _parse(raw: Any) -> ComplaintIn:
    return parse_body(ComplaintIn, raw, what="一个投诉对象（JSON 对象）")


def _labelled(code: str, label: Any) -> dict[str, str]:
    return {"code": code, "label": str(label)}


def _ref(unit: Unit | None) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def _filed(filing: services.SystemFiling) -> dict[str, Any]:
    c = filing.complaint
    return {
        "number": c.number,
        "query_code": filing.code,
        "external_id": c.external_id,
        "status": _labelled(c.status, c.get_status_display()),
        "created": filing.created,
    }


def _first_error(error: ValidationError) -> tuple[str | None, str]:
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return (None if field == "__all__" else field), messages[0]
    return None, error.messages[0]


# ---- endpoints -------------------------------------------------------------------------------


@router.post(
    "",
    response={200: FiledOut, 201: FiledOut, **WRITE_ERRORS},
    operation_id="post_complaint",
    summary="登记一件投诉 File a complaint (hotline platforms)",
    description=(
        "热线平台等系统登记效能投诉。201：已登记，返回投诉编号和查询码；200：同一 external_id "
        "以前已登记且内容相同，返回原编号和查询码；409：同一 external_id 已用于内容不同的投诉；"
        "403：本密钥所属单位不能登记投诉（见 docs/api.md）。\n\n"
        "201 filed (number and query code); 200 the same external_id was filed before with the "
        "same body (the first filing is returned); 409 the external_id was used for a different "
        "body; 403 this key's unit may not file complaints."
    ),
    openapi_extra={**BODY_DOC, "responses": {201: COMPLAINT_LINKS, 200: COMPLAINT_LINKS}},
)
def post_complaint(request: HttpRequest):
    key: ApiKey = request.auth
    if not may_file(key):
        raise ApiError(
            403, "forbidden", "本密钥所属单位不能登记投诉：只有效能办、政务服务中心等的密钥可以"
        )
    data = _parse(_read_json(request))
    category = Category.objects.filter(code=data.category, is_active=True).first()
    if category is None:
        # Not among the codes the document lists: a request the document calls invalid.
        raise ApiError(
            422, "invalid", f"category：没有代码为“{data.category}”的投诉类别", "category"
        )
    named_unit = None
    if data.named_unit:
        named_unit = Unit.objects.filter(code=data.named_unit, is_active=True).first()
        if named_unit is None:
            raise ApiError(
                422,
                "unknown_unit",
                f"named_unit：没有代码为“{data.named_unit}”的单位",
                "named_unit",
            )
    identity = None
    if not data.anonymous and data.identity is not None:
        identity = services.Identity(
            name=data.identity.name,
            phone=data.identity.phone,
            email=data.identity.email,
            address=data.identity.address,
            caller_number=data.caller_number,
        )
    # The idempotency comparison is over the parsed body, so key order and spacing do not count.
    # The default 诉求类型 is left out, so that a filing from before the API took ``kind`` is
    # still recognised when resent (with no ``kind``, or with the default spelled out).
    parsed = data.model_dump(mode="json", exclude={"kind"} if data.kind == "complaint" else None)
    canonical = json.dumps(parsed, sort_keys=True, ensure_ascii=False)
    try:
        filing = services.submit_from_system(
            key.actor_name,
            key.source,
            external_id=data.external_id,
            canonical_body=canonical,
            channel=data.channel,
            category=category,
            title=data.title,
            content=data.text,
            anonymous=data.anonymous,
            identity=identity,
            named_unit=named_unit,
            accused_name=data.accused_name,
            caller_line=data.hotline_line,
            kind=data.kind,
        )
    except services.ExternalIdConflict as conflict:
        raise ApiError(409, "external_id_conflict", str(conflict), "external_id") from conflict
    except ValidationError as error:
        field, message = _first_error(error)
        # The service names the form's fields; the API calls the content "text".
        field = {"content": "text"}.get(field or "", field)
        raise ApiError(422, "invalid", message, field) from error
    except PermissionDenied as denied:
        raise ApiError(403, "forbidden", str(denied)) from denied
    return Status(201 if filing.created else 200, _filed(filing))


@router.get(
    "/{number}",
    response={200: ComplaintOut, **READ_ERRORS},
    operation_id="get_complaint",
    summary="查询投诉办理状态 Read a complaint's status",
    description=(
        "能登记投诉的密钥可查询所有投诉；其他部门的密钥只能查询转给本单位及下级单位办理的投诉，"
        "其他一律 404。不返回投诉人身份。\n\n"
        "Keys that may file read every complaint; other keys only those routed to their unit's "
        "subtree (anything else is 404). The complainant's identity is never returned."
    ),
)
def get_complaint(request: HttpRequest, number: str):
    key: ApiKey = request.auth
    complaint = None
    if len(number) <= 30 and _bad_text(number) is None:
        found = Complaint.objects.select_related("category", "named_unit", "handling_unit").filter(
            number=number.strip().upper()
        )
        if not may_file(key):
            found = found.filter(handling_unit__path__startswith=key.unit.path)
        complaint = found.first()
    if complaint is None:
        # The same answer whether the complaint is missing or routed elsewhere.
        raise ApiError(404, "not_found", f"没有编号为“{number}”的投诉", "number")
    c = complaint
    final = c.status in (
        Complaint.Status.APPROVED,
        Complaint.Status.REPLIED,
        Complaint.Status.CLOSED,
    )
    return Status(
        200,
        {
            "number": c.number,
            "external_id": c.external_id or None,
            "channel": _labelled(c.channel, c.get_channel_display()),
            "kind": _labelled(c.kind, c.get_kind_display()),
            "category": {"code": c.category.code, "name": c.category.name},
            "title": c.title,
            "status": _labelled(c.status, c.get_status_display()),
            "public_status": services.public_status(c),
            "submitted_at": c.submitted_at,
            "named_unit": _ref(c.named_unit),
            "handling_unit": _ref(c.handling_unit),
            "routed_at": c.routed_at,
            "due_at": c.due_at if c.deadline_open else None,
            "escalated": c.escalated,
            "finding": _labelled(c.finding, c.get_finding_display())
            if c.finding and final
            else None,
            "decline_reason": c.decline_reason or None,
            "reply_text": c.reply_text or None,
            "replied_at": c.replied_at,
            "visit_result": _labelled(c.visit_result, c.get_visit_result_display())
            if c.visit_result
            else None,
            "closed_at": c.closed_at,
            "reopen_count": c.reopen_count,
        },
    )
