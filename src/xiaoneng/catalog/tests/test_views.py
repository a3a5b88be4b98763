from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from xiaoneng.accounts.roles import Role
from xiaoneng.catalog import excel, services
from xiaoneng.catalog.models import ServiceItem
from xiaoneng.testing.factories import UnitFactory

from .conftest import materials_data, steps_data, version_data

pytestmark = pytest.mark.django_db


# ---- the public guide ------------------------------------------------------------------------


@pytest.fixture
def guide(make_item, org):
    """Items of two departments, of three types; one withdrawn, one not yet in force."""
    make_item(code="A-1", name="食品经营许可（新办）", keywords="餐饮 饭店")
    make_item(code="A-2", name="食品经营许可（注销）", unit=org.section_a)
    make_item(
        code="B-1",
        name="居民身份证换领",
        unit=org.dept_b,
        handling_type="instant",
        version={**version_data(legal_limit_days=0, committed_limit_days=0, warn_days=0)},
        materials=[],
        steps=steps_data(0),
    )
    make_item(
        code="B-2",
        name="户口迁移登记",
        unit=org.dept_b,
        handling_type="joint",
        steps=steps_data(1, 4, 3, units=[None, org.dept_a, None]),
    )
    hidden = make_item(code="B-3", name="已停用事项", unit=org.dept_b)
    services.set_item_active("测试", hidden, False)
    make_item(
        code="B-4",
        name="将来的事项",
        unit=org.dept_b,
        version={"effective_from": timezone.localdate() + timedelta(days=3), **version_data()},
    )


def _codes(response) -> list[str]:
    return [item.code for item in response.context["page"].object_list]


def test_guide_search_filters(client, guide, org):
    response = client.get("/guide/")
    assert response.status_code == 200
    assert _codes(response) == ["A-1", "A-2", "B-1", "B-2"]
    assert _codes(client.get("/guide/", {"q": "食品"})) == ["A-1", "A-2"]
    assert _codes(client.get("/guide/", {"q": "饭店"})) == ["A-1"]
    assert _codes(client.get("/guide/", {"q": "b-2"})) == ["B-2"]
    # A department's items include those of its sections.
    assert _codes(client.get("/guide/", {"unit": org.dept_a.code})) == ["A-1", "A-2"]
    assert _codes(client.get("/guide/", {"unit": org.section_a.code})) == ["A-2"]
    assert _codes(client.get("/guide/", {"unit": "NOPE"})) == []
    assert _codes(client.get("/guide/", {"type": "instant"})) == ["B-1"]
    assert _codes(client.get("/guide/", {"type": "joint", "unit": org.dept_b.code})) == ["B-2"]
    page = client.get("/guide/", {"q": "身份证"}).content.decode()
    assert "当场办结" in page and "即办件" in page


def test_guide_search_query_count_does_not_grow_with_the_page(
    client, make_item, org, django_assert_max_num_queries
):
    for n in range(30):
        make_item(code=f"Q-{n:03d}", name=f"事项{n}", unit=org.dept_a if n % 2 else org.dept_b)
    with django_assert_max_num_queries(4):
        response = client.get("/guide/", {"q": "事项"})
    with django_assert_max_num_queries(5):
        client.get("/guide/", {"q": "事项", "unit": org.root.code, "type": "promised"})
    assert len(response.context["page"].object_list) == 20
    assert (
        client.get("/guide/", {"q": "事项", "page": 2}).context["page"].object_list[0].code
        == "Q-020"
    )


def test_guide_item_page_shows_the_whole_guide(client, make_item, org, office_user):
    item = make_item(
        code="A-9",
        name="建筑工程施工许可",
        version={
            "effective_from": date(2024, 3, 1),
            **version_data(fee_free=False, legal_basis="《中华人民共和国建筑法》"),
        },
        fees=[
            {"name": "证书工本费", "standard": "每证5元", "amount": 5, "basis": "示价〔2024〕9号"}
        ],
        steps=steps_data(1, 3, 3, 2, groups=[None, 1, 1, None]),
    )
    response = client.get(f"/guide/{item.code}/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "建筑工程施工许可",
        "《中华人民共和国建筑法》",
        "申请人具有完全民事行为能力",
        "材料1",
        "证书工本费",
        "示价〔2024〕9号",
        "环节4",
        "并联组1",
        "20个工作日",  # legal
        "10个工作日",  # committed
        "市政务服务中心一楼综合受理窗口",
        "0999-6000001",
        "0999-6000002",
        "2024-03-01起施行（第1版）",
        "Ctrl+P",
    ):
        assert text in page, text
    # A newer version announced, the one in force still shown.
    services.publish_version(
        office_user,
        item,
        effective_from=timezone.localdate() + timedelta(days=5),
        version=version_data(legal_basis="《新依据》"),
        materials=materials_data(),
        fees=[],
        steps=steps_data(),
    )
    page = client.get(f"/guide/{item.code}/").content.decode()
    assert "《中华人民共和国建筑法》" in page and "《新依据》" not in page and "起更新" in page


