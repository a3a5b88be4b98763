"""效能投诉 services: every change to a complaint goes through here, in a transaction, audited.

有诉必理、有理必果、有果必复: submit → accept (route to a unit) or decline → the unit's finding →
the office's review → reply → return visit (回访) → closed; one reopen back to the unit. The
table ``FLOW`` says which status each step starts from, where it leads and who takes it; every
step goes through it (``xiaoneng.workflow``). Each stage has its own working-day deadline
(``ComplaintRules``) watched by the sweeper.

The complainant's identity never leaves this module in clear text except through
:func:`reveal_identity` (office only, with a reason, audited). Audit snapshots leave out the
encrypted token and the query-code digest, so the audit log holds no identity either.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese_display
from xiaoneng.notifications import services as notifications
from xiaoneng.org.models import Staff, Unit
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card
from xiaoneng.web import uploads
from xiaoneng.workcalendar.services import get_calendar
from xiaoneng.workdays import SHANGHAI, add_workdays_counted
from xiaoneng.workflow import Actor, Step, Transition, Transitions, actor_role, is_person

from . import crypto
from .models import (
    OFFICE_ROLES,
    Attachment,
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintRules,
    Dispute,
    TownshipUnit,
    Urge,
)

Status = Complaint.Status
TEXT_LIMIT = 5000
TITLE_LIMIT = 100
REASON_LIMIT = 2000
QUERY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out on the phone
QUERY_CODE_LENGTH = 8
#: Office steps warn one working day ahead; the unit's step has its own rule.
OFFICE_WARN_DAYS = 1
#: Every field except the encrypted identity and the code digest: what the audit log may keep.
AUDIT_EXCLUDE = {"identity_token", "code_digest", "external_digest"}
PHONE_RE = re.compile(r"^[0-9+\-（）() ]{5,20}$")
#: The complainant, who files on the public form and acts on the public lookup with the number
#: and query code (回访、申请重新办理): named so in the audit log and the timeline.
COMPLAINANT = "投诉人"

# ---- small helpers ---------------------------------------------------------------------------


def is_office(user: Actor | None) -> bool:
    return actor_role(user) in OFFICE_ROLES


def _require_office(user, what: str) -> None:
    if not is_office(user):
        raise PermissionDenied(f"只有效能办可以{what}")


def audit_snapshot(complaint: Complaint) -> dict:
    fields = [f.name for f in Complaint._meta.concrete_fields if f.name not in AUDIT_EXCLUDE]
    return audit.snapshot(complaint, fields)


def _actor_name(actor: Actor | None) -> str:
    if isinstance(actor, str):  # another system, e.g. "接口:12345热线平台"
        return actor
    if actor is None or not getattr(actor, "is_authenticated", False):
        return COMPLAINANT
    return str(actor)


def _event(
    complaint: Complaint,
    kind: str,
    actor: Actor | None,
    note: str = "",
    *,
    at: datetime | None = None,
    office_only: bool = False,
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=_actor_name(actor)[:150],
        note=note,
        office_only=office_only,
    )


def _text(value: str | None, field: str, label: str, limit: int = TEXT_LIMIT) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}不能超过{limit}字（现为{len(value)}字）"})
    return value


def set_deadline(
    complaint: Complaint, stage: str, start: datetime, days: int, warn_days: int
) -> None:
    """Start a stage's clock: due after ``days`` working days, warned ``warn_days`` before."""
    complaint.stage = stage
    complaint.stage_started_at, complaint.stage_days, complaint.stage_warn_days = (
        start,
        days,
        warn_days,
    )
    _compute_deadline(complaint)
    complaint.deadline_open = True
    complaint.warned_at = None
    complaint.overdue_at = None


def _compute_deadline(complaint: Complaint, rule: str | None = None) -> None:
    calendar = get_calendar()
    rule = rule or ComplaintRules.current().count_rule
    start, days = complaint.stage_started_at, complaint.stage_days
    due = add_workdays_counted(start, days, rule, calendar)
    warn = add_workdays_counted(
        start, max(days - (complaint.stage_warn_days or 0), 0), rule, calendar
    )
    complaint.due_at = due.due
    complaint.warn_at = min(warn.due, due.due)
    complaint.deadline_provisional = due.provisional or warn.provisional


def recompute_provisional(now: datetime | None = None) -> int:
    """After a calendar import: recompute open deadlines that were provisional. A deadline that
    moved into the future is watched afresh; one still past keeps its handled flags."""
    now = now or timezone.now()
    changed = []
    rule = ComplaintRules.current().count_rule
    for complaint in Complaint.objects.filter(
        deadline_open=True, deadline_provisional=True, stage_started_at__isnull=False
    ):
        _compute_deadline(complaint, rule)
        if complaint.due_at > now:
            complaint.overdue_at = None
        if complaint.warn_at > now:
            complaint.warned_at = None
        changed.append(complaint)
    fields = ["due_at", "warn_at", "deadline_provisional", "overdue_at", "warned_at"]
    Complaint.objects.bulk_update(changed, fields, batch_size=500)
    for complaint in changed:
        _sync_urge(complaint)
    return len(changed)


def _stop_clock(complaint: Complaint) -> None:
    complaint.stage = Complaint.Stage.NONE
    complaint.deadline_open = False


def office_users() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.OFFICE).order_by("id"))


def _due_text(complaint: Complaint) -> str:
    if complaint.due_at is None:
        return ""
    return f"办理期限：{timezone.localtime(complaint.due_at):%Y-%m-%d %H:%M}"


def _notify(recipients, title: str, complaint: Complaint, body: str = "", kind: str = "info"):
    # Only the number, category and deadline: never the complainant, never the content.
    notifications.notify(
        recipients,
        kind=kind,
        title=title,
        body=f"投诉编号：{complaint.number}；类别：{complaint.category.name}。{body}".strip(),
        link=f"/office/complaints/{complaint.pk}/",
    )


# ---- intake ----------------------------------------------------------------------------------


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def new_number(now: datetime) -> str:
    day = timezone.localtime(now)
    while True:
        number = f"TS{day:%Y%m%d}{secrets.randbelow(10**6):06d}"
        if not Complaint.objects.filter(number=number).exists():
            return number


