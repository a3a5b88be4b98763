from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.audit.models import AuditEntry
from xiaoneng.catalog import services
from xiaoneng.catalog.models import ServiceItem, ServiceItemVersion

from .conftest import materials_data, steps_data, version_data

pytestmark = pytest.mark.django_db


def _publish(actor, item, day, **changes):
    kwargs = {
        "effective_from": day,
        "version": version_data(**changes.pop("version", {})),
        "materials": materials_data(),
        "fees": [],
        "steps": steps_data(),
    }
    kwargs.update(changes)
    return services.publish_version(actor, item, **kwargs)


def test_create_item_stores_everything_and_audits_the_whole_content(make_item, org):
    item = make_item(
        version={"effective_from": date(2024, 1, 1), **version_data(fee_free=False)},
        fees=[
            {"name": "工本费", "standard": "每证10元", "amount": "10", "basis": "示价〔2024〕1号"}
        ],
    )
    version = item.versions.get()
    assert (version.number, version.effective_from) == (1, date(2024, 1, 1))
    assert version.committed_limit_days == 10 and version.legal_limit_days == 20
    assert [m.name for m in version.materials.all()] == ["材料1", "材料2"]
    assert [(s.code, s.limit_days) for s in version.steps.all()] == [
        ("s1", 1),
        ("s2", 4),
        ("s3", 2),
    ]
    assert version.fees.get().amount == Decimal("10.00")
    entry = audit.entries_for(item).get()
    assert entry.action == "create"
    content = entry.after["version"]
    assert content["legal_basis"].startswith("《中华人民共和国行政许可法》")
    assert [s["code"] for s in content["steps"]] == ["s1", "s2", "s3"]
    assert content["fees"][0]["amount"] == "10.00"
    assert entry.after["unit_code"] == org.dept_a.code
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"version": version_data(committed_limit_days=25)},
            "承诺时限（25个工作日）不能超过法定时限",
        ),
        ({"steps": steps_data(1, 0, 2)}, "办理环节第2行：环节时限必须是正整数"),
        ({"steps": steps_data(1, -3)}, "环节时限必须是正整数"),
        ({"steps": steps_data(4, 4, 4)}, "各环节时限合计12个工作日"),
        (
            {"steps": steps_data(2, 5, 5, 2, groups=[None, 1, 2, None])},
            "超过承诺时限10个工作日",
        ),
        (
            {"steps": steps_data(1, 3, 2, 3, groups=[1, None, 1, None])},
            "并联组1的环节必须前后相邻",
        ),
        ({"handling_type": "instant"}, "即办件当场办结，承诺时限必须为0"),
        ({"materials": []}, "请至少列出一项申请材料"),
        (
            {"steps": [*steps_data(1, 2), {**steps_data(1)[0], "order": 3}]},
            "环节代码“s1”与第1行重复",
        ),
        (
            {"steps": [*steps_data(1, 2), {**steps_data(1)[0], "code": "x"}]},
            "序号“1”与第1行重复",
        ),
        (
            {"steps": [{**steps_data(1)[0], "code": "受理"}]},
            "环节代码只能",
        ),
        ({"steps": []}, "请至少列出一个办理环节"),
        ({"materials": [*materials_data(1), {**materials_data(1)[0], "order": 2}]}, "材料“材料1”"),
        ({"version": version_data(warn_days=10)}, "预警提前量（10）必须小于承诺时限"),
        ({"version": version_data(legal_basis="  ")}, "请填写设定依据"),
        (
            {"fees": [{"name": "工本费", "standard": "10元", "amount": 10, "basis": "示价"}]},
            "事项已标为不收费",
        ),
        (
            {"version": version_data(fee_free=False)},
            "收费事项必须列出收费项目",
        ),
        (
            {
                "version": version_data(fee_free=False),
                "fees": [{"name": "工本费", "standard": "10元", "amount": -1, "basis": "示价"}],
            },
            "收费项目第1行：金额不能为负数",
        ),
        (
            {
                "version": version_data(fee_free=False),
                "fees": [{"name": "工本费", "standard": "10元", "amount": 10, "basis": ""}],
            },
            "每个收费项目都必须写明收费依据",
        ),
        ({"name": ""}, "请填写事项名称"),
        ({"handling_type": "urgent"}, "办件类型无效"),
    ],
)
def test_validation_messages(make_item, changes, message):
    with pytest.raises(ValidationError, match=message):
        make_item(**changes)
    assert not ServiceItem.objects.exists()


