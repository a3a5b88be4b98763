"""绩效考评 services: every change to a period, a scheme, an entry or an objection goes through
here, in a transaction, audited. The arithmetic is ``xiaoneng.scoring.assessment``.

The procedure (table ``PERIOD``): the office sets the schemes (copied from the previous period
when the period is created) and enters 目标任务, bonus/deduction counts and veto findings; it
computes and opens the **preview** — every unit sees its scorecard and may object (异议) within
``objection_days`` working days (the period's deadline on the engine); the office answers each
objection within ``decision_days`` working days (the objection's deadline), closes the objection
window, recomputes, and **publishes**: the schemes freeze, 末位 units get a rectification task.
Rules kept here (docs/assessment.md): weights sum to the scheme's total; every component has a
registered data source; a veto item states its rule; a frozen scheme never changes; an objection
after its limit is refused.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.org.models import Unit, UnitCategory
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.deadlines import after_workdays, local_date
from xiaoneng.rectification.sources import SourceKind, SourceRef
from xiaoneng.scoring import assessment as core
from xiaoneng.workflow import Actor, Transition, Transitions, actor_role, is_person

from . import components
from .models import (
    OFFICE_ROLES,
    Entry,
    Objection,
    Period,
    PublishedDocument,
    Result,
    Scheme,
    SchemeAdjustment,
    SchemeComponent,
    SchemeVeto,
)

S = Period.Status
TEXT_LIMIT = 2000
#: Working days before the objection window closes when the units are reminded.
WARN_DAYS = 1

PERIOD = Transitions(
    noun="考评期",
    actions={
        "edit": Transition("修改方案或录入", {S.DRAFT, S.PREVIEW, S.DECIDING}, None, OFFICE_ROLES),
        "compute": Transition("计算", {S.DRAFT, S.PREVIEW, S.DECIDING}, None, OFFICE_ROLES),
        "preview": Transition("发布预览并开始异议期", {S.DRAFT}, S.PREVIEW, OFFICE_ROLES),
        "close": Transition("结束异议期", {S.PREVIEW}, S.DECIDING, OFFICE_ROLES),
        "publish": Transition("公布考评结果", {S.DECIDING}, S.PUBLISHED, OFFICE_ROLES),
    },
    wrong_status="该考评期当前为“{status}”，不能{label}",
)

OS = Objection.Status
OBJECTION = Transitions(
    noun="异议",
    actions={
        "accept": Transition("采纳异议", {OS.PENDING}, OS.ACCEPTED, OFFICE_ROLES),
        "reject": Transition("不予采纳异议", {OS.PENDING}, OS.REJECTED, OFFICE_ROLES),
    },
)


# ---- inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentIn:
    source: str
    label: str
    weight: float
    zero_at: float
    full_at: float


@dataclass(frozen=True)
class AdjustmentIn:
    key: str
    label: str
    points: float
    cap: float | None


@dataclass(frozen=True)
class VetoIn:
    key: str
    label: str
    rule: str
    cap_grade: str


@dataclass(frozen=True)
class SchemeIn:
    """A scheme as edited: its settings and its three tables."""

    components: tuple[ComponentIn, ...]
    adjustments: tuple[AdjustmentIn, ...] = ()
    vetoes: tuple[VetoIn, ...] = ()
    weight_total: float = 100
    excellent_at: float = 90
    good_at: float = 80
    fair_at: float = 60
    excellent_quota: float | None = None
    bonus_cap: float | None = None
    deduction_cap: float | None = None
    rank_bonus_top: str = ""
    rank_deduction_bottom: str = ""
    consecutive_last_points: float = 0
    consecutive_last_cap: float | None = None
    last_count: int = 1
    last_yellow_card: bool = False
    last_pay_deduction: float = 0
    pay_excellent: float = 1.2
    pay_good: float = 1.0
    pay_fair: float = 0.9
    pay_poor: float = 0.8
    min_records: int = 30


SETTINGS = [
    "weight_total",
    "excellent_at",
    "good_at",
    "fair_at",
    "excellent_quota",
    "bonus_cap",
    "deduction_cap",
    "rank_bonus_top",
    "rank_deduction_bottom",
    "consecutive_last_points",
    "consecutive_last_cap",
    "last_count",
    "last_yellow_card",
    "last_pay_deduction",
    "pay_excellent",
    "pay_good",
    "pay_fair",
    "pay_poor",
    "min_records",
]


# ---- presets -------------------------------------------------------------------------------------

_WORK = (
    ComponentIn("cases_on_time", "办件按时办结率", 30, 80, 100),
    ComponentIn("cases_early", "办件提前办结率", 5, 0, 60),
    ComponentIn("complaints_true", "效能投诉", 15, 20, 0),
    ComponentIn("complaints_on_time", "投诉按期办结率", 5, 60, 100),
    ComponentIn("ratings_satisfaction", "好差评满意率", 15, 80, 100),
    ComponentIn("ratings_rectified", "差评整改", 5, 60, 100),
    ComponentIn("rectification_rate", "整改完成率", 10, 50, 100),
    ComponentIn("targets", "目标任务", 15, 0, 100),
)
_ADJUST = (
    AdjustmentIn("commendation", "受上级表彰", 2, 4),
    AdjustmentIn("criticism", "被通报批评", -3, 10),
)
_VETO = (VetoIn("discipline", "发生严重违纪违法案件", "经纪检监察机关查实", "一般"),)


def preset(name: str) -> SchemeIn:
    """The default scheme and the presets from practice (docs/assessment.md)."""
    base = SchemeIn(components=_WORK, adjustments=_ADJUST, vetoes=_VETO, bonus_cap=5)
    if name == Scheme.Preset.BOTTOM_THREE:
        # Seed 001: the bottom three get a 黄牌 warning and 20 % of their performance pay less.
        return replace(base, last_count=3, last_yellow_card=True, last_pay_deduction=20)
    if name == Scheme.Preset.EVALUATION:
        # Seed 004: the 千人评议 score as a component beside the work figures.
        parts = tuple(
            ComponentIn(
                c.source, c.label, c.weight - (5 if c.weight >= 15 else 0), c.zero_at, c.full_at
            )
            for c in _WORK
        )
        return replace(
            base, components=(*parts, ComponentIn("evaluation_score", "千人评议", 20, 60, 100))
        )
    if name == Scheme.Preset.SURVEY_70_30:
        # The questionnaire combined with work assessment, 70/30.
        return replace(
            base,
            components=(
                ComponentIn("evaluation_score", "千人评议（问卷）", 70, 60, 100),
                ComponentIn("cases_on_time", "办件按时办结率", 15, 80, 100),
                ComponentIn("targets", "目标任务", 15, 0, 100),
            ),
        )
    return base


# ---- helpers -------------------------------------------------------------------------------------


def _text(value: str | None, field: str, label: str, limit: int = TEXT_LIMIT) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: f"请填写{label}"})
    if len(text) > limit:
        raise ValidationError({field: f"{label}不能超过{limit}字"})
    return text


def _require_office(actor: Actor) -> None:
    if is_person(actor) and actor_role(actor) not in OFFICE_ROLES:
        raise ValidationError("只有效能办可以进行此操作")


def period_bounds(kind: str, year: int, index: int = 1) -> tuple[date, date, str]:
    """First and last day of a period, and its name: 2025年度, 2025年上半年, 2025年第3季度…"""
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "请填写正确的年度"})
    spans: dict[str, tuple[int, int, int, str]] = {
        Period.Kind.YEAR: (1, 12, 1, "{y}年度"),
        Period.Kind.HALF: (
            6 * (index - 1) + 1,
            6 * index,
            2,
            "{y}年" + ("上" if index == 1 else "下") + "半年",
        ),
        Period.Kind.QUARTER: (3 * (index - 1) + 1, 3 * index, 4, "{y}年第{i}季度"),
        Period.Kind.MONTH: (index, index, 12, "{y}年{i}月"),
    }
    if kind not in spans:
        raise ValidationError({"kind": "请选择考评周期"})
    first, last, count, name = spans[kind]
    if not 1 <= index <= count:
        raise ValidationError({"index": f"序号应为1～{count}"})
    end = date(year + (last == 12), 1 if last == 12 else last + 1, 1) - timedelta(days=1)
    return date(year, first, 1), end, name.format(y=year, i=index)


def assessed_units(category: UnitCategory) -> list[Unit]:
    return list(Unit.objects.filter(category=category, is_active=True).order_by("sort_order", "pk"))


def categories_in_use() -> list[UnitCategory]:
    return list(
        UnitCategory.objects.filter(units__is_active=True).distinct().order_by("sort_order")
    )


# ---- periods and schemes -------------------------------------------------------------------------


@transaction.atomic
def create_period(
    actor: Actor, kind: str, year: int, index: int = 1, *, objection_days: int = 5
) -> Period:
    """A new period, its schemes copied from the latest earlier period (else the default)."""
    _require_office(actor)
    start, end, name = period_bounds(kind, year, index)
    if Period.objects.filter(name=name).exists():
        raise ValidationError({"year": f"{name}已存在"})
    if not 1 <= objection_days <= 30:
        raise ValidationError({"objection_days": "异议期应为1～30个工作日"})
    period = Period.objects.create(
        kind=kind,
        name=name,
        start=start,
        end=end,
        objection_days=objection_days,
        deadline_open=False,
    )
    previous = (
        Period.objects.filter(start__lt=start, schemes__isnull=False)
        .order_by("-start", "kind")
        .distinct()
        .first()
    )
    copied = {s.category_id: s for s in previous.schemes.all()} if previous else {}
    for category in categories_in_use():
        source = copied.get(category.pk)
        scheme = Scheme(period=period, category=category)
        if source is not None:
            scheme.preset = source.preset
            _store(scheme, scheme_input(source))
        else:
            _store(scheme, preset(Scheme.Preset.DEFAULT))
    audit.record(
        actor,
        audit.Action.CREATE,
        period,
        after=audit.snapshot(period),
        summary=f"新建考评期{name}（方案{'沿用' + previous.name if previous else '采用默认方案'}）",
    )
    return period


def scheme_input(scheme: Scheme) -> SchemeIn:
    return SchemeIn(
        components=tuple(
            ComponentIn(c.source, c.label, c.weight, c.zero_at, c.full_at)
            for c in scheme.components.all()
        ),
        adjustments=tuple(
            AdjustmentIn(a.key, a.label, a.points, a.cap) for a in scheme.adjustments.all()
        ),
        vetoes=tuple(VetoIn(v.key, v.label, v.rule, v.cap_grade) for v in scheme.vetoes.all()),
        **{name: getattr(scheme, name) for name in SETTINGS},
    )


def _numbers(text: str, label: str) -> tuple[float, ...]:
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise ValidationError({label: "请填写以逗号分隔的数字，如 5,4,3,2,1"}) from None
    if any(v < 0 for v in values) or len(values) > 10:
        raise ValidationError({label: "名次加减分应为不超过10个的正数"})
    return values


def core_scheme(data: SchemeIn) -> core.Scheme:
    """The pure core's scheme from an edited or stored one."""
    return core.Scheme(
        components=tuple(
            core.Component(c.source, c.label, c.weight, c.zero_at, c.full_at)
            for c in data.components
        ),
        adjustments=tuple(
            core.Adjustment(a.key, a.label, a.points, a.cap) for a in data.adjustments
        ),
        vetoes=tuple(core.Veto(v.key, v.label, v.cap_grade) for v in data.vetoes),
        bonus_cap=data.bonus_cap,
        deduction_cap=data.deduction_cap,
        thresholds=(data.excellent_at, data.good_at, data.fair_at),
        excellent_quota=data.excellent_quota / 100 if data.excellent_quota is not None else None,
        rank_bonus_top=_numbers(data.rank_bonus_top, "rank_bonus_top"),
        rank_deduction_bottom=_numbers(data.rank_deduction_bottom, "rank_deduction_bottom"),
        consecutive_last_points=data.consecutive_last_points,
        consecutive_last_cap=data.consecutive_last_cap,
        last_count=data.last_count,
        last_pay_deduction=data.last_pay_deduction / 100,
        pay_coefficients=(data.pay_excellent, data.pay_good, data.pay_fair, data.pay_poor),
        min_records=data.min_records,
    )


