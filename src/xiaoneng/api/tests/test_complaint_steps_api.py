"""退单、改派、维持原派、并单、撤销并单 through the API: who may act (a key acts for its unit),
idempotency by ``request_id``, and a structured error for every refusal of the services."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from xiaoneng.accounts.roles import Role
from xiaoneng.api import services as keys
from xiaoneng.api.models import ApiRequest
from xiaoneng.audit.models import AuditEntry
from xiaoneng.complaints import services
from xiaoneng.complaints.models import Category, Complaint, ComplaintEvent, Dispute, TownshipUnit
from xiaoneng.testing.factories import UnitFactory
from xiaoneng.workdays import SHANGHAI

from .conftest import ApiClient, Key

pytestmark = pytest.mark.django_db

# Monday 2026-06-01, a working week without holidays.
MONDAY = datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)


@pytest.fixture
def office_api(users, org) -> ApiClient:
    """The office's key (the top-level unit, where the office sits)."""
    return ApiClient(Key(*keys.create_key(users[Role.OFFICE], "12345热线平台", org.root)))


def _file(users) -> Complaint:
    complaint, _code = services.submit_complaint(
        users[Role.OFFICE],
        channel=Complaint.Channel.HOTLINE,
        category=Category.objects.get(code="ban_delay"),
        title="办证拖了两个月",
        content="窗口一直说材料不齐。",
        identity=services.Identity(name="王某", phone="13900001111"),
    )
    return complaint


def _routed(users, unit) -> Complaint:
    complaint = _file(users)
    return services.accept(users[Role.OFFICE], complaint, unit=unit)


def _fresh(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)


# ---- 退单 -------------------------------------------------------------------------------------


def test_the_handling_units_key_objects_and_a_resend_changes_nothing(api, users, org):
    with time_machine.travel(MONDAY, tick=False):
        c = _routed(users, org.dept_a)
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        body = {"request_id": "TD-1", "reason": "不属于本局职责", "suggested_unit": "B"}
        first = api.post(f"/complaints/{c.number}/objection", body)
        assert first.status_code == 201, first.content
        out = first.json()
        assert out["created"] is True and out["status"]["code"] == "objected"
        assert out["action"] == {"code": "object", "label": "退单"}
        assert out["handling_unit"] == {"code": "A", "name": "市甲局"}
        again = api.post(f"/complaints/{c.number}/objection", body)
    assert again.status_code == 200
    assert again.json() == {**out, "created": False}
    dispute = Dispute.objects.get(complaint=c)
    assert dispute.suggested_unit == org.dept_b and dispute.filed_by is None
    assert Dispute.objects.count() == 1 and ApiRequest.objects.count() == 1
    event = ComplaintEvent.objects.get(complaint=c, kind="object")
    assert event.actor_name == "接口:甲局审批系统"
    assert AuditEntry.objects.filter(
        actor_name="接口:甲局审批系统", summary__startswith="退单"
    ).exists()


def test_another_units_key_cannot_object_and_the_office_key_may_not(api_b, office_api, users, org):
    with time_machine.travel(MONDAY, tick=False):
        c = _routed(users, org.dept_a)
        body = {"request_id": "TD-1", "reason": "不属于本局职责"}
        other = api_b.post(f"/complaints/{c.number}/objection", body)
        office = office_api.post(f"/complaints/{c.number}/objection", body)
    # Another unit's key: exactly what a missing complaint answers.
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    assert office.status_code == 403 and office.json()["code"] == "forbidden"
    assert _fresh(c).status == Complaint.Status.HANDLING