def test_parallel_group_counts_once_by_its_longest_step(make_item):
    # 1 + max(5, 3, 4) + 4 = 10: exactly the committed limit.
    item = make_item(steps=steps_data(1, 5, 3, 4, 4, groups=[None, 1, 1, 1, None]))
    assert services.serial_days(services.content_of(item.versions.get()).steps) == 10


def test_instant_item_has_zero_limits_and_may_list_no_materials(make_item):
    item = make_item(
        handling_type="instant",
        version={**version_data(legal_limit_days=5, committed_limit_days=0, warn_days=0)},
        materials=[],
        steps=steps_data(0, 0),
    )
    version = item.versions.get()
    assert version.committed_limit_days == 0 and version.legal_limit_days == 5
    with pytest.raises(ValidationError, match="即办件当场办结，环节时限必须为0"):
        make_item(
            code="ITEM-002",
            handling_type="instant",
            version=version_data(committed_limit_days=0, warn_days=0),
            steps=steps_data(0, 1),
        )


def test_joint_item_needs_two_units_and_only_joint_items_may_use_other_units(make_item, org):
    with pytest.raises(ValidationError, match="联办件须由至少两个单位承办"):
        make_item(handling_type="joint")
    with pytest.raises(ValidationError, match="只有联办件的环节可以由其他单位"):
        make_item(steps=steps_data(1, 4, 2, units=[None, org.dept_b, None]))
    item = make_item(
        handling_type="joint",
        steps=steps_data(
            1, 4, 4, 2, units=[None, org.dept_b, org.root, None], groups=[None, 1, 1, None]
        ),
    )
    steps = list(item.versions.get().steps.all())
    assert [s.unit for s in steps] == [None, org.dept_b, org.root, None]
    # A section of the item's own unit may run a step of any item.
    make_item(code="ITEM-003", steps=steps_data(1, 4, units=[org.section_a, None]))


def test_duplicate_code_is_refused(make_item):
    make_item()
    with pytest.raises(ValidationError, match="事项编码“ITEM-001”已被使用"):
        make_item()


def test_new_version_never_touches_the_version_a_case_was_accepted_under(make_item, office_user):
    item = make_item()
    old = item.versions.get()
    old_content = services.version_snapshot(old)
    today = timezone.localdate()
    new = _publish(
        office_user,
        item,
        today + timedelta(days=10),
        version={"committed_limit_days": 8},
        steps=steps_data(1, 4, 3),
    )
    assert new.number == 2
    old.refresh_from_db()
    assert services.version_snapshot(old) == old_content
    assert item.version_on(today) == old
    assert item.version_on(today + timedelta(days=9)) == old
    assert item.version_on(today + timedelta(days=10)) == new
    assert item.version_on(date(2023, 12, 31)) is None
    entry = AuditEntry.objects.filter(object_type="catalog.serviceitemversion").get()
    assert entry.before["committed_limit_days"] == 10
    assert entry.after["committed_limit_days"] == 8
    assert entry.after["number"] == 2


def test_a_new_version_cannot_take_effect_in_the_past(make_item, office_user):
    item = make_item()
    with pytest.raises(ValidationError, match="新版本的生效日期不能早于今天"):
        _publish(office_user, item, timezone.localdate() - timedelta(days=1))
    version = _publish(
        office_user, item, timezone.localdate(), version={"conditions": "今天起生效的新条件"}
    )
    assert item.current_version == version


