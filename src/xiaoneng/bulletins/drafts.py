"""Drafts (草稿/预览) of every kind of bulletin: the live figures, ready to be issued.

A :class:`Draft` is what the office sees before it issues: the title, scope, cut-off, the
content as :mod:`.snapshot` sections (computed by each app's own figure functions — this module
only lays them out as text) and a function that writes the Word document. Issuing
(:mod:`.issuing`) freezes the sections and the Word under a number. Nothing here writes.

Sources: the complaint bulletin (:mod:`.services`), the 明查暗访 bulletin of a plan
(``inspections.bulletin``), the published 绩效考评 results (``assessment.documents``) and, for
the monthly 效能通报, :mod:`.monthly`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from xiaoneng.accounts.models import User
from xiaoneng.i18n import chinese, in_source_language
from xiaoneng.org.models import Unit

from . import docx, services
from .models import Kind
from .snapshot import Section, Table, cell, rate

#: What a preview shows where the number will be.
UNNUMBERED = "（草稿，签发时编号）"


@dataclass(frozen=True)
class Draft:
    kind: str
    source_key: str
    unit: Unit | None
    title: str
    scope: str
    issuer: str
    as_of: datetime
    sections: tuple[Section, ...]
    word: Callable[[], bytes]


# ---- 效能投诉通报 ----------------------------------------------------------------------------


def _accountability_section(tally: object, title: str) -> Section:
    from xiaoneng.accountability.figures import Tally

    assert isinstance(tally, Tally)
    rows: list[tuple[str, str]] = [
        ("立案（新发现的违规线索，件）", str(tally.opened)),
        ("涉及责任人（人次）", str(tally.persons)),
        ("不予追究（人次）", str(tally.dismissed)),
        ("作出处理决定（人次）", str(tally.sanctions)),
        *((f"处理：{chinese(r.label)}", str(r.count)) for r in tally.by_sanction),
        ("提出申诉", str(tally.appeals)),
    ]
    return Section(
        title,
        ("只列件数，不列个人。",),
        (Table(("项目", "件（人）数"), tuple(rows)),),
    )


def complaint_sections(fig: services.Figures, *, overdue: bool = True) -> tuple[Section, ...]:
    """The complaint bulletin's figures as sections (the page and the Word say the same)."""
    f = fig.figures
    overall = Section(
        "总体情况",
        (
            f"{fig.period.label}共收到效能投诉{fig.total}件，其中受理{fig.accepted}件，"
            f"不予受理{fig.declined}件，待受理{fig.awaiting}件，并单办理{fig.merged}件；"
            f"已办结{fig.closed}件，"
            f"重新办理{fig.reopened}件，超期督办{fig.escalated}件。",
        ),
        (
            Table(
                ("指标", "数值"),
                (
                    ("收到投诉", f"{fig.total}件"),
                    ("受理", f"{fig.accepted}件"),
                    ("属实率（含部分属实）", rate(f["substantiated"].successes, fig.decided)),
                    ("按时办理率（各环节）", rate(f["overall"].successes, f["overall"].n)),
                    ("回访满意率", rate(fig.satisfied, fig.satisfied + fig.dissatisfied)),
                    ("超期督办", f"{fig.escalated}件"),
                ),
            ),
        ),
    )
    kinds = Section(
        "分类情况",
        tables=(
            Table(
                ("渠道", "件数", "占比"),
                tuple((r.label, str(r.count), cell(r.share, "%")) for r in fig.by_channel),
                "按投诉渠道",
            ),
            Table(
                ("类别", "件数", "占比"),
                tuple((r.label, str(r.count), cell(r.share, "%")) for r in fig.by_category),
                "按投诉类别",
            ),
        ),
    )
    handling = Section(
        "办理情况",
        tables=(
            Table(
                ("调查结论", "件数", "占受理"),
                tuple((r.label, str(r.count), cell(r.share, "%")) for r in fig.findings),
                "调查结论",
            ),
            Table(
                ("环节", "按时", "超时", "未到期", "按时办理率"),
                tuple(
                    (
                        s.label,
                        str(s.on_time),
                        str(s.late),
                        str(s.pending),
                        rate(s.on_time, s.judged),
                    )
                    for s in fig.steps
                ),
                "各环节按时办理",
            ),
            Table(
                ("单位", "投诉件数", "属实及部分属实", "承办按时办理率", "名次（按件数）"),
                tuple(
                    (
                        r.name,
                        str(r.complaints),
                        str(r.substantiated),
                        rate(r.handle_on_time, r.handle_judged),
                        str(r.rank_by_count),
                    )
                    for r in fig.ranking
                ),
                "单位情况",
            ),
        ),
    )
    sections = [overall, kinds, handling]
    if overdue:
        sections.append(
            Section(
                "超期事项",
                () if fig.overdue else ("没有超期事项。",),
                (
                    Table(
                        ("投诉编号", "承办单位", "环节", "超期（工作日）", "情况"),
                        tuple(
                            (
                                o.number,
                                o.unit,
                                o.step,
                                str(o.days_over),
                                ("往期，" if o.earlier else "")
                                + ("已办理（超时）" if o.finished else "仍未办理"),
                            )
                            for o in fig.overdue
                        ),
                    ),
                )
                if fig.overdue
                else (),
            )
        )
    sections.append(rectification_section(fig))
    if fig.accountability is not None:
        sections.append(_accountability_section(fig.accountability, "责任追究情况"))
    return tuple(sections)


