"""明查暗访 services: every change to checklists, plans, visits and findings goes through here,
in a transaction, audited (docs/inspections.md).

- the checklist: an edit makes a new version of the item (findings keep theirs);
- plans: units chosen by the office or drawn with a recorded seed (:func:`draw_units`, on the
  ``draw`` core's hash ordering, so anyone can redo the draw afterwards);
- visits: a team member starts a visit to a unit of the plan within its period; team members
  record findings (with photos, the person concerned picked from the staff on duty); a draft
  sent twice is stored once (``client_key``); submitting the visit shows it to the unit;
- supervisors file observations of their own: a visit without a plan, with one finding;
- review (table ``FINDING``): the office confirms or drops each finding with a reason; a
  confirmed finding may raise a yellow card (cause 明查暗访发现问题, once per finding) and open a
  整改任务; the unit may contest it within ``Rules.contest_days`` working days (the finding's
  deadline on the shared engine), the office upholds or withdraws it.

Accountability reads :func:`confirmed_findings`; assessment reads ``figures.unit_findings``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from xiaoneng import draw
from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese, chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.org.models import Absence, Post, Staff, Unit
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.deadlines import after_workdays, local_date
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import SourceKind, SourceRef
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card
from xiaoneng.workflow import Actor, Transition, Transitions, actor_role, is_person

from . import photos as photo_checks
from .models import (
    OFFICE_ROLES,
    TEAM_ROLES,
    CheckItem,
    Finding,
    Photo,
    Plan,
    Rules,
    Target,
    Visit,
)

TEXT_LIMIT = 2000
FStatus = Finding.Status
DRAW_STRATUM = "检查对象"


def _text(value: str | None, field: str, label: str, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: f"请填写{label}"})
    if len(text) > TEXT_LIMIT:
        raise ValidationError({field: f"{label}不能超过{TEXT_LIMIT}字"})
    return text


def _require_office(actor: Actor) -> None:
    if is_person(actor) and actor_role(actor) not in OFFICE_ROLES:
        raise PermissionDenied("只有效能办可以进行此操作")


def _user(actor: Actor) -> User | None:
    return actor if is_person(actor) else None


# ---- the checklist -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemIn:
    """A check item as the office types it."""

    category: str
    name: str
    kind: str
    deduction: Decimal = Decimal(0)
    description: str = ""
    sort_order: int = 0


def _check_item(data: ItemIn) -> None:
    if data.category not in CheckItem.Category.values:
        raise ValidationError({"category": "请选择类别"})
    if data.kind not in CheckItem.Kind.values:
        raise ValidationError({"kind": "请选择计分方式"})
    if not (data.name or "").strip():
        raise ValidationError({"name": "请填写检查项目"})
    if data.kind == CheckItem.Kind.DEDUCTION and not Decimal(0) < data.deduction <= 100:
        raise ValidationError({"deduction": "扣分项目的每处扣分应大于0、不超过100"})


@transaction.atomic
def save_item(actor: Actor, item: CheckItem | None, data: ItemIn) -> CheckItem:
    """A new check item, or a new version of ``item`` (the old one is kept for its findings)."""
    _require_office(actor)
    _check_item(data)
    now = timezone.now()
    deduction = data.deduction if data.kind == CheckItem.Kind.DEDUCTION else Decimal(0)
    fields = {
        "category": data.category,
        "name": data.name.strip()[:100],
        "kind": data.kind,
        "deduction": deduction,
        "description": _text(data.description, "description", "检查要点", required=False),
        "sort_order": data.sort_order,
        "created_at": now,
        "created_by": _user(actor),
    }
    if item is None:
        code = f"JC{CheckItem.objects.values('code').distinct().count() + 1:03d}"
        while CheckItem.objects.filter(code=code).exists():
            code = f"JC{secrets.randbelow(10**6):06d}"
        new = CheckItem.objects.create(code=code, version=1, **fields)
        audit.record(
            actor, audit.Action.CREATE, new, after=audit.snapshot(new), summary="新增检查项目"
        )
        return new
    old = CheckItem.objects.select_for_update().get(pk=item.pk)
    if not old.is_current:
        raise ValidationError("该检查项目已有新版本，请修改现行版本")
    old.is_current = False
    old.save(update_fields=["is_current"])
    new = CheckItem.objects.create(code=old.code, version=old.version + 1, **fields)
    audit.record(
        actor,
        audit.Action.UPDATE,
        new,
        before=audit.snapshot(old),
        after=audit.snapshot(new),
        summary=f"修订检查项目（第{new.version}版）",
    )
    return new


@transaction.atomic
def retire_item(actor: Actor, item: CheckItem) -> CheckItem:
    """停用: the item is no longer offered; its findings keep it."""
    _require_office(actor)
    item = CheckItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_current:
        raise ValidationError("该检查项目已停用或已有新版本")
    item.is_current = False
    item.save(update_fields=["is_current"])
    audit.record(
        actor, audit.Action.UPDATE, item, after={"is_current": False}, summary="停用检查项目"
    )
    return item


def current_items() -> list[CheckItem]:
    return list(CheckItem.objects.filter(is_current=True).order_by("sort_order", "code"))


# ---- plans and the draw --------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    """The result of a draw: the canonical seed, the pool's digest and the units in draw order."""

    canonical_seed: str
    pool_hash: str
    pool_codes: tuple[str, ...]
    chosen: tuple[Unit, ...]


