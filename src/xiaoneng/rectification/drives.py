"""专项活动 (campaign-wide reporting): phases, and one report per unit in scope and phase.

Seed 003's campaign is the model: four phases 学习动员 → 查找问题 → 整改规范 → 检查验收, and
each unit's liaison reports to the office by a date — 实施方案 by 5/15, 查摆问题情况 by 5/30,
整改方案 by 6/20, 整改结果及总结 by 7/25. Starting a drive creates every unit's report for every
phase on the shared deadline engine (a reminder before, a notice to the unit and the office
after); who is late shows on the drive's grid.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.org.models import Unit
from xiaoneng.web import uploads
from xiaoneng.workflow import Actor, Transition, Transitions, actor_role, is_person

from . import deadlines
from .models import OFFICE_ROLES, UNIT_ROLES, Drive, DrivePhase, DriveReport, Rules

NAME_LIMIT = 100
TEXT_LIMIT = 5000
REPORT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class PhaseIn:
    name: str
    report_name: str
    report_due: date | None
    tasks: str = ""


@dataclass(frozen=True)
class DriveIn:
    name: str
    units: tuple[Unit, ...]
    phases: tuple[PhaseIn, ...]
    description: str = ""


#: Seed 003: the phases of a 效能建设 campaign and what each unit reports by when.
SEED_PHASES = (
    ("学习动员", "召开动员大会，学习有关文件，制定实施方案", "实施方案", (5, 15)),
    ("查找问题", "开展“六查六看”，查摆效能建设方面存在的突出问题", "查摆问题情况", (5, 30)),
    ("整改规范", "针对查找出的问题制定整改方案，建立完善制度", "整改方案", (6, 20)),
    ("检查验收", "自我评价，总结经验，接受督查考核", "整改结果及总结汇报材料", (7, 25)),
)


def seed_phases(year: int) -> tuple[PhaseIn, ...]:
    """The four phases of seed 003 with its dates in ``year``."""
    return tuple(
        PhaseIn(name, report, date(year, month, day), tasks)
        for name, tasks, report, (month, day) in SEED_PHASES
    )


DRIVE = Transitions(
    noun="专项活动",
    actions={
        "start": Transition("启动", {Drive.Status.DRAFT}, Drive.Status.ACTIVE, OFFICE_ROLES),
        "close": Transition("结束", {Drive.Status.ACTIVE}, Drive.Status.CLOSED, OFFICE_ROLES),
    },
)


def _may_report(actor: Actor, report: object, action: str) -> str | None:
    if not is_person(actor) or actor_role(actor) != Role.LIAISON:
        return None
    if not DriveReport.objects.editable_by(actor).filter(pk=report.pk).exists():  # type: ignore[attr-defined]
        return "只能报送本单位的材料"
    return None


REPORT = Transitions(
    noun="专项活动材料",
    actions={
        "submit": Transition(
            "报送材料",
            {DriveReport.Status.PENDING, DriveReport.Status.RETURNED},
            DriveReport.Status.SUBMITTED,
            UNIT_ROLES,
        ),
        "accept": Transition(
            "审阅通过", {DriveReport.Status.SUBMITTED}, DriveReport.Status.ACCEPTED, OFFICE_ROLES
        ),
        "return": Transition(
            "退回补充", {DriveReport.Status.SUBMITTED}, DriveReport.Status.RETURNED, OFFICE_ROLES
        ),
    },
    may_act=_may_report,
)


def _require_office(actor: Actor) -> None:
    if actor_role(actor) not in OFFICE_ROLES:
        raise PermissionDenied("只有效能办可以设置专项活动")


def _check(data: DriveIn) -> None:
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = "请填写活动名称"
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"活动名称不能超过{NAME_LIMIT}字"
    if not data.units:
        errors["units"] = "请选择参加单位"
    phases = [p for p in data.phases if (p.name or "").strip() or (p.report_name or "").strip()]
    if not phases:
        errors["phases"] = "请至少设置一个阶段"
    previous: date | None = None
    for n, p in enumerate(phases, start=1):
        if not (p.name or "").strip() or not (p.report_name or "").strip():
            errors["phases"] = f"第{n}阶段：请填写阶段名称和报送材料"
        elif p.report_due is None:
            errors["phases"] = f"第{n}阶段：请填写报送期限"
        elif previous is not None and p.report_due < previous:
            errors["phases"] = f"第{n}阶段的报送期限早于上一阶段"
        previous = p.report_due or previous
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_drive(actor: Actor, data: DriveIn) -> Drive:
    """设立专项活动 (筹备中): its phases and units; nothing is due until it starts."""
    _require_office(actor)
    _check(data)
    drive = Drive.objects.create(
        name=data.name.strip(),
        description=(data.description or "").strip()[:TEXT_LIMIT],
        created_at=timezone.now(),
        created_by=actor if is_person(actor) else None,  # type: ignore[misc]
    )
    drive.units.set(data.units)
    DrivePhase.objects.bulk_create(
        [
            DrivePhase(
                drive=drive,
                order=n,
                name=p.name.strip()[:50],
                tasks=(p.tasks or "").strip(),
                report_name=p.report_name.strip()[:100],
                report_due=p.report_due,
            )
            for n, p in enumerate([p for p in data.phases if (p.name or "").strip()], start=1)
        ]
    )
    audit.record(
        actor,
        audit.Action.CREATE,
        drive,
        after={
            "name": drive.name,
            "units": [u.pk for u in data.units],
            "phases": [[p.name, p.report_name, str(p.report_due)] for p in data.phases],
        },
        summary="设立专项活动",
    )
    return drive


def _deadline(phase: DrivePhase, now: datetime) -> deadlines.Deadline:
    return deadlines.by_date(phase.report_due, Rules.current().report_warn_days, not_before=now)


@transaction.atomic
def start_drive(actor: Actor, drive: Drive) -> Drive:
    """启动: every unit's report for every phase, each with its date on the deadline engine."""
    step = DRIVE.begin(actor, drive, "start")
    d = step.record
    now = timezone.now()
    units = list(d.units.all())
    phases = list(d.phases.all())
    if not units or not phases:
        raise ValidationError("专项活动还没有参加单位或阶段，不能启动")
    rows = []
    for phase in phases:
        dl = _deadline(phase, now)
        for unit in units:
            rows.append(
                DriveReport(
                    phase=phase,
                    unit=unit,
                    due_at=dl.due_at,
                    warn_at=dl.warn_at,
                    deadline_provisional=dl.provisional,
                )
            )
    DriveReport.objects.bulk_create(rows, batch_size=1000)
    d.started_at = now
    recipients = notifications.RecipientCache()
    schedule = "；".join(f"{p.report_name}{p.report_due:%m月%d日}前" for p in phases)
    notifications.notify_many(
        [
            notifications.Message(
                recipients=recipients(unit),
                kind="info",
                title=f"专项活动已启动：{d.name}"[:200],
                body=f"请按时报送：{schedule}。",
                link=f"/office/rectification/drives/{d.pk}/",
                dedupe_key=f"drive:{d.pk}:start:{unit.pk}",
            )
            for unit in units
        ],
        summary="专项活动启动",
    )
    return step.finish(
        summary=f"启动专项活动（{len(units)}个单位、{len(phases)}个阶段）", fields=["started_at"]
    )


