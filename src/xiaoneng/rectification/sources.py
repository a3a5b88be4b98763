"""Where a rectification task comes from (整改任务的来源), known only by a generic reference.

``rectification`` sits below the apps that find problems (complaints, ratings, evaluation, later
inspections and assessment) and never imports them. A finder opens a task with a
:class:`SourceRef` — the kind of source, its id, a label and a link — and registers, in its
``AppConfig.ready``, a :class:`SourceType` that answers the one question this app must ask
back: may this user follow the link to the source? (The office sees a complaint, a unit's
liaison maybe not.) Everything else a source page wants to know about its task it reads from
this side, by the reference (:func:`xiaoneng.rectification.services.task_for`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from xiaoneng.web.decorators import user_may_open

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User

    from .models import Task


class SourceKind(models.TextChoices):
    """来源: the finders of problems. The first three are public (公示 of what was done)."""

    COMPLAINT = "complaint", _("效能投诉")
    RATING = "rating", _("差评")
    EVALUATION = "evaluation", _("千人评议")
    INSPECTION = "inspection", _("明查暗访")
    ASSESSMENT = "assessment", _("绩效考评")
    MANUAL = "manual", _("督查督办")


@dataclass(frozen=True)
class SourceRef:
    """The source of a task as the finder describes it.

    ``id`` is the source record's primary key (None for a task the office opens by hand);
    ``label`` names it for people (“投诉TS20260304000123”), ``link`` is the staff page or
    document it lives at, ``public`` whether the problem came from the public (a complaint, a
    差评, a 千人评议) and so is published with what was done about it (整改情况公示).
    """

    kind: str
    id: int | None
    label: str
    link: str = ""
    public: bool = False


@dataclass(frozen=True)
class SourceType:
    """What a finder tells this app about its kind of source."""

    kind: str
    #: May ``user`` open the source record ``source_id`` (the row is in their scope)?
    opens: Callable[[User, int], bool]


_TYPES: dict[str, SourceType] = {}


def register(source_type: SourceType) -> SourceType:
    _TYPES[source_type.kind] = source_type
    return source_type


def source_link(user: User, task: Task) -> str:
    """The source's link if this user may follow it, else "" (a link shown must open)."""
    if not task.source_link:
        return ""
    try:
        match = resolve(task.source_link.split("?", 1)[0])
    except Resolver404:
        return ""
    if not user_may_open(user, match.view_name):
        return ""
    source_type = _TYPES.get(task.source_kind)
    if task.source_id is not None and source_type is not None:
        return task.source_link if source_type.opens(user, task.source_id) else ""
    return task.source_link