def pool_hash(codes: Sequence[str]) -> str:
    """SHA-256 of the pool's unit codes, sorted, one a line (UTF-8): published with the plan."""
    text = "".join(f"{c}\n" for c in sorted(codes))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def draw_units(pool: Sequence[Unit], count: int, seed: str) -> Drawn:
    """Draw ``count`` units of ``pool``: each unit's key is SHA-256 of
    ``canonical seed|pool hash|检查对象|unit code`` (the ``draw`` core's key); the lowest keys win.
    """
    units = {u.code: u for u in pool}
    if not units:
        raise ValidationError({"pool": "请选择备选单位"})
    if not 1 <= count <= len(units):
        raise ValidationError({"draw_count": f"抽取数量应为1～{len(units)}"})
    try:
        canonical = draw.canonical_seed(seed)
    except draw.SeedError as error:
        raise ValidationError({"draw_seed": "；".join(error.args[0])}) from None
    digest = pool_hash(list(units))
    order = sorted(units, key=lambda c: draw.draw_key(canonical, digest, DRAW_STRATUM, c))
    return Drawn(canonical, digest, tuple(sorted(units)), tuple(units[c] for c in order[:count]))


@dataclass(frozen=True)
class PlanIn:
    """A plan as the office sets it: chosen ``units``, or a ``pool`` to draw ``draw_count`` from
    with ``draw_seed``."""

    title: str
    kind: str
    start: date
    end: date
    team: tuple[User, ...]
    units: tuple[Unit, ...] = ()
    pool: tuple[Unit, ...] = ()
    draw_count: int | None = None
    draw_seed: str = ""
    focus: str = ""
    name_people: bool = False


def _check_plan(data: PlanIn) -> None:
    if data.kind not in Plan.Kind.values:
        raise ValidationError({"kind": "请选择明查或暗访"})
    if not (data.title or "").strip():
        raise ValidationError({"title": "请填写计划名称"})
    if data.end < data.start:
        raise ValidationError({"end": "结束日期不能早于开始日期"})
    if not data.team:
        raise ValidationError({"team": "请选择检查组成员"})
    for member in data.team:
        if member.effective_role not in TEAM_ROLES or not member.is_active:
            raise ValidationError(
                {"team": f"{member.get_full_name() or member.username}不能参加检查组"}
            )
    if not data.units and not data.pool:
        raise ValidationError({"units": "请选择检查对象，或选择备选单位进行抽取"})
    if data.units and data.pool:
        raise ValidationError({"units": "检查对象或者指定、或者抽取，不能同时"})


