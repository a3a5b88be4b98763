"""Running an evaluation campaign (评议活动): set-up, freezing the roster, the public draw,
codes, collection and the stages in between. The service modules of ``evaluation`` are this one,
``pool`` (the evaluator pool), ``sheets`` (answer sheets, paper entry, the review) and
``results`` (the tally and publication); the pages call only them for a change, and ``drafts``
for an evaluator's answers in progress.

Every change goes through a function here (or there): it runs in a transaction, takes the
campaign through the one table of what may be done in which stage (``STAGES``, the shared step
of ``xiaoneng.workflow``), and writes its audit entry. Stages, in order (``Campaign.Status``):

筹备 DRAFT → 名册冻结 FROZEN → 已抽取 DRAWN → 评议中 COLLECTING → 回收结束 CLOSED →
已计分 TALLIED → 已公布 PUBLISHED.

- The pool can change only in DRAFT; freezing publishes the canonical roster and its hash.
- The form (units, categories, dimensions, scale, weights) can change until the draw.
- The seed source is announced after the freeze; the seed is entered after it; the draw follows
  at once, by the public rules of ``xiaoneng.draw``.
"""

from __future__ import annotations

import itertools
import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from xiaoneng import crypto, draw, scoring
from xiaoneng.accounts.actors import Actor, is_person
from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese, chinese_display
from xiaoneng.workcalendar.services import get_calendar
from xiaoneng.workdays import SHANGHAI
from xiaoneng.workflow import Transition, Transitions

from . import mixing

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User
from .models import (
    AccessCode,
    Campaign,
    CampaignUnit,
    CategoryWeight,
    Dimension,
    Evaluator,
    Milestone,
    ScaleOption,
    Stratum,
)

Status = Campaign.Status
OFFICE_ROLES = (Role.ADMIN, Role.OFFICE)

#: The ten strata of seed 004 (酒泉: 市、县(区)“两代表一委员”、市县科级领导、工商企业界、街道社区、
#: 乡镇工作人员、城乡居民…共 10 个层面).
DEFAULT_STRATA = (
    "市级两代表一委员",
    "县区两代表一委员",
    "市级领导干部",
    "县级领导干部",
    "科级干部",
    "工商企业界",
    "街道社区",
    "乡镇工作人员",
    "城市居民",
    "农村居民",
)
#: Unit categories of seed 004, in its order.
DEFAULT_CATEGORIES = ("法检机关", "政府机构", "窗口单位", "党政机关", "驻地单位")
PRESET_LABELS = {
    "default": "默认：满意100/比较满意80/基本满意60/不满意0，不了解不计分",
    "shandong_2008": "山东2008：满意100/基本满意75/不满意55，不了解不计分",
    "hangzhou": "杭州：总体满意率=满意+比较满意+基本满意",
    "group_weighted": "分群体加权：服务对象50%、监督员25%、社会各界25%",
    "questionnaire_70_assessment_30": "问卷70%＋工作考核30%",
}
#: Working days before a milestone's date from which the office is reminded.
MILESTONE_WARN_DAYS = 3
#: Characters of the single-use codes: no 0/O, 1/I/L, so a code read aloud or typed from a
#: letter cannot be misread. 10 characters from 31 ≈ 8·10¹⁴ codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MAX_OPTIONS = 10  # one digit per answer in the stored sheets


def require_office(actor: Actor) -> User:
    """For creating a campaign; every action on an existing one checks this through STAGES."""
    if not is_person(actor) or actor.effective_role not in OFFICE_ROLES:
        raise PermissionDenied(STAGES.denied)
    return actor


ALL_STAGES = frozenset(Status.values)
#: Said to an evaluator, and to the office entering paper forms, outside the collection.
NOT_COLLECTING = "本次评议现在不接受评议表（尚未开始或已经结束）。"
#: How the anonymous evaluator acts (with a code): never recorded, only checked.
EVALUATOR = "评议人"


def _office(
    label: str,
    sources: Iterable[str],
    target: str | None = None,
    *,
    wrong_status: str | None = None,
) -> Transition:
    return Transition(label, frozenset(sources), target, OFFICE_ROLES, wrong_status=wrong_status)


