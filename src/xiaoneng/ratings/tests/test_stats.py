"""好差评统计 under the shared ranking rule: n and interval beside every 满意率, a window with
12 ratings is 样本不足 and never last, 末位 only when distinguishable — page and workbook."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from xiaoneng.accounts.roles import Role
from xiaoneng.ratings import presentation, services
from xiaoneng.ratings.services import StatRow


def _row(name: str, good: int, total: int) -> StatRow:
    # 非常满意 for the good ones, 非常不满意 for the rest.
    return StatRow(key=name, name=name, levels={5: good, 1: total - good}, total=total)


WINDOWS = [
    _row("一号窗口", 190, 200),  # 95.0%
    _row("二号窗口", 170, 200),  # 85.0%
    _row("三号窗口", 60, 100),  # 60.0% [50.2%, 69.1%]: wholly below the others
    _row("四号窗口", 5, 12),  # 41.7% on 12 ratings: 样本不足
]


def test_a_window_with_twelve_ratings_is_not_placed_last():
    table = presentation.stat_table(WINDOWS, services.totals(WINDOWS), "window")
    lines = {line.row.name: line.rate for line in table.lines}
    small = lines["四号窗口"]
    assert (small.successes, small.n, small.rank, small.label) == (5, 12, None, "样本不足")
    assert [lines[n].rank for n in ("一号窗口", "二号窗口", "三号窗口")] == [1, 2, 3]
    assert table.bottom == ["三号窗口"]
    assert table.total.n == 512 and table.total.successes == 425
    # Months are a series: n and intervals, no ranking and nobody 末位.
    months = presentation.stat_table(WINDOWS, services.totals(WINDOWS), "month")
    assert not months.ranked and months.bottom == [] and "不排名" in months.note


@pytest.fixture
def synthetic(monkeypatch):
    monkeypatch.setattr(services, "statistics", lambda ratings, by="unit", now=None: WINDOWS)


def test_page_shows_n_interval_and_rank(client, users, synthetic):
    client.force_login(users[Role.OFFICE])
    html = client.get(reverse("ratings:office"), {"by": "window"}).content.decode()
    row = html.split('data-name="四号窗口"')[1].split("</tr>")[0]
    assert "5/12" in row and "样本不足" in row and "末位" not in row
    row = html.split('data-name="三号窗口"')[1].split("</tr>")[0]
    assert "60/100" in row and 'badge red">末位' in row
    assert "少于20件" in html and "满意率排名" in html
    assert reverse("ratings:export") in html
    months = client.get(reverse("ratings:office"), {"by": "month"}).content.decode()
    assert "满意率排名" not in months and "5/12" in months


def test_export_has_every_group_with_n_interval_and_rank(client, users, synthetic):
    client.force_login(users[Role.OFFICE])
    response = client.get(reverse("ratings:export"), {"by": "window"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["按受理窗口"]
    head = [c.value for c in ws[1]]
    rows = {
        r[0]: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
    }
    assert rows["四号窗口"]["满意率排名"] == "样本不足"
    assert rows["四号窗口"]["合计"] == 12 and rows["四号窗口"]["满意"] == 5
    assert round(rows["四号窗口"]["95%区间下限"], 3) == 0.193
    assert rows["三号窗口"]["满意率排名"] == "3（末位）"
    assert rows["一号窗口"]["满意率排名"] == "1"
    notes = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True)}
    assert "少于20件" in notes["区间与排名"]
    client.force_login(users[Role.SUPERVISOR])
    assert client.get(reverse("ratings:export")).status_code == 403
