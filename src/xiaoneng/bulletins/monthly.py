"""效能通报 (the unified monthly bulletin): cases, complaints, 好差评, rectification, 明查暗访 and
责任追究 of one month in one page and one Word document.

Each section reads its figures through the function of the app that owns them, within the
reader's reach — 办件 ``casestats.unit_breakdown``, 投诉 and 整改 ``bulletins.services.compute``
(which reads ``rectification.figures``), 好差评 ``ratings.services.statistics``, 明查暗访
:func:`inspection_rows` (counts of visits and confirmed findings: the inspections app has no
monthly figure of its own; open data publishes the same rows), 责任追究
``accountability.figures.tally`` (only for a reader of the accountability pages). This module
lays them out; it does no arithmetic of its own beyond sums of those counts.

It is addressed to every unit and may be published, so per-unit counts of people's acts — the
complaints about a unit, the ratings of a unit — follow the open-data rule of small counts
(``opendata.suppression``): 1–4 is printed “不足5件”, with a second row when only one would be.
No person is named.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from xiaoneng.accounts.models import User
from xiaoneng.i18n import chinese_labels, in_source_language
from xiaoneng.opendata.suppression import suppressed
from xiaoneng.org.models import Unit
from xiaoneng.web.decorators import user_may_open
from xiaoneng.web.worddoc import (
    heading,
    issuer,
    masthead,
    new_document,
    para,
    signature,
    table,
    to_bytes,
)

from . import services
from .drafts import Draft, _accountability_section, complaint_sections, rectification_section
from .models import Kind
from .snapshot import Section, Table, rate

FEW = "不足5件"


# ---- 明查暗访 per unit and month ----------------------------------------------------------------


@dataclass(frozen=True)
class InspectionRow:
    """One unit's 明查暗访 in a month: visits made (recorded), visits whose review is done, and
    the confirmed findings (standing) by check-item category."""

    unit_id: int
    unit: str
    visits: int
    reviewed: int
    findings: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.findings.values())


def inspection_rows(visits: QuerySet, first: date, last: date) -> list[InspectionRow]:
    """Visits made on ``first``..``last`` (local dates, recording ones left out) per unit — a
    service window's under the unit above it — with their standing findings by category.
    ``visits`` is already scoped to the reader."""
    from xiaoneng.inspections.models import Finding, Visit

    month = visits.filter(visited_on__gte=first, visited_on__lte=last).exclude(
        status=Visit.Status.RECORDING
    )
    rows = list(
        month.values_list("unit_id", "unit__name", "unit__kind", "unit__parent_id", "status")
    )
    # A service window's visits count under the unit above it: a window is a few people.
    parents = {p for _u, _n, kind, p, _s in rows if kind == Unit.Kind.WINDOW and p is not None}
    parent_names = dict(Unit.objects.filter(pk__in=parents).values_list("pk", "name"))

    def owner(unit_id: int, name: str, kind: str, parent_id: int | None) -> tuple[int, str]:
        if kind == Unit.Kind.WINDOW and parent_id is not None:
            return parent_id, parent_names[parent_id]
        return unit_id, name

    per_unit: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    names: dict[int, str] = {}
    for unit_id, name, kind, parent_id, status in rows:
        key, label = owner(unit_id, name, kind, parent_id)
        per_unit[key][0] += 1
        per_unit[key][1] += status == Visit.Status.REVIEWED
        names[key] = label
    categories: dict[int, Counter[str]] = defaultdict(Counter)
    for unit_id, name, kind, parent_id, category in (
        Finding.objects.confirmed()
        .filter(visit__in=month.values("pk"))
        .values_list(
            "visit__unit_id",
            "visit__unit__name",
            "visit__unit__kind",
            "visit__unit__parent_id",
            "item__category",
        )
    ):
        categories[owner(unit_id, name, kind, parent_id)[0]][category or "other"] += 1
    return sorted(
        (
            InspectionRow(unit_id, names[unit_id], counts[0], counts[1], dict(categories[unit_id]))
            for unit_id, counts in per_unit.items()
        ),
        key=lambda r: (-r.visits, r.unit),
    )


def _inspection_section(user: User, first: date, last: date) -> Section:
    from xiaoneng.inspections.models import CheckItem, Visit

    rows = inspection_rows(Visit.objects.visible_to(user), first, last)
    labels = chinese_labels(CheckItem.Category)
    head = ("单位", "检查次数", "已审核", *labels.values(), "问题合计")
    lines = tuple(
        (
            r.unit,
            str(r.visits),
            str(r.reviewed),
            *(str(r.findings.get(key, 0)) for key in labels),
            str(r.total),
        )
        for r in rows
    )
    visits = sum(r.visits for r in rows)
    found = sum(r.total for r in rows)
    return Section(
        "明查暗访情况",
        (f"本月明查暗访{visits}次（{len(rows)}个单位、窗口），确认问题{found}个。",),
        (Table(head, lines),) if lines else (),
    )


# ---- the other sections -------------------------------------------------------------------------


def _cases_section(user: User, period: services.Period, now: datetime) -> Section:
    from xiaoneng.casestats import services as casestats

    scope = casestats.scope_of(user)
    frame = casestats.frame_for(scope, scope.base)
    month = period.first_day
    filters = casestats.Filters(
        casestats.Period(f"m{month:%Y-%m}", month, month, casestats.month_label(month))
    )
    rows = casestats.unit_breakdown(user, filters, frame, now)
    finished = sum(r.figures.finished for r in rows)
    on_time = sum(r.figures.on_time for r in rows)
    return Section(
        "办件情况",
        (f"本月办结{finished}件，按时办结率{rate(on_time, finished)}。",),
        (
            Table(
                ("单位", "办结", "按时办结", "按时办结率", "黄牌", "红牌"),
                tuple(
                    (
                        r.label,
                        str(r.figures.finished),
                        str(r.figures.on_time),
                        rate(r.figures.on_time, r.figures.finished),
                        str(r.figures.yellow_cards),
                        str(r.figures.red_cards),
                    )
                    for r in rows
                ),
            ),
        )
        if rows
        else (),
    )


def _complaints_section(fig: services.Figures) -> Section:
    """The complaint bulletin's 总体情况 and its units, small counts withheld."""
    overall = complaint_sections(fig, overdue=False)[0]
    hidden = suppressed([r.complaints for r in fig.ranking])
    lines = tuple(
        (r.name, FEW, FEW, "—")
        if i in hidden
        else (
            r.name,
            str(r.complaints),
            str(r.substantiated),
            rate(r.handle_on_time, r.handle_judged),
        )
        for i, r in enumerate(fig.ranking)
    )
    units = Table(("单位", "投诉件数", "属实及部分属实", "承办按时办理率"), lines, "各单位")
    return Section(
        "效能投诉情况", overall.paragraphs, (*overall.tables, units) if lines else overall.tables
    )


