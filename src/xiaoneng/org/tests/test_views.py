from __future__ import annotations

import pytest
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Absence, FirstInquiry, Post, Staff, Unit
from xiaoneng.testing.factories import AbsenceFactory, PostFactory, StaffFactory


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    return client


def test_tree_shows_first_levels_and_loads_children(office, org):
    page = office.get(reverse("org:unit_tree")).content.decode()
    assert "示范市" in page and "市甲局" in page and "市乙局" in page
    assert "甲局审批科" not in page  # third level is loaded on demand
    fragment = office.get(
        reverse("org:unit_children", args=[org.dept_a.pk]), HTTP_HX_REQUEST="true"
    )
    assert "甲局审批科" in fragment.content.decode()


def test_tree_of_a_liaison_starts_at_their_unit(client, users, org):
    client.force_login(users[Role.LIAISON])
    page = client.get(reverse("org:unit_tree")).content.decode()
    assert "市甲局" in page and "市乙局" not in page
    assert client.get(reverse("org:unit_children", args=[org.dept_b.pk])).status_code == 404


def test_unit_search(office, org):
    page = office.get(reverse("org:unit_tree"), {"q": "审批"}).content.decode()
    assert "甲局审批科" in page and "市乙局" not in page
    page = office.get(reverse("org:unit_tree"), {"q": "不存在的单位"}).content.decode()
    assert "没有找到" in page


def test_create_unit_through_the_form(office, org):
    response = office.post(
        reverse("org:unit_new"),
        {
            "name": "新设科",
            "code": "NEWSEC",
            "kind": "section",
            "parent": org.dept_b.pk,
            "sort_order": 0,
            "is_active": "on",
        },
    )
    unit = Unit.objects.get(code="NEWSEC")
    assert response.status_code == 302 and response["Location"] == reverse(
        "org:unit_detail", args=[unit.pk]
    )
    assert unit.path.startswith(org.dept_b.path)


def test_cycle_through_the_form_shows_chinese_error_and_keeps_input(office, org):
    response = office.post(
        reverse("org:unit_edit", args=[org.dept_a.pk]),
        {
            "name": "市甲局（改）",
            "code": "A",
            "kind": "department",
            "parent": org.section_a.pk,
            "sort_order": 0,
            "is_active": "on",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "不能把“市甲局”移到它自己或其下级单位" in page
    assert 'value="市甲局（改）"' in page  # what the user typed is still there
    assert Unit.objects.get(pk=org.dept_a.pk).name == "市甲局"


def test_post_form_refuses_same_holder(office, org):
    person = StaffFactory(unit=org.dept_a)
    response = office.post(
        reverse("org:post_new"),
        {"unit": org.dept_a.pk, "name": "审批岗", "a_holder": person.pk, "b_holder": person.pk},
    )
    assert "A岗和B岗不能是同一人" in response.content.decode()
    assert not Post.objects.exists()


def test_who_handles_fragment(office, org):
    post = PostFactory(unit=org.dept_a)
    AbsenceFactory(staff=post.a_holder, start_date="2026-03-02", end_date="2026-03-04")
    url = reverse("org:post_handler", args=[post.pk])
    page = office.get(url, {"day": "2026-03-03"}).content.decode()
    assert post.b_holder.name in page and "顶岗" in page
    assert "请选择有效的日期" in office.get(url, {"day": "2026-13-40"}).content.decode()


def test_unit_detail_shows_posts_and_staff(office, org):
    post = PostFactory(unit=org.dept_a)
    page = office.get(reverse("org:unit_detail", args=[org.dept_a.pk])).content.decode()
    assert post.name in page and post.a_holder.name in page and post.b_holder.name in page


def test_absence_form_errors_are_shown(office, org):
    person = StaffFactory(unit=org.dept_a)
    response = office.post(
        reverse("org:staff_detail", args=[person.pk]),
        {"start_date": "2026-03-05", "end_date": "2026-03-01", "reason": "leave", "note": "年假"},
    )
    page = response.content.decode()
    assert "结束日期不能早于开始日期" in page and 'value="年假"' in page
    assert not Absence.objects.exists()


def test_staff_search_and_edit(office, org):
    person = StaffFactory(unit=org.dept_a, name="张三丰", title="科长")
    StaffFactory(unit=org.dept_b, name="李四")
    page = office.get(reverse("org:staff_list"), {"q": "张三"}).content.decode()
    assert "张三丰" in page and "李四" not in page
    response = office.post(
        reverse("org:staff_edit", args=[person.pk]),
        {
            "name": "张三丰",
            "staff_no": person.staff_no,
            "unit": org.dept_b.pk,
            "title": "副局长",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.unit == org.dept_b and person.title == "副局长"


def test_liaison_cannot_move_staff_out_of_scope(client, users, org):
    client.force_login(users[Role.LIAISON])
    person = StaffFactory(unit=org.dept_a)
    response = client.post(
        reverse("org:staff_edit", args=[person.pk]),
        {
            "name": person.name,
            "staff_no": person.staff_no,
            "unit": org.dept_b.pk,
            "is_active": "on",
        },
    )
    # 市乙局 is not even a choice for this liaison.
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert Staff.objects.get(pk=person.pk).unit == org.dept_a


def test_inquiry_register_route_and_answer(client, users, org):
    window = users[Role.WINDOW]
    receiver = StaffFactory(unit=org.dept_a, user=window)
    client.force_login(window)
    form_page = client.get(reverse("org:inquiry_new")).content.decode()
    assert receiver.name in form_page
    response = client.post(
        reverse("org:inquiry_new"),
        {
            "unit": org.dept_a.pk,
            "received_by": receiver.pk,
            "received_at": "2026-03-02T09:30",
            "channel": "visit",
            "subject": "咨询社保卡补办",
            "detail": "<script>alert(1)</script>",
        },
    )
    inquiry = FirstInquiry.objects.get()
    assert response.status_code == 302
    detail = client.get(reverse("org:inquiry_detail", args=[inquiry.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail and "<script>alert(1)" not in detail
    client.post(reverse("org:inquiry_detail", args=[inquiry.pk]), {"answer-answer": ""})
    assert FirstInquiry.objects.get().status == "open"
    client.post(reverse("org:inquiry_detail", args=[inquiry.pk]), {"route-to_unit": org.dept_b.pk})
    assert FirstInquiry.objects.get().status == "routed"
    client.post(reverse("org:inquiry_detail", args=[inquiry.pk]), {"answer-answer": "已转乙局答复"})
    assert FirstInquiry.objects.get().status == "answered"
    listing = client.get(reverse("org:inquiry_list"), {"status": "answered"}).content.decode()
    assert "咨询社保卡补办" in listing


def test_inquiry_in_the_future_is_refused(client, users, org):
    window = users[Role.WINDOW]
    receiver = StaffFactory(unit=org.dept_a)
    client.force_login(window)
    response = client.post(
        reverse("org:inquiry_new"),
        {
            "unit": org.dept_a.pk,
            "received_by": receiver.pk,
            "received_at": "2099-01-01T09:00",
            "channel": "visit",
            "subject": "未来",
        },
    )
    assert "受理时间不能晚于现在" in response.content.decode()
    assert not FirstInquiry.objects.exists()
