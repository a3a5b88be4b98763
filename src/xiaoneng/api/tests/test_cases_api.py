"""The contract of /api/v1/cases: status codes, error bodies, bulk semantics, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xiaoneng.api import services
from xiaoneng.audit.models import AuditEntry
from xiaoneng.cases import services as cases
from xiaoneng.cases.models import Case, CaseEvent
from xiaoneng.cases.tests.conftest import accept, event

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def _steps(number="C1"):
    return [
        event("step_start", "2026-03-02 10:00", number, step_code="review"),
        event("step_finish", "2026-03-04 10:00", number, step_code="review"),
        event("step_start", "2026-03-04 11:00", number, step_code="approve"),
        event("step_finish", "2026-03-05 10:00", number, step_code="approve"),
    ]


# ---- authentication ----------------------------------------------------------------------------


def test_missing_key_is_401_with_a_json_error(anonymous, item):
    response = anonymous.post("/cases/events", accept())
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["code"] == "unauthorized" and body["field"] is None
    assert "缺少接口密钥" in body["message"]
    assert anonymous.get("/cases").status_code == 401
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("Bearer nonsense", "格式不对"),
        ("Bearer xn_abcdefgh_not-the-secret", "无效"),
        ("Token xn_abcdefgh_whatever", "缺少接口密钥"),
    ],
)
def test_wrong_keys_are_401(anonymous, item, header, words):
    response = anonymous.post("/cases/events", accept(), headers={"Authorization": header})
    assert response.status_code == 401
    assert words in response.json()["message"]


def test_a_known_prefix_with_a_wrong_secret_is_401(anonymous, key_a, item):
    prefix = key_a.obj.prefix
    response = anonymous.post(
        "/cases/events", accept(), {"Authorization": f"Bearer xn_{prefix}_wrong-secret"}
    )
    assert response.status_code == 401 and "无效" in response.json()["message"]


def test_revoked_key_is_401(api, key_a, users, item):
    from xiaoneng.accounts.roles import Role

    assert api.post("/cases/events", accept()).status_code == 201
    services.revoke_key(users[Role.OFFICE], key_a.obj, "系统下线")
    response = api.post("/cases/events", accept("C2"))
    assert response.status_code == 401
    assert response.json()["message"].startswith("接口密钥已被吊销")
    assert api.get("/cases/C1").status_code == 401


def test_x_api_key_header_works_too(key_a, item):
    client = ApiClient(None)
    response = client.post("/cases/events", accept(), {"X-API-Key": key_a.plaintext})
    assert response.status_code == 201


def test_last_used_is_written_at_most_once_a_minute(api, key_a, item):
    assert key_a.obj.last_used_at is None

    def key_updates(ctx):
        return [q for q in ctx.captured_queries if q["sql"].startswith('UPDATE "api_apikey"')]

    with CaptureQueriesContext(connection) as first:
        api.get("/cases")
    key_a.obj.refresh_from_db()
    used = key_a.obj.last_used_at
    assert used is not None and len(key_updates(first)) == 1
    with CaptureQueriesContext(connection) as second:
        api.get("/cases")
    assert key_updates(second) == []
    # A minute later the next request records the use again.
    type(key_a.obj).objects.filter(pk=key_a.obj.pk).update(last_used_at=used - timedelta(minutes=2))
    api.get("/cases")
    key_a.obj.refresh_from_db()
    assert key_a.obj.last_used_at > used - timedelta(minutes=1)


# ---- one event ---------------------------------------------------------------------------------


def test_single_event_accepted_then_duplicate_then_conflict(api, key_a, item):
    response = api.post("/cases/events", accept())
    assert response.status_code == 201
    body = response.json()
    code = body.pop("query_code")
    assert body == {
        "index": 0,
        "event_id": "C1-accept",
        "status": "accepted",
        "case_number": "C1",
        "code": None,
        "message": "已接收",
        "field": None,
    }
    case = Case.objects.get(number="C1")
    assert case.channel == "api" and cases.lookup_public("C1", code) == case
    stored = CaseEvent.objects.get(case=case)
    assert stored.source == f"api:{key_a.obj.pk}"

    again = api.post("/cases/events", accept())
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["query_code"] is None  # issued once: only its digest is kept

    changed = api.post("/cases/events", accept(applicant={"name": "李四"}))
    assert changed.status_code == 422
    assert changed.json() == {
        "code": "conflict",
        "message": "事件ID“C1-accept”已用于内容不同的另一事件",
        "field": "event_id",
        "event_id": "C1-accept",
        "case_number": "C1",
    }
    assert CaseEvent.objects.count() == 1


def test_the_audit_log_names_the_key(api, item):
    api.post("/cases/events", accept())
    entry = AuditEntry.objects.filter(object_type="cases.caseevent").get()
    assert entry.actor_name == "接口:甲局审批系统" and entry.actor_id is None


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        (accept(item_code="NOPE"), "unknown_item", "item_code"),
        (
            event("finish", "2026-03-03 10:00", "GHOST", result="approved"),
            "unknown_case",
            "case_number",
        ),
        ({**accept(), "at": "2026-03-02T09:00:00"}, "invalid", "at"),
        (event("correction_notice", "2026-03-03 10:00", materials=[]), "invalid", ""),
        (event("finish", "2026-03-03 10:00"), "invalid", ""),
        ({**accept(), "colour": "red"}, "invalid", "colour"),
        ({**accept(), "at": "0001-01-01T00:00:00+14:00"}, "out_of_range", "at"),
        ({**accept(), "at": "1999-12-31T23:00:00+00:00"}, "out_of_range", "at"),
        ({**accept(), "event_id": "a\x00b"}, "bad_text", "event_id"),
        ({**accept(), "applicant": {"name": "\ud800"}}, "bad_text", "applicant.name"),
        ({**accept(), "days": 3}, "invalid", ""),
        (event("extension", "2026-03-03 10:00", days=True), "invalid", "days"),
        (event("extension", "2026-03-03 10:00", days="3"), "invalid", "days"),
        (event("extension", "2026-03-03 10:00", days=2.5), "invalid", "days"),
        (
            event("fee", "2026-03-03 10:00", fees=[{"name": "工本费", "amount": 12.5}]),
            "invalid",
            "fees.0.amount",
        ),
        (
            event("special_start", "2026-03-03 10:00", special_kind="party"),
            "invalid",
            "special_kind",
        ),
    ],
    ids=[
        "unknown-item",
        "unknown-case",
        "naive-time",
        "empty-correction-list",
        "finish-without-result",
        "unknown-field",
        "year-one",
        "before-2000",
        "nul-character",
        "lone-surrogate",
        "field-of-another-kind",
        "true-is-not-a-number",
        "text-is-not-a-number",
        "fractional-days",
        "float-money",
        "unknown-special-kind",
    ],
)
def test_rejected_single_events_name_code_and_field(api, item, raw, code, field):
    if raw["case_number"] == "C1" and raw["kind"] != "accept":
        assert api.post("/cases/events", accept()).status_code == 201
    response = api.post("/cases/events", raw)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == code
    assert (body["field"] or "") == field
    assert body["message"]


def test_future_timestamp_is_rejected(api, item):
    soon = timezone.now() + timedelta(hours=1)
    response = api.post("/cases/events", {**accept(), "at": soon.isoformat()})
    assert response.status_code == 422
    assert response.json()["code"] == "future_timestamp"
    assert response.json()["field"] == "at"


def test_naive_timestamp_message_explains_the_time_zone(api, item):
    response = api.post("/cases/events", {**accept(), "at": "2026-03-02T09:00:00"})
    assert "时区" in response.json()["message"]


def test_a_body_that_is_not_json_or_not_an_object(api, item):
    response = api.post("/cases/events", b"{not json")
    assert response.status_code == 400 and response.json()["code"] == "bad_json"
    response = api.post("/cases/events", b'{"days": NaN}')
    assert response.status_code == 400
    response = api.post("/cases/events", [accept()])
    assert response.status_code == 422 and response.json()["code"] == "invalid"


# ---- bulk --------------------------------------------------------------------------------------


def test_bulk_keeps_the_valid_items_and_reports_each_invalid_one(api, item):
    events = [
        accept("C1"),
        accept("C2", item_code="NOPE"),
        "not an object",
        *_steps("C1"),
        {**accept("C3"), "at": "2026-03-02 09:00"},  # naive
        event("finish", "2026-03-06 10:00", "C1", result="approved"),
        event("finish", "2026-03-06 10:00", "C9", result="approved"),
        event("correction_notice", "2026-03-03 10:00", "C1", event_id="cn", materials=[]),
        accept("C4", event_id="C1-accept"),  # the same id as item 0 with another body
    ]
    response = api.post("/cases/events/bulk", {"events": events})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (6, 0, 6)
    by_index = {r["index"]: r for r in body["results"]}
    assert [r["index"] for r in body["results"]] == list(range(len(events)))
    assert by_index[0]["status"] == "accepted"
    assert (by_index[1]["code"], by_index[1]["field"]) == ("unknown_item", "item_code")
    assert by_index[2]["code"] == "invalid" and by_index[2]["event_id"] is None
    assert all(by_index[i]["status"] == "accepted" for i in range(3, 7))
    assert (by_index[7]["code"], by_index[7]["field"]) == ("invalid", "at")
    assert by_index[8]["status"] == "accepted"
    assert by_index[9]["code"] == "unknown_case"
    assert by_index[10]["code"] == "invalid" and "materials" in by_index[10]["message"]
    assert by_index[11]["code"] == "conflict"
    case = Case.objects.get(number="C1")
    assert case.status == "approved"
    assert case.events.count() == 6
    assert not Case.objects.filter(number__in=["C2", "C3", "C4"]).exists()

    # Resending the whole request changes nothing: the stored ones are duplicates now.
    again = api.post("/cases/events/bulk", {"events": events}).json()
    assert (again["accepted"], again["duplicates"]) == (0, 6)
    assert case.events.count() == 6


def test_bulk_over_the_limit_is_413(api, item):
    events = [accept(f"C{n}") for n in range(1001)]
    response = api.post("/cases/events/bulk", {"events": events})
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_many" and body["field"] == "events"
    assert "1000" in body["message"] and "1001" in body["message"]
    assert not Case.objects.exists()


def test_bulk_of_exactly_the_limit_is_accepted(api, item):
    events = [accept(f"C{n}") for n in range(1000)]
    body = api.post("/cases/events/bulk", {"events": events}).json()
    assert body["accepted"] == 1000
    assert Case.objects.count() == 1000


@pytest.mark.parametrize("body", [[], {"event": []}, {"events": {"a": 1}}, {"events": None}])
def test_bulk_body_must_hold_an_events_list(api, body):
    response = api.post("/cases/events/bulk", body)
    assert response.status_code == 422
    assert response.json()["field"] == "events"


def test_empty_bulk_is_fine(api):
    body = api.post("/cases/events/bulk", {"events": []}).json()
    assert body == {"accepted": 0, "duplicates": 0, "rejected": 0, "results": []}


# ---- reading -----------------------------------------------------------------------------------


def test_read_a_case(api, item):
    api.post("/cases/events/bulk", {"events": [accept(), *_steps()]})
    response = api.get("/cases/C1")
    assert response.status_code == 200
    case = response.json()
    assert case["number"] == "C1"
    assert case["item"] == {"code": "ITEM1", "name": "测试事项ITEM1"}
    assert case["unit"] == {"code": "A", "name": "市甲局"}
    assert case["status"] == {"code": "accepted", "label": "办理中"}
    assert case["channel"]["code"] == "api"
    assert case["count_rule"] == {"code": "next_day", "label": "次日起算"}
    assert case["limit_days"] == 10
    assert case["remaining_days"] == case["limit_days"] - case["elapsed_days"]
    # Accepted on 2 March and still open in the test's present: far over the limit.
    assert case["elapsed_days"] > 10 and case["light"]["code"] in ("red", "green", "yellow")
    assert case["due_at"].startswith("2026-03-16")
    assert "query_code" not in case  # not stored: only the response that created it had it
    assert [s["code"] for s in case["steps"]] == ["review", "approve"]
    review = case["steps"][0]
    assert review["limit_days"] == 5 and review["finished_at"] and review["overdue"] is False
    assert case["cards"] == []
    assert case["paused"] is False and case["provisional"] is False


def test_a_case_without_step_events_shows_its_planned_steps(api, item):
    api.post("/cases/events", accept())
    steps = api.get("/cases/C1").json()["steps"]
    assert [(s["code"], s["limit_days"], s["started_at"]) for s in steps] == [
        ("review", 5, None),
        ("approve", 3, None),
    ]


def test_read_a_case_with_a_card(api, item):
    events = [
        accept(),
        event("correction_notice", "2026-03-03 10:00", materials=["营业执照"]),
        event("correction_received", "2026-03-04 10:00"),
        event("correction_notice", "2026-03-05 10:00", materials=["身份证"]),
    ]
    api.post("/cases/events/bulk", {"events": events})
    case = api.get("/cases/C1").json()
    assert case["status"]["code"] == "correction" and case["paused"] is True
    [card] = case["cards"]
    assert card["color"] == {"code": "yellow", "label": "黄牌"}
    assert card["cause"]["code"] == "repeated_correction"
    assert card["status"]["code"] == "active"


def test_events_come_back_in_time_order(api, item):
    # Sent out of order: the finish first, then the acceptance.
    late_first = [
        event("finish", "2026-03-06 10:00", result="approved"),
        accept(),
    ]
    for raw in reversed(late_first):
        api.post("/cases/events", raw)
    api.post("/cases/events", event("deliver", "2026-03-06 10:00"))
    api.post("/cases/events", event("step_start", "2026-03-02 09:00", step_code="review"))
    events = api.get("/cases/C1/events").json()
    assert [e["kind"]["code"] for e in events] == ["accept", "step_start", "finish", "deliver"]
    assert events[0]["event_id"] == "C1-accept"
    assert events[0]["data"]["applicant"] == {"name": "张三", "kind": "person"}
    assert events[1]["step_code"] == "review"


def test_unknown_case_is_404(api):
    response = api.get("/cases/NOPE")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "没有申请号为“NOPE”的办件",
        "field": "number",
    }
    assert api.get("/cases/NOPE/events").status_code == 404


def test_list_pages_by_cursor_and_filters(api, item):
    events = [accept(f"C{n}") for n in range(5)]
    events.append(event("finish", "2026-03-03 10:00", "C2", result="approved"))
    api.post("/cases/events/bulk", {"events": events})
    first = api.get("/cases", {"limit": 2}).json()
    assert [c["number"] for c in first["items"]] == ["C0", "C1"]
    second = api.get("/cases", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [c["number"] for c in second["items"]] == ["C2", "C3"]
    third = api.get("/cases", {"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [c["number"] for c in third["items"]] == ["C4"] and third["next_cursor"] is None

    approved = api.get("/cases", {"status": "approved"}).json()["items"]
    assert [c["number"] for c in approved] == ["C2"]
    assert approved[0]["status"]["label"] == "已办结（准予）"
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert api.get("/cases", {"updated_since": later}).json()["items"] == []
    earlier = (timezone.now() - timedelta(minutes=1)).isoformat()
    assert len(api.get("/cases", {"updated_since": earlier}).json()["items"]) == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"status": "lost"}, "status"),
        ({"light": "blue"}, "light"),
        ({"updated_since": "2026-03-01T00:00:00"}, "updated_since"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "-2.7e-224"}, "updated_since"),  # a number is no RFC 3339 time
        ({"updated_since": "1767225600"}, "updated_since"),
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": "²"}, "cursor"),
    ],
)
def test_list_parameters_are_checked(api, params, field):
    response = api.get("/cases", params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == field and body["message"]


def test_any_time_the_document_allows_is_a_valid_updated_since(api, item):
    api.post("/cases/events", accept())
    response = api.get("/cases", {"updated_since": "0001-01-01T00:00:00+14:00"})
    assert response.status_code == 200 and len(response.json()["items"]) == 1


# ---- scope -------------------------------------------------------------------------------------


def test_a_key_of_department_b_cannot_read_or_write_department_a(api, api_b, item):
    api.post("/cases/events/bulk", {"events": [accept(), *_steps()]})
    assert api_b.get("/cases/C1").status_code == 404
    assert api_b.get("/cases/C1/events").status_code == 404
    assert api_b.get("/cases").json()["items"] == []
    # Writing to A's case, or registering a case for A's item, is refused item by item; A's
    # case answers exactly as a case that does not exist (the probe found an existence oracle).
    response = api_b.post(
        "/cases/events", event("finish", "2026-03-06 10:00", result="approved", event_id="b1")
    )
    missing = api_b.post(
        "/cases/events",
        event("finish", "2026-03-06 10:00", "C1-NOT", result="approved", event_id="b1"),
    )
    assert response.status_code == missing.status_code == 422
    assert response.json() == {
        **missing.json(),
        "message": missing.json()["message"].replace("C1-NOT", "C1"),
        "case_number": "C1",
    }
    assert response.json()["code"] == "unknown_case"
    response = api_b.post("/cases/events", accept("B-C1"))
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("forbidden_unit", "item_code")
    assert Case.objects.get(number="C1").status == "accepted"
    assert not Case.objects.filter(number="B-C1").exists()
    assert response.json().get("query_code") is None


def test_only_the_accept_that_creates_a_case_carries_its_query_code(api, item):
    body = api.post(
        "/cases/events/bulk", {"events": [accept(), *_steps(), accept("C2", item_code="NOPE")]}
    ).json()
    codes = [r["query_code"] for r in body["results"]]
    assert codes[1:] == [None] * 5 and len(codes[0]) == 6
    assert cases.lookup_public("C1", codes[0]) == Case.objects.get(number="C1")


def test_a_new_query_code_replaces_the_old_one(api, api_b, item):
    old = api.post("/cases/events", accept()).json()["query_code"]
    response = api.post("/cases/C1/query-code", {})
    assert response.status_code == 200
    new = response.json()["query_code"]
    assert response.json()["number"] == "C1" and len(new) == 6
    assert cases.lookup_public("C1", old) is None or old == new
    assert cases.lookup_public("C1", new) == Case.objects.get(number="C1")
    entry = AuditEntry.objects.filter(summary__startswith="重新签发查询码").get()
    assert entry.actor_name == "接口:甲局审批系统" and new not in str(entry.__dict__)
    # Another department's key, or no such case: the same 404.
    for path in ("/cases/C1/query-code", "/cases/NOPE/query-code"):
        refused = api_b.post(path, {})
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"


def test_a_key_of_a_parent_unit_reaches_the_subtree(users, org, item):
    from xiaoneng.accounts.roles import Role

    from .conftest import Key

    parent = ApiClient(Key(*services.create_key(users[Role.OFFICE], "市级平台", org.root)))
    child = ApiClient(Key(*services.create_key(users[Role.OFFICE], "科室系统", org.section_a)))
    assert parent.post("/cases/events", accept()).status_code == 201
    assert parent.get("/cases/C1").status_code == 200
    # The item belongs to 市甲局 itself, above the section: the section's key does not reach it.
    assert child.get("/cases/C1").status_code == 404


def test_event_ids_are_per_key(api, api_b, users, org, item):
    from xiaoneng.accounts.roles import Role
    from xiaoneng.cases.tests.conftest import make_item

    make_item(org.dept_b, code="ITEMB")
    assert api.post("/cases/events", accept("A1", event_id="same")).status_code == 201
    # Another sender may use the same event id for its own event.
    response = api_b.post("/cases/events", accept("B1", item_code="ITEMB", event_id="same"))
    assert response.status_code == 201
    assert users[Role.OFFICE]  # the fixture made the keys through the office


def test_numbers_are_numbers(api, item):
    """The probe's finding: `"days": true` was taken for 1 day. Integers are JSON numbers
    without a fraction (3.0 is 3); money is an integer or a decimal string."""
    assert api.post("/cases/events", accept()).status_code == 201
    response = api.post("/cases/events", event("extension", "2026-03-03 10:00", days=True))
    assert response.status_code == 422 and response.json()["field"] == "days"
    assert "true/false" in response.json()["message"]
    assert not CaseEvent.objects.filter(kind="extension").exists()
    ok = api.post("/cases/events", event("extension", "2026-03-03 10:00", days=3.0))
    assert ok.status_code == 201
    assert CaseEvent.objects.get(kind="extension").data == {"days": 3}
    fee = event("fee", "2026-03-03 11:00", fees=[{"name": "工本费", "amount": "12.50"}])
    assert api.post("/cases/events", fee).status_code == 201
    assert CaseEvent.objects.get(kind="fee").data["fees"] == [{"name": "工本费", "amount": "12.50"}]


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("application/json", "utf-16", 400, "bad_encoding"),
        ("application/json", "utf-32", 400, "bad_encoding"),
        ("application/json; charset=utf-16", "utf-16", 415, "unsupported_charset"),
        ("application/json; charset=latin-1", "utf-8", 415, "unsupported_charset"),
    ],
)
def test_bodies_must_be_utf8(api, item, content_type, body, status, code):
    """The probe's finding: a UTF-16 body was accepted, though the API promises UTF-8."""
    import json

    def post(path: str, raw: bytes, content_type: str):
        return api.client.generic(
            "POST", f"/api/v1{path}", raw, content_type=content_type, headers=api.headers
        )

    raw = json.dumps(accept(), ensure_ascii=False).encode(body)
    for path in ("/cases/events", "/cases/events/bulk"):
        response = post(path, raw, content_type)
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert not Case.objects.exists()
    # UTF-8, with or without a byte order mark, is fine.
    raw = json.dumps(accept(), ensure_ascii=False).encode("utf-8-sig")
    assert post("/cases/events", raw, "application/json; charset=UTF-8").status_code == 201


