"""The statistics against the hand-computed month of ``conftest.py``."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from xiaoneng.accounts.roles import Role
from xiaoneng.casestats import services
from xiaoneng.casestats.services import Figures, percentile
from xiaoneng.supervision.models import Card

from .conftest import NOW

D = datetime.date
MARCH = {"p": "m2026-03"}


def filters(user, **params):
    return services.parse_filters(user, {**MARCH, **params}, NOW.date())


# ---- pure parts ----------------------------------------------------------------------------


def test_percentile_is_nearest_rank():
    four = {3: 1, 5: 1, 10: 1, 12: 1}
    assert percentile(four, 50) == 5  # rank ⌈0.5·4⌉ = 2
    assert percentile(four, 90) == 12  # rank ⌈0.9·4⌉ = 4
    assert percentile({}, 90) is None
    assert percentile({7: 0}, 50) is None
    # 30 cases: the 90th percentile is the 27th value. Float arithmetic (0.9 × 30 =
    # 27.000000000000004) would round that up to the 28th.
    thirty = Counter({d: 1 for d in range(1, 31)})
    assert percentile(thirty, 90) == 27
    assert percentile({2: 9, 40: 1}, 90) == 2 and percentile({2: 9, 40: 1}, 91) == 40


def test_rates_divide_by_finished_and_are_none_without_cases():
    f = Figures(finished=4, on_time=3, early=2, days_total=30, promised_finished=4)
    f.promised_on_time = 3
    assert (f.on_time_rate, f.promised_rate, f.early_rate, f.average_days) == (
        0.75,
        0.75,
        0.5,
        7.5,
    )
    empty = Figures()
    assert empty.on_time_rate is None and empty.average_days is None and empty.p90_days is None


@pytest.mark.parametrize(
    ("params", "start", "end", "label"),
    [
        ({}, D(2025, 4, 1), D(2026, 3, 1), "近12个月（2025年4月—2026年3月）"),
        ({"p": "y2025"}, D(2025, 1, 1), D(2025, 12, 1), "2025年"),
        ({"p": "q2026-2"}, D(2026, 4, 1), D(2026, 6, 1), "2026年第2季度"),
        ({"p": "m2026-03"}, D(2026, 3, 1), D(2026, 3, 1), "2026年3月"),
        (
            {"p": "range", "from": "2026-03", "to": "2025-11"},
            D(2025, 11, 1),
            D(2026, 3, 1),
            "2025年11月—2026年3月",
        ),
        ({"p": "range", "from": "2026-02"}, D(2026, 2, 1), D(2026, 2, 1), "2026年2月"),
        ({"p": "m2026-13"}, D(2025, 4, 1), D(2026, 3, 1), "近12个月（2025年4月—2026年3月）"),
        ({"p": "nonsense"}, D(2025, 4, 1), D(2026, 3, 1), "近12个月（2025年4月—2026年3月）"),
    ],
)
def test_periods(params, start, end, label):
    period = services.parse_period(params, D(2026, 3, 31))
    assert (period.start, period.end, period.label) == (start, end, label)


def test_long_ranges_are_cut_and_the_trend_shows_at_least_twelve_months():
    period = services.parse_period({"p": "range", "from": "2000-01", "to": "2026-03"})
    assert len(period.months) == services.MAX_RANGE_MONTHS and period.end == D(2026, 3, 1)
    month = services.parse_period({"p": "m2026-03"})
    trend = month.trend_months()
    assert len(trend) == 12 and trend[0] == D(2025, 4, 1) and trend[-1] == D(2026, 3, 1)
    assert month.starts_at.isoformat() == "2026-03-01T00:00:00+08:00"
    assert month.ends_at.isoformat() == "2026-04-01T00:00:00+08:00"


def test_case_durations_serial_grouped_and_all_parallel():
    # order, parallel group, elapsed days: 1 alone, then 2 and 3 together, then 4 alone.
    steps = [(1, None, 2), (2, 1, 5), (3, 1, 3), (4, None, 4)]
    assert services.case_durations(steps) == (14, 2 + 5 + 4, 5)
    # Two different groups one after the other do not merge.
    assert services.case_durations([(1, 1, 4), (2, 2, 6)]) == (10, 10, 6)
    assert services.case_durations([]) == (0, 0, 0)


def test_grouped_duration_follows_the_catalog_rule():
    """The one-pass ``case_durations`` agrees with ``catalog.services.serial_days``."""
    import random

    from xiaoneng.catalog.services import serial_days

    rng = random.Random(5)
    for _ in range(500):
        steps = [
            (order, rng.choice([None, None, 1, 1, 2]), rng.randint(0, 9))
            for order in rng.sample(range(1, 20), rng.randint(1, 6))
        ]
        expected = serial_days(
            [{"order": o, "parallel_group": g, "limit_days": d} for o, g, d in steps]
        )
        assert services.case_durations(steps)[1] == expected, steps


# ---- against the database ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_office_sees_the_whole_city(month, users):
    office = users[Role.OFFICE]
    board = services.dashboard(office, filters(office), NOW)
    t = board.totals
    assert (t.finished, t.on_time, t.late, t.early, t.days_total) == (5, 4, 1, 2, 30)
    assert t.on_time_rate == pytest.approx(0.8)
    assert t.promised_rate == pytest.approx(0.75)  # the 即办件 of 乙局 is not a 承诺件
    assert t.early_rate == pytest.approx(0.4)
    assert t.average_days == pytest.approx(6.0)
    assert (t.median_days, t.p90_days) == (5, 12)  # {0, 3, 5, 10, 12}: ranks 3 and 5
    assert (t.open, t.overdue) == (1, 1)
    assert (t.yellow_cards, t.red_cards) == (0, 1)
    # The ranking compares the city's departments, lowest on-time rate first.
    assert board.focus == month.root
    assert [r.label for r in board.units] == ["市甲局", "市乙局"]
    a = board.units[0].figures
    assert (a.finished, a.on_time, a.on_time_rate, a.p90_days, a.median_days) == (4, 3, 0.75, 12, 5)
    assert (a.open, a.overdue, a.red_cards) == (1, 1, 1)
    assert board.units[0].drillable and not board.units[1].drillable
    assert board.cards == [
        {"cause": "case_overdue", "label": "办件超过承诺时限", "yellow": 0, "red": 1}
    ]
    # The top of the scope lists units, not the whole catalog.
    assert board.items == []


@pytest.mark.django_db
def test_trend_and_months(month, users):
    office = users[Role.OFFICE]
    board = services.dashboard(office, filters(office), NOW)
    assert len(board.trend) == 12 and board.trend[-1].key == D(2026, 3, 1)
    assert board.trend[-1].figures.finished == 5
    assert all(r.figures.finished == 0 for r in board.trend[:-1])
    # A month without cases has no rate (and the chart draws no point), not 0 %.
    chart = services.trend_chart(board.trend)
    assert chart["series"][0]["data"][-1] == 80.0 and chart["series"][0]["data"][0] is None
    assert chart["series"][1]["data"][-1] == 75.0


@pytest.mark.django_db
def test_filters_by_handling_type_and_period(month, users):
    office = users[Role.OFFICE]
    promised = services.dashboard(office, filters(office, type="promised"), NOW).totals
    assert (promised.finished, promised.on_time, promised.open) == (4, 3, 1)
    assert promised.durations == Counter({3: 1, 5: 1, 10: 1, 12: 1})
    instant = services.dashboard(office, filters(office, type="instant"), NOW).totals
    assert (instant.finished, instant.on_time, instant.open, instant.p90_days) == (1, 1, 0, 0)
    february = services.dashboard(office, filters(office, p="m2026-02"), NOW)
    assert february.totals.finished == 0 and february.totals.red_cards == 0
    # Open cases are live: they show whatever the period.
    assert february.totals.open == 1 and february.has_data


@pytest.mark.django_db
def test_drilling_into_a_unit_lists_its_items(month, users):
    office = users[Role.OFFICE]
    board = services.dashboard(office, filters(office, unit=str(month.dept_a.pk)), NOW)
    assert board.focus == month.dept_a
    assert [u.name for u in board.crumbs] == ["示范市", "市甲局"]
    # 甲局's cases are its own (本级); its section has none.
    assert [(r.label, r.figures.finished) for r in board.units] == [
        ("市甲局（本级）", 4),
        ("甲局审批科", 0),
    ]
    [item] = board.items
    assert item.extra["code"] == "PA" and item.extra["handling_type"] == "承诺件"
    f = item.figures
    assert (f.finished, f.on_time, f.p90_days, f.open, f.overdue) == (4, 3, 12, 1, 1)


@pytest.mark.django_db
def test_a_liaison_sees_only_their_unit(month, users):
    liaison = users[Role.LIAISON]  # of 市甲局
    board = services.dashboard(liaison, filters(liaison), NOW)
    assert board.focus == month.dept_a and board.crumbs == [month.dept_a]
    assert (board.totals.finished, board.totals.on_time, board.totals.open) == (4, 3, 1)
    assert "市乙局" not in [r.label for r in board.units]
    frame = services.frame_for(board.scope, board.focus)
    windows = services.window_breakdown(filters(liaison), frame, lump_units=True)
    assert [(r.label, r.figures.finished) for r in windows] == [(services.OTHER_WINDOW, 4)]
    with pytest.raises(Http404):
        filters(liaison, unit=str(month.dept_b.pk))
    with pytest.raises(Http404):
        filters(liaison, unit=str(month.root.pk))


@pytest.mark.django_db
def test_a_leader_of_department_b_sees_only_b(month):
    from xiaoneng.testing.factories import UserFactory

    leader = UserFactory(role=Role.LEADER, unit=month.dept_b)
    t = services.totals(leader, filters(leader), NOW)
    assert (t.finished, t.open, t.red_cards) == (1, 0, 0)


@pytest.mark.django_db
def test_withdrawn_cards_do_not_count(month, users):
    Card.objects.update(status=Card.Status.WITHDRAWN)
    office = users[Role.OFFICE]
    board = services.dashboard(office, filters(office), NOW)
    assert board.totals.red_cards == 0 and board.cards == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.WINDOW, Role.SUPERVISOR, Role.API_CLIENT])
def test_other_roles_have_no_statistics(users, role):
    with pytest.raises(PermissionDenied):
        services.scope_of(users[role])


@pytest.mark.django_db
def test_a_late_event_moves_a_case_between_buckets(month, users):
    """The rollups follow a recomputation: an extension reported after A2 finished turns it
    into an early case, and the statistics (which read only the rollups) follow."""
    from .conftest import event, send

    send(
        event("A2", "extension", "2026-03-10 09:00", days=5),
        now=NOW,
    )
    office = users[Role.OFFICE]
    t = services.dashboard(office, filters(office, type="promised"), NOW).totals
    # A2 took 10 of now 15 days: on time still, and now early too.
    assert (t.finished, t.on_time, t.early) == (4, 3, 3)


@pytest.mark.django_db
def test_cards_of_a_unit_without_cases_still_count(month, users):
    Card.objects.create(
        color=Card.Color.YELLOW,
        cause=Card.Cause.STEP_OVERDUE,
        cause_key="manual:1",
        unit=month.section_a,
        summary="环节超时",
        raised_at=NOW,
    )
    office = users[Role.OFFICE]
    board = services.dashboard(office, filters(office, unit=str(month.section_a.pk)), NOW)
    assert board.has_data and board.totals.finished == 0
    assert (board.totals.yellow_cards, board.units[0].label) == (1, "甲局审批科（本级）")
    # One level up the same card counts under the section's row.
    up = services.dashboard(office, filters(office, unit=str(month.dept_a.pk)), NOW)
    assert {r.label: r.figures.yellow_cards for r in up.units}["甲局审批科"] == 1