def check_attachment(upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) of an allowed image or PDF; refuses by size and magic bytes
    (the rules shared with rectification evidence, ``web/uploads.py``)."""
    checked = uploads.check_upload(upload)
    return checked.content_type, checked.extension


def check_attachments(files: list[UploadedFile]) -> list[tuple[UploadedFile, str, str]]:
    return [(c.upload, c.content_type, c.extension) for c in uploads.check_uploads(files)]


def _store_attachments(complaint: Complaint, checked: list[tuple[UploadedFile, str, str]]) -> None:
    for upload, content_type, ext in checked:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        # The complainant's file name may carry their own name (王小明身份证.png): it is kept
        # encrypted like the identity, and the file is stored under a random name.
        name_token = crypto.encrypt_identity({"name": upload.name[:200]})
        upload.name = f"{secrets.token_hex(16)}.{ext}"
        Attachment.objects.create(
            complaint=complaint,
            file=upload,
            name_token=name_token,
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
        )


@dataclass(frozen=True)
class Identity:
    """投诉人身份 as typed; only ever kept encrypted."""

    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    #: 来电号码 as the hotline platform saw it; kept (encrypted) only for named complaints.
    caller_number: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "caller_number": self.caller_number,
        }


def _check_identity(anonymous: bool, identity: Identity | None, channel: str) -> Identity | None:
    if anonymous:
        return None
    identity = identity or Identity()
    if not identity.name.strip():
        raise ValidationError({"name": "实名投诉请填写姓名，或选择匿名投诉"})
    if len(identity.name) > 50:
        raise ValidationError({"name": "姓名不能超过50字"})
    phone = identity.phone.strip()
    if phone and not PHONE_RE.match(phone):
        raise ValidationError({"phone": "联系电话格式不正确"})
    if channel == Complaint.Channel.WEB and not (phone or identity.email.strip()):
        raise ValidationError({"phone": "实名投诉请留下联系电话或电子邮箱，以便答复和回访"})
    return identity


def submit_complaint(
    actor: Actor | None,
    *,
    channel: str,
    category: Category,
    title: str,
    content: str,
    anonymous: bool = False,
    identity: Identity | None = None,
    named_unit: Unit | None = None,
    accused_name: str = "",
    case_number: str = "",
    caller_line: str = "",
    files: list[UploadedFile] | None = None,
    now: datetime | None = None,
    kind: str = Complaint.Kind.COMPLAINT,
) -> tuple[Complaint, str]:
    """提交投诉 on any channel. Returns the complaint and its query code (shown once, kept only
    as a keyed digest). ``actor`` is None for the public web form."""
    if channel not in Complaint.Channel.values:
        raise ValidationError({"channel": "未知的投诉渠道"})
    if actor is None or not getattr(actor, "is_authenticated", False):
        actor = None
        if channel != Complaint.Channel.WEB:
            raise PermissionDenied("公众只能通过网上投诉提交")
    else:
        role = actor.effective_role
        if role == Role.SUPERVISOR:
            channel = Complaint.Channel.SUPERVISOR
        elif role not in OFFICE_ROLES:
            raise PermissionDenied("您的角色不能登记投诉")
    return _file_complaint(
        actor,
        channel=channel,
        category=category,
        title=title,
        content=content,
        anonymous=anonymous,
        identity=identity,
        named_unit=named_unit,
        accused_name=accused_name,
        case_number=case_number,
        caller_line=caller_line,
        files=files,
        now=now,
        kind=kind,
    )


#: Channels another system (a 12345 hotline platform, a mail-room system) may file on.
SYSTEM_CHANNELS = (
    Complaint.Channel.HOTLINE,
    Complaint.Channel.LETTER,
    Complaint.Channel.EMAIL,
    Complaint.Channel.WALKIN,
)


@dataclass(frozen=True)
class SystemFiling:
    """The outcome of :func:`submit_from_system`: ``created`` is False for a recognised resend."""

    complaint: Complaint
    code: str
    created: bool


class ExternalIdConflict(Exception):
    """The sender reused its record id for a different complaint (幂等冲突)."""


def submit_from_system(
    system: str,
    source: str,
    *,
    external_id: str,
    canonical_body: str,
    channel: str,
    category: Category,
    title: str,
    content: str,
    anonymous: bool = False,
    identity: Identity | None = None,
    named_unit: Unit | None = None,
    accused_name: str = "",
    caller_line: str = "",
    now: datetime | None = None,
    kind: str = Complaint.Kind.COMPLAINT,
) -> SystemFiling:
    """来源系统提交投诉 (e.g. the 12345 hotline platform through the API), idempotent by the
    sender's ``external_id``: the same body again returns the first filing (same number and
    query code); a different body under the same id raises :class:`ExternalIdConflict`.
    ``system`` names the sender in the audit log and timeline; ``source`` identifies it for
    idempotency (``api:<key id>``)."""
    if channel not in SYSTEM_CHANNELS:
        raise ValidationError({"channel": "渠道应为 hotline、letter、email 或 walkin"})
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 100:
        raise ValidationError({"external_id": "请提供来源系统的记录编号（100字以内）"})
    existing = Complaint.objects.filter(external_source=source, external_id=external_id).first()
    if existing is not None:
        return _resend(existing, source, external_id, canonical_body)
    code_for = _system_code(source, external_id)
    complaint, code = _file_complaint(
        system,
        channel=channel,
        category=category,
        title=title,
        content=content,
        anonymous=anonymous,
        identity=identity,
        named_unit=named_unit,
        accused_name=accused_name,
        caller_line=caller_line,
        now=now,
        external=(source, external_id, crypto.body_digest(canonical_body)),
        code_for=code_for,
        kind=kind,
    )
    return SystemFiling(complaint, code, True)


def _system_code(source: str, external_id: str):
    def code_for(number: str) -> str:
        return crypto.system_codes(number, source, external_id)[0]

    return code_for


def _resend(complaint: Complaint, source: str, external_id: str, body: str) -> SystemFiling:
    if not crypto.body_matches(body, complaint.external_digest):
        raise ExternalIdConflict(
            f"来源系统编号“{external_id}”已用于投诉{complaint.number}，且内容与本次不同"
        )
    for code in crypto.system_codes(complaint.number, source, external_id):
        if crypto.code_matches(complaint.number, code, complaint.code_digest):
            return SystemFiling(complaint, code, False)
    raise ExternalIdConflict("该投诉的查询码无法重新生成（密钥已更换），请联系效能办")


def _file_complaint(
    actor: Actor | None,
    *,
    channel: str,
    category: Category,
    title: str,
    content: str,
    anonymous: bool,
    identity: Identity | None,
    named_unit: Unit | None,
    accused_name: str,
    caller_line: str,
    now: datetime | None,
    case_number: str = "",
    files: list[UploadedFile] | None = None,
    external: tuple[str, str, str] | None = None,
    code_for=None,
    kind: str = Complaint.Kind.COMPLAINT,
) -> tuple[Complaint, str]:
    """Check and store a complaint; ``actor`` is a user, None (the public) or a system's name."""
    now = now or timezone.now()
    if category is None or not category.is_active:
        raise ValidationError({"category": "请选择投诉类别"})
    title = _text(title, "title", "标题", TITLE_LIMIT)
    if kind not in Complaint.Kind.values:
        raise ValidationError({"kind": "请选择诉求类型"})
    content = _text(content, "content", "投诉内容")
    identity = _check_identity(anonymous, identity, channel)
    if len(accused_name) > 50:
        raise ValidationError({"accused_name": "被投诉人不能超过50字"})
    checked = check_attachments(list(files or []))
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        number = new_number(now)
        code = code_for(number) if code_for else new_query_code()
        source, external_id, digest = external or ("", "", "")
        complaint = Complaint(
            number=number,
            code_digest=crypto.code_digest(number, code),
            channel=channel,
            kind=kind,
            caller_line=caller_line.strip()[:20] if channel == Complaint.Channel.HOTLINE else "",
            category=category,
            title=title,
            content=content,
            named_unit=named_unit,
            accused_name=accused_name.strip(),
            case_number=case_number.strip()[:60],
            anonymous=identity is None,
            identity_token=crypto.encrypt_identity(identity.as_dict()) if identity else "",
            submitted_at=now,
            submitted_by=user,
            external_source=source,
            external_id=external_id,
            external_digest=digest,
        )
        rules = ComplaintRules.current()
        set_deadline(complaint, Complaint.Stage.ACCEPT, now, rules.accept_days, OFFICE_WARN_DAYS)
        complaint.save()
        audit.record(
            actor if is_person(actor) or isinstance(actor, str) else COMPLAINANT,
            audit.Action.CREATE,
            complaint,
            after=audit_snapshot(complaint),
            summary=f"提交投诉（{chinese_display(complaint, 'channel')}）",
        )
        _store_attachments(complaint, checked)
        _event(
            complaint,
            ComplaintEvent.Kind.SUBMIT,
            actor,
            chinese_display(complaint, "channel"),
            at=now,
        )
        _notify(office_users(), f"新的效能投诉待受理：{number}", complaint, _due_text(complaint))
    return complaint, code