def rectification_section(fig: services.Figures) -> Section:
    total = fig.rectification_total
    rows = tuple(
        (
            r.name,
            str(r.due),
            str(r.completed),
            str(r.on_time),
            str(r.overdue_open),
            rate(r.completed, r.due),
        )
        for r in fig.rectification
    )
    if total is not None and fig.rectification:
        rows += (
            (
                "合计",
                str(total.due),
                str(total.completed),
                str(total.on_time),
                str(total.overdue_open),
                rate(total.completed, total.due),
            ),
        )
    head = ("责任单位", "应完成", "已完成", "按期完成", "超期未完成", "整改完成率")
    return Section(
        "整改落实情况",
        () if rows else ("本期没有到期的整改任务。",),
        (Table(head, rows),) if rows else (),
    )


def complaints_draft(user: User, period: services.Period, unit: Unit | None) -> Draft:
    fig = services.compute(user, period, unit)
    return Draft(
        kind=Kind.COMPLAINTS,
        source_key=period.key,
        unit=unit,
        title=docx.title(fig),
        scope=f"{period.label}收到的投诉" + (f"（{unit.name}及其下属单位）" if unit else ""),
        issuer=docx.issuer(fig),
        as_of=fig.as_of,
        sections=complaint_sections(fig),
        word=lambda: docx.build(fig),
    )


# ---- 明查暗访通报 ------------------------------------------------------------------------------


def _points(value: Decimal) -> str:
    return f"{value.normalize():f}"


