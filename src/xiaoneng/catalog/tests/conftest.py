"""Shared helpers for the catalog tests: valid item content to start from and change."""

from __future__ import annotations

from datetime import date

import pytest

from xiaoneng.catalog import services


def version_data(**changes) -> dict:
    data = {
        "legal_basis": "《中华人民共和国行政许可法》；《示范市某某管理办法》",
        "conditions": "申请人具有完全民事行为能力。",
        "fee_free": True,
        "legal_limit_days": 20,
        "committed_limit_days": 10,
        "warn_days": 2,
        "result_document": "许可证",
        "where_to_apply": "市政务服务中心一楼综合受理窗口",
        "office_hours": "工作日 9:00—12:00，13:30—17:00",
        "contact_phone": "0999-6000001",
        "supervision_phone": "0999-6000002",
        "online_available": True,
        "note": "",
    }
    data.update(changes)
    return data


def materials_data(count: int = 2) -> list[dict]:
    return [
        {"order": i, "name": f"材料{i}", "form": "original", "copies": 1, "mandatory": True}
        for i in range(1, count + 1)
    ]


def steps_data(*limits: int, units=None, groups=None) -> list[dict]:
    limits = limits or (1, 4, 2)
    return [
        {
            "order": i + 1,
            "code": f"s{i + 1}",
            "name": f"环节{i + 1}",
            "limit_days": limit,
            "unit": units[i] if units else None,
            "parallel_group": groups[i] if groups else None,
        }
        for i, limit in enumerate(limits)
    ]


def item_kwargs(unit, **changes) -> dict:
    kwargs = {
        "code": "ITEM-001",
        "name": "某某许可（新办）",
        "unit": unit,
        "handling_type": "promised",
        "category": "行政许可",
        "keywords": "许可 新办",
        "version": {"effective_from": date(2024, 1, 1), **version_data()},
        "materials": materials_data(),
        "fees": [],
        "steps": steps_data(),
    }
    kwargs.update(changes)
    return kwargs


@pytest.fixture
def make_item(org, office_user):
    def make(actor=None, **changes):
        unit = changes.pop("unit", org.dept_a)
        return services.create_item(actor or office_user, **item_kwargs(unit, **changes))

    return make
