"""Demo accountability (责任追究) over the year before the reference date.

Every source the year left — red cards, accumulated red cards, 属实 complaints, refused
acceptances, 差评 found 属实 — is opened through ``accountability.services.open_violation``
(the rules suggest a sanction), and each is walked through the procedure by the services: an
investigator, findings naming a person of the unit (the demo's cards name none), the statement
(most answer, some let it lapse), a proposal, the decision, delivery. Most end in 提醒 or
批评教育, a few in 通报批评 (one published), one in 诫勉谈话 decided by the leader; some are
not pursued (不予追究); two are appealed — one upheld, one changed. The newest are left where a
real office would have them now (open, investigating, in the statement period). One violation
names the demo's window clerk, so that the ``window`` account sees its own file.

The services stamp the present; the dates of what happened earlier are then set in bulk, as
the other demo modules do with the steps they play forward.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import perf_counter

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from xiaoneng.accountability import services, sources
from xiaoneng.accountability.models import Appeal, Event, Sanction, Violation
from xiaoneng.accountability.sources import SourceRecord
from xiaoneng.accounts.roles import Role
from xiaoneng.i18n import chinese
from xiaoneng.notifications.models import Notification
from xiaoneng.org.models import Staff
from xiaoneng.rectification.deadlines import after_workdays

ACTOR = "演示数据生成"
#: How many of the year's source records the demo opens and walks through the procedure.
PLAYED_AT_MOST = 240
#: Sources newer than this are left open, under investigation or in the statement period.
RECENT_DAYS = 12
#: Sources newer than this wait for their decision; older ones are decided and delivered (every
#: step's date stays within this many days of the source, so none lies in the future).
DECIDED_DAYS = 25
FINDINGS = (
    "经调取系统记录并询问当事人，情况属实。",
    "经核查办件记录和窗口监控，情况属实，系个人工作责任心不强所致。",
    "经调查，问题属实，所在单位对窗口工作督促检查不到位。",
)
STATEMENTS = (
    "承认工作存在疏漏，今后改正。",
    "当日业务量大，系统响应慢，请求从轻处理。",
    "对事实无异议。",
)


@dataclass(frozen=True)
class AccountabilitySummary:
    violations: int
    decided: int
    by_sanction: dict[str, int]
    dismissed: int
    open: int
    appeals: int
    seconds: float


def delete_accountability() -> int:
    """Violations point at units: the demo's reset deletes them first."""
    return Violation.objects.all().delete()[0]


def _staff_of(
    unit_path: str, rng: random.Random, exclude: tuple[int | None, ...] = ()
) -> Staff | None:
    staff = list(
        Staff.objects.filter(
            unit__path__startswith=unit_path, is_active=True, user__isnull=True
        ).exclude(pk__in=[pk for pk in exclude if pk is not None])
    )
    return rng.choice(staff) if staff else None


def _sanction_for(v: Violation, rng: random.Random) -> str:
    """Mostly what the rules suggest; the demo's 通报批评 stay few."""
    suggested = v.suggested or Sanction.REMINDER
    if suggested == Sanction.CRITICISM and rng.random() < 0.5:
        return Sanction.EDUCATION
    return suggested


def _stamp(v: Violation, opened: datetime, steps: dict[str, datetime]) -> None:
    """Set the dates of what the services did now to when it happened."""
    fields: dict[str, datetime] = {"opened_at": opened}
    for name, field in (
        ("statement", "statement_requested_at"),
        ("answered", "statement_at"),
        ("decided", "decided_at"),
        ("delivered", "delivered_at"),
    ):
        if name in steps and getattr(v, field) is not None:
            fields[field] = steps[name]
    if "delivered" in steps and v.status == Violation.Status.DELIVERED:
        rules = services.policy()
        window = after_workdays(steps["delivered"], rules.appeal_days, rules.appeal_warn_days)
        fields.update(due_at=window.due_at, warn_at=window.warn_at)
    Violation.objects.filter(pk=v.pk).update(**fields)
    labels = {
        "立案": opened,
        "指定调查人": opened + timedelta(hours=2),
        "告知陈述申辩": steps.get("statement"),
        "陈述申辩": steps.get("answered"),
        "提出处理意见": steps.get("proposed"),
        "不予追究": steps.get("proposed"),
        "作出决定": steps.get("decided"),
        "送达": steps.get("delivered"),
        "申诉": steps.get("appealed"),
        "复核": steps.get("reviewed"),
    }
    for label, at in labels.items():
        if at is not None:
            Event.objects.filter(violation=v, label=label).update(at=at)


