"""A confirmed inspection finding is a source of violations: described with its unit, person
and the visit's page, opened at most once; a dropped finding is not a source."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xiaoneng.accountability import services, sources
from xiaoneng.accountability.models import Cause, Violation
from xiaoneng.accounts.roles import Role
from xiaoneng.inspections import defaults
from xiaoneng.inspections import services as inspections
from xiaoneng.inspections.models import CheckItem
from xiaoneng.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _observed(users, org, person=None):
    defaults.install(users[Role.OFFICE])
    item = CheckItem.objects.filter(is_current=True).order_by("pk").first()
    visit = inspections.file_observation(
        users[Role.SUPERVISOR],
        org.dept_a,
        timezone.localdate(),
        inspections.FindingIn(item.pk, "工作时间离岗", person.pk if person else None),
    )
    return visit, visit.findings.get()


def test_a_confirmed_finding_opens_one_violation(users, org):
    clerk = StaffFactory(name="当班科员", unit=org.dept_a)
    visit, finding = _observed(users, org, clerk)
    since, until = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    provider = sources.provider(Cause.INSPECTION)
    assert provider.find(since, until) == []  # not yet reviewed

    inspections.confirm(users[Role.OFFICE], finding)
    [record] = provider.find(since, until)
    assert (record.id, record.unit_id) == (finding.pk, org.dept_a.pk)
    assert record.link == f"/office/inspections/visits/{visit.pk}/"
    assert record.person is not None
    assert provider.get(finding.pk) == record
    assert provider.opens(users[Role.OFFICE], finding.pk)

    violation = services.open_from_source(users[Role.OFFICE], Cause.INSPECTION, finding.pk)
    assert violation.unit_id == org.dept_a.pk
    with pytest.raises(ValidationError):
        services.open_from_source(users[Role.OFFICE], Cause.INSPECTION, finding.pk)
    assert Violation.objects.filter(cause=Cause.INSPECTION).count() == 1


def test_a_dropped_finding_is_no_source(users, org):
    _visit, finding = _observed(users, org)
    inspections.drop(users[Role.OFFICE], finding, "不成立")
    since, until = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    assert sources.provider(Cause.INSPECTION).find(since, until) == []
    assert sources.provider(Cause.INSPECTION).get(finding.pk) is None
