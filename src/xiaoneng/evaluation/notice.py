"""整改通知书: one Word document per evaluated unit of a tallied campaign, in the 公文 layout of
``xiaoneng.web.worddoc``, and a zip of all of them for the office.

What a notice says, in order: the campaign and how many sheets it drew on; the unit's score and
rank within its category with the bootstrap rank interval; the published satisfaction rate with
its 95% interval counted over whole sheets (and the effective number of answers it rests on), the
other rate, the 知晓率; its 末位 status; its dimension and stratum
scores beside the category's mean; its two weakest dimensions; the evaluators' written opinions
grouped by theme (``themes.py``), quoted verbatim and numbered; what to do — a 整改方案 with
measures, deadline, responsible person and acceptance standard (C7) within 15 working days of
the issue date — and the issuer and date.

No evaluator appears: opinions carry no identity, and the notice names no sheet. Opinions on
sheets excluded from the tally (judged careless or invalid at the review) are left out, like
their answers.

Who may download which unit's notice is the caller's check (``CampaignUnit.objects.visible_to``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone
from docx.document import Document as DocumentType

from xiaoneng.i18n import in_source_language
from xiaoneng.web.worddoc import (
    SUBHEADING_FONT,
    cn_date,
    cn_numeral,
    heading,
    issuer,
    masthead,
    new_document,
    para,
    signature,
    table,
    to_bytes,
)
from xiaoneng.workcalendar.services import get_calendar
from xiaoneng.workdays import SHANGHAI

from . import formatting, results, themes
from .models import Campaign, CampaignUnit, Opinion

#: Working days from the issue date to the 整改方案 (the platform's usual time limit for a
#: unit's written answer, as for complaints and 差评 in DESIGN §2).
PLAN_WORKDAYS = 15
#: 文号 prefix: 效(能)评(议)整(改), like the bulletins' 效投通.
DOC_PREFIX = "效评改"
NO_RESULTS = "评议活动尚未统计计分，没有可用于整改通知书的评议结果"
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

LastPlace = CampaignUnit.LastPlace


@dataclass
class _Context:
    """What every notice of one campaign shares: computed once for the zip of all of them."""

    campaign: Campaign
    issuer: str
    issued_on: date
    deadline: date
    deadline_provisional: bool
    dimensions: list[str]
    strata: list[str]
    rate_labels: dict[str, str]  # top_two / top_three → "满意＋比较满意"
    unscored: list[str]  # 不了解
    serial: dict[int, int]  # campaign unit pk → number in the 文号
    members: dict[str, list[CampaignUnit]] = field(default_factory=dict)  # category → units

    def ranked_in(self, category: str) -> int:
        return sum(1 for cu in self.members.get(category, []) if cu.rank is not None)

    def mean(self, category: str, part: str, key: str) -> float | None:
        """Unweighted mean over the category's units of one dimension or stratum score."""
        values = [
            v
            for cu in self.members.get(category, [])
            if (v := ((cu.result or {}).get(part) or {}).get(key)) is not None
        ]
        return sum(values) / len(values) if values else None


def _require_results(campaign: Campaign) -> None:
    if not campaign.has_results:
        raise ValidationError(NO_RESULTS)


def _context(campaign: Campaign, issued_on: date | None) -> _Context:
    _require_results(campaign)
    issued_on = issued_on or timezone.localdate()
    # Noon of the issue day: the count starts the day after (期间开始的当日不计入).
    due = get_calendar().add_workdays(
        datetime.combine(issued_on, time(12), SHANGHAI), PLAN_WORKDAYS
    )
    units = list(campaign.units.select_related("unit__parent").order_by("sort_order", "pk"))
    options = list(campaign.options.all())
    members: dict[str, list[CampaignUnit]] = defaultdict(list)
    for cu in units:
        cu.campaign = campaign  # titles and file names read it: no query per unit
        members[cu.category].append(cu)
    return _Context(
        campaign=campaign,
        issuer=issuer(units[0].unit if units else None),
        issued_on=issued_on,
        deadline=due.due.astimezone(SHANGHAI).date(),
        deadline_provisional=due.provisional,
        dimensions=list(campaign.dimensions.values_list("name", flat=True)),
        strata=list(campaign.strata.values_list("name", flat=True)),
        rate_labels={
            "top_two": "＋".join(o.label for o in options if o.top_two),
            "top_three": "＋".join(o.label for o in options if o.top_three),
        },
        unscored=[o.label for o in options if o.value is None],
        serial={cu.pk: i for i, cu in enumerate(units, start=1)},
        members=dict(members),
    )


