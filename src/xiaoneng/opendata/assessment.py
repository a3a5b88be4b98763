"""开放数据: published 绩效考评 results — each unit's score with its published interval, rank
within its category (only where the data distinguishes it), grade and 末位 judgement, for the
assessment periods published in the month. The same figures as the 年度绩效考评结果通报
(``assessment.documents.report``) and the assessment's published results (docs/open-data.md).

Not suppressed: a unit's result rests on all its records, never on one person.
"""

from __future__ import annotations

from xiaoneng.i18n import chinese

from .datasets import MONTH, UNIT, UNIT_CODE, _month_text
from .registry import Dataset, Field, Row, Snapshot, register


def assessment_units(s: Snapshot) -> list[Row]:
    from xiaoneng.assessment.models import Period, Result

    published = Period.objects.filter(
        status=Period.Status.PUBLISHED,
        published_at__gte=s.period.start,
        published_at__lt=s.period.end,
    )
    results = (
        Result.objects.filter(period__in=published)
        .select_related("period", "unit", "category")
        .order_by("period__end", "period_id", "category__sort_order", "rank", "unit__code")
    )
    return [
        (
            _month_text(s),
            r.period.name,
            r.category.name,
            r.unit.code,
            r.unit.name,
            round(r.score, 2) if r.score is not None else None,
            round(r.low, 1) if r.low is not None else None,
            round(r.high, 1) if r.high is not None else None,
            r.rank,
            r.category_size,
            r.grade,
            chinese(r.get_last_display()) if r.last != Result.Last.NOT_LAST else "",
        )
        for r in results
    ]


register(
    Dataset(
        name="assessment",
        title="绩效考评结果（当月公布的）",
        description=(
            "当月公布的绩效考评各单位结果：总分及其区间、类别内名次（与其他单位不可区分的不排名）、"
            "等次和末位判定。与结果通报相同。"
        ),
        fields=(
            MONTH,
            Field("period", "string", "考评期", required=True),
            Field("category", "string", "单位类别"),
            UNIT_CODE,
            UNIT,
            Field("score", "number", "总分", "百分制；无数据的单位为空", "分"),
            Field("score_low", "number", "总分区间下限", "公布的不确定区间", "分"),
            Field("score_high", "number", "总分区间上限", "公布的不确定区间", "分"),
            Field("rank", "integer", "类别内名次", "数据不能区分的不排名（空）", "名"),
            Field("category_size", "integer", "类别内单位数", "", "个"),
            Field("grade", "string", "等次"),
            Field("last_place", "string", "末位判定", "末位、末位不可区分或空"),
        ),
        rows=assessment_units,
        primary_key=("month", "period", "unit_code"),
        same_as="绩效考评结果通报（效考通，/office/bulletins/issued/）与考评结果页",
        order=55,
    )
)