#: 评议活动的阶段: in which stage each action on a campaign may be taken, and to which stage it
#: leads. Every action here and in ``pool``, ``sheets`` and ``results`` begins with it: it locks
#: the campaign (two clicks on “draw” must not both draw) and checks who and when.
STAGES = Transitions(
    noun="评议活动",
    denied="只有效能办可以管理评议活动",
    wrong_status="评议活动当前处于“{status}”阶段，不能{label}",
    actions={
        "edit": _office("修改评议活动", ALL_STAGES),
        "edit_form": _office(
            "修改评议表",
            {Status.DRAFT, Status.FROZEN},
            wrong_status="评议人抽取完成后，评议表（被评议单位、评议内容、选项和权重）不能再修改",
        ),
        "set_assessment": _office(
            "修改工作考核得分", ALL_STAGES - {Status.TALLIED, Status.PUBLISHED}
        ),
        "edit_pool": _office(
            "修改评议人库", {Status.DRAFT}, wrong_status="名册已经冻结，评议人库不能再修改"
        ),
        "freeze": _office("冻结名册", {Status.DRAFT}, Status.FROZEN),
        "announce_seed": _office("公告种子来源", {Status.FROZEN}),
        "draw": _office("抽取评议人", {Status.FROZEN}, Status.DRAWN),
        "set_mode": _office(
            "修改参评方式", {Status.DRAFT, Status.FROZEN, Status.DRAWN, Status.COLLECTING}
        ),
        "replace_evaluator": _office("替补评议人", {Status.DRAWN, Status.COLLECTING}),
        "issue_codes": _office("发放评议码", {Status.DRAWN, Status.COLLECTING}),
        "open": _office("开始评议", {Status.DRAWN}, Status.COLLECTING),
        "answer_online": Transition(
            "提交评议表", {Status.COLLECTING}, None, wrong_status=NOT_COLLECTING
        ),
        "enter_paper": _office("录入纸质评议表", {Status.COLLECTING}, wrong_status=NOT_COLLECTING),
        "close": _office("结束回收", {Status.COLLECTING}, Status.CLOSED),
        "review": _office("采用或撤销剔除规则", {Status.CLOSED}),
        "tally": _office("统计计分", {Status.CLOSED}, Status.TALLIED),
        "undo_tally": _office("撤销计分", {Status.TALLIED}, Status.CLOSED),
        "publish": _office("公布结果", {Status.TALLIED}, Status.PUBLISHED),
    },
)


def _snapshot(campaign: Campaign) -> dict[str, Any]:
    return audit.snapshot(campaign, ["name", "year", "status", "preset", "headline"])


# ---- set-up ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneDates:
    draw: date
    distribution: date
    collection: date
    tally: date
    publication: date

    def as_dict(self) -> dict[str, date]:
        return {k: getattr(self, k) for k in Milestone.Kind.values}

    def check(self) -> None:
        dates = list(self.as_dict().values())
        if any(a > b for a, b in itertools.pairwise(dates)):
            raise ValidationError(
                "各节点日期应依次为：抽取评议人 ≤ 发放 ≤ 回收 ≤ 统计计分 ≤ 公布结果"
            )


def suggested_dates(start: date) -> MilestoneDates:
    """A usual timetable from a start date: draw after 2 weeks, a month to answer."""
    return MilestoneDates(
        draw=start + timedelta(days=14),
        distribution=start + timedelta(days=21),
        collection=start + timedelta(days=51),
        tally=start + timedelta(days=61),
        publication=start + timedelta(days=75),
    )


def _clean_name(name: str, year: int) -> tuple[str, int]:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写活动名称"})
    if len(name) > 100:
        raise ValidationError({"name": "活动名称不能超过100字"})
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": "年度应在2000至2100之间"})
    return name, int(year)


def apply_preset_values(campaign: Campaign, preset: str) -> None:
    """Put a preset's scale, headline and weights on the campaign (inside a transaction)."""
    method = scoring.PRESETS.get(preset)
    if method is None:
        raise ValidationError({"preset": f"未知的计分方案“{preset}”"})
    campaign.options.all().delete()
    ScaleOption.objects.bulk_create(
        ScaleOption(
            campaign=campaign,
            label=o.label,
            value=o.value,
            top_two=o.label in method.top_two,
            top_three=o.label in method.top_three,
            sort_order=i,
        )
        for i, o in enumerate(method.options)
    )
    campaign.preset = preset
    campaign.headline = method.headline.value
    if method.combination is not None:
        campaign.questionnaire_weight = method.combination.questionnaire
        campaign.assessment_weight = method.combination.assessment
    else:
        campaign.questionnaire_weight = campaign.assessment_weight = None
    if method.stratum_weights:
        if campaign.evaluators.exists():
            raise ValidationError(
                {"preset": "该方案按自己的评议群体设层面，评议人库已有人员时不能套用"}
            )
        campaign.strata.all().delete()
        Stratum.objects.bulk_create(
            Stratum(campaign=campaign, name=name, weight=w, sort_order=i)
            for i, (name, w) in enumerate(method.stratum_weights.items())
        )


@transaction.atomic
def create_campaign(
    actor: Actor,
    *,
    name: str,
    year: int,
    dates: MilestoneDates,
    preset: str = "default",
    description: str = "",
) -> Campaign:
    """A new campaign with the defaults of seed 004: six dimensions, ten strata, the scale of
    the preset, and its five milestones on the deadline engine."""
    user = require_office(actor)
    name, year = _clean_name(name, year)
    dates.check()
    campaign = Campaign.objects.create(
        name=name, year=year, description=(description or "").strip(), created_by=user
    )
    Dimension.objects.bulk_create(
        Dimension(campaign=campaign, name=d, sort_order=i)
        for i, d in enumerate(scoring.DEFAULT_DIMENSIONS)
    )
    Stratum.objects.bulk_create(
        Stratum(campaign=campaign, name=s, sort_order=i) for i, s in enumerate(DEFAULT_STRATA)
    )
    apply_preset_values(campaign, preset)
    campaign.save()
    for kind, day in dates.as_dict().items():
        milestone = Milestone(campaign=campaign, kind=kind, due_date=day)
        _schedule(milestone)
        milestone.save()
    audit.record(actor, audit.Action.CREATE, campaign, after=_snapshot(campaign))
    return campaign