def _walk(
    v: Violation,
    record: SourceRecord,
    rng: random.Random,
    office,
    leader,
    now: datetime,
    person: Staff | None,
    sanction: str | None,
    joint: Staff | None = None,
) -> tuple[dict[str, datetime], Violation | None]:
    """Play the procedure as far as the source's age allows; return when each step happened,
    and the row of a second person responsible (``joint``) where one was named — that person
    goes through the same steps on their own row, with the sanction their own count suggests."""
    age = (now - record.occurred_at).days
    opened = record.occurred_at + timedelta(days=1)
    steps: dict[str, datetime] = {}
    if age < 3:
        return steps, None
    services.assign(office, v, office)
    if age < 6:
        return steps, None
    if age < RECENT_DAYS:
        services.request_statement(office, v, rng.choice(FINDINGS), person)
        return steps, None
    steps["statement"] = opened + timedelta(days=rng.randint(2, 5))
    if rng.random() < 0.08 and sanction is None and joint is None:
        services.dismiss(office, v, "经调查，超时系系统故障所致，不属个人责任，不予追究。")
        steps["proposed"] = steps["statement"]
        return steps, None
    extra = None
    if joint is not None and person is not None:
        # Named before the notice: the first person first, then the second on a row of their own.
        v.refresh_from_db()
        if not v.person_digest:
            services.add_person(office, v, person)
        extra = services.add_person(office, v, joint)
        services.request_statement(office, extra, "经调查，该同志作为科室负责人督促检查不到位。")
        services.request_statement(office, v, rng.choice(FINDINGS), person)
    else:
        services.request_statement(office, v, rng.choice(FINDINGS), person)
    rows = [v, *([extra] if extra is not None else [])]
    answered = rng.random() < 0.8
    for row in rows:
        row.refresh_from_db()
        if answered:
            services.submit_statement(office, row, rng.choice(STATEMENTS))
        else:
            Violation.objects.filter(pk=row.pk).update(statement_lapsed=True)
    if answered:
        steps["answered"] = steps["statement"] + timedelta(days=rng.randint(1, 3))
    chosen = {}
    for row in rows:
        row.refresh_from_db()
        chosen[row.pk] = (sanction if row is v else None) or _sanction_for(row, rng)
        reason = f"依据追究规则：{row.suggested_by or '效能办研究'}"
        services.propose(office, row, chosen[row.pk], reason)
    steps["proposed"] = steps["statement"] + timedelta(days=7)
    if age < DECIDED_DAYS:  # proposed, the decision still to take
        return steps, extra
    for row in rows:
        decider = leader if services.requires_leader(chosen[row.pk]) else office
        label = Sanction(chosen[row.pk]).label
        services.decide(decider, row, chosen[row.pk], f"决定给予{label}。")
    steps["decided"] = steps["proposed"] + timedelta(days=rng.randint(2, 5))
    for row in rows:
        services.deliver(office, row, "送达本人及所在单位，本人签收")
    steps["delivered"] = steps["decided"] + timedelta(days=1)
    return steps, extra


