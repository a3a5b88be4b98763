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
from xiaoneng.assessment.models import Result

from .conftest import SCHEME, at

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


def test_recomputes_intervals_and_last_place(city, users, tmp_path, monkeypatch):
    """A proportion component (Wilson intervals through the normalisation), rank bonuses, a quota
    and the 末位 rule, all recomputed from the workbook alone."""
    from dataclasses import replace

    from xiaoneng.assessment import components
    from xiaoneng.scoring.assessment import Figure

    counts = {city.a.pk: (97, 100), city.b.pk: (11, 12), city.c.pk: (150, 200)}

    def figures(rollup, span):
        return {u: Figure(100 * k / n, k, n) for u, (k, n) in counts.items()}

    source = components.Source(
        "test_rate",
        "测试比例",
        "%",
        "k ÷ n",
        50,
        100,
        figures,
        components.REGISTRY["targets"].records,
    )
    monkeypatch.setitem(components.REGISTRY, "test_rate", source)
    office = users[Role.OFFICE]
    scheme = city.period.schemes.get()
    data = replace(
        SCHEME,
        components=(
            services.ComponentIn("test_rate", "测试比例", 60, 50, 100),
            services.ComponentIn("targets", "目标任务", 40, 0, 100),
        ),
        rank_bonus_top="2,1",
        rank_deduction_bottom="1",
        excellent_quota=34,
    )
    with time_machine.travel(at("2027-01-11 10:00"), tick=False):
        services.save_scheme(office, scheme, data)
        services.compute(office, city.period)
    b = Result.objects.get(period=city.period, unit=city.b)
    assert b.low < b.score < b.high  # 12 records: a wide interval
    path = tmp_path / "工作簿.xlsx"
    path.write_bytes(documents.workbook(city.period))
    done = run(path)
    assert done.returncode == 0, done.stdout + done.stderr