def test_identical_content_is_not_a_new_version(make_item, office_user):
    item = make_item()
    with pytest.raises(ValidationError, match="内容与第1版"):
        _publish(office_user, item, timezone.localdate() + timedelta(days=3))


def test_a_pending_version_is_replaced_by_an_earlier_or_same_day_one(make_item, office_user):
    item = make_item()
    today = timezone.localdate()
    pending = _publish(office_user, item, today + timedelta(days=30), version={"note": "甲"})
    later = _publish(office_user, item, today + timedelta(days=40), version={"note": "乙"})
    replacing = _publish(office_user, item, today + timedelta(days=30), version={"note": "丙"})
    assert not ServiceItemVersion.objects.filter(pk__in=[pending.pk, later.pk]).exists()
    assert replacing.number == 4  # numbers are never reused
    assert list(item.versions.order_by("number").values_list("number", flat=True)) == [1, 4]
    deletions = AuditEntry.objects.filter(action="delete", object_type="catalog.serviceitemversion")
    assert deletions.count() == 2
    assert {e.before["note"] for e in deletions} == {"甲", "乙"}


def test_withdraw_only_pending_versions(make_item, office_user):
    item = make_item()
    with pytest.raises(ValidationError, match="已生效"):
        services.withdraw_version(office_user, item.versions.get())
    pending = _publish(
        office_user, item, timezone.localdate() + timedelta(days=5), version={"note": "x"}
    )
    services.withdraw_version(office_user, pending)
    assert item.versions.count() == 1


def test_liaison_maintains_only_items_of_their_own_unit_subtree(make_item, users, org):
    liaison = users[Role.LIAISON]
    own = make_item(liaison, unit=org.section_a, code="OWN-1")
    with pytest.raises(PermissionDenied):
        make_item(liaison, unit=org.dept_b, code="OTHER-1")
    other = make_item(unit=org.dept_b, code="OTHER-2")
    today = timezone.localdate()
    _publish(liaison, own, today, version={"note": "更新"})
    with pytest.raises(PermissionDenied):
        _publish(liaison, other, today, version={"note": "越权"})
    with pytest.raises(PermissionDenied):
        services.set_item_active(liaison, other, False)
    for role in (Role.WINDOW, Role.LEADER, Role.SUPERVISOR):
        with pytest.raises(PermissionDenied):
            make_item(users[role], unit=org.dept_a, code=f"X-{role}")
    assert set(ServiceItem.objects.editable_by(liaison)) == {own}


def test_deactivating_hides_the_item_from_the_public(make_item, office_user):
    item = make_item()
    assert list(ServiceItem.objects.public()) == [item]
    services.set_item_active(office_user, item, False)
    assert not ServiceItem.objects.public().exists()
    entry = audit.entries_for(item).order_by("-seq").first()
    assert entry.summary == "停用事项" and entry.before["is_active"] is True
    services.set_item_active(office_user, item, True)
    assert ServiceItem.objects.public().exists()


def test_future_first_version_is_not_public_yet(make_item):
    make_item(
        version={"effective_from": timezone.localdate() + timedelta(days=1), **version_data()}
    )
    assert not ServiceItem.objects.public().exists()


def test_update_item_changes_identity_and_keeps_versions(make_item, office_user, org):
    item = make_item()
    services.update_item(office_user, item, name="新名称", unit=org.dept_b, category="公共服务")
    item.refresh_from_db()
    assert (item.name, item.unit, item.category) == ("新名称", org.dept_b, "公共服务")
    assert item.versions.count() == 1


def test_diff_between_versions_in_words(make_item, office_user):
    item = make_item()
    new = _publish(
        office_user,
        item,
        timezone.localdate(),
        version={"committed_limit_days": 8},
        materials=materials_data(3),
        steps=steps_data(1, 4, 3),
    )
    old = item.versions.get(number=1)
    changes = services.diff_versions(services.version_snapshot(old), services.version_snapshot(new))
    assert "承诺时限（工作日）：10 → 8" in changes
    assert "新增材料：材料3" in changes
    assert "环节“环节3”时限：2 → 3个工作日" in changes
