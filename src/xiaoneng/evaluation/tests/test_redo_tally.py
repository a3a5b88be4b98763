"""tools/redo_tally.py, run as the public would (``python -I``, the workbook downloaded from the
results page and nothing else): it recomputes every published figure and says so, finds one
figure altered, and recomputes without the exclusions on request. Also with the work assessment
combined and weights per category, and as served on the public site."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

import xiaoneng
from xiaoneng.evaluation import excel, results, services
from xiaoneng.evaluation.models import CategoryWeight

from .test_notice import closed_campaign, tallied_campaign

pytestmark = pytest.mark.django_db

SCRIPT = Path(xiaoneng.__file__).parent / "scoring" / "redo_tally.py"
TOOLS = Path(xiaoneng.__file__).parents[2] / "tools" / "redo_tally.py"


def run(path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(path), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=path.parent,
    )


def published(campaign, tmp_path: Path, name: str = "评议结果.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(excel.build_workbook(campaign, public=True))
    return path


def altered(path: Path, sheet: str, column: str, where: dict, change) -> Path:
    """A copy of the workbook with one cell changed: ``column`` of the first row of ``sheet``
    whose cells match ``where``."""
    wb = load_workbook(path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if all(row[header.index(k)].value == v for k, v in where.items()):
            cell = row[header.index(column)]
            cell.value = change(cell.value)
            break
    out = path.with_name("改过的" + path.name)
    wb.save(out)
    return out


def test_the_script_is_the_one_in_tools_and_stands_alone():
    assert TOOLS.resolve() == SCRIPT.resolve()
    source = SCRIPT.read_text("utf-8")
    imported = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imported <= {
        "__future__",
        "argparse",
        "hashlib",
        "math",
        "re",
        "sys",
        "xml",
        "zipfile",
        "dataclasses",
        "numpy",
    }


def test_the_published_workbook_matches_and_an_altered_figure_does_not(
    office_user, units, tmp_path
):
    campaign = tallied_campaign(office_user, units)
    results.publish(office_user, campaign)
    path = published(campaign, tmp_path)
    done = run(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("一致（match）") and "剔除 1 份" in done.stdout

    # One bound of one rate, moved by a tenth of a point.
    changed = run(altered(path, "排名", "满意率95%下限", {"单位": "市甲局"}, lambda v: v + 0.001))
    assert changed.returncode == 1
    assert "不一致（differ）：1 处" in changed.stdout
    assert "排名 市甲局 满意率95%下限" in changed.stdout
    # A rank interval.
    changed = run(altered(path, "排名", "名次区间止", {"单位": "市乙局"}, lambda v: v + 1))
    assert changed.returncode == 1 and "排名 市乙局 名次区间止" in changed.stdout
    # An exclusion taken back: the rule still excludes the sheet.
    changed = run(altered(path, "评议表", "不计入统计", {"不计入统计": "是"}, lambda v: None))
    assert changed.returncode == 1 and "剔除依据：公布 （空），重算 一律同选" in changed.stdout

    without = run(path, "--include-excluded")
    assert without.returncode == 0 and "不剔除任何评议表（共 5 份）重算" in without.stdout
    assert "市甲局" in without.stdout


def test_combination_and_category_weights_are_recomputed_too(office_user, units, tmp_path):
    campaign = closed_campaign(office_user, units)
    services.set_assessment(
        office_user, campaign, "70", "30", {cu.pk: "88" for cu in campaign.units.all()}
    )
    # A category's own stratum weights (set before the draw in practice; the form is frozen
    # by now, so written directly here).
    CategoryWeight.objects.bulk_create(
        CategoryWeight(campaign=campaign, category="政府机构", kind="stratum", key=k, weight=w)
        for k, w in (("企业", 2.0), ("居民", 1.0))
    )
    results.finalize(office_user, campaign, flags_reviewed=True)
    campaign.refresh_from_db()
    done = run(published(campaign, tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    changed = run(
        altered(
            published(campaign, tmp_path), "排名", "得分", {"单位": "市甲局"}, lambda v: v + 0.01
        )
    )
    assert changed.returncode == 1 and "排名 市甲局 得分" in changed.stdout


def test_not_a_results_workbook(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a zip")
    done = run(path)
    assert done.returncode == 2 and "无法读取工作簿" in done.stderr


def test_the_public_site_serves_the_script(client):
    response = client.get(reverse("evaluation:redo_tally_script"))
    assert response.status_code == 200
    assert b"".join(response) == SCRIPT.read_bytes()


def test_a_first_version_workbook_is_named_not_checked(office_user, units, tmp_path):
    campaign = tallied_campaign(office_user, units)
    summary = dict(campaign.summary)
    summary.pop("version")
    type(campaign).objects.filter(pk=campaign.pk).update(summary=summary)
    campaign.refresh_from_db()
    done = run(published(campaign, tmp_path))
    assert done.returncode == 2 and "第1版计分程序" in done.stderr
