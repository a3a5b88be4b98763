"""Case rules: ingesting events (one or a thousand), recomputing cases, statistics, cards.

Every path — the window's buttons, a department system's bulk request, the sweeper, a calendar
import — ends in :func:`refresh_cases`, which replays each case's whole event list.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from pydantic import ValidationError as SchemaError

from xiaoneng import crypto
from xiaoneng.accounts.actors import Actor
from xiaoneng.accounts.scoping import can_create_in, can_edit
from xiaoneng.audit import services as audit
from xiaoneng.catalog.models import Fee, HandlingType, ServiceItem, ServiceItemVersion, Step
from xiaoneng.dbutil import bulk_update_rows, insert_rows, reserve_ids
from xiaoneng.org.models import Staff, Unit
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card, SupervisionRule
from xiaoneng.workcalendar.services import get_calendar

from .models import (
    Case,
    CaseDurationStat,
    CaseEvent,
    CaseMonthStat,
    CaseQuerySet,
    CaseStep,
    Light,
    VetoFiling,
)
from .schemas import EventIn
from .timeline import CaseState, Ev, StepPlan, replay

#: Clocks of department systems drift; an event this far in the future is still accepted.
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_BULK = 1000
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
QUERY_CODE_LENGTH = 6

CLOSED_ONLY = {"deliver", "veto_filed", "fee"}


@dataclass
class ItemResult:
    """The outcome for one submitted event: accepted, duplicate (already stored) or rejected."""

    index: int
    event_id: str | None
    status: str
    case_number: str | None = None
    code: str = ""
    message: str = ""
    field: str = ""
    #: The query code of the case this (accept) item created; nowhere else in clear.
    query_code: str = ""


@dataclass
class IngestReport:
    results: list[ItemResult] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(r.status == "accepted" for r in self.results)

    @property
    def duplicates(self) -> int:
        return sum(r.status == "duplicate" for r in self.results)

    @property
    def rejected(self) -> int:
        return sum(r.status == "rejected" for r in self.results)


# ---- parsing -------------------------------------------------------------------------------------

_PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段",
    "timezone_aware": "时间必须带时区，例如 2026-03-02T09:30:00+08:00",
    "datetime_from_date_parsing": "时间格式不对，应为 ISO 8601，例如 2026-03-02T09:30:00+08:00",
    "datetime_parsing": "时间格式不对，应为 ISO 8601，例如 2026-03-02T09:30:00+08:00",
    "datetime_type": "时间格式不对，应为 ISO 8601 字符串",
    "literal_error": "取值不在允许范围内",
    "string_too_short": "不能为空",
    "string_too_long": "太长",
    "string_type": "应为字符串",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "string_pattern_mismatch": "格式不对",
    "decimal_parsing": "应为数字",
    "list_type": "应为列表",
    "model_type": "应为对象",
}


def _schema_error(error: SchemaError) -> tuple[str, str]:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    if first["type"] == "value_error":
        message = str(first.get("ctx", {}).get("error", first["msg"]))
    else:
        message = _PYDANTIC_MESSAGES.get(first["type"], first["msg"])
        if first["type"] == "literal_error":
            message += f"（应为 {first['ctx']['expected']}）"
    if where:
        message = f"{where}：{message}"
    return where, message


def body_hash(raw: dict) -> str:
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def code_digests(number: str, code: str) -> list[str]:
    """查询码摘要: HMAC-SHA256 of a case's query code, bound to its number, under every configured
    ``XIAONENG_IDENTITY_KEY`` (the first is the one to store). Bound to the number so that one
    guessed code cannot be tested against every case at once."""
    return crypto.keyed_digests("case-query-code", f"{number}:{code.strip().upper()}")


# ---- ingest --------------------------------------------------------------------------------------


@dataclass
class _Item:
    index: int
    event: EventIn
    hash: str
    result: ItemResult


class _Reject(Exception):
    def __init__(self, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def ingest(
    raw_items: list,
    *,
    source: str,
    actor: Actor | None,
    scope_unit: Unit | None = None,
    now: datetime | None = None,
) -> IngestReport:
    """Store what is valid, report each invalid item, recompute every touched case.

    ``source`` names the sender (``api:<key id>`` or ``user:<id>``); event ids are unique per
    source. ``scope_unit`` limits a department system to cases of its own unit subtree.
    """
    now = now or timezone.now()
    if len(raw_items) > MAX_BULK:
        raise ValidationError(f"一次最多提交 {MAX_BULK} 个事件，本次 {len(raw_items)} 个")
    report = IngestReport()
    items: list[_Item] = []
    for index, raw in enumerate(raw_items):
        event_id = raw.get("event_id") if isinstance(raw, dict) else None
        result = ItemResult(index, event_id if isinstance(event_id, str) else None, "accepted")
        if isinstance(raw, dict):
            result.case_number = (
                raw.get("case_number") if isinstance(raw.get("case_number"), str) else None
            )
        report.results.append(result)
        if not isinstance(raw, dict):
            _fail(result, "invalid", "每个事件应为 JSON 对象")
            continue
        try:
            event = EventIn.model_validate(raw)
        except SchemaError as error:
            where, message = _schema_error(error)
            _fail(result, "invalid", message, where)
            continue
        if event.at > now + FUTURE_TOLERANCE:
            _fail(result, "future_timestamp", f"事件时间 {event.at.isoformat()} 晚于当前时间", "at")
            continue
        items.append(_Item(index, event, body_hash(raw), result))

    with transaction.atomic():
        items = _drop_duplicates(items, source)
        touched = _apply(items, source=source, actor=actor, scope_unit=scope_unit, now=now)
        accepted = [i for i in items if i.result.status == "accepted"]
        if accepted:
            audit.record(
                actor,
                audit.Action.EVENT,
                object_type="cases.caseevent",
                object_id=source,
                object_repr=f"办件事件（{source}）",
                summary=f"提交事件 {len(report.results)} 个：接收 {len(accepted)}，"
                f"重复 {report.duplicates}，拒绝 {report.rejected}",
                after={
                    "events": [
                        [i.event.case_number, i.event.event_id, i.event.kind] for i in accepted
                    ]
                },
            )
        report.cases = touched
    return report


def _fail(result: ItemResult, code: str, message: str, field_name: str = "") -> None:
    result.status = "rejected"
    result.code, result.message, result.field = code, message, field_name
    result.query_code = ""  # the case it would have opened is not kept


def _drop_duplicates(items: list[_Item], source: str) -> list[_Item]:
    stored = dict(
        CaseEvent.objects.filter(
            source=source, external_id__in=[i.event.event_id for i in items]
        ).values_list("external_id", "body_hash")
    )
    seen: dict[str, str] = {}
    fresh = []
    for item in items:
        eid = item.event.event_id
        known = stored.get(eid, seen.get(eid))
        if known is None:
            seen[eid] = item.hash
            fresh.append(item)
        elif known == item.hash:
            item.result.status = "duplicate"
            item.result.message = "该事件已接收过，本次忽略"
        else:
            _fail(item.result, "conflict", f"事件ID“{eid}”已用于内容不同的另一事件", "event_id")
    return fresh


def _apply(
    items: list[_Item],
    *,
    source: str,
    actor: Actor | None,
    scope_unit: Unit | None,
    now: datetime,
) -> list[Case]:
    """Store the batch's valid events and replay every case they touch: lock the cases, load
    what they have, create the new ones, check each case's events, store, replay."""
    if not items:
        return []
    by_case: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        by_case[item.event.case_number].append(item)
    cases = _lock_cases(set(by_case))
    existing = _stored_events(cases.values())
    steps_by_case = _stored_steps(cases.values())
    # New cases are not inserted yet: refresh_cases inserts those that kept an event, so a case
    # whose events were all refused (e.g. the sender may not act on it) leaves nothing behind.
    _create_cases(by_case, cases, source, scope_unit)
    plans = _plans(cases.values())
    rules = _rules()
    to_store: list[CaseEvent] = []
    touched: list[Case] = []
    for number, group in by_case.items():
        case = _case_for(number, group, cases, actor, source, scope_unit)
        if case is None:
            continue
        step_codes = {p.code for p in plans[case.item_version_id]}
        kept = _validate_timeline(case, existing[case.pk], group, step_codes, rules)
        to_store.extend(_stored_event(case, item, source) for item in kept)
        if kept:
            touched.append(case)
    # Nothing reads the new events' ids back, so they are inserted without fetching them.
    insert_rows(CaseEvent, to_store)
    for ev in to_store:
        existing[ev.case_id].append(ev)
    stepping = {ev.case_id for ev in to_store if ev.step_code} - set(steps_by_case)
    by_pk = {c.pk: c for c in touched}
    steps_by_case.update(_create_steps([by_pk[pk] for pk in stepping], plans))
    refresh_cases(touched, events=existing, steps=steps_by_case, now=now)
    return touched