def _ratings_section(user: User, period: services.Period, now: datetime) -> Section:
    from xiaoneng.ratings import services as ratings
    from xiaoneng.ratings.models import Rating

    last = period.next_first_day - timedelta(days=1)
    rated = Rating.objects.visible_to(user).filter(ratings.period_bounds(period.first_day, last))
    rows = ratings.statistics(rated, "unit", now=now)
    total = ratings.totals(rows)
    hidden = suppressed([r.total for r in rows])
    lines = tuple(
        (r.name, FEW, FEW, "—")
        if i in hidden
        else (r.name, str(r.total), str(r.bad), rate(r.good, r.total))
        for i, r in enumerate(rows)
    )
    return Section(
        "好差评情况",
        (
            f"本月收到服务评价{total.total}件，差评{total.bad}件，"
            f"满意率{rate(total.good, total.total)}。",
        ),
        (Table(("单位", "评价件数", "差评", "满意率"), lines),) if lines else (),
    )


def sections(user: User, period: services.Period, now: datetime) -> tuple[Section, ...]:
    fig = services.compute(user, period, None, now=now, with_previous=False)
    last = period.next_first_day - timedelta(days=1)
    parts = [
        _cases_section(user, period, now),
        _complaints_section(fig),
        _ratings_section(user, period, now),
        rectification_section(fig),
        _inspection_section(user, period.first_day, last),
    ]
    if user_may_open(user, "accountability:stats") and fig.accountability is not None:
        parts.append(_accountability_section(fig.accountability, "责任追究情况"))
    return tuple(parts)


def _root() -> Unit | None:
    roots = list(Unit.objects.filter(parent__isnull=True)[:2])
    return roots[0] if len(roots) == 1 else None


def draft(user: User, period: services.Period) -> Draft:
    now = timezone.now()
    parts = sections(user, period, now)
    office = issuer(_root())
    title = f"关于{period.label}机关效能建设情况的通报"
    return Draft(
        kind=Kind.MONTHLY,
        source_key=period.key,
        unit=None,
        title=title,
        scope=f"{period.label}",
        issuer=office,
        as_of=now,
        sections=parts,
        word=lambda: word(office, "效能通报〔草稿〕", title, period, now, parts),
    )


@in_source_language
def word(
    office: str,
    number: str,
    title: str,
    period: services.Period,
    as_of: datetime,
    parts: tuple[Section, ...],
) -> bytes:
    """The monthly 效能通报 in the 公文 layout of ``web.worddoc``."""
    doc = new_document()
    masthead(doc, office, number, title)
    para(doc, "各单位：", indent=False)
    cut_off = timezone.localtime(as_of)
    para(
        doc,
        f"现将{period.label}机关效能建设情况通报如下（数据截至{cut_off:%Y年%m月%d日}）：",
    )
    for i, s in enumerate(parts, 1):
        heading(doc, i, s.title)
        for text in s.paragraphs:
            para(doc, text)
        for t in s.tables:
            if t.caption:
                para(doc, t.caption, indent=False, bold=True)
            table(doc, list(t.head), [list(r) for r in t.rows])
    signature(doc, office, timezone.localdate(as_of))
    return to_bytes(doc)