@transaction.atomic
def create_plan(actor: Actor, data: PlanIn) -> Plan:
    """制定检查计划 (the draw, if any, is made here and recorded with the plan)."""
    _require_office(actor)
    _check_plan(data)
    drawn: Drawn | None = None
    units: tuple[Unit, ...] = data.units
    if data.pool:
        drawn = draw_units(data.pool, data.draw_count or 0, data.draw_seed)
        units = drawn.chosen
    plan = Plan.objects.create(
        title=data.title.strip()[:120],
        kind=data.kind,
        start=data.start,
        end=data.end,
        focus=_text(data.focus, "focus", "检查重点", required=False),
        name_people=data.name_people,
        draw_seed=data.draw_seed.strip()[:200] if drawn else "",
        draw_canonical=drawn.canonical_seed if drawn else "",
        draw_pool_hash=drawn.pool_hash if drawn else "",
        draw_pool=list(drawn.pool_codes) if drawn else [],
        draw_count=data.draw_count if drawn else None,
        created_at=timezone.now(),
        created_by=_user(actor),
    )
    plan.team.set(data.team)
    Target.objects.bulk_create(
        [Target(plan=plan, unit=u, order=n) for n, u in enumerate(units, start=1)]
    )
    after = audit.snapshot(plan)
    after["targets"] = [u.code for u in units]
    after["team"] = [m.pk for m in data.team]
    audit.record(
        actor,
        audit.Action.CREATE,
        plan,
        after=after,
        summary=f"制定{chinese_display(plan, 'kind')}计划",
    )
    notifications.notify(
        [m for m in data.team if m != actor],
        kind="info",
        title=f"您已编入检查组：{plan.title}"[:200],
        body=(
            f"{chinese_display(plan, 'kind')}，{plan.start:%Y-%m-%d}至{plan.end:%Y-%m-%d}，"
            f"检查对象{len(units)}个。"
        ),
        link=reverse("inspections:plan", args=[plan.pk]),
    )
    return plan


@transaction.atomic
def close_plan(actor: Actor, plan: Plan) -> Plan:
    _require_office(actor)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == Plan.Status.CLOSED:
        raise ValidationError("该计划已结束")
    plan.status = Plan.Status.CLOSED
    plan.save(update_fields=["status"])
    audit.record(
        actor, audit.Action.UPDATE, plan, after={"status": plan.status}, summary="结束检查计划"
    )
    return plan


def on_team(user: User, plan: Plan) -> bool:
    return plan.team.filter(pk=user.pk).exists()


# ---- visits and findings -------------------------------------------------------------------------


def may_record(user: User, visit: Visit) -> bool:
    """Team members (and the office) record findings while the visit is being recorded; a
    supervisor's observation only by its author."""
    if visit.status != Visit.Status.RECORDING:
        return False
    if actor_role(user) in OFFICE_ROLES:
        return True
    if visit.plan_id is None:
        return visit.created_by_id == user.pk
    assert visit.plan is not None  # plan_id is set
    return on_team(user, visit.plan)


@transaction.atomic
def start_visit(actor: User, plan: Plan, unit: Unit, visited_on: date) -> Visit:
    """开始检查: one of the plan's units, on a day within the plan's period, not in the future."""
    if actor_role(actor) not in OFFICE_ROLES and not on_team(actor, plan):
        raise PermissionDenied("只有检查组成员可以登记检查")
    if plan.status != Plan.Status.ACTIVE:
        raise ValidationError("该计划已结束，不能再登记检查")
    if not plan.targets.filter(unit=unit).exists():
        raise ValidationError({"unit": "该单位不在本计划的检查对象中"})
    if not plan.start <= visited_on <= plan.end:
        raise ValidationError(
            {"visited_on": f"检查日期应在计划期间（{plan.start:%Y-%m-%d}至{plan.end:%Y-%m-%d}）内"}
        )
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": "检查日期不能晚于今天"})
    visit = Visit.objects.create(
        plan=plan, unit=unit, visited_on=visited_on, created_at=timezone.now(), created_by=actor
    )
    audit.record(actor, audit.Action.CREATE, visit, after=audit.snapshot(visit), summary="开始检查")
    return visit


@dataclass(frozen=True)
class OnDuty:
    """A person the recording page offers as the person concerned (当事人)."""

    staff_id: int
    name: str
    title: str
    unit_name: str
    note: str  # e.g. “B岗顶岗（A岗某某不在岗）”


