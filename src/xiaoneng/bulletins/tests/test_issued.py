"""Issued bulletins: numbering, freezing, corrections, who issues and reads, public pages, feed."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from docx import Document

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.bulletins import drafts, issuing
from xiaoneng.bulletins.models import IssuedBulletin, Kind, NumberCounter
from xiaoneng.bulletins.services import Period
from xiaoneng.complaints import services as complaints
from xiaoneng.complaints.models import Category, Complaint
from xiaoneng.opendata import feeds

NOW = "2026-11-20 12:00"
NAME = "张秘密"


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def _file(office, when: str) -> Complaint:
    with time_machine.travel(at(when), tick=False):
        complaint, _ = complaints.submit_complaint(
            office,
            channel=Complaint.Channel.HOTLINE,
            category=Category.objects.get(code="ban_delay"),
            title="王大爷办证被拖",
            content="材料齐全却迟迟不办。",
            identity=complaints.Identity(name=NAME, phone="13912345678"),
            caller_line="12345",
        )
    return complaint


@pytest.fixture
def october(users, org):
    office = users[Role.OFFICE]
    c = _file(office, "2026-10-19 10:00")
    with time_machine.travel(at("2026-10-19 15:00"), tick=False):
        complaints.accept(office, c, unit=org.section_a)
    return c


@pytest.fixture
def clock():
    with time_machine.travel(at(NOW), tick=False) as traveller:
        yield traveller


def _issue(user, kind: str = Kind.COMPLAINTS, key: str = "2026-10", unit=None) -> IssuedBulletin:
    return issuing.issue(user, drafts.build(user, kind, key, unit))


def _main(content: bytes) -> bytes:
    """The page's content (the head carries a per-request nonce and token)."""
    return content[content.index(b"<main") : content.index(b"</main>")]


def _word_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


# ---- numbering -----------------------------------------------------------------------------------


def test_two_issues_in_a_row_get_consecutive_numbers(users, october, clock):
    office = users[Role.OFFICE]
    first = _issue(office)
    second = _issue(office)
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.number == "效投通〔2026〕1号"
    assert second.full_number == "效投通〔2026〕2号"
    assert NumberCounter.objects.get(kind=Kind.COMPLAINTS, year=2026).last == 2
    # Another kind has its own sequence.
    monthly = _issue(office, Kind.MONTHLY)
    assert monthly.number == "效能通〔2026〕1号"
    # The number is printed in the Word's masthead.
    assert Document(io.BytesIO(bytes(first.word))).paragraphs[1].text == "效投通〔2026〕1号"


def test_the_prefix_is_configurable(users, october, clock, settings):
    settings.XIAONENG_BULLETIN_PREFIXES = {"complaints": "示效投"}
    assert _issue(users[Role.OFFICE]).number == "示效投〔2026〕1号"