def check(data: SchemeIn) -> core.Scheme:
    """Refuse a scheme that cannot be used, with every problem at once."""
    problems: list[str] = []
    unknown = [c.label or c.source for c in data.components if c.source not in components.REGISTRY]
    if unknown:
        problems.append(f"指标没有可用的数据来源：{'、'.join(unknown)}")
    total = sum(c.weight for c in data.components)
    if data.components and abs(total - data.weight_total) > 1e-6:
        problems.append(f"指标权重合计为{total:g}，应为{data.weight_total:g}")
    if any(not c.label.strip() for c in data.components):
        problems.append("请填写每个指标的名称")
    if any(not v.rule.strip() for v in data.vetoes):
        problems.append("一票否决项须写明认定规则")
    keys = [a.key for a in data.adjustments] + [v.key for v in data.vetoes]
    if len(set(keys)) != len(keys) or any(not k for k in keys):
        problems.append("加减分项、否决项的代码须填写且不重复")
    if any(a.points == 0 for a in data.adjustments):
        problems.append("加减分项的每次分值不能为0")
    if any(a.cap is not None and a.cap <= 0 for a in data.adjustments):
        problems.append("加减分项的上限应为正数")
    try:
        scheme = core_scheme(data)
    except ValidationError as error:
        problems.extend(error.messages)
        scheme = None
    if scheme is not None:
        problems.extend(core.check_scheme(scheme))
    if problems:
        raise ValidationError(problems)
    assert scheme is not None  # no problems
    return scheme