def _lock_cases(numbers: set[str]) -> dict[str, Case]:
    """The stored cases of these numbers, locked in id order (so two batches never deadlock):
    a second request for the same case waits, then replays the events this one stored. Without
    the lock it would replay an event list missing them and overwrite this request's result."""
    return {
        c.number: c
        for c in Case.objects.select_related("item", "item_version", "unit")
        .select_for_update(of=("self",))
        .filter(number__in=numbers)
        .order_by("pk")
    }


def _stored_events(cases: Iterable[Case]) -> defaultdict[int, list[CaseEvent]]:
    events: defaultdict[int, list[CaseEvent]] = defaultdict(list)
    for ev in CaseEvent.objects.filter(case__in=list(cases)).order_by("at", "id"):
        events[ev.case_id].append(ev)
    return events


def _stored_steps(cases: Iterable[Case]) -> defaultdict[int, list[CaseStep]]:
    steps: defaultdict[int, list[CaseStep]] = defaultdict(list)
    for step in CaseStep.objects.filter(case__in=list(cases)).order_by("order"):
        steps[step.case_id].append(step)
    return steps


def _plans(cases: Iterable[Case]) -> defaultdict[int, list[Step]]:
    """The steps each version plans, for validating step events; a case gets its own CaseStep
    rows only once it reports a step (most cases never do, and the rows would be dead weight)."""
    plans: defaultdict[int, list[Step]] = defaultdict(list)
    for plan in Step.objects.filter(version__in={c.item_version_id for c in cases}).order_by(
        "order"
    ):
        plans[plan.version_id].append(plan)
    return plans