def inspection_draft(user: User, plan_id: str) -> Draft:
    from xiaoneng.inspections import bulletin as inspection
    from xiaoneng.inspections.models import Plan

    try:
        plan = Plan.objects.visible_to(user).get(pk=int(plan_id))
    except (ValueError, Plan.DoesNotExist):
        raise ValidationError("没有找到该检查计划，或您无权查看") from None
    b = inspection.build(plan, user)
    sections = (
        Section(
            "检查单位",
            (
                f"检查{len(b.visited)}个单位（窗口），经审核确认问题{b.total}个，合计扣{_points(b.deduction)}分。",
            ),
            (
                Table(
                    ("单位", "检查日期", "问题数", "扣分"),
                    tuple(
                        (v.name, f"{v.visited_on:%Y-%m-%d}", str(v.findings), _points(v.deduction))
                        for v in b.visited
                    ),
                ),
            )
            if b.visited
            else (),
        ),
        Section(
            "问题分类",
            tables=(
                Table(
                    ("类别", "问题数", "扣分"),
                    tuple(
                        (c.category, str(c.findings), _points(c.deduction)) for c in b.categories
                    ),
                ),
            )
            if b.categories
            else (),
        ),
        Section(
            "发现的问题",
            () if b.findings else ("没有经确认的问题。",),
            (
                Table(
                    ("单位", "检查日期", "类别", "检查项目", "扣分"),
                    tuple(
                        (
                            f.unit,
                            f"{f.visited_on:%Y-%m-%d}",
                            f.category,
                            f.item,
                            _points(f.deduction),
                        )
                        for f in b.findings
                    ),
                ),
            )
            if b.findings
            else (),
        ),
    )
    return Draft(
        kind=Kind.INSPECTION,
        source_key=str(plan.pk),
        unit=None,
        title=f"关于{plan.title}情况的通报",
        scope=f"{plan.title}（{plan.start:%Y-%m-%d}至{plan.end:%Y-%m-%d}）",
        issuer=b.issuer,
        as_of=timezone.now(),
        sections=sections,
        word=lambda: inspection.docx(b),
    )


# ---- 绩效考评结果通报 --------------------------------------------------------------------------


def assessment_draft(user: User, period_id: str) -> Draft:
    from xiaoneng.assessment import documents
    from xiaoneng.assessment.models import Period as AssessmentPeriod
    from xiaoneng.assessment.models import Result
    from xiaoneng.web.worddoc import issuer

    try:
        period = AssessmentPeriod.objects.get(pk=int(period_id))
    except (ValueError, AssessmentPeriod.DoesNotExist):
        raise ValidationError("没有找到该考评期") from None
    if period.status != AssessmentPeriod.Status.PUBLISHED:
        raise ValidationError("考评结果尚未公布，不能签发结果通报")
    results = list(
        Result.objects.filter(period=period)
        .select_related("unit", "category")
        .order_by("category__sort_order", "rank", "unit__sort_order")
    )
    by_category: dict[str, list[Result]] = {}
    for r in results:
        by_category.setdefault(r.category.name, []).append(r)
    sections = tuple(
        Section(
            f"{category}（{len(rows)}个单位）",
            tables=(
                Table(
                    ("单位", "名次", "总分", "区间", "等次"),
                    tuple(
                        (
                            r.unit.name,
                            str(r.rank) if r.rank else "—",
                            f"{r.score:.2f}" if r.score is not None else "无数据",
                            f"{r.low:.1f}～{r.high:.1f}"
                            if r.low is not None and r.high is not None
                            else "—",
                            r.grade or "—",
                        )
                        for r in rows
                    ),
                ),
            ),
        )
        for category, rows in by_category.items()
    )
    return Draft(
        kind=Kind.ASSESSMENT,
        source_key=str(period.pk),
        unit=None,
        title=f"关于{period.name}绩效考评结果的通报",
        scope=period.name,
        issuer=issuer(results[0].unit if results else None),
        as_of=period.published_at or timezone.now(),
        sections=sections,
        word=lambda: documents.report(period),
    )


# ---- dispatch ----------------------------------------------------------------------------------


@in_source_language
def build(user: User, kind: str, key: str, unit_id: str | None = None) -> Draft:
    """The draft of ``kind`` for ``key`` (a period such as 2026-10, a plan or an assessment
    period's id), refused with a Chinese message when the parameters are wrong."""
    if kind == Kind.COMPLAINTS:
        return complaints_draft(
            user, services.Period.parse(key), services.resolve_unit(user, unit_id)
        )
    if kind == Kind.INSPECTION:
        return inspection_draft(user, key)
    if kind == Kind.ASSESSMENT:
        return assessment_draft(user, key)
    if kind == Kind.MONTHLY:
        from . import monthly

        period = services.Period.parse(key)
        if period.is_quarter:
            raise ValidationError("效能通报按月编制，请选择月份")
        return monthly.draft(user, period)
    raise ValidationError("没有这种通报")
