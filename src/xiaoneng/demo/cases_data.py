"""A year of service cases for the demo city: through the same ingest path department systems use.

Cases are accepted on working days over the year before the reference date, at the items of the
demo catalog (popular items far more often than rare ones). Most finish on time; lateness falls
over the year as the office's supervision bites (the seeds report 承诺件办结率 rising from 56%
to 80%); some need 补正, a few go through 特别程序 or an extension, joint items (联办件) run
their steps at several units, refusals are filed (or not), and the last weeks are still open — so
the lights, cards and statistics all have something true to show.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from django.utils import timezone

from xiaoneng.cases import services as cases
from xiaoneng.catalog.models import HandlingType, ServiceItem
from xiaoneng.supervision.watches import sweep
from xiaoneng.workcalendar.services import get_calendar
from xiaoneng.workdays import SHANGHAI

SOURCE = "api:demo"
ACTOR = "演示数据生成"
BATCH = 1000

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建辉文斌宇浩凯健俊帆帅"
    "旭宁琳晨欣怡悦婷雪颖"
)
COMPANY_PREFIX = ["示范", "东湖", "西岭", "南港", "北苑", "高新", "滨江", "新城", "明德", "恒信"]
COMPANY_CORE = [
    "科技",
    "建设",
    "商贸",
    "物流",
    "食品",
    "医药",
    "文化传媒",
    "环保",
    "餐饮管理",
    "电子",
]
COMPANY_SUFFIX = ["有限公司", "有限责任公司", "股份有限公司"]
DENIAL_REASONS = [
    "申请材料不符合法定形式，经一次性告知后仍未补齐",
    "申请事项不符合《示范市城乡规划条例》规定的条件",
    "现场核查发现经营场所与申请材料不一致",
    "申请人不具备相应资质条件",
]
REJECT_REASONS = ["申请事项不属于本机关职权范围，已告知向有关机关申请", "申请人撤回申请"]
RETURN_REASONS = ["申请人要求退回材料", "材料系他人代签，退回申请人重新办理"]


@dataclass(frozen=True)
class CasesSummary:
    cases: int
    events: int
    rejected_events: int
    open_cases: int
    cards: int
    seconds: float


def _person(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.3:
        name = rng.choice(COMPANY_PREFIX) + rng.choice(COMPANY_CORE) + rng.choice(COMPANY_SUFFIX)
        return name, "company"
    return rng.choice(SURNAMES) + "".join(
        rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
    ), "person"


def _at(day: date, rng: random.Random, earliest: time = time(8, 30)) -> datetime:
    minutes = rng.randint(earliest.hour * 60 + earliest.minute, 17 * 60 + 30)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=SHANGHAI)


def delete_cases() -> int:
    """Remove every case and what hangs off it — ratings, complaints, cards, statistics, the API
    keys issued for the demo departments — for ``xiaoneng demo --reset``."""
    from xiaoneng.api.models import ApiKey
    from xiaoneng.cases.models import Case, CaseDurationStat, CaseMonthStat
    from xiaoneng.complaints.models import Complaint
    from xiaoneng.ratings.models import Rating
    from xiaoneng.supervision.models import Card

    ApiKey.objects.all().delete()
    # A merged repeat (并单) protects its main complaint: the repeats go first.
    Complaint.objects.filter(merged_into__isnull=False).delete()
    Complaint.objects.all().delete()
    Rating.objects.all().delete()
    Card.objects.all().delete()
    CaseMonthStat.objects.all().delete()
    CaseDurationStat.objects.all().delete()
    return Case.objects.all().delete()[0]


def write_cases(
    seed: int,
    count: int,
    today: date,
    windows: list | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CasesSummary:
    """Ingest ``count`` cases accepted over the year before ``today``, then sweep once."""
    import time as clock

    started = clock.perf_counter()
    rng = random.Random(f"{seed}:cases")
    calendar = get_calendar()
    now = timezone.now()
    items = list(
        ServiceItem.objects.filter(is_active=True)
        .select_related("unit")
        .prefetch_related("versions__steps", "versions__materials", "versions__fees")
        .order_by("code")
    )
    if not items or count <= 0:
        return CasesSummary(0, 0, 0, 0, 0, 0.0)
    # A few items carry most of the traffic (身份证、社保、营业执照…), as in any service hall.
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(items))]
    order = list(range(len(items)))
    rng.shuffle(order)
    weights = [weights[order[i]] for i in range(len(items))]
    # Cumulative once, rather than inside every choices() call; the draws are the same.
    cum_weights = list(accumulate(weights))
    start = today - timedelta(days=365)
    workdays = [
        start + timedelta(days=d)
        for d in range((today - start).days)
        if calendar.is_workday(start + timedelta(days=d))
    ]
    window_codes = [w.code for w in (windows or [])]
    events: list[dict] = []
    total_events = rejected = 0
    for n in range(count):
        day = workdays[min(int(len(workdays) * (n + rng.random()) / count), len(workdays) - 1)]
        item = rng.choices(items, cum_weights=cum_weights)[0]
        version = next((v for v in item.versions.all() if v.effective_from <= day), None)
        if version is None:
            continue
        events.extend(_case_events(rng, n, item, version, day, today, calendar, window_codes))
        if len(events) >= BATCH:
            report = cases.ingest(events[:BATCH], source=SOURCE, actor=ACTOR, now=now)
            total_events += report.accepted
            rejected += report.rejected
            events = events[BATCH:]
            if progress is not None and n % 5000 < 300:
                progress(n, count)
    while events:
        report = cases.ingest(events[:BATCH], source=SOURCE, actor=ACTOR, now=now)
        total_events += report.accepted
        rejected += report.rejected
        events = events[BATCH:]
    sweep(now=now)
    from xiaoneng.cases.models import Case
    from xiaoneng.supervision.models import Card

    return CasesSummary(
        cases=Case.objects.count(),
        events=total_events,
        rejected_events=rejected,
        open_cases=Case.objects.open().count(),
        cards=Card.objects.count(),
        seconds=clock.perf_counter() - started,
    )


def _case_events(rng, n, item, version, day, today, calendar, window_codes) -> list[dict]:
    number = f"{item.unit.code}-{day:%Y%m%d}-{n:06d}"
    accepted = _at(day, rng)
    name, kind = _person(rng)
    progress = (day - (today - timedelta(days=365))).days / 365  # 0 a year ago … 1 today
    out = [
        {
            "event_id": f"{number}-0",
            "case_number": number,
            "kind": "accept",
            "at": accepted.isoformat(),
            "item_code": item.code,
            "applicant": {"name": name, "kind": kind},
            **(
                {"window_code": rng.choice(window_codes)}
                if window_codes and rng.random() < 0.6
                else {}
            ),
        }
    ]
    seq = 1
    last = accepted
    latest = timezone.now().astimezone(SHANGHAI) - timedelta(minutes=5)

    def add(kind: str, at: datetime, **fields) -> bool:
        """Append an event, never before the previous one and never in the future."""
        nonlocal seq, last
        at = max(at, last + timedelta(minutes=rng.randint(1, 20)))
        if at >= latest:
            return False
        out.append(
            {
                "event_id": f"{number}-{seq}",
                "case_number": number,
                "kind": kind,
                "at": at.isoformat(),
                **fields,
            }
        )
        seq += 1
        last = at
        return True

    limit = version.committed_limit_days
    instant = item.handling_type == HandlingType.INSTANT or limit == 0
    # Rough plan of working days until the decision: on time for most, late for some (less so
    # as the year goes on).
    late_share = 0.12 - 0.09 * progress
    if instant:
        used = 0 if rng.random() > late_share / 3 else rng.randint(1, 2)
    elif rng.random() < late_share:
        used = limit + rng.randint(1, max(2, limit // 2))
    else:
        used = max(1, round(limit * rng.uniform(0.3, 1.0)))
    cursor_day = day
    paused_until = None

    def after(days: int, frm: date) -> date:
        return calendar.add_workdays_date(frm, days) if days > 0 else frm

    # 补正 (corrections): one in eight cases, a breach of 一次性告知 now and then.
    if not instant and rng.random() < 0.12:
        notice_day = after(rng.randint(1, 2), cursor_day)
        materials = [m.name for m in version.materials.all()] or ["申请书"]
        add(
            "correction_notice",
            _at(notice_day, rng),
            materials=rng.sample(materials, k=min(len(materials), rng.randint(1, 2))),
        )
        back = after(rng.randint(1, 5), notice_day)
        add("correction_received", _at(back, rng))
        if rng.random() < 0.06:
            notice2 = after(1, back)
            add("correction_notice", _at(notice2, rng), materials=["补充说明材料"])
            back = after(rng.randint(1, 3), notice2)
            add("correction_received", _at(back, rng))
        cursor_day = back
    # 特别程序 and 延期, now and then.
    if not instant and rng.random() < 0.02:
        s = after(1, cursor_day)
        add(
            "special_start",
            _at(s, rng),
            special_kind=rng.choice(["expert_review", "appraisal", "testing", "hearing"]),
        )
        e = after(rng.randint(3, 10), s)
        paused_until = e
        add("special_end", _at(e, rng))
        cursor_day = e
    extended = 0
    if not instant and rng.random() < 0.03:
        extended = rng.choice((5, 10))
        add("extension", _at(after(max(1, limit // 2), cursor_day), rng), days=extended)
    decision_day = after(used, cursor_day if paused_until is None else paused_until)
    # Steps: every joint case, and a sample of the rest, report their steps.
    steps = list(version.steps.all())
    if steps and (item.handling_type == HandlingType.JOINT or rng.random() < 0.15):
        groups: dict = {}
        for s in steps:
            groups.setdefault(s.parallel_group or f"solo-{s.order}", []).append(s)
        step_day = cursor_day
        for members in groups.values():
            finish_day = step_day
            for s in members:
                if step_day >= today or step_day > decision_day:
                    break
                if not add("step_start", _at(step_day, rng, earliest=time(9, 0)), step_code=s.code):
                    break
                span = (
                    s.limit_days if rng.random() > late_share else s.limit_days + rng.randint(1, 3)
                )
                end_day = after(max(0, round(span * rng.uniform(0.4, 1.0))), step_day)
                if end_day < today and end_day <= decision_day:
                    add("step_finish", _at(end_day, rng), step_code=s.code)
                finish_day = max(finish_day, end_day)
            step_day = finish_day
    if decision_day >= today:
        return out  # still open: its light tells how it is going
    decided = max(_at(decision_day, rng), last + timedelta(minutes=rng.randint(5, 60)))
    roll = rng.random()
    if roll < 0.02:
        vetoed = add("reject", decided, reason=rng.choice(REJECT_REASONS))
    elif roll < 0.03:
        add("return", decided, reason=rng.choice(RETURN_REASONS))
        vetoed = False
    elif roll < 0.08:
        vetoed = add("finish", decided, result="denied", reason=rng.choice(DENIAL_REASONS))
    else:
        if not add("finish", decided, result="approved"):
            return out
        vetoed = False
        fees = list(version.fees.all())
        if fees and not version.fee_free:
            fee = rng.choice(fees)
            add("fee", decided, fees=[{"name": fee.name, "amount": str(fee.amount or 0)}])
        elif rng.random() < 0.002:
            add("fee", decided, fees=[{"name": "加急服务费", "amount": "200.00"}])
    if vetoed and rng.random() < 0.85:
        filed = after(rng.randint(1, 3), decision_day)
        if filed < today:
            add("veto_filed", _at(filed, rng), filing_no=f"BA{decision_day:%Y%m}{n:05d}")
    delivered = after(rng.randint(0, 2), decision_day)
    if delivered < today:
        add("deliver", _at(delivered, rng))
    return out
