"""Row-level scoping by unit subtree: the single place that turns a role into a queryset filter."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models

from .roles import Reach, Role

if TYPE_CHECKING:
    from .models import User


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which unit owns each row and how far each role reaches.

    Subclasses set ``unit_path`` (the lookup to the owning unit's materialised path, e.g. ``"path"``
    on units, ``"unit__path"`` on staff) and the two reach tables.
    """

    unit_path: ClassVar[str] = "unit__path"
    view_reach: ClassVar[dict[str, Reach]] = {}
    edit_reach: ClassVar[dict[str, Reach]] = {}

    def _scoped(self, user: User | None, table: dict[str, Reach]) -> models.QuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        role = Role.ADMIN if user.is_superuser else user.role
        reach = table.get(role, Reach.NONE)
        if reach is Reach.ALL:
            return self.all()
        if reach is Reach.SUBTREE and user.unit_id is not None:
            return self.filter(**{f"{self.unit_path}__startswith": user.unit.path})
        return self.none()

    def visible_to(self, user: User | None) -> models.QuerySet:
        return self._scoped(user, self.view_reach)

    def editable_by(self, user: User | None) -> models.QuerySet:
        return self._scoped(user, self.edit_reach)


def can_view(user: User | None, obj: models.Model) -> bool:
    return type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists()


def can_edit(user: User | None, obj: models.Model) -> bool:
    return type(obj)._default_manager.editable_by(user).filter(pk=obj.pk).exists()


def can_create_in(user: User | None, queryset_class: type[ScopedQuerySet], unit) -> bool:
    """May ``user`` create a row of this kind owned by ``unit``? Same table as editing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    role = Role.ADMIN if user.is_superuser else user.role
    reach = queryset_class.edit_reach.get(role, Reach.NONE)
    if reach is Reach.ALL:
        return True
    if reach is Reach.SUBTREE and user.unit_id is not None and unit is not None:
        return unit.path.startswith(user.unit.path)
    return False
