"""The dashboard page, its htmx body, the Excel export and who may open them."""

from __future__ import annotations

import io

import pytest
import time_machine
from openpyxl import load_workbook

from xiaoneng.accounts.roles import Role
from xiaoneng.casestats import excel

from .conftest import NOW

pytestmark = pytest.mark.django_db
URL = "/office/stats/"


@pytest.fixture
def at_now():
    # The pages read the clock themselves: "now" is the end of the hand-computed month.
    with time_machine.travel(NOW, tick=False):
        yield


def test_empty_dashboard_says_so(client, users, at_now):
    client.force_login(users[Role.OFFICE])
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "办件统计" in html and "还没有统计数据" in html
    assert 'data-chart="trend-chart"' not in html


def test_dashboard_with_data(client, month, users, at_now, django_assert_max_num_queries):
    client.force_login(users[Role.OFFICE])
    with django_assert_max_num_queries(14):
        response = client.get(URL, {"p": "m2026-03"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "80.0%" in html and "75.0%" in html  # on time 4/5, 承诺件 3/4
    assert 'data-chart="trend-chart"' in html and 'id="trend-chart"' in html
    assert 'id="ranking-chart"' in html and 'id="cards-chart"' in html
    # The per-unit table: drill-down link and the overdue list of the unit.
    a = month.dept_a.pk
    assert f"unit={a}&amp;p=m2026-03" in html or f"p=m2026-03&amp;unit={a}" in html
    assert f"/office/cases/?unit={a}&amp;light=red" in html
    assert html.index("市甲局") < html.index("市乙局")  # lowest on-time rate first


def test_drilled_dashboard_lists_items(client, month, users, at_now, django_assert_max_num_queries):
    client.force_login(users[Role.OFFICE])
    with django_assert_max_num_queries(18):
        response = client.get(URL, {"p": "m2026-03", "unit": month.dept_a.pk})
    html = response.content.decode()
    assert "市甲局的事项" in html and "事项PA" in html and "市乙局" not in html.split("单位层级")[1]


def test_query_count_does_not_grow_with_data(client, month, users, at_now):
    """The same number of queries for two departments as for twenty."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xiaoneng.testing.factories import UnitFactory

    from .conftest import accept, finish, make_item, send

    client.force_login(users[Role.OFFICE])
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"p": "m2026-03"})
    for n in range(18):
        unit = UnitFactory(parent=month.root)
        make_item(unit, f"X{n}")
        send(accept(f"X{n}", f"X{n}"), finish(f"X{n}", "2026-03-10 10:00"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"p": "m2026-03"})
    assert "23" in response.content.decode()  # 5 + 18 finished cases
    assert len(many) == len(few)


def test_windows_panel(client, month, users, at_now):
    from xiaoneng.testing.factories import UnitFactory

    from .conftest import accept, finish, send

    window = UnitFactory(name="综合受理窗口", code="W1", parent=month.root, kind="window")
    send(accept("W1", "PA", window_code=window.code), finish("W1", "2026-03-04 10:00"))
    client.force_login(users[Role.OFFICE])
    page = client.get(URL, {"p": "m2026-03"}).content.decode()
    assert 'hx-get="/office/stats/windows/?p=m2026-03"' in page
    html = client.get(URL + "windows/", {"p": "m2026-03"}).content.decode()
    assert "综合受理窗口" in html and "其他（单位直接受理）" in html
    assert html.index("综合受理窗口") < html.index("其他")
    client.force_login(users[Role.LIAISON])
    assert client.get(URL + "windows/", {"unit": month.dept_b.pk}).status_code == 404


def test_htmx_gets_the_page_body_only(client, month, users, at_now):
    client.force_login(users[Role.OFFICE])
    response = client.get(URL, {"p": "m2026-03"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="stats-page"')
    assert "80.0%" in html and 'name="p"' in html


def test_liaison_dashboard_excludes_other_units(client, month, users, at_now):
    client.force_login(users[Role.LIAISON])
    html = client.get(URL, {"p": "m2026-03"}).content.decode()
    assert "75.0%" in html and "市乙局" not in html
    assert client.get(URL, {"unit": month.dept_b.pk}).status_code == 404
    assert client.get(URL, {"unit": "abc"}).status_code == 404
    assert client.get(URL + "export.xlsx", {"unit": month.dept_b.pk}).status_code == 404


@pytest.mark.parametrize("role", [Role.WINDOW, Role.SUPERVISOR])
def test_roles_without_statistics_are_refused(client, users, role):
    client.force_login(users[role])
    assert client.get(URL).status_code == 403
    assert client.get(URL + "joint/").status_code == 403
    assert client.get(URL + "export.xlsx").status_code == 403


def test_login_required(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _rows(ws):
    header = [c.value for c in ws[1]]
    return [
        dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)
    ]


def test_excel_export(client, month, users, at_now):
    client.force_login(users[Role.OFFICE])
    response = client.get(URL + "export.xlsx", {"p": "m2026-03"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:4] == list(excel.SHEETS) and "说明" in wb.sheetnames

    units = {r["单位"]: r for r in _rows(wb["按单位"])}
    a = units["市甲局"]
    assert (a["办结件数"], a["按时办结件数"], a["按时办结率"], a["超时办结件数"]) == (4, 3, 0.75, 1)
    assert (a["承诺件办结率"], a["提前办结率"], a["平均用时（工作日）"]) == (0.75, 0.5, 7.5)
    assert (a["用时中位数（工作日）"], a["用时P90（工作日）"]) == (5, 12)
    assert (a["当前在办件数"], a["当前超期未办结"], a["红牌"]) == (1, 1, 1)
    assert units["合计"]["办结件数"] == 5 and units["合计"]["按时办结率"] == 0.8
    assert wb["按单位"]["D2"].number_format == "0.0%"

    [item_b, item_a] = sorted(_rows(wb["按事项"]), key=lambda r: r["事项编码"])
    assert (item_a["事项编码"], item_a["实施单位"], item_a["办结件数"]) == ("PA", "市甲局", 4)
    assert (item_a["用时P90（工作日）"], item_a["当前超期未办结"]) == (12, 1)
    assert (item_b["办件类型"], item_b["按时办结率"], item_b["提前办结率"]) == ("即办件", 1, 0)

    windows = _rows(wb["按窗口"])
    assert sum(r["办结件数"] for r in windows) == 5
    assert {r["类型"] for r in windows} == {"单位直接受理"}

    [march] = _rows(wb["按月份"])
    assert (march["月份"], march["办结件数"], march["用时P90（工作日）"]) == ("2026-03", 5, 12)


def test_excel_export_of_a_liaison_and_of_nothing(client, month, users, at_now):
    client.force_login(users[Role.LIAISON])
    wb = load_workbook(io.BytesIO(client.get(URL + "export.xlsx", {"p": "m2026-03"}).content))
    names = [r["单位"] for r in _rows(wb["按单位"])]
    assert "市乙局" not in names and sum(r["办结件数"] for r in _rows(wb["按事项"])) == 4
    empty = client.get(URL + "export.xlsx", {"p": "m2025-03"})
    wb = load_workbook(io.BytesIO(empty.content))
    assert _rows(wb["按事项"]) == [] and _rows(wb["按月份"])[0]["办结件数"] == 0
