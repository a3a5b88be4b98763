"""投诉通报: the figures of a hand-made month, scoping, the page and the Word document."""

from __future__ import annotations

import io
from datetime import datetime
from urllib.parse import quote

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from xiaoneng.accounts.roles import Role
from xiaoneng.bulletins import docx as bulletin_docx
from xiaoneng.bulletins import services
from xiaoneng.bulletins.services import Period
from xiaoneng.complaints import services as complaints
from xiaoneng.complaints.models import Category, Complaint

NAME, PHONE = "张秘密", "13912345678"
TITLE = "王大爷办证被拖"  # a title may name people: it must stay out of the bulletin too
AS_OF = "2026-11-20 12:00"


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def _file(users, when: str, channel: str, code: str = "ban_delay", **kw) -> Complaint:
    with time_machine.travel(at(when), tick=False):
        complaint, _ = complaints.submit_complaint(
            users[Role.OFFICE],
            channel=channel,
            category=Category.objects.get(code=code),
            title=TITLE,
            content="材料齐全却迟迟不办。",
            identity=complaints.Identity(name=NAME, phone=PHONE),
            caller_line="12345",
            **kw,
        )
    return complaint


def _step(when: str, fn, *args, **kw):
    with time_machine.travel(at(when), tick=False):
        return fn(*args, **kw)


@pytest.fixture
def month(users, org):
    """October 2026 (no holidays after the 10th), seen on 20 November:

    C1 hotline → 甲局审批科, all on time, 属实, satisfied, closed.
    C2 web → 乙局, accepted late (2 working days), no finding yet: handling overdue, 督办.
    C3 letter, declined the same day.
    C4 e-mail → 甲局, 不属实 on time, dissatisfied, reopened.
    C6 web, filed 30 October, never accepted: acceptance overdue.
    C5 (September) → 甲局, still handling: an earlier period's overdue item.
    C7 (November): outside the period.
    """
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    c1 = _file(users, "2026-10-19 10:00", Complaint.Channel.HOTLINE)
    _step("2026-10-19 15:00", complaints.accept, office, c1, unit=org.section_a)
    _step("2026-10-22 10:00", complaints.submit_finding, liaison, c1, finding="true", text="属实")
    _step("2026-10-23 09:00", complaints.approve, office, c1)
    _step("2026-10-23 10:00", complaints.reply, office, c1, "已整改")
    _step("2026-10-26 10:00", complaints.record_visit, office, c1, result="satisfied")

    c2 = _file(users, "2026-10-19 11:00", Complaint.Channel.WEB, "ban_attitude")
    _step("2026-10-22 09:00", complaints.accept, office, c2, unit=org.dept_b)
    Complaint.objects.filter(pk=c2.pk).update(escalated=True)

    c3 = _file(users, "2026-10-20 09:00", Complaint.Channel.LETTER)
    _step("2026-10-20 16:00", complaints.decline, office, c3, "不属于受理范围")

    c4 = _file(users, "2026-10-21 09:00", Complaint.Channel.EMAIL, "other")
    _step("2026-10-21 10:00", complaints.accept, office, c4, unit=org.dept_a)
    _step("2026-10-23 10:00", complaints.submit_finding, liaison, c4, finding="false", text="查无")
    _step("2026-10-26 09:00", complaints.approve, office, c4)
    _step("2026-10-26 10:00", complaints.reply, office, c4, "经查不属实")
    _step("2026-10-27 10:00", complaints.record_visit, office, c4, result="dissatisfied")
    _step("2026-10-28 10:00", complaints.reopen, office, c4, "仍不满意")

    c6 = _file(users, "2026-10-30 10:00", Complaint.Channel.WEB)

    c5 = _file(users, "2026-09-15 10:00", Complaint.Channel.WEB)
    _step("2026-09-15 11:00", complaints.accept, office, c5, unit=org.dept_a)

    _file(users, "2026-11-03 10:00", Complaint.Channel.WEB)
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6}


def _figures(user, unit=None, period="2026-10"):
    return services.compute(user, Period.parse(period), unit, now=at(AS_OF))


