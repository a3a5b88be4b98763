"""One transition step for every workflow with states (投诉、整改任务、检查发现、问责、考评…).

A workflow declares, once, a table of its actions: which statuses each may start from, which
status it leads to, and who may take it. A service function then calls :func:`begin` to lock the
record and check the table, makes its own changes, and calls :func:`finish` to save the status
and write the audit entry in the same transaction::

    TRANSITIONS = Transitions(
        noun="整改任务",
        actions={
            "approve_plan": Transition("审核通过整改方案", {PLAN_SUBMITTED}, IN_PROGRESS, OFFICE),
            ...
        },
    )

    @transaction.atomic
    def approve_plan(actor: Actor, task: Task) -> Task:
        step = TRANSITIONS.begin(actor, task, "approve_plan")
        ...  # the action's own changes on step.record
        return step.finish(summary="整改方案审核通过")

Refusals are ``PermissionDenied`` (who) or ``ValidationError`` (state), with the same Chinese
wording everywhere: “该整改任务当前为“已办结”，不能审核通过整改方案”.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar, Union

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

if TYPE_CHECKING:
    from xiaoneng.accounts.models import User

__all__ = ["Actor", "Step", "Transition", "Transitions", "actor_role", "is_person"]

#: Who acts: a signed-in user, or the name of a system (a department system through the API,
#: the sweeper, the demo builder). Every service function takes one as its first argument.
Actor = Union["User", str]

Record = TypeVar("Record", bound=models.Model)


def is_person(actor: Actor | None) -> bool:
    """Is the actor a signed-in user (rather than a system acting under a name)?"""
    return actor is not None and not isinstance(actor, str) and actor.is_authenticated


def actor_role(actor: Actor | None) -> str | None:
    """The effective role of a person; None for a system name."""
    return actor.effective_role if is_person(actor) else None  # type: ignore[union-attr]


@dataclass(frozen=True)
class Transition:
    """One action of a workflow.

    ``roles`` None: any caller the service lets through (systems included); otherwise only people
    with one of these roles. ``target`` None: the action keeps the status (e.g. a progress report).
    """

    label: str
    sources: Collection[str]
    target: str | None
    roles: Collection[str] | None = None


@dataclass
class Step(Generic[Record]):
    """A transition under way: the locked record, and how to finish it."""

    transitions: Transitions
    actor: Actor
    record: Record
    action: str
    before: dict = field(default_factory=dict)

    def finish(
        self,
        *,
        summary: str,
        fields: Collection[str] = (),
        after: dict | None = None,
    ) -> Record:
        """Set the target status, save ``status`` and ``fields``, and audit the step."""
        from xiaoneng.audit import services as audit

        transition = self.transitions.actions[self.action]
        status_field = self.transitions.status_field
        update = set(fields)
        if transition.target is not None:
            setattr(self.record, status_field, transition.target)
            update.add(status_field)
        if update:
            self.record.save(update_fields=sorted(update))
        audit.record(
            self.actor,
            audit.Action.UPDATE if transition.target is not None else audit.Action.EVENT,
            self.record,
            before=self.before or None,
            after=after
            if after is not None
            else ({status_field: transition.target} if transition.target else None),
            summary=summary,
        )
        return self.record


@dataclass(frozen=True)
class Transitions:
    """The table of a workflow's actions, and the one step that applies it."""

    noun: str  # how users name the record: 投诉, 整改任务…
    actions: Mapping[str, Transition]
    status_field: str = "status"
    #: Extra check on who may act on this record (e.g. only its own unit's liaison); returns a
    #: refusal message or None.
    may_act: Callable[[Actor, models.Model, str], str | None] | None = None

    def allowed(self, record: models.Model, action: str) -> bool:
        return getattr(record, self.status_field) in self.actions[action].sources

    def available(self, actor: Actor, record: models.Model) -> list[str]:
        """The actions this actor could take on the record now (for showing buttons)."""
        names = []
        for name, transition in self.actions.items():
            if not self.allowed(record, name):
                continue
            if self._refusal(actor, record, name, transition) is None:
                names.append(name)
        return names

    def _refusal(
        self, actor: Actor, record: models.Model, action: str, transition: Transition
    ) -> str | None:
        if transition.roles is not None and actor_role(actor) not in transition.roles:
            return f"您的角色不能{transition.label}"
        if self.may_act is not None:
            return self.may_act(actor, record, action)
        return None

    def begin(self, actor: Actor, record: Record, action: str) -> Step[Record]:
        """Lock the record, check who and which status, and remember its state for the audit."""
        from xiaoneng.audit import services as audit

        transition = self.actions[action]
        locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
        refusal = self._refusal(actor, locked, action, transition)
        if refusal is not None:
            raise PermissionDenied(refusal)
        if not self.allowed(locked, action):
            status = getattr(locked, f"get_{self.status_field}_display")()
            raise ValidationError(f"该{self.noun}当前为“{status}”，不能{transition.label}")
        before = audit.snapshot(locked, [self.status_field])
        return Step(self, actor, locked, action, before)
