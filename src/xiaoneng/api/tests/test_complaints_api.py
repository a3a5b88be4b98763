"""The contract of /api/v1/complaints: filing from a hotline platform, idempotency, scope, reads."""

from __future__ import annotations

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.api import services as keys
from xiaoneng.audit.models import AuditEntry
from xiaoneng.complaints import crypto
from xiaoneng.complaints import services as complaints
from xiaoneng.complaints.models import Complaint, ComplaintEvent
from xiaoneng.testing.factories import UnitFactory

from .conftest import ApiClient, Key

pytestmark = pytest.mark.django_db

NAME, PHONE, CALLER = "钱秘密", "13800001111", "13999998888"


@pytest.fixture
def hotline(users, org) -> ApiClient:
    """The 12345 platform's key, issued for the top-level unit (where the office sits)."""
    return ApiClient(Key(*keys.create_key(users[Role.OFFICE], "12345热线平台", org.root)))


def body(**kw) -> dict:
    data = {
        "external_id": "HL-2026-0001",
        "channel": "hotline",
        "hotline_line": "12345",
        "caller_number": CALLER,
        "category": "ban_delay",
        "title": "营业执照变更拖了一个月",
        "text": "在市甲局申请营业执照变更，超过承诺时限仍未办结。",
        "named_unit": "A",
        "anonymous": False,
        "identity": {"name": NAME, "phone": PHONE},
    }
    data.update(kw)
    return data


def test_file_a_complaint_returns_number_and_query_code(hotline, org):
    response = hotline.post("/complaints", body())
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["created"] is True and out["status"]["code"] == "submitted"
    complaint = Complaint.objects.get(number=out["number"])
    assert complaint.channel == "hotline" and complaint.caller_line == "12345"
    assert complaint.named_unit == org.dept_a and complaint.external_id == "HL-2026-0001"
    # The identity, caller number included, is only in the encrypted token.
    assert crypto.decrypt_identity(complaint.identity_token) == {
        "name": NAME,
        "phone": PHONE,
        "caller_number": CALLER,
    }
    assert complaints.lookup_public(out["number"], out["query_code"]) == complaint
    event = ComplaintEvent.objects.get(complaint=complaint, kind="submit")
    assert event.actor_name == "接口:12345热线平台"
    entry = AuditEntry.objects.get(object_type="complaints.complaint", object_id=str(complaint.pk))
    assert NAME not in str(entry.after) and CALLER not in str(entry.after)
    assert "external_digest" not in entry.after


def test_a_resend_returns_the_first_filing_and_a_changed_body_conflicts(hotline):
    first = hotline.post("/complaints", body()).json()
    again = hotline.post("/complaints", body())
    assert again.status_code == 200
    assert again.json()["number"] == first["number"]
    assert again.json()["query_code"] == first["query_code"]
    assert again.json()["created"] is False
    changed = hotline.post("/complaints", body(text="内容改了"))
    assert changed.status_code == 409
    assert changed.json()["code"] == "external_id_conflict"
    assert changed.json()["field"] == "external_id"
    assert first["number"] in changed.json()["message"]
    assert Complaint.objects.count() == 1
    assert hotline.post("/complaints", body(external_id="HL-2")).status_code == 201


def test_anonymous_complaints_keep_no_identity_or_caller_number(hotline):
    out = hotline.post("/complaints", body(anonymous=True)).json()
    complaint = Complaint.objects.get(number=out["number"])
    assert complaint.anonymous and complaint.identity_token == ""


def test_a_department_key_may_not_file_but_reads_what_was_routed_to_it(
    hotline, api, api_b, users, org
):
    refused = api.post("/complaints", body())
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    number = hotline.post("/complaints", body()).json()["number"]
    assert api.get(f"/complaints/{number}").status_code == 404
    complaint = Complaint.objects.get(number=number)
    complaints.accept(users[Role.OFFICE], complaint, unit=org.dept_a)
    out = api.get(f"/complaints/{number}").json()
    assert out["handling_unit"]["code"] == "A" and out["status"]["code"] == "handling"
    assert api_b.get(f"/complaints/{number}").status_code == 404


def test_a_centre_key_may_file(users, org):
    centre = UnitFactory(name="政务服务中心", code="ZW", parent=org.root, kind="centre")
    client = ApiClient(Key(*keys.create_key(users[Role.OFFICE], "中心热线", centre)))
    assert client.post("/complaints", body()).status_code == 201


def test_status_follows_the_workflow_without_identity(hotline, users, org):
    out = hotline.post("/complaints", body()).json()
    complaint = Complaint.objects.get(number=out["number"])
    office = users[Role.OFFICE]
    complaints.accept(office, complaint, unit=org.dept_a)
    complaints.submit_finding(users[Role.LIAISON], complaint, finding="true", text="查明属实。")
    status = hotline.get(f"/complaints/{out['number']}").json()
    assert status["finding"] is None  # not before the office approved it
    complaints.approve(office, complaint)
    complaints.reply(office, complaint, "经查属实，已责令整改。")
    response = hotline.get(f"/complaints/{out['number']}")
    status = response.json()
    assert status["status"]["code"] == "replied" and status["public_status"] == "已答复"
    assert status["finding"] == {"code": "true", "label": "属实"}
    assert status["reply_text"] == "经查属实，已责令整改。"
    assert status["external_id"] == "HL-2026-0001"
    text = response.content.decode()
    assert NAME not in text and PHONE not in text and CALLER not in text


