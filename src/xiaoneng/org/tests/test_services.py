from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.org import services
from xiaoneng.org.models import FirstInquiry, Post, Unit
from xiaoneng.testing.factories import AbsenceFactory, PostFactory, StaffFactory, UnitFactory

D = datetime.date


# ---- the unit tree ---------------------------------------------------------------------------


def test_create_unit_sets_path_and_depth(org, office_user):
    unit = services.create_unit(
        office_user, name="新科室", code="NEW", kind="section", parent=org.section_a
    )
    assert unit.path == f"{org.section_a.path}{unit.pk}/"
    assert unit.depth == 3
    assert Unit.objects.subtree_of(org.dept_a).filter(pk=unit.pk).exists()


def test_moving_a_unit_reroots_its_subtree(org, office_user):
    grandchild = services.create_unit(
        office_user, name="孙", code="GC", kind="window", parent=org.section_a
    )
    services.update_unit(office_user, org.section_a, parent=org.dept_b)
    org.section_a.refresh_from_db()
    grandchild.refresh_from_db()
    assert org.section_a.path == f"{org.dept_b.path}{org.section_a.pk}/"
    assert grandchild.path == f"{org.section_a.path}{grandchild.pk}/"
    assert grandchild.depth == 3
    assert not Unit.objects.subtree_of(org.dept_a).filter(pk=grandchild.pk).exists()


@pytest.mark.parametrize("target", ["dept_a", "section_a"])
def test_a_cycle_is_refused(org, office_user, target):
    with pytest.raises(ValidationError) as caught:
        services.update_unit(office_user, org.dept_a, parent=getattr(org, target))
    assert "自己或其下级单位" in str(caught.value)
    org.dept_a.refresh_from_db()
    assert org.dept_a.parent_id == org.root.pk


def test_only_admin_creates_a_top_level_unit(office_user, users, db):
    with pytest.raises(PermissionDenied):
        services.create_unit(office_user, name="另一个市", code="X", kind="region")
    unit = services.create_unit(users[Role.ADMIN], name="另一个市", code="X", kind="region")
    assert unit.path == f"{unit.pk}/"


def test_duplicate_unit_code_is_refused(org, office_user):
    with pytest.raises(ValidationError) as caught:
        services.create_unit(office_user, name="重复", code="A", kind="section", parent=org.root)
    assert "code" in caught.value.error_dict


def test_liaison_cannot_edit_units(org, users):
    with pytest.raises(PermissionDenied):
        services.update_unit(users[Role.LIAISON], org.section_a, name="改名")


# ---- posts and AB岗 --------------------------------------------------------------------------


def test_post_with_same_a_and_b_is_refused(org, office_user):
    person = StaffFactory(unit=org.dept_a)
    with pytest.raises(ValidationError) as caught:
        services.create_post(
            office_user, unit=org.dept_a, name="审批岗", a_holder=person, b_holder=person
        )
    assert "同一人" in str(caught.value)
    assert not Post.objects.exists()