def test_objection_refusals_are_structured(api, users, org):
    with time_machine.travel(datetime(2026, 6, 5, 17, tzinfo=SHANGHAI), tick=False):  # Friday
        c = _routed(users, org.dept_a)
        blank = api.post(f"/complaints/{c.number}/objection", {"request_id": "R", "reason": " "})
        same = api.post(
            f"/complaints/{c.number}/objection",
            {"request_id": "R", "reason": "不归我们", "suggested_unit": "A"},
        )
        unknown = api.post(
            f"/complaints/{c.number}/objection",
            {"request_id": "R", "reason": "不归我们", "suggested_unit": "NOPE"},
        )
        extra = api.post(
            f"/complaints/{c.number}/objection", {"request_id": "R", "reason": "x", "days": 3}
        )
    assert (blank.status_code, blank.json()["code"], blank.json()["field"]) == (
        422,
        "invalid",
        "reason",
    )
    assert (same.status_code, same.json()["code"], same.json()["field"]) == (
        422,
        "bad_unit",
        "suggested_unit",
    )
    assert unknown.json()["code"] == "unknown_unit" and unknown.status_code == 422
    assert extra.json()["code"] == "invalid" and extra.json()["field"] == "days"
    # Past the 退单时限 (one working day after Friday's routing: Monday's end).
    with time_machine.travel(datetime(2026, 6, 9, 9, tzinfo=SHANGHAI), tick=False):
        late = api.post(f"/complaints/{c.number}/objection", {"request_id": "R", "reason": "晚了"})
    assert late.status_code == 409 and late.json()["code"] == "invalid_state"
    assert "退单时限" in late.json()["message"]
    assert not Dispute.objects.exists() and not ApiRequest.objects.exists()


# ---- 改派 / 维持原派 ---------------------------------------------------------------------------


def test_office_key_reroutes_and_a_units_key_may_not(api, office_api, users, org):
    with time_machine.travel(MONDAY, tick=False):
        c = _routed(users, org.dept_a)
        api.post(f"/complaints/{c.number}/objection", {"request_id": "T", "reason": "不归我们"})
        body = {"request_id": "GP-1", "unit": "B", "note": "同意退单"}
        refused = api.post(f"/complaints/{c.number}/reroute", body)
        same = office_api.post(f"/complaints/{c.number}/reroute", {**body, "unit": "A"})
        done = office_api.post(f"/complaints/{c.number}/reroute", body)
        resend = office_api.post(f"/complaints/{c.number}/reroute", body)
        reused = office_api.post(
            f"/complaints/{c.number}/insist", {"request_id": "GP-1", "reason": "x"}
        )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert same.status_code == 422 and same.json()["code"] == "bad_unit"
    assert done.status_code == 201, done.content
    assert (
        done.json()["handling_unit"]["code"] == "B" and done.json()["status"]["code"] == "handling"
    )
    assert resend.status_code == 200 and resend.json()["created"] is False
    assert reused.status_code == 409 and reused.json()["code"] == "request_id_conflict"
    assert reused.json()["field"] == "request_id"
    dispute = Dispute.objects.get(complaint=c)
    assert dispute.decision == Dispute.Decision.REROUTE and dispute.new_unit == org.dept_b
    # Nothing to decide any more: the state refuses, structured.
    again = office_api.post(f"/complaints/{c.number}/insist", {"request_id": "I", "reason": "x"})
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


def test_push_down_needs_the_confirmation(api, office_api, users, org):
    town = UnitFactory(name="东街道", code="T1", parent=org.root)
    TownshipUnit.objects.create(unit=town)
    with time_machine.travel(MONDAY, tick=False):
        c = _routed(users, org.dept_a)
        api.post(f"/complaints/{c.number}/objection", {"request_id": "T", "reason": "不归我们"})
        body = {"request_id": "GP", "unit": "T1"}
        unconfirmed = office_api.post(f"/complaints/{c.number}/reroute", body)
        confirmed = office_api.post(
            f"/complaints/{c.number}/reroute",
            {**body, "request_id": "GP2", "confirm_push_down": True},
        )
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["code"] == "push_down_unconfirmed"
    assert unconfirmed.json()["field"] == "confirm_push_down"
    assert confirmed.status_code == 201 and _fresh(c).handling_unit == town


def test_office_key_insists(api, office_api, users, org):
    with time_machine.travel(MONDAY, tick=False):
        c = _routed(users, org.dept_a)
        api.post(f"/complaints/{c.number}/objection", {"request_id": "T", "reason": "不归我们"})
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        done = office_api.post(
            f"/complaints/{c.number}/insist", {"request_id": "WC", "reason": "属于甲局职责"}
        )
    assert done.status_code == 201, done.content
    assert done.json()["handling_unit"]["code"] == "A" and done.json()["due_at"]
    assert Dispute.objects.get(complaint=c).decision == Dispute.Decision.INSIST


# ---- 并单 / 撤销并单 ---------------------------------------------------------------------------