def _case_for(
    number: str,
    group: list[_Item],
    cases: dict[str, Case],
    actor: Actor | None,
    source: str,
    scope_unit: Unit | None,
) -> Case | None:
    """The case these events are for, or None after refusing them all: no such case, another
    department's (for a department system), or one the signed-in sender may not act on."""
    case = cases.get(number)
    # A department system is told the same about another department's case as about a
    # missing one: the answer must not reveal which case numbers exist elsewhere.
    if case is None or (scope_unit is not None and not case.unit.path.startswith(scope_unit.path)):
        for item in group:
            if item.result.status == "accepted":
                _fail(
                    item.result,
                    "unknown_case",
                    f"申请号“{number}”的办件不存在（须先有受理事件）",
                    "case_number",
                )
        return None
    if (
        actor is not None
        and not isinstance(actor, str)
        and source.startswith("user:")
        and not (
            # A case created by this batch is not in the database yet: same rule, in memory.
            can_create_in(actor, CaseQuerySet, case.unit, case.window)
            if case._state.adding
            else can_edit(actor, case)
        )
    ):
        for item in group:
            _fail(item.result, "forbidden_unit", "您无权办理该办件", "case_number")
        return None
    return case


def _stored_event(case: Case, item: _Item, source: str) -> CaseEvent:
    ev = item.event
    return CaseEvent(
        case_id=case.pk,
        source=source,
        external_id=ev.event_id,
        body_hash=item.hash,
        kind=ev.kind,
        at=ev.at,
        step_code=ev.step_code or "",
        data=ev.payload(),
    )


def _create_cases(
    by_case: dict[str, list[_Item]], cases: dict[str, Case], source: str, scope_unit: Unit | None
) -> None:
    """Create (in memory, with reserved ids) the cases whose accept event is in this batch and
    add them to ``cases``."""
    accepts = _accepts(by_case, cases)
    if not accepts:
        return
    known = _Known.load(accepts.values())
    created = []
    for number, item in accepts.items():
        try:
            case = _new_case(number, item.event, known, source, scope_unit)
        except _Reject as reject:
            _fail(item.result, reject.code, reject.message, reject.field)
            continue
        code = new_query_code()
        item.result.query_code = code
        case.code_digest = code_digests(number, code)[0]
        created.append(case)
    _settle_joint_modes(created)
    # Ids are reserved now and the rows inserted by refresh_cases, with their replayed state
    # already in place: one INSERT per case instead of INSERT + UPDATE. Foreign keys to cases
    # are checked at commit (deferred on both databases), so events may be written first.
    for case, pk in zip(created, reserve_ids(Case, len(created)), strict=True):
        case.pk = case.id = pk
        cases[case.number] = case


def _accepts(by_case: dict[str, list[_Item]], cases: dict[str, Case]) -> dict[str, _Item]:
    """The accept event of each new case number; a second accept of a number in the batch, or
    an accept of a stored case, is refused."""
    accepts = {}
    for number, group in by_case.items():
        acc = [i for i in group if i.event.kind == "accept"]
        if not acc:
            continue
        first, *others = acc
        for other in others:
            _fail(other.result, "case_exists", f"申请号“{number}”在本批中受理了两次", "case_number")
        if number in cases:
            _fail(first.result, "case_exists", f"申请号“{number}”的办件已经受理过", "case_number")
            continue
        accepts[number] = first
    return accepts


@dataclass(frozen=True)
class _Known:
    """What the accept events of a batch name, read at once: service items by code, their
    versions (newest first), windows by code, staff by number."""

    items: dict[str, ServiceItem]
    versions: dict[int, list[ServiceItemVersion]]
    windows: dict[str, Unit]
    staff: dict[str, Staff]

    @classmethod
    def load(cls, accepts: Iterable[_Item]) -> _Known:
        events = [i.event for i in accepts]
        items = {
            i.code: i
            for i in ServiceItem.objects.select_related("unit").filter(
                code__in={ev.item_code for ev in events}
            )
        }
        versions: defaultdict[int, list[ServiceItemVersion]] = defaultdict(list)
        # Only what the clock needs: the guide's long texts would cost more to load than the rest.
        for v in (
            ServiceItemVersion.objects.filter(item_id__in=[i.pk for i in items.values()])
            .only(*VERSION_FIELDS)
            .order_by("-effective_from", "-number")
        ):
            versions[v.item_id].append(v)
        windows = {
            u.code: u
            for u in Unit.objects.filter(
                code__in={ev.window_code for ev in events if ev.window_code}
            )
        }
        staff = {
            s.staff_no: s
            for s in Staff.objects.filter(
                staff_no__in={ev.handler_staff_no for ev in events if ev.handler_staff_no}
            )
        }
        return cls(items, versions, windows, staff)


