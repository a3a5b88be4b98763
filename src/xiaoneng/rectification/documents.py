"""Word documents of rectification, in the 公文 layout of ``xiaoneng.web.worddoc``:

- **督办通知书** — the office's notice to a unit of a 挂牌督办: what is supervised, the plan's
  date, the 整改时限, the progress schedule, the supervising leader;
- **整改情况报告** — the unit's report: the problems, their causes by kind (seed 003's 思想观念、
  制度措施、干部素质、体制机制), each measure with its section, person, date and what was done,
  the progress reports, and the result.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.utils import timezone

from xiaoneng.i18n import chinese_labels, in_source_language
from xiaoneng.web.worddoc import (
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

from . import deadlines, services
from .deadlines import local_date
from .models import Measure, ProgressReport, Task

NOTICE_PREFIX = "效督办"


def _safe(name: str) -> str:
    return "".join("_" if c in '\\/:*?"<>|' else c for c in name).strip() or "整改"


def _plan_due(task: Task) -> date:
    if task.status == Task.Status.PLANNING and task.due_at:
        return local_date(task.due_at)
    return local_date(deadlines.after_workdays(task.opened_at, task.limit_days, 0).due_at)


@in_source_language
def notice(task: Task) -> bytes:
    """督办通知书 (.docx)."""
    office = issuer(task.unit)
    opened = local_date(task.opened_at)
    doc = new_document()
    masthead(
        doc,
        office,
        f"{NOTICE_PREFIX}〔{opened.year}〕{task.pk}号",
        f"关于对“{task.title}”挂牌督办的通知",
    )
    para(doc, f"{task.unit.name}：", indent=False)
    para(
        doc,
        f"根据{task.source_label}，经研究，决定对“{task.title}”实行挂牌督办"
        f"（任务编号{task.number}）。现将有关事项通知如下：",
    )
    heading(doc, 1, "督办事项")
    if task.description:
        para(doc, task.description)
    for n, problem in enumerate(task.problems.all(), start=1):
        para(doc, f"{n}. {problem.title}")
    heading(doc, 2, "工作要求")
    schedule = _schedule_sentence(task)
    leader = f"督办领导为{task.leader}。" if task.leader_id else ""
    for n, text in enumerate(
        (
            f"于{cn_date(_plan_due(task))}前（立项之日起{task.limit_days}个工作日内）报送整改方案，"
            "逐项列明整改内容、整改措施、整改时限、责任部门和责任人、检查验收标准，"
            "由单位主要负责人签字。",
            f"于{cn_date(local_date(task.complete_by))}前完成整改。{schedule}"
            if task.complete_by
            else schedule,
            "整改完成后报送整改情况报告和佐证材料，经验收合格后销号。确需延期的，"
            "应在期限届满前书面申请并说明理由。",
            f"对整改不力、逾期未完成的，将予以通报，并按规定追究有关人员责任。{leader}",
        ),
        start=1,
    ):
        if text:
            para(doc, f"（{cn_numeral(n)}）{text}")
    signature(doc, office, opened)
    return to_bytes(doc)


def _schedule_sentence(task: Task) -> str:
    if task.progress_every_days:
        return f"整改期间每{task.progress_every_days}天报告一次整改进展。"
    if task.progress_dates:
        days = "、".join(cn_date(date.fromisoformat(x)) for x in task.progress_dates)
        return f"整改期间于{days}报告整改进展。"
    return ""


def notice_filename(task: Task) -> str:
    return f"{_safe(task.unit.name)}挂牌督办通知书（{task.number}）.docx"


@in_source_language
def report(task: Task) -> bytes:
    """整改情况报告 (.docx), as far as the rectification has got."""
    plan = services.approved_plan(task)
    measures: list[Measure] = (
        list(plan.measures.select_related("problem", "responsible_unit", "person")) if plan else []
    )
    doc = new_document()
    title = f"{task.unit.name}关于{task.title}整改情况的报告"
    masthead(doc, task.unit.name, f"（{task.number}）", title)
    para(doc, f"{issuer(task.unit)}：", indent=False)
    para(doc, f"根据{task.source_label}的要求，现将我单位整改情况报告如下：")
    heading(doc, 1, "存在问题")
    for n, problem in enumerate(task.problems.all(), start=1):
        para(doc, f"{n}. {problem.title}")
    heading(doc, 2, "原因分析")
    by_kind: dict[str, list[str]] = defaultdict(list)
    for m in measures:
        if m.cause and m.cause not in by_kind[m.cause_kind]:
            by_kind[m.cause_kind].append(m.cause)
    if by_kind:
        for n, (kind, label) in enumerate(
            [(k, v) for k, v in chinese_labels(Measure.CauseKind).items() if by_kind.get(k)],
            start=1,
        ):
            para(doc, f"（{cn_numeral(n)}）{label}方面：{'；'.join(by_kind[kind])}。")
    else:
        para(doc, "（整改方案尚未审核通过。）")
    heading(doc, 3, "整改措施及完成情况")
    if measures:
        table(
            doc,
            ["序号", "问题", "整改措施", "责任部门", "责任人", "完成时限", "完成情况"],
            [
                [
                    m.order,
                    m.problem.title,
                    m.action,
                    m.responsible_unit.name,
                    m.person.name,
                    f"{m.due_date:%Y-%m-%d}",
                    m.done_note or "正在整改",
                ]
                for m in measures
            ],
        )
    elif task.measures:
        para(doc, task.measures)
    filed = task.progress.filter(status=ProgressReport.Status.FILED).order_by("filed_at")
    heading(doc, 4, "整改进展")
    if filed:
        for r in filed:
            para(doc, f"{cn_date(local_date(r.filed_at))}：{r.text}")
    else:
        para(doc, "尚未报告整改进展。")
    heading(doc, 5, "整改成效")
    para(doc, task.completion_summary or "整改正在进行中，完成后另行报告。")
    when = local_date(task.completion_reported_at) if task.completion_reported_at else None
    signature(doc, task.unit.name, when or timezone.localdate())
    return to_bytes(doc)


def report_filename(task: Task) -> str:
    return f"{_safe(task.unit.name)}整改情况报告（{task.number}）.docx"
