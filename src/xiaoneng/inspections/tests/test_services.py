"""明查暗访 from the checklist to the consequence, through the services."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from xiaoneng.accounts.roles import Role
from xiaoneng.inspections import figures, services
from xiaoneng.inspections.models import CheckItem, Finding, Plan, Visit
from xiaoneng.inspections.watches import contest_window_closed
from xiaoneng.org.models import Absence
from xiaoneng.rectification.models import Task
from xiaoneng.supervision.models import Card
from xiaoneng.supervision.watches import sweep
from xiaoneng.testing.factories import PostFactory, StaffFactory, UnitFactory

from .conftest import NOW, at, jpeg, photo_upload

pytestmark = pytest.mark.django_db


def _visit(plan, unit, member, day=date(2026, 3, 4)) -> Visit:
    with time_machine.travel(NOW, tick=False):
        return services.start_visit(member, plan, unit, day)


def _finding(visit, member, item, **changes) -> Finding:
    data = services.FindingIn(
        item_id=item.pk if item else None, note=changes.pop("note", ""), **changes
    )
    with time_machine.travel(NOW, tick=False):
        return services.record_finding(member, visit, data)


# ---- the checklist -------------------------------------------------------------------------------


def test_default_checklist_covers_the_seeds(items):
    names = set(items)
    assert {"佩戴胸卡", "台卡摆放", "去向卡", "准时到岗", "上班时间玩游戏/网购"} <= names
    assert {"首问负责落实", "一次性告知", "窗口服务态度", "吃拿卡要"} <= names
    assert items["服务承诺公开"].kind == CheckItem.Kind.PASS_FAIL


def test_an_edit_makes_a_new_version_and_findings_keep_theirs(users, items, make_plan, org, member):
    old = items["佩戴胸卡"]
    plan = make_plan()
    finding = _finding(_visit(plan, org.dept_a, member), member, old)
    new = services.save_item(
        users[Role.OFFICE],
        old,
        services.ItemIn(old.category, "佩戴工作牌", old.kind, Decimal("1.5")),
    )
    old.refresh_from_db()
    finding.refresh_from_db()
    assert (new.code, new.version, new.is_current) == (old.code, 2, True)
    assert not old.is_current
    assert finding.item == old and finding.deduction == Decimal(1)
    with pytest.raises(ValidationError):
        services.save_item(
            users[Role.OFFICE], old, services.ItemIn(old.category, "x", old.kind, Decimal(1))
        )


def test_only_the_office_edits_the_checklist(users, items):
    with pytest.raises(PermissionDenied):
        services.retire_item(users[Role.LIAISON], items["去向卡"])


def test_a_deduction_item_needs_a_positive_deduction(users):
    with pytest.raises(ValidationError) as refused:
        services.save_item(
            users[Role.OFFICE], None, services.ItemIn("cards", "胸卡", "deduction", Decimal(0))
        )
    assert "扣分" in str(refused.value)


# ---- plans, the draw, who sees them ------------------------------------------------------------


def test_a_draw_is_reproducible_and_recorded(users, member, org):
    units = [UnitFactory(name=f"窗口{n}", code=f"W{n:02d}", parent=org.root) for n in range(10)]
    first = services.draw_units(units, 3, "03 09 14 21 26 33 / 07")
    again = services.draw_units(list(reversed(units)), 3, "3.9.14.21.26.33./7./")
    assert first == again
    other = services.draw_units(units, 3, "01 02 03")
    assert other.chosen != first.chosen or other.canonical_seed != first.canonical_seed
    data = services.PlanIn(
        "暗访",
        Plan.Kind.COVERT,
        date(2026, 3, 1),
        date(2026, 3, 31),
        (member,),
        pool=tuple(units),
        draw_count=3,
        draw_seed="03 09 14 21 26 33 / 07",
    )
    plan = services.create_plan(users[Role.OFFICE], data)
    assert [t.unit for t in plan.targets.all()] == list(first.chosen)
    assert plan.draw_pool_hash == services.pool_hash([u.code for u in units])
    assert plan.draw_canonical == first.canonical_seed


def test_a_draw_refuses_a_bad_seed_or_count(org):
    with pytest.raises(ValidationError):
        services.draw_units([org.dept_a], 2, "1 2 3")
    with pytest.raises(ValidationError):
        services.draw_units([org.dept_a], 1, "abc")


def test_a_covert_plan_is_hidden_from_the_unit_until_its_visit_is_recorded(
    users, items, make_plan, org, member
):
    plan = make_plan(Plan.Kind.COVERT)
    liaison = users[Role.LIAISON]  # of department A
    assert not Plan.objects.visible_to(liaison).filter(pk=plan.pk).exists()
    assert not Plan.objects.visible_to(users[Role.LEADER]).filter(pk=plan.pk).exists()
    assert Plan.objects.visible_to(users[Role.SUPERVISOR]).filter(pk=plan.pk).exists()  # team
    visit = _visit(plan, org.dept_a, member)
    assert not Visit.objects.visible_to(liaison).filter(pk=visit.pk).exists()
    with time_machine.travel(NOW, tick=False):
        services.submit_visit(member, visit)
    assert Plan.objects.visible_to(liaison).filter(pk=plan.pk).exists()
    assert Visit.objects.visible_to(liaison).filter(pk=visit.pk).exists()


def test_an_open_plan_is_shown_to_the_units_it_visits(users, make_plan):
    plan = make_plan(Plan.Kind.OPEN)
    assert Plan.objects.visible_to(users[Role.LIAISON]).filter(pk=plan.pk).exists()


def test_a_plan_needs_a_team_of_office_staff_or_supervisors(users, org):
    data = services.PlanIn(
        "x",
        Plan.Kind.OPEN,
        date(2026, 3, 1),
        date(2026, 3, 2),
        (users[Role.LIAISON],),
        units=(org.dept_a,),
    )
    with pytest.raises(ValidationError):
        services.create_plan(users[Role.OFFICE], data)


# ---- visits and findings -------------------------------------------------------------------------


def test_a_visit_outside_the_plan_or_its_period_is_refused(users, make_plan, org, member):
    plan = make_plan(units=(org.dept_a,))
    with pytest.raises(ValidationError) as refused:
        _visit(plan, org.dept_a, member, day=date(2026, 4, 2))
    assert "计划期间" in str(refused.value)
    with pytest.raises(ValidationError):
        _visit(plan, org.dept_b, member)
    with pytest.raises(PermissionDenied):
        _visit(plan, org.dept_a, users[Role.LIAISON])


def test_a_finding_needs_an_item_or_a_note(items, make_plan, org, member):
    visit = _visit(make_plan(), org.dept_a, member)
    with pytest.raises(ValidationError) as refused:
        _finding(visit, member, None, note="  ")
    assert "检查项目" in str(refused.value)
    assert _finding(visit, member, None, note="窗口无人值守二十分钟").deduction == 0


def test_several_members_record_and_a_draft_sent_twice_is_stored_once(
    users, items, make_plan, org, member, clerk
):
    visit = _visit(make_plan(), org.dept_a, member)
    first = _finding(visit, member, items["佩戴胸卡"], person_id=clerk.pk, client_key="k1")
    again = _finding(visit, member, items["佩戴胸卡"], person_id=clerk.pk, client_key="k1")
    other = _finding(visit, users[Role.SUPERVISOR], items["去向卡"], client_key="k2")
    assert first.pk == again.pk
    assert visit.findings.count() == 2
    assert other.recorded_by == users[Role.SUPERVISOR]


def test_the_person_concerned_is_of_the_visited_unit(items, make_plan, org, member):
    visit = _visit(make_plan(), org.dept_a, member)
    outsider = StaffFactory(unit=org.dept_b)
    with pytest.raises(ValidationError):
        _finding(visit, member, items["佩戴胸卡"], person_id=outsider.pk)


def test_staff_on_duty_leave_out_the_absent_and_name_the_stand_in(org):
    a = StaffFactory(name="甲", unit=org.section_a)
    b = StaffFactory(name="乙", unit=org.section_a)
    PostFactory(unit=org.section_a, name="受理岗", a_holder=a, b_holder=b)
    Absence.objects.create(staff=a, start_date=date(2026, 3, 2), end_date=date(2026, 3, 6))
    on_duty = {p.name: p for p in services.staff_on_duty(org.dept_a, date(2026, 3, 4))}
    assert "甲" not in on_duty
    assert "顶岗" in on_duty["乙"].note
    assert "甲" in {p.name for p in services.staff_on_duty(org.dept_a, date(2026, 3, 9))}


def test_photos_keep_the_time_and_lose_the_position(items, make_plan, org, member):
    visit = _visit(make_plan(), org.dept_a, member)
    finding = _finding(visit, member, items["去向卡"], photos=(photo_upload(),))
    photo = finding.photos.get()
    stored = Image.open(io.BytesIO(photo.file.read()))
    exif = stored.getexif()
    assert 0x8825 not in exif
    assert exif.get_ifd(0x8769)[0x9003] == "2026:03:05 09:31:00"
    assert photo.taken_at == at("2026-03-05 09:31")
    assert not photo.gps_kept


def test_the_office_may_keep_the_position(items, make_plan, org, member):
    from xiaoneng.inspections.models import Rules

    Rules.objects.create(keep_gps=True)
    visit = _visit(make_plan(), org.dept_a, member)
    photo = _finding(visit, member, items["去向卡"], photos=(photo_upload(),)).photos.get()
    assert photo.gps_kept
    assert 0x8825 in Image.open(io.BytesIO(photo.file.read())).getexif()


def test_a_photo_that_is_not_an_image_or_too_large_is_refused_and_nothing_is_stored(
    items, make_plan, org, member
):
    from xiaoneng.inspections.models import Rules

    visit = _visit(make_plan(), org.dept_a, member)
    fake = photo_upload("x.jpg", b"MZ\x90\x00 this is a program")
    with pytest.raises(ValidationError) as refused:
        _finding(visit, member, items["去向卡"], photos=(fake,))
    assert "照片" in str(refused.value)
    Rules.objects.create(max_photo_mb=1)
    big = photo_upload("big.jpg", jpeg() + b"\x00" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as refused:
        _finding(visit, member, items["去向卡"], photos=(big,))
    assert "超过1MB" in str(refused.value)
    assert not visit.findings.exists()


def test_a_submitted_visit_takes_no_more_findings(items, make_plan, org, member):
    visit = _visit(make_plan(), org.dept_a, member)
    _finding(visit, member, items["去向卡"])
    services.submit_visit(member, visit)
    with pytest.raises(ValidationError):
        _finding(visit, member, items["佩戴胸卡"])


# ---- review and consequences ---------------------------------------------------------------------


@pytest.fixture
def submitted(items, make_plan, org, member, clerk):
    visit = _visit(make_plan(), org.dept_a, member)
    finding = _finding(
        visit, member, items["上班时间玩游戏/网购"], person_id=clerk.pk, note="玩手机游戏"
    )
    dropped = _finding(visit, member, items["台卡摆放"])
    with time_machine.travel(NOW, tick=False):
        services.submit_visit(member, visit)
    return visit, finding, dropped


def test_confirm_with_a_card_and_a_task_then_drop_the_other(users, submitted, clerk):
    visit, finding, dropped = submitted
    office = users[Role.OFFICE]
    with time_machine.travel(at("2026-03-06 09:00"), tick=False):
        services.confirm(
            office, finding, reason="照片清楚", card=True, rectify_by=date(2026, 4, 30)
        )
        services.drop(office, dropped, "台卡被群众碰倒，当场已复位")
    finding.refresh_from_db()
    visit.refresh_from_db()
    assert finding.status == Finding.Status.CONFIRMED
    assert visit.status == Visit.Status.REVIEWED
    card = Card.objects.get(cause=Card.Cause.INSPECTION_FINDING)
    assert (card.color, card.staff, card.unit) == (Card.Color.YELLOW, clerk, visit.unit)
    task = Task.objects.get(source_kind="inspection", source_id=finding.pk)
    assert task.unit == visit.unit
    with pytest.raises(ValidationError):
        services.raise_card(office, finding)  # exactly once
    with pytest.raises(ValidationError):
        services.open_rectification(office, finding, date(2026, 5, 30))
    # the contest window: 5 working days after the confirmation (3/6 Friday → 3/13)
    assert finding.due_at is not None and finding.due_at.astimezone(
        at("2026-03-13 00:00").tzinfo
    ).date() == date(2026, 3, 13)
    with pytest.raises(ValidationError):
        services.drop(office, finding, "晚了")


def test_a_dropped_finding_needs_a_reason(users, submitted):
    dropped = submitted[2]
    with pytest.raises(ValidationError):
        services.drop(users[Role.OFFICE], dropped, " ")


def test_only_the_office_reviews(users, submitted):
    with pytest.raises(PermissionDenied):
        services.confirm(users[Role.SUPERVISOR], submitted[1])


def test_contest_in_time_and_withdraw_takes_the_card_back(users, submitted):
    _v, finding, _d = submitted
    with time_machine.travel(at("2026-03-06 09:00"), tick=False):
        services.confirm(users[Role.OFFICE], finding, card=True)
    with time_machine.travel(at("2026-03-12 16:00"), tick=False):
        services.contest(
            users[Role.LIAISON], finding, "当时在查询办件系统，非游戏", (photo_upload(),)
        )
        services.decide_contest(users[Role.OFFICE], finding, accept=True, reason="经核实属实")
    finding.refresh_from_db()
    assert finding.status == Finding.Status.WITHDRAWN
    assert Card.objects.get(cause=Card.Cause.INSPECTION_FINDING).status == Card.Status.WITHDRAWN
    assert services.confirmed_findings(date(2026, 3, 1), date(2026, 3, 31)) == []


def test_a_contest_after_its_deadline_is_refused(users, submitted):
    _v, finding, _d = submitted
    with time_machine.travel(at("2026-03-06 09:00"), tick=False):
        services.confirm(users[Role.OFFICE], finding)
    with (
        time_machine.travel(at("2026-03-16 09:00"), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        services.contest(users[Role.LIAISON], finding, "不服")
    assert "申辩期限" in str(refused.value)


def test_only_the_units_liaison_contests(users, submitted, org):
    from xiaoneng.testing.factories import UserFactory

    _v, finding, _d = submitted
    with time_machine.travel(at("2026-03-06 09:00"), tick=False):
        services.confirm(users[Role.OFFICE], finding)
        other = UserFactory(username="liaison_b", role=Role.LIAISON, unit=org.dept_b)
        with pytest.raises(PermissionDenied):
            services.contest(other, finding, "不服")


def test_the_sweeper_closes_the_contest_window(users, submitted):
    _v, finding, _d = submitted
    with time_machine.travel(at("2026-03-06 09:00"), tick=False):
        services.confirm(users[Role.OFFICE], finding)
    with time_machine.travel(at("2026-03-16 09:00"), tick=False):
        sweep()
    finding.refresh_from_db()
    assert finding.final_at is not None and not finding.deadline_open


def test_the_watch_leaves_a_contested_finding_alone(users, submitted):
    _v, finding, _d = submitted
    finding.status = Finding.Status.CONTESTED
    contest_window_closed([finding], NOW)
    finding.refresh_from_db()
    assert finding.final_at is None


def test_what_accountability_and_assessment_read(users, submitted, clerk):
    visit, finding, dropped = submitted
    with time_machine.travel(at("2026-03-06 09:00"), tick=False):
        services.confirm(users[Role.OFFICE], finding)
        services.drop(users[Role.OFFICE], dropped, "不成立")
    found = services.confirmed_findings(date(2026, 3, 6), date(2026, 3, 6))
    assert [(f.finding_id, f.unit_id, f.person_id, f.item_name, f.deduction) for f in found] == [
        (finding.pk, visit.unit_id, clerk.pk, "上班时间玩游戏/网购", Decimal(3))
    ]
    assert found[0].category == "工作纪律"
    assert services.confirmed_findings(date(2026, 3, 7), date(2026, 3, 31)) == []
    per_unit = figures.unit_findings(date(2026, 3, 1), date(2026, 3, 31))
    assert per_unit == {visit.unit_id: figures.UnitFindings(1, Decimal(3), (finding.pk,))}
    assert figures.unit_findings(date(2026, 4, 1), date(2026, 4, 30)) == {}


def test_a_supervisors_observation_is_reviewed_like_any_finding(users, items, org):
    supervisor = users[Role.SUPERVISOR]
    with time_machine.travel(NOW, tick=False):
        visit = services.file_observation(
            supervisor, org.dept_b, date(2026, 3, 5), services.FindingIn(items["去向卡"].pk, "")
        )
    assert visit.plan is None and visit.status == Visit.Status.SUBMITTED
    finding = visit.findings.get()
    services.confirm(users[Role.OFFICE], finding)
    assert Visit.objects.visible_to(supervisor).filter(pk=visit.pk).exists()
    with pytest.raises(PermissionDenied):
        services.file_observation(
            users[Role.LIAISON], org.dept_b, date(2026, 3, 5), services.FindingIn(None, "x")
        )


def test_the_bulletin_names_people_only_when_the_plan_says_so(
    users, items, make_plan, org, member, clerk
):
    from xiaoneng.inspections import bulletin

    for name_people in (False, True):
        plan = make_plan(title=f"点名{name_people}", name_people=name_people, units=(org.dept_a,))
        visit = _visit(plan, org.dept_a, member)
        finding = _finding(visit, member, items["吃拿卡要"], person_id=clerk.pk)
        pending = _finding(visit, member, items["去向卡"])
        services.submit_visit(member, visit)
        services.confirm(users[Role.OFFICE], finding)
        b = bulletin.build(plan, users[Role.OFFICE])
        assert [line.finding_id for line in b.findings] == [finding.pk]  # not the pending one
        assert b.findings[0].person == (clerk.name if name_people else "")
        assert (b.total, b.deduction) == (1, Decimal(5))
        assert pending.pk not in [line.finding_id for line in b.findings]
