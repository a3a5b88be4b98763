"""A law's version decides a case's limits (issue 17 item 5): the version in force on the
application date gives the limit, how long it may be extended and whether 补正 restarts the
count — 政府信息公开条例 2007 (15 + 15 working days) against 2019 (20 + 20, 补正 restarts)."""

from __future__ import annotations

import datetime

import pytest

from xiaoneng.cases import services
from xiaoneng.cases.models import Case
from xiaoneng.catalog.models import ServiceItem, ServiceItemVersion
from xiaoneng.supervision.models import SupervisionRule
from xiaoneng.workdays import SHANGHAI, add_workdays

from .conftest import accept, at, event

NOW = at("2019-09-30 12:00")


@pytest.fixture
def disclosure(org):
    item = ServiceItem.objects.create(code="GK1", name="政府信息公开申请", unit=org.dept_a)
    common = dict(item=item, warn_days=2, legal_basis="《中华人民共和国政府信息公开条例》")
    ServiceItemVersion.objects.create(
        number=1,
        effective_from=datetime.date(2008, 5, 1),
        legal_limit_days=15,
        committed_limit_days=15,
        extension_days=15,
        **common,
    )
    ServiceItemVersion.objects.create(
        number=2,
        effective_from=datetime.date(2019, 5, 15),
        legal_limit_days=20,
        committed_limit_days=20,
        extension_days=20,
        correction_mode="restart",
        **common,
    )
    # Where a version says nothing, the supervision rule decides: here 补正 resumes the count.
    SupervisionRule.objects.create(handling_type="promised", correction_mode="resume")
    return item


def run(*raw):
    return services.ingest(list(raw), source="api:test", actor="测试系统", now=NOW)


def test_the_version_in_force_on_the_application_date_sets_the_limits(disclosure):
    run(
        accept("OLD", "2019-05-14 10:00", item_code="GK1"),
        accept("NEW", "2019-05-15 10:00", item_code="GK1"),
    )
    old, new = Case.objects.get(number="OLD"), Case.objects.get(number="NEW")
    assert (old.item_version.number, old.limit_days) == (1, 15)
    assert (new.item_version.number, new.limit_days) == (2, 20)
    report = run(
        event("extension", "2019-05-20 10:00", number="OLD", days=16, event_id="o1"),
        event("extension", "2019-05-20 10:00", number="OLD", days=15, event_id="o2"),
        event("extension", "2019-05-20 10:00", number="NEW", days=21, event_id="n1"),
        event("extension", "2019-05-20 10:00", number="NEW", days=20, event_id="n2"),
    )
    assert [r.code for r in report.results] == ["extension_too_long", "", "extension_too_long", ""]
    assert "15 个工作日" in report.results[0].message
    assert Case.objects.get(number="NEW").limit_days == 40


def test_correction_restarts_under_2019_and_resumes_under_2007(disclosure):
    received = "2019-06-03 15:00"
    run(
        accept("OLD", "2019-05-13 10:00", item_code="GK1"),
        accept("NEW", "2019-05-16 10:00", item_code="GK1"),
        event("correction_notice", "2019-05-17 10:00", number="OLD", materials=["身份证明"]),
        event("correction_notice", "2019-05-17 10:00", number="NEW", materials=["身份证明"]),
        event("correction_received", received, number="OLD"),
        event("correction_received", received, number="NEW"),
    )
    new = Case.objects.get(number="NEW")
    # 2019: twenty full working days again from the day the materials arrived.
    assert new.due_at.astimezone(SHANGHAI).date() == add_workdays(at(received), 20).due.date()
    old = Case.objects.get(number="OLD")
    # 2007 (the rule decides, here resume): 14 and 15 … 17 May were used, the rest runs on.
    used = 4  # 14, 15, 16, 17 May
    assert old.due_at.astimezone(SHANGHAI).date() == (
        add_workdays(at(received), 15 - used).due.date()
    )


def test_the_catalog_refuses_an_unknown_correction_mode(org):
    from xiaoneng.catalog import services as catalog

    problems: list = []
    v = catalog._check_version(
        {
            "legal_basis": "《条例》",
            "legal_limit_days": 20,
            "committed_limit_days": 20,
            "warn_days": 2,
            "extension_days": "",
            "correction_mode": "twice",
        },
        False,
        problems,
    )
    assert v["extension_days"] is None
    assert [p.field for p in problems] == ["correction_mode"]
