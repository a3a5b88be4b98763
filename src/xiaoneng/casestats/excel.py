"""办件统计 as an Excel workbook (openpyxl): the dashboard's figures, one sheet per breakdown —
按单位 (the same rows as the dashboard's unit table), 按事项 (every item), 按窗口, 按月份 — and a
说明 sheet with the filters and the definitions. Rates are numbers formatted as percentages, so
the office can sort and chart them in Excel."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from xiaoneng.catalog.models import HandlingType
from xiaoneng.i18n import chinese_labels, in_source_language
from xiaoneng.org.models import Unit
from xiaoneng.scoring.rates import RankedRate
from xiaoneng.web import rates

from . import services
from .services import Figures, Row

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User

SHEETS = ("按单位", "按事项", "按窗口", "按月份")
HEADER_FILL = PatternFill("solid", fgColor="F0F4F8")
BOLD = Font(bold=True)
WRAP = Alignment(vertical="center", wrap_text=True)
TOP_WRAP = Alignment(vertical="top", wrap_text=True)
PERCENT = "0.0%"
DECIMAL = "0.0"

Getter = Callable[[Row], Any]
# (header, value, number format, width)
Column = tuple[str, Getter, str | None, int]


def _f(name: str) -> Getter:
    return lambda row: getattr(row.figures, name)


RATE_COLUMNS: list[Column] = [
    ("办结件数", _f("finished"), None, 10),
    ("按时办结件数", _f("on_time"), None, 12),
    ("按时办结率", _f("on_time_rate"), PERCENT, 11),
    ("超时办结件数", _f("late"), None, 12),
    ("承诺件办结件数", _f("promised_finished"), None, 14),
    ("承诺件按时办结件数", _f("promised_on_time"), None, 16),
    ("承诺件办结率", _f("promised_rate"), PERCENT, 12),
    ("提前办结件数", _f("early"), None, 12),
    ("提前办结率", _f("early_rate"), PERCENT, 11),
    ("平均用时（工作日）", _f("average_days"), DECIMAL, 16),
]
DURATION_COLUMNS: list[Column] = [
    ("用时中位数（工作日）", _f("median_days"), None, 18),
    ("用时P90（工作日）", _f("p90_days"), None, 16),
]


def _on_time(row: Row) -> RankedRate | None:
    """The row's 按时办结率 with n and interval: as ranked, or alone (months, totals)."""
    if row.rate is not None:
        return row.rate
    f = row.figures
    return rates.single(f.on_time, f.finished) if f.finished else None


INTERVAL_COLUMNS: list[Column] = [
    ("按时办结率95%区间下限", lambda r: (rate := _on_time(r)) and rate.low, PERCENT, 12),
    ("按时办结率95%区间上限", lambda r: (rate := _on_time(r)) and rate.high, PERCENT, 12),
]
RANK_COLUMNS: list[Column] = [
    ("按时办结率排名", lambda r: rates.rank_text(r.rate) if r.rate else "", None, 14),
]
LIVE_COLUMNS: list[Column] = [
    ("当前在办件数", _f("open"), None, 12),
    ("当前超期未办结", _f("overdue"), None, 14),
]
CARD_COLUMNS: list[Column] = [
    ("黄牌", _f("yellow_cards"), None, 6),
    ("红牌", _f("red_cards"), None, 6),
]

DEFINITIONS = [
    (
        "办结件数",
        "统计期内办结（准予或不予许可）的办件数，按办结时间（北京时间）所在月份计；"
        "不予受理、退回的不计入。",
    ),
    (
        "按时办结率",
        "按时办结件数 ÷ 办结件数。按时 = 办结时刻不晚于承诺时限（含批准的延期）届满时刻。",
    ),
    ("承诺件办结率", "承诺件（办件类型为“承诺件”的事项）中按时办结件数 ÷ 承诺件办结件数。"),
    ("提前办结率", "已用工作日少于承诺时限（含延期）的办结件数 ÷ 办结件数。"),
    ("平均用时", "办结件已用工作日之和 ÷ 办结件数（补正、特别程序期间不计）。"),
    ("用时中位数、P90", "按最近秩法：至少 50%／90% 的办结件用时不超过的最小工作日数。"),
    (
        "当前在办、超期未办结",
        "导出时刻仍在办理（办理中、补正中、特别程序中）的办件数，"
        "及其中已过承诺时限的件数；不受统计周期限制。",
    ),
    ("黄牌、红牌", "统计期内亮出的牌（按亮牌时间），已撤销的不计；不受办件类型筛选影响。"),
    (
        "区间与排名",
        rates.rule_note(services.RATE_RULE)
        + "按单位、按事项、按窗口各表分别排名；“单位直接受理”的合并行和合计行不排名。",
    ),
    ("按单位", "与统计页的单位表相同：所选单位的各下级单位（含其全部下属单位）及本级。"),
    (
        "按窗口",
        "按受理窗口；未经窗口受理的办件计在承办单位名下（类型为“单位直接受理”）。"
        "用时分布的汇总表不分窗口，故本表没有中位数和P90。",
    ),
]


