"""The navigation, built from the user's role: a page the role may not use is never shown."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Role
from xiaoneng.notifications.services import request_unread_count
from xiaoneng.web.decorators import role_may_open

ALL_OFFICE = (
    Role.ADMIN,
    Role.OFFICE,
    Role.LIAISON,
    Role.WINDOW,
    Role.LEADER,
    Role.SUPERVISOR,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    section: str  # URL prefix that marks the item active


NAV = [
    NavItem(_("工作台"), "web:office_home", ALL_OFFICE, "/office/$"),
    NavItem(_("办件监察"), "cases:list", ALL_OFFICE, "/office/cases/"),
    NavItem(_("黄牌红牌"), "supervision:card_list", ALL_OFFICE, "/office/cards/"),
    NavItem(
        _("效能投诉"),
        "complaints:list",
        (Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.LEADER),
        "/office/complaints/",
    ),
    NavItem(_("登记投诉"), "complaints:office_new", (Role.SUPERVISOR,), "/office/complaints/new/"),
    NavItem(
        _("办件统计"),
        "casestats:dashboard",
        (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON),
        "/office/stats/",
    ),
    NavItem(
        _("投诉通报"),
        "bulletins:page",
        (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON),
        "/office/bulletins/",
    ),
    NavItem(
        _("效能通报"),
        "bulletins:monthly",
        (Role.ADMIN, Role.OFFICE, Role.LEADER),
        "/office/bulletins/monthly/",
    ),
    NavItem(
        _("已签发通报"),
        "bulletins:issued_list",
        (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON),
        "/office/bulletins/issued/",
    ),
    NavItem(
        _("好差评"),
        "ratings:office",
        (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON, Role.WINDOW),
        "/office/ratings/",
    ),
    NavItem(
        _("差评申诉复核"),
        "ratings:reviews",
        (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON),
        "/office/ratings/reviews/",
    ),
    NavItem(
        _("整改督办"),
        "rectification:board",
        (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON, Role.WINDOW, Role.SUPERVISOR),
        "/office/rectification/",
    ),
    NavItem(
        _("我督办的"),
        "rectification:supervised",
        (Role.LEADER,),
        "/office/rectification/supervised/",
    ),
    NavItem(
        _("专项活动"),
        "rectification:drives",
        (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON),
        "/office/rectification/drives/",
    ),
    NavItem(
        _("明查暗访"),
        "inspections:plans",
        (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON, Role.SUPERVISOR),
        "/office/inspections/",
    ),
    NavItem(
        _("责任追究"),
        "accountability:board",
        (Role.ADMIN, Role.OFFICE, Role.LEADER),
        "/office/accountability/",
    ),
    NavItem(
        _("群众评议"),
        "evaluation:list",
        (Role.ADMIN, Role.OFFICE, Role.LEADER),
        "/office/evaluations/",
    ),
    NavItem(_("本单位评议结果"), "evaluation:mine", (Role.LIAISON,), "/office/evaluations/mine/"),
    NavItem(
        _("绩效考评"),
        "assessment:periods",
        (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON),
        "/office/assessment/",
    ),
    NavItem(_("单位"), "org:unit_tree", ALL_OFFICE, "/office/units/"),
    NavItem(
        _("人员与岗位"),
        "org:staff_list",
        (Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.WINDOW, Role.LEADER),
        "/office/staff/",
    ),
    NavItem(
        _("首问登记"),
        "org:inquiry_list",
        (Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.WINDOW, Role.LEADER),
        "/office/inquiries/",
    ),
    NavItem(_("事项目录"), "catalog:item_list", ALL_OFFICE, "/office/catalog/"),
    NavItem(_("工作日历"), "workcalendar:office", ALL_OFFICE, "/office/calendar/"),
    NavItem(_("审计日志"), "audit:list", (Role.ADMIN, Role.OFFICE), "/office/audit/"),
    NavItem(
        _("接口密钥"),
        "apikeys:key_list",
        (Role.ADMIN, Role.OFFICE),
        "/office/api-keys/",
    ),
    NavItem(
        _("通知设置"), "notifications:settings", (Role.ADMIN, Role.OFFICE), "/office/notifications/"
    ),
]


#: Sections of the side navigation, by URL name; items not listed fall under 系统.
GROUPS = {
    "web:office_home": _("监察"),
    "cases:list": _("监察"),
    "supervision:card_list": _("监察"),
    "complaints:list": _("监察"),
    "complaints:office_new": _("监察"),
    "casestats:dashboard": _("监察"),
    "bulletins:page": _("监察"),
    "bulletins:monthly": _("监察"),
    "bulletins:issued_list": _("监察"),
    "ratings:office": _("监察"),
    "ratings:reviews": _("监察"),
    "rectification:board": _("整改督办"),
    "rectification:supervised": _("整改督办"),
    "rectification:drives": _("整改督办"),
    "inspections:plans": _("监察"),
    "accountability:board": _("整改督办"),
    "evaluation:list": _("评议与考评"),
    "evaluation:mine": _("评议与考评"),
    "assessment:periods": _("评议与考评"),
    "org:unit_tree": _("组织"),
    "org:staff_list": _("组织"),
    "org:inquiry_list": _("组织"),
    "catalog:item_list": _("事项与日历"),
    "workcalendar:office": _("事项与日历"),
}
SYSTEM_GROUP = _("系统")


def navigation(request):
    site = {
        "site_name": settings.XIAONENG_SITE_NAME,
        "office_name": settings.XIAONENG_OFFICE_NAME,
        "is_demo": settings.XIAONENG_DEMO,
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.may_use_office:
        return {**site, "nav_items": []}
    role = user.effective_role
    path = request.path
    items = []
    for item in NAV:
        # Both the menu's own choice and the page's declared roles: a menu never leads to a 403.
        if role not in item.roles or not role_may_open(role, item.url_name):
            continue
        url = reverse(item.url_name)
        active = path == url if item.section.endswith("$") else path.startswith(item.section)
        items.append(
            {
                "label": item.label,
                "url": url,
                "active": active,
                "section": len(item.section),
                "group": GROUPS.get(item.url_name, SYSTEM_GROUP),
            }
        )
    # Nested sections (整改督办 /office/rectification/ and 专项活动 …/drives/): the most
    # specific one is the page the user is on.
    longest = max((e["section"] for e in items if e["active"]), default=0)
    for entry in items:
        length = entry.pop("section")
        entry["active"] = entry["active"] and length == longest
    # A callable: templates count unread notifications only if they show the badge, once.
    unread = partial(request_unread_count, request)
    groups: dict[str, list[dict]] = {}
    for entry in items:
        groups.setdefault(str(entry["group"]), []).append(entry)
    return {**site, "nav_items": items, "nav_groups": groups, "unread_count": unread}