def _opinions(cu: CampaignUnit) -> list[str]:
    return list(
        Opinion.objects.filter(unit=cu, sheet__excluded=False).values_list("text", flat=True)
    )


# ---- names --------------------------------------------------------------------------------------


def safe_filename(name: str) -> str:
    """``name`` usable as a file name on Windows and inside a zip (no path separators)."""
    return _UNSAFE_NAME.sub("_", name).strip() or "单位"


def title(cu: CampaignUnit) -> str:
    return f"关于{cu.unit.name}{cu.campaign.year}年度群众评议意见整改的通知书"


def doc_number(cu: CampaignUnit, serial: int | None = None) -> str:
    """效评改〔2026〕3号: the campaign's year and the unit's place in the campaign's list."""
    if serial is None:
        pks = list(cu.campaign.units.order_by("sort_order", "pk").values_list("pk", flat=True))
        serial = pks.index(cu.pk) + 1
    return f"{DOC_PREFIX}〔{cu.campaign.year}〕{serial}号"


def filename(cu: CampaignUnit) -> str:
    """市甲局2026年度群众评议整改通知书.docx"""
    return f"{safe_filename(cu.unit.name)}{cu.campaign.year}年度群众评议整改通知书.docx"


def archive_filename(campaign: Campaign) -> str:
    return f"{safe_filename(campaign.name)}整改通知书.zip"


# ---- numbers as written -------------------------------------------------------------------------


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _diff(value: float | None, mean: float | None) -> str:
    if value is None or mean is None:
        return "—"
    d = round(value - mean, 2)
    return "持平" if d == 0 else f"{'高' if d > 0 else '低'}{abs(d):.2f}"


def _rate_sentence(name: str, rate: dict | None) -> str:
    rate = rate or {}
    if rate.get("value") is None:
        return f"{name}：无有效评价"
    text = formatting.rate_text(rate)
    basis = ""
    if rate.get("n_eff") is not None:
        # One evaluator's answers hang together: the interval rests on fewer than n answers.
        basis = f"，按评议表计算相当于约{max(1, round(rate['n_eff']))}项独立评价"
    return (
        f"{name}{text.value}（有效评价{rate['n']}项中{rate['count']}项；"
        f"95%置信区间{text.low}至{text.high}{basis}）"
    )


# ---- the document -------------------------------------------------------------------------------


