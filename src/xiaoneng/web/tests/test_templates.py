"""Template conventions that a page test would only catch by eye."""

from __future__ import annotations

import re
from pathlib import Path

import xiaoneng

ROOT = Path(xiaoneng.__file__).parent
DATE_IN_CELL = re.compile(r'\{\{\s*[^{}|]+\|date:"[^"]+"[^{}]*\}\}')
# What the scan looks for, in the order it meets it: a cell opening, a cell closing, a date.
_CELL_EVENTS = re.compile(r"(?P<open><td\b[^>]*>)|(?P<close></td>)|" + DATE_IN_CELL.pattern)


def _cells_with_dates() -> list[tuple[str, str, bool]]:
    """(template:line, the date expression, whether it stays on one line) per date in a cell.

    A date stays on one line when its cell is ``class="nowrap"`` or a ``nowrap`` span wraps it
    directly. Dates inside a ``blocktranslate`` (a sentence) are left out.
    """
    found = []
    for path in sorted(ROOT.rglob("*.html")):
        cell: str | None = None  # the start tag of the cell the text is in
        for number, line in enumerate(path.read_text().split("\n"), start=1):
            for event in _CELL_EVENTS.finditer(line):
                if event.group("open"):
                    cell = event.group("open")
                elif event.group("close"):
                    cell = None
                elif cell is not None and "blocktranslate" not in line:
                    before = line[: event.start()][-22:]
                    kept = 'class="nowrap"' in cell or 'class="nowrap">' in before
                    where = f"{path.relative_to(ROOT)}:{number}"
                    found.append((where, before + event.group(0), kept))
    return found


def test_dates_in_table_cells_never_wrap():
    """“2026-12-02” must not break into “2026-12-” / “02” in a narrow column."""
    loose = [(where, text) for where, text, kept in _cells_with_dates() if not kept]
    assert not loose, loose
    assert len(_cells_with_dates()) > 30  # the check sees the tables


def test_no_template_line_is_longer_than_160_characters():
    """One element per line (docs/architecture.md, “Templates”): a long line hides what it does."""
    templates = [p for p in sorted(ROOT.rglob("templates/**/*")) if p.suffix in {".html", ".txt"}]
    long = [
        f"{path.relative_to(ROOT)}:{number} ({len(line)})"
        for path in templates
        for number, line in enumerate(path.read_text().split("\n"), start=1)
        if len(line) > 160
    ]
    assert not long, long
    assert len(templates) > 150  # the check sees the templates