def _new_case(
    number: str, ev: EventIn, known: _Known, source: str, scope_unit: Unit | None
) -> Case:
    """The unsaved case an accept event opens (without its query code), or :class:`_Reject`."""
    service = known.items.get(ev.item_code)
    if service is None:
        raise _Reject("unknown_item", f"未知的事项编码“{ev.item_code}”", "item_code")
    if not service.is_active:
        raise _Reject("inactive_item", f"事项“{service.name}”已停用", "item_code")
    day = timezone.localtime(ev.at).date()
    version = next((v for v in known.versions[service.pk] if v.effective_from <= day), None)
    if version is None:
        raise _Reject("no_version", f"事项“{service.name}”在 {day} 还没有生效的办事指南", "at")
    if scope_unit is not None and not service.unit.path.startswith(scope_unit.path):
        raise _Reject("forbidden_unit", f"事项“{service.name}”不属于本系统所在单位", "item_code")
    window = None
    if ev.window_code:
        window = known.windows.get(ev.window_code)
        if window is None:
            raise _Reject("unknown_unit", f"未知的窗口代码“{ev.window_code}”", "window_code")
    handler = None
    if ev.handler_staff_no:
        handler = known.staff.get(ev.handler_staff_no)
        if handler is None:
            raise _Reject("unknown_staff", f"未知的工号“{ev.handler_staff_no}”", "handler_staff_no")
    return Case(
        number=number,
        item=service,
        item_version=version,
        unit=service.unit,
        window=window,
        handler=handler,
        channel=ev.channel or ("api" if source.startswith("api:") else "window"),
        applicant_name=ev.applicant.name,
        applicant_kind=ev.applicant.kind,
        joint_mode=ev.joint_mode or "",
        accepted_at=ev.at,
        limit_days=version.committed_limit_days,
    )


def _settle_joint_modes(created: list[Case]) -> None:
    """A joint case (联办件) whose sender did not say how runs in parallel when its version has
    parallel steps, else in series."""
    unstated = [
        c for c in created if c.item.handling_type == HandlingType.JOINT and not c.joint_mode
    ]
    if not unstated:
        return
    parallel = set(
        Step.objects.filter(
            version_id__in={c.item_version_id for c in unstated}, parallel_group__isnull=False
        ).values_list("version_id", flat=True)
    )
    for case in unstated:
        case.joint_mode = "parallel" if case.item_version_id in parallel else "serial"


def _create_steps(cases: list[Case], plans: dict[int, list[Step]]) -> dict[int, list[CaseStep]]:
    """Give cases their own step rows (环节), with the limits and units of their version."""
    rows = [
        CaseStep(
            case=case,
            order=s.order,
            code=s.code,
            name=s.name,
            unit_id=s.unit_id or case.unit_id,
            limit_days=s.limit_days,
            parallel_group=s.parallel_group,
            deadline_open=False,
        )
        for case in cases
        for s in plans[case.item_version_id]
    ]
    # Inserted by refresh_cases with their replayed state (pk None marks them new).
    created: dict[int, list[CaseStep]] = defaultdict(list)
    for row in rows:
        created[row.case_id].append(row)
    return created


def _validate_timeline(
    case: Case, stored: list[CaseEvent], group: list[_Item], step_codes: set[str], rules: dict
) -> list[_Item]:
    """Check each new event against what, by time, happened to the case before it.

    Stored events were valid when they arrived; new ones are checked in time order, so an event
    that arrives late but happened before the case was finished is still accepted."""
    rule_max = extension_limit(case.item_version, rules[case.item.handling_type])
    timeline = [(e.at, e.kind, e.step_code, e.data.get("result"), None) for e in stored]
    timeline += [
        (i.event.at, i.event.kind, i.event.step_code or "", i.event.result, i)
        for i in group
        if i.result.status == "accepted"
    ]
    timeline.sort(key=lambda t: (t[0], Ev(t[1], t[0], 0).sort_key()[1], t[4] is not None))
    seen = _Seen()
    # Starts may arrive after their finishes; a finish is only wrong if its start is later.
    for at, kind, step_code, _result, _item in timeline:
        if kind == "step_start":
            seen.first_start.setdefault(step_code, at)
    kept = []
    for at, kind, step_code, result, item in timeline:
        if item is not None:
            try:
                _check(kind, at, step_code, item.event, seen, step_codes, rule_max)
            except _Reject as reject:
                _fail(item.result, reject.code, reject.message, reject.field)
                continue
            kept.append(item)
        seen.add(kind, at, step_code, result)
    return kept


@dataclass
class _Seen:
    """What had happened to a case up to some instant, as far as validation needs to know."""

    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    started: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)
    extended: bool = False
    vetoed: bool = False
    first_start: dict[str, datetime] = field(default_factory=dict)

    def add(self, kind: str, at: datetime, step_code: str, result: str | None) -> None:
        if kind == "accept":
            self.accepted_at = at
        elif kind in ("finish", "reject", "return"):
            self.closed_at = at
            self.accepted_at = self.accepted_at or at
            self.vetoed = self.vetoed or kind == "reject" or result == "denied"
        elif kind == "step_start":
            self.started.add(step_code)
        elif kind == "step_finish":
            self.finished.add(step_code)
        elif kind == "extension":
            self.extended = True


def _check(
    kind, at, step_code, ev: EventIn, seen: _Seen, step_codes: set[str], rule_max: int
) -> None:
    if kind == "accept":
        return
    if seen.accepted_at is None and kind != "reject":
        raise _Reject("before_acceptance", "办件尚未受理，不能记录此事件", "at")
    if seen.accepted_at is not None and at < seen.accepted_at:
        raise _Reject("before_acceptance", "事件时间早于受理时间", "at")
    if seen.closed_at is not None and kind not in CLOSED_ONLY:
        raise _Reject("case_closed", "办件已经办结（或不予受理、退回），不能再记录此事件", "kind")
    if kind in ("step_start", "step_finish") and step_code not in step_codes:
        raise _Reject("unknown_step", f"该事项没有代码为“{step_code}”的环节", "step_code")
    if kind == "step_start" and step_code in seen.started:
        raise _Reject("step_started", f"环节“{step_code}”已经开始", "step_code")
    if kind == "step_start" and step_code in seen.finished:
        raise _Reject("finish_before_start", f"环节“{step_code}”的完成时间早于此开始时间", "at")
    if kind == "step_finish":
        if step_code in seen.finished:
            raise _Reject("step_finished", f"环节“{step_code}”已经完成", "step_code")
        started = seen.first_start.get(step_code)
        if started is not None and started > at:
            raise _Reject("finish_before_start", f"环节“{step_code}”的完成时间早于其开始时间", "at")
    if kind == "extension":
        if seen.extended:
            raise _Reject("extension_twice", "每个办件只能延期一次（行政许可法第四十二条）", "kind")
        if ev.days > rule_max:
            raise _Reject("extension_too_long", f"延期不能超过 {rule_max} 个工作日", "days")
    if kind == "veto_filed" and not seen.vetoed:
        raise _Reject("nothing_to_file", "该办件没有不予受理或不予许可的决定，无需备案", "kind")