def _results_section(doc: DocumentType, ctx: _Context, cu: CampaignUnit) -> None:
    r = cu.result or {}
    category = cu.category
    heading(doc, 1, "评议结果")
    if cu.score is None:
        para(doc, "你单位本次没有收到有效评价（均为“不了解”或未作答），不计得分和名次。")
    else:
        parts = ""
        if r.get("assessment_score") is not None:
            parts = (
                f"（其中问卷得分{_score(r.get('questionnaire_score'))}分，"
                f"工作考核得分{_score(r['assessment_score'])}分）"
            )
        sentence = (
            f"你单位综合得分{_score(cu.score)}分{parts}，"
            f"在{category}类{ctx.ranked_in(category)}个参加排名的单位中排第{cu.rank}名"
        )
        replicates = (ctx.campaign.summary or {}).get("replicates") or 0
        if cu.rank_low is not None and cu.rank_high is not None:
            span = (
                f"第{cu.rank_low}名"
                if cu.rank_low == cu.rank_high
                else f"第{cu.rank_low}名至第{cu.rank_high}名"
            )
            sentence += f"；按评议表重复抽样{replicates}次估计，名次的95%区间为{span}"
        para(doc, sentence + "。")

    headline = ctx.campaign.headline
    other = "top_three" if headline == "top_two" else "top_two"
    other_name = "前三项满意率" if other == "top_three" else "前两项满意率"
    rates = [
        _rate_sentence(f"满意率（{ctx.rate_labels[headline]}）", r.get("headline")),
        _rate_sentence(f"{other_name}（{ctx.rate_labels[other]}）", r.get(other)),
    ]
    awareness = r.get("awareness")
    unscored = "、".join(f"“{u}”" for u in ctx.unscored) or "不计分选项"
    rates.append(
        "知晓率：无评价"
        if awareness is None
        else f"知晓率{_pct(awareness)}（全部评价中选择{unscored}以外选项的比例）"
    )
    para(
        doc,
        f"涉及你单位的评议表{r.get('sheets', 0)}份，评价{r.get('answers', 0)}项，"
        f"其中有效评价{r.get('valid_answers', 0)}项。" + "；".join(rates) + "。",
    )

    last = _last_place_sentence(ctx, cu)
    if last:
        para(doc, last)

    dims = r.get("dimensions") or {}
    para(doc, "各项评议内容得分如下：")
    table(
        doc,
        ["评议内容", "你单位得分", f"{category}类平均", "与平均相比"],
        [
            [
                d,
                _score(dims.get(d)),
                _score(mean := ctx.mean(category, "dimensions", d)),
                _diff(dims.get(d), mean),
            ]
            for d in ctx.dimensions
        ],
    )
    strata = r.get("strata") or {}
    para(doc, "各评议层面对你单位的评价如下（“—”表示该层面没有对你单位作出有效评价）：")
    table(
        doc,
        ["评议层面", "你单位得分", f"{category}类平均"],
        [[s, _score(strata.get(s)), _score(ctx.mean(category, "strata", s))] for s in ctx.strata],
    )
    weakest = results.weakest_dimensions(cu, order=ctx.dimensions)
    if weakest:
        named = "和".join(f"“{d}”（{_score(v)}分）" for d, v in weakest)
        lowest = "最低" if len(weakest) == 1 else "较低"
        para(doc, f"从各项评议内容看，你单位{named}得分{lowest}，应作为本次整改的重点。")


def _last_place_sentence(ctx: _Context, cu: CampaignUnit) -> str:
    category = cu.category
    if cu.last_place == LastPlace.LAST:
        return (
            f"你单位在{category}类中得分最低，且经重复抽样检验，与同类其他单位的差距"
            "可以区分，列为本类别末位。"
        )
    if cu.last_place == LastPlace.NOT_DISTINGUISHABLE:
        if ctx.ranked_in(category) <= 1:
            return f"{category}类只有你单位一个单位参加排名，不作末位认定。"
        tied = sum(1 for other in ctx.members.get(category, []) if other.rank == cu.rank)
        lowest = "并列最低" if tied > 1 else "最低"
        return (
            f"你单位在{category}类中得分{lowest}，但与同类其他单位的差距在统计上不能区分"
            "（末位不可区分），不列为末位。"
        )
    if cu.last_place == LastPlace.NOT_LAST:
        return f"你单位未列为{category}类末位。"
    return ""


def _opinions_section(doc: DocumentType, texts: Sequence[str]) -> None:
    heading(doc, 2, "群众意见建议")
    grouped = themes.group_opinions(texts)
    if not grouped:
        para(doc, "本次评议中，评议人没有对你单位提出书面意见建议。")
        return
    total = sum(t.size for t in grouped)
    para(
        doc,
        f"本次评议中，评议人对你单位提出书面意见建议{total}条。现按反映的问题归为"
        f"{len(grouped)}类，原文照录如下（内容相同的只列一次，注明反映人数）：",
    )
    number = 0
    for i, theme in enumerate(grouped, start=1):
        para(doc, f"（{cn_numeral(i)}）{theme.label}（{theme.size}条）", font=SUBHEADING_FONT)
        for text, count in zip(theme.texts, theme.counts, strict=True):
            number += 1
            para(doc, f"{number}. {text}" + (f"（{count}人反映）" if count > 1 else ""))