# ---- the office's and the unit's steps -------------------------------------------------------

#: The complainant's own steps, and the refusal for anyone but them and the office.
ON_BEHALF = {"visit": "只有效能办可以回访", "reopen": "只有效能办可以代投诉人申请重新办理"}


#: Steps a department system may also take, through the API (docs/api.md §2.13): 退单 for the
#: handling unit, 改派/维持原派/并单/撤销并单 for the office. A person needs one of these roles; a
#: system has none, and the API lets a key act only for the unit it was issued to (the handling
#: unit's subtree for 退单, the office's unit for the rest) before it calls the service.
SYSTEM_STEPS: dict[str, tuple[str, ...]] = {
    "object": (Role.LIAISON,),
    "reroute": OFFICE_ROLES,
    "insist": OFFICE_ROLES,
    "merge": OFFICE_ROLES,
    "unmerge": OFFICE_ROLES,
}


def _who(actor: Actor, complaint: Complaint, action: str) -> str | None:
    """Who may act, where the table's roles do not say it all: the unit that handles the
    complaint submits the finding; the complainant or the office on their behalf answers the
    return visit and asks for the complaint to be handled again; a department system takes the
    :data:`SYSTEM_STEPS` (a person the same steps with the role)."""
    if action in SYSTEM_STEPS:
        if not is_person(actor):
            return None
        if actor_role(actor) not in SYSTEM_STEPS[action]:
            transition = FLOW.actions[action]
            return transition.denied or f"您的角色不能{transition.label}"
    if action in ("finding", "object"):
        if (
            is_person(actor)
            and Complaint.objects.editable_by(actor).filter(pk=complaint.pk).exists()
        ):
            return None
        return "您无权办理该投诉"
    if action in ON_BEHALF and actor != COMPLAINANT and not is_office(actor):
        return ON_BEHALF[action]
    return None


def _may_object(complaint: Complaint) -> str | None:
    """退单 only within ``dispute_days`` working days of the routing, once per routing, and
    before any finding."""
    if complaint.routed_at is None or complaint.finding_at is not None:
        return "提交调查结论后不能退单"
    rules = ComplaintRules.current()
    limit = add_workdays_counted(
        complaint.routed_at, rules.dispute_days, rules.count_rule, get_calendar()
    ).due
    if complaint.disputes.filter(filed_at__gte=complaint.routed_at).exists():
        return "本次转办已经退过单，不能再次退单"
    if timezone.now() > limit:
        return f"已超过退单时限（转办后{rules.dispute_days}个工作日内）"
    return None


def _reopened_before(complaint: Complaint) -> str | None:
    if complaint.reopen_count >= 1:
        return "该投诉已重新办理过一次，不能再次申请重新办理"
    return None


#: 投诉办理流程: which status each step starts from and leads to, and who takes it. Every step
#: below goes through it (``xiaoneng.workflow``); the timeline event has the step's name.
FLOW = Transitions(
    noun="投诉",
    actions={
        "accept": Transition(
            "受理",
            {Status.SUBMITTED},
            Status.HANDLING,
            OFFICE_ROLES,
            denied="只有效能办可以受理投诉",
        ),
        "decline": Transition(
            "不予受理",
            {Status.SUBMITTED},
            Status.DECLINED,
            OFFICE_ROLES,
            denied="只有效能办可以作出不予受理决定",
        ),
        "finding": Transition("提交调查结论", {Status.HANDLING}, Status.REVIEW),
        "approve": Transition(
            "审核通过",
            {Status.REVIEW},
            Status.APPROVED,
            OFFICE_ROLES,
            denied="只有效能办可以审核调查结论",
        ),
        "send_back": Transition(
            "退回",
            {Status.REVIEW},
            Status.HANDLING,
            OFFICE_ROLES,
            denied="只有效能办可以退回调查结论",
        ),
        "reply": Transition(
            "答复投诉人",
            {Status.APPROVED},
            Status.REPLIED,
            OFFICE_ROLES,
            denied="只有效能办可以答复投诉人",
            wrong_status="调查结论经效能办审核通过后才能答复投诉人",
        ),
        "visit": Transition(
            "回访", {Status.REPLIED}, Status.CLOSED, wrong_status="答复投诉人后才能回访"
        ),
        "object": Transition(
            "退单",
            {Status.HANDLING},
            Status.OBJECTED,
            None,  # SYSTEM_STEPS
            denied="只有承办单位的联络员可以退单",
            wrong_status="承办单位办理中才能退单",
            guard=_may_object,
        ),
        "reroute": Transition(
            "改派", {Status.OBJECTED}, Status.HANDLING, None, denied="只有效能办可以改派"
        ),
        "insist": Transition(
            "维持原派",
            {Status.OBJECTED},
            Status.HANDLING,
            None,  # SYSTEM_STEPS
            denied="只有效能办可以审核退单",
        ),
        "merge": Transition(
            "并单",
            {Status.SUBMITTED},
            Status.MERGED,
            None,  # SYSTEM_STEPS
            denied="只有效能办可以并单",
            wrong_status="只有待受理的投诉可以并入其他投诉",
        ),
        "unmerge": Transition(
            "撤销并单",
            {Status.MERGED},
            Status.SUBMITTED,
            None,  # SYSTEM_STEPS
            denied="只有效能办可以撤销并单",
            wrong_status="已随主件答复的投诉不能再撤销并单",
        ),
        # The repeats merged into a complaint are answered with it (one reply for all).
        "answer_merged": Transition("随主件答复", {Status.MERGED}, Status.REPLIED, OFFICE_ROLES),
        # Once only; the handling unit is set whenever the status allows a reopening.
        "reopen": Transition(
            "重新办理",
            {Status.REPLIED, Status.CLOSED},
            Status.HANDLING,
            wrong_status="投诉答复后才能申请重新办理",
            guard=_reopened_before,
        ),
    },
    may_act=_who,
    snapshot=audit_snapshot,
    related=("category", "handling_unit", "accused_staff"),
)


