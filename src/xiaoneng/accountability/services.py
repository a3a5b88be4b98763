"""责任追究 services: every change to a violation goes through here, in a transaction, audited.

- Opening (立案): :func:`open_violation` from a described source record (the sweeper's intake,
  :func:`intake`, for causes whose rules say so; the office by hand, :func:`open_from_source`).
  A source opens at most one violation: a unique constraint on (cause, source id) backs the
  refusal, so a race or a rerun cannot open a second.
- The procedure (``FLOW``): 指定调查人 → 调查并告知陈述申辩 (a limit in working days on the
  deadline engine) → 陈述申辩 (or its lapse) → 处理意见 (the rules' suggestion shown, a person
  proposes) → 决定 (some sanctions only by a leader, ``Policy.leadership_levels``) → 送达
  (the appeal window opens on the deadline engine) → 申诉 → 复核 by a different decider
  (维持/变更/撤销). 不予追究 ends a violation without a sanction.
- A sanction cannot skip a step: the table only lets a proposal follow the statement period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese, chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.org.models import Staff, Unit
from xiaoneng.rectification.deadlines import after_workdays
from xiaoneng.workflow import Actor, Transition, Transitions, actor_role, is_person

from . import people, sources
from .models import (
    DECIDER_ROLES,
    LADDER,
    OFFICE_ROLES,
    Appeal,
    Cause,
    Event,
    IntakeRun,
    Policy,
    Rule,
    Sanction,
    Violation,
    rank,
)
from .sources import SourceRecord

Status = Violation.Status
SYSTEM = "电子监察"
TEXT_LIMIT = 5000
#: The fields of a violation's deadline on the shared engine.
DEADLINE_FIELDS = (
    "due_at",
    "warn_at",
    "deadline_open",
    "warned_at",
    "overdue_at",
    "deadline_provisional",
)
#: What an audit entry of a violation shows (never the person: the audit is read more widely).
AUDITED = ("cause", "source_id", "unit_id", "summary", "status", "proposed", "sanction")


# ---- small helpers -------------------------------------------------------------------------------


def policy() -> Policy:
    found, _created = Policy.objects.get_or_create(
        pk=1, defaults={"leadership_levels": list(LADDER[rank(Sanction.TALK) :])}
    )
    return found


def actor_name(actor: Actor | None) -> str:
    if isinstance(actor, str):
        return actor
    if actor is None or not actor.is_authenticated:
        return SYSTEM
    return str(actor)


def _text(value: str | None, field: str, label: str, limit: int = TEXT_LIMIT) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}不能超过{limit}字（现为{len(value)}字）"})
    return value


def _sanction(value: str, field: str) -> str:
    if value not in LADDER:
        raise ValidationError({field: "请选择处理方式"})
    return value


def _event(v: Violation, actor: Actor | None, label: str, note: str = "") -> None:
    Event.objects.create(
        violation=v, at=timezone.now(), actor_name=actor_name(actor)[:150], label=label, note=note
    )


def link(v: Violation) -> str:
    return f"/office/accountability/{v.pk}/"


def office_users() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))


def person_of(v: Violation) -> people.Person | None:
    return people.unseal(v.person_token) if v.person_token else None


def person_user(v: Violation) -> User | None:
    """The login of the sanctioned person, if they have one."""
    person = person_of(v)
    if person is None or person.staff_id is None:
        return None
    return User.objects.filter(staff__pk=person.staff_id, is_active=True).first()


def is_the_person(actor: Actor, v: Violation) -> bool:
    if not is_person(actor) or not v.person_digest:
        return False
    return v.person_digest in people.digests_for_user(actor)


def requires_leader(sanction: str) -> bool:
    return sanction in (policy().leadership_levels or [])


def months_before(moment: datetime, months: int) -> datetime:
    """The same instant ``months`` calendar months earlier (the 31st → the month's last day)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


# ---- the rules propose ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """What the rules propose for a violation: the sanction, and which rule and count."""

    sanction: str
    reason: str
    count: int


def suggest(v: Violation) -> Suggestion | None:
    """The highest sanction among the active rules of the violation's cause whose count is
    reached by this person's (or, with no person, this unit's) violations of that cause in the
    rule's period up to this one (不予追究 ones not counted)."""
    rules = list(Rule.objects.filter(cause=v.cause, active=True))
    best: Suggestion | None = None
    for rule in rules:
        if rule.category and rule.category not in f"{v.category}{v.summary}":
            continue
        same = Violation.objects.filter(
            cause=v.cause,
            occurred_at__gt=months_before(v.occurred_at, rule.months),
            occurred_at__lte=v.occurred_at,
        ).exclude(status=Status.DISMISSED)
        if v.person_digest:
            same = same.filter(person_digest=v.person_digest)
        else:
            same = same.filter(unit_id=v.unit_id, person_digest="")
        count = same.exclude(pk=v.pk).count() + 1  # this one, as it stands (maybe unsaved)
        if count >= rule.count and (best is None or rank(rule.sanction) > rank(best.sanction)):
            best = Suggestion(rule.sanction, f"{rule}（本次为第{count}次）", count)
    return best


# ---- the rules and the leadership list, edited by the office -----------------------------------

#: What an audit entry of a rule shows.
RULE_FIELDS = ("cause", "category", "count", "months", "sanction", "auto_open", "active", "note")
MONTHS_MAX = 120


@dataclass(frozen=True)
class RuleIn:
    """A rule as the office enters it (追究规则: cause × count in a period → proposed sanction)."""

    cause: str
    category: str
    count: int
    months: int
    sanction: str
    auto_open: bool
    active: bool = True
    note: str = ""


def _require_office(actor: Actor) -> None:
    if is_person(actor) and actor_role(actor) not in OFFICE_ROLES:
        raise PermissionDenied("只有效能办可以修改追究规则")


def check_rule(data: RuleIn, rule: Rule | None = None) -> RuleIn:
    """The rule, cleaned; every problem refused with a Chinese message on its field."""
    errors: dict[str, str] = {}
    if data.cause not in Cause.values or data.cause == Cause.MANUAL:
        errors["cause"] = "请选择线索来源（效能办立案不适用规则）"
    if data.sanction not in LADDER:
        errors["sanction"] = "建议处理方式须为处理方式序列中的一级：" + " → ".join(
            chinese(Sanction(s).label) for s in LADDER
        )
    if data.count < 1:
        errors["count"] = "次数至少为1（第1次起即适用的规则填1）"
    if not 1 <= data.months <= MONTHS_MAX:
        errors["months"] = f"期间须为1至{MONTHS_MAX}个月"
    category = data.category.strip()
    if len(category) > 50:
        errors["category"] = "类别不能超过50字"
    note = data.note.strip()
    if len(note) > 200:
        errors["note"] = "说明不能超过200字"
    if errors:
        raise ValidationError(errors)
    clean = RuleIn(
        data.cause,
        category,
        data.count,
        data.months,
        data.sanction,
        data.auto_open,
        data.active,
        note,
    )
    if clean.active:
        same = Rule.objects.filter(
            active=True, cause=clean.cause, category=clean.category, count=clean.count
        )
        if rule is not None and rule.pk:
            same = same.exclude(pk=rule.pk)
        other = same.first()
        if other is not None:
            raise ValidationError(
                {
                    "count": f"与在用规则“{chinese(other)}”重叠：同一来源、类别和次数只能有一条"
                    "在用规则，请修改那一条或先停用它"
                }
            )
    return clean


@transaction.atomic
def save_rule(actor: Actor, rule: Rule | None, data: RuleIn) -> Rule:
    """Add (``rule`` None) or change a rule; audited with the values before and after."""
    _require_office(actor)
    if rule is not None:
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
    clean = check_rule(data, rule)
    before = audit.snapshot(rule, RULE_FIELDS) if rule is not None else None
    found = rule if rule is not None else Rule()
    for field in RULE_FIELDS:
        setattr(found, field, getattr(clean, field))
    found.save()
    audit.record(
        actor,
        audit.Action.UPDATE if before is not None else audit.Action.CREATE,
        found,
        before=before,
        after=audit.snapshot(found, RULE_FIELDS),
        summary="修改追究规则" if before is not None else "新增追究规则",
    )
    return found


@transaction.atomic
def delete_rule(actor: Actor, rule: Rule) -> None:
    """Remove a rule (the suggestions already made keep their text; the audit keeps the rule)."""
    _require_office(actor)
    before = audit.snapshot(rule, RULE_FIELDS)
    audit.record(actor, audit.Action.DELETE, rule, before=before, summary="删除追究规则")
    rule.delete()


def check_leadership(levels: list[str]) -> list[str]:
    """The sanctions only a leader decides, in ladder order: rungs of the ladder, and closed
    upwards (whoever may not decide a sanction may not decide a heavier one either)."""
    unknown = [s for s in levels if s not in LADDER]
    if unknown:
        raise ValidationError({"levels": "请选择处理方式序列中的处理方式"})
    chosen = [s for s in LADDER if s in levels]
    if chosen and chosen != list(LADDER[rank(chosen[0]) :]):
        lightest = chinese(Sanction(chosen[0]).label)
        raise ValidationError(
            {"levels": f"“{lightest}”须由领导决定时，比它更重的处理方式也须由领导决定"}
        )
    return chosen


@transaction.atomic
def set_leadership(actor: Actor, levels: list[str]) -> Policy:
    """须由领导决定的处理方式: the office sets the list; audited."""
    _require_office(actor)
    chosen = check_leadership(levels)
    found = Policy.objects.select_for_update().get(pk=policy().pk)
    before = audit.snapshot(found, ["leadership_levels"])
    found.leadership_levels = chosen
    found.save(update_fields=["leadership_levels"])
    audit.record(
        actor,
        audit.Action.UPDATE,
        found,
        before=before,
        after=audit.snapshot(found, ["leadership_levels"]),
        summary="修改须由领导决定的处理方式",
    )
    return found


# ---- opening -------------------------------------------------------------------------------------


def _create(actor: Actor | None, record: SourceRecord, now: datetime) -> Violation:
    token, digest = people.seal(record.person)
    v = Violation(
        cause=record.cause,
        source_id=record.id,
        source_label=record.label[:200],
        source_link=record.link[:300],
        category=record.category[:50],
        unit_id=record.unit_id,
        person_token=token,
        person_digest=digest,
        summary=record.summary[:300],
        occurred_at=record.occurred_at,
        status=Status.OPEN,
        opened_at=now,
        opened_by_name=actor_name(actor)[:150],
        deadline_open=False,
    )
    try:
        with transaction.atomic():
            v.save()
    except IntegrityError:
        raise ValidationError(f"{record.label}已经立案，同一来源只能立案一次") from None
    found = suggest(v)
    if found is not None:
        v.suggested, v.suggested_by = found.sanction, found.reason[:200]
        v.save(update_fields=["suggested", "suggested_by"])
    _event(v, actor, "立案", record.label)
    audit.record(
        actor, audit.Action.CREATE, v, after=audit.snapshot(v, AUDITED), summary="效能问题线索立案"
    )
    return v


@transaction.atomic
def open_violation(actor: Actor, record: SourceRecord, *, at: datetime | None = None) -> Violation:
    """立案 from a described source record; refused when the source already opened one."""
    if is_person(actor) and actor_role(actor) not in OFFICE_ROLES:
        raise PermissionDenied("只有效能办可以立案")
    if Violation.objects.filter(cause=record.cause, source_id=record.id).exists():
        raise ValidationError(f"{record.label}已经立案，同一来源只能立案一次")
    v = _create(actor, record, at or timezone.now())
    notifications.notify(
        office_users(),
        kind="info",
        title=f"效能问题线索已立案：{v.summary}"[:200],
        link=link(v),
        dedupe_key=f"accountability:{v.pk}:open",
    )
    return v


def open_from_source(actor: Actor, cause: str, source_id: int) -> Violation:
    """The office opens a violation for one source record by hand."""
    provider = sources.provider(cause)
    if provider is None:
        raise ValidationError("未知的线索来源")
    record = provider.get(source_id)
    if record is None:
        raise ValidationError("该来源记录不存在或不构成效能问题线索")
    return open_violation(actor, record)


def auto_causes() -> list[str]:
    return sorted(
        set(Rule.objects.filter(active=True, auto_open=True).values_list("cause", flat=True))
    )


def candidates(
    since: datetime, until: datetime, causes: list[str] | None = None
) -> list[SourceRecord]:
    """Source records in [since, until) not yet opened (the office's 待立案线索)."""
    found: list[SourceRecord] = []
    for provider in sources.providers():
        if causes is not None and provider.cause not in causes:
            continue
        records = provider.find(since, until)
        opened = set(
            Violation.objects.filter(
                cause=provider.cause, source_id__in=[r.id for r in records]
            ).values_list("source_id", flat=True)
        )
        found += [r for r in records if r.id not in opened]
    return sorted(found, key=lambda r: r.occurred_at)


@dataclass(frozen=True)
class Pending:
    """The 待立案线索 page's share of the unopened source records of a span: how many there are
    (per cause and in all) and the newest ``limit`` of them, newest first."""

    total: int
    by_cause: tuple[tuple[str, int], ...]
    records: tuple[SourceRecord, ...]


def _opened_ids(cause: str) -> Any:
    return Violation.objects.filter(cause=cause, source_id__isnull=False).values("source_id")


def pending(since: datetime, until: datetime, limit: int, offset: int = 0) -> Pending:
    """Unopened source records in [since, until): counted, ordered and paged in the database
    for every provider that offers ``keys``/``many`` (two queries each, then one to describe
    the page's records); a provider without them is read through ``find``."""
    newest: list[tuple[datetime, int, str]] = []
    described: dict[tuple[str, int], SourceRecord] = {}
    counts: list[tuple[str, int]] = []
    wanted = offset + limit
    for provider in sources.providers():
        if provider.keys is not None and provider.many is not None:
            rows = provider.keys(since, until).exclude(pk__in=_opened_ids(provider.cause))
            count = rows.count()
            if count:
                top = rows.order_by("-occurred", "-pk").values_list("occurred", "pk")[:wanted]
                newest += [(when, pk, provider.cause) for when, pk in top]
        else:
            records = provider.find(since, until)
            opened = set(
                Violation.objects.filter(
                    cause=provider.cause, source_id__in=[r.id for r in records]
                ).values_list("source_id", flat=True)
            )
            records = [r for r in records if r.id not in opened]
            count = len(records)
            for r in records:
                newest.append((r.occurred_at, r.id, r.cause))
                described[(r.cause, r.id)] = r
        if count:
            counts.append((provider.cause, count))
    newest.sort(key=lambda row: (row[0], row[1]), reverse=True)
    page = newest[offset:wanted]
    missing: dict[str, list[int]] = {}
    for _when, pk, cause in page:
        if (cause, pk) not in described:
            missing.setdefault(cause, []).append(pk)
    for cause, ids in missing.items():
        found = sources.provider(cause)
        assert found is not None and found.many is not None  # only keyed providers are missing
        described.update({(r.cause, r.id): r for r in found.many(ids)})
    shown = tuple(described[(cause, pk)] for _when, pk, cause in page if (cause, pk) in described)
    return Pending(sum(n for _c, n in counts), tuple(counts), shown)


def intake(actor: Actor, since: datetime, until: datetime) -> int:
    """自动立案: open a violation for every new source record of a cause whose rules say so.
    Each record is opened in its own transaction; one a parallel run opened first is skipped."""
    opened = 0
    for record in candidates(since, until, auto_causes()):
        try:
            open_violation(actor, record, at=until)
        except ValidationError:
            continue
        opened += 1
    return opened


def schedule_intake(at: datetime) -> IntakeRun:
    """Make sure one scan is pending; the sweeper runs it when ``at`` passes."""
    pending = IntakeRun.objects.filter(deadline_open=True, overdue_at__isnull=True).first()
    if pending is not None:
        return pending
    return IntakeRun.objects.create(due_at=at, warn_at=None)


def run_intake(run: IntakeRun, now: datetime) -> int:
    """The watch's work for one scan: look back ``Policy.intake_lookback_days`` and open."""
    since = now - timedelta(days=policy().intake_lookback_days)
    run.opened = intake(SYSTEM, since, now)
    IntakeRun.objects.filter(pk=run.pk).update(opened=run.opened)
    return run.opened


# ---- the procedure -------------------------------------------------------------------------------


def _statement_lapsed(v: Any) -> str | None:
    if v.status == Status.STATEMENT and not v.statement_lapsed:
        return "陈述申辩期限未满，尚未收到陈述申辩，不能提出处理意见"
    return None


def _appeal_open(v: Any) -> str | None:
    if v.due_at is not None and timezone.now() > v.due_at:
        return f"申诉期限已于{timezone.localtime(v.due_at):%Y-%m-%d}届满，不能再申诉"
    return None


def _publishable(v: Any) -> str | None:
    if v.sanction != Sanction.CRITICISM or v.withdrawn:
        return "只有有效的通报批评决定可以公开"
    return None


def _is_lead(v: Any) -> str | None:
    if v.joint_of_id is not None:
        return "请在本线索的第一位责任人的页面上增加责任人"
    return None


def _may_act(actor: Actor, v: Any, action: str) -> str | None:
    if not is_person(actor):
        return None
    role = actor_role(actor)
    if action in ("submit_statement", "appeal"):
        if is_the_person(actor, v) or role in OFFICE_ROLES:
            return None
        return "只有被追究人本人（或效能办代为登记）可以办理"
    if (
        action in ("decide", "review")
        and role == Role.LEADER
        and not Violation.objects.visible_to(actor).filter(pk=v.pk).exists()
    ):
        return "只能决定本单位及下属单位的事项"
    if action == "review" and v.decided_by_id == actor.pk:
        return "复核须由原决定人以外的人办理"
    if action in ("decide", "review") and is_the_person(actor, v):
        return "不能决定本人的事项"
    return None


OFFICE = OFFICE_ROLES
FLOW = Transitions(
    noun="效能问题线索",
    actions={
        "assign": Transition(
            "指定调查人", {Status.OPEN, Status.INVESTIGATING}, Status.INVESTIGATING, OFFICE
        ),
        "add_person": Transition(
            "增加责任人", {Status.OPEN, Status.INVESTIGATING}, None, OFFICE, guard=_is_lead
        ),
        "request_statement": Transition(
            "告知陈述申辩", {Status.INVESTIGATING}, Status.STATEMENT, OFFICE
        ),
        "submit_statement": Transition("陈述申辩", {Status.STATEMENT}, Status.PROPOSAL, None),
        "propose": Transition(
            "提出处理意见",
            {Status.STATEMENT, Status.PROPOSAL},
            Status.DECIDING,
            OFFICE,
            guard=_statement_lapsed,
        ),
        "dismiss": Transition(
            "不予追究",
            {Status.OPEN, Status.INVESTIGATING, Status.PROPOSAL, Status.DECIDING},
            Status.DISMISSED,
            OFFICE,
        ),
        "decide": Transition("作出决定", {Status.DECIDING}, Status.DECIDED, DECIDER_ROLES),
        "deliver": Transition("登记送达", {Status.DECIDED}, Status.DELIVERED, OFFICE),
        "appeal": Transition("申诉", {Status.DELIVERED}, Status.APPEALED, None, guard=_appeal_open),
        "review": Transition("复核", {Status.APPEALED}, Status.CLOSED, DECIDER_ROLES),
        "publish": Transition(
            "公开通报",
            {Status.DELIVERED, Status.APPEALED, Status.CLOSED},
            None,
            OFFICE,
            guard=_publishable,
        ),
    },
    may_act=_may_act,
)


def available(actor: Actor, v: Violation) -> list[str]:
    return FLOW.available(actor, v)


def _set_deadline(v: Violation, start: datetime, days: int, warn_days: int) -> None:
    deadline = after_workdays(start, days, warn_days)
    v.due_at, v.warn_at, v.deadline_provisional = (
        deadline.due_at,
        deadline.warn_at,
        deadline.provisional,
    )
    v.deadline_open, v.warned_at, v.overdue_at = True, None, None


def _close_deadline(v: Violation) -> None:
    v.deadline_open = False


def unit_recipients(v: Violation) -> tuple[list[User], list[User]]:
    """Who is told about a step for the person and the unit: (those who may open the
    violation, those who may not — the unit's liaisons, told without a link)."""
    recipients = notifications.responsible_recipients(v.unit)
    user = person_user(v)
    if user is not None:
        recipients = [user, *[r for r in recipients if r.pk != user.pk]]
    linked = [r for r in recipients if Violation.objects.visible_to(r).filter(pk=v.pk).exists()]
    return linked, [r for r in recipients if r not in linked]


def _notify_person(v: Violation, title: str, body: str = "") -> None:
    linked, unlinked = unit_recipients(v)
    notifications.notify(linked, kind="info", title=title[:200], body=body, link=link(v))
    notifications.notify(unlinked, kind="info", title=title[:200], body=body)


@transaction.atomic
def assign(actor: User, v: Violation, investigator: User | None) -> Violation:
    step = FLOW.begin(actor, v, "assign")
    if investigator is None or investigator.role not in (Role.OFFICE, Role.LEADER):
        raise ValidationError({"investigator": "请选择效能办或领导中的调查人"})
    step.record.investigator = investigator
    _event(step.record, actor, "指定调查人", str(investigator))
    return step.finish(
        summary="指定调查人", fields=["investigator"], after={"investigator": investigator.pk}
    )


def group(v: Violation) -> Any:
    """Every row of the violation: the first and those joint to it (one per person)."""
    lead = v.lead_id
    return Violation.objects.filter(Q(pk=lead) | Q(joint_of_id=lead)).order_by("pk")


def _check_person(
    v: Violation, staff: Staff, field: str = "person", *, new_row: bool = False
) -> str:
    """A person named on a violation: of the violation's unit or a unit below it, and not
    already named on another row of the same violation (nor on ``v`` itself when the person
    is to get a ``new_row``). Returns the person's digest."""
    if not staff.unit.path.startswith(v.unit.path):
        raise ValidationError({field: f"责任人须为{v.unit.name}或其下属单位的工作人员"})
    digests = set(people.digests_for_staff(staff))
    others = group(v) if new_row else group(v).exclude(pk=v.pk)
    if others.filter(person_digest__in=digests).exists():
        raise ValidationError({field: f"{staff.name}已是本线索的责任人，同一人只能列一次"})
    return people.seal(people.from_staff(staff))[1]


def _name_person(v: Violation, staff: Staff) -> None:
    """The investigation names the person responsible: a member of the unit or a unit below,
    not already a person of the same violation."""
    _check_person(v, staff)
    v.person_token, v.person_digest = people.seal(people.from_staff(staff))
    found = suggest(v)
    v.suggested = found.sanction if found else ""
    v.suggested_by = found.reason[:200] if found else ""


@transaction.atomic
def add_person(actor: User, v: Violation, staff: Staff | None) -> Violation:
    """增加责任人: one more person responsible for the same event, while it is investigated.
    The person gets a row of their own (``joint_of`` the first), which goes through every step
    on its own — statement, proposal, decision, delivery, appeal — so that each sanction is
    the person's. Where the first row names nobody yet, the person is named there instead.
    Returns the row that names the person."""
    step = FLOW.begin(actor, v, "add_person")
    lead = step.record
    if staff is None:
        raise ValidationError({"staff": "请选择责任人"})
    if not lead.person_digest:
        _name_person(lead, staff)
        _event(lead, actor, "指定责任人")
        step.finish(
            summary="指定责任人",
            fields=["person_token", "person_digest", "suggested", "suggested_by"],
        )
        return lead
    _check_person(lead, staff, "staff", new_row=True)
    token, digest = people.seal(people.from_staff(staff))
    now = timezone.now()
    row = Violation(
        joint_of=lead,
        cause=lead.cause,
        source_id=lead.source_id,
        source_label=lead.source_label,
        source_link=lead.source_link,
        category=lead.category,
        unit_id=lead.unit_id,
        person_token=token,
        person_digest=digest,
        summary=lead.summary,
        occurred_at=lead.occurred_at,
        status=Status.INVESTIGATING if lead.investigator_id else Status.OPEN,
        opened_at=now,
        opened_by_name=actor_name(actor)[:150],
        investigator_id=lead.investigator_id,
        deadline_open=False,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # a parallel request named the same person first
        raise ValidationError(
            {"staff": f"{staff.name}已是本线索的责任人，同一人只能列一次"}
        ) from None
    found = suggest(row)
    if found is not None:
        row.suggested, row.suggested_by = found.sanction, found.reason[:200]
        row.save(update_fields=["suggested", "suggested_by"])
    _event(row, actor, "立案", f"{lead.number}的共同责任人")
    _event(lead, actor, "增加责任人", row.number)
    audit.record(
        actor,
        audit.Action.CREATE,
        row,
        after={**audit.snapshot(row, AUDITED), "joint_of": lead.pk},
        summary="效能问题线索增加责任人",
    )
    step.finish(summary="增加责任人", after={"joint": row.pk})
    return row


@transaction.atomic
def request_statement(
    actor: User, v: Violation, findings: str, person: Staff | None = None
) -> Violation:
    """调查结束，告知陈述申辩: the findings (and, where the source named no one or another,
    the person responsible), and the person's limit to answer."""
    step = FLOW.begin(actor, v, "request_statement")
    record = step.record
    record.findings = _text(findings, "findings", "调查情况")
    if person is not None:
        _name_person(record, person)
    now = timezone.now()
    record.statement_requested_at = now
    rules = policy()
    _set_deadline(record, now, rules.statement_days, rules.statement_warn_days)
    _event(record, actor, "告知陈述申辩", f"{rules.statement_days}个工作日内陈述申辩")
    _notify_person(
        record,
        f"效能问题告知：请在{rules.statement_days}个工作日内陈述申辩",
        f"{record.summary}；期限：{timezone.localtime(record.due_at):%Y-%m-%d}",
    )
    return step.finish(
        summary="调查完毕，告知陈述申辩",
        fields=[
            "findings",
            "statement_requested_at",
            "person_token",
            "person_digest",
            "suggested",
            "suggested_by",
            *DEADLINE_FIELDS,
        ],
    )


@transaction.atomic
def submit_statement(actor: User, v: Violation, text: str) -> Violation:
    step = FLOW.begin(actor, v, "submit_statement")
    record = step.record
    record.statement = _text(text, "statement", "陈述申辩意见")
    record.statement_at = timezone.now()
    _close_deadline(record)
    who = "本人" if is_the_person(actor, record) else "效能办代为登记"
    _event(record, actor, "陈述申辩", who)
    return step.finish(
        summary=f"陈述申辩（{who}）", fields=["statement", "statement_at", *DEADLINE_FIELDS]
    )


@transaction.atomic
def propose(actor: User, v: Violation, sanction: str, reason: str) -> Violation:
    step = FLOW.begin(actor, v, "propose")
    record = step.record
    record.proposed = _sanction(sanction, "sanction")
    record.proposal_reason = _text(reason, "reason", "处理意见理由")
    record.proposed_by = actor
    _close_deadline(record)
    _event(record, actor, "提出处理意见", chinese_display(record, "proposed"))
    deciders = (
        list(User.objects.filter(is_active=True, role=Role.LEADER).order_by("id"))
        if requires_leader(record.proposed)
        else office_users()
    )
    notifications.notify(
        deciders,
        kind="info",
        title=f"待决定：{record.summary}"[:200],
        body=f"处理意见：{chinese_display(record, 'proposed')}",
        link=link(record),
    )
    return step.finish(
        summary="提出处理意见",
        fields=["proposed", "proposal_reason", "proposed_by", *DEADLINE_FIELDS],
        after={"proposed": record.proposed},
    )


@transaction.atomic
def dismiss(actor: User, v: Violation, reason: str) -> Violation:
    step = FLOW.begin(actor, v, "dismiss")
    record = step.record
    record.decision_text = _text(reason, "reason", "不予追究的理由")
    _close_deadline(record)
    _event(record, actor, "不予追究", record.decision_text)
    return step.finish(summary="不予追究", fields=["decision_text", *DEADLINE_FIELDS])


def _leader_check(actor: User, sanction: str) -> None:
    if requires_leader(sanction) and actor_role(actor) != Role.LEADER:
        label = chinese(Sanction(sanction).label)
        raise PermissionDenied(f"“{label}”须由领导决定，您的角色不能作出该决定")


@transaction.atomic
def decide(actor: User, v: Violation, sanction: str, text: str) -> Violation:
    """作出决定: the sanction (the proposal's, or another) and what the decision says."""
    step = FLOW.begin(actor, v, "decide")
    record = step.record
    chosen = _sanction(sanction, "sanction")
    _leader_check(actor, chosen)
    record.sanction = chosen
    record.decision_text = _text(text, "text", "决定内容")
    record.decided_at = timezone.now()
    record.decided_by = actor
    _event(record, actor, "作出决定", chinese_display(record, "sanction"))
    return step.finish(
        summary=f"作出决定：{chinese_display(record, 'sanction')}",
        fields=["sanction", "decision_text", "decided_at", "decided_by"],
        after={"sanction": chosen},
    )


@transaction.atomic
def deliver(actor: User, v: Violation, note: str) -> Violation:
    """送达: the decision reached the person and unit; the appeal window opens."""
    step = FLOW.begin(actor, v, "deliver")
    record = step.record
    record.delivery_note = _text(note, "note", "送达情况", 200)
    now = timezone.now()
    record.delivered_at = now
    rules = policy()
    _set_deadline(record, now, rules.appeal_days, rules.appeal_warn_days)
    _event(record, actor, "送达", record.delivery_note)
    _notify_person(
        record,
        f"处理决定已送达：{chinese_display(record, 'sanction')}",
        f"如不服，可在{rules.appeal_days}个工作日内（至{timezone.localtime(record.due_at):%Y-%m-%d}）申诉",
    )
    return step.finish(
        summary="登记送达", fields=["delivered_at", "delivery_note", *DEADLINE_FIELDS]
    )


@transaction.atomic
def appeal(actor: User, v: Violation, reason: str) -> Appeal:
    step = FLOW.begin(actor, v, "appeal")
    record = step.record
    text = _text(reason, "reason", "申诉理由")
    found = Appeal.objects.create(
        violation=record,
        filed_at=timezone.now(),
        filed_by=actor,
        filed_by_name=actor_name(actor)[:150],
        on_behalf=not is_the_person(actor, record),
        reason=text,
        original=record.sanction,
    )
    _close_deadline(record)
    _event(record, actor, "申诉", "效能办代为登记" if found.on_behalf else "本人申诉")
    notifications.notify(
        office_users(), kind="info", title=f"收到申诉：{record.summary}"[:200], link=link(record)
    )
    step.finish(summary="申诉", fields=[*DEADLINE_FIELDS])
    return found


@transaction.atomic
def review(
    actor: User, v: Violation, outcome: str, decision: str, new_sanction: str = ""
) -> Appeal:
    """复核: upheld, changed (to another sanction) or withdrawn (no mark on the record)."""
    step = FLOW.begin(actor, v, "review")
    record = step.record
    found = Appeal.objects.select_for_update().get(violation=record)
    if outcome not in Appeal.Outcome.values:
        raise ValidationError({"outcome": "请选择复核结果"})
    found.decision = _text(decision, "decision", "复核意见")
    _leader_check(actor, record.sanction)
    if outcome == Appeal.Outcome.CHANGED:
        changed = _sanction(new_sanction, "new_sanction")
        if changed == record.sanction:
            raise ValidationError(
                {"new_sanction": "变更后的处理方式与原决定相同，请选择“维持原决定”"}
            )
        _leader_check(actor, changed)
        found.new_sanction = changed
        record.sanction = changed
    elif outcome == Appeal.Outcome.WITHDRAWN:
        record.withdrawn = True
        record.published = False
    found.outcome = outcome
    found.decided_at = timezone.now()
    found.decided_by = actor
    found.save()
    _event(record, actor, "复核", chinese_display(found, "outcome"))
    _notify_person(
        record, f"申诉复核结果：{chinese_display(found, 'outcome')}", found.decision[:500]
    )
    step.finish(
        summary=f"申诉复核：{chinese_display(found, 'outcome')}",
        fields=["sanction", "withdrawn", "published"],
        after={"outcome": outcome, "sanction": record.sanction, "withdrawn": record.withdrawn},
    )
    return found


@transaction.atomic
def publish(actor: User, v: Violation, text: str) -> Violation:
    """公开通报: the office publishes an 通报批评, only the text it writes here."""
    step = FLOW.begin(actor, v, "publish")
    record = step.record
    record.published_text = _text(text, "text", "公开内容")
    record.published = True
    _event(record, actor, "公开通报")
    return step.finish(summary="公开通报批评", fields=["published", "published_text"])


def unit_choices(user: User) -> list[Unit]:
    return list(Unit.objects.visible_to(user).filter(is_active=True).order_by("path"))


def local_day(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d}" if moment is not None else "—"


def leadership_labels() -> list[str]:
    """The sanctions only a leader may decide, by name."""
    return [str(Sanction(s).label) for s in LADDER if requires_leader(s)]