def test_period_parsing():
    assert Period.parse("2026-10").label == "2026年10月"
    q = Period.parse("2026-Q3")
    assert q.label == "2026年第三季度" and q.first_day.month == 7 and q.next_first_day.month == 10
    assert q.doc_number == "效投通〔2026〕季3号"
    assert Period.parse("2026-10").doc_number == "效投通〔2026〕10号"
    assert Period.parse("2026-01").previous().key == "2025-12"
    assert Period.parse("2026-Q1").previous().key == "2025-Q4"
    for bad in ("2026-13", "2026", "2026-Q5", "abc"):
        with pytest.raises(ValidationError):
            Period.parse(bad)


def test_figures_for_a_hand_made_month(users, org, month):
    fig = _figures(users[Role.OFFICE])
    assert fig.total == 5
    channels = {r.key: r.count for r in fig.by_channel}
    assert channels == {
        "web": 2,
        "hotline": 1,
        "letter": 1,
        "email": 1,
        "walkin": 0,
        "supervisor": 0,
    }
    categories = {r.key: r.count for r in fig.by_category if r.count}
    assert categories == {"ban_delay": 3, "ban_attitude": 1, "other": 1}
    assert (fig.accepted, fig.declined, fig.awaiting) == (3, 1, 1)
    # C4 was reopened: its 不属实 no longer stands until the unit finds again.
    findings = {r.key: r.count for r in fig.findings}
    assert findings == {"true": 1, "partly": 0, "false": 0, "pending": 2}
    assert fig.substantiated_rate == 100.0
    steps = {s.step: (s.on_time, s.late, s.pending, s.rate) for s in fig.steps}
    assert steps == {
        "accept": (3, 2, 0, 60.0),
        "handle": (2, 1, 0, 66.7),
        "reply": (2, 0, 0, 100.0),
    }
    assert (fig.satisfied, fig.dissatisfied, fig.not_visited) == (1, 1, 1)
    assert fig.satisfaction_rate == 50.0
    assert (fig.reopened, fig.escalated, fig.closed) == (1, 1, 1)

    overdue = {(i.number, i.step): i for i in fig.overdue}
    c2, c5, c6 = month["c2"].number, month["c5"].number, month["c6"].number
    assert set(overdue) == {(c2, "受理"), (c2, "承办单位办理"), (c6, "受理"), (c5, "承办单位办理")}
    late_accept = overdue[(c2, "受理")]
    assert late_accept.finished and late_accept.days_over == 2 and late_accept.escalated
    assert late_accept.unit == "市乙局"
    # Handling due 12 November (15 working days after 22 October); 13–20 November is 6 more.
    assert overdue[(c2, "承办单位办理")].days_over == 6
    assert not overdue[(c2, "承办单位办理")].finished
    assert overdue[(c6, "受理")].days_over == 14 and overdue[(c6, "受理")].unit == "—"
    assert overdue[(c5, "承办单位办理")].earlier

    # Ranking under the city: the section's complaint counts for its department.
    ranking = [(r.name, r.complaints, r.substantiated, r.handle_rate) for r in fig.ranking]
    assert ranking == [("市甲局", 2, 1, 100.0), ("市乙局", 1, 0, 0.0)]
    # Two and one judged steps: too few to rank by the rate (样本不足), nobody is 末位.
    assert [r.rank_by_rate for r in fig.ranking] == [None, None]
    assert [r.rate.label for r in fig.ranking] == ["样本不足", "样本不足"]
    assert [(r.rate.successes, r.rate.n) for r in fig.ranking] == [(2, 2), (0, 1)]
    assert fig.bottom_units == []

    # September had one complaint (C5): up four on the previous period.
    assert fig.previous.total == 1
    total = next(r for r in fig.comparison if r["label"] == "收到投诉")
    assert (total["delta"], total["trend"]) == (4, "up")
    # A rate in the comparison carries the records it rests on; a count does not.
    overall = next(r for r in fig.comparison if r["label"] == "按时办理率")
    judged = sum(s.judged for s in fig.steps)
    assert overall["now_n"] == f"{sum(s.on_time for s in fig.steps)}/{judged}"
    assert total["now_n"] == ""


def test_quarter_covers_the_three_months(users, month):
    fig = _figures(users[Role.OFFICE], period="2026-Q4")
    assert fig.total == 6  # October's five and November's one
    assert _figures(users[Role.OFFICE], period="2026-Q3").total == 1