def staff_on_duty(unit: Unit, day: date) -> list[OnDuty]:
    """The active staff of the unit and the units below it who are not away that day (AB岗:
    a B holder standing in for an absent A holder says so)."""
    staff = list(
        Staff.objects.filter(unit__path__startswith=unit.path, is_active=True)
        .select_related("unit")
        .order_by("unit__path", "name")
    )
    away = set(
        Absence.objects.covering(day).filter(staff__in=staff).values_list("staff_id", flat=True)
    )
    notes: dict[int, str] = {}
    for post in Post.objects.filter(unit__path__startswith=unit.path).select_related(
        "a_holder", "b_holder"
    ):
        a, b = post.a_holder, post.b_holder
        if b is not None and (a is None or a.pk in away or not a.is_active):
            why = "A岗空缺" if a is None else f"A岗{a.name}不在岗"
            notes[b.pk] = f"{post.name}B岗顶岗（{why}）"
    return [
        OnDuty(s.pk, s.name, s.title, s.unit.short_name or s.unit.name, notes.get(s.pk, ""))
        for s in staff
        if s.pk not in away
    ]


@dataclass(frozen=True)
class FindingIn:
    """A finding as a team member records it."""

    item_id: int | None
    note: str
    person_id: int | None = None
    photos: tuple[UploadedFile, ...] = ()
    client_key: str = ""


def _store_photos(finding: Finding, files: Sequence[UploadedFile], rules: Rules) -> list[Photo]:
    if len(files) > photo_checks.MAX_PHOTOS:
        raise ValidationError({"photos": f"每个问题最多{photo_checks.MAX_PHOTOS}张照片"})
    cleaned = [
        photo_checks.clean(f, keep_gps=rules.keep_gps, max_bytes=rules.max_photo_mb * 1024 * 1024)
        for f in files
    ]
    now = timezone.now()
    stored = []
    for c in cleaned:
        photo = Photo(
            finding=finding,
            content_type=c.content_type,
            size=len(c.data),
            sha256=hashlib.sha256(c.data).hexdigest(),
            taken_at=c.taken_at,
            gps_kept=c.gps_kept,
            uploaded_at=now,
        )
        photo.file.save(f"{secrets.token_hex(16)}.{c.extension}", ContentFile(c.data), save=False)
        photo.save()
        stored.append(photo)
    return stored


def _check_finding(visit: Visit, data: FindingIn) -> tuple[CheckItem | None, Staff | None, str]:
    note = _text(data.note, "note", "问题描述", required=False)
    item = None
    if data.item_id is not None:
        item = CheckItem.objects.filter(pk=data.item_id).first()
        if item is None:
            raise ValidationError({"item": "检查项目不存在"})
    if item is None and not note:
        raise ValidationError({"item": "请选择检查项目或填写问题描述"})
    person = None
    if data.person_id is not None:
        person = Staff.objects.filter(
            pk=data.person_id, unit__path__startswith=visit.unit.path
        ).first()
        if person is None:
            raise ValidationError({"person": "当事人应为被检查单位的工作人员"})
    return item, person, note


@transaction.atomic
def record_finding(actor: User, visit: Visit, data: FindingIn) -> Finding:
    """记录发现问题; the same ``client_key`` sent again returns the finding already stored."""
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("plan", "unit")
        .get(pk=visit.pk)
    )
    key = (data.client_key or "").strip()[:64]
    done: Finding | None = (
        Finding.objects.filter(visit=visit, client_key=key).first() if key else None
    )
    if done is not None:
        return done
    if not may_record(actor, visit):
        if visit.status != Visit.Status.RECORDING:
            raise ValidationError("该检查记录已提交，不能再添加问题")
        raise PermissionDenied("只有检查组成员可以记录问题")
    item, person, note = _check_finding(visit, data)
    finding = Finding(
        visit=visit,
        item=item,
        note=note,
        person=person,
        deduction=item.deduction if item is not None else Decimal(0),
        recorded_at=timezone.now(),
        recorded_by=actor,
        client_key=key,
        deadline_open=False,
    )
    try:
        with transaction.atomic():
            finding.save()
    except IntegrityError:
        found: Finding | None = Finding.objects.filter(visit=visit, client_key=key).first()
        if found is None:
            raise
        return found
    _store_photos(finding, data.photos, Rules.current())
    audit.record(
        actor,
        audit.Action.CREATE,
        finding,
        after=audit.snapshot(finding),
        summary=f"记录发现问题（照片{len(data.photos)}张）",
    )
    return finding


def _office() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))


