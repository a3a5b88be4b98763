from __future__ import annotations

import io
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.audit.models import AuditEntry
from xiaoneng.catalog import excel, services
from xiaoneng.catalog.models import Fee, Material, ServiceItem, ServiceItemVersion, Step

from .conftest import materials_data, steps_data, version_data

pytestmark = pytest.mark.django_db


def _cells(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book}


def _catalog(make_item, org):
    """A small but varied catalog: instant, promised with a fee, joint in parallel, pending."""
    make_item(
        code="A-001",
        name="证明开具",
        handling_type="instant",
        version={**version_data(legal_limit_days=0, committed_limit_days=0, warn_days=0)},
        materials=[],
        steps=steps_data(0),
    )
    make_item(
        code="A-002",
        name="某某许可（新办）",
        version={
            "effective_from": date(2023, 5, 4),
            **version_data(fee_free=False, note="多行\n备注", online_available=False),
        },
        fees=[
            {
                "name": "工本费",
                "standard": "每证10元",
                "amount": "10.5",
                "basis": "示价〔2024〕1号",
            },
            {"name": "测绘费", "standard": "按面积计", "amount": None, "basis": "示价〔2024〕2号"},
        ],
        materials=[
            *materials_data(2),
            {
                "order": 3,
                "name": "委托书",
                "form": "both",
                "copies": 2,
                "mandatory": False,
                "note": "委托时",
            },
        ],
    )
    joint = make_item(
        code="B-001",
        name="联合审批",
        unit=org.dept_b,
        handling_type="joint",
        steps=steps_data(
            1, 4, 3, 2, units=[None, org.dept_a, org.section_a, None], groups=[None, 2, 2, None]
        ),
    )
    services.publish_version(
        "测试",
        joint,
        effective_from=timezone.localdate() + timedelta(days=20),
        version=version_data(conditions="将来的条件"),
        materials=materials_data(3),
        fees=[],
        steps=steps_data(
            1, 4, 3, 2, units=[None, org.dept_a, org.section_a, None], groups=[None, 2, 2, None]
        ),
    )
    services.set_item_active("测试", ServiceItem.objects.get(code="A-001"), False)


def _wipe_catalog():
    Step.objects.all().delete()
    Material.objects.all().delete()
    Fee.objects.all().delete()
    ServiceItemVersion.objects.all().delete()
    ServiceItem.objects.all().delete()


def test_export_reimports_unchanged(make_item, org, office_user):
    _catalog(make_item, org)
    first = excel.export_workbook(ServiceItem.objects.all())
    cells = _cells(first)
    assert [r[0] for r in cells["事项"][1:]] == ["A-001", "A-002", "B-001"]
    assert cells["事项"][0][:3] == ("事项编码", "事项名称", "实施单位编码")
    assert cells["事项"][3][8] == "将来的条件"  # the latest version, pending included
    assert len(cells["材料"]) == 1 + 0 + 3 + 3
    assert cells["收费"][1][1:4] == ("工本费", "每证10元", 10.5)
    assert cells["环节"][-2][5] == org.section_a.code

    # Importing the export into the same catalog changes nothing.
    outcome = excel.import_workbook(office_user, first, source_name="同库.xlsx")
    assert len(outcome.result.unchanged) == 3 and not outcome.result.new_versions

    _wipe_catalog()
    outcome = excel.import_workbook(office_user, first, source_name="目录.xlsx")
    assert sorted(outcome.result.created) == ["A-001", "A-002", "B-001"]
    second = excel.export_workbook(ServiceItem.objects.all())
    assert _cells(second) == cells
    assert not ServiceItem.objects.get(code="A-001").is_active
    event = AuditEntry.objects.filter(object_type="catalog.import").latest("seq")
    assert "新增事项3项" in event.summary and "目录.xlsx" in event.object_repr
    assert audit.verify().ok


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_errors_are_listed_by_sheet_and_row_and_nothing_is_imported(
    make_item, org, office_user
):
    _catalog(make_item, org)
    book = _book(excel.export_workbook(ServiceItem.objects.all()))
    _wipe_catalog()
    items, steps, materials = book["事项"], book["环节"], book["材料"]
    items.cell(row=3, column=12, value=30)  # committed 30 > legal 20
    items.cell(row=4, column=3, value="NOPE")  # unknown unit
    items.append(["A-002", "重复", org.dept_a.code])  # duplicate code, row 5
    steps.cell(row=5, column=5, value=0)  # a step limit of 0 on a promised item
    materials.append(["Z-999", 1, "孤儿材料", "原件", 1, "是"])
    before = AuditEntry.objects.count()
    with pytest.raises(excel.WorkbookError) as caught:
        excel.import_workbook(office_user, _save(book))
    errors = caught.value.errors
    assert "事项 第3行：承诺时限（30个工作日）不能超过法定时限（20个工作日）" in errors
    assert "事项 第4行：实施单位编码“NOPE”不存在" in errors
    assert "事项 第5行：事项编码“A-002”与第3行重复" in errors
    assert "环节 第5行：环节时限必须是正整数" in errors
    assert any(e.startswith("材料 第8行：事项编码“Z-999”") for e in errors)
    assert errors == sorted(
        errors,
        key=lambda e: ("事项材料收费环节".index(e[:2]), int(e.split("第")[1].split("行")[0])),
    )
    assert not ServiceItem.objects.exists()
    assert AuditEntry.objects.count() == before


