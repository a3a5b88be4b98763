"""下发整改通知书: one 整改任务 per evaluated unit, its problems the notice's themes (opinions
verbatim in the details), its plan due 15 working days after the issue — the date the notice
then prints."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.evaluation import rectify, results
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import source_link
from xiaoneng.testing.factories import UserFactory
from xiaoneng.workdays import SHANGHAI

from .test_notice import docx_text, tallied_campaign

pytestmark = pytest.mark.django_db
ISSUE = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)  # a Monday


def _published(office_user, units):
    campaign = tallied_campaign(office_user, units)
    results.publish(office_user, campaign)
    campaign.refresh_from_db()
    return campaign


def test_one_task_per_unit_with_the_notices_themes(office_user, units, users):
    campaign = _published(office_user, units)
    with time_machine.travel(ISSUE, tick=False):
        tasks = rectify.issue_notices(office_user, campaign, complete_by=date(2026, 9, 30))
    assert {t.unit for t in tasks} == set(units)
    a = Task.objects.get(unit=units[0])
    assert a.source_kind == "evaluation" and a.source_public and a.limit_days == 15
    assert a.source_label.endswith("整改通知书（效评改〔2026〕1号）")
    titles = [p.title for p in a.problems.all()]
    assert titles[0].startswith("群众意见：态度") and titles[0].endswith("（4条）")
    assert any(t.startswith("评议得分较低的方面：") for t in titles)
    detail = a.problems.first().detail
    assert "窗口服务态度差，办事拖拉" in detail and "（2人反映）" in detail
    assert "这份评议表经复核剔除" not in "".join(p.detail for p in a.problems.all())
    # 15 working days after Mon 1 June 2026: 19 June is 端午, so Tue 23 June.
    assert a.due_at.astimezone(SHANGHAI).date() == date(2026, 6, 23)
    with pytest.raises(ValidationError, match="已经下发"):
        rectify.issue_notices(office_user, campaign, complete_by=date(2026, 9, 30))
    assert rectify.issued_on(campaign) == date(2026, 6, 1)
    # The liaison follows the link to the notice, which prints the issue date's deadline.
    assert source_link(users[Role.LIAISON], a) == a.source_link


def test_refused_before_publication_and_for_others(office_user, units, users):
    campaign = tallied_campaign(office_user, units)
    with pytest.raises(ValidationError, match="公布后"):
        rectify.issue_notices(office_user, campaign, complete_by=date(2026, 9, 30))
    with pytest.raises(PermissionDenied):
        rectify.issue_notices(users[Role.LIAISON], campaign, complete_by=date(2026, 9, 30))
    assert not Task.objects.exists()


def test_issued_from_the_results_page_and_the_notice_keeps_its_date(client, office_user, units):
    campaign = _published(office_user, units)
    client.force_login(office_user)
    url = reverse("evaluation:results", args=[campaign.pk])
    assert 'data-testid="issue-notices"' in client.get(url).content.decode()
    with time_machine.travel(ISSUE, tick=False):
        client.post(url, {"action": "issue_notices", "complete_by": "2026-09-30"})
    assert Task.objects.count() == 3
    assert 'data-testid="notices-issued"' in client.get(url).content.decode()
    a = campaign.units.get(unit=units[0])
    with time_machine.travel(datetime(2026, 7, 1, 10, tzinfo=SHANGHAI), tick=False):
        response = client.get(reverse("evaluation:notice", args=[campaign.pk, a.pk]))
    data = b"".join(response.streaming_content)
    assert "于2026年6月23日前" in docx_text(data)
    outsider = UserFactory(role=Role.WINDOW, unit=units[0])
    assert source_link(outsider, Task.objects.get(unit=units[0])) == ""