@pytest.mark.parametrize(
    ("change", "code", "field", "words"),
    [
        ({"category": "nope"}, "invalid", "category", "投诉类别"),
        ({"named_unit": "NOPE"}, "unknown_unit", "named_unit", "单位"),
        ({"channel": "web"}, "invalid", "channel", "取值不在允许范围内"),
        ({"title": ""}, "invalid", "title", "不能为空"),
        ({"title": "   "}, "invalid", "title", "格式不对"),
        ({"text": "x" * 5001}, "invalid", "text", "太长"),
        ({"identity": {"name": ""}}, "invalid", "identity", "实名投诉须提供投诉人姓名"),
        ({"identity": None}, "invalid", "identity", "实名投诉须提供投诉人姓名"),
        ({"identity": {"name": NAME, "phone": "abc"}}, "invalid", "identity.phone", "格式不对"),
        ({"title": "a\x00b"}, "bad_text", "title", "无法保存"),
        ({"extra": 1}, "invalid", "extra", "不认识的字段"),
        ({"external_id": ""}, "invalid", "external_id", "不能为空"),
        ({"anonymous": "true"}, "invalid", "anonymous", "应为 true 或 false"),
        ({"anonymous": 1}, "invalid", "anonymous", "应为 true 或 false"),
        ({"kind": "praise"}, "invalid", "kind", "取值不在允许范围内"),
        ({"kind": None}, "invalid", "kind", "取值不在允许范围内"),
    ],
)
def test_invalid_bodies_are_422_with_the_field(hotline, change, code, field, words):
    response = hotline.post("/complaints", body(**change))
    assert response.status_code == 422, response.content
    out = response.json()
    assert (out["code"], out["field"]) == (code, field) and words in out["message"]
    assert not Complaint.objects.exists()


def test_the_document_lists_the_category_codes_in_use(anonymous):
    from xiaoneng.complaints.models import Category

    Category.objects.filter(code="ban_delay").update(is_active=False)
    schema = anonymous.client.get("/api/v1/openapi.json").json()
    named, anonymous_variant = schema["components"]["schemas"]["ComplaintIn"]["oneOf"]
    codes = named["properties"]["category"]["enum"]
    assert codes == sorted(Category.objects.filter(is_active=True).values_list("code", flat=True))
    assert "ban_delay" not in codes and codes
    assert named["required"][-1] == "identity" and "anonymous" in anonymous_variant["required"]


def test_bad_json_and_missing_key(hotline, anonymous):
    response = hotline.post("/complaints", b"{not json")
    assert response.status_code == 400 and response.json()["code"] == "bad_json"
    assert hotline.post("/complaints", [1, 2]).status_code == 422
    assert anonymous.post("/complaints", body()).status_code == 401
    assert anonymous.get("/complaints/TS1").status_code == 401


def test_unknown_number_is_404(hotline):
    response = hotline.get("/complaints/TS20260101000000")
    assert response.status_code == 404 and response.json()["field"] == "number"


def test_the_operations_are_documented(anonymous):
    schema = anonymous.get("/openapi.json").json()
    post = schema["paths"]["/api/v1/complaints"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body_schema = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert all("external_id" in variant["required"] for variant in body_schema["oneOf"])
    assert "$defs" not in str(body_schema)
    assert {"201", "200", "409", "403", "422"} <= set(post["responses"])
    assert "/api/v1/complaints/{number}" in schema["paths"]


@pytest.mark.parametrize("kind", ["consult", "help", "complaint", "suggest"])
def test_the_request_type_is_taken_and_read_back(hotline, kind):
    response = hotline.post("/complaints", body(kind=kind))
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert Complaint.objects.get(number=number).kind == kind
    read = hotline.get(f"/complaints/{number}").json()
    assert read["kind"]["code"] == kind and read["kind"]["label"] == str(Complaint.Kind(kind).label)


def test_without_a_type_it_is_a_complaint_and_resends_match_either_way(hotline):
    first = hotline.post("/complaints", body())
    assert Complaint.objects.get(number=first.json()["number"]).kind == "complaint"
    spelled_out = hotline.post("/complaints", body(kind="complaint"))
    assert spelled_out.status_code == 200 and spelled_out.json()["created"] is False
    changed = hotline.post("/complaints", body(kind="consult"))
    assert changed.status_code == 409 and changed.json()["code"] == "external_id_conflict"


def test_a_consultation_gets_its_own_limit_under_the_12345_preset(hotline, users, org):
    from xiaoneng.complaints.models import ComplaintRules

    ComplaintRules.objects.create(tier_preset="hotline")
    number = hotline.post("/complaints", body(kind="consult")).json()["number"]
    complaint = complaints.accept(
        users[Role.OFFICE], Complaint.objects.get(number=number), unit=org.dept_a
    )
    assert complaint.kind == "consult"
    assert complaints.handle_days(ComplaintRules.current(), complaint.kind) == 3


def test_the_document_lists_the_request_types(anonymous):
    schema = anonymous.get("/openapi.json").json()
    named, anonymous_variant = schema["components"]["schemas"]["ComplaintIn"]["oneOf"]
    for variant in (named, anonymous_variant):
        kind = variant["properties"]["kind"]
        assert kind["enum"] == ["complaint", "consult", "help", "suggest"]
        assert kind["default"] == "complaint" and "kind" not in variant["required"]
