"""联办件分析 against hand-made joint cases (March 2026, no holidays).

Item J (led by 市甲局) has three steps: s1 alone (3 days), then s2 (市乙局, 5 days) and s3
(甲局审批科, 2 days) in parallel group 1.

- J1 runs s2 and s3 side by side: s1 2 days (3–4 Mar), s2 5 (5–11 Mar), s3 3 (5–9 Mar, over its
  2-day limit); finished 12 Mar, 8 working days on the case's clock.
  Serial 2+5+3 = 10; parallel by group 2+max(5,3) = 7; all at once max = 5.
- J2 runs them one after another: s1 1, s2 4, s3 6 days; finished 17 Mar after 11 days.
  Serial 11; by group 1+max(4,6) = 7; all at once 6.

Item K (led by 市乙局) has two steps and no parallel group: one case, 2 + 3 days.
"""

from __future__ import annotations

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.casestats import services

from .conftest import NOW, accept, event, finish, make_item, send


def step(number, code, start, end):
    return [
        event(number, "step_start", start, step_code=code),
        event(number, "step_finish", end, step_code=code),
    ]


@pytest.fixture
def joint(org):
    make_item(
        org.dept_a,
        "J",
        handling="joint",
        limit=15,
        steps=[
            ("s1", 3, None, org.dept_a),
            ("s2", 5, 1, org.dept_b),
            ("s3", 2, 1, org.section_a),
        ],
    )
    make_item(
        org.dept_b,
        "K",
        handling="joint",
        limit=10,
        steps=[("k1", 3, None, org.dept_b), ("k2", 3, None, org.dept_a)],
    )
    send(
        accept("J1", "J"),
        *step("J1", "s1", "2026-03-02 09:00", "2026-03-04 10:00"),
        *step("J1", "s2", "2026-03-04 10:00", "2026-03-11 16:00"),
        *step("J1", "s3", "2026-03-04 10:00", "2026-03-09 16:00"),
        finish("J1", "2026-03-12 10:00"),
        accept("J2", "J", joint_mode="serial"),
        *step("J2", "s1", "2026-03-02 09:00", "2026-03-03 10:00"),
        *step("J2", "s2", "2026-03-03 10:00", "2026-03-09 10:00"),
        *step("J2", "s3", "2026-03-09 10:00", "2026-03-17 10:00"),
        finish("J2", "2026-03-17 16:00"),
        accept("K1", "K"),
        *step("K1", "k1", "2026-03-02 09:00", "2026-03-04 09:00"),
        *step("K1", "k2", "2026-03-04 09:00", "2026-03-09 09:00"),
        finish("K1", "2026-03-09 15:00"),
        # Still open: not in the analysis.
        accept("J3", "J", when="2026-03-20 09:00"),
    )
    return org


def report_for(user, **params):
    filters = services.parse_filters(user, {"p": "m2026-03", **params}, NOW.date())
    return services.joint_analysis(user, filters)


@pytest.mark.django_db
def test_serial_against_parallel(joint, users):
    report = report_for(users[Role.OFFICE])
    j, k = report.items  # the item with the longer serial total first
    assert (j.code, j.cases, j.has_groups) == ("J", 2, True)
    assert (j.serial.mean, j.serial.median, j.serial.p90) == (10.5, 10, 11)
    assert (j.grouped.mean, j.grouped.median, j.grouped.p90) == (7, 7, 7)
    assert (j.all_parallel.mean, j.all_parallel.p90) == (5.5, 6)
    assert (j.actual.mean, j.actual.median, j.actual.p90) == (9.5, 8, 11)
    assert j.parallel is j.grouped and j.parallel_basis == "按并联组"
    assert j.saving == pytest.approx((10.5 - 7) / 10.5)
    assert j.modes == {"parallel": 1, "serial": 1}

    s1, s2, s3 = j.steps
    assert (s1.name, s1.unit, s1.parallel_group) == ("环节s1", "市甲局", None)
    assert (s2.unit, s2.parallel_group, s3.unit) == ("市乙局", 1, "甲局审批科")
    assert (s1.days.median, s1.days.p90, s1.over_limit) == (1, 2, 0)
    assert (s2.days.median, s2.days.p90, s2.over_limit) == (4, 5, 0)
    assert (s3.days.median, s3.days.p90, s3.over_limit) == (3, 6, 2)
    # Shares of the mean serial total (10.5): s1 1.5, s2 4.5, s3 4.5 days on average.
    assert [round(s.share, 4) for s in j.steps] == [
        round(1.5 / 10.5, 4),
        round(4.5 / 10.5, 4),
        round(4.5 / 10.5, 4),
    ]

    # Without declared groups the headline's parallel figure is "every step at once".
    assert (k.code, k.has_groups, k.serial.mean, k.grouped.mean) == ("K", False, 5, 5)
    assert k.parallel is k.all_parallel and k.parallel.mean == 3
    assert k.parallel_basis == "全部环节同时办理"

    # All joint cases together: serial 10, 11, 5 → parallel 7, 7, 3.
    assert report.serial.n == 3 and report.serial.mean == pytest.approx(26 / 3)
    assert report.parallel.mean == pytest.approx(17 / 3)
    assert not report.truncated and not report.clipped


@pytest.mark.django_db
def test_joint_analysis_is_scoped_and_bounded(joint, users):
    liaison = users[Role.LIAISON]  # 市甲局: leads J, not K
    report = report_for(liaison)
    assert [i.code for i in report.items] == ["J"]
    bounded = services.joint_analysis(
        users[Role.OFFICE],
        services.parse_filters(users[Role.OFFICE], {"p": "m2026-03"}, NOW.date()),
        max_cases=2,
    )
    assert bounded.truncated and bounded.serial.n == 2
    long = report_for(users[Role.OFFICE], p="range", **{"from": "2024-01", "to": "2026-03"})
    assert long.clipped and long.start.isoformat() == "2025-04-01"
    assert len(long.items) == 2
    april = report_for(users[Role.OFFICE], p="m2026-04")
    assert april.items == []


@pytest.mark.django_db
def test_joint_page(client, joint, users, django_assert_max_num_queries):
    client.force_login(users[Role.OFFICE])
    with django_assert_max_num_queries(10):
        response = client.get("/office/stats/joint/?p=m2026-03")
    html = response.content.decode()
    assert response.status_code == 200
    assert "串联" in html and "10.5" in html and "7.0" in html and "按并联组" in html
    assert 'data-chart="joint-chart"' in html
    empty = client.get("/office/stats/joint/?p=m2025-03").content.decode()
    assert "这段时间没有办结的联办件" in empty


@pytest.mark.django_db
def test_too_many_cases_shorten_the_period_by_whole_months(joint, users):
    send(
        accept("J0", "J", when="2026-02-02 09:00"),
        *step("J0", "s1", "2026-02-02 09:00", "2026-02-03 10:00"),
        finish("J0", "2026-02-06 10:00"),
    )
    office = users[Role.OFFICE]
    filters = services.parse_filters(
        office, {"p": "range", "from": "2026-02", "to": "2026-03"}, NOW.date()
    )
    full = services.joint_analysis(office, filters)
    assert full.serial.n == 4 and full.start.isoformat() == "2026-02-01" and not full.truncated
    # March alone holds 4 accepted cases (one still open): February no longer fits.
    short = services.joint_analysis(office, filters, max_cases=4)
    assert short.truncated and short.start.isoformat() == "2026-03-01"
    assert short.serial.n == 3
