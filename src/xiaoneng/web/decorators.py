"""Who may open a staff page, declared once on the view and asked everywhere a link is shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache, wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver, get_resolver

from xiaoneng.accounts.roles import OFFICE_ROLES

__all__ = ["office_required", "role_may_open", "user_may_open"]


def office_required(*roles: str):
    """Staff pages: log in first; then only the given roles (any office role when none given).

    The roles are kept on the view (``office_roles``) so that navigation and templates can ask
    :func:`user_may_open` before they show a link to it.
    """
    allowed = frozenset(roles) if roles else OFFICE_ROLES

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.may_use_office or user.effective_role not in allowed:
                raise PermissionDenied("您的角色无权使用此页面")
            return view(request, *args, **kwargs)

        wrapped.office_roles = allowed
        return wrapped

    return decorator


def _patterns(resolver: URLResolver, namespace: str = "") -> Iterable[tuple[str, Callable]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.callback


@cache
def _roles_by_url_name() -> dict[str, frozenset[str] | None]:
    """URL name → the roles its view admits (None: not a staff page, anyone may open it)."""
    table: dict[str, frozenset[str] | None] = {}
    for name, callback in _patterns(get_resolver()):
        table.setdefault(name, getattr(callback, "office_roles", None))
    return table


def role_may_open(role: str, url_name: str) -> bool:
    """May a user of ``role`` open the page named ``url_name`` (e.g. ``"org:staff_detail"``)?"""
    try:
        roles = _roles_by_url_name()[url_name]
    except KeyError:
        raise ValueError(f"unknown URL name {url_name!r}") from None
    return roles is None or role in roles


def user_may_open(user, url_name: str) -> bool:
    """The role half of "may this user follow this link"; rows out of scope are the caller's."""
    if user is None or not user.is_authenticated or not user.may_use_office:
        return False
    return role_may_open(user.effective_role, url_name)
