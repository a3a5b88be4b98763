"""Units ranked by 按时办结率 under the shared rule (``scoring.rates``): n and interval beside each
rate, a unit with few finished cases is 样本不足 and never heads the weakest-first list, 末位
only when its interval lies wholly below the others' — on the page and in the workbook."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from openpyxl import load_workbook

from xiaoneng.accounts.roles import Role
from xiaoneng.cases.models import CaseMonthStat
from xiaoneng.casestats import excel, services
from xiaoneng.testing.factories import UnitFactory

from .conftest import NOW, make_item

pytestmark = pytest.mark.django_db
MARCH = datetime.date(2026, 3, 1)


@pytest.fixture
def four_units(org):
    """March 2026 rollups: 甲 38/40, 乙 27/30, 丙 10/25 (wholly below), 丁 5/12 (lowest, few)."""
    dept_c = UnitFactory(name="市丙局", parent=org.root)
    dept_d = UnitFactory(name="市丁局", parent=org.root)
    for unit, on_time, finished in (
        (org.dept_a, 38, 40),
        (org.dept_b, 27, 30),
        (dept_c, 10, 25),
        (dept_d, 5, 12),
    ):
        item = make_item(unit, f"I{unit.pk}")
        CaseMonthStat.objects.create(
            month=MARCH,
            unit=unit,
            item=item,
            window=unit,
            handling_type="promised",
            finished=finished,
            on_time=on_time,
            days_total=5 * finished,
        )
    return org


def _filters(user):
    return services.parse_filters(user, {"p": "m2026-03"}, today=NOW.date())


def test_a_unit_with_few_cases_does_not_head_the_weakest_first_list(four_units, users):
    office = users[Role.OFFICE]
    board = services.dashboard(office, _filters(office), NOW)
    order = [r.label for r in board.units if r.figures.finished]
    assert order == ["市丙局", "市乙局", "市甲局", "市丁局"]
    rows = {r.label: r for r in board.units}
    small = rows["市丁局"].rate
    assert (small.successes, small.n, small.rank, small.label) == (5, 12, None, "样本不足")
    assert rows["市丙局"].rate.label == "末位" and rows["市丙局"].rate.rank == 3
    assert rows["市甲局"].rate.rank == 1
    chart = services.ranking_chart(board.units)
    labels = [d["label"]["formatter"] for d in chart["series"][0]["data"]]
    assert labels[0] == "41.7%（5/12件，样本不足）"  # drawn last (at the bottom), in grey
    assert labels[-1] == "40.0%（10/25件，末位）"  # the weakest ranked unit, on top


def test_page_and_workbook(client, four_units, users):
    client.force_login(users[Role.OFFICE])
    with time_machine.travel(NOW, tick=False):
        html = client.get("/office/stats/", {"p": "m2026-03"}).content.decode()
    row = html.split(">市丁局</a>")[1].split("</tr>")[0]
    assert "5/12" in row and "19.3%—68.0%" in row and "样本不足" in row and "末位" not in row
    row = html.split(">市丙局</a>")[1].split("</tr>")[0]
    assert "10/25" in row and 'badge red">末位' in row
    assert "少于20件" in html

    office = users[Role.OFFICE]
    data = excel.build_workbook(office, _filters(office), now=NOW)
    ws = load_workbook(io.BytesIO(data))["按单位"]
    head = [c.value for c in ws[1]]
    lines = {
        r[0]: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
    }
    assert lines["市丁局"]["按时办结率排名"] == "样本不足"
    assert lines["市丙局"]["按时办结率排名"] == "3（末位）"
    assert lines["市甲局"]["按时办结率排名"] == "1"
    assert round(lines["市丁局"]["按时办结率95%区间下限"], 3) == 0.193
    assert lines["合计"]["按时办结率排名"] is None  # an empty cell: the total is not ranked
    assert (
        0
        < lines["合计"]["按时办结率95%区间下限"]
        < 80 / 107
        < lines["合计"]["按时办结率95%区间上限"]
    )