def _store(scheme: Scheme, data: SchemeIn) -> None:
    check(data)
    for name in SETTINGS:
        setattr(scheme, name, getattr(data, name))
    scheme.save()
    scheme.components.all().delete()
    scheme.adjustments.all().delete()
    scheme.vetoes.all().delete()
    SchemeComponent.objects.bulk_create(
        SchemeComponent(scheme=scheme, order=n, **c.__dict__) for n, c in enumerate(data.components)
    )
    SchemeAdjustment.objects.bulk_create(
        SchemeAdjustment(scheme=scheme, order=n, **a.__dict__)
        for n, a in enumerate(data.adjustments)
    )
    SchemeVeto.objects.bulk_create(
        SchemeVeto(scheme=scheme, order=n, **v.__dict__) for n, v in enumerate(data.vetoes)
    )


def _scheme_snapshot(scheme: Scheme) -> dict[str, object]:
    data = scheme_input(scheme)
    return {
        "version": scheme.version,
        "preset": scheme.preset,
        **{name: getattr(data, name) for name in SETTINGS},
        "components": [c.__dict__ for c in data.components],
        "adjustments": [a.__dict__ for a in data.adjustments],
        "vetoes": [v.__dict__ for v in data.vetoes],
    }


@transaction.atomic
def save_scheme(actor: Actor, scheme: Scheme, data: SchemeIn, *, preset_name: str = "") -> Scheme:
    """Change a scheme: a new version, the old one kept in the audit entry. A frozen scheme (its
    period published) is refused."""
    PERIOD.begin(actor, scheme.period, "edit")
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.frozen_at is not None:
        raise ValidationError("该方案已用于公布的考评结果，已冻结，不能修改")
    before = _scheme_snapshot(scheme)
    _store(scheme, data)
    scheme.version += 1
    if preset_name:
        scheme.preset = preset_name
    scheme.save(update_fields=["version", "preset"])
    audit.record(
        actor,
        audit.Action.UPDATE,
        scheme,
        before=before,
        after=_scheme_snapshot(scheme),
        summary=f"修改考评方案{scheme}（第{scheme.version}版）",
    )
    return scheme


