"""English pages show choice labels and services' notes in English; what is stored and the
official documents stay Chinese whatever language the page is shown in."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from xiaoneng.audit.models import AuditEntry
from xiaoneng.cases.models import Case
from xiaoneng.i18n import chinese, chinese_display, chinese_labels
from xiaoneng.org import services as org_services
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card
from xiaoneng.testing.factories import AbsenceFactory, CardFactory, PostFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _in(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_an_english_page_shows_english_status_badges(client, office_user, org):
    card = CardFactory(unit=org.dept_a, status=Card.Status.WITHDRAWN)
    client.force_login(office_user)
    url = reverse("supervision:card_detail", args=[card.pk])
    page = _in(client, "en").get(url).content.decode()
    assert "Yellow card" in page and "Step over its time limit" in page and "Withdrawn" in page
    assert "环节超时" not in page
    page = _in(client, "zh-hans").get(url).content.decode()
    assert "黄牌" in page and "环节超时" in page and "已撤销" in page


def test_an_english_page_shows_the_b_post_note_in_english(client, office_user, org):
    post = PostFactory(unit=org.dept_a)
    AbsenceFactory(staff=post.a_holder, start_date="2026-03-02", end_date="2026-03-04")
    client.force_login(office_user)
    url = reverse("org:post_handler", args=[post.pk])
    page = _in(client, "en").get(url, {"day": "2026-03-03"}).content.decode()
    assert f"{post.a_holder.name} (A post) is away; {post.b_holder.name} (B post) stands in" in page
    assert "顶岗" not in page
    page = _in(client, "zh-hans").get(url, {"day": "2026-03-03"}).content.decode()
    assert f"A岗{post.a_holder.name}不在岗，由B岗{post.b_holder.name}顶岗办理" in page


def test_stored_text_stays_chinese_when_the_page_is_english(office_user, org):
    staff = StaffFactory(unit=org.dept_a)
    card = CardFactory(unit=org.dept_a, status=Card.Status.WITHDRAWN)
    with translation.override("en"):
        absence = org_services.add_absence(
            office_user, staff, date(2026, 3, 2), date(2026, 3, 4), "leave"
        )
        assert absence.get_reason_display() == "Leave"  # shown in English …
        with pytest.raises(ValidationError) as refused:
            supervision.contest_card(office_user, card, "理由")
    entry = AuditEntry.objects.filter(object_type="org.absence").latest("seq")
    assert entry.object_repr.endswith("请假")  # … stored in Chinese
    assert "“已撤销”" in str(refused.value)


def test_the_helpers_give_chinese_under_any_language(org):
    with translation.override("en"):
        assert chinese(Case.Status.ACCEPTED.label) == "办理中"
        assert chinese_labels(Card.Cause)["step_overdue"] == "环节超时"
        card = CardFactory.build(unit=org.dept_a)
        assert card.get_color_display() == "Yellow card"
        assert chinese_display(card, "color") == "黄牌"


def test_every_choice_label_of_the_models_has_an_english_translation():
    from django.apps import apps

    untranslated = set()
    for model in apps.get_models():
        if not model.__module__.startswith("xiaoneng."):
            continue
        for field in model._meta.get_fields():
            for _value, label in getattr(field, "flatchoices", None) or []:
                with translation.override("en"):
                    shown = str(label)
                if any("\u4e00" <= ch <= "\u9fff" for ch in shown):
                    untranslated.add(f"{model._meta.label}.{field.name}: {shown}")
    assert not untranslated, sorted(untranslated)


def test_the_accountability_workbook_is_chinese_when_the_page_is_english():
    import io

    from openpyxl import load_workbook

    from xiaoneng.accountability import excel, figures
    from xiaoneng.accountability.models import Violation

    with translation.override("en"):
        tally = figures.tally(date(2026, 1, 1), date(2026, 12, 31), Violation.objects.all())
        assert str(tally.by_sanction[0].label) == "Reminder"  # the page shows English …
        book = load_workbook(io.BytesIO(excel.build(tally)))
    cells = [c.value for row in book["按处理方式"].iter_rows() for c in row]
    assert "提醒" in cells and "Reminder" not in cells  # … the workbook stays Chinese
    assert "提醒" in [c.value for c in book["按单位"][1]]
