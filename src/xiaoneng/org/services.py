"""Organisation rules. Every change goes through here: checked, inside a transaction, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaoneng.accounts.scoping import ScopedQuerySet, can_create_in, can_edit
from xiaoneng.audit import services as audit

from .models import (
    Absence,
    AbsenceQuerySet,
    FirstInquiry,
    FirstInquiryQuerySet,
    Post,
    PostQuerySet,
    Staff,
    StaffQuerySet,
    Unit,
    UnitQuerySet,
)

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User

UNIT_FIELDS = (
    "name",
    "short_name",
    "code",
    "kind",
    "category",
    "parent",
    "sort_order",
    "duty_summary",
    "address",
    "phone",
    "is_active",
)


def _require_edit(actor: User, obj: models.Model) -> None:
    if not can_edit(actor, obj):
        raise PermissionDenied("您无权修改该记录")


def _require_create(actor: User, rows: type[ScopedQuerySet], unit: Unit | None) -> None:
    if not can_create_in(actor, rows, unit):
        raise PermissionDenied("您无权在该单位下新增记录")


def _apply(instance: models.Model, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(f"不能修改这些字段：{', '.join(sorted(unknown))}")
    for key, value in data.items():
        setattr(instance, key, value)


# ---- units -----------------------------------------------------------------------------------


@transaction.atomic
def create_unit(actor: User, **data: Any) -> Unit:
    parent = data.get("parent")
    if parent is None:
        if not (actor and actor.is_authenticated and actor.effective_role == "admin"):
            raise PermissionDenied("只有系统管理员可以新增顶级单位")
    else:
        _require_create(actor, UnitQuerySet, parent)
    unit = Unit()
    _apply(unit, data, UNIT_FIELDS)
    unit.full_clean(exclude=["path", "depth"])
    unit.save()
    assign_path(unit)
    audit.record(actor, audit.Action.CREATE, unit, after=audit.snapshot(unit))
    return unit


def assign_path(unit: Unit) -> None:
    """Set the materialised path and depth of a saved unit from its parent."""
    unit.path = f"{unit.parent.path if unit.parent is not None else ''}{unit.pk}/"
    unit.depth = unit.path.count("/") - 1
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)


@transaction.atomic
def update_unit(actor: User, unit: Unit, **data: Any) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require_edit(actor, unit)
    before = audit.snapshot(unit)
    old_path = unit.path
    new_parent = data.get("parent", unit.parent)
    if "parent" in data and (new_parent.pk if new_parent else None) != unit.parent_id:
        if new_parent is None:
            raise ValidationError({"parent": "单位必须有上级单位（顶级单位除外）"})
        if new_parent.path.startswith(unit.path):
            raise ValidationError(
                {"parent": f"不能把“{unit.name}”移到它自己或其下级单位“{new_parent.name}”之下"}
            )
    _apply(unit, data, UNIT_FIELDS)
    unit.full_clean(exclude=["path", "depth"])
    unit.save()
    if unit.parent_id != before["parent_id"]:
        assign_path(unit)
        # Re-root the whole subtree in one statement: replace the old prefix by the new one.
        depth_shift = unit.path.count("/") - old_path.count("/")
        Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
            path=Concat(Value(unit.path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_shift,
        )
    after = audit.snapshot(unit)
    audit.record(
        actor,
        audit.Action.UPDATE,
        unit,
        before=before,
        after=after,
        summary="修改：" + "、".join(audit.changed_fields(before, after)),
    )
    return unit


# ---- staff and posts -------------------------------------------------------------------------

STAFF_FIELDS = ("name", "staff_no", "unit", "title", "phone", "user", "is_active")
POST_FIELDS = ("unit", "name", "duties", "a_holder", "b_holder")


def _check_post(post: Post) -> None:
    errors = {}
    if post.a_holder_id and post.a_holder_id == post.b_holder_id:
        errors["b_holder"] = "A岗和B岗不能是同一人"
    for field in ("a_holder", "b_holder"):
        holder = getattr(post, field)
        if holder is not None and not holder.unit.is_within(post.unit):
            errors[field] = f"{holder.name}不在本单位（{post.unit.name}）及其下级单位"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_staff(actor: User, **data: Any) -> Staff:
    _require_create(actor, StaffQuerySet, data.get("unit"))
    staff = Staff()
    _apply(staff, data, STAFF_FIELDS)
    staff.full_clean()
    staff.save()
    audit.record(actor, audit.Action.CREATE, staff, after=audit.snapshot(staff))
    return staff


@transaction.atomic
def update_staff(actor: User, staff: Staff, **data: Any) -> Staff:
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    _require_edit(actor, staff)
    if "unit" in data:
        _require_create(actor, StaffQuerySet, data["unit"])
    before = audit.snapshot(staff)
    _apply(staff, data, STAFF_FIELDS)
    staff.full_clean()
    staff.save()
    after = audit.snapshot(staff)
    audit.record(actor, audit.Action.UPDATE, staff, before=before, after=after)
    return staff


@transaction.atomic
def create_post(actor: User, **data: Any) -> Post:
    _require_create(actor, PostQuerySet, data.get("unit"))
    post = Post()
    _apply(post, data, POST_FIELDS)
    _check_post(post)
    post.full_clean()
    post.save()
    audit.record(actor, audit.Action.CREATE, post, after=audit.snapshot(post))
    return post


@transaction.atomic
def update_post(actor: User, post: Post, **data: Any) -> Post:
    post = Post.objects.select_for_update().get(pk=post.pk)
    _require_edit(actor, post)
    before = audit.snapshot(post)
    _apply(post, data, POST_FIELDS)
    _check_post(post)
    post.full_clean()
    post.save()
    audit.record(actor, audit.Action.UPDATE, post, before=before, after=audit.snapshot(post))
    return post


@transaction.atomic
def add_absence(
    actor: User, staff: Staff, start_date: date, end_date: date, reason: str, note: str = ""
) -> Absence:
    _require_create(actor, AbsenceQuerySet, staff.unit)
    if end_date < start_date:
        raise ValidationError({"end_date": "结束日期不能早于开始日期"})
    overlapping = Absence.objects.filter(
        staff=staff, start_date__lte=end_date, end_date__gte=start_date
    ).first()
    if overlapping:
        period = f"{overlapping.start_date}～{overlapping.end_date}"
        raise ValidationError({"start_date": f"与已登记的缺岗（{period}）重叠"})
    absence = Absence(
        staff=staff, start_date=start_date, end_date=end_date, reason=reason, note=note
    )
    absence.full_clean()
    absence.save()
    audit.record(actor, audit.Action.CREATE, absence, after=audit.snapshot(absence))
    return absence


@transaction.atomic
def remove_absence(actor: User, absence: Absence) -> None:
    _require_edit(actor, absence)
    before = audit.snapshot(absence)
    audit.record(actor, audit.Action.DELETE, absence, before=before)
    absence.delete()


@dataclass(frozen=True)
class Handler:
    """Who handles a post on a given day (AB岗): the A holder, else the B holder, else nobody."""

    post: Post
    day: date
    staff: Staff | None
    is_stand_in: bool
    message: str


def who_handles(post: Post, day: date) -> Handler:
    absent = set(
        Absence.objects.covering(day)
        .filter(staff_id__in=[i for i in (post.a_holder_id, post.b_holder_id) if i])
        .values_list("staff_id", flat=True)
    )

    def present(holder: Staff | None) -> bool:
        return holder is not None and holder.is_active and holder.pk not in absent

    # The note is shown, never stored: in the page's language.
    a, b = post.a_holder, post.b_holder
    if a is not None and present(a):
        return Handler(post, day, a, False, _("由A岗%(name)s办理") % {"name": a.name})
    if b is not None and present(b):
        if a is None:
            note = _("A岗空缺，由B岗%(b)s顶岗办理") % {"b": b.name}
        else:
            note = _("A岗%(a)s不在岗，由B岗%(b)s顶岗办理") % {"a": a.name, "b": b.name}
        return Handler(post, day, b, True, note)
    return Handler(post, day, None, False, _("A岗、B岗均不在岗，须由单位负责人指定人员顶岗"))


# ---- first-inquiry register (首问登记) -------------------------------------------------------

INQUIRY_FIELDS = (
    "unit",
    "received_by",
    "received_at",
    "channel",
    "inquirer_name",
    "inquirer_contact",
    "subject",
    "detail",
)


@transaction.atomic
def register_inquiry(actor: User, **data: Any) -> FirstInquiry:
    _require_create(actor, FirstInquiryQuerySet, data.get("unit"))
    inquiry = FirstInquiry(status=FirstInquiry.Status.OPEN)
    data.setdefault("received_at", timezone.now())
    _apply(inquiry, data, INQUIRY_FIELDS)
    if inquiry.received_at > timezone.now():
        raise ValidationError({"received_at": "受理时间不能晚于现在"})
    if inquiry.received_by_id and not inquiry.received_by.unit.is_within(inquiry.unit):
        raise ValidationError({"received_by": "首问责任人须是受理单位的工作人员"})
    inquiry.full_clean()
    inquiry.save()
    audit.record(actor, audit.Action.CREATE, inquiry, after=audit.snapshot(inquiry))
    return inquiry


@transaction.atomic
def route_inquiry(
    actor: User,
    inquiry: FirstInquiry,
    to_unit: Unit,
    to_staff: Staff | None = None,
    routed_at: datetime | None = None,
) -> FirstInquiry:
    inquiry = FirstInquiry.objects.select_for_update().get(pk=inquiry.pk)
    _require_edit(actor, inquiry)
    if inquiry.status == FirstInquiry.Status.ANSWERED:
        raise ValidationError("该咨询已答复，不能再转交")
    if to_unit.pk == inquiry.unit_id:
        raise ValidationError({"routed_to_unit": "转交单位不能是本单位"})
    if to_staff is not None and not to_staff.unit.is_within(to_unit):
        raise ValidationError({"routed_to_staff": "转交人员须属于转交单位"})
    routed_at = routed_at or timezone.now()
    if routed_at < inquiry.received_at or routed_at > timezone.now():
        raise ValidationError({"routed_at": "转交时间须在受理时间之后、不晚于现在"})
    before = audit.snapshot(inquiry)
    inquiry.routed_to_unit = to_unit
    inquiry.routed_to_staff = to_staff
    inquiry.routed_at = routed_at
    inquiry.status = FirstInquiry.Status.ROUTED
    inquiry.save()
    audit.record(
        actor,
        audit.Action.UPDATE,
        inquiry,
        before=before,
        after=audit.snapshot(inquiry),
        summary=f"转交{to_unit.name}",
    )
    return inquiry


@transaction.atomic
def answer_inquiry(
    actor: User, inquiry: FirstInquiry, answer: str, answered_at: datetime | None = None
) -> FirstInquiry:
    inquiry = FirstInquiry.objects.select_for_update().get(pk=inquiry.pk)
    _require_edit(actor, inquiry)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "请填写答复内容"})
    if inquiry.status == FirstInquiry.Status.ANSWERED:
        raise ValidationError("该咨询已答复")
    answered_at = answered_at or timezone.now()
    if answered_at < inquiry.received_at:
        raise ValidationError({"answered_at": "答复时间不能早于受理时间"})
    if inquiry.routed_at and answered_at < inquiry.routed_at:
        raise ValidationError({"answered_at": "答复时间不能早于转交时间"})
    before = audit.snapshot(inquiry)
    inquiry.answer = answer
    inquiry.answered_at = answered_at
    inquiry.status = FirstInquiry.Status.ANSWERED
    inquiry.save()
    audit.record(
        actor,
        audit.Action.UPDATE,
        inquiry,
        before=before,
        after=audit.snapshot(inquiry),
        summary="答复",
    )
    return inquiry
