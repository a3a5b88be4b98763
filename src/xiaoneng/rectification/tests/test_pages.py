"""The rectification pages: the board and its filters, 督查督办, the plan form, the steps
through their forms, evidence files, the Word documents, the Excel export, the leader's view."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from xiaoneng.accounts.roles import Role
from xiaoneng.rectification import services
from xiaoneng.rectification.models import Evidence, Task
from xiaoneng.testing.factories import UserFactory

from .conftest import measures_for, travel

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%test\n"


def _login(client, user):
    client.force_login(user)
    return client


def test_board_lists_within_scope_and_filters(client, open_manual, users, org):
    mine = open_manual(title="窗口办事排长队")
    other = open_manual(title="乙局电话无人接听", unit=org.dept_b, level=Task.Level.NORMAL)
    page = _login(client, users[Role.OFFICE]).get(reverse("rectification:board")).content.decode()
    assert mine.number in page and other.number in page and "导出Excel" in page
    only = client.get(reverse("rectification:board"), {"level": "normal"}).content.decode()
    assert other.number in only and mine.number not in only
    found = client.get(reverse("rectification:board"), {"q": mine.number}).content.decode()
    assert mine.number in found and other.number not in found
    liaison = _login(client, users[Role.LIAISON]).get(reverse("rectification:board"))
    text = liaison.content.decode()
    assert "本单位整改任务" in text and mine.number in text and other.number not in text
    assert client.get(reverse("rectification:detail", args=[other.pk])).status_code == 404


def test_office_opens_a_supervised_task_through_the_form(client, users, org):
    _login(client, users[Role.OFFICE])
    with travel("2026-03-05 10:00"):
        response = client.post(
            reverse("rectification:new"),
            {
                "unit": org.dept_a.pk,
                "title": "不动产登记窗口排长队",
                "problems": "高峰时段窗口不足\n叫号系统常坏\n",
                "level": "listed",
                "complete_by": "2026-06-30",
                "leader": users[Role.LEADER].pk,
                "progress_every_days": "30",
                "progress_dates": "",
            },
        )
    task = Task.objects.get()
    assert response.status_code == 302 and task.leader == users[Role.LEADER]
    assert task.problems.count() == 2 and task.progress_every_days == 30
    bad = client.post(
        reverse("rectification:new"),
        {"unit": org.dept_a.pk, "title": "x", "level": "listed", "complete_by": "2020-01-01"},
    )
    assert "整改时限应晚于立项日期" in bad.content.decode()
    wrong_dates = client.post(
        reverse("rectification:new"),
        {
            "unit": org.dept_a.pk,
            "title": "x",
            "level": "listed",
            "complete_by": "2099-01-01",
            "progress_dates": "5月15日",
        },
    )
    assert "格式不对" in wrong_dates.content.decode() and Task.objects.count() == 1
    _login(client, users[Role.LIAISON])
    assert client.get(reverse("rectification:new")).status_code == 403


def test_the_plan_form_saves_adds_lines_and_submits(client, open_manual, users, staff):
    task = open_manual()
    _login(client, users[Role.LIAISON])
    url = reverse("rectification:plan", args=[task.pk])
    page = client.get(url).content.decode()
    assert page.count("<fieldset") == 2  # one line per problem to start with
    problems = list(task.problems.all())

    def line(n, problem, **values):
        data = {
            f"m-{n}-problem": problem.pk,
            f"m-{n}-cause_kind": "system",
            f"m-{n}-cause": "窗口安排未按客流调整",
            f"m-{n}-action": "高峰时段增开窗口",
            f"m-{n}-responsible_unit": staff["clerk"].unit_id,
            f"m-{n}-leader": staff["head"].pk,
            f"m-{n}-person": staff["clerk"].pk,
            f"m-{n}-due_date": "2026-05-31",
            f"m-{n}-standard": "平均等候不超过20分钟",
        }
        data.update({f"m-{n}-{k}": v for k, v in values.items()})
        return data

    form = {"m-TOTAL_FORMS": "2", "m-INITIAL_FORMS": "0", "summary": "分两步"}
    form.update(line(0, problems[0]))
    form.update(line(1, problems[1], standard=""))
    with travel("2026-03-10 09:00"):
        refused = client.post(url, {**form, "submit": "1"})
    assert refused.status_code == 400 and "第2条措施：请填写验收标准" in refused.content.decode()
    with travel("2026-03-10 09:00"):
        added = client.post(url, {**form, "add": "1"})
    assert added.status_code == 302 and added["Location"].endswith("?rows=3")
    assert client.get(added["Location"]).content.decode().count("<fieldset") == 3
    form.update(line(1, problems[1]))
    with travel("2026-03-10 09:00"):
        done = client.post(url, {**form, "submit": "1"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == Task.Status.PLAN_REVIEW
    assert client.get(url).status_code == 403  # nothing to file any more


def test_steps_through_their_forms_with_evidence(client, open_manual, users, staff):
    task = open_manual()
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    with travel("2026-03-10 09:00"):
        services.submit_plan(liaison, task, measures_for(task, staff))
    _login(client, office)
    act = lambda name: reverse("rectification:act", args=[task.pk, name])  # noqa: E731
    with travel("2026-03-11 09:00"):
        page = client.get(reverse("rectification:detail", args=[task.pk])).content.decode()
        assert 'data-testid="review-plan"' in page
        assert client.post(act("approve_plan"), {"approve_plan-note": "同意"}).status_code == 302
    _login(client, liaison)
    with travel("2026-04-01 09:00"):
        upload = SimpleUploadedFile("张三的照片.pdf", PDF, content_type="application/pdf")
        response = client.post(
            act("report_progress"),
            {"report_progress-text": "已增开窗口", "report_progress-files": [upload]},
        )
        assert response.status_code == 302
        fake = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00", content_type="application/pdf")
        refused = client.post(
            act("report_progress"),
            {"report_progress-text": "再报一次", "report_progress-files": [fake]},
        )
    assert refused.status_code == 400 and "内容与扩展名不符" in refused.content.decode()
    evidence = Evidence.objects.get()
    assert evidence.label == "佐证材料1.pdf" and "张三" not in evidence.file.name
    page = client.get(reverse("rectification:detail", args=[task.pk])).content.decode()
    assert "佐证材料1.pdf" in page and "张三" not in page
    file_url = reverse("rectification:evidence", args=[task.pk, evidence.pk])
    assert client.get(file_url).status_code == 200
    outsider = UserFactory(role=Role.LIAISON, unit=task.unit.parent)
    outsider.unit = staff["outsider"].unit
    outsider.save()
    assert _login(client, outsider).get(file_url).status_code == 404


def test_word_documents_open(client, open_manual, users, staff):
    task = open_manual(progress_every_days=30)
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    with travel("2026-03-10 09:00"):
        services.submit_plan(liaison, task, measures_for(task, staff))
        services.approve_plan(office, task)
        services.report_progress(liaison, task, text="已增开窗口")
    _login(client, users[Role.LIAISON])
    notice = client.get(reverse("rectification:notice", args=[task.pk]))
    assert notice.status_code == 200 and "filename*=UTF-8''" in notice["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
    assert "关于对“窗口办事排长队”挂牌督办的通知" in text and "2026年3月26日前" in text
    assert "2026年6月30日前完成整改" in text and "每30天报告一次整改进展" in text
    report = client.get(reverse("rectification:report", args=[task.pk]))
    doc = Document(io.BytesIO(report.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "市甲局关于窗口办事排长队整改情况的报告" in text and "制度措施方面" in text
    assert "已增开窗口" in text
    cells = [c.text for c in doc.tables[0].rows[1].cells]
    assert cells[3:6] == ["甲局审批科", "审批科科员", "2026-05-31"]
    plain = open_manual(level=Task.Level.NORMAL)
    assert client.get(reverse("rectification:notice", args=[plain.pk])).status_code == 404
    assert client.get(reverse("rectification:report", args=[plain.pk])).status_code == 404


def test_excel_export_follows_the_filters(client, open_manual, users, org):
    open_manual(title="甲局问题")
    open_manual(title="乙局问题", unit=org.dept_b)
    _login(client, users[Role.OFFICE])
    response = client.get(reverse("rectification:export"), {"unit": org.dept_b.pk})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][5] == "乙局问题" and rows[0][4] == "市乙局"
    assert rows[0][8] == date(2026, 6, 30) or rows[0][8].date() == date(2026, 6, 30)


def test_a_leader_sees_what_they_supervise(client, open_manual, users, org):
    leader = UserFactory(role=Role.LEADER, unit=org.dept_b)
    named = open_manual(leader=leader)
    open_manual(title="别的事项")
    _login(client, leader)
    page = client.get(reverse("rectification:supervised")).content.decode()
    assert "我督办的事项" in page and named.number in page and "别的事项" not in page
    assert client.get(reverse("rectification:detail", args=[named.pk])).status_code == 200
    _login(client, users[Role.LIAISON])
    assert client.get(reverse("rectification:supervised")).status_code == 403