def test_a_number_is_never_given_twice(users, october, clock):
    issued = _issue(users[Role.OFFICE])
    duplicate = IssuedBulletin(
        **{
            f.attname: getattr(issued, f.attname)
            for f in IssuedBulletin._meta.concrete_fields
            if f.attname != "id"
        }
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_numbers_continue_in_a_new_year(users, october):
    office = users[Role.OFFICE]
    with time_machine.travel(at("2026-12-30 10:00"), tick=False):
        _issue(office)
    with time_machine.travel(at("2027-01-04 10:00"), tick=False):
        issued = _issue(office)
    assert issued.number == "效投通〔2027〕1号"


# ---- freezing ----------------------------------------------------------------------------------


def test_issued_page_and_word_never_change_when_the_data_does(client, users, october, clock):
    office = users[Role.OFFICE]
    issued = _issue(office)
    client.force_login(office)
    url = reverse("bulletins:issued", args=["complaints", 2026, 1, 1])
    word_url = reverse("bulletins:issued_word", args=["complaints", 2026, 1, 1])
    draft_url = reverse("bulletins:draft", args=["complaints"]) + "?key=2026-10"
    page_before = _main(client.get(url).content)
    word_before = client.get(word_url).content
    draft_before = client.get(draft_url).content.decode()
    assert hashlib.sha256(word_before).hexdigest() == issued.sha256
    assert "收到投诉" in page_before.decode() and "1件" in page_before.decode()

    _file(office, "2026-10-21 09:00")  # a complaint of October found later

    assert _main(client.get(url).content) == page_before
    assert client.get(word_url).content == word_before
    draft_after = client.get(draft_url).content.decode()
    assert draft_after != draft_before
    assert "2件" in draft_after
    assert "草稿/预览" in draft_after
    # The frozen snapshot holds the figures as issued.
    assert "1件" in str(issued.snapshot)


def test_no_personal_data_in_the_issued_bulletin(users, october, clock):
    issued = _issue(users[Role.OFFICE])
    text = str(issued.snapshot) + _word_text(bytes(issued.word))
    assert NAME not in text and "13912345678" not in text and "王大爷" not in text


# ---- corrections --------------------------------------------------------------------------------


def test_a_correction_is_a_new_version_naming_what_changed(client, users, october, clock):
    office = users[Role.OFFICE]
    original = _issue(office)
    with pytest.raises(ValidationError, match="没有需要更正"):
        issuing.correct(office, original, "数字有误")
    _file(office, "2026-10-21 09:00")
    with pytest.raises(ValidationError):
        issuing.correct(office, original, "  ")
    corrected = issuing.correct(office, original, "漏计一件投诉")
    assert corrected.version == 2 and corrected.number == original.number
    assert corrected.full_number == "效投通〔2026〕1号（第2版）"
    assert corrected.corrects == original
    where = {c["where"]: (c["before"], c["after"]) for c in corrected.changes}
    assert where["总体情况／收到投诉／数值"] == ("1件", "2件")
    text = _word_text(bytes(corrected.word))
    assert "更正说明" in text and "漏计一件投诉" in text and "效投通〔2026〕1号" in text
    # The old version stays readable and says it was superseded.
    client.force_login(office)
    old_page = client.get(reverse("bulletins:issued", args=["complaints", 2026, 1, 1]))
    assert old_page.status_code == 200
    assert "已被更正" in old_page.content.decode()
    new_page = client.get(reverse("bulletins:issued", args=["complaints", 2026, 1, 2]))
    body = new_page.content.decode()
    assert "更正内容" in body and "漏计一件投诉" in body
    # A superseded version cannot be corrected again.
    with pytest.raises(ValidationError, match="已被更正"):
        issuing.correct(office, original, "再次更正")
    entries = AuditEntry.objects.filter(object_type="bulletins.issuedbulletin")
    assert entries.filter(summary__startswith="更正通报").count() == 1
    assert entries.filter(summary__startswith="签发通报").count() == 1


def test_correction_form_refuses_an_empty_reason(client, users, october, clock):
    office = users[Role.OFFICE]
    _issue(office)
    client.force_login(office)
    url = reverse("bulletins:correct", args=["complaints", 2026, 1, 1])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    response = client.post(url, {"reason": "数字有误"})  # nothing changed
    assert "没有需要更正" in response.content.decode()
    assert IssuedBulletin.objects.count() == 1


# ---- who may do what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may"),
    [
        (Role.ADMIN, True),
        (Role.OFFICE, True),
        (Role.LEADER, False),
        (Role.LIAISON, False),
        (Role.WINDOW, False),
        (Role.SUPERVISOR, False),
    ],
)
def test_only_the_office_issues(client, users, october, clock, role, may):
    user = users[role]
    if may:
        assert _issue(user).sequence == 1
    else:
        with pytest.raises(PermissionDenied):
            issuing.issue(user, drafts.build(users[Role.OFFICE], Kind.COMPLAINTS, "2026-10"))
    client.force_login(user)
    response = client.post(reverse("bulletins:issue", args=["complaints"]), {"key": "2026-10"})
    assert (response.status_code == 302) is may
    if not may:
        assert response.status_code == 403
    assert IssuedBulletin.objects.count() == (2 if may else 0)


def test_who_reads_issued_bulletins(client, users, org, october, clock):
    office = users[Role.OFFICE]
    city = _issue(office)
    unit_b = _issue(office, unit=str(org.dept_b.pk))
    liaison, leader = users[Role.LIAISON], users[Role.LEADER]
    assert set(IssuedBulletin.objects.visible_to(liaison)) == {city}
    assert set(IssuedBulletin.objects.visible_to(leader)) == {city, unit_b}
    assert not IssuedBulletin.objects.visible_to(users[Role.WINDOW]).exists()
    client.force_login(liaison)
    assert (
        client.get(reverse("bulletins:issued", args=["complaints", 2026, 1, 1])).status_code == 200
    )
    assert (
        client.get(reverse("bulletins:issued", args=["complaints", 2026, 2, 1])).status_code == 404
    )
    page = client.get(reverse("bulletins:issued", args=["complaints", 2026, 1, 1])).content.decode()
    assert "更正" not in page.split("下载Word通报")[1][:200]  # no correction link for a liaison
    listing = client.get(reverse("bulletins:issued_list")).content.decode()
    assert city.full_number in listing and unit_b.full_number not in listing
    assert (
        client.get(reverse("bulletins:correct", args=["complaints", 2026, 1, 1])).status_code == 403
    )


