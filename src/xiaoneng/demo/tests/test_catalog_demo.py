"""The demo city's service catalog: deterministic, the right size, and valid by the catalog's
own rules."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from xiaoneng.audit import services as audit
from xiaoneng.catalog import services
from xiaoneng.catalog.models import ServiceItem, ServiceItemVersion
from xiaoneng.demo.builder import build_demo, plan_demo
from xiaoneng.demo.catalog_data import plan_catalog

TODAY = date(2025, 6, 18)


def test_same_seed_same_catalog_other_seed_other_draw():
    small = plan_catalog(plan_demo(2026, "small", today=TODAY))
    assert small == plan_catalog(plan_demo(2026, "small", today=TODAY))
    other = plan_catalog(plan_demo(2027, "small", today=TODAY))
    assert [i.name for i in small] != [i.name for i in other]


def test_default_catalog_is_seed_004s_1792_items_over_64_departments():
    items = plan_catalog(plan_demo(2026, "default", today=TODAY))
    assert len(items) == 1792
    assert len({i.code for i in items}) == 1792
    assert len({i.unit for i in items}) == 64
    kinds = Counter(i.handling_type for i in items)
    assert kinds["promised"] > kinds["instant"] > kinds["reported"] > kinds["joint"] > 5
    names = {i.name for i in items}
    for name in (
        "居民身份证换领",
        "户口迁移登记",
        "社会保障卡补领",
        "失业保险金申领",
        "企业设立登记",
        "食品经营许可（新办）",
        "建设用地规划许可",
        "建筑工程施工许可（新办）",
        "医疗机构执业登记（新办）",
    ):
        assert name in names, name
    free = 0
    for item in items:
        for version in item.versions:
            fields = dict(version.fields)
            steps = [dict(s) for s in version.steps]
            legal, committed = fields["legal_limit_days"], fields["committed_limit_days"]
            assert committed <= legal
            assert services.serial_days(steps) <= committed
            assert 3 <= len(steps) <= 6, item.code
            assert 2 <= len(version.materials) <= 8, item.code
            for fee in version.fees:
                assert dict(fee)["basis"]
        free += dict(item.versions[0].fields)["fee_free"]
        if item.handling_type == "instant":
            assert dict(item.versions[0].fields)["committed_limit_days"] == 0
        else:
            fields = dict(item.versions[0].fields)
            assert fields["committed_limit_days"] < fields["legal_limit_days"] or (
                fields["legal_limit_days"] <= 5
            )
        if item.handling_type == "joint":
            steps = [dict(s) for s in item.versions[0].steps]
            assert 2 <= len({s["unit"] or item.unit for s in steps}) <= 4
    assert 0.85 < free / len(items) < 1
    joint_steps = [
        dict(s) for i in items if i.handling_type == "joint" for s in i.versions[0].steps
    ]
    assert any(s["parallel_group"] for s in joint_steps)  # some in parallel (并联)
    assert sum(len(i.versions) > 1 for i in items) > 100  # some have a history
    assert any(v.effective_from > TODAY for i in items for v in i.versions)  # and a few pending


@pytest.mark.django_db
def test_small_demo_builds_a_small_valid_catalog(client):
    summary = build_demo(seed=2026, size="small", today=TODAY)
    assert summary.catalog_items == ServiceItem.objects.count() == 40
    assert len(plan_catalog(plan_demo(2026, "small", today=TODAY))) == 40
    versions = ServiceItemVersion.objects.count()
    assert versions >= 40
    entry = audit.entries_for(ServiceItem.objects.first())
    assert not entry.exists()  # one entry for the batch, not one per item
    report = audit.verify()
    assert report.ok and report.checked == summary.audit_entries
    # The guide shows them.
    page = client.get("/guide/", {"unit": "SF-GAJ"})
    assert page.status_code == 200 and page.context["page"].paginator.count >= 1
    item = ServiceItem.objects.public().first()
    assert client.get(f"/guide/{item.code}/").status_code == 200
