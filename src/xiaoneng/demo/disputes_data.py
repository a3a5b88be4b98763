"""Demo 退单 and 并单 (issue 17 item 1), played through the complaint services at build time.

A liaison's unit gets three fresh hotline complaints routed to it and objects to each (退单):
the office re-routes one (改派) to another department, insists on one (维持原派), and leaves the
third waiting for its decision, so that the office's queue shows a 退单待审核. Two repeats of a
complaint still being handled are merged into it (并单). Everything goes through the services,
so the timeline, the audit log and the notifications are what the live system writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.complaints import services
from xiaoneng.complaints.models import Category, Complaint
from xiaoneng.org.models import Unit

OBJECTIONS = (
    (
        "咨询社保卡补办需要哪些材料",
        Complaint.Kind.CONSULT,
        "社保卡补办属人力社保部门职责，本单位无此业务。",
    ),
    (
        "反映小区门口占道经营无人管",
        Complaint.Kind.COMPLAINT,
        "占道经营由城市管理部门查处，不属本单位职责。",
    ),
    (
        "建议延长不动产登记窗口午间服务",
        Complaint.Kind.SUGGEST,
        "窗口服务时间由政务服务中心统一安排。",
    ),
)
REPEATS = ("同一事项再次来电反映，要求尽快处理", "多位群众反映同一问题")


@dataclass(frozen=True)
class DisputesSummary:
    disputes: int
    rerouted: int
    insisted: int
    merged: int


def write_disputes() -> DisputesSummary:
    """Three 退单 (one re-routed, one insisted, one pending) and two 并单; nothing when the
    city lacks an office account, a liaison with a unit or a second department."""
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("username").first()
    liaison = (
        User.objects.filter(role=Role.LIAISON, is_active=True, unit__kind=Unit.Kind.DEPARTMENT)
        .select_related("unit")
        .order_by("username")
        .first()
    )
    category = Category.objects.filter(code="buckpassing", is_active=True).first() or (
        Category.objects.filter(is_active=True).first()
    )
    if office is None or liaison is None or liaison.unit is None or category is None:
        return DisputesSummary(0, 0, 0, 0)
    unit = liaison.unit
    other = (
        Unit.objects.filter(kind=Unit.Kind.DEPARTMENT, is_active=True)
        .exclude(pk=unit.pk)
        .order_by("code")
        .first()
    )
    if other is None:
        return DisputesSummary(0, 0, 0, 0)
    with transaction.atomic():
        objected = []
        for title, kind, reason in OBJECTIONS:
            complaint, _ = services.submit_complaint(
                office,
                channel=Complaint.Channel.HOTLINE,
                category=category,
                title=title,
                content=f"{title}。来电人希望有关部门尽快答复。",
                anonymous=True,
                caller_line="12345",
                kind=kind,
            )
            services.accept(office, complaint, unit=unit, kind=kind)
            services.object_routing(liaison, complaint, reason, other)
            objected.append(complaint)
        services.reroute(office, objected[0], unit=other, note="经核实属该部门职责")
        services.insist(office, objected[1], "经核实，该事项属承办单位职责范围，请继续办理")
        main = (
            Complaint.objects.filter(status=Complaint.Status.HANDLING, merged_into__isnull=True)
            .exclude(pk__in=[c.pk for c in objected])
            .order_by("-routed_at", "pk")
            .first()
        )
        merged = 0
        if main is not None:
            for text in REPEATS:
                repeat, _ = services.submit_complaint(
                    office,
                    channel=Complaint.Channel.HOTLINE,
                    category=main.category,
                    title=main.title,
                    content=f"{text}：{main.title}。",
                    anonymous=True,
                    caller_line="12345",
                )
                services.merge(office, repeat, main, "与主件反映同一事项")
                merged += 1
    return DisputesSummary(len(objected), 1, 1, merged)
