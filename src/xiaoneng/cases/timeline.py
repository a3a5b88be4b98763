"""Replaying a case's events: status, clock, steps and light, computed from scratch each time.

Pure functions over plain data (no queries), so the same code serves a single event from the
window, a bulk of 1,000 from a department system, and the recomputation after a calendar import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from xiaoneng.workdays import (
    Clock,
    ClockEvent,
    ClockEventKind,
    ClockState,
    CountRule,
    WorkCalendar,
)

# Events at the same instant are applied in this order: a case is accepted before anything
# else happens to it, and finished after everything else that happened at that instant.
KIND_ORDER = {
    "accept": 0,
    "correction_received": 1,
    "special_end": 1,
    "step_start": 2,
    "extension": 2,
    "fee": 3,
    "correction_notice": 3,
    "special_start": 3,
    "step_finish": 4,
    "finish": 5,
    "reject": 5,
    "return": 5,
    "deliver": 6,
    "veto_filed": 7,
}

SPECIAL_KINDS = {
    "hearing": "听证",
    "tender": "招标",
    "auction": "拍卖",
    "inspection": "检验",
    "testing": "检测",
    "quarantine": "检疫",
    "appraisal": "鉴定",
    "expert_review": "专家评审",
}


@dataclass(frozen=True)
class Ev:
    """One event as the timeline needs it."""

    kind: str
    at: datetime
    seq: int
    step_code: str = ""
    data: dict = field(default_factory=dict)

    def sort_key(self) -> tuple:
        return (self.at, KIND_ORDER.get(self.kind, 3), self.seq)


@dataclass(frozen=True)
class StepPlan:
    code: str
    limit_days: int


@dataclass
class StepState:
    code: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    due_at: datetime | None = None
    elapsed_days: int = 0
    overdue: bool = False
    provisional: bool = False


@dataclass
class CaseState:
    status: str = "accepted"
    accepted_at: datetime | None = None
    finished_at: datetime | None = None
    delivered_at: datetime | None = None
    result_reason: str = ""
    correction_count: int = 0
    extended_days: int = 0
    limit_days: int = 0
    elapsed_days: int = 0
    paused: bool = False
    due_at: datetime | None = None
    warn_at: datetime | None = None
    overdue: bool = False
    provisional: bool = False
    veto_decided_at: datetime | None = None
    veto_filed_at: datetime | None = None
    veto_filing_no: str = ""
    fees: list[dict] = field(default_factory=list)
    correction_times: list[datetime] = field(default_factory=list)
    steps: dict[str, StepState] = field(default_factory=dict)
    last_event_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in ("accepted", "correction", "special")


def replay(
    events: list[Ev],
    *,
    committed_limit: int,
    warn_days: int,
    correction_restarts: bool,
    steps: list[StepPlan],
    calendar: WorkCalendar,
    now: datetime,
    count_rule: CountRule | str = CountRule.NEXT_DAY,
) -> CaseState:
    """The case as its events describe it at ``now``. ``count_rule`` is how the case's limit
    counts from its acceptance (and from a restarting 补正): 次日起算 or 含本数, as its item
    version says; steps always count from the next day."""
    state = CaseState(steps={s.code: StepState(s.code) for s in steps})
    clock_events: list[ClockEvent] = []
    pause_events: list[ClockEvent] = []  # pauses of the whole case also pause its steps
    step_events: dict[str, list[ClockEvent]] = {s.code: [] for s in steps}
    ordered = sorted(events, key=Ev.sort_key)
    for n, ev in enumerate(ordered):
        state.last_event_at = ev.at
        kind = ev.kind
        if kind == "accept":
            state.status = "accepted"
            state.accepted_at = ev.at
            clock_events.append(ClockEvent(ev.at, ClockEventKind.START, seq=n))
        elif kind == "correction_notice":
            state.status = "correction"
            state.correction_count += 1
            state.correction_times.append(ev.at)
            pause = ClockEvent(ev.at, ClockEventKind.PAUSE, reason="补正", seq=n)
            clock_events.append(pause)
            pause_events.append(pause)
        elif kind == "correction_received":
            state.status = "accepted"
            again = ClockEventKind.RESTART if correction_restarts else ClockEventKind.RESUME
            clock_events.append(ClockEvent(ev.at, again, seq=n))
            pause_events.append(ClockEvent(ev.at, ClockEventKind.RESUME, seq=n))
        elif kind == "special_start":
            state.status = "special"
            pause = ClockEvent(ev.at, ClockEventKind.PAUSE, reason="特别程序", seq=n)
            clock_events.append(pause)
            pause_events.append(pause)
        elif kind == "special_end":
            state.status = "accepted"
            resume = ClockEvent(ev.at, ClockEventKind.RESUME, seq=n)
            clock_events.append(resume)
            pause_events.append(resume)
        elif kind == "extension":
            days = int(ev.data.get("days", 0))
            state.extended_days += days
            clock_events.append(ClockEvent(ev.at, ClockEventKind.EXTEND, days=days, seq=n))
        elif kind in ("finish", "reject", "return"):
            if kind == "finish":
                state.status = "approved" if ev.data.get("result") == "approved" else "denied"
            else:
                state.status = "rejected" if kind == "reject" else "returned"
            if kind == "reject" and state.accepted_at is None:
                state.accepted_at = ev.at
            state.finished_at = ev.at
            state.result_reason = ev.data.get("reason", "")
            if state.status in ("denied", "rejected"):
                state.veto_decided_at = ev.at
            clock_events.append(ClockEvent(ev.at, ClockEventKind.STOP, seq=n))
        elif kind == "deliver":
            state.delivered_at = ev.at
        elif kind == "fee":
            state.fees.extend({**fee, "at": ev.at} for fee in ev.data.get("fees", []))
        elif kind == "veto_filed":
            state.veto_filed_at = ev.at
            state.veto_filing_no = ev.data.get("filing_no", "")
        elif kind == "step_start" and ev.step_code in state.steps:
            step = state.steps[ev.step_code]
            if step.started_at is None:
                step.started_at = ev.at
                step_events[ev.step_code].append(ClockEvent(ev.at, ClockEventKind.START, seq=n))
        elif kind == "step_finish" and ev.step_code in state.steps:
            step = state.steps[ev.step_code]
            if step.finished_at is None:
                step.finished_at = ev.at
                step_events[ev.step_code].append(ClockEvent(ev.at, ClockEventKind.STOP, seq=n))

    result = Clock(committed_limit, calendar, count_rule).compute(clock_events, now)
    state.limit_days = result.limit_days
    state.elapsed_days = result.elapsed_days
    state.paused = result.state is ClockState.PAUSED
    state.overdue = result.overdue
    state.provisional = result.provisional
    state.due_at = result.due
    if result.due is not None and result.state is ClockState.RUNNING:
        state.warn_at = _warn_instant(
            clock_events, committed_limit - warn_days - 1, calendar, now, count_rule
        )
        if state.warn_at is None:
            state.warn_at = state.accepted_at

    for plan in steps:
        step = state.steps[plan.code]
        if step.started_at is None:
            continue
        # A step's own clock starts at its start event and shares the case's pauses after that.
        own = [e for e in pause_events if e.at >= step.started_at]
        r = Clock(plan.limit_days, calendar).compute([*step_events[plan.code], *own], now)
        step.due_at = r.due
        step.elapsed_days = r.elapsed_days
        step.overdue = r.overdue
        step.provisional = r.provisional
    return state


def _warn_instant(
    clock_events: list[ClockEvent],
    base_limit: int,
    calendar: WorkCalendar,
    now: datetime,
    count_rule: CountRule | str = CountRule.NEXT_DAY,
) -> datetime | None:
    """When "remaining ≤ warn_days" begins: the end of the working day (limit − warn − 1), i.e.
    the due of the same clock with ``warn_days + 1`` fewer days. None when that is before the
    start (the case is in the warning zone from the outset)."""
    if base_limit >= 0:
        return Clock(base_limit, calendar, count_rule).compute(clock_events, now).due
    # The committed limit alone is inside the warning zone; extensions may lift it out.
    owed = -base_limit
    adjusted = []
    for event in clock_events:
        if event.kind is ClockEventKind.EXTEND and owed:
            taken = min(owed, event.days)
            owed -= taken
            event = ClockEvent(event.at, event.kind, event.reason, event.days - taken, event.seq)
        adjusted.append(event)
    if owed:
        return None
    return Clock(0, calendar, count_rule).compute(adjusted, now).due
