"""明查暗访情况通报 of a plan: the same content as a page and as a Word document (公文 layout of
``xiaoneng.web.worddoc``): the units visited, the findings that stand by category, each finding
with its unit, the person concerned only where the plan names people, and the photos.

Only what the office confirmed (and did not withdraw) is reported; units of a 暗访 plan not yet
visited are not named.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone
from docx.shared import Cm

from xiaoneng.i18n import chinese_display, in_source_language
from xiaoneng.web.worddoc import (
    cn_date,
    heading,
    issuer,
    masthead,
    new_document,
    para,
    signature,
    table,
    to_bytes,
)

from .models import Finding, Plan, Visit


@dataclass(frozen=True)
class VisitedUnit:
    name: str
    visited_on: date
    findings: int
    deduction: Decimal


@dataclass(frozen=True)
class CategoryLine:
    category: str
    findings: int
    deduction: Decimal


@dataclass(frozen=True)
class FindingLine:
    finding_id: int
    unit: str
    visited_on: date
    category: str
    item: str
    note: str
    person: str  # "" unless the plan names people
    deduction: Decimal
    photo_ids: tuple[int, ...]  # the photos this reader may open


@dataclass(frozen=True)
class Bulletin:
    plan: Plan
    issuer: str
    day: date
    visited: tuple[VisitedUnit, ...]
    categories: tuple[CategoryLine, ...]
    findings: tuple[FindingLine, ...]
    total: int
    deduction: Decimal


def build(plan: Plan, user) -> Bulletin:
    visits = list(
        Visit.objects.filter(plan=plan)
        .exclude(status=Visit.Status.RECORDING)
        .select_related("unit")
        .order_by("visited_on", "unit__path")
    )
    findings = list(
        Finding.objects.confirmed()
        .filter(visit__in=visits)
        .select_related("visit__unit", "item", "person")
        .prefetch_related("photos")
        .order_by("visit__visited_on", "visit__unit__path", "pk")
    )
    readable = set(
        Finding.objects.visible_to(user)
        .filter(pk__in=[f.pk for f in findings])
        .values_list("pk", flat=True)
    )
    per_visit: dict[int, list[Finding]] = defaultdict(list)
    per_category: dict[str, list[Finding]] = defaultdict(list)
    lines = []
    for f in findings:
        per_visit[f.visit_id].append(f)
        category = chinese_display(f.item, "category") if f.item else "其他"
        per_category[category].append(f)
        lines.append(
            FindingLine(
                finding_id=f.pk,
                unit=f.visit.unit.name,
                visited_on=f.visit.visited_on,
                category=category,
                item=f.item.name if f.item else "其他问题",
                note=f.note,
                person=f.person.name if plan.name_people and f.person else "",
                deduction=f.deduction,
                photo_ids=tuple(p.pk for p in f.photos.all()) if f.pk in readable else (),
            )
        )
    visited = tuple(
        VisitedUnit(
            v.unit.name,
            v.visited_on,
            len(per_visit[v.pk]),
            sum((f.deduction for f in per_visit[v.pk]), Decimal(0)),
        )
        for v in visits
    )
    categories = tuple(
        CategoryLine(c, len(fs), sum((f.deduction for f in fs), Decimal(0)))
        for c, fs in sorted(per_category.items(), key=lambda kv: -len(kv[1]))
    )
    unit = visits[0].unit if visits else None
    return Bulletin(
        plan=plan,
        issuer=issuer(unit),
        day=timezone.localdate(),
        visited=visited,
        categories=categories,
        findings=tuple(lines),
        total=len(lines),
        deduction=sum((f.deduction for f in findings), Decimal(0)),
    )


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


@in_source_language
def docx(b: Bulletin, photos_per_finding: int = 2) -> bytes:
    """The bulletin as a Word document, with up to ``photos_per_finding`` photos a finding."""
    from .models import Photo

    plan = b.plan
    doc = new_document()
    masthead(doc, b.issuer, f"效能通报〔{b.day.year}〕{plan.pk}号", f"关于{plan.title}情况的通报")
    para(doc, "各单位：", indent=False)
    para(
        doc,
        f"{cn_date(plan.start)}至{cn_date(plan.end)}，按照机关效能建设工作安排，"
        f"对{len(b.visited)}个单位（窗口）进行了{plan.get_kind_display()}，"
        f"经审核确认问题{b.total}个，合计扣{_n(b.deduction)}分。现将有关情况通报如下：",
    )
    heading(doc, 1, "检查单位")
    table(
        doc,
        ["单位", "检查日期", "问题数", "扣分"],
        [(v.name, cn_date(v.visited_on), v.findings, _n(v.deduction)) for v in b.visited],
    )
    heading(doc, 2, "问题分类")
    if b.categories:
        table(
            doc,
            ["类别", "问题数", "扣分"],
            [(c.category, c.findings, _n(c.deduction)) for c in b.categories],
        )
    else:
        para(doc, "本次检查未发现问题。")
    heading(doc, 3, "发现的问题")
    for n, line in enumerate(b.findings, start=1):
        who = f"，当事人{line.person}" if line.person else ""
        note = f"：{line.note}" if line.note else ""
        para(doc, f"{n}. {line.unit}（{cn_date(line.visited_on)}）{line.item}{note}{who}。")
        for photo in Photo.objects.filter(pk__in=line.photo_ids[:photos_per_finding]):
            with photo.file.open("rb") as handle:
                doc.add_picture(io.BytesIO(handle.read()), width=Cm(7))
    heading(doc, 4, "工作要求")
    para(
        doc,
        "被通报单位要高度重视，认真查找原因，立即整改，并在规定时限内报送整改情况。"
        "对确认的问题，按照有关规定追究相关人员责任。",
    )
    signature(doc, b.issuer, b.day)
    return to_bytes(doc)
