"""The board as an Excel workbook (openpyxl): one row per task, the filters of the page."""

from __future__ import annotations

import io
from datetime import date, datetime

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Font

from .deadlines import local_date

HEADER = [
    "任务编号",
    "来源",
    "来源说明",
    "督办级别",
    "责任单位",
    "问题",
    "状态",
    "立项日期",
    "整改时限",
    "当前环节期限",
    "完成日期",
    "超期",
    "督办",
]
WIDTHS = [16, 10, 28, 10, 22, 40, 14, 12, 12, 14, 12, 6, 6]


def _day(moment: datetime | None) -> date | None:
    return local_date(moment) if moment else None


def build(tasks: QuerySet, now: datetime) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "整改任务"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(1, n).column_letter].width = width
    for t in tasks.select_related("unit").order_by("-opened_at", "-pk").iterator(chunk_size=2000):
        sheet.append(
            [
                t.number,
                t.get_source_kind_display(),
                t.source_label,
                t.get_level_display(),
                t.unit.name,
                t.title,
                t.get_status_display(),
                _day(t.opened_at),
                _day(t.complete_by),
                _day(t.due_at) if t.deadline_open else None,
                _day(t.completed_at),
                "是" if t.late(now) else "",
                "是" if t.escalated else "",
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(today: date) -> str:
    return f"整改任务{today:%Y%m%d}.xlsx"