def test_database_also_refuses_same_a_and_b(org):
    person = StaffFactory(unit=org.dept_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(unit=org.dept_a, name="x", a_holder=person, b_holder=person)


def test_holder_from_another_unit_is_refused(org, office_user):
    with pytest.raises(ValidationError) as caught:
        services.create_post(
            office_user,
            unit=org.dept_a,
            name="审批岗",
            a_holder=StaffFactory(unit=org.dept_a),
            b_holder=StaffFactory(unit=org.dept_b),
        )
    assert "b_holder" in caught.value.error_dict


def test_liaison_manages_posts_in_own_unit_only(org, users):
    liaison = users[Role.LIAISON]
    post = services.create_post(
        liaison, unit=org.section_a, name="受理岗", a_holder=StaffFactory(unit=org.section_a)
    )
    assert post.pk
    with pytest.raises(PermissionDenied):
        services.create_post(liaison, unit=org.dept_b, name="受理岗")


@pytest.fixture
def post(org):
    return PostFactory(unit=org.section_a)


def test_a_holder_handles_when_present(post):
    handler = services.who_handles(post, D(2026, 3, 2))
    assert handler.staff == post.a_holder and not handler.is_stand_in
    assert "A岗" in handler.message


def test_b_holder_handles_when_a_is_absent(post):
    AbsenceFactory(staff=post.a_holder, start_date=D(2026, 3, 1), end_date=D(2026, 3, 5))
    for day in (D(2026, 3, 1), D(2026, 3, 3), D(2026, 3, 5)):
        handler = services.who_handles(post, day)
        assert handler.staff == post.b_holder and handler.is_stand_in
        assert "顶岗" in handler.message
    assert services.who_handles(post, D(2026, 3, 6)).staff == post.a_holder


def test_nobody_when_both_are_absent(post):
    AbsenceFactory(staff=post.a_holder, start_date=D(2026, 3, 1), end_date=D(2026, 3, 5))
    AbsenceFactory(staff=post.b_holder, start_date=D(2026, 3, 4), end_date=D(2026, 3, 9))
    handler = services.who_handles(post, D(2026, 3, 4))
    assert handler.staff is None
    assert "均不在岗" in handler.message
    assert services.who_handles(post, D(2026, 3, 6)).staff == post.a_holder


def test_inactive_a_holder_counts_as_absent(post):
    post.a_holder.is_active = False
    post.a_holder.save()
    assert services.who_handles(post, D(2026, 3, 2)).staff == post.b_holder


def test_absence_ending_before_it_starts_is_refused(post, office_user):
    with pytest.raises(ValidationError) as caught:
        services.add_absence(office_user, post.a_holder, D(2026, 3, 5), D(2026, 3, 1), "leave")
    assert "结束日期不能早于开始日期" in str(caught.value)


def test_overlapping_absence_is_refused(post, office_user):
    services.add_absence(office_user, post.a_holder, D(2026, 3, 1), D(2026, 3, 5), "leave")
    with pytest.raises(ValidationError, match="重叠"):
        services.add_absence(office_user, post.a_holder, D(2026, 3, 5), D(2026, 3, 8), "trip")


def test_absence_changes_are_audited(post, office_user):
    absence = services.add_absence(
        office_user, post.a_holder, D(2026, 3, 1), D(2026, 3, 5), "leave"
    )
    services.remove_absence(office_user, absence)
    assert list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)) == [
        "create",
        "delete",
    ]


# ---- first-inquiry register ------------------------------------------------------------------


def test_inquiry_lifecycle(org, users):
    window = users[Role.WINDOW]
    receiver = StaffFactory(unit=org.dept_a)
    inquiry = services.register_inquiry(
        window,
        unit=org.dept_a,
        received_by=receiver,
        subject="咨询营业执照变更材料",
        channel="visit",
    )
    assert inquiry.status == FirstInquiry.Status.OPEN
    routed = services.route_inquiry(window, inquiry, org.dept_b)
    assert routed.status == FirstInquiry.Status.ROUTED and routed.routed_at
    with pytest.raises(ValidationError):
        services.answer_inquiry(window, routed, "   ")
    answered = services.answer_inquiry(window, routed, "已由乙局电话答复")
    assert answered.status == FirstInquiry.Status.ANSWERED
    with pytest.raises(ValidationError):
        services.route_inquiry(window, answered, org.dept_b)
    assert AuditEntry.objects.filter(object_type="org.firstinquiry").count() == 3


def test_inquiry_receiver_must_belong_to_unit(org, users):
    with pytest.raises(ValidationError) as caught:
        services.register_inquiry(
            users[Role.OFFICE],
            unit=org.dept_a,
            received_by=StaffFactory(unit=org.dept_b),
            subject="x",
        )
    assert "received_by" in caught.value.error_dict


def test_window_staff_cannot_register_for_another_unit(org, users):
    with pytest.raises(PermissionDenied):
        services.register_inquiry(
            users[Role.WINDOW],
            unit=org.dept_b,
            received_by=StaffFactory(unit=org.dept_b),
            subject="x",
        )


def test_unit_factory_builds_paths(db):
    root = UnitFactory()
    child = UnitFactory(parent=root)
    assert child.path.startswith(root.path)


def test_routing_time_must_follow_receipt(org, users):
    from django.utils import timezone

    window = users[Role.WINDOW]
    received = timezone.now() - datetime.timedelta(days=3)
    inquiry = services.register_inquiry(
        window,
        unit=org.dept_a,
        received_by=StaffFactory(unit=org.dept_a),
        subject="x",
        received_at=received,
    )
    with pytest.raises(ValidationError, match="转交时间"):
        services.route_inquiry(
            window, inquiry, org.dept_b, routed_at=received - datetime.timedelta(hours=1)
        )
    routed = services.route_inquiry(
        window, inquiry, org.dept_b, routed_at=received + datetime.timedelta(hours=1)
    )
    with pytest.raises(ValidationError, match="早于转交时间"):
        services.answer_inquiry(
            window, routed, "答复", answered_at=received + datetime.timedelta(minutes=30)
        )