def _finish(step: Step[Complaint], summary: str, note: str) -> Complaint:
    """Save the whole complaint and audit the step, then put it on the timeline; the 12345
    preset's 催办/通报 follow the new handling deadline."""
    complaint = step.finish(summary=summary, fields=None)
    _event(complaint, ComplaintEvent.Kind(step.action), step.actor, note)
    _sync_urge(complaint)
    return complaint


@transaction.atomic
def accept(
    actor: Actor,
    complaint: Complaint,
    *,
    unit: Unit,
    accused_staff: Staff | None = None,
    share_attachments: bool = False,
    note: str = "",
    kind: str | None = None,
    confirm_push_down: bool = False,
) -> Complaint:
    """受理并转办: route to the responsible unit (分级负责、归口管理). ``kind`` (诉求类型) may
    be corrected here; it sets the limit under the 12345 preset. Routing to a 乡镇（街道）
    a matter the complainant laid at another unit's door needs ``confirm_push_down``."""
    step = FLOW.begin(actor, complaint, "accept")
    if unit is None or not unit.is_active:
        raise ValidationError({"unit": "请选择承办单位"})
    if accused_staff is not None and not accused_staff.unit.is_within(unit):
        raise ValidationError({"accused_staff": "被投诉人应属于承办单位或其下属单位"})
    if kind is not None and kind not in Complaint.Kind.values:
        raise ValidationError({"kind": "请选择诉求类型"})
    c = step.record
    _check_push_down(c.named_unit, unit, confirm_push_down)
    now = timezone.now()
    c.kind = kind or c.kind
    c.handling_unit = unit
    c.accused_staff = accused_staff
    c.share_attachments = share_attachments
    c.routed_at = now
    rules = ComplaintRules.current()
    days = handle_days(rules, c.kind)
    set_deadline(c, Complaint.Stage.HANDLE, now, days, min(rules.handle_warn_days, days))
    _finish(step, f"受理并转办{unit.name}", f"转{unit.name}办理。{note.strip()}".strip())
    _notify(
        notifications.responsible_recipients(unit),
        f"新的效能投诉交办：{c.number}",
        c,
        _due_text(c),
    )
    return c


@transaction.atomic
def decline(actor: Actor, complaint: Complaint, reason: str) -> Complaint:
    """不予受理 with a reason; the reason is what the complainant reads in the lookup."""
    step = FLOW.begin(actor, complaint, "decline")
    reason = _text(reason, "reason", "不予受理理由", REASON_LIMIT)
    c = step.record
    if c.merged.filter(status=Status.MERGED).exists():
        raise ValidationError("有重复投诉并入本件，请先撤销并单再作不予受理决定")
    c.decline_reason = reason
    c.closed_at = timezone.now()
    _stop_clock(c)
    return _finish(step, "不予受理", reason)


@transaction.atomic
def submit_finding(
    actor: Actor,
    complaint: Complaint,
    *,
    finding: str,
    text: str,
    accused_staff: Staff | None = None,
) -> Complaint:
    """承办单位提交调查结论: 属实 / 部分属实 / 不属实, with the facts it rests on."""
    step = FLOW.begin(actor, complaint, "finding")
    if finding not in Complaint.Finding.values:
        raise ValidationError({"finding": "请选择调查结论"})
    text = _text(text, "text", "调查情况及依据")
    c = step.record
    if accused_staff is not None and not accused_staff.unit.is_within(c.handling_unit):
        raise ValidationError({"accused_staff": "责任人应属于承办单位或其下属单位"})
    now = timezone.now()
    c.finding = finding
    c.finding_text = text
    c.finding_at = now
    if accused_staff is not None:
        c.accused_staff = accused_staff
    rules = ComplaintRules.current()
    set_deadline(c, Complaint.Stage.REVIEW, now, rules.review_days, OFFICE_WARN_DAYS)
    shown = chinese_display(c, "finding")
    _finish(step, f"提交调查结论：{shown}", f"{shown}。{text}")
    _notify(office_users(), f"投诉调查结论待审核：{c.number}", c)
    return c


@transaction.atomic
def send_back(actor: Actor, complaint: Complaint, reason: str) -> Complaint:
    """退回重办: the office sends the finding back; the unit gets ``resubmit_days`` more."""
    step = FLOW.begin(actor, complaint, "send_back")
    reason = _text(reason, "reason", "退回理由", REASON_LIMIT)
    c = step.record
    rules = ComplaintRules.current()
    days = rules.resubmit_days
    set_deadline(c, Complaint.Stage.HANDLE, timezone.now(), days, min(rules.handle_warn_days, days))
    _finish(step, "退回重办", reason)
    _notify(
        notifications.responsible_recipients(c.handling_unit),
        f"投诉调查结论被退回：{c.number}",
        c,
        _due_text(c),
    )
    return c


def _finding_card(complaint: Complaint, now: datetime) -> list[Card]:
    """属实 → 红牌, 部分属实 → 黄牌, against the unit and, when named, the person; once per
    complaint (a reopened complaint found 属实 again does not double the card)."""
    if complaint.finding not in (Complaint.Finding.TRUE, Complaint.Finding.PARTLY):
        return []
    red = complaint.finding == Complaint.Finding.TRUE
    return supervision.raise_cards(
        [
            supervision.CardIntent(
                color=Card.Color.RED if red else Card.Color.YELLOW,
                cause=Card.Cause.COMPLAINT_SUBSTANTIATED,
                cause_key=f"complaint:{complaint.pk}:finding",
                at=now,
                unit=complaint.handling_unit,
                staff=complaint.accused_staff,
                subject=complaint,
                summary=f"效能投诉{complaint.number}（{complaint.category.name}）经查"
                f"{chinese_display(complaint, 'finding')}",
            )
        ],
        at=now,
    )


