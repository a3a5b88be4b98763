"""明查暗访 pages: each role's view, the forms, the refusals beside what was typed."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from docx import Document

from xiaoneng.accounts.roles import Role
from xiaoneng.inspections import services
from xiaoneng.inspections.models import CheckItem, Finding, Plan, Visit
from xiaoneng.testing.factories import UserFactory

from .conftest import NOW, at, photo_upload

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def visit(items, make_plan, org, member) -> Visit:
    plan = make_plan()
    with time_machine.travel(NOW, tick=False):
        return services.start_visit(member, plan, org.dept_a, date(2026, 3, 4))


def test_the_office_loads_the_default_checklist_and_edits_an_item(users):
    office = client_for(users[Role.OFFICE])
    url = reverse("inspections:checklist")
    assert "载入默认检查项目" in office.get(url).content.decode()
    office.post(url, {"defaults": "1"})
    page = office.get(url).content.decode()
    assert "佩戴胸卡" in page and "吃拿卡要" in page
    item = CheckItem.objects.get(name="佩戴胸卡")
    response = office.post(
        reverse("inspections:item_edit", args=[item.pk]),
        {"category": "cards", "name": "佩戴胸卡", "kind": "deduction", "deduction": "2"},
    )
    assert response.status_code == 302
    assert CheckItem.objects.get(code=item.code, is_current=True).version == 2
    liaison = client_for(users[Role.LIAISON])
    assert liaison.post(url, {"defaults": "1"}).status_code == 403
    assert liaison.get(reverse("inspections:item_edit", args=[item.pk])).status_code == 403


def test_the_office_makes_a_plan_with_a_draw(users, member, org):
    office = client_for(users[Role.OFFICE])
    response = office.post(
        reverse("inspections:plan_new"),
        {
            "title": "3月窗口暗访",
            "kind": "covert",
            "start": "2026-03-01",
            "end": "2026-03-31",
            "team": [member.pk],
            "pool": [org.dept_a.pk, org.dept_b.pk, org.section_a.pk],
            "draw_count": "2",
            "draw_seed": "03 09 14",
        },
    )
    assert response.status_code == 302, response.content.decode()
    plan = Plan.objects.get()
    page = office.get(reverse("inspections:plan", args=[plan.pk])).content.decode()
    assert plan.draw_canonical in page and plan.draw_pool_hash in page
    refused = office.post(
        reverse("inspections:plan_new"),
        {
            "title": "x",
            "kind": "open",
            "start": "2026-03-05",
            "end": "2026-03-01",
            "team": [member.pk],
            "units": [org.dept_a.pk],
        },
    )
    assert refused.status_code == 400
    assert "结束日期不能早于开始日期" in refused.content.decode()


def test_a_liaison_cannot_open_an_unvisited_covert_plan(users, make_plan, org, member):
    plan = make_plan(Plan.Kind.COVERT)
    liaison = client_for(users[Role.LIAISON])
    assert liaison.get(reverse("inspections:plan", args=[plan.pk])).status_code == 404
    assert plan.title not in liaison.get(reverse("inspections:plans")).content.decode()
    with time_machine.travel(NOW, tick=False):
        visit = services.start_visit(member, plan, org.dept_a, date(2026, 3, 4))
        services.submit_visit(member, visit)
    page = liaison.get(reverse("inspections:plan", args=[plan.pk])).content.decode()
    assert org.dept_a.name in page
    assert org.dept_b.name not in page  # another unit of the plan, not yet visited


def test_recording_a_finding_without_and_with_the_script(visit, items, member, clerk):
    client = client_for(member)
    url = reverse("inspections:record", args=[visit.pk])
    page = client.get(url).content.decode()
    assert "佩戴胸卡" in page and clerk.name in page
    refused = client.post(url, {"note": ""})
    assert refused.status_code == 400 and "请选择检查项目或填写问题描述" in refused.content.decode()
    response = client.post(
        url, {"item": items["佩戴胸卡"].pk, "person": clerk.pk, "photos": [photo_upload()]}
    )
    assert response.status_code == 302
    sent = {"item": items["去向卡"].pk, "client_key": "abc", "photos": [photo_upload()]}
    first = client.post(url, sent, HTTP_ACCEPT="application/json")
    sent["photos"] = [photo_upload()]
    again = client.post(url, sent, HTTP_ACCEPT="application/json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    bad = client.post(
        url,
        {"item": items["去向卡"].pk, "photos": [photo_upload("a.jpg", b"not an image")]},
        HTTP_ACCEPT="application/json",
    )
    assert bad.status_code == 400 and "photos" in bad.json()["errors"]
    assert visit.findings.count() == 2
    assert client.post(reverse("inspections:submit", args=[visit.pk])).status_code == 302
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED


def test_the_service_worker_is_served_within_its_scope(users):
    response = client_for(users[Role.SUPERVISOR]).get(reverse("inspections:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")


def test_review_contest_and_bulletin(users, visit, items, member, clerk, org):
    with time_machine.travel(NOW, tick=False):
        finding = services.record_finding(
            member,
            visit,
            services.FindingIn(
                items["上班时间玩游戏/网购"].pk, "玩手机", clerk.pk, (photo_upload(),)
            ),
        )
        services.submit_visit(member, visit)
    office = client_for(users[Role.OFFICE])
    act = "inspections:finding_act"
    with time_machine.travel(at("2026-03-06 09:00"), tick=True):
        response = office.post(
            reverse(act, args=[finding.pk, "confirm"]),
            {f"f{finding.pk}-confirm-card": "on", f"f{finding.pk}-confirm-reason": "照片清楚"},
        )
        assert response.status_code == 302
        liaison = client_for(users[Role.LIAISON])
        page = liaison.get(reverse("inspections:visit", args=[visit.pk])).content.decode()
        assert "上班时间玩游戏/网购" in page and "申辩期限" in page
        assert clerk.name not in page  # the unit's side is not told who was named
        refused = liaison.post(reverse(act, args=[finding.pk, "contest"]), {})
        assert refused.status_code == 400
    with time_machine.travel(at("2026-03-20 09:00"), tick=True):
        liaison = client_for(users[Role.LIAISON])
        late = liaison.post(
            reverse(act, args=[finding.pk, "contest"]), {f"f{finding.pk}-contest-reason": "不服"}
        )
        assert late.status_code == 400 and "申辩期限" in late.content.decode()
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CONFIRMED
    office = client_for(users[Role.OFFICE])
    bulletin = office.get(reverse("inspections:bulletin", args=[visit.plan_id])).content.decode()
    assert "工作纪律" in bulletin and clerk.name not in bulletin  # the plan names no one
    docx = office.get(reverse("inspections:bulletin_docx", args=[visit.plan_id]))
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "上班时间玩游戏/网购" in text and "合计扣3分" in text
    photo = finding.photos.get()
    assert office.get(reverse("inspections:photo", args=[photo.pk])).status_code == 200
    outsider = client_for(UserFactory(username="liaison_b", role=Role.LIAISON, unit=org.dept_b))
    assert outsider.get(reverse("inspections:photo", args=[photo.pk])).status_code == 404


def test_a_supervisor_files_an_observation(users, items, org):
    client = client_for(users[Role.SUPERVISOR])
    url = reverse("inspections:observe")
    assert client.get(url).status_code == 200
    refused = client.post(url, {"unit": org.dept_b.pk, "visited_on": "2026-03-05"})
    assert refused.status_code == 400
    with time_machine.travel(NOW, tick=True):
        response = client.post(
            url,
            {
                "unit": org.dept_b.pk,
                "visited_on": "2026-03-05",
                "item": items["去向卡"].pk,
                "photos": [photo_upload()],
            },
        )
    assert response.status_code == 302
    visit = Visit.objects.get(plan__isnull=True)
    assert visit.findings.get().photos.count() == 1
    assert client_for(users[Role.LIAISON]).get(url).status_code == 403
