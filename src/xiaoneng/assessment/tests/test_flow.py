"""The procedure end to end through the services: a hand-computed scheme, preview, objection
within and after its limit, decision, publication, frozen scheme, the 末位 unit's task."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from xiaoneng.accounts.roles import Role
from xiaoneng.assessment import services
from xiaoneng.assessment.models import Objection, Period, Result, Scheme
from xiaoneng.audit.models import AuditEntry
from xiaoneng.rectification.models import Task
from xiaoneng.rectification.sources import SourceKind

from .conftest import PREVIEW, SCHEME, at


def scores(period: Period) -> dict[str, tuple]:
    return {
        r.unit.code: (r.score, r.rank, r.grade, r.last, r.coefficient)
        for r in Result.objects.filter(period=period).select_related("unit")
    }


def test_hand_computed_scheme(city, users):
    with time_machine.travel(at(PREVIEW), tick=False):
        assert services.compute(users[Role.OFFICE], city.period) == 3
    assert scores(city.period) == {
        "A": (91.5, 1, "优秀", "not_last", 1.2),  # its section's yellow card counts for it
        "B": (84.5, 2, "良好", "not_last", 1.0),
        "C": (61.5, 3, "一般", "last", 0.72),  # 0.9 less 20 % for 末位
    }
    c = Result.objects.get(period=city.period, unit=city.c)
    assert c.detail["adjustments"][0]["amount"] == -6
    assert c.detail["yellow_card"] is True
    assert [x["value"] for x in c.detail["components"]] == [60, 3]


def test_veto_caps_grade(city, users):
    office = users[Role.OFFICE]
    with time_machine.travel(at(PREVIEW), tick=False):
        services.enter(office, city.period, city.a, "veto", "discipline", 1, "纪委通报")
        services.compute(office, city.period)
    assert scores(city.period)["A"][2] == "一般"


def test_procedure(city, users):
    office = users[Role.OFFICE]
    with time_machine.travel(at(PREVIEW), tick=False):
        services.open_preview(office, city.period)
    city.period.refresh_from_db()
    assert city.period.status == Period.Status.PREVIEW and city.period.deadline_open
    with time_machine.travel(at("2027-01-12 09:00"), tick=False):
        with pytest.raises(ValidationError, match="只有本单位联络员"):
            services.file_objection(
                users[Role.LIAISON], city.period, city.c, component="", reason="x", evidence="y"
            )
        objection = services.file_objection(
            city.liaison_c,
            city.period,
            city.c,
            component="黄牌红牌",
            reason="红牌已申诉",
            evidence="申诉材料",
        )
        with pytest.raises(ValidationError, match="异议期"):
            services.close_objections(office, city.period)
    assert objection.due_at is not None
    with time_machine.travel(at("2027-01-25 09:00"), tick=False):
        with pytest.raises(ValidationError, match="异议期已于"):
            services.file_objection(
                city.liaison_c, city.period, city.c, component="", reason="迟", evidence="迟"
            )
        with pytest.raises(PermissionDenied):
            services.decide_objection(city.liaison_c, objection, accept=False, decision="否")
        services.close_objections(office, city.period)
        with pytest.raises(ValidationError, match="未答复的异议"):
            services.publish(office, city.period, document_number="效考〔2027〕1号")
        services.decide_objection(office, objection, accept=False, decision="红牌申诉已被驳回")
        services.publish(office, city.period, document_number="效考〔2027〕1号")
    objection.refresh_from_db()
    assert objection.status == Objection.Status.REJECTED and not objection.deadline_open
    city.period.refresh_from_db()
    assert city.period.is_published
    scheme = city.period.schemes.get()
    assert scheme.frozen_at is not None
    with pytest.raises(ValidationError):
        services.save_scheme(office, scheme, SCHEME)
    task = Task.objects.get(source_kind=SourceKind.ASSESSMENT)
    assert task.unit == city.c and "末位" in task.title
    assert AuditEntry.objects.filter(summary__contains="公布2026年度考评结果").exists()


def test_scheme_refusals(city, users):
    office = users[Role.OFFICE]
    scheme = city.period.schemes.get()
    short = services.ComponentIn("targets", "目标", 90, 0, 100)
    nowhere = services.ComponentIn("nowhere", "无源", 100, 0, 100)
    cases = [
        (services.SchemeIn(components=(short,)), "应为100"),
        (services.SchemeIn(components=(nowhere,)), "数据来源"),
        (
            services.SchemeIn(
                components=SCHEME.components, vetoes=(services.VetoIn("v", "否决", "", "一般"),)
            ),
            "认定规则",
        ),
        (services.SchemeIn(components=SCHEME.components, rank_bonus_top="5,x"), "逗号"),
    ]
    for data, message in cases:
        with pytest.raises(ValidationError, match=message):
            services.save_scheme(office, scheme, data)
    assert Scheme.objects.get(pk=scheme.pk).version == 2  # unchanged since the fixture's save
    with pytest.raises(PermissionDenied):
        services.save_scheme(users[Role.LIAISON], scheme, SCHEME)


def test_next_period_copies_scheme(city, users):
    office = users[Role.OFFICE]
    nxt = services.create_period(office, Period.Kind.QUARTER, 2027, 1)
    assert (nxt.start.isoformat(), nxt.end.isoformat(), nxt.name) == (
        "2027-01-01",
        "2027-03-31",
        "2027年第1季度",
    )
    copied = nxt.schemes.get()
    assert [c.source for c in copied.components.all()] == ["targets", "cards"]
    assert copied.last_pay_deduction == 20
    with pytest.raises(ValidationError, match="已存在"):
        services.create_period(office, Period.Kind.QUARTER, 2027, 1)


@pytest.mark.parametrize("preset", [p for p, _l in Scheme.Preset.choices])
def test_presets_are_valid(preset):
    services.check(services.preset(preset))
