"""A campaign as an Excel workbook (openpyxl, write-only: 1,000 sheets × 600 answers is 600,000
cells, written once each in order).

Sheets, in order:

- 说明: the campaign, its method (options and values, weights), the public draw (roster hash,
  seed, draw time), the tally's version, bootstrap seed and replicates, the careless-response
  rules and whether each was adopted, dates, counts and the definitions of every figure.
- 排名, 分项满意率, 评议内容得分, 层面得分, 历年对比: the stored results
  (``CampaignUnit.result``, ``Campaign.summary``), only once the campaign is tallied; every rate
  with its interval, design effect and effective sample size. 历年对比 uses
  ``results.unit_history`` with the same ``public`` flag (published earlier campaigns only, for
  the public version).
- 抽取结果: every drawn evaluator's number, stratum, draw position and status, and who replaced
  whom. Never a name, phone, ID or address; not the 参评方式 either (with the sheets' channels it
  could single out the one paper evaluator of a stratum).
- 评议表: every answer sheet, anonymous (identifier, stratum, whether excluded and under which
  rule, then one column per unit·dimension with the option chosen), in the order the tally
  reads them, so that the published figures — exclusions, intervals and bootstrap included —
  can be recomputed (``tools/redo_tally.py`` reads this workbook); the office version adds
  channel and paper serial. No sheet has a day. In the public version only once the campaign
  has results.
- Office version only (``public=False``): 意见建议 (every opinion verbatim, with its theme as in
  the 整改通知书), 可疑问卷 (the careless-response flags), and the replacement reasons in
  抽取结果.

Stages: before the draw there is nothing to export (refused with a message). After the draw and
before the tally the workbook holds 说明 and 抽取结果 (and, for the office, the sheets, opinions
and flags collected so far, e.g. for the review); the result sheets appear with the tally.

``public`` decides the content only. Whether a reader may have the results of a campaign that
is tallied but not yet published is the caller's decision (the public portal offers the
workbook only for published campaigns).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from xiaoneng.i18n import chinese, chinese_labels, in_source_language

from . import formatting, results, services, themes
from .models import (
    AnswerSheet,
    Campaign,
    CampaignUnit,
    CategoryWeight,
    Evaluator,
    Opinion,
)
from .notice import safe_filename
from .sheets import BLANK, layout_of

HEADER_FILL = PatternFill("solid", fgColor="F0F4F8")
BOLD = Font(bold=True)
WRAP = Alignment(vertical="center", wrap_text=True)
TOP_WRAP = Alignment(vertical="top", wrap_text=True)
PERCENT = "0.0%"
SCORE = "0.00"
NOTHING_YET = "评议人尚未抽取，还没有可以导出的评议数据"

LAST_PLACE_LABELS = {
    CampaignUnit.LastPlace.NOT_LAST: "",
    CampaignUnit.LastPlace.LAST: "末位",
    CampaignUnit.LastPlace.NOT_DISTINGUISHABLE: "末位不可区分",
    CampaignUnit.LastPlace.UNRANKED: "无有效评价",
}
DRAW_STATUS = {
    Evaluator.Status.SELECTED: "入选",
    Evaluator.Status.RESERVE: "候补",
    Evaluator.Status.REPLACED: "因故未参加",
    Evaluator.Status.POOL: "未抽取",
}

DEFINITIONS = [
    (
        "答案赋值",
        "每项评价按所选选项计分（见上表“分值”）；不计分的选项（如“不了解”）不进入得分和满意率的分母，"
        "只用于计算知晓率。",
    ),
    (
        "得分",
        "同一层面内对某单位某项评议内容的有效评价取平均；各层面按层面权重加权（未作有效评价的层面不参加，"
        "其余层面权重重新归一），得到该项评议内容得分；各项评议内容再按权重加权得到单位得分。"
        "与工作考核结合时，综合得分 = 问卷得分 × 问卷权重 + 考核得分 × 考核权重（两权重归一）。",
    ),
    ("层面得分", "某层面对该单位各项评议内容平均分按评议内容权重加权的结果。"),
    (
        "满意率",
        "计入满意的评价数 ÷ 有效评价数，各层面、各评议内容的评价直接合计（不加权）。"
        "“前两项”“前三项”所含选项见上表；公布的满意率见“公布的满意率”。",
    ),
    (
        "95%区间（满意率）",
        "按评议表（评议人）计算：同一评议人对多项内容、多个单位的评价相互关联，不能当作相互独立的"
        "评价。先在各层面内按整份评议表估计满意率的方差（分层、线性化），它与把每项评价当作独立时的"
        "方差之比为设计效应（不小于1）；有效样本量 = 有效评价数 ÷ 设计效应；区间为按有效样本量"
        "计算的 Wilson 区间（z = 1.96）。满意率为0或100%、或只有一份评议表作答时，设计效应取"
        "有效评价数 ÷ 作答评议表数。",
    ),
    ("知晓率", "选择不计分选项（如“不了解”）以外的评价数 ÷ 全部评价数。"),
    (
        "名次",
        "在同一单位类别内按得分（保留6位小数后比较）从高到低排列；得分相同者名次相同，"
        "下一名次顺延（1、2、2、4）。没有有效评价的单位不排名。",
    ),
    (
        "名次区间",
        "自助法：在每个层面内对评议表有放回地重复抽样（次数见“自助法重复次数”，随机种子由公开的"
        "规范种子和名册哈希确定，随机数取自 SHAKE-256，逐字节的规则见 docs/scoring.md，可用 "
        "redo_tally.py 复核），每次重新计分排名；名次区间为各次名次的第2.5和第97.5百分位。",
    ),
    (
        "末位",
        "类别内至少有两个单位参加排名，得分最低的只有一个单位，且其名次区间的上端（数值最小的名次）"
        "仍低于同类其他每个单位名次区间的下端时，列为末位；否则得分最低的单位标注“末位不可区分”，"
        "该类别不列末位。",
    ),
    ("有效评价数", "对该单位作出的计分评价的项数（单位 × 评议内容）。"),
    ("评议表数", "至少对该单位作出一项有效评价的评议表份数。"),
    (
        "剔除",
        "按规则剔除，不逐份决定：采用的规则对其提示的全部评议表适用（见上表“剔除规则”）；"
        "“评议表”工作表列出每份被剔除的评议表及所依据的规则，不剔除也可以自行重算。",
    ),
]
#: Careless-response checks count only sheets with at least this many answered items.
MIN_ITEMS = 10


def filename(campaign: Campaign) -> str:
    """2026年千人评议评议结果.xlsx"""
    return f"{safe_filename(campaign.name)}评议结果.xlsx"


# ---- cells and sheets ---------------------------------------------------------------------------


def _text(value: Any) -> Any:
    # openpyxl refuses control characters; text typed by the public may contain them.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _cell(ws: WriteOnlyWorksheet, value: Any, **style: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_text(value))
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _sheet(
    wb: Workbook, title: str, header: Sequence[str], widths: Sequence[int], freeze: str = "C2"
) -> WriteOnlyWorksheet:
    ws = wb.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = freeze
    ws.append([_cell(ws, h, font=BOLD, fill=HEADER_FILL, alignment=WRAP) for h in header])
    return ws


def _formatted(ws: WriteOnlyWorksheet, values: Iterable[tuple[Any, str | None]]) -> list[Any]:
    """A row from (value, number format) pairs; plain values where there is no format."""
    return [_cell(ws, v, number_format=f) if f and v is not None else _text(v) for v, f in values]


# ---- 说明 ---------------------------------------------------------------------------------------


def _stamp(moment: datetime | None) -> str:
    return results.stamp(moment) if moment else ""


def _notes(wb: Workbook, campaign: Campaign, public: bool) -> None:
    ws = wb.create_sheet("说明")
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 70
    for col in "CD":
        ws.column_dimensions[col].width = 12
    summary = campaign.summary or {}

    def title(text: str) -> None:
        ws.append([])
        ws.append([_cell(ws, text, font=BOLD)])

    def pair(key: str, value: Any, number_format: str | None = None) -> None:
        if number_format and value is not None:
            ws.append([key, _cell(ws, value, number_format=number_format)])
        else:
            ws.append([key, _cell(ws, value, alignment=TOP_WRAP)])

    ws.append([_cell(ws, campaign.name, font=Font(bold=True, size=14))])
    pair("年度", campaign.year)
    pair("状态", campaign.get_status_display())
    pair(
        "导出版本",
        "公开版（不含意见建议和可疑问卷；评议表不含问卷编号和方式）"
        if public
        else "内部版（含意见建议、评议表和可疑问卷，仅供效能办使用，不得公开）",
    )
    pair("导出时间", results.stamp(timezone.now()))
    if campaign.description:
        pair("实施方案摘要", campaign.description)

    title("计分方法")
    pair("计分方案", services.PRESET_LABELS.get(campaign.preset, "自定义"))
    pair("公布的满意率", campaign.get_headline_display())
    if campaign.questionnaire_weight is not None:
        pair(
            "与工作考核结合",
            f"问卷 {campaign.questionnaire_weight:g}，工作考核 {campaign.assessment_weight:g}",
        )
        pair("问卷得分权重", campaign.questionnaire_weight)
        pair("工作考核得分权重", campaign.assessment_weight)
    else:
        pair("与工作考核结合", "不结合（只用问卷得分）")
    ws.append([])
    ws.append([_cell(ws, h, font=BOLD) for h in ("答案选项", "分值", "计入前两项", "计入前三项")])
    for o in campaign.options.all():
        ws.append(
            [
                o.label,
                "不计分" if o.value is None else o.value,
                "是" if o.top_two else "",
                "是" if o.top_three else "",
            ]
        )
    ws.append([])
    ws.append([_cell(ws, h, font=BOLD) for h in ("评议层面", "名额", "权重")])
    for s in campaign.strata.all():
        ws.append([s.name, s.quota, s.weight])
    ws.append([])
    ws.append([_cell(ws, h, font=BOLD) for h in ("评议内容", "权重")])
    for d in campaign.dimensions.all():
        ws.append([d.name, d.weight])
    category_weights = list(campaign.category_weights.all())
    if category_weights:
        ws.append([])
        head = ("单位类别", "权重类型", "层面或评议内容", "权重")
        ws.append([_cell(ws, h, font=BOLD) for h in head])
        kinds = chinese_labels(CategoryWeight.Kind)
        for cw in category_weights:
            ws.append([cw.category, kinds[cw.kind], cw.key, cw.weight])

    title("评议人抽取（可用公开的名册文件、名额和种子复核）")
    pair("名册哈希（SHA-256）", campaign.roster_hash)
    pair("名册冻结时间", _stamp(campaign.frozen_at))
    pair("名额", campaign.quotas_json)
    pair("种子来源公告", campaign.seed_source)
    pair("种子来源公告时间", _stamp(campaign.seed_announced_at))
    pair("开奖号码（原样）", campaign.seed_raw)
    pair("规范种子", campaign.seed_canonical)
    pair("抽取时间", _stamp(campaign.drawn_at))

    title("统计计分")
    pair("计分程序版本", summary.get("version", 1) if summary else results.TALLY_VERSION)
    # As text: a 64-bit seed does not survive Excel's 15 significant digits.
    pair("自助法随机种子", str(summary.get("bootstrap_seed", results.tally_seed(campaign))))
    pair("自助法重复次数", summary.get("replicates", campaign.replicates))
    pair("区间z值", 1.96)
    pair("名次比较保留小数位", 6)
    pair("开始评议", _stamp(campaign.collection_opened_at))
    pair("结束回收", _stamp(campaign.collection_closed_at))
    pair("可疑问卷复核", _stamp(campaign.flags_reviewed_at))
    pair("计分时间", _stamp(campaign.tallied_at))
    pair("公布时间", _stamp(campaign.published_at))
    if summary:
        pair("收回评议表（份）", summary.get("sheets_total"))
        pair("计入统计（份）", summary.get("sheets_used"))
        pair("经复核剔除（份）", summary.get("excluded"))
        by_channel = summary.get("by_channel") or {}
        channels = chinese_labels(AnswerSheet.Channel)
        pair("按方式", "；".join(f"{channels.get(k, k)} {v}份" for k, v in by_channel.items()))
        by_stratum = summary.get("by_stratum") or {}
        pair("按层面", "；".join(f"{k} {v}份" for k, v in by_stratum.items()))
        for key, name in (
            ("headline", "全部单位合计满意率"),
            ("top_two", "全部单位合计前两项满意率"),
            ("top_three", "全部单位合计前三项满意率"),
        ):
            pair(name, (summary.get(key) or {}).get("value"), PERCENT)
        headline = formatting.rate_text(summary.get("headline"))
        if headline.interval:
            pair("全部单位合计满意率95%区间", headline.interval)
            if (summary.get("headline") or {}).get("n_eff") is not None:
                pair("全部单位合计满意率有效样本量", round(summary["headline"]["n_eff"]))
        pair("全部单位合计知晓率", summary.get("awareness"), PERCENT)
    _rules(ws, campaign, summary)

    title("工作节点")
    for m in campaign.milestones.all():
        done = f"，完成于 {_stamp(m.done_at)}" if m.done_at else ""
        pair(m.get_kind_display(), f"截止 {m.due_date:%Y-%m-%d}{done}")

    title("口径说明")
    for key, value in DEFINITIONS:
        pair(key, value)


def _rules(ws: WriteOnlyWorksheet, campaign: Campaign, summary: dict) -> None:
    """The careless-response rules: each one adopted or not, and how many sheets it excluded."""
    ws.append([])
    ws.append([_cell(ws, h, font=BOLD) for h in ("剔除规则", "是否采用", "剔除份数", "规则说明")])
    counts = dict(
        campaign.sheets.filter(excluded=True)
        .values_list("exclusion_rule")
        .annotate(n=Count("pk"))
        .values_list("exclusion_rule", "n")
    )
    # What was adopted at the tally; before it, what is adopted now.
    adopted = set(summary.get("exclusion_rules", campaign.exclusion_rules))
    for kind, (_label, text) in results.RULES.items():
        ws.append(
            [
                # The workbook's own Chinese name, whatever the reader's language: the rule is
                # matched by name when the tally is recomputed (redo_tally.py).
                chinese(AnswerSheet.Rule(kind.value).label),
                "采用" if kind.value in adopted else "不采用",
                counts.get(kind.value, 0),
                _cell(ws, str(text), alignment=TOP_WRAP),
            ]
        )
    if counts.get(AnswerSheet.Rule.LEGACY):
        ws.append(
            [
                chinese(AnswerSheet.Rule.LEGACY.label),
                "采用",
                counts[AnswerSheet.Rule.LEGACY],
                _cell(ws, "本次评议计分时按旧办法逐份复核剔除，无法按规则复核", alignment=TOP_WRAP),
            ]
        )
    ws.append(["一律同选、答卷完全相同的最少题数", MIN_ITEMS])


# ---- results ------------------------------------------------------------------------------------


def _ordered_units(campaign: Campaign) -> list[CampaignUnit]:
    """By category (in the order the categories first appear in the list), then rank (unranked
    last), then the list's order."""
    units = list(campaign.units.select_related("unit").order_by("sort_order", "pk"))
    first: dict[str, int] = {}
    for i, cu in enumerate(units):
        cu.campaign = campaign  # unit_history reads it: no query per unit
        first.setdefault(cu.category, i)
    big = len(units) + 1
    return sorted(units, key=lambda cu: (first[cu.category], cu.rank or big, cu.sort_order, cu.pk))


