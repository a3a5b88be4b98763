"""Row-level scoping by unit subtree: the single place that turns a role into a queryset filter."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q

from .roles import Reach, Role

if TYPE_CHECKING:
    from .models import User


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which unit owns each row and how far each role reaches.

    Subclasses set ``unit_path`` (the lookup to the owning unit's materialised path, e.g. ``"path"``
    on units, ``"unit__path"`` on staff) and the two reach tables; models that a service window
    handles without owning them also set ``window_paths`` (e.g. ``("window__path",)`` on cases),
    which ``Reach.WINDOW`` adds to the subtree.
    """

    unit_path: ClassVar[str] = "unit__path"
    window_paths: ClassVar[tuple[str, ...]] = ()
    view_reach: ClassVar[dict[str, Reach]] = {}
    edit_reach: ClassVar[dict[str, Reach]] = {}

    def _scoped(self, user: User | None, table: dict[str, Reach]) -> models.QuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        role = Role.ADMIN if user.is_superuser else user.role
        reach = table.get(role, Reach.NONE)
        if reach is Reach.ALL:
            return self.all()
        if reach in (Reach.SUBTREE, Reach.WINDOW) and user.unit_id is not None:
            paths = [self.unit_path]
            if reach is Reach.WINDOW:
                paths += self.window_paths
            prefix = user.unit.path
            condition = Q()
            for path in paths:
                condition |= Q(**{f"{path}__startswith": prefix})
            return self.filter(condition)
        return self.none()

    def visible_to(self, user: User | None) -> models.QuerySet:
        return self._scoped(user, self.view_reach)

    def editable_by(self, user: User | None) -> models.QuerySet:
        return self._scoped(user, self.edit_reach)


def can_view(user: User | None, obj: models.Model) -> bool:
    return type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists()


def can_edit(user: User | None, obj: models.Model) -> bool:
    return type(obj)._default_manager.editable_by(user).filter(pk=obj.pk).exists()


def can_create_in(
    user: User | None, queryset_class: type[ScopedQuerySet], unit, window=None
) -> bool:
    """May ``user`` create a row of this kind owned by ``unit`` (and, for rows a window handles,
    registered at ``window``)? Same table as editing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    role = Role.ADMIN if user.is_superuser else user.role
    reach = queryset_class.edit_reach.get(role, Reach.NONE)
    if reach is Reach.ALL:
        return True
    if reach not in (Reach.SUBTREE, Reach.WINDOW) or user.unit_id is None:
        return False
    within = [unit] + ([window] if reach is Reach.WINDOW and queryset_class.window_paths else [])
    return any(u is not None and u.path.startswith(user.unit.path) for u in within)