@transaction.atomic
def update_campaign(
    actor: Actor,
    campaign: Campaign,
    *,
    name: str,
    year: int,
    description: str,
    dates: MilestoneDates,
) -> Campaign:
    """Name, year, description and the milestone dates (a done milestone keeps its date)."""
    campaign = STAGES.begin(actor, campaign, "edit").record
    name, year = _clean_name(name, year)
    dates.check()
    if year != campaign.year and not campaign.pool_editable:
        raise ValidationError({"year": "名册冻结后不能再改年度（评议人编号含年度）"})
    before = _snapshot(campaign)
    campaign.name, campaign.year = name, year
    campaign.description = (description or "").strip()
    campaign.save(update_fields=["name", "year", "description"])
    wanted = dates.as_dict()
    for milestone in campaign.milestones.all():
        day = wanted[milestone.kind]
        if milestone.done_at is None and milestone.due_date != day:
            milestone.due_date = day
            _schedule(milestone)
            milestone.warned_at = milestone.overdue_at = None
            milestone.save()
    audit.record(actor, audit.Action.UPDATE, campaign, before=before, after=_snapshot(campaign))
    return campaign


def _weight(value: Any, what: str) -> float:  # what was typed, or a stored weight
    try:
        w = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{what}的权重“{value}”不是数字") from None
    if not math.isfinite(w) or w < 0:
        raise ValidationError(f"{what}的权重应为不小于0的数")
    return w


@transaction.atomic
def set_dimensions(actor: Actor, campaign: Campaign, rows: Iterable[tuple[str, object]]) -> None:
    """评议内容 and their weights, in order (replaces the list)."""
    campaign = STAGES.begin(actor, campaign, "edit_form").record
    clean: list[tuple[str, float]] = []
    for name, weight in rows:
        name = (name or "").strip()
        if not name:
            continue
        if len(name) > 30:
            raise ValidationError(f"评议内容“{name[:10]}…”超过30字")
        if name in [n for n, _ in clean]:
            raise ValidationError(f"评议内容“{name}”重复")
        clean.append((name, _weight(weight, f"评议内容“{name}”")))
    if not clean:
        raise ValidationError("至少要有一项评议内容")
    if sum(w for _, w in clean) <= 0:
        raise ValidationError("评议内容的权重不能全为0")
    before = list(campaign.dimensions.values_list("name", "weight"))
    campaign.dimensions.all().delete()
    Dimension.objects.bulk_create(
        Dimension(campaign=campaign, name=n, weight=w, sort_order=i)
        for i, (n, w) in enumerate(clean)
    )
    campaign.category_weights.filter(kind=CategoryWeight.Kind.DIMENSION).exclude(
        key__in=[n for n, _ in clean]
    ).delete()
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        before={"dimensions": before},
        after={"dimensions": clean},
        summary="修改评议内容及权重",
    )


@dataclass(frozen=True)
class OptionRow:
    label: str
    value: float | None
    top_two: bool
    top_three: bool


@transaction.atomic
def set_options(actor: Actor, campaign: Campaign, rows: Iterable[OptionRow], headline: str) -> None:
    """The answer scale (选项、分值、计入哪个满意率) and which rate is published."""
    campaign = STAGES.begin(actor, campaign, "edit_form").record
    clean: list[OptionRow] = []
    for row in rows:
        label = (row.label or "").strip()
        if not label:
            continue
        if len(label) > 10:
            raise ValidationError(f"选项“{label}”超过10字")
        if label in [r.label for r in clean]:
            raise ValidationError(f"选项“{label}”重复")
        value = row.value
        if value is not None and not (math.isfinite(value) and 0 <= value <= 100):
            raise ValidationError(f"选项“{label}”的分值应在0到100之间，或留空表示不计分")
        if value is None and (row.top_two or row.top_three):
            raise ValidationError(f"不计分的选项“{label}”不能计入满意率")
        clean.append(OptionRow(label, value, row.top_two, row.top_three))
    if len(clean) < 2:
        raise ValidationError("至少要有两个选项")
    if len(clean) > MAX_OPTIONS:
        raise ValidationError(f"选项不能超过{MAX_OPTIONS}个")
    if not any(r.value is not None for r in clean):
        raise ValidationError("至少要有一个计分的选项")
    if not any(r.top_two for r in clean) or not any(r.top_three for r in clean):
        raise ValidationError("前两项和前三项满意率都至少要计入一个选项")
    if headline not in Campaign.Headline.values:
        raise ValidationError("请选择公布哪一个满意率")
    before = list(campaign.options.values_list("label", "value", "top_two", "top_three"))
    campaign.options.all().delete()
    ScaleOption.objects.bulk_create(
        ScaleOption(
            campaign=campaign,
            label=r.label,
            value=r.value,
            top_two=r.top_two,
            top_three=r.top_three,
            sort_order=i,
        )
        for i, r in enumerate(clean)
    )
    campaign.headline = headline
    campaign.preset = "custom"
    campaign.save(update_fields=["headline", "preset"])
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        before={"options": before},
        after={"options": [list(r.__dict__.values()) for r in clean], "headline": headline},
        summary="修改答案选项和满意率口径",
    )