@transaction.atomic
def approve(actor: Actor, complaint: Complaint, note: str = "") -> Complaint:
    """审核通过: the finding stands; a 属实/部分属实 finding raises its card now."""
    step = FLOW.begin(actor, complaint, "approve")
    c = step.record
    now = timezone.now()
    c.approved_at = now
    rules = ComplaintRules.current()
    set_deadline(c, Complaint.Stage.REPLY, now, rules.reply_days, OFFICE_WARN_DAYS)
    _finish(step, "审核通过", note.strip())
    _finding_card(c, now)
    return c


@transaction.atomic
def reply(actor: Actor, complaint: Complaint, text: str) -> Complaint:
    """答复投诉人: the text the complainant reads in the public lookup."""
    step = FLOW.begin(actor, complaint, "reply")
    text = _text(text, "text", "答复内容")
    c = step.record
    c.reply_text = text
    c.replied_at = timezone.now()
    _finish(step, "答复投诉人", text)
    _answer_merged(actor, c)
    return c


@transaction.atomic
def record_visit(actor: Actor, complaint: Complaint, *, result: str, note: str = "") -> Complaint:
    """回访 and close. Anonymous complaints are closed with the visit marked as not possible."""
    return _visit(FLOW.begin(actor, complaint, "visit"), result, note)


@transaction.atomic
def visit_public(number: str, code: str, result: str, note: str = "") -> Complaint:
    """The complainant answers the return visit themselves (满意/不满意) with number and query code;
    a dissatisfied complainant may then ask once for the complaint to be handled again."""
    complaint = lookup_public(number, code)
    if complaint is None:
        raise ValidationError(NOT_FOUND)
    if result not in (Complaint.Visit.SATISFIED, Complaint.Visit.DISSATISFIED):
        raise ValidationError({"result": "请选择满意或不满意"})
    return _visit(FLOW.begin(COMPLAINANT, complaint, "visit"), result, note)


def _visit(step: Step[Complaint], result: str, note: str) -> Complaint:
    if result not in Complaint.Visit.values:
        raise ValidationError({"result": "请选择回访结果"})
    if len(note) > REASON_LIMIT:
        raise ValidationError({"note": f"回访记录不能超过{REASON_LIMIT}字"})
    c = step.record
    now = timezone.now()
    c.visit_result = result
    c.visit_note = note.strip()
    c.visited_at = now
    c.closed_at = now
    _stop_clock(c)
    shown = chinese_display(c, "visit_result")
    return _finish(step, f"回访：{shown}", f"{shown}。{note.strip()}".strip("。"))


def _reopen(step: Step[Complaint], reason: str) -> Complaint:
    reason = _text(reason, "reason", "不满意的理由", REASON_LIMIT)
    c = step.record
    if c.handling_unit_id is None:
        raise ValidationError("该投诉没有承办单位，不能重新办理")
    c.reopen_count += 1
    c.closed_at = None
    c.approved_at = None
    if c.visit_result == "":
        c.visit_result = Complaint.Visit.DISSATISFIED
    rules = ComplaintRules.current()
    days = handle_days(rules, c.kind)
    set_deadline(c, Complaint.Stage.HANDLE, timezone.now(), days, min(rules.handle_warn_days, days))
    _finish(step, "不满意，重新办理", reason)
    _notify(
        [*notifications.responsible_recipients(c.handling_unit), *office_users()],
        f"投诉人不满意，重新办理：{c.number}",
        c,
        _due_text(c),
    )
    return c


@transaction.atomic
def reopen(actor: Actor, complaint: Complaint, reason: str) -> Complaint:
    """重新办理 on the complainant's behalf (e.g. after a dissatisfied 回访); once only."""
    return _reopen(FLOW.begin(actor, complaint, "reopen"), reason)


@transaction.atomic
def reopen_public(number: str, code: str, reason: str) -> Complaint:
    """The complainant reopens with number and query code (the view throttles the attempts)."""
    complaint = lookup_public(number, code)
    if complaint is None:
        raise ValidationError(NOT_FOUND)
    return _reopen(FLOW.begin(COMPLAINANT, complaint, "reopen"), reason)


@dataclass(frozen=True)
class RevealedFile:
    """An attachment's neutral name as staff see it and the name the complainant gave it."""

    label: str
    original: str


@dataclass(frozen=True)
class Revealed:
    """What the audited reveal shows: the identity (empty for an anonymous complaint) and the
    attachments' original file names, which may name the complainant too."""

    identity: dict[str, str]
    files: tuple[RevealedFile, ...]


def has_secrets(complaint: Complaint) -> bool:
    """Whether there is anything to reveal: a named complainant or attachments' file names."""
    return bool(complaint.identity_token) or complaint.attachments.exists()


@transaction.atomic
def reveal_identity(actor: Actor, complaint: Complaint, reason: str) -> Revealed:
    """查看投诉人身份: office only, with a reason; the audit entry keeps the reason, which fields
    exist and how many file names were shown — never the values — and the office's timeline
    shows who looked and why."""
    _require_office(actor, "查看投诉人身份")
    reason = _text(reason, "reason", "查看理由", REASON_LIMIT)
    attachments = list(complaint.attachments.all())
    if not complaint.identity_token and not attachments:
        raise ValidationError("该投诉为匿名投诉，没有身份信息")
    identity = crypto.decrypt_identity(complaint.identity_token)
    files = tuple(
        RevealedFile(_label(n, a), crypto.decrypt_identity(a.name_token).get("name", ""))
        for n, a in enumerate(attachments, start=1)
    )
    audit.record(
        actor,
        audit.Action.EVENT,
        complaint,
        summary="查看投诉人身份",
        after={"reason": reason, "fields": sorted(identity), "file_names": len(files)},
    )
    _event(complaint, ComplaintEvent.Kind.REVEAL, actor, reason, office_only=True)
    return Revealed(identity, files)


# ---- time rules: limits per type (12345 preset), 催办 and 通报 -------------------------------


@dataclass(frozen=True)
class TierPreset:
    """分类时限及催办: a handling limit per 诉求类型 and the escalation after a missed one — a
    催办通知 ``urge_after_days`` working days after the deadline, then a written 通报
    ``notice_after_days`` working days later if the finding is still missing."""

    key: str
    label: str
    handle_days: Mapping[str, int]
    urge_after_days: int
    notice_after_days: int


#: The presets the office chooses from (``ComplaintRules.tier_preset``); none chosen: one limit.
TIER_PRESETS: dict[str, TierPreset] = {
    "hotline": TierPreset(
        "hotline",
        "12345分类时限",
        {
            Complaint.Kind.CONSULT: 3,
            Complaint.Kind.HELP: 3,
            Complaint.Kind.COMPLAINT: 13,
            Complaint.Kind.SUGGEST: 13,
        },
        urge_after_days=1,
        notice_after_days=5,
    )
}


