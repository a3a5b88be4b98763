"""Demo complaints (效能投诉) over the year before the reference date.

Written in bulk (thousands of rows through the per-step services would take minutes), with one
summarising audit entry; identities are encrypted exactly as the services do, finding cards go
through ``raise_cards``. Deterministic for a given seed and moment of building: no step is dated
after that moment (a complaint whose next step is still ahead waits in its current step).
The routing suggester is trained at the end, so the 受理转办 page has suggestions at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from xiaoneng.audit import services as audit
from xiaoneng.catalog.models import ServiceItem
from xiaoneng.complaints import crypto
from xiaoneng.complaints.models import Category, Complaint, ComplaintEvent, ComplaintRules
from xiaoneng.complaints.services import OFFICE_WARN_DAYS, QUERY_CODE_ALPHABET, set_deadline
from xiaoneng.complaints.suggestions import retrain_routing
from xiaoneng.org.models import Unit
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card
from xiaoneng.supervision.watches import REGISTRY, sweep
from xiaoneng.workcalendar.services import get_calendar

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "强", "秀英", "建华"]
TEMPLATES = {
    "ban_delay": "我于{month}月在{unit}办理“{item}”，材料齐全，超过承诺时限仍未办结，"
    "多次询问只说等通知。",
    "ban_exaction": "在{unit}办理“{item}”时，经办人暗示要“意思一下”才能加快办理。",
    "ban_attitude": "{unit}窗口工作人员办理“{item}”时态度生硬，不耐烦，问两句就让我别问了。",
    "ban_orders": "上级已明确“{item}”可网上办理，{unit}仍要求到现场提交纸质材料。",
    "fees": "办理“{item}”时{unit}收取了办事指南中没有的费用。",
    "buckpassing": "办理“{item}”，{unit}让我去别的部门开证明，那边又说不归他们管。",
    "first_inquiry": "到{unit}咨询“{item}”，第一个接待的人说不归他管，也没有告诉我该找谁。",
    "one_notice": "办理“{item}”，{unit}前后三次让我补材料，每次说的都不一样。",
    "discipline": "上班时间到{unit}办理“{item}”，窗口无人，等了一个小时。",
    "other": "在{unit}办理“{item}”过程中遇到的问题，希望有关部门重视。",
}
TITLES = {
    "ban_delay": "“{item}”超期未办结",
    "ban_exaction": "办理“{item}”被索要好处",
    "ban_attitude": "窗口人员态度恶劣",
    "ban_orders": "网上可办事项仍要求跑现场",
    "fees": "办理“{item}”乱收费",
    "buckpassing": "部门之间推诿扯皮",
    "first_inquiry": "首问不负责",
    "one_notice": "补正材料未一次性告知",
    "discipline": "工作时间窗口无人",
    "other": "办事遇到的问题",
}


@dataclass(frozen=True)
class ComplaintsSummary:
    complaints: int
    closed: int
    overdue: int
    reopened: int
    cards: int
    #: Routed complaints the routing suggester (转办建议) was trained on at the end.
    routing_samples: int = 0


def _moment(rng: random.Random, day: date) -> datetime:
    at = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(at, timezone.get_default_timezone())


FINDING_TEXT = {
    "true": "反映问题属实，已对责任人批评教育并整改。",
    "partly": "反映问题部分属实，已督促改进。",
    "false": "未发现反映的问题，已向投诉人说明。",
}


@dataclass
class _Timeline:
    """Plays a complaint's steps forward from routing, stopping at ``now``: nothing in the demo
    happens in the future, so a complaint whose next step is still ahead waits in that step
    with its clock running, as it would live."""

    rng: random.Random
    now: datetime
    rules: ComplaintRules
    #: The first approved finding per complaint number: its card (a reopened complaint found
    #: again does not raise a second one, as in ``services.approve``).
    approvals: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.calendar = get_calendar()

    def wait(self, c: Complaint, status: str, start: datetime) -> None:
        """``c`` rests in ``status`` at ``now``: that step's clock runs from ``start``."""
        c.status = status
        stage, days, warn = {
            Complaint.Status.SUBMITTED: ("accept", self.rules.accept_days, OFFICE_WARN_DAYS),
            Complaint.Status.HANDLING: (
                "handle",
                self.rules.handle_days,
                self.rules.handle_warn_days,
            ),
            Complaint.Status.REVIEW: ("review", self.rules.review_days, OFFICE_WARN_DAYS),
            Complaint.Status.APPROVED: ("reply", self.rules.reply_days, OFFICE_WARN_DAYS),
        }[status]
        set_deadline(c, stage, start, days, warn)

    def handle(self, c: Complaint, unit: Unit, start: datetime, log: list) -> bool:
        """One cycle from ``start``: finding, approval, reply and return visit, each only once
        its moment has come. True when the complaint got to the visit (closed)."""
        rng = self.rng
        finding = rng.choices(["true", "partly", "false"], [30, 25, 45])[0]
        found_at = start + timedelta(days=rng.randint(3, 20))
        approved_at = found_at + timedelta(days=1)
        replied_at = approved_at + timedelta(days=rng.randint(1, 4))
        if found_at > self.now:
            self.wait(c, Complaint.Status.HANDLING, start)
            return False
        due = self.calendar.add_workdays(start, self.rules.handle_days).due
        if found_at > due and not c.escalated:
            # The sweeper would have marked it 督办 when the unit's step ran out.
            c.escalated, c.escalated_at = True, due
        c.finding, c.finding_at = finding, found_at
        c.finding_text = "经调阅记录、询问当事人，" + FINDING_TEXT[finding]
        log.append(("finding", found_at, c.get_finding_display()))
        if approved_at > self.now:
            self.wait(c, Complaint.Status.REVIEW, found_at)
            return False
        c.approved_at = approved_at
        self.approvals.setdefault(c.number, (finding, approved_at))
        log.append(("approve", approved_at, ""))
        if replied_at > self.now:
            self.wait(c, Complaint.Status.APPROVED, approved_at)
            return False
        c.replied_at = c.visited_at = c.closed_at = replied_at
        c.reply_text = f"您反映的问题经{unit.name}调查，{c.finding_text}"
        c.visit_result = rng.choices(["satisfied", "dissatisfied"], [85, 15])[0]
        c.status, c.deadline_open, c.stage = Complaint.Status.CLOSED, False, ""
        log += [("reply", replied_at, ""), ("visit", replied_at, c.get_visit_result_display())]
        return True

    def reopen(self, c: Complaint, unit: Unit, log: list) -> None:
        """A dissatisfied complainant asks once, two days after the visit, to have it redone."""
        reopened = c.visited_at + timedelta(days=2)
        if reopened > self.now:
            return
        c.reopen_count = 1
        c.closed_at = c.approved_at = None  # as services.reopen does
        log.append(("reopen", reopened, "投诉人不满意"))
        self.handle(c, unit, reopened, log)


