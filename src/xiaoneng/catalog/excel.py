"""The catalog as an Excel workbook (openpyxl): export, and import all or nothing.

One workbook, four sheets — 事项 (one row per item), 材料, 收费, 环节 (rows keyed by 事项编码) —
plus a 填写说明 sheet that import ignores. Columns are found by their header, so their order
does not matter; a header may leave out its unit in brackets (``法定时限`` for
``法定时限（工作日）``). The format is described in ``docs/catalog.md``.

Each exported row carries the item's latest version (a pending one included), so an export
re-imports unchanged, and importing it again into the same installation changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

from django.db.models import OuterRef, QuerySet, Subquery
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from xiaoneng.accounts.actors import Actor
from xiaoneng.i18n import chinese_labels, in_source_language
from xiaoneng.org.models import Unit

from . import services
from .models import HandlingType, Material, ServiceItem, ServiceItemVersion


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = True
    width: int = 14


ITEM_SHEET, MATERIAL_SHEET, FEE_SHEET, STEP_SHEET = "事项", "材料", "收费", "环节"
HELP_SHEET = "填写说明"

ITEM_COLUMNS = (
    Column("事项编码", "code", width=18),
    Column("事项名称", "name", width=30),
    Column("实施单位编码", "unit", width=14),
    Column("办件类型", "handling_type", width=10),
    Column("事项类别", "category", width=12),
    Column("检索关键词", "keywords", width=18),
    Column("生效日期", "effective_from", width=12),
    Column("设定依据", "legal_basis", width=40),
    Column("受理条件", "conditions", width=40),
    Column("不收费", "fee_free", width=8),
    Column("法定时限（工作日）", "legal_limit_days", width=10),
    Column("承诺时限（工作日）", "committed_limit_days", width=10),
    Column("预警提前量（工作日）", "warn_days", width=10),
    Column("办理结果", "result_document", width=20),
    Column("办理地点", "where_to_apply", width=30),
    Column("办理时间", "office_hours", width=24),
    Column("咨询电话", "contact_phone", width=14),
    Column("监督投诉电话", "supervision_phone", width=14),
    Column("可网上办理", "online_available", width=10),
    Column("备注", "note", required=False, width=20),
    Column("在用", "is_active", required=False, width=6),
    Column("法定可延长（工作日）", "extension_days", required=False, width=10),
    Column("补正后计时", "correction_mode", required=False, width=16),
    Column("计时规则", "count_rule", required=False, width=12),
)
#: 补正后计时 as the sheet writes it; the import takes the words or the codes.
CORRECTION_WORDS = {"restart": "重新计算", "resume": "继续计算"}
#: 计时规则 likewise (a blank cell: 次日起算).
COUNT_WORDS = {"next_day": "次日起算", "inclusive": "含本数"}
MATERIAL_COLUMNS = (
    Column("事项编码", "item", width=18),
    Column("序号", "order", width=6),
    Column("材料名称", "name", width=36),
    Column("材料形式", "form", width=12),
    Column("份数", "copies", width=6),
    Column("必需", "mandatory", width=6),
    Column("说明", "note", required=False, width=30),
)
FEE_COLUMNS = (
    Column("事项编码", "item", width=18),
    Column("收费项目", "name", width=20),
    Column("收费标准", "standard", width=24),
    Column("金额（元）", "amount", width=10),
    Column("收费依据", "basis", width=40),
)
STEP_COLUMNS = (
    Column("事项编码", "item", width=18),
    Column("序号", "order", width=6),
    Column("环节代码", "code", width=12),
    Column("环节名称", "name", width=16),
    Column("环节时限（工作日）", "limit_days", width=10),
    Column("承办单位编码", "unit", required=False, width=14),
    Column("并联组", "parallel_group", required=False, width=8),
)
SHEETS = (
    (ITEM_SHEET, ITEM_COLUMNS),
    (MATERIAL_SHEET, MATERIAL_COLUMNS),
    (FEE_SHEET, FEE_COLUMNS),
    (STEP_SHEET, STEP_COLUMNS),
)
PART_SHEET = {"materials": MATERIAL_SHEET, "fees": FEE_SHEET, "steps": STEP_SHEET}

HELP_TEXT = (
    "事项目录导入导出格式（详见 docs/catalog.md）",
    "",
    "“事项”表每行一个事项；“材料”“收费”“环节”表按事项编码对应到事项，行的先后即收费项目的先后。",
    "办件类型填：即办件、承诺件、联办件、上报件。是否类的列填“是”或“否”。日期写作 2026-01-01。",
    "时限都以工作日计。即办件当场办结：承诺时限、预警提前量和各环节时限都填 0。",
    "承诺时限不能超过法定时限；各环节时限合计（同一并联组的环节只计其中最长的）不能超过承诺时限。",
    "法定可延长、补正后计时可不填（按电子监察规则）；补正后计时填“重新计算”或“继续计算”。",
    "材料形式填：原件、复印件、原件和复印件、电子件。不收费的事项在“收费”表中不列任何行。",
    "承办单位编码只在联办件中填写其他单位；为空表示由事项的实施单位承办。",
    "已有的事项：内容与最新版本相同则不作改动；内容不同则按“生效日期”发布新版本（不能早于今天）。",
    "导入是全有或全无：任何一处错误都不会导入任何内容，错误按工作表和行号列出。",
)


def _normal(header: Any) -> str:
    """Header text without spaces or a trailing unit in brackets."""
    text = re.sub(r"\s+", "", str(header or ""))
    return re.sub(r"[（(][^）)]*[）)]$", "", text)


# ---- export ----------------------------------------------------------------------------------


def _latest_versions(items: QuerySet[ServiceItem]) -> dict[int, ServiceItemVersion]:
    newest = Subquery(
        ServiceItemVersion.objects.filter(item=OuterRef("item"))
        .order_by("-effective_from", "-number")
        .values("pk")[:1]
    )
    versions = services.versions_with_content().filter(item__in=items.values("pk"), pk=newest)
    return {v.item_id: v for v in versions}


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


@in_source_language
def export_workbook(items: QuerySet[ServiceItem]) -> bytes:
    """The items (each with its latest version) as an .xlsx file's bytes."""
    items = items.select_related("unit").order_by("code")
    latest = _latest_versions(items)
    types = chinese_labels(HandlingType)
    forms = chinese_labels(Material.Form)
    rows: dict[str, list[list[Any]]] = {name: [] for name, _ in SHEETS}
    for item in items:
        version = latest.get(item.pk)
        if version is None:
            continue
        rows[ITEM_SHEET].append(
            [
                item.code,
                item.name,
                item.unit.code,
                types[item.handling_type],
                item.category,
                item.keywords,
                version.effective_from,
                version.legal_basis,
                version.conditions,
                _yes(version.fee_free),
                version.legal_limit_days,
                version.committed_limit_days,
                version.warn_days,
                version.result_document,
                version.where_to_apply,
                version.office_hours,
                version.contact_phone,
                version.supervision_phone,
                _yes(version.online_available),
                version.note,
                _yes(item.is_active),
                version.extension_days,
                CORRECTION_WORDS.get(version.correction_mode, ""),
                COUNT_WORDS.get(version.count_rule, ""),
            ]
        )
        for m in version.materials.all():
            rows[MATERIAL_SHEET].append(
                [item.code, m.order, m.name, forms[m.form], m.copies, _yes(m.mandatory), m.note]
            )
        for f in version.fees.all():
            rows[FEE_SHEET].append([item.code, f.name, f.standard, f.amount, f.basis])
        for s in version.steps.all():
            rows[STEP_SHEET].append(
                [
                    item.code,
                    s.order,
                    s.code,
                    s.name,
                    s.limit_days,
                    s.unit.code if s.unit_id else None,
                    s.parallel_group,
                ]
            )
    # Write-only mode streams rows instead of building every cell object: the full demo
    # catalog (~25,000 rows over the sheets) exports in well under a second this way.
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F0F4F8")
    for name, columns in SHEETS:
        sheet = book.create_sheet(name)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font, cell.fill = bold, fill
            header.append(cell)
        sheet.append(header)
        for row in rows[name]:
            sheet.append(row)
    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.column_dimensions["A"].width = 110
    for line in HELP_TEXT:
        cell = WriteOnlyCell(help_sheet, value=line)
        cell.alignment = Alignment(wrap_text=True)
        help_sheet.append([cell])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- import ----------------------------------------------------------------------------------


