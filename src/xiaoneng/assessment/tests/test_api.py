"""绩效考评接口: published periods and results for any key; a unit's scorecard in preview only
for its own subtree's key; 404 otherwise."""

from __future__ import annotations

import time_machine

from xiaoneng.accounts.roles import Role
from xiaoneng.api import services as keys
from xiaoneng.api.tests.conftest import ApiClient, Key
from xiaoneng.assessment import services

from .conftest import PREVIEW, at


def test_results_and_scorecards(city, users, org):
    office = users[Role.OFFICE]
    key_a = ApiClient(Key(*keys.create_key(office, "甲局系统", org.dept_a)))
    key_c = ApiClient(Key(*keys.create_key(office, "丙局系统", city.c)))
    period = city.period
    with time_machine.travel(at(PREVIEW), tick=False):
        services.open_preview(office, period)
    assert key_a.get("/assessment/periods").json() == []
    assert key_a.get(f"/assessment/periods/{period.pk}/results").status_code == 404
    own = key_c.get(f"/assessment/periods/{period.pk}/units/C")
    assert own.status_code == 200 and own.json()["score"] == 61.5
    assert own.json()["components"][1]["value"] == 3 and not own.json()["published"]
    other = key_a.get(f"/assessment/periods/{period.pk}/units/C")
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    with time_machine.travel(at("2027-01-25 10:00"), tick=False):
        services.close_objections(office, period)
        services.publish(office, period, document_number="效考〔2027〕1号")
    [listed] = key_a.get("/assessment/periods").json()
    assert listed["document_number"] == "效考〔2027〕1号"
    results = key_a.get(f"/assessment/periods/{period.pk}/results").json()
    assert [(r["unit"]["code"], r["rank"], r["last_place"]["code"]) for r in results] == [
        ("A", 1, "not_last"),
        ("B", 2, "not_last"),
        ("C", 3, "last"),
    ]
    card = key_a.get(f"/assessment/periods/{period.pk}/units/C").json()
    assert card["adjustments"] == [{"label": "通报批评", "amount": -6.0}]
    assert ApiClient(None).get("/assessment/periods").status_code == 401
