"""The pausable working-day clock (计时器) of a case, a step or any other time-limited record.

The clock is always recomputed from the whole event list — sorted by (at, seq) — and never
accumulated, because events arrive late and out of order (事件可能迟到、乱序).

Semantics, in event order:

- START (受理) starts counting; a second START is ignored.
- PAUSE (暂停: 补正、特别程序 such as 听证/检验/鉴定/专家评审) freezes the count at the pause
  instant. A PAUSE while already paused is ignored (pauses do not nest).
- RESUME (恢复) continues the count: working days in (pause_date, resume_date] are not counted.
- RESTART (重新计算, 补正材料齐全后重新起算) resets the consumed days to 0 and starts a new
  segment at its instant; it also ends a pause. A RESTART before START is ignored.
- EXTEND (延期) adds ``days`` working days to the limit; the caller decides how often that is
  allowed.
- The counting rule (``CountRule``) says whether the day of a START or RESTART counts: 次日起算
  (default) counts from the next working day; 含本数 counts the day itself when it is a working
  day, so the limit runs out one working day earlier (a start on a rest day counts from the next
  working day under both). A RESUME never counts its own day: the pause took it.
- STOP (办结) ends the clock; later events are ignored.
- Events after ``now`` are ignored: the result is the clock *as of* ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from .calendar import CountRule, WorkCalendar, default_calendar, end_of_day, local_ordinal

__all__ = ["Clock", "ClockEvent", "ClockEventKind", "ClockResult", "ClockState"]


class ClockEventKind(StrEnum):
    """What happened to the clock (计时事件)."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    RESTART = "restart"
    EXTEND = "extend"
    STOP = "stop"


# Tie-break for events at the same instant and seq, so that the order never depends on arrival.
_KIND_RANK = {k: i for i, k in enumerate(ClockEventKind)}


class ClockState(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ClockEvent:
    """One event of the clock. ``at`` must be timezone-aware; ``days`` is used by EXTEND."""

    at: datetime
    kind: ClockEventKind
    reason: str = ""
    days: int = 0
    seq: int = 0

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"ClockEvent.at must be timezone-aware, got {self.at!r}")
        object.__setattr__(self, "kind", ClockEventKind(self.kind))
        if self.days < 0:
            raise ValueError(f"ClockEvent.days must be >= 0, got {self.days}")

    def _sort_key(self) -> tuple[datetime, int, int, int, str]:
        return (self.at, self.seq, _KIND_RANK[self.kind], self.days, self.reason)


@dataclass(frozen=True, slots=True)
class ClockResult:
    """The state of a clock at a given instant.

    - ``limit_days``: the limit after extensions (延期后的时限).
    - ``elapsed_days``: working days consumed at ``now`` (or at the stop).
    - ``remaining_days``: ``limit_days - elapsed_days``; negative when over the limit.
    - ``due``: when the limit runs out if the clock keeps running in its current segment
      (None when paused or not started); when stopped, the due as it stood at the stop
      (None if it stopped while paused).
    - ``overdue``: running and now > due; stopped after due; or — paused or stopped while
      paused — the pause began after the due, i.e. the limit was already exceeded.
    - ``provisional``: some date involved lies in a year without a published schedule.
    - ``paused_days``: working days spent paused, including a pause still in progress.
    """

    state: ClockState
    limit_days: int
    elapsed_days: int
    remaining_days: int
    due: datetime | None
    provisional: bool
    overdue: bool
    paused_days: int
    stopped_at: datetime | None


