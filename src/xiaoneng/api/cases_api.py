"""Case endpoints (办件接口): push events one at a time or a thousand at once, read cases back.

Writes go through :func:`xiaoneng.cases.services.ingest`, the same path as the window's buttons:
every valid item is stored, every invalid one is reported with its index, a code and the field.
The request body is read here rather than by a Ninja body schema, so that one malformed item
does not fail the other 999; the item schema (``EventIn``) is still documented in OpenAPI.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime, BeforeValidator, Field, TypeAdapter
from pydantic import ValidationError as SchemaError

from xiaoneng.cases import services as cases
from xiaoneng.cases.models import Case, CaseEvent, Light
from xiaoneng.cases.timeline import KIND_ORDER
from xiaoneng.catalog.models import Step
from xiaoneng.supervision.models import Card
from xiaoneng.workcalendar.services import get_calendar

from .errors import ApiError, ErrorOut
from .models import ApiKey

router = Router()

MAX_BULK = cases.MAX_BULK
#: Events before this instant are refused here: no real case is that old, and far-off instants
#: (year 1 with a +14:00 offset) overflow when converted to UTC further down.
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=UTC)
PAGE_MAX = 500
#: next_cursor's form. Opaque to clients (pass it back unchanged); what the API accepts.
CURSOR_PATTERN = r"^[0-9]{1,18}$"


def _instant_text(value: object) -> object:
    """The document says an RFC 3339 date-time: refuse the Unix timestamps pydantic would take."""
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]", value):
        raise ValueError("须为带时区的 RFC 3339 时间，例如 2026-03-01T00:00:00+08:00")
    return value


#: ``updated_since`` and the like: an aware date-time given as text, never a number.
Instant = Annotated[AwareDatetime, BeforeValidator(_instant_text)]

_aware = TypeAdapter(AwareDatetime)


# ---- schemas ---------------------------------------------------------------------------------


class ItemResultOut(Schema):
    """The outcome for one submitted event."""

    index: int = Field(description="在本次请求中的序号（从 0 开始）")
    event_id: str | None = Field(description="发送方的事件ID（无法识别时为 null）")
    status: Literal["accepted", "duplicate", "rejected"] = Field(
        description="accepted 已接收 / duplicate 重复（以前已接收，本次忽略）/ rejected 被拒绝"
    )
    case_number: str | None = None
    code: str | None = Field(None, description="被拒绝的原因代码，见 docs/api.md")
    message: str = Field("", description="中文说明")
    field: str | None = Field(None, description="出错的字段")
    query_code: str | None = Field(
        None,
        description="本次请求新建办件的受理事件才有：群众查询进度用的查询码。平台只保存其摘要，"
        "以后无法再读出；遗失时用 POST /cases/{number}/query-code 重新签发",
    )


class EventErrorOut(ErrorOut):
    """A refused single event: the error plus which event it was."""

    event_id: str | None = None
    case_number: str | None = None


class BulkOut(Schema):
    accepted: int
    duplicates: int
    rejected: int
    results: list[ItemResultOut]


class Labelled(Schema):
    code: str
    label: str


class Ref(Schema):
    code: str
    name: str


class CardOut(Schema):
    color: Labelled
    cause: Labelled
    status: Labelled
    summary: str
    raised_at: datetime


class StepOut(Schema):
    order: int
    code: str
    name: str
    limit_days: int = Field(description="环节时限（工作日）")
    started_at: datetime | None
    finished_at: datetime | None
    due_at: datetime | None
    elapsed_days: int
    overdue: bool = Field(description="已完成的超过时限完成；未完成的已过到期时间")


class CaseSummaryOut(Schema):
    number: str
    item: Ref
    unit: Ref
    status: Labelled
    light: Labelled
    accepted_at: datetime
    finished_at: datetime | None
    limit_days: int = Field(description="承诺时限（工作日，含批准的延期）")
    elapsed_days: int = Field(description="已用工作日（截至本次查询）")
    remaining_days: int = Field(description="剩余工作日，超期为负数")
    due_at: datetime | None = Field(description="到期时刻（暂停中为 null）")
    warn_at: datetime | None
    provisional: bool = Field(description="期限跨入节假日安排未公布的年份，按周一至周五临时计算")
    paused: bool = Field(description="计时暂停（补正、特别程序）")
    updated_at: datetime = Field(description="最近一次重新计算的时间，可用于 updated_since 同步")


class CaseOut(CaseSummaryOut):
    channel: Labelled
    count_rule: Labelled = Field(
        description="计时规则（事项版本规定）：next_day 次日起算 / "
        "inclusive 含本数（受理当日计为第1日）"
    )
    window: Ref | None
    cards: list[CardOut]
    steps: list[StepOut]


class CasePageOut(Schema):
    items: list[CaseSummaryOut]
    next_cursor: str | None = Field(description="下一页的 cursor；为 null 时已到最后一页")


class EventOut(Schema):
    event_id: str
    kind: Labelled
    at: datetime
    recorded_at: datetime
    step_code: str | None
    data: dict[str, Any]
    source: str = Field(description="发送方：api:<密钥ID> 或 user:<用户ID>")


WRITE_ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    409: ErrorOut,
    411: ErrorOut,
    413: ErrorOut,
    415: ErrorOut,
    503: ErrorOut,
}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut}


def _body_doc(schema: dict) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


EVENT_REF = {"$ref": "#/components/schemas/EventIn"}
#: OpenAPI links: where an accepted event's case can be read (stateful tests follow them).
CASE_LINKS = {
    "links": {
        "GetCase": {
            "operationId": "get_case",
            "parameters": {"number": "$response.body#/case_number"},
        },
        "GetCaseEvents": {
            "operationId": "get_case_events",
            "parameters": {"number": "$response.body#/case_number"},
        },
    }
}


# ---- reading the body ------------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(f"JSON 不允许 {name}")


def _read_json(request: HttpRequest) -> Any:
    charset = request.content_params.get("charset", "utf-8").lower().replace("_", "-")
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "unsupported_charset", "请求体须为 UTF-8 编码（charset=utf-8）")
    try:
        body = request.body
    except RequestDataTooBig as error:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        raise ApiError(413, "too_large", f"请求体超过 {limit} KB，请分成较小的批次提交") from error
    try:
        # Decoded here, strictly: json.loads would guess UTF-16 or UTF-32 from the bytes.
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ApiError(400, "bad_encoding", "请求体不是 UTF-8 编码的文本") from error
    try:
        # NaN/Infinity are not JSON, and the database's JSON type refuses them later.
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "bad_json", "请求体不是合法的 JSON") from error


def _bad_text(value: Any) -> str | None:
    """The path of the first string the database cannot store (NUL, lone surrogate), if any."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or _unencodable(item):
                return path or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key or _unencodable(key):
                    return path or "body"
                stack.append((f"{path}.{key}" if path else key, child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{n}" if path else str(n), c) for n, c in enumerate(item))
    return None


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _screen(raw: Any) -> tuple[str, str, str] | None:
    """Problems the service cannot be shown safely; None when the item may go to the service."""
    if not isinstance(raw, dict):
        return None  # the service reports "每个事件应为 JSON 对象"
    bad = _bad_text(raw)
    if bad is not None:
        return "bad_text", f"{bad}：包含无法保存的字符（空字符或不成对的代理字符）", bad
    try:
        at = _aware.validate_python(raw.get("at"))
    except SchemaError:
        return None  # the service names the problem with the time
    try:
        at_utc = at.astimezone(UTC)
    except OverflowError:
        return "out_of_range", "at：时间超出范围", "at"
    if at_utc < EARLIEST_EVENT:
        return "out_of_range", "at：事件时间早于 2000 年，不是有效的办件时间", "at"
    return None


def _plain_str(value: Any) -> str | None:
    return value if isinstance(value, str) and _bad_text(value) is None else None


def _ingest(key: ApiKey, raws: list) -> list[dict]:
    """Screen, ingest the rest, and give back one result per submitted item, in order."""
    results: list[dict | None] = [None] * len(raws)
    passed_at: list[int] = []
    passed: list = []
    for index, raw in enumerate(raws):
        problem = _screen(raw)
        if problem is None:
            passed_at.append(index)
            passed.append(raw)
            continue
        code, message, field = problem
        results[index] = {
            "index": index,
            "event_id": _plain_str(raw.get("event_id")),
            "status": "rejected",
            "case_number": _plain_str(raw.get("case_number")),
            "code": code,
            "message": message,
            "field": field,
        }
    if passed:
        report = cases.ingest(passed, source=key.source, actor=key.actor_name, scope_unit=key.unit)
        for result in report.results:
            row = asdict(result)
            row["index"] = passed_at[result.index]
            row["code"] = row["code"] or None
            row["field"] = row["field"] or None
            row["query_code"] = row["query_code"] or None
            if row["status"] == "accepted" and not row["message"]:
                row["message"] = "已接收"
            results[row["index"]] = row
    return results  # type: ignore[return-value]


# ---- writing ---------------------------------------------------------------------------------


@router.post(
    "/events",
    response={200: ItemResultOut, 201: ItemResultOut, 422: EventErrorOut, **WRITE_ERRORS},
    operation_id="post_event",
    summary="提交一个办件事件 Submit one case event",
    description=(
        "请求体是一个事件对象（EventIn）。201：已接收；200：该事件ID以前已接收且内容相同（本次忽略）；"
        "422：被拒绝，code/field 说明原因。\n\n"
        "The body is one event (EventIn). 201 accepted, 200 duplicate (already stored, "
        "ignored), 422 rejected with a code and the field at fault."
    ),
    openapi_extra={**_body_doc(EVENT_REF), "responses": {201: CASE_LINKS, 200: CASE_LINKS}},
)
def post_event(request: HttpRequest):
    raw = _read_json(request)
    if not isinstance(raw, dict):
        raise ApiError(422, "invalid", "请求体应为一个事件对象（JSON 对象）")
    [result] = _ingest(request.auth, [raw])
    if result["status"] == "accepted":
        return Status(201, result)
    if result["status"] == "duplicate":
        return Status(200, result)
    return Status(
        422,
        {
            "code": result["code"],
            "message": result["message"],
            "field": result["field"],
            "event_id": result["event_id"],
            "case_number": result["case_number"],
        },
    )


@router.post(
    "/events/bulk",
    response={200: BulkOut, 422: ErrorOut, **WRITE_ERRORS},
    operation_id="post_events_bulk",
    summary=f"批量提交办件事件（最多 {MAX_BULK} 个）Submit up to {MAX_BULK} events",
    description=(
        f'请求体为 {{"events": [事件, …]}}，最多 {MAX_BULK} 个。每个合法的事件都会保存，'
        "每个不合法的事件在 results 中按序号（index）给出原因；"
        "整个请求仍返回 200。超过上限返回 413。\n\n"
        "Every valid item is stored and every invalid one is reported by its index; the request "
        f"as a whole answers 200. More than {MAX_BULK} items: 413."
    ),
    openapi_extra=_body_doc(
        {
            "type": "object",
            "required": ["events"],
            "properties": {
                "events": {
                    "type": "array",
                    "maxItems": MAX_BULK,
                    # Not a $ref: the request stands whatever its items are; each is checked
                    # against EventIn on its own, and a bad one is reported in `results`.
                    "items": {
                        "description": "一个事件（EventIn），逐个校验 each checked as EventIn"
                    },
                },
            },
        }
    ),
)
def post_events_bulk(request: HttpRequest):
    body = _read_json(request)
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise ApiError(422, "invalid", '请求体应为 {"events": [事件, …]}', "events")
    if len(events) > MAX_BULK:
        raise ApiError(
            413,
            "too_many",
            f"一次最多提交 {MAX_BULK} 个事件，本次 {len(events)} 个；请分批提交",
            "events",
        )
    results = _ingest(request.auth, events)
    return Status(
        200,
        {
            "accepted": sum(r["status"] == "accepted" for r in results),
            "duplicates": sum(r["status"] == "duplicate" for r in results),
            "rejected": sum(r["status"] == "rejected" for r in results),
            "results": results,
        },
    )


# ---- reading ---------------------------------------------------------------------------------


def _visible(key: ApiKey):
    return Case.objects.select_related("item", "unit").filter(unit__path__startswith=key.unit.path)


def _get_case(key: ApiKey, number: str) -> Case:
    case = _visible(key).select_related("window").filter(number=number).first()
    if case is None:
        # The same answer whether the case is missing or belongs to another department.
        raise ApiError(404, "not_found", f"没有申请号为“{number}”的办件", "number")
    return case


def _labelled(code: str, label: str) -> dict:
    return {"code": code, "label": str(label)}


def _elapsed_now(case: Case, calendar, now: datetime) -> int:
    """Working days used up to now: the stored count is as of the last recomputation, and a
    running clock has gone on since (working days add up over consecutive periods)."""
    if not case.is_open or case.paused or case.updated_at is None or now <= case.updated_at:
        return case.elapsed_days
    return case.elapsed_days + calendar.workdays_between(case.updated_at, now)


def _summary(case: Case, calendar, now: datetime) -> dict:
    elapsed = _elapsed_now(case, calendar, now)
    return {
        "number": case.number,
        "item": {"code": case.item.code, "name": case.item.name},
        "unit": {"code": case.unit.code, "name": case.unit.name},
        "status": _labelled(case.status, case.get_status_display()),
        "light": _labelled(case.light, Light(case.light).label),
        "accepted_at": case.accepted_at,
        "finished_at": case.finished_at,
        "limit_days": case.limit_days,
        "elapsed_days": elapsed,
        "remaining_days": case.limit_days - elapsed,
        "due_at": case.due_at,
        "warn_at": case.warn_at,
        "provisional": case.deadline_provisional,
        "paused": case.paused,
        "updated_at": case.updated_at,
    }


def _steps(case: Case, now: datetime) -> list[dict]:
    """The case's steps; before its first step event a case has no step rows of its own yet,
    so the steps its guide plans are shown, not started."""
    rows = list(case.steps.order_by("order"))
    if not rows:
        return [
            {
                "order": p.order,
                "code": p.code,
                "name": p.name,
                "limit_days": p.limit_days,
                "started_at": None,
                "finished_at": None,
                "due_at": None,
                "elapsed_days": 0,
                "overdue": False,
            }
            for p in Step.objects.filter(version_id=case.item_version_id).order_by("order")
        ]
    return [
        {
            "order": s.order,
            "code": s.code,
            "name": s.name,
            "limit_days": s.limit_days,
            "started_at": s.started_at,
            "finished_at": s.finished_at,
            "due_at": s.due_at,
            "elapsed_days": s.elapsed_days,
            "overdue": s.due_at is not None
            and s.started_at is not None
            and (s.finished_at or now) > s.due_at,
        }
        for s in rows
    ]


@router.get(
    "/{number}",
    response={200: CaseOut, **READ_ERRORS},
    operation_id="get_case",
    summary="查询办件 Read a case",
    description="只能查询本密钥所属单位及下级单位的办件；其他办件一律 404。",
)
def get_case(request: HttpRequest, number: str):
    case = _get_case(request.auth, number)
    now = timezone.now()
    cards = Card.objects.filter(subject_type="cases.case", subject_id=str(case.pk)).order_by(
        "raised_at", "id"
    )
    data = _summary(case, get_calendar(), now)
    data.update(
        channel=_labelled(case.channel, case.get_channel_display()),
        count_rule=_labelled(
            case.item_version.count_rule, case.item_version.get_count_rule_display()
        ),
        window={"code": case.window.code, "name": case.window.name} if case.window else None,
        cards=[
            {
                "color": _labelled(c.color, c.get_color_display()),
                "cause": _labelled(c.cause, c.get_cause_display()),
                "status": _labelled(c.status, c.get_status_display()),
                "summary": c.summary,
                "raised_at": c.raised_at,
            }
            for c in cards
        ],
        steps=_steps(case, now),
    )
    return Status(200, data)


class QueryCodeOut(Schema):
    number: str
    query_code: str = Field(description="新的查询码；原查询码已作废")


@router.post(
    "/{number}/query-code",
    response={200: QueryCodeOut, **READ_ERRORS},
    summary="重新签发查询码 Issue a new query code",
    description=(
        "补打回执用：签发新的查询码，原查询码立即作废（平台只保存查询码的摘要，原码无法再读出）；"
        "记入审计日志。只能为本密钥范围内的办件签发，其他一律 404。\n\n"
        "For reprinting a receipt: a new query code, the previous one stops working at once "
        "(only digests are stored). Audited. Cases outside the key's reach answer 404."
    ),
)
def reissue_query_code(request: HttpRequest, number: str):
    key = request.auth
    case = _get_case(key, number)
    code = cases.reissue_query_code(key.actor_name, case, scope_unit=key.unit)
    return Status(200, {"number": case.number, "query_code": code})


@router.get(
    "/{number}/events",
    response={200: list[EventOut], **READ_ERRORS},
    operation_id="get_case_events",
    summary="办件的事件 A case's events",
    description="已保存的全部事件，按发生时间排序（同一时刻按受理、…、办结的顺序）。",
)
def get_case_events(request: HttpRequest, number: str):
    case = _get_case(request.auth, number)
    events = sorted(
        CaseEvent.objects.filter(case=case),
        key=lambda e: (e.at, KIND_ORDER.get(e.kind, 3), e.pk),
    )
    return Status(
        200,
        [
            {
                "event_id": e.external_id,
                "kind": _labelled(e.kind, e.get_kind_display()),
                "at": e.at,
                "recorded_at": e.recorded_at,
                "step_code": e.step_code or None,
                "data": e.data,
                "source": e.source,
            }
            for e in events
        ],
    )


class CaseFilter(Schema):
    status: Literal[tuple(Case.Status.values)] | None = Field(  # type: ignore[valid-type]
        None, description="办件状态"
    )
    light: Literal[tuple(Light.values)] | None = Field(None, description="灯")  # type: ignore[valid-type]
    updated_since: Instant | None = Field(
        None, description="只要此时刻（含）以后重新计算过的办件，须带时区"
    )
    limit: int = Field(100, ge=1, le=PAGE_MAX, description=f"每页条数，最多 {PAGE_MAX}")
    cursor: str | None = Field(
        None,
        pattern=CURSOR_PATTERN,
        description="上一页返回的 next_cursor，原样传回（不透明的标记，勿自行构造）；第一页不传",
    )


@router.get(
    "",
    response={200: CasePageOut, **READ_ERRORS},
    operation_id="list_cases",
    summary="办件列表（同步用）List cases for synchronisation",
    description=(
        "按内部ID顺序分页（keyset）：把上一页的 next_cursor 原样传回即得下一页，"
        "直到 next_cursor 为 null。"
        "增量同步：记下开始时间 T，用 updated_since=上次的 T 取完所有页。\n\n"
        "Keyset pagination: pass next_cursor back until it is null. For incremental sync, note "
        "the time T when a walk starts and use updated_since=<previous T>."
    ),
)
def list_cases(request: HttpRequest, filters: Query[CaseFilter]):
    qs = _visible(request.auth)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.light:
        qs = qs.filter(light=filters.light)
    if filters.updated_since is not None:
        # Before the first instant UTC can hold (0001-01-01 at +14:00): no limit at all.
        with contextlib.suppress(OverflowError):
            qs = qs.filter(updated_at__gte=filters.updated_since.astimezone(UTC))
    if filters.cursor:
        qs = qs.filter(pk__gt=int(filters.cursor))
    rows = list(qs.order_by("pk")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    now = timezone.now()
    calendar = get_calendar()
    return Status(
        200,
        {
            "items": [_summary(c, calendar, now) for c in rows],
            "next_cursor": str(rows[-1].pk) if more else None,
        },
    )
