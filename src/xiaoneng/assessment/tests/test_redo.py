"""tools/redo_assessment.py, run as a unit would (``python -I``, the published workbook and
nothing else): it recomputes every published score and says so, and finds one figure altered."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import time_machine
from openpyxl import load_workbook

import xiaoneng
from xiaoneng.accounts.roles import Role
from xiaoneng.assessment import documents, services

from .conftest import at

TOOL = Path(xiaoneng.__file__).parents[2] / "tools" / "redo_assessment.py"


def run(path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-I", str(TOOL), str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=path.parent,
    )


def test_tool_imports_only_stdlib_and_openpyxl():
    imported = {
        line.split()[1].split(".")[0]
        for line in TOOL.read_text("utf-8").splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imported <= {"__future__", "math", "sys", "collections", "openpyxl"}


def test_recomputes_published_scores(city, users, tmp_path):
    office = users[Role.OFFICE]
    period = city.period
    with time_machine.travel(at("2027-01-11 10:00"), tick=False):
        services.enter(office, period, city.b, "veto", "discipline", 1, "纪委通报")
        services.enter(office, period, city.a, "adjustment", "criticism", 5, "通报")
        services.compute(office, period)
    path = tmp_path / "工作簿.xlsx"
    path.write_bytes(documents.workbook(period))
    done = run(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "一致" in done.stdout

    wb = load_workbook(path)
    ws = wb["结果"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("总分") + 1).value += 1
    changed = tmp_path / "改过的.xlsx"
    wb.save(changed)
    done = run(changed)
    assert done.returncode == 1 and "总分" in done.stdout