@transaction.atomic
def enter(
    actor: Actor, period: Period, unit: Unit, kind: str, key: str, value: float, basis: str
) -> Entry:
    """录入: a 目标任务 score (0–100), a bonus/deduction item's count, or a veto finding."""
    PERIOD.begin(actor, period, "edit")
    basis = _text(basis, "basis", "依据", 300)
    keys = _entry_keys(period, unit, kind)
    if kind == Entry.Kind.TARGET:
        key = ""
        if not 0 <= value <= 100:
            raise ValidationError({"value": "目标任务得分应在0～100之间"})
    elif kind == Entry.Kind.ADJUSTMENT:
        if key not in keys:
            raise ValidationError({"key": "该单位所在类别的方案中没有这一加减分项"})
        if value != int(value) or not 0 <= value <= 100:
            raise ValidationError({"value": "次数应为0～100的整数"})
    elif kind == Entry.Kind.VETO:
        if key not in keys:
            raise ValidationError({"key": "该单位所在类别的方案中没有这一否决项"})
        value = 1
    else:
        raise ValidationError({"kind": "未知的录入类型"})
    entry, created = Entry.objects.update_or_create(
        period=period, unit=unit, kind=kind, key=key, defaults={"value": value, "basis": basis}
    )
    audit.record(
        actor,
        audit.Action.CREATE if created else audit.Action.UPDATE,
        entry,
        after=audit.snapshot(entry),
        summary=(
            f"{period.name}考评录入：{unit.name} "
            f"{chinese_display(entry, 'kind')}{key and ' ' + key}"
        ),
    )
    return entry