def test_liaison_sees_only_their_subtree(users, org, month):
    fig = _figures(users[Role.LIAISON])
    # C1 (their section) and C4 (their department); not 乙局's, not the unrouted ones.
    assert fig.total == 2
    assert fig.base == org.dept_a
    assert {i.number for i in fig.overdue} == {month["c5"].number}
    # Under the liaison's department: the section on its own, the department's own complaints.
    assert {(r.name, r.complaints) for r in fig.ranking} == {("甲局审批科", 1), ("市甲局", 1)}
    with pytest.raises(ValidationError):
        services.resolve_unit(users[Role.LIAISON], str(org.dept_b.pk))


def test_office_narrowed_to_one_unit(users, org, month):
    fig = _figures(users[Role.OFFICE], org.dept_b)
    assert fig.total == 1 and fig.accepted == 1
    assert [r.name for r in fig.ranking] == ["市乙局"]


def test_page_renders_with_and_without_data(client, users, org, month):
    client.force_login(users[Role.OFFICE])
    with time_machine.travel(at(AS_OF), tick=False):
        response = client.get(reverse("bulletins:page"), {"period": "2026-10"})
        empty = client.get(reverse("bulletins:page"), {"period": "2025-01"})
        bad = client.get(reverse("bulletins:page"), {"period": "2026-99"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "关于2026年10月效能投诉办理情况的通报" in html
    assert 'data-chart="channel-chart"' in html and 'id="finding-chart"' in html
    assert month["c2"].number in html and "下载Word通报" in html
    assert NAME not in html and PHONE not in html and TITLE not in html
    assert empty.status_code == 200
    assert "没有收到效能投诉" in empty.content.decode()
    assert "下载Word通报" not in empty.content.decode()
    assert bad.status_code == 200 and "月份应为1～12" in bad.content.decode()


def test_page_roles(client, users, org):
    for role in (Role.WINDOW, Role.SUPERVISOR):
        client.force_login(users[role])
        assert client.get(reverse("bulletins:page")).status_code == 403
    client.force_login(users[Role.LEADER])
    assert client.get(reverse("bulletins:page")).status_code == 200
    client.force_login(users[Role.LIAISON])
    assert client.get(reverse("bulletins:page"), {"unit": org.dept_b.pk}).status_code == 200
    response = client.get(reverse("bulletins:word"), {"unit": org.dept_b.pk})
    assert response.status_code == 400


def _docx_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_word_download(client, users, org, month):
    client.force_login(users[Role.OFFICE])
    with time_machine.travel(at(AS_OF), tick=False):
        response = client.get(reverse("bulletins:word"), {"period": "2026-10"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('2026年10月效能投诉通报.docx')}" in disposition
    doc = Document(io.BytesIO(response.content))
    text = _docx_text(doc)
    assert "示范市机关效能建设领导小组办公室" in text
    assert "关于2026年10月效能投诉办理情况的通报" in text
    assert "效投通〔2026〕10号" in text
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、总体情况",
        "二、分类情况",
        "三、办理情况",
        "四、存在问题",
        "五、整改落实情况",
        "六、责任追究情况",  # the office reads the accountability pages
        "七、下一步要求",
    ]
    channel_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "投诉渠道")
    rows = {r.cells[0].text: r.cells[1].text for r in channel_table.rows[1:]}
    assert rows["网上投诉"] == "2" and rows["热线电话"] == "1" and rows["来访"] == "0"
    steps = next(t for t in doc.tables if t.rows[0].cells[0].text == "办理环节")
    assert [c.text for c in steps.rows[1].cells] == [
        "受理",
        "3",
        "2",
        "0",
        "60.0%（3/5，95%区间23.1%—88.2%）",
    ]
    overdue = next(t for t in doc.tables if t.rows[0].cells[0].text == "投诉编号")
    assert any(r.cells[0].text == month["c2"].number for r in overdue.rows)
    # No identity anywhere: not the name, the phone, nor what the complainant typed.
    for secret in (NAME, PHONE, TITLE, "材料齐全却迟迟不办"):
        assert secret not in text
        assert secret.encode() not in response.content  # the zip: also no plain-text leak
    # East Asian font set on the runs (w:eastAsia), not only the Latin slots.
    run = doc.paragraphs[0].runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def test_word_for_a_unit_and_an_empty_month(users, org, month):
    fig = _figures(users[Role.OFFICE], org.dept_a)
    doc = Document(io.BytesIO(bulletin_docx.build(fig)))
    assert "关于市甲局2026年10月效能投诉办理情况的通报" in _docx_text(doc)
    assert bulletin_docx.filename(fig) == "市甲局2026年10月效能投诉通报.docx"
    empty = _figures(users[Role.OFFICE], period="2025-01")
    text = _docx_text(Document(io.BytesIO(bulletin_docx.build(empty))))
    assert "共收到效能投诉0件" in text and "未发现超期情况" in text


def test_query_count_does_not_grow_with_rows(users, org, month, django_assert_max_num_queries):
    # 30 for the complaints and rectification, a fixed 9 more for 责任追究情况.
    with django_assert_max_num_queries(39):
        _figures(users[Role.OFFICE])


def test_a_step_finished_after_the_cut_off_is_not_yet_due_at_the_cut_off(users, org):
    """Issue 9: the overdue table listed a step due 2026-12-11 as 超期 1 on 2026-12-03, because
    its (late) finding was dated after the cut-off. At the cut-off that step is still running
    and not yet due: 未到期, not 超时."""
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    c = _file(users, "2026-11-20 10:00", Complaint.Channel.HOTLINE)
    _step("2026-11-20 15:00", complaints.accept, office, c, unit=org.dept_a)
    _step("2026-12-14 10:00", complaints.submit_finding, liaison, c, finding="true", text="属实")
    november = Period.parse("2026-11")

    fig = services.compute(office, november, now=at("2026-12-03 12:00"))
    assert fig.overdue == []
    handle = fig.step("handle")
    assert (handle.on_time, handle.late, handle.pending) == (0, 0, 1)

    later = services.compute(office, november, now=at("2026-12-15 12:00"))
    (item,) = later.overdue
    assert item.finished and timezone.localdate(item.due) == datetime(2026, 12, 11).date()
    assert later.step("handle").late == 1


def test_bulletin_prints_the_audit_anchor(client, users, org, month):
    """Page and Word carry where the audit chain stood when the bulletin was made, so an
    archived bulletin shows later whether the chain was cut back (docs/security.md)."""
    from xiaoneng.audit import services as audit

    point = audit.anchor()
    assert point.seq > 0  # the month's complaints were audited
    client.force_login(users[Role.OFFICE])
    with time_machine.travel(at(AS_OF), tick=False):
        page = client.get(reverse("bulletins:page"), {"period": "2026-10"}).content.decode()
        word = client.get(reverse("bulletins:word"), {"period": "2026-10"})
    assert f"审计日志锚点：第 {point.seq} 条" in page and point.hash in page
    text = _docx_text(Document(io.BytesIO(word.content)))
    assert f"第 {point.seq} 条，哈希 {point.hash}" in text
    assert f"xiaoneng audit verify --expect {point.seq}:{point.hash}" in text
    assert audit.verify([audit.parse_anchor(f"{point.seq}:{point.hash}")]).ok


def test_rectification_rates_of_the_tasks_due_in_the_period(users, org, month):
    """整改落实情况: the tasks whose 整改时限 falls in the month, completed and on time."""
    from datetime import date

    from xiaoneng.rectification import services as rectification
    from xiaoneng.rectification.models import Task

    def task(unit, day):
        with time_machine.travel(at("2026-09-01 10:00"), tick=False):
            return rectification.open_task(
                "测试",
                rectification.OpenTask(
                    source=rectification.SourceRef("manual", None, "督查督办"),
                    unit=unit,
                    title="督办事项",
                    complete_by=day,
                ),
            )

    on_time = task(org.dept_a, date(2026, 10, 15))
    late = task(org.dept_a, date(2026, 10, 20))
    task(org.dept_b, date(2026, 10, 31))  # not done
    task(org.dept_b, date(2026, 11, 30))  # due next month
    Task.objects.filter(pk=on_time.pk).update(completed_at=at("2026-10-14 10:00"))
    Task.objects.filter(pk=late.pk).update(completed_at=at("2026-10-25 10:00"))
    with time_machine.travel(at(AS_OF), tick=False):
        fig = _figures(users[Role.OFFICE])
    total = fig.rectification_total
    assert (total.due, total.completed, total.on_time, total.overdue_open) == (3, 2, 1, 1)
    assert total.completion_rate == 66.7 and total.on_time_rate == 33.3
    rows = {r.name: (r.due, r.completion_rate, r.on_time_rate) for r in fig.rectification}
    assert rows == {"市甲局": (2, 100.0, 50.0), "市乙局": (1, 0.0, 0.0)}
    assert [r.name for r in fig.rectification] == ["市乙局", "市甲局"]  # weakest first
    # Two tasks and one: 样本不足 under the ranking rule, each with its n and interval.
    assert [(r.label, r.n) for r in fig.rectification_rates] == [("样本不足", 1), ("样本不足", 2)]
    doc = Document(io.BytesIO(bulletin_docx.build(fig)))
    text = _docx_text(doc)
    assert "整改完成率66.7%，按期完成率33.3%" in text
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "单位")
    assert [c.text for c in table.rows[1].cells][4:7] == ["0.0%", "0.0%—79.3%", "样本不足"]


