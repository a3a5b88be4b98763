"""The bulk writers in ``xiaoneng.dbutil`` store exactly what the ORM would, on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction

from xiaoneng.cases import services
from xiaoneng.cases.models import Case, CaseEvent, CaseMonthStat
from xiaoneng.dbutil import bulk_update_rows, insert_rows, reserve_ids

from .conftest import at


def _case(item, number: str, **fields) -> Case:
    version = item.versions.get()
    return Case(
        number=number,
        code_digest=services.code_digests(number, "ABC234")[0],
        item=item,
        item_version=version,
        unit=item.unit,
        applicant_name="张三",
        accepted_at=at("2026-03-02 09:30"),
        **fields,
    )


@pytest.mark.django_db(transaction=True)
def test_reserved_ids_are_fresh_and_inserted_rows_read_back_as_the_orm_wrote_them(item):
    orm = _case(item, "ORM-1", due_at=at("2026-03-16 23:59"), stat_month=date(2026, 3, 1))
    orm.save()
    with transaction.atomic():
        first = reserve_ids(Case, 3)
        second = reserve_ids(Case, 2)
        assert len(set(first + second)) == 5 and min(first) > orm.pk
        assert second[0] > first[-1]
        rows = []
        for pk, n in zip(first, range(3), strict=False):
            case = _case(
                item,
                f"BULK-{n}",
                due_at=at("2026-03-16 23:59") + timedelta(microseconds=n),
                stat_month=date(2026, 3, 1),
                stat_on_time=True,
            )
            case.pk = pk
            rows.append(case)
        insert_rows(Case, rows)
        assert all(not c._state.adding for c in rows)
    # A plain save after the bulk insert never collides with a reserved id.
    later = _case(item, "ORM-2")
    later.save()
    assert later.pk > max(second)

    stored = {c.number: c for c in Case.objects.all()}
    assert stored["BULK-1"].due_at == at("2026-03-16 23:59") + timedelta(microseconds=1)
    assert stored["BULK-0"].due_at == stored["ORM-1"].due_at
    assert stored["BULK-0"].stat_month == date(2026, 3, 1) and stored["BULK-0"].stat_on_time
    assert stored["BULK-0"].created_at is not None
    # Filters compare stored text on SQLite: a bulk row must match what an ORM row matches.
    assert Case.objects.filter(due_at=at("2026-03-16 23:59")).count() == 2


@pytest.mark.django_db
def test_inserted_json_and_updates_round_trip(item):
    case = _case(item, "J-1")
    case.save()
    event = CaseEvent(
        case_id=case.pk,
        source="api:t",
        external_id="e1",
        body_hash="h",
        kind="fee",
        at=at("2026-03-03 10:00"),
        data={"fees": [{"name": "工本费", "amount": "10.00"}], "note": "中文"},
    )
    insert_rows(CaseEvent, [event])
    assert event.pk is None  # nothing is read back
    stored = CaseEvent.objects.get(external_id="e1")
    assert stored.data == {"fees": [{"name": "工本费", "amount": "10.00"}], "note": "中文"}
    assert stored.recorded_at is not None

    case.light, case.finished_at = "red", at("2026-03-20 16:00")
    bulk_update_rows(Case, [case], ["light", "finished_at"])
    case.refresh_from_db()
    assert case.light == "red" and case.finished_at == at("2026-03-20 16:00")


@pytest.mark.django_db(transaction=True)
def test_reserve_ids_outside_a_transaction(item):
    from django.db import connection

    if connection.vendor == "sqlite":
        # SQLite's counter is only ours while the transaction holds the write lock.
        with pytest.raises(RuntimeError, match="transaction"):
            reserve_ids(Case, 1)
    else:
        first, second = reserve_ids(Case, 2)  # a sequence needs no transaction
        assert second > first


@pytest.mark.django_db
def test_rollup_upsert_adds_to_existing_rows(item):
    month = date(2026, 3, 1)
    key = (month, item.unit_id, item.pk, item.unit_id)
    services._apply_rollups({key: [2, 1, 1, 9, "promised"]}, {})
    services._apply_rollups({key: [1, 1, 0, 4, "promised"]}, {})
    row = CaseMonthStat.objects.get()
    assert (row.finished, row.on_time, row.early, row.days_total) == (3, 2, 1, 13)