def test_office_key_merges_and_unmerges(api, office_api, users, org):
    main, repeat = _file(users), _file(users)
    body = {"request_id": "BD-1", "main": main.number.lower()}
    by_unit = api.post(f"/complaints/{repeat.number}/merge", body)
    itself = office_api.post(f"/complaints/{repeat.number}/merge", {**body, "main": repeat.number})
    missing = office_api.post(f"/complaints/{repeat.number}/merge", {**body, "main": "TS0000"})
    done = office_api.post(f"/complaints/{repeat.number}/merge", body)
    resend = office_api.post(f"/complaints/{repeat.number}/merge", body)
    assert by_unit.status_code == 403 and by_unit.json()["code"] == "forbidden"
    assert itself.status_code == 422 and itself.json()["code"] == "bad_main"
    assert missing.status_code == 422 and missing.json()["code"] == "unknown_complaint"
    assert done.status_code == 201 and done.json()["merged_into"] == main.number
    assert done.json()["status"]["code"] == "merged" and done.json()["due_at"] is None
    assert resend.status_code == 200 and resend.json()["merged_into"] == main.number
    # A main complaint cannot be merged into its own repeat (the repeat is not waiting).
    twice = office_api.post(
        f"/complaints/{main.number}/merge", {"request_id": "X", "main": repeat.number}
    )
    assert twice.status_code == 422 and twice.json()["code"] == "bad_main"
    undone = office_api.post(
        f"/complaints/{repeat.number}/unmerge", {"request_id": "CX", "reason": "并非同一事项"}
    )
    assert undone.status_code == 201 and undone.json()["status"]["code"] == "submitted"
    assert undone.json()["merged_into"] is None and undone.json()["due_at"]
    # Undone already: nothing to undo, structured.
    again = office_api.post(
        f"/complaints/{repeat.number}/unmerge", {"request_id": "CX2", "reason": "再撤"}
    )
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    assert _fresh(repeat).merged_into is None


def test_bad_bodies_and_unknown_complaints(office_api, users):
    nothing = office_api.post("/complaints/TS404/merge", {"request_id": "A", "main": "TS1"})
    assert nothing.status_code == 404 and nothing.json()["field"] == "number"
    c = _file(users)
    assert office_api.post(f"/complaints/{c.number}/unmerge", "{").json()["code"] == "bad_json"
    listed = office_api.post(f"/complaints/{c.number}/unmerge", "[1]")
    assert listed.status_code == 422 and listed.json()["code"] == "invalid"
    nul = office_api.post(
        f"/complaints/{c.number}/unmerge", {"request_id": "A", "reason": "a\u0000"}
    )
    assert nul.json()["code"] == "bad_text" and nul.json()["field"] == "reason"


def test_people_keep_their_refusals(users, org):
    """Opening the steps to systems did not open them to the wrong people."""
    from django.core.exceptions import PermissionDenied

    with time_machine.travel(MONDAY, tick=False):
        c = _routed(users, org.dept_a)
        with pytest.raises(PermissionDenied, match="只有承办单位的联络员可以退单"):
            services.object_routing(users[Role.OFFICE], c, "x")
        services.object_routing(users[Role.LIAISON], c, "不归我们")
        with pytest.raises(PermissionDenied, match="只有效能办可以改派"):
            services.reroute(users[Role.LIAISON], _fresh(c), unit=org.dept_b)
        with pytest.raises(PermissionDenied, match="只有效能办可以审核退单"):
            services.insist(users[Role.LEADER], _fresh(c), "x")
    repeat = _file(users)
    with pytest.raises(PermissionDenied, match="只有效能办可以并单"):
        services.merge(users[Role.LIAISON], repeat, c)


def test_the_document_keeps_case_steps_and_complaint_steps_apart(anonymous):
    """Two response schemas with one name would share one component (a case's steps once read
    as complaint steps)."""
    schema = anonymous.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    assert "number" in components["ComplaintStepOut"]["properties"]
    assert "limit_days" in components["StepOut"]["properties"]
    step = schema["paths"]["/api/v1/complaints/{number}/merge"]["post"]["responses"]["201"]
    assert step["content"]["application/json"]["schema"]["$ref"].endswith("/ComplaintStepOut")
