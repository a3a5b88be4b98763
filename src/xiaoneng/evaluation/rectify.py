"""下发整改通知书: after a 千人评议 is published, each evaluated unit gets its 整改通知书 and one
整改任务 (``xiaoneng.rectification``) that follows it up.

The task's problems are the notice's: one per theme of the evaluators' opinions (the same
grouping as the notice, ``themes.py``), the opinions quoted verbatim in its details, and, when
the unit has scores, its weakest dimensions; a unit found 末位 has that as a problem too. Its
整改方案 is due ``notice.PLAN_WORKDAYS`` (15) working days after the issue — the date the
notice prints — and the 整改时限 is the office's choice. A unit with no results and no opinions
gets no task (its notice has nothing to rectify).
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.deadlines import local_date
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import SourceKind, SourceRef
from xiaoneng.workflow import Actor, actor_role

from . import notice, results, themes
from .models import OFFICE_ONLY, Campaign, CampaignUnit, Opinion


def _problems(cu: CampaignUnit, texts: list[str], dimensions: list[str]):
    problems = []
    for theme in themes.group_opinions(texts):
        quoted = [
            f"{n}. {text}" + (f"（{count}人反映）" if count > 1 else "")
            for n, (text, count) in enumerate(zip(theme.texts, theme.counts, strict=True), 1)
        ]
        problems.append(
            rectification.ProblemIn(f"群众意见：{theme.label}（{theme.size}条）", "\n".join(quoted))
        )
    weakest = results.weakest_dimensions(cu, order=dimensions)
    if weakest:
        named = "、".join(f"{d}（{score:.2f}分）" for d, score in weakest)
        problems.append(rectification.ProblemIn(f"评议得分较低的方面：{named}"))
    if cu.last_place == CampaignUnit.LastPlace.LAST:
        problems.append(rectification.ProblemIn(f"在{cu.category}类中列为末位"))
    return problems


def issued(campaign: Campaign) -> dict[int, Task]:
    """The notices' tasks already issued, by campaign unit."""
    return rectification.tasks_for(
        SourceKind.EVALUATION, campaign.units.values_list("pk", flat=True)
    )


def issued_on(campaign: Campaign) -> date | None:
    """The day the notices were issued (their 15 working days count from it), if they were."""
    first = min((t.opened_at for t in issued(campaign).values()), default=None)
    return local_date(first) if first else None


@transaction.atomic
def issue_notices(
    actor: Actor,
    campaign: Campaign,
    *,
    complete_by: date | None,
    issued_at: datetime | None = None,
) -> list[Task]:
    """下发整改通知书: one 整改任务 per evaluated unit with something to rectify. ``issued_at``
    dates the issue when it is recorded afterwards (the demo's history); default now."""
    if actor_role(actor) not in OFFICE_ONLY:
        raise PermissionDenied("只有效能办可以下发整改通知书")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.is_published:
        raise ValidationError("评议结果公布后才能下发整改通知书")
    if issued(campaign):
        raise ValidationError("该评议活动的整改通知书已经下发")
    if complete_by is None:
        raise ValidationError({"complete_by": "请填写整改时限"})
    dimensions = list(campaign.dimensions.values_list("name", flat=True))
    units = list(campaign.units.select_related("unit").order_by("sort_order", "pk"))
    by_unit: dict[int, list[str]] = {}
    for unit_id, text in Opinion.objects.filter(
        unit__campaign=campaign, sheet__excluded=False
    ).values_list("unit_id", "text"):
        by_unit.setdefault(unit_id, []).append(text)
    tasks = []
    for serial, cu in enumerate(units, start=1):
        cu.campaign = campaign
        if cu.result is None and not by_unit.get(cu.pk):
            continue
        problems = _problems(cu, by_unit.get(cu.pk, []), dimensions)
        if not problems:
            continue
        tasks.append(
            rectification.open_task(
                actor,
                rectification.OpenTask(
                    source=SourceRef(
                        SourceKind.EVALUATION,
                        cu.pk,
                        f"{campaign.name}整改通知书（{notice.doc_number(cu, serial)}）",
                        f"/office/evaluations/{campaign.pk}/notices/{cu.pk}.docx",
                        public=True,
                    ),
                    unit=cu.unit,
                    title=f"{campaign.year}年度群众评议意见整改",
                    problems=tuple(problems),
                    limit_days=notice.PLAN_WORKDAYS,
                    complete_by=complete_by,
                    opened_at=issued_at,
                ),
            )
        )
    return tasks
