"""The pages: who opens what (the role matrix of the pages), the forms' refusals on the page,
the person's own view, the Word decision, the file, statistics and Excel, the public notices."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from xiaoneng.accountability import services, sources
from xiaoneng.accountability.models import Cause, Sanction, Violation
from xiaoneng.accounts.roles import Role

from .conftest import START, travel

pytestmark = pytest.mark.django_db


@pytest.fixture
def violation(red_card, users):
    record = sources.provider(Cause.RED_CARD).get(red_card().pk)
    assert record is not None
    with travel(START):
        return services.open_violation(users[Role.OFFICE], record)


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(
    ("role", "board", "detail"),
    [
        (Role.ADMIN, 200, 200),
        (Role.OFFICE, 200, 200),
        (Role.LEADER, 200, 200),
        (Role.LIAISON, 403, 404),
        (Role.WINDOW, 403, 404),
        (Role.SUPERVISOR, 403, 404),
    ],
)
def test_role_matrix_of_the_pages(client, users, violation, role, board, detail):
    user = users[role]
    assert _get(client, user, "/office/accountability/").status_code == board
    assert _get(client, user, f"/office/accountability/{violation.pk}/").status_code == detail


def test_the_person_sees_their_own_violation_and_file(client, violation, person):
    page = _get(client, person.user, f"/office/accountability/{violation.pk}/")
    assert page.status_code == 200
    assert "张小明" in page.content.decode()
    assert client.get("/office/accountability/me/").status_code == 302
    mine = client.get(f"/office/accountability/people/{person.pk}/")
    assert mine.status_code == 200 and violation.number in mine.content.decode()


def test_a_stranger_cannot_read_a_file(client, users, person):
    assert (
        _get(client, users[Role.LIAISON], f"/office/accountability/people/{person.pk}/").status_code
        == 404
    )
    assert (
        _get(client, users[Role.LEADER], f"/office/accountability/people/{person.pk}/").status_code
        == 200
    )


def test_procedure_through_the_pages(client, users, violation, person):
    office = users[Role.OFFICE]
    client.force_login(office)
    base = f"/office/accountability/{violation.pk}/do/"
    # Proposing before the statement: not offered, and refused if posted.
    refused = client.post(
        base + "propose/", {"propose-sanction": "reminder", "propose-reason": "x"}
    )
    assert refused.status_code == 400 and "不能提出处理意见" in refused.content.decode()
    assert client.post(base + "assign/", {"assign-investigator": office.pk}).status_code == 302
    empty = client.post(base + "request_statement/", {"request_statement-findings": " "})
    assert empty.status_code == 400
    with travel(START):
        client.post(base + "request_statement/", {"request_statement-findings": "经查属实"})
    client.force_login(person.user)
    page = client.get(f"/office/accountability/{violation.pk}/").content.decode()
    assert 'data-testid="submit_statement-form"' in page
    client.post(base + "submit_statement/", {"submit_statement-statement": "系统故障"})
    client.force_login(office)
    client.post(base + "propose/", {"propose-sanction": "admonition", "propose-reason": "第三次"})
    done = client.post(
        base + "decide/", {"decide-sanction": "admonition", "decide-text": "予以告诫"}
    )
    assert done.status_code == 302
    violation.refresh_from_db()
    assert violation.sanction == Sanction.ADMONITION
    doc = client.get(f"/office/accountability/{violation.pk}/decision.docx")
    assert doc.status_code == 200
    xml = zipfile.ZipFile(io.BytesIO(doc.content)).read("word/document.xml").decode()
    assert "效能告诫书" in xml and "张小明" in xml


def test_stats_and_excel(client, users, walk, violation):
    walk(violation, "delivered", "education")
    client.force_login(users[Role.OFFICE])
    page = client.get("/office/accountability/stats/?year=2026")
    assert page.status_code == 200 and "批评教育" in page.content.decode()
    data = client.get("/office/accountability/stats/export.xlsx?year=2026")
    book = load_workbook(io.BytesIO(data.content))
    assert ["批评教育", 1] in [[c.value for c in row][:2] for row in book["按处理方式"].iter_rows()]


def test_candidates_and_opening_by_hand(client, users, red_card):
    card = red_card()
    client.force_login(users[Role.OFFICE])
    with travel("2026-03-06 10:00"):
        page = client.get("/office/accountability/sources/")
        assert page.status_code == 200 and "立案" in page.content.decode()
        opened = client.post(f"/office/accountability/sources/red_card/{card.pk}/")
        assert opened.status_code == 302
        again = client.post(f"/office/accountability/sources/red_card/{card.pk}/", follow=True)
    assert "只能立案一次" in again.content.decode()
    assert Violation.objects.count() == 1


def test_public_shows_only_published_criticism(client, users, walk, red_card):
    record = sources.provider(Cause.RED_CARD).get(red_card("c:7").pk)
    assert record is not None
    v = walk(services.open_violation(users[Role.OFFICE], record), "delivered", "criticism")
    assert "某局" not in client.get("/accountability/").content.decode()
    services.publish(users[Role.OFFICE], v, "对某局办件超时予以通报批评")
    page = client.get("/accountability/").content.decode()
    assert "对某局办件超时予以通报批评" in page and "张小明" not in page
