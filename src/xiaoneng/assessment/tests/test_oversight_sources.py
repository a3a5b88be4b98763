"""明查暗访 and 责任追究 as assessment data sources: each unit's figure rolls up its subtree,
and the drill-down lists the findings behind it."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from xiaoneng.accountability import figures as accountability_figures
from xiaoneng.accounts.roles import Role
from xiaoneng.assessment import components
from xiaoneng.assessment.components import Rollup, Span
from xiaoneng.inspections import defaults
from xiaoneng.inspections import services as inspections
from xiaoneng.inspections.models import CheckItem

from .conftest import at

pytestmark = pytest.mark.django_db

YEAR = Span(date(2026, 1, 1), date(2026, 12, 31))


def test_inspection_deductions_roll_up_and_drill_down(org, users):
    defaults.install(users[Role.OFFICE])
    item = CheckItem.objects.filter(is_current=True, deduction__gt=0).order_by("pk").first()
    with time_machine.travel(at("2026-05-06 10:00"), tick=False):
        visit = inspections.file_observation(
            users[Role.SUPERVISOR],
            org.section_a,
            date(2026, 5, 6),
            inspections.FindingIn(item.pk, "去向卡未填写"),
        )
        finding = visit.findings.get()
        inspections.confirm(users[Role.OFFICE], finding)
    source = components.REGISTRY["inspections"]
    rollup = Rollup([org.dept_a, org.dept_b])
    figures = source.figures(rollup, YEAR)
    assert figures[org.dept_a.pk].value == float(finding.deduction) > 0  # the section's, rolled up
    assert figures[org.dept_b.pk].value == 0
    drill = source.records(users[Role.OFFICE], org.dept_a, YEAR)
    assert drill.total == 1 and str(finding.deduction) in drill.rows[0].text
    assert drill.rows[0].url.endswith(f"/visits/{visit.pk}/")
    assert source.records(users[Role.OFFICE], org.dept_b, YEAR).total == 0


def test_sanctions_weigh_by_their_step_on_the_ladder(org, monkeypatch):
    standing = {
        org.section_a.pk: accountability_figures.UnitSanctions(
            org.section_a.pk, {"reminder": 2, "criticism": 1}, (1, 2, 3)
        ),
        org.dept_b.pk: accountability_figures.UnitSanctions(org.dept_b.pk, {"talk": 1}, (4,)),
    }
    monkeypatch.setattr(accountability_figures, "unit_sanctions", lambda start, end: standing)
    figures = components.REGISTRY["accountability"].figures(Rollup([org.dept_a, org.dept_b]), YEAR)
    assert figures[org.dept_a.pk].value == 2 * 1 + 4  # 提醒 ×2, 通报批评 ×1
    assert figures[org.dept_b.pk].value == 5  # 诫勉谈话