def _ranking(wb: Workbook, campaign: Campaign, units: list[CampaignUnit]) -> None:
    options = list(campaign.options.all())
    two = "＋".join(o.label for o in options if o.top_two)
    three = "＋".join(o.label for o in options if o.top_three)
    combined = campaign.questionnaire_weight is not None
    header = [
        "单位类别",
        "单位",
        "得分",
        *(["问卷得分", "工作考核得分"] if combined else []),
        "名次",
        "名次区间起",
        "名次区间止",
        "末位情况",
        "满意率",
        "满意率95%下限",
        "满意率95%上限",
        "满意率设计效应",
        "满意率有效样本量",
        f"前两项满意率（{two}）",
        "前两项95%下限",
        "前两项95%上限",
        f"前三项满意率（{three}）",
        "前三项95%下限",
        "前三项95%上限",
        "知晓率",
        "有效评价数",
        "评价数",
        "评议表数",
    ]
    widths = [12, 24, 9, *([9, 11] if combined else []), 6, 9, 9, 12] + [11] * 12 + [9, 9, 9]
    ws = _sheet(wb, "排名", header, widths)
    for cu in units:
        r = cu.result or {}
        head = r.get("headline") or {}
        ws.append(
            _formatted(
                ws,
                [
                    (cu.category, None),
                    (cu.unit.name, None),
                    (cu.score, SCORE),
                    *(
                        [
                            (r.get("questionnaire_score"), SCORE),
                            (r.get("assessment_score"), SCORE),
                        ]
                        if combined
                        else []
                    ),
                    (cu.rank, None),
                    (cu.rank_low, None),
                    (cu.rank_high, None),
                    (LAST_PLACE_LABELS.get(cu.last_place, ""), None),
                    *_rate_cells(head),
                    *_rate_cells(r.get("top_two") or {})[:3],
                    *_rate_cells(r.get("top_three") or {})[:3],
                    (r.get("awareness"), PERCENT),
                    (r.get("valid_answers"), None),
                    (r.get("answers"), None),
                    (r.get("sheets"), None),
                ],
            )
        )