def _requirements_section(doc: DocumentType, ctx: _Context, cu: CampaignUnit) -> None:
    heading(doc, 3, "整改要求")
    weakest = results.weakest_dimensions(cu, order=ctx.dimensions)
    focus = f"重点针对{'和'.join(f'“{d}”' for d, _ in weakest)}方面的问题，" if weakest else ""
    provisional = (
        "（该日期按周一至周五推算，国家公布当年节假日安排后以实际工作日为准）"
        if ctx.deadline_provisional
        else ""
    )
    for text in (
        "（一）认真对照评议结果和上述意见建议，逐条查找问题、剖析原因，"
        f"{focus}研究制定整改方案，做到件件有回应、条条有着落。",
        f"（二）于{cn_date(ctx.deadline)}前（本通知书印发之日起{PLAN_WORKDAYS}个工作日内）"
        f"将整改方案报送{ctx.issuer}{provisional}。整改方案应逐项列明存在的问题、整改措施、"
        "完成时限、责任人和验收标准，并由单位主要负责人签字。",
        "（三）整改期间按要求报告进展情况；整改完成后报送整改情况报告，"
        "经验收合格后销号。对整改不力、敷衍塞责的，将予以通报并按规定追究责任。",
        "（四）评议实行无记名方式，评议表和意见建议不与评议人身份关联。"
        "各单位不得打听、追查评议人，不得以任何形式打击报复。",
    ):
        para(doc, text)


def _document(ctx: _Context, cu: CampaignUnit, opinions: Sequence[str]) -> bytes:
    if cu.result is None:
        raise ValidationError(NO_RESULTS)
    campaign = ctx.campaign
    summary = campaign.summary or {}
    doc = new_document()
    masthead(doc, ctx.issuer, doc_number(cu, ctx.serial.get(cu.pk)), title(cu))
    para(doc, f"{cu.unit.name}：", indent=False)
    tallied = timezone.localtime(campaign.tallied_at).date() if campaign.tallied_at else None
    when = f"已于{cn_date(tallied)}完成统计计分" if tallied else "已完成统计计分"
    para(
        doc,
        f"“{campaign.name}”{when}。本次评议共收回评议表{summary.get('sheets_total', 0)}份，"
        f"计入统计{summary.get('sheets_used', 0)}份。现将你单位的评议结果和评议人提出的意见建议"
        "通知如下，请认真研究，切实整改。",
    )
    _results_section(doc, ctx, cu)
    _opinions_section(doc, opinions)
    _requirements_section(doc, ctx, cu)
    signature(doc, ctx.issuer, ctx.issued_on)
    return to_bytes(doc)


@in_source_language
def build(cu: CampaignUnit, *, issued_on: date | None = None) -> bytes:
    """The unit's 整改通知书 as .docx bytes; ``issued_on`` (default today) dates it and starts
    the 15 working days. Refused while the campaign has no results."""
    ctx = _context(cu.campaign, issued_on)
    cu = next(m for members in ctx.members.values() for m in members if m.pk == cu.pk)
    return _document(ctx, cu, _opinions(cu))


@in_source_language
def build_all(campaign: Campaign, *, issued_on: date | None = None) -> bytes:
    """Every unit's notice in one zip (for the office), named ``001-<filename>`` in the order
    of the campaign's list so that equal unit names cannot collide."""
    ctx = _context(campaign, issued_on)
    by_unit: dict[int, list[str]] = defaultdict(list)
    rows: Iterable[tuple[int, str]] = Opinion.objects.filter(
        unit__campaign=campaign, sheet__excluded=False
    ).values_list("unit_id", "text")
    for unit_id, text in rows:
        by_unit[unit_id].append(text)
    units = sorted(
        (cu for members in ctx.members.values() for cu in members),
        key=lambda cu: ctx.serial[cu.pk],
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for cu in units:
            name = f"{ctx.serial[cu.pk]:03d}-{filename(cu)}"
            archive.writestr(name, _document(ctx, cu, by_unit.get(cu.pk, [])))
    return out.getvalue()