def handle_days(rules: ComplaintRules, kind: str) -> int:
    """The unit's handling limit for a complaint of this 诉求类型 under the rules in force."""
    preset = TIER_PRESETS.get(rules.tier_preset)
    return preset.handle_days[kind] if preset is not None else rules.handle_days


def _start_of_day(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)


def _sync_urge(complaint: Complaint) -> None:
    """Arm the complaint's 催办/通报 on its open handling deadline under a preset, or disarm it.
    A deadline that did not move keeps its escalation as it stands (nothing sent twice)."""
    preset = TIER_PRESETS.get(ComplaintRules.current().tier_preset)
    handling = (
        complaint.deadline_open
        and complaint.stage == Complaint.Stage.HANDLE
        and complaint.due_at is not None
    )
    if preset is None or not handling:
        Urge.objects.filter(complaint=complaint, deadline_open=True).update(deadline_open=False)
        return
    assert complaint.due_at is not None  # handling's
    existing = Urge.objects.filter(complaint=complaint).first()
    if existing is not None and existing.handle_due == complaint.due_at and existing.deadline_open:
        return
    calendar = get_calendar()
    urge_day = calendar.add_workdays(complaint.due_at, preset.urge_after_days)
    notice = calendar.add_workdays(urge_day.due, preset.notice_after_days)
    Urge.objects.update_or_create(
        complaint=complaint,
        defaults={
            "handle_due": complaint.due_at,
            "warn_at": _start_of_day(urge_day.due),
            "due_at": notice.due,
            "deadline_open": True,
            "deadline_provisional": urge_day.provisional or notice.provisional,
            "warned_at": None,
            "overdue_at": None,
            "urged_at": None,
            "noticed_at": None,
        },
    )


# ---- 退单, 改派, 维持原派 and the push-down rule ---------------------------------------------


def is_township(unit: Unit | None) -> bool:
    """Is the unit in the 乡镇（街道）名录?"""
    return unit is not None and TownshipUnit.objects.filter(unit=unit).exists()


def _check_push_down(source: Unit | None, target: Unit, confirmed: bool) -> None:
    """A matter of a department (or any unit not at the grassroots) goes down to a 乡镇（街道）
    only with the office's express confirmation (不得随意下派)."""
    if confirmed or source is None or not is_township(target) or is_township(source):
        return
    raise ValidationError(
        {
            "confirm_push_down": f"{target.name}是乡镇（街道），本件涉及{source.name}，"
            "交由乡镇（街道）办理须经效能办确认：请勾选“确认交由乡镇（街道）办理”"
        }
    )


def pending_dispute(complaint: Complaint) -> Dispute | None:
    return complaint.disputes.filter(decision=Dispute.Decision.PENDING).order_by("-pk").first()


@transaction.atomic
def object_routing(
    actor: Actor, complaint: Complaint, reason: str, suggested_unit: Unit | None = None
) -> Complaint:
    """退单: the handling unit objects to the routing within ``dispute_days`` working days, with
    a reason (and, if it knows, the unit it thinks responsible). The office's clock runs while
    it decides; the unit's own deadline is kept to give back its days if the office insists."""
    step = FLOW.begin(actor, complaint, "object")
    reason = _text(reason, "reason", "退单理由", REASON_LIMIT)
    c = step.record
    if suggested_unit is not None and (
        not suggested_unit.is_active or suggested_unit.pk == c.handling_unit_id
    ):
        raise ValidationError({"suggested_unit": "建议承办单位应为其他在用单位"})
    assert c.handling_unit is not None  # handling's
    now = timezone.now()
    Dispute.objects.create(
        complaint=c,
        unit=c.handling_unit,
        reason=reason,
        suggested_unit=suggested_unit,
        filed_at=now,
        filed_by=actor if is_person(actor) else None,
        handle_due_before=c.due_at,
    )
    rules = ComplaintRules.current()
    set_deadline(c, Complaint.Stage.DISPUTE, now, rules.dispute_review_days, OFFICE_WARN_DAYS)
    suggested = f"（建议改派{suggested_unit.name}）" if suggested_unit is not None else ""
    _finish(step, f"退单{suggested}", f"{reason}{suggested}")
    _notify(office_users(), f"承办单位退单待审核：{c.number}", c, _due_text(c))
    return c


def _decide(dispute: Dispute, actor: Actor, decision: str, note: str, now: datetime) -> None:
    dispute.decision = decision
    dispute.decided_at = now
    dispute.decided_by = actor if is_person(actor) else None
    dispute.decision_note = note


@transaction.atomic
def reroute(
    actor: Actor,
    complaint: Complaint,
    *,
    unit: Unit,
    note: str = "",
    confirm_push_down: bool = False,
) -> Complaint:
    """改派: the office agrees with the 退单 and routes the complaint to another unit, which gets
    the full handling limit from now."""
    step = FLOW.begin(actor, complaint, "reroute")
    c = step.record
    if unit is None or not unit.is_active:
        raise ValidationError({"unit": "请选择改派的承办单位"})
    if unit.pk == c.handling_unit_id:
        raise ValidationError({"unit": "改派单位不能是原承办单位；如认为转办正确，请选择维持原派"})
    _check_push_down(c.handling_unit, unit, confirm_push_down)
    dispute = pending_dispute(c)
    assert dispute is not None  # objected's
    now = timezone.now()
    before = c.handling_unit
    _decide(dispute, actor, Dispute.Decision.REROUTE, note.strip(), now)
    dispute.new_unit = unit
    dispute.push_down_confirmed = confirm_push_down and is_township(unit)
    dispute.save()
    c.handling_unit = unit
    if c.accused_staff is not None and not c.accused_staff.unit.is_within(unit):
        c.accused_staff = None
    c.routed_at = now
    rules = ComplaintRules.current()
    days = handle_days(rules, c.kind)
    set_deadline(c, Complaint.Stage.HANDLE, now, days, min(rules.handle_warn_days, days))
    confirmed = "（经效能办确认交由乡镇（街道）办理）" if dispute.push_down_confirmed else ""
    _finish(step, f"改派{unit.name}", f"改派{unit.name}办理{confirmed}。{note.strip()}".strip("。"))
    _notify(
        notifications.responsible_recipients(unit),
        f"新的效能投诉交办（改派）：{c.number}",
        c,
        _due_text(c),
    )
    if before is not None:
        _notify(
            notifications.responsible_recipients(before), f"退单已同意，改派他单位：{c.number}", c
        )
    return c