def _rate_format(rate: dict) -> str:
    return formatting.excel_percent_format(formatting.rate_text(rate).digits)


def _rate_cells(rate: dict) -> list[tuple[Any, str | None]]:
    """Value, low, high (with decimals enough that the bounds never look equal), design
    effect, effective n."""
    fmt = _rate_format(rate)
    return [
        (rate.get("value"), fmt),
        (rate.get("low"), fmt),
        (rate.get("high"), fmt),
        (rate.get("deff"), "0.00"),
        (rate.get("n_eff"), "0"),
    ]


def _rates(wb: Workbook, campaign: Campaign) -> None:
    """分项满意率: the rates of all units together, by dimension and by stratum."""
    header = [
        "范围",
        "名称",
        "满意率",
        "95%下限",
        "95%上限",
        "设计效应",
        "有效样本量",
        "计入满意的评价数",
        "有效评价数",
    ]
    ws = _sheet(wb, "分项满意率", header, [10, 20, 10, 10, 10, 9, 10, 12, 10])
    summary = campaign.summary or {}
    by_dimension = summary.get("rates_by_dimension") or {}
    by_stratum = summary.get("rates_by_stratum") or {}
    rows = [
        ("全部单位", "满意率（公布）", summary.get("headline")),
        ("全部单位", "前两项满意率", summary.get("top_two")),
        ("全部单位", "前三项满意率", summary.get("top_three")),
        *(("评议内容", d.name, by_dimension.get(d.name)) for d in campaign.dimensions.all()),
        *(("层面", h.name, by_stratum.get(h.name)) for h in campaign.strata.all()),
    ]
    for scope, name, rate in rows:
        if rate is None:
            continue
        cells = [(scope, None), (name, None), *_rate_cells(rate)]
        ws.append(_formatted(ws, [*cells, (rate.get("count"), None), (rate.get("n"), None)]))


