from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F

from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.demo.builder import (
    DEMO_USERNAMES,
    SIZES,
    DemoError,
    build_demo,
    plan_demo,
)
from xiaoneng.org.models import Absence, FirstInquiry, Post, Staff, Unit, UnitCategory

# A fixed Wednesday in the past: the data must not depend on when the tests run.
TODAY = date(2025, 6, 18)


# ---- the pure plan ---------------------------------------------------------------------------


def test_same_seed_same_plan():
    assert plan_demo(2026, "small", today=TODAY) == plan_demo(2026, "small", today=TODAY)
    assert plan_demo(7, "default", today=TODAY) == plan_demo(7, "default", today=TODAY)


def test_other_seed_other_names():
    one = plan_demo(2026, "small", today=TODAY)
    other = plan_demo(2027, "small", today=TODAY)
    assert one.staff_names() != other.staff_names()
    # The frame (city, departments, windows) is the same; only the drawn parts differ.
    assert [u.name for u in one.units if u.kind == "department"] == [
        u.name for u in other.units if u.kind == "department"
    ]


def test_reference_date_moves_dates_not_names():
    one = plan_demo(2026, "small", today=TODAY)
    later = plan_demo(2026, "small", today=TODAY + timedelta(days=30))
    assert one.staff_names() == later.staff_names()
    assert [a.start_date + timedelta(days=30) for a in one.absences] == [
        a.start_date for a in later.absences
    ]


@pytest.mark.parametrize("size", sorted(SIZES))
def test_plan_is_consistent(size):
    plan = plan_demo(2026, size, today=TODAY)
    units = {u.code: u for u in plan.units}
    staff = {s.staff_no: s for s in plan.staff}
    assert len(units) == len(plan.units)
    assert len(staff) == len(plan.staff)
    assert len({s.name for s in plan.staff}) == len(plan.staff)

    def within(unit_code, ancestor_code):
        while unit_code is not None:
            if unit_code == ancestor_code:
                return True
            unit_code = units[unit_code].parent
        return False

    for post in plan.posts:
        assert post.a_holder != post.b_holder
        assert within(staff[post.a_holder].unit, post.unit)
        if post.b_holder:
            assert within(staff[post.b_holder].unit, post.unit)
    assert any(p.b_holder is None for p in plan.posts)
    assert sum(p.b_holder is None for p in plan.posts) < len(plan.posts) / 4

    by_person = defaultdict(list)
    for absence in plan.absences:
        assert absence.end_date >= absence.start_date
        for start, end in by_person[absence.staff_no]:
            assert absence.end_date < start or end < absence.start_date
        by_person[absence.staff_no].append((absence.start_date, absence.end_date))
    assert len(plan.absences) == SIZES[size].absences
    assert any(a.start_date <= TODAY <= a.end_date for a in plan.absences)
    assert any(a.end_date < TODAY for a in plan.absences)
    assert any(a.start_date > TODAY for a in plan.absences)

    earliest = TODAY - timedelta(days=SIZES[size].inquiry_days + 2)
    assert {i.status for i in plan.inquiries} == {"open", "routed", "answered"}
    for inquiry in plan.inquiries:
        assert earliest <= inquiry.received_at.date() < TODAY
        assert within(staff[inquiry.received_by].unit, inquiry.unit)
        if inquiry.status == "answered":
            assert inquiry.answer and inquiry.answered_at >= inquiry.received_at
            assert inquiry.answered_at.date() < TODAY
        if inquiry.status == "routed":
            assert inquiry.route_to_unit != inquiry.unit
            assert within(staff[inquiry.route_to_staff].unit, inquiry.route_to_unit)


def test_default_size_is_a_city():
    plan = plan_demo(2026, "default", today=TODAY)
    kinds = defaultdict(int)
    for unit in plan.units:
        kinds[unit.kind] += 1
    assert kinds["department"] == 65  # 64 departments and the efficiency office
    assert kinds["window"] == 12
    assert kinds["district"] == 5
    assert 300 <= len(plan.staff) <= 600
    assert len(plan.inquiries) == 150


def test_small_size_is_small():
    plan = plan_demo(2026, "small", today=TODAY)
    assert 40 <= len(plan.staff) <= 80
    assert sum(u.kind == "department" for u in plan.units) == 9


# ---- the database ----------------------------------------------------------------------------


def _snapshot():
    return (
        list(Unit.objects.order_by("code").values_list("code", "name", "kind", "path")),
        list(Staff.objects.order_by("staff_no").values_list("staff_no", "name", "unit__code")),
        list(
            Post.objects.order_by("unit__code", "name").values_list(
                "unit__code", "name", "a_holder__staff_no", "b_holder__staff_no"
            )
        ),
        list(
            FirstInquiry.objects.order_by("received_at").values_list(
                "subject", "status", "received_at", "answered_at"
            )
        ),
    )


@pytest.mark.django_db
def test_small_demo_builds():
    summary = build_demo(seed=2026, size="small", today=TODAY, password="s3cret-demo")
    plan = plan_demo(2026, "small", today=TODAY)

    assert summary.units == Unit.objects.count() == len(plan.units)
    assert summary.staff == len(plan.staff)
    assert summary.posts == len(plan.posts)
    assert summary.absences == len(plan.absences)
    assert summary.inquiries == len(plan.inquiries)
    assert summary.seconds < 10
    assert UnitCategory.objects.count() == 5
    # Categories sit on department-level units only, and every department has one.
    assert not Unit.objects.filter(kind__in=["department", "centre"], category=None).exists()
    assert Unit.objects.get(code="SF-ZY").category.code == "fajian"
    assert Unit.objects.get(code="SF-RSJ").category.code == "window"
    assert Unit.objects.get(code="SF-ZZB").category.code == "party"
    assert Unit.objects.get(code="SF-SWJ").category.code == "resident"
    assert Unit.objects.get(code="SF-FGW").category.code == "government"

    assert not Post.objects.filter(a_holder=F("b_holder")).exists()
    for absence in Absence.objects.all():
        assert absence.end_date >= absence.start_date
    answered = FirstInquiry.objects.filter(status=FirstInquiry.Status.ANSWERED)
    assert answered.exists()
    for inquiry in answered:
        assert inquiry.answered_at >= inquiry.received_at and inquiry.answer
    assert FirstInquiry.objects.filter(status=FirstInquiry.Status.ROUTED).exists()
    assert FirstInquiry.objects.filter(status=FirstInquiry.Status.OPEN).exists()

    report = audit.verify()
    assert report.ok, report.problem
    assert report.checked == summary.audit_entries


