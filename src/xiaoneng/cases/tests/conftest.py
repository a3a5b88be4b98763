"""Fixtures for case tests: a promised item (10 working days, 2 steps) in department A."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from xiaoneng.catalog.models import Fee, ServiceItem, ServiceItemVersion, Step
from xiaoneng.workdays import SHANGHAI


def make_item(
    unit,
    *,
    code="ITEM1",
    limit=10,
    legal=20,
    warn=2,
    handling="promised",
    steps=((5, "review"), (3, "approve")),
    fees=(),
):
    item = ServiceItem.objects.create(
        code=code, name=f"测试事项{code}", unit=unit, handling_type=handling
    )
    version = ServiceItemVersion.objects.create(
        item=item,
        number=1,
        effective_from=datetime.date(2020, 1, 1),
        legal_basis="《测试条例》",
        legal_limit_days=legal,
        committed_limit_days=limit,
        warn_days=warn,
        fee_free=not fees,
    )
    for order, (days, step_code) in enumerate(steps, start=1):
        Step.objects.create(
            version=version, order=order, code=step_code, name=f"环节{step_code}", limit_days=days
        )
    for name, amount in fees:
        Fee.objects.create(
            version=version,
            name=name,
            standard=f"{amount}元/件",
            amount=Decimal(amount),
            basis="物价文件",
        )
    return item


@pytest.fixture
def item(org):
    return make_item(org.dept_a)


def at(text: str) -> datetime.datetime:
    """A Shanghai local time written briefly: "2026-03-02 09:00"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def accept(number="C1", when="2026-03-02 09:00", item_code="ITEM1", event_id=None, **extra):
    return {
        "event_id": event_id or f"{number}-accept",
        "case_number": number,
        "kind": "accept",
        "at": at(when).isoformat(),
        "item_code": item_code,
        "applicant": {"name": "张三"},
        **extra,
    }


def event(kind, when, number="C1", event_id=None, **extra):
    return {
        "event_id": event_id or f"{number}-{kind}-{when}",
        "case_number": number,
        "kind": kind,
        "at": at(when).isoformat(),
        **extra,
    }


def query_code(case) -> str:
    """A valid query code for the case. Only its digest is stored, so tests that need the code
    of a case made earlier issue a new one, as 补打回执 does (the previous code stops working)."""
    from xiaoneng.cases.services import reissue_query_code

    return reissue_query_code("测试系统", case)
