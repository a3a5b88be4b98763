from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from .roles import OFFICE_ROLES, Role


class User(AbstractUser):
    """A login. Its role and unit decide what it may see (see ``roles.py``)."""

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.WINDOW)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="所属单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="权限范围：本单位及其下级单位",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def effective_role(self) -> str:
        return Role.ADMIN if self.is_superuser else self.role

    @property
    def may_use_office(self) -> bool:
        return self.is_active and self.effective_role in OFFICE_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.effective_role in roles