@pytest.mark.django_db
def test_every_role_has_a_login_in_the_right_place():
    build_demo(seed=2026, size="small", today=TODAY, password="s3cret-demo")
    User = get_user_model()
    users = {u.username: u for u in User.objects.select_related("unit")}
    assert set(DEMO_USERNAMES) <= set(users)
    root = Unit.objects.get(code="SF")
    expected = {
        "admin": (Role.ADMIN, "SF"),
        "office": (Role.OFFICE, "SF"),
        "leader": (Role.LEADER, "SF"),
        "liaison": (Role.LIAISON, "SF-RSJ"),
        "liaison2": (Role.LIAISON, "SF-SCJGJ"),
        "window": (Role.WINDOW, "SF-ZWZX-01"),
        "supervisor": (Role.SUPERVISOR, "SF"),
        "api": (Role.API_CLIENT, "SF-GAJ"),
    }
    for username, (role, unit_code) in expected.items():
        user = users[username]
        assert user.role == role, username
        assert user.unit.code == unit_code, username
        assert user.display_name, username
        assert user.check_password("s3cret-demo"), username
    assert users["admin"].is_superuser and users["admin"].unit == root
    assert not users["office"].is_superuser
    # The office account's person works in the efficiency office, though it sees the whole city.
    assert users["office"].staff.unit.code == "SF-XNB"
    assert users["liaison"].staff.unit.is_within(users["liaison"].unit)
    assert users["window"].staff.unit == users["window"].unit
    assert users["liaison"].staff.name == users["liaison"].display_name
    # Liaisons are scoped to their own department: neither sees the other's staff.
    liaison_staff = Staff.objects.visible_to(users["liaison"])
    assert liaison_staff.exists()
    assert not liaison_staff.filter(unit__path__startswith=users["liaison2"].unit.path).exists()


@pytest.mark.django_db
def test_reset_rebuilds_the_same_city_and_keeps_the_audit_log():
    build_demo(seed=2026, size="small", today=TODAY)
    first = _snapshot()
    entries = audit.verify().checked

    with pytest.raises(DemoError, match="--reset"):
        build_demo(seed=2026, size="small", today=TODAY)

    summary = build_demo(seed=2026, size="small", today=TODAY, reset=True)
    assert summary.reset["单位"] == len(first[0])
    second = _snapshot()
    # Paths hold database ids, which keep counting after a reset; everything else is equal.
    assert [row[:3] for row in first[0]] == [row[:3] for row in second[0]]
    assert first[1:] == second[1:]
    report = audit.verify()
    assert report.ok, report.problem
    assert report.checked > entries  # appended to, never cut

    build_demo(seed=99, size="small", today=TODAY, reset=True)
    assert _snapshot()[1] != second[1]


@pytest.mark.django_db
def test_future_reference_date_is_refused():
    with pytest.raises(DemoError):
        build_demo(size="small", today=date.today() + timedelta(days=3))
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_command_builds_refuses_then_resets():
    out = StringIO()
    call_command("demo", "--size", "small", "--seed", "5", "--password", "pw-demo-5", stdout=out)
    text = out.getvalue()
    assert "示范市演示数据已生成" in text
    for username in DEMO_USERNAMES:
        assert username in text
    assert "pw-demo-5" in text and "单位联络员" in text

    with pytest.raises(CommandError, match="已有"):
        call_command("demo", "--size", "small", stdout=StringIO())

    out = StringIO()
    call_command("demo", "--size", "small", "--reset", stdout=out)
    assert "已删除原有数据" in out.getvalue()
    assert get_user_model().objects.get(username="admin").check_password("demo2026!")


def test_if_empty_keeps_existing_data_and_logins_lists_accounts_and_codes(db):
    import re
    from io import StringIO

    from django.core.management import call_command

    from xiaoneng.org.models import Unit

    out = StringIO()
    call_command("demo", "--size", "small", stdout=out)
    built = out.getvalue()
    units = Unit.objects.count()
    out = StringIO()
    call_command("demo", "--size", "small", "--if-empty", stdout=out)
    text = out.getvalue()
    assert "沿用现有数据" in text and "xiaoneng demo --logins" in text
    assert Unit.objects.count() == units

    # ./run-demo prints these last, just before the site starts, so they are not scrolled away.
    out = StringIO()
    call_command("demo", "--logins", stdout=out)
    listed = out.getvalue()
    for username in DEMO_USERNAMES:
        assert username in listed
    assert "效能办" in listed
    codes = re.search(r"可试用评议码：(\S+)，在 /evaluations/answer/ 使用", listed).group(1)
    assert len(codes.split("、")) == 3
    assert f"可试用评议码：{codes}" in built  # the same codes the build printed
    assert Unit.objects.count() == units


def test_logins_without_a_demo_says_what_to_run(db):
    from io import StringIO

    from django.core.management import call_command

    with pytest.raises(CommandError, match="xiaoneng demo"):
        call_command("demo", "--logins", stdout=StringIO())
