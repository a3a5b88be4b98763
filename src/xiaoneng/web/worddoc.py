"""Word documents in the usual 公文 layout (python-docx), shared by every document the platform
writes: the complaint bulletins (投诉通报) and the evaluation campaigns' 整改通知书.

East Asian text needs its font in ``w:eastAsia``: python-docx's ``font.name`` sets only the
Latin slots, and Word would then fall back to a default CJK font. Every run written through
these helpers gets both.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
#: Second-level headings (（一）…) of a 公文 are set in 楷体.
SUBHEADING_FONT = "楷体"
CN_NUM = "一二三四五六七八九十"
#: Characters XML 1.0 forbids: text typed by the public may contain them, and lxml refuses
#: them, so they are dropped (they are invisible anyway).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

__all__ = [
    "BODY_FONT",
    "CN_NUM",
    "HEADING_FONT",
    "SUBHEADING_FONT",
    "TITLE_FONT",
    "cn_date",
    "cn_numeral",
    "heading",
    "issuer",
    "masthead",
    "new_document",
    "para",
    "plain",
    "set_fonts",
    "signature",
    "style_defaults",
    "table",
    "to_bytes",
    "xml_safe",
]


def set_fonts(run: Run, east_asian: str, size: float | None = None, bold: bool = False) -> None:
    """Set a run's font in the Latin and the East Asian slots, its size and weight."""
    run.font.name = east_asian
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asian)
    if size:
        run.font.size = Pt(size)
    run.bold = bold or None


def xml_safe(text: str) -> str:
    """``text`` without the control characters a Word document cannot hold."""
    return _NOT_XML.sub("", text)


def style_defaults(doc: DocumentType) -> None:
    """Normal style in 仿宋 三号-ish (16pt is heavy on screen; 14pt reads well), eastAsia set;
    A4 with the 公文 margins."""
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(14)
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    for name, font in (("Title", TITLE_FONT), ("Heading 1", HEADING_FONT)):
        s = doc.styles[name]
        s.font.name = font
        s.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def new_document() -> DocumentType:
    """An empty document with the 公文 defaults."""
    doc = Document()
    style_defaults(doc)
    return doc


def to_bytes(doc: DocumentType) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def para(
    doc: DocumentType,
    text: str,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = True,
    size: float | None = None,
    bold: bool = False,
    font: str | None = None,
) -> Paragraph:
    """A paragraph of one run; body paragraphs are indented by two characters."""
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(28)  # two characters
    set_fonts(p.add_run(xml_safe(text)), font or BODY_FONT, size, bold)
    return p


def cn_numeral(n: int) -> str:
    """1–99 in Chinese numerals (一, 十, 十一, 二十三) for heading numbers."""
    if not 1 <= n <= 99:
        raise ValueError(f"heading number {n} out of range 1..99")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{CN_NUM[tens - 1]}十")
    return head + (CN_NUM[ones - 1] if ones else "")


def heading(doc: DocumentType, number: int, text: str) -> Paragraph:
    """First-level heading “一、…” in 黑体 (style Heading 1, so it shows in Word's outline)."""
    h = doc.add_heading(level=1)
    set_fonts(h.add_run(f"{cn_numeral(number)}、{text}"), HEADING_FONT, 15)
    # Headings inherit a theme colour from the default template; a 公文 is black.
    for run in h.runs:
        run.font.color.rgb = RGBColor(0, 0, 0)
    return h


def plain(value: object) -> str:
    """Default cell text: “—” for a missing value, else the value as written."""
    return "—" if value is None else str(value)


def table(
    doc: DocumentType,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    fmt: Callable[[Any], str] = plain,
) -> Table:
    """A centred grid table with a 黑体 header row; ``fmt`` turns each value into its text."""
    grid = doc.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, header, strict=True):
        cell.text = ""
        set_fonts(cell.paragraphs[0].add_run(text), HEADING_FONT, 11)
    for values in rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = ""
            set_fonts(cell.paragraphs[0].add_run(xml_safe(fmt(value))), BODY_FONT, 11)
    doc.add_paragraph()
    return grid


def issuer(unit: Any | None = None) -> str:
    """发文机关: the city's name before the office's, e.g. 示范市机关效能建设领导小组办公室.

    ``unit`` is any unit of the installation's tree (the root is found through ``parent``);
    without one, the office's name as configured."""
    office = settings.XIAONENG_OFFICE_NAME
    root = unit
    while root is not None and root.parent_id is not None:
        root = root.parent
    # An installation may already name the city in the office's name (run-demo does).
    if root is None or office.startswith(root.name):
        return office
    return f"{root.name}{office}"


def masthead(doc: DocumentType, issuer_name: str, doc_number: str, title: str) -> None:
    """The head of a 公文: issuing office, document number, title, each centred."""
    center = WD_ALIGN_PARAGRAPH.CENTER
    para(doc, issuer_name, align=center, indent=False, size=22, bold=True, font=TITLE_FONT)
    para(doc, doc_number, align=center, indent=False, size=14)
    para(doc, title, align=center, indent=False, size=18, bold=True, font=TITLE_FONT)


def cn_date(day: date) -> str:
    """2026年3月5日 (no leading zeros, as dates are written in a 公文)."""
    return f"{day.year}年{day.month}月{day.day}日"


def signature(doc: DocumentType, issuer_name: str, day: date) -> None:
    """The end of a 公文: a blank line, then the issuing office and the date, right-aligned."""
    para(doc, "")
    right = WD_ALIGN_PARAGRAPH.RIGHT
    para(doc, issuer_name, align=right, indent=False)
    para(doc, cn_date(day), align=right, indent=False)
