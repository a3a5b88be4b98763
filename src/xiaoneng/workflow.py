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
wording everywhere: “该整改任务当前为“已办结”，不能审核通过整改方案”. A table may word its
refusals its own way (``denied``, ``wrong_status``), and one action may too.

:func:`begin` checks, in this order: the role (``Transition.roles``), the record's own rule
(``Transitions.may_act``, e.g. only its unit's liaison), a rule beyond the status
(``Transition.guard``, e.g. only once), then the status. What the actor typed is checked by the
service after ``begin``, so that a refusal names who and when before what.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from xiaoneng.accounts.actors import Actor, actor_role, is_person

__all__ = ["Actor", "Step", "Transition", "Transitions", "actor_role", "is_person"]

Record = TypeVar("Record", bound=models.Model)


@dataclass(frozen=True)
class Transition:
    """One action of a workflow.

    ``roles`` None: any caller the service lets through (systems included); otherwise only people
    with one of these roles. ``target`` None: the action keeps the status (e.g. a progress report).
    ``denied`` and ``wrong_status`` word this action's refusals when the table's do not fit.
    ``guard``: a rule on the record beyond its status (e.g. “only once”), checked before the
    status; it returns a refusal or None.
    """

    label: str
    sources: Collection[str]
    target: str | None
    roles: Collection[str] | None = None
    denied: str | None = None
    wrong_status: str | None = None
    guard: Callable[[Any], str | None] | None = None


@dataclass
class Step(Generic[Record]):
    """A transition under way: the locked record, and how to finish it."""

    transitions: Transitions
    actor: Actor
    record: Record
    action: str
    before: dict[str, Any] = field(default_factory=dict)

    def finish(
        self,
        *,
        summary: str,
        fields: Collection[str] | None = (),
        after: dict[str, Any] | None = None,
    ) -> Record:
        """Set the target status, save ``status`` and ``fields`` (None: the whole record, which
        the step holds locked), and audit the step. The audit entry's ``after`` is ``after`` with
        the new status, or else the table's snapshot of the record (by default its status)."""
        from xiaoneng.audit import services as audit

        table = self.transitions
        transition = table.actions[self.action]
        status_field = table.status_field
        if transition.target is not None:
            setattr(self.record, status_field, transition.target)
        if fields is None:
            self.record.save()
        elif update := {*fields, *([status_field] if transition.target is not None else [])}:
            self.record.save(update_fields=sorted(update))
        if after is not None and transition.target is not None:
            after = {status_field: transition.target, **after}
        elif after is None and table.snapshot is not None:
            after = table.snapshot(self.record)
        elif after is None and transition.target is not None:
            after = {status_field: transition.target}
        audit.record(
            self.actor,
            audit.Action.UPDATE if transition.target is not None else audit.Action.EVENT,
            self.record,
            before=self.before or None,
            after=after,
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
    may_act: Callable[[Actor, Any, str], str | None] | None = None
    #: How refusals read, with ``{noun}``, ``{label}`` and ``{status}`` (the status as shown).
    denied: str = "您的角色不能{label}"
    wrong_status: str = "该{noun}当前为“{status}”，不能{label}"
    #: What the audit entry keeps of the record before and after a step (default: its status);
    #: a record with secrets leaves them out here.
    snapshot: Callable[[Any], dict[str, Any]] | None = None
    #: Relations read together with the locked record (the lock takes the record's row only).
    related: Collection[str] = ()

    def allowed(self, record: models.Model, action: str) -> bool:
        return getattr(record, self.status_field) in self.actions[action].sources

    def permits(self, actor: Actor, record: models.Model, action: str) -> bool:
        """Could the actor take this action on the record now? (What ``begin`` would check.)"""
        transition = self.actions[action]
        return (
            self.allowed(record, action)
            and self._refusal(actor, record, action, transition) is None
            and (transition.guard is None or transition.guard(record) is None)
        )

    def available(self, actor: Actor, record: models.Model) -> list[str]:
        """The actions this actor could take on the record now (for showing buttons)."""
        return [name for name in self.actions if self.permits(actor, record, name)]

    def _message(self, template: str, record: models.Model, transition: Transition) -> str:
        status = getattr(record, f"get_{self.status_field}_display")()
        return template.format(noun=self.noun, label=transition.label, status=status)

    def _refusal(
        self, actor: Actor, record: models.Model, action: str, transition: Transition
    ) -> str | None:
        if transition.roles is not None and actor_role(actor) not in transition.roles:
            return self._message(transition.denied or self.denied, record, transition)
        if self.may_act is not None:
            return self.may_act(actor, record, action)
        return None

    def begin(self, actor: Actor, record: Record, action: str) -> Step[Record]:
        """Lock the record, check who and which status, and remember its state for the audit."""
        from xiaoneng.audit import services as audit

        transition = self.actions[action]
        locked = (
            type(record)
            ._default_manager.select_for_update(of=("self",))
            .select_related(*self.related)
            .get(pk=record.pk)
        )
        refusal = self._refusal(actor, locked, action, transition)
        if refusal is not None:
            raise PermissionDenied(refusal)
        if transition.guard is not None and (refusal := transition.guard(locked)) is not None:
            raise ValidationError(refusal)
        if not self.allowed(locked, action):
            template = transition.wrong_status or self.wrong_status
            raise ValidationError(self._message(template, locked, transition))
        if self.snapshot is not None:
            before = self.snapshot(locked)
        else:
            before = audit.snapshot(locked, [self.status_field])
        return Step(self, actor, locked, action, before)
