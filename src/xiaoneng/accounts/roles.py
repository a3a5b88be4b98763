"""Roles (角色) and the one rule table that decides what each role may see and change.

Every model that users browse declares, on its queryset, which unit its rows belong to and how far
each role reaches (``ALL`` / ``SUBTREE`` of the user's unit / ``WINDOW`` / ``NONE``) for viewing
and for changing. Views never filter by role themselves: they ask
``Model.objects.visible_to(user)`` or ``editable_by(user)``. The role × object matrix test walks
this table.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    OFFICE = "office", _("效能办")
    LIAISON = "liaison", _("单位联络员")
    WINDOW = "window", _("窗口人员")
    LEADER = "leader", _("领导")
    SUPERVISOR = "supervisor", _("效能监督员")
    API_CLIENT = "api", _("接口客户端")


class Reach(StrEnum):
    """How far a role reaches over a model's rows."""

    ALL = "all"
    SUBTREE = "subtree"  # rows of the user's own unit and every unit below it
    # SUBTREE, plus the rows that reach the user's subtree through a service window (受理窗口): a
    # centre's window registers cases that departments own, and its staff work on those cases,
    # their ratings and cards. Each queryset names those paths in ``window_paths``.
    WINDOW = "window"
    NONE = "none"


#: Roles that may open the staff pages under /office/ at all.
OFFICE_ROLES = frozenset(
    {Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.WINDOW, Role.LEADER, Role.SUPERVISOR}
)