@pytest.mark.parametrize(
    "junk",
    [{"Authorization": "Bearer junk"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
)
def test_conflicting_credentials_are_refused(key_a, item, junk):
    """The probe's finding: a valid X-API-Key beside a junk Authorization header was accepted.
    Two credentials are refused whichever of them is valid."""
    client = ApiClient(None)
    response = client.post("/cases/events", accept(), {"X-API-Key": key_a.plaintext, **junk})
    assert response.status_code == 401
    assert "只能用其中一种方式" in response.json()["message"]
    bearer = {"Authorization": f"Bearer {key_a.plaintext}"}
    response = client.get("/cases", headers={**bearer, "X-API-Key": "xn_abcdefgh_junk"})
    assert response.status_code == 401
    assert not Case.objects.exists()


def test_an_inclusive_items_case_reads_its_rule_and_earlier_due(api, item):
    from xiaoneng.catalog.models import ServiceItemVersion

    ServiceItemVersion.objects.filter(item=item).update(count_rule="inclusive")
    api.post("/cases/events", accept())
    case = api.get("/cases/C1").json()
    assert case["count_rule"] == {"code": "inclusive", "label": "含本数（当日起算）"}
    # Monday 2 March counts as day 1: the tenth working day is 13 March, not 16 March.
    assert case["due_at"].startswith("2026-03-13")