@transaction.atomic
def apply_preset(actor: Actor, campaign: Campaign, preset: str) -> None:
    campaign = STAGES.begin(actor, campaign, "edit_form").record
    before = _snapshot(campaign)
    apply_preset_values(campaign, preset)
    campaign.save()
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        before=before,
        after=_snapshot(campaign),
        summary=f"套用计分方案：{PRESET_LABELS.get(preset, preset)}",
    )


@dataclass(frozen=True)
class StratumRow:
    name: str
    quota: object
    weight: object


@transaction.atomic
def set_strata(actor: Actor, campaign: Campaign, rows: Iterable[StratumRow]) -> None:
    """层面, their quotas and weights. Names can change only while the pool is editable (the
    pool refers to them); quotas are fixed at the freeze (they are published with the roster);
    weights until the draw."""
    campaign = STAGES.begin(actor, campaign, "edit_form").record
    existing = {s.name: s for s in campaign.strata.all()}
    clean: list[tuple[str, int, float]] = []
    for row in rows:
        name = draw.normalise_stratum(row.name or "")
        if not name:
            continue
        problem = _stratum_problem(name)
        if problem:
            raise ValidationError(problem)
        if name in [n for n, _, _ in clean]:
            raise ValidationError(f"层面“{name}”重复")
        try:
            quota = int(str(row.quota).strip() or 0)
        except ValueError:
            raise ValidationError(f"层面“{name}”的名额“{row.quota}”不是整数") from None
        if quota < 0:
            raise ValidationError(f"层面“{name}”的名额不能是负数")
        clean.append((name, quota, _weight(row.weight, f"层面“{name}”")))
    if not clean:
        raise ValidationError("至少要有一个层面")
    if sum(w for _, _, w in clean) <= 0:
        raise ValidationError("层面的权重不能全为0")
    names = [n for n, _, _ in clean]
    if not campaign.pool_editable and (
        set(names) != set(existing) or any(existing[n].quota != q for n, q, _ in clean)
    ):
        raise ValidationError("名册冻结后层面和名额已经公布，只能修改权重")
    removed = [s for n, s in existing.items() if n not in names]
    for stratum in removed:
        if stratum.evaluators.exists():
            raise ValidationError(f"层面“{stratum.name}”下已有评议人，不能删除")
    counts = stratum_sizes(campaign)
    for name, quota, _ in clean:
        if quota > counts.get(name, 0) and counts.get(name, 0) > 0:
            raise ValidationError(
                f"层面“{name}”的名额 {quota} 大于评议人库中该层面的人数 {counts[name]}"
            )
    before = [(s.name, s.quota, s.weight) for s in existing.values()]
    for stratum in removed:
        stratum.delete()
    for i, (name, quota, weight) in enumerate(clean):
        stratum = existing.get(name) or Stratum(campaign=campaign, name=name)
        stratum.quota, stratum.weight, stratum.sort_order = quota, weight, i
        stratum.save()
    campaign.category_weights.filter(kind=CategoryWeight.Kind.STRATUM).exclude(
        key__in=names
    ).delete()
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        before={"strata": before},
        after={"strata": clean},
        summary="修改评议层面、名额和权重",
    )


def stratum_sizes(campaign: Campaign) -> dict[str, int]:
    """People in the pool per stratum name."""
    return dict(
        campaign.evaluators.values_list("stratum__name")
        .annotate(n=Count("pk"))
        .values_list("stratum__name", "n")
    )


def _stratum_problem(name: str) -> str | None:
    if len(name) > 50:
        return f"层面“{name[:10]}…”超过50字"
    if any(c in name for c in ',"|') or any(ord(c) < 32 for c in name):
        return f"层面“{name}”不能含有逗号、引号、竖线或控制字符"
    return None


@dataclass(frozen=True)
class UnitRow:
    unit_id: int
    category: str
    duty_summary: str