def test_the_list_filters_by_kind_and_year(client, users, october, clock):
    office = users[Role.OFFICE]
    _issue(office)
    monthly = _issue(office, Kind.MONTHLY)
    client.force_login(office)
    body = client.get(reverse("bulletins:issued_list") + "?kind=monthly&year=2026").content.decode()
    assert monthly.full_number in body and "效投通〔2026〕1号" not in body
    body = client.get(reverse("bulletins:issued_list") + "?year=20x6").content.decode()
    assert "年度应为四位数字" in body


# ---- public pages and the feed -------------------------------------------------------------------


def test_only_public_kinds_reach_the_portal_and_the_feed(client, users, october, clock):
    office = users[Role.OFFICE]
    complaints_bulletin = _issue(office)
    monthly = _issue(office, Kind.MONTHLY)
    assert monthly.is_public and not complaints_bulletin.is_public
    listing = client.get(reverse("opendata:bulletins")).content.decode()
    assert monthly.full_number in listing and complaints_bulletin.full_number not in listing
    public = client.get(reverse("opendata:bulletin", args=["monthly", 2026, 1, 1]))
    assert public.status_code == 200 and NAME not in public.content.decode()
    assert (
        client.get(reverse("opendata:bulletin", args=["complaints", 2026, 1, 1])).status_code == 404
    )
    word = client.get(reverse("opendata:bulletin_word", args=["monthly", 2026, 1, 1]))
    assert word.content == bytes(monthly.word)
    keys = [e.key for e in feeds.entries()]
    assert "bulletin:monthly:2026-1:v1" in keys
    assert not any(k.startswith("bulletin:complaints") for k in keys)
    atom = client.get(reverse("opendata:feed")).content.decode()
    assert "效能通〔2026〕1号" in atom


# ---- the monthly 效能通报 ------------------------------------------------------------------------


def test_the_monthly_bulletin_has_every_section(client, users, october, clock):
    office = users[Role.OFFICE]
    draft = drafts.build(office, Kind.MONTHLY, "2026-10")
    titles = [s.title for s in draft.sections]
    assert titles == [
        "办件情况",
        "效能投诉情况",
        "好差评情况",
        "整改落实情况",
        "明查暗访情况",
        "责任追究情况",
    ]
    # A liaison does not see violations: a leader's monthly draft does, counts only.
    client.force_login(users[Role.LEADER])
    page = client.get(reverse("bulletins:monthly") + "?key=2026-10")
    assert page.status_code == 200 and "责任追究情况" in page.content.decode()
    client.force_login(users[Role.LIAISON])
    assert client.get(reverse("bulletins:monthly")).status_code == 403
    text = _word_text(draft.word())
    assert "办件情况" in text and "明查暗访情况" in text


def test_the_monthly_bulletin_withholds_small_unit_counts(users, october, clock):
    draft = drafts.build(users[Role.OFFICE], Kind.MONTHLY, "2026-10")
    section = next(s for s in draft.sections if s.title == "效能投诉情况")
    units = next(t for t in section.tables if t.caption == "各单位")
    assert all(row[1] == "不足5件" for row in units.rows)


def test_bad_parameters_are_refused_clearly(client, users):
    client.force_login(users[Role.OFFICE])
    body = client.get(
        reverse("bulletins:draft", args=["monthly"]) + "?key=2026-Q3"
    ).content.decode()
    assert "效能通报按月编制" in body
    assert client.get(reverse("bulletins:draft", args=["nonsense"])).status_code == 404
    word = client.get(reverse("bulletins:draft_word", args=["complaints"]) + "?key=abc")
    assert word.status_code == 400 and "统计周期格式" in word.content.decode()
    assert Period.parse("2026-10").key == "2026-10"