def test_missing_sheet_or_column_and_bad_files(office_user):
    data = excel.export_workbook(ServiceItem.objects.none())
    book = _book(data)
    book["环节"].delete_cols(5)
    del book["收费"]
    with pytest.raises(excel.WorkbookError) as caught:
        excel.import_workbook(office_user, _save(book))
    assert caught.value.errors == ["缺少工作表“收费”", "工作表“环节”缺少列：环节时限（工作日）"]
    with pytest.raises(excel.WorkbookError, match="不是有效的 Excel"):
        excel.import_workbook(office_user, b"not a workbook")


def test_reimport_with_changes_creates_a_version_only_where_content_differs(
    make_item, org, office_user
):
    _catalog(make_item, org)
    book = _book(excel.export_workbook(ServiceItem.objects.all()))
    items = book["事项"]
    # Changed content with an old date: refused, a version in force cannot change.
    items.cell(row=3, column=9, value="新的受理条件")
    with pytest.raises(excel.WorkbookError, match="事项 第3行：新版本的生效日期不能早于今天"):
        excel.import_workbook(office_user, _save(book))
    tomorrow = timezone.localdate() + timedelta(days=1)
    items.cell(row=3, column=7, value=tomorrow)
    items.cell(row=2, column=2, value="证明开具（新名称）")  # identity: changed in place
    outcome = excel.import_workbook(office_user, _save(book))
    assert outcome.result.new_versions == ["A-002"]
    assert outcome.result.updated == ["A-001"]
    assert outcome.result.unchanged == ["B-001"]
    item = ServiceItem.objects.get(code="A-002")
    assert item.versions.count() == 2
    assert services.latest_version(item).effective_from == tomorrow
    assert ServiceItem.objects.get(code="A-001").name == "证明开具（新名称）"


def test_liaison_imports_only_their_own_units_items(make_item, org, users):
    _catalog(make_item, org)
    liaison = users[Role.LIAISON]
    book = _book(excel.export_workbook(ServiceItem.objects.all()))
    # Unchanged rows of other units are fine; changing one is not.
    outcome = excel.import_workbook(liaison, _save(book))
    assert len(outcome.result.unchanged) == 3
    book["事项"].cell(row=4, column=2, value="改名")
    with pytest.raises(excel.WorkbookError, match="事项 第4行：您无权修改事项“B-001”"):
        excel.import_workbook(liaison, _save(book))


def test_commands_export_and_import(make_item, org, tmp_path):
    _catalog(make_item, org)
    path = tmp_path / "catalog.xlsx"
    out = StringIO()
    call_command("catalog", "export", str(path), stdout=out)
    assert "已导出 3 个事项" in out.getvalue()
    _wipe_catalog()
    out = StringIO()
    call_command("catalog", "import", str(path), "--dry-run", stdout=out)
    assert "检查通过" in out.getvalue() and not ServiceItem.objects.exists()
    call_command("catalog", "import", str(path), stdout=StringIO())
    assert ServiceItem.objects.count() == 3
    book = _book(path.read_bytes())
    book["环节"].cell(row=2, column=5, value="abc")
    path.write_bytes(_save(book))
    with pytest.raises(CommandError, match="环节 第2行：即办件当场办结，环节时限必须为0"):
        call_command("catalog", "import", str(path), stdout=StringIO())


def test_a_versions_law_rules_survive_export_and_import(make_item, org, office_user):
    make_item(
        code="GK-001",
        name="政府信息公开申请",
        version={**version_data(), "extension_days": 20, "correction_mode": "restart"},
    )
    data = excel.export_workbook(ServiceItem.objects.all())
    row = dict(zip(_cells(data)["事项"][0], _cells(data)["事项"][1], strict=True))
    assert row["法定可延长（工作日）"] == 20 and row["补正后计时"] == "重新计算"
    outcome = excel.import_workbook(office_user, data, source_name="同库.xlsx")
    assert outcome.result.unchanged == ["GK-001"] and not outcome.result.new_versions
    _wipe_catalog()
    excel.import_workbook(office_user, data, source_name="目录.xlsx")
    version = ServiceItem.objects.get(code="GK-001").versions.get()
    assert (version.extension_days, version.correction_mode) == (20, "restart")


def test_a_versions_counting_rule_survives_export_and_import(make_item, org, office_user):
    make_item(code="JS-001", version={**version_data(), "count_rule": "inclusive"})
    make_item(code="JS-002")
    data = excel.export_workbook(ServiceItem.objects.all())
    sheet = _cells(data)["事项"]
    rows = [dict(zip(sheet[0], r, strict=True)) for r in sheet[1:]]
    assert {r["事项编码"]: r["计时规则"] for r in rows} == {
        "JS-001": "含本数",
        "JS-002": "次日起算",
    }
    _wipe_catalog()
    excel.import_workbook(office_user, data, source_name="目录.xlsx")
    rules = {v.item.code: v.count_rule for v in ServiceItemVersion.objects.select_related("item")}
    assert rules == {"JS-001": "inclusive", "JS-002": "next_day"}
