"""Assessment endpoints (绩效考评接口): read published results and a unit's scorecard.

``GET /assessment/periods`` lists the published periods; ``GET /assessment/periods/{id}/results``
gives every unit's published score, interval, rank, grade, 末位 status and pay coefficient;
``GET /assessment/periods/{id}/units/{code}`` a unit's scorecard with each component's raw value,
records, score and interval — for a published period any unit, for one in preview only the
key's own subtree (its unit reviews it). Anything else reads as 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Router, Schema, Status
from pydantic import Field

from xiaoneng.assessment import components
from xiaoneng.assessment.models import Period, Result

from .cases_api import Labelled, Ref
from .errors import ApiError
from .models import ApiKey
from .rectification_api import READ_ERRORS

router = Router()
#: A period's id as the database keeps it (a larger number is refused as 422, not looked up).
PeriodId = Annotated[int, Path(ge=1, le=2**31 - 1, description="考评期编号")]
UnitCode = Annotated[str, Path(min_length=1, max_length=30, description="单位代码")]


class PeriodOut(Schema):
    id: int
    name: str
    kind: Labelled
    start: date
    end: date
    status: Labelled
    published_at: datetime | None
    document_number: str = Field(description="通报文号")


class ResultOut(Schema):
    unit: Ref
    category: str
    score: float | None = Field(description="总分；无数据为 null")
    low: float | None = Field(description="总分区间下限（比例类指标的95%区间合成）")
    high: float | None
    rank: int | None = Field(description="类别内名次，并列同名次（1,2,2,4）")
    category_size: int
    grade: str | None
    last_place: Labelled = Field(description="末位：last / not_distinguishable / not_last")
    coefficient: float | None = Field(description="绩效工资系数")


class ComponentOut(Schema):
    source: str
    label: str
    formula: str
    weight: float
    zero_at: float
    full_at: float
    value: float | None = Field(description="原始值")
    count: int | None = Field(description="比例类指标的分子")
    n: int | None = Field(description="所依据的记录数")
    score: float | None = Field(description="指标得分（0～100）")
    low: float | None
    high: float | None
    few_records: bool = Field(description="记录少，不确定性大")


class AdjustmentOut(Schema):
    label: str
    amount: float


class ScorecardOut(ResultOut):
    period: str
    published: bool
    base: float | None = Field(description="指标加权得分")
    components: list[ComponentOut]
    adjustments: list[AdjustmentOut]
    rank_bonus: float
    consecutive_last: float = Field(description="月度末位扣分")
    veto: list[str]


def _labelled(code: str, label: Any) -> dict[str, str]:
    return {"code": code, "label": str(label)}


def _period(p: Period) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": _labelled(p.kind, p.get_kind_display()),
        "start": p.start,
        "end": p.end,
        "status": _labelled(p.status, p.get_status_display()),
        "published_at": p.published_at,
        "document_number": p.document_number,
    }


def _result(r: Result) -> dict[str, Any]:
    return {
        "unit": {"code": r.unit.code, "name": r.unit.name},
        "category": r.category.name,
        "score": r.score,
        "low": r.low,
        "high": r.high,
        "rank": r.rank,
        "category_size": r.category_size,
        "grade": r.grade or None,
        "last_place": _labelled(r.last, r.get_last_display()),
        "coefficient": r.coefficient,
    }


def _published(period_id: int) -> Period:
    p = Period.objects.filter(pk=period_id, status=Period.Status.PUBLISHED).first()
    if p is None:
        raise ApiError(404, "not_found", f"没有已公布的考评期{period_id}", "period_id")
    return p


@router.get(
    "/periods",
    response={200: list[PeriodOut], **READ_ERRORS},
    summary="已公布的考评期 Published assessment periods",
)
def list_periods(request: HttpRequest):
    periods = Period.objects.filter(status=Period.Status.PUBLISHED).order_by("-start", "kind")
    return Status(200, [_period(p) for p in periods])


@router.get(
    "/periods/{period_id}/results",
    response={200: list[ResultOut], **READ_ERRORS},
    summary="考评结果 Published results of a period",
    description="各单位的总分、区间、类别内名次、等次、末位认定和绩效系数。",
)
def list_results(request: HttpRequest, period_id: PeriodId):
    p = _published(period_id)
    rows = Result.objects.filter(period=p).select_related("unit", "category")
    return Status(200, [_result(r) for r in rows])


@router.get(
    "/periods/{period_id}/units/{unit_code}",
    response={200: ScorecardOut, **READ_ERRORS},
    summary="单位评分卡 A unit's scorecard",
    description=(
        "每项指标的原始值、记录数、得分和区间，加减分与名次加减分。已公布的考评期可读任何单位；"
        "预览中的只可读本密钥所属单位及下级单位。"
    ),
)
def get_scorecard(request: HttpRequest, period_id: PeriodId, unit_code: UnitCode):
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    r = (
        Result.objects.filter(period_id=period_id, unit__code=unit_code)
        .select_related("unit", "category", "period")
        .first()
    )
    visible = r is not None and (
        r.period.is_published
        or (r.period.status != Period.Status.DRAFT and r.unit.path.startswith(key.unit.path))
    )
    if r is None or not visible:
        raise ApiError(404, "not_found", f"没有单位“{unit_code}”在该考评期的评分", "unit_code")
    detail = r.detail
    return Status(
        200,
        {
            **_result(r),
            "period": r.period.name,
            "published": r.period.is_published,
            "base": r.base,
            "components": [
                {
                    "source": c["source"],
                    "label": c["label"],
                    "formula": getattr(components.REGISTRY.get(c["source"]), "formula", ""),
                    "weight": c["weight"],
                    "zero_at": c["zero_at"],
                    "full_at": c["full_at"],
                    "value": c["value"],
                    "count": c["count"],
                    "n": c["n"],
                    "score": c["score"],
                    "low": c["low"],
                    "high": c["high"],
                    "few_records": c["few"],
                }
                for c in detail.get("components", [])
            ],
            "adjustments": [
                {"label": a["label"], "amount": a["amount"]} for a in detail.get("adjustments", [])
            ],
            "rank_bonus": detail.get("rank_bonus", 0.0),
            "consecutive_last": detail.get("consecutive_last", 0.0),
            "veto": detail.get("veto", []),
        },
    )