def _breakdown(
    wb: Workbook, title: str, units: list[CampaignUnit], part: str, keys: list[str]
) -> None:
    # Looked up by name: the stored JSON's key order is not kept by PostgreSQL's jsonb.
    ws = _sheet(wb, title, ["单位类别", "单位", "得分", *keys], [12, 24, 9] + [10] * len(keys))
    for cu in units:
        values = (cu.result or {}).get(part) or {}
        ws.append(
            _formatted(
                ws,
                [
                    (cu.category, None),
                    (cu.unit.name, None),
                    (cu.score, SCORE),
                    *((values.get(k), SCORE) for k in keys),
                ],
            )
        )


def _history(wb: Workbook, campaign: Campaign, units: list[CampaignUnit], public: bool) -> None:
    history = results.unit_history(campaign, units, public=public)
    campaigns = sorted(
        {p.campaign.pk: p.campaign for points in history.values() for p in points}.values(),
        key=lambda c: (c.year, c.pk),
    )
    years = [c.year for c in campaigns]
    labels = [
        f"{c.year}年" if years.count(c.year) == 1 else f"{c.year}年（{c.name}）" for c in campaigns
    ]
    header = ["单位类别", "单位"]
    for label in labels:
        header += [f"{label}得分", f"{label}满意率", f"{label}名次"]
    ws = _sheet(wb, "历年对比", header, [12, 24] + [10] * (3 * len(campaigns)))
    for cu in units:
        by_campaign = {p.campaign.pk: p for p in history.get(cu.unit_id, [])}
        row: list[tuple[Any, str | None]] = [(cu.category, None), (cu.unit.name, None)]
        for c in campaigns:
            p = by_campaign.get(c.pk)
            row += [
                (p.score if p else None, SCORE),
                (p.rate if p else None, PERCENT),
                (p.rank if p else None, None),
            ]
        ws.append(_formatted(ws, row))


