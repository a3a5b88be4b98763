"""The statistics of a period as Excel: by sanction, by cause, by unit."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook  # type: ignore[import-untyped]  # ships no type information
from openpyxl.styles import Font  # type: ignore[import-untyped]  # ships no type information

from xiaoneng.i18n import chinese, in_source_language

from .figures import Tally
from .models import Sanction


@in_source_language
def build(t: Tally) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "按处理方式"
    bold = Font(bold=True)
    sheet.append([f"责任追究统计 {t.start:%Y-%m-%d} 至 {t.end:%Y-%m-%d}"])
    sheet.append(
        [
            "立案（件）",
            t.opened,
            "涉及人次",
            t.persons,
            "不予追究（人次）",
            t.dismissed,
            "有效处理决定（人次）",
            t.sanctions,
        ]
    )
    sheet.append(["处理方式", "人次"])
    for row in t.by_sanction:
        sheet.append([chinese(row.label), row.count])
    causes = book.create_sheet("按来源")
    causes.append(["来源", "立案数"])
    for row in t.opened_by_cause:
        causes.append([chinese(row.label), row.count])
    causes.append([])
    causes.append(["来源", "有效处理决定"])
    for row in t.by_cause:
        causes.append([chinese(row.label), row.count])
    units = book.create_sheet("按单位")
    units.append(["单位", *(chinese(label) for label in Sanction.labels), "合计"])
    for name, counts, total in t.by_unit:
        units.append([name, *counts, total])
    for ws in book.worksheets:
        for cell in ws[1]:
            cell.font = bold
    out = BytesIO()
    book.save(out)
    return out.getvalue()
