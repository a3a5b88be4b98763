"""The evaluator pool at rest (评议人库): names, phones, masked ID numbers and organisations are
stored only encrypted under the identity key, like complainants' identities; duplicates are
still found by keyed hashes; the letters, the SMS export and the pool page still show what the
office needs, and survive a key rotation."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from xiaoneng.evaluation import pool, services
from xiaoneng.evaluation.models import Evaluator

from .conftest import make_collecting, make_draft, pool_file

pytestmark = pytest.mark.django_db

PEOPLE = [
    ["王小明", "企业", "13912345678", "11010519491231002X", "示范市恒达建材有限公司"],
    ["李芳", "企业", "13900000001", "", "示范市众诚物流有限公司"],
    ["张伟", "企业", "13900000002", "", ""],
    ["赵丽", "居民", "13900000003", "", "东门街道幸福社区"],
    ["刘洋", "居民", "13900000004", "", ""],
]


def stored(table: str = "evaluation_evaluator") -> str:
    """Every value of the table as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return str(cursor.fetchall())


def campaign_with_people(office_user, units):
    return make_draft(
        office_user,
        units,
        strata={"企业": (3, 2), "居民": (2, 1)},
        pool=PEOPLE,
    )


def test_names_phones_and_organisations_are_not_stored_in_clear(office_user, units):
    campaign = campaign_with_people(office_user, units)
    raw = stored()
    for name, _, phone, ident, organisation in PEOPLE:
        for secret in (name, phone, organisation, ident, ident[-4:] and f"***{ident[-4:]}"):
            if secret:
                assert secret not in raw
    first = campaign.evaluators.order_by("number").first()
    assert first.contact.name == "王小明" and first.contact.phone == "13912345678"
    assert first.contact.id_masked == "110***********002X"
    assert first.contact.organisation == "示范市恒达建材有限公司"
    # A person added by hand too.
    pool.add_person(
        office_user, campaign, pool.Person(0, "孙强", "居民", "13900000009", "", "某村")
    )
    assert "孙强" not in stored() and "13900000009" not in stored()
    # The duplicate check still works, on the keyed hashes.
    with pytest.raises(ValidationError, match="同一人"):
        pool.add_person(
            office_user, campaign, pool.Person(0, "别名", "企业", "13912345678", "", "")
        )


def test_letters_sms_export_and_pool_page_read_the_encrypted_pool(client, office_user, units):
    campaign = make_collecting(
        office_user, units, strata={"企业": (3, 2), "居民": (2, 1)}, pool=PEOPLE
    )
    client.force_login(office_user)
    selected = campaign.evaluators.filter(status=Evaluator.Status.SELECTED)
    names = {e.contact.name for e in selected}
    letters = client.get(reverse("evaluation:letters", args=[campaign.pk])).content.decode()
    for name in names:
        assert f"{name}同志" in letters
    export = client.get(reverse("evaluation:code_export", args=[campaign.pk]))
    rows = list(load_workbook(io.BytesIO(export.getvalue())).active.iter_rows(values_only=True))
    by_name = {row[2]: row for row in rows[1:]}
    assert set(by_name) == names
    for e in selected:
        row = by_name[e.contact.name]
        assert row[3] == e.contact.phone and services.code_of(e.access_code) == row[4]
        assert row[5].startswith(f"{e.contact.name}您好")
    codes = client.get(reverse("evaluation:codes", args=[campaign.pk])).content.decode()
    assert all(name in codes for name in names)
    # Two and one online evaluators: fewer than a batch, and the page says so.
    assert "网上评议人不足 10 人" in codes and "企业（2 人）、居民（1 人）" in codes

    url = reverse("evaluation:pool", args=[campaign.pk])
    page = client.get(url).content.decode()
    assert "王小明" in page and "139****5678" in page and "13912345678" not in page
    assert "110***********002X" in page and "示范市恒达建材有限公司" in page
    # Search by name, by part of a phone number, by number; nothing for a stranger.
    assert "王小明" in client.get(url, {"q": "小明"}).content.decode()
    found = client.get(url, {"q": "0003"}).content.decode()
    assert "赵丽" in found and "王小明" not in found
    assert "李芳" in client.get(url, {"q": "2026-00002"}).content.decode()
    assert "王小明" not in client.get(url, {"q": "不存在"}).content.decode()


def test_the_pool_survives_a_key_rotation(settings, office_user, units):
    campaign = campaign_with_people(office_user, units)
    settings.XIAONENG_IDENTITY_KEY = f"a-new-key-for-the-test,{settings.XIAONENG_IDENTITY_KEY}"
    person = campaign.evaluators.order_by("number").first()
    assert person.contact.name == "王小明"
    # Added under the new key; the old person still found as a duplicate.
    pool.add_person(office_user, campaign, pool.Person(0, "孙强", "居民", "13900000009", "", ""))
    with pytest.raises(ValidationError, match="同一人"):
        pool.import_pool(office_user, campaign, pool_file([["王", "企业", "13912345678", ""]]))
    assert {e.contact.name for e in campaign.evaluators.all()} >= {"王小明", "孙强"}