@transaction.atomic
def set_units(actor: Actor, campaign: Campaign, rows: Iterable[UnitRow]) -> None:
    """被评议单位 with their category and published duty summary (replaces the list)."""
    from xiaoneng.org.models import Unit

    campaign = STAGES.begin(actor, campaign, "edit_form").record
    rows = list(rows)
    units = Unit.objects.in_bulk([r.unit_id for r in rows])
    seen: set[int] = set()
    errors: list[str] = []
    for r in rows:
        unit = units.get(r.unit_id)
        if unit is None:
            errors.append(f"单位（ID {r.unit_id}）不存在")
            continue
        if r.unit_id in seen:
            errors.append(f"单位“{unit.name}”重复")
        seen.add(r.unit_id)
        category = (r.category or "").strip()
        if not category:
            errors.append(f"请为“{unit.name}”选择单位类别")
        elif len(category) > 50:
            errors.append(f"“{unit.name}”的单位类别超过50字")
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError("至少要有一个被评议单位")
    existing = {cu.unit_id: cu for cu in campaign.units.all()}
    before = sorted(existing)
    for cu in existing.values():
        if cu.unit_id not in seen:
            cu.delete()
    for i, r in enumerate(rows):
        cu = existing.get(r.unit_id) or CampaignUnit(campaign=campaign, unit_id=r.unit_id)
        cu.category = r.category.strip()
        cu.duty_summary = (r.duty_summary or "").strip()
        cu.sort_order = i
        cu.save()
    categories = {r.category.strip() for r in rows}
    campaign.category_weights.exclude(category__in=categories).delete()
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        before={"units": before},
        after={"units": [r.unit_id for r in rows]},
        summary=f"设置被评议单位 {len(rows)} 个",
    )


@transaction.atomic
def set_category_weights(
    actor: Actor, campaign: Campaign, category: str, kind: str, weights: Mapping[str, object]
) -> None:
    """Other weights for one category's units; an empty mapping goes back to the defaults.
    Every stratum (or dimension) must get a weight, so that a typo cannot zero one silently."""
    campaign = STAGES.begin(actor, campaign, "edit_form").record
    if kind not in CategoryWeight.Kind.values:
        raise ValidationError("权重类型不正确")
    if not campaign.units.filter(category=category).exists():
        raise ValidationError(f"本活动没有类别为“{category}”的被评议单位")
    keys = (
        list(campaign.strata.values_list("name", flat=True))
        if kind == CategoryWeight.Kind.STRATUM
        else list(campaign.dimensions.values_list("name", flat=True))
    )
    given = {k: v for k, v in weights.items() if str(v).strip() != ""}
    clean: dict[str, float] = {}
    if given:
        missing = [k for k in keys if k not in given]
        if missing:
            raise ValidationError(f"请为{'、'.join(missing)}都填写权重（全部留空则用通用权重）")
        unknown = [k for k in given if k not in keys]
        if unknown:
            raise ValidationError(f"“{'、'.join(unknown)}”不是本活动的层面或评议内容")
        clean = {k: _weight(given[k], f"“{k}”") for k in keys}
        if sum(clean.values()) <= 0:
            raise ValidationError("权重不能全为0")
    campaign.category_weights.filter(category=category, kind=kind).delete()
    CategoryWeight.objects.bulk_create(
        CategoryWeight(campaign=campaign, category=category, kind=kind, key=k, weight=w)
        for k, w in clean.items()
    )
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        after={"category": category, "kind": kind, "weights": clean},
        summary=f"设置“{category}”类的{chinese(CategoryWeight.Kind(kind).label)}",
    )


@transaction.atomic
def set_assessment(
    actor: Actor,
    campaign: Campaign,
    questionnaire: object,
    assessment: object,
    scores: Mapping[int, object],
) -> None:
    """Combination with the work assessment (与工作考核结合, e.g. 70/30) and the scores per unit.
    Both weights empty: the questionnaire alone."""
    campaign = STAGES.begin(actor, campaign, "set_assessment").record
    q_empty = str(questionnaire or "").strip() == ""
    a_empty = str(assessment or "").strip() == ""
    if q_empty != a_empty:
        raise ValidationError("问卷和工作考核的权重要么都填，要么都不填")
    if not q_empty:
        wq, wa = _weight(questionnaire, "问卷"), _weight(assessment, "工作考核")
        if wq + wa <= 0:
            raise ValidationError("两个权重不能都为0")
        campaign.questionnaire_weight, campaign.assessment_weight = wq, wa
    else:
        campaign.questionnaire_weight = campaign.assessment_weight = None
    campaign.save(update_fields=["questionnaire_weight", "assessment_weight"])
    units = {cu.pk: cu for cu in campaign.units.select_related("unit")}
    for pk, raw in scores.items():
        cu = units.get(pk)
        if cu is None:
            raise ValidationError("被评议单位不属于本活动")
        text = str(raw if raw is not None else "").strip()
        if text == "":
            cu.assessment_score = None
        else:
            try:
                value = float(text)
            except ValueError:
                raise ValidationError(f"“{cu.unit.name}”的考核得分“{text}”不是数字") from None
            if not (math.isfinite(value) and 0 <= value <= 100):
                raise ValidationError(f"“{cu.unit.name}”的考核得分应在0到100之间")
            cu.assessment_score = value
        cu.save(update_fields=["assessment_score"])
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        after={
            "questionnaire_weight": campaign.questionnaire_weight,
            "assessment_weight": campaign.assessment_weight,
            "scores": {str(k): str(v) for k, v in scores.items()},
        },
        summary="设置与工作考核结合的权重和考核得分",
    )