# ---- recomputation -------------------------------------------------------------------------------


def extension_limit(version: ServiceItemVersion, rule: SupervisionRule) -> int:
    """The longest 延期 a case may take: what the law of its version allows (法定可延长), else
    the supervision rule's ceiling for its handling type."""
    if version.extension_days is not None:
        return version.extension_days
    return rule.max_extension_days


def correction_restarts(version: ServiceItemVersion, rule: SupervisionRule) -> bool:
    """Does a completed 补正 restart the count? The version's law says so when it says
    anything (政府信息公开条例 2019: yes); otherwise the supervision rule decides."""
    mode = version.correction_mode or rule.correction_mode
    return mode == SupervisionRule.CorrectionMode.RESTART


def _rules() -> dict[str, SupervisionRule]:
    rules = {r.handling_type: r for r in SupervisionRule.objects.all()}
    return {t: rules.get(t) or SupervisionRule(handling_type=t) for t in HandlingType.values}


def refresh_cases(
    cases: list[Case],
    *,
    events: dict[int, list[CaseEvent]] | None = None,
    steps: dict[int, list[CaseStep]] | None = None,
    now: datetime | None = None,
) -> None:
    """Replay each case's events and store the result: status, clock, light, steps, statistics,
    cards. Loads what the caller did not pass."""
    if not cases:
        return
    now = now or timezone.now()
    calendar = get_calendar()
    rules = _rules()
    ids = [c.pk for c in cases]
    if events is None:
        events = defaultdict(list)
        for ev in CaseEvent.objects.filter(case_id__in=ids).order_by("at", "id"):
            events[ev.case_id].append(ev)
    if steps is None:
        steps = defaultdict(list)
        for step in CaseStep.objects.filter(case_id__in=ids).order_by("order"):
            steps[step.case_id].append(step)
    filings = {f.case_id: f for f in VetoFiling.objects.filter(case_id__in=ids)}
    month_delta: dict[tuple, list] = {}
    duration_delta: dict[tuple, int] = defaultdict(int)
    changed_steps: list[CaseStep] = []
    replayed: list[tuple[Case, CaseState, list[CaseStep]]] = []
    new_filings: list[VetoFiling] = []
    old_filings: list[VetoFiling] = []
    stale_filings: list[int] = []
    for case in cases:
        rule = rules[case.item.handling_type]
        version = case.item_version
        warn_days = rule.warn_days if rule.warn_days is not None else version.warn_days
        case_steps = steps.get(case.pk, [])
        state = replay(
            [
                Ev(e.kind, e.at, n, e.step_code, e.data)
                for n, e in enumerate(events.get(case.pk, []))
            ],
            committed_limit=version.committed_limit_days,
            warn_days=warn_days,
            correction_restarts=correction_restarts(version, rule),
            steps=[StepPlan(s.code, s.limit_days) for s in case_steps],
            calendar=calendar,
            now=now,
            count_rule=version.count_rule,
        )
        _store_state(case, state, now)
        for step in case_steps:
            if _store_step(step, state, case, now):
                changed_steps.append(step)
        _collect_rollup(case, state, month_delta, duration_delta)
        replayed.append((case, state, case_steps))
        filing = _sync_filing(case, state, filings.get(case.pk), rule, calendar, now)
        if filing is None:
            if case.pk in filings:
                stale_filings.append(filings[case.pk].pk)
        else:
            (old_filings if filing.pk else new_filings).append(filing)
    # The catalog fees of every version that charged something, read once for the fee check.
    allowed: dict[int, dict[str, Decimal | None]] = defaultdict(dict)
    charged = {case.item_version_id for case, state, _ in replayed if state.fees}
    for version_id, name, amount in Fee.objects.filter(version_id__in=charged).values_list(
        "version_id", "name", "amount"
    ):
        allowed[version_id][name] = amount
    card_intents = [
        intent
        for case, state, case_steps in replayed
        for intent in _card_intents(case, state, case_steps, allowed[case.item_version_id])
    ]
    # Cases, steps and filings created by this batch are inserted once, with their state; the
    # others are updated.
    new_steps = [s for case in cases for s in steps.get(case.pk, []) if s.pk is None]
    old_steps = [s for s in changed_steps if s.pk is not None]
    new_cases = [c for c in cases if c._state.adding]
    old_cases = [c for c in cases if not c._state.adding]
    insert_rows(Case, new_cases)
    bulk_update_rows(Case, old_cases, CASE_FIELDS)
    insert_rows(CaseStep, new_steps)
    bulk_update_rows(CaseStep, old_steps, STEP_FIELDS)
    if stale_filings:
        VetoFiling.objects.filter(pk__in=stale_filings).delete()
    insert_rows(VetoFiling, new_filings)
    bulk_update_rows(VetoFiling, old_filings, FILING_FIELDS)
    _apply_rollups(month_delta, duration_delta)
    supervision.raise_cards(card_intents, at=now)


