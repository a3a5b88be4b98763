"""The pages: who may open what (role matrix), the scheme editor's refusals, a unit's forecast and
objection, the drill-down, the ranking and the documents."""

from __future__ import annotations

import io
import re

import pytest
import time_machine
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from xiaoneng.accounts.roles import Role
from xiaoneng.assessment import services
from xiaoneng.assessment.models import Objection, Period

from .conftest import PREVIEW, at


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "periods", "scheme", "workbook"),
    [
        (Role.ADMIN, 200, 200, 200),
        (Role.OFFICE, 200, 200, 200),
        (Role.LEADER, 200, 403, 403),
        (Role.LIAISON, 200, 403, 403),
        (Role.WINDOW, 403, 403, 403),
        (Role.SUPERVISOR, 403, 403, 403),
    ],
)
def test_role_matrix(city, users, client, role, periods, scheme, workbook):
    with time_machine.travel(at(PREVIEW), tick=False):
        services.compute(users[Role.OFFICE], city.period)
    c = client_for(client, users[role])
    assert c.get(reverse("assessment:periods")).status_code == periods
    assert c.get(reverse("assessment:period", args=[city.period.pk])).status_code == periods
    s = city.period.schemes.get()
    assert c.get(reverse("assessment:scheme", args=[s.pk])).status_code == scheme
    assert c.get(reverse("assessment:workbook", args=[city.period.pk])).status_code == workbook


def test_liaison_sees_own_scorecard_only_before_publication(city, users, client):
    with time_machine.travel(at(PREVIEW), tick=False):
        services.open_preview(users[Role.OFFICE], city.period)
    c = client_for(client, city.liaison_c)
    own = c.get(reverse("assessment:scorecard", args=[city.period.pk, city.c.pk]))
    assert own.status_code == 200 and "61.50" in own.content.decode()
    other = c.get(reverse("assessment:scorecard", args=[city.period.pk, city.a.pk]))
    assert other.status_code == 404
    page = c.get(reverse("assessment:period", args=[city.period.pk])).content.decode()
    assert 'data-testid="ranking"' not in page and "市丙局" in page


def test_forecast_during_the_period(city, users, client):
    with time_machine.travel(at("2026-12-02 10:00"), tick=False):
        c = client_for(client, users[Role.LIAISON])  # department A's liaison
        page = c.get(reverse("assessment:scorecard", args=[city.period.pk, city.a.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="forecast"' in body
    assert "91.50" in body


def test_objection_through_the_page(city, users, client):
    with time_machine.travel(at(PREVIEW), tick=False):
        services.open_preview(users[Role.OFFICE], city.period)
    url = reverse("assessment:scorecard", args=[city.period.pk, city.c.pk])
    with time_machine.travel(at("2027-01-12 10:00"), tick=False):
        c = client_for(client, city.liaison_c)
        blank = c.post(url, {"component": "", "reason": "", "evidence": ""})
        assert "请填写" in blank.content.decode() or "这个字段是必填项" in blank.content.decode()
        done = c.post(url, {"component": "黄牌红牌", "reason": "红牌已申诉", "evidence": "申诉书"})
        assert done.status_code == 302
    assert Objection.objects.get().component == "黄牌红牌"
    with time_machine.travel(at("2027-02-12 10:00"), tick=False):
        c = client_for(client, city.liaison_c)
        late = c.post(url, {"component": "", "reason": "迟到", "evidence": "无"})
    assert late.status_code == 200 and Objection.objects.count() == 1


def test_drill_down_lists_the_cards(city, users, client):
    with time_machine.travel(at(PREVIEW), tick=False):
        services.compute(users[Role.OFFICE], city.period)
    c = client_for(client, users[Role.OFFICE])
    page = c.get(reverse("assessment:drill", args=[city.period.pk, city.a.pk, "cards"]))
    body = page.content.decode()
    assert page.status_code == 200
    # the section's yellow card; not last year's, not the withdrawn one
    assert len(re.findall(r"/office/cards/\d+/", body)) == 1
    card = c.get(reverse("assessment:scorecard", args=[city.period.pk, city.a.pk])).content
    assert reverse("assessment:drill", args=[city.period.pk, city.a.pk, "targets"]) in card.decode()


def test_scheme_editor_refuses_bad_weights(city, users, client):
    s = city.period.schemes.get()
    c = client_for(client, users[Role.OFFICE])
    url = reverse("assessment:scheme", args=[s.pk])
    form = c.get(url).context
    data = {}
    for f in (form["settings_form"],):
        for name, field in f.fields.items():
            value = f.initial.get(name, field.initial)
            data[f"s-{name}"] = "" if value is None else value
    data["s-last_yellow_card"] = "on"
    rows = [("targets", "目标任务", 60, 0, 100), ("cards", "黄牌红牌", 30, 20, 0)]
    data.update({"c-TOTAL_FORMS": 2, "c-INITIAL_FORMS": 2, "a-TOTAL_FORMS": 0})
    data.update({"a-INITIAL_FORMS": 0, "v-TOTAL_FORMS": 0, "v-INITIAL_FORMS": 0})
    for n, (source, label, weight, zero, full) in enumerate(rows):
        data.update(
            {
                f"c-{n}-source": source,
                f"c-{n}-label": label,
                f"c-{n}-weight": weight,
                f"c-{n}-zero_at": zero,
                f"c-{n}-full_at": full,
            }
        )
    refused = c.post(url, data)
    assert "权重合计为90，应为100" in refused.content.decode()
    data["c-0-weight"] = 70
    assert c.post(url, data).status_code == 302
    s.refresh_from_db()
    assert s.version == 3 and not s.vetoes.exists()
    preset = c.post(url, {"action": "preset", "preset": "bottom_three"})
    assert preset.status_code == 302
    s.refresh_from_db()
    assert s.last_count == 3 and s.last_pay_deduction == 20


def test_publication_documents(city, users, client):
    office = users[Role.OFFICE]
    with time_machine.travel(at(PREVIEW), tick=False):
        services.open_preview(office, city.period)
    with time_machine.travel(at("2027-01-25 10:00"), tick=False):
        services.close_objections(office, city.period)
        services.publish(office, city.period, document_number="效考〔2027〕1号")
    c = client_for(client, users[Role.LIAISON])
    page = c.get(reverse("assessment:period", args=[city.period.pk])).content.decode()
    assert 'data-testid="ranking"' in page and "末位" in page
    report = c.get(reverse("assessment:report", args=[city.period.pk]))
    text = "\n".join(p.text for p in Document(io.BytesIO(report.content)).paragraphs)
    assert "效考〔2027〕1号" in text and "市丙局被认定为末位" in text
    pay = client_for(client, office).get(reverse("assessment:pay", args=[city.period.pk]))
    sheet = load_workbook(io.BytesIO(pay.content))["绩效系数"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["市丙局"][7] == 0.72 and rows["市甲局"][8] == 120.0
    other = client_for(client, users[Role.LIAISON]).get(
        reverse("assessment:scorecard", args=[city.period.pk, city.a.pk])
    )
    assert other.status_code == 200  # published: every unit's scorecard is open
    assert Period.objects.get().is_published
