"""效能投诉: workflow, permissions, identity protection, deadlines, public pages."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.complaints import services
from xiaoneng.complaints.models import Category, Complaint, ComplaintEvent
from xiaoneng.notifications.models import Notification
from xiaoneng.supervision.models import Card
from xiaoneng.supervision.watches import sweep
from xiaoneng.testing.factories import StaffFactory, UserFactory

NAME, PHONE = "张秘密", "13912345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def category(db):
    return Category.objects.get(code="ban_delay")


def _file(users, category, **kw):
    defaults = dict(
        channel=Complaint.Channel.HOTLINE,
        category=category,
        title="办证拖了两个月",
        content="窗口一直说材料不齐，却不一次性告知。",
        identity=services.Identity(name=NAME, phone=PHONE),
        caller_line="12345",
    )
    defaults.update(kw)
    return services.submit_complaint(users[Role.OFFICE], **defaults)


def _through_finding(users, org, category, finding="true"):
    complaint, code = _file(users, category)
    office = users[Role.OFFICE]
    services.accept(office, complaint, unit=org.dept_a)
    services.submit_finding(users[Role.LIAISON], complaint, finding=finding, text="查明属实。")
    return Complaint.objects.get(pk=complaint.pk), code


def test_full_workflow_with_reopen_once(users, org, category):
    office = users[Role.OFFICE]
    complaint, code = _through_finding(users, org, category)
    assert complaint.status == Complaint.Status.REVIEW
    with pytest.raises(ValidationError, match="审核通过后"):
        services.reply(office, complaint, "答复")
    services.send_back(office, complaint, "证据不足")
    services.submit_finding(users[Role.LIAISON], complaint, finding="true", text="补充证据。")
    services.approve(office, complaint)
    complaint.refresh_from_db()
    assert complaint.stage == Complaint.Stage.REPLY and complaint.due_at is not None
    card = Card.objects.get(cause=Card.Cause.COMPLAINT_SUBSTANTIATED)
    assert card.color == Card.Color.RED and card.unit == org.dept_a
    assert NAME not in card.summary
    services.reply(office, complaint, "经查属实，已责令整改。")
    services.record_visit(office, complaint, result="dissatisfied", note="仍不满意")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and not complaint.deadline_open
    services.reopen_public(complaint.number, code, "问题没有解决")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.HANDLING and complaint.reopen_count == 1
    services.submit_finding(users[Role.LIAISON], complaint, finding="partly", text="再查。")
    services.approve(office, complaint)
    services.reply(office, complaint, "再次答复")
    services.record_visit(office, complaint, result="dissatisfied")
    with pytest.raises(ValidationError, match="已重新办理过一次"):
        services.reopen(office, complaint, "还是不满意")
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds[:3] == ["submit", "accept", "finding"] and kinds.count("reopen") == 1
    assert Card.objects.filter(cause=Card.Cause.COMPLAINT_SUBSTANTIATED).count() == 1


def test_partly_true_is_yellow_and_names_staff(users, org, category):
    staff = StaffFactory(unit=org.section_a)
    complaint, _ = _file(users, category)
    services.accept(users[Role.OFFICE], complaint, unit=org.dept_a, accused_staff=staff)
    services.submit_finding(users[Role.LIAISON], complaint, finding="partly", text="部分属实")
    services.approve(users[Role.OFFICE], complaint)
    card = Card.objects.get(cause=Card.Cause.COMPLAINT_SUBSTANTIATED)
    assert card.color == Card.Color.YELLOW and card.staff == staff


def test_decline_needs_reason_and_office(users, category):
    complaint, code = _file(users, category)
    with pytest.raises(ValidationError):
        services.decline(users[Role.OFFICE], complaint, "  ")
    with pytest.raises(PermissionDenied):
        services.decline(users[Role.LIAISON], complaint, "不属于效能投诉")
    services.decline(users[Role.OFFICE], complaint, "属于信访事项")
    found = services.lookup_public(complaint.number, code)
    assert found.status == Complaint.Status.DECLINED and not found.deadline_open


def test_finding_without_evidence_refused(users, org, category):
    complaint, _ = _file(users, category)
    services.accept(users[Role.OFFICE], complaint, unit=org.dept_a)
    with pytest.raises(ValidationError, match="调查情况"):
        services.submit_finding(users[Role.LIAISON], complaint, finding="false", text="   ")


def test_other_units_liaison_cannot_see_or_act(client, users, org, category):
    complaint, _ = _file(users, category)
    services.accept(users[Role.OFFICE], complaint, unit=org.dept_a)
    other = UserFactory(username="liaison_b", role=Role.LIAISON, unit=org.dept_b)
    with pytest.raises(PermissionDenied):
        services.submit_finding(other, complaint, finding="false", text="不属实")
    client.force_login(other)
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
    url = reverse("complaints:act", args=[complaint.pk, "finding"])
    assert client.post(url, {"finding": "false", "text": "x"}).status_code == 404
    client.force_login(users[Role.LIAISON])
    page = client.get(reverse("complaints:detail", args=[complaint.pk]))
    assert page.status_code == 200 and NAME not in page.content.decode()
    assert client.get(reverse("complaints:reveal", args=[complaint.pk])).status_code == 403
    assert client.post(url, {"finding": "false", "text": ""}).status_code == 400
    assert client.post(url, {"finding": "false", "text": "查无此事"}).status_code == 302


def test_liaison_cannot_do_office_steps(users, org, category):
    complaint, _ = _through_finding(users, org, category)
    with pytest.raises(PermissionDenied):
        services.approve(users[Role.LIAISON], complaint)
    with pytest.raises(PermissionDenied):
        services.accept(users[Role.LIAISON], complaint, unit=org.dept_a)


def test_identity_encrypted_at_rest_and_not_in_audit_or_notifications(users, org, category):
    complaint, _ = _file(users, category)
    services.accept(users[Role.OFFICE], complaint, unit=org.dept_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM complaints_complaint WHERE id = %s", [complaint.pk])
        raw = " ".join(str(v) for v in cursor.fetchone())
    assert NAME not in raw and PHONE not in raw and complaint.identity_token
    for entry in AuditEntry.objects.all():
        text = f"{entry.before} {entry.after} {entry.summary}"
        assert NAME not in text and PHONE not in text
    for n in Notification.objects.all():
        assert NAME not in n.title + n.body


def test_reveal_needs_reason_and_is_audited(client, users, category):
    complaint, _ = _file(users, category)
    office = users[Role.OFFICE]
    with pytest.raises(ValidationError):
        services.reveal_identity(office, complaint, "")
    with pytest.raises(PermissionDenied):
        services.reveal_identity(users[Role.LEADER], complaint, "想看")
    client.force_login(office)
    url = reverse("complaints:reveal", args=[complaint.pk])
    page = client.post(url, {"reason": "回访需要联系投诉人"}).content.decode()
    assert NAME in page and PHONE in page
    entry = AuditEntry.objects.filter(summary="查看投诉人身份").get()
    assert entry.after["reason"] == "回访需要联系投诉人" and NAME not in str(entry.after)
    assert ComplaintEvent.objects.filter(kind="reveal", office_only=True).count() == 1


def test_deadline_warning_and_escalation(users, org, category):
    leader_a = UserFactory(username="leader_a", role=Role.LEADER, unit=org.dept_a)
    complaint, _ = _file(users, category)
    services.accept(users[Role.OFFICE], complaint, unit=org.dept_a)
    complaint.refresh_from_db()
    sweep(now=complaint.warn_at + timedelta(seconds=1), watches=["complaints.complaint"])
    assert Notification.objects.filter(recipient=users[Role.LIAISON], kind="warning").exists()
    report = sweep(now=complaint.due_at + timedelta(seconds=1), watches=["complaints.complaint"])
    assert report.overdue == {"complaints.complaint": 1}
    complaint.refresh_from_db()
    assert complaint.escalated and complaint.overdue_at is not None
    card = Card.objects.get(cause=Card.Cause.COMPLAINT_OVERDUE)
    assert card.color == Card.Color.YELLOW and card.unit == org.dept_a
    escalations = Notification.objects.filter(kind="escalation")
    assert set(escalations.values_list("recipient__username", flat=True)) == {
        leader_a.username,
        "office",
    }
    # A second sweep changes nothing.
    assert sweep(now=complaint.due_at + timedelta(days=3)).total == 0


def test_office_step_overdue_escalates_without_card(users, category):
    complaint, _ = _file(users, category)
    sweep(now=complaint.due_at + timedelta(seconds=1), watches=["complaints.complaint"])
    complaint.refresh_from_db()
    assert complaint.escalated
    assert not Card.objects.filter(cause=Card.Cause.COMPLAINT_OVERDUE).exists()


# ---- public pages ----------------------------------------------------------------------------


def _public_data(client, category, **kw):
    client.get(reverse("complaints:new"))
    data = {
        "category": category.pk,
        "title": "窗口态度差",
        "content": "工作人员玩手机不理人。",
        "name": NAME,
        "phone": PHONE,
        "captcha": client.session["complaint_captcha"],
    }
    data.update(kw)
    return data


def test_public_form_files_and_shows_code_once(client, db, category):
    data = _public_data(client, category, attachments=SimpleUploadedFile("photo.png", PNG))
    response = client.post(reverse("complaints:new"), data)
    assert response.status_code == 302
    page = client.get(reverse("complaints:thanks")).content.decode()
    complaint = Complaint.objects.get()
    assert complaint.number in page and complaint.attachments.count() == 1
    assert complaint.attachments.get().content_type == "image/png"
    # The code is shown once.
    assert client.get(reverse("complaints:thanks")).status_code == 302


def test_public_form_wrong_captcha_keeps_input(client, db, category):
    data = _public_data(client, category, captcha="999")
    page = client.post(reverse("complaints:new"), data).content.decode()
    assert "验证码答案不正确" in page and "工作人员玩手机不理人" in page
    assert not Complaint.objects.exists()


def test_public_form_refuses_exe_renamed_png(client, db, category):
    data = _public_data(
        client, category, attachments=SimpleUploadedFile("a.png", b"MZ\x90\x00" * 8)
    )
    page = client.post(reverse("complaints:new"), data).content.decode()
    assert "内容与扩展名不符" in page and not Complaint.objects.exists()


def test_public_form_refuses_oversize_and_empty_text(client, db, category):
    data = _public_data(client, category, content="长" * 5001)
    page = client.post(reverse("complaints:new"), data).content.decode()
    assert "不能超过5000字" in page
    data = _public_data(client, category, content="   ")
    assert "投诉内容" in client.post(reverse("complaints:new"), data).content.decode()
    assert not Complaint.objects.exists()


def test_public_flood_is_429(client, db, category):
    for _ in range(5):
        client.post(reverse("complaints:new"), _public_data(client, category, captcha="x"))
    response = client.post(reverse("complaints:new"), _public_data(client, category))
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()


def test_script_is_stored_as_text_and_escaped(client, users, org, category):
    complaint, _ = _file(users, category, title="<script>alert(1)</script>")
    client.force_login(users[Role.OFFICE])
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert Complaint.objects.get().title == "<script>alert(1)</script>"


def test_lookup_same_message_and_throttled(client, users, org, category):
    complaint, code = _through_finding(users, org, category)
    services.approve(users[Role.OFFICE], complaint)
    services.reply(users[Role.OFFICE], complaint, "已责令整改并道歉")
    url = reverse("complaints:lookup")
    good = client.post(url, {"number": complaint.number, "code": code.lower()}).content.decode()
    assert "已责令整改并道歉" in good and NAME not in good
    wrong_code = client.post(url, {"number": complaint.number, "code": "AAAAAAAA"})
    wrong_number = client.post(url, {"number": "TS000", "code": code})
    assert services.NOT_FOUND in wrong_code.content.decode()
    assert services.NOT_FOUND in wrong_number.content.decode()
    for _ in range(20):
        response = client.post(url, {"number": complaint.number, "code": "BBBBBBBB"})
    assert response.status_code == 429


def test_attachment_served_only_in_scope(client, users, org, category):
    complaint, _ = _file(users, category, files=[SimpleUploadedFile("p.png", PNG)])
    attachment = complaint.attachments.get()
    url = reverse("complaints:attachment", args=[complaint.pk, attachment.pk])
    assert client.get(url).status_code == 302  # login first
    client.force_login(users[Role.OFFICE])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    services.accept(users[Role.OFFICE], complaint, unit=org.dept_a)
    client.force_login(users[Role.LIAISON])
    assert client.get(url).status_code == 404  # not shared with the unit
    # The media directory is not served: the file's own address answers nothing, to anyone.
    assert client.get(attachment.file.url).status_code == 404


def test_supervisor_files_on_supervisor_channel(client, users, category):
    client.force_login(users[Role.SUPERVISOR])
    data = {
        "channel": "supervisor",
        "category": category.pk,
        "title": "暗访发现脱岗",
        "content": "上午十点窗口无人。",
        "anonymous": "on",
    }
    response = client.post(reverse("complaints:office_new"), data)
    assert response.status_code == 200 and "查询码" in response.content.decode()
    complaint = Complaint.objects.get()
    assert complaint.channel == "supervisor" and complaint.anonymous
    assert client.get(reverse("complaints:list")).status_code == 403


def test_too_many_files(users, category):
    files = [SimpleUploadedFile(f"{i}.png", PNG) for i in range(6)]
    with pytest.raises(ValidationError, match="最多5个"):
        _file(users, category, files=files)
    assert io  # keep the import for readers who add stream tests


def test_complainant_answers_the_return_visit(users, org, category):
    office = users[Role.OFFICE]
    complaint, code = _through_finding(users, org, category)
    with pytest.raises(ValidationError, match="答复投诉人后"):
        services.visit_public(complaint.number, code, "satisfied")
    services.approve(office, complaint)
    services.reply(office, complaint, "经查属实，已整改。")
    with pytest.raises(ValidationError):
        services.visit_public(complaint.number, "WRONGCODE", "satisfied")
    with pytest.raises(ValidationError, match="满意或不满意"):
        services.visit_public(complaint.number, code, "impossible")
    services.visit_public(complaint.number, code, "dissatisfied", "没有解决")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.visit_result == "dissatisfied"
    assert complaint.events.filter(kind="visit", actor_name="投诉人").exists()
    services.reopen_public(complaint.number, code, "问题没有解决")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.HANDLING


def test_provisional_deadline_is_recomputed_after_calendar_import(users, org, category):
    import datetime as dt

    from xiaoneng.workcalendar.services import import_schedule
    from xiaoneng.workdays import SHANGHAI

    complaint, _ = _file(users, category)
    # The unit's 15 working days from 23 Dec 2026 run into 2027, whose schedule is unpublished.
    start = dt.datetime(2026, 12, 23, 10, 0, tzinfo=SHANGHAI)
    services.set_deadline(complaint, Complaint.Stage.HANDLE, start, 15, 3)
    complaint.save()
    assert complaint.deadline_provisional
    before = complaint.due_at
    import_schedule(users[Role.OFFICE], "year 2027\n2027-01-01 holiday 元旦\n")
    assert services.recompute_provisional(now=start) == 1
    complaint.refresh_from_db()
    assert not complaint.deadline_provisional
    assert complaint.due_at.astimezone(SHANGHAI).date() == before.astimezone(
        SHANGHAI
    ).date() + dt.timedelta(days=1)


def _refusal(call, *args, **kwargs) -> str:
    try:
        call(*args, **kwargs)
    except (ValidationError, PermissionDenied) as refused:
        return " ".join(getattr(refused, "messages", None) or [str(refused)])
    raise AssertionError("not refused")


def test_every_step_refuses_in_its_own_words(users, org, category):
    """The one table (services.FLOW) words the refusals as each step always did."""
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    complaint, code = _file(users, category)
    assert (
        _refusal(services.accept, liaison, complaint, unit=org.dept_a) == "只有效能办可以受理投诉"
    )
    assert _refusal(services.decline, liaison, complaint, "x") == "只有效能办可以作出不予受理决定"
    assert _refusal(services.approve, office, complaint) == "该投诉当前为“待受理”，不能审核通过"
    assert _refusal(services.reply, office, complaint, "x") == (
        "调查结论经效能办审核通过后才能答复投诉人"
    )
    assert _refusal(services.record_visit, office, complaint, result="satisfied") == (
        "答复投诉人后才能回访"
    )
    assert _refusal(services.reopen_public, complaint.number, code, "x") == (
        "投诉答复后才能申请重新办理"
    )
    assert _refusal(services.submit_finding, liaison, complaint, finding="true", text="x") == (
        "您无权办理该投诉"
    )
    services.accept(office, complaint, unit=org.dept_a)
    assert _refusal(services.accept, office, complaint, unit=org.dept_a) == (
        "该投诉当前为“承办单位办理中”，不能受理"
    )
    assert _refusal(
        services.submit_finding, users[Role.LEADER], complaint, finding="true", text="x"
    ) == ("您无权办理该投诉")
    services.submit_finding(liaison, complaint, finding="true", text="属实")
    assert _refusal(services.send_back, liaison, complaint, "x") == "只有效能办可以退回调查结论"
    assert _refusal(services.approve, liaison, complaint) == "只有效能办可以审核调查结论"
    services.approve(office, complaint)
    assert _refusal(services.reply, liaison, complaint, "x") == "只有效能办可以答复投诉人"
    services.reply(office, complaint, "答复")
    assert _refusal(services.record_visit, liaison, complaint, result="satisfied") == (
        "只有效能办可以回访"
    )
    assert (
        _refusal(services.reopen, liaison, complaint, "x") == "只有效能办可以代投诉人申请重新办理"
    )
    services.reopen_public(complaint.number, code, "没有解决")
    assert _refusal(services.reopen_public, complaint.number, code, "x") == (
        "该投诉已重新办理过一次，不能再次申请重新办理"
    )


def test_the_page_offers_what_the_table_allows(users, org, category):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    complaint, _ = _file(users, category)
    assert services.allowed_actions(office, complaint) == {"accept", "decline", "merge", "reveal"}
    assert services.allowed_actions(liaison, complaint) == set()
    complaint = services.accept(office, complaint, unit=org.dept_a)
    assert services.allowed_actions(office, complaint) == {"finding", "reveal"}
    assert services.allowed_actions(liaison, complaint) == {"finding", "object"}
    assert services.allowed_actions(users[Role.LEADER], complaint) == set()
    complaint = services.submit_finding(liaison, complaint, finding="false", text="查无此事")
    assert services.allowed_actions(office, complaint) == {"approve", "send_back", "reveal"}
    services.approve(office, complaint)
    complaint = services.reply(office, complaint, "答复")
    assert services.allowed_actions(office, complaint) == {"visit", "reopen", "reveal"}
    assert services.can_reopen(complaint)
    complaint = services.record_visit(office, complaint, result="satisfied")
    assert services.allowed_actions(office, complaint) == {"reopen", "reveal"}
    complaint = services.reopen(office, complaint, "回访后投诉人又来电")
    assert not services.can_reopen(complaint)


def test_the_complainant_answers_and_reopens_on_the_lookup_page(client, users, org, category):
    complaint, code = _through_finding(users, org, category)
    services.approve(users[Role.OFFICE], complaint)
    services.reply(users[Role.OFFICE], complaint, "已责令整改")
    url = reverse("complaints:lookup")
    found = client.post(url, {"action": "lookup", "number": complaint.number, "code": code})
    assert found.context["visit_form"] is not None and found.context["reopen_form"] is not None
    number = {"number": complaint.number, "code": code}
    blank = client.post(url, {"action": "visit", **number, "note": "x"})
    # An incomplete step shows nothing of the complaint (as before), and changes nothing.
    assert blank.context["complaint"] is None and blank.context["visit_form"] is None
    visit = {"action": "visit", **number, "result": "dissatisfied", "note": "没有解决"}
    page = client.post(url, visit, follow=True)
    assert "感谢您的评价。" in page.content.decode()
    assert page.context["complaint"].status == Complaint.Status.CLOSED
    assert page.context["visit_form"] is None and page.context["reopen_form"] is not None
    reopen = {"action": "reopen", **number, "reason": "问题还在"}
    page = client.post(url, reopen)
    assert "已收到您的意见，投诉将重新办理。" in page.content.decode()
    assert page.context["complaint"].status == Complaint.Status.HANDLING
    assert page.context["reopen_form"] is None
    again = client.post(url, reopen)
    assert again.context["complaint"].pk == complaint.pk
    assert again.context["reopen_form"].non_field_errors() == [
        "该投诉已重新办理过一次，不能再次申请重新办理"
    ]
    assert again.context["code"] == code
