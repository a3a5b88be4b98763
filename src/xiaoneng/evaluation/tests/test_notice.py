"""整改通知书: one Word document per unit with its figures and its opinions verbatim, the zip of
all of them, and the refusal before the tally."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from docx import Document
from docx.oxml.ns import qn

from xiaoneng.evaluation import notice, results, services, sheets
from xiaoneng.evaluation.models import Campaign, CampaignUnit, Evaluator
from xiaoneng.web.worddoc import cn_date
from xiaoneng.workcalendar.services import get_calendar

from .conftest import make_collecting
from .test_results import codes_of

pytestmark = pytest.mark.django_db

S, C, B, N, U = 0, 1, 2, 3, 4  # 满意 比较满意 基本满意 不满意 不了解
ISSUED = date(2026, 6, 1)
EXCLUDED_OPINION = "这份评议表经复核剔除，其意见不进通知书"
#: Four dimensions: 3 units × 4 = 12 items a sheet, enough for the careless-response rules.
DIMENSIONS = ["服务意识", "行政效能", "依法行政", "勤政廉洁"]
#: (stratum, answers per unit A/B/C × the first two dimensions — repeated on the other two —,
#: opinions per unit index)
SHEETS = [
    ("企业", [(S, S), (C, U), (B, N)], {0: "窗口服务态度差，办事拖拉", 2: "排队时间太长"}),
    ("企业", [(C, S), (U, U), (S, S)], {0: "服务态度差", 1: "希望公开收费标准"}),
    ("居民", [(N, B), (S, S), (U, U)], {0: "工作人员态度冷漠，电话没人接", 2: "排队等候时间长"}),
    ("居民", [(S, S), (C, C), (S, C)], {0: "服务态度差", 2: "停车难"}),
    # Every item 不满意: straight-lined, excluded under that rule at the review.
    ("企业", [(N, N), (N, N), (N, N)], {0: EXCLUDED_OPINION}),
]


def _answer(campaign: Campaign, code: str, per_unit, opinions: dict[int, str]) -> None:
    layout = sheets.layout_of(campaign)
    answers = {
        (unit.pk, dim.pk): per_unit[ui][di % 2]
        for ui, unit in enumerate(layout.units)
        for di, dim in enumerate(layout.dimensions)
    }
    notes = [(layout.units[ui].pk, text) for ui, text in opinions.items()]
    sheets.submit_online(code, answers, notes)


def closed_campaign(office_user, units) -> Campaign:
    """Units A, B (政府机构) and C (窗口单位); five sheets with opinions, the last one to be
    excluded at the review."""
    campaign = make_collecting(
        office_user, units, strata={"企业": (4, 3), "居民": (3, 2)}, dimensions=DIMENSIONS
    )
    codes = {"企业": iter(codes_of(campaign, "企业")), "居民": iter(codes_of(campaign, "居民"))}
    for stratum, per_unit, opinions in SHEETS:
        _answer(campaign, next(codes[stratum]), per_unit, opinions)
    services.close_collection(office_user, campaign)
    return campaign


def tallied_campaign(office_user, units) -> Campaign:
    campaign = closed_campaign(office_user, units)
    sheets.adopt_rule(office_user, campaign, "straight_lining", "全部勾选同一选项，认定为敷衍作答")
    assert campaign.sheets.get(excluded=True).opinions.get().text == EXCLUDED_OPINION
    results.finalize(office_user, campaign, flags_reviewed=True)
    campaign.refresh_from_db()
    return campaign


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _unit(campaign: Campaign, unit) -> CampaignUnit:
    return campaign.units.select_related("unit", "campaign").get(unit=unit)


def test_notice_has_the_units_figures_and_every_opinion_verbatim(office_user, units):
    campaign = tallied_campaign(office_user, units)
    a = _unit(campaign, units[0])
    data = notice.build(a, issued_on=ISSUED)
    doc = Document(io.BytesIO(data))
    text = docx_text(data)

    assert "示范市机关效能建设领导小组办公室" in text
    assert "效评改〔2026〕1号" in text
    assert "关于市甲局2026年度群众评议意见整改的通知书" in text
    assert "市甲局：" in text
    # The stored figures, as written in the notice.
    r = a.result
    assert f"综合得分{a.score:.2f}分" in text
    assert f"排第{a.rank}名" in text and "政府机构类2个参加排名的单位" in text
    assert f"第{a.rank_low}名" in text
    head = r["headline"]
    assert f"满意率（满意＋比较满意）{head['value'] * 100:.1f}%" in text
    assert f"95%置信区间{head['low'] * 100:.1f}%至{head['high'] * 100:.1f}%" in text
    assert f"前三项满意率（满意＋比较满意＋基本满意）{r['top_three']['value'] * 100:.1f}%" in text
    assert f"知晓率{r['awareness'] * 100:.1f}%" in text
    assert f"计入统计{campaign.summary['sheets_used']}份" in text
    # Dimension table with the category mean (A and B are 政府机构).
    b = _unit(campaign, units[1])
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "评议内容")
    rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}
    for dim in ("服务意识", "行政效能"):
        mean = (r["dimensions"][dim] + b.result["dimensions"][dim]) / 2
        assert rows[dim][:2] == [f"{r['dimensions'][dim]:.2f}", f"{mean:.2f}"]
    strata = next(t for t in doc.tables if t.rows[0].cells[0].text == "评议层面")
    assert [row.cells[0].text for row in strata.rows[1:]] == ["企业", "居民"]
    # The weakest dimensions are named.
    weakest = results.weakest_dimensions(a)
    assert len(weakest) == 2
    named = "和".join(f"“{d}”（{v:.2f}分）" for d, v in weakest)
    assert f"你单位{named}得分较低" in text
    # Opinions: verbatim, grouped, numbered; the duplicate counted; the excluded sheet's left out.
    for opinion in ("窗口服务态度差，办事拖拉", "服务态度差", "工作人员态度冷漠，电话没人接"):
        assert opinion in text
    assert "服务态度差（2人反映）" in text
    assert "1. 服务态度差（2人反映）" in text
    assert "（一）态度（4条）" in text
    assert EXCLUDED_OPINION not in text
    assert "排队时间太长" not in text  # another unit's opinion
    # The plan is due 15 working days after the issue date.
    due = get_calendar().add_workdays_date(ISSUED, notice.PLAN_WORKDAYS)
    assert f"于{cn_date(due)}前" in text
    assert "整改措施、完成时限、责任人和验收标准" in text
    assert [p.text for p in doc.paragraphs[-2:]] == [
        "示范市机关效能建设领导小组办公室",
        cn_date(ISSUED),
    ]
    # No evaluator: not a name from the pool, not a number.
    for evaluator in Evaluator.objects.filter(campaign=campaign):
        assert evaluator.contact.name not in text and evaluator.number not in text
    # East Asian fonts set on the runs.
    run = doc.paragraphs[0].runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def test_last_place_wording_and_a_unit_alone_in_its_category(office_user, units):
    campaign = tallied_campaign(office_user, units)
    c = _unit(campaign, units[2])
    text = docx_text(notice.build(c, issued_on=ISSUED))
    assert c.last_place == CampaignUnit.LastPlace.NOT_DISTINGUISHABLE
    assert "窗口单位类只有你单位一个单位参加排名，不作末位认定" in text
    assert "效评改〔2026〕3号" in text
    # C's opinions are two themes of one opinion each … or 其他意见; all verbatim.
    for opinion in ("排队时间太长", "排队等候时间长", "停车难"):
        assert opinion in text
    a, b = _unit(campaign, units[0]), _unit(campaign, units[1])
    last = max((a, b), key=lambda cu: cu.rank)
    text = docx_text(notice.build(last, issued_on=ISSUED))
    if last.last_place == CampaignUnit.LastPlace.LAST:
        assert "列为本类别末位" in text
    else:
        assert "末位不可区分" in text


def test_a_unit_without_opinions(office_user, units):
    campaign = tallied_campaign(office_user, units)
    CampaignUnit.objects.get(campaign=campaign, unit=units[1]).opinions.all().delete()
    text = docx_text(notice.build(_unit(campaign, units[1]), issued_on=ISSUED))
    assert "评议人没有对你单位提出书面意见建议" in text


def test_the_zip_holds_one_notice_per_unit(office_user, units):
    campaign = tallied_campaign(office_user, units)
    data = notice.build_all(campaign, issued_on=ISSUED)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == [
            "001-市甲局2026年度群众评议整改通知书.docx",
            "002-市乙局2026年度群众评议整改通知书.docx",
            "003-市丙中心2026年度群众评议整改通知书.docx",
        ]
        for name, unit in zip(names, units, strict=True):
            text = docx_text(archive.read(name))
            assert f"关于{unit.name}2026年度群众评议意见整改的通知书" in text
        # The zip's copy is the same document as the single download.
        a = _unit(campaign, units[0])
        assert docx_text(archive.read(names[0])) == docx_text(notice.build(a, issued_on=ISSUED))
    assert notice.filename(_unit(campaign, units[0])) == "市甲局2026年度群众评议整改通知书.docx"
    assert notice.archive_filename(campaign) == "2026年千人评议整改通知书.zip"


def test_refused_before_the_tally(office_user, units):
    campaign = closed_campaign(office_user, units)
    cu = _unit(campaign, units[0])
    with pytest.raises(ValidationError, match="尚未统计计分"):
        notice.build(cu)
    with pytest.raises(ValidationError, match="尚未统计计分"):
        notice.build_all(campaign)


def test_unsafe_characters_in_names(office_user, units):
    assert notice.safe_filename('甲/乙:丙*"') == "甲_乙_丙__"
    assert notice.safe_filename("  ") == "单位"


def test_published_campaign_and_default_issue_date(office_user, units):
    campaign = tallied_campaign(office_user, units)
    results.publish(office_user, campaign)
    cu = _unit(campaign, units[0])
    cu.campaign.refresh_from_db()
    text = docx_text(notice.build(cu))
    assert "关于市甲局2026年度群众评议意见整改的通知书" in text


def test_query_count_of_the_zip_does_not_grow_with_units(
    office_user, units, django_assert_max_num_queries
):
    campaign = tallied_campaign(office_user, units)
    with django_assert_max_num_queries(12):
        notice.build_all(campaign, issued_on=ISSUED)