def _entry_keys(period: Period, unit: Unit, kind: str) -> set[str]:
    scheme = period.schemes.filter(category_id=unit.category_id).first()
    if scheme is None:
        raise ValidationError({"unit": "该单位不在考评范围（没有单位类别）"})
    if kind == Entry.Kind.ADJUSTMENT:
        return set(scheme.adjustments.values_list("key", flat=True))
    return set(scheme.vetoes.values_list("key", flat=True))


# ---- computing -----------------------------------------------------------------------------------


def _monthly_last(period: Period, unit_ids: Sequence[int]) -> dict[int, tuple[bool, ...]]:
    """Per unit, for each published monthly period inside this one (in order): 末位 or not."""
    if period.kind == Period.Kind.MONTH:
        return {}
    months = list(
        Period.objects.filter(
            kind=Period.Kind.MONTH, status=S.PUBLISHED, start__gte=period.start, end__lte=period.end
        ).order_by("start")
    )
    flagged = set(
        Result.objects.filter(
            period__in=months, unit_id__in=unit_ids, last=Result.Last.LAST
        ).values_list("period_id", "unit_id")
    )
    return {u: tuple((m.pk, u) in flagged for m in months) for u in unit_ids}


def compute_scores(
    period: Period, scheme: Scheme, units: Sequence[Unit]
) -> tuple[list[core.UnitScore], dict[int, dict[str, core.Figure]], dict[int, tuple[bool, ...]]]:
    """Read every component's figures for the units and score them (nothing is stored)."""
    data = scheme_input(scheme)
    pure = check(data)
    rollup = components.Rollup(units)
    span = components.Span(period.start, period.end, period.pk)
    figures: dict[int, dict[str, core.Figure]] = defaultdict(dict)
    for c in data.components:
        for unit_id, figure in components.REGISTRY[c.source].figures(rollup, span).items():
            figures[unit_id][c.source] = figure
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    vetoes: dict[int, set[str]] = defaultdict(set)
    for e in Entry.objects.filter(period=period, unit__in=units).exclude(kind=Entry.Kind.TARGET):
        if e.kind == Entry.Kind.ADJUSTMENT:
            counts[e.unit_id][e.key] = int(e.value)
        else:
            vetoes[e.unit_id].add(e.key)
    months = _monthly_last(period, [u.pk for u in units])
    inputs = [
        core.UnitInput(
            unit=str(u.pk),
            figures=figures.get(u.pk, {}),
            counts=counts.get(u.pk, {}),
            vetoes=frozenset(vetoes.get(u.pk, ())),
            monthly_last=months.get(u.pk, ()),
        )
        for u in units
    ]
    return core.assess(pure, inputs), figures, months