class WorkbookError(Exception):
    """The workbook was not imported; ``errors`` are Chinese lines by sheet and row."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class _Where:
    """Which sheet rows an item's parts came from (to point errors at them)."""

    row: int
    materials: list[int] = field(default_factory=list)
    fees: list[int] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)


@dataclass
class ImportOutcome:
    result: services.ImportResult
    items: int
    sha256: str


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(value: Any) -> date | bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", str(value).strip())
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            return False
    return False


def _read_sheets(book, errors: list[str]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    found: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for name, columns in SHEETS:
        if name not in book.sheetnames:
            errors.append(f"缺少工作表“{name}”")
            continue
        sheet = book[name]
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None) or ()
        positions = {_normal(h): i for i, h in enumerate(header) if _normal(h)}
        missing = [c.header for c in columns if c.required and _normal(c.header) not in positions]
        if missing:
            errors.append(f"工作表“{name}”缺少列：{'、'.join(missing)}")
            continue
        rows = []
        for number, values in enumerate(lines, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            row = {}
            for column in columns:
                at = positions.get(_normal(column.header))
                value = values[at] if at is not None and at < len(values) else None
                row[column.key] = value.strip() if isinstance(value, str) else value
            rows.append((number, row))
        found[name] = rows
    return found


@in_source_language
def read_workbook(
    data: bytes,
) -> tuple[list[services.ItemInput], list[_Where], list[tuple[str, int, str, str]]]:
    """Parse the workbook into item inputs; problems found on the way are returned as
    ``(sheet, row, field, message)`` (structural problems raise :class:`WorkbookError`)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise WorkbookError(["文件不是有效的 Excel 工作簿（.xlsx）"]) from exc
    structural: list[str] = []
    try:
        sheets = _read_sheets(book, structural)
    finally:
        book.close()
    if structural:
        raise WorkbookError(structural)
    problems: list[tuple[str, int, str, str]] = []
    units = {u.code: u for u in Unit.objects.all()}
    types = {label: value for value, label in chinese_labels(HandlingType).items()}
    forms = {label: value for value, label in chinese_labels(Material.Form).items()}

    def unit_of(sheet: str, number: int, raw: Any, label: str) -> Unit | None:
        code = _cell_text(raw)
        if not code:
            return None
        if code not in units:
            problems.append((sheet, number, "unit", f"{label}“{code}”不存在"))
        return units.get(code)

    inputs: list[services.ItemInput] = []
    where: list[_Where] = []
    by_code: dict[str, int] = {}
    for number, row in sheets[ITEM_SHEET]:
        code = _cell_text(row["code"])
        if code in by_code:
            first = where[by_code[code]].row
            problems.append((ITEM_SHEET, number, "code", f"事项编码“{code}”与第{first}行重复"))
            continue
        unit = unit_of(ITEM_SHEET, number, row["unit"], "实施单位编码")
        if not _cell_text(row["unit"]):
            problems.append((ITEM_SHEET, number, "unit", "请填写实施单位编码"))
        kind = _cell_text(row["handling_type"])
        day = _parse_date(row["effective_from"])
        if day is False:
            problems.append(
                (
                    ITEM_SHEET,
                    number,
                    "effective_from",
                    f"生效日期“{_cell_text(row['effective_from'])}”无法识别，应写作 2026-01-01",
                )
            )
            day = None
        active = services.parse_bool(row.get("is_active"), default=True)
        if active is None:
            problems.append((ITEM_SHEET, number, "is_active", "“在用”只能填“是”或“否”"))
        version = {k: row.get(k) for k in services.VERSION_FIELDS}
        words = {word: code for code, word in CORRECTION_WORDS.items()}
        mode = _cell_text(version.get("correction_mode"))
        version["correction_mode"] = words.get(mode, mode)
        rule = _cell_text(version.get("count_rule"))
        version["count_rule"] = {w: c for c, w in COUNT_WORDS.items()}.get(rule, rule)
        by_code[code] = len(inputs)
        inputs.append(
            services.ItemInput(
                code=code,
                name=_cell_text(row["name"]),
                unit=unit,
                handling_type=types.get(kind, kind),
                category=_cell_text(row["category"]),
                keywords=_cell_text(row["keywords"]),
                is_active=bool(active) if active is not None else True,
                effective_from=day,
                version=version,
            )
        )
        where.append(_Where(number))

    def owner(sheet: str, number: int, row: dict[str, Any]) -> int | None:
        code = _cell_text(row["item"])
        if code not in by_code:
            message = f"事项编码“{code}”在“事项”表中没有" if code else "请填写事项编码"
            problems.append((sheet, number, "item", message))
            return None
        return by_code[code]

    for number, row in sheets[MATERIAL_SHEET]:
        index = owner(MATERIAL_SHEET, number, row)
        if index is None:
            continue
        form = _cell_text(row["form"])
        inputs[index].materials.append({**row, "form": forms.get(form, form)})
        where[index].materials.append(number)
    for number, row in sheets[FEE_SHEET]:
        index = owner(FEE_SHEET, number, row)
        if index is None:
            continue
        inputs[index].fees.append(row)
        where[index].fees.append(number)
    for number, row in sheets[STEP_SHEET]:
        index = owner(STEP_SHEET, number, row)
        if index is None:
            continue
        step = {**row, "code": _cell_text(row["code"])}
        step["unit"] = unit_of(STEP_SHEET, number, row["unit"], "承办单位编码")
        inputs[index].steps.append(step)
        where[index].steps.append(number)
    return inputs, where, problems


def _locate(where: _Where, problem: services.Problem) -> tuple[str, int]:
    if problem.part in PART_SHEET and problem.index is not None:
        return PART_SHEET[problem.part], getattr(where, problem.part)[problem.index]
    return ITEM_SHEET, where.row


def _sorted_lines(problems: Iterable[tuple[str, int, str, str]]) -> list[str]:
    order = {name: i for i, (name, _) in enumerate(SHEETS)}
    lines, seen = [], set()
    for sheet, row, _, message in sorted(problems, key=lambda p: (order[p[0]], p[1])):
        line = f"{sheet} 第{row}行：{message}"
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return lines


def import_workbook(
    actor: Actor, file: BinaryIO | bytes, *, source_name: str = "", dry_run: bool = False
) -> ImportOutcome:
    """Import a workbook all or nothing. Raises :class:`WorkbookError` listing every problem
    by sheet and row ("环节 第5行：环节时限必须是正整数"); then nothing was imported."""
    data = file if isinstance(file, bytes) else file.read()
    digest = hashlib.sha256(data).hexdigest()
    inputs, where, problems = read_workbook(data)
    flagged = {(sheet, row, key) for sheet, row, key, _ in problems}
    rejected: list[tuple[int, services.Problem]] = []
    result = None
    try:
        result = services.import_items(
            actor,
            inputs,
            source=f"{source_name} sha256:{digest[:16]}".strip(),
            dry_run=dry_run or bool(problems),
        )
    except services.ImportRejected as exc:
        rejected = exc.problems
    for index, problem in rejected:
        sheet, row = _locate(where[index], problem)
        # A unit code already reported as unknown needs no second "请选择实施单位".
        if (sheet, row, problem.field or "") in flagged or (
            problem.field == "unit" and (sheet, row, "unit") in flagged
        ):
            continue
        problems.append((sheet, row, problem.field or "", problem.message))
    if problems:
        raise WorkbookError(_sorted_lines(problems))
    assert result is not None
    return ImportOutcome(result=result, items=len(inputs), sha256=digest)