def _with_ranking(fig, counts):
    """The figures with a ranking made of (name, complaints, on-time, judged) rows."""
    ranking = {
        i: services.UnitRank(i, name, complaints=c, handle_on_time=s, handle_judged=n)
        for i, (name, c, s, n) in enumerate(counts, start=1)
    }
    services._rank(fig, ranking)
    return fig


SMALL_N_RANKING = [
    ("市甲局", 45, 38, 40),  # 95.0%
    ("市乙局", 33, 27, 30),  # 90.0%
    ("市丙局", 28, 10, 25),  # 40.0% [23.4%, 59.3%]: wholly below the others
    ("市丁局", 14, 5, 12),  # 41.7% on 12 judged steps: 样本不足, never last
]


def test_a_small_unit_is_not_placed_last(users, org, month, client, monkeypatch):
    """A unit with the lowest rate but only 12 judged steps is 样本不足: no rank, not 末位, and
    the unit whose interval lies wholly below the others' is the one named — on the page and
    in the Word document."""
    fig = _with_ranking(_figures(users[Role.OFFICE]), SMALL_N_RANKING)
    rows = {r.name: r for r in fig.ranking}
    assert rows["市丁局"].rank_by_rate is None
    assert rows["市丁局"].rate.label == "样本不足"
    assert (rows["市丁局"].rate.successes, rows["市丁局"].rate.n) == (5, 12)
    assert [rows[n].rank_by_rate for n in ("市甲局", "市乙局", "市丙局")] == [1, 2, 3]
    assert [r.name for r in fig.bottom_units] == ["市丙局"]
    assert [r.name for r in fig.ranking_by_rate] == ["市甲局", "市乙局", "市丙局"]

    doc = Document(io.BytesIO(bulletin_docx.build(fig)))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "排名")
    cells = {r.cells[1].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert cells["市丁局"][4:] == ["41.7%（5/12）", "19.3%—68.0%", "样本不足"]
    assert cells["市丙局"][4:] == ["40.0%（10/25）", "23.4%—59.3%", "3（末位）"]
    assert cells["市甲局"][6] == "1"
    text = _docx_text(doc)
    assert "市丙局的置信区间整体低于其他参加排名的单位，列为末位" in text
    assert "市丁局的置信区间" not in text and "少于20件" in text

    monkeypatch.setattr(services, "compute", lambda *a, **kw: fig)
    client.force_login(users[Role.OFFICE])
    html = client.get(reverse("bulletins:page"), {"period": "2026-10"}).content.decode()
    row = html.split('data-unit="市丁局"')[1].split("</tr>")[0]
    assert "样本不足" in row and "5/12" in row and "19.3%—68.0%" in row and "末位" not in row
    row = html.split('data-unit="市丙局"')[1].split("</tr>")[0]
    assert 'badge red">末位' in row and "10/25" in row


def test_no_bottom_when_the_data_cannot_tell(users, org, month):
    fig = _with_ranking(
        _figures(users[Role.OFFICE]), [("市甲局", 30, 27, 30), ("市乙局", 30, 24, 30)]
    )
    assert fig.bottom_units == []
    rows = {r.name: r.rate for r in fig.ranking}
    assert (rows["市甲局"].label, rows["市乙局"].label) == ("", "末位不可区分")
    text = _docx_text(Document(io.BytesIO(bulletin_docx.build(fig))))
    assert "差异均在置信区间以内，本期不认定末位" in text
    assert "2（末位不可区分）" in text


def test_accountability_section_for_its_readers_only(client, users, org, month):
    """责任追究情况: counts of the month for the office (page and Word), nothing for a liaison."""
    from xiaoneng.accountability import services as accountability
    from xiaoneng.accountability.models import Cause
    from xiaoneng.testing.factories import CardFactory

    office = users[Role.OFFICE]
    with time_machine.travel(at("2026-10-15 10:00"), tick=False):
        card = CardFactory(unit=org.dept_a, color="red", cause="case_overdue")
        violation = accountability.open_from_source(office, Cause.RED_CARD, card.pk)
        accountability.dismiss(office, violation, "情节轻微，已当场纠正")
    with time_machine.travel(at(AS_OF), tick=False):
        tally = _figures(office).accountability
        assert tally is not None and (tally.opened, tally.dismissed, tally.sanctions) == (1, 1, 0)
        assert _figures(users[Role.LIAISON]).accountability is None
        client.force_login(office)
        page = client.get(reverse("bulletins:page"), {"period": "2026-10"}).content.decode()
        word = client.get(reverse("bulletins:word"), {"period": "2026-10"})
        client.force_login(users[Role.LIAISON])
        liaison_page = client.get(reverse("bulletins:page"), {"period": "2026-10"})
    assert 'data-testid="bulletin-accountability"' in page and "不予追究 1 人次" in page
    text = _docx_text(Document(io.BytesIO(word.content)))
    assert "责任追究情况" in text and "本期立案效能问题线索1件" in text and "七、下一步要求" in text
    assert "bulletin-accountability" not in liaison_page.content.decode()


def test_a_merged_repeat_counts_once_as_merged_not_as_accepted(users, org):
    """并单: every complaint is in exactly one of 受理, 不予受理, 待受理 and 并单办理, and a repeat
    answered with its main complaint adds no 尚无结论 (its finding is the main's)."""
    office, liaison = users[Role.OFFICE], users[Role.LIAISON]
    main = _file(users, "2026-10-19 10:00", Complaint.Channel.HOTLINE)
    repeat = _file(users, "2026-10-19 11:00", Complaint.Channel.WEB)
    _step("2026-10-19 15:00", complaints.accept, office, main, unit=org.section_a)
    _step("2026-10-19 16:00", complaints.merge, office, repeat, Complaint.objects.get(pk=main.pk))

    def counts():
        fig = _figures(office)
        pending = {r.key: r.count for r in fig.findings}["pending"]
        return fig.total, fig.accepted, fig.merged, fig.awaiting, fig.declined, pending

    assert counts() == (2, 1, 1, 0, 0, 1)
    main = Complaint.objects.get(pk=main.pk)
    _step("2026-10-22 10:00", complaints.submit_finding, liaison, main, finding="true", text="属实")
    _step("2026-10-23 09:00", complaints.approve, office, Complaint.objects.get(pk=main.pk))
    _step("2026-10-23 10:00", complaints.reply, office, Complaint.objects.get(pk=main.pk), "已改")
    assert Complaint.objects.get(pk=repeat.pk).routed_at is not None  # answered with the main
    assert counts() == (2, 1, 1, 0, 0, 0)
    document = Document(io.BytesIO(bulletin_docx.build(_figures(office))))
    assert "并单办理1件" in _docx_text(document)


def test_the_page_names_the_chosen_unit_in_its_scope(client, users, org, month):
    client.force_login(users[Role.OFFICE])
    with time_machine.travel(at(AS_OF), tick=False):
        html = client.get(
            reverse("bulletins:page"), {"period": "2026-10", "unit": org.dept_b.pk}
        ).content.decode()
    assert "统计范围：2026年10月收到的投诉（承办单位为市乙局及其下属单位）；数据截至" in html