def _detail(
    score: core.UnitScore,
    scheme: Scheme,
    figures: dict[str, core.Figure],
    months: tuple[bool, ...],
) -> dict[str, object]:
    parts = []
    for c, part in zip(scheme.components.all(), score.components, strict=True):
        figure = figures.get(c.source)
        parts.append(
            {
                "source": c.source,
                "label": c.label,
                "weight": c.weight,
                "zero_at": c.zero_at,
                "full_at": c.full_at,
                "value": part.value,
                "count": figure.count if figure else None,
                "n": part.n,
                "scale": figure.scale if figure else 100,
                "score": part.score,
                "low": part.low,
                "high": part.high,
                "few": part.few_records,
            }
        )
    labels = {a.key: a for a in scheme.adjustments.all()}
    return {
        "components": parts,
        "adjustments": [
            {
                "key": k,
                "label": labels[k].label,
                "points": labels[k].points,
                "cap": labels[k].cap,
                "amount": amount,
            }
            for k, amount in score.adjustments
        ],
        "consecutive_last": score.consecutive_last,
        "monthly_last": list(months),
        "rank_bonus": score.rank_bonus,
        "veto": [v.label for v in scheme.vetoes.all() if v.key in score.veto],
        "yellow_card": bool(scheme.last_yellow_card and score.last is core.LastStatus.LAST),
    }


def _compute(period: Period, now: datetime) -> int:
    results = []
    # The scheme's tables read once per scheme (each scorecard's detail names them).
    schemes = period.schemes.select_related("category").prefetch_related(
        "components", "adjustments", "vetoes"
    )
    for scheme in schemes:
        units = assessed_units(scheme.category)
        scores, figures, months = compute_scores(period, scheme, units)
        ranked = sum(1 for s in scores if s.rank is not None)
        for unit, score in zip(units, scores, strict=True):
            results.append(
                Result(
                    period=period,
                    unit=unit,
                    category=scheme.category,
                    scheme_version=scheme.version,
                    base=score.base,
                    score=score.score,
                    low=score.low,
                    high=score.high,
                    rank=score.rank,
                    category_size=ranked,
                    grade=score.grade or "",
                    last=score.last.value,
                    coefficient=score.coefficient,
                    detail=_detail(
                        score, scheme, figures.get(unit.pk, {}), months.get(unit.pk, ())
                    ),
                    computed_at=now,
                )
            )
    Result.objects.filter(period=period).delete()
    Result.objects.bulk_create(results)
    period.computed_at = now
    period.save(update_fields=["computed_at"])
    return len(results)


@transaction.atomic
def compute(actor: Actor, period: Period, now: datetime | None = None) -> int:
    """计算 (or recompute) every unit's scorecard from the live data; returns how many."""
    step = PERIOD.begin(actor, period, "compute")
    count = _compute(step.record, now or timezone.now())
    step.finish(summary=f"计算{period.name}考评结果（{count}个单位）", after={"results": count})
    return count


def _liaisons(units: Sequence[Unit]) -> list[User]:
    paths = [u.path for u in units]
    users = User.objects.filter(is_active=True, role=Role.LIAISON).select_related("unit")
    return [
        u for u in users if u.unit is not None and any(u.unit.path.startswith(p) for p in paths)
    ]


@transaction.atomic
def open_preview(actor: Actor, period: Period, now: datetime | None = None) -> Period:
    """发布预览: compute, and give the units ``objection_days`` working days to object."""
    now = now or timezone.now()
    step = PERIOD.begin(actor, period, "preview")
    p = step.record
    count = _compute(p, now)
    if not count:
        raise ValidationError("没有可考评的单位：请先为单位设置类别")
    deadline = after_workdays(now, p.objection_days, WARN_DAYS)
    p.due_at, p.warn_at, p.deadline_provisional = (
        deadline.due_at,
        deadline.warn_at,
        deadline.provisional,
    )
    p.deadline_open, p.warned_at, p.overdue_at, p.previewed_at = True, None, None, now
    p.save()
    units = [r.unit for r in Result.objects.filter(period=p).select_related("unit")]
    notifications.notify(
        _liaisons(units),
        kind="info",
        title=f"{p.name}绩效考评结果预览，请核对本单位评分"[:200],
        body=f"如有异议，请于{_day(p.due_at)}前在考评页面提出并附证据。",
        link=reverse("assessment:period", args=[p.pk]),
        dedupe_key=f"assessment:{p.pk}:preview",
    )
    return step.finish(summary=f"发布{p.name}考评结果预览，异议期至{_day(p.due_at)}", fields=None)