# ---- the draw -----------------------------------------------------------------------------------


def _draw(wb: Workbook, campaign: Campaign, public: bool) -> None:
    header = ["层面", "层面内抽取顺序", "评议人编号", "状态", "替补情况"]
    if not public:
        header.append("未参加原因")
    ws = _sheet(wb, "抽取结果", header, [16, 10, 16, 12, 24, 30], freeze="A2")
    drawn = list(
        campaign.evaluators.filter(draw_position__isnull=False)
        .order_by("stratum__sort_order", "stratum_id", "draw_position")
        .values_list(
            "pk",
            "number",
            "stratum__name",
            "draw_position",
            "status",
            "replaced_by_id",
            "replacement_reason",
        )
    )
    numbers = {pk: number for pk, number, *_ in drawn}
    replaced = {by: pk for pk, *_, by, _ in drawn if by is not None}  # reserve → whom
    for pk, number, stratum, position, status, by, reason in drawn:
        if by is not None:
            note = f"由 {numbers.get(by, '')} 替补"
        elif pk in replaced:
            note = f"替补 {numbers[replaced[pk]]}"
        else:
            note = ""
        row = [stratum, position, number, DRAW_STATUS.get(status, status), note]
        if not public:
            row.append(_text(reason))
        ws.append(row)