def scoring_method(campaign: Campaign) -> scoring.ScoringMethod:
    """The campaign's method for the ``scoring`` core, from its tables."""
    options = list(campaign.options.all())
    cat_strata: dict[str, dict[str, float]] = {}
    cat_dims: dict[str, dict[str, float]] = {}
    for cw in campaign.category_weights.all():
        target = cat_strata if cw.kind == CategoryWeight.Kind.STRATUM else cat_dims
        target.setdefault(cw.category, {})[cw.key] = cw.weight
    combination = None
    if campaign.questionnaire_weight is not None and campaign.assessment_weight is not None:
        combination = scoring.Combination(campaign.questionnaire_weight, campaign.assessment_weight)
    return scoring.ScoringMethod(
        name=campaign.preset,
        options=tuple(scoring.AnswerOption(o.label, o.value) for o in options),
        top_two=frozenset(o.label for o in options if o.top_two),
        top_three=frozenset(o.label for o in options if o.top_three),
        headline=scoring.HeadlineRate(campaign.headline),
        stratum_weights={s.name: s.weight for s in campaign.strata.all()},
        dimension_weights={d.name: d.weight for d in campaign.dimensions.all()},
        category_stratum_weights=cat_strata,
        category_dimension_weights=cat_dims,
        combination=combination,
    )


# ---- milestones (on the deadline engine) ------------------------------------------------------


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


def _schedule(milestone: Milestone) -> None:
    """due_at = end of the milestone's date; warn_at = start of the working day that leaves
    ``MILESTONE_WARN_DAYS`` working days to go (counting the date itself)."""
    calendar = get_calendar()
    day, left = milestone.due_date, MILESTONE_WARN_DAYS
    while left > 0:
        day -= timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    milestone.due_at = _end_of(milestone.due_date)
    milestone.warn_at = datetime.combine(day, time(0, 0), tzinfo=SHANGHAI)
    milestone.deadline_provisional = calendar.is_provisional(day, milestone.due_date)
    milestone.deadline_open = milestone.done_at is None


def complete_milestone(campaign: Campaign, kind: str, now: datetime) -> None:
    Milestone.objects.filter(campaign=campaign, kind=kind, done_at__isnull=True).update(
        done_at=now, deadline_open=False
    )


def recompute_provisional() -> int:
    """After a calendar import: warn dates that were counted Monday–Friday are counted again."""
    count = 0
    for milestone in Milestone.objects.filter(deadline_provisional=True, done_at__isnull=True):
        _schedule(milestone)
        milestone.save(update_fields=["due_at", "warn_at", "deadline_provisional"])
        count += 1
    return count


# ---- the roster and the draw -----------------------------------------------------------------


def roster_rows(campaign: Campaign) -> list[tuple[str, str]]:
    return list(campaign.evaluators.values_list("number", "stratum__name"))


@transaction.atomic
def freeze_roster(actor: Actor, campaign: Campaign) -> Campaign:
    """冻结名册: the canonical roster file and its SHA-256 are fixed and published, with the
    quotas. Nothing in the pool can change afterwards."""
    step = STAGES.begin(actor, campaign, "freeze")
    campaign = step.record
    rows = roster_rows(campaign)
    if not rows:
        raise ValidationError("评议人库是空的，请先导入评议人")
    try:
        data = draw.canonical_roster(rows)
        roster = draw.parse_roster(data)
    except draw.RosterError as error:
        raise ValidationError([m for _, m in error.errors]) from None
    quotas = {s.name: s.quota for s in campaign.strata.all() if s.name in roster.strata}
    empty_with_quota = [
        f"层面“{s.name}”没有评议人，名额却为 {s.quota}"
        for s in campaign.strata.all()
        if s.name not in roster.strata and s.quota > 0
    ]
    try:
        clean = draw.check_quotas(quotas, roster.strata)
    except draw.QuotaError as error:
        raise ValidationError(empty_with_quota + error.errors) from None
    if empty_with_quota:
        raise ValidationError(empty_with_quota)
    missing = [u for u in ("units", "dimensions", "options") if not getattr(campaign, u).exists()]
    if missing:
        raise ValidationError("请先设置被评议单位、评议内容和答案选项")
    campaign.roster_csv = data.decode("utf-8")
    campaign.roster_hash = roster.hash
    campaign.quotas_json = draw.canonical_quotas(clean).decode("utf-8")
    campaign.frozen_at = timezone.now()
    return step.finish(
        summary=f"冻结评议人名册（{len(rows)} 人），名册哈希 {roster.hash}",
        fields=["roster_csv", "roster_hash", "quotas_json", "frozen_at"],
        after={"roster_hash": roster.hash, "strata": roster.strata, "quotas": clean},
    )


@transaction.atomic
def announce_seed_source(actor: Actor, campaign: Campaign, text: str) -> Campaign:
    """预告种子来源: which public draw will give the seed, announced before it happens."""
    campaign = STAGES.begin(actor, campaign, "announce_seed").record
    text = (text or "").strip()
    if len(text) < 8:
        raise ValidationError({"seed_source": "请写明种子取自哪一期公开开奖及录入方式（至少8字）"})
    if len(text) > 1000:
        raise ValidationError({"seed_source": "种子来源说明不能超过1000字"})
    if campaign.seed_source and campaign.seed_source != text:
        raise ValidationError({"seed_source": "种子来源已经公告，不能更改"})
    campaign.seed_source = text
    campaign.seed_announced_at = timezone.now()
    campaign.save(update_fields=["seed_source", "seed_announced_at"])
    audit.record(
        actor, audit.Action.EVENT, campaign, after={"seed_source": text}, summary="公告随机种子来源"
    )
    return campaign


