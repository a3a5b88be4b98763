"""好差评统计 as an Excel workbook (openpyxl): the page's table — every group, not only the
first 200 — with each 满意率's n, 95 % interval and rank under the shared rule, and a 说明
sheet with the period and the definitions."""

from __future__ import annotations

import io
from datetime import date, datetime

from django.utils import timezone
from openpyxl import Workbook  # type: ignore[import-untyped]  # ships no type information
from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]  # no types

from xiaoneng.i18n import chinese_labels, in_source_language
from xiaoneng.web import rates

from .models import Level
from .presentation import StatTable

PERCENT = "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="F0F4F8")


@in_source_language
def build(table: StatTable, start: date | None, end: date | None, now: datetime) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"按{table.label}"
    head = [table.label, *chinese_labels(Level).values(), "合计", "满意", "满意率"]
    head += ["95%区间下限", "95%区间上限"]
    if table.ranked:
        head.append("满意率排名")
    head += ["差评", "未办结整改", "超期"]
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for line in table.lines:
        row, rate = line.row, line.rate
        values: list[object] = [row.name, *row.level_list, row.total, row.good, rate.rate]
        values += [rate.low, rate.high]
        if table.ranked:
            values.append(rates.rank_text(rate))
        values += [row.bad, row.open, row.overdue]
        ws.append(values)
        for index in (len(Level.choices) + 4, len(Level.choices) + 5, len(Level.choices) + 6):
            ws.cell(ws.max_row, index).number_format = PERCENT
    ws.column_dimensions["A"].width = 28
    ws.freeze_panes = "B2"
    notes = wb.create_sheet("说明")
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    period = f"{start or '最早'} 至 {end or '今天'}"
    for key, value in (
        ("好差评统计", ""),
        ("统计维度", table.label),
        ("评价日期", period),
        ("导出时间", timezone.localtime(now).strftime("%Y-%m-%d %H:%M")),
        ("满意率", "（非常满意 + 满意 + 基本满意）÷ 全部评价；每件办件只评价一次，按评价件数计。"),
        ("区间与排名", table.note),
        ("超期", "到期未填报核实整改的，以及逾期才填报的。"),
    ):
        notes.append([key, value])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