# ---- office only --------------------------------------------------------------------------------


def _opinions(wb: Workbook, campaign: Campaign) -> None:
    ws = _sheet(
        wb,
        "意见建议",
        ["单位类别", "单位", "主题", "意见建议", "所在评议表已剔除"],
        [12, 24, 20, 80, 10],
    )
    by_unit: dict[int, list[tuple[str, bool]]] = {}
    for unit_id, text, excluded in Opinion.objects.filter(unit__campaign=campaign).values_list(
        "unit_id", "text", "sheet__excluded"
    ):
        by_unit.setdefault(unit_id, []).append((text, excluded))
    for cu in campaign.units.select_related("unit").order_by("sort_order", "pk"):
        for text, excluded, label in _themed(by_unit.get(cu.pk, [])):
            ws.append(
                [
                    cu.category,
                    cu.unit.name,
                    label,
                    _cell(ws, text, alignment=TOP_WRAP),
                    "是" if excluded else "",
                ]
            )


def _themed(rows: list[tuple[str, bool]]) -> list[tuple[str, bool, str]]:
    """One unit's (text, excluded) opinions with their theme label, in the order of the unit's
    整改通知书; opinions of excluded sheets (which the notice leaves out) last, unlabelled."""
    grouped = themes.group_opinions([t for t, excluded in rows if not excluded])
    place = {
        themes.duplicate_key(text): (i, j, theme.label)
        for i, theme in enumerate(grouped)
        for j, text in enumerate(theme.texts)
    }
    counted = sorted(
        ((place[themes.duplicate_key(t)], t) for t, excluded in rows if not excluded),
        key=lambda pair: (pair[0][:2], pair[1]),
    )
    return [(t, False, where[2]) for where, t in counted] + [
        (t, True, "") for t, excluded in sorted(rows) if excluded
    ]


