"""The board as an Excel workbook (openpyxl): one row per task, the filters of the page."""

from __future__ import annotations

import io
from datetime import date, datetime

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from xiaoneng.i18n import chinese_labels, in_source_language

from .deadlines import local_date
from .models import Task
from .sources import SourceKind

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


@in_source_language
def build(tasks: QuerySet, now: datetime) -> bytes:
    """The tasks as one sheet; written row by row (openpyxl's write-only mode: the whole board
    of a city, thousands of tasks, in about a third of the time)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("整改任务")
    for n, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in HEADER:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    sources = chinese_labels(SourceKind)
    levels, statuses = chinese_labels(Task.Level), chinese_labels(Task.Status)

    def day(moment: datetime | None) -> WriteOnlyCell | None:
        if moment is None:
            return None
        cell = WriteOnlyCell(sheet, value=local_date(moment))
        cell.number_format = "yyyy-mm-dd"
        return cell

    rows = tasks.order_by("-opened_at", "-pk").values_list(
        "pk",
        "opened_at",
        "source_kind",
        "source_label",
        "level",
        "unit__name",
        "title",
        "status",
        "complete_by",
        "due_at",
        "deadline_open",
        "completed_at",
        "escalated",
    )
    # Plain values where possible: openpyxl's cell objects are what an export spends its time on.
    for (
        pk,
        opened,
        kind,
        label,
        level,
        unit,
        title,
        status,
        limit,
        due,
        watched,
        done,
        escalated,
    ) in rows.iterator(chunk_size=2000):
        late = limit is not None and (done > limit if done else status != "closed" and now > limit)
        sheet.append(
            [
                Task(pk=pk, opened_at=opened).number,
                sources.get(kind, kind),
                label,
                levels.get(level, level),
                unit,
                title,
                statuses.get(status, status),
                day(opened),
                day(limit),
                day(due) if watched else None,
                day(done),
                "是" if late else "",
                "是" if escalated else "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(today: date) -> str:
    return f"整改任务{today:%Y%m%d}.xlsx"