class Clock:
    """A time limit of ``limit_days`` working days (工作日时限) driven by ClockEvents, counted
    by ``rule`` (次日起算 unless said otherwise)."""

    __slots__ = ("calendar", "limit_days", "rule")

    def __init__(
        self,
        limit_days: int,
        calendar: WorkCalendar | None = None,
        rule: CountRule | str = CountRule.NEXT_DAY,
    ) -> None:
        if limit_days < 0:
            raise ValueError(f"limit_days must be >= 0, got {limit_days}")
        self.limit_days = limit_days
        self.calendar = calendar if calendar is not None else default_calendar()
        self.rule = CountRule(rule)

    def compute(self, events: Iterable[ClockEvent], now: datetime) -> ClockResult:
        """Replay ``events`` in (at, seq) order and report the clock as of ``now``."""
        cal = self.calendar
        cum = cal._count_upto  # working days on or before an ordinal
        now_ord = local_ordinal(now)
        inclusive = self.rule is CountRule.INCLUSIVE

        def count_from(o: int) -> int:
            # Days are counted in (count_from, …]: 含本数 moves a working start day inside.
            return o - 1 if inclusive and cal.is_workday(date.fromordinal(o)) else o

        state = ClockState.NOT_STARTED
        limit = self.limit_days
        # Segments of counting since the last (re)start: (ordinal the count runs from, consumed
        # before it, the segment's own day).
        segments: list[tuple[int, int, int]] = []
        consumed = 0  # consumed before the current segment, or in total once paused/stopped
        seg_ord = 0
        pause_at: datetime | None = None
        pause_ord = 0
        paused_days = 0
        stopped_at: datetime | None = None
        stopped_while_paused = False
        touched: list[int] = []  # ordinals of every date the computation relied on

        for ev in sorted(events, key=ClockEvent._sort_key):
            if ev.at > now:
                break
            kind = ev.kind
            o = local_ordinal(ev.at)
            if kind is ClockEventKind.START:
                if state is not ClockState.NOT_STARTED:
                    continue
                state = ClockState.RUNNING
                consumed, seg_ord = 0, count_from(o)
                segments = [(seg_ord, 0, o)]
            elif kind is ClockEventKind.PAUSE:
                if state is not ClockState.RUNNING:
                    continue
                consumed += max(0, cum(o) - cum(seg_ord))
                state, pause_at, pause_ord = ClockState.PAUSED, ev.at, o
            elif kind is ClockEventKind.RESUME:
                if state is not ClockState.PAUSED:
                    continue
                paused_days += max(0, cum(o) - cum(pause_ord))
                state, seg_ord = ClockState.RUNNING, o
                segments.append((o, consumed, o))
            elif kind is ClockEventKind.RESTART:
                if state is ClockState.PAUSED:
                    paused_days += max(0, cum(o) - cum(pause_ord))
                elif state is not ClockState.RUNNING:
                    continue
                state, consumed, seg_ord = ClockState.RUNNING, 0, count_from(o)
                segments = [(seg_ord, 0, o)]
            elif kind is ClockEventKind.EXTEND:
                limit += ev.days
            elif kind is ClockEventKind.STOP:
                if state is ClockState.RUNNING:
                    consumed += max(0, cum(o) - cum(seg_ord))
                elif state is ClockState.PAUSED:
                    paused_days += max(0, cum(o) - cum(pause_ord))
                    stopped_while_paused = True
                state, stopped_at = ClockState.STOPPED, ev.at
                touched.append(o)
                break
            touched.append(o)

        due: datetime | None = None
        overdue = False
        elapsed = consumed
        if state is ClockState.RUNNING:
            elapsed = consumed + cum(now_ord) - cum(seg_ord)
            touched.append(now_ord)
            due_ord = self._due_ord(cal, segments, limit)
            touched.append(due_ord)
            due = end_of_day(due_ord)
            overdue = now > due
        elif state is ClockState.PAUSED:
            paused_days += max(0, cum(now_ord) - cum(pause_ord))
            touched.append(now_ord)
            overdue = self._exceeded_before(cal, segments, limit, pause_at)
        elif state is ClockState.STOPPED and segments:
            if stopped_while_paused:
                overdue = self._exceeded_before(cal, segments, limit, pause_at)
            else:
                due_ord = self._due_ord(cal, segments, limit)
                touched.append(due_ord)
                due = end_of_day(due_ord)
                assert stopped_at is not None  # a STOPPED clock has its stop instant
                overdue = stopped_at > due

        provisional = bool(touched) and cal._provisional_ords(min(touched), max(touched))
        return ClockResult(
            state=state,
            limit_days=limit,
            elapsed_days=elapsed,
            remaining_days=limit - elapsed,
            due=due,
            provisional=provisional,
            overdue=overdue,
            paused_days=paused_days,
            stopped_at=stopped_at,
        )

    @staticmethod
    def _due_ord(cal: WorkCalendar, segments: list[tuple[int, int, int]], limit: int) -> int:
        """Ordinal of the last working day of the limit, counting through ``segments``.

        The limit runs out in the last segment that began with days still left; the due is the
        day at index cum(segment start) + days left at that start. If no segment began with
        days left (a zero limit, 即办件), the due is the first segment's own working day.
        """
        for seg_ord, before, _day in reversed(segments):
            if before < limit:
                return cal._nth_after(seg_ord, limit - before)
        return cal._nth_after(segments[0][2], 0)

    @classmethod
    def _exceeded_before(
        cls,
        cal: WorkCalendar,
        segments: list[tuple[int, int, int]],
        limit: int,
        pause_at: datetime | None,
    ) -> bool:
        # While paused there is no due; the case is overdue only if the limit (with any
        # extension granted since) had already run out when the pause began. That due lies
        # before the pause, so it adds no date to the provisional check.
        if pause_at is None or not segments:
            return False
        return pause_at > end_of_day(cls._due_ord(cal, segments, limit))
