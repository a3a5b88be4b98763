"""Routing disputes and repeats through the API (退单、改派、维持原派、并单、撤销并单).

The same services as the complaint page (``xiaoneng.complaints.services``), the same key model
as the other endpoints: a key acts for the unit it was issued to.

- 退单 ``POST /complaints/{number}/objection``: the key of the handling unit (or a unit above
  it), within the rules' 退单时限. The office's keys do not object: the office decides.
- 改派 ``…/reroute``, 维持原派 ``…/insist``, 并单 ``…/merge``, 撤销并单 ``…/unmerge``: the
  office's keys only (a top-level unit, or a unit with office staff). A 政务服务中心's key files
  complaints but does not decide them.

Every write is idempotent by the client's ``request_id`` (per key): a resend of the same request
answers 200 with the first answer; the same id for another request is 409
``request_id_conflict``. A refusal of the service leaves as a structured error: 403
``forbidden`` (who), 409 ``invalid_state`` (the complaint's state or the 退单时限), 422 with a
code naming the field's rule (``bad_unit``, ``push_down_unconfirmed``, ``bad_main``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Schema, Status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from xiaoneng.cases.schemas import NOT_BLANK
from xiaoneng.complaints import services
from xiaoneng.complaints.models import Complaint
from xiaoneng.org.models import Unit

from . import services as api_services
from .bodies import parse_body
from .cases_api import Labelled, Ref, _bad_text, _read_json
from .complaints_api import WRITE_ERRORS, acts_for_office, router
from .errors import ApiError, ErrorOut
from .models import ApiKey

REQUEST_ID = Field(
    min_length=1,
    max_length=100,
    pattern=NOT_BLANK,
    description="客户端的请求编号（幂等：同一密钥重发同一请求只办理一次）",
)
REASON_LIMIT = services.REASON_LIMIT


# ---- schemas ---------------------------------------------------------------------------------


class ObjectionIn(BaseModel):
    """退单: the handling unit objects to the routing, with a reason."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = REQUEST_ID
    reason: str = Field(
        min_length=1, max_length=REASON_LIMIT, pattern=NOT_BLANK, description="退单理由"
    )
    suggested_unit: str | None = Field(
        None, max_length=30, description="建议承办单位代码（可不填）"
    )


class RerouteIn(BaseModel):
    """改派: the office routes the complaint to another unit (the full handling limit)."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = REQUEST_ID
    unit: str = Field(min_length=1, max_length=30, description="改派的承办单位代码")
    note: str = Field("", max_length=REASON_LIMIT, description="说明（可不填）")
    confirm_push_down: StrictBool = Field(
        False, description="确认交由乡镇（街道）办理（部门职责事项改派到乡镇、街道时必须）"
    )


class ReasonIn(BaseModel):
    """维持原派 or 撤销并单, with the office's reason."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = REQUEST_ID
    reason: str = Field(
        min_length=1, max_length=REASON_LIMIT, pattern=NOT_BLANK, description="理由"
    )


