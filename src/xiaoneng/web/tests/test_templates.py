"""Template conventions that a page test would only catch by eye."""

from __future__ import annotations

import re
from pathlib import Path

import xiaoneng

ROOT = Path(xiaoneng.__file__).parent
DATE_IN_CELL = re.compile(r'\{\{\s*[^{}|]+\|date:"[^"]+"[^{}]*\}\}')


def _cells_with_dates() -> list[tuple[str, str]]:
    """(template:line, the date expression) for every date rendered inside a table cell."""
    found = []
    for path in sorted(ROOT.rglob("*.html")):
        in_cell = False
        for number, line in enumerate(path.read_text().split("\n"), start=1):
            cell = "<td" in line or in_cell
            if "<td" in line:
                in_cell = line.rfind("<td") > line.rfind("</td>")
            elif "</td>" in line:
                in_cell = False
            if not cell or "blocktranslate" in line:
                continue
            for match in DATE_IN_CELL.finditer(line):
                before = line[: match.start()]
                found.append((f"{path.relative_to(ROOT)}:{number}", before[-22:] + match.group(0)))
    return found


def test_dates_in_table_cells_never_wrap():
    """“2026-12-02” must not break into “2026-12-” / “02” in a narrow column."""
    loose = [(where, text) for where, text in _cells_with_dates() if 'class="nowrap">' not in text]
    assert not loose, loose
    assert len(_cells_with_dates()) > 30  # the check sees the tables