@transaction.atomic
def submit_visit(actor: User, visit: Visit, note: str = "") -> Visit:
    """提交检查记录: the office reviews it; from now on the unit sees the visit (and a 暗访 plan
    that led to it)."""
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("plan", "unit")
        .get(pk=visit.pk)
    )
    if visit.status != Visit.Status.RECORDING:
        raise ValidationError("该检查记录已提交")
    if not may_record(actor, visit):
        raise PermissionDenied("只有检查组成员可以提交检查记录")
    visit.note = _text(note, "note", "检查情况", required=False) or visit.note
    visit.status = Visit.Status.SUBMITTED
    visit.submitted_at = timezone.now()
    if not visit.findings.exists():
        visit.status = Visit.Status.REVIEWED  # nothing found: nothing to review
        visit.reviewed_at = visit.submitted_at
    visit.save(update_fields=["note", "status", "submitted_at", "reviewed_at"])
    audit.record(
        actor, audit.Action.UPDATE, visit, after={"status": visit.status}, summary="提交检查记录"
    )
    if visit.status == Visit.Status.SUBMITTED:
        notifications.notify(
            _office(),
            kind="info",
            title=f"检查记录待审核：{visit.unit.name}"[:200],
            body=f"检查日期{visit.visited_on:%Y-%m-%d}，发现问题{visit.findings.count()}个。",
            link=reverse("inspections:visit", args=[visit.pk]),
        )
    return visit


@transaction.atomic
def file_observation(
    actor: User, unit: Unit, visited_on: date, data: FindingIn, note: str = ""
) -> Visit:
    """监督员随访: a supervisor's own visit with one finding, submitted for review at once."""
    if actor_role(actor) not in (Role.SUPERVISOR, *OFFICE_ROLES):
        raise PermissionDenied("只有效能监督员可以报送随访发现")
    if unit is None or not unit.is_active:
        raise ValidationError({"unit": "请选择被检查单位"})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": "检查日期不能晚于今天"})
    visit = Visit.objects.create(
        plan=None,
        unit=unit,
        visited_on=visited_on,
        note=_text(note, "visit_note", "检查情况", required=False),
        created_at=timezone.now(),
        created_by=actor,
    )
    audit.record(
        actor, audit.Action.CREATE, visit, after=audit.snapshot(visit), summary="监督员随访"
    )
    record_finding(actor, visit, data)
    return submit_visit(actor, visit)


# ---- review, cards, rectification, contest -------------------------------------------------------


def _may_act(actor: Actor, finding: Any, action: str) -> str | None:
    if not is_person(actor):
        return None
    if action == "contest":
        if not Finding.objects.editable_by(actor).filter(pk=finding.pk).exists():
            return "只能对本单位的问题提出申辩"
        return None
    return None


def _contest_open(finding: Any) -> str | None:
    if finding.due_at is not None and timezone.now() > finding.due_at:
        return f"申辩期限已于{local_date(finding.due_at):%Y-%m-%d}届满，不能再申辩"
    return None


UNIT_ROLES = frozenset({Role.ADMIN, Role.OFFICE, Role.LIAISON})

FINDING = Transitions(
    noun="问题",
    actions={
        "confirm": Transition("确认", {FStatus.PENDING}, FStatus.CONFIRMED, OFFICE_ROLES),
        "drop": Transition("不予认定", {FStatus.PENDING}, FStatus.DROPPED, OFFICE_ROLES),
        "contest": Transition(
            "申辩", {FStatus.CONFIRMED}, FStatus.CONTESTED, UNIT_ROLES, guard=_contest_open
        ),
        "uphold": Transition("维持", {FStatus.CONTESTED}, FStatus.UPHELD, OFFICE_ROLES),
        "withdraw": Transition("撤销", {FStatus.CONTESTED}, FStatus.WITHDRAWN, OFFICE_ROLES),
    },
    may_act=_may_act,
    related=("visit", "visit__unit", "item", "person"),
)


def available(actor: User, finding: Finding) -> list[str]:
    return FINDING.available(actor, finding)


def _finish_visit(visit: Visit) -> None:
    """The visit is reviewed once none of its findings waits for review."""
    if (
        visit.status == Visit.Status.SUBMITTED
        and not visit.findings.filter(status=FStatus.PENDING).exists()
    ):
        visit.status = Visit.Status.REVIEWED
        visit.reviewed_at = timezone.now()
        visit.save(update_fields=["status", "reviewed_at"])


