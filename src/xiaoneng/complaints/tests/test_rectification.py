"""A 属实 complaint → the office decides a 整改任务 is needed → the unit rectifies; the complaint
page shows the task's state and links it for those who may open it."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.complaints import services
from xiaoneng.complaints.models import Category, Complaint
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import source_link
from xiaoneng.testing.factories import UserFactory
from xiaoneng.workdays import SHANGHAI

pytestmark = pytest.mark.django_db


def _approved(users, org, *, finding="true", anonymous=False):
    from datetime import datetime

    with time_machine.travel(datetime(2026, 3, 5, 10, tzinfo=SHANGHAI), tick=False):
        complaint, _code = services.submit_complaint(
            users[Role.OFFICE],
            channel=Complaint.Channel.HOTLINE,
            category=Category.objects.get(code="ban_delay"),
            title="办证拖了两个月",
            content="窗口一直说材料不齐。",
            anonymous=anonymous,
            identity=None if anonymous else services.Identity(name="张秘密", phone="13912345678"),
        )
        services.accept(users[Role.OFFICE], complaint, unit=org.dept_a)
        services.submit_finding(users[Role.LIAISON], complaint, finding=finding, text="查明属实。")
        return services.approve(users[Role.OFFICE], complaint)


def test_the_office_opens_a_task_from_the_complaint_page(client, users, org):
    complaint = _approved(users, org)
    client.force_login(users[Role.OFFICE])
    url = reverse("complaints:detail", args=[complaint.pk])
    assert 'id="rectify"' in client.get(url).content.decode()
    response = client.post(
        reverse("complaints:rectify", args=[complaint.pk]),
        {
            "problem": "不动产登记超期办理",
            "complete_by": "2099-06-30",
            "level": "key",
            "needs_visit": "on",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.source_kind, task.source_id, task.unit, task.level) == (
        "complaint",
        complaint.pk,
        org.dept_a,
        "key",
    )
    assert task.source_public and task.needs_visit and task.status == Task.Status.PLANNING
    assert task.description == "查明属实。" and "张秘密" not in task.source_label
    page = client.get(url).content.decode()
    assert 'data-testid="complaint-task"' in page and task.number in page
    assert 'id="rectify"' not in page  # once per complaint
    with pytest.raises(ValidationError, match="已立整改任务"):
        services.open_rectification(
            users[Role.OFFICE], complaint, problem="再立一次", complete_by=date(2099, 7, 1)
        )
    # The task links back to the complaint for those who may open it.
    assert source_link(users[Role.LIAISON], task) == url
    assert source_link(users[Role.WINDOW], task) == ""
    other = UserFactory(role=Role.LIAISON, unit=org.dept_b)
    assert source_link(other, task) == ""


def test_only_an_approved_substantiated_finding_may_be_rectified(users, org):
    refuted = _approved(users, org, finding="false")
    with pytest.raises(ValidationError, match="属实或部分属实"):
        services.open_rectification(
            users[Role.OFFICE], refuted, problem="问题", complete_by=date(2026, 6, 30)
        )
    anonymous = _approved(users, org, finding="partly", anonymous=True)
    with pytest.raises(PermissionDenied):
        services.open_rectification(
            users[Role.LIAISON], anonymous, problem="问题", complete_by=date(2026, 6, 30)
        )
    task = services.open_rectification(
        users[Role.OFFICE], anonymous, problem="问题", complete_by=date(2099, 6, 30)
    )
    assert not task.needs_visit  # nobody to call back


def test_a_liaison_sees_the_task_state_without_a_form(client, users, org):
    complaint = _approved(users, org)
    client.force_login(users[Role.LIAISON])
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'id="rectify"' not in page
    assert client.post(reverse("complaints:rectify", args=[complaint.pk])).status_code == 403
