"""The deadline engine on cases: lights, cards exactly once, notifications, crash safety."""

from __future__ import annotations

import threading

import pytest

from xiaoneng.accounts.roles import Role
from xiaoneng.cases import services
from xiaoneng.cases.models import Case
from xiaoneng.notifications.models import Notification
from xiaoneng.supervision import watches
from xiaoneng.supervision.models import Card
from xiaoneng.testing.factories import StaffFactory, UserFactory

from .conftest import accept, at, event


def run(*raw, now):
    report = services.ingest(list(raw), source="api:test", actor="测试系统", now=now)
    assert report.rejected == 0, [r.message for r in report.results]


@pytest.fixture
def liaison(org):
    return UserFactory(role=Role.LIAISON, unit=org.dept_a)


@pytest.mark.django_db
def test_case_goes_yellow_then_red_with_one_card(item, liaison, org):
    handler_user = UserFactory(role=Role.WINDOW, unit=org.dept_a)
    handler = StaffFactory(unit=org.dept_a, user=handler_user)
    run(accept(handler_staff_no=handler.staff_no), now=at("2026-03-02 10:00"))
    assert watches.sweep(now=at("2026-03-11 12:00")).total == 0
    report = watches.sweep(now=at("2026-03-12 08:00"))
    assert report.warned == {"cases.case": 1}
    case = Case.objects.get()
    assert case.light == "yellow" and case.warned_at is not None
    warned = Notification.objects.filter(kind="warning")
    assert {n.recipient for n in warned} == {handler_user, liaison}

    report = watches.sweep(now=at("2026-03-17 08:00"))
    assert report.overdue == {"cases.case": 1}
    case.refresh_from_db()
    assert case.light == "red"
    card = Card.objects.get()
    assert (card.color, card.cause, card.unit, card.staff) == (
        "red",
        "case_overdue",
        org.dept_a,
        handler,
    )
    assert Notification.objects.filter(kind="card", recipient=liaison).count() == 1
    # Later sweeps find nothing new; finishing late does not raise a second card.
    assert watches.sweep(now=at("2026-03-18 08:00")).total == 0
    run(event("finish", "2026-03-18 10:00", result="approved"), now=at("2026-03-18 11:00"))
    assert Card.objects.count() == 1
    case.refresh_from_db()
    assert case.status == "approved" and case.light == "red" and not case.deadline_open


@pytest.mark.django_db
def test_finished_late_before_any_sweep_still_gets_its_card(item):
    run(
        accept(), event("finish", "2026-03-20 10:00", result="approved"), now=at("2026-03-20 11:00")
    )
    assert Card.objects.get().cause == "case_overdue"
    assert watches.sweep(now=at("2026-03-21 08:00")).total == 0


@pytest.mark.django_db
def test_extension_after_warning_rearms_the_watch(item):
    run(accept(), now=at("2026-03-02 10:00"))
    watches.sweep(now=at("2026-03-12 08:00"))
    run(event("extension", "2026-03-12 09:00", days=5), now=at("2026-03-12 10:00"))
    case = Case.objects.get()
    assert case.light == "green" and case.warned_at is None
    assert watches.sweep(now=at("2026-03-17 08:00")).total == 0  # old due passed: nothing
    assert watches.sweep(now=at("2026-03-24 08:00")).overdue == {"cases.case": 1}


@pytest.mark.django_db
def test_step_over_its_limit_is_a_yellow_card(item):
    run(
        accept(),
        event("step_start", "2026-03-02 11:00", step_code="review"),
        now=at("2026-03-02 12:00"),
    )
    report = watches.sweep(now=at("2026-03-10 08:00"))  # review: 5 days → due end of 9 March
    assert report.overdue == {"cases.step": 1}
    card = Card.objects.get()
    assert (card.color, card.cause) == ("yellow", "step_overdue")
    assert Case.objects.get().light == "yellow"