#: The fields of a service item version the clock and the checks read.
VERSION_FIELDS = (
    "id",
    "item_id",
    "number",
    "effective_from",
    "committed_limit_days",
    "warn_days",
    "fee_free",
    "extension_days",
    "correction_mode",
    "count_rule",
)
CASE_FIELDS = [
    "status",
    "accepted_at",
    "finished_at",
    "delivered_at",
    "result_reason",
    "correction_count",
    "extended_days",
    "limit_days",
    "elapsed_days",
    "paused",
    "light",
    "last_event_at",
    "due_at",
    "warn_at",
    "deadline_open",
    "warned_at",
    "overdue_at",
    "deadline_provisional",
    "stat_month",
    "stat_on_time",
    "stat_early",
    "stat_days",
    "updated_at",
]
FILING_FIELDS = [
    "decided_at",
    "filed_at",
    "filing_no",
    "due_at",
    "deadline_provisional",
    "deadline_open",
    "overdue_at",
]
STEP_FIELDS = [
    "started_at",
    "finished_at",
    "elapsed_days",
    "due_at",
    "deadline_open",
    "overdue_at",
    "deadline_provisional",
]


def _store_state(case: Case, state: CaseState, now: datetime) -> None:
    case.status = state.status
    case.accepted_at = state.accepted_at or case.accepted_at
    case.finished_at = state.finished_at
    case.delivered_at = state.delivered_at
    case.result_reason = state.result_reason
    case.correction_count = state.correction_count
    case.extended_days = state.extended_days
    case.limit_days = state.limit_days
    case.elapsed_days = state.elapsed_days
    case.paused = state.paused
    case.last_event_at = state.last_event_at
    case.due_at = state.due_at
    case.warn_at = state.warn_at
    case.deadline_open = state.is_open
    case.deadline_provisional = state.provisional
    # A deadline that moved into the future (an extension, a late pause) is watched afresh; a
    # card already raised for it stays raised (cards are once per cause).
    if case.due_at is None or case.due_at > now:
        case.overdue_at = None
    if case.warn_at is None or case.warn_at > now:
        case.warned_at = None
    step_late = any(s.overdue and s.finished_at is None for s in state.steps.values())
    case.light = light_of(state, now, step_late)
    case.updated_at = now


def light_of(state: CaseState, now: datetime, step_late: bool = False) -> str:
    if not state.is_open:
        return Light.RED if state.overdue else Light.GREEN
    if state.overdue:
        return Light.RED
    if step_late or (state.warn_at is not None and now >= state.warn_at):
        return Light.YELLOW
    return Light.GREEN


def _store_step(step: CaseStep, state: CaseState, case: Case, now: datetime) -> bool:
    s = state.steps.get(step.code)
    if s is None:
        return False
    before = (step.started_at, step.finished_at, step.elapsed_days, step.due_at, step.deadline_open)
    step.started_at, step.finished_at = s.started_at, s.finished_at
    step.elapsed_days = s.elapsed_days
    step.due_at = s.due_at
    step.deadline_open = s.started_at is not None and s.finished_at is None and state.is_open
    step.deadline_provisional = s.provisional
    if step.due_at is None or step.due_at > now:
        step.overdue_at = None
    return before != (
        step.started_at,
        step.finished_at,
        step.elapsed_days,
        step.due_at,
        step.deadline_open,
    )


def _card_intents(
    case: Case, state: CaseState, case_steps: list[CaseStep], allowed: dict[str, Decimal | None]
) -> list[supervision.CardIntent]:
    """Causes that are visible at once from the events (the sweeper handles the ones that arrive
    with time). Raising is idempotent, so listing a cause again is harmless. ``allowed`` holds
    the catalog fees of the case's version (name → amount; None: no fixed amount)."""

    def card(
        color: str, cause: str, key: str, at: datetime | None, summary: str, unit: Unit = case.unit
    ) -> supervision.CardIntent:
        return supervision.CardIntent(
            color=color,
            cause=cause,
            cause_key=key,
            unit=unit,
            summary=summary,
            staff=case.handler,
            subject=case,
            window_id=case.window_id,
            at=at,
        )

    intents = []
    if state.correction_count >= 2:
        intents.append(
            card(
                Card.Color.YELLOW,
                Card.Cause.REPEATED_CORRECTION,
                f"case:{case.pk}:repeated-correction",
                state.correction_times[1],
                f"办件{case.number}第{state.correction_count}次要求补正，违反一次性告知",
            )
        )
    if state.status in ("approved", "denied") and state.overdue:
        intents.append(
            card(
                Card.Color.RED,
                Card.Cause.CASE_OVERDUE,
                f"case:{case.pk}:overdue",
                state.due_at or state.finished_at,
                f"办件{case.number}（{case.item.name}）超过承诺时限{state.limit_days}个工作日办结",
            )
        )
    for fee in state.fees:
        limit = allowed.get(fee["name"], "missing")
        amount = Decimal(str(fee["amount"]))
        if limit == "missing" or (limit is not None and amount > limit):
            intents.append(
                card(
                    Card.Color.RED,
                    Card.Cause.FEE_OUTSIDE_CATALOG,
                    f"case:{case.pk}:fee:{fee['name']}"[:120],
                    fee["at"],
                    f"办件{case.number}收取目录外费用：{fee['name']} {amount}元",
                )
            )
    for step in case_steps:
        s = state.steps.get(step.code)
        if s is not None and s.finished_at is not None and s.overdue:
            intents.append(
                card(
                    Card.Color.YELLOW,
                    Card.Cause.STEP_OVERDUE,
                    f"case:{case.pk}:step:{step.code}",
                    s.due_at or s.finished_at,
                    f"办件{case.number}的环节“{step.name}”超过环节时限{step.limit_days}个工作日",
                    unit=step.unit,
                )
            )
    return intents


