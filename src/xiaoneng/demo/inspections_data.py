"""Demo 明查暗访 over the year before the reference date.

- the default checklist (三卡三制, discipline, attitude, integrity), loaded through the service;
- **monthly 暗访 of windows**: three windows drawn each month with a recorded seed (the demo's
  seed and the month), the office and the supervisor as the team;
- **quarterly 明查 of departments**: three departments chosen each quarter;
- visits on a working day of each period, with 0–3 findings each, a placeholder photo (drawn
  here with Pillow, with an EXIF time) for about one in three; the office reviewed what is more
  than ten days old: most confirmed, some dropped with a reason; of the confirmed some contested
  (decided, or still waiting for the office), a few raising a yellow card or a 整改任务;
- a few observations filed by the supervisor on their own.

Plans go through ``create_plan`` (so the draw is the service's); what happened afterwards is
written dated, in bulk, as the other demo modules play their history; cards and tasks go through
the card rules and ``rectification.open_task`` with their past dates. A sweep then closes the
contest windows that have passed.
"""

from __future__ import annotations

import hashlib
import io
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from time import perf_counter

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from xiaoneng.audit import services as audit
from xiaoneng.inspections import defaults, services
from xiaoneng.inspections.models import CheckItem, Finding, Photo, Plan, Target, Visit
from xiaoneng.notifications.models import Notification
from xiaoneng.org.models import Staff, Unit
from xiaoneng.rectification import services as rectification
from xiaoneng.rectification.deadlines import after_workdays
from xiaoneng.rectification.sources import SourceKind, SourceRef
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.watches import sweep
from xiaoneng.workcalendar.services import get_calendar
from xiaoneng.workdays import SHANGHAI

REVIEW_AFTER_DAYS = 10
DROP_REASONS = (
    "经核实，当事人当时正在为群众办理业务，不属违规",
    "照片不能反映问题，证据不足",
    "去向卡已按规定挂出，检查时被遮挡",
)
CONTESTS = (
    ("当事人当时经批准外出送达文书，有登记为证", True),
    ("台卡当日在维修更换，已于次日摆放", True),
    ("当事人确在浏览购物网站，申辩理由不成立", False),
    ("检查时为午间休息时间", False),
)
NOTES = {
    "上班时间玩游戏/网购": "工作时间用手机玩游戏",
    "在岗在位": "窗口无人值守约二十分钟",
    "窗口服务态度": "对咨询群众语气生硬，未耐心解答",
    "一次性告知": "群众反映第三次来补材料",
}


@dataclass(frozen=True)
class InspectionsSummary:
    plans: int
    visits: int
    findings: int
    confirmed: int
    contested: int
    cards: int
    tasks: int
    photos: int
    seconds: float


def delete_inspections() -> int:
    """Remove every plan, visit, finding and photo (and the checklist), for a reset."""
    Visit.objects.all().delete()
    count = Plan.objects.all().delete()[0]
    CheckItem.objects.all().delete()
    return count


def placeholder_photo(rng: random.Random, taken: datetime) -> bytes:
    """A small JPEG standing for a photo taken at the counter, with its EXIF time."""
    colour = tuple(rng.randint(90, 200) for _ in range(3))
    image = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 280, 200), outline=(255, 255, 255), width=4)
    draw.line((40, 60, 280, 200), fill=(255, 255, 255), width=2)
    exif = Image.Exif()
    stamp = taken.astimezone(SHANGHAI).strftime("%Y:%m:%d %H:%M:%S")
    exif[0x0132] = stamp
    exif[0x8769] = {0x9003: stamp}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70, exif=exif.tobytes())
    return out.getvalue()


def _workday_in(rng: random.Random, start: date, end: date) -> date | None:
    calendar = get_calendar()
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    days = [d for d in days if calendar.is_workday(d)]
    return rng.choice(days) if days else None


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