def _describe(finding: Finding) -> str:
    visit = finding.visit
    kind = chinese_display(visit.plan, "kind") if visit.plan is not None else "监督员随访"
    return f"{kind}（{visit.visited_on:%Y-%m-%d}）发现{visit.unit.name}：{finding.title}"


@transaction.atomic
def confirm(
    actor: User,
    finding: Finding,
    *,
    reason: str = "",
    card: bool = False,
    rectify_by: date | None = None,
) -> Finding:
    """确认: the finding stands; the unit is told and may contest within the limit. With
    ``card`` a yellow card is raised, with ``rectify_by`` a 整改任务 opened."""
    step = FINDING.begin(actor, finding, "confirm")
    f = step.record
    now = timezone.now()
    rules = Rules.current()
    window = after_workdays(now, rules.contest_days, 0)
    f.review_reason = _text(reason, "reason", "审核意见", required=False)
    f.reviewed_at = f.confirmed_at = now
    f.reviewed_by = actor
    f.due_at, f.warn_at = window.due_at, None
    f.deadline_provisional = window.provisional
    f.deadline_open = True
    step.finish(
        summary="确认问题",
        fields=[
            "review_reason",
            "reviewed_at",
            "confirmed_at",
            "reviewed_by",
            "due_at",
            "warn_at",
            "deadline_provisional",
            "deadline_open",
        ],
    )
    _finish_visit(f.visit)
    notifications.notify(
        notifications.responsible_recipients(f.visit.unit),
        kind="warning",
        title=f"明查暗访发现问题已确认：{f.title}"[:200],
        body=f"{_describe(f)}。如有异议，请于{local_date(window.due_at):%Y-%m-%d}前提出申辩。",
        link=reverse("inspections:visit", args=[f.visit_id]),
        dedupe_key=f"inspection:{f.pk}:confirmed",
    )
    if card:
        raise_card(actor, f)
    if rectify_by is not None:
        open_rectification(actor, f, rectify_by)
    return f


@transaction.atomic
def drop(actor: User, finding: Finding, reason: str) -> Finding:
    """不予认定, with the reason."""
    step = FINDING.begin(actor, finding, "drop")
    f = step.record
    f.review_reason = _text(reason, "reason", "不予认定的理由")
    f.reviewed_at = timezone.now()
    f.reviewed_by = actor
    step.finish(summary="不予认定", fields=["review_reason", "reviewed_at", "reviewed_by"])
    _finish_visit(f.visit)
    return f


def card_intent(finding: Finding) -> supervision.CardIntent:
    """The yellow card of a confirmed finding: once per finding (key ``inspection:<id>``)."""
    return supervision.CardIntent(
        color=Card.Color.YELLOW,
        cause=Card.Cause.INSPECTION_FINDING,
        cause_key=f"inspection:{finding.pk}",
        unit=finding.visit.unit,
        staff=finding.person,
        subject=finding,
        at=finding.confirmed_at,
        summary=_describe(finding)[:300],
    )


def card_for(finding: Finding) -> Card | None:
    return Card.objects.filter(
        cause=Card.Cause.INSPECTION_FINDING, cause_key=f"inspection:{finding.pk}"
    ).first()


@transaction.atomic
def raise_card(actor: User, finding: Finding) -> Card:
    """亮黄牌 for a standing finding, through the card rules (exactly once)."""
    _require_office(actor)
    f = Finding.objects.select_related("visit__unit", "visit__plan", "item", "person").get(
        pk=finding.pk
    )
    if f.status not in Finding.STANDING:
        raise ValidationError("只有已确认的问题可以亮牌")
    if card_for(f) is not None:
        raise ValidationError("该问题已亮牌")
    supervision.raise_cards([card_intent(f)], at=timezone.now())
    found = card_for(f)
    assert found is not None  # raised just now, or by a concurrent writer
    return found