def _sync_filing(
    case, state: CaseState, filing: VetoFiling | None, rule, calendar, now
) -> VetoFiling | None:
    """The case's filing obligation (否决事项备案) as its events say, updated in memory from
    ``filing`` (the stored one) or new; None when the case has no refusal to file."""
    if state.veto_decided_at is None:
        return None
    due = calendar.add_workdays(state.veto_decided_at, rule.veto_filing_days)
    if filing is None:
        filing = VetoFiling(case=case)
    filing.decided_at = state.veto_decided_at
    filing.filed_at = state.veto_filed_at
    filing.filing_no = state.veto_filing_no
    filing.due_at = due.due
    filing.deadline_provisional = due.provisional
    filing.deadline_open = state.veto_filed_at is None
    if filing.due_at > now:
        filing.overdue_at = None
    return filing


# ---- statistics rollups --------------------------------------------------------------------------


def _contribution(case: Case, state: CaseState):
    if state.status not in ("approved", "denied") or state.finished_at is None:
        return None
    finished = timezone.localtime(state.finished_at).date()
    return (
        finished.replace(day=1),
        not state.overdue,
        state.elapsed_days < state.limit_days,
        state.elapsed_days,
    )


def _collect_rollup(case: Case, state: CaseState, month_delta: dict, duration_delta: dict) -> None:
    new = _contribution(case, state)
    old = (
        (case.stat_month, case.stat_on_time, case.stat_early, case.stat_days)
        if case.stat_month is not None
        else None
    )
    if new == old:
        return
    window_id = case.window_id or case.unit_id
    for contribution, sign in ((old, -1), (new, 1)):
        if contribution is None:
            continue
        month, on_time, early, days = contribution
        key = (month, case.unit_id, case.item_id, window_id)
        row = month_delta.setdefault(key, [0, 0, 0, 0, case.item.handling_type])
        row[0] += sign
        row[1] += sign * int(on_time)
        row[2] += sign * int(early)
        row[3] += sign * days
        duration_delta[(month, case.unit_id, case.item_id, days)] += sign
    if new is None:
        case.stat_month = case.stat_on_time = case.stat_early = case.stat_days = None
    else:
        case.stat_month, case.stat_on_time, case.stat_early, case.stat_days = new


def _apply_rollups(month_delta: dict, duration_delta: dict) -> None:
    """Add the deltas to the rollup rows, creating the missing ones: one upsert statement per
    table, run for every row (PostgreSQL and SQLite share the ``ON CONFLICT`` syntax)."""
    # Sorted, so that concurrent batches lock rollup rows in the same order (no deadlock).
    months = {k: month_delta[k] for k in sorted(month_delta) if any(month_delta[k][:4])}
    _add_to_rollup(
        CaseMonthStat,
        ["month", "unit_id", "item_id", "window_id", "handling_type"],
        ["finished", "on_time", "early", "days_total"],
        [(*key, row[4], *row[:4]) for key, row in months.items()],
    )
    durations = {k: duration_delta[k] for k in sorted(duration_delta) if duration_delta[k]}
    _add_to_rollup(
        CaseDurationStat,
        ["month", "unit_id", "item_id", "days"],
        ["count"],
        [(*key, n) for key, n in durations.items()],
    )