@transaction.atomic
def close_drive(actor: Actor, drive: Drive) -> Drive:
    """结束: reports still missing stay missing (and late), but nobody is reminded any more."""
    step = DRIVE.begin(actor, drive, "close")
    d = step.record
    d.closed_at = timezone.now()
    DriveReport.objects.filter(phase__drive=d, deadline_open=True).update(deadline_open=False)
    return step.finish(summary="结束专项活动", fields=["closed_at"])


@transaction.atomic
def submit_report(
    actor: Actor, report: DriveReport, *, text: str, file: UploadedFile | None = None
) -> DriveReport:
    """报送材料: text, a document, or both; a report sent back may be sent again."""
    step = REPORT.begin(actor, report, "submit")
    r = step.record
    drive = r.phase.drive
    if drive.status != Drive.Status.ACTIVE:
        raise ValidationError(
            f"专项活动“{drive.name}”{chinese_display(drive, 'status')}，不能报送材料"
        )
    text = (text or "").strip()
    if len(text) > TEXT_LIMIT:
        raise ValidationError({"text": f"材料内容不能超过{TEXT_LIMIT}字"})
    if not text and file is None:
        raise ValidationError({"text": "请填写材料内容或上传材料文件"})
    now = timezone.now()
    fields = ["text", "submitted_at", "submitted_by", "deadline_open"]
    if file is not None:
        checked = uploads.check_upload(
            file, allowed=uploads.DOCUMENTS, max_bytes=REPORT_BYTES, field="file", what="材料"
        )
        file.name = f"{secrets.token_hex(16)}.{checked.extension}"
        r.file = file
        r.file_label = f"{r.phase.report_name}.{checked.extension}"[:60]
        r.file_type, r.file_size = checked.content_type, file.size
        fields += ["file", "file_label", "file_type", "file_size"]
    r.text, r.submitted_at = text, now
    r.submitted_by = actor if is_person(actor) else None  # type: ignore[assignment]
    r.deadline_open = False
    late = "（逾期报送）" if r.due_at and now > r.due_at else ""
    return step.finish(summary=f"报送{r.phase.report_name}{late}", fields=fields)