class _Writer:
    def __init__(self, rng: random.Random, today: date, now: datetime) -> None:
        User = get_user_model()
        self.rng, self.today, self.now = rng, today, now
        self.office = User.objects.get(username="office")
        self.supervisor = User.objects.get(username="supervisor")
        self.items = list(CheckItem.objects.filter(is_current=True))
        self.weights = [4 if i.category in ("cards", "discipline") else 2 for i in self.items]
        self.findings: list[Finding] = []
        self.photos = 0
        self.cards = 0
        self.tasks = 0

    def plan(self, title: str, kind: str, start: date, end: date, **how) -> Plan:
        plan = services.create_plan(
            self.office,
            services.PlanIn(
                title=title,
                kind=kind,
                start=start,
                end=end,
                team=(self.office, self.supervisor),
                focus="三卡三制落实、工作纪律、窗口服务态度",
                **how,
            ),
        )
        Plan.objects.filter(pk=plan.pk).update(
            created_at=_moment(start - timedelta(days=3), 9),
            status=Plan.Status.CLOSED if end < self.today else Plan.Status.ACTIVE,
        )
        return plan

    def visit(self, plan: Plan | None, unit: Unit, day: date, recorder) -> Visit:
        recorded = _moment(day, self.rng.randint(9, 11), self.rng.randint(0, 59))
        submitted = recorded + timedelta(hours=2)
        fresh = (self.today - day).days < REVIEW_AFTER_DAYS
        visit = Visit.objects.create(
            plan=plan,
            unit=unit,
            visited_on=day,
            created_at=recorded,
            created_by=recorder,
            note="检查组按计划到达，现场查看三卡、在岗和服务情况。" if plan else "",
            status=Visit.Status.SUBMITTED,
            submitted_at=submitted,
        )
        staff = list(Staff.objects.filter(unit__path__startswith=unit.path, is_active=True)[:30])
        count = 1 if plan is None else self.rng.choices((0, 1, 2, 3), (2, 4, 3, 1))[0]
        for n in range(count):
            self.finding(visit, recorded + timedelta(minutes=5 * n), staff, recorder, fresh)
        pending = Finding.objects.filter(visit=visit, status=Finding.Status.PENDING).exists()
        if not pending:
            visit.status = Visit.Status.REVIEWED
            visit.reviewed_at = submitted + timedelta(days=3) if count else submitted
            visit.save(update_fields=["status", "reviewed_at"])
        return visit

    def finding(self, visit: Visit, at: datetime, staff, recorder, fresh: bool) -> None:
        rng = self.rng
        item = rng.choices(self.items, self.weights)[0]
        person = rng.choice(staff) if staff and rng.random() < 0.6 else None
        finding = Finding.objects.create(
            visit=visit,
            item=item,
            note=NOTES.get(item.name, ""),
            person=person,
            deduction=item.deduction,
            recorded_at=at,
            recorded_by=recorder,
            deadline_open=False,
        )
        if rng.random() < 0.35:
            self.photo(finding, at)
        if fresh:
            self.findings.append(finding)
            return
        reviewed = at + timedelta(days=3)
        if rng.random() < 0.2:
            finding.status = Finding.Status.DROPPED
            finding.review_reason = rng.choice(DROP_REASONS)
            finding.reviewed_at, finding.reviewed_by = reviewed, self.office
            finding.save()
            self.findings.append(finding)
            return
        self.confirm(finding, reviewed)

    def photo(self, finding: Finding, at: datetime) -> None:
        data = placeholder_photo(self.rng, at)
        photo = Photo(
            finding=finding,
            content_type="image/jpeg",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            taken_at=at,
            uploaded_at=at,
        )
        photo.file.save(f"{secrets.token_hex(16)}.jpg", ContentFile(data), save=False)
        photo.save()
        self.photos += 1

    def confirm(self, finding: Finding, reviewed: datetime) -> None:
        rng = self.rng
        window = after_workdays(reviewed, 5, 0)
        finding.status = Finding.Status.CONFIRMED
        finding.review_reason = "检查记录和照片清楚，予以确认"
        finding.reviewed_at = finding.confirmed_at = reviewed
        finding.reviewed_by = self.office
        finding.due_at, finding.warn_at = window.due_at, None
        finding.deadline_open = True
        if rng.random() < 0.15:
            reason, accepted = rng.choice(CONTESTS)
            contested = reviewed + timedelta(days=2)
            finding.contest_reason, finding.contested_at = reason, contested
            finding.deadline_open = False
            decided = contested + timedelta(days=4)
            if decided < self.now:
                finding.status = Finding.Status.WITHDRAWN if accepted else Finding.Status.UPHELD
                finding.decision_reason = "经核实，申辩理由成立" if accepted else "申辩理由不成立"
                finding.decided_at, finding.decided_by = decided, self.office
            else:
                finding.status = Finding.Status.CONTESTED
        finding.save()
        self.findings.append(finding)
        if finding.status == Finding.Status.WITHDRAWN:
            return
        if (
            finding.item
            and finding.item.category in ("discipline", "integrity")
            and rng.random() < 0.4
        ):
            self.cards += len(supervision.raise_cards([services.card_intent(finding)], at=reviewed))
        if rng.random() < 0.25 and reviewed > self.now - timedelta(days=60):
            rectification.open_task(
                self.office,
                rectification.OpenTask(
                    source=SourceRef(
                        SourceKind.INSPECTION,
                        finding.pk,
                        f"明查暗访问题{finding.number}",
                        f"/office/inspections/visits/{finding.visit_id}/",
                    ),
                    unit=finding.visit.unit,
                    title=f"{finding.title}（{finding.visit.unit.name}）"[:200],
                    problems=(rectification.ProblemIn(finding.title, finding.note),),
                    complete_by=reviewed.date() + timedelta(days=45),
                    opened_at=reviewed + timedelta(hours=1),
                ),
            )
            self.tasks += 1


