"""Who acts in a service call: a signed-in user, or the name of a system.

Every service function takes the actor as its first argument; the audit log records it. A system
acts under a name — a department system through the API (``接口:…``), the sweeper
(``电子监察``), the demo builder — and has no role: checks that need a role refuse it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard, Union

if TYPE_CHECKING:
    from .models import User

__all__ = ["Actor", "actor_role", "is_person"]

#: Who acts: a signed-in user, or the name of a system (a department system through the API,
#: the sweeper, the demo builder). Every service function takes one as its first argument.
Actor = Union["User", str]


def is_person(actor: Actor | None) -> TypeGuard[User]:
    """Is the actor a signed-in user (rather than a system acting under a name)?"""
    return actor is not None and not isinstance(actor, str) and actor.is_authenticated


def actor_role(actor: Actor | None) -> str | None:
    """The effective role of a person; None for a system name."""
    return actor.effective_role if is_person(actor) else None