def test_unknown_or_withdrawn_item_is_the_project_404(client, guide):
    for code in ("NOPE", "B-3", "B-4"):
        response = client.get(f"/guide/{code}/")
        assert response.status_code == 404
        assert "页面不存在" in response.content.decode()


def test_the_guide_prints_without_the_site_around_it():
    from pathlib import Path

    from xiaoneng import settings

    css = (Path(settings.BASE_DIR) / "static" / "xn" / "site.css").read_text(encoding="utf-8")
    rules = css[css.index("@media print") :]
    assert ".topbar" in rules and ".footer" in rules and "display: none" in rules


def test_home_links_to_the_guide(client, db):
    assert reverse("catalog:guide") in client.get("/").content.decode()


# ---- office pages ----------------------------------------------------------------------------


def _form_data(version: dict | None = None, materials=None, fees=None, steps=None, **extra) -> dict:
    version = version if version is not None else version_data()
    data = {k: v for k, v in version.items() if not isinstance(v, bool)}
    data.update({k: "on" for k, v in version.items() if v is True})
    data.setdefault("effective_from", timezone.localdate().isoformat())
    for prefix, rows in (
        ("m", materials if materials is not None else materials_data()),
        ("f", fees or []),
        ("s", steps if steps is not None else steps_data()),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for i, row in enumerate(rows):
            for key, value in row.items():
                if value is True:
                    data[f"{prefix}-{i}-{key}"] = "on"
                elif value is not None and value is not False:
                    data[f"{prefix}-{i}-{key}"] = getattr(value, "pk", value)
    data.update(extra)
    return data


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON, Role.WINDOW, Role.SUPERVISOR]
)
def test_every_office_role_reads_the_catalog(client, users, guide, role):
    client.force_login(users[role])
    response = client.get("/office/catalog/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 6
    item = ServiceItem.objects.get(code="B-2")
    assert client.get(f"/office/catalog/{item.pk}/").status_code == 200
    assert client.get("/office/catalog/export.xlsx").status_code == 200


def test_office_list_filters(client, office_user, guide, org):
    client.force_login(office_user)
    get = lambda **p: _codes(client.get("/office/catalog/", p))  # noqa: E731
    assert get(active="0") == ["B-3"]
    assert get(active="1", unit=org.dept_b.code) == ["B-1", "B-2", "B-4"]
    assert get(type="joint") == ["B-2"]
    page = client.get("/office/catalog/").content.decode()
    assert page.count("有待生效版本") == 1 and "尚未生效" in page  # B-4 starts in 3 days


def test_anonymous_is_sent_to_login(client, guide):
    response = client.get("/office/catalog/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_liaison_of_another_unit_cannot_publish_or_toggle(client, users, guide, org):
    client.force_login(users[Role.LIAISON])  # of department A
    other = ServiceItem.objects.get(code="B-2")
    assert client.get(f"/office/catalog/{other.pk}/publish/").status_code == 404
    assert client.post(f"/office/catalog/{other.pk}/publish/", _form_data()).status_code == 404
    assert client.post(f"/office/catalog/{other.pk}/toggle/").status_code == 404
    assert client.get(f"/office/catalog/{other.pk}/edit/").status_code == 404
    assert other.versions.count() == 1
    own = ServiceItem.objects.get(code="A-1")
    page = client.get(f"/office/catalog/{own.pk}/").content.decode()
    assert f"/office/catalog/{own.pk}/publish/" in page
    page = client.get(f"/office/catalog/{other.pk}/").content.decode()
    assert f"/office/catalog/{other.pk}/publish/" not in page
    client.force_login(users[Role.WINDOW])
    assert client.get(f"/office/catalog/{own.pk}/publish/").status_code == 403


def test_publish_form_prefills_the_latest_version_and_publishes(client, office_user, guide):
    item = ServiceItem.objects.get(code="A-1")
    client.force_login(office_user)
    response = client.get(f"/office/catalog/{item.pk}/publish/")
    formsets = response.context["formsets"]
    assert [f.initial["name"] for f in formsets["materials"].initial_forms] == ["材料1", "材料2"]
    data = _form_data(
        version_data(committed_limit_days=8),
        steps=steps_data(1, 4, 3),
        materials=[
            {"order": None, "name": "新材料", "form": "copy", "copies": 2, "mandatory": True}
        ],
    )
    response = client.post(f"/office/catalog/{item.pk}/publish/", data)
    assert response.status_code == 302, response.context and response.context["version_form"].errors
    version = services.latest_version(item)
    assert (version.number, version.committed_limit_days) == (2, 8)
    assert [m.name for m in version.materials.all()] == ["新材料"]
    detail = client.get(f"/office/catalog/{item.pk}/").content.decode()
    assert "承诺时限（工作日）：10 → 8" in detail and "新增材料：新材料" in detail


def test_bad_input_keeps_what_was_typed(client, office_user, guide):
    item = ServiceItem.objects.get(code="A-1")
    client.force_login(office_user)
    data = _form_data(
        version_data(committed_limit_days=30, legal_basis="我输入的依据"),
        steps=steps_data(1, 0, 2),
    )
    response = client.post(f"/office/catalog/{item.pk}/publish/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "承诺时限（30个工作日）不能超过法定时限（20个工作日）" in page
    assert "我输入的依据" in page
    step_form = response.context["formsets"]["steps"].forms[1]
    assert step_form.errors["limit_days"] == ["环节时限必须是正整数"]
    assert item.versions.count() == 1
    # 增加空行: two more empty rows, nothing saved, typed values kept.
    response = client.post(f"/office/catalog/{item.pk}/publish/", {**data, "add_rows": "s"})
    assert len(response.context["formsets"]["steps"].forms) == 5
    assert "我输入的依据" in response.content.decode()
    assert item.versions.count() == 1


def test_create_item_page(client, users, org):
    client.force_login(users[Role.LIAISON])
    response = client.get("/office/catalog/new/")
    units = list(response.context["item_form"].fields["unit"].queryset)
    assert org.dept_a in units and org.dept_b not in units
    data = _form_data(
        code="NEW-1",
        name="新事项",
        unit=org.dept_a.pk,
        handling_type="promised",
        category="行政许可",
    )
    data["effective_from"] = "2025-01-01"
    response = client.post("/office/catalog/new/", data)
    assert response.status_code == 302
    item = ServiceItem.objects.get(code="NEW-1")
    assert item.versions.get().effective_from == date(2025, 1, 1)
    data["unit"] = org.dept_b.pk
    data["code"] = "NEW-2"
    response = client.post("/office/catalog/new/", data)
    assert response.status_code == 200 and "unit" in response.context["item_form"].errors


def test_toggle_and_withdraw(client, office_user, guide):
    client.force_login(office_user)
    item = ServiceItem.objects.get(code="A-1")
    client.post(f"/office/catalog/{item.pk}/toggle/")
    item.refresh_from_db()
    assert not item.is_active
    pending = services.publish_version(
        office_user,
        item,
        effective_from=timezone.localdate() + timedelta(days=9),
        version=version_data(note="待生效"),
        materials=materials_data(),
        fees=[],
        steps=steps_data(),
    )
    assert "待生效" in client.get(f"/office/catalog/{item.pk}/").content.decode()
    client.post(f"/office/catalog/{item.pk}/versions/{pending.number}/withdraw/")
    assert item.versions.count() == 1


def test_edit_item_identity(client, office_user, guide, org):
    client.force_login(office_user)
    item = ServiceItem.objects.get(code="A-1")
    response = client.post(
        f"/office/catalog/{item.pk}/edit/",
        {
            "name": "食品经营许可（新办，含网络）",
            "unit": org.dept_a.pk,
            "category": "行政许可",
            "keywords": "",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "食品经营许可（新办，含网络）" and item.versions.count() == 1


def test_import_page_lists_errors_and_imports(client, office_user, guide, org):
    client.force_login(office_user)
    response = client.get("/office/catalog/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    book["事项"].append(["N-1", "新导入事项", org.dept_a.code, "承诺件"])
    out = io.BytesIO()
    book.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = "目录.xlsx"
    response = client.post("/office/catalog/import/", {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "导入失败，未做任何修改" in page and "事项 第8行：请填写设定依据" in page
    assert not ServiceItem.objects.filter(code="N-1").exists()

    UnitFactory(code="X9", name="新单位", parent=org.root)
    upload = io.BytesIO(excel.export_workbook(ServiceItem.objects.all()))
    upload.name = "目录.xlsx"
    response = client.post("/office/catalog/import/", {"file": upload}, follow=True)
    assert "内容相同未变6项" in response.content.decode()
