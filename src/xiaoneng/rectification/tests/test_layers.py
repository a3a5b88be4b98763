"""Layers without circles: rectification sits below the apps that find problems and never
imports them (they call it; it knows their records only by a generic reference)."""

from __future__ import annotations

import ast
from pathlib import Path

import xiaoneng.rectification as app

ABOVE = {
    "catalog",
    "cases",
    "casestats",
    "complaints",
    "ratings",
    "evaluation",
    "bulletins",
    "api",
    "demo",
    "inspections",
    "accountability",
    "assessment",
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_rectification_imports_no_finder():
    root = Path(app.__file__).parent
    offending = {
        f"{path.relative_to(root)}: {name}"
        for path in root.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        for name in _imports(path)
        if name.startswith("xiaoneng.") and name.split(".")[1] in ABOVE
    }
    assert not offending, sorted(offending)
