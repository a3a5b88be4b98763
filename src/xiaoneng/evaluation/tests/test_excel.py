"""The campaign's Excel export: the public version (no opinions, sheets or names), the office
version, the numbers against the stored results, and what exists before the tally."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from xiaoneng.evaluation import excel, results, services
from xiaoneng.evaluation.models import (
    AnswerSheet,
    Campaign,
    CampaignUnit,
    Dimension,
    Evaluator,
    Opinion,
)
from xiaoneng.evaluation.sheets import layout_of
from xiaoneng.testing.factories import UnitFactory

from .conftest import make_collecting, make_draft
from .test_notice import EXCLUDED_OPINION, SHEETS, tallied_campaign

pytestmark = pytest.mark.django_db

RESULT_SHEETS = ["排名", "分项满意率", "评议内容得分", "层面得分", "历年对比"]
OFFICE_SHEETS = ["评议表", "意见建议", "可疑问卷"]


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def _records(ws) -> list[dict]:
    rows = _rows(ws)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _all_text(wb) -> str:
    return "\n".join(
        str(value) for ws in wb.worksheets for row in _rows(ws) for value in row if value
    )


def _people(campaign: Campaign) -> list[str]:
    """Names and phones of the pool."""
    contacts = [e.contact for e in Evaluator.objects.filter(campaign=campaign)]
    return [v for c in contacts for v in (c.name, c.phone) if v]


def _secrets(campaign: Campaign) -> list[str]:
    """Names and phones of the pool, and every opinion."""
    opinions = Opinion.objects.filter(sheet__campaign=campaign).values_list("text", flat=True)
    return _people(campaign) + list(opinions)


def test_public_workbook_has_results_and_anonymous_answers_but_no_opinions_or_names(
    office_user, units
):
    campaign = tallied_campaign(office_user, units)
    wb = _open(excel.build_workbook(campaign, public=True))
    assert wb.sheetnames == ["说明", *RESULT_SHEETS, "抽取结果", "评议表"]
    text = _all_text(wb)
    for secret in _secrets(campaign):
        assert secret not in text
    assert "未参加原因" not in text
    # The answers are published for recomputation, without channel or serial (and no sheet has
    # a day), with the rule each excluded sheet fell under.
    published = _records(wb["评议表"])
    assert [r["问卷标识"] for r in published] == [str(pk) for _, pk in results.sheet_rows(campaign)]
    assert not {"方式", "问卷编号", "收到日期"} & set(published[0])
    assert [(r["不计入统计"], r["剔除依据"]) for r in published if r["不计入统计"]] == [
        ("是", "一律同选")
    ]

    # 排名: the stored figures, as numbers.
    ranking = {r["单位"]: r for r in _records(wb["排名"])}
    assert list(ranking) == ["市乙局", "市甲局", "市丙中心"]  # by category, then rank
    for cu in campaign.units.select_related("unit"):
        row, r = ranking[cu.unit.name], cu.result
        assert row["单位类别"] == cu.category
        assert row["得分"] == pytest.approx(cu.score)
        assert (row["名次"], row["名次区间起"], row["名次区间止"]) == (
            cu.rank,
            cu.rank_low,
            cu.rank_high,
        )
        assert row["满意率"] == pytest.approx(r["headline"]["value"])
        assert row["满意率95%下限"] == pytest.approx(r["headline"]["low"])
        assert row["满意率95%上限"] == pytest.approx(r["headline"]["high"])
        assert row["满意率设计效应"] == pytest.approx(r["headline"]["deff"])
        assert row["满意率有效样本量"] == pytest.approx(r["headline"]["n_eff"])
        assert r["headline"]["deff"] >= 1
        assert row["前两项满意率（满意＋比较满意）"] == pytest.approx(r["top_two"]["value"])
        assert row["前两项95%下限"] == pytest.approx(r["top_two"]["low"])
        assert row["前三项满意率（满意＋比较满意＋基本满意）"] == pytest.approx(
            r["top_three"]["value"]
        )
        assert row["前三项95%上限"] == pytest.approx(r["top_three"]["high"])
        assert row["知晓率"] == pytest.approx(r["awareness"])
        assert (row["有效评价数"], row["评价数"], row["评议表数"]) == (
            r["valid_answers"],
            r["answers"],
            r["sheets"],
        )
    assert ranking["市丙中心"]["末位情况"] == "末位不可区分"
    assert wb["排名"]["I2"].number_format == "0.0%"

    dims = {r["单位"]: r for r in _records(wb["评议内容得分"])}
    strata = {r["单位"]: r for r in _records(wb["层面得分"])}
    for cu in campaign.units.select_related("unit"):
        for name, value in cu.result["dimensions"].items():
            assert dims[cu.unit.name][name] == pytest.approx(value)
        for name, value in cu.result["strata"].items():
            assert strata[cu.unit.name][name] == value or (
                strata[cu.unit.name][name] == pytest.approx(value)
            )

    # 分项满意率: all units together, by dimension, by stratum, with intervals.
    parts = {(r["范围"], r["名称"]): r for r in _records(wb["分项满意率"])}
    summary = campaign.summary
    assert parts[("全部单位", "满意率（公布）")]["95%下限"] == pytest.approx(
        summary["headline"]["low"]
    )
    for name in ("服务意识", "行政效能", "依法行政", "勤政廉洁"):
        rate = summary["rates_by_dimension"][name]
        assert parts[("评议内容", name)]["满意率"] == pytest.approx(rate["value"])
        assert parts[("评议内容", name)]["有效样本量"] == pytest.approx(rate["n_eff"])
    assert parts[("层面", "居民")]["有效评价数"] == summary["rates_by_stratum"]["居民"]["n"]

    # 说明: the draw and the tally can be re-checked from it.
    notes = {row[0]: row[1] for row in _rows(wb["说明"]) if row and row[0]}
    assert notes["计分程序版本"] == results.TALLY_VERSION
    rules = {
        row[0]: row[1:3]
        for row in _rows(wb["说明"])
        if row and row[0] in ("一律同选", "答卷完全相同")
    }
    assert rules == {"一律同选": ("采用", 1), "答卷完全相同": ("不采用", 0)}
    assert notes["名册哈希（SHA-256）"] == campaign.roster_hash
    assert notes["规范种子"] == campaign.seed_canonical
    assert notes["自助法随机种子"] == str(results.tally_seed(campaign))  # exact, as text
    assert notes["自助法重复次数"] == campaign.summary["replicates"]
    assert notes["计入统计（份）"] == 4 and notes["经复核剔除（份）"] == 1
    assert "公开版" in notes["导出版本"]
    assert {"满意率", "知晓率", "名次区间", "末位"} <= set(notes)


def test_office_workbook_has_opinions_sheets_and_flags(office_user, units):
    campaign = tallied_campaign(office_user, units)
    wb = _open(excel.build_workbook(campaign, public=False))
    assert wb.sheetnames == ["说明", *RESULT_SHEETS, "抽取结果", *OFFICE_SHEETS]
    text = _all_text(wb)
    for secret in _people(campaign):
        assert secret not in text

    opinions = _records(wb["意见建议"])
    written = sorted(t for _, _, opinions_ in SHEETS for t in opinions_.values())
    assert sorted(r["意见建议"] for r in opinions) == written  # each verbatim, one row each
    excluded = next(r for r in opinions if r["意见建议"] == EXCLUDED_OPINION)
    assert excluded["所在评议表已剔除"] == "是" and excluded["主题"] is None
    attitude = [r for r in opinions if r["单位"] == "市甲局" and r["所在评议表已剔除"] is None]
    assert {r["主题"] for r in attitude} == {"态度"} and len(attitude) == 4

    layout = layout_of(campaign)
    sheets = _records(wb["评议表"])
    assert len(sheets) == 5
    labels = [o.label for o in layout.options]
    by_id = {str(s.pk): s for s in AnswerSheet.objects.filter(campaign=campaign)}
    for row in sheets:
        stored = by_id[row["问卷标识"]]
        assert row["层面"] == stored.stratum.name and row["方式"] == "网上"
        assert row["不计入统计"] == ("是" if stored.excluded else None)
        assert row["剔除依据"] == ("一律同选" if stored.excluded else None)
        for ui, unit in enumerate(layout.units):
            for di, dim in enumerate(layout.dimensions):
                code = stored.answers[layout.cell(ui, di)]
                assert row[f"{unit.unit.name}·{dim.name}"] == labels[int(code)]
    flags = _records(wb["可疑问卷"])
    assert flags == [] or all(r["提示类型"] for r in flags)
    assert "内部版" in {row[0]: row[1] for row in _rows(wb["说明"]) if row and row[0]}["导出版本"]


def test_history_lists_earlier_campaigns(office_user, units):
    old = tallied_campaign(office_user, units)
    Campaign.objects.filter(pk=old.pk).update(year=2025)
    new = tallied_campaign(office_user, units)
    # The earlier campaign is tallied, not published: the office sees it, the public not.
    office = _records(_open(excel.build_workbook(new, public=False))["历年对比"])
    assert "2025年得分" in office[0] and "2026年得分" in office[0]
    public = _records(_open(excel.build_workbook(new, public=True))["历年对比"])
    assert "2025年得分" not in public[0]
    results.publish(office_user, Campaign.objects.get(pk=old.pk))
    public = _records(_open(excel.build_workbook(new, public=True))["历年对比"])
    a_old = old.units.get(unit=units[0])
    row = next(r for r in public if r["单位"] == "市甲局")
    assert row["2025年得分"] == pytest.approx(a_old.score)
    assert row["2025年满意率"] == pytest.approx(a_old.headline_rate)


def test_before_the_draw_nothing_and_after_it_the_draw(office_user, units):
    draft = make_draft(office_user, units)
    with pytest.raises(ValidationError, match="尚未抽取"):
        excel.build_workbook(draft, public=True)
    campaign = make_collecting(office_user, units)
    selected = Evaluator.objects.filter(
        campaign=campaign, stratum__name="企业", status=Evaluator.Status.SELECTED
    ).order_by("draw_position")[0]
    reserve = services.replace_evaluator(office_user, selected, "出差在外，无法参加")
    public = _open(excel.build_workbook(campaign, public=True))
    assert public.sheetnames == ["说明", "抽取结果"]
    draw = {r["评议人编号"]: r for r in _records(public["抽取结果"])}
    assert len(draw) == Evaluator.objects.filter(campaign=campaign).count()
    assert draw[selected.number]["状态"] == "因故未参加"
    assert draw[selected.number]["替补情况"] == f"由 {reserve.number} 替补"
    assert draw[reserve.number]["状态"] == "入选"
    assert draw[reserve.number]["替补情况"] == f"替补 {selected.number}"
    assert "出差在外" not in _all_text(public)
    for secret in _people(campaign):
        assert secret not in _all_text(public)
    office = _open(excel.build_workbook(campaign, public=False))
    assert office.sheetnames == ["说明", "抽取结果", *OFFICE_SHEETS]
    reasons = {r["评议人编号"]: r["未参加原因"] for r in _records(office["抽取结果"])}
    assert reasons[selected.number] == "出差在外，无法参加"
    assert _records(office["评议表"]) == [] and _records(office["可疑问卷"]) == []


def test_a_thousand_sheets_of_six_hundred_answers(office_user, units):
    """The office workbook writes the answer sheets in write-only mode: 1,000 × 600 cells."""
    campaign = make_collecting(office_user, units)
    stratum = campaign.strata.first()
    # Widen the frozen layout to 100 units × 6 dimensions (the export reads the layout).
    root = units[0].parent
    more = [UnitFactory(name=f"单位{i:03d}", code=f"U{i:03d}", parent=root) for i in range(97)]
    CampaignUnit.objects.bulk_create(
        CampaignUnit(campaign=campaign, unit=u, category="政府机构", sort_order=10 + i)
        for i, u in enumerate(more)
    )
    Dimension.objects.bulk_create(
        Dimension(campaign=campaign, name=name, sort_order=10 + i)
        for i, name in enumerate(("科学发展", "依法行政", "勤政廉洁", "自身建设"))
    )
    Campaign.objects.filter(pk=campaign.pk).update(layout=services.campaign_layout(campaign))
    campaign.refresh_from_db()
    width = 600
    AnswerSheet.objects.bulk_create(
        AnswerSheet(
            campaign=campaign,
            stratum=stratum,
            channel=AnswerSheet.Channel.PAPER,
            serial=f"P{i:05d}",
            answers="".join("01234-"[(i + j) % 6] for j in range(width)),
        )
        for i in range(1000)
    )
    data = excel.build_workbook(campaign, public=False)
    # Read back only what is needed: parsing 600,000 cells with openpyxl takes longer than
    # writing them.
    wb = load_workbook(io.BytesIO(data), read_only=True)
    ws = wb["评议表"]
    header, first = ws.iter_rows(min_row=1, max_row=2, values_only=True)
    assert len(header) == 6 + width and header[6] == f"市甲局·{layout_of(campaign).dimensions[0]}"
    assert first[1] == stratum.name and first[4] == "纸质" and first[5].startswith("P")
    # Sheet i's answers cycle through the options and a blank (read back as nothing), from i.
    i = int(first[5][1:])
    cycle = ("满意", "比较满意", "基本满意", "不满意", "不了解", None)
    assert first[6:12] == tuple(cycle[(i + j) % 6] for j in range(6))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(f"xl/worksheets/sheet{wb.sheetnames.index('评议表') + 1}.xml")
    assert xml.count(b"<row ") == 1001


def test_filename(office_user, units):
    campaign = make_collecting(office_user, units)
    assert excel.filename(campaign) == "2026年千人评议评议结果.xlsx"
