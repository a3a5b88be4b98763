"""The audit chain: appends link up, and any alteration, deletion or reordering is found."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from xiaoneng.audit import services as audit
from xiaoneng.audit.models import AuditEntry
from xiaoneng.org import services as org_services
from xiaoneng.org.models import Unit


@pytest.fixture
def chain(org, office_user):
    """Five real entries written by domain services."""
    for i in range(5):
        org_services.create_unit(
            office_user, name=f"链测试单位{i}", code=f"CH{i}", kind="section", parent=org.dept_a
        )
    assert AuditEntry.objects.count() == 5
    return AuditEntry.objects.order_by("seq")


def _raw(sql: str, params: list) -> None:
    # Tampering happens behind the ORM's back, as an attacker with database access would do it.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_service_change_writes_linked_entries(chain, office_user):
    entries = list(chain)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == "0" * 64
    for prev, entry in itertools.pairwise(entries):
        assert entry.prev_hash == prev.hash
    first = entries[0]
    assert first.actor_id == office_user.pk
    assert first.action == "create"
    assert first.object_type == "org.unit"
    assert first.after["name"] == "链测试单位0"
    report = audit.verify()
    assert report.ok and report.checked == 5 and report.head_hash == entries[-1].hash


def test_update_records_before_and_after(org, office_user):
    org_services.update_unit(office_user, org.dept_b, name="市乙局（新）")
    entry = AuditEntry.objects.get(seq=1)
    assert entry.before["name"] == "市乙局"
    assert entry.after["name"] == "市乙局（新）"
    assert "name" in entry.summary


def test_altered_entry_is_found(chain):
    _raw("UPDATE audit_auditentry SET object_repr = %s WHERE seq = 3", ["伪造"])
    report = audit.verify()
    assert not report.ok and report.first_broken_seq == 3
    assert "内容" in report.problem


def test_altered_json_payload_is_found(chain):
    entry = chain.get(seq=2)
    tampered = dict(entry.after, name="篡改后的名称")
    import json

    _raw("UPDATE audit_auditentry SET after = %s WHERE seq = 2", [json.dumps(tampered)])
    assert audit.verify().first_broken_seq == 2


def test_deleted_entry_is_found(chain):
    _raw("DELETE FROM audit_auditentry WHERE seq = 2", [])
    report = audit.verify()
    assert not report.ok and report.first_broken_seq == 2


def test_reordered_entries_are_found(chain):
    # Swap the sequence numbers of entries 2 and 3 (through a free value for the unique index).
    _raw("UPDATE audit_auditentry SET seq = 1000 WHERE seq = 2", [])
    _raw("UPDATE audit_auditentry SET seq = 2 WHERE seq = 3", [])
    _raw("UPDATE audit_auditentry SET seq = 3 WHERE seq = 1000", [])
    report = audit.verify()
    assert not report.ok and report.first_broken_seq == 2


def test_recomputed_hash_still_breaks_the_link(chain):
    """Rewriting one entry and fixing its own hash (even with the key) still breaks the next
    entry's link."""
    entry = chain.get(seq=3)
    entry.object_repr = "伪造"
    _raw(
        "UPDATE audit_auditentry SET object_repr = %s, hash = %s WHERE seq = 3",
        ["伪造", audit._digest(entry, audit.chain_keys()[0])],
    )
    assert audit.verify().first_broken_seq == 4


def test_truncated_tail_is_found(chain):
    _raw("DELETE FROM audit_auditentry WHERE seq = 5", [])
    report = audit.verify()
    assert not report.ok and report.first_broken_seq == 5
    assert "末尾" in report.problem


def test_entries_cannot_be_changed_through_the_orm(chain):
    entry = chain.first()
    entry.summary = "改"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_failed_change_leaves_no_entry(org, office_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        org_services.update_unit(office_user, org.dept_a, parent=org.section_a)
    assert AuditEntry.objects.count() == 0
    assert Unit.objects.get(pk=org.dept_a.pk).parent_id == org.root.pk


def test_verify_command(chain, capsys):
    call_command("audit", "verify")
    assert "审计链完整：共 5 条" in capsys.readouterr().out
    _raw("UPDATE audit_auditentry SET actor_name = %s WHERE seq = 4", ["别人"])
    with pytest.raises(CommandError, match="第 4 条"):
        call_command("audit", "verify")


def test_audit_page_lists_and_filters(client, chain, office_user, users):
    from xiaoneng.accounts.roles import Role

    client.force_login(office_user)
    page = client.get("/office/audit/", {"q": "链测试单位3"}).content.decode()
    assert "链测试单位3" in page and "链测试单位1" not in page
    page = client.get("/office/audit/", {"since": "not-a-date"}).content.decode()
    assert "格式不对" in page
    client.force_login(users[Role.LIAISON])
    assert client.get("/office/audit/").status_code == 403


def test_audit_list_is_light_and_each_entry_has_its_page(client, chain, office_user, users):
    from xiaoneng.accounts.roles import Role

    # A batch of events carries a long list in its entry; the list page shows the summary only.
    audit.record(
        "演示数据生成",
        audit.Action.EVENT,
        object_type="cases.caseevent",
        object_id="api:demo",
        object_repr="办件事件（api:demo）",
        summary="提交事件 1000 个",
        after={"events": [[f"NO-{i}", f"NO-{i}-0", "accept"] for i in range(1000)]},
    )
    client.force_login(office_user)
    listing = client.get("/office/audit/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "提交事件 1000 个" in html and "NO-999" not in html
    assert len(listing.content) < 60_000
    entry = AuditEntry.objects.get(seq=6)
    assert '/office/audit/6/"' in html

    detail = client.get("/office/audit/6/").content.decode()
    assert "提交事件 1000 个" in detail and entry.hash in detail and entry.prev_hash in detail
    # Each event reads as its values, not as JSON.
    assert "（NO-999、NO-999-0、accept）" in detail and "&quot;" not in detail
    assert "上一条" in detail and "下一条" not in detail
    assert client.get("/office/audit/1/").status_code == 200
    assert client.get("/office/audit/999/").status_code == 404
    client.force_login(users[Role.LIAISON])
    assert client.get("/office/audit/6/").status_code == 403


def test_pages_name_the_kind_of_record_not_its_table(client, users):
    """Issue 9: the log said “evaluation.paperform #719”; users call it 纸质评议表."""
    from xiaoneng.accounts.roles import Role
    from xiaoneng.audit import services as audit
    from xiaoneng.audit.models import object_type_label

    assert object_type_label("org.unit") == "单位"
    assert object_type_label("gone.model") == "gone.model"
    office = users[Role.OFFICE]
    entry = audit.record(office, audit.Action.EVENT, office.unit, summary="测试")
    client.force_login(office)
    page = client.get("/office/audit/").content.decode()
    detail = client.get(f"/office/audit/{entry.seq}/").content.decode()
    rows = page.split("</select>")[-1]
    assert "org.unit" not in rows and "org.unit" not in detail
    assert '<span class="muted">单位</span>' in rows
    assert '<option value="org.unit">单位</option>' in page
