"""A small, hand-computed month of cases (March 2026 has no public holidays).

Department A (市甲局) has a 承诺件 item with a 10-working-day limit; department B (市乙局) an
即办件. All cases are accepted on Monday 2 March 2026 and "now" is 31 March 2026:

=====  ========  ===========  =======  ==========================================
case   unit      finished     elapsed  outcome
=====  ========  ===========  =======  ==========================================
A1     甲局      Thu 5 Mar    3        on time, early
A2     甲局      Mon 16 Mar   10       on time (due 16 Mar 23:59:59), not early
A3     甲局      Mon 9 Mar    5        on time, early
A4     甲局      Wed 18 Mar   12       late (→ one 红牌 "办件超过承诺时限")
A5     甲局      open         —        open, overdue since 16 Mar
B1     乙局      Tue 3 Mar    0        即办件, on time, not early (0 < 0 is false)
=====  ========  ===========  =======  ==========================================
"""

from __future__ import annotations

import datetime

import pytest

from xiaoneng.cases import services as case_services
from xiaoneng.catalog.models import ServiceItem, ServiceItemVersion, Step
from xiaoneng.workdays import SHANGHAI

NOW = datetime.datetime(2026, 3, 31, 12, 0, tzinfo=SHANGHAI)


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def make_item(unit, code, *, handling="promised", limit=10, steps=()):
    """An item with one version; ``steps`` are ``(code, limit, parallel_group, unit)``."""
    item = ServiceItem.objects.create(
        code=code, name=f"事项{code}", unit=unit, handling_type=handling
    )
    version = ServiceItemVersion.objects.create(
        item=item,
        number=1,
        effective_from=datetime.date(2020, 1, 1),
        legal_basis="《测试条例》",
        legal_limit_days=max(limit, 20),
        committed_limit_days=limit,
        warn_days=2,
    )
    for order, (step_code, days, group, step_unit) in enumerate(steps, start=1):
        Step.objects.create(
            version=version,
            order=order,
            code=step_code,
            name=f"环节{step_code}",
            limit_days=days,
            parallel_group=group,
            unit=step_unit,
        )
    return item


def send(*events, now=NOW):
    report = case_services.ingest(list(events), source="api:test", actor="测试系统", now=now)
    assert report.rejected == 0, [r.message for r in report.results if r.status == "rejected"]
    return report


def accept(number, item_code, when="2026-03-02 09:00", **extra):
    return {
        "event_id": f"{number}-accept",
        "case_number": number,
        "kind": "accept",
        "at": at(when).isoformat(),
        "item_code": item_code,
        "applicant": {"name": "张三"},
        **extra,
    }


def event(number, kind, when, **extra):
    suffix = extra.get("step_code", "")
    return {
        "event_id": f"{number}-{kind}-{suffix}-{when}",
        "case_number": number,
        "kind": kind,
        "at": at(when).isoformat(),
        **extra,
    }


def finish(number, when):
    return event(number, "finish", when, result="approved")


@pytest.fixture
def month(org):
    """The month described in the module docstring."""
    make_item(org.dept_a, "PA")
    make_item(org.dept_b, "IB", handling="instant", limit=0)
    send(
        accept("A1", "PA"),
        finish("A1", "2026-03-05 15:00"),
        accept("A2", "PA"),
        finish("A2", "2026-03-16 10:00"),
        accept("A3", "PA"),
        finish("A3", "2026-03-09 11:00"),
        accept("A4", "PA"),
        finish("A4", "2026-03-18 16:00"),
        accept("A5", "PA"),
        accept("B1", "IB", when="2026-03-03 09:00"),
        finish("B1", "2026-03-03 11:00"),
    )
    return org