@pytest.mark.django_db
def test_repeated_correction_and_three_yellows_make_a_red(item, org):
    from .conftest import make_item

    for n in range(3):
        make_item(org.dept_a, code=f"R{n}")
        run(
            accept(f"R{n}", item_code=f"R{n}"),
            event("correction_notice", "2026-03-03 10:00", number=f"R{n}", materials=["身份证"]),
            event("correction_received", "2026-03-04 10:00", number=f"R{n}"),
            event("correction_notice", "2026-03-05 10:00", number=f"R{n}", materials=["户口簿"]),
            now=at("2026-03-05 11:00"),
        )
    yellow = Card.objects.filter(color="yellow", cause="repeated_correction")
    assert yellow.count() == 3
    red = Card.objects.get(color="red")
    assert red.cause == "yellow_accumulation" and red.unit == org.dept_a


@pytest.mark.django_db
def test_fee_outside_catalog_is_a_red_card(org):
    from .conftest import make_item

    make_item(org.dept_a, code="FEE", fees=[("工本费", "10.00")])
    run(
        accept("F1", item_code="FEE"),
        event(
            "fee",
            "2026-03-03 10:00",
            number="F1",
            event_id="fee-ok",
            fees=[{"name": "工本费", "amount": "10.00"}],
        ),
        now=at("2026-03-03 11:00"),
    )
    assert not Card.objects.exists()
    run(
        event(
            "fee",
            "2026-03-04 10:00",
            number="F1",
            event_id="fee-bad",
            fees=[{"name": "加急费", "amount": "50"}],
        ),
        now=at("2026-03-04 11:00"),
    )
    card = Card.objects.get()
    assert (card.color, card.cause) == ("red", "fee_outside_catalog") and "加急费" in card.summary


@pytest.mark.django_db
def test_unfiled_refusal_is_a_yellow_card(item):
    run(
        accept(),
        event("reject", "2026-03-03 10:00", reason="不属于本机关职权范围"),
        now=at("2026-03-03 11:00"),
    )
    assert watches.sweep(now=at("2026-03-06 12:00")).total == 0  # due end of 6 March
    assert watches.sweep(now=at("2026-03-07 08:00")).overdue == {"cases.veto": 1}
    assert Card.objects.get().cause == "veto_unfiled"


@pytest.mark.django_db
def test_crash_mid_batch_loses_and_doubles_nothing(item, org, monkeypatch):
    from .conftest import make_item

    for n in range(5):
        make_item(org.dept_a, code=f"K{n}")
        run(accept(f"K{n}", item_code=f"K{n}"), now=at("2026-03-02 10:00"))
    original = watches.REGISTRY["cases.case"]
    calls = {"n": 0}

    def flaky(cases, now):
        # Cards for the first three are written, then the worker dies before the batch commits.
        original.on_due(cases[:3], now)
        calls["n"] += 1
        raise RuntimeError("worker killed")

    monkeypatch.setitem(
        watches.REGISTRY, "cases.case", watches.Watch("cases.case", Case, on_due=flaky)
    )
    with pytest.raises(RuntimeError):
        watches.sweep(now=at("2026-03-17 08:00"), watches=["cases.case"])
    assert Card.objects.count() == 0  # the batch rolled back as a whole
    monkeypatch.setitem(watches.REGISTRY, "cases.case", original)
    watches.sweep(now=at("2026-03-17 08:00"))
    watches.sweep(now=at("2026-03-17 09:00"))
    assert Card.objects.filter(cause="case_overdue").count() == 5


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_race_without_doubling(item, org):
    from django.db import connections

    from .conftest import make_item

    for n in range(40):
        make_item(org.dept_a, code=f"P{n}")
        run(accept(f"P{n}", item_code=f"P{n}"), now=at("2026-03-02 10:00"))
    errors = []

    def worker():
        try:
            watches.sweep(now=at("2026-03-17 08:00"), batch=7)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert Card.objects.filter(cause="case_overdue").count() == 40
    assert Case.objects.filter(overdue_at__isnull=True).count() == 0
