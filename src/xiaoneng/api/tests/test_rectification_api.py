"""整改接口: list and read the tasks of the key's subtree, file progress idempotently; the case
API's error shape for every refusal."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from xiaoneng.accounts.roles import Role
from xiaoneng.audit.models import AuditEntry
from xiaoneng.rectification import services
from xiaoneng.rectification.models import ProgressReport, Task
from xiaoneng.testing.factories import StaffFactory
from xiaoneng.workdays import SHANGHAI

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 5, 10, tzinfo=SHANGHAI)


def _task(unit, users, title="窗口排长队", *, start=True) -> Task:
    with time_machine.travel(NOW, tick=False):
        task = services.open_task(
            users[Role.OFFICE],
            services.OpenTask(
                source=services.SourceRef("manual", None, "督查督办"),
                unit=unit,
                title=title,
                complete_by=date(2026, 6, 30),
                progress_dates=(date(2026, 4, 15),),
            ),
        )
        if start:
            head = StaffFactory(unit=unit)
            plan = services.PlanIn(
                (
                    services.MeasureIn(
                        problem_id=task.problems.get().pk,
                        cause_kind="system",
                        cause="原因",
                        action="增开窗口",
                        responsible_unit_id=unit.pk,
                        leader_id=head.pk,
                        person_id=head.pk,
                        due_date=date(2026, 5, 31),
                        standard="等候不超过20分钟",
                    ),
                )
            )
            services.submit_plan(users[Role.OFFICE], task, plan)
            services.approve_plan(users[Role.OFFICE], task)
    task.refresh_from_db()
    return task


def test_list_and_read_within_the_keys_subtree(api, api_b, users, org):
    mine = _task(org.dept_a, users)
    other = _task(org.dept_b, users, "乙局问题", start=False)
    page = api.get("/rectification/tasks").json()
    assert [t["number"] for t in page["items"]] == [mine.number]
    assert page["next_cursor"] is None
    assert page["items"][0]["status"] == {"code": "in_progress", "label": "整改中"}
    body = api.get(f"/rectification/tasks/{mine.number}").json()
    assert body["problems"] == [{"order": 1, "title": "窗口排长队", "detail": ""}]
    assert body["measures"][0]["action"] == "增开窗口" and "person" not in body["measures"][0]
    assert body["progress"][0]["due_on"] == "2026-04-15"
    missing = api.get(f"/rectification/tasks/{other.number}")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "not_found",
        "message": f"没有编号为“{other.number}”的整改任务",
        "field": "number",
    }
    assert api.get("/rectification/tasks/ZG20260000").status_code == 404
    assert (
        api_b.get("/rectification/tasks", {"status": "planning"}).json()["items"][0]["number"]
        == other.number
    )
    bad = api.get("/rectification/tasks", {"status": "nonsense"})
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    number = api.get("/rectification/tasks", {"updated_since": "-2.7e-224"})
    assert number.status_code == 422 and number.json()["field"] == "updated_since"


def test_progress_from_a_department_system(api, users, org):
    task = _task(org.dept_a, users)
    path = f"/rectification/tasks/{task.number}/progress"
    body = {"report_id": "R-1", "text": "已增开两个窗口"}
    with time_machine.travel(datetime(2026, 4, 10, 9, tzinfo=SHANGHAI), tick=False):
        first = api.post(path, body)
        again = api.post(path, body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["due_on"] == "2026-04-15" and again.json()["created"] is False
    report = ProgressReport.objects.get(external_id="R-1")
    assert report.filed_by_name == "接口:甲局审批系统" and report.filed_by is None
    assert AuditEntry.objects.filter(actor_name="接口:甲局审批系统").exists()
    conflict = api.post(path, {"report_id": "R-1", "text": "别的内容"})
    assert conflict.status_code == 409 and conflict.json()["code"] == "report_id_conflict"
    blank = api.post(path, {"report_id": "R-2", "text": "   "})
    assert blank.status_code == 422 and blank.json()["field"] == "text"
    extra = api.post(path, {"report_id": "R-3", "text": "x", "who": "me"})
    assert extra.status_code == 422 and extra.json()["field"] == "who"
    assert api.post(path, b"{not json").status_code == 400


def test_progress_on_a_closed_task_is_refused(api, users, org):
    task = _task(org.dept_a, users)
    Task.objects.filter(pk=task.pk).update(status=Task.Status.CLOSED)
    refused = api.post(
        f"/rectification/tasks/{task.number}/progress", {"report_id": "R-9", "text": "补报"}
    )
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "invalid_state",
        "message": "该整改任务当前为“已办结”，不能报告整改进展",
        "field": None,
    }
    assert not ProgressReport.objects.filter(external_id="R-9").exists()


def test_a_key_without_a_header_is_refused(anonymous):
    response = anonymous.get("/rectification/tasks")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_schema_names_are_unique_in_the_document(client):
    """Ninja names the document's components by class name: two ``FiledOut`` classes (the
    complaint's and the progress report's) made the complaint's 201 point at the other one."""
    import inspect

    from ninja import Schema

    from xiaoneng.api import cases_api, complaints_api, rectification_api

    names: dict[str, object] = {}
    for module in (cases_api, complaints_api, rectification_api):
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
            ):
                assert name not in names, f"{name} in {module.__name__} and {names[name]}"
                names[name] = module.__name__
    document = client.get("/api/v1/openapi.json").json()
    filed = document["paths"]["/api/v1/complaints"]["post"]["responses"]["201"]
    ref = filed["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "query_code" in document["components"]["schemas"][ref]["properties"]