def _day(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y年%m月%d日") if moment else "—"


def objection_open(period: Period, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return period.status == S.PREVIEW and period.due_at is not None and now <= period.due_at


@transaction.atomic
def file_objection(
    actor: Actor,
    period: Period,
    unit: Unit,
    *,
    component: str,
    reason: str,
    evidence: str,
    now: datetime | None = None,
) -> Objection:
    """异议: the unit's liaison (or the office on its behalf) objects within the limit."""
    now = now or timezone.now()
    period = Period.objects.select_for_update().get(pk=period.pk)
    if is_person(actor):
        role = actor_role(actor)
        mine = actor.unit is not None and unit.path.startswith(actor.unit.path)
        if role not in OFFICE_ROLES and not (role == Role.LIAISON and mine):
            raise ValidationError("只有本单位联络员可以对考评结果提出异议")
    if period.status != S.PREVIEW:
        raise ValidationError(f"该考评期当前为“{chinese_display(period, 'status')}”，不能提出异议")
    if not objection_open(period, now):
        raise ValidationError(f"异议期已于{_day(period.due_at)}结束，不能再提出异议")
    if not Result.objects.filter(period=period, unit=unit).exists():
        raise ValidationError("该单位不在本期考评范围")
    reason = _text(reason, "reason", "异议理由")
    evidence = _text(evidence, "evidence", "证据材料说明")
    deadline = after_workdays(now, period.decision_days, WARN_DAYS)
    objection = Objection.objects.create(
        period=period,
        unit=unit,
        component=(component or "")[:60],
        reason=reason,
        evidence=evidence,
        filed_at=now,
        filed_by_name=rectification.actor_name(actor)[:150],
        due_at=deadline.due_at,
        warn_at=deadline.warn_at,
        deadline_provisional=deadline.provisional,
    )
    audit.record(
        actor,
        audit.Action.CREATE,
        objection,
        after=audit.snapshot(objection),
        summary=f"{unit.name}对{period.name}考评结果提出异议",
    )
    notifications.notify(
        rectification.office_users(),
        kind="info",
        title=f"{unit.name}对{period.name}考评结果提出异议"[:200],
        body=f"请于{_day(objection.due_at)}前答复。",
        link=reverse("assessment:period", args=[period.pk]),
    )
    return objection


@transaction.atomic
def decide_objection(
    actor: Actor,
    objection: Objection,
    *,
    accept: bool,
    decision: str,
    now: datetime | None = None,
) -> Objection:
    """答复异议: 采纳 (the office then corrects the entries or data and recomputes) or not."""
    step = OBJECTION.begin(actor, objection, "accept" if accept else "reject")
    o = step.record
    o.decision = _text(decision, "decision", "答复意见")
    o.decided_at = now or timezone.now()
    o.decided_by_name = rectification.actor_name(actor)[:150]
    o.deadline_open = False
    notifications.notify(
        _liaisons([o.unit]),
        kind="info",
        title=f"{o.period.name}考评异议已答复：{'采纳' if accept else '不予采纳'}",
        body=o.decision[:500],
        link=reverse("assessment:scorecard", args=[o.period_id, o.unit_id]),
    )
    return step.finish(
        summary=f"答复{o.unit.name}的考评异议：{'采纳' if accept else '不予采纳'}",
        fields=["decision", "decided_at", "decided_by_name", "deadline_open"],
        after={"decision": o.decision},
    )


@transaction.atomic
def close_objections(actor: Actor, period: Period, now: datetime | None = None) -> Period:
    """结束异议期 once it has run out."""
    now = now or timezone.now()
    step = PERIOD.begin(actor, period, "close")
    p = step.record
    if objection_open(p, now):
        raise ValidationError(f"异议期至{_day(p.due_at)}，期满后才能结束")
    p.deadline_open = False
    return step.finish(summary=f"结束{p.name}考评异议期", fields=["deadline_open"])


@transaction.atomic
def publish(
    actor: Actor, period: Period, *, document_number: str, now: datetime | None = None
) -> Period:
    """公布: recompute, freeze the schemes, open a rectification task for each 末位 unit."""
    now = now or timezone.now()
    step = PERIOD.begin(actor, period, "publish")
    p = step.record
    if Objection.objects.filter(period=p, status=OS.PENDING).exists():
        raise ValidationError("还有未答复的异议，答复后才能公布")
    p.document_number = _text(document_number, "document_number", "通报文号", 60)
    _compute(p, now)
    p.published_at = now
    p.schemes.update(frozen_at=now)
    tasks = _last_place_tasks(actor, p, now)
    p.refresh_from_db(fields=["computed_at"])
    hashes = _freeze_documents(p, now)
    return step.finish(
        summary=f"公布{p.name}考评结果（{p.document_number}），末位整改任务{tasks}件",
        fields=["document_number", "published_at"],
        after={"document_number": p.document_number, "tasks": tasks, "sha256": hashes},
    )


def _freeze_documents(period: Period, now: datetime) -> dict[str, str]:
    """Store the published workbook and Word report as bytes with their SHA-256: every later
    download serves these bytes, whatever happens to the live data."""
    from . import documents  # documents reads this module's scheme helpers: imported late

    made = {
        PublishedDocument.Kind.WORKBOOK: documents.workbook(period),
        PublishedDocument.Kind.REPORT: documents.report(period),
    }
    hashes: dict[str, str] = {}
    for kind, content in made.items():
        digest = hashlib.sha256(content).hexdigest()
        PublishedDocument.objects.update_or_create(
            period=period,
            kind=kind,
            defaults={
                "content": content,
                "sha256": digest,
                "size": len(content),
                "frozen_at": now,
            },
        )
        hashes[str(kind)] = digest
    return hashes


@dataclass(frozen=True)
class Frozen:
    """A published document as frozen: its bytes and their SHA-256."""

    content: bytes
    sha256: str


def frozen_document(period: Period, kind: str) -> Frozen | None:
    """The bytes frozen at publication (None for a period published before documents were
    frozen, or not published)."""
    row = PublishedDocument.objects.filter(period=period, kind=kind).first()
    if row is None:
        return None
    return Frozen(bytes(row.content), row.sha256)


def document_hashes(period: Period) -> dict[str, str]:
    """kind → SHA-256 of the period's frozen documents (without loading their bytes)."""
    return dict(PublishedDocument.objects.filter(period=period).values_list("kind", "sha256"))


#: Working days a 末位 unit has to finish its rectification (整改时限 = publication + this).
LAST_PLACE_DAYS = 60


def _last_place_tasks(actor: Actor, period: Period, now: datetime) -> int:
    opened = 0
    complete_by = local_date(now) + timedelta(days=LAST_PLACE_DAYS)
    for result in Result.objects.filter(period=period, last=Result.Last.LAST).select_related(
        "unit"
    ):
        weakest = sorted(
            (c for c in result.detail.get("components", []) if c.get("score") is not None),
            key=lambda c: c["score"],
        )[:3]
        problems = tuple(
            rectification.ProblemIn(
                f"{c['label']}得分{c['score']:.1f}", f"原始值{c['value']:.2f}，权重{c['weight']:g}"
            )
            for c in weakest
        )
        rectification.open_task(
            actor,
            rectification.OpenTask(
                source=SourceRef(
                    SourceKind.ASSESSMENT,
                    result.pk,
                    f"{period.name}绩效考评末位",
                    reverse("assessment:scorecard", args=[period.pk, result.unit_id]),
                ),
                unit=result.unit,
                title=f"{period.name}绩效考评末位整改"[:200],
                problems=problems,
                complete_by=complete_by,
                opened_at=now,
            ),
        )
        opened += 1
    return opened