def write_accountability(seed: int, today) -> AccountabilitySummary:
    started = perf_counter()
    rng = random.Random(f"accountability:{seed}")
    User = get_user_model()
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()
    leader = User.objects.filter(role=Role.LEADER, is_active=True).order_by("pk").first()
    window = Staff.objects.filter(user__role=Role.WINDOW).order_by("pk").first()
    if office is None or leader is None:
        return AccountabilitySummary(0, 0, {}, 0, 0, 0, 0.0)
    now = timezone.now()
    records: list[SourceRecord] = []
    for provider in sources.providers():
        records += provider.find(now - timedelta(days=365), now)
    # Nobody decides their own case: a source naming the office's or the leader's own staff
    # record (an inspection of the 效能办 itself may) is left to another decider, not played here.
    deciders = {u.staff.pk for u in (office, leader) if getattr(u, "staff", None) is not None}
    records = [r for r in records if r.person is None or r.person.staff_id not in deciders]
    records.sort(key=lambda r: (r.occurred_at, r.cause, r.id))
    if len(records) > PLAYED_AT_MOST:
        # The default city's year leaves thousands of red cards; an office pursues a few hundred
        # (seed 000: 29 dismissed, 29 demoted, 90 admonished, 260+ criticised). The rest stay
        # among the 待立案线索, as they would where the automatic intake is off.
        records = sorted(
            rng.sample(records, PLAYED_AT_MOST), key=lambda r: (r.occurred_at, r.cause, r.id)
        )
    finished: list[Violation] = []
    talk_done = window_done = joint_done = False
    criticisms = 0
    with transaction.atomic():
        for n, record in enumerate(records):
            v = services.open_violation(ACTOR, record, at=record.occurred_at + timedelta(days=1))
            unit_path = v.unit.path
            person = None
            if not window_done and window and window.unit.path.startswith(unit_path):
                person, window_done = window, True
            elif rng.random() < 0.85:
                person = _staff_of(unit_path, rng)
            sanction = None
            old = (now - record.occurred_at).days > 60
            if not talk_done and old and n % 7 == 3:
                sanction, talk_done = Sanction.TALK, True
            elif criticisms < 2 and old and record.cause == "complaint":
                sanction, criticisms = Sanction.CRITICISM, criticisms + 1
            joint = None
            if not joint_done and person is not None and sanction is None and old:
                # One violation with two persons: a clerk and a second member of the unit.
                named = record.person.staff_id if record.person else None
                joint = _staff_of(unit_path, rng, exclude=(person.pk, named))
                joint_done = joint is not None
            steps, extra = _walk(v, record, rng, office, leader, now, person, sanction, joint)
            for row in (v, *([extra] if extra is not None else [])):
                row.refresh_from_db()
                _stamp(row, record.occurred_at + timedelta(days=1), steps)
            if v.status == Violation.Status.DELIVERED and steps:
                finished.append(v)
        _appeals_and_publication(finished, office, leader, rng)
        _close_lapsed(now)
        # A year of history; those who lived through it read its notices (as rectification's).
        Notification.objects.filter(read_at__isnull=True).update(read_at=now)
    by_sanction: dict[str, int] = {}
    for s in Violation.objects.on_record().values_list("sanction", flat=True):
        label = chinese(Sanction(s).label)
        by_sanction[label] = by_sanction.get(label, 0) + 1
    return AccountabilitySummary(
        violations=Violation.objects.count(),
        decided=sum(by_sanction.values()),
        by_sanction=by_sanction,
        dismissed=Violation.objects.filter(status=Violation.Status.DISMISSED).count(),
        open=Violation.objects.filter(
            status__in=[Violation.Status.OPEN, Violation.Status.INVESTIGATING, "statement"]
        ).count(),
        appeals=Appeal.objects.count(),
        seconds=perf_counter() - started,
    )


def _appeals_and_publication(finished: list[Violation], office, leader, rng) -> None:
    """Two appeals (one upheld, one changed to a milder sanction) and one published 通报批评."""
    candidates = [v for v in finished if v.sanction == Sanction.EDUCATION]
    for v, outcome in zip(
        candidates[:2], (Appeal.Outcome.UPHELD, Appeal.Outcome.CHANGED), strict=False
    ):
        # The appeal came within its window back then; the window's end was already set to that
        # date, so the service's check of the present is lifted for this played-back step.
        Violation.objects.filter(pk=v.pk).update(due_at=None)
        services.appeal(office, v, "当事人认为处理过重，申请复核（效能办代为登记）。")
        if outcome == Appeal.Outcome.CHANGED:
            services.review(leader, v, outcome, "经复核，情节较轻，改为提醒。", Sanction.REMINDER)
        else:
            services.review(leader, v, outcome, "经复核，事实清楚，处理适当，维持原决定。")
        assert v.delivered_at is not None
        appealed = v.delivered_at + timedelta(days=rng.randint(2, 8))
        Appeal.objects.filter(violation=v).update(
            filed_at=appealed, decided_at=appealed + timedelta(days=10)
        )
        Event.objects.filter(violation=v, label="申诉").update(at=appealed)
        Event.objects.filter(violation=v, label="复核").update(at=appealed + timedelta(days=10))
    for v in finished:
        if v.sanction == Sanction.CRITICISM:
            services.publish(
                office, v, f"{v.unit.name}：{v.summary}。经研究，决定对该单位予以通报批评。"
            )
            break


def _close_lapsed(now: datetime) -> None:
    """Delivered long ago with no appeal: the appeal window passed, as the sweeper would mark."""
    old = Violation.objects.filter(
        status=Violation.Status.DELIVERED, delivered_at__lt=now - timedelta(days=25)
    )
    for v in old:
        Event.objects.create(
            violation=v,
            at=(v.delivered_at or now) + timedelta(days=21),
            actor_name=services.SYSTEM,
            label="申诉期满",
            note="未申诉，决定生效",
        )
    old.update(status=Violation.Status.CLOSED, deadline_open=False)