@transaction.atomic
def insist(actor: Actor, complaint: Complaint, reason: str) -> Complaint:
    """维持原派: the office finds the routing right; the unit handles the complaint with the
    working days it had left when it objected (the office's review time is not counted
    against it), at least one."""
    step = FLOW.begin(actor, complaint, "insist")
    reason = _text(reason, "reason", "维持原派的理由", REASON_LIMIT)
    c = step.record
    dispute = pending_dispute(c)
    assert dispute is not None  # objected's
    now = timezone.now()
    rules = ComplaintRules.current()
    left = handle_days(rules, c.kind)
    if dispute.handle_due_before is not None:
        left = get_calendar().workdays_between(dispute.filed_at, dispute.handle_due_before)
    left = max(left, 1)
    _decide(dispute, actor, Dispute.Decision.INSIST, reason, now)
    dispute.save()
    set_deadline(c, Complaint.Stage.HANDLE, now, left, min(rules.handle_warn_days, left))
    _finish(step, "维持原派", f"{reason}（剩余办理时限{left}个工作日）")
    _notify(
        notifications.responsible_recipients(c.handling_unit),
        f"退单未同意，请继续办理：{c.number}",
        c,
        _due_text(c),
    )
    return c


@dataclass(frozen=True)
class DisputeLine:
    """A 退单 as the complaint page shows it, with the time it took (on the complaint's clock)."""

    unit: str
    reason: str
    suggested: str
    filed_at: datetime
    decision: str
    decided_at: datetime | None
    new_unit: str
    note: str
    #: Working days from the 退单 to the decision (or to now while pending), and hours.
    workdays: int
    hours: int
    pending: bool


