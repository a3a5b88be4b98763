"""Fixtures for rating tests: finished and open cases made through the ingest path."""

from __future__ import annotations

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.cases import services as cases
from xiaoneng.cases.models import Case
from xiaoneng.cases.tests.conftest import accept, at, event, make_item, query_code
from xiaoneng.testing.factories import UnitFactory, UserFactory

__all__ = ["at", "query_code"]


def run(*raw, now="2026-03-04 12:00"):
    report = cases.ingest(list(raw), source="api:test", actor="测试系统", now=at(now))
    assert report.rejected == 0, [r.message for r in report.results]


@pytest.fixture
def item(org):
    return make_item(org.dept_a)


@pytest.fixture
def window_unit(org):
    return UnitFactory(name="综合受理窗口", code="W1", parent=org.root, kind="window")


@pytest.fixture
def make_case(item):
    def make(number="C1", *, result="approved", window=None, finished=True) -> Case:
        extra = {"window_code": window.code} if window is not None else {}
        raw = [accept(number, "2026-03-02 09:00", **extra)]
        if finished:
            reason = {"reason": "材料不符合法定条件"} if result == "denied" else {}
            raw.append(event("finish", "2026-03-04 10:00", number=number, result=result, **reason))
        run(*raw)
        return Case.objects.get(number=number)

    return make


@pytest.fixture
def liaison(org):
    return UserFactory(username="liaison_a", role=Role.LIAISON, unit=org.dept_a)


@pytest.fixture
def window_liaison(window_unit):
    return UserFactory(username="liaison_w", role=Role.LIAISON, unit=window_unit)
