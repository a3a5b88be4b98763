"""计时规则 of a case: its item version counts the committed limit from the next day (次日起算,
the default) or including the day of acceptance (含本数). Worked out by hand against the 2026
calendar: 5 April 2026 is 清明, with Monday 6 April off."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.cases import services
from xiaoneng.cases.models import Case
from xiaoneng.catalog import services as catalog
from xiaoneng.catalog.models import ServiceItemVersion
from xiaoneng.workdays import SHANGHAI

from .conftest import accept, at, make_item

pytestmark = pytest.mark.django_db
D = datetime.date


def ingest(*raw, now):
    report = services.ingest(list(raw), source="api:test", actor="测试系统", now=now)
    assert report.rejected == 0, [r.message for r in report.results if r.status == "rejected"]


def due(number: str) -> datetime.date:
    case = Case.objects.get(number=number)
    assert case.due_at is not None
    return case.due_at.astimezone(SHANGHAI).date()


MATERIALS = [
    {"order": 1, "name": "申请书", "form": "original", "copies": 1, "mandatory": True, "note": ""}
]


@pytest.fixture
def two_items(org):
    """The same 10-day item twice, one of them counting 含本数."""
    make_item(org.dept_a, code="NEXT")
    make_item(org.dept_a, code="INCL")
    ServiceItemVersion.objects.filter(item__code="INCL").update(count_rule="inclusive")


def test_an_inclusive_item_is_due_one_working_day_earlier_across_a_holiday(two_items):
    now = at("2026-03-30 10:00")
    ingest(
        accept("N1", "2026-03-30 09:00", item_code="NEXT"),
        accept("I1", "2026-03-30 09:00", item_code="INCL"),
        now=now,
    )
    # 次日起算: 31 Mar, 1–3 Apr (4), 4–6 Apr off, 7–10 Apr (8), 13–14 Apr (10).
    assert due("N1") == D(2026, 4, 14)
    # 含本数: Monday 30 March is day 1, so the tenth working day is 13 April.
    assert due("I1") == D(2026, 4, 13)
    inclusive, next_day = Case.objects.get(number="I1"), Case.objects.get(number="N1")
    assert (inclusive.elapsed_days, next_day.elapsed_days) == (1, 0)
    # The warning moves with the due: two days left from the end of the 7th working day.
    assert inclusive.warn_at.astimezone(SHANGHAI) == at("2026-04-08 23:59:59")
    assert next_day.warn_at.astimezone(SHANGHAI) == at("2026-04-09 23:59:59")
    # The replay for pages agrees with what was stored.
    assert services.live_state(inclusive, now=now).due_at == inclusive.due_at


def test_an_acceptance_on_a_rest_day_counts_alike_under_both_rules(two_items):
    # Sunday 5 April (清明): the first working day after it, 7 April, is day 1 under 含本数 and
    # the first counted day under 次日起算 alike.
    ingest(
        accept("N2", "2026-04-05 09:00", item_code="NEXT"),
        accept("I2", "2026-04-05 09:00", item_code="INCL"),
        now=at("2026-04-05 10:00"),
    )
    assert due("N2") == due("I2") == D(2026, 4, 20)


def test_a_new_inclusive_version_leaves_existing_cases_their_deadlines(org, users):
    office = users[Role.OFFICE]
    item = make_item(org.dept_a, code="LAW")
    ingest(accept("OLD", "2026-03-30 09:00", item_code="LAW"), now=at("2026-03-30 10:00"))
    before = Case.objects.get(number="OLD").due_at
    with time_machine.travel(at("2026-03-31 09:00"), tick=False):
        content = catalog.content_of(item.current_version)
        catalog.publish_version(
            office,
            item,
            effective_from=D(2026, 3, 31),
            version={**content.version, "count_rule": "inclusive"},
            materials=MATERIALS,
            fees=content.fees,
            steps=content.steps,
        )
    ingest(accept("NEW", "2026-03-31 09:00", item_code="LAW"), now=at("2026-03-31 10:00"))
    old = Case.objects.get(number="OLD")
    services.refresh_cases([old], now=at("2026-04-01 10:00"))
    old.refresh_from_db()
    assert old.item_version.count_rule == "next_day" and old.due_at == before
    new = Case.objects.get(number="NEW")
    assert new.item_version.count_rule == "inclusive"
    # 31 Mar is day 1: 31, 1–3 Apr (4), 7–10 (8), 13–14 (10).
    assert due("NEW") == D(2026, 4, 14)


def test_the_rule_is_refused_unless_known(org, users):
    item = make_item(org.dept_a, code="BAD")
    content = catalog.content_of(item.current_version)
    with (
        time_machine.travel(at("2026-03-31 09:00"), tick=False),
        pytest.raises(catalog.CatalogError) as refused,
    ):
        catalog.publish_version(
            users[Role.OFFICE],
            item,
            effective_from=D(2026, 4, 1),
            version={**content.version, "count_rule": "same_day"},
            materials=MATERIALS,
            fees=content.fees,
            steps=content.steps,
        )
    assert [(p.field, "计时规则" in p.message) for p in refused.value.problems] == [
        ("count_rule", True)
    ]


def test_case_and_item_pages_show_the_rule(client, two_items, users):
    ingest(accept("I3", "2026-03-30 09:00", item_code="INCL"), now=at("2026-03-30 10:00"))
    client.force_login(users[Role.OFFICE])
    case = Case.objects.get(number="I3")
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "计时规则" in page and "含本数（当日起算）" in page
    item = case.item
    detail = client.get(reverse("catalog:item_detail", args=[item.pk])).content.decode()
    assert "计时规则" in detail and "含本数（当日起算）" in detail
    public = client.get(reverse("catalog:guide_item", args=["NEXT"])).content.decode()
    assert "计时规则" in public and "次日起算" in public
