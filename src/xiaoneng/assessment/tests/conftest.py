"""A small category of three departments and a hand-computable scheme (目标任务 70, 黄牌红牌 30)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
import time_machine

from xiaoneng.accounts.roles import Role
from xiaoneng.assessment import services
from xiaoneng.assessment.models import Entry, Period
from xiaoneng.org.models import Unit
from xiaoneng.testing.factories import CardFactory, UnitCategoryFactory, UnitFactory, UserFactory
from xiaoneng.workdays import SHANGHAI

#: Scores are computed and previewed on a Monday after the year.
PREVIEW = "2027-01-11 10:00"


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


SCHEME = services.SchemeIn(
    components=(
        services.ComponentIn("targets", "目标任务", 70, 0, 100),
        services.ComponentIn("cards", "黄牌红牌", 30, 20, 0),
    ),
    adjustments=(services.AdjustmentIn("criticism", "通报批评", -3, 10),),
    vetoes=(services.VetoIn("discipline", "严重违纪", "纪检监察机关查实", "一般"),),
    last_count=1,
    last_pay_deduction=20,
    last_yellow_card=True,
)


@dataclass
class City:
    a: Unit
    b: Unit
    c: Unit
    period: Period
    liaison_c: object


@pytest.fixture
def city(org, users) -> City:
    category = UnitCategoryFactory(code="gov", name="政府部门")
    for unit in (org.dept_a, org.dept_b):
        unit.category = category
        unit.save()
    c = UnitFactory(name="市丙局", code="C", parent=org.root, category=category)
    office = users[Role.OFFICE]
    liaison_c = UserFactory(username="liaison_c", role=Role.LIAISON, unit=c)
    with time_machine.travel(at("2026-12-01 09:00"), tick=False):
        period = services.create_period(office, Period.Kind.YEAR, 2026)
        scheme = period.schemes.get()
        services.save_scheme(office, scheme, SCHEME)
        # A: target 90, no cards → 0.7·90 + 0.3·100 = 93.
        # B: target 80, one yellow card (1 → 95) → 56 + 28.5 = 84.5.
        # C: target 60, one red card (3 → 85) → 42 + 25.5 = 67.5; criticised twice −6 → 61.5.
        for unit, target in ((org.dept_a, 90), (org.dept_b, 80), (c, 60)):
            services.enter(office, period, unit, Entry.Kind.TARGET, "", target, "年度目标考核")
        services.enter(office, period, c, Entry.Kind.ADJUSTMENT, "criticism", 2, "通报〔2026〕3号")
    CardFactory(unit=org.section_a, color="yellow", raised_at=at("2026-05-06 10:00"))
    CardFactory(unit=org.dept_b, color="yellow", raised_at=at("2026-06-06 10:00"))
    CardFactory(unit=c, color="red", raised_at=at("2026-07-06 10:00"))
    CardFactory(unit=org.dept_a, color="red", raised_at=at("2025-07-06 10:00"))  # another year
    CardFactory(unit=org.dept_a, color="red", raised_at=at("2026-08-06 10:00"), status="withdrawn")
    return City(org.dept_a, org.dept_b, c, period, liaison_c)