@transaction.atomic
def review_report(actor: Actor, report: DriveReport, *, accept: bool, note: str) -> DriveReport:
    """审阅: 通过, or 退回补充 with what is missing (the unit may send it again)."""
    step = REPORT.begin(actor, report, "accept" if accept else "return")
    r = step.record
    note = (note or "").strip()
    if not accept and not note:
        raise ValidationError({"note": "退回补充请写明需要补充的内容"})
    r.reviewed_at = timezone.now()
    r.reviewed_by = actor if is_person(actor) else None  # type: ignore[assignment]
    r.review_note = note[:TEXT_LIMIT]
    if not accept:
        notifications.notify(
            notifications.responsible_recipients(r.unit),
            kind="info",
            title=f"专项活动材料被退回补充：{r.phase.report_name}"[:200],
            body=note,
            link=f"/office/rectification/drives/{r.phase.drive_id}/reports/{r.pk}/",
        )
    return step.finish(
        summary="审阅通过" if accept else "退回补充",
        fields=["reviewed_at", "reviewed_by", "review_note"],
    )


# ---- the grid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    report: DriveReport
    late: bool

    @property
    def state(self) -> str:
        """What the grid's badge shows by its colour: late first, else the report's status."""
        return "late" if self.late else self.report.status


@dataclass(frozen=True)
class GridRow:
    unit: Unit
    cells: tuple[Cell, ...]
    late: int


def grid(drive: Drive, reports: Sequence[DriveReport], now: datetime) -> list[GridRow]:
    """Units × phases; a unit with any late report first (who is late, at a glance)."""
    phases = list(drive.phases.all())
    by_unit: dict[int, dict[int, DriveReport]] = {}
    units: dict[int, Unit] = {}
    for r in reports:
        by_unit.setdefault(r.unit_id, {})[r.phase_id] = r
        units[r.unit_id] = r.unit
    rows = []
    for unit_id, cells in by_unit.items():
        row = tuple(Cell(cells[p.pk], is_late(cells[p.pk], now)) for p in phases if p.pk in cells)
        rows.append(GridRow(units[unit_id], row, sum(c.late for c in row)))
    rows.sort(key=lambda r: (-r.late, r.unit.path))
    return rows


def is_late(report: DriveReport, now: datetime) -> bool:
    """Submitted after the date, or not submitted and the date has passed."""
    if report.due_at is None:
        return False
    if report.submitted_at is not None:
        return report.submitted_at > report.due_at
    return now > report.due_at


# ---- the sweeper ---------------------------------------------------------------------------------


def _link(r: DriveReport) -> str:
    return f"/office/rectification/drives/{r.phase.drive_id}/reports/{r.pk}/"


def _body(r: DriveReport) -> str:
    p = r.phase
    return f"专项活动：{p.drive.name}；阶段：{p.name}；报送期限：{p.report_due:%Y-%m-%d}"


def report_warn(reports: list[DriveReport], now: datetime) -> None:
    recipients = notifications.RecipientCache()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=recipients(r.unit),
                kind="warning",
                title=f"请按时报送{r.phase.report_name}"[:200],
                body=_body(r),
                link=_link(r),
                dedupe_key=f"drive-report:{r.pk}:warn",
            )
            for r in reports
        ],
        summary="专项活动材料报送提醒",
    )


def report_due(reports: list[DriveReport], now: datetime) -> None:
    from . import services

    recipients = notifications.RecipientCache()
    office = services.office_users()
    notifications.notify_many(
        [
            notifications.Message(
                recipients=[*recipients(r.unit), *office],
                kind="overdue",
                title=f"{r.unit.name}逾期未报送{r.phase.report_name}"[:200],
                body=_body(r),
                link=_link(r),
                dedupe_key=f"drive-report:{r.pk}:overdue",
            )
            for r in reports
        ],
        summary="专项活动材料逾期未报",
    )


def recompute_provisional() -> int:
    """After a calendar import: warnings of reports not yet due that were counted Monday–Friday."""
    warn = Rules.current().report_warn_days
    rows = []
    for r in DriveReport.objects.filter(
        deadline_open=True, deadline_provisional=True
    ).select_related("phase"):
        d = deadlines.by_date(r.phase.report_due, warn)
        r.warn_at, r.deadline_provisional = d.warn_at, d.provisional
        rows.append(r)
    DriveReport.objects.bulk_update(rows, ["warn_at", "deadline_provisional"], batch_size=500)
    return len(rows)