class MergeIn(BaseModel):
    """并单: this complaint (待受理) repeats ``main`` and is handled as part of it."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = REQUEST_ID
    main: str = Field(min_length=1, max_length=30, pattern=NOT_BLANK, description="主件的投诉编号")
    note: str = Field("", max_length=REASON_LIMIT, description="并单说明（可不填）")


class ComplaintStepOut(Schema):
    number: str = Field(description="投诉编号")
    request_id: str
    action: Labelled = Field(
        description="所办的步骤：object 退单 / reroute 改派 / insist 维持原派 / merge 并单 / "
        "unmerge 撤销并单"
    )
    status: Labelled = Field(description="办理后的状态")
    handling_unit: Ref | None = Field(description="承办单位")
    merged_into: str | None = Field(description="并入的主件编号（已并单时）")
    due_at: datetime | None = Field(description="当前环节的到期时刻（计时停止时为 null）")
    created: bool = Field(
        description="true 本次办理；false 同一请求以前已办理（重发），返回当时的结果"
    )


# ---- who may act -----------------------------------------------------------------------------


def _complaint(key: ApiKey, number: str, *, office: bool) -> Complaint:
    """The complaint the key may act on: any for the office, else one routed to its subtree;
    404 otherwise (missing and out of reach answer alike)."""
    complaint = None
    if len(number) <= 30 and _bad_text(number) is None:
        found = Complaint.objects.filter(number=number.strip().upper())
        if not office:
            found = found.filter(handling_unit__path__startswith=key.unit.path)
        complaint = found.first()
    if complaint is None:
        raise ApiError(404, "not_found", f"没有编号为“{number}”的投诉", "number")
    return complaint


def _office_only(key: ApiKey, label: str) -> None:
    if not acts_for_office(key):
        raise ApiError(403, "forbidden", f"只有效能办的密钥可以{label}")


def _unit(code: str, field: str) -> Unit:
    unit = Unit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise ApiError(422, "unknown_unit", f"{field}：没有代码为“{code}”的在用单位", field)
    return unit


# ---- parsing and answering -------------------------------------------------------------------


#: The code of a field's refusal by the service (a rule of the platform, not the document's).
FIELD_CODES = {
    "suggested_unit": "bad_unit",
    "unit": "bad_unit",
    "confirm_push_down": "push_down_unconfirmed",
    "main": "bad_main",
}


def _refused(error: ValidationError) -> ApiError:
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        if field != "__all__":
            return ApiError(422, FIELD_CODES.get(field, "refused"), messages[0], field)
        return ApiError(409, "invalid_state", messages[0])
    return ApiError(409, "invalid_state", error.messages[0])


def _out(c: Complaint, action: str, label: str, request_id: str) -> dict[str, Any]:
    return ComplaintStepOut(
        number=c.number,
        request_id=request_id,
        action=Labelled(code=action, label=label),
        status=Labelled(code=c.status, label=str(c.get_status_display())),
        handling_unit=Ref(code=c.handling_unit.code, name=c.handling_unit.name)
        if c.handling_unit is not None
        else None,
        merged_into=c.merged_into.number if c.merged_into is not None else None,
        due_at=c.due_at if c.deadline_open else None,
        created=True,
    ).model_dump(mode="json", exclude={"created"})


def _step(
    key: ApiKey,
    complaint: Complaint,
    data: BaseModel,
    action: str,
    run: Callable[[], Complaint],
) -> Status:
    """Run one step once per request id and answer it: 201 done, 200 a resend."""
    label = services.FLOW.actions[action].label
    request_id: str = getattr(data, "request_id")  # noqa: B009 - every body has one
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)

    def go() -> dict[str, Any]:
        try:
            done = run()
        except PermissionDenied as denied:
            raise ApiError(403, "forbidden", str(denied)) from denied
        except ValidationError as error:
            raise _refused(error) from error
        return _out(done, action, label, request_id)

    try:
        answer = api_services.once(
            key,
            request_id,
            operation=action,
            target=complaint.number,
            canonical_body=canonical,
            run=go,
        )
    except api_services.RequestIdConflict as conflict:
        raise ApiError(409, "request_id_conflict", str(conflict), "request_id") from conflict
    return Status(201 if answer.created else 200, {**answer.response, "created": answer.created})


def _doc(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


RESPONSES = {200: ComplaintStepOut, 201: ComplaintStepOut, 404: ErrorOut, **WRITE_ERRORS}
COMMON = (
    "201：已办理；200：同一 request_id 以前已办理且请求相同（重发），返回当时的结果；"
    "409 request_id_conflict：同一 request_id 已用于另一请求；409 invalid_state：投诉当前的状态"
    "（或退单时限）不允许；404：投诉不存在或不在本密钥范围内。\n\n"
    "201 done; 200 a resend of the same request (the first answer); 409 request_id_conflict: "
    "the id was used for another request; 409 invalid_state: the complaint's state does not "
    "allow the step; 404 missing or out of this key's reach."
)


# ---- endpoints -------------------------------------------------------------------------------


@router.post(
    "/{number}/objection",
    response=RESPONSES,
    operation_id="object_routing",
    summary="退单 Object to a routing (the handling unit)",
    description=(
        "承办单位（或其上级单位）的密钥在转办后规定的工作日内退单，须说明理由，可建议承办单位；"
        "效能办的密钥不能退单（403）。422 bad_unit：建议的单位是原承办单位或已停用；"
        "422 unknown_unit：没有该代码的单位。\n\n"
        "The handling unit's key objects within the time limit, with a reason. " + COMMON
    ),
    openapi_extra=_doc(ObjectionIn),
)
def object_routing(request: HttpRequest, number: str):
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by Ninja's authentication
    if acts_for_office(key):
        raise ApiError(403, "forbidden", "效能办的密钥不能退单：退单由承办单位提出")
    complaint = _complaint(key, number, office=False)
    data = parse_body(ObjectionIn, _read_json(request))
    suggested = _unit(data.suggested_unit, "suggested_unit") if data.suggested_unit else None
    return _step(
        key,
        complaint,
        data,
        "object",
        lambda: services.object_routing(key.actor_name, complaint, data.reason, suggested),
    )


@router.post(
    "/{number}/reroute",
    response=RESPONSES,
    operation_id="reroute_complaint",
    summary="改派 Route to another unit (the office)",
    description=(
        "效能办的密钥同意退单并改派他单位（新单位从改派时起获得完整的办理时限）。422 bad_unit："
        "改派单位是原承办单位；422 push_down_unconfirmed：部门职责事项改派到乡镇（街道）须设 "
        "confirm_push_down 为 true；422 unknown_unit：没有该代码的在用单位。\n\n"
        "The office agrees with the objection and routes elsewhere. " + COMMON
    ),
    openapi_extra=_doc(RerouteIn),
)
def reroute_complaint(request: HttpRequest, number: str):
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by Ninja's authentication
    _office_only(key, "改派")
    complaint = _complaint(key, number, office=True)
    data = parse_body(RerouteIn, _read_json(request))
    unit = _unit(data.unit, "unit")
    return _step(
        key,
        complaint,
        data,
        "reroute",
        lambda: services.reroute(
            key.actor_name,
            complaint,
            unit=unit,
            note=data.note,
            confirm_push_down=data.confirm_push_down,
        ),
    )


@router.post(
    "/{number}/insist",
    response=RESPONSES,
    operation_id="insist_routing",
    summary="维持原派 Keep the routing (the office)",
    description=(
        "效能办的密钥不同意退单，说明理由；承办单位以退单时剩余的工作日继续办理（至少1个）。\n\n"
        "The office keeps the routing, with a reason. " + COMMON
    ),
    openapi_extra=_doc(ReasonIn),
)
def insist_routing(request: HttpRequest, number: str):
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by Ninja's authentication
    _office_only(key, "审核退单")
    complaint = _complaint(key, number, office=True)
    data = parse_body(ReasonIn, _read_json(request))
    return _step(
        key,
        complaint,
        data,
        "insist",
        lambda: services.insist(key.actor_name, complaint, data.reason),
    )


@router.post(
    "/{number}/merge",
    response=RESPONSES,
    operation_id="merge_complaint",
    summary="并单 Merge a repeat into its main complaint (the office)",
    description=(
        "效能办的密钥把待受理的重复投诉并入反映同一事项、尚未答复的主件。422 bad_main：主件是本件"
        "自身、已并入其他投诉或已答复；422 unknown_complaint：没有该编号的主件。\n\n"
        "The office merges a waiting repeat into its open main complaint. " + COMMON
    ),
    openapi_extra=_doc(MergeIn),
)
def merge_complaint(request: HttpRequest, number: str):
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by Ninja's authentication
    _office_only(key, "并单")
    complaint = _complaint(key, number, office=True)
    data = parse_body(MergeIn, _read_json(request))
    main = Complaint.objects.filter(number=data.main.strip().upper()).first()
    if main is None:
        raise ApiError(422, "unknown_complaint", f"main：没有编号为“{data.main}”的投诉", "main")
    return _step(
        key,
        complaint,
        data,
        "merge",
        lambda: services.merge(key.actor_name, complaint, main, data.note),
    )


@router.post(
    "/{number}/unmerge",
    response=RESPONSES,
    operation_id="unmerge_complaint",
    summary="撤销并单 Undo a merge (the office)",
    description=(
        "效能办的密钥在主件答复前撤销并单，说明理由；该件回到待受理，重新计算受理时限。\n\n"
        "The office undoes a merge before the answer, with a reason. " + COMMON
    ),
    openapi_extra=_doc(ReasonIn),
)
def unmerge_complaint(request: HttpRequest, number: str):
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by Ninja's authentication
    _office_only(key, "撤销并单")
    complaint = _complaint(key, number, office=True)
    data = parse_body(ReasonIn, _read_json(request))
    return _step(
        key,
        complaint,
        data,
        "unmerge",
        lambda: services.unmerge(key.actor_name, complaint, data.reason),
    )