def _months(today: date, count: int) -> list[tuple[date, date]]:
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        start = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        months.append((start, nxt - timedelta(days=1)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def write_inspections(seed: int, today: date) -> InspectionsSummary:
    """A year of 明查暗访 (module docstring)."""
    started = perf_counter()
    rng = random.Random(f"xiaoneng-demo:{seed}:inspections")
    now = min(timezone.now(), _moment(today, 23, 59))
    with transaction.atomic():
        defaults.install("演示数据生成")
        writer = _Writer(rng, today, now)
        windows = list(Unit.objects.filter(is_active=True, kind=Unit.Kind.WINDOW).order_by("code"))
        departments = list(
            Unit.objects.filter(is_active=True, kind=Unit.Kind.DEPARTMENT).order_by("code")
        )
        plans = 0
        for start, end in _months(today, 12):
            if not windows:
                break
            plan = writer.plan(
                f"{start.year}年{start.month}月窗口暗访",
                Plan.Kind.COVERT,
                start,
                end,
                pool=tuple(windows),
                draw_count=min(3, len(windows)),
                draw_seed=f"{seed} {start.year} {start.month}",
            )
            plans += 1
            _visit_targets(writer, plan, start, min(end, today - timedelta(days=1)))
        for q in range(4):
            end_month = _months(today, 12)[3 * q + 2]
            start, end = _months(today, 12)[3 * q][0], end_month[1]
            if not departments:
                break
            chosen = tuple(rng.sample(departments, min(3, len(departments))))
            plan = writer.plan(
                f"{end.year}年第{q + 1}期机关作风明查", Plan.Kind.OPEN, start, end, units=chosen
            )
            plans += 1
            _visit_targets(writer, plan, start, min(end, today - timedelta(days=1)))
        for _ in range(4):
            unit = rng.choice(windows or departments)
            day = _workday_in(rng, today - timedelta(days=300), today - timedelta(days=1))
            if day is not None:
                writer.visit(None, unit, day, writer.supervisor)
        audit.record(
            "演示数据生成",
            audit.Action.UPDATE,
            object_type=Finding._meta.label_lower,
            object_id=str(len(writer.findings)),
            object_repr=f"明查暗访问题 {len(writer.findings)} 个",
            summary=f"演示数据：明查暗访计划 {plans} 个的检查、审核和申辩",
            after={"plans": plans, "findings": len(writer.findings), "seed": seed},
        )
    sweep(now=now, watches=["inspections.contest"])
    # A year of history: the team read the notices of its plans.
    Notification.objects.filter(read_at__isnull=True).update(read_at=timezone.now())
    found = Finding.objects.all()
    return InspectionsSummary(
        plans=plans,
        visits=Visit.objects.count(),
        findings=found.count(),
        confirmed=found.confirmed().count(),
        contested=found.exclude(contested_at__isnull=True).count(),
        cards=writer.cards,
        tasks=writer.tasks,
        photos=writer.photos,
        seconds=perf_counter() - started,
    )


def _visit_targets(writer: _Writer, plan: Plan, start: date, last: date) -> None:
    for target in Target.objects.filter(plan=plan).select_related("unit"):
        day = _workday_in(writer.rng, start, last) if last >= start else None
        if day is not None:
            writer.visit(plan, target.unit, day, writer.office)
