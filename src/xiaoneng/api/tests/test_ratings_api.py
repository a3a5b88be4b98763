"""The contract of POST /api/v1/ratings: devices, kiosks and the provincial platform; the query
code for those at the counter, idempotency by the sender's id, scope, refusals."""

from __future__ import annotations

import pytest
import time_machine

from xiaoneng.accounts.roles import Role
from xiaoneng.api import services as keys
from xiaoneng.cases.tests.conftest import accept, at, event
from xiaoneng.ratings.models import Rating, ReturnVisit
from xiaoneng.rectification.models import Task

from .conftest import ApiClient, Key

pytestmark = pytest.mark.django_db
NOW = at("2026-03-05 10:00")


@pytest.fixture
def finished(api, item):
    """Case C1 of department A, finished; returns its query code."""
    created = api.post("/cases/events", accept("C1")).json()
    assert api.post(
        "/cases/events", event("finish", "2026-03-04 10:00", number="C1", result="approved")
    ).status_code in (200, 201)
    return created["query_code"]


@pytest.fixture
def platform(users, org) -> ApiClient:
    """The provincial 好差评 platform's key, issued for the top-level unit."""
    return ApiClient(Key(*keys.create_key(users[Role.OFFICE], "省好差评平台", org.root)))


def body(**kw) -> dict:
    data = {
        "external_id": "DEV-0001",
        "channel": "device",
        "case_number": "C1",
        "query_code": "",
        "level": 5,
        "comment": "",
    }
    data.update(kw)
    return data


@time_machine.travel(NOW, tick=False)
def test_device_rates_with_the_receipts_code_once(api, finished):
    missing = api.post("/ratings", body())
    assert missing.status_code == 422 and missing.json()["code"] == "unknown_case"
    wrong = api.post("/ratings", body(query_code="ZZZZZZ"))
    assert wrong.json() == missing.json()  # no hint which was wrong
    response = api.post("/ratings", body(query_code=finished, level=4.0))
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["created"] and out["mode"]["code"] == "onsite" and out["level"]["code"] == "4"
    again = api.post("/ratings", body(query_code=finished, level=4))
    assert again.status_code == 200 and again.json()["id"] == out["id"]
    assert not again.json()["created"]
    conflict = api.post("/ratings", body(query_code=finished, level=1))
    assert conflict.status_code == 409 and conflict.json()["code"] == "external_id_conflict"
    kiosk = api.post(
        "/ratings", body(external_id="K-1", channel="kiosk", query_code=finished, level=1)
    )
    assert kiosk.status_code == 422 and kiosk.json()["code"] == "already_rated"
    assert Rating.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_platform_rates_any_case_remotely_with_a_named_bad_rating(api, platform, finished):
    denied = api.post("/ratings", body(channel="platform"))
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    contact = {"name": "孙八", "phone": "abc12"}
    bad_phone = platform.post("/ratings", body(channel="platform", level=1, contact=contact))
    assert bad_phone.status_code == 422 and bad_phone.json()["code"] == "bad_contact"
    contact["phone"] = "13300000000"
    response = platform.post(
        "/ratings", body(channel="platform", level=1, comment="态度差", contact=contact)
    )
    assert response.status_code == 201, response.content
    rating = Rating.objects.get()
    assert rating.mode == "remote" and rating.named and rating.external_id == "DEV-0001"
    assert ReturnVisit.objects.filter(rating=rating).exists()
    assert Task.objects.filter(source_kind="rating", source_id=rating.pk).exists()
    assert "13300000000" not in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_scope_and_bad_input(api_b, api, finished):
    # Department B's device cannot rate A's case, and hears what a missing case sounds like.
    outside = api_b.post("/ratings", body(query_code=finished))
    assert outside.status_code == 422 and outside.json()["code"] == "unknown_case"
    for bad, field in (
        (body(level=0), "level"),
        (body(level=True), "level"),
        (body(level="5"), "level"),
        (body(channel="window"), "channel"),
        (body(external_id=" "), "external_id"),
        (body(extra=1), "extra"),
        (body(comment="长" * 501), "comment"),
    ):
        response = api.post("/ratings", bad)
        assert response.status_code == 422 and response.json()["code"] == "invalid", bad
        assert response.json()["field"] == field
    assert api.post("/ratings", "[1]").json()["code"] == "invalid"
    assert api.post("/ratings", "{").status_code == 400
    open_case = api.post("/cases/events", accept("C2")).json()["query_code"]
    unfinished = api.post("/ratings", body(case_number="C2", query_code=open_case))
    assert unfinished.json()["code"] == "not_finished"
    assert not Rating.objects.exists()
