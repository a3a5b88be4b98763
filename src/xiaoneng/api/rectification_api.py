"""Rectification endpoints (整改接口): a department system reads the 整改任务 of its unit's
subtree and files progress (整改进展) from its own records.

``GET /rectification/tasks`` lists (keyset pages, like the case list), ``GET
/rectification/tasks/{number}`` reads one with its problems, the approved plan's measures and the
progress reports, ``POST /rectification/tasks/{number}/progress`` files a progress report through
the same service as the unit's page, idempotent by the sender's ``report_id``. A task outside the
key's subtree reads as 404. Errors have the case API's shape (``{"code", "message", "field"}``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from xiaoneng.cases.schemas import NOT_BLANK
from xiaoneng.rectification import services
from xiaoneng.rectification.models import ProgressReport, Task
from xiaoneng.rectification.sources import SourceKind

from .bodies import parse_body
from .cases_api import CURSOR_PATTERN, Instant, Labelled, Ref, _read_json
from .errors import ApiError, ErrorOut
from .models import ApiKey

router = Router()
PAGE_MAX = 500
NUMBER = re.compile(r"ZG(\d{4})(\d{6,})")


# ---- schemas ---------------------------------------------------------------------------------


class ProblemOut(Schema):
    order: int
    title: str
    detail: str


class MeasureOut(Schema):
    order: int
    problem: int = Field(description="针对的问题序号")
    cause_kind: Labelled
    cause: str
    action: str
    responsible_unit: Ref
    due_date: date
    standard: str = Field(description="验收标准")
    done_note: str | None = Field(description="完成情况（责任单位报告后）")
    done_at: datetime | None


class ProgressOut(Schema):
    due_on: date | None = Field(description="按进展报告计划应报的日期；主动报告的为 null")
    status: Labelled
    text: str
    filed_at: datetime | None
    report_id: str | None = Field(description="来源系统的报告编号（经接口报告的）")


class TaskSummaryOut(Schema):
    number: str = Field(description="整改任务编号，如 ZG2026000123")
    title: str
    source: Labelled
    source_label: str
    level: Labelled
    status: Labelled
    unit: Ref
    opened_at: datetime
    complete_by: datetime | None = Field(description="整改时限（含批准的延期）")
    due_at: datetime | None = Field(description="当前环节的到期时刻；不在监察中为 null")
    overdue: bool = Field(description="当前环节已过期限")
    escalated: bool = Field(description="已超期督办")
    completed_at: datetime | None
    updated_at: datetime


class TaskOut(TaskSummaryOut):
    problems: list[ProblemOut]
    measures: list[MeasureOut] = Field(description="已审核通过的整改方案的措施")
    progress: list[ProgressOut]


class TaskPageOut(Schema):
    items: list[TaskSummaryOut]
    next_cursor: str | None


class ProgressIn(BaseModel):
    """整改进展 from a department system."""

    model_config = ConfigDict(extra="forbid")

    report_id: str = Field(
        min_length=1,
        max_length=100,
        pattern=NOT_BLANK,
        description="来源系统的报告编号（幂等：重发只记一次）",
    )
    text: str = Field(min_length=1, max_length=5000, pattern=NOT_BLANK, description="进展情况")


class ProgressFiledOut(Schema):
    number: str
    report_id: str
    due_on: date | None
    filed_at: datetime
    created: bool = Field(description="true 本次新报告；false 同一编号以前已报告（重发）")


READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut}
WRITE_ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    503: ErrorOut,
}
_MESSAGES = {
    "missing": "缺少必填字段",
    "string_type": "应为字符串",
    "string_too_short": "不能为空",
    "string_too_long": "太长",
    "extra_forbidden": "不认识的字段",
    "string_pattern_mismatch": "不能为空白",
    "model_type": "应为 JSON 对象",
}


# ---- helpers ---------------------------------------------------------------------------------


def _visible(key: ApiKey):
    return Task.objects.filter(unit__path__startswith=key.unit.path).select_related("unit")


def _get(key: ApiKey, number: str) -> Task:
    match = NUMBER.fullmatch(number.strip().upper()) if len(number) <= 30 else None
    task = _visible(key).filter(pk=int(match.group(2))).first() if match else None
    if task is None or task.number != number.strip().upper():
        # The same answer whether the task is missing or belongs to another unit.
        raise ApiError(404, "not_found", f"没有编号为“{number}”的整改任务", "number")
    return task


def _labelled(code: str, label: Any) -> dict[str, str]:
    return {"code": code, "label": str(label)}


def _summary(t: Task, now: datetime) -> dict[str, Any]:
    return {
        "number": t.number,
        "title": t.title,
        "source": _labelled(t.source_kind, t.get_source_kind_display()),
        "source_label": t.source_label,
        "level": _labelled(t.level, t.get_level_display()),
        "status": _labelled(t.status, t.get_status_display()),
        "unit": {"code": t.unit.code, "name": t.unit.name},
        "opened_at": t.opened_at,
        "complete_by": t.complete_by,
        "due_at": t.due_at if t.deadline_open else None,
        "overdue": bool(t.deadline_open and t.due_at and t.due_at < now),
        "escalated": t.escalated,
        "completed_at": t.completed_at,
        "updated_at": t.updated_at,
    }


# ---- endpoints -------------------------------------------------------------------------------


class TaskFilter(Schema):
    status: Literal[tuple(Task.Status.values)] | None = Field(  # type: ignore[valid-type]
        None, description="状态"
    )
    source: Literal[tuple(SourceKind.values)] | None = Field(  # type: ignore[valid-type]
        None, description="来源"
    )
    updated_since: Instant | None = Field(None, description="只要此时刻（含）以后变化过的")
    limit: int = Field(100, ge=1, le=PAGE_MAX, description=f"每页条数，最多 {PAGE_MAX}")
    cursor: str | None = Field(
        None, pattern=CURSOR_PATTERN, description="上一页返回的 next_cursor，原样传回；第一页不传"
    )


@router.get(
    "/tasks",
    response={200: TaskPageOut, **READ_ERRORS},
    summary="整改任务列表 List rectification tasks",
    description=(
        "本密钥所属单位及下级单位的整改任务，按内部顺序分页：把 next_cursor 原样传回取下一页。\n\n"
        "The tasks of the key's unit subtree, keyset pages: pass next_cursor back until null."
    ),
)
def list_tasks(request: HttpRequest, filters: Query[TaskFilter]):
    qs = _visible(request.auth)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.source:
        qs = qs.filter(source_kind=filters.source)
    if filters.updated_since is not None:
        try:
            qs = qs.filter(updated_at__gte=filters.updated_since.astimezone(UTC))
        except OverflowError as error:
            raise ApiError(
                422, "invalid", "updated_since：时间超出范围", "updated_since"
            ) from error
    if filters.cursor:
        qs = qs.filter(pk__gt=int(filters.cursor))
    rows = list(qs.order_by("pk")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    now = datetime.now(UTC)
    return Status(
        200,
        {
            "items": [_summary(t, now) for t in rows],
            "next_cursor": str(rows[-1].pk) if more else None,
        },
    )


@router.get(
    "/tasks/{number}",
    response={200: TaskOut, **READ_ERRORS},
    summary="查询整改任务 Read a rectification task",
    description="问题、已通过的整改方案的措施（不含责任人姓名）、进展报告。",
)
def get_task(request: HttpRequest, number: str):
    t = _get(request.auth, number)
    plan = services.approved_plan(t)
    measures = (
        plan.measures.select_related("problem", "responsible_unit") if plan is not None else []
    )
    return Status(
        200,
        {
            **_summary(t, datetime.now(UTC)),
            "problems": [
                {"order": p.order, "title": p.title, "detail": p.detail} for p in t.problems.all()
            ],
            "measures": [
                {
                    "order": m.order,
                    "problem": m.problem.order,
                    "cause_kind": _labelled(m.cause_kind, m.get_cause_kind_display()),
                    "cause": m.cause,
                    "action": m.action,
                    "responsible_unit": {
                        "code": m.responsible_unit.code,
                        "name": m.responsible_unit.name,
                    },
                    "due_date": m.due_date,
                    "standard": m.standard,
                    "done_note": m.done_note or None,
                    "done_at": m.done_at,
                }
                for m in measures
            ],
            "progress": [
                {
                    "due_on": r.due_on,
                    "status": _labelled(r.status, r.get_status_display()),
                    "text": r.text,
                    "filed_at": r.filed_at,
                    "report_id": r.external_id or None,
                }
                for r in t.progress.order_by("due_on", "pk")
            ],
        },
    )


def _parse(raw: Any) -> ProgressIn:
    return parse_body(ProgressIn, raw, messages=_MESSAGES, bad_text_code="invalid")


@router.post(
    "/tasks/{number}/progress",
    response={200: ProgressFiledOut, 201: ProgressFiledOut, **WRITE_ERRORS},
    summary="报告整改进展 File progress",
    description=(
        "201：已报告（填入进展报告计划中最早未报的一期，没有则作为主动报告）；200：同一 "
        "report_id 以前已报告且内容相同；409 report_id_conflict：同一 report_id 已用于不同内容；"
        "409 invalid_state：任务当前不在整改中（如已办结）；422：字段错误。\n\n"
        "201 filed; 200 the same report_id was filed before with the same text; 409 the "
        "report_id was used for other text, or the task is not under way (e.g. closed)."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ProgressIn.model_json_schema()}},
        }
    },
)
def post_progress(request: HttpRequest, number: str):
    key: ApiKey = request.auth
    task = _get(key, number)
    data = _parse(_read_json(request))
    existing = ProgressReport.objects.filter(
        external_source=key.source, external_id=data.report_id
    ).first()
    if existing is not None and (existing.task_id != task.pk or existing.text != data.text.strip()):
        raise ApiError(
            409,
            "report_id_conflict",
            f"报告编号“{data.report_id}”已用于另一份进展报告",
            "report_id",
        )
    try:
        filed = services.report_progress(
            key.actor_name,
            task,
            text=data.text,
            external=services.ExternalReport(key.source, data.report_id),
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            field, messages = next(iter(error.message_dict.items()))
            raise ApiError(422, "invalid", messages[0], field) from error
        raise ApiError(409, "invalid_state", error.messages[0]) from error
    r = filed.report
    return Status(
        201 if filed.created else 200,
        {
            "number": task.number,
            "report_id": r.external_id,
            "due_on": r.due_on,
            "filed_at": r.filed_at,
            "created": filed.created,
        },
    )
