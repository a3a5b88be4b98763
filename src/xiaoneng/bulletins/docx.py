"""投诉定期通报 as a Word document (python-docx), in the usual 公文 layout.

Only numbers, categories, units and complaint numbers appear: never a complainant's name or
contact, nor the complaint's title or text (which the complainant typed and may name people).
The layout helpers (fonts with ``w:eastAsia``, headings, tables, masthead) are shared with the
other Word documents in ``xiaoneng.web.worddoc``.
"""

from __future__ import annotations

from functools import partial

from django.utils import timezone

from xiaoneng.accountability.figures import Tally
from xiaoneng.i18n import in_source_language
from xiaoneng.web import rates
from xiaoneng.web.worddoc import (
    heading,
    masthead,
    new_document,
    para,
    signature,
    table,
    to_bytes,
)
from xiaoneng.web.worddoc import issuer as office_issuer

from .services import Figures


def _fmt(value: object) -> str:
    """Cell text: floats in the bulletin's tables are all percentages."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}%"
    return str(value)


_table = partial(table, fmt=_fmt)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _trend_sentence(fig: Figures) -> str:
    prev = fig.previous
    if prev is None:
        return ""
    diff = fig.total - prev.total
    if prev.total == 0:
        return f"上期收到{prev.total}件。"
    pct = abs(diff) / prev.total * 100
    if diff > 0:
        return f"比上期（{prev.total}件）增加{diff}件，上升{pct:.1f}%。"
    if diff < 0:
        return f"比上期（{prev.total}件）减少{-diff}件，下降{pct:.1f}%。"
    return f"与上期（{prev.total}件）持平。"


def issuer(fig: Figures) -> str:
    """发文机关: the city's name before the office's, e.g. 示范市机关效能建设领导小组办公室."""
    return office_issuer(fig.base)


def title(fig: Figures) -> str:
    subject = fig.unit.name if fig.unit is not None else ""
    return f"关于{subject}{fig.period.label}效能投诉办理情况的通报"


@in_source_language
def build(fig: Figures) -> bytes:
    """The 通报 as .docx bytes."""
    doc = new_document()
    masthead(doc, issuer(fig), fig.period.doc_number, title(fig))
    para(doc, "各单位：", indent=False)
    cut_off = timezone.localtime(fig.as_of)
    para(
        doc,
        f"现将{fig.period.label}全市效能投诉办理情况通报如下（数据截至{cut_off:%Y年%m月%d日}）："
        if fig.unit is None
        else f"现将{fig.period.label}{fig.unit.name}效能投诉办理情况通报如下"
        f"（数据截至{cut_off:%Y年%m月%d日}）：",
    )

    heading(doc, 1, "总体情况")
    para(
        doc,
        f"{fig.period.label}共收到效能投诉{fig.total}件，{_trend_sentence(fig)}"
        f"其中受理{fig.accepted}件，不予受理{fig.declined}件，待受理{fig.awaiting}件，并单办理{fig.merged}件；"
        f"已办结{fig.closed}件，重新办理{fig.reopened}件，超期督办{fig.escalated}件。",
    )
    if fig.comparison:
        _table(
            doc,
            ["指标", "本期", "上期", "增减"],
            [
                [
                    r["label"],
                    _value(r["now"], r["unit"]) + (f"（{r['now_n']}）" if r["now_n"] else ""),
                    _value(r["prev"], r["unit"]) + (f"（{r['prev_n']}）" if r["prev_n"] else ""),
                    _delta(r["delta"], r["unit"]),
                ]
                for r in fig.comparison
            ],
        )

    heading(doc, 2, "分类情况")
    para(doc, "（一）按投诉渠道", indent=True)
    _table(
        doc,
        ["投诉渠道", "件数", "占比"],
        [[r.label, r.count, r.share] for r in fig.by_channel],
    )
    para(doc, "（二）按投诉类别", indent=True)
    _table(
        doc,
        ["投诉类别", "件数", "占比"],
        [[r.label, r.count, r.share] for r in fig.by_category if r.count] or [["无", 0, None]],
    )

    heading(doc, 3, "办理情况")
    para(
        doc,
        f"经调查，属实{fig.finding_count('true')}件，部分属实{fig.finding_count('partly')}件，"
        f"不属实{fig.finding_count('false')}件，尚无结论"
        f"{next(r.count for r in fig.findings if r.key == 'pending')}件，"
        f"属实率（含部分属实）{rates.figure_text(fig.figures['substantiated'])}。"
        f"回访满意{fig.satisfied}件、不满意{fig.dissatisfied}件、尚未回访{fig.not_visited}件，"
        f"满意率{rates.figure_text(fig.figures['satisfaction'])}。",
    )
    _table(
        doc,
        ["办理环节", "按时", "超时", "未到期", "按时办理率"],
        [
            [s.label, s.on_time, s.late, s.pending, rates.figure_text(fig.figures[s.step])]
            for s in fig.steps
        ],
    )
    if fig.ranking:
        para(doc, "各单位投诉及承办单位按时办理情况如下：")
        _table(
            doc,
            [
                "排名",
                "单位",
                "投诉件数",
                "属实及部分属实",
                "承办按时办理率（按时/已评判）",
                "95%置信区间",
                "按时率排名",
            ],
            [
                [
                    r.rank_by_count,
                    r.name,
                    r.complaints,
                    r.substantiated,
                    rates.rate_text(r.rate) if r.rate else "—",
                    rates.interval(r.rate) if r.rate else "—",
                    rates.rank_text(r.rate) if r.rate else "—",
                ]
                for r in fig.ranking
            ],
        )
        para(doc, _bottom_sentence(fig))
        if fig.rate_ranking is not None:
            para(doc, rates.rule_note(fig.rate_ranking.rule), indent=False, size=9)

    heading(doc, 4, "存在问题")
    if fig.overdue:
        escalated = sum(i.escalated for i in fig.overdue)
        para(
            doc,
            f"超过办理时限的环节{len(fig.overdue)}个，其中列入督办{escalated}个，明细如下："
            "（“往期”为本期以前收到、截至本期末仍超期未办结的投诉）",
        )
        _table(
            doc,
            ["投诉编号", "承办单位", "类别", "环节", "超期（工作日）", "状态", "督办"],
            [
                [
                    i.number + ("（往期）" if i.earlier else ""),
                    i.unit,
                    i.category,
                    i.step,
                    i.days_over,
                    "已办理（超时）" if i.finished else "仍未办理",
                    "是" if i.escalated else "否",
                ]
                for i in fig.overdue
            ],
        )
    else:
        para(doc, "本期各环节均在规定时限内办理，未发现超期情况。")

    heading(doc, 5, "整改落实情况")
    _rectification(doc, fig)

    section = 6
    if fig.accountability is not None:
        heading(doc, section, "责任追究情况")
        _accountability(doc, fig.accountability)
        section += 1

    heading(doc, section, "下一步要求")
    for text in (
        "（一）各单位要严格落实有诉必理、有理必果、有果必复的要求，在规定时限内查明情况、"
        "提交调查结论，杜绝超期。",
        "（二）对经查属实的问题，要举一反三，认真整改，并按规定追究有关人员责任。",
        "（三）对列入督办的事项，承办单位要在收到本通报后3个工作日内办结并书面报告。",
        "（四）各单位要切实保护投诉人的合法权益，严禁泄露投诉人信息，严禁打击报复。",
    ):
        para(doc, text)

    signature(doc, issuer(fig), timezone.localdate())
    if fig.audit_anchor is not None:
        para(doc, "")
        point = fig.audit_anchor
        para(
            doc,
            f"审计日志锚点：第 {point.seq} 条，哈希 {point.hash}。请随通报存档：运维人员据此"
            f"可核对审计日志此后未被截短或改写（xiaoneng audit verify --expect {point}）。",
            indent=False,
            size=9,
        )
    return to_bytes(doc)


def _rectification(doc, fig: Figures) -> None:
    total = fig.rectification_total
    if total is None or not total.due:
        para(doc, "本期没有到期的整改任务。")
        return
    para(
        doc,
        f"本期到期的整改任务{total.due}件，已完成{total.completed}件，其中按期完成"
        f"{total.on_time}件；整改完成率{_rate(total.completion_rate)}，按期完成率"
        f"{_rate(total.on_time_rate)}；超过整改时限仍未完成{total.overdue_open}件。各单位情况如下：",
    )
    _table(
        doc,
        [
            "单位",
            "应完成",
            "已完成",
            "按期完成",
            "整改完成率",
            "95%置信区间",
            "完成率排名",
            "按期完成率",
            "超期未完成",
        ],
        [
            [
                r.name,
                r.due,
                r.completed,
                r.on_time,
                r.completion_rate,
                rates.interval(rate),
                rates.rank_text(rate),
                r.on_time_rate,
                r.overdue_open,
            ]
            for r, rate in fig.rectification_lines
        ],
    )


def _accountability(doc, tally: Tally) -> None:
    if not tally.opened and not tally.sanctions and not tally.appeals:
        para(doc, "本期没有新立案的效能问题线索，也没有作出处理决定。")
        return
    causes = "、".join(f"{r.label}{r.count}件" for r in tally.opened_by_cause) or "无"
    para(
        doc,
        f"本期立案效能问题线索{tally.opened}件（{causes}），涉及责任人{tally.persons}人次，"
        f"其中不予追究{tally.dismissed}人次；作出处理决定{tally.sanctions}人次；"
        f"受理申诉{tally.appeals}件。处理决定按处理方式统计如下：",
    )
    _table(
        doc,
        ["处理方式", "件数"],
        [[r.label, r.count] for r in tally.by_sanction if r.count],
    )


def _bottom_sentence(fig: Figures) -> str:
    """Who is 末位 by 承办按时办理率 — only a unit its data sets apart (docs/statistics.md §10)."""
    bottom = fig.bottom_units
    if bottom:
        names = "、".join(r.name for r in bottom)
        return (
            f"按承办按时办理率，{names}的置信区间整体低于其他参加排名的单位，列为末位，"
            "请认真分析原因，限期整改。"
        )
    ranked = fig.rate_ranking.ranked_count if fig.rate_ranking is not None else 0
    if ranked < 2:
        return "各单位已评判的办理环节较少，承办按时办理率样本不足，本期不排末位。"
    return "各单位承办按时办理率的差异均在置信区间以内，本期不认定末位。"


def _value(value, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}%" if unit == "%" else f"{value}{unit}"


def _delta(delta, unit: str) -> str:
    if delta is None:
        return "—"
    arrow = "↑" if delta > 0 else "↓" if delta < 0 else "→"
    text = f"{abs(delta):.1f}个百分点" if unit == "%" else f"{abs(int(delta))}{unit}"
    return f"{arrow}{text}"


def filename(fig: Figures) -> str:
    subject = fig.unit.name if fig.unit is not None else ""
    return f"{subject}{fig.period.label}效能投诉通报.docx"
