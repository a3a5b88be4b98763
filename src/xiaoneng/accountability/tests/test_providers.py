"""The providers describe each kind of source: only what qualifies, with its unit, person,
category and link; the red card of a 属实 complaint is left to the complaint."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from xiaoneng.accountability import services, sources
from xiaoneng.accountability.models import Cause, Sanction
from xiaoneng.accounts.roles import Role
from xiaoneng.complaints import services as complaints
from xiaoneng.complaints.models import Category, Complaint
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.models import Task, TaskEvent
from xiaoneng.rectification.sources import SourceKind, SourceRef
from xiaoneng.supervision.models import Card

pytestmark = pytest.mark.django_db


def _window():
    now = timezone.now()
    return now - timedelta(days=1), now + timedelta(days=1)


def _complaint(users, org, code: str, staff=None) -> Complaint:
    office = users[Role.OFFICE]
    complaint, _code = complaints.submit_complaint(
        office,
        channel=Complaint.Channel.HOTLINE,
        category=Category.objects.get(code=code),
        title="办证时被索要好处",
        content="窗口人员暗示要请客才给办。",
        identity=complaints.Identity(name="投诉人", phone="13800000000"),
        caller_line="12345",
    )
    complaints.accept(office, complaint, unit=org.dept_a, accused_staff=staff)
    complaints.submit_finding(users[Role.LIAISON], complaint, finding="true", text="查明属实。")
    return Complaint.objects.get(pk=complaint.pk)


def test_a_true_complaint_counts_once_approved(users, org, person):
    provider = sources.provider(Cause.COMPLAINT)
    assert provider is not None
    c = _complaint(users, org, "ban_exaction", staff=person)
    assert provider.get(c.pk) is None  # the finding is not approved yet
    complaints.approve(users[Role.OFFICE], c)
    record = provider.get(c.pk)
    assert record is not None and record.unit_id == org.dept_a.pk
    assert record.person is not None and record.person.name == "张小明"
    assert record.category == "吃拿卡要" and record.link == f"/office/complaints/{c.pk}/"
    assert [r.id for r in provider.find(*_window())] == [c.pk]
    # Its red card is not a second source.
    card = Card.objects.get(cause=Card.Cause.COMPLAINT_SUBSTANTIATED)
    red = sources.provider(Cause.RED_CARD)
    assert red is not None and red.get(card.pk) is None
    # 吃拿卡要: the rule proposes 通报批评 at once.
    v = services.open_violation(users[Role.OFFICE], record)
    assert v.suggested == Sanction.CRITICISM
    assert provider.opens(users[Role.OFFICE], c.pk)
    assert not provider.opens(users[Role.WINDOW], c.pk)


def _task(users, org, kind: str, flow: str) -> Task:
    return rectification.open_task(
        users[Role.OFFICE],
        rectification.OpenTask(
            source=SourceRef(kind, None, "来源"),
            unit=org.dept_a,
            title="窗口排长队",
            flow=flow,
            complete_by=date(2099, 6, 30) if flow == Task.Flow.PLAN else None,
        ),
    )


def test_a_refused_acceptance_and_a_true_bad_rating(users, org):
    task = _task(users, org, SourceKind.MANUAL, Task.Flow.PLAN)
    # Written directly: the provider only reads what the rectification services record.
    event = TaskEvent.objects.create(
        task=task, kind=TaskEvent.Kind.REFUSE, at=timezone.now(), actor_name="效能办"
    )
    refused = sources.provider(Cause.RECTIFY_REFUSED)
    assert refused is not None
    record = refused.get(event.pk)
    assert record is not None and record.unit_id == org.dept_a.pk and record.person is None
    assert [r.id for r in refused.find(*_window())] == [event.pk]

    rating = _task(users, org, SourceKind.RATING, Task.Flow.VERIFY)
    provider = sources.provider(Cause.RATING)
    assert provider is not None and provider.get(rating.pk) is None
    Task.objects.filter(pk=rating.pk).update(finding=Task.Finding.TRUE, verified_at=timezone.now())
    assert provider.get(rating.pk) is not None
    assert [r.id for r in provider.find(*_window())] == [rating.pk]
    # Not automatic by default: the candidates list offers them, the intake leaves them.
    assert Cause.RATING not in services.auto_causes()
    since, until = _window()
    assert {r.cause for r in services.candidates(since, until)} == {
        Cause.RATING,
        Cause.RECTIFY_REFUSED,
    }
    assert services.intake("电子监察", since, until) == 0