def write_complaints(seed: int, count: int, today: date) -> ComplaintsSummary:
    """``count`` complaints submitted over the year before ``today``: most closed, some still
    open (a few overdue), some anonymous, some reopened; findings mixed."""
    rng = random.Random(f"{seed}:complaints")
    units = list(
        Unit.objects.filter(is_active=True, kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.DISTRICT])
    )
    categories = {c.code: c for c in Category.objects.filter(is_active=True)}
    items = list(ServiceItem.objects.filter(is_active=True).values_list("name", "unit_id")[:2000])
    if not units or not categories or count <= 0:
        return ComplaintsSummary(0, 0, 0, 0, 0)
    rules = ComplaintRules.current()
    channels = [c for c, _ in Complaint.Channel.choices]
    weights = [40, 30, 8, 7, 8, 7]
    now = timezone.now()
    timeline = _Timeline(rng, now, rules)
    # The newest few wait for the office, whatever the hour of the build: its intake queue and
    # the 受理转办 page have something to show.
    intake = max(1, count // 600)
    rows: list[Complaint] = []
    events: list[tuple[int, str, datetime, str]] = []
    for n in range(count):
        day = today - timedelta(days=int(365 * (1 - (n / count) ** 0.9)) or 1)
        at = _moment(rng, day)
        code = rng.choice(list(categories))
        unit = rng.choice(units)
        unit_items = [name for name, uid in items if uid == unit.pk] or [i[0] for i in items[:50]]
        item = rng.choice(unit_items) if unit_items else "政务服务事项"
        anonymous = rng.random() < 0.25
        number = f"TS{timezone.localtime(at):%Y%m%d}{n:06d}"
        identity = (
            {
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "phone": f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}",
            }
            if not anonymous
            else {}
        )
        c = Complaint(
            number=number,
            code_digest=crypto.code_digest(number, "".join(rng.choices(QUERY_CODE_ALPHABET, k=8))),
            channel=rng.choices(channels, weights)[0],
            category=categories[code],
            title=TITLES[code].format(item=item)[:100],
            content=TEMPLATES[code].format(month=at.month, unit=unit.name, item=item),
            named_unit=unit if rng.random() < 0.7 else None,
            anonymous=anonymous,
            identity_token=crypto.encrypt_identity(identity),
            submitted_at=at,
        )
        if c.channel == Complaint.Channel.HOTLINE:
            c.caller_line = rng.choice(["12345", "96150"])
        age = (today - day).days
        roll = rng.random()
        log = [("submit", at, c.get_channel_display())]
        declined = roll < 0.08
        decided = at + (timedelta(days=1) if declined else timedelta(hours=rng.randint(2, 20)))
        if decided > now or n >= count - intake:
            timeline.wait(c, Complaint.Status.SUBMITTED, at)  # the office has not decided yet
        elif declined:
            c.status, c.decline_reason = (
                Complaint.Status.DECLINED,
                "不属于效能投诉受理范围，已告知向有关部门反映",
            )
            c.closed_at = decided
            c.deadline_open, c.stage = False, ""
            log.append(("decline", c.closed_at, c.decline_reason))
        else:
            c.handling_unit, c.routed_at = unit, decided
            log.append(("accept", c.routed_at, f"转{unit.name}办理"))
            # Recent ones are still with the unit; a few older ones are stuck there (overdue, 督办).
            if (age < 20 and rng.random() < 0.6) or (20 <= age < 60 and rng.random() < 0.04):
                timeline.wait(c, Complaint.Status.HANDLING, c.routed_at)
            elif (
                timeline.handle(c, unit, c.routed_at, log)
                and c.visit_result == "dissatisfied"
                and rng.random() < 0.4
            ):
                timeline.reopen(c, unit, log)
        rows.append(c)
        events.append((n, log))
    with transaction.atomic():
        Complaint.objects.bulk_create(rows, batch_size=500)
        ComplaintEvent.objects.bulk_create(
            [
                ComplaintEvent(complaint=rows[n], kind=kind, at=at, actor_name="效能办", note=note)
                for n, log in events
                for kind, at, note in log
            ],
            batch_size=2000,
        )
        approved = [
            (c, timeline.approvals[c.number]) for c in rows if c.number in timeline.approvals
        ]
        cards = supervision.raise_cards(
            [
                supervision.CardIntent(
                    color=Card.Color.RED if finding == "true" else Card.Color.YELLOW,
                    cause=Card.Cause.COMPLAINT_SUBSTANTIATED,
                    cause_key=f"complaint:{c.pk}:finding",
                    at=approved_at,
                    unit=c.handling_unit,
                    subject=c,
                    summary=f"效能投诉{c.number}（{c.category.name}）经查"
                    f"{Complaint.Finding(finding).label}",
                )
                for c, (finding, approved_at) in approved
                if finding in ("true", "partly")
            ],
            at=now,
        )
        # The sweeper warns, escalates (督办) and raises the overdue cards, as it would have live.
        sweep(now=now, watches=[name for name in REGISTRY if name.startswith("complaints")])
        overdue = Complaint.objects.filter(pk__in=[c.pk for c in rows], overdue_at__isnull=False)
        summary = ComplaintsSummary(
            complaints=len(rows),
            closed=sum(c.status == Complaint.Status.CLOSED for c in rows),
            overdue=overdue.count(),
            reopened=sum(c.reopen_count for c in rows),
            cards=len(cards),
        )
        audit.record(
            "演示数据",
            audit.Action.CREATE,
            object_type=Complaint._meta.label_lower,
            object_repr=f"演示投诉 {len(rows)} 件",
            summary=f"生成演示投诉 {len(rows)} 件",
            after=summary.__dict__,
        )
    # Trained here, by the service ``xiaoneng complaints train-routing`` uses, so that the 受理转办
    # page has suggestions on first use instead of starting to learn from 3,000 routings then.
    trained = retrain_routing()
    return replace(summary, routing_samples=trained.samples if trained.trained else 0)
