"""The documents of a period: the Word 通报 (年度绩效考评结果通报), the scoring workbook from
which ``tools/redo_assessment.py`` recomputes every score, and the pay coefficients for the
finance office (绩效系数及第十三个月绩效工资表)."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]  # ships no type information
from openpyxl.styles import Font  # type: ignore[import-untyped]  # ships no type information

from xiaoneng.i18n import chinese, in_source_language
from xiaoneng.rectification.deadlines import local_date
from xiaoneng.web.worddoc import (
    heading,
    issuer,
    masthead,
    new_document,
    para,
    signature,
    table,
    to_bytes,
)

from .models import Entry, Period, Result
from .services import SETTINGS, scheme_input

LAST_LABELS = dict(Result.Last.choices)

GUIDE = (
    "本工作簿载有考评期内各单位每项指标的原始数据、考评方案和公布结果。",
    "用 tools/redo_assessment.py（只需 Python 标准库和 openpyxl）可由“方案”“指标”“加减分项”"
    "“否决项”“单位数据”“录入”“月度末位”各表重算“结果”表的每一个数。",
    "指标得分 = clamp(100 × (原始值 − 计0分的值) ÷ (计满分的值 − 计0分的值), 0, 100)；",
    "基础得分 = Σ 权重 × 指标得分 ÷ Σ 权重（只计有数据的指标）；",
    "加减分：每项 = 每次分值 × 次数，限于该项上限；加分合计、扣分合计各限于方案上限；",
    "月度末位扣分：每个末位月扣该分值，连续末位逐月加倍，限于上限；",
    "名次加减分：按“基础得分 + 加减分”在类别内并列排名（1,2,2,4），前几名加分、后几名扣分；",
    "区间：比例类指标用 Wilson 95% 区间换算为得分区间，按权重合成；",
    "末位：类别内倒数若干名中，得分区间上限低于其余每个单位得分区间下限的，才认定为末位。",
)


def _bold(ws: Any, row: list[object]) -> None:
    ws.append(row)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)


@in_source_language
def workbook(period: Period) -> bytes:
    """计分工作簿 (.xlsx): everything needed to recompute the results, and the results."""
    wb = Workbook()
    guide = wb.active
    guide.title = "说明"
    guide.append([f"{period.name}绩效考评计分工作簿"])
    for line in GUIDE:
        guide.append([line])
    settings, comps, adjusts, vetoes = (
        wb.create_sheet(t) for t in ("方案", "指标", "加减分项", "否决项")
    )
    _bold(settings, ["单位类别", "参数", "值"])
    _bold(comps, ["单位类别", "数据来源", "指标名称", "权重", "计0分的值", "计满分的值"])
    _bold(adjusts, ["单位类别", "代码", "名称", "每次分值", "上限"])
    _bold(vetoes, ["单位类别", "代码", "名称", "认定规则", "等次封顶"])
    for scheme in period.schemes.select_related("category"):
        data = scheme_input(scheme)
        cat = scheme.category.name
        settings.append([cat, "version", scheme.version])
        for name in SETTINGS:
            settings.append([cat, name, getattr(data, name)])
        for c in data.components:
            comps.append([cat, c.source, c.label, c.weight, c.zero_at, c.full_at])
        for a in data.adjustments:
            adjusts.append([cat, a.key, a.label, a.points, a.cap])
        for v in data.vetoes:
            vetoes.append([cat, v.key, v.label, v.rule, v.cap_grade])
    results = list(
        Result.objects.filter(period=period)
        .select_related("unit", "category")
        .order_by("category__sort_order", "rank", "unit__sort_order")
    )
    figures = wb.create_sheet("单位数据")
    _bold(
        figures,
        ["单位类别", "单位代码", "单位", "数据来源", "原始值", "计数", "记录数", "比例基数"],
    )
    for r in results:
        for c in r.detail.get("components", []):
            figures.append(
                [
                    r.category.name,
                    r.unit.code,
                    r.unit.name,
                    c["source"],
                    c["value"],
                    c["count"],
                    c["n"],
                    c["scale"],
                ]
            )
    entries = wb.create_sheet("录入")
    _bold(entries, ["单位代码", "类型", "项目", "数值", "依据"])
    for e in (
        Entry.objects.filter(period=period)
        .select_related("unit")
        .order_by("unit__code", "kind", "key")
    ):
        entries.append([e.unit.code, e.kind, e.key, e.value, e.basis])
    months = wb.create_sheet("月度末位")
    _bold(months, ["单位代码", "各月是否末位（1是0否，按月份先后）"])
    for r in results:
        flags = r.detail.get("monthly_last", [])
        if flags:
            months.append([r.unit.code, ",".join("1" if f else "0" for f in flags)])
    sheet = wb.create_sheet("结果")
    _bold(
        sheet,
        [
            "单位类别",
            "单位代码",
            "单位",
            "基础得分",
            "总分",
            "区间下限",
            "区间上限",
            "名次",
            "等次",
            "末位",
            "绩效系数",
        ],
    )
    for r in results:
        sheet.append(
            [
                r.category.name,
                r.unit.code,
                r.unit.name,
                r.base,
                r.score,
                r.low,
                r.high,
                r.rank,
                r.grade,
                r.last,
                r.coefficient,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@in_source_language
def pay_workbook(period: Period) -> bytes:
    """绩效系数表 for the finance office: per unit the grade, the coefficient and the 13th-month
    pay as a share of one month's pay (seed 000: 第13月工资作为绩效工资)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "绩效系数"
    _bold(ws, [f"{period.name}绩效考评结果运用：绩效工资系数"])
    _bold(
        ws,
        [
            "单位代码",
            "单位",
            "单位类别",
            "总分",
            "名次",
            "等次",
            "末位",
            "绩效系数",
            "第十三个月绩效工资（月工资的%）",
        ],
    )
    for r in Result.objects.filter(period=period).select_related("unit", "category"):
        ws.append(
            [
                r.unit.code,
                r.unit.name,
                r.category.name,
                r.score,
                r.rank,
                r.grade or "无数据",
                "末位" if r.last == Result.Last.LAST else "",
                r.coefficient,
                round(100 * r.coefficient, 1) if r.coefficient is not None else None,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@in_source_language
def report(period: Period) -> bytes:
    """年度绩效考评结果通报 (.docx)."""
    results = list(
        Result.objects.filter(period=period)
        .select_related("unit", "category")
        .order_by("category__sort_order", "rank", "unit__sort_order")
    )
    first = results[0].unit if results else None
    office = issuer(first)
    doc = new_document()
    masthead(doc, office, period.document_number, f"关于{period.name}绩效考评结果的通报")
    para(doc, "各单位：", indent=False)
    para(
        doc,
        f"根据机关效能建设考评办法，{period.name}绩效考评按各类别考评方案，从办件时效、效能投诉、"
        "好差评、整改落实、目标任务等方面，依据电子监察系统记录的数据计分，经结果预览、单位核对和异议"
        "处理，现将结果通报如下。",
    )
    by_category: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_category[r.category.name].append(r)
    n = 0
    for category, rows in by_category.items():
        n += 1
        heading(doc, n, f"{category}（{len(rows)}个单位）")
        table(
            doc,
            ["名次", "单位", "总分", "区间", "等次", "备注"],
            [
                [
                    r.rank or "—",
                    r.unit.name,
                    f"{r.score:.2f}" if r.score is not None else "无数据",
                    f"{r.low:.1f}～{r.high:.1f}" if r.low is not None else "—",
                    r.grade or "—",
                    chinese(LAST_LABELS[r.last]) if r.last != Result.Last.NOT_LAST else "",
                ]
                for r in rows
            ],
        )
    n += 1
    heading(doc, n, "结果运用")
    lasts = [r.unit.name for r in results if r.last == Result.Last.LAST]
    para(
        doc,
        (
            f"{'、'.join(lasts)}被认定为末位，由效能办下达整改任务，限期整改。"
            if lasts
            else "本期没有单位被认定为末位。"
        )
        + "排名靠后但得分与其他单位的差异在统计上不可区分的，不认定为末位。"
        "考评结果与单位绩效工资系数挂钩，系数表另送财政部门。",
    )
    para(doc, "各单位得分的每一项原始数据和计算过程见计分工作簿，任何人可据以重算。")
    signature(
        doc,
        office,
        local_date(period.published_at) if period.published_at else local_date(period.created_at),
    )
    return to_bytes(doc)
