"""退单 / 改派 / 维持原派, the push-down rule, 并单, and the 12345 preset's limits per type with
催办 and 书面通报 on the deadline engine (issue 17 item 1)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from docx import Document

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.complaints import services
from xiaoneng.complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintRules,
    Dispute,
    TownshipUnit,
    Urge,
)
from xiaoneng.notifications.models import Notification
from xiaoneng.supervision.watches import sweep
from xiaoneng.testing.factories import UnitFactory, UserFactory
from xiaoneng.workdays import SHANGHAI

# Monday 2026-06-01, a working week without holidays.
MONDAY = datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)


@pytest.fixture
def category(db):
    return Category.objects.get(code="ban_delay")


def _file(users, category, **kw):
    complaint, code = services.submit_complaint(
        users[Role.OFFICE],
        channel=Complaint.Channel.HOTLINE,
        category=category,
        title=kw.pop("title", "办证拖了两个月"),
        content=kw.pop("content", "窗口一直说材料不齐。"),
        anonymous=kw.pop("anonymous", False),
        identity=services.Identity(name="王某", phone="13900001111"),
        **kw,
    )
    return complaint, code


def _fresh(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)


# ---- 退单 -------------------------------------------------------------------------------------


def test_object_then_reroute_gives_the_new_unit_a_full_limit(users, org, category):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    with time_machine.travel(MONDAY, tick=False):
        complaint, _ = _file(users, category)
        services.accept(office, complaint, unit=org.dept_a)
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        services.object_routing(liaison, complaint, "属于乙局职责", org.dept_b)
    c = _fresh(complaint)
    assert c.status == Complaint.Status.OBJECTED and c.stage == Complaint.Stage.DISPUTE
    dispute = Dispute.objects.get(complaint=c)
    assert dispute.unit == org.dept_a and dispute.suggested_unit == org.dept_b
    assert Notification.objects.filter(title__contains="退单待审核").exists()
    # The liaison cannot decide its own objection.
    with pytest.raises(PermissionDenied):
        services.reroute(liaison, c, unit=org.dept_b)
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        with pytest.raises(ValidationError) as same:
            services.reroute(office, c, unit=org.dept_a)
        assert "维持原派" in str(same.value)
        services.reroute(office, c, unit=org.dept_b, note="确属乙局")
    c = _fresh(complaint)
    assert c.status == Complaint.Status.HANDLING and c.handling_unit == org.dept_b
    # Routed Tuesday: 15 working days from Wednesday (Friday 19 June is 端午节).
    assert c.due_at.astimezone(SHANGHAI).date() == datetime(2026, 6, 24).date()
    dispute.refresh_from_db()
    assert dispute.decision == Dispute.Decision.REROUTE and dispute.new_unit == org.dept_b
    line = services.dispute_lines(c)[0]
    assert (line.workdays, line.hours, line.decision) == (1, 21, "改派")
    kinds = list(c.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["object", "reroute"]
    assert AuditEntry.objects.filter(summary__startswith="改派").exists()


def test_insist_gives_back_the_days_left(users, org, category):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    with time_machine.travel(MONDAY, tick=False):
        complaint, _ = _file(users, category)
        services.accept(office, complaint, unit=org.dept_a)
        services.object_routing(liaison, complaint, "不属于本单位")
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):  # the office took 2 days
        with pytest.raises(ValidationError):
            services.insist(office, _fresh(complaint), " ")
        services.insist(office, _fresh(complaint), "经查属甲局职责")
    c = _fresh(complaint)
    assert c.status == Complaint.Status.HANDLING and c.handling_unit == org.dept_a
    # It had 15 working days when it objected on Monday; they run again from Wednesday.
    assert c.stage_days == 15
    assert c.due_at.astimezone(SHANGHAI).date() == datetime(2026, 6, 25).date()
    # Once per routing: a second 退单 is refused.
    assert not services.FLOW.permits(liaison, c, "object")
    with pytest.raises(ValidationError, match="退过单"):
        services.object_routing(liaison, c, "再退一次")


def test_object_only_within_one_working_day_and_with_a_reason(users, org, category):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    with time_machine.travel(datetime(2026, 6, 5, 17, tzinfo=SHANGHAI), tick=False):  # Friday
        complaint, _ = _file(users, category)
        services.accept(office, complaint, unit=org.dept_a)
        with pytest.raises(ValidationError):
            services.object_routing(liaison, _fresh(complaint), "")
    # Monday (the next working day) is still within the limit; Tuesday is not.
    with time_machine.travel(datetime(2026, 6, 8, 23, tzinfo=SHANGHAI), tick=False):
        assert services.FLOW.permits(liaison, _fresh(complaint), "object")
    with (
        time_machine.travel(datetime(2026, 6, 9, 9, tzinfo=SHANGHAI), tick=False),
        pytest.raises(ValidationError, match="已超过退单时限"),
    ):
        services.object_routing(liaison, _fresh(complaint), "不属于本单位")
    # Another unit's liaison cannot object.
    other = UserFactory(role=Role.LIAISON, unit=org.dept_b)
    with pytest.raises(PermissionDenied):
        services.object_routing(other, _fresh(complaint), "x")


def test_push_down_to_a_township_needs_the_office_confirmation(users, org, category):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    town = UnitFactory(name="东湖区青石街道", code="QS", parent=org.root)
    TownshipUnit.objects.create(unit=town)
    complaint, _ = _file(users, category, named_unit=org.dept_a)
    with pytest.raises(ValidationError) as refused:
        services.accept(office, complaint, unit=town)
    assert "confirm_push_down" in refused.value.message_dict
    services.accept(office, _fresh(complaint), unit=org.dept_a)
    services.object_routing(liaison, _fresh(complaint), "应由街道办理", town)
    with pytest.raises(ValidationError, match="须经效能办确认"):
        services.reroute(office, _fresh(complaint), unit=town)
    services.reroute(office, _fresh(complaint), unit=town, confirm_push_down=True)
    c = _fresh(complaint)
    assert c.handling_unit == town
    assert Dispute.objects.get(complaint=c).push_down_confirmed
    assert "经效能办确认交由乡镇（街道）办理" in c.events.last().note
    # Between two units that are not townships nothing needs confirming.
    other, _ = _file(users, category, named_unit=org.dept_a)
    services.accept(office, other, unit=org.dept_b)


def test_the_pages_of_a_dispute(client, users, org, category):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    complaint, _ = _file(users, category)
    services.accept(office, complaint, unit=org.dept_a)
    client.force_login(liaison)
    url = reverse("complaints:detail", args=[complaint.pk])
    assert "退单（认为不属于本单位职责）" in client.get(url).content.decode()
    bad = client.post(reverse("complaints:act", args=[complaint.pk, "object"]), {"reason": ""})
    assert bad.status_code == 400 and "这个字段是必填项" in bad.content.decode()
    done = client.post(
        reverse("complaints:act", args=[complaint.pk, "object"]), {"reason": "属乙局"}, follow=True
    )
    assert "已退单，等待效能办审核" in done.content.decode()
    client.force_login(office)
    page = client.get(url).content.decode()
    assert "审核退单" in page and "退单记录" in page and "审核已用" in page
    refused = client.post(reverse("complaints:act", args=[complaint.pk, "reroute"]), {"unit": ""})
    assert refused.status_code == 400
    client.post(reverse("complaints:act", args=[complaint.pk, "reroute"]), {"unit": org.dept_b.pk})
    assert _fresh(complaint).handling_unit == org.dept_b


# ---- 并单 -------------------------------------------------------------------------------------


def test_merge_answers_every_complainant_and_can_be_undone(client, users, org, category):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    main, _ = _file(users, category, title="道路积水无人管")
    repeat, repeat_code = _file(users, category, title="道路积水一周了")
    undone, _ = _file(users, category, title="积水问题")
    services.accept(office, main, unit=org.dept_a)
    with pytest.raises(ValidationError, match="不能并入本件自身"):
        services.merge(office, _fresh(repeat), _fresh(repeat))
    services.merge(office, repeat, _fresh(main), "同一路段")
    services.merge(office, undone, _fresh(main))
    assert _fresh(repeat).status == Complaint.Status.MERGED and not _fresh(repeat).deadline_open
    third, _ = _file(users, category)
    with pytest.raises(ValidationError, match="本身已并入"):
        services.merge(office, third, _fresh(repeat))
    # The office undoes one merge: it is back to 待受理 with its own clock.
    with pytest.raises(PermissionDenied):
        services.unmerge(liaison, _fresh(undone), "x")
    services.unmerge(office, _fresh(undone), "并非同一路段")
    u = _fresh(undone)
    assert u.status == Complaint.Status.SUBMITTED and u.merged_into is None and u.deadline_open
    # One handling: the unit's finding on the main complaint answers the repeat too.
    services.submit_finding(liaison, _fresh(main), finding="true", text="查明属实")
    services.approve(office, _fresh(main))
    services.reply(office, _fresh(main), "已责令限期疏通")
    r = _fresh(repeat)
    assert r.status == Complaint.Status.REPLIED and r.reply_text == "已责令限期疏通"
    assert r.handling_unit == org.dept_a and r.finding == ""  # the finding is the main's
    # The repeat's complainant is asked for their satisfaction on their own lookup.
    services.visit_public(r.number, repeat_code, "dissatisfied", "还在积水")
    assert _fresh(repeat).status == Complaint.Status.CLOSED
    with pytest.raises(ValidationError):
        services.unmerge(office, _fresh(repeat), "太晚了")
    # No card for the repeat: the finding's card is the main complaint's.
    from xiaoneng.supervision.models import Card

    assert Card.objects.filter(cause_key__startswith=f"complaint:{repeat.pk}:").count() == 0
    client.force_login(office)
    page = client.get(reverse("complaints:detail", args=[main.pk])).content.decode()
    assert repeat.number in page and "并入本件的重复投诉" in page


def test_merge_refusals_and_the_decline_of_a_main(client, users, org, category):
    office = users[Role.OFFICE]
    main, _ = _file(users, category)
    repeat, _ = _file(users, category)
    services.merge(office, repeat, main)
    with pytest.raises(ValidationError, match="先撤销并单"):
        services.decline(office, _fresh(main), "不属于效能投诉")
    client.force_login(office)
    other, _ = _file(users, category)
    missing = client.post(reverse("complaints:act", args=[other.pk, "merge"]), {"main": "TS0000"})
    assert missing.status_code == 400 and "没有找到该编号的投诉" in missing.content.decode()
    ok = client.post(reverse("complaints:act", args=[other.pk, "merge"]), {"main": main.number})
    assert ok.status_code == 302 and _fresh(other).merged_into == main


# ---- 12345 preset: limits per type, 催办 and 书面通报 -----------------------------------------


def test_limits_per_type_and_urge_then_written_notice(client, users, org, category):
    ComplaintRules.objects.create(tier_preset="hotline")
    office = users[Role.OFFICE]
    with time_machine.travel(MONDAY, tick=False):
        consult, _ = _file(users, category, kind=Complaint.Kind.CONSULT)
        services.accept(office, consult, unit=org.dept_a)
        complaint, _ = _file(users, category)
        services.accept(office, complaint, unit=org.dept_a)
    assert _fresh(consult).due_at.astimezone(SHANGHAI).date() == datetime(2026, 6, 4).date()
    assert _fresh(complaint).stage_days == 13
    urge = Urge.objects.get(complaint=consult)
    # Due Thursday: 催办 on Friday, 书面通报 at the end of the 5th working day after it.
    assert urge.warn_at.astimezone(SHANGHAI) == datetime(2026, 6, 5, tzinfo=SHANGHAI)
    assert urge.due_at.astimezone(SHANGHAI).date() == datetime(2026, 6, 12).date()
    sweep(now=datetime(2026, 6, 5, 8, tzinfo=SHANGHAI))
    urge.refresh_from_db()
    assert urge.urged_at is not None and urge.noticed_at is None
    assert ComplaintEvent.objects.filter(complaint=consult, kind="urge").count() == 1
    assert Notification.objects.filter(title__startswith="催办通知").exists()
    sweep(now=datetime(2026, 6, 13, 8, tzinfo=SHANGHAI))
    urge.refresh_from_db()
    assert urge.noticed_at is not None
    assert Notification.objects.filter(title__startswith="书面通报").exists()
    sweep(now=datetime(2026, 6, 20, 8, tzinfo=SHANGHAI))  # exactly once
    assert ComplaintEvent.objects.filter(complaint=consult, kind="notice").count() == 1
    # The written 通报 in Word, for the office only.
    client.force_login(office)
    page = client.get(reverse("complaints:detail", args=[consult.pk])).content.decode()
    assert "已发催办通知" in page and "通报（Word）" in page
    word = client.get(reverse("complaints:notice", args=[consult.pk]))
    assert word.status_code == 200 and word["Content-Type"].endswith("document")
    text = "".join(p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    assert consult.number in text and "催办通知后仍未办理" in text and "王某" not in text
    assert client.get(reverse("complaints:notice", args=[complaint.pk])).status_code == 404
    client.force_login(users[Role.LIAISON])
    assert client.get(reverse("complaints:notice", args=[consult.pk])).status_code == 403
    # A finding disarms the escalation of the other complaint.
    services.submit_finding(users[Role.LIAISON], _fresh(complaint), finding="false", text="无")
    assert not Urge.objects.get(complaint=complaint).deadline_open


def test_no_escalation_rows_without_the_preset(users, org, category):
    complaint, _ = _file(users, category)
    services.accept(users[Role.OFFICE], complaint, unit=org.dept_a)
    assert _fresh(complaint).stage_days == 15
    assert not Urge.objects.exists()


def test_the_inclusive_rule_counts_the_day_of_routing(users, org, category):
    ComplaintRules.objects.create(count_rule="inclusive")
    with time_machine.travel(MONDAY, tick=False):
        complaint, _ = _file(users, category)
        services.accept(users[Role.OFFICE], complaint, unit=org.dept_a)
    # 15 working days counting Monday itself (19 June is 端午节): Monday 22 June, not Tuesday.
    assert _fresh(complaint).due_at.astimezone(SHANGHAI).date() == datetime(2026, 6, 22).date()


def test_a_unit_sees_only_the_repeats_it_may_open(client, users, org, category):
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    main, _ = _file(users, category)
    repeat, _ = _file(users, category)
    services.accept(office, main, unit=org.dept_a)
    services.merge(office, repeat, _fresh(main))
    client.force_login(liaison)
    page = client.get(reverse("complaints:detail", args=[main.pk])).content.decode()
    # Not answered yet: the repeat has no unit and is not the liaison's to open (no link).
    assert f'href="/office/complaints/{repeat.pk}/"' not in page
    services.submit_finding(liaison, _fresh(main), finding="false", text="查无此事")
    services.approve(office, _fresh(main))
    services.reply(office, _fresh(main), "经查不属实")
    page = client.get(reverse("complaints:detail", args=[main.pk])).content.decode()
    assert f'href="/office/complaints/{repeat.pk}/"' in page
    page = client.get(reverse("complaints:detail", args=[repeat.pk])).content.decode()
    assert f'href="/office/complaints/{main.pk}/"' in page