def campaign_layout(campaign: Campaign) -> dict[str, list[int]]:
    return {
        "units": list(campaign.units.order_by("sort_order", "pk").values_list("pk", flat=True)),
        "dimensions": list(
            campaign.dimensions.order_by("sort_order", "pk").values_list("pk", flat=True)
        ),
        "options": list(campaign.options.order_by("sort_order", "pk").values_list("pk", flat=True)),
    }


@transaction.atomic
def enter_seed_and_draw(actor: Actor, campaign: Campaign, seed: str) -> draw.DrawResult:
    """录入种子并抽取: canonical seed, then the public draw; the form is frozen with it."""
    step = STAGES.begin(actor, campaign, "draw")
    campaign = step.record
    if not campaign.seed_source:
        raise ValidationError("请先公告随机种子的来源，开奖后再录入号码")
    try:
        result = draw.draw(
            campaign.roster_csv.encode("utf-8"),
            seed or "",
            draw.parse_quotas_json(campaign.quotas_json.encode("utf-8")),
        )
    except draw.SeedError as error:
        raise ValidationError({"seed": error.errors}) from None
    except (draw.RosterError, draw.QuotaError) as error:  # the frozen files were tampered with
        raise ValidationError(f"冻结的名册或名额文件无法读取：{error}") from None
    if result.roster_hash != campaign.roster_hash:
        raise ValidationError("冻结的名册文件与公布的哈希不符，已停止抽取，请联系系统管理员")
    by_number = {e.number: e for e in campaign.evaluators.all()}
    for stratum, ids in result.order.items():
        quota = result.quotas[stratum]
        for position, number in enumerate(ids, start=1):
            evaluator = by_number[number]
            evaluator.draw_position = position
            evaluator.status = (
                Evaluator.Status.SELECTED if position <= quota else (Evaluator.Status.RESERVE)
            )
    Evaluator.objects.bulk_update(by_number.values(), ["draw_position", "status"], batch_size=500)
    now = timezone.now()
    campaign.seed_raw = result.seed
    campaign.seed_canonical = result.canonical_seed
    campaign.drawn_at = now
    campaign.layout = campaign_layout(campaign)
    step.finish(
        summary=f"录入种子并抽取评议人 {len(result.selected_ids)} 名"
        f"（规范种子 {result.canonical_seed}）",
        fields=["seed_raw", "seed_canonical", "drawn_at", "layout"],
        after={"seed": result.seed, "canonical_seed": result.canonical_seed},
    )
    complete_milestone(campaign, Milestone.Kind.DRAW, now)
    return result


def draw_result(campaign: Campaign) -> draw.DrawResult | None:
    """Recompute the published draw from the stored files (it is a pure function of them)."""
    if not campaign.seed_canonical:
        return None
    return draw.draw(
        campaign.roster_csv.encode("utf-8"),
        campaign.seed_raw,
        draw.parse_quotas_json(campaign.quotas_json.encode("utf-8")),
    )