def _plain(value: Any) -> Any:
    """A lazy label (a choice's) as its text: openpyxl accepts only real strings."""
    return str(value) if isinstance(value, Promise) else value


def _cell(ws, value: Any, **style: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_plain(value))
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _sheet(wb: Workbook, title: str, head: list[Column], rows: list[Row]) -> None:
    # Write-only sheets: every cell is written once, in order, about twice as fast as the
    # ordinary workbook for the few thousand items of a large catalog.
    ws = wb.create_sheet(title)
    for index, (_, _, _, width) in enumerate(head, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "B2"
    ws.append([_cell(ws, h, font=BOLD, fill=HEADER_FILL, alignment=WRAP) for h, *_ in head])
    for row in rows:
        ws.append(
            [
                _cell(ws, getter(row), number_format=number_format)
                if number_format
                else _plain(getter(row))
                for _, getter, number_format, _ in head
            ]
        )


def _total_row(rows: list[Row], label: str = "合计") -> Row:
    figures = Figures(open=0, overdue=0)
    for row in rows:
        figures.add(row.figures)
    return Row(None, label, figures)


@in_source_language
def build_workbook(user: User, filters: services.Filters, now: datetime | None = None) -> bytes:
    """The workbook for ``filters`` within the user's scope."""
    now = now or timezone.now()
    scope = services.scope_of(user)
    focus = filters.unit or scope.base
    frame = services.frame_for(scope, focus)

    cards = services.card_rows(user, filters, frame)
    parts = services.unit_and_month_breakdowns(user, filters, frame, now, cards=cards)
    units, months = parts.units, parts.months
    services.month_durations(filters, frame, months)
    items = services.item_breakdown(user, filters, frame, now)
    windows = services.window_breakdown(filters, frame, lump_units=False)

    wb = Workbook(write_only=True)
    label: Column = ("单位", lambda r: r.label, None, 28)
    _sheet(
        wb,
        "按单位",
        [
            label,
            *RATE_COLUMNS,
            *INTERVAL_COLUMNS,
            *RANK_COLUMNS,
            *DURATION_COLUMNS,
            *LIVE_COLUMNS,
            *CARD_COLUMNS,
        ],
        [*units, _total_row(units)] if units else [],
    )
    _sheet(
        wb,
        "按事项",
        [
            ("事项编码", lambda r: r.extra.get("code", ""), None, 18),
            ("事项名称", lambda r: r.label, None, 32),
            ("办件类型", lambda r: r.extra.get("handling_type", ""), None, 10),
            ("实施单位", lambda r: r.extra.get("unit", ""), None, 20),
            *RATE_COLUMNS,
            *INTERVAL_COLUMNS,
            *RANK_COLUMNS,
            *DURATION_COLUMNS,
            *LIVE_COLUMNS,
        ],
        items,
    )
    _sheet(
        wb,
        "按窗口",
        [
            ("受理窗口／单位", lambda r: r.label, None, 28),
            ("类型", lambda r: r.extra.get("kind", ""), None, 14),
            *RATE_COLUMNS,
            *INTERVAL_COLUMNS,
            *RANK_COLUMNS,
        ],
        windows,
    )
    _sheet(
        wb,
        "按月份",
        [
            ("月份", lambda r: f"{r.key:%Y-%m}", None, 10),
            *RATE_COLUMNS,
            *INTERVAL_COLUMNS,
            *DURATION_COLUMNS,
        ],
        months,
    )
    _notes(wb, filters, focus, now)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _notes(wb: Workbook, filters: services.Filters, focus: Unit | None, now: datetime) -> None:
    ws = wb.create_sheet("说明")
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 90
    kind = chinese_labels(HandlingType).get(filters.handling_type, "全部")
    ws.append([_cell(ws, "办件统计", font=Font(bold=True, size=14))])
    for key, value in (
        ("统计周期", filters.period.label),
        ("单位范围", focus.name if focus else "全部单位"),
        ("办件类型", kind),
        ("导出时间", timezone.localtime(now).strftime("%Y-%m-%d %H:%M")),
    ):
        ws.append([key, value])
    ws.append([])
    ws.append([_cell(ws, "口径说明", font=BOLD)])
    for key, value in DEFINITIONS:
        ws.append([key, _cell(ws, value, alignment=TOP_WRAP)])