def _short(sheet_id: object) -> str:
    return str(sheet_id)[:8]


def _answer_sheets(wb: Workbook, campaign: Campaign, public: bool) -> None:
    """Every answer sheet, in the order the tally reads them (by answers, then identifier), so
    that anyone can recompute the published figures — exclusions and bootstrap included — from
    this sheet and 说明. The public version leaves out what could tie a sheet to a person: the
    paper serial and the channel (no sheet records a day)."""
    layout = layout_of(campaign)
    columns = [f"{u.unit.name}·{d.name}" for u in layout.units for d in layout.dimensions]
    private = [] if public else ["方式", "问卷编号"]
    header = ["问卷标识", "层面", "不计入统计", "剔除依据", *private, *columns]
    widths = [38, 14, 8, 14] + ([] if public else [6, 12]) + [8] * len(columns)
    ws = _sheet(wb, "评议表", header, widths, "B2")
    # One character per answer: "0"–"9" the option's position, "-" blank (empty cell).
    decode: dict[str, str | None] = {str(i): o.label for i, o in enumerate(layout.options)}
    decode[BLANK] = None
    channels = chinese_labels(AnswerSheet.Channel)
    strata = dict(campaign.strata.values_list("pk", "name"))
    rules = chinese_labels(AnswerSheet.Rule)
    rows = results.sheet_rows(
        campaign, "channel", "stratum_id", "serial", "excluded", "exclusion_rule"
    )
    for answers, sid, channel, stratum, serial, excluded, rule in rows:
        extra = [] if public else [channels.get(channel, channel), serial]
        ws.append(
            [
                str(sid),
                strata.get(stratum, ""),
                "是" if excluded else "",
                rules.get(rule, ""),
                *extra,
                *(decode.get(ch) for ch in answers),
            ]
        )


def _flags(wb: Workbook, campaign: Campaign) -> None:
    ws = _sheet(
        wb, "可疑问卷", ["提示类型", "涉及问卷", "说明", "其中已剔除"], [18, 40, 30, 12], "A2"
    )
    if not campaign.sheets.exists():
        return
    excluded = {
        str(pk) for pk in campaign.sheets.filter(excluded=True).values_list("id", flat=True)
    }
    for flag in results.quality(campaign).flags:
        ids = [str(s) for s in flag.sheet_ids]
        ws.append(
            [
                str(results.FLAG_LABELS.get(flag.kind, flag.kind)),
                "、".join(_short(s) for s in ids),
                _text(flag.detail),
                f"{sum(s in excluded for s in ids)}/{len(ids)}",
            ]
        )


# ---- the workbook -------------------------------------------------------------------------------


@in_source_language
def build_workbook(campaign: Campaign, *, public: bool) -> bytes:
    """The campaign as .xlsx bytes (see the module docstring for what each version holds)."""
    if not campaign.seed_canonical:
        raise ValidationError(NOTHING_YET)
    wb = Workbook(write_only=True)
    _notes(wb, campaign, public)
    if campaign.has_results:
        units = _ordered_units(campaign)
        _ranking(wb, campaign, units)
        _rates(wb, campaign)
        _breakdown(
            wb, "评议内容得分", units, "dimensions", [d.name for d in campaign.dimensions.all()]
        )
        _breakdown(wb, "层面得分", units, "strata", [s.name for s in campaign.strata.all()])
        _history(wb, campaign, units, public)
    _draw(wb, campaign, public)
    if not public or campaign.has_results:
        _answer_sheets(wb, campaign, public)
    if not public:
        _opinions(wb, campaign)
        _flags(wb, campaign)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