def _add_to_rollup(model, columns: list[str], counters: list[str], rows: list[tuple]) -> None:
    """``INSERT … ON CONFLICT (key) DO UPDATE SET counter = counter + excluded.counter``; the
    key is the model's unique constraint, ``columns`` are the key plus insert-only columns."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    (constraint,) = model._meta.constraints
    key = ", ".join(quote(model._meta.get_field(f).column) for f in constraint.fields)
    names = ", ".join(quote(c) for c in (*columns, *counters))
    values = ", ".join(["%s"] * (len(columns) + len(counters)))
    sets = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in counters)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({values}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {sets}",
            rows,
        )


# ---- the window's actions (one event at a time) --------------------------------------------------


def submit(actor: Actor, case_number: str, kind: str, at: datetime | None = None, **fields) -> Case:
    """Record one event from the office pages; a refusal raises ValidationError in Chinese."""
    _submit_one(actor, case_number, kind, at, **fields)
    return Case.objects.get(number=case_number)


def _submit_one(
    actor: Actor, case_number: str, kind: str, at: datetime | None, **fields
) -> ItemResult:
    raw = {
        "event_id": uuid.uuid4().hex,
        "case_number": case_number,
        "kind": kind,
        "at": (at or timezone.now()).isoformat(),
        **{k: v for k, v in fields.items() if v not in (None, "", [])},
    }
    report = ingest([raw], source=f"user:{actor.pk}", actor=actor)
    result = report.results[0]
    if result.status == "rejected":
        if result.code == "forbidden_unit":
            raise PermissionDenied(result.message)
        raise ValidationError(
            {result.field or "__all__": result.message} if result.field else result.message
        )
    return result


@dataclass(frozen=True)
class Registration:
    """受理结果: the new case and its query code, in clear only here, to print on the receipt."""

    case: Case
    query_code: str


def register_case(
    actor: Actor,
    *,
    item: ServiceItem,
    applicant_name: str,
    applicant_kind: str = "person",
    window: Unit | None = None,
    handler: Staff | None = None,
    accepted_at: datetime | None = None,
    number: str | None = None,
) -> Registration:
    """受理: the window registers a new case; the number is generated unless given."""
    if not _may_register(actor, item):
        raise PermissionDenied("您无权受理该单位的事项")
    number = number or generate_number(item, accepted_at or timezone.now())
    result = _submit_one(
        actor,
        number,
        "accept",
        at=accepted_at,
        item_code=item.code,
        applicant={"name": applicant_name, "kind": applicant_kind},
        window_code=window.code if window else None,
        handler_staff_no=handler.staff_no if handler else None,
        channel="window",
    )
    return Registration(Case.objects.get(number=number), result.query_code)


@transaction.atomic
def reissue_query_code(actor: Actor, case: Case, *, scope_unit: Unit | None = None) -> str:
    """补打回执: a new query code for the case; the previous one stops working at once (only its
    digest was kept, so it cannot be printed again). Staff need the right to move the case; a
    department system (``actor`` its name) the case in ``scope_unit``'s subtree. Audited without
    the code. The case's ``updated_at`` stays: nothing about its supervision changed."""
    if isinstance(actor, str):
        if scope_unit is not None and not case.unit.path.startswith(scope_unit.path):
            raise PermissionDenied("办件不属于本系统所在单位")
    elif not can_edit(actor, case):
        raise PermissionDenied("您无权为该办件重新签发查询码")
    code = new_query_code()
    Case.objects.filter(pk=case.pk).update(code_digest=code_digests(case.number, code)[0])
    audit.record(
        actor, audit.Action.EVENT, case, summary="重新签发查询码（补打回执，原查询码作废）"
    )
    return code


def _may_register(actor: Actor, item: ServiceItem) -> bool:
    """Window staff register items of their own unit; a centre's windows register any item."""
    from xiaoneng.accounts.roles import Role

    role = actor.effective_role
    if role in (Role.ADMIN, Role.OFFICE):
        return True
    if actor.unit_id is None:
        return False
    if item.unit.path.startswith(actor.unit.path):
        return True
    return role == Role.WINDOW and actor.unit.kind == Unit.Kind.WINDOW


def generate_number(item: ServiceItem, at: datetime) -> str:
    day: date = timezone.localtime(at).date()
    return f"{item.unit.code}-{day:%Y%m%d}-{secrets.token_hex(3).upper()}"


def recompute_open_provisional(batch: int = 1000, now: datetime | None = None) -> int:
    """After a calendar import: recompute every open case whose deadline was provisional."""
    done, last = 0, 0
    while True:
        with transaction.atomic():
            cases = list(
                Case.objects.select_related("item", "item_version", "unit")
                .filter(deadline_open=True, deadline_provisional=True, pk__gt=last)
                .order_by("pk")[:batch]
            )
            if not cases:
                return done
            refresh_cases(cases, now=now)
        done += len(cases)
        last = cases[-1].pk


# ---- reading ---------------------------------------------------------------------------------


def live_state(case: Case, now: datetime | None = None) -> CaseState:
    """The case as of now, replayed without storing anything (for pages and the API)."""
    now = now or timezone.now()
    rule = _rules()[case.item.handling_type]
    version = case.item_version
    events = list(case.events.order_by("at", "id"))
    steps = list(case.steps.order_by("order"))
    return replay(
        [Ev(e.kind, e.at, n, e.step_code, e.data) for n, e in enumerate(events)],
        committed_limit=version.committed_limit_days,
        warn_days=rule.warn_days if rule.warn_days is not None else version.warn_days,
        correction_restarts=correction_restarts(version, rule),
        steps=[StepPlan(s.code, s.limit_days) for s in steps],
        calendar=get_calendar(),
        now=now,
        count_rule=version.count_rule,
    )


def remaining_days(case: Case, now: datetime | None = None) -> int | None:
    """Working days left before the due instant (negative when over), from the stored due."""
    if case.due_at is None:
        return None
    now = now or timezone.now()
    calendar = get_calendar()
    if now <= case.due_at:
        return calendar.workdays_between(now, case.due_at)
    return -calendar.workdays_between(case.due_at, now)


def lookup_public(number: str, code: str) -> Case | None:
    """The case for a receipt's number and query code, or None (never says which was wrong)."""
    number = (number or "").strip()
    case = Case.objects.select_related("item", "unit").filter(number=number).first()
    # Digests are computed for an unknown number too, so the timing tells neither mistake.
    stored = case.code_digest if case is not None else "0" * 64
    matches = [hmac.compare_digest(d, stored) for d in code_digests(number, code or "")]
    return case if case is not None and any(matches) else None