def dispute_lines(complaint: Complaint, now: datetime | None = None) -> list[DisputeLine]:
    now = now or timezone.now()
    calendar = get_calendar()
    lines = []
    for d in complaint.disputes.select_related("unit", "suggested_unit", "new_unit"):
        end = d.decided_at or now
        lines.append(
            DisputeLine(
                unit=d.unit.name,
                reason=d.reason,
                suggested=d.suggested_unit.name if d.suggested_unit else "",
                filed_at=d.filed_at,
                decision=d.get_decision_display(),
                decided_at=d.decided_at,
                new_unit=d.new_unit.name if d.new_unit else "",
                note=d.decision_note,
                workdays=calendar.workdays_between(d.filed_at, end),
                hours=int((end - d.filed_at).total_seconds() // 3600),
                pending=d.decision == Dispute.Decision.PENDING,
            )
        )
    return lines


# ---- 并单 ------------------------------------------------------------------------------------

#: A main complaint takes repeats until it is answered.
MERGE_INTO = (Status.SUBMITTED, Status.HANDLING, Status.OBJECTED, Status.REVIEW, Status.APPROVED)


@transaction.atomic
def merge(actor: Actor, complaint: Complaint, main: Complaint, note: str = "") -> Complaint:
    """并单: a repeat about the same matter is merged into ``main``: one handling, and when
    ``main`` is answered every merged complainant gets the answer and the return visit. The
    office can undo it (:func:`unmerge`) until then."""
    step = FLOW.begin(actor, complaint, "merge")
    c = step.record
    if main is None:
        raise ValidationError({"main": "请填写主件的投诉编号"})
    main = Complaint.objects.select_for_update().get(pk=main.pk)
    if main.pk == c.pk:
        raise ValidationError({"main": "不能并入本件自身"})
    if main.merged_into_id is not None:
        raise ValidationError({"main": f"{main.number}本身已并入其他投诉，请并入其主件"})
    if main.status not in MERGE_INTO:
        raise ValidationError(
            {"main": f"{main.number}当前为“{chinese_display(main, 'status')}”，不能再并入重复投诉"}
        )
    if len(note) > REASON_LIMIT:
        raise ValidationError({"note": f"并单说明不能超过{REASON_LIMIT}字"})
    c.merged_into = main
    _stop_clock(c)
    _finish(step, f"并入{main.number}", f"与{main.number}为同一事项，并单办理。{note.strip()}")
    _event(main, ComplaintEvent.Kind.MERGE, actor, f"重复投诉{c.number}并入本件")
    return c


@transaction.atomic
def unmerge(actor: Actor, complaint: Complaint, reason: str) -> Complaint:
    """撤销并单: the repeat goes back to 待受理 with a fresh acceptance limit."""
    step = FLOW.begin(actor, complaint, "unmerge")
    reason = _text(reason, "reason", "撤销并单的理由", REASON_LIMIT)
    c = step.record
    main = c.merged_into
    c.merged_into = None
    rules = ComplaintRules.current()
    set_deadline(c, Complaint.Stage.ACCEPT, timezone.now(), rules.accept_days, OFFICE_WARN_DAYS)
    _finish(step, "撤销并单", reason)
    if main is not None:
        _event(main, ComplaintEvent.Kind.UNMERGE, actor, f"{c.number}撤销并单：{reason}")
    return c


def _answer_merged(actor: Actor, main: Complaint) -> None:
    """Give every repeat merged into ``main`` its answer and start its return visit: each
    complainant is asked for their own satisfaction."""
    rules = ComplaintRules.current()
    now = timezone.now()
    for repeat in main.merged.filter(status=Status.MERGED).order_by("pk"):
        step = FLOW.begin(actor, repeat, "answer_merged")
        r = step.record
        # The unit that answered; the finding stays the main complaint's alone, so that one
        # matter counts once among the findings (and raises its card once).
        r.handling_unit = main.handling_unit
        r.routed_at = main.routed_at
        r.reply_text, r.replied_at = main.reply_text, now
        set_deadline(r, Complaint.Stage.REPLY, now, rules.reply_days, OFFICE_WARN_DAYS)
        step.finish(summary=f"随主件{main.number}答复", fields=None)
        _event(r, ComplaintEvent.Kind.REPLY, actor, f"随主件{main.number}答复：{main.reply_text}")


# ---- reading ---------------------------------------------------------------------------------

NOT_FOUND = "没有找到与该投诉编号和查询码相符的投诉，请核对后再试。"


def lookup_public(number: str, code: str) -> Complaint | None:
    """The complaint if number and code match, else None — the same for either mistake."""
    number = (number or "").strip().upper()
    code = (code or "").strip().upper()
    complaint = (
        Complaint.objects.select_related("category", "handling_unit").filter(number=number).first()
    )
    # Compute the digest even for an unknown number, so the timing does not tell either.
    digest = complaint.code_digest if complaint is not None else "0" * 64
    if not crypto.code_matches(number, code, digest) or complaint is None:
        return None
    return complaint


PUBLIC_STATUS = {
    Complaint.Status.SUBMITTED: "已收到，待受理",
    Complaint.Status.DECLINED: "不予受理",
    Complaint.Status.HANDLING: "已受理，正在办理",
    Complaint.Status.REVIEW: "已受理，正在办理",
    Complaint.Status.APPROVED: "办理完毕，待答复",
    Complaint.Status.REPLIED: "已答复",
    Complaint.Status.CLOSED: "已办结",
    Complaint.Status.OBJECTED: "已受理，正在办理",
    Complaint.Status.MERGED: "已受理，与反映同一事项的投诉合并办理",
}


def public_status(complaint: Complaint) -> str:
    return PUBLIC_STATUS[complaint.status]


def can_reopen(complaint: Complaint) -> bool:
    """May the complainant ask for the complaint to be handled again now?"""
    return FLOW.permits(COMPLAINANT, complaint, "reopen")


def allowed_actions(user, complaint: Complaint) -> set[str]:
    """What the page offers this user now; the services check again on every action."""
    actions = set(FLOW.available(user, complaint)) - {"answer_merged"}  # a step of the reply
    if is_office(user) and has_secrets(complaint):
        actions.add("reveal")
    return actions


@dataclass(frozen=True)
class AttachmentFile:
    """An attachment as staff see it: a neutral name (附件1.png), never the complainant's."""

    pk: int
    label: str
    size: int
    content_type: str


def _label(n: int, attachment: Attachment) -> str:
    return _("附件%(n)d.%(ext)s") % {"n": n, "ext": attachment.extension}


def visible_attachments(user, complaint: Complaint) -> list[AttachmentFile]:
    """The office sees every attachment; the unit only those the office chose to pass on.
    Numbered in upload order, so the office and the unit call a file by the same name."""
    if not (is_office(user) or complaint.share_attachments):
        return []
    return [
        AttachmentFile(a.pk, _label(n, a), a.size, a.content_type)
        for n, a in enumerate(complaint.attachments.all(), start=1)
    ]


@dataclass(frozen=True)
class QueueTile:
    """One count on the staff dashboard's complaint queue, with the list filter that shows it."""

    key: str
    label: str
    count: int
    #: Query string of the complaint list (``/office/complaints/?…``) holding exactly these.
    query: str
    #: Shown in red: something is late.
    alert: bool


@dataclass(frozen=True)
class ComplaintQueue:
    """The dashboard's complaint section: a heading and its tiles."""

    heading: str
    tiles: tuple[QueueTile, ...]


def _open_q() -> Q:
    return ~Q(status__in=[Complaint.Status.CLOSED, Complaint.Status.DECLINED])


def _overdue_q(now: datetime) -> Q:
    # The same rule as the list's 超期 filter, so a tile and the list it opens agree.
    return Q(deadline_open=True, due_at__lt=now)


def dashboard_queue(user, now: datetime | None = None) -> ComplaintQueue | None:
    """投诉待办 for the dashboard, within what the user may see (one query): the office's steps
    for 效能办/管理员, the unit's own complaints to handle for a liaison, read-only counts
    (投诉概况) for a leader; None for the other roles."""
    now = now or timezone.now()
    role = user.effective_role
    status = Complaint.Status
    heading = _("效能投诉待办")
    if role in OFFICE_ROLES:
        spec = [
            ("submitted", _("待受理"), Q(status=status.SUBMITTED), "status=submitted", False),
            ("objected", _("待审核退单"), Q(status=status.OBJECTED), "status=objected", False),
            ("review", _("待审核调查结论"), Q(status=status.REVIEW), "status=review", False),
            ("approved", _("待答复"), Q(status=status.APPROVED), "status=approved", False),
            ("replied", _("待回访"), Q(status=status.REPLIED), "status=replied", False),
            ("overdue", _("超期"), _overdue_q(now), "overdue=1", True),
        ]
    elif role == Role.LIAISON:
        handling = Q(status=status.HANDLING)
        spec = [
            ("handling", _("本单位待办理"), handling, "status=handling", False),
            (
                "overdue",
                _("其中超期"),
                handling & _overdue_q(now),
                "status=handling&overdue=1",
                True,
            ),
        ]
    elif role == Role.LEADER:
        heading = _("效能投诉概况")
        spec = [
            ("open", _("未办结投诉"), _open_q(), "status=open", False),
            ("overdue", _("超期"), _overdue_q(now), "overdue=1", True),
            (
                "escalated",
                _("督办中"),
                _open_q() & Q(escalated=True),
                "status=open&escalated=1",
                True,
            ),
        ]
    else:
        return None
    counts = Complaint.objects.visible_to(user).aggregate(
        **{key: Count("pk", filter=q) for key, _label, q, _query, _alert in spec}
    )
    return ComplaintQueue(
        heading,
        tuple(
            QueueTile(key, label, counts[key], query, alert and counts[key] > 0)
            for key, label, _q, query, alert in spec
        ),
    )


# ---- rectification (有理必果) -----------------------------------------------------------------

#: Findings after which the office may ask the unit to rectify (a 整改任务, C7).
RECTIFIABLE = (Complaint.Finding.TRUE, Complaint.Finding.PARTLY)


def may_open_rectification(complaint: Complaint) -> bool:
    """属实/部分属实 and the finding stands (the office approved it)."""
    return complaint.finding in RECTIFIABLE and complaint.status in (
        Complaint.Status.APPROVED,
        Complaint.Status.REPLIED,
        Complaint.Status.CLOSED,
    )


def open_rectification(
    actor: Actor,
    complaint: Complaint,
    *,
    problem: str,
    complete_by,
    level: str = "normal",
    needs_visit: bool | None = None,
):
    """立整改任务: the office decides that a 属实/部分属实 finding needs a rectification by the
    handling unit. ``problem`` is what the unit must fix, in words fit for the public 整改情况
    公示 (no names). The complainant is called back once the fix is accepted, if named."""
    from xiaoneng.rectification import services as rectification
    from xiaoneng.rectification.sources import SourceKind, SourceRef

    _require_office(actor, "立整改任务")
    if not may_open_rectification(complaint):
        raise ValidationError("投诉经审核属实或部分属实后才能立整改任务")
    problem = _text(problem, "problem", "需整改的问题", 200)
    return rectification.open_task(
        actor,
        rectification.OpenTask(
            source=SourceRef(
                SourceKind.COMPLAINT,
                complaint.pk,
                f"投诉{complaint.number}（{complaint.category.name}，经查"
                f"{chinese_display(complaint, 'finding')}）",
                f"/office/complaints/{complaint.pk}/",
                public=True,
            ),
            unit=complaint.handling_unit,
            title=problem,
            problems=(rectification.ProblemIn(problem, complaint.finding_text),),
            description=complaint.finding_text,
            level=level,
            complete_by=complete_by,
            needs_visit=not complaint.anonymous if needs_visit is None else needs_visit,
        ),
    )
