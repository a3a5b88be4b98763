"""Fixtures for accountability tests: a person with a login in department A, red cards raised
through the supervision service, and a helper that walks a violation to a stage."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.db import transaction

from xiaoneng.accountability import services
from xiaoneng.accountability.models import Violation
from xiaoneng.accounts.roles import Role
from xiaoneng.supervision import services as supervision
from xiaoneng.supervision.models import Card
from xiaoneng.testing.factories import StaffFactory, UserFactory
from xiaoneng.workdays import SHANGHAI

START = "2026-03-05 10:00"  # a Thursday


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def travel(when: str):
    return time_machine.travel(at(when), tick=False)


@pytest.fixture
def person(org):
    """A clerk of department A with a login of their own (role 窗口人员)."""
    user = UserFactory(username="clerk", role=Role.WINDOW, unit=org.section_a)
    return StaffFactory(name="张小明", unit=org.section_a, user=user)


@pytest.fixture
def red_card(org, person):
    """Raise a red card (办件超过承诺时限) naming the person, at ``when``."""

    def make(key: str = "case:1:overdue", when: str = START, staff=None) -> Card:
        intent = supervision.CardIntent(
            color=Card.Color.RED,
            cause=Card.Cause.CASE_OVERDUE,
            cause_key=key,
            unit=org.section_a,
            summary=f"办件{key}超过承诺时限",
            staff=staff if staff is not None else person,
        )
        with travel(when), transaction.atomic():
            return supervision.raise_cards([intent])[0]

    return make


@pytest.fixture
def leader_a(org):
    return UserFactory(username="leader_a", role=Role.LEADER, unit=org.dept_a)


@pytest.fixture
def walk(users, leader_a):
    """Move a violation through the procedure up to ``stage`` (all at ``START`` + a few days)."""
    office = users[Role.OFFICE]

    def go(v: Violation, stage: str, sanction: str = "reminder") -> Violation:
        steps = [
            ("investigating", lambda: services.assign(office, v, office)),
            ("statement", lambda: services.request_statement(office, v, "经查属实")),
            ("proposal", lambda: services.submit_statement(office, v, "本人承认")),
            ("deciding", lambda: services.propose(office, v, sanction, "按规则")),
            (
                "decided",
                lambda: services.decide(
                    leader_a if services.requires_leader(sanction) else office,
                    v,
                    sanction,
                    "决定给予处理",
                ),
            ),
            ("delivered", lambda: services.deliver(office, v, "当面送达本人及所在单位")),
        ]
        for name, step in steps:
            with travel(START):
                step()
            v.refresh_from_db()
            if name == stage:
                break
        return v

    return go
