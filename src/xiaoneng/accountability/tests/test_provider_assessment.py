"""A unit placed 末位 in a published assessment is a source of violations: once per (period,
unit), proposing 诫勉谈话 for the unit's principal, listed among the 待立案线索; an unpublished
period or a 末位 the data cannot distinguish is no source. The assessment is built and
published by the assessment's own fixture and services."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.accountability import services, sources
from xiaoneng.accountability.models import Cause, Sanction, Violation
from xiaoneng.accounts.roles import Role
from xiaoneng.assessment import services as assessment
from xiaoneng.assessment.models import Result
from xiaoneng.assessment.tests.conftest import PREVIEW, at, city  # noqa: F401  (the fixture)
from xiaoneng.testing.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLISHED = "2027-01-26 10:00"
SPAN = (at("2027-01-01 00:00"), at("2027-02-01 00:00"))


def _publish(period, office) -> None:
    with time_machine.travel(at(PREVIEW), tick=False):
        assessment.open_preview(office, period)
    with time_machine.travel(at(PUBLISHED), tick=False):
        assessment.close_objections(office, period)
        assessment.publish(office, period, document_number="效考〔2027〕1号")


@pytest.fixture
def head_of_c(city):  # noqa: F811  (the imported fixture)
    user = UserFactory(username="head_c", role=Role.LEADER, unit=city.c)
    return StaffFactory(name="丙局局长", unit=city.c, user=user)


def test_only_a_published_distinguishable_last_place_is_a_source(city, users, head_of_c):  # noqa: F811
    provider = sources.provider(Cause.ASSESSMENT)
    assert provider is not None
    office = users[Role.OFFICE]
    with time_machine.travel(at(PREVIEW), tick=False):
        assessment.compute(office, city.period)
    assert provider.find(*SPAN) == []  # computed, not published
    _publish(city.period, office)
    [record] = provider.find(*SPAN)
    result = Result.objects.get(period=city.period, unit=city.c)
    assert (record.id, record.unit_id, record.category) == (result.pk, city.c.pk, "绩效考评末位")
    assert record.person is not None and record.person.staff_id == head_of_c.pk
    assert record.link == f"/office/assessment/{city.period.pk}/units/{city.c.pk}/"
    assert provider.get(result.pk) == record and provider.many([result.pk]) == [record]
    assert provider.opens(office, result.pk)
    # The assessment's own caution: a bottom place the data cannot tell apart is no source.
    Result.objects.filter(pk=result.pk).update(last=Result.Last.NOT_DISTINGUISHABLE)
    assert provider.find(*SPAN) == [] and provider.get(result.pk) is None


def test_once_per_period_and_unit_proposing_a_talk(city, users, head_of_c):  # noqa: F811
    office = users[Role.OFFICE]
    _publish(city.period, office)
    result = Result.objects.get(period=city.period, unit=city.c)
    with time_machine.travel(at("2027-01-27 09:00"), tick=False):
        found = services.pending(*SPAN, limit=50)
        assert [(r.cause, r.id) for r in found.records] == [(Cause.ASSESSMENT, result.pk)]
        assert services.intake(services.SYSTEM, *SPAN) == 1  # automatic by default
        assert services.intake(services.SYSTEM, *SPAN) == 0  # a rerun opens nothing
        with pytest.raises(ValidationError, match="同一来源只能立案一次"):
            services.open_from_source(office, Cause.ASSESSMENT, result.pk)
    v = Violation.objects.get(cause=Cause.ASSESSMENT)
    assert v.source_id == result.pk and v.unit_id == city.c.pk
    assert v.suggested == Sanction.TALK and "绩效考评末位" in v.suggested_by
    assert services.person_of(v).staff_id == head_of_c.pk
    assert services.pending(*SPAN, limit=50).total == 0


def test_without_a_principal_the_unit_answers(city, users):  # noqa: F811
    _publish(city.period, users[Role.OFFICE])
    [record] = sources.provider(Cause.ASSESSMENT).find(*SPAN)
    assert record.person is None
    v = services.open_violation(users[Role.OFFICE], record, at=SPAN[1] - timedelta(days=1))
    assert not v.has_person and v.suggested == Sanction.TALK


def test_only_the_office_opens_it_by_hand(city, users):  # noqa: F811
    _publish(city.period, users[Role.OFFICE])
    result = Result.objects.get(period=city.period, unit=city.c)
    for role in (Role.LEADER, Role.LIAISON, Role.WINDOW):
        with pytest.raises(PermissionDenied, match="只有效能办可以立案"):
            services.open_from_source(users[role], Cause.ASSESSMENT, result.pk)
    assert not Violation.objects.exists()