@transaction.atomic
def open_rectification(actor: User, finding: Finding, complete_by: date) -> Task:
    """立整改任务 for a standing finding (source 明查暗访, once per finding)."""
    _require_office(actor)
    f = Finding.objects.select_related("visit__unit", "visit__plan", "item").get(pk=finding.pk)
    if f.status not in Finding.STANDING:
        raise ValidationError("只有已确认的问题可以立整改任务")
    request = rectification.OpenTask(
        source=SourceRef(
            SourceKind.INSPECTION,
            f.pk,
            f"明查暗访问题{f.number}",
            reverse("inspections:visit", args=[f.visit_id]),
        ),
        unit=f.visit.unit,
        title=f"{f.title}（{f.visit.unit.name}）"[:200],
        problems=(rectification.ProblemIn(f.title[:200], f.note),),
        description=_describe(f),
        complete_by=complete_by,
    )
    return rectification.open_task(actor, request)


def task_for(finding: Finding) -> Task | None:
    return rectification.task_for(SourceKind.INSPECTION, finding.pk)


@transaction.atomic
def contest(
    actor: User, finding: Finding, reason: str, files: Sequence[UploadedFile] = ()
) -> Finding:
    """申辩: the unit's liaison, within the limit, with the reason and photos as evidence."""
    step = FINDING.begin(actor, finding, "contest")
    f = step.record
    f.contest_reason = _text(reason, "reason", "申辩理由")
    f.contested_at = timezone.now()
    f.contested_by = actor
    f.deadline_open = False  # the window was used
    _store_photos(f, files, Rules.current())
    step.finish(
        summary="提出申辩",
        fields=["contest_reason", "contested_at", "contested_by", "deadline_open"],
    )
    notifications.notify(
        _office(),
        kind="info",
        title=f"明查暗访问题申辩：{f.visit.unit.name}"[:200],
        body=f"{_describe(f)}。申辩理由：{f.contest_reason[:200]}",
        link=reverse("inspections:visit", args=[f.visit_id]),
    )
    return f


@transaction.atomic
def decide_contest(actor: User, finding: Finding, *, accept: bool, reason: str) -> Finding:
    """The office withdraws the finding (申辩采纳; its card is withdrawn too) or upholds it."""
    step = FINDING.begin(actor, finding, "withdraw" if accept else "uphold")
    f = step.record
    f.decision_reason = _text(reason, "reason", "处理意见")
    f.decided_at = timezone.now()
    f.decided_by = actor
    step.finish(
        summary="申辩采纳，撤销问题" if accept else "申辩未采纳，维持问题",
        fields=["decision_reason", "decided_at", "decided_by"],
    )
    card = card_for(f)
    if accept and card is not None and card.status != Card.Status.WITHDRAWN:
        supervision.decide_card(
            actor, card, withdraw=True, reason=f"明查暗访问题申辩采纳：{reason}"
        )
    notifications.notify(
        notifications.responsible_recipients(f.visit.unit),
        kind="info",
        title=("申辩已采纳：" if accept else "申辩未采纳：") + f.title,
        body=f.decision_reason[:500],
        link=reverse("inspections:visit", args=[f.visit_id]),
    )
    return f


# ---- what other apps read ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmedFinding:
    """A finding that stands, for accountability (责任追究)."""

    finding_id: int
    unit_id: int
    person_id: int | None  # org Staff id
    category: str  # the check item's category label, or “其他”
    item_name: str
    deduction: Decimal
    confirmed_at: datetime
    summary: str


def confirmed_findings(since: date, until: date) -> list[ConfirmedFinding]:
    """The findings confirmed on ``since``…``until`` (local dates, inclusive) that still stand
    (confirmed, contested or upheld — not dropped nor withdrawn), oldest first."""
    rows = (
        Finding.objects.confirmed()
        .filter(confirmed_at__date__gte=since, confirmed_at__date__lte=until)
        .select_related("visit__unit", "visit__plan", "item")
        .order_by("confirmed_at", "pk")
    )
    found = []
    for f in rows:
        assert f.confirmed_at is not None  # a standing finding was confirmed
        item = f.item
        found.append(
            ConfirmedFinding(
                finding_id=f.pk,
                unit_id=f.visit.unit_id,
                person_id=f.person_id,
                category=(
                    chinese_display(item, "category")
                    if item
                    else chinese(CheckItem.Category.OTHER.label)
                ),
                item_name=item.name if item else "",
                deduction=f.deduction,
                confirmed_at=f.confirmed_at,
                summary=_describe(f) + (f"。{f.note}" if f.note else ""),
            )
        )
    return found