@transaction.atomic
def replace_evaluator(actor: Actor, evaluator: Evaluator, reason: str) -> Evaluator:
    """替补: a selected evaluator who cannot take part is replaced by the next reserve of the
    same stratum, in draw order — never by someone picked by hand. Returns the reserve."""
    campaign = STAGES.begin(actor, evaluator.campaign, "replace_evaluator").record
    evaluator = Evaluator.objects.select_for_update().get(pk=evaluator.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明未能参加的原因"})
    if evaluator.status != Evaluator.Status.SELECTED:
        raise ValidationError("只有入选的评议人才需要替补")
    code = AccessCode.objects.filter(evaluator=evaluator).first()
    if code is not None and code.used:
        raise ValidationError("该评议人已经用评议码提交了评议表，不能替补")
    reserve: Evaluator | None = (
        Evaluator.objects.select_for_update()
        .filter(campaign=campaign, stratum=evaluator.stratum_id, status=Evaluator.Status.RESERVE)
        .order_by("draw_position")
        .first()
    )
    if reserve is None:
        raise ValidationError(f"层面“{evaluator.stratum.name}”已没有候补人员")
    if code is not None:
        code.revoked = True
        code.save(update_fields=["revoked"])
    evaluator.status = Evaluator.Status.REPLACED
    evaluator.replaced_by = reserve
    evaluator.replacement_reason = reason[:200]
    evaluator.save(update_fields=["status", "replaced_by", "replacement_reason"])
    reserve.status = Evaluator.Status.SELECTED
    reserve.save(update_fields=["status"])
    audit.record(
        actor,
        audit.Action.EVENT,
        campaign,
        after={"replaced": evaluator.number, "by": reserve.number, "reason": reason},
        summary=f"评议人 {evaluator.number} 因故未参加，由候补 {reserve.number} 替补",
    )
    return reserve


@transaction.atomic
def set_mode(actor: Actor, evaluator: Evaluator, mode: str) -> None:
    """网上 or 纸质: how a drawn evaluator takes part (before their code is issued)."""
    STAGES.begin(actor, evaluator.campaign, "set_mode")
    if mode not in Evaluator.Mode.values:
        raise ValidationError("参评方式不正确")
    if AccessCode.objects.filter(evaluator=evaluator).exists() and mode == Evaluator.Mode.PAPER:
        raise ValidationError("已发放评议码的评议人不能改为纸质评议")
    if evaluator.mode != mode:
        evaluator.mode = mode
        evaluator.save(update_fields=["mode"])
        audit.record(
            actor,
            audit.Action.UPDATE,
            evaluator,
            after={"mode": mode},
            summary=f"评议人 {evaluator.number} 参评方式改为{chinese_display(evaluator, 'mode')}",
        )


# ---- single-use codes --------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())


def format_code(code: str) -> str:
    """Printed in two groups of five (K7M2Q-9XP3T): easier to read out and to type."""
    return f"{code[:5]}-{code[5:]}"


def code_digests(code: str) -> list[str]:
    return crypto.keyed_digests("evaluation-code", normalise_code(code))


@transaction.atomic
def issue_codes(actor: Actor, campaign: Campaign) -> int:
    """评议码: one single-use code for every selected online evaluator who has none yet. Only a
    keyed hash (to check it) and an encrypted copy (to print letters again) are stored."""
    campaign = STAGES.begin(actor, campaign, "issue_codes").record
    pending = list(
        campaign.evaluators.filter(
            status=Evaluator.Status.SELECTED,
            mode=Evaluator.Mode.ONLINE,
            access_code__isnull=True,
        )
    )
    now = timezone.now()
    codes = []
    for evaluator in pending:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        codes.append(
            AccessCode(
                campaign=campaign,
                evaluator=evaluator,
                digest=code_digests(code)[0],
                sealed=crypto.encrypt_identity({"code": code}),
                issued_at=now,
            )
        )
    AccessCode.objects.bulk_create(codes, batch_size=500)
    if codes:
        audit.record(
            actor,
            audit.Action.EVENT,
            campaign,
            after={"issued": len(codes)},
            summary=f"生成评议码 {len(codes)} 个",
        )
    return len(codes)


def code_of(access: AccessCode) -> str:
    """The printable code (for the letters and the SMS export; office only)."""
    return format_code(crypto.decrypt_identity(access.sealed)["code"])


# ---- collection --------------------------------------------------------------------------------


@transaction.atomic
def open_collection(actor: Actor, campaign: Campaign) -> Campaign:
    """开始评议: codes work and paper forms can be entered from now on."""
    step = STAGES.begin(actor, campaign, "open")
    now = timezone.now()
    step.record.collection_opened_at = now
    campaign = step.finish(
        summary="开始评议：评议码生效，可录入纸质评议表", fields=["collection_opened_at"]
    )
    complete_milestone(campaign, Milestone.Kind.DISTRIBUTION, now)
    return campaign


@transaction.atomic
def close_collection(actor: Actor, campaign: Campaign) -> Campaign:
    """结束回收: no more answers; every paper form must have been entered twice and agreed."""
    from .models import PaperForm

    step = STAGES.begin(actor, campaign, "close")
    campaign = step.record
    pending = campaign.paper_forms.exclude(status=PaperForm.Status.ACCEPTED).count()
    if pending:
        raise ValidationError(
            f"还有 {pending} 份纸质评议表未完成双人录入或两次录入不一致，请先处理再结束回收"
        )
    now = timezone.now()
    campaign.collection_closed_at = now
    complete_milestone(campaign, Milestone.Kind.COLLECTION, now)
    # The online sheets still in the anonymity pool enter the answer table, all strata in one
    # shuffled batch; submissions wait on the campaign's lock, so none can arrive after this.
    released = mixing.release_all(campaign)
    # Answers begun with a code and never submitted end here; nothing of them is kept.
    drafts_deleted = campaign.drafts.all().delete()[0]
    by_channel = dict(
        campaign.sheets.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n")
    )
    online, paper = by_channel.get("online", 0), by_channel.get("paper", 0)
    # The one record of the online sheets' arrival: how many, now, never one by one.
    return step.finish(
        summary=f"结束回收评议表：网上 {online} 份，纸质 {paper} 份",
        fields=["collection_closed_at"],
        after={
            "online": online,
            "paper": paper,
            "released_at_close": released,
            "drafts_deleted": drafts_deleted,
        },
    )


def next_number(campaign: Campaign) -> int:
    """The next sequence number of the pool (评议人编号 = 年度-序号)."""
    last = campaign.evaluators.aggregate(m=Max("number"))["m"]
    if not last:
        return 1
    return int(last.rsplit("-", 1)[-1]) + 1


def evaluator_number(campaign: Campaign, seq: int) -> str:
    return f"{campaign.year}-{seq:05d}"
